"""`netpol suggest`: least-privilege NetworkPolicies from observed flows, proven by the engine."""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

import click

from netpol import AllowGraph
from netpol.cli.common import Note, Outcome, check_target, command, emit, main, show
from netpol.cli.flows import flow_options, unplaced_notes
from netpol.cli.options import InputSpec, input_options
from netpol.cli.session import open_session
from netpol.core.escaping import terminal
from netpol.diff import diff_graphs
from netpol.errors import ExitCode, Severity, UsageError
from netpol.flows.formats import read_flows
from netpol.flows.place import place_flows
from netpol.flows.records import FlowFormat, PlacedFlow
from netpol.render.registry import DiffFormat, render_diff
from netpol.render.suggest_yaml import suggestion_json, suggestion_yaml, suggestion_yaml_by_namespace
from netpol.suggest import Suggestion, SuggestOptions, suggest

__all__ = ["run_suggest", "suggest_cmd"]


@main.command("suggest")
@input_options
@flow_options(
    required=True,
    help="Observed traffic (repeatable): hubble observe -o json, Inspektor Gadget, CSV or "
    "netpol list -o json (docs/suggest.md).",
)
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["yaml", "json"], case_sensitive=False),
    default="yaml",
    show_default=True,
    help="yaml: the policies, commented; json: the policies, the tally and the notes.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="Write one file per namespace, DIR/NAMESPACE.yaml, instead of printing.",
)
@click.option(
    "--keep-existing",
    is_flag=True,
    help="Keep the current policies and add only what they lack for the flows.",
)
@click.option(
    "--aggregate-cidr",
    type=click.IntRange(1, 32),
    default=None,
    metavar="N",
    help="Widen addresses outside the cluster to /N networks (IPv6: /N+96) instead of /32.",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print what the suggestion changes against the current policies (netpol diff's text) "
    "instead of the YAML (which --out still writes).",
)
@command
def suggest_cmd(
    spec: InputSpec,
    flow_paths: tuple[str, ...],
    flows_format: str | None,
    out: str | None,
    keep_existing: bool,
    aggregate_cidr: int | None,
    show_diff: bool,
    fmt: str,
) -> ExitCode:
    """The NetworkPolicies that allow exactly the observed flows: a default deny for every
    covered namespace (every namespace of the input, or -n NS), then per workload the
    connections the flows show, and nothing else. netpol compiles the cluster with them and
    says whether they allow exactly the flows.

    \b
    Exit codes: 0 the suggestion allows exactly the flows, 1 it differs for a reason it names
                (--aggregate-cidr, workloads no selector tells apart, cluster-wide tiers, policies
                of a namespace not covered), 2 usage or input
                error (a malformed flow line, a flow naming what the input does not hold: the
                rest is still suggested), 3 it differs from the flows for no reason (a bug).
    """
    if flow_paths.count("-") > 1 or ("-" in flow_paths and "-" in spec.inputs):
        raise UsageError("stdin (-) can be read once")
    session = open_session(spec)
    flow_format = FlowFormat(flows_format.lower()) if flows_format else None
    placed: list[PlacedFlow] = []
    bad = False
    notes: list[Note] = []
    for path in flow_paths:
        file = read_flows(path, flow_format, max_size=spec.max_input_size)
        for d in file.diagnostics:
            if d.severity is Severity.INFO and not spec.verbose:
                continue
            color = {Severity.ERROR: "red", Severity.WARNING: "yellow"}.get(d.severity, "blue")
            notes.append(Note(d.format(), color))
            bad = bad or d.severity is Severity.ERROR
        ignored = ", ".join(f"{n} {why}" for why, n in sorted(file.ignored.items()))
        if ignored:
            notes.append(Note(f"note: {terminal(path)}: not flows to allow: {ignored}"))
        placement = place_flows(session.graph, file.flows)
        placed.extend(placement.placed)
        notes += unplaced_notes(placement.unplaced, "not allowed")
        if placement.unplaced:
            bad = True
            notes.append(
                Note(
                    f"{len(placement.unplaced)} flow(s) of {terminal(path)} could not be placed on "
                    "the input's endpoints; the rest is suggested",
                    "red",
                )
            )
    show(notes)
    namespaces = frozenset({spec.namespace}) if spec.namespace else None
    options = SuggestOptions(namespaces, aggregate_cidr, keep_existing)
    outcome = run_suggest(
        session.graph,
        placed,
        options,
        show_diff=show_diff,
        out=out,
        as_json=fmt.lower() == "json",
        inputs=(*session.inputs, *(os.path.realpath(p) for p in flow_paths if p != "-")),
    )
    code = emit(outcome, None if out and not show_diff else "-", session.inputs)
    if bad and code is ExitCode.OK:
        return ExitCode.INPUT_ERROR
    return session.exit_code(code)


def run_suggest(
    graph: AllowGraph,
    placed: list[PlacedFlow],
    options: SuggestOptions,
    *,
    show_diff: bool = False,
    out: str | None = None,
    as_json: bool = False,
    inputs: Collection[str] = (),
) -> Outcome:
    """The suggestion for ``placed``: its YAML (or, with ``show_diff``, netpol diff's text),
    written to ``out`` (a folder, one file per namespace) when given; the tally on stderr."""
    s = suggest(graph, placed, options)
    notes = [Note(f"netpol suggest: {s.tally.text()}", "green" if s.tally.exact else "red")]
    notes += [Note(f"note: {terminal(n)}", "yellow") for n in s.notes]
    code = _code(s, options)
    if not s.tally.exact or s.tally.held:
        for m in (*s.tally.missing, *s.tally.extra, *s.tally.held)[:10]:
            notes.append(
                Note(f"  {terminal(m.src)} -> {terminal(m.dst)}: allowed {m.allowed}, observed {m.expected}")
            )
        if code is ExitCode.INTERNAL_ERROR:
            notes.append(
                Note(
                    "the suggestion does not allow exactly the flows, and no note says why: this is "
                    "a bug in netpol; please report it with the input",
                    "red",
                )
            )
    if out is not None:
        _write_folder(out, s, inputs)
        notes.append(Note(f"wrote {len(s.policies)} policies to {terminal(out)}"))
    if show_diff:
        text = render_diff(DiffFormat.TEXT, diff_graphs(graph, s.open_world(graph.options)))
    elif out is not None:
        text = ""
    elif as_json:
        text = suggestion_json(s)
    else:
        text = suggestion_yaml(s)
    return Outcome(code, text, tuple(notes))


def _code(s: Suggestion, options: SuggestOptions) -> ExitCode:
    if s.tally.exact:
        # Held back: denied by the policies of a namespace not covered, and said so.
        return ExitCode.FINDINGS if s.tally.held else ExitCode.OK
    explained = s.tiers_decide or options.aggregate_cidr is not None or bool(s.twins)
    if explained and (s.tiers_decide or not s.tally.missing):
        return ExitCode.FINDINGS
    return ExitCode.INTERNAL_ERROR


def _write_folder(out: str, s: Suggestion, inputs: Collection[str]) -> None:
    """``DIR/NAMESPACE.yaml`` per namespace; never over a file that was read (the manifests,
    the flows), checked for every file before any is written."""
    folder = Path(out)
    texts = suggestion_yaml_by_namespace(s)
    for ns in texts:
        # A namespace name is a DNS label: no separator, no '..'; the check keeps it so.
        if os.sep in ns or ns in (".", ".."):
            raise UsageError(f"namespace {ns!r} cannot be a file name")
        check_target(str(folder / f"{ns}.yaml"), inputs)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for ns, text in texts.items():
            (folder / f"{ns}.yaml").write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {(exc.strerror or str(exc)).lower()}") from exc
