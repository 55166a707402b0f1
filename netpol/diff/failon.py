"""When a diff fails a CI run: the kinds of change ``netpol diff --fail-on`` names."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from netpol.diff import ChangeKind, GraphDiff

__all__ = ["DiffFailOn", "fails"]


class DiffFailOn(StrEnum):
    """A kind of change that fails the run: connections added, removed or with other ports, or
    any change at all (endpoints that appeared or disappeared included)."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    ANY = "any"


def fails(diff: GraphDiff, fail_on: Iterable[DiffFailOn]) -> bool:
    """Whether any of the chosen kinds of change occurs (``any``: any connection or endpoint)."""
    for kind in fail_on:
        if kind is DiffFailOn.ANY:
            if not diff.empty:
                return True
        elif diff.of_kind(ChangeKind(kind.value)):
            return True
    return False
