"""Reading a ``secretKeyRef`` (name, key) from a namespace's Secrets: the decoded value, or None."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pyknative.api.core import Secret
from pyknative.errors import NotFoundError


async def secret_value(store: Any, namespace: str, ref: Any) -> str | None:
    """The value of ``ref`` (``.name``, ``.key``) in Secret ``namespace/ref.name``; None when either is missing."""
    if ref is None or not ref.name or not ref.key:
        return None
    try:
        secret = await store.get(Secret, namespace, ref.name)
    except NotFoundError:
        return None
    raw = (secret.data or {}).get(ref.key)
    if raw is None:
        plain = (secret.string_data or {}).get(ref.key)
        return plain if isinstance(plain, str) else None
    try:
        return base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
