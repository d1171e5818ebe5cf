"""The class-independent autoscaling settings the core reads: target burst capacity and metric windows."""

from __future__ import annotations

import pytest

from pyknative.autoscaling_settings import metric_windows, target_burst_capacity

TBC = "autoscaling.knative.dev/target-burst-capacity"


@pytest.mark.parametrize(
    ("annotations", "config", "want"),
    [
        ({}, {}, 211.0),
        ({}, {"target-burst-capacity": "50"}, 50.0),
        ({TBC: "-1"}, {"target-burst-capacity": "50"}, -1.0),
        ({TBC: "0"}, {}, 0.0),
        ({"autoscaling.knative.dev/targetBurstCapacity": "7"}, {}, 7.0),  # the older spelling
        ({TBC: "-3"}, {"target-burst-capacity": "9"}, 9.0),  # out of range: the config's
        ({TBC: "lots"}, {"target-burst-capacity": "inf"}, 211.0),  # neither parses to a finite number: default
    ],
)
def test_target_burst_capacity(annotations, config, want):
    assert target_burst_capacity(annotations, config) == want


@pytest.mark.parametrize(
    ("annotations", "config", "want"),
    [
        ({}, {}, (60.0, 6.0)),
        ({}, {"stable-window": "6s"}, (6.0, 1.0)),  # the panic window is at least one second
        ({"autoscaling.knative.dev/window": "2m"}, {"stable-window": "6s", "panic-window-percentage": "20"}, (120.0, 24.0)),
        ({"autoscaling.knative.dev/window": "1s"}, {}, (60.0, 6.0)),  # below Knative's 6s minimum: ignored
        ({"autoscaling.knative.dev/panic-window-percentage": "50"}, {"stable-window": "10s"}, (10.0, 5.0)),
    ],
)
def test_metric_windows(annotations, config, want):
    assert metric_windows(annotations, config) == want


@pytest.mark.parametrize(
    ("annotations", "config", "want"),
    [
        ({}, {}, 0),
        ({}, {"max-scale": "7"}, 7),
        ({"autoscaling.knative.dev/max-scale": "3"}, {"max-scale": "7"}, 3),
        ({"autoscaling.knative.dev/maxScale": "4"}, {}, 4),  # the older spelling
        ({"autoscaling.knative.dev/max-scale": "0"}, {"max-scale": "7"}, 0),  # 0: no bound, as the annotation says
        ({"autoscaling.knative.dev/max-scale": "many"}, {"max-scale": "7"}, 7),  # does not parse: the config's
        ({"autoscaling.knative.dev/max-scale": "2.5"}, {}, 0),
    ],
)
def test_max_scale(annotations, config, want):
    from pyknative.autoscaling_settings import max_scale

    assert max_scale(annotations, config) == want
