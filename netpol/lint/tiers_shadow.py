"""Lint rule NP018 shadowed-tier-rule: cluster-wide tier rules that never decide anything, or
match nothing.

A rule decides the (pod, other end, port) triples it matches that no rule before it took: rules of
the same tier apply first match first, policies by priority, a policy's rules as written. "Before"
means before in every order the implementation may choose: an earlier rule of the same policy, or a
rule of a policy with a lower priority number (policies of equal priority may be applied in any
order: NP019). A Baseline rule also decides nothing for pods a NetworkPolicy isolates for the
direction ("v1.NetworkPolicy always makes a final decision for selected pods"), nor what the Admin
tier allows or denies. The triples are walked cell by cell (:mod:`netpol.lint.tier_cells`), so a
rule reported decides nothing for any pair of the graph, on any port.

A policy whose subject selects no pod of the input, or a rule whose peers match nothing of it, is
reported as matching nothing instead, judged as NP010 and NP011 judge NetworkPolicies: only where
the input shows what the selectors would select.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from netpol.core.selectors import LabelSelector
from netpol.core.text import listing
from netpol.engine.nodeset import NodeSet
from netpol.engine.views import TierRuleView
from netpol.findings.catalog import RuleId
from netpol.findings.records import Finding
from netpol.lint.context import Context
from netpol.lint.registry import rule
from netpol.lint.tier_cells import cells, rule_head, tier_object, tier_rules
from netpol.model.resources import NAMESPACE_NAME_LABEL, Direction
from netpol.model.tiers import PeerKind, Tier, TierPeer

__all__ = ["shadowed"]


def _word(direction: Direction) -> str:
    return "from" if direction is Direction.INGRESS else "to"


@rule(RuleId.SHADOWED_TIER_RULE)
def shadowed(ctx: Context) -> Iterator[Finding]:
    reported: set[int] = set()
    yield from _matches_nothing(ctx, reported)
    g = ctx.graph
    for direction in Direction:
        matched: set[int] = set()
        decided: set[int] = set()
        by: dict[int, set[int]] = defaultdict(set)
        isolated: dict[int, set[int]] = defaultdict(set)
        for cell in cells(g, direction):
            for k, tv in enumerate(cell.rules):
                if not cell.walk.matched[tv.id]:
                    continue
                matched.add(tv.id)
                if tv.policy.tier is Tier.BASELINE and cell.isolated:
                    isolated[tv.id].update(cell.owners)
                    continue
                left, before = cell.unshadowed(k)
                if left:
                    decided.add(tv.id)
                else:
                    by[tv.id].update(e.id for e in before)
        views = g.tier_rules()
        for tv in tier_rules(g, direction):
            if tv.rule.domain_names or tv.id in decided or tv.id in reported:
                continue  # a name may be any address (NP021, NP022); it decides; or matches nothing
            if tv.id not in matched:
                yield _no_connection(ctx, tv)
                continue
            reasons = []
            if by[tv.id]:
                names = listing([rule_head(views[e]) for e in sorted(by[tv.id])])
                reasons.append(f"{names} decide{'s' if len(by[tv.id]) == 1 else ''} first")
            if isolated[tv.id]:
                pods = isolated[tv.id]
                nps = sorted({p.id for o in pods for p in g.isolating(o, direction)})
                reasons.append(
                    f"NetworkPolicy ({listing(nps)}) isolates {direction.value.lower()} of "
                    f"{listing(ctx.ids(g.nodeset(pods)))}, and decides for them"
                )
            baseline_np = bool(isolated[tv.id]) and not by[tv.id]
            yield ctx.finding(
                RuleId.SHADOWED_TIER_RULE,
                f"{rule_head(tv)} never decides anything: of every connection and port it matches, "
                + "; ".join(reasons),
                ctx.locate(tv.policy.origin, *tv.ref.path),
                "a Baseline rule applies only to pods no NetworkPolicy isolates for the direction: "
                "write the rule into those NetworkPolicies, or move it to the Admin tier"
                if baseline_np
                else "delete the rule, or move it before the rules that shadow it (a lower "
                "priority number, or earlier in its list)",
                subjects=ctx.ids(ctx.concerned(tv.targets)),
                obj=tier_object(tv.policy),
            )


def _no_connection(ctx: Context, tv: TierRuleView) -> Finding:
    if tv.rule.named:
        why = f"no pod it concerns declares the port named {', '.join(tv.rule.named)}"
    else:
        why = "its subject and peers meet only in a pod's traffic to itself"
    return ctx.finding(
        RuleId.SHADOWED_TIER_RULE,
        f"{rule_head(tv)} matches nothing: {why}",
        ctx.locate(tv.policy.origin, *tv.ref.path, "ports" if tv.rule.named else _word(tv.direction)),
        "fix the port names or the peers, or delete the rule",
        subjects=ctx.ids(ctx.concerned(tv.targets)),
        obj=tier_object(tv.policy),
    )


def _matches_nothing(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """Policies whose subject selects no pod of the input, rules whose peers match nothing of it
    (only stand-ins): judged only where the input shows what they would select, as NP010 and
    NP011 judge NetworkPolicies. The ids of the rules reported go into ``reported``."""
    for view in ctx.graph.tier_policies():
        pol, subject = view.policy, view.policy.subject
        if not view.rules:
            continue
        if not view.targets - ctx.stand_ins:
            if _judged(ctx, subject.namespace_selector, subject.pod_selector):
                reported.update(tv.id for tv in view.rules)
                yield ctx.finding(
                    RuleId.SHADOWED_TIER_RULE,
                    f"{pol.id}: subject ({subject}) selects no pod of the input"
                    f"{_only(ctx, view.targets, 'it selects')}, so {_its_rules(len(view.rules))}",
                    ctx.locate(pol.origin, "spec", "subject"),
                    f"{_near(ctx, subject.namespace_selector, subject.pod_selector)}fix the "
                    "subject's selectors, or delete the policy",
                    obj=tier_object(pol),
                )
            continue
        for tv in view.rules:
            peers = tv.rule.peers
            if tv.peers - ctx.stand_ins or tv.rule.domain_names:
                continue
            if not all(_peer_judged(ctx, p) for p in peers):
                continue
            reported.add(tv.id)
            what = "fails closed: a peer netpol does not know" if tv.fail_closed else "its peers"
            yield ctx.finding(
                RuleId.SHADOWED_TIER_RULE,
                f"{rule_head(tv)} matches nothing: {what} ({'; '.join(str(p) for p in peers)}) "
                f"match no pod, node or address of the input{_only(ctx, tv.peers, 'they match')}",
                ctx.locate(pol.origin, *tv.ref.path, _word(tv.direction)),
                "fix the peers' selectors, or delete the rule",
                subjects=ctx.ids(ctx.concerned(tv.targets)),
                obj=tier_object(pol),
            )


def _only(ctx: Context, nodes: NodeSet, verb: str) -> str:
    """``(they match only pods the input does not hold: ...)`` for the stand-ins of ``nodes``,
    or ""."""
    standing = nodes & ctx.stand_ins
    return f" ({verb} only pods the input does not hold: {ctx.described(standing)})" if standing else ""


def _its_rules(n: int) -> str:
    return "its rule matches nothing" if n == 1 else f"its {n} rules match nothing"


def _near(ctx: Context, namespaces: LabelSelector | None, pods: LabelSelector | None) -> str:
    """``did you mean app=web? `` for a selector one typo away from the input's labels, or ""."""
    near = ""
    if pods is not None:
        near = ctx.close_labels(pods, (ctx.endpoint(i).labels for i in ctx.workloads), near_only=True)
    if not near and namespaces is not None:
        labels = [ns.labels for ns in ctx.held_namespaces]
        near = ctx.close_labels(namespaces, labels, near_only=True)
    return f"{near} " if near else ""


def _judged(ctx: Context, namespaces: LabelSelector | None, pods: LabelSelector | None) -> bool:
    """Whether the input shows enough to say that a selection of pods selects none: it holds
    workloads of the namespaces selected, or Namespace objects carrying every label key read (a
    namespace named by kubernetes.io/metadata.name may not be in the input)."""
    if not ctx.workloads:
        return False
    if namespaces is None or namespaces.is_empty:
        return True
    chosen = [n for n in ctx.namespaces_matching(namespaces) if n in ctx.held_namespace_names]
    if chosen:
        return any(name in ctx.by_namespace for name in chosen)
    keys = {k for k, _ in namespaces.match_labels} | {r.key for r in namespaces.expressions}
    known = {k for ns in ctx.cluster.namespaces if ns.declared for k in ns.labels}
    return NAMESPACE_NAME_LABEL not in keys and keys <= known


def _peer_judged(ctx: Context, peer: TierPeer) -> bool:
    if peer.kind in (PeerKind.NAMESPACES, PeerKind.PODS):
        return _judged(ctx, peer.namespace_selector, peer.pod_selector)
    if peer.kind is PeerKind.NODES:
        return bool(ctx.cluster.nodes)  # without Node objects the input shows no node address
    return True  # networks always hold addresses; an unknown peer fails closed
