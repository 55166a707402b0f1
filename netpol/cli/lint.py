"""`netpol lint`: over-permissive, dead and redundant policies, for CI."""

from __future__ import annotations

from netpol import AllowGraph
from netpol.cli.common import Outcome, command, emit, main
from netpol.cli.findings import (
    findings_output,
    load_lint_config,
    report_options,
    threshold,
    to_color,
)
from netpol.cli.options import InputSpec, input_options
from netpol.cli.session import open_session
from netpol.errors import ExitCode
from netpol.findings import FailOn, LintConfig
from netpol.lint import lint
from netpol.load.files import Locator
from netpol.render.registry import FindingsFormat

__all__ = ["lint_cmd", "run_lint"]


@main.command("lint")
@input_options
@report_options
@command
def lint_cmd(
    spec: InputSpec, fmt: str, out: str | None, fail_on: str | None, config_path: str | None
) -> ExitCode:
    """Find over-permissive, dead and redundant policies; exit 1 at --fail-on.

    Rules and their ids are listed in docs/lint-rules.md. Silence a finding with the annotation
    netpol.io/ignore: "NP001,NP004" on the object or its namespace, or with an exception (and its
    reason) in .netpol.yaml.
    """
    config = load_lint_config(config_path)
    session = open_session(spec)
    outcome = run_lint(
        session.graph,
        config,
        FindingsFormat(fmt.lower()),
        threshold(fail_on, config),
        locator=session.loaded.locator,
        color=to_color(out),
    )
    return session.exit_code(emit(outcome, out, session.inputs))


def run_lint(
    graph: AllowGraph,
    config: LintConfig,
    fmt: FindingsFormat,
    fail_on: FailOn,
    *,
    locator: Locator | None = None,
    color: bool = False,
) -> Outcome:
    """The findings in ``fmt``: exit code 1 when one is at ``fail_on`` or above."""
    text, code = findings_output(lint(graph, config, locator=locator), fmt, fail_on, color=color, graph=graph)
    return Outcome(code, text)
