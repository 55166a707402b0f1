"""Public addresses: the part of the IPv4 and IPv6 space that is "the internet" (not private,
loopback, link-local, documentation or another special-purpose range of the IANA registries)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from netpol.core.intervals import Span, intersect, merge, subtract
from netpol.core.ipspace import IPBlock

__all__ = ["holds_public_addresses", "public_addresses"]

_NOT_PUBLIC_V4 = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
)
_PUBLIC_V6 = ("2000::/3",)  # global unicast
_NOT_PUBLIC_V6 = ("2001:db8::/32", "2001::/23", "2002::/16")


def _spans(nets: Iterable[str]) -> tuple[Span, ...]:
    out = []
    for text in nets:
        net = ipaddress.ip_network(text)
        out.append((int(net.network_address), int(net.broadcast_address)))
    return merge(out)


_PUBLIC = {
    4: subtract([(0, (1 << 32) - 1)], _spans(_NOT_PUBLIC_V4)),
    6: subtract(_spans(_PUBLIC_V6), _spans(_NOT_PUBLIC_V6)),
}


def public_addresses(blocks: Iterable[IPBlock] | None) -> dict[int, int]:
    """How many public addresses (per IP family) the blocks hold together; None: every address."""
    if blocks is None:
        return {fam: sum(hi - lo + 1 for lo, hi in spans) for fam, spans in _PUBLIC.items()}
    per: dict[int, list[Span]] = {4: [], 6: []}
    for block in blocks:
        inside = _spans([str(block.cidr)])
        per[block.family] += subtract(inside, _spans(str(e) for e in block.excepts))
    return {
        fam: sum(hi - lo + 1 for lo, hi in intersect(merge(spans), _PUBLIC[fam]))
        for fam, spans in per.items()
    }


def holds_public_addresses(family: int, first: int, last: int) -> bool:
    """Whether the inclusive range holds any public address (is part of "the internet")."""
    return bool(intersect([(first, last)], _PUBLIC[family]))
