"""Pure builders for a Revision's children: its PodAutoscaler (class from annotation or ``config-autoscaler``)."""

from __future__ import annotations

from collections.abc import Mapping

from pyknative.api.autoscaling import (
    CLASS_ANNOTATION,
    REACHABLE,
    UNREACHABLE,
    PodAutoscaler,
    PodAutoscalerSpec,
    ScaleTargetRef,
)
from pyknative.api.meta import ObjectMeta
from pyknative.api.serving import (
    REVISION_LABEL,
    REVISION_UID_LABEL,
    ROUTING_STATE_LABEL,
    Revision,
)
from pyknative.autoscaling_settings import resolve
from pyknative.config.serving import AutoscalerConfig

_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def autoscaler_class(rev: Revision, autoscaler_config: Mapping[str, str] | AutoscalerConfig) -> str:
    """The revision's ``autoscaling.knative.dev/class``, else ``config-autoscaler: pod-autoscaler-class``."""
    if not isinstance(autoscaler_config, AutoscalerConfig):
        autoscaler_config = AutoscalerConfig.from_values(autoscaler_config)
    return resolve(rev.metadata.annotations, autoscaler_config).autoscaler_class


def reachability(rev: Revision) -> str:
    """Knative: a revision a route sends traffic to is Reachable; one no route targets any more is Unreachable."""
    state = rev.metadata.label(ROUTING_STATE_LABEL)
    return {"active": REACHABLE, "reserve": UNREACHABLE}.get(state or "", "")


def make_pa(rev: Revision, autoscaler_config: Mapping[str, str] | AutoscalerConfig) -> PodAutoscaler:
    labels = {k: v for k, v in (rev.metadata.labels or {}).items() if k.startswith("serving.knative.dev/")}
    labels.pop(ROUTING_STATE_LABEL, None)
    labels[REVISION_LABEL] = rev.name
    labels[REVISION_UID_LABEL] = rev.metadata.uid or ""
    # Every annotation of the revision, as Knative's MakePA copies them (bar kubectl's last-applied copy): a
    # scaler class may read its own keys (``example.com/replicas``), not only ``autoscaling.knative.dev/*``.
    annotations = {k: v for k, v in (rev.metadata.annotations or {}).items() if k != _LAST_APPLIED}
    annotations[CLASS_ANNOTATION] = autoscaler_class(rev, autoscaler_config)
    return PodAutoscaler(
        metadata=ObjectMeta(
            name=rev.name,
            namespace=rev.namespace,
            labels=labels,
            annotations=annotations,
            owner_references=(rev.owner_reference(),),
        ),
        spec=PodAutoscalerSpec(
            container_concurrency=(rev.spec.container_concurrency if rev.spec else 0) or 0,
            scale_target_ref=ScaleTargetRef(api_version="apps/v1", kind="Deployment", name=f"{rev.name}-deployment"),
            reachability=reachability(rev),
            protocol_type="http1",
        ),
    )
