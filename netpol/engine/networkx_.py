"""The allow-graph as a networkx DiGraph (:meth:`AllowGraph.to_networkx`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction

if TYPE_CHECKING:
    import networkx as nx

    from netpol.engine.graph import AllowGraph

__all__ = ["graph_to_networkx"]


def graph_to_networkx(graph: AllowGraph) -> nx.DiGraph:
    import networkx as nx

    g = nx.DiGraph()
    for i, node in enumerate(graph.nodes):
        if isinstance(node, Endpoint):
            ingress = tuple(p.id for p in graph.isolating(i, Direction.INGRESS))
            egress = tuple(p.id for p in graph.isolating(i, Direction.EGRESS))
            g.add_node(
                node.id,
                kind=node.kind,
                namespace=node.namespace,
                labels=dict(node.labels),
                external=False,
                isolated_ingress=ingress,
                isolated_egress=egress,
            )
        else:
            g.add_node(
                node.id,
                kind="External",
                namespace=None,
                labels={},
                external=True,
                isolated_ingress=(),
                isolated_egress=(),
            )
    ids = graph.ids
    for d in range(len(graph.nodes)):
        for block in graph.blocks_into(d):
            attrs = {
                "ports": block.ports,
                "ingress_rules": tuple(str(r.ref) for r in block.ingress),
                "egress_rules": tuple(str(r.ref) for r in block.egress),
                "ingress_tiers": tuple(str(r.ref) for r in block.ingress_tiers),
                "egress_tiers": tuple(str(r.ref) for r in block.egress_tiers),
                "ingress_decided": block.decided(Direction.INGRESS),
                "egress_decided": block.decided(Direction.EGRESS),
            }
            for s in block.sources:
                if s != d:
                    g.add_edge(ids[s], ids[d], **attrs)
    return g
