"""The wording of the review report's section on the cluster-wide policies, which both renderers
share (:mod:`netpol.render.report_wording` holds the rest). Plain text, not yet escaped."""

from __future__ import annotations

from netpol.report import (
    Override,
    OverrideKind,
    TierExample,
    TierPolicyEntry,
    TierRuleEntry,
    TierSection,
)

__all__ = [
    "count",
    "example_text",
    "override_text",
    "rule_decides",
    "rule_label",
    "rule_notes",
    "tier_counts",
    "tier_priority",
    "tier_selects",
]


def count(n: int, word: str = "", many: str | None = None) -> str:
    """``110,556 connections``; ``1 connection``; ``2,651`` without a word."""
    if not word:
        return f"{n:,}"
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def tier_counts(t: TierSection) -> str:
    """``3 in the Admin tier and 1 in the Baseline tier; of ...``."""
    tiers = []
    if t.admin:
        tiers.append(f"{t.admin} in the Admin tier")
    if t.baseline:
        tiers.append(f"{t.baseline} in the Baseline tier")
    text = f"{count(t.policies.total, 'policy', 'policies')}: {' and '.join(tiers) or 'none'}."
    over = []
    if t.admitted:
        over.append(f"Admin Allow rules admit {count(t.admitted, 'connection')} the NetworkPolicies do not")
    if t.dropped:
        over.append(f"Admin Deny rules drop {count(t.dropped, 'connection')} a NetworkPolicy allows")
    return text + (" " + "; ".join(over) + "." if over else "")


def tier_priority(p: TierPolicyEntry) -> str:
    """The priority; the BaselineAdminNetworkPolicy has none (netpol puts it after the Baseline
    ClusterNetworkPolicies)."""
    return "none" if p.priority is None else str(p.priority)


def tier_selects(p: TierPolicyEntry) -> str:
    """``4 workloads``; ``2 workloads and 1 stand-in``."""
    if not p.stand_ins:
        return count(p.selected, "workload")
    return f"{count(p.selected, 'workload')} and {count(p.stand_ins, 'stand-in')}"


def rule_label(r: TierRuleEntry) -> str:
    """``ingress #2`` (the rule's name apart: it comes from the manifest)."""
    return f"{r.direction.value.lower()} #{r.number}"


def rule_decides(r: TierRuleEntry, tier: str) -> str:
    """``denies 4 connections``; a Pass says where it sends them."""
    n = count(r.decided, "connection")
    if r.effect == "Allow":
        return f"allows {n}"
    if r.effect == "Deny":
        return f"denies {n}"
    if tier == "Admin":
        return f"passes {n} to the NetworkPolicies (or the Baseline tier)"
    return f"passes {n} to the default (allowed)"


def rule_notes(r: TierRuleEntry) -> tuple[str, ...]:
    """What a reader should know besides the count."""
    notes = []
    if r.fail_closed:
        notes.append("fails closed: a peer netpol does not know, so it denies all it applies to")
    if r.domain_names:
        notes.append(
            "domain names are not resolved: the connections to them are not counted "
            "(netpol query says when a verdict depends on DNS)"
        )
    if r.networkpolicy_first:
        notes.append(
            f"NetworkPolicies isolate {count(r.networkpolicy_first, 'workload')} of its subject "
            f"for {r.direction.value.lower()}: they decide there, not this rule"
        )
    return tuple(notes)


def example_text(e: TierExample | None) -> str:
    """``monitoring/prometheus[Deployment] → tenant-a/api[Deployment]: TCP 9090``."""
    return "" if e is None else f"{e.src} → {e.dst}: {e.ports}"


def override_text(o: Override) -> str:
    """``admits what they do not allow``."""
    if o.kind is OverrideKind.ADMITS:
        return "admits what they do not allow"
    return "drops what they allow"
