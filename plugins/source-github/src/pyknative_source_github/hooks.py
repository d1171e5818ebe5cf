"""The GitHub hooks API (REST v3), as eventing-github's webhook client uses it: create, edit, delete a hook of a
repository (``/repos/{owner}/{repo}/hooks``) or an organization (``/orgs/{org}/hooks``), authenticated with
``Authorization: token <accessToken>``. A ``githubAPIURL`` (GitHub Enterprise: ``https://host/api/v3``) replaces
``https://api.github.com``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp
import attrs

from pyknative_source_github.api import DEFAULT_API_URL


class HookError(Exception):
    """GitHub refused a hooks call (or could not be reached); the message carries its status and answer."""


@attrs.frozen
class HookTarget:
    """Where a hook lives and who may change it."""

    owner: str
    repo: str
    access_token: str
    api_url: str = DEFAULT_API_URL

    @property
    def hooks_url(self) -> str:
        base = (self.api_url or DEFAULT_API_URL).rstrip("/")
        return f"{base}/repos/{self.owner}/{self.repo}/hooks" if self.repo else f"{base}/orgs/{self.owner}/hooks"


def hook_config(url: str, secret: str, events: Sequence[str]) -> dict[str, Any]:
    """The hook body Knative sends: ``name web``, active, JSON content, the secret and the events."""
    return {
        "name": "web",
        "active": True,
        "events": list(events),
        "config": {"url": url, "content_type": "json", "secret": secret},
    }


def _headers(target: HookTarget) -> dict[str, str]:
    return {
        "authorization": f"token {target.access_token}",
        "accept": "application/vnd.github+json",
        "user-agent": "pyknative-source-github",
    }


async def _call(method: str, url: str, target: HookTarget, body: Any = None, timeout: float = 30.0) -> Any:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.request(method, url, json=body, headers=_headers(target)) as resp:
                text = await resp.text()
                if resp.status >= 300:
                    raise HookError(f"{method} {url}: {resp.status} {text[:300]}")
                return await resp.json(content_type=None) if text else None
    except aiohttp.ClientError as e:
        raise HookError(f"{method} {url}: {e}") from None
    except TimeoutError:
        raise HookError(f"{method} {url}: no answer in {timeout:g}s") from None


async def create_hook(target: HookTarget, url: str, secret: str, events: Sequence[str]) -> str:
    """Create the hook; its id (as a string, as Knative keeps it in ``webhookIDKey``)."""
    answer = await _call("POST", target.hooks_url, target, hook_config(url, secret, events))
    hook_id = answer.get("id") if isinstance(answer, dict) else None
    if hook_id is None:
        raise HookError(f"POST {target.hooks_url}: the answer has no hook id")
    return str(hook_id)


async def edit_hook(target: HookTarget, hook_id: str, url: str, secret: str, events: Sequence[str]) -> None:
    await _call("PATCH", f"{target.hooks_url}/{hook_id}", target, hook_config(url, secret, events))


async def delete_hook(target: HookTarget, hook_id: str) -> None:
    """Delete the hook; one GitHub no longer has (404) counts as deleted."""
    try:
        await _call("DELETE", f"{target.hooks_url}/{hook_id}", target)
    except HookError as e:
        if ": 404 " not in str(e):
            raise
