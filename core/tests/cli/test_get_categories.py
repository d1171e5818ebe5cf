"""``get CATEGORY`` against a real admin server: every kind of the category, one table each, as kubectl prints.

The test kinds (``support.make_kinds``): Services, Revisions, Routes and Configurations are in Knative
Serving's ``all``/``knative``/``serving``; ``gizmos`` holds Widgets (namespaced) and Gadgets (cluster-scoped);
``widgets`` is a category of Gadgets and also the Widgets' plural.
"""

from __future__ import annotations

import json
import re

import yaml


def _meta(name: str, namespace: str | None = "default", **labels: str):
    from pyknative.api.meta import ObjectMeta

    return ObjectMeta(name=name, namespace=namespace, labels=labels or None)


def _seed(server, support) -> None:
    async def seed():
        store = server.store
        await store.create(support.Widget(metadata=_meta("w1", tier="a")))
        await store.create(support.Widget(metadata=_meta("w2-longer-name")))
        await store.create(support.Widget(metadata=_meta("w3", "team", tier="a")))
        await store.create(support.Gadget(metadata=_meta("g1", None, tier="a")))

    server.call(seed())


def _blocks(text: str) -> list[list[list[str]]]:
    """The tables of an output (blank-line separated), each as rows of cells (split on 3+ spaces)."""
    return [
        [re.split(r" {3,}", line.strip()) for line in block.splitlines()]
        for block in text.strip("\n").split("\n\n")
    ]


def test_a_category_prints_one_table_per_kind_with_the_kind_before_each_name(pk, server, support):
    _seed(server, support)
    r = pk("get", "gizmos")
    assert r.exit_code == 0, r.output
    gadgets, widgets = r.stdout.rstrip("\n").split("\n\n")
    # each table is aligned on its own, headed by its kind's columns; kinds come in discovery order
    assert [row[:1] for row in _blocks(gadgets)[0]] == [["NAME"], ["gadget.test.pyknative.dev/g1"]]
    assert [row[0] for row in _blocks(widgets)[0]] == [
        "NAME",
        "widget.test.pyknative.dev/w1",
        "widget.test.pyknative.dev/w2-longer-name",
    ]
    header, *rows = widgets.splitlines()
    assert header.split() == ["NAME", "READY", "REASON", "AGE"]
    assert header.index("READY") == len("widget.test.pyknative.dev/w2-longer-name") + 3
    assert all(re.fullmatch(r"\d+s", row.split()[-1]) for row in rows)

    # -A: NAMESPACE for the namespaced kind only; -l applies to every kind
    tables = _blocks(pk("get", "gizmos", "-A", "-l", "tier=a").stdout)
    assert [row[0] for row in tables[0]] == ["NAME", "gadget.test.pyknative.dev/g1"]
    assert [row[:2] for row in tables[1]] == [
        ["NAMESPACE", "NAME"],
        ["default", "widget.test.pyknative.dev/w1"],
        ["team", "widget.test.pyknative.dev/w3"],
    ]
    # -n: that namespace's Widgets, and the (cluster-scoped) Gadgets
    tables = _blocks(pk("get", "gizmos", "-n", "team").stdout)
    assert [t[1][0] for t in tables] == ["gadget.test.pyknative.dev/g1", "widget.test.pyknative.dev/w3"]


def test_a_category_whose_objects_are_of_one_kind_prints_a_plain_table(pk, server, support):
    _seed(server, support)
    # kubectl prefixes NAME only when the objects found are of more than one kind
    r = pk("get", "gizmos", "-n", "empty")
    assert r.exit_code == 0, r.output
    assert [row[0] for row in _blocks(r.stdout)[0]] == ["NAME", "g1"]
    r = pk("get", "knative", "-n", "empty")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "No resources found in empty namespace.\n")


def test_a_category_as_names_json_and_yaml(pk, server, support):
    _seed(server, support)
    r = pk("get", "gizmos", "-o", "name")
    assert r.stdout.splitlines() == [
        "gadget.test.pyknative.dev/g1",
        "widget.test.pyknative.dev/w1",
        "widget.test.pyknative.dev/w2-longer-name",
    ]
    listing = json.loads(pk("get", "gizmos", "-o", "json", "-l", "tier=a").stdout)
    assert (listing["apiVersion"], listing["kind"]) == ("v1", "List")
    assert [(i["kind"], i["metadata"]["name"]) for i in listing["items"]] == [
        ("Gadget", "g1"),
        ("Widget", "w1"),
    ]
    assert yaml.safe_load(pk("get", "gizmos", "-o", "yaml", "-l", "tier=a").stdout) == listing


def test_a_kind_wins_over_a_category_of_the_same_name(pk, server, support):
    _seed(server, support)
    # "widgets" is the Widgets' plural and a category holding only Gadgets
    assert [row[0] for row in _blocks(pk("get", "widgets").stdout)[0]] == ["NAME", "w1", "w2-longer-name"]


def test_unknown_names_and_names_in_a_category(pk, server, support):
    r = pk("get", "gizmoz")
    assert r.exit_code == 1
    assert r.stderr == (
        'error: the server doesn\'t have a resource type "gizmoz" (it has: config, gd, ksvc, rev, rt, wd; '
        "categories: all, gizmos, knative, serving, widgets)\n"
    )
    r = pk("get", "gizmos", "g1")
    assert r.exit_code == 1
    assert r.stderr == "error: \"gizmos\" is a category of 2 kinds; give one kind to get 'g1' by name\n"
