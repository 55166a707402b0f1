"""netpol suggest against the naive oracle: on random clusters and random flow sets, the
suggested policies allow exactly the flows.

The oracle (tests/oracle.py) reads the suggested policies as the model parses them and judges
every pair one at a time, sharing nothing with the engine that wrote and checked them. Every
pair with an end in a covered namespace is judged, hostNetwork pods left out (node traffic).
Where a workload carries no label its neighbours lack, no selector can tell them apart, and
the suggestion says so; such clusters are left out of the exactness claim.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from conftest import examples
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import oracle_allowed
from test_properties import SAMPLE_ADDRESSES, analyze, clusters

from netpol.core.ports import PortSet, Protocol
from netpol.engine.graph import AllowGraph
from netpol.errors import Location
from netpol.flows.records import Flow, FlowEnd, PlacedFlow
from netpol.model.cluster import Cluster, Endpoint
from netpol.model.resources import Direction
from netpol.suggest import SuggestOptions, suggest
from netpol.suggest.verify import suggested_cluster

PORTS = [
    (Protocol.TCP, 80),
    (Protocol.TCP, 8080),
    (Protocol.UDP, 53),
    (Protocol.SCTP, 9000),
    (Protocol.TCP, None),
]


def held_back(cluster: Cluster, party: object, direction: Direction, covered: set[str]) -> bool:
    """Whether ``party`` is a pod of a namespace the suggestion does not cover that the
    namespace's own policies isolate for ``direction`` (read from the records, as the oracle)."""
    if not isinstance(party, Endpoint) or party.namespace in covered:
        return False
    return any(
        p.namespace == party.namespace
        and direction in p.policy_types
        and p.pod_selector.matches(party.labels)
        for p in cluster.policies
    )


@st.composite
def flow_sets(
    draw: st.DrawFn, graph: AllowGraph
) -> list[tuple[int, int, Protocol, int | None, str | None, str | None]]:
    """Flows between the graph's endpoints and sample addresses outside the cluster, as (source
    node, destination node, protocol, port, source address, destination address)."""
    eps = [
        i
        for i in range(graph.endpoint_count)
        if isinstance(ep := graph.node(i), Endpoint) and ep.stand_in is None
    ]
    outside: list[tuple[int, str | None]] = []
    for text in SAMPLE_ADDRESSES:
        node = graph.resolve(text)
        if graph.is_external(node):
            outside.append((node, text))
    parties: list[tuple[int, str | None]] = [(i, None) for i in eps] + outside
    out: list[tuple[int, int, Protocol, int | None, str | None, str | None]] = []
    for _ in range(draw(st.integers(0, 6))):
        (s, s_addr), (d, d_addr) = draw(st.sampled_from(parties)), draw(st.sampled_from(parties))
        if s_addr is not None and d_addr is not None:
            continue  # address to address is no question for a cluster
        protocol, port = draw(st.sampled_from(PORTS))
        out.append((s, d, protocol, port, s_addr, d_addr))
    return out


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=examples(300))
@given(data=st.data(), docs=clusters())
def test_the_suggested_policies_allow_exactly_the_flows(
    data: st.DataObject, docs: list[dict[str, object]]
) -> None:
    graph = analyze(docs)
    drawn = data.draw(flow_sets(graph))
    placed = []
    for line, (s, d, protocol, port, s_addr, d_addr) in enumerate(drawn, 1):
        flow = Flow(FlowEnd(), FlowEnd(), protocol, port, None, Location("flows.csv", line=line))
        placed.append(PlacedFlow(s, d, protocol, port, None, s_addr, d_addr, flow))
    held = sorted({e.namespace for e in graph.cluster.endpoints if e.stand_in is None})
    chosen = data.draw(st.lists(st.sampled_from(held), unique=True, max_size=len(held))) if held else []
    # Every namespace, or some: then pairs with one end outside the covered ones are judged too.
    suggestion = suggest(graph, placed, SuggestOptions(frozenset(chosen) if chosen else None))
    assume(not suggestion.twins)
    cluster, problems = suggested_cluster(
        graph.cluster, suggestion.policies, suggestion.covered, keep_existing=False
    )
    assert not problems
    options = replace(graph.options, stand_ins=False)

    def party(node: int, address: str | None) -> Endpoint | ipaddress.IPv4Address | ipaddress.IPv6Address:
        if address is not None:
            return ipaddress.ip_address(address)
        found = graph.node(node)
        assert isinstance(found, Endpoint)
        return next(e for e in cluster.endpoints if e.id == found.id)

    expected: dict[tuple[str, str], PortSet] = {}
    for f in placed:
        src, dst = party(f.src, f.src_address), party(f.dst, f.dst_address)
        if src == dst:
            continue
        ports = PortSet.of(f.protocol) if f.port is None else PortSet.of(f.protocol, f.port)
        key = (str(getattr(src, "id", src)), str(getattr(dst, "id", dst)))
        expected[key] = expected.get(key, PortSet.none()) | ports

    covered = set(suggestion.covered)
    everyone: list[Endpoint | ipaddress.IPv4Address | ipaddress.IPv6Address] = [
        e for e in cluster.endpoints if not e.host_network
    ]
    everyone += [ipaddress.ip_address(a) for a in SAMPLE_ADDRESSES if graph.is_external(graph.resolve(a))]
    for src in everyone:
        for dst in everyone:
            if src is dst or not (isinstance(src, Endpoint) or isinstance(dst, Endpoint)):
                continue
            if not any(isinstance(e, Endpoint) and e.namespace in covered for e in (src, dst)):
                continue
            key = (str(getattr(src, "id", src)), str(getattr(dst, "id", dst)))
            got = oracle_allowed(cluster, options, src, dst)
            want = expected.get(key, PortSet.none())
            if held_back(cluster, src, Direction.EGRESS, covered) or held_back(
                cluster, dst, Direction.INGRESS, covered
            ):
                # The policies of a namespace not covered decide that side: never more than
                # observed, and what they deny stays denied.
                assert (got & want) == got, (key, got, want)
                continue
            assert got == want, (key, got, want, [p.manifest for p in suggestion.policies])
    assert suggestion.tally.exact, suggestion.tally  # the engine's own check agrees with the oracle
