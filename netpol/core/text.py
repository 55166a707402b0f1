"""Text helpers every stage's messages share: lists cut short, counted nouns."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["listing", "plural"]

SHOWN = 4
"""How many names a message lists before "and N more"."""


def listing(ids: Sequence[str], shown: int = SHOWN) -> str:
    """``a, b, c and 2 more``."""
    if len(ids) <= shown:
        return ", ".join(ids)
    return f"{', '.join(ids[:shown])} and {len(ids) - shown} more"


def plural(n: int, word: str) -> str:
    """``1 workload``, ``3 workloads``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
