"""The JSONPath subset of printer columns, as kubectl evaluates CRDs' additionalPrinterColumns."""

from __future__ import annotations

import pytest

from pyknative.cli import jsonpath, printers

OBJ = {
    "metadata": {"name": "a", "labels": {"serving.knative.dev/service": "hello"}},
    "status": {
        "conditions": [
            {"type": "Ready", "status": "False", "reason": "RevisionMissing"},
            {"type": "ConfigurationsReady", "status": "True"},
        ],
        "traffic": [{"percent": 80, "tag": "a"}, {"percent": 20}],
        "flag": True,
    },
}


@pytest.mark.parametrize(
    ("path", "want"),
    [
        (".metadata.name", "a"),
        ("{.metadata.name}", "a"),
        ("$.metadata.name", "a"),
        (".metadata.labels['serving.knative.dev/service']", "hello"),
        ('.metadata.labels["serving.knative.dev/service"]', "hello"),
        (".status.conditions[?(@.type=='Ready')].status", "False"),
        ('.status.conditions[?(@.type=="Ready")].reason', "RevisionMissing"),
        (".status.conditions[?(@.type!='Ready')].type", "ConfigurationsReady"),
        (".status.conditions[1].type", "ConfigurationsReady"),
        (".status.conditions[-1].status", "True"),
        (".status.traffic[*].percent", "80,20"),
        (".status.traffic[*].tag", "a"),
        (".status.flag", "true"),
        (".status.missing.deeper", ""),
        (".status.conditions[7].type", ""),
        (".metadata.name.deeper", ""),
    ],
)
def test_cells(path, want):
    assert jsonpath.cell(path, OBJ) == want


@pytest.mark.parametrize("path", [".status.conditions[?(@.type~'x')]", "status..x", ".a[", ".a b"])
def test_unsupported_paths_are_errors(path):
    with pytest.raises(jsonpath.JsonPathError):
        jsonpath.compile_path(path)


def test_a_column_with_a_bad_path_says_so_in_its_cells_instead_of_failing_the_table():
    out = printers.table([OBJ], [{"name": "odd", "jsonPath": ".a["}])
    assert out.splitlines()[1].split() == ["a", "<bad", "jsonPath>"]


def test_default_columns_for_a_kind_without_any():
    out = printers.table([OBJ], [])
    assert out.splitlines()[0].split() == ["NAME", "READY", "REASON", "AGE"]
    assert out.splitlines()[1].split() == ["a", "False", "RevisionMissing"]


def test_priority_columns_only_show_wide():
    specs = [
        {"name": "Service", "jsonPath": ".metadata.labels['serving.knative.dev/service']", "priority": 1}
    ]
    assert printers.table([OBJ], specs).splitlines()[0].split() == ["NAME"]
    assert printers.table([OBJ], specs, wide=True).splitlines()[1].split() == ["a", "hello"]
