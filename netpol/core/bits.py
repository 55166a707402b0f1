"""Sets of small integers as Python ints (bit i set = member i): union and intersection run in C."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["from_indexes", "iter_bits", "popcount"]


def from_indexes(indexes: Iterable[int]) -> int:
    """The bitset of ``indexes``, built in one pass (no quadratic chain of big-int ORs)."""
    idx = list(indexes)
    if not idx:
        return 0
    buf = bytearray((max(idx) >> 3) + 1)
    for i in idx:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


def iter_bits(bits: int) -> Iterator[int]:
    """The members of ``bits`` in increasing order."""
    if not bits:
        return
    text = bin(bits)[:1:-1]  # least significant bit first, without the "0b"
    i = text.find("1")
    while i >= 0:
        yield i
        i = text.find("1", i + 1)


def popcount(bits: int) -> int:
    return bits.bit_count()
