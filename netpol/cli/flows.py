"""What ``check --flows`` and ``suggest`` say about flows they could not place: one error per
reason, at the first line that has it, with the other lines listed."""

from __future__ import annotations

from collections.abc import Sequence

from netpol.cli.common import Note
from netpol.core.escaping import terminal
from netpol.core.text import listing
from netpol.errors import Diagnostic, Severity
from netpol.flows import Unplaced

__all__ = ["unplaced_notes"]


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
