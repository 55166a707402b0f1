"""Cluster-wide policies: each tier policy in evaluation order, what each of its rules decides in
the cluster given, and the namespace owners' NetworkPolicies the Admin tier overrides.

Each direction is decided at one end: ingress at the destination, egress at the source (the
*owner*). The owners the tier rules apply to are split into groups that the same tier rules,
the same NetworkPolicies and (for a named port) the same container ports treat alike; the other
ends of each group into cells that the same rules' peers match. Inside a cell every pair meets
the same rules on the same ports, so the engine's chain (:func:`netpol.engine.tiers.decide`, the
one the allow-graph was compiled with) runs once per cell, not once per pair: the work grows with
the cells, which the rules make, not with the square of the pods.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph
from netpol.engine.nodeset import NodeSet, partition
from netpol.engine.tiers import decide
from netpol.engine.views import PolicyView, RuleView, TierRuleView
from netpol.model.resources import Direction
from netpol.model.tiers import Tier, TierAction
from netpol.report.bounds import Limits, Listing
from netpol.report.tier_records import (
    Override,
    OverrideKind,
    TierExample,
    TierPolicyEntry,
    TierRuleEntry,
    TierSection,
)
from netpol.report.view import View

__all__ = ["TierWalk", "build_tiers", "walk_tiers"]

_EXAMPLES = 3
"""Example connections per override (fewer when ``Limits.changes`` says so)."""
_POLICIES_SHOWN = 8
"""NetworkPolicies named per override (as the inventory names a policy's workloads)."""


@dataclass(slots=True)
class _Overriding:
    """One Admin rule's overrides of one kind, as they add up cell by cell."""

    pairs: int = 0
    outside: set[int] = field(default_factory=set)
    policies: dict[str, int] = field(default_factory=dict)
    """Per NetworkPolicy overridden: in how many connections."""
    examples: list[TierExample] = field(default_factory=list)
    """Examples between workloads of the input..."""
    stand_in_examples: list[TierExample] = field(default_factory=list)
    """... and with a stand-in at one end, shown only when the first are too few."""


class TierWalk:
    """What the tier chain decides over the whole cluster, per tier rule (ids of
    ``AllowGraph.tier_rules()``)."""

    def __init__(self, view: View, keep: int) -> None:
        self.view = view
        self.keep = keep
        self.pairs: dict[int, int] = defaultdict(int)
        """Per rule: endpoint pairs it is the first match for, on some port."""
        self.outside: dict[int, set[int]] = defaultdict(set)
        """Per rule: the owners whose traffic with some address outside the cluster it decides."""
        self.examples: dict[int, TierExample] = {}
        self._stand_in_examples: set[int] = set()
        """Rules whose example has a stand-in at one end (a later cell may give workloads)."""
        self.restricted: dict[Direction, NodeSet] = {d: view.graph.nothing for d in Direction}
        """Per direction: owners that some tier rule denies some traffic of."""
        self.overrides: dict[tuple[int, OverrideKind], _Overriding] = {}
        self.cells = 0
        """How many times the chain ran."""

    def decided(self, rule: int) -> int:
        """Connections the rule decides: endpoint pairs, the outside once per endpoint."""
        return self.pairs.get(rule, 0) + len(self.outside.get(rule, ()))

    def cell(
        self,
        direction: Direction,
        owners: NodeSet,
        others: NodeSet,
        dst: int,
        matching: tuple[TierRuleView, ...],
        policies: Sequence[PolicyView],
        admitting: Sequence[RuleView],
    ) -> None:
        """Run the chain over ``owners`` x ``others``: ``matching`` are the tier rules that apply,
        ``policies`` the NetworkPolicies isolating the owners for ``direction`` and ``admitting``
        their rules admitting the others (read only where the Admin tier may override them)."""
        v = self.view
        ends = others & v.endpoint_set
        pairs = len(owners) * len(ends) - len(owners & ends)
        outside = bool(others & v.external_set)
        if not pairs and not outside:
            return  # a pod and itself, which no tier decides
        self.cells += 1
        views = v.graph.tier_rules()
        np_allowed = PortSet.none()
        for rv in admitting:
            np_allowed |= rv.ports_toward(dst)
        decision = decide(
            [tv.id for tv in matching],
            views,
            lambda r: views[r].ports_toward(dst),
            bool(policies),
            np_allowed,
        )
        src, dst_, stand_in = _example(v, direction, owners, others)
        example = (src, dst_)
        for r, ports in decision.steps:
            tv = views[r]
            self.pairs[r] += pairs
            if outside:
                self.outside[r].update(owners)
            if r not in self.examples or (r in self._stand_in_examples and not stand_in):
                self.examples[r] = TierExample(src, dst_, ports)
                if stand_in:
                    self._stand_in_examples.add(r)
                else:
                    self._stand_in_examples.discard(r)
            if tv.action is TierAction.DENY:
                self.restricted[direction] |= owners
            if not policies or tv.policy.tier is not Tier.ADMIN:
                continue
            if tv.action is TierAction.ALLOW:
                over, kind = ports - np_allowed, OverrideKind.ADMITS
                names = [pv.policy.id for pv in policies]
            elif tv.action is TierAction.DENY:
                over, kind = ports & np_allowed, OverrideKind.DROPS
                names = [rv.policy.id for rv in admitting if rv.ports_toward(dst) & over]
            else:
                continue
            if over:
                acc = self.overrides.setdefault((r, kind), _Overriding())
                acc.pairs += pairs
                if outside:
                    acc.outside.update(owners)
                for name in dict.fromkeys(names):
                    acc.policies[name] = acc.policies.get(name, 0) + pairs + (len(owners) if outside else 0)
                found = acc.stand_in_examples if stand_in else acc.examples
                if len(found) < self.keep:
                    found.append(TierExample(*example, over))


def _example(view: View, direction: Direction, owners: NodeSet, others: NodeSet) -> tuple[str, str, bool]:
    """One (source, destination) of the cell, an endpoint on the other end when there is one, a
    workload rather than a stand-in; and whether a stand-in is at one end all the same."""
    # Workloads of the input first: a stand-in is only what such a pod would be.
    owner = ((owners - view.stand_in_set) or owners).first()
    rest = others.without(owner)
    ends = rest & view.endpoint_set
    if not ends and len(owners) > 1:
        owner, rest = owners.without(owner).first(), others
        ends = rest & view.endpoint_set
    other = ((ends - view.stand_in_set) or ends or rest).first()
    pair = (other, owner) if direction is Direction.INGRESS else (owner, other)
    stand_in = owner in view.stand_in_set or other in view.stand_in_set
    return view.id(pair[0]), view.id(pair[1]), stand_in


def walk_tiers(view: View, limits: Limits) -> TierWalk:
    """The chain over every cell of both directions."""
    walk = TierWalk(view, min(limits.changes, _EXAMPLES))
    graph = view.graph
    for direction in Direction:
        rules = [tv for tv in graph.tier_rules() if tv.direction is direction and tv.targets and tv.peers]
        if rules:
            _walk_direction(graph, walk, direction, rules)
    return walk


def _walk_direction(
    graph: AllowGraph, walk: TierWalk, direction: Direction, rules: list[TierRuleView]
) -> None:
    ingress = direction is Direction.INGRESS
    isolating = [pv for pv in graph.policies() if pv.isolates(direction)]
    of: dict[int, list[int]] = defaultdict(list)
    """Per owner: the policies (indexes into ``isolating``) that isolate it."""
    for k, pv in enumerate(isolating):
        for i in pv.targets:
            of[i].append(k)
    named_np: dict[tuple[int, ...], bool] = {}
    owners_all = graph.union(tv.targets for tv in rules)
    for owners, applying in partition(owners_all, [(tv.targets, tv) for tv in rules]):
        if not applying:
            continue
        named_tier = any(tv.named for tv in applying)
        groups: dict[tuple[tuple[int, ...], object], list[int]] = defaultdict(list)
        for i in owners:
            pols = tuple(of.get(i, ()))
            if pols not in named_np:
                named_np[pols] = any(rv.named for k in pols for rv in isolating[k].rules)
            named = ingress and (named_tier or named_np[pols])
            groups[(pols, graph.port_key(i) if named else None)].append(i)
        # The Admin tier overrides NetworkPolicies only with Allow and Deny: only then are the
        # other ends told apart by what the NetworkPolicies admit.
        decisive = any(tv.policy.tier is Tier.ADMIN and tv.action is not TierAction.PASS for tv in applying)
        for (pols, _), members in groups.items():
            group = graph.nodeset(members)
            policies = [isolating[k] for k in pols]
            nps = [rv for pv in policies for rv in pv.rules if rv.direction is direction]
            items: list[tuple[NodeSet, TierRuleView | RuleView]] = [(tv.peers, tv) for tv in applying]
            if policies and decisive:
                items += [(rv.peers, rv) for rv in nps]
            for others, tags in partition(graph.everything, items):
                matching = tuple(t for t in tags if isinstance(t, TierRuleView))
                if not matching:
                    continue  # no tier rule matches: the NetworkPolicies or the default decide
                admitting = [t for t in tags if isinstance(t, RuleView)]
                split = not ingress and (
                    any(tv.named for tv in matching) or any(rv.named for rv in admitting)
                )
                for sub in graph.split_by_ports(others) if split else [others]:
                    dst = members[0] if ingress else sub.first()
                    walk.cell(direction, group, sub, dst, matching, policies, admitting)


def build_tiers(view: View, walk: TierWalk, limits: Limits) -> TierSection:
    """The section: every tier policy in evaluation order with its rules' counts, then the
    overrides in rule order."""
    graph = view.graph
    entries = []
    for pv in graph.tier_policies():
        pol = pv.policy
        entries.append(
            TierPolicyEntry(
                pol.id,
                pol.kind,
                pol.tier.value,
                pol.priority,
                str(pol.subject),
                len(pv.targets - view.stand_in_set),
                len(pv.targets & view.stand_in_set),
                view.locate(pol),
                tuple(_rule_entry(view, walk, tv) for tv in pv.rules),
            )
        )
    views = graph.tier_rules()
    overrides = [
        Override(
            str(views[r].ref),
            f"{views[r].policy.tier.value} {views[r].rule.word}",
            kind,
            Listing.of(sorted(acc.policies, key=lambda n: (-acc.policies[n], n)), _POLICIES_SHOWN),
            acc.pairs + len(acc.outside),
            tuple((acc.examples + acc.stand_in_examples)[: walk.keep]),
        )
        for (r, kind), acc in sorted(walk.overrides.items(), key=lambda item: (item[0][0], item[0][1]))
    ]
    workloads = view.workloads
    restricted = {d: len((walk.restricted[d] & workloads) - graph.isolated(d)) for d in Direction}
    return TierSection(
        Listing.of(entries, limits.policies),
        Listing.of(overrides, limits.rows),
        sum(1 for e in entries if e.tier == Tier.ADMIN.value),
        sum(1 for e in entries if e.tier == Tier.BASELINE.value),
        sum(o.connections for o in overrides if o.kind is OverrideKind.ADMITS),
        sum(o.connections for o in overrides if o.kind is OverrideKind.DROPS),
        restricted[Direction.INGRESS],
        restricted[Direction.EGRESS],
        _ambiguous(graph),
    )


def _rule_entry(view: View, walk: TierWalk, tv: TierRuleView) -> TierRuleEntry:
    rule = tv.rule
    ports = [str(p) for p in rule.ports] + [f"port named {n}" for n in rule.named]
    first = 0
    if tv.policy.tier is Tier.BASELINE:
        first = len(tv.targets & view.workloads & view.graph.isolated(tv.direction))
    return TierRuleEntry(
        str(tv.ref),
        tv.direction,
        rule.index + 1,
        rule.name,
        rule.word,
        tv.action.value,
        " or ".join(str(p) for p in rule.peers),
        ", ".join(ports) or "all ports",
        walk.decided(tv.id),
        tv.fail_closed,
        rule.domain_names,
        first,
        walk.examples.get(tv.id),
    )


def _ambiguous(graph: AllowGraph) -> tuple[tuple[str, ...], ...]:
    """Policies of one tier and priority whose subjects overlap and that have rules of a common
    direction: "the implementation can apply any of the matching policies"."""
    by: dict[tuple[Tier, int], list[tuple[str, NodeSet, set[Direction]]]] = defaultdict(list)
    for pv in graph.tier_policies():
        pol = pv.policy
        if pol.priority is not None:
            directions = {tv.direction for tv in pv.rules}
            by[(pol.tier, pol.priority)].append((pol.id, pv.targets, directions))
    found = []
    for members in by.values():
        for i, (a, ta, da) in enumerate(members):
            for b, tb, db in members[i + 1 :]:
                if ta & tb and da & db:
                    found.append((a, b))
    return tuple(found)
