"""The incremental what-if (netpol/engine/whatif.py) against a full recompile of the cluster without
the policy: every pair of nodes is allowed the same ports, on every example of policies/ and on
random clusters, with and without cluster-wide tier policies and under every option set."""

from __future__ import annotations

import bisect
from dataclasses import replace

import pytest
from conftest import ROOT
from hypothesis import given
from test_properties import OPTIONS, Doc, analyses, budget, clusters
from test_tier_properties import tiered_clusters

import netpol
from netpol import AllowGraph, PortSet
from netpol.core.ipspace import AddressRange
from netpol.engine.graph import compile_graph
from netpol.engine.whatif import blocks_without
from netpol.model.cluster import Cluster

EXAMPLES = sorted(p.name for p in (ROOT / "policies").iterdir() if p.is_dir())


def _indexes_in(graph: AllowGraph, full: AllowGraph) -> list[int]:
    """Each node of ``graph`` as a node of ``full``, the same cluster with a policy less: an
    endpoint keeps its index, an external range lies in one range of ``full``."""
    n = graph.endpoint_count
    assert full.ids[:n] == graph.ids[:n], "the endpoints keep their indexes"
    starts: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    for i in range(n, len(full.nodes)):
        node = full.nodes[i]
        assert isinstance(node, AddressRange)
        starts[node.family].append((node.first, i))
    out = list(range(n))
    for i in range(n, len(graph.nodes)):
        node = graph.nodes[i]
        assert isinstance(node, AddressRange)
        ranges = starts[node.family]
        out.append(ranges[bisect.bisect_right(ranges, (node.first, len(full.nodes))) - 1][1])
    return out


def assert_same_as_recompiled(graph: AllowGraph) -> None:
    """For each policy of ``graph``: what :func:`blocks_without` gives (and the blocks of the
    destinations it leaves out) allows every pair what the recompiled cluster allows it."""
    n, total = graph.endpoint_count, len(graph.nodes)
    for pol in graph.cluster.policies:
        cluster = replace(graph.cluster, policies=tuple(p for p in graph.cluster.policies if p is not pol))
        full = compile_graph(cluster, graph.options)
        to_full = _indexes_in(graph, full)
        changed = list(blocks_without(graph, pol))
        assert [d for d, _ in changed] == sorted({d for d, _ in changed}), "in index order, once each"
        without = dict(changed)
        for d in range(total):
            blocks = without[d] if d in without else [(b.sources, b.ports) for b in graph.blocks_into(d)]
            for s in range(total):
                if s == d or (s >= n and d >= n):
                    continue
                got = next((ports for sources, ports in blocks if s in sources), PortSet.none())
                want = full.allowed_between(to_full[s], to_full[d])
                assert got == want, f"without {pol.id}: {graph.ids[s]} -> {graph.ids[d]}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_whatif_of_each_example_policy_is_the_recompile(example: str) -> None:
    for options in OPTIONS:
        assert_same_as_recompiled(netpol.analyze([str(ROOT / "policies" / example)], options))


@budget(200)
@given(clusters())
def test_whatif_is_the_recompile(docs: list[Doc]) -> None:
    for _, graph in analyses(docs):
        assert_same_as_recompiled(graph)


@budget(200)
@given(tiered_clusters())
def test_whatif_under_tier_policies_is_the_recompile(cluster: Cluster) -> None:
    for options in OPTIONS:
        assert_same_as_recompiled(compile_graph(cluster, options))
