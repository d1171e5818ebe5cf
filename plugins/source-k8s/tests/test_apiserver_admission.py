"""ApiServerSource admission as Knative's webhook does it: defaults, the Knative docs' YAML accepted as written,
and every error of a bad one at once, each with its field path."""

from __future__ import annotations

import pytest
import yaml
from pyknative_source_k8s.api import ApiServerSource, registration

from pyknative.api.kinds import AdmissionContext, Kinds, admit
from pyknative.api.kinds_plugin import registrations
from pyknative.config import parse_config
from pyknative.errors import ValidationError

KINDS = Kinds([*registrations(), registration()])
CTX = AdmissionContext(config=parse_config(None))

# knative/docs docs/eventing/sources/apiserversource/getting-started/README.md, as written
DOCS_YAML = """
apiVersion: sources.knative.dev/v1
kind: ApiServerSource
metadata:
 name: testevents
 namespace: default
spec:
 serviceAccountName: events-sa
 mode: Resource
 resources:
   - apiVersion: v1
     kind: Event
 sink:
   ref:
     apiVersion: serving.knative.dev/v1
     kind: Service
     name: event-display
"""

# every field of reference.md in knative/docs (resources with selectors, owner, namespaceSelector, overrides)
REFERENCE_YAML = """
apiVersion: sources.knative.dev/v1
kind: ApiServerSource
metadata:
  name: test-apiserver-source
  namespace: default
spec:
  mode: Reference
  resources:
    - apiVersion: v1
      kind: Pod
      selector:
        matchLabels:
          app: myapp
    - apiVersion: serving.knative.dev/v1
      kind: Service
      selector:
        matchExpressions:
          - key: env
            operator: In
            values: [production, staging]
  owner:
    apiVersion: apps/v1
    kind: Deployment
  namespaceSelector:
    matchLabels:
      env: test
  ceOverrides:
    extensions:
      extra: this is an extra attribute
      additional: "42"
  sink:
    uri: http://event-display.default.svc.cluster.local
"""


async def _admit(text: str) -> ApiServerSource:
    obj = KINDS.from_manifest(yaml.safe_load(text))
    return await admit(KINDS, obj, None, CTX)


async def test_the_docs_yaml_applies_and_is_defaulted():
    src = await _admit(DOCS_YAML)
    assert src.spec.mode == "Resource"
    assert src.spec.service_account_name == "events-sa"
    assert [(r.api_version, r.kind) for r in src.spec.resources] == [("v1", "Event")]


async def test_the_reference_yaml_applies():
    src = await _admit(REFERENCE_YAML)
    assert src.spec.owner.kind == "Deployment"
    assert src.spec.resources[0].selector.match_labels == {"app": "myapp"}
    assert src.spec.resources[1].selector.match_expressions[0].values == ("production", "staging")
    assert src.spec.namespace_selector.match_labels == {"env": "test"}


async def test_defaults_mode_reference_and_service_account_default():
    src = await _admit(
        """
apiVersion: sources.knative.dev/v1
kind: ApiServerSource
metadata: {name: s, namespace: default}
spec:
  resources: [{apiVersion: serving.knative.dev/v1, kind: Service}]
  sink: {uri: http://example.com/}
"""
    )
    assert (src.spec.mode, src.spec.service_account_name) == ("Reference", "default")
    assert src.to_dict()["spec"]["serviceAccountName"] == "default"


async def test_every_error_at_once_with_its_path():
    with pytest.raises(ValidationError) as e:
        await _admit(
            """
apiVersion: sources.knative.dev/v1
kind: ApiServerSource
metadata: {name: s, namespace: default}
spec:
  mode: resource
  resources:
    - {kind: Service}
    - apiVersion: v1
      selector:
        matchExpressions:
          - {key: a, operator: Has}
          - {key: b, operator: In}
          - {key: c, operator: Exists, values: [x]}
  owner: {apiVersion: apps/v1}
"""
        )
    paths = {err.path for err in e.value.errors}
    assert paths >= {
        "spec.sink",
        "spec.mode",
        "spec.resources[0].apiVersion",
        "spec.resources[1].kind",
        "spec.resources[1].selector.matchExpressions[0].operator",
        "spec.resources[1].selector.matchExpressions[1].values",
        "spec.resources[1].selector.matchExpressions[2].values",
        "spec.owner.kind",
    }, paths


async def test_resources_are_required():
    with pytest.raises(ValidationError) as e:
        await _admit(
            """
apiVersion: sources.knative.dev/v1
kind: ApiServerSource
metadata: {name: s, namespace: default}
spec: {sink: {uri: http://example.com/}}
"""
        )
    assert [err.path for err in e.value.errors] == ["spec.resources"]
