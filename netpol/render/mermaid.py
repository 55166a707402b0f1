"""Mermaid flowchart: the diagram as text that GitHub renders in issues and pull-request comments.

Namespaces are subgraphs; an edge that stands for every pod of a namespace ends at the subgraph.
A stand-in is a flag (Mermaid's asymmetric shape) with a dashed outline (class ``standin``), a
namespace the input does not hold a dashed subgraph. An edge an Admin-tier Allow rule allows is a
wide green link ending its label with "Admin"; one an Admin-tier Deny drops (``--admin-denied``) a
red dotted link labelled "Admin denies".
Mermaid ids are derived from the diagram's stable ids (``shop/api[Deployment]`` ->
``n_shop_api_Deployment``), so a diff of two graphs reads like a diff of their connections.
Input reaches the diagram in three places only: labels, double-quoted and escaped by
netpol.core.escaping.mermaid; ids, letters, digits and underscores; comments, escaped to one line.
"""

from __future__ import annotations

import re
from collections import defaultdict

from netpol.core.escaping import mermaid as escape  # text for a double-quoted label
from netpol.core.escaping import terminal
from netpol.render.diagram.model import (
    ADMIN_COLOUR,
    BOX_COLOURS,
    DENIED_COLOUR,
    EDGE_COLOURS,
    EXTERNAL_BOX,
    LEGEND_TEXT,
    NODE_COLOURS,
    Diagram,
    DiagramEdge,
    DiagramNode,
    EdgeKind,
    LegendItem,
    NodeStyle,
)

__all__ = ["escape", "render"]

_ARROWS = {  # (collapsed, some, both ways) -> link
    (False, False, False): "-->",
    (False, False, True): "<-->",
    (True, False, False): "==>",
    (True, False, True): "<==>",
}
_CLASSES = {
    NodeStyle.ENDPOINT: "endpoint",
    NodeStyle.UNPROTECTED: "unprotected",
    NodeStyle.EXTERNAL: "external",
    NodeStyle.EVERY_POD: "everypod",
}
_DASHED = "standin"
"""The class of stand-ins and of namespaces the input does not hold: a dashed outline."""


def _label(lines: tuple[str, ...]) -> str:
    return '"' + "<br/>".join(escape(line) for line in lines) + '"'


class _Ids:
    """Mermaid-safe ids, unique, in the order first asked for."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._taken: set[str] = set()

    def __call__(self, prefix: str, key: str) -> str:
        hit = self._ids.get((prefix, key))
        if hit is None:
            base = prefix + re.sub(r"[^A-Za-z0-9_]+", "_", key).strip("_")
            hit, k = base, 2
            while hit in self._taken:
                hit, k = f"{base}_{k}", k + 1
            self._taken.add(hit)
            self._ids[(prefix, key)] = hit
        return hit


def _shape(node: DiagramNode, label: str) -> str:
    if node.namespace_node:
        return f"[[{label}]]"
    if node.stand_in:
        return f">{label}]"  # Mermaid's "asymmetric" shape: a flag, a note pinned to the box
    if node.style is NodeStyle.EXTERNAL:
        return f"{{{{{label}}}}}"
    if node.style is NodeStyle.EVERY_POD:
        return f"([{label}])"
    return f"({label})"


def _arrow(edge: DiagramEdge) -> str:
    if edge.some or edge.denied:
        return "<-.->" if edge.both_ways else "-.->"
    return _ARROWS[(edge.collapsed, False, edge.both_ways)]


def _link_style(edge: DiagramEdge) -> str:
    colour = EDGE_COLOURS[edge.kind]
    width = "3px" if edge.collapsed else "1.5px"
    if edge.denied:
        return f"stroke:{DENIED_COLOUR},stroke-width:{width},color:{DENIED_COLOUR},stroke-dasharray:6 4"
    if edge.admin:
        # Mermaid draws no double line: a wider green line, and "Admin" in the label.
        width = "4px" if edge.collapsed else "2.5px"
        return f"stroke:{ADMIN_COLOUR},stroke-width:{width},color:{ADMIN_COLOUR}"
    return f"stroke:{colour},stroke-width:{width},color:{colour}"


def render(diagram: Diagram) -> str:
    ids = _Ids()

    def node_id(node_id: str) -> str:
        return ids("n_", node_id)

    def box_id(name: str) -> str:
        return "outside" if name == EXTERNAL_BOX else ids("ns_", name)

    nodes = {n.id: n for n in diagram.nodes}
    out = [
        f"%% netpol graph, {diagram.level.value} level: {diagram.connections} allowed connections",
        *(f"%% {terminal(line)}" for line in diagram.title[1:]),
        "flowchart TB",
    ]
    boxed = set()
    for box in diagram.boxes:
        out.append(f"  subgraph {box_id(box.name)}[{_label(box.label)}]")
        for i in box.node_ids:
            boxed.add(i)
            out.append(f"    {node_id(i)}{_shape(nodes[i], _label(nodes[i].label))}")
        out.append("  end")
    for node in diagram.nodes:
        if node.id not in boxed:
            out.append(f"  {node_id(node.id)}{_shape(node, _label(node.label))}")

    styles: dict[str, list[int]] = defaultdict(list)
    for k, edge in enumerate(diagram.edges):
        src = box_id(edge.src) if edge.src_box else node_id(edge.src)
        dst = box_id(edge.dst) if edge.dst_box else node_id(edge.dst)
        # Browsers have the arrow glyphs that Graphviz's fonts may lack (see diagram._label).
        label = edge.label.replace(" <-> ", " ↔ ").replace(" -> ", " → ")
        text = "" if diagram.dense else f"|{_label((label,))}|"
        out.append(f"  {src} {_arrow(edge)}{text} {dst}")
        styles[_link_style(edge)].append(k)

    legend_classes: dict[str, list[str]] = defaultdict(list)
    dashed = [node_id(n.id) for n in diagram.nodes if n.stand_in]
    if diagram.legend:
        out.append('  subgraph legend["Legend"]')
        for item in diagram.legend:
            lid = f"legend_{item.value.replace('-', '_')}"
            text, cls = _legend_entry(item)
            label = _label((text,))
            out.append(f"    {lid}>{label}]" if item is LegendItem.STAND_IN else f"    {lid}[{label}]")
            legend_classes[cls].append(lid)
            if item in (LegendItem.STAND_IN, LegendItem.STAND_IN_NAMESPACE):
                dashed.append(lid)
        out.append("  end")

    for style, swatch in NODE_COLOURS.items():
        extra = ",stroke-width:2px" if style is NodeStyle.UNPROTECTED else ""
        out.append(
            f"  classDef {_CLASSES[style]} fill:{swatch.fill},stroke:{swatch.stroke},color:#1a202c{extra}"
        )
    out.append("  classDef focus stroke-width:4px")
    if dashed:
        out.append(f"  classDef {_DASHED} stroke-dasharray:5 5")
    for kind, colour in EDGE_COLOURS.items():
        out.append(f"  classDef edge_{kind.name.lower()} fill:#ffffff,stroke:{colour},color:{colour}")
    for name, colour, item in (
        ("admin", ADMIN_COLOUR, LegendItem.ADMIN),
        ("denied", DENIED_COLOUR, LegendItem.ADMIN_DENIED),
    ):
        if item in diagram.legend:
            out.append(f"  classDef edge_{name} fill:#ffffff,stroke:{colour},color:{colour}")
    out.append(f"  classDef plain fill:#ffffff,stroke:{BOX_COLOURS.stroke},color:#1a202c")
    by_class: dict[str, list[str]] = defaultdict(list)
    for node in diagram.nodes:
        by_class[_CLASSES[node.style]].append(node_id(node.id))
    for cls, members in (*by_class.items(), *legend_classes.items()):
        out.append(f"  class {','.join(members)} {cls}")
    focus = [node_id(n.id) for n in diagram.nodes if n.focus]
    if focus:
        out.append(f"  class {','.join(focus)} focus")
    if dashed:
        out.append(f"  class {','.join(dashed)} {_DASHED}")
    for box in diagram.boxes:
        dash = ",stroke-dasharray:5 5" if box.external or box.stand_in else ""
        out.append(f"  style {box_id(box.name)} fill:{BOX_COLOURS.fill},stroke:{BOX_COLOURS.stroke}{dash}")
    if diagram.legend:
        out.append(f"  style legend fill:#ffffff,stroke:{BOX_COLOURS.stroke}")
    for link, indexes in styles.items():
        out.append(f"  linkStyle {','.join(map(str, indexes))} {link}")
    return "\n".join(out) + "\n"


def _legend_entry(item: LegendItem) -> tuple[str, str]:
    """A legend node's text and class: nodes are drawn in their colours, edges as arrows."""
    text = LEGEND_TEXT[item]
    node_class = {
        LegendItem.ENDPOINT: "endpoint",
        LegendItem.NAMESPACE_NODE: "endpoint",
        LegendItem.UNPROTECTED: "unprotected",
        LegendItem.UNPROTECTED_NAMESPACE: "unprotected",
        LegendItem.EXTERNAL: "external",
        LegendItem.EVERY_POD: "everypod",
        LegendItem.NAMESPACE: "plain",
        LegendItem.STAND_IN: "endpoint",
        LegendItem.STAND_IN_NAMESPACE: "plain",
        LegendItem.FOCUS: "focus",
    }.get(item)
    if node_class is not None:
        return text, node_class
    if item is LegendItem.ADMIN:
        return f"━━▶ {text}", "edge_admin"
    if item is LegendItem.ADMIN_DENIED:
        return f"┄┄▶ {text}", "edge_denied"
    kind = {LegendItem.CROSS: EdgeKind.CROSS, LegendItem.EXTERNAL_EDGE: EdgeKind.EXTERNAL}.get(
        item, EdgeKind.INTRA
    )
    arrow = {
        LegendItem.COLLAPSED: "══▶",
        LegendItem.SOME: "┄┄▶",
        LegendItem.BOTH_WAYS: "◀──▶",
        LegendItem.INTERNAL: "⟲",
        LegendItem.UNLABELLED: "──?",
    }.get(item, "──▶")
    return f"{arrow} {text}", f"edge_{kind.name.lower()}"
