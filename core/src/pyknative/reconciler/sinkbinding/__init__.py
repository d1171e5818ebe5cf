"""SinkBinding (sources.knative.dev/v1): injects the sink into the pod template of its subject."""
