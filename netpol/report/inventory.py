"""The policy inventory: what each policy selects and allows, and what changes without it."""

from __future__ import annotations

import itertools

from netpol.core.ports import PortSet
from netpol.engine.nodeset import NodeSet, overlaps
from netpol.engine.whatif import blocks_without
from netpol.model.resources import Direction, NetworkPolicy, Rule
from netpol.report.records import InventorySection, Limits, Listing, PolicyChange, PolicyEntry, WhatIf
from netpol.report.view import OUTSIDE, View

__all__ = ["build_inventory"]


def build_inventory(view: View, limits: Limits) -> InventorySection:
    """Every policy (the broadest when there are too many), with what-ifs for the broadest."""
    policies = view.graph.policies()
    broadest = sorted(range(len(policies)), key=lambda i: (-len(policies[i].targets), policies[i].policy.id))
    listed = sorted(broadest[: limits.policies], key=lambda i: policies[i].policy.id)
    budget = max(5, limits.whatif_nodes // max(1, view.total))
    whatif = set(broadest[: min(limits.whatif, budget)])
    entries = []
    for i in listed:
        pol = policies[i].policy
        targets = policies[i].targets
        selected = list(targets.ids())
        impact = _whatif(view, pol, limits) if i in whatif else None
        entries.append(
            PolicyEntry(
                pol.id,
                view.locate(pol),
                str(pol.pod_selector),
                Listing.of(selected, 8),
                tuple(sorted(pol.policy_types)),
                _rules_text(pol),
                impact,
                pol.pod_selector.is_empty,
                len(targets & view.stand_in_set),
            )
        )
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


def _whatif(view: View, pol: NetworkPolicy, limits: Limits) -> WhatIf:
    """Compare the blocks into each destination without ``pol`` with those of the cluster; only
    the destinations whose blocks may differ are compiled again (:mod:`netpol.engine.whatif`)."""
    graph = view.graph
    n = view.n
    gained, lost = _Tally(view, limits.changes), _Tally(view, limits.changes)
    for d, without in blocks_without(graph, pol):
        mask = view.endpoint_set if d >= n else graph.everything.without(d)
        olds = [(b.sources & mask, b.ports) for b in graph.blocks_into(d)]
        news = [(sources & mask, ports) for sources, ports in without]
        # A block found on both sides changes nothing, and meets no other block of either (the
        # blocks of a side are disjoint): only the rest are compared.
        same = set(olds).intersection(news)
        if same:
            olds = [b for b in olds if b not in same]
            news = [b for b in news if b not in same]
        for i, j, both in overlaps([nb for nb, _ in news], [ob for ob, _ in olds]):
            np_, op = news[i][1], olds[j][1]
            if np_ != op:
                gained.add(both, d, np_ - op)
                lost.add(both, d, op - np_)
        old_all = graph.union(ob for ob, _ in olds)
        new_all = graph.union(nb for nb, _ in news)
        for nb, np_ in news:
            gained.add(nb - old_all, d, np_)
        for ob, op in olds:
            lost.add(ob - new_all, d, op)
    return WhatIf(gained.count(), lost.count(), gained.examples(), lost.examples())


class _Tally:
    """Connections that changed, the outside counted once per endpoint, and the first few."""

    def __init__(self, view: View, keep: int) -> None:
        self.view = view
        self.keep = keep
        self.pairs = 0
        self.from_outside = view.graph.nothing
        self.to_outside = view.graph.nothing
        self.samples: dict[tuple[int, int], tuple[PortSet, NodeSet]] = {}
        """(source, destination), -1 for the outside -> (ports, the external ranges)."""

    def add(self, sources: NodeSet, d: int, ports: PortSet) -> None:
        if not sources or not ports:
            return
        v = self.view
        if d >= v.n:
            self.to_outside |= sources
            for s in itertools.islice(sources, self.keep):
                self._sample(s, -1, ports, v.graph.one(d))
            return
        inside = sources & v.endpoint_set
        self.pairs += len(inside)
        for s in itertools.islice(inside, self.keep):
            self._sample(s, d, ports, v.graph.nothing)
        outside = sources & v.external_set
        if outside:
            self.from_outside |= v.graph.one(d)
            self._sample(-1, d, ports, outside)

    def _sample(self, s: int, d: int, ports: PortSet, ranges: NodeSet) -> None:
        old_ports, old_ranges = self.samples.get((s, d), (PortSet.none(), self.view.graph.nothing))
        self.samples[(s, d)] = (old_ports | ports, old_ranges | ranges)

    def count(self) -> int:
        return self.pairs + len(self.from_outside) + len(self.to_outside)

    def examples(self) -> tuple[PolicyChange, ...]:
        v = self.view

        def name(i: int, ranges: NodeSet) -> str:
            return v.id(i) if i >= 0 else f"{OUTSIDE} ({v.ranges_text(ranges)})"

        first = sorted(self.samples)[: self.keep]
        return tuple(
            PolicyChange(
                name(s, self.samples[(s, d)][1]), name(d, self.samples[(s, d)][1]), self.samples[(s, d)][0]
            )
            for s, d in first
        )
