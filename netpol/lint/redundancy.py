"""Lint rules about redundancy, decided by the engine: NP013 redundant-rule, NP014 redundant-policy.

A rule is redundant when removing it leaves what its side (the ingress of the pods it selects, or
their egress) allows unchanged; then no allowed connection changes either. The check reads the
compiled bitsets: only the endpoints the rule selects and the peers it admits are looked at, and
endpoints that the same other rules cover are decided once.

A policy is redundant when removing it changes nothing: its rules are covered by the other
policies, and every workload it alone isolates is left no less open (the policy allows
everything there).

Redundancy is decided greedily, last first: of two identical rules the later is reported. Each
reported rule or policy can be removed alone, and all of them can be removed at once, without
changing any allowed connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from netpol.core.bits import iter_bits
from netpol.core.ports import PortSet
from netpol.core.text import listing
from netpol.engine.compile import CompiledRule, Node, rule_ports
from netpol.findings.records import Finding, Related, policy_ref
from netpol.lint.context import Context, is_default_deny, rule_path
from netpol.model.cluster import Endpoint
from netpol.model.parse import Direction, NetworkPolicy

__all__ = ["check"]

Cell = tuple[int, tuple[int, ...]]


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.wants("NP013", "NP014"):
        return
    rules = ctx.compiled.rules
    everything = {cr.id for cr in rules}
    kept = set(everything)
    dropped: set[int] = set()  # id() of the redundant policies
    policies: list[tuple[NetworkPolicy, int]] = []
    if ctx.wants("NP014"):
        for pol, targets in sorted(ctx.policies(), key=lambda pt: pt[0].id, reverse=True):
            if not targets or not any(pol.rules(d) for d in pol.policy_types):
                continue  # it selects nothing (NP010); or it only denies, which is never noise
            mine = {cr.id for cr in ctx.compiled_rules(pol)}
            # Redundant alone (everything else in place), and with what is already reported gone.
            if (_policy_redundant(ctx, pol, targets, everything - mine, set()) is not None
                    and _policy_redundant(ctx, pol, targets, kept - mine, dropped) is not None):
                kept -= mine
                dropped.add(id(pol))
                policies.append((pol, targets))
    redundant: list[CompiledRule] = []
    if ctx.wants("NP013"):
        for cr in reversed(rules):
            if id(cr.policy) in dropped or not cr.targets or not cr.peers:
                continue
            if _covered(ctx, cr, kept - {cr.id}, cr.targets):  # None: not covered; empty: dead
                kept.discard(cr.id)
                redundant.append(cr)
    # Each removal above left every allowed set unchanged; the messages name what remains.
    for pol, targets in policies:
        mine = {cr.id for cr in ctx.compiled_rules(pol)}
        why = _policy_redundant(ctx, pol, targets, kept - mine, dropped - {id(pol)})
        yield ctx.finding(
            "NP014", f"{pol.id} changes no allowed connection: {why or 'other policies cover it'}",
            ctx.locate(pol.origin, "metadata", "name"),
            "delete it, or fix it so that it does what was intended",
            subjects=ctx.ids(targets), obj=policy_ref(pol))
    for cr in redundant:
        covering = [rules[r] for r in sorted(_covered(ctx, cr, kept, cr.targets) or ())]
        names = listing([r.label for r in covering])
        where = ctx.locate(cr.policy.origin, *rule_path(cr.direction, cr.rule.index))
        yield ctx.finding(
            "NP013", f"{cr.label} is redundant: {names} already "
            f"allow{'s' if len(covering) == 1 else ''} everything it allows", where,
            "delete the rule (no allowed connection changes), or narrow the rule that covers it",
            subjects=ctx.ids(cr.targets), obj=policy_ref(cr.policy),
            related=[Related(loc, f"covered by {r.label}") for r in covering
                     if (loc := ctx.locate(r.policy.origin, *rule_path(r.direction, r.rule.index)))
                     is not None])


def _eligible(ctx: Context, policy: NetworkPolicy, others: set[int]) -> set[int]:
    """The rules that may stand in for ``policy``'s.

    An empty podSelector also selects the pods the namespace gets tomorrow; only policies that
    select every pod of the namespace too can stand in for it.
    """
    if not policy.pod_selector.is_empty:
        return others
    rules = ctx.compiled.rules
    return {r for r in others if rules[r].policy.pod_selector.is_empty
            and rules[r].policy.namespace == policy.namespace}


def _partition(universe: int, items: Iterable[tuple[int, int]]) -> list[Cell]:
    """Split ``universe`` into cells whose members lie in the same items' bitsets."""
    cells: list[Cell] = [(universe, ())] if universe else []
    for bits, ident in items:
        if not bits & universe:
            continue
        out: list[Cell] = []
        for cell, ids in cells:
            inside = cell & bits
            if inside:
                out.append((inside, (*ids, ident)))
                if inside != cell:
                    out.append((cell & ~inside, ids))
            else:
                out.append((cell, ids))
        cells = out
    return cells


def _ports(cr: CompiledRule, dst: Node) -> PortSet:
    return cr.static_ports if cr.static_ports is not None else rule_ports(cr.rule, dst)


def _representatives(ctx: Context, cell: int, named: bool) -> list[int]:
    """One destination per distinct set of declared ports (all alike without named ports)."""
    if not named:
        return [(cell & -cell).bit_length() - 1]
    seen: dict[object, int] = {}
    for d in iter_bits(cell):
        node = ctx.compiled.nodes[d]
        seen.setdefault(node.ports if isinstance(node, Endpoint) else None, d)
    return list(seen.values())


def _covered(ctx: Context, cr: CompiledRule, others: set[int], targets: int) -> set[int] | None:
    """The rules among ``others`` that cover what ``cr`` allows to ``targets``; None if they don't.

    An empty set means ``cr`` allows nothing there at all.
    """
    rules = ctx.compiled.rules
    ingress = cr.direction is Direction.INGRESS
    mates = [rules[r] for r in sorted(_eligible(ctx, cr.policy, others))
             if rules[r].direction is cr.direction]
    by: set[int] = set()
    if ingress:
        # Destinations: the targets; each must get what cr admits from cr.peers from others.
        cells = _partition(targets, ((r.targets, r.id) for r in mates))
        universe = cr.peers
    else:
        # Destinations: the peers; sources: the targets.
        mates = [r for r in mates if r.targets & targets]
        cells = _partition(cr.peers, ((r.peers, r.id) for r in mates))
        universe = targets
    for cell, ids in cells:
        named = cr.static_ports is None or any(rules[r].static_ports is None for r in ids)
        for d in _representatives(ctx, cell, named):
            dst = ctx.compiled.nodes[d]
            need = _ports(cr, dst)
            if not need:
                continue
            key = "peers" if ingress else "targets"
            sub = _partition(universe, ((getattr(rules[r], key), r) for r in ids))
            for _, covering in sub:
                allowed = PortSet.none()
                for r in covering:
                    allowed |= _ports(rules[r], dst)
                if not need.issubset(allowed):
                    return None
                by.update(r for r in covering if _ports(rules[r], dst) & need)
    return by


def _policy_redundant(ctx: Context, pol: NetworkPolicy, targets: int, others: set[int],
                      dropped: set[int]) -> str | None:
    """Why removing ``pol`` changes nothing, or None when it would.

    An empty podSelector also selects the pods the namespace gets tomorrow: such a policy must be
    redundant among the policies that select every pod of its namespace too.
    """
    why = _removal(ctx, pol, targets, others, dropped, future=False)
    if why is not None and pol.pod_selector.is_empty and _removal(
            ctx, pol, targets, others, dropped, future=True) is None:
        return None
    return why


def _removal(ctx: Context, pol: NetworkPolicy, targets: int, others: set[int], dropped: set[int],
             *, future: bool) -> str | None:
    reasons: list[str] = []
    mine = ctx.compiled_rules(pol)
    for direction in sorted(pol.policy_types):
        d = direction.value.lower()
        if is_default_deny(pol, direction) and not any(
                is_default_deny(other, direction) for other, _ in ctx.policies()
                if other is not pol and id(other) not in dropped
                and other.namespace == pol.namespace):
            return None  # the namespace's baseline: it isolates the pods added tomorrow
        isolated_by_others = 0
        for other, bits in ctx.policies():
            if (other is not pol and id(other) not in dropped and direction in other.policy_types
                    and (not future or (other.pod_selector.is_empty
                                        and other.namespace == pol.namespace))):
                isolated_by_others |= bits
        shared, alone = targets & isolated_by_others, targets & ~isolated_by_others
        own = [cr for cr in mine if cr.direction is direction]
        if alone:
            if not _allows_everything(ctx, own, alone, direction):
                return None
            reasons.append(f"its {d} rules allow everything, as if {listing(ctx.ids(alone))} "
                           f"were not isolated for {d}")
        if shared:
            covering: set[int] = set()
            for cr in own:
                by = _covered(ctx, cr, others, shared)
                if not by:
                    return None  # not covered; or a rule that allows nothing (NP011, NP012)
                covering |= by
            names = sorted({ctx.compiled.rules[r].policy.id for r in covering})
            verb = "allows" if len(names) == 1 else "allow"
            also = f", and {listing(names)} already {verb} what it allows" if names else ""
            reasons.append(f"{d} of {listing(ctx.ids(shared))} is isolated by other policies{also}")
    return "; ".join(reasons) if reasons else None


def _allows_everything(ctx: Context, own: Sequence[CompiledRule], targets: int,
                       direction: Direction) -> bool:
    """Whether ``own`` rules allow every peer on every port, for every one of ``targets``."""
    if any(cr.static_ports is not None and cr.static_ports.is_all() and cr.peers == ctx.every
           for cr in own):
        return True
    cells = _partition(ctx.every, ((cr.peers, i) for i, cr in enumerate(own)))
    if direction is Direction.INGRESS:
        named = any(cr.static_ports is None for cr in own)
        for t in _representatives(ctx, targets, named):
            dst = ctx.compiled.nodes[t]
            for _, ids in cells:
                allowed = PortSet.none()
                for i in ids:
                    allowed |= _ports(own[i], dst)
                if not allowed.is_all():
                    return False
        return True
    for bits, ids in cells:
        for d in _representatives(ctx, bits, True):
            allowed = PortSet.none()
            for i in ids:
                allowed |= _ports(own[i], ctx.compiled.nodes[d])
            if not allowed.is_all():
                return False
    return True
