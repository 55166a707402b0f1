"""`netpol.engine.spans`: a node set counted span by span, against counting member by member."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import budget

from netpol.engine.nodeset import Universe
from netpol.engine.spans import Spans


@st.composite
def spans_and_members(draw: st.DrawFn) -> tuple[list[int], int, list[int], int]:
    """Span starts, their end, a set's members (some past the end), and the universe's size."""
    end = draw(st.integers(0, 70))
    starts = sorted({0, *draw(st.lists(st.integers(0, max(end - 1, 0)), max_size=8))}) if end else []
    size = end + draw(st.integers(0, 5))
    members = draw(st.lists(st.integers(0, max(size - 1, 0)), max_size=40)) if size else []
    return starts, end, members, size


@budget(300)
@given(spans_and_members())
def test_counts_are_the_members_of_each_span_met(case: tuple[list[int], int, list[int], int]) -> None:
    starts, end, members, size = case
    nodes = Universe(tuple(f"n{i}" for i in range(size))).of(members)
    ends = [*starts[1:], end] if starts else []
    bounds = list(zip(starts, ends, strict=True))
    expected = [
        (k, n) for k, (lo, hi) in enumerate(bounds) if (n := len({m for m in members if lo <= m < hi}))
    ]
    assert Spans(starts, end).counts(nodes) == expected


@pytest.mark.parametrize(
    ("starts", "end"), [([], 1), ([1], 2), ([0, 0], 2), ([0, 5], 5), ([0], 0), ([0, 3, 2], 5)]
)
def test_spans_that_do_not_cover_the_indexes_in_order_are_refused(starts: list[int], end: int) -> None:
    with pytest.raises(ValueError, match="span starts"):
        Spans(starts, end)
