"""HTML: the review report as one self-contained page (templates/report.html.j2).

No network fetch: CSS and the few lines of table-sorting JavaScript are inline, and diagrams are
inline SVG drawn by Graphviz's ``dot`` (when it is installed; otherwise each diagram says so). The
page prints: navigation hides, collapsed sections open, tables keep their rows whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from netpol.diagnostics import NetpolError, Severity
from netpol.diagram import Diagram
from netpol.lint.findings import SEVERITY_RANK
from netpol.render import dot, html_graph
from netpol.render.graphviz_run import INSTALL_HINT, ImageFormat, find_dot, run_dot
from netpol.render.report_markdown import (
    CRITERIA,
    FUTURE_WAYS,
    SECTIONS,
    WAY_LABEL,
    cell_text,
    count_line,
    findings_line,
    plural,
    route_text,
    rules_text,
    severity_count,
    where,
)
from netpol.report import Cell, Report

__all__ = ["Figure", "draw_diagrams", "render"]

_ID = re.compile(r'\bid="([^"]*)"')
_HREF = re.compile(r'\b(xlink:href|href)="#([^"]*)"')


@dataclass(frozen=True, slots=True)
class Figure:
    """A diagram ready for the page: inline SVG, or a note saying why there is none."""

    svg: Markup | None
    note: str = ""


def draw_diagrams(report: Report, *, draw: Callable[[str], str] | None = None
                  ) -> dict[int, Figure]:
    """The report's diagrams as figures, keyed by ``id(diagram)``, drawn in parallel.

    ``draw`` turns DOT text into SVG text (default: Graphviz's ``dot``); without ``dot`` every
    figure is a note naming what to install.
    """
    diagrams = _diagrams(report)
    if not diagrams:
        return {}
    if draw is None:
        if find_dot() is None:
            note = (f"Graphviz's dot program is not installed, so this diagram is not drawn; "
                    f"{INSTALL_HINT}. The matrix above holds the same connections.")
            return {id(d): Figure(None, note) for d in diagrams}
        draw = _run_dot
    with ThreadPoolExecutor(max_workers=4) as pool:
        figures = list(pool.map(lambda pair: _figure(pair[1], pair[0], draw),
                                enumerate(diagrams)))
    return {id(d): f for d, f in zip(diagrams, figures, strict=True)}


def _run_dot(text: str) -> str:
    return run_dot(text, ImageFormat.SVG).decode("utf-8")


def _diagrams(report: Report) -> list[Diagram]:
    c = report.connectivity
    found = [c.diagram] if c.diagram is not None else []
    found += [v.diagram for v in c.namespaces if v.diagram is not None]
    return found


def _figure(diagram: Diagram, number: int, draw: Callable[[str], str]) -> Figure:
    if diagram.too_large:
        return Figure(None, f"{len(diagram.nodes)} nodes and {len(diagram.edges)} edges are too "
                            "many to draw readably; the matrix holds the same connections.")
    try:
        svg = html_graph.inline_svg(draw(dot.render(diagram)))
    except NetpolError as exc:
        return Figure(None, f"The diagram could not be drawn: {exc}")
    # Several SVGs share one page: give each its own ids.
    svg = _ID.sub(lambda m: f'id="d{number}-{m.group(1)}"', svg)
    svg = _HREF.sub(lambda m: f'{m.group(1)}="#d{number}-{m.group(2)}"', svg)
    return Figure(Markup(svg))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("netpol", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(cell=_cell, where=where, rules=rules_text, count_line=count_line,
                       route=route_text, findings_line=findings_line, pct=_pct,
                       rank=lambda s: SEVERITY_RANK[Severity(s)], id=id, plural=plural,
                       severity_count=severity_count, way=WAY_LABEL.__getitem__)
    return env


def _cell(cell: Cell | None) -> str:
    return cell_text(cell)


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def render(report: Report, *, figures: dict[int, Figure] | None = None) -> str:
    """The page; ``figures`` from :func:`draw_diagrams` (drawn here when not given)."""
    if figures is None:
        figures = draw_diagrams(report)
    template = _environment().get_template("report.html.j2")
    return template.render(report=report, figures=figures, sections=_sections(report),
                           criteria=CRITERIA, future_ways=FUTURE_WAYS)


def _sections(report: Report) -> Iterator[tuple[str, str]]:
    return iter([(a, t) for a, t in SECTIONS if a != "sensitive" or report.sensitive])
