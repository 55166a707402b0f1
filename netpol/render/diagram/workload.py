"""The workload-level diagram: one node per endpoint inside its namespace box, edges collapsed
to a box or to "every pod" where every pair they stand for is allowed on the same ports."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from netpol.core.ports import PortSet
from netpol.render.diagram.edges import (
    DraftEdge,
    End,
    external_box,
    finish_edges,
    legend,
)
from netpol.render.diagram.elements import (
    EVERY_POD_ID,
    ClusterBox,
    Diagram,
    DiagramNode,
    Level,
    NodeStyle,
    clip,
    listing,
    port_text,
)
from netpol.render.diagram.kept import (
    KeptView,
    Mark,
)

__all__ = ["workload_diagram"]


_Cell = tuple[PortSet, Mark]
"""What a pair is allowed (or denied) on, and the Admin-tier rules behind it."""
_Pairs = dict[int, dict[int, _Cell]]


def _uniform(pairs: _Pairs, src: End, dst: End) -> tuple[_Cell, list[tuple[int, int]]] | None:
    """The ports (and Admin rules) of every (s, d) of src x dst (s != d), when they are all the
    same."""
    ports: _Cell | None = None
    covered: list[tuple[int, int]] = []
    for s in src.members:
        row = pairs.get(s)
        if row is None:
            return None
        for d in dst.members:
            if s == d:
                continue
            p = row.get(d)
            if p is None or (ports is not None and p != ports):
                return None
            ports = p
            covered.append((s, d))
    if ports is None or len(covered) < 2:
        return None
    return ports, covered


def workload_diagram(view: KeptView) -> Diagram:
    n, f = view.n, view.filters
    pairs: _Pairs = defaultdict(dict)
    denied: _Pairs = defaultdict(dict)
    for d in (*range(n), *view.groups):
        for s, ports in view.sources(d):
            pairs[s][d] = (ports, view.admin_of(s, d))
        for s, ports, tag in view.denied_sources(d):
            denied[s][d] = (ports, Mark(tag, ports))
    connections = sum(len(row) for row in pairs.values())
    lost = sum(len(row) for row in denied.values())

    if f.focus is not None:
        anchors = {view.ext_group.get(f.focus, f.focus)}
    elif f.by_port:
        anchors = set()
    elif f.namespace is not None:
        anchors = set(view.ns_members.get(f.namespace, ()))
    else:
        anchors = set(range(n))
    visible = anchors | {e for p in (pairs, denied) for s, row in p.items() for e in (s, *row)}
    endpoints = sorted(i for i in visible if i < n)
    externals = sorted(i for i in visible if i >= n)

    nodes: list[DiagramNode] = []
    boxes: list[ClusterBox] = []
    singles: dict[int, End] = {}
    groups: list[End] = []
    for ns, all_members in view.ns_members.items():
        members = [i for i in endpoints if view.endpoints[i].namespace == ns]
        if not members:
            continue
        for i in members:
            nodes.append(_endpoint_node(view, i))
            e = view.endpoints[i]
            singles[i] = End(e.id, (i,), len(singles) + len(groups), namespace=ns, describe=e.id)
        complete = len(members) == len(all_members)
        stand_in = ns in view.stand_in_namespaces
        label = [ns]
        if stand_in:
            label.append("not in the input")
        if not complete:
            label.append(f"({len(members)} of {len(all_members)} shown)")
        refs = tuple(singles[i].ref for i in members)
        boxes.append(ClusterBox(ns, tuple(label), refs, complete, stand_in=stand_in))
        if complete and len(members) > 1:
            groups.append(
                End(
                    ns,
                    tuple(members),
                    len(singles) + len(groups),
                    box=True,
                    word="every pod",
                    namespace=ns,
                    describe=f"every pod of namespace {ns}",
                )
            )
    every: End | None = None
    if len(endpoints) == n and len(boxes) > 1:
        every = End(EVERY_POD_ID, tuple(endpoints), len(singles) + len(groups), describe="every pod")
        groups.append(every)
    for i in externals:
        ref = f"ext:{view.nodes[i].id}"
        node = view.range_node(ref, i, externals, f.focus)
        nodes.append(node)
        singles[i] = End(ref, (i,), len(singles) + len(groups), external=True, describe=node.tooltip)

    drawn, internal = _collapse(pairs, singles, groups, denied=False)
    drawn += _collapse(denied, singles, groups, denied=True)[0]
    if every is not None and any(every in (e.src, e.dst) for e in drawn):
        nodes.append(
            DiagramNode(
                EVERY_POD_ID,
                ("every pod", "(all namespaces)"),
                NodeStyle.EVERY_POD,
                tooltip="every workload and pod of the cluster",
                members=tuple(view.endpoints[i].id for i in endpoints),
            )
        )
    boxes = [
        dataclasses.replace(b, label=_box_label(b.label, internal.get(b.name)), internal=internal.get(b.name))
        for b in boxes
    ]
    complete = sum(len(view.groups[i]) for i in externals) == len(view.nodes) - n
    nodes, drawn, ext_box = external_box(nodes, drawn, complete, len(singles) + len(groups))
    if ext_box is not None:
        boxes.append(ext_box)
    edges = finish_edges(drawn, view.rule_text)
    counts = f"{len(endpoints)} endpoints · {connections} connections · {len(edges)} edges"
    if view.show_denied:
        counts += f" · {lost} denied by the Admin tier"
    title = ("Allowed connections (workload level)", counts)
    return Diagram(
        Level.WORKLOAD,
        title,
        tuple(boxes),
        tuple(nodes),
        tuple(edges),
        legend(nodes, boxes, edges),
        connections,
    )


def _collapse(
    pairs: _Pairs, singles: dict[int, End], groups: list[End], *, denied: bool
) -> tuple[list[DraftEdge], dict[str, PortSet]]:
    """The edges that draw ``pairs``, and the boxes whose pods all reach each other (on ports).

    Candidate collapsed edges, largest first; one is drawn when it stands for at least two
    connections that no larger one already stands for. Denied connections are never drawn as a
    box title or a loop: they are edges of their own, red."""
    candidates: list[tuple[End, End, _Cell, list[tuple[int, int]]]] = []
    for src in [*singles.values(), *groups]:
        for dst in [*groups, *(singles.values() if len(src.members) > 1 else ())]:
            if src.box != dst.box and (
                src.members[0] in dst.members if dst.box else dst.members[0] in src.members
            ):
                continue  # a node and the box around it
            if denied and src is dst:
                continue
            hit = _uniform(pairs, src, dst)
            if hit is not None:
                candidates.append((src, dst, *hit))
    candidates.sort(key=lambda c: (-len(c[3]), c[0].order, c[1].order))
    covered: set[tuple[int, int]] = set()
    drawn: list[DraftEdge] = []
    internal: dict[str, PortSet] = {}
    for src, dst, (ports, mark), cells in candidates:
        if sum(c not in covered for c in cells) < 2:
            continue
        covered.update(cells)
        if src.box and src is dst:
            internal[src.ref] = ports
        elif src is dst:  # every pod: a loop
            words: tuple[str, ...] = ("pods reach each other",)
            drawn.append(DraftEdge(src, dst, ports, words, True, False, *_tiers(mark, denied)))
        else:
            words = tuple(w for w in (src.word, dst.word) if w)
            drawn.append(DraftEdge(src, dst, ports, words, True, False, *_tiers(mark, denied)))
    for s, row in pairs.items():
        for d, (ports, mark) in row.items():
            if (s, d) not in covered:
                drawn.append(
                    DraftEdge(singles[s], singles[d], ports, (), False, False, *_tiers(mark, denied))
                )
    return drawn, internal


def _tiers(mark: Mark, denied: bool) -> tuple[tuple[int, ...], PortSet, bool, bool]:
    """A DraftEdge's Admin fields: the rules, their ports, only some pairs, denied."""
    return mark.rules, mark.ports, False, denied


def _endpoint_node(view: KeptView, i: int) -> DiagramNode:
    e = view.endpoints[i]
    unprotected = i in view.unprotected
    label = [clip(e.name), "stand-in" if e.stand_in is not None else e.kind]
    if e.host_network:
        label.append("hostNetwork")
    if unprotected:
        label.append("no ingress policy")
    labels = listing([f"{k}={v}" for k, v in sorted(e.labels.items())])
    if e.stand_in is not None:
        tooltip = f"{e.id}: stand-in for {e.stand_in}"
    else:
        tooltip = e.id + (f" ({labels})" if labels else "")
    return DiagramNode(
        e.id,
        tuple(label),
        NodeStyle.UNPROTECTED if unprotected else NodeStyle.ENDPOINT,
        box=e.namespace,
        focus=view.filters.focus == i,
        tooltip=tooltip,
        members=(e.id,),
        stand_in=e.stand_in is not None,
    )


def _box_label(label: tuple[str, ...], internal: PortSet | None) -> tuple[str, ...]:
    return label if internal is None else (*label, f"pods reach each other · {port_text(internal)}")
