"""Window averages of per-second samples, as Knative's ``TimedFloat64Buckets.WindowAverage`` computes them.

Samples fall into one-second buckets; the average over a window of ``W`` seconds ending at ``now`` is the sum
of the buckets inside it divided by the seconds that could have been reported:

* a revision with only six seconds of history is averaged over those six seconds, not the whole window
  (the history restarts when no sample arrived for a whole window, so a burst after a long idle is judged
  on its own);
* the seconds after the latest sample (not reported yet, such as the current one) are left out;
* a second with no sample between two others counts as zero;
* a window with no sample at all averages to 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from pyknative.scaling import MetricSample

#: Knative rounds window averages down to six decimals.
_PRECISION = 1e6


def window_average(
    samples: Iterable[MetricSample],
    now: float,
    window: float,
    value: Callable[[MetricSample], float],
) -> float:
    """The average of ``value(sample)`` per second over the ``window`` seconds that end at ``now``."""
    buckets = max(1, math.ceil(window - 1e-9))
    now_bucket = math.floor(now)
    oldest = now_bucket - buckets  # exclusive
    first_write: int | None = None
    last_write: int | None = None
    total = 0.0
    seq = tuple(samples)
    if any(a.time > b.time for a, b in zip(seq, seq[1:], strict=False)):  # the core hands them oldest first
        seq = tuple(sorted(seq, key=lambda s: s.time))
    for sample in seq:
        bucket = math.floor(sample.time)
        if bucket > now_bucket:
            continue
        if last_write is None or bucket - last_write >= buckets:
            first_write = bucket
        last_write = bucket if last_write is None else max(last_write, bucket)
        if bucket > oldest:
            total += value(sample)
    if first_write is None or last_write is None or last_write <= oldest:
        return 0.0
    unreported = now_bucket - last_write
    span = min(last_write - first_write + 1, buckets - unreported)
    return math.floor(total / span * _PRECISION) / _PRECISION


def concurrency(sample: MetricSample) -> float:
    return sample.concurrency


def requests(sample: MetricSample) -> float:
    return sample.requests
