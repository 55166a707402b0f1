"""The AllowGraph as every section of the report reads it, and how ranges read."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Sequence

from netpol.core.ipspace import AddressRange, IPBlock, IPFamily, format_range, merge_adjacent
from netpol.core.public import public_addresses
from netpol.engine.graph import AllowGraph
from netpol.engine.nodeset import NodeSet
from netpol.engine.views import RuleView, TierRuleView
from netpol.errors import Location
from netpol.load.files import Locator
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction, NetworkPolicy
from netpol.model.tiers import Tier, TierPolicy

__all__ = [
    "HOST_NETWORK",
    "NOT_EGRESS_ISOLATED",
    "NOT_ISOLATED",
    "OTHER_NAMESPACES",
    "OUTSIDE",
    "TIER_DEFAULT",
    "View",
    "describe_ranges",
    "first",
]

OUTSIDE = "outside the cluster"
OTHER_NAMESPACES = "other namespaces"
NOT_ISOLATED = "no ingress policy selects it"
NOT_EGRESS_ISOLATED = "no egress policy selects it"
HOST_NETWORK = "host-network pod: node traffic, no policy applies"
TIER_DEFAULT = {
    Direction.INGRESS: "no ingress NetworkPolicy selects it and no cluster-wide rule decides: "
    "allowed by default",
    Direction.EGRESS: "no egress NetworkPolicy selects it and no cluster-wide rule decides: "
    "allowed by default",
}
"""With cluster-wide policies: why a side no policy of any tier decides is allowed."""


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
        self.namespaces = {ns.name: ns for ns in reversed(graph.cluster.namespaces)}
        """Every namespace by name, the first of a name as ``Cluster.namespace`` finds it (it
        scans them)."""
        self.absent = frozenset(ns.name for ns in graph.cluster.namespaces if ns.stand_in)
        """Namespaces the input does not hold (they hold stand-ins only)."""
        by_ns: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.endpoints):
            by_ns[e.namespace].append(i)
        self.members: dict[str, list[int]] = dict(sorted(by_ns.items()))
        self.ns_sets = {ns: graph.nodeset(m) for ns, m in self.members.items()}
        self._public: dict[int, bool] = {}
        self.tiered = bool(graph.tier_policies())
        """The cluster has cluster-wide policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
        ClusterNetworkPolicy): NetworkPolicies are not all that decides."""
        self._tier_rules = {str(tv.ref): tv for tv in graph.tier_rules()}

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

    def ingress_via(
        self,
        d: int,
        rules: Iterable[RuleView],
        tiers: Iterable[TierRuleView] = (),
        decided: Iterable[str] = (),
    ) -> tuple[str, ...]:
        """Why sources may connect to ``d``: the ingress rules, or why no policy applies; with
        cluster-wide policies, the tier rules that allowed (or passed) too, in evaluation order."""
        return self.via(
            d, Direction.INGRESS, [str(r.ref) for r in rules], [str(t.ref) for t in tiers], decided
        )

    def egress_via(
        self,
        s: int,
        rules: Iterable[RuleView],
        tiers: Iterable[TierRuleView] = (),
        decided: Iterable[str] = (),
    ) -> tuple[str, ...]:
        return self.via(
            s, Direction.EGRESS, [str(r.ref) for r in rules], [str(t.ref) for t in tiers], decided
        )

    def via(
        self,
        owner: int,
        direction: Direction,
        rules: Iterable[str],
        tiers: Iterable[str] = (),
        decided: Iterable[str] = (),
    ) -> tuple[str, ...]:
        """What allows one side of a connection at ``owner`` (the destination for ingress, the
        source for egress): rule refs, tier rule refs (as ``AllowGraph.to_networkx`` names them)
        and the tiers that allowed it (``Block.decided``)."""
        if owner in self.graph.host_network:
            return (HOST_NETWORK,)
        isolated = owner in self.graph.isolated(direction)
        if not self.tiered:
            if not isolated:
                return (NOT_ISOLATED if direction is Direction.INGRESS else NOT_EGRESS_ISOLATED,)
            return tuple(sorted(set(rules)))
        steps = sorted({self._tier_rules[t] for t in tiers}, key=lambda tv: tv.id)
        admin = [self.tier_label(tv) for tv in steps if tv.policy.tier is Tier.ADMIN]
        baseline = [self.tier_label(tv) for tv in steps if tv.policy.tier is Tier.BASELINE]
        own = sorted(set(rules)) if isolated else []
        tail = [TIER_DEFAULT[direction]] if "default" in set(decided) else []
        return (*admin, *own, *baseline, *tail)

    def tier_rule(self, ref: str) -> TierRuleView:
        return self._tier_rules[ref]

    @staticmethod
    def tier_label(tv: TierRuleView) -> str:
        """``anp/allow-monitoring ingress rule #1 (Admin Allow)``."""
        return f"{tv.ref} ({tv.policy.tier.value} {tv.rule.word})"

    def locate(self, policy: NetworkPolicy | TierPolicy, *path: str | int) -> Location:
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
