"""Diff stage: what a policy change opens and closes, read from two allow-graphs.

The comparison is semantic. Endpoints are matched by id (``ns/name[Kind]``); two graphs whose
pairs allow the same ports are equal, however their policies are named, ordered or split.
External ranges are cut differently on each side (by each side's ipBlocks), so they are compared
on the common refinement of both sides' cuts, and adjacent ranges with the same change are merged
back for display.

Every added or removed connection names its cause: the policies added, removed or modified
between the sides that select one of its ends (compared by their parsed records, not by text),
and the rules that allow it on the side where it is allowed.

The pieces: :mod:`~netpol.diff.match` (policies compared by meaning), :mod:`~netpol.diff.refine`
(the parties: endpoints by id, external cells), :mod:`~netpol.diff.pairs` (the pairs allowed
differently, found destination by destination when both sides hold the same endpoints),
:mod:`~netpol.diff.why` (the rules and edits behind a change) and :mod:`~netpol.diff.result`
(the records); this module puts them together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from netpol.core import collector
from netpol.core.ipspace import format_range
from netpol.core.ports import PortSet
from netpol.diff.match import compare_policies, policy_key
from netpol.diff.pairs import changed_pairs
from netpol.diff.refine import Parties, endpoints_of
from netpol.diff.result import (
    ChangeKind,
    GraphDiff,
    PairChange,
    PolicyChange,
    PolicyChangeKind,
    Scope,
    policies_named,
)
from netpol.diff.tiers import compare_tier_policies
from netpol.diff.why import SideView, Why, pair_sides
from netpol.engine.graph import AllowGraph

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

_KIND_RANK = {ChangeKind.ADDED: 0, ChangeKind.CHANGED: 1, ChangeKind.REMOVED: 2}
_SCOPE_RANK = {Scope.EXTERNAL: 0, Scope.CROSS_NAMESPACE: 1, Scope.NAMESPACE: 2}


def diff_graphs(old: AllowGraph, new: AllowGraph) -> GraphDiff:
    """What changes from ``old`` to ``new``: connections, endpoints and policies.

    Both graphs should be compiled with the same :class:`~netpol.model.Options`. The cyclic
    garbage collector is paused meanwhile (:mod:`netpol.core.collector`): the block views the
    comparison asks the graphs for stay cached in them, and at 100,000 pods collecting while
    they are made doubles the time of the diff.
    """
    with collector.paused():
        return _diff(old, new)


def _diff(old: AllowGraph, new: AllowGraph) -> GraphDiff:
    """:func:`diff_graphs`, the collector paused."""
    parties = Parties(old, new)
    policy_kinds, renames = compare_policies(old.cluster.policies, new.cluster.policies)
    tier_edits = compare_tier_policies(old.cluster.tier_policies, new.cluster.tier_policies)
    why = Why(parties, policy_kinds, tier_edits)

    def change(src: int, dst: int, before: PortSet, after: PortSet) -> PairChange:
        gained, lost = after - before, before - after
        kind = ChangeKind.ADDED if not before else ChangeKind.REMOVED if not after else ChangeKind.CHANGED
        reasons = why.of(src, dst, gained, lost)
        return PairChange(
            parties.name(src),
            parties.name(dst),
            kind,
            before,
            after,
            gained,
            lost,
            _scope(parties, why, src, dst),
            reasons.cause,
            reasons.allowed_after,
            reasons.allowed_before,
            reasons.denied_after,
            reasons.denied_before,
            reasons.tiers,
        )

    raw = [(src, dst, change(src, dst, before, after)) for src, dst, before, after in changed_pairs(parties)]
    # Outside addresses come as cells, each explained on its own (the rules behind it may differ
    # from its neighbours'), then merged back where they change the same way.
    merged = _merge_cells(parties, raw)
    # inbound from outside the cluster before outbound to it
    merged.sort(
        key=lambda r: (
            not r[2].new_exposure,
            _SCOPE_RANK[r[2].scope],
            not parties.is_cell(r[0]),
            _KIND_RANK[r[2].kind],
            r[0],
            r[1],
        )
    )
    changes = tuple(c for _, _, c in merged)

    counts: dict[str, int] = defaultdict(int)
    for c in changes:
        for pid in set(policies_named(c)):
            counts[pid] += 1
    policy_changes = [PolicyChange(pid, kind, None, counts[pid]) for pid, kind in policy_kinds.items()]
    policy_changes += [PolicyChange(b, PolicyChangeKind.RENAMED, a, 0) for a, b in renames]
    policy_changes += [edit.change(counts[pid]) for pid, edit in tier_edits.items()]
    policy_changes.sort(key=lambda p: (p.policy, p.renamed_from or ""))

    old_ids = {e.id for e in endpoints_of(old)}
    new_ids = {e.id for e in endpoints_of(new)}
    unmodelled = {
        side: dict(g.cluster.unmodelled) for side, g in (("old", old), ("new", new)) if g.cluster.unmodelled
    }
    return GraphDiff(
        changes,
        tuple(sorted(new_ids - old_ids)),
        tuple(sorted(old_ids - new_ids)),
        tuple(policy_changes),
        unmodelled,
        bool(old.cluster.tier_policies or new.cluster.tier_policies),
    )


def _scope(parties: Parties, why: Why, src: int, dst: int) -> Scope:
    if parties.is_cell(src) or parties.is_cell(dst):
        return Scope.EXTERNAL
    ns = why.namespace_of
    if ns[parties.ids[src]] != ns[parties.ids[dst]]:
        return Scope.CROSS_NAMESPACE
    return Scope.NAMESPACE


def _merge_cells(
    parties: Parties, raw: Iterable[tuple[int, int, PairChange]]
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
                if (
                    a.family == b.family
                    and a.last + 1 == b.first
                    and _same_change(prev, change, from_outside)
                ):
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
