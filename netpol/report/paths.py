"""Sensitive workloads: who reaches them directly, and short routes in from outside the
cluster or from other namespaces (over the networkx export)."""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from netpol.core.ipspace import AddressRange
from netpol.core.ports import PortSet
from netpol.core.selectors import LabelSelector
from netpol.engine.graph import AllowGraph
from netpol.errors import UsageError
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction
from netpol.report.records import (
    DirectAccess,
    Limits,
    Listing,
    Origin,
    Route,
    SensitiveSection,
    SensitiveTarget,
)
from netpol.report.view import View, describe_ranges

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["build_sensitive", "resolve_sensitive"]


def resolve_sensitive(graph: AllowGraph, spec: str) -> list[int]:
    """The endpoints ``--sensitive SPEC`` names: ``ns/name[Kind]`` (UsageError when unknown) or
    ``key=value[,key=value]`` labels."""
    text = spec.strip()
    if "=" in text:  # labels; an endpoint id never holds "="
        pairs = []
        for part in text.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise UsageError(f"--sensitive {spec!r}: labels are key=value[,key=value]")
            pairs.append((key.strip(), value.strip()))
        selector = LabelSelector(tuple(pairs))
        return [
            i
            for i, node in enumerate(graph.nodes[: graph.endpoint_count])
            if isinstance(node, Endpoint) and selector.matches(node.labels)
        ]
    index = graph.resolve(text)
    if index >= graph.endpoint_count:
        raise UsageError(f"--sensitive {spec!r} is an address outside the cluster, not a workload")
    return [index]


def build_sensitive(
    view: View, targets: Sequence[tuple[str, list[int]]], limits: Limits
) -> tuple[SensitiveSection, ...]:
    """One section per ``--sensitive`` spec, over one networkx export of the graph."""
    g = view.graph.to_networkx()
    index = {node_id: i for i, node_id in enumerate(view.graph.ids)}
    paths = _Paths(view, g, index, limits)
    sections = []
    for spec, found in targets:
        rows = [paths.target(t) for t in found[: limits.targets]]
        sections.append(SensitiveSection(spec, Listing(tuple(rows), len(found))))
    return tuple(sections)


class _Paths:
    """Direct sources and short routes into one endpoint, over the networkx export."""

    def __init__(self, view: View, g: nx.DiGraph, index: Mapping[str, int], limits: Limits) -> None:
        self.view = view
        self.g = g
        self.index = index
        self.limits = limits
        self._starts: dict[tuple[str, str], tuple[list[str], list[str], frozenset[str]]] = {}

    def _origin(self, node: str, namespace: str) -> Origin:
        attrs = self.g.nodes[node]
        if attrs["external"]:
            return Origin.OUTSIDE
        return Origin.SAME_NAMESPACE if attrs["namespace"] == namespace else Origin.OTHER_NAMESPACE

    def target(self, t: int) -> SensitiveTarget:
        tid = self.view.id(t)
        ns = self.view.endpoints[t].namespace
        pred = self.g.pred[tid]
        direct: list[DirectAccess] = []
        outside: dict[PortSet, list[str]] = defaultdict(list)
        rules: dict[PortSet, set[str]] = defaultdict(set)
        for src in pred:
            attrs = pred[src]
            origin = self._origin(src, ns)
            if self.view.tiered:
                via = self.view.via(
                    t,
                    Direction.INGRESS,
                    attrs["ingress_rules"],
                    attrs["ingress_tiers"],
                    attrs["ingress_decided"],
                )
            else:
                via = tuple(attrs["ingress_rules"]) or self.view.ingress_via(t, ())
            if origin is Origin.OUTSIDE:
                outside[attrs["ports"]].append(src)
                rules[attrs["ports"]].update(via)
            else:
                direct.append(DirectAccess(src, origin, attrs["ports"], via))
        for ports, ids in outside.items():
            text = describe_ranges([self._range(i) for i in ids])
            direct.append(DirectAccess(text, Origin.OUTSIDE, ports, tuple(sorted(rules[ports]))))
        rank = list(Origin)
        direct.sort(key=lambda a: (rank.index(a.origin), a.source))
        routes, total, exact = self._routes(tid, ns)
        return SensitiveTarget(
            tid, Listing.of(direct, self.limits.rows), Listing(tuple(routes), total, exact)
        )

    def _range(self, node_id: str) -> AddressRange:
        node = self.view.graph.nodes[self.index[node_id]]
        assert isinstance(node, AddressRange)
        return node

    def starts(self, node: str, namespace: str) -> tuple[list[str], list[str], frozenset[str]]:
        """External and other-namespace predecessors of ``node``, relative to ``namespace``."""
        key = (node, namespace)
        hit = self._starts.get(key)
        if hit is None:
            ext, other = [], []
            for src in self.g.pred[node]:
                origin = self._origin(src, namespace)
                if origin is Origin.OUTSIDE:
                    ext.append(src)
                elif origin is Origin.OTHER_NAMESPACE:
                    other.append(src)
            hit = self._starts[key] = (sorted(ext), sorted(other), frozenset(other))
        return hit

    def _routes(self, tid: str, ns: str) -> tuple[list[Route], int, bool]:
        """The first routes (two hops, then three; from outside first), how many, and whether
        the search finished."""
        g = self.g
        found: list[tuple[int, int, tuple[str, ...]]] = []
        rank = {o: i for i, o in enumerate(Origin)}

        def note(hops: tuple[str, ...]) -> None:
            ext, other, other_set = self.starts(hops[0], ns)
            if ext:
                found.append((len(hops), rank[Origin.OUTSIDE], hops))
            if len(other) > sum(h in other_set for h in hops):
                found.append((len(hops), rank[Origin.OTHER_NAMESPACE], hops))

        hop1 = sorted(x for x in g.pred[tid] if not g.nodes[x]["external"])
        for x in hop1:
            note((x, tid))
        examined, exact = 0, True
        for x in hop1:
            for y in sorted(g.pred[x]):
                if y == tid or g.nodes[y]["external"]:
                    continue
                examined += 1
                if examined > self.limits.path_search:
                    exact = False
                    break
                note((y, x, tid))
            if not exact:
                break
        first = heapq.nsmallest(self.limits.paths, found)
        origins = list(Origin)
        return [self._route(hops, origins[o], ns) for _, o, hops in first], len(found), exact

    def _route(self, hops: tuple[str, ...], origin: Origin, ns: str) -> Route:
        g = self.g
        ext, other, _ = self.starts(hops[0], ns)
        tail = [g.edges[a, b]["ports"] for a, b in itertools.pairwise(hops)]
        starts = ext if origin is Origin.OUTSIDE else [s for s in other if s not in hops]
        ports = PortSet.none()
        for s in starts:
            ports |= g.edges[s, hops[0]]["ports"]
        shown = (
            (describe_ranges([self._range(s) for s in ext]),)
            if origin is Origin.OUTSIDE
            else tuple(starts[:3])
        )
        stand_ins = (
            0 if origin is Origin.OUTSIDE else sum(self.index[s] in self.view.stand_in_set for s in starts)
        )
        return Route(origin, shown, len(starts), hops, (ports, *tail), stand_ins)
