"""Resolving traffic targets: latest ready revisions, named revisions, and Knative's failure reasons."""

import pytest

from pyknative.api.serving import Configuration, Revision, TrafficTarget
from pyknative.reconciler.route.traffic import resolve_traffic


def cfg(latest_ready=None, ready="Unknown"):
    return Configuration.from_dict({"metadata": {"name": "c"}, "status": {"latestReadyRevisionName": latest_ready, "conditions": [{"type": "Ready", "status": ready, "message": "boom"}]}})


def rev(name, ready="True"):
    return Revision.from_dict({"metadata": {"name": name, "labels": {"serving.knative.dev/configuration": "c"}}, "status": {"conditions": [{"type": "Ready", "status": ready, "message": "exit 1"}]}})


LATEST_C = (TrafficTarget(configuration_name="c", latest_revision=True, percent=100),)


def named(name):
    return (TrafficTarget(revision_name=name, latest_revision=False, percent=100),)


# Knative's reasons and messages (route_lifecycle.go), Go's %q quoting included
CASES = [
    pytest.param(LATEST_C, {"c": cfg("c-00002", "True")}, {}, [("c-00002", 100)], None, id="latest ready"),
    pytest.param(LATEST_C, {"c": cfg()}, {}, [],
                 ("RevisionMissing", 'Configuration "c" is waiting for a Revision to become ready.', True),
                 id="no ready revision yet"),
    pytest.param(LATEST_C, {"c": cfg(None, "False")}, {}, [],
                 ("RevisionMissing", 'Configuration "c" does not have any ready Revision.', False), id="config failed"),
    pytest.param((TrafficTarget(configuration_name="x", latest_revision=True, percent=100),), {}, {}, [],
                 ("ConfigurationMissing", 'Configuration "x" referenced in traffic not found.', False),
                 id="missing config"),
    pytest.param(named("c-00001"), {}, {"c-00001": rev("c-00001")}, [("c-00001", 100)], None, id="named ready"),
    pytest.param(named("c-00009"), {}, {}, [],
                 ("RevisionMissing", 'Revision "c-00009" referenced in traffic not found.', False), id="named missing"),
    pytest.param(named("c-00001"), {}, {"c-00001": rev("c-00001", "Unknown")}, [],
                 ("RevisionMissing", 'Revision "c-00001" is not yet ready.', True), id="named not ready"),
    pytest.param(named("c-00001"), {}, {"c-00001": rev("c-00001", "False")}, [],
                 ("RevisionMissing", 'Revision "c-00001" failed to become ready.', False), id="named failed"),
]


@pytest.mark.parametrize(("traffic", "configs", "revs", "want", "error"), CASES)
def test_resolve(traffic, configs, revs, want, error):
    resolved, err = resolve_traffic(traffic, configs, revs)
    assert [(t.revision_name, t.percent) for t in resolved] == want
    assert (None if err is None else (err.reason, err.message, err.transient)) == error


@pytest.mark.parametrize(
    ("revs", "want"),
    [
        pytest.param({}, 'Revision "c-00009" referenced in traffic not found.', id="a later failure outranks"),
        pytest.param({"c-00009": rev("c-00009", "Unknown")}, 'Configuration "c" is waiting for a Revision to become ready.',
                     id="else the first error"),
    ],
)
def test_the_error_reported_is_knatives_choice(revs, want):
    traffic = (*LATEST_C[:1], *named("c-00009"))
    resolved, err = resolve_traffic(traffic, {"c": cfg()}, revs)
    assert resolved == () and err.message == want
