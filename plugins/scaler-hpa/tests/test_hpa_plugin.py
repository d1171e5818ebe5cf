"""The entry point: discovered by the core's plugin loader, answering the scaler hooks, with its config section."""

from __future__ import annotations

import pytest
from pyknative_scaler_hpa import HPAScaler

from pyknative import plugins
from pyknative.errors import ConfigError
from pyknative.platform import Platform
from pyknative.scaling import Scaler

HPA = "hpa.autoscaling.knative.dev"


def test_entry_point_is_discovered_and_provides_hpa():
    records = [r for r in plugins.report(plugins.load()) if r["role"] == "scaler" and r["name"] == "hpa"]
    assert len(records) == 1, records
    assert records[0]["status"] == "loaded", records[0]["error"]
    assert HPA in records[0]["provides"]


async def test_make_scaler_serves_only_the_hpa_class_with_the_default_window():
    loaded = plugins.load()
    assert loaded.provided("scaler")[HPA] == "hpa"
    scaler = await plugins.call_first(loaded.hook.pyknative_make_scaler, autoscaler_class=HPA, platform=None)
    assert isinstance(scaler, HPAScaler) and isinstance(scaler, Scaler)
    assert scaler.scale_down_stabilization == 300.0
    other = await plugins.call_first(loaded.hook.pyknative_make_scaler, autoscaler_class="x.example.com", platform=None)
    assert other is None


async def test_operator_config_section_sets_the_scale_down_stabilization(tmp_path):
    path = tmp_path / "ops.yaml"
    path.write_text("config-hpa:\n  scale-down-stabilization: 90s\n")
    platform = Platform.from_config(path)
    assert platform.config.get("config-hpa", "scale-down-stabilization") == "90s"
    scaler = await platform.scaler(HPA)
    assert scaler.scale_down_stabilization == 90.0

    default = Platform.from_config(None)
    assert default.config.get("config-hpa", "scale-down-stabilization") == "300s"


@pytest.mark.parametrize("value", ["2h", "soon", "-5s"])
def test_operator_config_refuses_a_bad_stabilization(tmp_path, value):
    path = tmp_path / "ops.yaml"
    path.write_text(f"config-hpa:\n  scale-down-stabilization: {value}\n")
    with pytest.raises(ConfigError, match="config-hpa.scale-down-stabilization"):
        Platform.from_config(path)
