"""Lint rules about redundancy, decided by the engine: NP013 redundant-rule, NP014 redundant-policy.

A rule is redundant when removing it leaves what its side (the ingress of the pods it selects, or
their egress) allows unchanged; then no allowed connection changes either. The check works on
the graph's node sets: only the endpoints the rule selects and the peers it admits are looked at,
and endpoints that the same other rules cover are decided once.

A policy is redundant when removing it changes nothing: its rules are covered by the other
policies, and every workload it alone isolates is left no less open (the policy allows
everything there).

Redundancy is decided greedily, last first: of two identical rules the later is reported. Each
reported rule or policy can be removed alone, and all of them can be removed at once, without
changing any allowed connection.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Sequence
from collections.abc import Set as AbstractSet

from netpol.core.ports import PortSet
from netpol.core.text import listing
from netpol.engine.nodeset import NodeSet, partition
from netpol.engine.views import PolicyView, RuleView
from netpol.findings.catalog import RuleId
from netpol.findings.records import Finding, Related, policy_ref
from netpol.lint.context import Context, is_default_deny
from netpol.lint.registry import rule
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction, NetworkPolicy

__all__ = ["redundant"]


@rule(RuleId.REDUNDANT_RULE, RuleId.REDUNDANT_POLICY)
def redundant(ctx: Context) -> Iterator[Finding]:
    rules = ctx.graph.rules()
    everything = set(rules)
    kept = set(everything)
    dropped: set[PolicyView] = set()  # the redundant policies
    policies: list[PolicyView] = []
    if ctx.wants(RuleId.REDUNDANT_POLICY):
        for view in sorted(ctx.policies(), key=lambda v: v.policy.id, reverse=True):
            pol = view.policy
            if not view.targets or not any(pol.rules(d) for d in pol.policy_types):
                continue  # it selects nothing (NP010); or it only denies, which is never noise
            mine = set(view.rules)
            # Redundant alone (everything else in place), and with what is already reported gone.
            if (
                _policy_redundant(ctx, view, _Less(everything, mine), set()) is not None
                and _policy_redundant(ctx, view, _Less(kept, mine), dropped) is not None
            ):
                kept -= mine
                dropped.add(view)
                policies.append(view)
    redundant: list[RuleView] = []
    if ctx.wants(RuleId.REDUNDANT_RULE):
        dropped_policies = {id(v.policy) for v in dropped}
        for cr in reversed(rules):
            if id(cr.policy) in dropped_policies or not cr.targets or not cr.peers:
                continue
            if _covered(ctx, cr, _Less(kept, {cr}), cr.targets):  # None: not covered; empty: dead
                kept.discard(cr)
                redundant.append(cr)
    # Each removal above left every allowed set unchanged; the messages name what remains.
    for view in policies:
        pol = view.policy
        why = _policy_redundant(ctx, view, kept - set(view.rules), dropped - {view})
        yield ctx.finding(
            RuleId.REDUNDANT_POLICY,
            f"{pol.id} changes no allowed connection: {why or 'other policies cover it'}"
            f"{ctx.stand_in_note(view.targets)}",
            ctx.locate(pol.origin, "metadata", "name"),
            "delete it, or fix it so that it does what was intended",
            subjects=ctx.ids(view.targets),
            obj=policy_ref(pol),
        )
    for cr in redundant:
        covering = sorted(_covered(ctx, cr, kept, cr.targets) or (), key=lambda r: r.id)
        names = listing([str(r.ref) for r in covering])
        where = ctx.locate(cr.policy.origin, *cr.ref.path)
        yield ctx.finding(
            RuleId.REDUNDANT_RULE,
            f"{cr.ref} is redundant: {names} already "
            f"allow{'s' if len(covering) == 1 else ''} everything it allows",
            where,
            "delete the rule (no allowed connection changes), or narrow the rule that covers it",
            subjects=ctx.ids(cr.targets),
            obj=policy_ref(cr.policy),
            related=[
                Related(loc, f"covered by {r.ref}")
                for r in covering
                if (loc := ctx.locate(r.policy.origin, *r.ref.path)) is not None
            ],
        )


class _Less(Container[RuleView]):
    """The rules of ``rules`` that are not in ``less``, without copying ``rules``: the checks
    ask for one namespace's rules each, and a copy of the cluster's for each policy and rule was
    most of their time on a large cluster."""

    __slots__ = ("less", "rules")

    def __init__(self, rules: AbstractSet[RuleView], less: AbstractSet[RuleView]) -> None:
        self.rules = rules
        self.less = less

    def __contains__(self, rule: object) -> bool:
        return rule in self.rules and rule not in self.less


def _eligible(policy: NetworkPolicy, rule: RuleView, others: Container[RuleView]) -> bool:
    """Whether ``rule`` (of a policy of ``policy``'s namespace) may stand in for ``policy``'s.

    An empty podSelector also selects the pods the namespace gets tomorrow; only policies that
    select every pod of the namespace too can stand in for it.
    """
    return rule in others and (not policy.pod_selector.is_empty or rule.policy.pod_selector.is_empty)


def _representatives(ctx: Context, cell: NodeSet, named: bool) -> list[int]:
    """One destination per distinct set of declared ports (all alike without named ports)."""
    if not named:
        return [cell.first()]
    seen: dict[object, int] = {}
    for d in cell:
        node = ctx.graph.nodes[d]
        seen.setdefault(node.ports if isinstance(node, Endpoint) else None, d)
    return list(seen.values())


def _covered(
    ctx: Context, cr: RuleView, others: Container[RuleView], targets: NodeSet
) -> set[RuleView] | None:
    """The rules among ``others`` that cover what ``cr`` allows to ``targets``; None if they don't.

    An empty set means ``cr`` allows nothing there at all.
    """
    ingress = cr.direction is Direction.INGRESS
    # Only rules of policies of cr's namespace select its targets (the ingress destinations, the
    # egress sources): a NetworkPolicy selects pods of its own namespace.
    mates = [r for r in ctx.rules_in(cr.direction, cr.policy.namespace) if _eligible(cr.policy, r, others)]
    by: set[RuleView] = set()
    if ingress:
        # Destinations: the targets; each must get what cr admits from cr.peers from others.
        cells = partition(targets, ((r.targets, r) for r in mates))
        universe = cr.peers
    else:
        # Destinations: the peers; sources: the targets.
        mates = [r for r in mates if not r.targets.isdisjoint(targets)]
        cells = partition(cr.peers, ((r.peers, r) for r in mates))
        universe = targets
    for cell, ids in cells:
        named = cr.named or any(r.named for r in ids)
        for d in _representatives(ctx, cell, named):
            need = cr.ports_toward(d)
            if not need:
                continue
            sub = partition(universe, ((r.peers if ingress else r.targets, r) for r in ids))
            for _, covering in sub:
                allowed = PortSet.none()
                for r in covering:
                    allowed |= r.ports_toward(d)
                if not need.issubset(allowed):
                    return None
                by.update(r for r in covering if r.ports_toward(d) & need)
    return by


def _policy_redundant(
    ctx: Context, view: PolicyView, others: Container[RuleView], dropped: set[PolicyView]
) -> str | None:
    """Why removing ``view``'s policy changes nothing, or None when it would.

    An empty podSelector also selects the pods the namespace gets tomorrow: such a policy must be
    redundant among the policies that select every pod of its namespace too.
    """
    why = _removal(ctx, view, others, dropped, future=False)
    if (
        why is not None
        and view.policy.pod_selector.is_empty
        and _removal(ctx, view, others, dropped, future=True) is None
    ):
        return None
    return why


def _removal(
    ctx: Context, view: PolicyView, others: Container[RuleView], dropped: set[PolicyView], *, future: bool
) -> str | None:
    pol, targets = view.policy, view.targets
    reasons: list[str] = []
    # Its targets are pods of its namespace, which only policies of that namespace select.
    rest = [o for o in ctx.policies_in(pol.namespace) if o is not view and o not in dropped]
    for direction in sorted(pol.policy_types):
        d = direction.value.lower()
        if is_default_deny(pol, direction) and not any(
            is_default_deny(o.policy, direction) for o in rest if o.policy.namespace == pol.namespace
        ):
            return None  # the namespace's baseline: it isolates the pods added tomorrow
        isolated_by_others = ctx.graph.union(
            o.targets
            for o in rest
            if direction in o.policy.policy_types
            and (not future or (o.policy.pod_selector.is_empty and o.policy.namespace == pol.namespace))
        )
        shared, alone = targets & isolated_by_others, targets - isolated_by_others
        own = [cr for cr in view.rules if cr.direction is direction]
        if alone:
            if not _allows_everything(ctx, own, alone, direction):
                return None
            reasons.append(
                f"its {d} rules allow everything, as if {listing(ctx.ids(alone))} were not isolated for {d}"
            )
        if shared:
            covering: set[RuleView] = set()
            for cr in own:
                by = _covered(ctx, cr, others, shared)
                if not by:
                    return None  # not covered; or a rule that allows nothing (NP011, NP012)
                covering |= by
            names = sorted({r.policy.id for r in covering})
            verb = "allows" if len(names) == 1 else "allow"
            also = f", and {listing(names)} already {verb} what it allows" if names else ""
            reasons.append(f"{d} of {listing(ctx.ids(shared))} is isolated by other policies{also}")
    return "; ".join(reasons) if reasons else None


def _allows_everything(ctx: Context, own: Sequence[RuleView], targets: NodeSet, direction: Direction) -> bool:
    """Whether ``own`` rules allow every peer on every port, for every one of ``targets``."""
    every = ctx.graph.everything
    if any(cr.static_ports is not None and cr.static_ports.is_all() and cr.peers == every for cr in own):
        return True
    cells = partition(every, ((cr.peers, cr) for cr in own))
    if direction is Direction.INGRESS:
        named = any(cr.named for cr in own)
        for t in _representatives(ctx, targets, named):
            for _, rules in cells:
                allowed = PortSet.none()
                for cr in rules:
                    allowed |= cr.ports_toward(t)
                if not allowed.is_all():
                    return False
        return True
    for nodes, rules in cells:
        for d in _representatives(ctx, nodes, True):
            allowed = PortSet.none()
            for cr in rules:
                allowed |= cr.ports_toward(d)
            if not allowed.is_all():
                return False
    return True
