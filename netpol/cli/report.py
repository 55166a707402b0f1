"""`netpol report`: the security review a person reads, as one HTML page or as Markdown."""

from __future__ import annotations

from collections.abc import Sequence

import click

import netpol
from netpol import AllowGraph
from netpol.cli.common import Note, Outcome, check_target, command, emit, main
from netpol.cli.findings import load_lint_config
from netpol.cli.options import InputSpec, choice, input_options
from netpol.cli.session import open_session
from netpol.errors import ExitCode
from netpol.findings import LintConfig
from netpol.lint import lint
from netpol.load.files import Locator
from netpol.render import report_html, report_markdown
from netpol.render.registry import ReportFormat
from netpol.report import Limits, build_report

__all__ = ["report_cmd", "run_report"]

_DEFAULT = Limits()


@main.command("report")
@input_options
@click.option(
    "-o",
    "--output",
    "fmt",
    type=choice(ReportFormat),
    default="html",
    show_default=True,
    help="html: one self-contained page (no network access, prints well); "
    "md: Markdown for a repository or a wiki.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, allow_dash=True), help="Write to this file instead of stdout."
)
@click.option(
    "--sensitive",
    multiple=True,
    metavar="WORKLOAD|LABELS",
    help="A workload (ns/name, ns/name[Kind]) or labels (tier=data, a=b,c=d) whose "
    "every way in is listed. Repeatable.",
)
@click.option(
    "--open-namespace",
    "open_namespaces",
    multiple=True,
    metavar="NS",
    help="A namespace where anyone may create pods (repeatable; default: default). "
    "Rules admitting its pods admit pods that do not exist yet.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Lint configuration (default: .netpol.yaml in the current directory).",
)
@click.option("--title", default=None, help="The report's title.")
@click.option(
    "--top", type=click.IntRange(1), default=_DEFAULT.rows, show_default=True, help="Rows per exposure table."
)
@click.option(
    "--max-whatif",
    type=click.IntRange(0),
    default=_DEFAULT.whatif,
    show_default=True,
    help="Policies whose removal is simulated (the broadest first; fewer on large clusters).",
)
@click.option("--no-diagrams", is_flag=True, help="Leave the diagrams out (faster).")
@command
def report_cmd(
    spec: InputSpec,
    fmt: str,
    out: str | None,
    sensitive: tuple[str, ...],
    open_namespaces: tuple[str, ...],
    config_path: str | None,
    title: str | None,
    top: int,
    max_whatif: int,
    no_diagrams: bool,
) -> ExitCode:
    """A security review: exposure, lint findings, connectivity, policy inventory.

    \b
    netpol report policies/ -o html > report.html
    netpol report policies/ -o md --out report.md --sensitive shop/db --sensitive tier=data
    """
    config = load_lint_config(config_path)
    session = open_session(spec)
    check_target(out, session.inputs)  # before the work, not after it
    outcome = run_report(
        session.graph,
        config,
        ReportFormat(fmt.lower()),
        locator=session.loaded.locator,
        inputs=session.described_inputs,
        sensitive=sensitive,
        open_namespaces=open_namespaces or ("default",),
        title=title,
        limits=Limits(rows=top, whatif=max_whatif),
        diagrams=not no_diagrams,
    )
    return session.exit_code(emit(outcome, out, session.inputs))


def run_report(
    graph: AllowGraph,
    config: LintConfig,
    fmt: ReportFormat,
    *,
    locator: Locator | None = None,
    inputs: Sequence[str] = (),
    sensitive: Sequence[str] = (),
    open_namespaces: Sequence[str] = ("default",),
    title: str | None = None,
    limits: Limits = _DEFAULT,
    diagrams: bool = True,
) -> Outcome:
    """The review in ``fmt``, with a warning when Graphviz failed on some of its diagrams.
    UsageError for a ``sensitive`` workload the input does not hold."""
    result = lint(graph, config, locator=locator)
    report = build_report(
        graph,
        sensitive=sensitive,
        lint_result=result,
        locator=locator,
        inputs=inputs,
        title=title,
        open_namespaces=open_namespaces,
        limits=limits,
        diagrams=diagrams,
        tool=f"netpol {netpol.__version__}",
    )
    if fmt is ReportFormat.MD:
        return Outcome(ExitCode.OK, report_markdown.render(report))
    figures = report_html.draw_diagrams(report)
    failed = [f.error for f in figures.values() if f.error]
    notes = (
        [
            Note(
                f"warning[diagram-failed]: {len(failed)} of {len(figures)} diagrams could not "
                f"be drawn (the page says so in their place): {failed[0]}",
                "yellow",
            )
        ]
        if failed
        else []
    )
    return Outcome(ExitCode.OK, report_html.render(report, figures=figures), tuple(notes))
