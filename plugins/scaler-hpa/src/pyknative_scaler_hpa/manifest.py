"""The ``autoscaling/v2`` HorizontalPodAutoscaler a Kubernetes deployment of an HPA-class revision uses.

A pure builder mirroring Knative's ``MakeHPA`` (pkg/reconciler/autoscaling/hpa/resources/hpa.go): same name,
namespace, labels and annotations as the PodAutoscaler, owned by it; it scales the revision's
``<revision>-deployment``; ``minReplicas`` only when min-scale > 0, ``maxReplicas`` max-scale or MaxInt32;
a metric only when ``autoscaling.knative.dev/target`` is set (cpu: ``Utilization`` of ``ceil(target)``
percent; memory: ``AverageValue`` of ``int(target)`` Mi; any other metric name: a ``Pods`` metric of that name
with an ``AverageValue`` of ``int(target)``); ``window`` as both stabilization windows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pyknative.autoscaling_settings import RevisionAutoscaling, resolve
from pyknative.config import AutoscalerConfig
from pyknative_scaler_hpa import keys as k
from pyknative_scaler_hpa.quantity import binary_si, decimal_si
from pyknative_scaler_hpa.spec import window_seconds

PA_API_VERSION = "autoscaling.internal.knative.dev/v1alpha1"
REVISION_LABEL = "serving.knative.dev/revision"


def _metrics(settings: RevisionAutoscaling) -> list[dict[str, Any]] | None:
    if settings.target is None:
        return None
    metric = settings.metric if "metric" in settings.annotated else k.CPU
    if metric == k.CPU:
        goal: dict[str, Any] = {"type": "Utilization", "averageUtilization": math.ceil(settings.target)}
        return [{"type": "Resource", "resource": {"name": "cpu", "target": goal}}]
    if metric == k.MEMORY:
        goal = {"type": "AverageValue", "averageValue": binary_si(int(settings.target) * k.MI)}
        return [{"type": "Resource", "resource": {"name": "memory", "target": goal}}]
    goal = {"type": "AverageValue", "averageValue": decimal_si(int(settings.target))}
    return [{"type": "Pods", "pods": {"metric": {"name": metric}, "target": goal}}]


def make_hpa(
    namespace: str,
    revision_name: str,
    annotations: Mapping[str, str],
    container_concurrency: int,
    owner_uid: str,
    *,
    labels: Mapping[str, str] | None = None,
    config: Mapping[str, str] | None = None,
    reachable: bool = True,
    scale_down_stabilization: float | None = None,
) -> dict[str, Any]:
    """The HorizontalPodAutoscaler for the PodAutoscaler ``namespace/revision_name`` (uid ``owner_uid``).

    ``annotations`` and ``labels`` are the PodAutoscaler's; ``config`` is ``config-autoscaler`` (its min-scale
    and max-scale are the defaults for the annotations). ``scale_down_stabilization`` (seconds, the operator's
    ``config-hpa`` value) is rendered when it is not Kubernetes' 300 s default and no ``window`` annotation
    replaces it, so the cluster stabilizes as the local decision does. ``container_concurrency`` is accepted alongside the
    other PodAutoscaler fields but, as in Knative, the HPA does not depend on it.
    """
    del container_concurrency  # the HPA scales on resources, not on requests in flight
    settings = resolve(annotations, AutoscalerConfig.from_values(config))
    low, high = settings.scale_bounds(reachable)
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{revision_name}-deployment"},
        "maxReplicas": high if high > 0 else k.INT32_MAX,
    }
    if low > 0:
        spec["minReplicas"] = low
    metrics = _metrics(settings)
    if metrics is not None:
        spec["metrics"] = metrics
    window = window_seconds(settings)
    if window is not None:
        rules = {"stabilizationWindowSeconds": int(window)}
        spec["behavior"] = {"scaleUp": dict(rules), "scaleDown": dict(rules)}
    if "behavior" not in spec and scale_down_stabilization is not None and int(scale_down_stabilization) != 300:
        spec["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": int(scale_down_stabilization)}}
    metadata: dict[str, Any] = {
        "name": revision_name,
        "namespace": namespace,
        "labels": {REVISION_LABEL: revision_name, **dict(labels or {})},
        "annotations": dict(annotations),
        "ownerReferences": [
            {
                "apiVersion": PA_API_VERSION,
                "kind": "PodAutoscaler",
                "name": revision_name,
                "uid": owner_uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": metadata, "spec": spec}
