"""HTML: the review report as one self-contained page (templates/report.html.j2).

No network fetch: CSS and the few lines of table-sorting JavaScript are inline, and diagrams are
inline SVG drawn by Graphviz's ``dot`` (when it is installed; otherwise each diagram says so). A
diagram Graphviz fails to draw, a bug in netpol, becomes a short note naming the ``netpol graph``
command that gives its DOT text; the page is still written. The page prints: navigation hides,
collapsed sections open, tables keep their rows whole.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from netpol.core.escaping import terminal
from netpol.errors import GraphvizFailed, NetpolError, Severity
from netpol.findings.records import SEVERITY_RANK
from netpol.render import html_graph
from netpol.render.diagram.model import Diagram
from netpol.render.drawing import draw as draw_image
from netpol.render.graphviz import INSTALL_HINT, ImageFormat, find_dot
from netpol.render.report_wording import (
    CRITERIA,
    FUTURE_WAYS,
    WAY_LABEL,
    cell_text,
    count_line,
    criterion,
    findings_line,
    future_who,
    namespace_line,
    plural,
    route_text,
    rules_text,
    sections,
    selected_count,
    severity_count,
    stand_in_for,
    stand_ins_on,
    tier_only,
    unmodelled_line,
    unprotected_line,
    where,
)
from netpol.render.report_wording_tiers import (
    count,
    example_text,
    override_text,
    rule_decides,
    rule_label,
    rule_notes,
    tier_counts,
    tier_priority,
    tier_selects,
)
from netpol.report import Cell, Report

__all__ = ["Figure", "draw_diagrams", "render"]

_ID = re.compile(r'\bid="([^"]*)"')
_HREF = re.compile(r'\b(xlink:href|href)="#([^"]*)"')
_WIDTH = re.compile(r'<svg\b[^>]*?\bwidth="([0-9.]+)pt"')
FIT_BELOW_PT = 2900
"""A diagram is fitted to the page's width (a click shows it at its actual size) unless it is
wider than this, about three page widths: shrunk that much its text could not be read, so it is
shown at its actual size, its legend at the bottom left."""


@dataclass(frozen=True, slots=True)
class Figure:
    """A diagram ready for the page: inline SVG, or a note saying why there is none."""

    svg: Markup | None
    note: str = ""
    error: str = ""
    wide: bool = False
    """Too wide to fit the page readably: shown at its actual size at first."""
    """Graphviz failed on this diagram (a bug in netpol): what the CLI should warn about."""


def draw_diagrams(report: Report, *, draw: Callable[[Diagram], str] | None = None) -> dict[int, Figure]:
    """The report's diagrams as figures, keyed by ``id(diagram)``, drawn in parallel.

    ``draw`` turns a diagram into SVG text (default: Graphviz's ``dot``, through
    :func:`netpol.render.drawing.draw`); without ``dot`` every figure is a note naming what to
    install.
    """
    diagrams = _diagrams(report)
    if not diagrams:
        return {}
    if draw is None:
        if find_dot() is None:
            note = (
                f"Graphviz's dot program is not installed, so this diagram is not drawn; "
                f"{INSTALL_HINT}. The matrix above holds the same connections."
            )
            return {id(d): Figure(None, note) for d, _ in diagrams}
        draw = _draw_svg
    with ThreadPoolExecutor(max_workers=4) as pool:
        figures = list(
            pool.map(lambda item: _figure(item[1][0], item[1][1], item[0], draw), enumerate(diagrams))
        )
    return {id(d): f for (d, _), f in zip(diagrams, figures, strict=True)}


def _draw_svg(diagram: Diagram) -> str:
    return draw_image(diagram, ImageFormat.SVG).decode("utf-8")


def _diagrams(report: Report) -> list[tuple[Diagram, str]]:
    """The diagrams, each with the ``netpol graph`` command that writes its DOT text."""
    c = report.connectivity
    inputs = " ".join(shlex.quote(i) for i in report.summary.inputs) or "INPUT"
    found = [(c.diagram, f"netpol graph {inputs} --level namespace -o dot")] if c.diagram is not None else []
    found += [
        (v.diagram, f"netpol graph {inputs} -n {shlex.quote(v.name)} -o dot")
        for v in c.namespaces
        if v.diagram is not None
    ]
    return found


def _figure(diagram: Diagram, command: str, number: int, draw: Callable[[Diagram], str]) -> Figure:
    if diagram.too_large:
        return Figure(
            None,
            f"{len(diagram.nodes)} nodes and {len(diagram.edges)} edges are too "
            "many to draw readably; the matrix holds the same connections.",
        )
    try:
        svg = html_graph.inline_svg(draw(diagram))
    except GraphvizFailed as exc:
        return Figure(
            None,
            f"This diagram could not be drawn: Graphviz failed on it, which is a "
            f"bug in netpol (please report it). {command} gives its DOT text; "
            "the matrix holds the same connections.",
            error=str(exc),
        )
    except NetpolError as exc:
        return Figure(None, f"This diagram could not be drawn: {exc}. The matrix holds the same connections.")
    # Several SVGs share one page: give each its own ids.
    svg = _ID.sub(lambda m: f'id="d{number}-{m.group(1)}"', svg)
    svg = _HREF.sub(lambda m: f'{m.group(1)}="#d{number}-{m.group(2)}"', svg)
    width = _WIDTH.search(svg)
    return Figure(Markup(svg), wide=width is not None and float(width.group(1)) > FIT_BELOW_PT)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("netpol", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_visible,
    )
    env.filters.update(
        cell=_cell,
        where=where,
        rules=rules_text,
        count_line=count_line,
        route=route_text,
        findings_line=findings_line,
        pct=_pct,
        rank=lambda s: SEVERITY_RANK[Severity(s)],
        id=id,
        plural=plural,
        severity_count=severity_count,
        way=WAY_LABEL.__getitem__,
        namespace_line=namespace_line,
        selected_count=selected_count,
        stand_in_for=stand_in_for,
        stand_ins_on=stand_ins_on,
        unmodelled=unmodelled_line,
        unprotected=unprotected_line,
        future_who=future_who,
        tier_only=tier_only,
        example=example_text,
        count=count,
        override=override_text,
        rule_decides=rule_decides,
        rule_label=rule_label,
        rule_notes=rule_notes,
        tier_counts=tier_counts,
        tier_priority=tier_priority,
        tier_selects=tier_selects,
    )
    return env


def _visible(value: object) -> object:
    """Every value the template prints, before auto-escaping: text shows its hidden characters
    (bidi overrides, zero-width, controls) as escapes; markup netpol made (the SVG) is kept."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return terminal(value, newlines=True)
    return value


def _cell(cell: Cell | None) -> str:
    return cell_text(cell)


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def render(report: Report, *, figures: dict[int, Figure] | None = None) -> str:
    """The page; ``figures`` from :func:`draw_diagrams` (drawn here when not given)."""
    if figures is None:
        figures = draw_diagrams(report)
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        figures=figures,
        sections=_sections(report),
        criteria=CRITERIA,
        criterion=lambda key: criterion(key, report.exposure.tiered),
        future_ways=FUTURE_WAYS,
        stand_ins=report.stand_ins,
    )


def _sections(report: Report) -> Iterator[tuple[str, str]]:
    return iter(sections(report.tiers is not None, bool(report.sensitive)))
