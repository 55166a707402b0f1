"""A diagram drawn by Graphviz, with edge labels that do not sit on one another.

``dot`` reserves room for an edge's label in its layered layout, but not always enough: labels of
edges that leave or enter a namespace box (``lhead``/``ltail``), or that do not constrain the
ranks, can land on another label. So a diagram with labels is laid out first (``dot -Tjson``),
the labels that touch another label, a node or a box title are found, and those edges get an
``xlabel`` instead, which Graphviz places after the layout, clear of most of what is drawn. A
label that collides even so is left out: the edge's tooltip keeps its ports, and the legend says
so. At most :data:`ROUNDS` layouts are tried before drawing; a diagram without collisions costs
one. Graphviz runs in :mod:`netpol.render.graphviz`, as for every picture.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netpol.errors import GraphvizFailed
from netpol.render import dot
from netpol.render.diagram.model import Diagram
from netpol.render.graphviz import ImageFormat, layout, run_dot

__all__ = ["GAP", "ROUNDS", "collisions", "draw", "place_labels"]

ROUNDS = 4
GAP = 4.0
"""Points of room wanted between two texts side by side (renderers measure text differently)."""

_Box = tuple[float, float, float, float]


def draw(diagram: Diagram, fmt: ImageFormat) -> bytes:
    """The diagram as SVG or PNG bytes (GraphvizError, GraphvizFailed as ``run_dot``)."""
    xlabels, unlabelled = place_labels(diagram)
    return run_dot(dot.render(diagram, xlabels=xlabels, unlabelled=unlabelled), fmt)


def place_labels(diagram: Diagram) -> tuple[frozenset[int], frozenset[int]]:
    """The edges to label with an ``xlabel``, and those to leave unlabelled (see the module)."""
    moved: set[int] = set()
    dropped: set[int] = set()
    if diagram.dense or not diagram.edges:
        return frozenset(), frozenset()
    for _ in range(ROUNDS):
        try:
            laid_out = layout(dot.render(diagram, xlabels=moved, unlabelled=dropped, numbered=True))
        except GraphvizFailed:  # a Graphviz without JSON output: draw as it is
            break
        found = collisions(laid_out) - dropped
        if not found:
            break
        dropped |= found & moved
        moved |= found
    return frozenset(moved - dropped), frozenset(dropped)


def collisions(laid_out: Mapping[str, Any]) -> set[int]:
    """Indexes of edges whose label overlaps another edge's label (the later of the two), a node,
    the title or a box title, in Graphviz's JSON layout of ``dot.render(..., numbered=True)``."""
    drawn = laid_out.get("edges") or []
    if not all(dot.NUMBER in e for e in drawn):
        return set()
    obstacles = [*_texts(laid_out.get("_ldraw_")), *_obstacles(laid_out.get("objects") or [])]
    labels = sorted((int(e[dot.NUMBER]), box) for e in drawn for box in _texts(e.get("_ldraw_")))
    found: set[int] = set()
    for k, (i, a) in enumerate(labels):
        if any(_overlap(a, b) for b in obstacles):
            found.add(i)
        found.update(j for j, b in labels[k + 1 :] if j != i and _overlap(a, b))
    return found


def _obstacles(objects: list[Mapping[str, Any]]) -> Iterator[_Box]:
    for o in objects:
        if "pos" in o and "width" in o:  # a node
            x, y = (float(v) for v in str(o["pos"]).split(",")[:2])
            w, h = float(o["width"]) * 72 / 2, float(o["height"]) * 72 / 2
            yield x - w, y - h, x + w, y + h
        else:  # a box: its title (the frame's: the legend)
            yield from _texts(o.get("_ldraw_"))


def _texts(ops: list[Mapping[str, Any]] | None) -> Iterator[_Box]:
    """The boxes of the texts an xdot drawing list writes (``T`` operations, after ``F``)."""
    size = 14.0
    for op in ops or []:
        if op.get("op") == "F":
            size = float(op["size"])
        elif op.get("op") == "T":
            x, y = (float(v) for v in op["pt"])
            w = float(op["width"])
            left = {"l": x, "r": x - w}.get(op.get("align", "c"), x - w / 2)
            yield left, y - size * 0.25, left + w, y + size * 0.8


def _overlap(a: _Box, b: _Box) -> bool:
    return a[0] < b[2] + GAP and b[0] < a[2] + GAP and a[1] < b[3] and b[1] < a[3]
