"""`netpol diff`: what a policy change opens and closes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

import click

from netpol.cli.common import Session, analysis_options, choice, command, main, write_output
from netpol.diff.compare import ChangeKind, GraphDiff, diff_graphs
from netpol.errors import ExitCode, UsageError
from netpol.load.git import load_revision
from netpol.render import diff_csv, diff_dot, diff_json, diff_markdown, diff_text

__all__ = ["DiffFormat", "FailOn", "diff_cmd"]


class DiffFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    MD = "md"
    DOT = "dot"
    SVG = "svg"


class FailOn(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    ANY = "any"


_RENDER: dict[DiffFormat, Callable[[GraphDiff], str]] = {
    DiffFormat.TEXT: diff_text.render_diff,
    DiffFormat.JSON: diff_json.render_diff,
    DiffFormat.CSV: diff_csv.render_diff,
    DiffFormat.MD: diff_markdown.render_diff,
    DiffFormat.DOT: diff_dot.render_diff,
    DiffFormat.SVG: diff_dot.render_svg,
}


def fails(diff: GraphDiff, fail_on: Sequence[FailOn]) -> bool:
    """Whether any of the chosen kinds of change occurs (``any``: any connection or endpoint)."""
    for kind in fail_on:
        if kind is FailOn.ANY:
            if not diff.empty:
                return True
        elif diff.of_kind(ChangeKind(kind.value)):
            return True
    return False


@main.command("diff")
@click.argument("sides", nargs=-1, metavar="OLD NEW | --git REV -- PATH...",
                type=click.Path(allow_dash=True))
@click.option("--git", "rev", metavar="REV", default=None,
              help="Compare PATHs as they are at git revision REV (old) with the working tree "
                   "(new).")
@click.option("-n", "--namespace", default=None, metavar="NS",
              help="Namespace for objects that name none (default: 'default'); "
                   "show only changes touching NS.")
@analysis_options
@click.option("-o", "--output", "fmt", type=choice(DiffFormat), default="text",
              show_default=True, help="Output format (svg needs Graphviz's dot).")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write to this file instead of stdout.")
@click.option("--fail-on", "fail_on", multiple=True, type=choice(FailOn),
              help="Exit 1 when a change of this kind occurs (repeatable): added, removed or "
                   "changed connections, or any change at all.")
def diff_cmd(sides: tuple[str, ...], rev: str | None, fmt: str, out: str | None,
             fail_on: tuple[str, ...], **kw: Any) -> None:
    """What changes in connectivity from OLD to NEW: connections added, removed or with other
    ports, endpoints that appeared or disappeared, and the policy edits behind each.

    OLD and NEW are manifest files or folders (one may be - for stdin). With --git REV, the
    PATHs after -- are compared as they are at REV and in the working tree.

    \b
    Exit codes: 0 no change of a --fail-on kind (always 0 without --fail-on),
                1 such a change, 2 usage or input error, 3 internal error.
    """
    _diff(sides, rev, fmt, out, fail_on, kw)


@command
def _diff(sides: tuple[str, ...], rev: str | None, fmt: str, out: str | None,
          fail_on: tuple[str, ...], kw: dict[str, Any]) -> ExitCode:
    switches = (kw["namespace"], kw["ipblock_ignores_pods"], kw["host_network_as_pods"],
                kw["verbose"])
    size = kw["max_input_size"]
    if rev is not None:
        if not sides:
            raise UsageError("--git REV needs the PATHs to compare after --, e.g. "
                             "netpol diff --git main -- k8s/")
        if "-" in sides:
            raise UsageError("--git compares files; stdin (-) cannot be read at a revision")
        old = Session(list(sides), [], *switches, loaded=load_revision(rev, sides),
                      label=f"old, {rev}")
        new = Session(list(sides), [], *switches, label="new, working tree", max_size=size)
    else:
        if len(sides) != 2:
            raise UsageError(f"diff takes two inputs, OLD and NEW (got {len(sides)}); "
                             "or --git REV -- PATH...")
        if sides == ("-", "-"):
            raise UsageError("only one side can be read from stdin (-)")
        old = Session([sides[0]], [], *switches, label="old", max_size=size)
        new = Session([sides[1]], [], *switches, label="new", max_size=size)
    result = diff_graphs(old.graph, new.graph)
    if kw["namespace"]:
        result = result.touching(kw["namespace"])
    write_output(_RENDER[DiffFormat(fmt.lower())](result), out, (*old.inputs, *new.inputs))
    if old.failed or new.failed:
        return ExitCode.INPUT_ERROR
    chosen = [FailOn(f.lower()) for f in fail_on]
    return ExitCode.FINDINGS if fails(result, chosen) else ExitCode.OK
