"""The core's ``source`` plugin: PingSource's adapters, run in-process (``pyknative_make_source``)."""

from __future__ import annotations

from pyknative.api.sources import API_VERSION, PingSource
from pyknative.hookspecs import hookimpl


class _CoreSources:
    @hookimpl
    def pyknative_provides(self):
        return {"source": [PingSource.KIND.kind]}

    @hookimpl
    def pyknative_make_source(self, api_version, kind, platform):
        if (api_version, kind) != (API_VERSION, PingSource.KIND.kind):
            return None
        from pyknative.reconciler.pingsource.adapter import ping_adapter
        from pyknative.reconciler.pingsource.resources import RESOURCE_GROUP
        from pyknative.sources.adapters import InProcessAdapters

        return InProcessAdapters.for_platform(platform, ping_adapter(), resource_group=RESOURCE_GROUP)


plugin = _CoreSources()
