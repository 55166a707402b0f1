"""Diff stage: why a connection changed: the rules behind it on each side, and the edits
(policies added, removed or modified; endpoints and namespaces changed) behind those rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netpol.core.ports import PortSet
from netpol.core.refs import RuleRef
from netpol.diff.refine import Parties, endpoints_of
from netpol.diff.result import PolicyChangeKind
from netpol.engine.graph import AllowGraph
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction

__all__ = ["SideView", "Why", "pair_sides"]


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


class Why:
    """Why one pair changed.

    Ports gained are allowed on the new side by some rules (or by a side no longer isolated);
    ports lost were allowed on the old side. On each direction (the source's egress, the
    destination's ingress) that did block them on the other side, the edits behind the change
    are the policies added, removed or modified among the rules that allow them, or, where the
    allowing side is not isolated, among the policies that isolated it on the other side.
    """

    def __init__(self, parties: Parties, policy_kinds: Mapping[str, PolicyChangeKind]) -> None:
        self.parties = parties
        self.policy_kinds = policy_kinds
        old, new = parties.sides
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

    def of(
        self, src: int, dst: int, gained: PortSet, lost: PortSet
    ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(cause, allowed_after, allowed_before) for one changed pair."""
        allowed: list[tuple[str, ...]] = []
        edits: set[str] = set()
        for ports, here, there in ((gained, 1, 0), (lost, 0, 1)):
            if not ports:
                allowed.append(())
                continue
            egress, ingress = self.sides(here, src, dst)
            allowed.append(tuple(r for side in (egress, ingress) for r in side.rules(ports)))
            for side, party in ((egress, src), (ingress, dst)):
                blocked_by = self._isolating(there, side.direction, party)
                if not side.applies or blocked_by == []:
                    continue  # this direction let everything through on the other side
                if side.isolated:
                    edits.update(policy for policy, _, allowed in side.matches if allowed & ports)
                else:
                    edits.update(blocked_by or ())
        cause = [f"policy {p} {self.policy_kinds[p].value}" for p in sorted(edits) if p in self.policy_kinds]
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
            cause = [f"policy {p} {self.policy_kinds[p].value}" for p in self._nearby(src, dst)]
        return (*cause, *notes), allowed[0], allowed[1]

    def _nearby(self, src: int, dst: int) -> list[str]:
        """Every edited policy isolating an end on either side: the widest possible cause."""
        found: set[str] = set()
        for side in (0, 1):
            found.update(self._isolating(side, Direction.EGRESS, src) or ())
            found.update(self._isolating(side, Direction.INGRESS, dst) or ())
        return sorted(found & self.policy_kinds.keys())
