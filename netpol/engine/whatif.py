"""What-if: the blocks into each destination once one NetworkPolicy is removed, compiled only
where they can differ.

Removing a policy changes nothing about the endpoints, the label indexes or any other rule: every
other rule keeps the sets it resolved to, so nothing is resolved again. Only the destinations
whose block lists read the policy are compiled again:

- those it selects for ingress (their ingress rules, and maybe their isolation, change);
- those its egress rules admit (the egress rules admitting them change);
- every destination when some endpoint loses its egress isolation with it: those sources may then
  reach everything that admits them.

The external ranges stay as they are, even where the policy's ipBlocks alone cut them: a range
the remaining rules do not tell from its neighbour is allowed what they are allowed, so each
pair of nodes reads the same as in a cluster compiled without the policy, with coarser ranges.
``tests/test_report.py`` holds the result to that full recompile.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from netpol.core.bits import iter_bits
from netpol.core.ports import PortSet
from netpol.engine.blocks import DestinationBlocks, RulePorts, node_traffic
from netpol.engine.graph import AllowGraph
from netpol.engine.nodeset import NodeSet
from netpol.model.resources import Direction, NetworkPolicy

__all__ = ["blocks_without"]


def blocks_without(
    graph: AllowGraph, policy: NetworkPolicy
) -> Iterator[tuple[int, tuple[tuple[NodeSet, PortSet], ...]]]:
    """For each destination whose blocks may differ without ``policy`` (one of ``graph``'s),
    in index order: its index and its disjoint blocks of sources then, with their ports. Every
    destination left out has exactly the blocks :meth:`AllowGraph.blocks_into` gives."""
    form = graph._form
    universe = graph._universe
    isolated = {Direction.INGRESS: 0, Direction.EGRESS: 0}
    targets = 0
    for sp in form.policies:
        if sp.policy is policy:
            targets = sp.targets
            continue
        for direction in sp.policy.policy_types:
            isolated[direction] |= sp.targets
    if not targets:
        return  # it selects nothing: its rules apply to nothing
    # Its rules stay at their places (the others keep their ids) and apply to nothing.
    rules = [replace(cr, targets=0, peers=0) if cr.policy is policy else cr for cr in form.rules]
    touched = 0
    if form.isolated_egress & ~isolated[Direction.EGRESS]:
        touched = universe.everything
    else:
        if Direction.INGRESS in policy.policy_types:
            touched |= targets
        for cr in form.rules:
            if cr.policy is policy and cr.direction is Direction.EGRESS:
                touched |= cr.peers
    if not touched:
        return
    n = form.endpoint_count
    into = DestinationBlocks(
        form.nodes,
        n,
        rules,
        isolated[Direction.INGRESS],
        isolated[Direction.EGRESS],
        node_traffic(graph.cluster.endpoints, iter_bits(form.host_network)),
        RulePorts(),
        form.tier_rules,
        touched,
    )
    for d in iter_bits(touched):
        yield d, tuple((NodeSet(b.sources, universe), b.ports) for b in into.into(d))
