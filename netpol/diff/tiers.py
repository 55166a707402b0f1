"""Diff stage: the cluster-wide tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy) in a diff.

Tier policies are compared between the sides by id (``anp/NAME``, ``banp/default``, ``cnp/NAME``)
and by meaning: tier, priority, subject, and the rules in written order (the first match wins, so
their order counts; a rule's name does not). For one direction of a changed pair, a
:class:`Chain` reads what the tiers did with the changed ports on one side: the tier rules that
matched them, the NetworkPolicy rules (or the isolation) and the default where the Admin tier left
them, and what decided. Comparing the two sides' chains says the edit in words: a priority or a
tier that makes one policy win over another, an action that changed.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from netpol.core.ports import PortSet
from netpol.diff.result import PolicyChange, PolicyChangeKind, TierStep
from netpol.engine.graph import AllowGraph
from netpol.engine.views import TierRuleView
from netpol.model.resources import Direction
from netpol.model.tiers import Tier, TierAction, TierPolicy, TierRule

__all__ = ["Chain", "TierEdit", "chain", "compare_tier_policies", "in_words"]

DEFAULT = "default"
"""The decider of what no tier decided (and of a Baseline Pass): allowed."""
_NETWORKPOLICY = "NetworkPolicy "
"""The prefix of a decider that is the NetworkPolicy tier, followed by the policies' ids."""


# -- tier policies compared -----------------------------------------------------------------------


def _rule_key(rule: TierRule) -> tuple[object, ...]:
    """A rule by meaning: its action and, each an unordered set, its peers and ports."""
    return rule.action, frozenset(rule.peers), frozenset(rule.ports), frozenset(rule.named)


def tier_policy_key(policy: TierPolicy) -> tuple[object, ...]:
    """What a tier policy means: tier, priority, subject and rules in order (names aside)."""
    return (
        policy.tier,
        policy.priority,
        policy.subject,
        tuple(_rule_key(r) for r in policy.ingress),
        tuple(_rule_key(r) for r in policy.egress),
    )


@dataclass(frozen=True, slots=True)
class TierEdit:
    """A tier policy added, removed or modified, with what changed in a modified one."""

    kind: PolicyChangeKind
    before: TierPolicy | None
    after: TierPolicy | None
    edits: tuple[str, ...] = ()

    def change(self, connections: int) -> PolicyChange:
        """The record the reports list, naming ``connections`` changes."""
        now = self.after or self.before
        assert now is not None
        before = None if self.before is None or self.after is None else self.before
        return PolicyChange(
            now.id,
            self.kind,
            None,
            connections,
            now.tier.value,
            now.priority,
            None if before is None else (before.tier.value, before.priority),
            self.edits,
        )


def compare_tier_policies(old: Sequence[TierPolicy], new: Sequence[TierPolicy]) -> dict[str, TierEdit]:
    """The tier policies that differ between the sides, by id."""
    before = {p.id: p for p in old}
    after = {p.id: p for p in new}
    out: dict[str, TierEdit] = {}
    for pid in sorted(before.keys() | after.keys()):
        a, b = before.get(pid), after.get(pid)
        if a is None:
            out[pid] = TierEdit(PolicyChangeKind.ADDED, None, b)
        elif b is None:
            out[pid] = TierEdit(PolicyChangeKind.REMOVED, a, None)
        elif tier_policy_key(a) != tier_policy_key(b):
            out[pid] = TierEdit(PolicyChangeKind.MODIFIED, a, b, _edits(a, b))
    return out


def _edits(a: TierPolicy, b: TierPolicy) -> tuple[str, ...]:
    """What changed between two versions of a tier policy, in words."""
    out: list[str] = []
    if a.tier is not b.tier:
        out.append(f"tier {a.tier.value} → {b.tier.value}")
    if a.priority != b.priority:
        out.append(f"priority {a.priority} → {b.priority}")
    if a.subject != b.subject:
        out.append(f"subject {a.subject} → {b.subject}")
    for direction in (Direction.INGRESS, Direction.EGRESS):
        out += _rule_edits(direction, a.rules(direction), b.rules(direction))
    return tuple(out)


def _rule_edits(direction: Direction, old: Sequence[TierRule], new: Sequence[TierRule]) -> list[str]:
    """Rules added, removed or changed, numbered as on the side that has them (the new side's
    number for a changed rule, with the old one when it moved)."""
    d = direction.value.lower()
    matcher = difflib.SequenceMatcher(
        None, [_rule_key(r) for r in old], [_rule_key(r) for r in new], autojunk=False
    )
    out: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for x, y in zip(old[i1:i2], new[j1:j2], strict=True):
                where = f"{d} rule #{y.index + 1}" + ("" if x.index == y.index else f" (was #{x.index + 1})")
                if x.action is not y.action:
                    out.append(f"{where} {x.word} → {y.word}")
                if frozenset(x.peers) != frozenset(y.peers):
                    out.append(f"{where} peers changed")
                if (frozenset(x.ports), frozenset(x.named)) != (frozenset(y.ports), frozenset(y.named)):
                    out.append(f"{where} ports changed")
            continue
        out += [f"{d} rule #{r.index + 1} removed" for r in old[i1:i2]]
        out += [f"{d} rule #{r.index + 1} added" for r in new[j1:j2]]
    return out


# -- what the tiers did with a pair's ports ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chain:
    """One direction of a pair on one side of the diff, on some ports (all allowed there, or all
    denied there): what took part, in evaluation order."""

    steps: tuple[TierStep, ...]
    """The tier rules that matched some of the ports."""
    texts: tuple[str, ...]
    """How each part reads: tier rules (TierRuleView.describe()), NetworkPolicy rules
    (``ns/p ingress rule #1``) or the isolation that denies, the default (``... not isolated for
    ingress``)."""
    deciders: tuple[str, ...]
    """What decided the ports: tier policy ids, ``NetworkPolicy ns/p, ...``, or ``default``."""
    policies: tuple[str, ...]
    """The NetworkPolicies that decided: their rules admitting, or their isolation denying."""


def _step(tv: TierRuleView, ports: PortSet, side: str) -> TierStep:
    pol = tv.policy
    return TierStep(
        side,
        tv.direction.value,
        pol.tier.value,
        pol.id,
        pol.priority,
        tv.rule.index,
        tv.rule.name,
        tv.word,
        ports,
        tv.fail_closed,
        tv.describe(),
    )


def applies(graph: AllowGraph, owner: int) -> bool:
    """Whether a policy can apply to ``owner``'s traffic (not outside, not host network)."""
    return not graph.is_external(owner) and owner not in graph.host_network


def chain(graph: AllowGraph, src: int, dst: int, direction: Direction, ports: PortSet, side: str) -> Chain:
    """What one side's tiers did with ``ports`` of ``src`` -> ``dst`` in ``direction``."""
    owner, other = (dst, src) if direction is Direction.INGRESS else (src, dst)
    d = direction.value.lower()
    decision = graph.tier_decision(src, dst, direction)
    views = graph.tier_rules()
    steps: list[TierStep] = []
    texts: list[str] = []
    deciders: list[str] = []
    policies: list[str] = []

    def walk(tier: Tier) -> None:
        for r, matched in decision.steps:
            tv = views[r]
            hit = matched & ports
            if tv.policy.tier is not tier or not hit:
                continue
            steps.append(_step(tv, hit, side))
            texts.append(tv.describe())
            if tv.action is not TierAction.PASS:
                deciders.append(tv.policy.id)
            elif tier is Tier.BASELINE:
                deciders.append(DEFAULT)  # a Baseline Pass leaves only the default: allow

    walk(Tier.ADMIN)
    reached = decision.reached_networkpolicy & ports
    endpoint = graph.ids[owner]
    if reached and owner in graph.isolated(direction):
        admitted = PortSet.none()
        admitting: list[str] = []
        for rv in graph.rules_admitting(owner, other, direction):
            if rv.ports_toward(dst) & reached:
                admitted |= rv.ports_toward(dst)
                texts.append(str(rv))
                admitting.append(rv.policy.id)
        if admitting:
            admitting = list(dict.fromkeys(admitting))
            deciders.append(_NETWORKPOLICY + ", ".join(admitting))
            policies += admitting
        if reached - admitted:
            isolating = [p.id for p in graph.isolating(owner, direction)]
            texts.append(f"{endpoint} isolated for {d} by {', '.join(isolating)}")
            deciders.append(_NETWORKPOLICY + ", ".join(isolating))
            policies += isolating
    elif reached:
        walk(Tier.BASELINE)
        if decision.default & ports:
            texts.append(f"{endpoint} not isolated for {d}")
            deciders.append(DEFAULT)
    return Chain(
        tuple(steps),
        tuple(dict.fromkeys(texts)),
        tuple(dict.fromkeys(deciders)),
        tuple(dict.fromkeys(policies)),
    )


# -- the edit in words ----------------------------------------------------------------------------


def _label(decider: str) -> str:
    return "the default" if decider == DEFAULT else decider


def _rank(policy: TierPolicy) -> tuple[bool, tuple[int, int, str, str]]:
    """Where a policy is evaluated: the Admin tier before the Baseline tier, then by order."""
    return policy.tier is Tier.BASELINE, policy.order


def in_words(
    old: Chain, new: Chain, old_policies: Mapping[str, TierPolicy], new_policies: Mapping[str, TierPolicy]
) -> list[str]:
    """The tier edits that changed what decided the same ports, in words: an action changed
    (``anp/x ingress rule #2 Pass → Deny``), a tier or a priority that makes one policy win over
    the one that decided before (``priority 20 → 5 makes anp/a win over anp/b``)."""
    out: list[str] = []
    before = {(s.policy, s.direction, s.rule): s for s in old.steps}
    for s in new.steps:
        o = before.get((s.policy, s.direction, s.rule))
        if o is not None and o.action != s.action:
            out.append(f"{s.policy} {s.direction.lower()} rule #{s.rule + 1} {o.action} → {s.action}")
    if len(old.deciders) == 1 and len(new.deciders) == 1 and old.deciders != new.deciders:
        said = _win(new.deciders[0], old.deciders[0], old_policies, new_policies)
        if said:
            out.append(said)
    return out


def _win(
    winner: str, loser: str, old_policies: Mapping[str, TierPolicy], new_policies: Mapping[str, TierPolicy]
) -> str | None:
    """Why ``winner`` decides now where ``loser`` did: a tier or a priority edit of either."""
    w, ll = _label(winner), _label(loser)
    w_old, w_new = old_policies.get(winner), new_policies.get(winner)
    l_old, l_new = old_policies.get(loser), new_policies.get(loser)
    if w_old and w_new and w_old.tier is not w_new.tier:
        return f"tier {w_old.tier.value} → {w_new.tier.value} makes {w} win over {ll}"
    if l_old and l_new and l_old.tier is not l_new.tier:
        return f"tier {l_old.tier.value} → {l_new.tier.value} of {ll} makes {w} win over it"
    if not (w_old and w_new and l_old and l_new):
        return None
    flipped = _rank(l_old) < _rank(w_old) and _rank(w_new) < _rank(l_new)
    if not flipped:
        return None
    w_moved, l_moved = w_old.priority != w_new.priority, l_old.priority != l_new.priority
    if w_moved:
        text = f"priority {w_old.priority} → {w_new.priority} makes {w} win over {ll}"
        return text + (f" ({ll}: priority {l_old.priority} → {l_new.priority})" if l_moved else "")
    if l_moved:
        return f"priority {l_old.priority} → {l_new.priority} of {ll} makes {w} win over it"
    return None
