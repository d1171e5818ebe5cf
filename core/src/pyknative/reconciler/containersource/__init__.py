"""ContainerSource (sources.knative.dev/v1): a source whose receive adapter is ``spec.template``'s container."""
