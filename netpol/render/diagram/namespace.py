"""The namespace-level diagram: one node per namespace, "every pod" where every pair between two
namespaces is allowed on the same ports, "some pods" (with the union of the ports) otherwise."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from netpol.core.ports import PortSet
from netpol.engine.nodeset import NodeSet
from netpol.engine.spans import Spans
from netpol.model.cluster import Endpoint
from netpol.render.diagram.edges import (
    DraftEdge,
    End,
    admin_mark,
    external_box,
    finish_edges,
    legend,
)
from netpol.render.diagram.elements import (
    MAX_READABLE_EDGES,
    Diagram,
    DiagramNode,
    Level,
    NodeStyle,
    listing,
    port_text,
)
from netpol.render.diagram.kept import (
    KeptView,
    Mark,
)

__all__ = ["namespace_diagram"]


_BROKEN = PortSet()  # a marker: the pairs are not all allowed on the same ports


@dataclass
class _Sum:
    """Connections between namespaces (and external groups), summed up."""

    union: dict[tuple[str, str], PortSet] = field(default_factory=dict)
    """Every port some pair may use."""
    same: dict[tuple[str, str], PortSet] = field(default_factory=dict)
    """The ports every pair may use, when they are the same (else ``_BROKEN``)."""
    pairs: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    marked: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    """Pairs with Admin-tier rules behind them (Allow rules; for denied pairs, Deny rules)."""
    rules: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    ports: dict[tuple[str, str], PortSet] = field(default_factory=dict)
    """The ports those rules decide, over every pair."""
    connections: int = 0

    def tag(self, key: tuple[str, str]) -> tuple[tuple[int, ...], PortSet, bool]:
        """The Admin rules behind the pairs of ``key``, the ports they decide, and whether only
        some pairs have them."""
        marked = self.marked.get(key, 0)
        rules = tuple(sorted(self.rules.get(key, ())))
        return rules, self.ports.get(key, PortSet.none()), 0 < marked < self.pairs.get(key, 0)

    def mark(self, key: tuple[str, str], marked: int, mark: Mark) -> None:
        self.marked[key] += marked
        self.rules[key].update(mark.rules)
        self.ports[key] = self.ports.get(key, PortSet.none()) | mark.ports


def _namespace_spans(view: KeptView) -> tuple[Spans, list[str]]:
    """The namespaces as spans of endpoint indexes, and the namespace of each span.

    Endpoints are sorted by id (``namespace/name[Kind]``) and a namespace name holds no ``/``,
    so a namespace's endpoints are consecutive."""
    ordered = sorted(view.ns_members.items(), key=lambda item: item[1][0])
    for ns, members in ordered:
        assert members[-1] - members[0] + 1 == len(members), f"namespace {ns}: endpoints apart"
    return Spans([members[0] for _, members in ordered], view.n), [ns for ns, _ in ordered]


def _sum(view: KeptView, rows: Sequence[tuple[dict[PortSet, NodeSet], list[tuple[NodeSet, Mark]]]]) -> _Sum:
    """``rows[d]``: ports -> the sources toward d, and the sources with Admin rules behind them.

    A destination's sources lie in one entry of its row each (the blocks into it are disjoint),
    so every pair of a and b (a's pods toward b's, a pod's traffic to itself aside) is allowed
    on the same ports P exactly when the pairs counted are all of them and each one counted
    was allowed on P. Only the namespaces a set of sources meets are visited (:class:`Spans`);
    the pairs are kept in the order a visit of every namespace in name order would first meet
    them, which the drawing's order depends on."""
    n = view.n
    spans, span_ns = _namespace_spans(view)
    rank = {ns: r for r, ns in enumerate(view.ns_members)}
    span_rank = [rank[ns] for ns in span_ns]
    reps = view.graph.nodeset(view.groups)
    out = _Sum()
    union, same, pairs = out.union, out.same, out.pairs
    first: dict[tuple[str, str], tuple[int, int, int]] = {}
    """When the visit of every namespace would first meet a pair: (destination, entry, source)."""

    def key_of(i: int) -> str:
        return view.endpoints[i].namespace if i < n else f"ext:{view.nodes[i].id}"

    def note(key: tuple[str, str], ports: PortSet, count: int, when: tuple[int, int, int]) -> None:
        prev = same.get(key)
        if prev is None:
            same[key] = ports
            union[key] = ports
            first[key] = when
        else:
            union[key] = union[key] | ports
            if prev != ports:
                same[key] = _BROKEN
        pairs[key] += count

    for at, d in enumerate((*range(n), *view.groups)):
        row, marks = rows[d]
        b = key_of(d)
        for entry, (ports, sources) in enumerate(row.items()):
            for k, count in spans.counts(sources):
                note((span_ns[k], b), ports, count, (at, entry, span_rank[k]))
                out.connections += count
            for r in sources & reps:
                note((key_of(r), b), ports, 1, (at, entry, len(rank) + r))
                out.connections += 1
        for marked, mark in marks:
            for k, count in spans.counts(marked):
                out.mark((span_ns[k], b), count, mark)
            for r in marked & reps:
                out.mark((key_of(r), b), 1, mark)
    size = {ns: len(members) for ns, members in view.ns_members.items()}
    for (a, b), count in pairs.items():
        if a in size and b in size:
            every = size[a] * size[b] - (size[a] if a == b else 0)
        else:
            every = size.get(a) or size[b]  # an external group and each endpoint of a namespace
        if count != every:
            same[(a, b)] = _BROKEN
    out.union = {key: union[key] for key in sorted(union, key=first.__getitem__)}
    return out


def _denied_rows(view: KeptView) -> list[tuple[dict[PortSet, NodeSet], list[tuple[NodeSet, Mark]]]]:
    rows = []
    for lost in view.denied:
        row: dict[PortSet, NodeSet] = {}
        for (ports, _), sources in lost.items():
            row[ports] = row.get(ports, view.graph.nothing) | sources
        rows.append((row, [(sources, Mark(tag, ports)) for (ports, tag), sources in lost.items() if tag]))
    return rows


def namespace_diagram(view: KeptView) -> Diagram:
    n, f = view.n, view.filters
    ns_sets = view.ns_sets
    allowed = _sum(view, list(zip(view.kept, view.admin, strict=True)))
    denied = _sum(view, _denied_rows(view)) if view.show_denied else _Sum()
    union, same, connections = allowed.union, allowed.same, allowed.connections

    def key_of(i: int) -> str:
        return view.endpoints[i].namespace if i < n else f"ext:{view.nodes[i].id}"

    if f.focus is not None:
        anchors = {key_of(view.ext_group.get(f.focus, f.focus))}
    elif f.by_port:
        anchors = set()
    elif f.namespace is not None:
        anchors = {f.namespace} & set(view.ns_members)
    else:
        anchors = set(view.ns_members)
    shown = anchors | {k for pair in (*union, *denied.union) for k in pair}

    nodes: list[DiagramNode] = []
    ends: dict[str, End] = {}
    for ns, members in view.ns_members.items():
        if ns not in shown:
            continue
        stand_in = ns in view.stand_in_namespaces
        label = [ns, _counts([view.endpoints[i] for i in members])]
        if stand_in:
            label.append("not in the input")
        unprotected = len(view.unprotected & ns_sets[ns])
        if unprotected:
            label.append(f"{unprotected} of {len(members)} without ingress policy")
        inside = union.get((ns, ns))
        if inside is not None:
            word = "every pod" if same.get((ns, ns)) == inside else "some pods"
            rules, ports, some = allowed.tag((ns, ns))
            mark = f" · {admin_mark(some, ports, inside)}" if rules else ""
            label.append(f"within: {word} · {port_text(inside)}{mark}")
        lost = denied.union.get((ns, ns))
        if lost is not None:
            word = "every pod" if denied.same.get((ns, ns)) == lost else "some pods"
            label.append(f"Admin denies within: {word} · {port_text(lost)}")
        nodes.append(
            DiagramNode(
                f"ns:{ns}",
                tuple(label),
                NodeStyle.UNPROTECTED if unprotected else NodeStyle.ENDPOINT,
                namespace_node=True,
                focus=f.focus is not None and f.focus < n and view.endpoints[f.focus].namespace == ns,
                tooltip=f"namespace {ns}: " + listing([view.endpoints[i].id for i in members]),
                members=tuple(view.endpoints[i].id for i in members),
                stand_in=stand_in,
            )
        )
        ends[ns] = End(f"ns:{ns}", tuple(members), len(ends), namespace=ns, describe=f"namespace {ns}")
    externals = [rep for rep in view.groups if key_of(rep) in shown]
    for rep in externals:
        key = key_of(rep)
        if key in shown:
            node = view.range_node(key, rep, externals, f.focus)
            nodes.append(node)
            ends[key] = End(key, (rep,), len(ends), external=True, describe=node.tooltip)

    drawn: list[DraftEdge] = []
    for sums, dropped in ((allowed, False), (denied, True)):
        for (a, b), ports in sums.union.items():
            if a == b:
                continue
            every = sums.same.get((a, b)) == ports
            words = ("every pod",) if every else ("some pods",)
            rules, ports_, some = sums.tag((a, b))
            drawn.append(
                DraftEdge(
                    ends[a],
                    ends[b],
                    ports,
                    words,
                    collapsed=every,
                    some=not every,
                    admin=rules,
                    admin_ports=ports_,
                    admin_some=some and not dropped,
                    denied=dropped,
                )
            )
    complete = sum(len(m) for k, m in view.groups.items() if key_of(k) in shown) == (len(view.nodes) - n)
    dense = len(drawn) > MAX_READABLE_EDGES  # laid out force-directed: no box, no compound edge
    nodes, drawn, ext_box = external_box(nodes, drawn, complete and not dense, len(ends))
    edges = finish_edges(drawn, view.rule_text)
    counts = (
        f"{len(ends) - sum(e.external for e in ends.values())} namespaces · "
        f"{connections} connections · {len(edges)} edges"
    )
    if view.show_denied:
        counts += f" · {denied.connections} denied by the Admin tier"
    title = ("Allowed connections (namespace level)", counts)
    boxes = [ext_box] if ext_box is not None and not dense else []
    if dense:
        nodes = [dataclasses.replace(n, box=None) for n in nodes]
    return Diagram(
        Level.NAMESPACE,
        title,
        tuple(boxes),
        tuple(nodes),
        tuple(edges),
        legend(nodes, boxes, edges),
        connections,
    )


def _counts(endpoints: list[Endpoint]) -> str:
    """``2 workloads, 1 pod``; stand-ins counted apart: ``1 workload, 2 stand-ins``."""
    stand_ins = sum(e.stand_in is not None for e in endpoints)
    pods = sum(e.kind == "Pod" for e in endpoints)
    counts = (
        (len(endpoints) - pods - stand_ins, "workload"),
        (pods, "pod"),
        (stand_ins, "stand-in"),
    )
    return ", ".join(f"{k} {word}{'s' * (k != 1)}" for k, word in counts if k)
