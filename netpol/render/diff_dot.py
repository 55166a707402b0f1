"""Graphviz for `netpol diff`: DOT text, and SVG through Graphviz's ``dot`` program
(:mod:`netpol.render.graphviz`, the one runner).

Added edges are solid green, removed edges dashed red, changed edges orange; endpoints that
appeared or disappeared are outlined the same way. Namespaces are clusters.
"""

from __future__ import annotations

from collections import defaultdict

from netpol.diff.compare import ChangeKind, GraphDiff, PairChange
from netpol.render.graphviz import ImageFormat, run_dot

__all__ = ["render_diff", "render_svg", "to_svg"]

_EDGE = {
    ChangeKind.ADDED: 'color="#1a7f37", fontcolor="#1a7f37", penwidth=2',
    ChangeKind.REMOVED: 'color="#cf222e", fontcolor="#cf222e", style=dashed',
    ChangeKind.CHANGED: 'color="#bc4c00", fontcolor="#bc4c00"',
}
_APPEARED = 'color="#1a7f37", penwidth=2'
_DISAPPEARED = 'color="#cf222e", style="rounded,dashed"'
_MISSING = (
    "SVG output needs Graphviz's dot program, which is not on PATH: install it "
    "(apt-get install graphviz, brew install graphviz) or use -o dot"
)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(c: PairChange) -> str:
    if c.kind is ChangeKind.ADDED:
        return f"+ {c.after}"
    if c.kind is ChangeKind.REMOVED:
        return f"- {c.before}"
    parts = [f"+ {c.gained}"] if c.gained else []
    parts += [f"- {c.lost}"] if c.lost else []
    return "\\n".join(p.replace('"', '\\"') for p in parts)


def render_diff(diff: GraphDiff) -> str:
    endpoints: set[str] = set(diff.appeared) | set(diff.disappeared)
    external: set[str] = set()
    order: dict[str, int] = {}
    for c in diff.changes:
        for end in (c.src, c.dst):
            (endpoints if "[" in end else external).add(end)
            order.setdefault(end, len(order))
    by_ns: dict[str, list[str]] = defaultdict(list)
    for e in sorted(endpoints):
        by_ns[e.split("/", 1)[0]].append(e)
    style = {**dict.fromkeys(diff.appeared, _APPEARED), **dict.fromkeys(diff.disappeared, _DISAPPEARED)}
    lines = [
        "digraph netpol_diff {",
        "  rankdir=LR;",
        f"  label={_q('netpol diff: green = added, red dashed = removed, orange = other ports')};",
        '  labelloc=t; fontname="Helvetica";',
        '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for i, (ns, members) in enumerate(sorted(by_ns.items())):
        lines += [f"  subgraph cluster_{i} {{", f"    label={_q(ns)};", '    color="#8c959f";']
        for e in members:
            name = e.split("/", 1)[1]
            attrs = f", {style[e]}" if e in style else ""
            lines.append(f"    {_q(e)} [label={_q(name)}{attrs}];")
        lines.append("  }")
    if external:
        lines += [
            "  subgraph cluster_external {",
            f"    label={_q('outside the cluster')};",
            '    color="#8c959f"; style=dashed;',
        ]
        lines += [f"    {_q(x)} [shape=ellipse];" for x in sorted(external, key=order.__getitem__)]
        lines.append("  }")
    for c in diff.changes:
        lines.append(f'  {_q(c.src)} -> {_q(c.dst)} [label="{_label(c)}", {_EDGE[c.kind]}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(dot: str) -> str:
    """Draw ``dot`` with Graphviz's ``dot -Tsvg``: GraphvizMissing when it is not installed,
    GraphvizFailed when it fails on the text (see :mod:`netpol.render.graphviz`)."""
    return run_dot(dot, ImageFormat.SVG, missing=_MISSING).decode("utf-8")


def render_svg(diff: GraphDiff) -> str:
    return to_svg(render_diff(diff))
