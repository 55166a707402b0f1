"""Edges while a diagram is built: their ends (a node, or a box standing for its members), merging
an edge with its reverse, the box around external nodes, and the legend the result needs."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from netpol.core.ports import PortSet
from netpol.render.diagram.elements import (
    EXTERNAL_BOX,
    MAX_READABLE_EDGES,
    ClusterBox,
    DiagramEdge,
    DiagramNode,
    EdgeKind,
    LegendItem,
    NodeStyle,
    port_text,
)

__all__ = ["DraftEdge", "End", "admin_mark", "external_box", "finish_edges", "legend"]


@dataclass(frozen=True, slots=True)
class End:
    """One end of an edge: a node or a box (then ``members`` are the nodes it stands for)."""

    ref: str
    members: tuple[int, ...]
    order: int
    box: bool = False
    word: str | None = None
    """How a label names a group end: "every pod", "every address"."""
    namespace: str | None = None
    external: bool = False
    describe: str = ""


@dataclass(frozen=True, slots=True)
class DraftEdge:
    src: End
    dst: End
    ports: PortSet
    words: tuple[str, ...] = ()
    collapsed: bool = False
    some: bool = False
    admin: tuple[int, ...] = ()
    """The Admin-tier rules behind it (ids): Allow rules, or the Deny rules of a denied edge."""
    admin_ports: PortSet = field(default_factory=PortSet.none)
    """The ports those rules decide (of ``ports``)."""
    admin_some: bool = False
    """Only some of its connections are allowed by an Admin rule."""
    denied: bool = False
    """Connections an Admin-tier Deny drops (``--admin-denied``), not allowed ones."""

    @property
    def tiers(self) -> tuple[tuple[int, ...], PortSet, bool, bool]:
        """The Admin fields, in the order of the constructor."""
        return self.admin, self.admin_ports, self.admin_some, self.denied


def _label(e: DraftEdge, both_ways: bool) -> str:
    ports = port_text(e.ports)
    text = f"{(' <-> ' if both_ways else ' -> ').join(e.words)} · {ports}" if e.words else ports
    # ASCII arrows: the fonts Graphviz finds for PNG often lack U+2192 and U+2194.
    if e.denied:
        return f"Admin denies {text}"
    if e.admin:
        return f"{text} · {admin_mark(e.admin_some, e.admin_ports, e.ports)}"
    return text


def admin_mark(some: bool, admin_ports: PortSet, ports: PortSet) -> str:
    """``Admin``, ``Admin (some)``, and the ports when the Admin rules allow only some of them:
    ``Admin TCP 9090``."""
    mark = "Admin (some)" if some else "Admin"
    return mark if admin_ports == ports else f"{mark} {port_text(admin_ports)}"


def finish_edges(edges: list[DraftEdge], rule_text: Sequence[str] = ()) -> list[DiagramEdge]:
    """Sort, merge each edge with its reverse when they say the same, classify and label;
    ``rule_text``: the tier rules in words, by id."""
    edges = sorted(edges, key=lambda e: (e.src.order, e.dst.order, e.denied))
    index = {(e.src.ref, e.src.box, e.dst.ref, e.dst.box, e.denied): i for i, e in enumerate(edges)}
    out: list[DiagramEdge] = []
    gone: set[int] = set()
    for i, e in enumerate(edges):
        if i in gone:
            continue
        j = index.get((e.dst.ref, e.dst.box, e.src.ref, e.src.box, e.denied))
        back = edges[j] if j is not None and j != i else None
        both = (
            back is not None
            and back.ports == e.ports
            and back.some == e.some
            and back.words == tuple(reversed(e.words))
            and back.tiers == e.tiers
        )
        if both:
            assert j is not None
            gone.add(j)
        kind = (
            EdgeKind.EXTERNAL
            if e.src.external or e.dst.external
            else EdgeKind.INTRA
            if e.src.namespace is not None and e.src.namespace == e.dst.namespace
            else EdgeKind.CROSS
        )
        out.append(
            DiagramEdge(
                e.src.ref,
                e.dst.ref,
                e.ports,
                kind,
                _label(e, both),
                src_box=e.src.box,
                dst_box=e.dst.box,
                collapsed=e.collapsed,
                some=e.some,
                both_ways=both,
                dst_external=e.dst.external,
                src_name=e.src.describe,
                dst_name=e.dst.describe,
                admin=tuple(rule_text[r] for r in e.admin),
                admin_ports=e.admin_ports,
                admin_some=e.admin_some,
                denied=e.denied,
            )
        )
    return out


def external_box(
    nodes: list[DiagramNode], edges: list[DraftEdge], complete: bool, order: int
) -> tuple[list[DiagramNode], list[DraftEdge], ClusterBox | None]:
    """Put two or more external nodes in one box; when they cover every address, edges that
    reach each of them on the same terms become one edge to the box."""
    ext = [node.id for node in nodes if node.style is NodeStyle.EXTERNAL]
    if len(ext) < 2:
        return nodes, edges, None
    label = ("outside the cluster",) if complete else ("outside the cluster", "(some addresses)")
    box = ClusterBox(EXTERNAL_BOX, label, tuple(ext), complete, external=True)
    nodes = [dataclasses.replace(n, box=EXTERNAL_BOX) if n.style is NodeStyle.EXTERNAL else n for n in nodes]
    if not complete:
        return nodes, edges, box
    members = tuple(
        m for e in edges for end in (e.src, e.dst) if end.external and not end.box for m in end.members
    )
    whole = End(
        EXTERNAL_BOX,
        tuple(sorted(set(members))),
        order,
        box=True,
        word="every address",
        external=True,
        describe="every address outside the cluster",
    )
    Key = tuple[bool, End, PortSet, tuple[str, ...], bool, tuple[tuple[int, ...], PortSet, bool, bool]]
    groups: dict[Key, list[int]] = defaultdict(list)
    for i, e in enumerate(edges):
        if e.dst.external and not e.src.external:
            groups[(True, e.src, e.ports, e.words, e.some, e.tiers)].append(i)
        elif e.src.external and not e.dst.external:
            groups[(False, e.dst, e.ports, e.words, e.some, e.tiers)].append(i)
    replaced: set[int] = set()
    extra: list[DraftEdge] = []
    wanted = set(ext)
    for (outward, other, ports, words, some, tiers), idxs in groups.items():
        ends = {edges[i].dst.ref if outward else edges[i].src.ref for i in idxs}
        if ends != wanted:
            continue
        replaced.update(idxs)
        if outward:
            extra.append(DraftEdge(other, whole, ports, (*words, "every address"), True, some, *tiers))
        else:
            extra.append(DraftEdge(whole, other, ports, ("every address", *words), True, some, *tiers))
    kept = [e for i, e in enumerate(edges) if i not in replaced]
    return nodes, kept + extra, box


def legend(
    nodes: list[DiagramNode], boxes: list[ClusterBox], edges: list[DiagramEdge]
) -> tuple[LegendItem, ...]:
    used: set[LegendItem] = set()
    styles = {(n.style, n.namespace_node) for n in nodes}
    plain = [e for e in edges if not e.admin and not e.denied]  # drawn in their kind's colour
    checks = {
        LegendItem.ENDPOINT: (NodeStyle.ENDPOINT, False) in styles,
        LegendItem.NAMESPACE: any(not b.external for b in boxes),
        LegendItem.NAMESPACE_NODE: any(n.namespace_node for n in nodes),
        LegendItem.UNPROTECTED: (NodeStyle.UNPROTECTED, False) in styles,
        LegendItem.UNPROTECTED_NAMESPACE: (NodeStyle.UNPROTECTED, True) in styles,
        LegendItem.EXTERNAL: (NodeStyle.EXTERNAL, False) in styles,
        LegendItem.EVERY_POD: (NodeStyle.EVERY_POD, False) in styles,
        LegendItem.STAND_IN: any(n.stand_in and not n.namespace_node for n in nodes),
        LegendItem.STAND_IN_NAMESPACE: any(b.stand_in for b in boxes)
        or any(n.stand_in and n.namespace_node for n in nodes),
        LegendItem.INTRA: any(e.kind is EdgeKind.INTRA for e in plain),
        LegendItem.CROSS: any(e.kind is EdgeKind.CROSS for e in plain),
        LegendItem.EXTERNAL_EDGE: any(e.kind is EdgeKind.EXTERNAL for e in plain),
        LegendItem.COLLAPSED: any(e.collapsed for e in edges),
        LegendItem.INTERNAL: any(b.internal is not None for b in boxes),
        LegendItem.SOME: any(e.some for e in edges),
        LegendItem.BOTH_WAYS: any(e.both_ways for e in edges),
        LegendItem.ADMIN: any(e.admin and not e.denied for e in edges),
        LegendItem.ADMIN_DENIED: any(e.denied for e in edges),
        LegendItem.UNLABELLED: len(edges) > MAX_READABLE_EDGES,
        LegendItem.FOCUS: any(n.focus for n in nodes),
    }
    used = {item for item, hit in checks.items() if hit}
    return tuple(item for item in LegendItem if item in used)
