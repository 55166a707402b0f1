"""The namespace-level diagram: one node per namespace, "every pod" where every pair between two
namespaces is allowed on the same ports, "some pods" (with the union of the ports) otherwise."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from netpol.core.ports import PortSet
from netpol.engine.nodeset import NodeSet
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

    def mark(self, key: tuple[str, str], marked: NodeSet | int, mark: Mark) -> None:
        self.marked[key] += marked if isinstance(marked, int) else len(marked)
        self.rules[key].update(mark.rules)
        self.ports[key] = self.ports.get(key, PortSet.none()) | mark.ports


def _sum(view: KeptView, rows: Sequence[tuple[dict[PortSet, NodeSet], list[tuple[NodeSet, Mark]]]]) -> _Sum:
    """``rows[d]``: ports -> the sources toward d, and the sources with Admin rules behind them."""
    n = view.n
    ns_sets, outside = view.ns_sets, view.graph.externals
    out = _Sum()
    union, same = out.union, out.same

    def key_of(i: int) -> str:
        return view.endpoints[i].namespace if i < n else f"ext:{view.nodes[i].id}"

    def note(a: str, b: str, ports: PortSet | None) -> None:
        prev = same.get((a, b))
        if ports is None or (prev is not None and prev != ports):
            same[(a, b)] = _BROKEN
        elif prev is None:
            same[(a, b)] = ports

    for d in (*range(n), *view.groups):
        row, marks = rows[d]
        b = key_of(d)
        for ports, sources in row.items():
            for a, group in ns_sets.items():
                inside = sources & group
                if inside:
                    union[(a, b)] = union.get((a, b), PortSet()) | ports
                    out.connections += len(inside)
                    out.pairs[(a, b)] += len(inside)
            for r in sources & outside:
                if view.ext_group.get(r) == r:
                    g = key_of(r)
                    union[(g, b)] = union.get((g, b), PortSet()) | ports
                    out.connections += 1
                    out.pairs[(g, b)] += 1
        for marked, mark in marks:
            for a, group in ns_sets.items():
                inside = marked & group
                if inside:
                    out.mark((a, b), inside, mark)
            for r in marked & outside:
                if view.ext_group.get(r) == r:
                    out.mark((key_of(r), b), 1, mark)
        for a, group in ns_sets.items():
            need = group.without(d)
            if need:
                note(a, b, next((p for p, sources in row.items() if need <= sources), None))
        if d < n:
            for rep in view.groups:
                note(key_of(rep), b, next((p for p, sources in row.items() if rep in sources), None))
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
