"""Diff stage: policies compared by meaning (namespace, selector, types, rules; order and name
aside), to tell edits and renames from text changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from netpol.diff.result import PolicyChangeKind
from netpol.model.resources import NetworkPolicy, Rule

__all__ = ["compare_policies", "policy_key"]


def _rule_key(rule: Rule) -> tuple[frozenset[object], frozenset[object]]:
    """A rule without its position: its peers and its ports, each an unordered set."""
    return frozenset(rule.peers), frozenset(rule.ports)


def policy_key(policy: NetworkPolicy) -> tuple[object, ...]:
    """What a policy means: its namespace, selector, types and rules, order and name aside.

    Rules are ORed and so are the peers and ports of a rule: reordering them changes nothing.
    """
    selector = policy.pod_selector
    return (
        policy.namespace,
        frozenset(selector.match_labels),
        frozenset(selector.expressions),
        policy.policy_types,
        frozenset(_rule_key(r) for r in policy.ingress),
        frozenset(_rule_key(r) for r in policy.egress),
    )


def compare_policies(
    old: Sequence[NetworkPolicy], new: Sequence[NetworkPolicy]
) -> tuple[dict[str, PolicyChangeKind], list[tuple[str, str]]]:
    """Changed policy ids (by kind) and renames (old id, new id)."""
    before = {p.id: p for p in old}
    after = {p.id: p for p in new}
    kinds: dict[str, PolicyChangeKind] = {}
    for pid in sorted(before.keys() & after.keys()):
        if policy_key(before[pid]) != policy_key(after[pid]):
            kinds[pid] = PolicyChangeKind.MODIFIED
    gone = sorted(before.keys() - after.keys())
    fresh = sorted(after.keys() - before.keys())
    by_meaning: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for pid in fresh:
        by_meaning[policy_key(after[pid])].append(pid)
    renames: list[tuple[str, str]] = []
    for pid in gone:
        twins = by_meaning.get(policy_key(before[pid]))
        if twins:
            renames.append((pid, twins.pop(0)))
        else:
            kinds[pid] = PolicyChangeKind.REMOVED
    renamed_to = {b for _, b in renames}
    for pid in fresh:
        if pid not in renamed_to:
            kinds[pid] = PolicyChangeKind.ADDED
    return kinds, renames
