"""The core's ``runtime`` plugin: ``local`` runs revision instances as child processes of ``pyknative serve``."""

from __future__ import annotations

from pyknative.hookspecs import hookimpl


class _LocalRuntimePlugin:
    @hookimpl
    def pyknative_provides(self):
        return {"runtime": ["local"]}

    @hookimpl
    def pyknative_make_runtime(self, name, platform):
        if name != "local":
            return None
        from pyknative.runtime.backend import LocalRuntime

        return LocalRuntime(log_dir=platform.data_dir / "logs", state_dir=platform.data_dir / "instances")


plugin = _LocalRuntimePlugin()
