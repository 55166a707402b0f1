"""Diff stage: why a connection changed: the rules behind it on each side, and the edits
(policies added, removed or modified; endpoints and namespaces changed) behind those rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from netpol.core.ports import PortSet
from netpol.core.refs import RuleRef
from netpol.diff.refine import Parties, endpoints_of
from netpol.diff.result import PolicyChangeKind, TierStep
from netpol.diff.tiers import Chain, TierEdit, applies, chain, in_words
from netpol.engine.graph import AllowGraph
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction

__all__ = ["Reasons", "SideView", "Why", "pair_sides"]

_SIDES = ("before", "after")
"""How a change's records name the old side (0) and the new side (1)."""


@dataclass(frozen=True, slots=True)
class SideView:
    """One direction of one allowed pair, read from the compiled blocks: what
    :func:`netpol.query.explain.explain` reports as a :class:`~netpol.query.explain.Side`, without scanning
    every policy and rule."""

    direction: Direction
    endpoint: str
    applies: bool
    """False for an external range or a host-network pod: no policy applies."""
    isolated: bool
    matches: tuple[tuple[str, int, PortSet], ...]
    """(policy id, 0-based rule index, ports toward the destination) of the rules that admit
    the other end."""

    def rules(self, ports: PortSet) -> list[str]:
        """The rules that allow some of ``ports``; an unisolated side says so."""
        direction = self.direction.value.lower()
        if not self.applies:
            return []
        if not self.isolated:
            return [f"{self.endpoint} not isolated for {direction}"]
        return [
            str(RuleRef(policy, self.direction, index))
            for policy, index, allowed in self.matches
            if allowed & ports
        ]


def pair_sides(graph: AllowGraph, src: int, dst: int) -> tuple[SideView, SideView]:
    """(egress of ``src``, ingress of ``dst``) for an allowed pair of node indexes.

    The block of ``dst`` holding ``src`` already lists the rules that admit it on each side.
    """
    block = graph.block_between(src, dst)
    assert block is not None, "pair_sides is asked about allowed pairs only"
    out: list[SideView] = []
    for direction, owner, rules in (
        (Direction.EGRESS, src, block.egress),
        (Direction.INGRESS, dst, block.ingress),
    ):
        applies = not graph.is_external(owner) and owner not in graph.host_network
        isolated = applies and owner in graph.isolated(direction)
        matches = []
        for rule in rules if isolated else ():
            ports = rule.ports_toward(dst)
            if ports:
                matches.append((rule.policy.id, rule.rule.index, ports))
        out.append(SideView(direction, graph.ids[owner], applies, isolated, tuple(matches)))
    return out[0], out[1]


def _endpoint_changes(old: Endpoint, new: Endpoint) -> list[str]:
    fields = (
        ("labels", dict(old.labels) != dict(new.labels)),
        ("ports", old.ports != new.ports),
        ("addresses", old.ips != new.ips),
        ("nodes", old.nodes != new.nodes),
        ("hostNetwork", old.host_network != new.host_network),
    )
    return [name for name, changed in fields if changed]


@dataclass(frozen=True, slots=True)
class Reasons:
    """Why one pair changed: the fields of a :class:`~netpol.diff.result.PairChange` it fills."""

    cause: tuple[str, ...]
    allowed_after: tuple[str, ...]
    allowed_before: tuple[str, ...]
    denied_after: tuple[str, ...] = ()
    denied_before: tuple[str, ...] = ()
    tiers: tuple[TierStep, ...] = ()


@dataclass(slots=True)
class _Found:
    """What the directions of one pair add up to, while they are read."""

    edits: set[str] = field(default_factory=set)
    """NetworkPolicies behind the change."""
    tier_edits: set[str] = field(default_factory=set)
    """Tier policies behind the change."""
    denied: tuple[list[str], list[str]] = field(default_factory=lambda: ([], []))
    """By side: what denied the ports the other side allows."""
    steps: list[TierStep] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


class Why:
    """Why one pair changed.

    Ports gained are allowed on the new side by some rules (or by a side no longer isolated);
    ports lost were allowed on the old side. On each direction (the source's egress, the
    destination's ingress) that did block them on the other side, the edits behind the change
    are the policies added, removed or modified among the rules that allow them, or, where the
    allowing side is not isolated, among the policies that isolated it on the other side.
    """

    def __init__(
        self,
        parties: Parties,
        policy_kinds: Mapping[str, PolicyChangeKind],
        tier_edits: Mapping[str, TierEdit] | None = None,
    ) -> None:
        self.parties = parties
        self.policy_kinds = policy_kinds
        self.tier_edits = tier_edits or {}
        old, new = parties.sides
        self.tiered = bool(old.tier_rules() or new.tier_rules())
        self.tier_policies = tuple({p.id: p for p in g.cluster.tier_policies} for g in parties.sides)
        old_eps = {e.id: e for e in endpoints_of(old)}
        new_eps = {e.id: e for e in endpoints_of(new)}
        self.came_or_went: dict[str, str] = {}
        for eid in old_eps.keys() - new_eps.keys():
            self.came_or_went[eid] = f"endpoint {eid} disappeared"
        for eid in new_eps.keys() - old_eps.keys():
            self.came_or_went[eid] = f"endpoint {eid} appeared"
        self.modified = {
            eid: fields
            for eid in old_eps.keys() & new_eps.keys()
            if (fields := _endpoint_changes(old_eps[eid], new_eps[eid]))
        }
        self.namespace_of = {e.id: e.namespace for e in (*old_eps.values(), *new_eps.values())}
        old_ns = {n.name: dict(n.labels) for n in old.cluster.namespaces}
        new_ns = {n.name: dict(n.labels) for n in new.cluster.namespaces}
        self.relabelled = {ns for ns in old_ns.keys() & new_ns.keys() if old_ns[ns] != new_ns[ns]}

    def sides(self, side: int, src: int, dst: int) -> tuple[SideView, SideView]:
        s = self.parties.node_in(side, src)
        d = self.parties.node_in(side, dst)
        assert s is not None and d is not None
        return pair_sides(self.parties.sides[side], s, d)

    def _isolating(self, side: int, direction: Direction, party: int) -> list[str] | None:
        """The policies isolating ``party`` for ``direction`` on one side; [] when nothing
        isolates it (or no policy can apply), None when the side lacks the endpoint."""
        node = self.parties.node_in(side, party)
        if node is None:
            return None
        if self.parties.is_cell(party):
            return []
        return [p.id for p in self.parties.sides[side].isolating(node, direction)]

    def of(self, src: int, dst: int, gained: PortSet, lost: PortSet) -> Reasons:
        """The cause, the rules on each side, and (where a tier rule took part) what denies."""
        allowed: list[tuple[str, ...]] = []
        found = _Found()
        for ports, here, there in ((gained, 1, 0), (lost, 0, 1)):
            if not ports:
                allowed.append(())
                continue
            texts: list[str] = []
            for side, party in zip(self.sides(here, src, dst), (src, dst), strict=True):
                tiered = self._tiered(side, ports, here, there, src, dst, found) if self.tiered else None
                if tiered is not None:
                    texts += tiered
                    continue
                texts += side.rules(ports)
                blocked_by = self._isolating(there, side.direction, party)
                if not side.applies or blocked_by == []:
                    continue  # this direction let everything through on the other side
                if side.isolated:
                    found.edits.update(policy for policy, _, allowed in side.matches if allowed & ports)
                else:
                    found.edits.update(blocked_by or ())
            allowed.append(tuple(texts))
        cause = [f"policy {p} {self.tier_edits[p].kind.value}" for p in sorted(found.tier_edits)]
        cause += [
            f"policy {p} {self.policy_kinds[p].value}" for p in sorted(found.edits) if p in self.policy_kinds
        ]
        cause += list(dict.fromkeys(found.words))
        ends = [self.parties.ids[p] for p in (src, dst) if not self.parties.is_cell(p)]
        notes = [self.came_or_went[e] for e in ends if e in self.came_or_went]
        for e in ends:
            fields = self.modified.get(e, [])
            if "labels" in fields or (fields and not cause):
                notes.append(f"endpoint {e} modified ({', '.join(fields)})")
        notes += [
            f"namespace {ns} relabelled"
            for ns in sorted({self.namespace_of[e] for e in ends} & self.relabelled)
        ]
        if not cause and not notes:
            cause = [f"policy {p} {self.tier_edits[p].kind.value}" for p in self._nearby_tiers(src, dst)]
            cause += [f"policy {p} {self.policy_kinds[p].value}" for p in self._nearby(src, dst)]
        return Reasons(
            (*cause, *notes),
            allowed[0],
            allowed[1],
            tuple(dict.fromkeys(found.denied[1])),
            tuple(dict.fromkeys(found.denied[0])),
            _merged(found.steps),
        )

    def _tiered(
        self, side: SideView, ports: PortSet, here: int, there: int, src: int, dst: int, found: _Found
    ) -> list[str] | None:
        """One direction read through the tier chain of both sides, when a tier rule matched
        some of ``ports`` on either: the texts of the rules allowing them ``here``. None when no
        tier rule took part (the NetworkPolicy reading applies, unchanged)."""
        if not side.applies:
            return None
        parties, direction = self.parties, side.direction
        graph = parties.sides[here]
        s, d = parties.node_in(here, src), parties.node_in(here, dst)
        assert s is not None and d is not None
        allowing = chain(graph, s, d, direction, ports, _SIDES[here])
        other = parties.sides[there]
        s2, d2 = parties.node_in(there, src), parties.node_in(there, dst)
        denying: Chain | None = None
        blocked = ports
        if s2 is not None and d2 is not None:
            owner = d2 if direction is Direction.INGRESS else s2
            if not applies(other, owner):
                blocked = PortSet.none()
            else:
                blocked = ports - other.tier_decision(s2, d2, direction).allowed
                if blocked:
                    denying = chain(other, s2, d2, direction, blocked, _SIDES[there])
        if not allowing.steps and not (denying and denying.steps):
            return None
        found.steps += allowing.steps
        if not blocked:
            return list(allowing.texts)  # this direction let everything through on the other side
        decided = allowing if blocked == ports else chain(graph, s, d, direction, blocked, _SIDES[here])
        for c in (decided, denying):
            if c is not None:
                found.tier_edits.update(st.policy for st in c.steps if st.policy in self.tier_edits)
                found.edits.update(p for p in c.policies if p in self.policy_kinds)
        if denying is not None:
            found.steps += denying.steps
            found.denied[there].extend(denying.texts)
            old, new = (decided, denying) if here == 0 else (denying, decided)
            found.words += in_words(old, new, *self.tier_policies)
        return list(allowing.texts)

    def _nearby(self, src: int, dst: int) -> list[str]:
        """Every edited policy isolating an end on either side: the widest possible cause."""
        found: set[str] = set()
        for side in (0, 1):
            found.update(self._isolating(side, Direction.EGRESS, src) or ())
            found.update(self._isolating(side, Direction.INGRESS, dst) or ())
        return sorted(found & self.policy_kinds.keys())

    def _nearby_tiers(self, src: int, dst: int) -> list[str]:
        """Every edited tier policy whose subject holds an end on either side."""
        found: set[str] = set()
        for side in (0, 1):
            graph = self.parties.sides[side]
            nodes = [n for n in (self.parties.node_in(side, p) for p in (src, dst)) if n is not None]
            for view in graph.tier_policies():
                if any(n in view.targets for n in nodes):
                    found.add(view.policy.id)
        return sorted(found & self.tier_edits.keys())


def _merged(steps: list[TierStep]) -> tuple[TierStep, ...]:
    """One step per side and rule, their ports joined, in the order first met."""
    out: dict[tuple[str, str, str, int], TierStep] = {}
    for st in steps:
        key = (st.side, st.direction, st.policy, st.rule)
        prev = out.get(key)
        out[key] = st if prev is None else replace(prev, ports=prev.ports | st.ports)
    return tuple(out.values())
