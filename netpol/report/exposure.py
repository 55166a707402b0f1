"""Exposure: from outside the cluster, to the internet, from every pod, and from pods that do
not exist yet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from netpol.core.ports import PortSet
from netpol.core.selectors import LabelSelector
from netpol.engine.nodeset import NodeSet
from netpol.engine.views import RuleView
from netpol.model.resources import NAMESPACE_NAME_LABEL, Direction, Peer
from netpol.report.records import (
    ClusterWide,
    Exposure,
    ExposureSection,
    FutureAccess,
    FutureWay,
    Limits,
    Listing,
    Scope,
)
from netpol.report.view import View

__all__ = ["build_exposure"]

_FRESH_NAMESPACE = "netpol-report-new-namespace"
"""The name of a namespace that does not exist, to ask a selector whether a new one matches."""
_WAY_RANK = {w: i for i, w in enumerate(FutureWay)}


def build_exposure(view: View, open_namespaces: tuple[str, ...], limits: Limits) -> ExposureSection:
    """Who is reachable from outside, reaches the internet, is reached by every pod or by pods
    that do not exist yet."""
    graph = view.graph
    from_outside: list[Exposure] = []
    cluster_wide: list[ClusterWide] = []
    selectable_ns = [nodes & view.selectable for nodes in view.ns_sets.values() if nodes & view.selectable]
    for d in range(view.n):
        by_ports: dict[PortSet, tuple[NodeSet, set[RuleView]]] = {}
        others = view.selectable.without(d)
        covered, union, common = graph.nothing, PortSet.none(), None
        rules: set[RuleView] = set()
        for block in graph.blocks_into(d):
            ext = block.sources & view.external_set
            if ext:
                ranges, ids = by_ports.get(block.ports, (graph.nothing, set()))
                by_ports[block.ports] = (ranges | ext, ids | set(block.ingress))
            inside = block.sources & others
            if inside:
                covered |= inside
                union |= block.ports
                common = block.ports if common is None else common & block.ports
                rules.update(block.ingress)
        for ports, (ranges, ids) in by_ports.items():
            public = any(view.is_public(r) for r in ranges)
            from_outside.append(
                Exposure(view.id(d), view.ranges_text(ranges), ports, public, view.ingress_via(d, ids))
            )
        if not covered:
            continue
        groups = [m for m in (nodes & others for nodes in selectable_ns) if m]
        if covered == others:
            common = common or PortSet.none()
            cluster_wide.append(
                ClusterWide(view.id(d), Scope.EVERY_POD, common, union - common, view.ingress_via(d, rules))
            )
        elif len(groups) > 1 and all(covered & m for m in groups):
            cluster_wide.append(
                ClusterWide(
                    view.id(d), Scope.EVERY_NAMESPACE, union, PortSet.none(), view.ingress_via(d, rules)
                )
            )

    to_internet = _to_internet(view)
    from_outside.sort(key=lambda e: (not e.public, not e.ports.is_all(), e.endpoint, e.ranges))
    cluster_wide.sort(key=lambda w: (list(Scope).index(w.scope), not w.ports.is_all(), w.endpoint))
    future = _future(view, open_namespaces)
    unprotected = len(view.selectable - graph.isolated(Direction.INGRESS))
    return ExposureSection(
        Listing.of(from_outside, limits.rows),
        Listing.of(to_internet, limits.rows),
        Listing.of(cluster_wide, limits.rows),
        Listing.of(future, limits.rows),
        unprotected,
        open_namespaces,
        len(selectable_ns),
        len({e.endpoint for e in from_outside}),
        len({e.endpoint for e in from_outside if e.public}),
        len({e.endpoint for e in to_internet}),
        sum(1 for w in cluster_wide if w.scope is Scope.EVERY_POD),
    )


def _to_internet(view: View) -> list[Exposure]:
    """Endpoints that may open connections to public addresses, per set of ports, with every
    range outside the cluster they may reach on those ports (so the ranges read as the policies
    wrote them)."""
    graph = view.graph
    acc: dict[tuple[int, PortSet], tuple[NodeSet, set[RuleView]]] = {}
    public: set[tuple[int, PortSet]] = set()
    for r in range(view.n, view.total):
        for block in graph.blocks_into(r):
            for s in block.sources & view.endpoint_set:
                key = (s, block.ports)
                ranges, ids = acc.get(key, (graph.nothing, set()))
                acc[key] = (ranges | graph.one(r), ids | set(block.egress))
                if view.is_public(r):
                    public.add(key)
    rows = [
        Exposure(
            view.id(s),
            view.ranges_text(acc[(s, ports)][0]),
            ports,
            True,
            view.egress_via(s, acc[(s, ports)][1]),
        )
        for s, ports in public
    ]
    rows.sort(key=lambda e: (not e.ports.is_all(), e.endpoint, e.ranges))
    return rows


def _future(view: View, open_namespaces: tuple[str, ...]) -> list[FutureAccess]:
    existing = {ns.name for ns in view.graph.cluster.namespaces}
    namespaces = view.graph.cluster.namespaces
    rows: list[FutureAccess] = []
    for cr in view.graph.rules():
        if cr.direction is not Direction.INGRESS or not cr.targets:
            continue
        pol, rule = cr.policy, cr.rule
        targets = cr.targets.ids()
        ports = ", ".join(str(p) for p in rule.ports) or "all ports"
        path = cr.ref.path
        if not rule.peers:
            rows.append(
                FutureAccess(
                    str(cr.ref),
                    view.locate(pol, *path),
                    "every source (no 'from')",
                    FutureWay.EVERY_SOURCE,
                    "any pod of any namespace, present or future, and every address",
                    targets,
                    ports,
                )
            )
            continue
        for j, peer in enumerate(rule.peers):
            hit = _future_way(
                peer, pol.namespace, existing, open_namespaces, {ns.name: ns.labels for ns in namespaces}
            )
            if hit is not None:
                rows.append(
                    FutureAccess(
                        str(cr.ref),
                        view.locate(pol, *path, "from", j),
                        str(peer),
                        hit[0],
                        hit[1],
                        targets,
                        ports,
                    )
                )
    rows.sort(key=lambda f: (_WAY_RANK[f.way], f.rule, f.peer))
    return rows


def _future_way(
    peer: Peer,
    namespace: str,
    existing: set[str],
    open_namespaces: Sequence[str],
    labels: Mapping[str, Mapping[str, str]],
) -> tuple[FutureWay, str] | None:
    """Whether pods that do not exist yet can match ``peer``, and how.

    Namespace labels are chosen by whoever creates the namespace, and the control plane sets only
    ``kubernetes.io/metadata.name`` (to the namespace's name) on its own, so a new namespace can
    match any namespaceSelector that does not pin existing names.
    """
    if peer.ip_block is not None:
        return None
    ps = peer.pod_selector
    pods = "any pod" if ps is None or ps.matches({}) else f"a pod labelled {ps}"
    nss = peer.namespace_selector
    if nss is None:
        if namespace in open_namespaces:
            return FutureWay.OPEN_NAMESPACE, f"{pods} created in {namespace} (an open namespace)"
        return None
    if nss.matches({NAMESPACE_NAME_LABEL: _FRESH_NAMESPACE}):
        return FutureWay.ANY_NEW_NAMESPACE, f"{pods} in any new namespace"
    names = _pinned_names(nss)
    if names is not None and names - existing:
        missing = ", ".join(sorted(names - existing))
        return (
            FutureWay.UNCLAIMED_NAMESPACE,
            f"{pods} in namespace {missing}, which does not exist: whoever creates it",
        )
    opened = [ns for ns in open_namespaces if ns in labels and nss.matches(labels[ns])]
    if opened:
        return (FutureWay.OPEN_NAMESPACE, f"{pods} created in {', '.join(opened)} (an open namespace)")
    if names is None:
        return FutureWay.LABELLED_NAMESPACE, f"{pods} in a new namespace labelled {nss}"
    return None


def _pinned_names(selector: LabelSelector) -> set[str] | None:
    """The namespace names a selector is limited to by ``kubernetes.io/metadata.name``, or None."""
    names: set[str] | None = None
    for key, value in selector.match_labels:
        if key == NAMESPACE_NAME_LABEL:
            names = {value} if names is None else names & {value}
    for req in selector.expressions:
        if req.key == NAMESPACE_NAME_LABEL and req.operator.value == "In":
            names = set(req.values) if names is None else names & set(req.values)
    return names
