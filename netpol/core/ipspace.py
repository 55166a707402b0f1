"""The address space outside the cluster, cut into the disjoint ranges that ipBlocks tell apart."""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "AddressRange",
    "IPBlock",
    "IPFamily",
    "IPNetwork",
    "cut_address_space",
    "format_range",
    "merge_adjacent",
]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class IPFamily(IntEnum):
    """An IP version; it equals its number (``IPFamily.V4 == 4``), as ``ip_address().version``."""

    V4 = 4
    V6 = 6

    @property
    def bits(self) -> int:
        """How many bits an address has: 32 or 128."""
        return _BITS[self]

    @property
    def top(self) -> int:
        """The highest address, as an integer."""
        return (1 << self.bits) - 1

    def address(self, value: int) -> IPAddress:
        return _ADDRESS[self](value)

    def network(self, first: int, prefix: int) -> IPNetwork:
        return _NETWORK[self]((first, prefix))


# Keyed by IPFamily, and so by 4 and 6 too: format_range looks up a range's family directly.
_BITS: dict[int, int] = {IPFamily.V4: 32, IPFamily.V6: 128}
_ADDRESS: dict[int, type[IPAddress]] = {
    IPFamily.V4: ipaddress.IPv4Address,
    IPFamily.V6: ipaddress.IPv6Address,
}
_NETWORK: dict[int, type[IPNetwork]] = {
    IPFamily.V4: ipaddress.IPv4Network,
    IPFamily.V6: ipaddress.IPv6Network,
}


def _bounds(net: IPNetwork) -> tuple[int, int]:
    return int(net.network_address), int(net.broadcast_address)


@dataclass(frozen=True, slots=True)
class IPBlock:
    """``cidr`` minus every ``except`` (networking/v1 IPBlock)."""

    cidr: IPNetwork
    excepts: tuple[IPNetwork, ...] = ()

    @property
    def family(self) -> int:
        return self.cidr.version

    def contains(self, address: IPAddress) -> bool:
        return (
            address.version == self.cidr.version
            and address in self.cidr
            and not any(address in e for e in self.excepts)
        )

    def __str__(self) -> str:
        if not self.excepts:
            return str(self.cidr)
        return f"{self.cidr} except {', '.join(str(e) for e in self.excepts)}"


def format_range(family: int, lo: int, hi: int) -> str:
    """A CIDR when the range is exactly one network, otherwise ``first-last``."""
    size = hi - lo + 1
    if size & (size - 1) == 0 and lo % size == 0:
        return str(_NETWORK[family]((lo, _BITS[family] - (size.bit_length() - 1))))
    make = _ADDRESS[family]
    return f"{make(lo)}-{make(hi)}"


@dataclass(frozen=True, slots=True)
class AddressRange:
    """One external endpoint: an inclusive range of addresses of one IP family."""

    family: int
    first: int
    last: int

    @property
    def id(self) -> str:
        return format_range(self.family, self.first, self.last)


def merge_adjacent(ranges: Iterable[AddressRange], family: int) -> list[list[int]]:
    """``[first, last]`` spans of the ranges of one family, adjacent ranges merged, sorted."""
    spans: list[list[int]] = []
    for r in sorted((r for r in ranges if r.family == family), key=lambda r: r.first):
        if spans and spans[-1][1] + 1 == r.first:
            spans[-1][1] = r.last
        else:
            spans.append([r.first, r.last])
    return spans


class AddressSpace:
    """The sorted, disjoint ranges covering all of IPv4 and IPv6, with look-ups by block or address."""

    def __init__(self, ranges: Sequence[AddressRange]) -> None:
        self.ranges = tuple(ranges)
        self._starts = {fam: [r.first for r in self.ranges if r.family == fam] for fam in (4, 6)}
        self._offset = {4: 0, 6: len(self._starts[4])}

    def index_of(self, address: IPAddress) -> int:
        fam = address.version
        return self._offset[fam] + bisect.bisect_right(self._starts[fam], int(address)) - 1

    def _span(self, fam: int, lo: int, hi: int) -> range:
        starts = self._starts[fam]
        return range(
            self._offset[fam] + bisect.bisect_left(starts, lo),
            self._offset[fam] + bisect.bisect_right(starts, hi),
        )

    def indexes_of(self, block: IPBlock) -> list[int]:
        """Indexes of the ranges that lie in ``block`` (every range lies wholly in or out of it)."""
        fam = block.family
        keep = set(self._span(fam, *_bounds(block.cidr)))
        for exc in block.excepts:
            keep.difference_update(self._span(fam, *_bounds(exc)))
        return sorted(keep)


def cut_address_space(blocks: Iterable[IPBlock]) -> AddressSpace:
    """Cut IPv4 and IPv6 at every cidr and except boundary of ``blocks``."""
    cuts: dict[int, set[int]] = {4: {0}, 6: {0}}
    for block in blocks:
        for net in (block.cidr, *block.excepts):
            lo, hi = _bounds(net)
            cuts[net.version].add(lo)
            cuts[net.version].add(hi + 1)
    ranges: list[AddressRange] = []
    for fam in IPFamily:
        points = sorted(p for p in cuts[fam] if p <= fam.top)
        for i, start in enumerate(points):
            end = points[i + 1] - 1 if i + 1 < len(points) else fam.top
            ranges.append(AddressRange(fam, start, end))
    return AddressSpace(ranges)
