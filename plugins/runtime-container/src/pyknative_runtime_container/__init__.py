"""Run Knative revisions images in Docker or Podman."""
