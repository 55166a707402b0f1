"""Diff stage: the parties two graphs are compared on. Endpoints are matched by id; external
ranges are cut differently on each side (by each side's ipBlocks), so they are compared on the
common refinement of both sides' cuts (the cells)."""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from netpol.core.ipspace import AddressRange, format_range
from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph
from netpol.model.cluster import Endpoint

__all__ = ["Cell", "Parties", "Run", "endpoints_of", "ranges_of", "sweep"]


@dataclass(frozen=True, slots=True)
class Cell:
    family: int
    first: int
    last: int


class Parties:
    """Endpoints of either side (by id), then the external cells both sides' cuts make."""

    def __init__(self, old: AllowGraph, new: AllowGraph) -> None:
        self.sides = (old, new)
        ids = sorted({n.id for g in self.sides for n in endpoints_of(g)})
        self.endpoint_count = len(ids)
        self.ids = ids
        self.index = {e: i for i, e in enumerate(ids)}
        starts: dict[int, set[int]] = {4: set(), 6: set()}
        tops: dict[int, int] = {}
        for g in self.sides:
            for rng in ranges_of(g):
                starts[rng.family].add(rng.first)
                tops[rng.family] = max(tops.get(rng.family, 0), rng.last)
        self.cells: list[Cell] = []
        self.cell_starts: dict[int, list[int]] = {}
        self.cell_offset: dict[int, int] = {}
        for fam in (4, 6):
            points = sorted(starts[fam])
            self.cell_offset[fam] = self.endpoint_count + len(self.cells)
            self.cell_starts[fam] = points
            for i, first in enumerate(points):
                last = points[i + 1] - 1 if i + 1 < len(points) else tops[fam]
                self.cells.append(Cell(fam, first, last))
        self._ids = tuple({node_id: i for i, node_id in enumerate(g.ids)} for g in self.sides)
        self._range_starts = tuple(
            {
                fam: [
                    (r.first, i)
                    for i, r in enumerate(g.nodes)
                    if isinstance(r, AddressRange) and r.family == fam
                ]
                for fam in (4, 6)
            }
            for g in self.sides
        )

    def name(self, party: int) -> str:
        """An endpoint's id, or a cell's range id."""
        if party < self.endpoint_count:
            return self.ids[party]
        cell = self.cell(party)
        return format_range(cell.family, cell.first, cell.last)

    def is_cell(self, party: int) -> bool:
        return party >= self.endpoint_count

    def cell(self, party: int) -> Cell:
        return self.cells[party - self.endpoint_count]

    def node_in(self, side: int, party: int) -> int | None:
        """The node index of ``party`` in one side's graph (None: the side lacks the endpoint)."""
        if not self.is_cell(party):
            return self._ids[side].get(self.ids[party])
        cell = self.cell(party)
        starts = self._range_starts[side][cell.family]
        # the side's range holding the cell: the last one starting at or before it
        return starts[bisect.bisect_right(starts, (cell.first, len(self.sides[side].nodes))) - 1][1]

    def cells_in(self, family: int, first: int, last: int) -> range:
        """The cells that make up ``first``-``last`` (a union of cells: its edges are cuts)."""
        starts = self.cell_starts[family]
        base = self.cell_offset[family]
        return range(base + bisect.bisect_left(starts, first), base + bisect.bisect_right(starts, last))

    def allowed(self, side: int) -> tuple[dict[tuple[int, int], PortSet], dict[tuple[int, bool], list[Run]]]:
        """One side's allowed pairs: between endpoints (by party), and per endpoint and
        direction (True: inbound from outside) the runs of outside addresses, adjacent ranges
        with the same ports merged."""
        graph = self.sides[side]
        n = graph.endpoint_count
        party = [self.index[node.id] for node in endpoints_of(graph)]
        ranges = [(r.family, r.first, r.last) for r in ranges_of(graph)]
        internal: dict[tuple[int, int], PortSet] = {}
        rows: dict[tuple[int, bool], list[list[Any]]] = defaultdict(list)
        for s, d, ports in graph.pairs():
            if s < n and d < n:
                internal[(party[s], party[d])] = ports
                continue
            key = (party[d], True) if s >= n else (party[s], False)
            family, first, last = ranges[(s if s >= n else d) - n]
            row = rows[key]
            if row:
                prev = row[-1]  # [family, first, last, ports]
                if prev[2] + 1 == first and prev[0] == family and (prev[3] is ports or prev[3] == ports):
                    prev[2] = last
                    continue
            row.append([family, first, last, ports])
        runs = {key: [Run(*r) for r in row] for key, row in rows.items()}
        return internal, runs


@dataclass(frozen=True, slots=True)
class Run:
    family: int
    first: int
    last: int
    ports: PortSet


def sweep(old: Sequence[Run], new: Sequence[Run]) -> Iterator[tuple[int, int, int, PortSet, PortSet]]:
    """(family, first, last, before, after) for every stretch of addresses whose ports differ
    between two sorted, disjoint run lists (absent: nothing allowed)."""
    none = PortSet.none()
    for family in (4, 6):
        a = [r for r in old if r.family == family]
        b = [r for r in new if r.family == family]
        points = sorted({x for r in (*a, *b) for x in (r.first, r.last + 1)})
        i = j = 0
        for lo, end in itertools.pairwise(points):
            while i < len(a) and a[i].last < lo:
                i += 1
            while j < len(b) and b[j].last < lo:
                j += 1
            before = a[i].ports if i < len(a) and a[i].first <= lo else none
            after = b[j].ports if j < len(b) and b[j].first <= lo else none
            if before != after:
                yield family, lo, end - 1, before, after


def endpoints_of(graph: AllowGraph) -> Iterator[Endpoint]:
    for node in graph.nodes[: graph.endpoint_count]:
        assert isinstance(node, Endpoint)
        yield node


def ranges_of(graph: AllowGraph) -> Iterator[AddressRange]:
    for node in graph.nodes[graph.endpoint_count :]:
        assert isinstance(node, AddressRange)
        yield node
