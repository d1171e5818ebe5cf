"""The ``source`` plugin: the ApiServerSource kind, its controller and its in-process adapters."""

from __future__ import annotations

from pyknative import hookimpl
from pyknative_source_k8s import api, events

#: the CloudEvent ``source`` when the platform has no admin listener
FALLBACK_URL = "http://127.0.0.1"


def api_server_url(platform) -> str:
    """The "API server host URL" of Knative's events: pyknative's admin API."""
    try:
        return platform.listener_url("admin")
    except ValueError:
        return FALLBACK_URL


class _Plugin:
    @hookimpl
    def pyknative_provides(self):
        return {"source": [api.KIND]}

    @hookimpl
    def pyknative_kinds(self):
        return [api.registration()]

    @hookimpl
    def pyknative_controllers(self, platform):
        from pyknative_source_k8s.controller import new_controller

        return [new_controller(platform, lambda: api_server_url(platform))]

    @hookimpl
    def pyknative_make_source(self, api_version, kind, platform):
        if (api_version, kind) != (api.API_VERSION, api.KIND):
            return None
        from pyknative.sources import InProcessAdapters
        from pyknative_source_k8s.adapter import apiserver_adapter

        run = apiserver_adapter(platform.store, platform.kinds, lambda: api_server_url(platform))
        return InProcessAdapters.for_platform(platform, run, resource_group=events.RESOURCE_GROUP)


plugin = _Plugin()
