"""The AllowGraph as every section of the report reads it, and how ranges read."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Sequence

from netpol.core.ipspace import AddressRange, IPBlock, IPFamily, format_range, merge_adjacent
from netpol.core.public import public_addresses
from netpol.engine.graph import AllowGraph
from netpol.engine.nodeset import NodeSet
from netpol.engine.views import RuleView
from netpol.errors import Location
from netpol.load.files import Locator
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction, NetworkPolicy

__all__ = [
    "HOST_NETWORK",
    "NOT_EGRESS_ISOLATED",
    "NOT_ISOLATED",
    "OTHER_NAMESPACES",
    "OUTSIDE",
    "View",
    "describe_ranges",
    "first",
]

OUTSIDE = "outside the cluster"
OTHER_NAMESPACES = "other namespaces"
NOT_ISOLATED = "no ingress policy selects it"
NOT_EGRESS_ISOLATED = "no egress policy selects it"
HOST_NETWORK = "host-network pod: node traffic, no policy applies"


class View:
    """The AllowGraph with the groupings every section reads."""

    def __init__(self, graph: AllowGraph, locator: Locator | None) -> None:
        self.graph = graph
        self.locator = locator
        self.n = n = graph.endpoint_count
        self.total = len(graph.nodes)
        self.endpoint_set = graph.endpoints
        self.external_set = graph.externals
        self.endpoints: list[Endpoint] = [e for e in graph.nodes[:n] if isinstance(e, Endpoint)]
        self.ranges: list[AddressRange] = [r for r in graph.nodes[n:] if isinstance(r, AddressRange)]
        self.selectable = graph.selectable
        self.stand_in_set = graph.stand_ins
        """Stand-ins: endpoints for pods the policies select or admit that the input does not hold."""
        self.workloads = self.selectable - self.stand_in_set
        """Workloads of the input that policies can select (what isolation shares count)."""
        self.absent = frozenset(ns.name for ns in graph.cluster.namespaces if ns.stand_in)
        """Namespaces the input does not hold (they hold stand-ins only)."""
        by_ns: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.endpoints):
            by_ns[e.namespace].append(i)
        self.members: dict[str, list[int]] = dict(sorted(by_ns.items()))
        self.ns_sets = {ns: graph.nodeset(m) for ns, m in self.members.items()}
        self._public: dict[int, bool] = {}

    def id(self, i: int) -> str:
        return self.graph.ids[i]

    def governed(self, i: int, direction: Direction) -> bool:
        """Whether the input's policies decide ``i``'s traffic in ``direction``: always for a
        workload; for a stand-in, when some policy isolates it (else policies the input does not
        hold decide it, and the exposure tables leave it out)."""
        return i not in self.stand_in_set or i in self.graph.isolated(direction)

    def is_public(self, r: int) -> bool:
        """Whether external node ``r`` holds public internet addresses."""
        hit = self._public.get(r)
        if hit is None:
            rng = self.ranges[r - self.n]
            family = IPFamily(rng.family)
            nets = ipaddress.summarize_address_range(family.address(rng.first), family.address(rng.last))
            hit = public_addresses([IPBlock(net) for net in nets])[rng.family] > 0
            self._public[r] = hit
        return hit

    def ranges_text(self, ranges: NodeSet) -> str:
        return describe_ranges([self.ranges[r - self.n] for r in ranges])

    def ingress_via(self, d: int, rules: Iterable[RuleView]) -> tuple[str, ...]:
        if d in self.graph.host_network:
            return (HOST_NETWORK,)
        if d not in self.graph.isolated(Direction.INGRESS):
            return (NOT_ISOLATED,)
        return tuple(sorted({str(r.ref) for r in rules}))

    def egress_via(self, s: int, rules: Iterable[RuleView]) -> tuple[str, ...]:
        if s in self.graph.host_network:
            return (HOST_NETWORK,)
        if s not in self.graph.isolated(Direction.EGRESS):
            return (NOT_EGRESS_ISOLATED,)
        return tuple(sorted({str(r.ref) for r in rules}))

    def locate(self, policy: NetworkPolicy, *path: str | int) -> Location:
        o = policy.origin
        if self.locator is None:
            return o.at(*path)
        return self.locator.locate(o.source, o.document, (*o.path, *path))


def describe_ranges(ranges: Sequence[AddressRange], shown: int = 6) -> str:
    """``0.0.0.0/0``, ``0.0.0.0/0 except 10.0.0.0/8``, ``10.0.0.0/8, 192.168.0.0/16``."""
    whole = {4: "0.0.0.0/0", 6: "::/0"}
    parts: list[str] = []
    for fam in IPFamily:
        spans = merge_adjacent(ranges, fam)
        if not spans:
            continue
        gaps, cur = [], 0
        for lo, hi in spans:
            if lo > cur:
                gaps.append((cur, lo - 1))
            cur = hi + 1
        if cur <= fam.top:
            gaps.append((cur, fam.top))
        if not gaps:
            parts.append(whole[fam])
        elif len(gaps) < len(spans):
            parts.append(f"{whole[fam]} except {first(format_range(fam, lo, hi) for lo, hi in gaps)}")
        else:
            parts.append(first((format_range(fam, lo, hi) for lo, hi in spans), shown))
    return ", ".join(parts)


def first(items: Iterable[str], shown: int = 6) -> str:
    """``a, b, c and 2 more``."""
    items = list(items)
    if len(items) <= shown:
        return ", ".join(items)
    return f"{', '.join(items[:shown])} and {len(items) - shown} more"
