"""Fixtures for the source tests: a recording sink server on loopback (``sink``; ``make_sink()`` for more)."""

from pyknative.testing.sinks import make_sink, sink  # noqa: F401 (fixtures)
