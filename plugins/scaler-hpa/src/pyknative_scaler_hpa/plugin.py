"""The ``pyknative.scaler`` entry point ``hpa``: makes an :class:`HPAScaler` for hpa.autoscaling.knative.dev and
contributes the ``config-hpa`` operator-config section."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyknative import hookimpl
from pyknative.config import Key, parse_duration, read_section
from pyknative_scaler_hpa import keys as k
from pyknative_scaler_hpa.scaler import HPAScaler


def _check_stabilization(text: str) -> float:
    seconds = parse_duration(text)
    if not 0 <= seconds <= 3600:
        raise ValueError(f"must be between 0s and 1h (Kubernetes' limit), got {text!r}")
    return seconds


def _check_period(text: str) -> float:
    seconds = parse_duration(text)
    if seconds < 0:
        raise ValueError(f"must not be negative, got {text!r}")
    return seconds


#: the ``config-hpa`` section: each key's default and the check that turns it into seconds
CONFIG_KEYS: Mapping[str, Key] = {
    k.STABILIZATION_KEY: Key(k.STABILIZATION_DEFAULT, _check_stabilization),
    k.CPU_INITIALIZATION_KEY: Key(k.CPU_INITIALIZATION_DEFAULT, _check_period),
    k.READINESS_DELAY_KEY: Key(k.READINESS_DELAY_DEFAULT, _check_period),
}


def settings(platform: Any) -> dict[str, float]:
    """``config-hpa`` in seconds from the platform's config (the defaults without one)."""
    return read_section(getattr(platform, "config", None), k.CONFIG_SECTION, CONFIG_KEYS)


def scale_down_stabilization(platform: Any) -> float:
    """``config-hpa: scale-down-stabilization`` in seconds from the platform's config (300 without one)."""
    return settings(platform)[k.STABILIZATION_KEY]


class HPAPlugin:
    @hookimpl
    def pyknative_make_scaler(self, autoscaler_class: str, platform: Any) -> HPAScaler | None:
        if autoscaler_class != k.HPA_CLASS:
            return None
        values = settings(platform)
        return HPAScaler(
            scale_down_stabilization=values[k.STABILIZATION_KEY],
            cpu_initialization_period=values[k.CPU_INITIALIZATION_KEY],
            initial_readiness_delay=values[k.READINESS_DELAY_KEY],
        )

    @hookimpl
    def pyknative_provides(self) -> Mapping[str, Sequence[str]]:
        return {"scaler": [k.HPA_CLASS]}

    @hookimpl
    def pyknative_config_schema(self) -> Mapping[str, Mapping[str, Any]]:
        return {k.CONFIG_SECTION: CONFIG_KEYS}


plugin = HPAPlugin()
