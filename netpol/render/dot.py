"""Graphviz DOT: the diagram as text that ``dot`` lays out (no Graphviz needed to produce it).

Namespaces are clusters (``cluster_<name>``); an edge that stands for every pod of a namespace is
clipped at its box with ``lhead``/``ltail`` (``compound=true``). A stand-in is a dashed note, a
namespace the input does not hold a dashed box (a dashed tab at namespace level). An edge an
Admin-tier Allow rule allows is a green double line (``color="C:invis:C"``), one an Admin-tier
Deny drops (``--admin-denied``) a red dashed line. Everything is emitted in the diagram's order,
so the same input gives the same bytes.

Every string that reaches the DOT text goes through :func:`quote`, :func:`ident` or
:func:`html_text`: escaped for its context, hidden characters shown as escapes (``\\x1b``), and
kept under :data:`MAX_TOKEN_BYTES`, so no input can make ``dot`` fail to read it. (The diagram
model already shortens long lists for people, "… and 380 more"; the bound here is the last line of
defence.)
"""

from __future__ import annotations

import hashlib
import itertools
from bisect import bisect_right
from collections.abc import Callable, Iterable, Set

from netpol.core.escaping import terminal
from netpol.render.diagram.model import (
    ADMIN_COLOUR,
    BOX_COLOURS,
    DENIED_COLOUR,
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

__all__ = ["MAX_LABEL_BYTES", "MAX_TOKEN_BYTES", "NUMBER", "html_text", "ident", "quote", "render"]

MAX_TOKEN_BYTES = 16_000
"""Graphviz's scanner reads a double-quoted string or an HTML-like label as one token of at most
16,383 bytes, quotes or angle brackets included ("syntax error in line 6 scanning a quoted string
(missing endquote? longer than 16384?)", Graphviz 2.43). Every token netpol writes stays within
this bound."""
MAX_LABEL_BYTES = 1_000
"""One line of drawn text (a label's line, an edge's label), escaped. Wider text makes Graphviz
fail on the layout ("Edge length 85866.93 larger than maximum 65535 allowed"), so a line is cut
to this, and an HTML-like label then loses lines from the end until it fits
:data:`MAX_TOKEN_BYTES`. (Tooltips are not drawn: they may take a whole token.)"""
_ID_BYTES = 1_000
"""Longer node and cluster ids are replaced by a prefix and a hash (ids must stay distinct)."""
_CUT = "…"
NUMBER = "netpol_edge"
"""The attribute holding an edge's index in ``render(..., numbered=True)``."""

FONT = "Helvetica,Arial,sans-serif"
_SHAPES = {
    NodeStyle.ENDPOINT: ("box", "rounded,filled"),
    NodeStyle.UNPROTECTED: ("box", "rounded,filled,bold"),
    NodeStyle.EXTERNAL: ("hexagon", "filled"),
    NodeStyle.EVERY_POD: ("box3d", "filled"),
}
_NAMESPACE_NODE = ("tab", "filled")
_STAND_IN = "note"
"""A stand-in's shape (and a dashed outline): a note about pods the input does not hold."""
_THIN, _THICK = "1.2", "2.6"
_FRAME = "cluster_(frame)"
"""An invisible box around the whole drawing, whose label at the bottom is the legend. (Graphviz
ignores ``rank=sink`` under ``newrank=true``, graphviz issue 1226, so a legend node cannot be
sent to the bottom.) No namespace is named so."""


def _escape_quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _fit(text: str, escape: Callable[[str], str], limit: int) -> str:
    """``text`` escaped, cut with "…" so that it takes at most ``limit`` bytes of UTF-8."""
    out = escape(text)
    if len(out) * 4 <= limit or len(out.encode()) <= limit:
        return out
    costs = list(itertools.accumulate(len(escape(ch).encode()) for ch in text))
    return escape(text[: bisect_right(costs, limit - len(_CUT.encode()))]) + _CUT


def quote(text: str, limit: int = MAX_TOKEN_BYTES - 2) -> str:
    """A DOT double-quoted string: ``\\`` and ``"`` escaped, line breaks as ``\\n``, hidden
    characters (controls, bidi overrides, lone surrogates) shown as escapes; cut with "…" to at
    most ``limit`` bytes between the quotes."""
    return '"' + _fit(terminal(text, newlines=True), _escape_quoted, limit) + '"'


def ident(text: str) -> str:
    """A node or cluster id as a DOT string; an id too long for a label is shortened to a prefix
    and a hash of the whole, so that two ids never become one."""
    if len(text.encode("utf-8", "surrogatepass")) <= _ID_BYTES:
        return quote(text)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return quote(text[: _ID_BYTES // 8] + _CUT + digest)


def html_text(text: str, limit: int = MAX_LABEL_BYTES) -> str:
    """Text for a DOT HTML-like label: ``& < > "`` as entities, hidden characters (line breaks
    too) shown as escapes; cut with "…" to at most ``limit`` bytes."""
    return _fit(terminal(text), _escape_html, limit)


def _html_label(parts: list[str], head: str = "", tail: str = "") -> str:
    """``<head + parts + tail>``, dropping parts from the end (a "…" in their place) until the
    label fits :data:`MAX_TOKEN_BYTES`."""
    room = MAX_TOKEN_BYTES - len(f"<{head}{tail}>".encode())
    sizes = [len(part.encode()) for part in parts]
    if sum(sizes) > room:
        cut = f"<br/>{_CUT}"
        room -= len(cut.encode())
        keep = bisect_right(list(itertools.accumulate(sizes)), room)
        parts = [*parts[:keep], cut]
    return f"<{head}{''.join(parts)}{tail}>"


def _attrs(**values: str) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in values.items()) + "]"


def _lines(label: tuple[str, ...], *, bold_first: bool = True) -> str:
    """The first line bold, the others smaller; or, for a list of peers, every line alike."""
    if not bold_first:
        return _html_label([("<br/>" if i else "") + html_text(line) for i, line in enumerate(label)])
    first, *rest = label
    return _html_label(
        [f'<br/><font point-size="9">{html_text(line)}</font>' for line in rest],
        head=f"<b>{html_text(first)}</b>",
    )


def _left_lines(label: tuple[str, ...]) -> str:
    """A title: the first line bold, the others smaller, all flush left."""
    first, *rest = label
    return _html_label(
        [f'<br align="left"/><font point-size="9">{html_text(line)}</font>' for line in rest],
        head=f"<b>{html_text(first)}</b>",
        tail='<br align="left"/>',
    )


def _node(node: DiagramNode, indent: str) -> str:
    swatch = NODE_COLOURS[node.style]
    shape, style = _NAMESPACE_NODE if node.namespace_node else _SHAPES[node.style]
    if node.stand_in:
        if not node.namespace_node:
            shape, style = _STAND_IN, style.replace("rounded,", "")
        style += ",dashed"
    plain = node.style is NodeStyle.EXTERNAL and len(node.label) > 1 and "except" not in node.label[0]
    attrs = {
        "label": _lines(node.label, bold_first=not plain),
        "shape": shape,
        "style": quote(style),
        "fillcolor": quote(swatch.fill),
        "color": quote(swatch.stroke),
        "tooltip": quote(node.tooltip or node.id),
    }
    if node.focus:
        attrs["penwidth"] = "3"
    return f"{indent}{ident(node.id)} {_attrs(**attrs)};"


def _box(box: ClusterBox, nodes: dict[str, DiagramNode], indent: str) -> list[str]:
    style = "rounded,filled,dashed" if box.external or box.stand_in else "rounded,filled"
    inner = indent + "  "
    lines = [
        f"{indent}subgraph {ident('cluster_' + box.name)} {{",
        f"{inner}label={_left_lines(box.label)}; labelloc=t; peripheries=1;",
        f"{inner}style={quote(style)}; fillcolor={quote(BOX_COLOURS.fill)}; "
        f"color={quote(BOX_COLOURS.stroke)};",
        f"{inner}tooltip={quote(box.label[0] if box.external else 'namespace ' + box.name)};",
    ]
    lines += [_node(nodes[i], inner) for i in box.node_ids]
    if box.external:
        lines.append(f"{inner}{{ rank=same; {' '.join(ident(i) + ';' for i in box.node_ids)} }}")
    lines.append(f"{indent}}}")
    return lines


def _edge_colour(edge: DiagramEdge) -> tuple[str, str]:
    """The line's colour (two parallel lines for an Admin-allowed edge) and the label's."""
    if edge.denied:
        return DENIED_COLOUR, DENIED_COLOUR
    if edge.admin:
        return f"{ADMIN_COLOUR}:invis:{ADMIN_COLOUR}", ADMIN_COLOUR
    return EDGE_COLOURS[edge.kind], EDGE_COLOURS[edge.kind]


def _edge(
    edge: DiagramEdge, first_of: dict[str, str], *, labelled: bool, xlabel: bool, number: int | None
) -> str:
    line, text = _edge_colour(edge)
    tooltip = quote(edge.tooltip)  # spelt once: a dense diagram has hundreds of thousands of edges
    attrs = {
        "color": quote(line),
        "fontcolor": quote(text),
        "penwidth": _THICK if edge.collapsed else _THIN,
        "tooltip": tooltip,
    }
    if labelled and xlabel:
        # Placed after the layout, clear of the other labels and of the nodes.
        attrs = {"xlabel": quote(edge.label, MAX_LABEL_BYTES), **attrs}
    elif labelled:
        attrs = {"label": quote(edge.label, MAX_LABEL_BYTES), **attrs, "labeltooltip": tooltip}
    styles = ["dashed"] if edge.some or edge.denied else []
    if edge.kind is EdgeKind.EXTERNAL and not edge.some and not edge.denied:
        styles.append("solid")
    if styles:
        attrs["style"] = quote(",".join(styles))
    src, dst = edge.src, edge.dst
    tail = ("ltail", "cluster_" + src, first_of[src]) if edge.src_box else None
    head = ("lhead", "cluster_" + dst, first_of[dst]) if edge.dst_box else None
    reverse = edge.dst_external
    if reverse:
        # Rank the outside above its clients: written from the outside, the arrow drawn at the
        # tail. (constraint=false would do too, but dot then reserves no room for the label.)
        src, dst, tail, head = dst, src, head, tail
        attrs["dir"] = "both" if edge.both_ways else "back"
    elif edge.both_ways:
        attrs["dir"] = "both"
        # Rank by one-way traffic only: clients above servers.
        attrs["constraint"] = "false"
    if tail is not None:
        attrs["ltail"] = ident(tail[1])
        src = tail[2]
    if head is not None:
        attrs["lhead"] = ident(head[1])
        dst = head[2]
    if number is not None:
        attrs[NUMBER] = str(number)
    return f"  {ident(src)} -> {ident(dst)} {_attrs(**attrs)};"


def _legend_table(items: Iterable[LegendItem]) -> str:
    rows = "".join(
        f'<tr>{_legend_sample(item)}<td align="left">{html_text(LEGEND_TEXT[item])}</td></tr>'
        for item in items
    )
    return (
        f'<font point-size="9"><table border="1" cellborder="0" cellspacing="3" '
        f'cellpadding="2" color="{BOX_COLOURS.stroke}"><tr><td colspan="2" align="left">'
        f"<b>Legend</b></td></tr>{rows}</table></font>"
    )


def _legend_sample(item: LegendItem) -> str:
    node_style = {
        LegendItem.ENDPOINT: NodeStyle.ENDPOINT,
        LegendItem.NAMESPACE_NODE: NodeStyle.ENDPOINT,
        LegendItem.UNPROTECTED: NodeStyle.UNPROTECTED,
        LegendItem.UNPROTECTED_NAMESPACE: NodeStyle.UNPROTECTED,
        LegendItem.EXTERNAL: NodeStyle.EXTERNAL,
        LegendItem.EVERY_POD: NodeStyle.EVERY_POD,
    }.get(item)
    if node_style is not None:
        s = NODE_COLOURS[node_style]
        return f'<td bgcolor="{s.fill}" color="{s.stroke}" border="1" width="34"> </td>'
    if item is LegendItem.FOCUS:
        s = NODE_COLOURS[NodeStyle.ENDPOINT]
        return f'<td bgcolor="{s.fill}" color="{s.stroke}" border="3" width="34"> </td>'
    if item is LegendItem.STAND_IN:
        s = NODE_COLOURS[NodeStyle.ENDPOINT]
        return f'<td bgcolor="{s.fill}" color="{s.stroke}" border="1" style="dashed" width="34"> </td>'
    if item is LegendItem.NAMESPACE:
        return f'<td bgcolor="{BOX_COLOURS.fill}" color="{BOX_COLOURS.stroke}" border="1" width="34"> </td>'
    if item is LegendItem.STAND_IN_NAMESPACE:
        return (
            f'<td bgcolor="{BOX_COLOURS.fill}" color="{BOX_COLOURS.stroke}" border="1" style="dashed" '
            'width="34"> </td>'
        )
    grey = EDGE_COLOURS[EdgeKind.INTRA]
    arrow = {
        LegendItem.INTRA: (EDGE_COLOURS[EdgeKind.INTRA], "───▶"),
        LegendItem.CROSS: (EDGE_COLOURS[EdgeKind.CROSS], "───▶"),
        LegendItem.EXTERNAL_EDGE: (EDGE_COLOURS[EdgeKind.EXTERNAL], "───▶"),
        LegendItem.COLLAPSED: (grey, "<b>━━━▶</b>"),
        LegendItem.INTERNAL: (grey, "⟲"),
        LegendItem.SOME: (grey, "╌╌╌▶"),
        LegendItem.BOTH_WAYS: (grey, "◀──▶"),
        LegendItem.ADMIN: (ADMIN_COLOUR, "<b>═══▶</b>"),
        LegendItem.ADMIN_DENIED: (DENIED_COLOUR, "<b>╌╌╌▶</b>"),
        LegendItem.UNLABELLED: (grey, "──?"),
    }[item]
    return f'<td><font color="{arrow[0]}">{arrow[1]}</font></td>'


def render(
    diagram: Diagram,
    *,
    xlabels: Set[int] = frozenset(),
    unlabelled: Set[int] = frozenset(),
    numbered: bool = False,
) -> str:
    """The DOT text.

    ``xlabels``: indexes of edges whose label Graphviz should place after the layout (``xlabel``),
    because as a ``label`` it lands on another text; ``unlabelled``: edges drawn without a label
    (their ports stay in the tooltip), because even as an ``xlabel`` it did (see
    :mod:`netpol.render.drawing`).
    ``numbered``: give each edge its index as the attribute :data:`NUMBER`, which Graphviz keeps
    in its JSON layout (it lists edges in its own order) and ignores otherwise.
    """
    nodes = {n.id: n for n in diagram.nodes}
    boxed = {i for b in diagram.boxes for i in b.node_ids}
    first_of = {b.name: b.node_ids[0] for b in diagram.boxes if b.node_ids}
    title = _left_lines(diagram.title)
    force = diagram.dense and not diagram.boxes
    layout = {"rankdir": "TB", "compound": "true", "newrank": "true", "nodesep": "0.35", "ranksep": "1.0"}
    if force:
        # Too many edges for dot's layered layout (it grows wide and slow): force-directed.
        layout = {"layout": "sfdp", "overlap": "prism", "splines": "false", "outputorder": "edgesfirst"}
    graph = _attrs(
        **layout,
        fontname=quote(FONT),
        fontsize="13",
        labelloc="t",
        labeljust="l",
        label=title,
        tooltip=quote(diagram.title[0]),
    )
    node = _attrs(fontname=quote(FONT), fontsize="11", margin=quote("0.12,0.06"))
    edge = _attrs(fontname=quote(FONT), fontsize="9", arrowsize="0.7")
    out = [
        f"// netpol graph, {diagram.level.value} level: {diagram.connections} allowed connections",
        "digraph netpol {",
        f"  graph {graph};",
        f"  node {node};",
        f"  edge {edge};",
    ]
    legend = diagram.legend
    if unlabelled and LegendItem.UNLABELLED not in legend:
        legend = tuple(i for i in LegendItem if i in legend or i is LegendItem.UNLABELLED)
    framed = bool(legend) and not force
    body: list[str] = []
    for box in diagram.boxes:
        body += _box(box, nodes, "  ")
    body += [_node(n, "  ") for n in diagram.nodes if n.id not in boxed]
    if framed:
        out += [
            f"  subgraph {quote(_FRAME)} {{",
            f"    label=<{_legend_table(legend)}>; labelloc=b; labeljust=l;",
            '    peripheries=0; tooltip="Legend";',
        ]
        out += ["  " + line for line in body]
        out.append("  }")
    else:
        out += body
    out += [
        _edge(
            e,
            first_of,
            labelled=not diagram.dense and i not in unlabelled,
            xlabel=i in xlabels,
            number=i if numbered else None,
        )
        for i, e in enumerate(diagram.edges)
    ]
    if legend and not framed:
        out.append(f'  "legend" {_attrs(shape="plain", label=f"<{_legend_table(legend)}>")};')
    out.append("}")
    return "\n".join(out) + "\n"
