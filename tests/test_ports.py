from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netpol.core.ports import PortSet, Protocol

ranges = st.lists(
    st.tuples(st.integers(1, 200), st.integers(0, 20)).map(lambda t: (t[0], min(t[0] + t[1], 65535))),
    max_size=5,
)
portsets = st.builds(
    lambda t, u, s: PortSet.from_mapping({"TCP": t, "UDP": u, "SCTP": s}), ranges, ranges, ranges
)


def members(p: PortSet) -> set[tuple[Protocol, int]]:
    return {
        (proto, port) for proto, rs in p.items() for lo, hi in rs for port in range(lo, hi + 1) if port <= 220
    }


def test_merge_and_format() -> None:
    p = PortSet.from_mapping({"TCP": [(8080, 8090), (80, 80), (81, 81), (8085, 8100)], "UDP": [(1, 65535)]})
    assert p.tcp == ((80, 81), (8080, 8100))
    assert str(p) == "TCP 80-81,8080-8100; UDP all"
    assert p.to_json() == {"TCP": [[80, 81], [8080, 8100]], "UDP": [[1, 65535]]}


def test_all_and_none() -> None:
    assert str(PortSet.all()) == "all"
    assert str(PortSet.none()) == "none"
    assert not PortSet.none()
    assert PortSet.all().allows("SCTP", 65535)
    assert not PortSet.of("TCP", 80).allows("UDP", 80)


@given(portsets, portsets)
def test_set_algebra_matches_members(a: PortSet, b: PortSet) -> None:
    assert members(a | b) == members(a) | members(b)
    assert members(a & b) == members(a) & members(b)
    assert members(a - b) == members(a) - members(b)
    assert (a & b).issubset(a)
