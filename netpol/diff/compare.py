"""Diff stage: what a policy change opens and closes, read from two compiled allow-graphs.

The comparison is semantic. Endpoints are matched by id (``ns/name[Kind]``); two graphs whose
pairs allow the same ports are equal, however their policies are named, ordered or split.
External ranges are cut differently on each side (by each side's ipBlocks), so they are compared
on the common refinement of both sides' cuts, and adjacent ranges with the same change are merged
back for display.

Every added or removed connection names its cause: the policies added, removed or modified
between the sides that select one of its ends (compared by their parsed records, not by text),
and the rules that allow it on the side where it is allowed.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from netpol.core.ipspace import AddressRange, format_range
from netpol.core.ports import PortSet
from netpol.core.refs import RuleRef
from netpol.engine.graph import AllowGraph
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction, NetworkPolicy, Rule

__all__ = [
    "ChangeKind",
    "GraphDiff",
    "PairChange",
    "PolicyChange",
    "PolicyChangeKind",
    "Scope",
    "SideView",
    "diff_graphs",
    "pair_sides",
    "policy_key",
]


class ChangeKind(StrEnum):
    ADDED = "added"
    """Nothing was allowed before; something is now."""
    REMOVED = "removed"
    """Something was allowed before; nothing is now."""
    CHANGED = "changed"
    """Allowed on both sides, on different ports."""


class Scope(StrEnum):
    """What a connection crosses: the cluster's edge, a namespace boundary, or neither."""

    EXTERNAL = "external"
    CROSS_NAMESPACE = "cross-namespace"
    NAMESPACE = "namespace"


class PolicyChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    RENAMED = "renamed"
    """Removed under one name and added under another with the same meaning."""


_KIND_RANK = {ChangeKind.ADDED: 0, ChangeKind.CHANGED: 1, ChangeKind.REMOVED: 2}
_SCOPE_RANK = {Scope.EXTERNAL: 0, Scope.CROSS_NAMESPACE: 1, Scope.NAMESPACE: 2}


@dataclass(frozen=True, slots=True)
class PairChange:
    """What ``src`` may open toward ``dst`` before and after, and why it changed."""

    src: str
    dst: str
    kind: ChangeKind
    before: PortSet
    after: PortSet
    gained: PortSet
    lost: PortSet
    scope: Scope
    cause: tuple[str, ...]
    """The changes between the sides behind this one: policies added, removed or modified that
    select an end, endpoints that appeared, disappeared or changed, namespaces relabelled."""
    allowed_after: tuple[str, ...]
    """The rules (or the missing isolation) that allow the gained ports on the new side."""
    allowed_before: tuple[str, ...]
    """The rules (or the missing isolation) that allowed the lost ports on the old side."""

    @property
    def new_exposure(self) -> bool:
        """Ports gained from or to outside the cluster, or across namespaces."""
        return bool(self.gained) and self.scope is not Scope.NAMESPACE

    def describe_ports(self) -> str:
        """``TCP 443`` when added or removed; ``TCP 80 => TCP 80,443 (gained TCP 443)`` else."""
        if self.kind is ChangeKind.ADDED:
            return str(self.after)
        if self.kind is ChangeKind.REMOVED:
            return str(self.before)
        delta = [f"{word} {ports}" for word, ports in (("gained", self.gained),
                                                       ("lost", self.lost)) if ports]
        return f"{self.before} => {self.after} ({', '.join(delta)})"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "src": self.src, "dst": self.dst,
                "scope": self.scope.value, "new_exposure": self.new_exposure,
                "before": self.before.to_json(), "after": self.after.to_json(),
                "gained": self.gained.to_json(), "lost": self.lost.to_json(),
                "cause": list(self.cause), "allowed_after": list(self.allowed_after),
                "allowed_before": list(self.allowed_before)}


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """A policy that differs between the sides (by meaning, not by text)."""

    policy: str
    """``ns/name``: the new name for a rename."""
    kind: PolicyChangeKind
    renamed_from: str | None
    connections: int
    """How many connection changes name this policy as a cause (0: no effect on connectivity)."""

    def describe(self) -> str:
        if self.kind is PolicyChangeKind.RENAMED:
            return f"{self.renamed_from} renamed to {self.policy}"
        return f"{self.policy} {self.kind.value}"

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "change": self.kind.value,
                "renamed_from": self.renamed_from, "connections": self.connections}


@dataclass(frozen=True, slots=True)
class GraphDiff:
    """The semantic difference between two allow-graphs.

    ``changes`` are sorted with new exposure first (from or to outside the cluster, then across
    namespaces), then by kind (added, changed, removed), source and destination.
    """

    changes: tuple[PairChange, ...]
    appeared: tuple[str, ...]
    """Endpoints only the new side has."""
    disappeared: tuple[str, ...]
    """Endpoints only the old side has."""
    policies: tuple[PolicyChange, ...]
    """Policy edits, with or without an effect on connectivity."""

    @property
    def empty(self) -> bool:
        """No connection and no endpoint differs (policy edits without effect do not count)."""
        return not (self.changes or self.appeared or self.disappeared)

    def of_kind(self, kind: ChangeKind) -> tuple[PairChange, ...]:
        return tuple(c for c in self.changes if c.kind is kind)

    @property
    def added(self) -> tuple[PairChange, ...]:
        return self.of_kind(ChangeKind.ADDED)

    @property
    def removed(self) -> tuple[PairChange, ...]:
        return self.of_kind(ChangeKind.REMOVED)

    @property
    def changed(self) -> tuple[PairChange, ...]:
        return self.of_kind(ChangeKind.CHANGED)

    @property
    def new_exposure(self) -> tuple[PairChange, ...]:
        return tuple(c for c in self.changes if c.new_exposure)

    def groups(self) -> list[tuple[str, tuple[PairChange, ...]]]:
        """The changes in the order a reviewer reads them: new exposure (from or to outside the
        cluster, or across namespaces), then the other additions, changes and removals."""
        rest = [c for c in self.changes if not c.new_exposure]
        out = [("new exposure", self.new_exposure)]
        out += [(kind.value, tuple(c for c in rest if c.kind is kind))
                for kind in (ChangeKind.ADDED, ChangeKind.CHANGED, ChangeKind.REMOVED)]
        return [(title, changes) for title, changes in out if changes]

    def touching(self, namespace: str) -> GraphDiff:
        """Only the changes with an end in ``namespace``, and that namespace's endpoints and
        policies (plus the policies the kept changes name)."""
        prefix = namespace + "/"
        changes = tuple(c for c in self.changes
                        if c.src.startswith(prefix) or c.dst.startswith(prefix))
        named = {p for c in changes for p in _policies_named(c)}
        return GraphDiff(changes, tuple(e for e in self.appeared if e.startswith(prefix)),
                         tuple(e for e in self.disappeared if e.startswith(prefix)),
                         tuple(p for p in self.policies
                               if p.policy.startswith(prefix) or p.policy in named))

    def summary(self) -> dict[str, int]:
        """Counts by kind, for headlines and machine formats."""
        return {"added": len(self.added), "removed": len(self.removed),
                "changed": len(self.changed), "appeared": len(self.appeared),
                "disappeared": len(self.disappeared),
                "new_exposure_external": sum(c.scope is Scope.EXTERNAL
                                             for c in self.new_exposure),
                "new_exposure_cross_namespace": sum(c.scope is Scope.CROSS_NAMESPACE
                                                    for c in self.new_exposure)}


def _policies_named(change: PairChange) -> Iterator[str]:
    for cause in change.cause:
        kind, _, rest = cause.partition(" ")
        if kind == "policy":
            yield rest.rsplit(" ", 1)[0]


# -- policies compared by meaning -----------------------------------------------------------------


def _rule_key(rule: Rule) -> tuple[frozenset[object], frozenset[object]]:
    """A rule without its position: its peers and its ports, each an unordered set."""
    return frozenset(rule.peers), frozenset(rule.ports)


def policy_key(policy: NetworkPolicy) -> tuple[object, ...]:
    """What a policy means: its namespace, selector, types and rules, order and name aside.

    Rules are ORed and so are the peers and ports of a rule: reordering them changes nothing.
    """
    selector = policy.pod_selector
    return (policy.namespace, frozenset(selector.match_labels), frozenset(selector.expressions),
            policy.policy_types, frozenset(_rule_key(r) for r in policy.ingress),
            frozenset(_rule_key(r) for r in policy.egress))


def _policy_changes(old: Sequence[NetworkPolicy], new: Sequence[NetworkPolicy]
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


# -- parties: endpoints by id, external ranges on the common refinement ---------------------------


@dataclass(frozen=True, slots=True)
class _Cell:
    family: int
    first: int
    last: int


class _Parties:
    """Endpoints of either side (by id), then the external cells both sides' cuts make."""

    def __init__(self, old: AllowGraph, new: AllowGraph) -> None:
        self.sides = (old, new)
        ids = sorted({n.id for g in self.sides for n in _endpoints(g)})
        self.endpoint_count = len(ids)
        self.ids = ids
        self.index = {e: i for i, e in enumerate(ids)}
        starts: dict[int, set[int]] = {4: set(), 6: set()}
        tops: dict[int, int] = {}
        for g in self.sides:
            for rng in _ranges(g):
                starts[rng.family].add(rng.first)
                tops[rng.family] = max(tops.get(rng.family, 0), rng.last)
        self.cells: list[_Cell] = []
        self.cell_starts: dict[int, list[int]] = {}
        self.cell_offset: dict[int, int] = {}
        for fam in (4, 6):
            points = sorted(starts[fam])
            self.cell_offset[fam] = self.endpoint_count + len(self.cells)
            self.cell_starts[fam] = points
            for i, first in enumerate(points):
                last = points[i + 1] - 1 if i + 1 < len(points) else tops[fam]
                self.cells.append(_Cell(fam, first, last))
        self._ids = tuple({node_id: i for i, node_id in enumerate(g.ids)} for g in self.sides)
        self._range_starts = tuple(
            {fam: [(r.first, i) for i, r in enumerate(g.nodes) if isinstance(r, AddressRange)
                   and r.family == fam] for fam in (4, 6)}
            for g in self.sides)

    def name(self, party: int) -> str:
        """An endpoint's id, or a cell's range id."""
        if party < self.endpoint_count:
            return self.ids[party]
        cell = self.cell(party)
        return format_range(cell.family, cell.first, cell.last)

    def is_cell(self, party: int) -> bool:
        return party >= self.endpoint_count

    def cell(self, party: int) -> _Cell:
        return self.cells[party - self.endpoint_count]

    def node_in(self, side: int, party: int) -> int | None:
        """The node index of ``party`` in one side's graph (None: the side lacks the endpoint)."""
        if not self.is_cell(party):
            return self._ids[side].get(self.ids[party])
        cell = self.cell(party)
        starts = self._range_starts[side][cell.family]
        # the side's range holding the cell: the last one starting at or before it
        return starts[bisect.bisect_right(starts, (cell.first, len(self.sides[side].nodes))) - 1][1]

    def cells_in(self, family: int, first: int, last: int) -> range:
        """The cells that make up ``first``-``last`` (a union of cells: its edges are cuts)."""
        starts = self.cell_starts[family]
        base = self.cell_offset[family]
        return range(base + bisect.bisect_left(starts, first),
                     base + bisect.bisect_right(starts, last))

    def allowed(self, side: int) -> tuple[dict[tuple[int, int], PortSet],
                                          dict[tuple[int, bool], list[_Run]]]:
        """One side's allowed pairs: between endpoints (by party), and per endpoint and
        direction (True: inbound from outside) the runs of outside addresses, adjacent ranges
        with the same ports merged."""
        graph = self.sides[side]
        n = graph.endpoint_count
        party = [self.index[node.id] for node in _endpoints(graph)]
        ranges = [(r.family, r.first, r.last) for r in _ranges(graph)]
        internal: dict[tuple[int, int], PortSet] = {}
        rows: dict[tuple[int, bool], list[list[Any]]] = defaultdict(list)
        for s, d, ports in graph.pairs():
            if s < n and d < n:
                internal[(party[s], party[d])] = ports
                continue
            key = (party[d], True) if s >= n else (party[s], False)
            family, first, last = ranges[(s if s >= n else d) - n]
            row = rows[key]
            if row:
                prev = row[-1]  # [family, first, last, ports]
                if prev[2] + 1 == first and prev[0] == family and (prev[3] is ports
                                                                  or prev[3] == ports):
                    prev[2] = last
                    continue
            row.append([family, first, last, ports])
        runs = {key: [_Run(*r) for r in row] for key, row in rows.items()}
        return internal, runs


@dataclass(frozen=True, slots=True)
class _Run:
    family: int
    first: int
    last: int
    ports: PortSet


def _sweep(old: Sequence[_Run], new: Sequence[_Run]
           ) -> Iterator[tuple[int, int, int, PortSet, PortSet]]:
    """(family, first, last, before, after) for every stretch of addresses whose ports differ
    between two sorted, disjoint run lists (absent: nothing allowed)."""
    none = PortSet.none()
    for family in (4, 6):
        a = [r for r in old if r.family == family]
        b = [r for r in new if r.family == family]
        points = sorted({x for r in (*a, *b) for x in (r.first, r.last + 1)})
        i = j = 0
        for lo, end in itertools.pairwise(points):
            while i < len(a) and a[i].last < lo:
                i += 1
            while j < len(b) and b[j].last < lo:
                j += 1
            before = a[i].ports if i < len(a) and a[i].first <= lo else none
            after = b[j].ports if j < len(b) and b[j].first <= lo else none
            if before != after:
                yield family, lo, end - 1, before, after


def _endpoints(graph: AllowGraph) -> Iterator[Endpoint]:
    for node in graph.nodes[: graph.endpoint_count]:
        assert isinstance(node, Endpoint)
        yield node


def _ranges(graph: AllowGraph) -> Iterator[AddressRange]:
    for node in graph.nodes[graph.endpoint_count:]:
        assert isinstance(node, AddressRange)
        yield node


# -- why: the rules behind a change, and the edits behind those rules -------------------------------


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
        return [str(RuleRef(policy, self.direction, index))
                for policy, index, allowed in self.matches if allowed & ports]


def pair_sides(graph: AllowGraph, src: int, dst: int) -> tuple[SideView, SideView]:
    """(egress of ``src``, ingress of ``dst``) for an allowed pair of node indexes.

    The block of ``dst`` holding ``src`` already lists the rules that admit it on each side.
    """
    block = graph.block_between(src, dst)
    assert block is not None, "pair_sides is asked about allowed pairs only"
    out: list[SideView] = []
    for direction, owner, rules in ((Direction.EGRESS, src, block.egress),
                                    (Direction.INGRESS, dst, block.ingress)):
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
    fields = (("labels", dict(old.labels) != dict(new.labels)), ("ports", old.ports != new.ports),
              ("addresses", old.ips != new.ips), ("nodes", old.nodes != new.nodes),
              ("hostNetwork", old.host_network != new.host_network))
    return [name for name, changed in fields if changed]


class _Why:
    """Why one pair changed.

    Ports gained are allowed on the new side by some rules (or by a side no longer isolated);
    ports lost were allowed on the old side. On each direction (the source's egress, the
    destination's ingress) that did block them on the other side, the edits behind the change
    are the policies added, removed or modified among the rules that allow them, or, where the
    allowing side is not isolated, among the policies that isolated it on the other side.
    """

    def __init__(self, parties: _Parties, policy_kinds: Mapping[str, PolicyChangeKind]) -> None:
        self.parties = parties
        self.policy_kinds = policy_kinds
        old, new = parties.sides
        old_eps = {e.id: e for e in _endpoints(old)}
        new_eps = {e.id: e for e in _endpoints(new)}
        self.came_or_went: dict[str, str] = {}
        for eid in old_eps.keys() - new_eps.keys():
            self.came_or_went[eid] = f"endpoint {eid} disappeared"
        for eid in new_eps.keys() - old_eps.keys():
            self.came_or_went[eid] = f"endpoint {eid} appeared"
        self.modified = {eid: fields for eid in old_eps.keys() & new_eps.keys()
                         if (fields := _endpoint_changes(old_eps[eid], new_eps[eid]))}
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

    def of(self, src: int, dst: int, gained: PortSet, lost: PortSet
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
        cause = [f"policy {p} {self.policy_kinds[p].value}" for p in sorted(edits)
                 if p in self.policy_kinds]
        ends = [self.parties.ids[p] for p in (src, dst) if not self.parties.is_cell(p)]
        notes = [self.came_or_went[e] for e in ends if e in self.came_or_went]
        for e in ends:
            fields = self.modified.get(e, [])
            if "labels" in fields or (fields and not cause):
                notes.append(f"endpoint {e} modified ({', '.join(fields)})")
        notes += [f"namespace {ns} relabelled"
                  for ns in sorted({self.namespace_of[e] for e in ends} & self.relabelled)]
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


# -- the diff -------------------------------------------------------------------------------------


def diff_graphs(old: AllowGraph, new: AllowGraph) -> GraphDiff:
    """What changes from ``old`` to ``new``: connections, endpoints and policies.

    Both graphs should be compiled with the same :class:`~netpol.model.Options`.
    """
    parties = _Parties(old, new)
    policy_kinds, renames = _policy_changes(old.cluster.policies, new.cluster.policies)
    why = _Why(parties, policy_kinds)
    old_pairs, old_runs = parties.allowed(0)
    new_pairs, new_runs = parties.allowed(1)
    none = PortSet.none()

    def change(src: int, dst: int, before: PortSet, after: PortSet) -> PairChange:
        gained, lost = after - before, before - after
        kind = (ChangeKind.ADDED if not before else ChangeKind.REMOVED if not after
                else ChangeKind.CHANGED)
        cause, allowed_after, allowed_before = why.of(src, dst, gained, lost)
        return PairChange(parties.name(src), parties.name(dst), kind, before, after, gained, lost,
                          _scope(parties, why, src, dst), cause, allowed_after, allowed_before)

    raw: list[tuple[int, int, PairChange]] = []
    for src, dst in old_pairs.keys() | new_pairs.keys():
        before, after = old_pairs.get((src, dst), none), new_pairs.get((src, dst), none)
        if before != after:
            raw.append((src, dst, change(src, dst, before, after)))
    # Outside addresses: only the stretches that differ are cut into cells, and each cell is
    # explained on its own (the rules behind it may differ from its neighbours').
    for endpoint, inbound in old_runs.keys() | new_runs.keys():
        stretches = _sweep(old_runs.get((endpoint, inbound), []),
                           new_runs.get((endpoint, inbound), []))
        for family, first, last, before, after in stretches:
            for cell in parties.cells_in(family, first, last):
                src, dst = (cell, endpoint) if inbound else (endpoint, cell)
                raw.append((src, dst, change(src, dst, before, after)))

    merged = _merge_cells(parties, raw)
    # inbound from outside the cluster before outbound to it
    merged.sort(key=lambda r: (not r[2].new_exposure, _SCOPE_RANK[r[2].scope],
                               not parties.is_cell(r[0]), _KIND_RANK[r[2].kind], r[0], r[1]))
    changes = tuple(c for _, _, c in merged)

    counts: dict[str, int] = defaultdict(int)
    for c in changes:
        for pid in set(_policies_named(c)):
            counts[pid] += 1
    policy_changes = [PolicyChange(pid, kind, None, counts[pid]) for pid, kind in policy_kinds.items()]
    policy_changes += [PolicyChange(b, PolicyChangeKind.RENAMED, a, 0) for a, b in renames]
    policy_changes.sort(key=lambda p: (p.policy, p.renamed_from or ""))

    old_ids = {e.id for e in _endpoints(old)}
    new_ids = {e.id for e in _endpoints(new)}
    return GraphDiff(changes, tuple(sorted(new_ids - old_ids)), tuple(sorted(old_ids - new_ids)),
                     tuple(policy_changes))


def _scope(parties: _Parties, why: _Why, src: int, dst: int) -> Scope:
    if parties.is_cell(src) or parties.is_cell(dst):
        return Scope.EXTERNAL
    ns = why.namespace_of
    if ns[parties.ids[src]] != ns[parties.ids[dst]]:
        return Scope.CROSS_NAMESPACE
    return Scope.NAMESPACE


def _merge_cells(parties: _Parties, raw: Iterable[tuple[int, int, PairChange]]
                 ) -> list[tuple[int, int, PairChange]]:
    """Merge runs of adjacent external cells that change the same way toward (or from) one
    endpoint; the merged range is named by its first and last address."""
    plain: list[tuple[int, int, PairChange]] = []
    runs: dict[tuple[int, bool], list[tuple[int, PairChange]]] = defaultdict(list)
    for src, dst, change in raw:
        if parties.is_cell(src):
            runs[(dst, True)].append((src, change))
        elif parties.is_cell(dst):
            runs[(src, False)].append((dst, change))
        else:
            plain.append((src, dst, change))
    for (endpoint, from_outside), items in runs.items():
        items.sort(key=lambda item: item[0])
        groups: list[list[tuple[int, PairChange]]] = []
        for cell, change in items:
            if groups:
                prev_cell, prev = groups[-1][-1]
                a, b = parties.cell(prev_cell), parties.cell(cell)
                if (a.family == b.family and a.last + 1 == b.first
                        and _same_change(prev, change, from_outside)):
                    groups[-1].append((cell, change))
                    continue
            groups.append([(cell, change)])
        for group in groups:
            first, last = parties.cell(group[0][0]), parties.cell(group[-1][0])
            name = format_range(first.family, first.first, last.last)
            change = group[0][1]
            if from_outside:
                plain.append((group[0][0], endpoint, replace(change, src=name)))
            else:
                plain.append((endpoint, group[0][0], replace(change, dst=name)))
    return plain


def _same_change(a: PairChange, b: PairChange, from_outside: bool) -> bool:
    return a == (replace(b, src=a.src) if from_outside else replace(b, dst=a.dst))
