"""Images: each container's image made present as its ``imagePullPolicy`` says and resolved to a digest, once
per revision (Knative's tag-to-digest resolution), with pull errors named as the kubelet names them.

- ``Never``: the image must be in the engine's store (``ErrImageNeverPull`` otherwise).
- ``IfNotPresent``: the store's image if there is one, else a pull.
- ``Always``: a pull; when the registry cannot be reached but the store has the image, that one is used (a laptop
  offline keeps working; ``docker run`` does the same with ``--pull=missing``) and the log says so.
- A pull that fails is ``ErrImagePull`` with the engine's message the first time, ``ImagePullBackOff`` after, and
  the reconciler asks again after a back-off doubling from 10 s to 5 minutes, as the kubelet's.

The digest recorded is the image's repository digest (``name@sha256:...``) when the store knows one, else its
image id; instances run that reference, so a tag moved later never changes a running revision.
Credentials come from the revision's ``imagePullSecrets``: Secrets of type ``kubernetes.io/dockerconfigjson``
(``.dockerconfigjson``) or ``kubernetes.io/dockercfg`` (``.dockercfg``), matched by registry host.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import aiodocker

from pyknative.api.core import Secret
from pyknative.api.podspec import Container
from pyknative.api.serving import Revision
from pyknative.roles.runtime import ContainerStatus, ImagePullError
from pyknative_runtime_container.instance import engine_message
from pyknative_runtime_container.resources import pull_policy

_log = logging.getLogger(__name__)

BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0
DOCKER_HUB = "docker.io"


def split_reference(image: str) -> tuple[str, str | None, str | None]:
    """``(repository, tag, digest)`` of an image reference."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    tag = None
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        image, tag = image[:colon], image[colon + 1 :]
    return image, tag, digest


def registry_of(image: str) -> str:
    """The registry host of an image reference (Docker Hub when the first part is not a host)."""
    repo = split_reference(image)[0]
    first = repo.split("/", 1)[0]
    if "/" in repo and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def _decode(value: Any) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return b""


def credentials(secrets: Iterable[Secret], registry: str) -> dict[str, str] | None:
    """The username/password for ``registry`` in docker config Secrets, or None."""
    for secret in secrets:
        data = secret.data or {}
        raw = data.get(".dockerconfigjson") or data.get(".dockercfg")
        if raw is None:
            continue
        try:
            doc = json.loads(_decode(raw) or b"{}")
        except ValueError:
            continue
        auths = doc.get("auths", doc) if isinstance(doc, dict) else {}
        for server, entry in (auths or {}).items():
            host = server.split("://", 1)[-1].split("/", 1)[0]
            if host in ("index.docker.io", "registry-1.docker.io"):
                host = DOCKER_HUB
            if host != registry or not isinstance(entry, dict):
                continue
            user, password = entry.get("username"), entry.get("password")
            if (user is None or password is None) and entry.get("auth"):
                user, _, password = _decode(entry["auth"]).decode("utf-8", "replace").partition(":")
            if user is not None and password is not None:
                return {"username": str(user), "password": str(password), "serveraddress": server}
    return None


def pinned(image: str, details: Mapping[str, Any]) -> str:
    """The digest reference to run ``image`` by (see the module docstring)."""
    repo = split_reference(image)[0]
    digests = [str(d) for d in details.get("RepoDigests") or ()]
    for d in digests:
        if d.split("@", 1)[0] in (repo, f"docker.io/{repo}", f"docker.io/library/{repo}", f"localhost/{repo}"):
            return d
    if digests:
        return f"{repo}@{digests[0].split('@', 1)[1]}"
    return str(details["Id"])


class ImageResolver:
    """Resolves revisions' images on one engine, remembering failed pulls for the kubelet's back-off."""

    def __init__(self, client: aiodocker.Docker) -> None:
        self.client = client
        self._failures: dict[str, int] = {}

    async def _inspect(self, image: str) -> dict[str, Any] | None:
        try:
            return await self.client.images.inspect(image)
        except aiodocker.DockerError as exc:
            if exc.status == 404:
                return None
            raise

    async def _pull(self, image: str, auth: dict[str, str] | None) -> None:
        repo, tag, digest = split_reference(image)
        ref = f"{repo}@{digest}" if digest else repo
        result = await self.client.images.pull(ref, tag=None if digest else (tag or "latest"), auth=auth)
        for line in result if isinstance(result, list) else ():
            if isinstance(line, dict) and line.get("error"):
                raise aiodocker.DockerError(500, {"message": line["error"]})

    def _failed(self, key: str, image: str, message: str) -> ImagePullError:
        count = self._failures.get(key, 0) + 1
        self._failures[key] = count
        delay = min(BACKOFF_INITIAL * 2 ** (count - 1), BACKOFF_MAX)
        if count == 1:
            return ImagePullError("ErrImagePull", f'failed to pull image "{image}": {message}', delay)
        return ImagePullError("ImagePullBackOff", f'Back-off pulling image "{image}": {message}', delay)

    async def resolve_container(self, key: str, c: Container, secrets: Iterable[Secret]) -> ContainerStatus:
        image = c.image or ""
        name = c.name or "user-container"
        policy = pull_policy(c)
        try:
            details = await self._inspect(image)
            if policy == "Never" and details is None:
                raise ImagePullError(
                    "ErrImageNeverPull",
                    f'Container image "{image}" is not present with pull policy of Never', BACKOFF_INITIAL,
                )
            if details is None or policy == "Always":
                try:
                    await self._pull(image, credentials(secrets, registry_of(image)))
                except aiodocker.DockerError as exc:
                    if details is None:
                        raise self._failed(key, image, engine_message(exc)) from None
                    _log.warning("pulling %s failed (%s); using the engine's copy", image, engine_message(exc))
                details = await self._inspect(image)
                if details is None:
                    raise self._failed(key, image, "the engine has no such image after pulling it")
        except aiodocker.DockerError as exc:
            raise self._failed(key, image, engine_message(exc)) from None
        self._failures.pop(key, None)
        return ContainerStatus(name=name, image_digest=pinned(image, details))

    async def resolve(self, rev: Revision, secrets: Iterable[Secret]) -> tuple[ContainerStatus, ...]:
        secrets = list(secrets)
        out = []
        for c in (rev.spec.containers if rev.spec else None) or ():
            out.append(await self.resolve_container(f"{rev.key}/{c.name or ''}", c, secrets))
        return tuple(out)


def pull_secret_names(rev: Revision) -> list[str]:
    """The names in ``spec.imagePullSecrets``."""
    refs = ((rev.spec.extra if rev.spec else None) or {}).get("imagePullSecrets") or ()
    return [str(r.get("name")) for r in refs if isinstance(r, dict) and r.get("name")]
