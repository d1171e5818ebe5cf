"""Route table of the gateway: which revision(s) serve a host, and the weighted pick per request.

A route maps a host (lowercase, no port) to a :class:`RouteRule`, an ordered tuple of :class:`Split` whose
percents sum to 100 (Knative's ``status.traffic``). :class:`RouteTable` is the compiled, immutable form the
gateway swaps in atomically; its :meth:`RouteTable.lookup` takes the raw ``Host`` header bytes as they came off
the wire and memoises the normalisation, so the hot path costs one dict lookup.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Mapping

import attrs


@attrs.frozen(cache_hash=True)
class RevisionKey:
    """A revision's identity: its namespace and name."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@attrs.frozen
class Split:
    """One traffic target: ``percent`` of the requests for a host go to ``revision``."""

    revision: RevisionKey
    percent: int = attrs.field()

    @percent.validator
    def _check_percent(self, _attr: attrs.Attribute, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise ValueError(f"Split.percent must be an int in 0..100, got {value!r} for {self.revision}")


@attrs.frozen
class RouteRule:
    """The traffic splits of one host; percents sum to 100."""

    splits: tuple[Split, ...] = attrs.field(converter=tuple)

    def __attrs_post_init__(self) -> None:
        if not self.splits:
            raise ValueError("RouteRule.splits must name at least one revision")
        total = sum(s.percent for s in self.splits)
        if total != 100:
            raise ValueError(f"RouteRule.splits percents must sum to 100, got {total}")


@attrs.frozen
class _CompiledRule:
    """A rule ready for picking: the revisions with a non-zero share and their cumulative percents."""

    revisions: tuple[RevisionKey, ...]
    cumulative: tuple[int, ...]
    rng: random.Random

    @classmethod
    def of(cls, rule: RouteRule, rng: random.Random) -> _CompiledRule:
        revisions: list[RevisionKey] = []
        cumulative: list[int] = []
        total = 0
        for split in rule.splits:
            if split.percent:
                total += split.percent
                revisions.append(split.revision)
                cumulative.append(total)
        return cls(tuple(revisions), tuple(cumulative), rng)

    def pick(self) -> RevisionKey:
        """The revision for one request: random, weighted by percent."""
        revisions = self.revisions
        if len(revisions) == 1:
            return revisions[0]
        return revisions[bisect_right(self.cumulative, self.rng.random() * 100.0)]


def normalise_host(raw: str) -> str:
    """``Host`` header value -> route key: port stripped (IPv6 literals kept bracketed), lowercase."""
    host = raw.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    colon = host.rfind(":")
    if colon != -1 and host[colon + 1 :].isdigit():
        host = host[:colon]
    return host.rstrip(".")


_MEMO_LIMIT = 4096


@attrs.define(eq=False)
class RouteTable:
    """An immutable host -> rule table with a memo from raw ``Host`` header bytes to the compiled rule."""

    _rules: dict[str, _CompiledRule]
    _memo: dict[bytes, _CompiledRule | None] = attrs.field(factory=dict)

    @classmethod
    def build(cls, routes: Mapping[str, RouteRule], *, rng: random.Random | None = None) -> RouteTable:
        rng = rng or random.Random()
        rules: dict[str, _CompiledRule] = {}
        for host, rule in routes.items():
            if not isinstance(rule, RouteRule):
                raise TypeError(f"route for host {host!r} must be a RouteRule, got {type(rule).__name__}")
            rules[normalise_host(host)] = _CompiledRule.of(rule, rng)
        return cls(rules)

    def with_changes(
        self, changes: Mapping[str, RouteRule | None], *, rng: random.Random | None = None
    ) -> RouteTable:
        """A new table: this one with the hosts in ``changes`` set to their rule (None removes the host); only
        those are compiled again, so one Ingress changing among thousands costs its own hosts."""
        rng = rng or random.Random()
        rules = dict(self._rules)
        for host, rule in changes.items():
            key = normalise_host(host)
            if rule is None:
                rules.pop(key, None)
            elif not isinstance(rule, RouteRule):
                raise TypeError(f"route for host {host!r} must be a RouteRule, got {type(rule).__name__}")
            else:
                rules[key] = _CompiledRule.of(rule, rng)
        return RouteTable(rules)

    def lookup(self, raw_host: bytes) -> _CompiledRule | None:
        """The compiled rule for a raw ``Host`` header value, or None when no route matches."""
        try:
            return self._memo[raw_host]
        except KeyError:
            pass
        rule = self._rules.get(normalise_host(raw_host.decode("latin-1")))
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[raw_host] = rule
        return rule

    def hosts(self) -> frozenset[str]:
        return frozenset(self._rules)
