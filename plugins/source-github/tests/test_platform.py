"""GitHubSource through a real in-process Platform: the SQLite store, the controllers, the event listener's
webhook route, a local aiohttp server speaking GitHub's hooks API and a recording sink, all on loopback."""

from __future__ import annotations

import json

import aiohttp
import attrs
import pytest
from aiohttp import web
from payloads import ISSUES, PING, PULL_REQUEST, PUSH
from pyknative_source_github.api import GitHubSource
from pyknative_source_github.controller import RETRY_AFTER
from pyknative_source_github.events import sign

from pyknative.api import conditions as cond
from pyknative.errors import NotFoundError
from pyknative.platform import Platform
from pyknative.testing.platform import PORTS, apply
from pyknative.testing.platform import until as _until

SECRET = "webhook-secret"
TOKEN = "ghp_accesstoken"


@attrs.define(eq=False)
class FakeGitHub:
    """The hooks API of one repository and one organization; requests recorded."""

    hooks: dict[int, dict] = attrs.field(factory=dict)
    calls: list[tuple[str, str, str, dict | None]] = attrs.field(factory=list)
    url: str = ""
    refuse: int | None = None
    _runner: web.AppRunner | None = None

    async def start(self) -> FakeGitHub:
        async def create(request: web.Request) -> web.Response:
            body = await request.json()
            self.calls.append(("POST", request.path, request.headers.get("authorization", ""), body))
            if self.refuse:
                return web.json_response({"message": "Validation Failed"}, status=self.refuse)
            hook_id = len(self.hooks) + 1
            self.hooks[hook_id] = body
            return web.json_response({"id": hook_id, **body}, status=201)

        async def one(request: web.Request) -> web.Response:
            hook_id = int(request.match_info["id"])
            body = await request.json() if request.method == "PATCH" else None
            self.calls.append((request.method, request.path, request.headers.get("authorization", ""), body))
            if hook_id not in self.hooks:
                return web.json_response({"message": "Not Found"}, status=404)
            if request.method == "DELETE":
                del self.hooks[hook_id]
                return web.Response(status=204)
            self.hooks[hook_id] = body
            return web.json_response({"id": hook_id, **body})

        app = web.Application()
        for base in ("/repos/{owner}/{repo}/hooks", "/orgs/{org}/hooks"):
            app.router.add_post(base, create)
            app.router.add_route("PATCH", base + "/{id}", one)
            app.router.add_delete(base + "/{id}", one)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()


@attrs.define(eq=False)
class Sink:
    received: list[tuple[dict[str, str], bytes]] = attrs.field(factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> Sink:
        async def handle(request: web.Request) -> web.Response:
            self.received.append(({k.lower(): v for k, v in request.headers.items()}, await request.read()))
            return web.Response(status=202)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()


@pytest.fixture
async def env(tmp_path):
    github = await FakeGitHub().start()
    sink = await Sink().start()
    platform = Platform.from_config(None, overrides={**PORTS, "data-dir": str(tmp_path / "data")})
    await platform.start()
    try:
        yield platform, github, sink
    finally:
        await platform.stop()
        await sink.stop()
        await github.stop()



async def until(check, timeout: float = 10.0):
    return await _until(check, timeout, 0.02)


async def condition(platform, name, type="Ready", status="True", timeout: float = 10.0):
    async def check():
        obj = await platform.store.get(GitHubSource, "default", name)
        c = cond.get(obj.status.conditions if obj.status else None, type)
        return obj if c is not None and c.status == status else None

    return await until(check, timeout)


SECRET_DOC = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "githubsecret", "namespace": "default"},
    "stringData": {"accessToken": TOKEN, "secretToken": SECRET},
}


def source_doc(name: str, api_url: str, sink: str, owner_repo: str = "Codertocat/Hello-World") -> dict:
    return {
        "apiVersion": "sources.knative.dev/v1alpha1",
        "kind": "GitHubSource",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "eventTypes": ["push", "pull_request", "ping"],
            "ownerAndRepository": owner_repo,
            "accessToken": {"secretKeyRef": {"name": "githubsecret", "key": "accessToken"}},
            "secretToken": {"secretKeyRef": {"name": "githubsecret", "key": "secretToken"}},
            "githubAPIURL": api_url,
            "sink": {"uri": sink},
            "ceOverrides": {"extensions": {"team": "blue"}},
        },
    }


async def deliver(url: str, event: str, payload: dict, *, delivery: str = "d-1", secret: str | None = SECRET,
                  sha1: bool = False):
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "content-type": "application/json"}
    if secret is not None:
        if sha1:
            headers["X-Hub-Signature"] = sign(body, secret, "sha1")
        else:
            headers["X-Hub-Signature-256"] = sign(body, secret)
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as resp:
        return resp.status, await resp.text()


async def test_webhook_registered_events_forwarded_and_hook_removed_on_delete(env):
    platform, github, sink = env
    await apply(platform, SECRET_DOC)
    await apply(platform, source_doc("gh", github.url, sink.url))
    source = await condition(platform, "gh")
    assert source.status.webhook_id_key == "1"
    assert [c.type for c in source.status.conditions if c.is_true] == [
        "Ready", "SecretsProvided", "SinkProvided", "WebhookConfigured"
    ]
    assert source.to_dict()["status"]["ceAttributes"][0] == {
        "type": "dev.knative.source.github.push", "source": "https://github.com/Codertocat/Hello-World"
    }
    [(method, path, auth, hook)] = github.calls
    assert (method, path, auth) == ("POST", "/repos/Codertocat/Hello-World/hooks", f"token {TOKEN}")
    assert hook["events"] == ["push", "pull_request", "ping"] and hook["active"] is True
    assert hook["config"]["secret"] == SECRET and hook["config"]["content_type"] == "json"
    url = hook["config"]["url"]
    assert url == platform.listener_url("events") + "/github.sources.knative.dev/default/gh"

    assert await deliver(url, "push", PUSH, delivery="d-push") == (202, "accepted")
    assert await deliver(url, "pull_request", PULL_REQUEST, delivery="d-pr", sha1=True) == (202, "accepted")
    assert await deliver(url, "ping", PING, delivery="d-ping") == (202, "accepted")
    status, text = await deliver(url, "issues", ISSUES, delivery="d-issue")  # not in eventTypes
    assert status == 202 and text.startswith("ignored")
    assert (await deliver(url, "push", PUSH, secret=None))[0] == 400
    assert (await deliver(url, "push", PUSH, secret="wrong"))[0] == 400
    assert (await deliver(platform.listener_url("events") + "/github.sources.knative.dev/default/nope", "push", PUSH))[0] == 404

    assert [h["ce-id"] for h, _ in sink.received] == ["d-push", "d-pr", "d-ping"]
    headers, body = sink.received[0]
    assert {k: v for k, v in headers.items() if k.startswith("ce-")} == {
        "ce-specversion": "1.0", "ce-id": "d-push", "ce-type": "dev.knative.source.github.push",
        "ce-source": "https://github.com/Codertocat/Hello-World", "ce-subject": "6113728f27ae...000000000000",
        "ce-owner": "Codertocat", "ce-repository": "Hello-World", "ce-sender": "Codertocat",
        "ce-pusher": "Codertocat", "ce-ref": "refs/tags/simple-tag", "ce-created": "false",
        "ce-deleted": "true", "ce-forced": "false", "ce-team": "blue",
    }
    assert headers["content-type"] == "application/json" and json.loads(body) == PUSH
    assert sink.received[1][0]["ce-subject"] == "2" and sink.received[2][0]["ce-subject"] == "30"

    await platform.store.delete(GitHubSource, "default", "gh")

    async def gone():
        try:
            await platform.store.get(GitHubSource, "default", "gh")
        except NotFoundError:
            return True
        return False

    await until(gone)
    assert github.calls[-1][:2] == ("DELETE", "/repos/Codertocat/Hello-World/hooks/1")
    assert github.hooks == {}
    assert (await deliver(url, "push", PUSH))[0] == 404


async def test_missing_secret_then_refused_hook_then_an_organization(env):
    platform, github, sink = env
    await apply(platform, source_doc("org", github.url, sink.url, owner_repo="knative"))
    source = await condition(platform, "org", "SecretsProvided", "False")
    assert cond.get(source.status.conditions, "SecretsProvided").reason == "AccessTokenNotFound"
    assert github.calls == []

    github.refuse = 422
    await apply(platform, SECRET_DOC)  # the Secret is watched: the source is reconciled at once
    source = await condition(platform, "org", "WebhookConfigured", "False")
    c = cond.get(source.status.conditions, "WebhookConfigured")
    assert c.reason == "WebhookNotConfigured" and "422" in c.message

    github.refuse = None  # the refused call is tried again RETRY_AFTER (10 s) later
    source = await condition(platform, "org", timeout=RETRY_AFTER + 10)
    assert github.calls[-1][:2] == ("POST", "/orgs/knative/hooks")
    assert source.status.webhook_id_key == "1"


def test_admission_names_each_bad_field():
    from pyknative_source_github.api import validate_github_source

    platform_kinds = Platform.from_config(None).kinds
    doc = source_doc("bad", "ftp://x", "http://sink/")
    doc["spec"].update(eventTypes=["push", "nope"], ownerAndRepository="", accessToken={})
    obj = platform_kinds.from_manifest(doc)
    paths = sorted(e.path for e in validate_github_source(obj, None, None) if not e.path.startswith("spec.sink"))
    assert paths == ["spec.accessToken.secretKeyRef", "spec.eventTypes[1]", "spec.githubAPIURL", "spec.ownerAndRepository"]


async def test_a_changed_spec_edits_the_same_hook(env):
    platform, github, sink = env
    await apply(platform, SECRET_DOC)
    doc = source_doc("edit", github.url, sink.url)
    await apply(platform, doc)
    await condition(platform, "edit")
    doc["spec"]["eventTypes"] = ["issues"]
    await apply(platform, doc)

    async def edited():
        return [c for c in github.calls if c[0] == "PATCH"]

    [(_, path, auth, body)] = await until(edited)
    assert (path, auth, body["events"]) == ("/repos/Codertocat/Hello-World/hooks/1", f"token {TOKEN}", ["issues"])
    source = await condition(platform, "edit")
    assert source.status.webhook_id_key == "1" and len(github.hooks) == 1
    url = github.hooks[1]["config"]["url"]
    assert (await deliver(url, "issues", ISSUES))[0] == 202
    assert [h["ce-type"] for h, _ in sink.received] == ["dev.knative.source.github.issues"]
