"""The records of the stand-ins the report lists (netpol/report/stand_ins.py builds them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from netpol.report.bounds import Listing

__all__ = ["StandInEntry", "StandInSection"]


@dataclass(frozen=True, slots=True)
class StandInEntry:
    """One stand-in: an endpoint for pods the policies select or admit that the input does not
    hold, exact as a new pod with those labels in that namespace would be."""

    endpoint: str
    stands_for: str
    """``pods with app=gateway in namespace payments``."""
    selected_by: tuple[str, ...]
    """The policies that select it: it stands for their subject."""
    admitted_by: tuple[str, ...]
    """The rules that admit it as a peer."""
    absent_namespace: bool
    """Its namespace is not in the input either."""


@dataclass(frozen=True, slots=True)
class StandInSection:
    """The stand-ins, and what every one of them stands for (for the renderers to mark them)."""

    rows: Listing[StandInEntry] = field(default_factory=lambda: Listing((), 0))
    meaning: Mapping[str, str] = field(default_factory=dict)
    """Every stand-in's id (not only the rows shown) -> what it stands for."""

    def of(self, endpoint: str) -> str | None:
        """What ``endpoint`` stands for, or None when it is a workload of the input."""
        return self.meaning.get(endpoint)
