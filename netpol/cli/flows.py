"""What ``check --flows`` and ``suggest`` share: the ``--flows`` and ``--flows-format`` options,
and what they say about flows they could not place (one error per reason, at the first line
that has it, with the other lines listed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import click

from netpol.cli.common import Note
from netpol.cli.options import choice
from netpol.core.escaping import terminal
from netpol.core.text import listing
from netpol.errors import Diagnostic, Severity
from netpol.flows import FlowFormat, Unplaced

__all__ = ["flow_options", "unplaced_notes"]

R = TypeVar("R")


def flow_options(*, required: bool, help: str) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """``--flows FILE`` (repeatable; passed as ``flow_paths``) and ``--flows-format``."""

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        func = click.option(
            "--flows-format",
            type=choice(FlowFormat),
            default=None,
            help="The format of --flows [default: told from its content].",
        )(func)
        return click.option(
            "--flows",
            "flow_paths",
            required=required,
            multiple=True,
            type=click.Path(dir_okay=False, allow_dash=True),
            metavar="FILE",
            help=help,
        )(func)

    return decorate


def unplaced_notes(unplaced: Sequence[Unplaced], what: str) -> list[Note]:
    """Errors for ``unplaced`` flows, grouped by reason; ``what``: what becomes of them
    ("not judged", "not allowed")."""
    by_reason: dict[str, list[Unplaced]] = {}
    for u in unplaced:
        by_reason.setdefault(u.reason, []).append(u)
    notes = []
    for reason, group in by_reason.items():
        first = group[0].flow
        if len(group) == 1:
            message = f"flow {first} {what}: {reason}"
        else:
            where = listing([_line(u, first.location.source) for u in group], 6)
            message = f"{len(group)} flows {what} (lines {where}), e.g. {first}: {reason}"
        notes.append(
            Note(Diagnostic(Severity.ERROR, "unplaced-flow", message, first.location).format(), "red")
        )
    return notes


def _line(u: Unplaced, source: str) -> str:
    loc = u.flow.location
    return str(loc.line) if loc.source == source else terminal(f"{loc.source}:{loc.line}")
