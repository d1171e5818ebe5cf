"""The core's kinds declare the categories Knative's CRDs declare, so ``pyknative get knative`` (or ``serving``,
``eventing``, ``messaging``, ``channel``, ``all``) lists what ``kubectl get`` would on a cluster."""

from __future__ import annotations

from pyknative.api import kinds_plugin


def test_the_core_kinds_have_knatives_crd_categories():
    categories = {reg.cls.KIND.kind: reg.categories for reg in kinds_plugin.registrations()}
    assert categories == {
        # knative/serving config/core/300-resources/*.yaml (Ingress: knative/networking config/ingress.yaml)
        "Service": ("all", "knative", "serving"),
        "Configuration": ("all", "knative", "serving"),
        "Revision": ("all", "knative", "serving"),
        "Route": ("all", "knative", "serving"),
        "Ingress": ("knative-internal", "networking"),
        "PodAutoscaler": ("knative-internal", "autoscaling"),
        # knative/eventing config/core/resources/*.yaml and config/channels/in-memory-channel/resources/
        "Broker": ("all", "knative", "eventing"),
        "Trigger": ("all", "knative", "eventing"),
        "Channel": ("all", "knative", "messaging", "channel"),
        "InMemoryChannel": ("all", "knative", "messaging", "channel"),
        "Subscription": ("all", "knative", "messaging"),
        # knative/eventing config/core/resources/{pingsource,containersource,sinkbindings}.yaml
        "PingSource": ("all", "knative", "sources"),
        "ContainerSource": ("all", "knative", "sources"),
        "SinkBinding": ("all", "knative", "sources", "bindings"),
        # core/v1 Event: in no category (kubectl's `all` leaves Events out)
        "Event": (),
        # core/v1 Secret and ConfigMap: in no category either (kubectl's `all` lists neither)
        "Secret": (),
        "ConfigMap": (),
    }
