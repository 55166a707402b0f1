"""``netpol suggest``: least-privilege NetworkPolicies from observed flows, proven by the engine.

:func:`suggest` folds placed flows (:mod:`netpol.flows`) into wanted connections, writes the
policies that allow exactly them (:mod:`netpol.suggest.synth`), and compiles the cluster again
with them to compare (:mod:`netpol.suggest.verify`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netpol.engine.graph import AllowGraph, compile_graph
from netpol.flows.records import PlacedFlow
from netpol.model.cluster import Endpoint
from netpol.model.resources import Options
from netpol.suggest.synth import SuggestedPolicy, SuggestOptions, synthesize, wanted_connections
from netpol.suggest.verify import Mismatch, Tally, verify

__all__ = [
    "Mismatch",
    "SuggestOptions",
    "SuggestedPolicy",
    "Suggestion",
    "Tally",
    "covered_namespaces",
    "suggest",
]


@dataclass(frozen=True, slots=True)
class Suggestion:
    policies: tuple[SuggestedPolicy, ...]
    covered: tuple[str, ...]
    notes: tuple[str, ...]
    tally: Tally
    graph: AllowGraph
    """The cluster compiled with the suggestion, closed world: what the self-check judged."""
    keep_existing: bool = False
    """The policies are added to the current ones (``--keep-existing``), not in their place."""
    twins: tuple[str, ...] = ()
    """Endpoints whose selector also picks others (no label tells them apart): a reason the
    suggestion may allow more than the flows."""
    tiers_decide: bool = False
    """The tally differs, and cluster-wide tier policies may be why (a NetworkPolicy cannot
    undo an Admin Deny nor narrow an Admin Allow)."""

    def open_world(self, options: Options) -> AllowGraph:
        """The cluster with the suggestion compiled as the input was (stand-ins and all), to
        compare with the input's own graph (``--diff``)."""
        return compile_graph(self.graph.cluster, options)


def covered_namespaces(graph: AllowGraph, options: SuggestOptions) -> tuple[str, ...]:
    """The namespaces the suggestion covers: those asked for, else every namespace of the
    input holding an endpoint."""
    held = sorted(
        {e.namespace for e in graph.cluster.endpoints if isinstance(e, Endpoint) and e.stand_in is None}
    )
    if options.namespaces is None:
        return tuple(held)
    return tuple(sorted(options.namespaces))


def suggest(
    graph: AllowGraph, placed: Sequence[PlacedFlow], options: SuggestOptions | None = None
) -> Suggestion:
    """The policies that allow exactly ``placed`` in the covered namespaces, and their tally."""
    options = options or SuggestOptions()
    covered = covered_namespaces(graph, options)
    wanted = wanted_connections(graph, placed, options.aggregate_cidr)
    policies, notes, twins = synthesize(graph, wanted, covered, options)
    tally, after = verify(graph, policies, wanted, covered, keep_existing=options.keep_existing)
    tiers_decide = not tally.exact and bool(graph.tier_policies())
    if tiers_decide:
        notes.append(
            "cluster-wide tier policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy, "
            "ClusterNetworkPolicy) decide some of these connections before or after "
            "NetworkPolicy: an Admin Deny cannot be undone, an Admin Allow cannot be narrowed, "
            "by a NetworkPolicy"
        )
    return Suggestion(
        tuple(policies), covered, tuple(notes), tally, after, options.keep_existing, twins, tiers_decide
    )
