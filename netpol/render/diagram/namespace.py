"""The namespace-level diagram: one node per namespace, "every pod" where every pair between two
namespaces is allowed on the same ports, "some pods" (with the union of the ports) otherwise."""

from __future__ import annotations

import dataclasses

from netpol.core.ports import PortSet
from netpol.model.cluster import Endpoint
from netpol.render.diagram.edges import (
    DraftEdge,
    End,
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
)

__all__ = ["namespace_diagram"]


_BROKEN = PortSet()  # a marker: the pairs are not all allowed on the same ports


def namespace_diagram(view: KeptView) -> Diagram:
    n, f = view.n, view.filters
    ns_sets, outside = view.ns_sets, view.graph.externals
    union: dict[tuple[str, str], PortSet] = {}
    same: dict[tuple[str, str], PortSet] = {}
    connections = 0

    def key_of(i: int) -> str:
        return view.endpoints[i].namespace if i < n else f"ext:{view.nodes[i].id}"

    def note(a: str, b: str, ports: PortSet | None) -> None:
        prev = same.get((a, b))
        if ports is None or (prev is not None and prev != ports):
            same[(a, b)] = _BROKEN
        elif prev is None:
            same[(a, b)] = ports

    for d in (*range(n), *view.groups):
        row = view.kept[d]
        b = key_of(d)
        for ports, sources in row.items():
            for a, group in ns_sets.items():
                inside = sources & group
                if inside:
                    union[(a, b)] = union.get((a, b), PortSet()) | ports
                    connections += len(inside)
            for r in sources & outside:
                if view.ext_group.get(r) == r:
                    g = key_of(r)
                    union[(g, b)] = union.get((g, b), PortSet()) | ports
                    connections += 1
        for a, group in ns_sets.items():
            need = group.without(d)
            if need:
                note(a, b, next((p for p, sources in row.items() if need <= sources), None))
        if d < n:
            for rep in view.groups:
                note(key_of(rep), b, next((p for p, sources in row.items() if rep in sources), None))

    if f.focus is not None:
        anchors = {key_of(view.ext_group.get(f.focus, f.focus))}
    elif f.by_port:
        anchors = set()
    elif f.namespace is not None:
        anchors = {f.namespace} & set(view.ns_members)
    else:
        anchors = set(view.ns_members)
    shown = anchors | {k for pair in union for k in pair}

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
            label.append(f"within: {word} · {port_text(inside)}")
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
    for (a, b), ports in union.items():
        if a == b:
            continue
        every = same.get((a, b)) == ports
        words = ("every pod",) if every else ("some pods",)
        drawn.append(DraftEdge(ends[a], ends[b], ports, words, collapsed=every, some=not every))
    complete = sum(len(m) for k, m in view.groups.items() if key_of(k) in shown) == (len(view.nodes) - n)
    dense = len(drawn) > MAX_READABLE_EDGES  # laid out force-directed: no box, no compound edge
    nodes, drawn, ext_box = external_box(nodes, drawn, complete and not dense, len(ends))
    edges = finish_edges(drawn)
    title = (
        "Allowed connections (namespace level)",
        f"{len(ends) - sum(e.external for e in ends.values())} namespaces · "
        f"{connections} connections · {len(edges)} edges",
    )
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
