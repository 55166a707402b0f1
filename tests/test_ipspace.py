from __future__ import annotations

import ipaddress
import itertools

from netpol.core.ipspace import IPBlock, cut_address_space, format_range


def net(s: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(s)


def test_cut_covers_everything_disjointly() -> None:
    space = cut_address_space(
        [IPBlock(net("10.0.0.0/8"), (net("10.1.0.0/16"),)), IPBlock(net("2001:db8::/32"))]
    )
    assert [r.id for r in space.ranges if r.family == 6] == [
        "::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db8::/32",
        "2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]
    v4 = [r for r in space.ranges if r.family == 4]
    assert v4[0].first == 0 and v4[-1].last == 2**32 - 1
    assert all(a.last + 1 == b.first for a, b in itertools.pairwise(v4))
    assert [r.id for r in v4] == [
        "0.0.0.0-9.255.255.255",
        "10.0.0.0/16",
        "10.1.0.0/16",
        "10.2.0.0-10.255.255.255",
        "11.0.0.0-255.255.255.255",
    ]


def test_block_membership_respects_except() -> None:
    block = IPBlock(net("10.0.0.0/8"), (net("10.1.0.0/16"),))
    space = cut_address_space([block])
    inside = {space.ranges[i].id for i in space.indexes_of(block)}
    assert inside == {"10.0.0.0/16", "10.2.0.0-10.255.255.255"}
    assert block.contains(ipaddress.ip_address("10.0.0.1"))
    assert not block.contains(ipaddress.ip_address("10.1.2.3"))
    assert space.ranges[space.index_of(ipaddress.ip_address("10.1.2.3"))].id == "10.1.0.0/16"


def test_format_range() -> None:
    assert format_range(4, 0, 2**32 - 1) == "0.0.0.0/0"
    assert format_range(6, 0, 2**128 - 1) == "::/0"
    assert (
        format_range(4, int(ipaddress.ip_address("203.0.113.0")), int(ipaddress.ip_address("203.0.113.255")))
        == "203.0.113.0/24"
    )
    assert format_range(4, 1, 2) == "0.0.0.1-0.0.0.2"
