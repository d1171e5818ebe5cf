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
        from pyknative.runtime.local import _connect_host
        from pyknative.runtime.spec import BASE_ENV

        passthrough = platform.config.get("pyknative", "instance-env-passthrough")
        gateway = getattr(platform, "gateway_address", None)  # None: no gateway to reach cluster-local hosts by
        proxy = None
        if gateway is not None:
            host = _connect_host(gateway[0])
            proxy = f"http://{f'[{host}]' if ':' in host else host}:{gateway[1]}"
        return LocalRuntime(
            log_dir=platform.data_dir / "logs",
            state_dir=platform.data_dir / "instances",
            store=platform.cache,
            inherit=(*BASE_ENV, *(p.strip() for p in passthrough.split(",") if p.strip())),
            run_dir=platform.data_dir / "run",
            cluster_proxy=proxy,
        )


plugin = _LocalRuntimePlugin()
