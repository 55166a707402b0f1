"""`netpol check`: declared intent (who may and may not reach whom) against the policies."""

from __future__ import annotations

import click

from netpol import AllowGraph
from netpol.cli.common import Note, Outcome, command, emit, main
from netpol.cli.findings import (
    findings_output,
    load_lint_config,
    report_options,
    threshold,
    to_color,
)
from netpol.cli.options import InputSpec, input_options
from netpol.cli.session import open_session
from netpol.core.escaping import terminal
from netpol.errors import Diagnostic, ExitCode, Severity
from netpol.findings import FailOn, LintConfig
from netpol.load.files import Locator
from netpol.query.check import Intent, check, load_intent
from netpol.render.registry import FindingsFormat

__all__ = ["check_cmd", "run_check"]


@main.command("check")
@input_options
@click.option(
    "--expect",
    "intent_path",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="INTENT.yaml",
    help="The intent file: a YAML list of expectations "
    "(from, to, port, protocol, expect: allow|deny); see docs/ci.md.",
)
@report_options
@command
def check_cmd(
    spec: InputSpec, intent_path: str, fmt: str, out: str | None, fail_on: str | None, config_path: str | None
) -> ExitCode:
    """Check declared intent (who may and may not reach whom) against the policies.

    Each violated expectation is reported with the engine's explanation: which policies isolate
    each side and which rule allows the traffic.
    """
    config = load_lint_config(config_path)
    intent = load_intent(intent_path)
    session = open_session(spec)
    outcome = run_check(
        session.graph,
        intent,
        intent_path,
        config,
        FindingsFormat(fmt.lower()),
        threshold(fail_on, config),
        locator=session.loaded.locator,
        color=to_color(out),
    )
    return session.exit_code(emit(outcome, out, session.inputs))


def run_check(
    graph: AllowGraph,
    intent: Intent,
    intent_path: str,
    config: LintConfig,
    fmt: FindingsFormat,
    fail_on: FailOn,
    *,
    locator: Locator | None = None,
    color: bool = False,
) -> Outcome:
    """The findings in ``fmt``: exit code 1 when one is at ``fail_on`` or above, 2 when an
    expectation of ``intent`` (read from ``intent_path``) could not be judged. A side judged as
    a pod the input does not hold is a note."""
    result = check(graph, intent, config, locator=locator)
    said = sorted((*result.notes, *result.errors), key=_position)
    notes = [Note(d.format(), "red" if d.severity is Severity.ERROR else "blue") for d in said]
    if result.errors:
        notes.append(
            Note(
                f"{len(result.errors)} expectation(s) in {terminal(intent_path)} could "
                "not be judged; the others are reported"
            )
        )
    text, code = findings_output(
        result.report, fmt, fail_on, color=color, graph=graph, extra=result.to_json()
    )
    return Outcome(ExitCode.INPUT_ERROR if result.errors else code, text, tuple(notes))


def _position(d: Diagnostic) -> tuple[int, int]:
    """Where in the intent file ``d`` points: its diagnostics are told in the file's order."""
    loc = d.location
    return (loc.line or 0, loc.column or 0) if loc is not None else (0, 0)
