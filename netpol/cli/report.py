"""`netpol report`: the security review a person reads, as one HTML page or as Markdown."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import click

import netpol
from netpol.cli.common import (
    check_target,
    choice,
    command,
    input_options,
    main,
    session_from,
    write_output,
)
from netpol.errors import ExitCode, InputError
from netpol.lint import LintConfig, find_config, lint, load_config
from netpol.render import report_html, report_markdown
from netpol.report import Limits, build_report

__all__ = ["ReportFormat", "report_cmd"]

_DEFAULT = Limits()


class ReportFormat(StrEnum):
    HTML = "html"
    MD = "md"


@main.command("report")
@input_options
@click.option("-o", "--output", "fmt", type=choice(ReportFormat), default="html", show_default=True,
              help="html: one self-contained page (no network access, prints well); "
                   "md: Markdown for a repository or a wiki.")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write to this file instead of stdout.")
@click.option("--sensitive", multiple=True, metavar="WORKLOAD|LABELS",
              help="A workload (ns/name, ns/name[Kind]) or labels (tier=data, a=b,c=d) whose "
                   "every way in is listed. Repeatable.")
@click.option("--open-namespace", "open_namespaces", multiple=True, metavar="NS",
              help="A namespace where anyone may create pods (repeatable; default: default). "
                   "Rules admitting its pods admit pods that do not exist yet.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Lint configuration (default: .netpol.yaml in the current directory).")
@click.option("--title", default=None, help="The report's title.")
@click.option("--top", type=click.IntRange(1), default=_DEFAULT.rows, show_default=True,
              help="Rows per exposure table.")
@click.option("--max-whatif", type=click.IntRange(0), default=_DEFAULT.whatif, show_default=True,
              help="Policies whose removal is simulated (the broadest first; fewer on large "
                   "clusters).")
@click.option("--no-diagrams", is_flag=True, help="Leave the diagrams out (faster).")
def report_cmd(fmt: str, out: str | None, sensitive: tuple[str, ...],
               open_namespaces: tuple[str, ...], config_path: str | None, title: str | None,
               top: int, max_whatif: int, no_diagrams: bool, **kw: Any) -> None:
    """A security review: exposure, lint findings, connectivity, policy inventory.

    \b
    netpol report policies/ -o html > report.html
    netpol report policies/ -o md --out report.md --sensitive shop/db --sensitive tier=data
    """
    _report(ReportFormat(fmt.lower()), out, sensitive, open_namespaces or ("default",),
            config_path, title, Limits(rows=top, whatif=max_whatif), not no_diagrams, kw)


@command
def _report(fmt: ReportFormat, out: str | None, sensitive: tuple[str, ...],
            open_namespaces: tuple[str, ...], config_path: str | None, title: str | None,
            limits: Limits, diagrams: bool, kw: dict[str, Any]) -> ExitCode:
    config = _config(config_path)
    session = session_from(kw)
    check_target(out, session.inputs)  # before the work, not after it
    inputs = [*kw["paths"], *kw["filenames"]]
    loaded = session.loaded
    graph = session.graph
    result = lint(graph, config, locator=loaded.locator)
    report = build_report(graph, sensitive=sensitive, lint_result=result, locator=loaded.locator,
                          inputs=inputs, title=title, open_namespaces=open_namespaces,
                          limits=limits, diagrams=diagrams, tool=f"netpol {netpol.__version__}")
    if fmt is ReportFormat.HTML:
        figures = report_html.draw_diagrams(report)
        failed = [f.error for f in figures.values() if f.error]
        if failed:
            click.echo(click.style(
                f"warning[diagram-failed]: {len(failed)} of {len(figures)} diagrams could not be "
                f"drawn (the page says so in their place): {failed[0]}", fg="yellow"), err=True)
        text = report_html.render(report, figures=figures)
    else:
        text = report_markdown.render(report)
    write_output(text, out, session.inputs)
    return session.exit_code(ExitCode.OK)


def _config(path: str | None) -> LintConfig:
    """The lint configuration; a bad file is an input error, its problems printed with lines."""
    try:
        return load_config(find_config(path))
    except InputError as exc:
        for d in exc.diagnostics:
            click.echo(click.style(d.format(), fg="red"), err=True)
        raise
