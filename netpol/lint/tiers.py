"""Lint rules about the cluster-wide policy tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy).

NP017 admin-overrides-isolation, NP019 equal-priority-overlap, NP020 pass-to-nothing,
NP021 domain-names-not-allow, NP022 dns-dependent (NP018 shadowed-tier-rule:
:mod:`netpol.lint.tiers_shadow`).

They run only when the input holds a tier policy (:data:`~netpol.findings.catalog.TIER_RULES`).
NP017 reads the engine's blocks and tier chain; NP018-NP020 walk the chain over cells of (pod,
other end) pairs that the same rules match alike (:mod:`netpol.lint.tier_cells`), so that what they
say holds for every pair and port, as the engine decides it; NP021 and NP022 read the rules' text.
docs/design/admin-tiers.md quotes the API they follow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations

from netpol.core.ports import PortSet
from netpol.core.text import listing, plural
from netpol.engine.views import Block, TierRuleView
from netpol.findings.catalog import RuleId
from netpol.findings.records import Finding, Related
from netpol.lint.context import Context
from netpol.lint.registry import rule
from netpol.lint.tier_cells import Cell, cells, rule_head, tier_object
from netpol.model.resources import Direction
from netpol.model.tiers import CNP_KIND, PeerKind, Tier, TierAction, TierPolicy

__all__ = ["admin_overrides", "domain_names", "equal_priority", "pass_to_nothing"]

_SHOWN = 3
"""How many connections a message spells out."""


def _ports(ports: PortSet) -> str:
    return "every port" if ports.is_all() else str(ports)


@dataclass(slots=True)
class _Seen:
    """What a rule was found doing: how many connections, whose, and a few of them."""

    count: int = 0
    owners: set[int] = field(default_factory=set)
    examples: list[tuple[int, int, PortSet]] = field(default_factory=list)

    def add(self, count: int, owners: Iterable[int], example: tuple[int, int], ports: PortSet) -> None:
        self.count += count
        self.owners.update(owners)
        if len(self.examples) < _SHOWN:
            self.examples.append((*example, ports))

    def connections(self, ctx: Context) -> str:
        """``2 connections (dev/a[Pod] -> shop/web[Pod] on TCP 80, ...)``: a few of them."""
        ids = ctx.graph.ids
        shown = [f"{ids[s]} -> {ids[d]} on {_ports(p)}" for s, d, p in self.examples]
        more = self.count - len(shown)
        text = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        return f"{plural(self.count, 'connection')} ({text})"

    def subjects(self, ctx: Context) -> tuple[str, ...]:
        return ctx.ids(ctx.concerned(ctx.graph.nodeset(self.owners)))


# -- NP017 admin-overrides-isolation -------------------------------------------------------------


@rule(RuleId.ADMIN_OVERRIDES_ISOLATION)
def admin_overrides(ctx: Context) -> Iterator[Finding]:
    g = ctx.graph
    allow = {
        tv.id: tv
        for tv in g.tier_rules()
        if tv.policy.tier is Tier.ADMIN and tv.action is TierAction.ALLOW and tv.targets and tv.peers
    }
    if not allow:
        return
    seen: dict[int, _Seen] = defaultdict(_Seen)
    known: dict[tuple[int, Direction], list[tuple[int, PortSet]]] = {}
    """Per block (destinations of a class share theirs) and direction: what each Admin Allow
    rule allows there beyond the NetworkPolicies."""
    for d in range(len(g.nodes)):
        for block in g.blocks_into(d):
            sources = block.sources.without(d)  # a pod always reaches itself
            if not sources:
                continue
            src = sources.first()  # a block's sources meet the same rules alike
            for direction in Direction:
                key = (id(block), direction)
                if key not in known:
                    known[key] = _beyond(ctx, block, src, d, direction, allow)
                for r, over in known[key]:
                    owners = [d] if direction is Direction.INGRESS else list(sources)
                    seen[r].add(len(sources), owners, (src, d), over)
    for r, s in sorted(seen.items()):
        tv = allow[r]
        ingress = tv.direction is Direction.INGRESS
        isolating = sorted({p.id for o in s.owners for p in g.isolating(o, tv.direction)})
        whose = "destinations" if ingress else "sources"
        yield ctx.finding(
            RuleId.ADMIN_OVERRIDES_ISOLATION,
            f"{rule_head(tv)} allows {s.connections(ctx)} that the NetworkPolicies isolating the "
            f"{whose} ({listing(isolating)}) do not admit: their owners cannot see it in their "
            "own policies",
            ctx.locate(tv.policy.origin, *tv.ref.path),
            "narrow the rule's subject, peers or ports, or make it Pass to leave the decision to "
            "the NetworkPolicies; if the exception is meant, tell the namespaces' owners",
            subjects=s.subjects(ctx),
            obj=tier_object(tv.policy),
        )


def _beyond(
    ctx: Context, block: Block, src: int, dst: int, direction: Direction, allow: Mapping[int, TierRuleView]
) -> list[tuple[int, PortSet]]:
    """The Admin Allow rules of ``allow`` that allow the block's traffic in ``direction``, each
    with the ports the NetworkPolicies isolating the pod (``dst`` for ingress, the sources for
    egress) do not admit; [] where NetworkPolicy does not isolate it."""
    g = ctx.graph
    ingress = direction is Direction.INGRESS
    tiers = block.ingress_tiers if ingress else block.egress_tiers
    if "Admin" not in block.decided(direction) or not any(t.id in allow for t in tiers):
        return []
    owner, other = (dst, src) if ingress else (src, dst)
    if owner not in g.isolated(direction):
        return []
    np = PortSet.none()
    for rv in g.rules_admitting(owner, other, direction):
        np = np | rv.ports_toward(dst)
    out = []
    for r, ports in g.tier_decision(src, dst, direction).steps:
        over = (ports & block.ports) - np if r in allow else PortSet.none()
        if over:
            out.append((r, over))
    return out


# -- NP019 equal-priority-overlap ----------------------------------------------------------------


@rule(RuleId.EQUAL_PRIORITY_OVERLAP)
def equal_priority(ctx: Context) -> Iterator[Finding]:
    g = ctx.graph
    tied: dict[tuple[Tier, int | None], list[TierPolicy]] = defaultdict(list)
    for view in g.tier_policies():
        if view.policy.priority is not None:  # the BANP has none: it comes last
            tied[(view.policy.tier, view.policy.priority)].append(view.policy)
    if not any(len(ps) > 1 for ps in tied.values()):
        return
    seen: dict[tuple[str, str], _Seen] = defaultdict(_Seen)
    pairs: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
    for direction in Direction:
        for cell in cells(g, direction):
            firsts = _first_matches(cell, tied)
            for key, policies in tied.items():
                reach = cell.walk.reach.get(key)
                if reach is None or len(policies) < 2:
                    continue
                for a, b in combinations(policies, 2):
                    both = PortSet.none()
                    for ra, pa in firsts.get(a.id, ()):
                        for rb, pb in firsts.get(b.id, ()):
                            common = pa & pb & reach if ra.action is not rb.action else PortSet.none()
                            if common:
                                both = both | common
                                pairs[(a.id, b.id)].add((ra.id, rb.id))
                    if both:
                        seen[(a.id, b.id)].add(cell.pairs, cell.owners, cell.example(direction), both)
    views = g.tier_rules()
    by_id = {v.policy.id: v.policy for v in g.tier_policies()}
    for (a_id, b_id), s in seen.items():
        a, b = by_id[a_id], by_id[b_id]
        rules = sorted(pairs[(a_id, b_id)])
        against = listing([f"{rule_head(views[x])} against {rule_head(views[y])}" for x, y in rules], 2)
        first = ctx.locate(a.origin, "spec", "priority")
        yield ctx.finding(
            RuleId.EQUAL_PRIORITY_OVERLAP,
            f"{a.id} and {b.id} share priority {a.priority} in the {a.tier.value} tier and decide "
            f"{s.connections(ctx)} differently ({against}): the implementation can apply either; "
            f"netpol applies {a.id} first",
            ctx.locate(b.origin, "spec", "priority"),
            f"give {a.id} and {b.id} different priorities, the one that should win the lower number",
            subjects=s.subjects(ctx),
            obj=tier_object(b),
            related=[Related(first, f"{a.id} has the same priority")] if first is not None else [],
        )


def _first_matches(
    cell: Cell, tied: dict[tuple[Tier, int | None], list[TierPolicy]]
) -> dict[str, list[tuple[TierRuleView, PortSet]]]:
    """Per policy of a tie: its rules in the cell with the ports each matches first within the
    policy (what the policy would decide there, were it applied first)."""
    out: dict[str, list[tuple[TierRuleView, PortSet]]] = defaultdict(list)
    taken: dict[str, PortSet] = defaultdict(PortSet.none)
    for tv in cell.rules:
        pol = tv.policy
        if len(tied.get((pol.tier, pol.priority), ())) < 2:
            continue
        if pol.tier is Tier.BASELINE and cell.isolated:
            continue  # NetworkPolicy decides: the Baseline tier is never reached
        ports = cell.walk.matched[tv.id]
        fresh = ports - taken[pol.id]
        taken[pol.id] = taken[pol.id] | ports
        if fresh:
            out[pol.id].append((tv, fresh))
    return out


# -- NP020 pass-to-nothing -----------------------------------------------------------------------


@rule(RuleId.PASS_TO_NOTHING)
def pass_to_nothing(ctx: Context) -> Iterator[Finding]:
    g = ctx.graph
    for direction in Direction:
        passing: dict[int, _Seen] = defaultdict(_Seen)
        decided: set[int] = set()
        for cell in cells(g, direction):
            w = cell.walk
            for tv in cell.rules:
                passed = w.decided[tv.id] if tv.action is TierAction.PASS else PortSet.none()
                if not passed:
                    continue
                if tv.policy.tier is Tier.ADMIN and (
                    cell.isolated
                    or any(
                        w.decided[b.id] & passed
                        for b in cell.rules
                        if b.policy.tier is Tier.BASELINE and b.action is not TierAction.PASS
                    )
                ):
                    decided.add(tv.id)
                else:
                    passing[tv.id].add(cell.pairs, cell.owners, cell.example(direction), passed)
        views = g.tier_rules()
        for r, s in sorted(passing.items()):
            tv = views[r]
            if r in decided:
                continue  # somewhere NetworkPolicy or a Baseline rule decides what it passes
            if tv.policy.tier is Tier.ADMIN:
                d = direction.value.lower()
                what = (
                    f"passes {s.connections(ctx)} on to NetworkPolicy and the Baseline tier, "
                    f"but neither decides: no NetworkPolicy isolates {d} of "
                    f"{listing(s.subjects(ctx))} and no Baseline rule matches, so the default "
                    "allows it, as an Allow would"
                )
                hint = (
                    "write Allow if allowing is meant; else add the NetworkPolicy or Baseline "
                    "rule that should decide it"
                )
            else:
                what = (
                    f"leaves {s.connections(ctx)} to the default, which allows it, as an Accept "
                    "would (a Baseline Pass only skips the rest of the Baseline tier)"
                )
                hint = "write Accept if allowing is meant, or Deny"
            yield ctx.finding(
                RuleId.PASS_TO_NOTHING,
                f"{rule_head(tv)} {what}",
                ctx.locate(tv.policy.origin, *tv.ref.path, "action"),
                hint,
                subjects=s.subjects(ctx),
                obj=tier_object(tv.policy),
            )


# -- NP021 domain-names-not-allow, NP022 dns-dependent -------------------------------------------


@rule(RuleId.DOMAIN_NAMES_NOT_ALLOW, RuleId.DNS_DEPENDENT)
def domain_names(ctx: Context) -> Iterator[Finding]:
    for tv in ctx.graph.tier_rules():
        names = tv.rule.domain_names
        if not names:
            continue
        j = next(i for i, p in enumerate(tv.rule.peers) if p.kind is PeerKind.DOMAIN_NAMES)
        where = ctx.locate(tv.policy.origin, *tv.ref.path, "to", j, "domainNames")
        spelled = ", ".join(names)
        if tv.rule.action is not TierAction.ALLOW:
            yield ctx.finding(
                RuleId.DOMAIN_NAMES_NOT_ALLOW,
                f'{rule_head(tv)} names domainNames {spelled}: "DomainNames is only supported for '
                f'{"Accept" if tv.policy.kind == CNP_KIND else "ALLOW"} rules"; netpol takes the '
                "peer to match nothing, so the rule "
                f"{'denies' if tv.rule.action is TierAction.DENY else 'passes'} no traffic by name",
                where,
                "allow (Accept) the names instead, and deny the rest with a rule of lower "
                "precedence to networks 0.0.0.0/0 and ::/0",
                subjects=ctx.ids(ctx.concerned(tv.targets)),
                obj=tier_object(tv.policy),
            )
        elif tv.targets and not tv.fail_closed:
            yield ctx.finding(
                RuleId.DNS_DEPENDENT,
                f"{rule_head(tv)} lets {listing(ctx.ids(ctx.concerned(tv.targets)))} reach domain "
                f"names {spelled}: "
                "netpol cannot resolve names, so its verdicts toward outside addresses depend on DNS",
                where,
                "netpol query says when a verdict depends on DNS; use networks where the addresses are known",
                subjects=ctx.ids(ctx.concerned(tv.targets)),
                obj=tier_object(tv.policy),
            )
