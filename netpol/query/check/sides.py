"""Check stage: the nodes each side of an expectation names, for
:mod:`~netpol.query.check.evaluate` to judge.

A side names endpoints the input holds, address ranges outside the cluster, or a pod the input
does not hold: a hypothetical pod (:mod:`netpol.query.hypothetical`), judged as a new pod with
those labels, and a note rather than an error. A side is one when it is written as ``query
--from`` takes one (``ingress-nginx/{app=nginx}``), or is a mapping with a ``namespace`` or
``namespaceLabels`` (and no ``name`` or ``kind``) that matches no endpoint of the input. Every
hypothetical pod of an intent file is added at once: the graph is compiled again once, and a
namespace the input does not hold has the labels the file gives it in every expectation.

A mapping never matches a stand-in: a side that matches what the input holds means the same with
and without stand-ins (``--closed-world``), and a side about what the input does not hold is a pod
with exactly its labels, which is the stand-in when one has them (the same id, the same answer).
Its namespace has the labels the input gives it, or, when the input does not hold it, the labels
the intent file gives it and no others; the note names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from netpol.core.ipspace import AddressRange
from netpol.core.public import holds_public_addresses
from netpol.engine.graph import AllowGraph
from netpol.errors import Diagnostic, NetpolError, Severity
from netpol.model.cluster import Endpoint
from netpol.model.resources import NAMESPACE_NAME_LABEL
from netpol.query.check.intent import Target
from netpol.query.hypothetical import (
    HypotheticalPod,
    conflicts,
    hypothetical_pod,
    parse_hypothetical,
    with_pods,
)

__all__ = ["Sides", "sides"]


@dataclass(frozen=True, slots=True)
class Sides:
    """The graph an intent file is judged on (its hypothetical pods added), and what each side
    that names no endpoint of the input stands for: a pod, or why it cannot be one."""

    graph: AllowGraph
    pods: Mapping[Target, HypotheticalPod]
    refused: Mapping[Target, Diagnostic]

    def resolve(self, target: Target, problems: list[Diagnostic], notes: list[Diagnostic]) -> list[int]:
        """The nodes ``target`` names; an error in ``problems`` when none, a note in ``notes`` (one
        line: an intent file about a policies-only input has many) when it is a hypothetical pod."""
        graph = self.graph
        if (refused := self.refused.get(target)) is not None:
            problems.append(refused)
            return []
        if (pod := self.pods.get(target)) is not None:
            node = graph.resolve(pod.id)
            where = replace(target.location, snippet=None) if target.location is not None else None
            message = f"{target.text} {_nothing(target)}: judged on {pod.id}, {_as_judged(graph, node, pod)}"
            notes.append(Diagnostic(Severity.INFO, "hypothetical-pod", message, where))
            return [node]
        if target.ref is not None:
            try:
                return [graph.resolve(target.ref)]
            except NetpolError as exc:
                problems.append(Diagnostic(Severity.ERROR, "unknown-endpoint", str(exc), target.location))
                return []
        if target.internet or target.cidr is not None:
            return _ranges(graph, target)
        found = _endpoints(graph, target)
        if not found:
            problems.append(
                Diagnostic(
                    Severity.ERROR, "matches-nothing", f"{target.text} {_nothing(target)}", target.location
                )
            )
        return found


def sides(graph: AllowGraph, targets: Iterable[Target]) -> Sides:
    """The sides ``targets`` on ``graph``, with the pods of those that are hypothetical added."""
    pods: dict[Target, HypotheticalPod] = {}
    refused: dict[Target, Diagnostic] = {}
    for target in targets:
        try:
            pod = _hypothetical(graph, target)
        except (NetpolError, ValueError) as exc:
            refused[target] = _refusal(target, str(exc))
            continue
        if pod is not None:
            pods[target] = pod
    for target, problem in zip(list(pods), conflicts(graph, list(pods.values())), strict=True):
        if problem is not None:
            refused[target] = _refusal(target, problem)
            del pods[target]
    return Sides(with_pods(graph, list(pods.values())), pods, refused)


def _hypothetical(graph: AllowGraph, target: Target) -> HypotheticalPod | None:
    """The pod ``target`` stands for: written as one, or a mapping that may name a pod and matches
    no endpoint of ``graph``. UsageError or ValueError when it is one the API server refuses."""
    if target.ref is not None:
        return parse_hypothetical(target.ref)  # never the name of an endpoint the input holds
    if target.internet or target.cidr is not None or target.name is not None or target.kind is not None:
        return None
    if (target.namespace is None and not target.namespace_labels) or _endpoints(graph, target):
        return None
    return hypothetical_pod(target.namespace, dict(target.labels), dict(target.namespace_labels))


def _as_judged(graph: AllowGraph, node: int, pod: HypotheticalPod) -> HypotheticalPod:
    """``pod`` with every label its namespace has in ``graph`` (a namespace the input holds has
    its own), ``kubernetes.io/metadata.name`` aside."""
    endpoint = graph.node(node)
    assert isinstance(endpoint, Endpoint)
    ns = graph.cluster.namespace(endpoint.namespace)
    assert ns is not None
    labels = {k: v for k, v in ns.labels.items() if k != NAMESPACE_NAME_LABEL}
    return HypotheticalPod(pod.namespace, pod.labels, labels)


def _refusal(target: Target, why: str) -> Diagnostic:
    if target.ref is not None:
        return Diagnostic(Severity.ERROR, "unknown-endpoint", why, target.location)
    return Diagnostic(
        Severity.ERROR,
        "matches-nothing",
        f"{target.text} {_nothing(target)}, and is no pod the cluster could hold: {why}",
        target.location,
    )


def _nothing(target: Target) -> str:
    return f"{'names' if target.ref is not None else 'matches'} no endpoint of the input"


def _endpoints(graph: AllowGraph, target: Target) -> list[int]:
    """The endpoints of the input (stand-ins aside) a mapping side matches: every field holds."""
    found = []
    for i in range(graph.endpoint_count):
        ep = graph.nodes[i]
        assert isinstance(ep, Endpoint)
        if ep.stand_in is not None:
            continue
        if target.namespace is not None and ep.namespace != target.namespace:
            continue
        if target.namespace_labels:
            ns = graph.cluster.namespace(ep.namespace)
            if ns is None or any(ns.labels.get(k) != v for k, v in target.namespace_labels):
                continue
        if any(ep.labels.get(k) != v for k, v in target.labels):
            continue
        if target.name is not None and ep.name != target.name:
            continue
        if target.kind is not None and ep.kind.lower() != target.kind.lower():
            continue
        found.append(i)
    return found


def _ranges(graph: AllowGraph, target: Target) -> list[int]:
    """The address ranges outside the cluster of ``internet`` or of a CIDR."""
    nodes = graph.nodes
    families = _families(graph)
    found = []
    for i in range(graph.endpoint_count, len(nodes)):
        rng = nodes[i]
        assert isinstance(rng, AddressRange)
        if target.internet:
            if rng.family in families and holds_public_addresses(rng.family, rng.first, rng.last):
                found.append(i)
        elif (
            target.cidr is not None
            and rng.family == target.cidr.version
            and (
                rng.first <= int(target.cidr.broadcast_address)
                and rng.last >= int(target.cidr.network_address)
            )
        ):
            found.append(i)
    return found


def _families(graph: AllowGraph) -> set[int]:
    """IPv4, plus IPv6 when the input mentions an IPv6 address (a pod IP or an ipBlock)."""
    cluster = graph.cluster
    v6 = any(ip.version == 6 for ep in cluster.endpoints for ip in ep.ips) or any(
        p.ip_block is not None and p.ip_block.family == 6
        for pol in cluster.policies
        for r in (*pol.ingress, *pol.egress)
        for p in r.peers
    )
    return {4, 6} if v6 else {4}
