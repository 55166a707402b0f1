"""Node sets counted over spans of consecutive node indexes, visiting only the spans a set meets.

A graph's endpoints are sorted by id, ``namespace/name[Kind]``, and no namespace name holds a
``/``, so the endpoints of one namespace have consecutive indexes: a namespace is a span. The
namespace-level diagram asks, for every destination and every set of sources allowed into it,
how many sources each namespace holds. Intersecting the set with each namespace in turn costs one
big-int operation per namespace, most of them empty (at 1,000 namespaces and 10,000 destinations,
tens of millions); :meth:`Spans.counts` reads the set's bits once and jumps from span to span.
"""

from __future__ import annotations

from collections.abc import Sequence

from netpol.engine.nodeset import NodeSet

__all__ = ["Spans"]


class Spans:
    """Consecutive spans of node indexes that cover ``0`` up to ``end`` (excluded): span ``k``
    runs from ``starts[k]`` up to the next start (the last one up to ``end``)."""

    __slots__ = ("_end", "_ends", "_span_of")

    def __init__(self, starts: Sequence[int], end: int) -> None:
        rising = list(starts) == sorted(set(starts))
        if not (rising and (starts[0] == 0 and starts[-1] < end if starts else end == 0)):
            raise ValueError(f"span starts must rise from 0 below {end}: {list(starts)[:5]}")
        self._end = end
        self._ends = [*starts[1:], end] if starts else []
        self._span_of = [k for k, stop in enumerate(self._ends) for _ in range(stop - starts[k])]

    def counts(self, nodes: NodeSet) -> list[tuple[int, int]]:
        """``(span, how many members of nodes it holds)`` for each span ``nodes`` meets, in span
        order; members at or past ``end`` are not counted."""
        text = bin(nodes._bits)[:1:-1]  # least significant bit first, without the "0b"
        end, ends, span_of = self._end, self._ends, self._span_of
        out: list[tuple[int, int]] = []
        i = text.find("1", 0, end)
        while i >= 0:
            k = span_of[i]
            stop = ends[k]
            out.append((k, text.count("1", i, stop)))
            i = text.find("1", stop, end)
        return out
