"""Every output format netpol writes, as one enum per result, and the renderer behind each value.

A command offers ``click.Choice`` built from these enums and asks this module for the text (or,
for PNG, the bytes); adding a format is a value here and a module beside this one. Only the list
and query renderers are imported with this module: the others when they are asked for, so that
``netpol list`` does not load the diagram, diff and findings code. The review
report's formats are listed here too, but its renderers (``report_html``, ``report_markdown``)
are called by the ``report`` command itself: they draw figures and warn about them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from netpol.render import csv_, json_, markdown, text

if TYPE_CHECKING:  # the other renderers are imported by the function that calls them
    from netpol.diff import GraphDiff
    from netpol.engine.graph import Connection
    from netpol.findings.records import FailOn, Report
    from netpol.model.cluster import StandIn
    from netpol.query.explain import Explanation
    from netpol.render.diagram.model import Diagram

__all__ = [
    "DiffFormat",
    "FindingsFormat",
    "GraphFormat",
    "ListFormat",
    "QueryFormat",
    "ReportFormat",
    "render_connections",
    "render_diagram",
    "render_diff",
    "render_explanation",
    "render_findings",
    "write_connections",
]


class ListFormat(StrEnum):
    """``netpol list``: the allowed connections."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    MD = "md"


class QueryFormat(StrEnum):
    """``netpol query``: one explained verdict."""

    TEXT = "text"
    JSON = "json"


class FindingsFormat(StrEnum):
    """``netpol lint`` and ``netpol check``: findings for CI."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"


class GraphFormat(StrEnum):
    """``netpol graph``: the allow-graph as a picture."""

    DOT = "dot"
    SVG = "svg"
    PNG = "png"
    MERMAID = "mermaid"
    HTML = "html"

    @property
    def needs_dot(self) -> bool:
        """Drawn by Graphviz's ``dot`` program (the others are text netpol writes itself)."""
        return self in (GraphFormat.SVG, GraphFormat.PNG, GraphFormat.HTML)


class DiffFormat(StrEnum):
    """``netpol diff``: what a change opens and closes."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    MD = "md"
    DOT = "dot"
    SVG = "svg"


class ReportFormat(StrEnum):
    """``netpol report``: the security review a person reads."""

    HTML = "html"
    MD = "md"


def render_connections(
    fmt: ListFormat,
    connections: Iterable[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
    unmodelled: Mapping[str, int] | None = None,
) -> str:
    """The connections in ``fmt``; ``stand_ins`` (by id, what each stands for) explain the
    stand-ins the output names; JSON lists the ``unmodelled`` policies too (the other formats
    leave that to the warning on stderr)."""
    return "".join(write_connections(fmt, connections, endpoints, stand_ins, unmodelled))


def write_connections(
    fmt: ListFormat,
    connections: Iterable[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
    unmodelled: Mapping[str, int] | None = None,
    widths: text.Widths | None = None,
) -> Iterator[str]:
    """:func:`render_connections` in pieces, as ``connections`` stream: the memory held does not
    grow with their number. A text table longer than ``text.BUFFERED`` lines has columns of
    ``widths``."""
    if fmt is ListFormat.JSON:
        return json_.write_connections(connections, endpoints, stand_ins, unmodelled)
    if fmt is ListFormat.CSV:
        return csv_.write_connections(connections)
    if fmt is ListFormat.MD:
        return markdown.write_connections(connections, endpoints, stand_ins)
    return text.write_connections(connections, stand_ins, widths)


def render_explanation(
    fmt: QueryFormat, explanation: Explanation, unmodelled: Mapping[str, int] | None = None
) -> str:
    """The explanation in ``fmt``; JSON lists the ``unmodelled`` policies too."""
    if fmt is QueryFormat.JSON:
        return json_.render_explanation(explanation, unmodelled)
    return text.render_explanation(explanation)


def render_diff(fmt: DiffFormat, diff: GraphDiff) -> str:
    """The diff in ``fmt``; SVG runs Graphviz (GraphvizMissing, GraphvizFailed)."""
    from netpol.render import diff_csv, diff_dot, diff_json, diff_markdown, diff_text

    renderers: Mapping[DiffFormat, Callable[[GraphDiff], str]] = {
        DiffFormat.TEXT: diff_text.render_diff,
        DiffFormat.JSON: diff_json.render_diff,
        DiffFormat.CSV: diff_csv.render_diff,
        DiffFormat.MD: diff_markdown.render_diff,
        DiffFormat.DOT: diff_dot.render_diff,
        DiffFormat.SVG: diff_dot.render_svg,
    }
    return renderers[fmt](diff)


def render_findings(
    fmt: FindingsFormat,
    report: Report,
    *,
    fail_on: FailOn,
    version: str,
    color: bool = False,
    extra: dict[str, Any] | None = None,
) -> str:
    """Lint or check findings in ``fmt``; ``color`` only for text, ``extra`` (check's own
    results) only for JSON."""
    from netpol.render import findings_text, junit, sarif

    if fmt is FindingsFormat.SARIF:
        return sarif.render_sarif(report, version=version)
    if fmt is FindingsFormat.JUNIT:
        return junit.render_junit(report, fail_on=fail_on)
    if fmt is FindingsFormat.JSON:
        return findings_text.render_json(report, fail_on=fail_on, version=version, extra=extra)
    return findings_text.render_text(report, fail_on=fail_on, color=color)


def render_diagram(fmt: GraphFormat, diagram: Diagram) -> str | bytes:
    """The diagram in ``fmt``: bytes for PNG, text otherwise; SVG, PNG and HTML run Graphviz
    (GraphvizError, GraphvizFailed)."""
    from netpol.render import dot, html_graph, mermaid
    from netpol.render.drawing import draw
    from netpol.render.graphviz import ImageFormat

    if fmt is GraphFormat.DOT:
        return dot.render(diagram)
    if fmt is GraphFormat.MERMAID:
        return mermaid.render(diagram)
    image = draw(diagram, ImageFormat.PNG if fmt is GraphFormat.PNG else ImageFormat.SVG)
    if fmt is GraphFormat.PNG:
        return image
    svg = image.decode("utf-8")
    return svg if fmt is GraphFormat.SVG else html_graph.render(diagram, svg)
