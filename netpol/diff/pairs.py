"""Diff stage: the pairs two graphs allow differently, as ``(source, destination, before,
after)`` by party (:class:`~netpol.diff.refine.Parties`), ``before != after``.

Two ways find them, and give the same pairs (``tests/test_diff_properties.py`` holds them to it):

* :func:`by_destination`, when both sides hold the same endpoints (the policies changed, the
  workloads did not: the common case). The blocks into each destination are compared side by
  side, and only the sources whose ports differ are read one by one. Destinations share their
  blocks (a destination class), so each pair of classes is compared once: the work follows the
  classes and the changed pairs, not the allowed pairs (tens of millions at 100,000 pods).
* :func:`every_pair` lists each side's allowed pairs and compares the two lists. It is the one
  way when endpoints appear or disappear, whose indexes differ between the sides.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from netpol.core.ipspace import AddressRange
from netpol.core.ports import PortSet
from netpol.diff.refine import Parties, Run, sweep
from netpol.engine.graph import AllowGraph
from netpol.engine.nodeset import NodeSet, overlaps
from netpol.engine.views import Block

__all__ = ["Changed", "by_destination", "changed_pairs", "every_pair", "same_endpoints"]

Changed = tuple[int, int, PortSet, PortSet]
"""A pair allowed differently: source and destination (parties), the ports before and after."""


def changed_pairs(parties: Parties) -> Iterator[Changed]:
    """The pairs the two sides allow differently, by the quicker way that applies."""
    if same_endpoints(parties):
        return by_destination(parties)
    return every_pair(parties)


def same_endpoints(parties: Parties) -> bool:
    """Whether both sides hold the same endpoints: then an endpoint has one index on both sides,
    which is its party too."""
    old, new = parties.sides
    return old.ids[: old.endpoint_count] == new.ids[: new.endpoint_count]


def every_pair(parties: Parties) -> Iterator[Changed]:
    """Every allowed pair of each side, compared: between endpoints one by one, to and from
    outside addresses as runs of addresses, cut into cells where they differ."""
    none = PortSet.none()
    old_pairs, old_runs = parties.allowed(0)
    new_pairs, new_runs = parties.allowed(1)
    for src, dst in old_pairs.keys() | new_pairs.keys():
        before, after = old_pairs.get((src, dst), none), new_pairs.get((src, dst), none)
        if before != after:
            yield src, dst, before, after
    for endpoint, inbound in old_runs.keys() | new_runs.keys():
        stretches = sweep(old_runs.get((endpoint, inbound), []), new_runs.get((endpoint, inbound), []))
        for family, first, last, before, after in stretches:
            for cell in parties.cells_in(family, first, last):
                yield (cell, endpoint, before, after) if inbound else (endpoint, cell, before, after)


_Sources = list[tuple[NodeSet, PortSet, PortSet]]
"""Sources (endpoints, as a set of the new graph) whose ports differ: before, after."""
_Cells = list[tuple[int, PortSet, PortSet]]
"""Cells (parties) whose ports differ as sources: before, after."""


def by_destination(parties: Parties) -> Iterator[Changed]:
    """The changed pairs of two graphs of the same endpoints, destination by destination.

    An endpoint destination has the same index on both sides; a cell's blocks are those of the
    range holding it on each side. What differs between two block lists is found once per pair
    of lists and then read for each destination that has them (its traffic to itself left
    out: no pair lists it)."""
    assert same_endpoints(parties)
    old, new = parties.sides
    n = new.endpoint_count
    same_ranges = old.ids == new.ids
    # By the identity of the two lists, which a graph hands out once per destination class; each
    # entry holds its lists, so that no id is reused by another list while the entry is kept.
    found: dict[tuple[int, int], tuple[Sequence[Block], Sequence[Block], _Sources, _Cells]] = {}
    for d in range(n + len(parties.cells)):
        ob, nb = old.blocks_into(_node(parties, 0, d)), new.blocks_into(_node(parties, 1, d))
        key = (id(ob), id(nb))
        hit = found.get(key)
        if hit is None:
            if same_ranges and _same_blocks(ob, nb):
                hit = found[key] = (ob, nb, [], [])
            else:
                cells = _cells(parties, ob, nb) if d < n else []
                hit = found[key] = (ob, nb, _sources(old, new, ob, nb), cells)
        _, _, sources, cells = hit
        for nodes, before, after in sources:
            for s in nodes.without(d) if d < n else nodes:
                yield s, d, before, after
        for cell, before, after in cells:
            yield cell, d, before, after


def _node(parties: Parties, side: int, party: int) -> int:
    """The node of ``party`` on one side, which holds every endpoint of the other."""
    node = parties.node_in(side, party)
    assert node is not None, "both sides hold every endpoint"
    return node


def _same_blocks(old: Sequence[Block], new: Sequence[Block]) -> bool:
    """Whether two block lists of graphs with the same nodes allow the same sources the same
    ports, block by block (blocks built from the same rules come in the same order)."""
    return len(old) == len(new) and all(
        a.sources == b.sources and a.ports == b.ports for a, b in zip(old, new, strict=True)
    )


def _sources(old: AllowGraph, new: AllowGraph, ob: Sequence[Block], nb: Sequence[Block]) -> _Sources:
    """The endpoint sources whose ports differ between two block lists into one destination."""
    none = PortSet.none()
    olds = [(new.translate(b.sources & old.endpoints, {}), b.ports) for b in ob]
    news = [(b.sources & new.endpoints, b.ports) for b in nb]
    out: _Sources = []
    for i, j, both in overlaps([s for s, _ in news], [s for s, _ in olds]):
        after, before = news[i][1], olds[j][1]
        if before != after:
            out.append((both, before, after))
    old_all = new.union(s for s, _ in olds)
    new_all = new.union(s for s, _ in news)
    out += [(s - old_all, none, p) for s, p in news if not s <= old_all]
    out += [(s - new_all, p, none) for s, p in olds if not s <= new_all]
    return out


def _cells(parties: Parties, ob: Sequence[Block], nb: Sequence[Block]) -> _Cells:
    """The cells (outside addresses) whose ports as sources differ between two block lists."""
    old, new = parties.sides
    return [
        (cell, before, after)
        for family, first, last, before, after in sweep(_runs(old, ob), _runs(new, nb))
        for cell in parties.cells_in(family, first, last)
    ]


def _runs(graph: AllowGraph, blocks: Sequence[Block]) -> list[Run]:
    """The outside addresses among the sources of ``blocks``, range by range in address order."""
    runs: list[Run] = []
    for block in blocks:
        for r in block.sources & graph.externals:
            node = graph.nodes[r]
            assert isinstance(node, AddressRange)
            runs.append(Run(node.family, node.first, node.last, block.ports))
    runs.sort(key=lambda run: (run.family, run.first))
    return runs
