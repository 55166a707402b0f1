"""Sets of integers kept as sorted, merged, inclusive ``(first, last)`` spans: ports and addresses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["Span", "intersect", "merge", "subtract"]

Span = tuple[int, int]


def merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sorted, with overlapping and adjacent spans joined."""
    out: list[list[int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1][1] = hi
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def intersect(a: Sequence[Span], b: Sequence[Span]) -> tuple[Span, ...]:
    """The common part of two merged span lists, in one linear pass."""
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def subtract(a: Sequence[Span], b: Sequence[Span]) -> tuple[Span, ...]:
    """What of ``a`` lies outside ``b`` (both merged)."""
    out: list[Span] = []
    for lo, hi in a:
        cur = lo
        for blo, bhi in b:
            if bhi < cur or blo > hi:
                continue
            if blo > cur:
                out.append((cur, blo - 1))
            cur = max(cur, bhi + 1)
            if cur > hi:
                break
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)
