"""GitHubSource for pyknative: GitHub webhook deliveries turned into CloudEvents and sent to a sink.

- :mod:`.api`: the kind (``sources.knative.dev/v1alpha1`` GitHubSource) and its admission;
- :mod:`.events`: pure functions: the signature check and the CloudEvent built from one delivery;
- :mod:`.hooks`: the GitHub hooks API client (create, edit, delete a repository's or an organization's hook);
- :mod:`.receiver`: the webhook receiver on the event listener and the in-process adapters it sends through;
- :mod:`.controller`: the reconcile (sink, secrets, webhook, adapter; the hook removed when the source goes);
- :mod:`.plugin`: the hooks pyknative calls.
"""
