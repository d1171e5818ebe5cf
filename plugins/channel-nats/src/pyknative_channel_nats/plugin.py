"""The ``pyknative.channel`` entry point ``nats``: the NatsJetStreamChannel kind, its backend and ``config-nats``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyknative import hookimpl
from pyknative.api import columns
from pyknative.api.eventing_kinds import CHANNEL
from pyknative.api.kinds import KindRegistration
from pyknative.config import Key, read_section
from pyknative_channel_nats.admission import default_channel, validate_channel
from pyknative_channel_nats.backend import NatsChannelBackend
from pyknative_channel_nats.model import API_VERSION, KIND, NatsJetStreamChannel
from pyknative_channel_nats.settings import SECTION, NatsSettings, config_schema


class NatsChannelPlugin:
    @hookimpl
    def pyknative_kinds(self) -> Sequence[KindRegistration]:
        # A channel kind carries the `channel` category (Knative's channel spec) and the channels' columns.
        return [
            KindRegistration(
                NatsJetStreamChannel,
                default_channel,
                validate_channel,
                addressable=True,
                columns=columns.ADDRESSABLE,
                categories=CHANNEL,
            )
        ]

    @hookimpl
    def pyknative_config_schema(self) -> Mapping[str, Mapping[str, Key]]:
        return config_schema()

    @hookimpl
    def pyknative_provides(self) -> Mapping[str, Sequence[str]]:
        return {"channel": [KIND]}

    @hookimpl
    def pyknative_make_channel(self, api_version: str, kind: str, platform: Any) -> NatsChannelBackend | None:
        """A new backend (one NATS connection) per call: the platform keeps the one it makes and closes it."""
        if (api_version, kind) != (API_VERSION, KIND):
            return None
        defaults = {key: spec.default for key, spec in config_schema()[SECTION].items()}
        section = read_section(getattr(platform, "config", None), SECTION, defaults)
        return NatsChannelBackend(NatsSettings.from_section(section))


plugin = NatsChannelPlugin()
