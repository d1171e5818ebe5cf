"""The core's ``source`` plugin (``pyknative_make_source``): PingSource's adapters, run in-process;
ContainerSource's, run through the platform's runtime; SinkBinding's binder, which writes its subjects."""

from __future__ import annotations

from pyknative.api.sources import API_VERSION, ContainerSource, PingSource, SinkBinding
from pyknative.hookspecs import hookimpl


class _CoreSources:
    @hookimpl
    def pyknative_provides(self):
        return {"source": [PingSource.KIND.kind, ContainerSource.KIND.kind, SinkBinding.KIND.kind]}

    @hookimpl
    def pyknative_make_source(self, api_version, kind, platform):
        if api_version != API_VERSION:
            return None
        if kind == ContainerSource.KIND.kind:
            from pyknative.reconciler.containersource.adapter import ContainerAdapters

            return ContainerAdapters(platform)
        if kind == SinkBinding.KIND.kind:
            from pyknative.reconciler.sinkbinding.binder import SinkBinder

            return SinkBinder(platform)
        if kind != PingSource.KIND.kind:
            return None
        from pyknative.reconciler.pingsource.adapter import ping_adapter
        from pyknative.reconciler.pingsource.resources import RESOURCE_GROUP
        from pyknative.sources.adapters import InProcessAdapters

        return InProcessAdapters.for_platform(platform, ping_adapter(), resource_group=RESOURCE_GROUP)


plugin = _CoreSources()
