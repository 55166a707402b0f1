"""`netpol check`: declared intent (who may and may not reach whom), and observed traffic (a
flow file), against the policies."""

from __future__ import annotations

from collections.abc import Sequence

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
from netpol.cli.flows import flow_options, unplaced_notes
from netpol.cli.options import InputSpec, input_options
from netpol.cli.session import open_session
from netpol.core.escaping import terminal
from netpol.core.text import plural
from netpol.errors import Diagnostic, ExitCode, Severity, UsageError
from netpol.findings import FailOn, LintConfig
from netpol.flows import FlowFile, FlowFormat
from netpol.flows.formats import ignored_text, read_flows
from netpol.load.files import Locator
from netpol.query.check import Intent, check, load_intent
from netpol.query.check.flows import FlowAudit
from netpol.render.registry import FindingsFormat

__all__ = ["check_cmd", "run_check"]


@main.command("check")
@input_options
@click.option(
    "--expect",
    "intent_path",
    type=click.Path(dir_okay=False),
    metavar="INTENT.yaml",
    help="The intent file: a YAML list of expectations "
    "(from, to, port, protocol, expect: allow|deny); see docs/ci.md.",
)
@flow_options(
    required=False,
    help="Observed traffic (Hubble, Inspektor Gadget, CSV or netpol list JSON; - for stdin; "
    "repeatable): every flow the policies would drop is a finding; see docs/flows.md.",
)
@report_options
@command
def check_cmd(
    spec: InputSpec,
    intent_path: str | None,
    flow_paths: tuple[str, ...],
    flows_format: str | None,
    fmt: str,
    out: str | None,
    fail_on: str | None,
    config_path: str | None,
) -> ExitCode:
    """Check declared intent (--expect) or observed traffic (--flows) against the policies.

    Each violated expectation and each flow the policies would drop is reported with the engine's
    explanation: which policies isolate each side and which rule allows the traffic.
    """
    if intent_path is None and not flow_paths:
        raise UsageError("give --expect INTENT.yaml, --flows FILE, or both")
    if "-" in flow_paths and ("-" in spec.inputs or flow_paths.count("-") > 1):
        raise UsageError("standard input can be read once: for the manifests or for one flow file")
    config = load_lint_config(config_path)
    intent = load_intent(intent_path) if intent_path is not None else None
    chosen = FlowFormat(flows_format.lower()) if flows_format else None
    flows = [read_flows(path, chosen, max_size=spec.max_input_size) for path in flow_paths]
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
        flows=flows,
    )
    return session.exit_code(emit(outcome, out, session.inputs))


def run_check(
    graph: AllowGraph,
    intent: Intent | None,
    intent_path: str | None,
    config: LintConfig,
    fmt: FindingsFormat,
    fail_on: FailOn,
    *,
    locator: Locator | None = None,
    color: bool = False,
    flows: Sequence[FlowFile] = (),
) -> Outcome:
    """The findings in ``fmt``: exit code 1 when one is at ``fail_on`` or above, 2 when an
    expectation of ``intent`` (read from ``intent_path``) could not be judged or a line of
    ``flows`` (flow files) could not be read or placed. A side judged as a pod the input does not
    hold is a note; flows that could not be placed are errors (the others are judged), and lines
    not read as flows a note."""
    result = check(graph, intent, config, locator=locator, flows=flows)
    said = sorted((*result.notes, *result.errors), key=_position)
    notes = [Note(d.format(), "red" if d.severity is Severity.ERROR else "blue") for d in said]
    if result.errors:
        notes.append(
            Note(
                f"{len(result.errors)} expectation(s) in {terminal(intent_path or '')} could "
                "not be judged; the others are reported"
            )
        )
    failed = bool(result.errors)
    if result.flows is not None:
        notes += _flow_notes(result.flows)
        failed = failed or bool(result.flows.errors) or bool(result.flows.placement.unplaced)
    text, code = findings_output(
        result.report, fmt, fail_on, color=color, graph=graph, extra=result.to_json()
    )
    return Outcome(ExitCode.INPUT_ERROR if failed else code, text, tuple(notes))


_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _flow_notes(audit: FlowAudit) -> list[Note]:
    """The flow files' problems, the flows that could not be placed (one warning per reason, at
    its first line), and the count of lines that are no flows to judge."""
    notes = [Note(d.format(), _COLORS[d.severity]) for file in audit.files for d in file.diagnostics]
    notes += unplaced_notes(audit.placement.unplaced, "not judged")
    for file in audit.files:
        source = terminal(file.source)
        unplaced = sum(u.flow.location.source == file.source for u in audit.placement.unplaced)
        if unplaced:
            notes.append(Note(f"{plural(unplaced, 'flow')} of {source} could not be placed: not judged"))
        errors = sum(d.severity is Severity.ERROR for d in file.diagnostics)
        if errors:
            notes.append(
                Note(f"{plural(errors, 'line')} of {source} could not be read; the others are judged")
            )
        if file.ignored:
            notes.append(Note(f"note: ignored in {source}: {terminal(ignored_text(file.ignored))}", "blue"))
    return notes


def _position(d: Diagnostic) -> tuple[int, int]:
    """Where in the intent file ``d`` points: its diagnostics are told in the file's order."""
    loc = d.location
    return (loc.line or 0, loc.column or 0) if loc is not None else (0, 0)
