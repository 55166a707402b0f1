"""Sets of an AllowGraph's nodes, as values: the engine's bitsets behind a set's operators.

A node is an index into ``AllowGraph.nodes`` (workloads and pods first, then external address
ranges). A :class:`NodeSet` belongs to one graph: ``~s`` is every other node of that graph, and two
sets are only combined when they come from the same graph. The bitset inside (``_bits``) is read
by the engine's modules only (tests/test_engine_surface.py checks it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from netpol.core.bits import from_indexes, iter_bits

__all__ = ["NodeSet", "Universe", "overlaps", "partition"]

T = TypeVar("T")


class Universe:
    """The nodes a set is drawn from: how many, and their ids (shared by every set of a graph)."""

    __slots__ = ("everything", "ids")

    def __init__(self, ids: tuple[str, ...]) -> None:
        self.ids = ids
        self.everything = (1 << len(ids)) - 1

    def of(self, indexes: Iterable[int]) -> NodeSet:
        return NodeSet(from_indexes(indexes), self)

    def one(self, index: int) -> NodeSet:
        return NodeSet(1 << index, self)


class NodeSet:
    """An immutable set of node indexes of one graph.

    Iteration yields the indexes in increasing order (endpoints by id, then ranges by address);
    ``&``, ``|``, ``-``, ``^`` and ``~`` (relative to the graph) return new sets.
    """

    __slots__ = ("_bits", "_universe")

    def __init__(self, bits: int, universe: Universe) -> None:
        self._bits = bits
        self._universe = universe

    def __iter__(self) -> Iterator[int]:
        return iter_bits(self._bits)

    def __len__(self) -> int:
        return self._bits.bit_count()

    def __bool__(self) -> bool:
        return self._bits != 0

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and index >= 0 and bool((self._bits >> index) & 1)

    def __and__(self, other: NodeSet) -> NodeSet:
        return NodeSet(self._bits & other._bits, self._universe)

    def __or__(self, other: NodeSet) -> NodeSet:
        return NodeSet(self._bits | other._bits, self._universe)

    def __sub__(self, other: NodeSet) -> NodeSet:
        return NodeSet(self._bits & ~other._bits, self._universe)

    def __xor__(self, other: NodeSet) -> NodeSet:
        return NodeSet(self._bits ^ other._bits, self._universe)

    def __invert__(self) -> NodeSet:
        return NodeSet(self._universe.everything & ~self._bits, self._universe)

    def __le__(self, other: NodeSet) -> bool:
        """Whether every node of this set is in ``other``."""
        return not self._bits & ~other._bits

    def __ge__(self, other: NodeSet) -> bool:
        return not other._bits & ~self._bits

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NodeSet) and self._bits == other._bits

    def __hash__(self) -> int:
        return hash(self._bits)

    def __repr__(self) -> str:
        return f"NodeSet({{{', '.join(map(str, self))}}})"

    def isdisjoint(self, other: NodeSet) -> bool:
        return not self._bits & other._bits

    def without(self, index: int) -> NodeSet:
        """This set less one node (a node's traffic to itself is usually left out)."""
        return NodeSet(self._bits & ~(1 << index), self._universe)

    def first(self) -> int:
        """The lowest index; ValueError when the set is empty."""
        if not self._bits:
            raise ValueError("an empty NodeSet has no first node")
        return (self._bits & -self._bits).bit_length() - 1

    def ids(self) -> tuple[str, ...]:
        """The ids of the nodes, in index order."""
        ids = self._universe.ids
        return tuple(ids[i] for i in iter_bits(self._bits))


def partition(universe: NodeSet, items: Iterable[tuple[NodeSet, T]]) -> list[tuple[NodeSet, tuple[T, ...]]]:
    """Split ``universe`` into cells whose members lie in the same items' sets: each cell with the
    tags of the items holding it, in the items' order (cells no item holds have no tag)."""
    space = universe._universe
    cells: list[tuple[int, tuple[T, ...]]] = [(universe._bits, ())] if universe._bits else []
    for nodes, tag in items:
        bits = nodes._bits
        if not bits & universe._bits:
            continue
        out: list[tuple[int, tuple[T, ...]]] = []
        for cell, tags in cells:
            inside = cell & bits
            if inside:
                out.append((inside, (*tags, tag)))
                if inside != cell:
                    out.append((cell & ~inside, tags))
            else:
                out.append((cell, tags))
        cells = out
    return [(NodeSet(cell, space), tags) for cell, tags in cells]


def overlaps(first: Sequence[NodeSet], second: Sequence[NodeSet]) -> Iterator[tuple[int, int, NodeSet]]:
    """``(i, j, first[i] & second[j])`` for every two sets that meet, ``first``'s order outside."""
    pairs = [(j, nodes._bits) for j, nodes in enumerate(second) if nodes._bits]
    for i, nodes in enumerate(first):
        bits = nodes._bits
        if bits:
            for j, other in pairs:
                both = bits & other
                if both:
                    yield i, j, NodeSet(both, nodes._universe)
