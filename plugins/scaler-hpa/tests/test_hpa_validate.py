"""HPAScaler.validate: Knative's admission rules for the annotations the HPA class reads."""

from __future__ import annotations

import pytest
from _hpa_helpers import A
from pyknative_scaler_hpa import HPAScaler

from pyknative import FieldError

PATH = "spec.template.metadata.annotations"


@pytest.mark.parametrize(
    ("annotations", "key", "fragment"),
    [
        pytest.param({"metric": ""}, "metric", "name a metric", id="metric-empty"),
        pytest.param({"metric": "  "}, "metric", "name a metric", id="metric-blank"),
        pytest.param({"metric": "http_requests", "target": "0.5"}, "target", "less than 1", id="custom-under-1"),
        pytest.param({"metric": "http_requests", "target": "1e19"}, "target", "64 bits", id="custom-overflows"),
        pytest.param({"target": "eighty"}, "target", "must be a number", id="target-not-number"),
        pytest.param({"target": "0"}, "target", "at least 0.01", id="target-zero"),
        pytest.param({"target": "-5"}, "target", "at least 0.01", id="target-negative"),
        pytest.param({"target": "nan"}, "target", "finite", id="target-nan"),
        pytest.param({"metric": "memory", "target": "0.5"}, "target", "whole number of Mi", id="memory-under-1mi"),
        pytest.param({"target": "3e9"}, "target", "32 bits", id="cpu-target-overflows"),
        pytest.param({"min-scale": "-1"}, "min-scale", "out of bounds", id="min-negative"),
        pytest.param({"max-scale": "many"}, "max-scale", "must be an integer", id="max-not-int"),
        pytest.param({"min-scale": "4", "max-scale": "2"}, "max-scale", "less than min-scale", id="max-below-min"),
        pytest.param({"initial-scale": "-3"}, "initial-scale", "out of bounds", id="initial-negative"),
        pytest.param({"window": "5s"}, "window", "out of bounds", id="window-too-short"),
        pytest.param({"window": "61m"}, "window", "out of bounds", id="window-too-long"),
        pytest.param({"window": "10.5s"}, "window", "second precision", id="window-sub-second"),
        pytest.param({"window": "a minute"}, "window", "must be a duration", id="window-not-duration"),
        pytest.param({"minScale": "x"}, "minScale", "must be an integer", id="camel-case-key"),
    ],
)
def test_validate_rejects(annotations, key, fragment):
    errors = HPAScaler().validate({A + k: v for k, v in annotations.items()}, PATH)
    assert len(errors) == 1, errors
    assert isinstance(errors[0], FieldError)
    assert errors[0].path == f"{PATH}[{A}{key}]"
    assert fragment in errors[0].message


@pytest.mark.parametrize(
    "annotations",
    [
        {},
        {"metric": "cpu", "target": "80"},
        {"metric": "cpu", "target": "250"},  # utilization above 100% of the request is legal (limit > request)
        {"metric": "memory", "target": "256"},
        # Knative's HPA class takes any non-empty metric name: a custom metric (a Pods metric in Kubernetes)
        {"metric": "http_requests", "target": "100"},
        {"metric": "concurrency"},
        {"metric": "CPU"},  # names are case-sensitive: a custom metric, not cpu
        {"target": "0.01"},
        {"min-scale": "1", "max-scale": "10", "initial-scale": "2", "window": "2m"},
        {"max-scale": "0", "min-scale": "3"},
        {"class": "hpa.autoscaling.knative.dev", "scale-down-delay": "anything the HPA does not read"},
    ],
)
def test_validate_accepts(annotations):
    assert HPAScaler().validate({A + k: v for k, v in annotations.items()}, PATH) == []


def test_validate_reports_every_problem_at_once():
    bad = {A + "metric": "", A + "min-scale": "x", A + "window": "1s"}
    paths = sorted(e.path for e in HPAScaler().validate(bad, PATH))
    assert paths == [f"{PATH}[{A}metric]", f"{PATH}[{A}min-scale]", f"{PATH}[{A}window]"]
