"""What the list formats say about stand-ins: which of them an output names, and what a stand-in is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from netpol.engine.folding import GROUP_SUFFIX, group_namespace
from netpol.engine.graph import Connection
from netpol.model.cluster import StandIn

__all__ = ["FOLDED_MEANING", "STAND_IN_MEANING", "StandInsNamed", "named_stand_ins"]

STAND_IN_MEANING = "pods the policies select that the input does not hold"
"""The legend's words after "stand-ins" (text) or "**Stand-ins**" (Markdown)."""

FOLDED_MEANING = "every endpoint of namespace NS (an endpoint's traffic to itself is never listed)"
"""What a folded end ``NS/*`` of the compact listing stands for, in the legend."""


def named_stand_ins(
    connections: Sequence[Connection], endpoints: Iterable[str], stand_ins: Mapping[str, StandIn] | None
) -> list[tuple[str, StandIn]]:
    """The stand-ins among the ends of ``connections`` and ``endpoints``, in id order."""
    seen = StandInsNamed(connections, stand_ins)
    for _ in seen:
        pass
    return seen.named(endpoints)


class StandInsNamed:
    """The connections, passed through as they stream, noting the stand-ins they name (as an
    end, or inside a folded ``namespace/*`` end) and whether any end is folded."""

    def __init__(self, connections: Iterable[Connection], stand_ins: Mapping[str, StandIn] | None) -> None:
        self._connections = connections
        self._stand_ins = stand_ins or {}
        self._ends: set[str] = set()
        self.folded = False
        """Whether a connection so far had a folded end (``namespace/*``)."""

    def __iter__(self) -> Iterator[Connection]:
        ends = self._ends
        for c in self._connections:
            if c.src.endswith(GROUP_SUFFIX) or c.dst.endswith(GROUP_SUFFIX):
                self.folded = True
            if self._stand_ins:
                ends.add(c.src)
                ends.add(c.dst)
            yield c

    def named(self, endpoints: Iterable[str] = ()) -> list[tuple[str, StandIn]]:
        """The stand-ins named so far, and those among ``endpoints``, in id order."""
        if not self._stand_ins:
            return []
        ends = self._ends | set(endpoints)
        groups = {ns + "/" for ns in map(group_namespace, ends) if ns is not None}
        return sorted(
            ((i, s) for i, s in self._stand_ins.items() if i in ends or i[: i.index("/") + 1] in groups),
            key=lambda pair: pair[0],
        )
