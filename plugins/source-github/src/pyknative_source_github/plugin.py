"""The ``source`` plugin ``github``: the GitHubSource kind, its controller, its webhook route and its adapters."""

from __future__ import annotations

import weakref
from typing import Any

from pyknative import hookimpl
from pyknative.api.kinds import AGE_COLUMN, READY_COLUMN, REASON_COLUMN, KindRegistration, PrinterColumn
from pyknative.sources import InProcessAdapters
from pyknative_source_github.api import (
    API_VERSION,
    KIND,
    RESOURCE_GROUP,
    GitHubSource,
    validate_github_source,
)
from pyknative_source_github.receiver import Receiver

COLUMNS = (READY_COLUMN, REASON_COLUMN, PrinterColumn("SINK", ".status.sinkUri"), AGE_COLUMN)


class GitHubSourcePlugin:
    def __init__(self) -> None:
        self._receivers: weakref.WeakKeyDictionary[Any, Receiver] = weakref.WeakKeyDictionary()

    def receiver(self, platform: Any) -> Receiver:
        """The platform's receiver (one per platform: the route and the adapters share it)."""
        r = self._receivers.get(platform)
        if r is None:
            r = self._receivers[platform] = Receiver(platform.cache)
        return r

    @hookimpl
    def pyknative_provides(self):
        return {"source": [KIND]}

    @hookimpl
    def pyknative_kinds(self):
        return [
            KindRegistration(
                GitHubSource, validate=validate_github_source, columns=COLUMNS, categories=("all", "knative", "sources")
            )
        ]

    @hookimpl
    def pyknative_controllers(self, platform):
        from pyknative_source_github.controller import new_controller

        return [new_controller(platform)]

    @hookimpl
    def pyknative_http_routes(self, platform):
        return [self.receiver(platform).route()]

    @hookimpl
    def pyknative_make_source(self, api_version, kind, platform):
        if (api_version, kind) != (API_VERSION, KIND):
            return None
        return InProcessAdapters.for_platform(platform, self.receiver(platform).run, resource_group=RESOURCE_GROUP)


plugin = GitHubSourcePlugin()
