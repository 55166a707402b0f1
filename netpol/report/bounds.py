"""How much each section of the report shows, and the cut lists that say what they left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Limits", "Listing"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True, slots=True)
class Limits:
    """How much each section shows; a report on 10,000 pods stays a report."""

    rows: int = 25
    """Rows of each exposure table and of each sensitive workload's direct sources."""
    findings: int = 100
    """Lint findings listed one by one (every rule is counted in a table of its own)."""
    policies: int = 300
    """Policies in the inventory (the ones selecting the most workloads, when there are more)."""
    whatif: int = 60
    """Policies for which the cluster is recompiled without them (the broadest first)..."""
    whatif_nodes: int = 20_000
    """... and at most this many nodes recompiled in all: a large cluster gets fewer what-ifs."""
    changes: int = 5
    """Example connections listed per what-if."""
    namespaces: int = 12
    """Namespaces given a section of their own (matrix and diagram), the most reached first."""
    matrix: int = 15
    """Workloads per namespace matrix, and namespaces in the cluster overview matrix."""
    diagram: int = 8
    """Namespaces in the overview diagram when all of them are too many to draw."""
    paths: int = 25
    """Routes listed per sensitive workload."""
    path_search: int = 20_000
    """Routes examined per sensitive workload before the count becomes a lower bound."""
    targets: int = 20
    """Workloads per --sensitive selector."""


@dataclass(frozen=True, slots=True)
class Listing(Generic[T_co]):
    """The first rows of a longer list, and how long the list is."""

    rows: tuple[T_co, ...]
    total: int
    exact: bool = True
    """False when the search stopped at a bound: ``total`` is then a lower bound."""

    @property
    def omitted(self) -> int:
        return self.total - len(self.rows)

    @classmethod
    def of(cls, items: Sequence[T], limit: int, *, exact: bool = True) -> Listing[T]:
        return Listing(tuple(items[:limit]), len(items), exact)
