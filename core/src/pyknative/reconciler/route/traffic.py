"""Resolving a Route's traffic targets to revisions: a pure function of the spec and the objects it names.

Latest-revision targets follow their Configuration's ``latestReadyRevisionName``; named revisions must exist
and be Ready. Failures come back with Knative's reasons and messages (``RouteStatus.MarkMissingTrafficTarget``,
``MarkRevisionNotReady``, ``MarkConfigurationFailed``, ...): a target that does not exist yet is
``<Kind>Missing``; one that is not ready is ``RevisionMissing``, Unknown while it may still become ready.
Admission accepts traffic naming a revision that does not exist yet, as Knative does; the Route reports it here
until the revision appears.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import attrs

from pyknative.api import conditions as cond
from pyknative.api.serving import Configuration, Revision, TrafficTarget


@attrs.frozen
class ResolvedTarget:
    tag: str | None
    revision_name: str
    configuration_name: str | None
    latest_revision: bool
    percent: int | None


@attrs.frozen
class TrafficError:
    reason: str
    message: str
    #: True: the condition is Unknown (a revision still deploying); False: it is False (Knative's ``IsFailure``: a
    #: target that failed or does not exist, until it is created or the spec changes)
    transient: bool


def resolve_traffic(
    traffic: tuple[TrafficTarget, ...],
    configurations: Mapping[str, Configuration],
    revisions: Mapping[str, Revision],
) -> tuple[tuple[ResolvedTarget, ...], TrafficError | None]:
    """Every target resolved, or nothing and the error to report: as Knative's ``deferTargetError``, the first
    error unless a later target fails outright (a failure outranks a target still becoming ready)."""
    out: list[ResolvedTarget] = []
    error: TrafficError | None = None
    for t in traffic:
        found = _resolve(t, configurations, revisions)
        if isinstance(found, ResolvedTarget):
            out.append(found)
        elif error is None or not found.transient:
            error = found
    return ((), error) if error is not None else (tuple(out), None)


def _resolve(
    t: TrafficTarget, configurations: Mapping[str, Configuration], revisions: Mapping[str, Revision]
) -> ResolvedTarget | TrafficError:
    if t.revision_name and not t.latest_revision:
        rev = revisions.get(t.revision_name)
        if rev is None:
            return missing("Revision", t.revision_name)
        ready = cond.get(rev.status.conditions if rev.status else None, "Ready")
        if ready is not None and ready.is_false:
            return TrafficError("RevisionMissing", f"Revision {_q(t.revision_name)} failed to become ready.", False)
        if ready is None or not ready.is_true:
            return TrafficError("RevisionMissing", f"Revision {_q(t.revision_name)} is not yet ready.", True)
        config = rev.metadata.label("serving.knative.dev/configuration")
        return ResolvedTarget(t.tag, t.revision_name, config, False, t.percent)
    name = t.configuration_name or ""
    config = configurations.get(name)
    if config is None:
        return missing("Configuration", name)
    latest = config.status.latest_ready_revision_name if config.status else None
    if latest:
        return ResolvedTarget(t.tag, latest, name, True, t.percent)
    ready = cond.get(config.status.conditions if config.status else None, "Ready")
    if ready is not None and ready.is_false:
        return TrafficError("RevisionMissing", f"Configuration {_q(name)} does not have any ready Revision.", False)
    return TrafficError("RevisionMissing", f"Configuration {_q(name)} is waiting for a Revision to become ready.", True)


def missing(kind: str, name: str) -> TrafficError:
    """A target that does not exist: Knative's ``MarkMissingTrafficTarget`` (``<kind>Missing``, False: the spec
    names it, so it stays until the object appears)."""
    return TrafficError(f"{kind}Missing", f"{kind} {_q(name)} referenced in traffic not found.", False)


def _q(name: str) -> str:
    """``name`` quoted as Go's ``%q`` writes it (Knative's messages use it)."""
    return json.dumps(name)
