"""pyknative-source-k8s: Knative's ApiServerSource (sources.knative.dev/v1) over pyknative's own store.

An ApiServerSource watches the kinds it names in ``spec.resources`` (any kind the platform serves: Services,
Revisions, Brokers, core Events, ...) through the :class:`~pyknative.store.Store` protocol's list and watch, and
sends one CloudEvent per change, ``dev.knative.apiserver.{ref,resource}.{add,update,delete}``, to its sink. It is
written against the protocol only, so a store backed by a Kubernetes API server makes it watch a real cluster.
"""
