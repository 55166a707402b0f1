"""Connectivity: namespace by namespace matrices of the ports allowed, and their diagrams."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.engine.nodeset import NodeSet, overlaps
from netpol.model.resources import Direction
from netpol.render.diagram.model import MAX_READABLE_NODES, Level, build_diagram
from netpol.report.records import Cell, ConnectivitySection, Limits, Matrix, NamespaceView
from netpol.report.view import OTHER_NAMESPACES, OUTSIDE, View

if TYPE_CHECKING:
    from netpol.report.tiers import TierWalk

__all__ = ["build_connectivity"]


class _Agg:
    """One matrix cell being built: the ports its pairs are allowed (the union, and whether they
    were uniform, are worked out once at the end), and how many of the pairs are allowed anything."""

    __slots__ = ("allowed", "pairs", "seen")

    def __init__(self) -> None:
        self.seen: dict[int, PortSet] = {}
        """The port sets met, by identity: the blocks' own, met again and again, are not hashed
        (nor merged into the union) each time."""
        self.allowed = 0
        self.pairs = 0

    def add(self, ports: PortSet) -> None:
        self.seen[id(ports)] = ports

    def merge(self, other: _Agg) -> None:
        self.seen.update(other.seen)
        self.allowed += other.allowed
        self.pairs += other.pairs

    def cell(self, counted: bool) -> Cell:
        distinct = set(self.seen.values())
        ports = PortSet.none()
        for p in distinct:
            ports |= p
        return Cell(ports, len(distinct) > 1, self.allowed / self.pairs if counted and self.pairs else None)


def _aggregate(
    view: View,
    sources: Mapping[str, NodeSet],
    destinations: Mapping[str, Sequence[int]],
    skip: Callable[[str, str], bool],
    outside: str,
) -> dict[tuple[str, str], Cell]:
    """Cells for groups of sources by groups of destinations (indexes); a cell exists when the
    groups hold at least one (source, destination) pair. ``outside`` is the key of the group of
    external ranges.

    A group of one source (a namespace section's workloads) is looked up in the blocks, all such
    groups at once, instead of being intersected with every block of every destination, and its
    pairs are counted once for all the destinations."""
    graph = view.graph
    none = PortSet.none()
    cells: dict[tuple[str, str], _Agg] = defaultdict(_Agg)
    for dk, dests in destinations.items():
        keys = [(sk, nodes) for sk, nodes in sources.items() if not skip(sk, dk)]
        wide = [(sk, nodes) for sk, nodes in keys if len(nodes) > 1]
        single: dict[int, list[str]] = defaultdict(list)
        for sk, nodes in keys:
            if len(nodes) == 1:
                single[nodes.first()].append(sk)
        singles = graph.nodeset(single)
        alone = {s: _Agg() for s in single}  # each one source's pairs, summed over dests
        for d in dests:
            blocks = graph.blocks_into(d)
            groups = [(cells[(sk, dk)], members) for sk, nodes in wide if (members := nodes.without(d))]
            covered = [0] * len(groups)  # the blocks are disjoint: their hits add up
            for i, j, hit in overlaps(
                [members for _, members in groups], [block.sources for block in blocks]
            ):
                groups[i][0].add(blocks[j].ports)
                covered[i] += len(hit)
            for (agg, members), count in zip(groups, covered, strict=True):
                agg.allowed += count
                agg.pairs += len(members)
                if count != len(members):
                    agg.add(none)
            for block in blocks if single else ():
                hit = block.sources & singles
                if hit:
                    for s in hit:
                        if s != d:
                            alone[s].add(block.ports)
                            alone[s].allowed += 1
        for s, sks in single.items():
            agg = alone[s]
            agg.pairs = len(dests) - (s in dests)
            if not agg.pairs:
                continue  # its only destination is itself: no pair, no cell
            if agg.allowed != agg.pairs:
                agg.add(none)
            for sk in sks:
                cells[(sk, dk)].merge(agg)
    return {k: v.cell(outside not in k) for k, v in cells.items()}


def _matrix(
    rows: Sequence[str],
    cols: Sequence[str],
    cells: Mapping[tuple[str, str], Cell],
    skip: Callable[[str, str], bool],
    omitted: int,
    names: Mapping[str, str],
    stand_ins: Mapping[str, str] | None = None,
    absent: frozenset[str] = frozenset(),
) -> Matrix:
    """``stand_ins``: the keys that are stand-ins, with what they stand for; ``absent``: those
    that are namespaces the input does not hold."""
    stand_ins = stand_ins or {}
    out: list[tuple[Cell | None, ...]] = []
    for r in rows:
        out.append(tuple(None if skip(r, c) else cells.get((r, c)) for c in cols))
    return Matrix(
        tuple(names.get(r, r) for r in rows),
        tuple(names.get(c, c) for c in cols),
        tuple(out),
        omitted,
        tuple((names.get(k, k), stand_ins[k]) for k in rows if k in stand_ins),
        tuple(names.get(k, k) for k in rows if k in absent),
    )


def build_connectivity(
    view: View, limits: Limits, diagrams: bool, walk: TierWalk | None = None
) -> ConnectivitySection:
    """The namespace matrix and diagram, and a section for each of the most reached namespaces
    (``walk``: what the cluster-wide policies decide, when there are)."""
    graph = view.graph
    in_degree = [sum(len(b.sources) for b in graph.blocks_into(d)) for d in range(view.n)]
    weight = {ns: sum(in_degree[i] for i in m) for ns, m in view.members.items()}
    # The input's namespaces first: those of stand-ins only are the input's peers, not its own.
    ranked = sorted(view.members, key=lambda ns: (ns in view.absent, -weight[ns], ns))
    shown = sorted(ranked[: limits.matrix])
    ext_key = "\0outside"

    def skip_ns(a: str, b: str) -> bool:
        return a == ext_key and b == ext_key

    sources = {ns: view.ns_sets[ns] for ns in shown} | {ext_key: view.external_set}
    dests = {ns: view.members[ns] for ns in shown} | {ext_key: list(range(view.n, view.total))}
    cells = _aggregate(view, sources, dests, skip_ns, ext_key)
    names = {ext_key: OUTSIDE}
    keys = [*shown, ext_key]
    overview = _matrix(keys, keys, cells, skip_ns, len(view.members) - len(shown), names, absent=view.absent)
    diagram, note = None, ""
    if diagrams and view.members:
        # A namespace diagram draws every namespace: past MAX_READABLE_NODES of them it is too
        # large, and is not built to be told so.
        cut = len(view.members) > max(MAX_READABLE_NODES, limits.diagram)
        diagram = None if cut else build_diagram(graph, level=Level.NAMESPACE)
        if diagram is None or (diagram.too_large and len(view.members) > limits.diagram):
            # The most reached namespaces alone, with their policies: the connections between
            # them are the same.
            top = set(ranked[: limits.diagram])
            diagram = build_diagram(_within(view, top), level=Level.NAMESPACE, exclude_external=True)
            note = (
                f"The diagram shows the {len(top)} most reached namespaces; connections with "
                f"the {len(view.members) - len(top)} others and with addresses outside the "
                "cluster are left out (the matrix has them)."
            )

    # A namespace the input does not hold gets no section: it holds only stand-ins the policies
    # admit, which no policy of the input selects; the overview and the sections of the
    # namespaces they reach show what they may do.
    own = [ns for ns in ranked if ns not in view.absent]
    detailed = sorted(own[: limits.namespaces])
    views = tuple(_namespace_view(view, ns, in_degree, limits, diagrams, walk) for ns in detailed)
    omitted = tuple(ns for ns in view.members if ns not in detailed and ns not in view.absent)
    return ConnectivitySection(overview, diagram, views, omitted, note)


def _namespace_view(
    view: View,
    ns: str,
    in_degree: Sequence[int],
    limits: Limits,
    diagrams: bool,
    walk: TierWalk | None,
) -> NamespaceView:
    members = view.members[ns]
    picked = sorted(sorted(members, key=lambda i: (-in_degree[i], i))[: limits.matrix])
    other_key, ext_key = "\0other", "\0outside"
    groups = {other_key, ext_key}

    def skip(a: str, b: str) -> bool:
        return (a in groups and b in groups) or a == b

    keys = [str(i) for i in picked]
    others = [i for i in range(view.n) if view.endpoints[i].namespace != ns]
    sources = {str(i): view.graph.one(i) for i in picked} | {
        other_key: view.endpoint_set - view.ns_sets[ns],
        ext_key: view.external_set,
    }
    dests: dict[str, Sequence[int]] = {str(i): [i] for i in picked}
    dests |= {other_key: others, ext_key: range(view.n, view.total)}
    cells = _aggregate(view, sources, dests, skip, ext_key)
    short = {str(i): f"{view.endpoints[i].name}[{view.endpoints[i].kind}]" for i in picked}
    names = short | {other_key: OTHER_NAMESPACES, ext_key: OUTSIDE}
    marked = {str(i): str(e.stand_in) for i in picked if (e := view.endpoints[i]).stand_in is not None}
    matrix = _matrix(
        [*keys, other_key, ext_key],
        [*keys, other_key, ext_key],
        cells,
        skip,
        len(members) - len(picked),
        names,
        marked,
    )
    selectable = view.ns_sets[ns] & view.workloads
    diagram, note = None, ""
    if diagrams:
        touching = _touching(view, ns)
        if touching <= MAX_READABLE_NODES:
            diagram = build_diagram(view.graph, namespace=ns)
        if diagram is None or diagram.too_large:
            count = len(diagram.nodes) if diagram is not None else touching
            # Its own endpoints alone, with its policies: the connections among them are the same.
            diagram = build_diagram(_within(view, {ns}), exclude_external=True)
            if diagram.too_large:
                diagram = None
                note = (
                    f"No diagram: its connections involve {count} workloads and ranges, and "
                    f"those inside it alone are still too many to draw; the matrix sums them "
                    f"up (netpol graph -n {ns} draws them anyway)."
                )
            else:
                note = (
                    f"The diagram shows the connections inside {ns} only: with their peers "
                    f"elsewhere they involve {count} workloads and ranges, too many to draw "
                    f"(the matrix has them; netpol graph -n {ns} draws them anyway)."
                )
    graph = view.graph
    stand_ins = len(view.ns_sets[ns] & view.stand_in_set)
    restricted = {
        d: len((selectable & walk.restricted[d]) - graph.isolated(d)) if walk is not None else 0
        for d in Direction
    }
    return NamespaceView(
        ns,
        len(members) - stand_ins,
        len(selectable & graph.isolated(Direction.INGRESS)),
        len(selectable & graph.isolated(Direction.EGRESS)),
        matrix,
        diagram,
        note,
        stand_ins,
        restricted[Direction.INGRESS],
        restricted[Direction.EGRESS],
    )


def _within(view: View, namespaces: Collection[str]) -> AllowGraph:
    """The cluster of the endpoints of ``namespaces`` alone, compiled, for a diagram of the
    connections among them (external addresses left out).

    Those are the same as in the whole cluster. A NetworkPolicy selects pods of its own
    namespace only, so the policies of the other namespaces select nothing here and allow
    nothing: they are left out (compiling each of them again cost most of the report on a large
    cluster). The cluster-wide tiers are kept whole. The stand-ins are among the endpoints
    already, and the endpoints left out are no selection to stand in for."""
    cluster = view.graph.cluster
    return compile_graph(
        replace(
            cluster,
            endpoints=tuple(e for e in cluster.endpoints if e.namespace in namespaces),
            policies=tuple(p for p in cluster.policies if p.namespace in namespaces),
        ),
        replace(view.graph.options, stand_ins=False),
    )


def _touching(view: View, ns: str) -> int:
    """How many endpoints a workload-level diagram of ``ns`` would draw (ranges aside)."""
    graph = view.graph
    mine = view.ns_sets[ns]
    seen = mine
    for d in range(view.n):
        inward = d in mine
        for block in graph.blocks_into(d):
            if inward:
                seen |= block.sources & view.endpoint_set
            elif block.sources & mine:
                seen |= graph.one(d)
                break
    return len(seen)
