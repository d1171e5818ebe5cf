"""The ``pyknative.scaler`` entry point ``hpa``: makes an :class:`HPAScaler` for hpa.autoscaling.knative.dev and
contributes the ``config-hpa`` operator-config section."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyknative import hookimpl
from pyknative.config import Key, parse_duration
from pyknative_scaler_hpa import keys as k
from pyknative_scaler_hpa.scaler import HPAScaler


def _check_stabilization(text: str) -> float:
    seconds = parse_duration(text)
    if not 0 <= seconds <= 3600:
        raise ValueError(f"must be between 0s and 1h (Kubernetes' limit), got {text!r}")
    return seconds


def scale_down_stabilization(platform: Any) -> float:
    """``config-hpa: scale-down-stabilization`` in seconds from the platform's config (300 without one)."""
    config = getattr(platform, "config", None)
    if config is None:
        return _check_stabilization(k.STABILIZATION_DEFAULT)
    try:
        return _check_stabilization(config.get(k.CONFIG_SECTION, k.STABILIZATION_KEY))
    except KeyError:
        return _check_stabilization(k.STABILIZATION_DEFAULT)


class HPAPlugin:
    @hookimpl
    def pyknative_make_scaler(self, autoscaler_class: str, platform: Any) -> HPAScaler | None:
        if autoscaler_class != k.HPA_CLASS:
            return None
        return HPAScaler(scale_down_stabilization=scale_down_stabilization(platform))

    @hookimpl
    def pyknative_provides(self) -> Mapping[str, Sequence[str]]:
        return {"scaler": [k.HPA_CLASS]}

    @hookimpl
    def pyknative_config_schema(self) -> Mapping[str, Mapping[str, Any]]:
        return {k.CONFIG_SECTION: {k.STABILIZATION_KEY: Key(k.STABILIZATION_DEFAULT, _check_stabilization)}}


plugin = HPAPlugin()
