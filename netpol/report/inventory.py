"""The policy inventory: what each policy selects and allows, and what changes without it."""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import replace

from netpol.core.bits import iter_bits
from netpol.core.ipspace import AddressRange
from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph
from netpol.model.parse import Direction, NetworkPolicy, Rule
from netpol.report.records import InventorySection, Limits, Listing, PolicyChange, PolicyEntry, WhatIf
from netpol.report.view import OUTSIDE, View

__all__ = ["build_inventory"]


def build_inventory(view: View, limits: Limits) -> InventorySection:
    """Every policy (the broadest when there are too many), with what-ifs for the broadest."""
    policies = view.compiled.policies
    broadest = sorted(range(len(policies)),
                      key=lambda i: (-policies[i][1].bit_count(), policies[i][0].id))
    listed = sorted(broadest[: limits.policies], key=lambda i: policies[i][0].id)
    budget = max(5, limits.whatif_nodes // max(1, view.total))
    whatif = set(broadest[: min(limits.whatif, budget)])
    entries = []
    for i in listed:
        pol, targets = policies[i]
        selected = [view.id(t) for t in iter_bits(targets)]
        impact = _whatif(view, pol, limits) if i in whatif else None
        entries.append(PolicyEntry(pol.id, view.locate(pol), str(pol.pod_selector),
                                   Listing.of(selected, 8), tuple(sorted(pol.policy_types)),
                                   _rules_text(pol), impact, pol.pod_selector.is_empty))
    return InventorySection(Listing(tuple(entries), len(policies)), len(whatif), len(policies))


def _rules_text(pol: NetworkPolicy) -> tuple[str, ...]:
    out = []
    for direction in (Direction.INGRESS, Direction.EGRESS):
        if direction not in pol.policy_types:
            continue
        rules = pol.rules(direction)
        if not rules:
            out.append(f"{direction.value}: nothing (deny all)")
        out += [_rule_text(direction, r) for r in rules]
    return tuple(out)


def _rule_text(direction: Direction, rule: Rule) -> str:
    word = "from" if direction is Direction.INGRESS else "to"
    who = " or ".join(str(p) for p in rule.peers) if rule.peers else "anywhere"
    ports = ", ".join(str(p) for p in rule.ports) if rule.ports else "all ports"
    return f"{direction.value} #{rule.index + 1}: {word} {who}; {ports}"


def _remap(view: View, other: AllowGraph) -> tuple[list[int], dict[int, int]]:
    """The new index of each old node, and each new external range's old ranges (a bitset).

    Removing a policy removes ipBlock cuts and never adds any, so every old range lies in one new
    range; endpoints keep their indexes (the cluster's endpoints are unchanged).
    """
    n = view.n
    new_ranges = [r for r in other.compiled.nodes[n:] if isinstance(r, AddressRange)]
    starts = {fam: [(r.first, n + k) for k, r in enumerate(new_ranges) if r.family == fam]
              for fam in (4, 6)}
    firsts = {fam: [first for first, _ in starts[fam]] for fam in (4, 6)}
    to_new = list(range(n))
    back: dict[int, int] = defaultdict(int)
    for k, r in enumerate(view.ranges):
        new = starts[r.family][bisect.bisect_right(firsts[r.family], r.first) - 1][1]
        to_new.append(new)
        back[new] |= 1 << (n + k)
    return to_new, back


def _whatif(view: View, pol: NetworkPolicy, limits: Limits) -> WhatIf:
    """Recompile the cluster without ``pol`` and compare, destination by destination."""
    graph = view.graph
    cluster = replace(graph.cluster,
                      policies=tuple(p for p in graph.cluster.policies if p is not pol))
    other = AllowGraph(cluster, graph.options)
    to_new, back = _remap(view, other)
    n, old_blocks, new_blocks = view.n, view.compiled.blocks, other.compiled.blocks

    def expand(bits: int) -> int:
        out = bits & view.endpoint_bits
        for r in iter_bits(bits >> n):
            out |= back[n + r]
        return out

    gained, lost = _Tally(view, limits.changes), _Tally(view, limits.changes)
    for d in range(view.total):
        mask = ~(1 << d) & (view.endpoint_bits if d >= n else -1)
        olds = [(b.sources & mask, b.ports) for b in old_blocks[d]]
        news = [(expand(b.sources) & mask, b.ports) for b in new_blocks[to_new[d]]]
        old_all = new_all = 0
        for nb, np_ in news:
            new_all |= nb
            for ob, op in olds:
                both = nb & ob
                if both and np_ != op:
                    gained.add(both, d, np_ - op)
                    lost.add(both, d, op - np_)
        for ob, _ in olds:
            old_all |= ob
        for nb, np_ in news:
            gained.add(nb & ~old_all, d, np_)
        for ob, op in olds:
            lost.add(ob & ~new_all, d, op)
    return WhatIf(gained.count(), lost.count(), gained.examples(), lost.examples())


class _Tally:
    """Connections that changed, the outside counted once per endpoint, and the first few."""

    def __init__(self, view: View, keep: int) -> None:
        self.view = view
        self.keep = keep
        self.pairs = 0
        self.from_outside = 0
        self.to_outside = 0
        self.samples: dict[tuple[int, int], tuple[PortSet, int]] = {}
        """(source, destination), -1 for the outside -> (ports, the external ranges)."""

    def add(self, sources: int, d: int, ports: PortSet) -> None:
        if not sources or not ports:
            return
        v = self.view
        if d >= v.n:
            self.to_outside |= sources
            for s in itertools.islice(iter_bits(sources), self.keep):
                self._sample(s, -1, ports, 1 << d)
            return
        inside = sources & v.endpoint_bits
        self.pairs += inside.bit_count()
        for s in itertools.islice(iter_bits(inside), self.keep):
            self._sample(s, d, ports, 0)
        outside = sources & v.external_bits
        if outside:
            self.from_outside |= 1 << d
            self._sample(-1, d, ports, outside)

    def _sample(self, s: int, d: int, ports: PortSet, ranges: int) -> None:
        old_ports, old_ranges = self.samples.get((s, d), (PortSet.none(), 0))
        self.samples[(s, d)] = (old_ports | ports, old_ranges | ranges)

    def count(self) -> int:
        return self.pairs + self.from_outside.bit_count() + self.to_outside.bit_count()

    def examples(self) -> tuple[PolicyChange, ...]:
        v = self.view

        def name(i: int, ranges: int) -> str:
            return v.id(i) if i >= 0 else f"{OUTSIDE} ({v.ranges_text(ranges)})"

        first = sorted(self.samples)[: self.keep]
        return tuple(PolicyChange(name(s, self.samples[(s, d)][1]), name(d, self.samples[(s, d)][1]),
                                  self.samples[(s, d)][0]) for s, d in first)
