"""The embedded ingress programs the gateway incrementally: whatever the order of programs and removals, the
gateway's table is the one ``routing_table`` builds from the Ingresses that remain (the older Ingress wins a host)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pyknative.api.networking import Ingress
from pyknative.dataplane.ingress_plugin import EmbeddedIngress, routing_table
from pyknative.dataplane.routing import RouteTable


class FakeGateway:
    address = ("127.0.0.1", 8080)

    def __init__(self) -> None:
        self.table = RouteTable.build({})
        self.changed_hosts: list[int] = []

    def update_routes(self, changes) -> None:
        self.changed_hosts.append(len(changes))
        self.table = self.table.with_changes(changes, rng=random.Random(0))


def ingress(name: str, created: int, hosts: list[str], revision: str) -> Ingress:
    return Ingress.from_dict(
        {
            "metadata": {"name": name, "namespace": "default", "creationTimestamp": f"2026-01-01T00:00:{created:02d}Z"},
            "spec": {"rules": [{"hosts": hosts, "http": {"paths": [{"splits": [
                {"serviceName": revision, "serviceNamespace": "default", "percent": 100}]}]}}]},
        }
    )


def table_of(gateway: FakeGateway) -> dict[str, tuple]:
    """What the gateway routes each host to: the revisions and their cumulative shares."""
    out = {}
    for host in gateway.table.hosts():
        rule = gateway.table.lookup(host.encode())
        out[host] = (rule.revisions, rule.cumulative)
    return out


def expected(ingresses) -> dict[str, tuple]:
    full = RouteTable.build(routing_table(ingresses), rng=random.Random(0))
    return {host: (full.lookup(host.encode()).revisions, full.lookup(host.encode()).cumulative) for host in full.hosts()}


HOSTS = ["a.default", "b.default", "c.default", "d.default"]
ops = st.lists(
    st.tuples(st.sampled_from(["i0", "i1", "i2", "i3"]), st.booleans(), st.lists(st.sampled_from(HOSTS), max_size=3),
              st.sampled_from(["r1", "r2"])),
    max_size=25,
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(ops)
async def test_incremental_programming_matches_a_full_rebuild(steps):
    gateway = FakeGateway()
    plugin = EmbeddedIngress(gateway)
    live: dict[str, Ingress] = {}
    created = {"i0": 3, "i1": 1, "i2": 2, "i3": 0}
    for name, keep, hosts, rev in steps:
        if keep:
            ing = ingress(name, created[name], hosts, rev)
            live[name] = ing
            await plugin.program(ing)
        else:
            live.pop(name, None)
            await plugin.remove("default", name)
        assert table_of(gateway) == expected(live.values())


async def test_programming_one_ingress_among_many_touches_only_its_hosts():
    gateway = FakeGateway()
    plugin = EmbeddedIngress(gateway)
    for i in range(300):
        await plugin.program(ingress(f"s{i}", 0, [f"s{i}.default", f"s{i}.default.svc"], f"s{i}-00001"))
    gateway.changed_hosts.clear()
    await plugin.program(ingress("s7", 0, ["s7.default", "s7.default.svc"], "s7-00002"))
    assert gateway.changed_hosts == [2]
    assert len(gateway.table.hosts()) == 600
