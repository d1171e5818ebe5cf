"""Knative's DeliverySpec, resolved for a dispatcher: retries, backoff, timeout, dead-letter sink, format.

Pure. The backoff follows Knative's in-core dispatcher (go-retryablehttp's 0-based attempt index): before retry
``k`` (1-based) it waits ``(k-1)·delay`` (linear) or ``2^(k-1)·delay`` (exponential); ``backoff_max`` caps it
(pyknative's answer to knative/eventing#9278; set it with the annotation ``delivery.pyknative.dev/backoff-max``
on a Broker, Trigger or Subscription). Which responses are retried is Knative's
table: no response, 5xx, 404, 408, 409, 429; success is 2xx only.
"""

from __future__ import annotations

import re

import attrs

RETRYABLE = frozenset({404, 408, 409, 429})
_ISO = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_iso8601_duration(text: str) -> float:
    """Seconds in an ISO-8601 duration as Knative accepts them (``PT0.2S``, ``PT1M``, ``P1D``); ValueError otherwise."""
    m = _ISO.match(text.strip()) if isinstance(text, str) else None
    if m is None or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise ValueError(f"invalid ISO-8601 duration {text!r} (e.g. PT0.2S, PT1M, P1D)")
    d, h, mi, s = (float(m.group(g) or 0) for g in ("d", "h", "m", "s"))
    return d * 86400 + h * 3600 + mi * 60 + s


def is_success(status: int) -> bool:
    return 200 <= status < 300


def is_retryable(status: int | None) -> bool:
    """``None`` is no response at all (connection refused, reset, timeout)."""
    return status is None or status >= 500 or status in RETRYABLE


@attrs.frozen
class DeliveryPolicy:
    retry: int = 0
    backoff_policy: str = "exponential"
    backoff_delay: float = 0.0
    backoff_max: float | None = None
    timeout: float | None = None
    retry_after_max: float | None = None
    dead_letter_uri: str | None = None
    #: ``json`` (structured) or ``binary``; None sends as the event came in
    format: str | None = None

    @property
    def attempts(self) -> int:
        return self.retry + 1

    def backoff(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based), honouring Retry-After when enabled."""
        k = max(retry_number - 1, 0)
        wait = self.backoff_delay * (2**k if self.backoff_policy == "exponential" else k)
        if self.backoff_max is not None:
            wait = min(wait, self.backoff_max)
        if retry_after is not None and self.retry_after_max is not None and self.retry_after_max > 0:
            wait = max(wait, min(retry_after, self.retry_after_max))
        return wait
