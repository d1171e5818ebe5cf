"""Fuzzing the admin API: generated documents never get a 5xx, and the platform logs no traceback.

Each example mutates realistic manifests of the core's kinds (a value replaced by any JSON value, nulls, odd
strings and lone surrogates included; a key dropped or added) and sends them as a multi-document apply, a create,
a PUT or (as YAML) an apply, then lists them back. The app is the real admin app over a SQLite store, driven in
process. Seeded and derandomized: every run sends the same documents, at least 2,000 of them.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import urllib.parse
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyknative.admin import make_api_app
from pyknative.api.kinds import AdmissionContext, Kinds
from pyknative.api.kinds_plugin import registrations
from pyknative.store.sqlite import SQLiteStore

EXAMPLES = 600
MIN_DOCUMENTS = 2_000
APPLY = "/apis/pyknative.dev/v1/apply"
SVC = "/apis/serving.knative.dev/v1/namespaces/default/services"

_CONTAINER = {
    "image": "hello:1",
    "command": ["python3", "-m", "app"],
    "args": ["--port", "8080"],
    "env": [{"name": "TARGET", "value": "world"}],
    "ports": [{"containerPort": 8080}],
    "readinessProbe": {"httpGet": {"path": "/healthz"}, "periodSeconds": 1},
}
_TEMPLATE = {
    "metadata": {"annotations": {"autoscaling.knative.dev/min-scale": "1", "autoscaling.knative.dev/target": "10"}},
    "spec": {"containerConcurrency": 10, "timeoutSeconds": 30, "containers": [_CONTAINER]},
}
_DELIVERY = {"retry": 3, "backoffPolicy": "exponential", "backoffDelay": "PT0.2S", "deadLetterSink": {"uri": "http://dls/"}}
_SINK = {"ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "svc"}}
SEEDS: list[dict[str, Any]] = [
    {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": "svc", "labels": {"app": "web"}, "annotations": {"note": "x"}},
        "spec": {"template": _TEMPLATE, "traffic": [{"latestRevision": True, "percent": 100, "tag": "now"}]},
    },
    {"apiVersion": "serving.knative.dev/v1", "kind": "Configuration", "metadata": {"name": "cfg"},
     "spec": {"template": _TEMPLATE}},
    {"apiVersion": "serving.knative.dev/v1", "kind": "Route", "metadata": {"name": "rt"},
     "spec": {"traffic": [{"configurationName": "cfg", "percent": 60}, {"revisionName": "cfg-00001", "percent": 40}]}},
    {"apiVersion": "serving.knative.dev/v1", "kind": "Revision", "metadata": {"name": "rev-00001"},
     "spec": _TEMPLATE["spec"]},
    {"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "metadata": {"name": "default"},
     "spec": {"delivery": _DELIVERY}},
    {
        "apiVersion": "eventing.knative.dev/v1",
        "kind": "Trigger",
        "metadata": {"name": "tr"},
        "spec": {
            "broker": "default",
            "filter": {"attributes": {"type": "dev.example"}},
            "filters": [{"any": [{"exact": {"type": "a"}}, {"cesql": "source LIKE 'x%'"}]}, {"not": {"prefix": {"id": "z"}}}],
            "subscriber": _SINK,
            "delivery": _DELIVERY,
        },
    },
    {"apiVersion": "messaging.knative.dev/v1", "kind": "Channel", "metadata": {"name": "ch"},
     "spec": {"channelTemplate": {"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel"},
              "delivery": _DELIVERY}},
    {"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel", "metadata": {"name": "imc"}, "spec": {}},
    {"apiVersion": "messaging.knative.dev/v1", "kind": "Subscription", "metadata": {"name": "sub"},
     "spec": {"channel": {"apiVersion": "messaging.knative.dev/v1", "kind": "Channel", "name": "ch"},
              "subscriber": _SINK, "reply": {"uri": "http://reply/"}, "delivery": _DELIVERY}},
]

_ODD = [
    None, "", "UPPER", "../x", "n" * 300, "\ud800", "bad key!", "a/b", "-1", "1.5", "PT1S", "latest", True, 0, -1,
    2**64, 1.5, [], {}, [None], {"": None}, "http://", "x" * 70,
]
_scalars = (
    st.sampled_from(_ODD)
    | st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
_keys = st.sampled_from(["name", "namespace", "labels", "annotations", "spec", "image", "uri", "ref", "x", ""]) | st.text(
    max_size=6
)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3), max_leaves=6
)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _value(data: st.DataObject) -> Any:
    return copy.deepcopy(data.draw(_values))  # a fresh copy: _ODD's lists and maps must stay as they are


def _mutate(doc: Any, data: st.DataObject) -> Any:
    path = data.draw(st.sampled_from(_paths(doc)))
    if not path:
        return _value(data)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    action = data.draw(st.sampled_from(["replace", "replace", "drop", "add"]))
    if action == "replace":
        parent[path[-1]] = _value(data)
    elif action == "drop":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[data.draw(_keys)] = _value(data)
    else:
        parent.append(_value(data))
    return doc


@st.composite
def documents(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    doc["metadata"]["name"] += draw(st.sampled_from(["", "-a", "-b", "-c", "-d"]))  # fewer duplicates in a batch
    data = draw(st.data())
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        doc = _mutate(doc, data)
    return doc


class _Api:
    """The real admin app over a SQLite store, on a loop of its own (hypothesis calls the test synchronously)."""

    def __init__(self, path) -> None:
        from aiohttp.test_utils import TestClient, TestServer

        self.loop = asyncio.new_event_loop()
        kinds = Kinds(registrations())
        self.store = SQLiteStore(path, kinds)

        async def logs(namespace, name, revision):
            return ["a line"]

        app = make_api_app(
            kinds=kinds, store=self.store, admission=lambda: AdmissionContext(store=self.store), logs=logs
        )
        self.client = TestClient(TestServer(app, host="127.0.0.1"), loop=self.loop)
        self.loop.run_until_complete(self.client.start_server())
        self.statuses: list[tuple[int, str, str]] = []
        self.documents = 0

    def send(self, method: str, path: str, body: bytes | None, content_type: str = "application/json") -> Any:
        """The answer's JSON body (None when it is not JSON); every status is kept in ``statuses``."""

        async def go() -> Any:
            headers = {"Content-Type": content_type} if body is not None else {}
            async with self.client.request(method, path, data=body, headers=headers) as r:
                text = await r.text()
                self.statuses.append((r.status, f"{method} {path}", text[:300]))
                try:
                    return json.loads(text)
                except ValueError:
                    return None

        return self.loop.run_until_complete(go())

    def close(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.run_until_complete(self.store.close())
        self.loop.close()


def _collection(doc: Any) -> str | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("apiVersion"), str):
        return None
    if not isinstance(doc.get("kind"), str) or doc["kind"] not in _PLURALS:
        return None
    return f"/apis/{doc['apiVersion']}/namespaces/default/{_PLURALS[doc['kind']]}"


_PLURALS = {r.cls.KIND.kind: r.cls.KIND.plural for r in registrations()}


def test_generated_documents_never_get_a_5xx(tmp_path, caplog):
    api = _Api(tmp_path / "store.db")
    caplog.set_level(logging.WARNING)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        docs=st.lists(documents(), min_size=3, max_size=5),
        how=st.sampled_from(["apply", "apply", "yaml", "create", "put"]),
        selector=st.text(alphabet="ab=!,() in", max_size=10),
    )
    def run(docs: list[Any], how: str, selector: str) -> None:
        api.documents += len(docs)
        if how == "apply":
            api.send("POST", APPLY, json.dumps({"items": docs}).encode())
        elif how == "yaml":
            try:
                text = yaml.safe_dump_all(docs)
            except yaml.YAMLError:
                text = json.dumps(docs)
            api.send("POST", APPLY, text.encode("utf-8", "surrogatepass"), "application/yaml")
        else:
            for doc in docs:
                path = _collection(doc) or SVC
                if how == "put":
                    meta = doc.get("metadata") if isinstance(doc, dict) else None
                    name = meta.get("name") if isinstance(meta, dict) else None
                    path += f"/{name if isinstance(name, str) and name else 'svc'}"
                    stored = api.send("GET", path, None)
                    if isinstance(meta, dict) and isinstance(stored, dict) and stored.get("kind") != "Status":
                        meta["resourceVersion"] = stored["metadata"]["resourceVersion"]  # reach update admission
                api.send("PUT" if how == "put" else "POST", path, json.dumps(doc).encode())
        query = f"?labelSelector={urllib.parse.quote(selector)}" if selector else ""
        api.send("GET", (_collection(docs[0]) or SVC) + query, None)

    try:
        run()
    finally:
        api.close()
    errors = [s for s in api.statuses if s[0] >= 500]
    print(f"admin fuzz: {api.documents} documents in {len(api.statuses)} requests, {len(errors)} answered >= 500")
    assert not errors, errors[:5]
    assert api.documents >= MIN_DOCUMENTS
    assert {s for s, *_ in api.statuses} >= {200, 201, 400, 422}  # the fuzz reaches both sides
    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not tracebacks, tracebacks[:3]
