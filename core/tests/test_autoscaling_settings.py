"""One revision's autoscaling settings, resolved once: the annotation when valid, else config-autoscaler, else
Knative's default; and the lenient config-autoscaler view scalers get when handed a partial mapping."""

from __future__ import annotations

import pytest

from pyknative.autoscaling_settings import resolve
from pyknative.config import AutoscalerConfig, parse_config
from pyknative.scaling import ScaleInput

A = "autoscaling.knative.dev/"


def settings(annotations: dict[str, str] | None = None, config: dict[str, str] | None = None):
    return resolve({A + k: v for k, v in (annotations or {}).items()}, AutoscalerConfig.from_values(config))


def test_defaults_are_knatives():
    s = settings()
    assert (s.autoscaler_class, s.metric, s.target, s.target_utilization) == (
        "kpa.autoscaling.knative.dev",
        "concurrency",
        None,
        None,
    )
    assert (s.min_scale, s.max_scale, s.initial_scale, s.activation_scale) == (0, 0, 1, 1)
    assert (s.stable_window, s.panic_window, s.panic_threshold, s.target_burst_capacity) == (
        60.0,
        6.0,
        2.0,
        211.0,
    )
    assert (s.scale_down_delay, s.scale_to_zero_pod_retention_period) == (0.0, 0.0)
    assert s.annotated == frozenset()


@pytest.mark.parametrize(
    ("annotations", "config", "field", "want"),
    [
        # the annotation wins over the config
        pytest.param({"window": "2m"}, {"stable-window": "6s"}, "stable_window", 120.0, id="window"),
        pytest.param({}, {"stable-window": "6s"}, "stable_window", 6.0, id="window-from-config"),
        pytest.param(
            {"target-burst-capacity": "-1"},
            {"target-burst-capacity": "50"},
            "target_burst_capacity",
            -1.0,
            id="tbc-unbounded",
        ),
        pytest.param({"targetBurstCapacity": "7"}, {}, "target_burst_capacity", 7.0, id="tbc-older-spelling"),
        pytest.param({"max-scale": "3"}, {"max-scale": "7"}, "max_scale", 3, id="max-scale"),
        pytest.param({"max-scale": "0"}, {"max-scale": "7"}, "max_scale", 0, id="max-scale-0-is-no-bound"),
        pytest.param(
            {"minScale": "2", "min-scale": "4"}, {}, "min_scale", 4, id="kebab-case-before-camel-case"
        ),
        pytest.param({"initial-scale": "3"}, {}, "initial_scale", 3, id="initial-scale"),
        pytest.param(
            {"activation-scale": "5"}, {"activation-scale": "3"}, "activation_scale", 5, id="activation"
        ),
        pytest.param({}, {"activation-scale": "3"}, "activation_scale", 3, id="activation-from-config"),
        pytest.param({"panic-threshold-percentage": "300"}, {}, "panic_threshold", 3.0, id="panic-threshold"),
        pytest.param(
            {"scale-down-delay": "30s"}, {"scale-down-delay": "10s"}, "scale_down_delay", 30.0, id="delay"
        ),
        pytest.param({"target": "150"}, {}, "target", 150.0, id="target"),
        pytest.param(
            {"target-utilization-percentage": "80"}, {}, "target_utilization", 0.8, id="utilization"
        ),
        pytest.param({"class": "hpa.autoscaling.knative.dev"}, {}, "metric", "cpu", id="hpa-default-metric"),
        pytest.param(
            {},
            {"pod-autoscaler-class": "hpa.autoscaling.knative.dev"},
            "autoscaler_class",
            "hpa.autoscaling.knative.dev",
            id="class-from-config",
        ),
        # an annotation admission refuses is ignored: the config's value applies, else Knative's default
        pytest.param(
            {"window": "1s"}, {"stable-window": "10s"}, "stable_window", 10.0, id="window-too-short"
        ),
        pytest.param({"window": "6500ms"}, {}, "stable_window", 60.0, id="window-not-whole-seconds"),
        pytest.param(
            {"target-burst-capacity": "-3"},
            {"target-burst-capacity": "9"},
            "target_burst_capacity",
            9.0,
            id="tbc-out-of-range",
        ),
        pytest.param(
            {"target-burst-capacity": "lots"},
            {"target-burst-capacity": "inf"},
            "target_burst_capacity",
            211.0,
            id="tbc-neither-parses",
        ),
        pytest.param({"max-scale": "many"}, {"max-scale": "7"}, "max_scale", 7, id="max-scale-not-a-number"),
        pytest.param({"initial-scale": "0"}, {}, "initial_scale", 1, id="initial-zero-not-allowed"),
        pytest.param(
            {"initial-scale": "0"},
            {"allow-zero-initial-scale": "true"},
            "initial_scale",
            0,
            id="initial-zero-allowed",
        ),
        pytest.param(
            {"activation-scale": "0"}, {"activation-scale": "2"}, "activation_scale", 2, id="activation-0"
        ),
        pytest.param(
            {"panic-threshold-percentage": "100"}, {}, "panic_threshold", 2.0, id="panic-threshold-low"
        ),
        pytest.param(
            {}, {"panic-threshold-percentage": "50"}, "panic_threshold", 2.0, id="config-threshold-low"
        ),
        pytest.param(
            {"class": "  "}, {}, "autoscaler_class", "kpa.autoscaling.knative.dev", id="blank-class"
        ),
    ],
)
def test_annotation_over_config_over_default(annotations, config, field, want):
    assert getattr(settings(annotations, config), field) == want


@pytest.mark.parametrize(
    ("annotations", "config", "want"),
    [
        pytest.param({}, {}, (60.0, 6.0), id="defaults"),
        pytest.param({}, {"stable-window": "6s"}, (6.0, 1.0), id="panic-window-at-least-a-second"),
        pytest.param(
            {"window": "2m"},
            {"stable-window": "6s", "panic-window-percentage": "20"},
            (120.0, 24.0),
            id="annotated-window-config-percentage",
        ),
        pytest.param(
            {"panic-window-percentage": "50"}, {"stable-window": "10s"}, (10.0, 5.0), id="annotated-pct"
        ),
    ],
)
def test_metric_windows(annotations, config, want):
    s = settings(annotations, config)
    assert (s.stable_window, s.panic_window) == want


# The rules that had drifted apart: the KPA and HPA plugins parsed annotations themselves, the core's /metrics,
# gateway and floor clamp had their own reading. Each row is one such rule, now the same everywhere.
@pytest.mark.parametrize(
    ("annotations", "config", "field", "want"),
    [
        # the KPA decided over a 2h window while /metrics reported the config's; both use the config's now
        pytest.param({"window": "2h"}, {"stable-window": "30s"}, "stable_window", 30.0, id="window-above-1h"),
        # the KPA and HPA read max-scale -1 as "no bound", the core's floor clamp as the config's max-scale
        pytest.param({"max-scale": "-1"}, {"max-scale": "5"}, "max_scale", 5, id="negative-max-scale"),
        # the core read max-scale 3.0 as 3, the KPA and HPA as not a number (the config's)
        pytest.param({"max-scale": "3.0"}, {"max-scale": "5"}, "max_scale", 5, id="max-scale-not-an-integer"),
        # the KPA and HPA read min-scale -1 as 0, dropping the config's min-scale
        pytest.param({"min-scale": "-1"}, {"min-scale": "2"}, "min_scale", 2, id="negative-min-scale"),
        # the KPA took delays and retention periods past admission's 1h bound
        pytest.param(
            {"scale-down-delay": "2h"},
            {"scale-down-delay": "10s"},
            "scale_down_delay",
            10.0,
            id="delay-above-1h",
        ),
        pytest.param(
            {"scale-to-zero-pod-retention-period": "2h"},
            {"scale-to-zero-pod-retention-period": "1m"},
            "scale_to_zero_pod_retention_period",
            60.0,
            id="retention-above-1h",
        ),
        # the KPA took any positive utilisation (150% aimed above the target)
        pytest.param(
            {"target-utilization-percentage": "150"},
            {},
            "target_utilization",
            None,
            id="utilization-above-100",
        ),
        # the KPA and HPA took any positive target; admission's minimum is 0.01
        pytest.param({"target": "0.001"}, {}, "target", None, id="target-below-minimum"),
    ],
)
def test_drifted_rules_are_one_rule(annotations, config, field, want):
    assert getattr(settings(annotations, config), field) == want


@pytest.mark.parametrize(
    ("annotations", "reachable", "initialized", "want"),
    [
        pytest.param({}, True, False, 1, id="initial-scale-1"),
        pytest.param({"initial-scale": "3"}, True, False, 3, id="initial-scale-3"),
        pytest.param({"initial-scale": "0"}, True, False, 0, id="initial-scale-0"),
        pytest.param({"initial-scale": "0", "min-scale": "2"}, True, False, 2, id="min-scale-above-initial"),
        pytest.param(
            {"initial-scale": "0", "min-scale": "2"}, False, False, 0, id="unreachable-no-min-scale"
        ),
        pytest.param({"initial-scale": "0"}, True, True, 1, id="initialized-at-least-one"),
        pytest.param({"initial-scale": "3", "min-scale": "2"}, True, True, 2, id="initialized-min-scale"),
    ],
)
def test_active_threshold(annotations, reachable, initialized, want):
    s = settings(annotations, {"allow-zero-initial-scale": "true"})
    assert s.active_threshold(initialized=initialized, reachable=reachable) == want


def test_scale_bounds_drop_min_scale_for_an_unreachable_revision():
    s = settings({"min-scale": "2", "max-scale": "4"})
    assert (s.scale_bounds(True), s.scale_bounds(False)) == ((2, 4), (0, 4))


def test_annotated_names_the_settings_annotations_gave():
    s = settings({"window": "2m", "maxScale": "3", "target": "oops"})
    assert s.annotated == {"stable_window", "max_scale"}


def test_scale_input_resolves_its_settings_from_its_annotations_and_config():
    inp = ScaleInput(
        key="default/r-00001",
        annotations={A + "max-scale": "3"},
        config={"stable-window": "10s"},
        container_concurrency=0,
        samples=(),
        ready=0,
        current_desired=0,
        pending_requests=0,
        now=0.0,
    )
    assert (inp.settings.max_scale, inp.settings.stable_window) == (3, 10.0)
    import attrs

    again = attrs.evolve(inp, config={}, annotations={})
    assert (again.settings.max_scale, again.settings.stable_window) == (0, 60.0)


# ----------------------------------------------------------------------------- AutoscalerConfig.from_values


def test_from_values_of_a_loaded_section_is_the_loaded_view():
    loaded = parse_config(
        {"config-autoscaler": {"stable-window": "2m", "max-scale": "4", "max-scale-limit": "8"}}
    )
    assert AutoscalerConfig.from_values(loaded.section("config-autoscaler")) == loaded.autoscaler


@pytest.mark.parametrize(
    ("values", "field", "want"),
    [
        pytest.param({}, "stable_window", 60.0, id="missing-key-default"),
        pytest.param({"stable-window": "soon"}, "stable_window", 60.0, id="unparsable-default"),
        pytest.param({"max-scale-down-rate": "0.5"}, "max_scale_down_rate", 2.0, id="out-of-range-default"),
        pytest.param({"enable-scale-to-zero": "maybe"}, "enable_scale_to_zero", True, id="bad-bool-default"),
        pytest.param(
            {"container-concurrency-target-percentage": "0.5"},
            "container_concurrency_target_fraction",
            0.5,
            id="legacy-fraction-kept",
        ),
        # max-scale 50 comes first; the limit that would refuse it falls back instead
        pytest.param({"max-scale": "50", "max-scale-limit": "10"}, "max_scale_limit", 0, id="conflict"),
        pytest.param(
            {"progress-deadline": "1s", "max-scale": "3"}, "max_scale", 3, id="foreign-keys-ignored"
        ),
    ],
)
def test_from_values_falls_back_key_by_key(values, field, want):
    assert getattr(AutoscalerConfig.from_values(values), field) == want
