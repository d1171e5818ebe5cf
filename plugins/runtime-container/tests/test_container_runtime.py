"""The container runtime against a real Podman: revisions' images resolved to digests, instances started as
containers on loopback ports, probed, logged, stopped with SIGTERM, pull errors as the kubelet names them, and the
leftovers of a crashed platform removed at start-up."""

from __future__ import annotations

import asyncio
import http.client

import pytest
from pyknative_runtime_container.resources import INSTANCE_LABEL, PLATFORM_LABEL, platform_key
from pyknative_runtime_container.runtime import ContainerRuntime

from pyknative.api.core import Secret
from pyknative.api.serving import Revision
from pyknative.errors import NotFoundError
from pyknative.roles.runtime import ImagePullError, NotRunnableError

HELLO = "ghcr.io/knative/helloworld-go"


class Secrets:
    """The runtime reads the revision's Secrets from the platform's cache: a dict of them here."""

    def __init__(self) -> None:
        self.objs: dict = {}

    def add(self, secret: Secret) -> None:
        self.objs[(secret.metadata.namespace, secret.metadata.name)] = secret

    async def get(self, cls, namespace, name):
        try:
            return self.objs[(namespace, name)]
        except KeyError:
            raise NotFoundError(f"{cls.__name__} {namespace}/{name} not found") from None


def revision(name: str = "hello-00001", image: str = HELLO, status: dict | None = None, **container) -> Revision:
    doc = {
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                     "labels": {"serving.knative.dev/service": "hello",
                                "serving.knative.dev/configuration": "hello"}},
        "spec": {"containers": [{"image": image, "env": [{"name": "TARGET", "value": "Podman"}], **container}],
                 "terminationGracePeriodSeconds": 5},
    }
    if status is not None:
        doc["status"] = status
    return Revision.from_dict(doc)


def get(port: int, path: str = "/") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def image_of(podman, container: str) -> str:
    """The id of the image a container runs."""
    return podman.run("inspect", "--format", "{{.Image}}", container).stdout.strip()


def image_id(podman, ref: str) -> str:
    return podman.run("image", "inspect", "--format", "{{.Id}}", ref).stdout.strip()


async def until(predicate, timeout: float = 30.0, what: str = "condition"):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def runtime(podman, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", podman.url)
    rt = ContainerRuntime(data_dir=tmp_path, store=Secrets())
    await rt.start()
    yield rt
    await rt.aclose()


async def resolved(rt: ContainerRuntime, rev: Revision) -> Revision:
    statuses = await rt.resolve_images(rev)
    return Revision.from_dict({**rev.to_dict(), "status": {"containerStatuses": [{"name": s.name, "imageDigest": s.image_digest} for s in statuses]}})


async def test_image_runs_as_container_with_env_and_logs(runtime, podman):
    assert runtime.engine is not None and runtime.engine.name == "Podman Engine"
    rev = await resolved(runtime, revision())
    digest = rev.status.container_statuses[0]
    assert digest.name == "user-container" and digest.image_digest.startswith(HELLO + "@sha256:")
    await runtime.scale(rev, 1)
    st = await until(lambda: (s := runtime.status(rev.key)).ready and s, what="a ready instance")
    (host, port), = st.endpoints
    assert host == "127.0.0.1"
    assert await asyncio.to_thread(get, port) == (200, "Hello Podman!\n")
    names = podman.containers(f"{PLATFORM_LABEL}={runtime.platform}", "serving.knative.dev/revision=hello-00001")
    assert len(names) == 1
    assert image_of(podman, names[0]) == image_id(podman, digest.image_digest)
    await runtime.scale(rev, 0)
    await until(lambda: runtime.status(rev.key).total == 0, what="scale to zero")
    await until(lambda: not podman.containers(f"{PLATFORM_LABEL}={runtime.platform}"), what="containers removed")


async def test_moved_tag_does_not_change_a_resolved_revision(runtime, podman):
    podman.run("tag", HELLO, "localhost/moving:1")
    rev = await resolved(runtime, revision(name="moving-00001", image="localhost/moving:1"))
    before = rev.status.container_statuses[0].image_digest
    assert before.startswith("localhost/moving@sha256:")
    # the tag moves to another image (Hello becomes Howdy); the revision keeps running what it resolved
    ctx = podman.workdir / "moved"
    ctx.mkdir(exist_ok=True)
    (ctx / "Containerfile").write_text(f"FROM {HELLO}\nENV TARGET=Moved\n")
    podman.run("build", "-q", "-t", "localhost/moving:1", str(ctx))
    after = (await runtime.resolve_images(revision(name="moving-00002", image="localhost/moving:1")))[0]
    assert after.image_digest != before
    await runtime.scale(rev, 1)
    st = await until(lambda: (s := runtime.status(rev.key)).ready and s, what="a ready instance")
    name, = podman.containers("serving.knative.dev/revision=moving-00001")
    assert image_of(podman, name) == image_id(podman, before) != image_id(podman, "localhost/moving:1")
    assert await asyncio.to_thread(get, st.endpoints[0][1]) == (200, "Hello Podman!\n")
    await runtime.remove(rev.key)


async def test_missing_image_is_err_image_pull_then_back_off(runtime):
    rev = revision(name="nosuch-00001", image="localhost/no-such-image:1", imagePullPolicy="IfNotPresent")
    with pytest.raises(ImagePullError) as first:
        await runtime.resolve_images(rev)
    assert first.value.reason == "ErrImagePull" and "localhost/no-such-image:1" in str(first.value)
    with pytest.raises(ImagePullError) as second:
        await runtime.resolve_images(rev)
    assert second.value.reason == "ImagePullBackOff" and second.value.retry_after > first.value.retry_after
    never = revision(name="never-00001", image="localhost/no-such-image:1", imagePullPolicy="Never")
    with pytest.raises(ImagePullError) as third:
        await runtime.resolve_images(never)
    assert third.value.reason == "ErrImageNeverPull"


async def test_command_args_and_exec_probe(runtime):
    rev = revision(
        name="cmd-00001",
        command=["/bin/sh", "-c"],
        args=["echo started as $(TARGET); mkdir -p /www; echo hi > /www/index.html; "
              "exec /bin/busybox httpd -f -p $PORT -h /www"],
        readinessProbe={"exec": {"command": ["/bin/busybox", "test", "-f", "/www/index.html"]},
                        "periodSeconds": 1},
    )
    rev = await resolved(runtime, rev)
    await runtime.scale(rev, 1)
    st = await until(lambda: (s := runtime.status(rev.key)).ready and s, what="ready by the exec probe")
    assert await asyncio.to_thread(get, st.endpoints[0][1], "/index.html") == (200, "hi\n")
    await until(lambda: "started as Podman" in runtime.logs(rev.key), what="the log line")
    await runtime.remove(rev.key)


async def test_exit_is_reported_and_restarted(runtime):
    rev = await resolved(runtime, revision(name="crash-00001", command=["/bin/sh", "-c", "echo boom; exit 3"]))
    await runtime.scale(rev, 1)
    st = await until(lambda: (s := runtime.status(rev.key)).failure and s, what="the failure")
    assert st.failure[0] == "ExitCode3" and "boom" in st.failure[1]
    await until(lambda: runtime.status(rev.key).restarts >= 1, what="a restart")
    await runtime.remove(rev.key)


async def test_leftovers_of_a_crashed_platform_are_removed_at_start(podman, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", podman.url)
    key = platform_key(tmp_path)
    podman.run("run", "-d", "--name", "leftover-x", "--label", f"{PLATFORM_LABEL}={key}",
               "--label", f"{INSTANCE_LABEL}=old", HELLO)
    podman.run("run", "-d", "--name", "someone-else", "--label", f"{PLATFORM_LABEL}=other", HELLO)
    rt = ContainerRuntime(data_dir=tmp_path)
    try:
        await rt.start()
        assert podman.containers(f"{PLATFORM_LABEL}={key}") == []
        assert podman.containers(f"{PLATFORM_LABEL}=other") == ["someone-else"]
    finally:
        await rt.aclose()
        podman.run("rm", "-f", "-t", "0", "someone-else")


async def test_no_engine_is_not_runnable_with_a_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    rt = ContainerRuntime(data_dir=tmp_path)
    await rt.start()
    try:
        with pytest.raises(NotRunnableError) as err:
            rt.check(revision())
        assert err.value.reason == "ContainerEngineUnavailable"
        assert "podman system service" in str(err.value) and err.value.retry_after
    finally:
        await rt.aclose()


async def test_sidecar_shares_the_network_and_volumes_and_security_apply(runtime, podman):
    secret = Secret.from_dict({"metadata": {"name": "creds", "namespace": "default"},
                               "data": {"token": "c2VjcmV0"}})  # "secret"
    runtime.store.add(secret)
    rev = Revision.from_dict({
        "metadata": {"name": "pod-00001", "namespace": "default", "uid": "uid-pod"},
        "spec": {
            "containers": [
                # the sidecar serves the secret on 9090 inside the pod's network
                {"name": "side", "image": HELLO, "command": ["/bin/sh", "-c"],
                 "args": ["mkdir -p /tmp/w && cp /etc/creds/token /tmp/w/token && "
                          "exec /bin/busybox httpd -f -p 9090 -h /tmp/w"],
                 "volumeMounts": [{"name": "creds", "mountPath": "/etc/creds", "readOnly": True}]},
                # the serving container proxies nothing: it fetches from the sidecar over localhost at each request
                {"name": "app", "image": HELLO, "ports": [{"containerPort": 8080}],
                 "command": ["/bin/sh", "-c"],
                 "args": ["mkdir -p /tmp/www/cgi-bin && printf '#!/bin/sh\\nprintf \"Content-Type: text/plain\\\\r\\\\n"
                          "\\\\r\\\\n\"\\n/bin/busybox wget -q -O - http://127.0.0.1:9090/token\\n' "
                          "> /tmp/www/cgi-bin/index.cgi && chmod +x /tmp/www/cgi-bin/index.cgi && "
                          "(touch /rootfs-write 2>/dev/null && echo rw || echo ro) && "
                          "exec /bin/busybox httpd -f -p $PORT -h /tmp/www"],
                 "securityContext": {"readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
                 "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                 "resources": {"limits": {"memory": "64Mi", "cpu": "500m"}}},
            ],
            "volumes": [{"name": "creds", "secret": {"secretName": "creds"}}, {"name": "tmp", "emptyDir": {}}],
            "terminationGracePeriodSeconds": 2,
        },
    })
    rev = await resolved(runtime, rev)
    await runtime.scale(rev, 1)
    st = await until(lambda: (s := runtime.status(rev.key)).ready and s, what="the pod ready")
    status, body = await until(lambda: (r := get(st.endpoints[0][1])) and r[0] == 200 and r, what="the sidecar")
    assert body == "secret"
    await until(lambda: "ro" in runtime.logs(rev.key), what="the app's log")  # its root filesystem is read-only
    app = podman.containers("serving.knative.dev/revision=pod-00001", "pyknative.dev/container=app")
    assert len(app) == 1
    limits = podman.run("inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}", app[0]).stdout
    assert limits.split() == [str(64 * 1024 * 1024), "500000000"]
    await runtime.remove(rev.key)
    assert podman.containers("serving.knative.dev/revision=pod-00001") == []


async def test_failing_liveness_restarts_the_instance(runtime):
    rev = await resolved(runtime, revision(
        name="live-00001",
        livenessProbe={"httpGet": {"path": "/missing"}, "periodSeconds": 1, "failureThreshold": 2},
    ))
    await runtime.scale(rev, 1)
    await until(lambda: runtime.status(rev.key).ready, what="ready")
    st = await until(lambda: (s := runtime.status(rev.key)).restarts >= 1 and s, timeout=30, what="a restart")
    assert st.restarts >= 1
    await runtime.remove(rev.key)
