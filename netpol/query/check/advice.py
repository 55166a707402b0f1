"""Check stage: what a verdict that contradicts what is wanted asks of the policies -- the fix
hint of a finding and the policy rules it points at. An expectation of an intent file and an
observed flow (:mod:`~netpol.query.check.flows`) are both told this way."""

from __future__ import annotations

from netpol.engine.graph import AllowGraph
from netpol.findings import Related
from netpol.load.files import Locator
from netpol.model.resources import Direction, NetworkPolicy
from netpol.model.tiers import TierPolicy
from netpol.query.check.intent import Verdict
from netpol.query.explain import Explanation, Side

__all__ = ["fix_hint", "related_policies"]


def fix_hint(exp: Explanation, expect: Verdict) -> str:
    """How to make the policies give ``expect``: the rules to narrow for a deny, the isolating
    policies to add a rule to (or the cluster-wide rule to change) for an allow."""
    if expect is Verdict.DENY:
        parts = []
        for side in (exp.egress, exp.ingress):
            if not side.applies:
                continue
            admin = [s for s in side.steps if s.tier == "Admin" and s.action in ("Allow", "Accept")]
            if admin:  # NetworkPolicy cannot block what an Admin rule allows
                parts.append(f"narrow {', '.join(str(s.ref) for s in admin)} (the Admin tier allows it)")
            elif not side.isolating:
                parts.append(
                    f"isolate {side.endpoint} for {side.direction.value.lower()} "
                    "(a default-deny policy in its namespace)"
                )
            else:
                rules = ", ".join(str(m.ref) for m in side.matches)
                parts.append(f"narrow {rules}")
        return " or ".join(parts) if parts else "the traffic cannot be denied by NetworkPolicies"
    parts = []
    for side in (exp.egress, exp.ingress):
        denials = [s for s in side.steps if s.action == "Deny"]
        if denials and not (side.ports & exp.asked):
            parts.append(f"change {', '.join(str(s.ref) for s in denials)} (a cluster-wide rule denies it)")
        elif side.applies and side.isolating and side.reached and not (side.ports & exp.asked):
            other = exp.dst if side.direction is Direction.EGRESS else exp.src
            d = side.direction.value.lower()
            parts.append(
                f"add an {d} rule admitting {other} to "
                f"{'one of ' if len(side.isolating) > 1 else ''}{', '.join(side.isolating)}"
            )
    return " and ".join(parts) if parts else "allow the port on both sides"


def related_policies(
    graph: AllowGraph, exp: Explanation, expect: Verdict, locator: Locator | None
) -> list[Related]:
    """The places behind a verdict that contradicts ``expect``: the rules that allow it, or the
    policies that isolate the side that denies it (and the tier rules that decide it)."""
    by_id: dict[str, NetworkPolicy | TierPolicy] = {p.id: p for p in graph.cluster.policies}
    by_id.update((p.id, p) for p in graph.cluster.tier_policies)
    out: list[Related] = []

    def add(policy: str, path: tuple[str | int, ...], message: str) -> None:
        pol = by_id.get(policy)
        if pol is None:
            return
        o = pol.origin
        loc = locator.locate(o.source, o.document, (*o.path, *path)) if locator is not None else o.at(*path)
        out.append(Related(loc, message))

    sides: tuple[Side, ...] = (exp.egress, exp.ingress)
    for side in sides:
        for step in side.steps:
            if (expect is Verdict.DENY) is (step.action != "Deny"):
                add(step.policy, step.ref.path, f"{step.describe()} decides it")
        if expect is Verdict.DENY:
            for m in side.matches:
                add(m.policy, m.ref.path, f"{m.ref} allows it")
        elif side.isolating and side.reached and not (side.ports & exp.asked):
            for pid in side.isolating:
                add(
                    pid,
                    ("metadata", "name"),
                    f"{pid} isolates {side.endpoint} for {side.direction.value.lower()}",
                )
    return out
