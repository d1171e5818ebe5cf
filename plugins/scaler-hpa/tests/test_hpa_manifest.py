"""make_hpa: the autoscaling/v2 HorizontalPodAutoscaler, checked against Kubernetes 1.31's schema."""

from __future__ import annotations

import kubernetes_validate
import pytest
from _hpa_helpers import A
from pyknative_scaler_hpa import binary_si, decimal_si, make_hpa, parse_quantity

UID = "6b1a7c8e-0d4e-4c44-9f0e-2d1f4b1b2c3d"


def render(annotations, **kwargs):
    ann = {A + "class": "hpa.autoscaling.knative.dev", **{A + k: v for k, v in annotations.items()}}
    hpa = make_hpa("default", "hello-00001", ann, 0, UID, **kwargs)
    kubernetes_validate.validate(hpa, "1.31", strict=True)  # raises on anything a cluster would refuse
    return hpa


@pytest.mark.parametrize(
    ("annotations", "kwargs", "spec"),
    [
        pytest.param({}, {}, {"maxReplicas": 2147483647}, id="defaults-no-metric-no-min"),
        pytest.param(
            {"metric": "cpu", "target": "69.2", "min-scale": "2", "max-scale": "10"},
            {},
            {
                "minReplicas": 2,
                "maxReplicas": 10,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                    "type": "Utilization", "averageUtilization": 70}}}],
            },
            id="cpu-utilization-ceil",
        ),
        pytest.param(
            {"metric": "memory", "target": "1024.9"},
            {},
            {
                "maxReplicas": 2147483647,
                "metrics": [{"type": "Resource", "resource": {"name": "memory", "target": {
                    "type": "AverageValue", "averageValue": "1Gi"}}}],
            },
            id="memory-average-value-binary-si",
        ),
        pytest.param(
            {"metric": "http_requests", "target": "2000.7"},
            {},
            {
                "maxReplicas": 2147483647,
                "metrics": [{"type": "Pods", "pods": {"metric": {"name": "http_requests"}, "target": {
                    "type": "AverageValue", "averageValue": "2k"}}}],
            },
            id="custom-metric-pods-average-value-decimal-si",
        ),
        pytest.param({"metric": "http_requests"}, {}, {"maxReplicas": 2147483647}, id="custom-metric-no-target"),
        pytest.param(
            {"target": "50", "window": "2m"},
            {},
            {
                "maxReplicas": 2147483647,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                    "type": "Utilization", "averageUtilization": 50}}}],
                "behavior": {"scaleUp": {"stabilizationWindowSeconds": 120},
                             "scaleDown": {"stabilizationWindowSeconds": 120}},
            },
            id="window-both-stabilizations",
        ),
        pytest.param({}, {"config": {"min-scale": "1", "max-scale": "4"}}, {"minReplicas": 1, "maxReplicas": 4},
                     id="config-bounds"),
        pytest.param({"min-scale": "3"}, {"reachable": False}, {"maxReplicas": 2147483647},
                     id="unreachable-no-min"),
        pytest.param({}, {"scale_down_stabilization": 60.0},
                     {"maxReplicas": 2147483647, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}},
                     id="operator-stabilization"),
        pytest.param({}, {"scale_down_stabilization": 300.0}, {"maxReplicas": 2147483647},
                     id="operator-stabilization-default-not-rendered"),
    ],
)
def test_spec(annotations, kwargs, spec):
    hpa = render(annotations, **kwargs)
    expected = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "hello-00001-deployment"}}
    assert hpa["spec"] == {**expected, **spec}


def test_metadata_is_the_podautoscalers_and_it_owns_the_hpa():
    hpa = render({"target": "80"}, labels={"serving.knative.dev/service": "hello"})
    assert hpa["apiVersion"] == "autoscaling/v2" and hpa["kind"] == "HorizontalPodAutoscaler"
    meta = hpa["metadata"]
    assert (meta["name"], meta["namespace"]) == ("hello-00001", "default")
    assert meta["labels"] == {"serving.knative.dev/revision": "hello-00001", "serving.knative.dev/service": "hello"}
    assert meta["annotations"][A + "target"] == "80"
    assert meta["ownerReferences"] == [{
        "apiVersion": "autoscaling.internal.knative.dev/v1alpha1",
        "kind": "PodAutoscaler",
        "name": "hello-00001",
        "uid": UID,
        "controller": True,
        "blockOwnerDeletion": True,
    }]


def test_the_validator_does_refuse_a_broken_manifest():
    """The schema check above is real: an HPA with a wrongly typed field is refused."""
    hpa = render({"target": "80"})
    hpa["spec"]["maxReplicas"] = "ten"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(hpa, "1.31", strict=True)
    hpa["spec"]["maxReplicas"] = 10
    hpa["spec"]["metrics"][0]["resource"]["target"]["utilization"] = 80
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(hpa, "1.31", strict=True)


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0"), (1023, "1023"), (1024, "1Ki"), (1500, "1500"), (128 * 2**20, "128Mi"), (1536 * 2**20, "1536Mi"),
     (2**30, "1Gi"), (5 * 2**40, "5Ti")],
)
def test_binary_si_is_gos_canonical_form(n, text):
    assert binary_si(n) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0"), (999, "999"), (1000, "1k"), (1500, "1500"), (20000, "20k"), (3 * 10**6, "3M"), (10**18, "1E")],
)
def test_decimal_si_is_gos_canonical_form(n, text):
    assert decimal_si(n) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [("500m", 0.5), ("2", 2.0), ("1.5", 1.5), ("100m", 0.1), ("1Ki", 1024.0), ("128Mi", 128 * 2**20),
     ("1e3", 1000.0), ("2k", 2000.0), (".5", 0.5)],
)
def test_parse_quantity(text, value):
    assert parse_quantity(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "m", "1.2.3", "5 cores", "1mi"])
def test_parse_quantity_refuses(text):
    with pytest.raises(ValueError, match="invalid quantity"):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("annotations", "target", "window"),
    [
        # before, the manifest rendered a target of -5% and 1 s stabilization windows while the local decision
        # used 80% and the operator's 300 s: both now read the core's resolution, which ignores what admission
        # refuses (a target below 0.01, a window outside [6s, 1h])
        pytest.param({"target": "-5", "window": "1s"}, 80.0, None, id="refused-values-ignored-by-both"),
        pytest.param({"target": "0.001"}, 80.0, None, id="target-below-minimum"),
        pytest.param({"target": "40", "window": "2h"}, 40.0, None, id="window-above-1h"),
        pytest.param({"target": "40", "window": "90s"}, 40.0, 90, id="valid-values-used-by-both"),
    ],
)
def test_the_manifest_and_the_local_decision_read_the_same_settings(annotations, target, window):
    from _hpa_helpers import make_input
    from pyknative_scaler_hpa import HPAScaler

    spec = render(annotations)["spec"]
    rendered = spec["metrics"][0]["resource"]["target"]["averageUtilization"] if "metrics" in spec else 80
    rendered_window = spec.get("behavior", {}).get("scaleDown", {}).get("stabilizationWindowSeconds")
    local = HPAScaler().spec(make_input(annotations=annotations))
    assert (rendered, rendered_window) == (target, window)
    assert local.target == target
    assert local.scale_down_window == (window if window is not None else 300.0)
    assert local.scale_up_window == (window if window is not None else 0.0)
