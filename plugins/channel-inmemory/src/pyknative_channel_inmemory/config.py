"""The ``config-imc`` operator-config section: how many events a subscription may queue and deliver at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from pyknative.config import Key, parse_int, read_section
from pyknative.errors import ConfigError, FieldError

SECTION = "config-imc"
MAX_QUEUED = "max-queued-per-subscription"
MAX_IN_FLIGHT = "max-in-flight-per-subscription"
DEFAULT_MAX_QUEUED = 10_000
DEFAULT_MAX_IN_FLIGHT = 64


def parse_positive_int(text: str) -> int:
    """A base-10 integer of at least 1; ValueError otherwise."""
    value = parse_int(text)
    if value < 1:
        raise ValueError(f"must be at least 1, got {text!r}")
    return value


def _positive(_instance: Any, attribute: attrs.Attribute, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{attribute.name} must be an integer of at least 1, got {value!r}")


def config_schema() -> dict[str, dict[str, Key]]:
    """The section this plugin adds to the operator config, each key checked when the config is loaded."""
    return {
        SECTION: {
            MAX_QUEUED: Key(str(DEFAULT_MAX_QUEUED), parse_positive_int),
            MAX_IN_FLIGHT: Key(str(DEFAULT_MAX_IN_FLIGHT), parse_positive_int),
        }
    }


@attrs.frozen
class IMCConfig:
    #: events a subscription may hold waiting for delivery; one more makes ``publish`` raise ChannelError (503)
    max_queued: int = attrs.field(default=DEFAULT_MAX_QUEUED, validator=_positive)
    #: deliveries one unordered subscription runs at once (an ordered one runs one)
    max_in_flight: int = attrs.field(default=DEFAULT_MAX_IN_FLIGHT, validator=_positive)

    @classmethod
    def from_section(cls, values: Mapping[str, str]) -> IMCConfig:
        """Parse ``config-imc`` string values (a missing key keeps its default); ConfigError names each bad key."""
        errors: list[FieldError] = []
        parsed: dict[str, int] = {}
        for key, field in ((MAX_QUEUED, "max_queued"), (MAX_IN_FLIGHT, "max_in_flight")):
            if key not in values:
                continue
            try:
                parsed[field] = parse_positive_int(str(values[key]))
            except ValueError as exc:
                errors.append(FieldError(f"{SECTION}.{key}", str(exc)))
        if errors:
            raise ConfigError(errors)
        return cls(**parsed)

    @classmethod
    def from_platform(cls, platform: Any) -> IMCConfig:
        """Read ``config-imc`` from ``platform.config``; defaults when there is no platform or no such section."""
        values = read_section(getattr(platform, "config", None), SECTION, config_schema()[SECTION])
        return cls(max_queued=values[MAX_QUEUED], max_in_flight=values[MAX_IN_FLIGHT])
