"""``netpol graph --admin-denied``: the connections NetworkPolicy alone would allow and an
Admin-tier Deny drops, computed exactly.

The same cluster is compiled again without its Admin-tier policies (AdminNetworkPolicies and
Admin-tier ClusterNetworkPolicies; NetworkPolicies and the Baseline tier stay), and every port a
pair is allowed there and not in the graph is a port an Admin rule denies. Nothing else can make
the difference: per port, the first Admin rule that matches decides; Allow only adds ports, Pass
hands the port to NetworkPolicy and the Baseline tier exactly as if no Admin rule had matched, so
what the Admin tier removes is what a Deny (or a rule that fails closed) matched, on one side or
both. The Deny rules named are the steps of the graph's own tier chain
(:meth:`AllowGraph.tier_decision`) that decided those ports.

The two graphs hold the same endpoints: stand-ins for what the Admin tier selects are already in
``graph.cluster``, and fewer policies select nothing new. They are matched by id all the same, so
that the result never depends on it. External ranges differ: removing policies removes cuts of
the address space and adds none, so each range of the graph lies inside one range of the other.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import defaultdict

from netpol.core.ipspace import AddressRange
from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.engine.nodeset import NodeSet
from netpol.model.resources import Direction
from netpol.model.tiers import Tier, TierAction
from netpol.render.diagram.kept import Tag

__all__ = ["admin_denied", "has_admin_tier"]


def has_admin_tier(graph: AllowGraph) -> bool:
    return any(p.tier is Tier.ADMIN for p in graph.cluster.tier_policies)


def admin_denied(graph: AllowGraph) -> list[dict[tuple[PortSet, Tag], NodeSet]]:
    """Per destination of ``graph`` (by index): (ports denied, the Deny rules) -> the sources
    whose connections lose those ports to the Admin tier; a destination's traffic to itself and
    traffic between two outside addresses are left out."""
    out: list[dict[tuple[PortSet, Tag], NodeSet]] = [{} for _ in graph.nodes]
    if not has_admin_tier(graph):
        return out
    cluster = dataclasses.replace(
        graph.cluster,
        tier_policies=tuple(p for p in graph.cluster.tier_policies if p.tier is not Tier.ADMIN),
    )
    other = compile_graph(cluster, graph.options)
    to_other = _node_map(graph, other)
    back: dict[int, list[int]] = defaultdict(list)
    for g, o in enumerate(to_other):
        if o is not None:
            back[o].append(g)
    masks = [graph.nodeset(back.get(o, ())) for o in range(len(other.nodes))]
    n = graph.endpoint_count
    for d, od in enumerate(to_other):
        if od is None:
            continue
        mask = graph.everything.without(d) if d < n else graph.endpoints
        mine = graph.blocks_into(d)
        lost: dict[int, PortSet] = {}
        for ob in other.blocks_into(od):
            sources = graph.union(masks[o] for o in ob.sources) & mask
            if not sources:
                continue
            rest = sources
            for block in mine:
                both = sources & block.sources
                if both:
                    rest = rest - both
                    gone = ob.ports - block.ports
                    if gone:
                        for s in both:
                            lost[s] = gone
            for s in rest:
                lost[s] = ob.ports
        row: dict[tuple[PortSet, Tag], list[int]] = defaultdict(list)
        for s, ports in lost.items():
            row[(ports, _deny_rules(graph, s, d, ports))].append(s)
        out[d] = {key: graph.nodeset(sources) for key, sources in row.items()}
    return out


def _deny_rules(graph: AllowGraph, s: int, d: int, ports: PortSet) -> Tag:
    """The Admin-tier rules that denied some of ``ports`` of ``s`` -> ``d``, on either side."""
    views = graph.tier_rules()
    found: set[int] = set()
    for direction in Direction:
        for rule, decided in graph.tier_decision(s, d, direction).steps:
            view = views[rule]
            if view.policy.tier is Tier.ADMIN and view.action is TierAction.DENY and decided & ports:
                found.add(rule)
    return tuple(sorted(found))


def _node_map(graph: AllowGraph, other: AllowGraph) -> list[int | None]:
    """The index in ``other`` of each node of ``graph``: an endpoint by id (None: not there),
    an external range the range of ``other`` that holds it."""
    n = graph.endpoint_count
    ids = {node_id: i for i, node_id in enumerate(other.ids[: other.endpoint_count])}
    out: list[int | None] = [ids.get(node_id) for node_id in graph.ids[:n]]
    starts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i in range(other.endpoint_count, len(other.nodes)):
        r = other.nodes[i]
        assert isinstance(r, AddressRange)
        starts[r.family].append((r.first, i))
    firsts = {fam: [first for first, _ in rows] for fam, rows in starts.items()}
    for node in graph.nodes[n:]:
        assert isinstance(node, AddressRange)
        k = bisect.bisect_right(firsts[node.family], node.first) - 1
        i = starts[node.family][k][1]
        holder = other.nodes[i]
        assert isinstance(holder, AddressRange) and holder.last >= node.last, (node, holder)
        out.append(i)
    return out
