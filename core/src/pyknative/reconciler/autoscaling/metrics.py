"""Per-revision metric samples (one a second, from the data plane's queue) and scale-from-zero pokes.

The PodAutoscaler reconciler hands these to the class plugin's scaler; the scaler's state between ticks is
kept here too, so a restart of a reconcile loses nothing but a restart of the platform starts fresh, as
Knative's autoscaler does.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs

from pyknative.scaling import MetricSample, ScaleDecision

MAX_SAMPLES = 3600  # the longest window Knative allows is 1h


@attrs.define(eq=False)
class MetricsCollector:
    _samples: dict[str, deque[MetricSample]] = attrs.field(factory=dict)
    _pokes: dict[str, int] = attrs.field(factory=dict)
    state: dict[str, Any] = attrs.field(factory=dict)
    desired: dict[str, int] = attrs.field(factory=dict)
    #: the scaler's last decision per revision, for /metrics
    decisions: dict[str, ScaleDecision] = attrs.field(factory=dict)
    #: what a measuring scaler's ``measure`` returned last, per revision
    measure_state: dict[str, Any] = attrs.field(factory=dict)
    #: called with a quiet revision's key when traffic arrives for it (its PodAutoscaler is decided at once)
    on_activity: Callable[[str], None] | None = None
    #: revisions decided less often while quiet (see ``ScaleDecision.quiet_until``)
    _quiet: set[str] = attrs.field(factory=set, init=False)

    def track(self, key: str) -> None:
        self._samples.setdefault(key, deque(maxlen=MAX_SAMPLES))

    def keys(self) -> list[str]:
        return list(self._samples)

    def record(self, key: str, sample: MetricSample) -> None:
        self._samples.setdefault(key, deque(maxlen=MAX_SAMPLES)).append(sample)
        if key in self._quiet and (sample.concurrency > 0 or sample.requests > 0):
            self._quiet.discard(key)
            if self.on_activity is not None:
                self.on_activity(key)

    def quiet(self, key: str, quiet: bool) -> None:
        """Whether ``key`` is decided less often for now: traffic for it (a non-zero sample) ends that."""
        if quiet:
            self._quiet.add(key)
        else:
            self._quiet.discard(key)

    def samples(self, key: str, seconds: float | None = None) -> tuple[MetricSample, ...]:
        """The samples of ``key``, oldest first; with ``seconds``, only the newest that many (one a second: the
        last ``seconds`` of them), read from the newest end: a revision keeps up to an hour of them, and is
        decided every tick."""
        kept = self._samples.get(key)
        if not kept:
            return ()
        if seconds is None or seconds >= len(kept):
            return tuple(kept)
        newest = list(itertools.islice(reversed(kept), math.ceil(seconds)))
        newest.reverse()
        return tuple(newest)

    def poke(self, key: str) -> None:
        """A request is waiting for ``key`` with no instance to serve it."""
        self._pokes[key] = self._pokes.get(key, 0) + 1

    def take_pokes(self, key: str) -> int:
        return self._pokes.pop(key, 0)

    def forget(self, key: str) -> None:
        for d in (self._samples, self._pokes, self.state, self.desired, self.decisions, self.measure_state):
            d.pop(key, None)
        self._quiet.discard(key)
