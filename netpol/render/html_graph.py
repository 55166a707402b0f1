"""HTML: one self-contained page with the diagram's SVG inline, its edges as a table, and what each
stand-in it draws stands for. With tier policies, the table says which edges a cluster-wide Admin
rule allows (or, with ``--admin-denied``, drops), naming the rules.

The picture is fitted to the window's width (a button shows it at its actual size), so that a
wide graph keeps its legend in view.

No network fetch: no external script, stylesheet, font or image; the SVG's XML prolog and DOCTYPE
(which name a DTD by URL) are dropped.
"""

from __future__ import annotations

import html
import re

from netpol.core.escaping import terminal
from netpol.render.diagram.model import MAX_LISTED, Diagram, DiagramEdge

__all__ = ["inline_svg", "render"]

_PROLOG = re.compile(r"\A\s*(?:<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*|<!--.*?-->\s*)*", re.DOTALL)

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #1a202c; }
h1 { font-size: 1.3em; margin: 0 0 .2em; }
p.summary { margin: 0 0 1em; color: #4a5568; }
.diagnostics { background: #fffbea; border-left: 4px solid #a86a12; padding: .5em 1em; }
.figure { overflow: auto; border: 1px solid #d0d7de; border-radius: 6px; padding: .5em; }
.figure svg { max-width: 100%; height: auto; }
.figure.actual svg { max-width: none; }
button { margin: 0 0 .5em; }
table { border-collapse: collapse; margin-top: 1em; font-size: .9em; }
th, td { border: 1px solid #d0d7de; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code { font-size: .95em; }
tr.admin td:first-child { border-left: 4px double #2f855a; }
tr.denied td:first-child { border-left: 4px dashed #c53030; }
td.tier ul { margin: 0; padding-left: 1.1em; }
"""

_SCRIPT = """
document.getElementById("zoom").addEventListener("click", function () {
  var figure = document.getElementById("figure");
  figure.classList.toggle("actual");
  this.textContent = figure.classList.contains("actual") ? "Fit to window" : "Actual size";
});
"""


def inline_svg(svg: str) -> str:
    """The ``<svg>`` element of a standalone SVG document, ready to sit inside HTML."""
    return _PROLOG.sub("", svg, count=1).strip()


def render(diagram: Diagram, svg: str) -> str:
    title = html.escape(terminal(diagram.title[0]))
    summary = " · ".join(html.escape(terminal(line)) for line in diagram.title[1:])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
        f'<p class="summary">{summary}</p>',
    ]
    if diagram.diagnostics:
        items = "".join(f"<li>{html.escape(terminal(d.message))}</li>" for d in diagram.diagnostics)
        parts.append(f'<div class="diagnostics"><ul>{items}</ul></div>')
    tiers = any(e.admin or e.denied for e in diagram.edges)
    parts += [
        '<button id="zoom" type="button">Actual size</button>',
        f'<div class="figure" id="figure">\n{inline_svg(svg)}\n</div>',
        "<h2>Edges</h2>",
        "<table><thead><tr><th>From</th><th>To</th><th>Allowed</th>"
        + ("<th>Admin tier</th>" if tiers else "")
        + "</tr></thead><tbody>",
    ]
    for edge in diagram.edges:
        arrow = "↔ " if edge.both_ways else ""
        row = (
            f"<td><code>{html.escape(terminal(edge.src_name))}</code></td>"
            f"<td>{arrow}<code>{html.escape(terminal(edge.dst_name))}</code></td>"
            f"<td>{html.escape(terminal(edge.label))}</td>"
        )
        if tiers:
            parts.append(f"<tr{_row_class(edge)}>{row}{_tier_cell(edge)}</tr>")
        else:
            parts.append(f"<tr>{row}</tr>")
    parts.append("</tbody></table>")
    if diagram.stand_ins:
        parts += [
            "<h2>Stand-ins</h2>",
            "<p>Pods the policies select that the input does not hold (drawn dashed).</p>",
            "<table><thead><tr><th>Stand-in</th><th>Stands for</th></tr></thead><tbody>",
            *(
                f"<tr><td><code>{html.escape(terminal(i))}</code></td><td>{html.escape(terminal(what))}</td></tr>"
                for i, what in diagram.stand_ins
            ),
            "</tbody></table>",
        ]
    parts += [f"<script>{_SCRIPT}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _row_class(edge: DiagramEdge) -> str:
    if edge.denied:
        return ' class="denied"'
    return ' class="admin"' if edge.admin else ""


def _tier_cell(edge: DiagramEdge) -> str:
    """What the Admin tier decides of the edge, and its rules, one a line."""
    if not edge.admin and not edge.denied:
        return '<td class="tier"></td>'
    lead = html.escape(terminal(edge.admin_lead))
    rules = edge.admin[:MAX_LISTED]
    more = len(edge.admin) - len(rules)
    items = "".join(f"<li>{html.escape(terminal(r))}</li>" for r in rules)
    if more:
        items += f"<li>… and {more} more</li>"
    return f'<td class="tier">{lead}<ul>{items}</ul></td>' if items else f'<td class="tier">{lead}</td>'
