"""Graphviz DOT: the diagram as text that ``dot`` lays out (no Graphviz needed to produce it).

Namespaces are clusters (``cluster_<name>``); an edge that stands for every pod of a namespace is
clipped at its box with ``lhead``/``ltail`` (``compound=true``). Everything is emitted in the
diagram's order, so the same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from netpol.diagram import (
    BOX_COLOURS,
    EDGE_COLOURS,
    LEGEND_TEXT,
    NODE_COLOURS,
    ClusterBox,
    Diagram,
    DiagramEdge,
    DiagramNode,
    EdgeKind,
    LegendItem,
    NodeStyle,
)

__all__ = ["html_text", "quote", "render"]

FONT = "Helvetica,Arial,sans-serif"
_SHAPES = {
    NodeStyle.ENDPOINT: ("box", "rounded,filled"),
    NodeStyle.UNPROTECTED: ("box", "rounded,filled,bold"),
    NodeStyle.EXTERNAL: ("hexagon", "filled"),
    NodeStyle.EVERY_POD: ("box3d", "filled"),
}
_NAMESPACE_NODE = ("tab", "filled")
_THIN, _THICK = "1.2", "2.6"


def quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def html_text(text: str) -> str:
    """Text for a DOT HTML-like label."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attrs(**values: str) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in values.items()) + "]"


def _lines(label: tuple[str, ...], *, bold_first: bool = True) -> str:
    """The first line bold, the others smaller; or, for a list of peers, every line alike."""
    if not bold_first:
        return "<" + "<br/>".join(html_text(line) for line in label) + ">"
    first, *rest = label
    tail = "".join(f'<br/><font point-size="9">{html_text(line)}</font>' for line in rest)
    return f"<<b>{html_text(first)}</b>{tail}>"


def _left_lines(label: tuple[str, ...]) -> str:
    """A title: the first line bold, the others smaller, all flush left."""
    first, *rest = label
    tail = "".join(f'<br align="left"/><font point-size="9">{html_text(line)}</font>'
                   for line in rest)
    return f'<<b>{html_text(first)}</b>{tail}<br align="left"/>>'


def _node(node: DiagramNode, indent: str) -> str:
    swatch = NODE_COLOURS[node.style]
    shape, style = _NAMESPACE_NODE if node.namespace_node else _SHAPES[node.style]
    plain = node.style is NodeStyle.EXTERNAL and len(node.label) > 1 and "except" not in node.label[0]
    attrs = {"label": _lines(node.label, bold_first=not plain), "shape": shape, "style": quote(style),
             "fillcolor": quote(swatch.fill), "color": quote(swatch.stroke),
             "tooltip": quote(node.tooltip or node.id)}
    if node.focus:
        attrs["penwidth"] = "3"
    return f"{indent}{quote(node.id)} {_attrs(**attrs)};"


def _box(box: ClusterBox, nodes: dict[str, DiagramNode]) -> list[str]:
    style = "rounded,filled,dashed" if box.external else "rounded,filled"
    lines = [f"  subgraph {quote('cluster_' + box.name)} {{",
             f"    label={_left_lines(box.label)};",
             f'    style={quote(style)}; fillcolor={quote(BOX_COLOURS.fill)}; '
             f'color={quote(BOX_COLOURS.stroke)};',
             f"    tooltip={quote(box.label[0] if box.external else 'namespace ' + box.name)};"]
    lines += [_node(nodes[i], "    ") for i in box.node_ids]
    if box.external:
        lines.append(f"    {{ rank=same; {' '.join(quote(i) + ';' for i in box.node_ids)} }}")
    lines.append("  }")
    return lines


def _edge(edge: DiagramEdge, first_of: dict[str, str], *, labelled: bool) -> str:
    colour = quote(EDGE_COLOURS[edge.kind])
    attrs = {"label": quote(edge.label), "color": colour, "fontcolor": colour,
             "penwidth": _THICK if edge.collapsed else _THIN,
             "tooltip": quote(edge.tooltip), "labeltooltip": quote(edge.tooltip)}
    if not labelled:
        del attrs["label"], attrs["labeltooltip"]
    styles = ["dashed"] if edge.some else []
    if edge.kind is EdgeKind.EXTERNAL and not edge.some:
        styles.append("solid")
    if styles:
        attrs["style"] = quote(",".join(styles))
    if edge.both_ways:
        attrs["dir"] = "both"
    if edge.both_ways or edge.dst_external:
        # Rank by one-way traffic only: clients above servers, the outside above its clients.
        attrs["constraint"] = "false"
    src, dst = edge.src, edge.dst
    if edge.src_box:
        attrs["ltail"] = quote("cluster_" + src)
        src = first_of[src]
    if edge.dst_box:
        attrs["lhead"] = quote("cluster_" + dst)
        dst = first_of[dst]
    return f"  {quote(src)} -> {quote(dst)} {_attrs(**attrs)};"


def _legend_rows(items: Iterable[LegendItem]) -> list[str]:
    rows = []
    for item in items:
        sample = _legend_sample(item)
        rows.append(f'<tr>{sample}<td align="left">{html_text(LEGEND_TEXT[item])}</td></tr>')
    return rows


def _legend_sample(item: LegendItem) -> str:
    node_style = {LegendItem.ENDPOINT: NodeStyle.ENDPOINT, LegendItem.NAMESPACE_NODE:
                  NodeStyle.ENDPOINT, LegendItem.UNPROTECTED: NodeStyle.UNPROTECTED,
                  LegendItem.UNPROTECTED_NAMESPACE: NodeStyle.UNPROTECTED,
                  LegendItem.EXTERNAL: NodeStyle.EXTERNAL, LegendItem.EVERY_POD:
                  NodeStyle.EVERY_POD}.get(item)
    if node_style is not None:
        s = NODE_COLOURS[node_style]
        return f'<td bgcolor="{s.fill}" color="{s.stroke}" border="1" width="34"> </td>'
    if item is LegendItem.FOCUS:
        s = NODE_COLOURS[NodeStyle.ENDPOINT]
        return f'<td bgcolor="{s.fill}" color="{s.stroke}" border="3" width="34"> </td>'
    if item is LegendItem.NAMESPACE:
        return (f'<td bgcolor="{BOX_COLOURS.fill}" color="{BOX_COLOURS.stroke}" border="1"'
                ' width="34"> </td>')
    grey = EDGE_COLOURS[EdgeKind.INTRA]
    arrow = {
        LegendItem.INTRA: (EDGE_COLOURS[EdgeKind.INTRA], "───▶"),
        LegendItem.CROSS: (EDGE_COLOURS[EdgeKind.CROSS], "───▶"),
        LegendItem.EXTERNAL_EDGE: (EDGE_COLOURS[EdgeKind.EXTERNAL], "───▶"),
        LegendItem.COLLAPSED: (grey, "<b>━━━▶</b>"),
        LegendItem.INTERNAL: (grey, "⟲"),
        LegendItem.SOME: (grey, "╌╌╌▶"),
        LegendItem.BOTH_WAYS: (grey, "◀──▶"),
        LegendItem.UNLABELLED: (grey, "──?"),
    }[item]
    return f'<td><font color="{arrow[0]}">{arrow[1]}</font></td>'


def render(diagram: Diagram) -> str:
    nodes = {n.id: n for n in diagram.nodes}
    boxed = {i for b in diagram.boxes for i in b.node_ids}
    first_of = {b.name: b.node_ids[0] for b in diagram.boxes if b.node_ids}
    title = _left_lines(diagram.title)
    layout = {"rankdir": "TB", "compound": "true", "newrank": "true", "nodesep": "0.35",
              "ranksep": "1.0"}
    if diagram.dense and not diagram.boxes:
        # Too many edges for dot's layered layout (it grows wide and slow): force-directed.
        layout = {"layout": "sfdp", "overlap": "prism", "splines": "false",
                  "outputorder": "edgesfirst"}
    graph = _attrs(**layout, fontname=quote(FONT), fontsize="13", labelloc="t", labeljust="l",
                   label=title, tooltip=quote(diagram.title[0]))
    node = _attrs(fontname=quote(FONT), fontsize="11", margin=quote("0.12,0.06"))
    edge = _attrs(fontname=quote(FONT), fontsize="9", arrowsize="0.7")
    out = [
        f"// netpol graph, {diagram.level.value} level: {diagram.connections} allowed connections",
        "digraph netpol {",
        f"  graph {graph};",
        f"  node {node};",
        f"  edge {edge};",
    ]
    for box in diagram.boxes:
        out += _box(box, nodes)
    out += [_node(n, "  ") for n in diagram.nodes if n.id not in boxed]
    out += [_edge(e, first_of, labelled=not diagram.dense) for e in diagram.edges]
    if diagram.legend:
        rows = "".join(_legend_rows(diagram.legend))
        table = (f'<<table border="1" cellborder="0" cellspacing="3" cellpadding="2" '
                 f'color="{BOX_COLOURS.stroke}"><tr><td colspan="2" align="left"><b>Legend</b>'
                 f"</td></tr>{rows}</table>>")
        out.append(f'  "legend" {_attrs(shape="plain", label=table, fontsize="9")};')
        if not diagram.dense or diagram.boxes:
            out.append('  { rank=sink; "legend"; }')
    out.append("}")
    return "\n".join(out) + "\n"
