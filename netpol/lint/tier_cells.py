"""The tier chain per cell: (pod, other end) pairs that the same tier rules match on the same ports.

The tier lint rules (:mod:`netpol.lint.tiers`) judge every (pod, other end, port) a rule matches.
Rather than pair by pair, the pairs are refined into cells: the pods (owners: the destination for
ingress, the source for egress) a set of tier rules applies to, alike in NetworkPolicy isolation
and, where a named port is read, in their container ports; then their other ends by which of those
rules' peers match them (and, toward a named port, by the destination's ports). Inside a cell every
pair meets the same rules with the same ports, so the chain is walked once per cell, as
:func:`netpol.engine.tiers.decide` walks it: the Admin tier first match first, then, for pods no
NetworkPolicy isolates for the direction, the Baseline tier on what the Admin tier left or passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph
from netpol.engine.nodeset import NodeSet, partition
from netpol.engine.views import TierRuleView
from netpol.model.resources import Direction
from netpol.model.tiers import Tier, TierAction, TierPolicy

__all__ = ["Cell", "Walk", "cells", "precedes", "rule_head", "tier_object", "tier_rules"]


@dataclass(frozen=True, slots=True, eq=False)
class Walk:
    """The chain over one cell: per tier rule id, what it matches and what it decides."""

    matched: dict[int, PortSet] = field(default_factory=dict)
    """The ports each rule of the cell matches (whether or not an earlier rule took them)."""
    decided: dict[int, PortSet] = field(default_factory=dict)
    """The ports each rule decides: first match, what no earlier rule took (for a Baseline rule,
    only where no NetworkPolicy isolates the pods)."""
    reach: dict[tuple[Tier, int | None], PortSet] = field(default_factory=dict)
    """Per tier and priority: the ports no policy of a lower priority number took (for the
    Baseline tier: of what the Admin tier left or passed)."""
    admin_final: PortSet = field(default_factory=PortSet.none)
    """The ports an Admin Allow or Deny decides whatever order the implementation gives policies
    of equal priority (none when two of the cell's Admin policies tie)."""


@dataclass(frozen=True, slots=True, eq=False)
class Cell:
    """Pairs (owner, other end) that the same tier rules match alike."""

    owners: NodeSet
    """The pods the rules apply to: destinations (ingress) or sources (egress)."""
    others: NodeSet
    """The other ends: sources (ingress) or destinations (egress), addresses included."""
    dst: int
    """A destination of the cell, on which the rules' named ports resolve."""
    rules: tuple[TierRuleView, ...]
    """The rules of the direction that match these pairs, in evaluation order."""
    isolated: bool
    """Whether a NetworkPolicy isolates the owners for the direction (Baseline never decides)."""
    walk: Walk

    @property
    def pairs(self) -> int:
        """How many (owner, other end) pairs, a pod and itself left out."""
        return len(self.owners) * len(self.others) - len(self.owners & self.others)

    def unshadowed(self, k: int) -> tuple[PortSet, list[TierRuleView]]:
        """What ``rules[k]`` matches that no rule surely before it takes (in every order the
        implementation may give equal priorities), and the rules that take some of it."""
        tv = self.rules[k]
        ports = self.walk.matched[tv.id]
        before, left = [], ports
        for e in self.rules[:k]:
            if precedes(e, tv) and self.walk.matched[e.id] & left:
                before.append(e)
                left = left - self.walk.matched[e.id]
        if tv.policy.tier is Tier.BASELINE and self.walk.admin_final & left:
            left = left - self.walk.admin_final
            before = [
                e
                for e in self.rules
                if e.policy.tier is Tier.ADMIN
                and e.action is not TierAction.PASS
                and self.walk.decided[e.id] & ports
            ] + before
        return left, before

    def example(self, direction: Direction) -> tuple[int, int]:
        """One (source, destination) pair of the cell that is no pod and itself."""
        for o in self.owners:
            rest = self.others.without(o)
            if rest:
                other = rest.first()
                return (other, o) if direction is Direction.INGRESS else (o, other)
        raise ValueError("a cell holds a pair")  # pragma: no cover - cells() keeps none without


def tier_object(policy: TierPolicy) -> str:
    """How findings name a tier policy: ``deny-dev[AdminNetworkPolicy]`` (cluster-scoped)."""
    return f"{policy.name}[{policy.kind}]"


def rule_head(tv: TierRuleView) -> str:
    """``anp/deny-dev ingress rule #2 (Deny)``: the rule and its action as written."""
    return f"{tv.ref} ({tv.rule.word})"


def _rank(tv: TierRuleView) -> tuple[bool, int]:
    prio = tv.policy.priority
    return (tv.policy.tier is Tier.BASELINE, 1001 if prio is None else prio)


def precedes(first: TierRuleView, then: TierRuleView) -> bool:
    """Whether ``first`` (earlier in evaluation order, of the same tier) comes before ``then`` in
    every order the implementation may choose: an earlier rule of the same policy, or a rule of a
    policy with a lower priority number ("the implementation can apply any of the matching
    policies" of equal priority)."""
    if first.policy.tier is not then.policy.tier:
        return False
    return first.policy is then.policy or _rank(first) < _rank(then)


def tier_rules(graph: AllowGraph, direction: Direction) -> list[TierRuleView]:
    """The tier rules of ``direction`` that select and match something, in evaluation order."""
    return [tv for tv in graph.tier_rules() if tv.direction is direction and tv.targets and tv.peers]


_CACHE: WeakKeyDictionary[AllowGraph, dict[Direction, list[Cell]]] = WeakKeyDictionary()


def cells(graph: AllowGraph, direction: Direction) -> list[Cell]:
    """Every cell of ``direction``, each with the chain walked over it (computed once a graph)."""
    per = _CACHE.setdefault(graph, {})
    if direction not in per:
        per[direction] = list(_cells(graph, direction))
    return per[direction]


def _cells(graph: AllowGraph, direction: Direction) -> Iterable[Cell]:
    rules = tier_rules(graph, direction)
    ingress = direction is Direction.INGRESS
    isolated = graph.isolated(direction)
    owners_all = graph.union(tv.targets for tv in rules)
    for owners, applying in partition(owners_all, [(tv.targets, tv) for tv in rules]):
        if not applying:
            continue
        named = any(tv.named for tv in applying)
        for part, iso in ((owners & isolated, True), (owners - isolated, False)):
            for group in graph.split_by_ports(part) if named and ingress else [part]:
                if not group:
                    continue
                owner = group.first()
                items = [(tv.peers, tv) for tv in applying]
                for others, matching in partition(graph.everything, items):
                    if not matching:
                        continue
                    split = not ingress and any(tv.named for tv in matching)
                    for sub in graph.split_by_ports(others) if split else [others]:
                        if len(group) * len(sub) == len(group & sub):
                            continue  # only a pod and itself
                        dst = owner if ingress else sub.first()
                        yield Cell(group, sub, dst, matching, iso, _walk(matching, dst, iso))


def _walk(rules: tuple[TierRuleView, ...], dst: int, isolated: bool) -> Walk:
    admin = [tv for tv in rules if tv.policy.tier is Tier.ADMIN]
    baseline = [tv for tv in rules if tv.policy.tier is Tier.BASELINE]
    ranks = {(tv.policy.priority, tv.policy.id) for tv in admin}
    tied = len({prio for prio, _ in ranks}) < len(ranks)
    final = PortSet.none()
    walk = Walk()
    remaining, passed = PortSet.all(), PortSet.none()
    for tv in admin:
        ports = walk.matched[tv.id] = tv.ports_toward(dst)
        walk.reach.setdefault((Tier.ADMIN, tv.policy.priority), remaining)
        taken = walk.decided[tv.id] = remaining & ports
        remaining = remaining - taken
        if tv.action is TierAction.PASS:
            passed = passed | taken
        elif not tied:
            final = final | taken
    walk = Walk(walk.matched, walk.decided, walk.reach, final)
    # "v1.NetworkPolicy always makes a final decision for selected pods."
    remaining = remaining | passed
    for tv in baseline:
        ports = walk.matched[tv.id] = tv.ports_toward(dst)
        if isolated:
            walk.decided[tv.id] = PortSet.none()
            continue
        walk.reach.setdefault((Tier.BASELINE, tv.policy.priority), remaining)
        taken = walk.decided[tv.id] = remaining & ports
        remaining = remaining - taken
    return walk
