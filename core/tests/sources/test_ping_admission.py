"""PingSource admission as Knative's webhook does it: the default schedule, the Knative docs' YAML accepted as
written, and every error of a bad one at once, each with its field path."""

from __future__ import annotations

import base64

import pytest
import yaml

from pyknative.api.kinds import AdmissionContext, Kinds, admit
from pyknative.api.kinds_plugin import registrations
from pyknative.api.sources import PingSource
from pyknative.config import parse_config
from pyknative.errors import ValidationError

KINDS = Kinds(registrations())
CTX = AdmissionContext(config=parse_config(None))
SINK = {"ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "event-display"}}

# knative/docs docs/eventing/sources/ping-source/README.md, as written
DOCS_YAML = """
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata:
  name: test-ping-source
  namespace: pingsource-example
spec:
  schedule: "*/1 * * * *"
  contentType: "application/json"
  data: '{"message": "Hello world!"}'
  sink:
    ref:
      apiVersion: v1
      kind: Service
      name: event-display
"""
DOCS_YAML_BASE64 = """
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata:
  name: test-ping-source-binary
spec:
  schedule: "*/1 * * * *"
  dataBase64: "ZGF0YQ=="
  sink:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: event-display
"""


async def admitted(doc: dict, ctx: AdmissionContext = CTX) -> PingSource:
    return await admit(KINDS, KINDS.from_manifest(doc), None, ctx)


async def errors_of(doc: dict, ctx: AdmissionContext = CTX) -> list[str]:
    try:
        await admitted(doc, ctx)
    except ValidationError as e:
        return sorted(str(err) for err in e.errors)
    return []


def ping(**spec) -> dict:
    return {
        "apiVersion": "sources.knative.dev/v1",
        "kind": "PingSource",
        "metadata": {"name": "p", "namespace": "demo"},
        "spec": {"sink": SINK, **spec},
    }


@pytest.mark.parametrize("text", [DOCS_YAML, DOCS_YAML_BASE64])
async def test_the_knative_docs_yaml_is_admitted_unmodified(text):
    doc = yaml.safe_load(text)
    source = await admitted(doc)
    assert source.spec.schedule == "*/1 * * * *"
    assert source.to_dict()["spec"] == doc["spec"]


async def test_the_schedule_defaults_to_every_minute():
    source = await admitted(ping())
    assert source.spec.schedule == "* * * * *"


@pytest.mark.parametrize(
    "spec",
    [
        {"schedule": "*/2 * * * * *"},  # seconds field
        {"schedule": "@daily", "timezone": "Europe/Madrid"},
        {"schedule": "CRON_TZ=Asia/Tokyo 0 9 * * MON-FRI"},
        {"contentType": "application/json", "dataBase64": base64.b64encode(b'{"a": 1}').decode()},
        {"contentType": "text/plain", "data": "not json, and fine"},
        {"ceOverrides": {"extensions": {"team": "blue", "env2": "prod"}}},
        {"sink": {"uri": "http://example.com/events"}},
        {"sink": {"ref": SINK["ref"], "uri": "/path"}},
    ],
)
async def test_valid_specs(spec):
    assert await errors_of(ping(**spec)) == []


async def test_every_error_at_once_with_its_field_path():
    doc = ping(
        schedule="@every 1m",
        timezone="Mars/Base",
        data="x",
        dataBase64="eA==",
        ceOverrides={"extensions": {"Bad-Name": "v", "type": "override"}},
        sink={"ref": {"kind": "Service", "name": "s"}, "uri": "http://absolute.example.com"},
    )
    assert await errors_of(doc) == [
        "spec.ceOverrides.extensions[Bad-Name]: invalid attribute name 'Bad-Name': must start with a lowercase letter and contain only lowercase letters and digits",
        "spec.ceOverrides.extensions[type]: 'type' is a CloudEvents context attribute, not an extension",
        "spec.schedule: invalid value: unsupported descriptor @every",
        "spec.sink.ref.apiVersion: required",
        "spec.sink.uri: absolute URI 'http://absolute.example.com' is not allowed when ref is present: use a relative path",
        "spec.timezone: invalid value: provided bad location Mars/Base: unknown time zone Mars/Base",
        "spec: expected exactly one of data or dataBase64, got both",
    ]


async def test_a_bad_timezone_is_the_timezone_field_s_error():
    assert await errors_of(ping(timezone="Mars/Base")) == [
        "spec.timezone: invalid value: provided bad location Mars/Base: unknown time zone Mars/Base"
    ]


async def test_json_data_must_be_a_json_object_when_the_content_type_says_so():
    errors = await errors_of(ping(contentType="application/json", data="{nope"))
    assert len(errors) == 1 and errors[0].startswith("spec.data: invalid value: not JSON")
    errors = await errors_of(ping(contentType="application/json", dataBase64=base64.b64encode(b"[1]").decode()))
    assert errors == ["spec.dataBase64: invalid value: expected a JSON object (contentType is application/json)"]
    errors = await errors_of(ping(dataBase64="not base64!"))
    assert len(errors) == 1 and errors[0].startswith("spec.dataBase64: invalid value: not base64")


async def test_a_sink_is_required():
    doc = ping()
    del doc["spec"]["sink"]
    assert await errors_of(doc) == ["spec.sink: required: expected at least one of ref or uri, got none"]


async def test_a_sink_in_another_namespace_needs_cross_namespace_event_links():
    doc = ping(sink={"ref": {**SINK["ref"], "namespace": "other"}})
    errors = await errors_of(doc)
    assert len(errors) == 1 and errors[0].startswith("spec.sink.ref.namespace: mismatched namespaces")
    enabled = AdmissionContext(config=parse_config({"config-features": {"cross-namespace-event-links": "enabled"}}))
    assert await errors_of(doc, enabled) == []


async def test_data_max_size_from_config_ping_defaults():
    ctx = AdmissionContext(config=parse_config({"config-ping-defaults": {"data-max-size": "4"}}))
    assert await errors_of(ping(data="12345"), ctx) == [
        "spec.data: invalid value: the data length of 5 bytes exceeds limit set at 4."
    ]
    assert await errors_of(ping(data="1234"), ctx) == []
