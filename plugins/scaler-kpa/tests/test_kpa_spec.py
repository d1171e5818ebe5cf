"""Settings resolution (config, annotations, Knative's defaults), Go durations and window averages."""

from __future__ import annotations

import pytest
from _kpa_helpers import NOW, A, series, steady
from pyknative_scaler_kpa import parse_duration, resolve_spec
from pyknative_scaler_kpa.windows import concurrency, window_average

from pyknative.scaling import MetricSample


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("60s", 60.0, id="seconds"),
        pytest.param("1m30s", 90.0, id="minutes-seconds"),
        pytest.param("500ms", 0.5, id="milliseconds"),
        pytest.param("1h", 3600.0, id="hours"),
        pytest.param("1.5h", 5400.0, id="fraction"),
        pytest.param(".5s", 0.5, id="leading-dot"),
        pytest.param("0", 0.0, id="bare-zero"),
        pytest.param("-2s", -2.0, id="negative"),
        pytest.param("2us", 2e-6, id="micro-us"),
        pytest.param("2\u00b5s", 2e-6, id="micro-sign"),
        pytest.param("1h2m3s4ms", 3723.004, id="all-units"),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "60", "s", "1x", "1m 30s", "1.2.3s", "abc", "-"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_defaults_with_empty_config():
    spec = resolve_spec({}, {}, 0)
    assert (spec.metric, spec.target, spec.total) == ("concurrency", 70.0, 100.0)
    assert (spec.stable_window, spec.panic_window, spec.panic_threshold) == (60.0, 6.0, 2.0)
    assert (spec.max_scale_up_rate, spec.max_scale_down_rate, spec.target_burst_capacity) == (1000.0, 2.0, 211.0)
    assert (spec.grace_period, spec.retention_period, spec.scale_down_delay) == (30.0, 0.0, 0.0)
    assert (spec.initial_scale, spec.min_scale, spec.max_scale, spec.activation_scale) == (1, 0, 0, 1)
    assert spec.enable_scale_to_zero is True


def test_annotations_override_config():
    config = {"stable-window": "2m", "panic-window-percentage": "20", "target-burst-capacity": "50"}
    spec = resolve_spec({}, config, 0)
    assert (spec.stable_window, spec.panic_window, spec.target_burst_capacity) == (120.0, 24.0, 50.0)
    ann = {A + "window": "30s", A + "panic-window-percentage": "50", A + "target-burst-capacity": "-1"}
    spec = resolve_spec(ann, config, 0)
    assert (spec.stable_window, spec.panic_window, spec.target_burst_capacity) == (30.0, 15.0, -1.0)


def test_activation_scale_comes_from_the_annotation_else_config_autoscaler():
    from pyknative.config import parse_config

    # the effective config-autoscaler the platform hands the scaler (pyknative's activation-scale key included)
    config = dict(parse_config({"config-autoscaler": {"activation-scale": "3"}}).section("config-autoscaler"))
    assert resolve_spec({}, config, 0).activation_scale == 3
    assert resolve_spec({A + "activation-scale": "5"}, config, 0).activation_scale == 5
    assert resolve_spec({}, dict(parse_config(None).section("config-autoscaler")), 0).activation_scale == 1
    assert resolve_spec({}, {"activation-scale": "many"}, 0).activation_scale == 1


def test_camel_case_annotations_are_read_after_kebab_case():
    assert resolve_spec({A + "minScale": "2"}, {}, 0).min_scale == 2
    assert resolve_spec({A + "minScale": "2", A + "min-scale": "4"}, {}, 0).min_scale == 4


def test_invalid_config_values_fall_back_to_defaults():
    spec = resolve_spec({}, {"stable-window": "soon", "max-scale-down-rate": "0.5", "enable-scale-to-zero": "maybe"}, 0)
    assert (spec.stable_window, spec.max_scale_down_rate, spec.enable_scale_to_zero) == (60.0, 2.0, True)


def test_invalid_annotations_are_ignored():
    spec = resolve_spec({A + "window": "1s", A + "target": "lots", A + "metric": "cpu"}, {}, 0)
    assert (spec.stable_window, spec.target, spec.metric) == (60.0, 70.0, "concurrency")


def test_legacy_fraction_utilization_and_rps_target():
    assert resolve_spec({}, {"container-concurrency-target-percentage": "0.5"}, 0).target == 50.0
    rps = resolve_spec({A + "metric": "rps"}, {"requests-per-second-target-default": "100"}, 0)
    assert (rps.target, rps.total) == (70.0, 100.0)


def test_tiny_target_is_floored():
    # the smallest target admission accepts, times the 70% utilisation, is below Knative's TargetMin
    assert resolve_spec({A + "target": "0.01"}, {}, 0).target == 0.01
    # one admission refuses is ignored, as every invalid annotation is: the default target applies
    assert resolve_spec({A + "target": "0.001"}, {}, 0).target == 70.0


def test_panic_window_is_at_least_one_second():
    assert resolve_spec({A + "window": "6s", A + "panic-window-percentage": "1"}, {}, 0).panic_window == 1.0


def test_unreachable_revision_has_no_min_scale():
    assert resolve_spec({A + "min-scale": "3"}, {}, 0, reachable=False).min_scale == 0


# --- window averages ------------------------------------------------------------------------------------------


def test_full_window_average():
    assert window_average(steady(42), NOW, 60, concurrency) == 42.0


def test_short_history_is_averaged_over_what_exists():
    assert window_average(steady(42, seconds=5), NOW, 60, concurrency) == 42.0


def test_gaps_between_samples_count_as_zero():
    samples = series([10, 0, 0, 10])[::3]  # samples at NOW-4 and NOW-1 only
    assert window_average(samples, NOW, 60, concurrency) == 5.0


def test_panic_window_only_sees_recent_seconds():
    samples = series([100] * 54 + [400] * 6)
    assert window_average(samples, NOW, 6, concurrency) == 400.0
    assert window_average(samples, NOW, 60, concurrency) == pytest.approx((53 * 100 + 6 * 400) / 59, abs=1e-6)


def test_no_samples_in_window_is_zero():
    old = (MetricSample(time=NOW - 200, concurrency=50, requests=50),)
    assert window_average(old, NOW, 60, concurrency) == 0.0
    assert window_average((), NOW, 60, concurrency) == 0.0


def test_history_restarts_after_a_silent_window():
    samples = steady(100, seconds=10, now=NOW - 100) + steady(30, seconds=3)
    assert window_average(samples, NOW, 60, concurrency) == 30.0


def test_a_window_past_admissions_bound_is_the_configs_for_the_kpa_and_for_metrics():
    """Before, the KPA took ``window: 2h`` while the core's /metrics reported the config's window: now both read
    the core's resolution."""
    from pyknative.autoscaling_settings import resolve
    from pyknative.config import AutoscalerConfig

    ann, config = {A + "window": "2h"}, {"stable-window": "30s"}
    assert resolve_spec(ann, config, 0).stable_window == 30.0
    assert resolve(ann, AutoscalerConfig.from_values(config)).stable_window == 30.0


@pytest.mark.parametrize(
    ("annotations", "config", "field", "want"),
    [
        # max-scale -1 was "no bound" for the KPA (max(0, -1)); the config's max-scale now, as for the floor clamp
        pytest.param({"max-scale": "-1"}, {"max-scale": "5"}, "max_scale", 5, id="negative-max-scale"),
        # min-scale -1 dropped the config's min-scale to 0
        pytest.param({"min-scale": "-1"}, {"min-scale": "2"}, "min_scale", 2, id="negative-min-scale"),
        # delays and retention past admission's 1h bound were taken
        pytest.param({"scale-down-delay": "2h"}, {}, "scale_down_delay", 0.0, id="delay-above-1h"),
        pytest.param({"scale-to-zero-pod-retention-period": "2h"}, {}, "retention_period", 0.0,
                     id="retention-above-1h"),
        # a utilisation above 100% aimed above the target (150% of 100 = 150)
        pytest.param({"target-utilization-percentage": "150"}, {}, "target", 70.0, id="utilization-above-100"),
    ],
)
def test_annotations_admission_refuses_fall_back_to_the_config(annotations, config, field, want):
    spec = resolve_spec({A + k: v for k, v in annotations.items()}, config, 0)
    assert getattr(spec, field) == want
