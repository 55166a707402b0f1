"""What the list formats say about stand-ins: which of them an output names, and what a stand-in is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from netpol.engine.graph import Connection
from netpol.model.cluster import StandIn

__all__ = ["STAND_IN_MEANING", "named_stand_ins"]

STAND_IN_MEANING = "pods the policies select that the input does not hold"
"""The legend's words after "stand-ins" (text) or "**Stand-ins**" (Markdown)."""


def named_stand_ins(
    connections: Sequence[Connection], endpoints: Iterable[str], stand_ins: Mapping[str, StandIn] | None
) -> list[tuple[str, StandIn]]:
    """The stand-ins among the ends of ``connections`` and ``endpoints``, in id order."""
    if not stand_ins:
        return []
    named = {end for c in connections for end in (c.src, c.dst)} | set(endpoints)
    return sorted(((i, s) for i, s in stand_ins.items() if i in named), key=lambda pair: pair[0])
