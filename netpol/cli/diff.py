"""`netpol diff`: what a policy change opens and closes."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace

import click

from netpol import AllowGraph
from netpol.cli.common import Outcome, command, emit, main
from netpol.cli.options import InputSpec, analysis_options, choice
from netpol.cli.session import Session, open_session, read_live
from netpol.core.escaping import terminal
from netpol.diff import DiffFailOn, diff_graphs, fails
from netpol.errors import ExitCode, UsageError
from netpol.live.overlay import apply_files
from netpol.load.files import load_paths
from netpol.load.git import load_revision
from netpol.render.registry import DiffFormat, render_diff

__all__ = ["diff_cmd", "run_diff"]


@main.command("diff")
@click.argument(
    "sides",
    nargs=-1,
    metavar="OLD NEW | --git REV -- PATH... | --context NAME PATH...",
    type=click.Path(allow_dash=True),
)
@click.option(
    "--git",
    "rev",
    metavar="REV",
    default=None,
    help="Compare PATHs as they are at git revision REV (old) with the working tree (new).",
)
@click.option(
    "-n",
    "--namespace",
    default=None,
    metavar="NS",
    help="Namespace for objects that name none (default: 'default'); show only changes touching NS.",
)
@analysis_options
@click.option(
    "-o",
    "--output",
    "fmt",
    type=choice(DiffFormat),
    default="text",
    show_default=True,
    help="Output format (svg needs Graphviz's dot).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, allow_dash=True), help="Write to this file instead of stdout."
)
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    type=choice(DiffFailOn),
    help="Exit 1 when a change of this kind occurs (repeatable): added, removed or "
    "changed connections, or any change at all.",
)
@command
def diff_cmd(
    spec: InputSpec,
    sides: tuple[str, ...],
    rev: str | None,
    fmt: str,
    out: str | None,
    fail_on: tuple[str, ...],
) -> ExitCode:
    """What changes in connectivity from OLD to NEW: connections added, removed or with other
    ports, endpoints that appeared or disappeared, and the policy edits behind each.

    OLD and NEW are manifest files or folders (one may be - for stdin). With --git REV, the
    PATHs after -- are compared as they are at REV and in the working tree.

    With a live cluster (--live, --context or --kubeconfig), OLD is the cluster as it is and
    NEW is the cluster with PATH... applied on top, as kubectl apply would leave it: what
    applying them would change. With --git REV too, the PATHs as they are at REV are applied.

    \b
    Exit codes: 0 no change of a --fail-on kind (always 0 without --fail-on),
                1 such a change, 2 usage or input error, 3 internal error.
    """
    old, new = _sides(spec, sides, rev)
    outcome = run_diff(
        old.graph,
        new.graph,
        DiffFormat(fmt.lower()),
        [DiffFailOn(f.lower()) for f in fail_on],
        namespace=spec.namespace,
    )
    code = emit(outcome, out, (*old.inputs, *new.inputs))
    return ExitCode.INPUT_ERROR if old.failed or new.failed else code


def _sides(spec: InputSpec, sides: tuple[str, ...], rev: str | None) -> tuple[Session, Session]:
    """The old and the new input, read and analysed, their diagnostics shown in that order."""
    if spec.live is not None:
        return _live_sides(spec, sides, rev)
    if rev is not None:
        if not sides:
            raise UsageError(
                "--git REV needs the PATHs to compare after --, e.g. netpol diff --git main -- k8s/"
            )
        if "-" in sides:
            raise UsageError("--git compares files; stdin (-) cannot be read at a revision")
        both = replace(spec, paths=sides)
        old = _lean(open_session(both, loaded=load_revision(rev, sides), label=f"old, {rev}"))
        return old, _lean(open_session(both, label="new, working tree"))
    if len(sides) != 2:
        raise UsageError(f"diff takes two inputs, OLD and NEW (got {len(sides)}); or --git REV -- PATH...")
    if sides == ("-", "-"):
        raise UsageError("only one side can be read from stdin (-)")
    old = _lean(open_session(replace(spec, paths=sides[:1]), label="old"))
    return old, _lean(open_session(replace(spec, paths=sides[1:]), label="new"))


def _lean(session: Session) -> Session:
    """``session`` without the parsed objects it was built from, which nothing reads once the
    graph is compiled (the diagnostics are located, the files read are kept). A diff holds two
    sides: the old side's objects would otherwise stay in memory while the new side is read
    (900 MB of the peak for a 100,000-pod dump)."""
    return replace(session, loaded=replace(session.loaded, objects=()))


def _live_sides(spec: InputSpec, sides: tuple[str, ...], rev: str | None) -> tuple[Session, Session]:
    """The cluster (old) and the cluster with ``sides`` applied (new), read from it once."""
    if not sides:
        raise UsageError(
            "diff with a live cluster needs the manifests to apply to it, e.g. "
            "netpol diff --context prod k8s/ (or --git REV -- k8s/)"
        )
    if rev is not None and "-" in sides:
        raise UsageError("--git compares files; stdin (-) cannot be read at a revision")
    if sides.count("-") > 1:
        raise UsageError("stdin (-) can be read once")
    live = read_live(spec)
    context = live.context
    if rev is not None:
        files = load_revision(rev, sides)
        what = f"{', '.join(sides)} at {rev}"
    else:
        stdin = sys.stdin if "-" in sides else None
        files = load_paths(sides, stdin=stdin, max_size=spec.max_input_size)
        what = ", ".join(sides)
    both = replace(spec, paths=sides)
    old = open_session(both, loaded=live.loaded, label=terminal(f"old, context {context}"), live=live)
    applied = apply_files(live, files, spec.options.default_namespace)
    new = open_session(both, loaded=applied, label=terminal(f"new, context {context} with {what} applied"))
    return old, new


def run_diff(
    old: AllowGraph,
    new: AllowGraph,
    fmt: DiffFormat,
    fail_on: Sequence[DiffFailOn] = (),
    *,
    namespace: str | None = None,
) -> Outcome:
    """The changes from ``old`` to ``new`` (only those touching ``namespace``, when given) in
    ``fmt``: exit code 1 when one is of a ``fail_on`` kind."""
    result = diff_graphs(old, new)
    if namespace:
        result = result.touching(namespace)
    return Outcome(ExitCode.FINDINGS if fails(result, fail_on) else ExitCode.OK, render_diff(fmt, result))
