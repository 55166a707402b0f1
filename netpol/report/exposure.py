"""Exposure: from outside the cluster, to the internet, from every pod, and from pods that do
not exist yet.

Stand-ins are listed where a policy of the input isolates them (the policy's subject: what it
admits is the input's doing), never where no policy selects them (a peer such as
``ingress-nginx/*[StandIn]``: the policies of its own namespace, which the input does not hold,
decide). A pod that does not exist yet and a stand-in are one thing seen from two sides: a future
way names the stand-ins of its peer when the input holds no pod the peer matches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from netpol.core.ports import PortSet
from netpol.engine.nodeset import NodeSet
from netpol.engine.standins import fresh_namespace_label
from netpol.engine.views import Block, RuleView, TierRuleView
from netpol.model.resources import NAMESPACE_NAME_LABEL, Direction, Peer
from netpol.model.tiers import Tier, TierAction
from netpol.report.records import (
    ClusterWide,
    Exposure,
    ExposureSection,
    FutureAccess,
    FutureWay,
    Limits,
    Listing,
    Reach,
    Scope,
)
from netpol.report.stand_ins import pinned_names, stand_ins_of
from netpol.report.view import View

if TYPE_CHECKING:
    from netpol.report.tiers import TierWalk

__all__ = ["build_exposure"]

_WAY_RANK = {w: i for i, w in enumerate(FutureWay)}


class _Why:
    """What allowed one side of the connections gathered in a row: the NetworkPolicy rules, the
    tier rules and the tiers that allowed it (the last two only with cluster-wide policies)."""

    __slots__ = ("decided", "rules", "tiers")

    def __init__(self) -> None:
        self.rules: set[RuleView] = set()
        self.tiers: set[TierRuleView] = set()
        self.decided: set[str] = set()

    def add(self, block: Block, direction: Direction) -> None:
        if direction is Direction.INGRESS:
            self.rules.update(block.ingress)
            self.tiers.update(block.ingress_tiers)
        else:
            self.rules.update(block.egress)
            self.tiers.update(block.egress_tiers)
        self.decided.update(block.decided(direction))

    def via(self, view: View, owner: int, direction: Direction) -> tuple[str, ...]:
        if direction is Direction.INGRESS:
            return view.ingress_via(owner, self.rules, self.tiers, self.decided)
        return view.egress_via(owner, self.rules, self.tiers, self.decided)


def build_exposure(
    view: View, open_namespaces: tuple[str, ...], limits: Limits, walk: TierWalk | None = None
) -> ExposureSection:
    """Who is reachable from outside, reaches the internet, is reached by every pod or by pods
    that do not exist yet; ``walk``: what the cluster-wide policies decide, when there are."""
    graph = view.graph
    from_outside: list[Exposure] = []
    cluster_wide: list[ClusterWide] = []
    selectable_ns = [nodes & view.selectable for nodes in view.ns_sets.values() if nodes & view.selectable]
    alone = {nodes.first() for nodes in selectable_ns if len(nodes) == 1}  # alone in their namespace
    for d in range(view.n):
        if not view.governed(d, Direction.INGRESS):
            continue
        by_ports: dict[PortSet, tuple[NodeSet, _Why]] = {}
        others = view.selectable.without(d)
        covered = graph.nothing
        used: list[Block] = []  # the blocks of sources inside; read only for a row of cluster_wide
        for block in graph.blocks_into(d):
            ext = block.sources & view.external_set
            if ext:
                ranges, seen = by_ports.get(block.ports, (graph.nothing, _Why()))
                seen.add(block, Direction.INGRESS)
                by_ports[block.ports] = (ranges | ext, seen)
            inside = block.sources & others
            if inside:
                covered |= inside
                used.append(block)
        for ports, (ranges, seen) in by_ports.items():
            public = any(view.is_public(r) for r in ranges)
            from_outside.append(
                Exposure(
                    view.id(d),
                    view.ranges_text(ranges),
                    ports,
                    public,
                    seen.via(view, d, Direction.INGRESS),
                )
            )
        if not covered:
            continue
        if covered == others:
            union, common, via = _inside(view, d, used)
            cluster_wide.append(ClusterWide(view.id(d), Scope.EVERY_POD, common, union - common, via))
        elif len(selectable_ns) - (d in alone) > 1 and all(
            # the namespaces with a selectable endpoint besides d (covered never holds d)
            covered & nodes
            for nodes in selectable_ns
            if nodes.first() != d or len(nodes) > 1
        ):
            union, _, via = _inside(view, d, used)
            cluster_wide.append(ClusterWide(view.id(d), Scope.EVERY_NAMESPACE, union, PortSet.none(), via))

    to_internet = _to_internet(view)
    from_outside.sort(key=lambda e: (not e.public, not e.ports.is_all(), e.endpoint, e.ranges))
    cluster_wide.sort(key=lambda w: (list(Scope).index(w.scope), not w.ports.is_all(), w.endpoint))
    future = _future(view, open_namespaces)
    open_ = view.workloads - graph.isolated(Direction.INGRESS)
    restricted = open_ & walk.restricted[Direction.INGRESS] if walk is not None else graph.nothing
    unprotected = len(open_ - restricted)
    stand_ins = set(view.stand_in_set.ids())
    workloads = _reach(from_outside, to_internet, cluster_wide, lambda e: e not in stand_ins)
    isolated = graph.isolated(Direction.INGRESS) | graph.isolated(Direction.EGRESS)
    return ExposureSection(
        Listing.of(from_outside, limits.rows),
        Listing.of(to_internet, limits.rows),
        Listing.of(cluster_wide, limits.rows),
        Listing.of(future, limits.rows),
        unprotected,
        open_namespaces,
        len(selectable_ns),
        workloads.from_outside,
        workloads.from_internet,
        workloads.to_internet,
        workloads.from_every_pod,
        _reach(from_outside, to_internet, cluster_wide, stand_ins.__contains__),
        (view.stand_in_set - isolated).ids(),
        walk is not None,
        len(restricted),
    )


def _inside(view: View, d: int, blocks: Sequence[Block]) -> tuple[PortSet, PortSet, tuple[str, ...]]:
    """What ``blocks`` (of sources inside the cluster, into ``d``) allow: the union of their
    ports, the ports common to them all, and why (the ingress side)."""
    why = _Why()
    union, common = PortSet.none(), None
    for block in blocks:
        union |= block.ports
        common = block.ports if common is None else common & block.ports
        why.add(block, Direction.INGRESS)
    return union, common or PortSet.none(), why.via(view, d, Direction.INGRESS)


def _reach(
    from_outside: Sequence[Exposure],
    to_internet: Sequence[Exposure],
    cluster_wide: Sequence[ClusterWide],
    counted: Callable[[str], bool],
) -> Reach:
    """How many distinct endpoints the tables hold, of those ``counted`` keeps."""
    return Reach(
        len({e.endpoint for e in from_outside if counted(e.endpoint)}),
        len({e.endpoint for e in from_outside if e.public and counted(e.endpoint)}),
        len({e.endpoint for e in to_internet if counted(e.endpoint)}),
        sum(1 for w in cluster_wide if w.scope is Scope.EVERY_POD and counted(w.endpoint)),
    )


def _to_internet(view: View) -> list[Exposure]:
    """Endpoints that may open connections to public addresses, per set of ports, with every
    range outside the cluster they may reach on those ports (so the ranges read as the policies
    wrote them)."""
    graph = view.graph
    # (source, ports) -> the ranges, and the blocks (by identity: ranges share them) behind them
    acc: dict[tuple[int, PortSet], tuple[list[int], dict[int, Block]]] = {}
    public: set[tuple[int, PortSet]] = set()
    governed = view.endpoint_set - (view.stand_in_set - graph.isolated(Direction.EGRESS))
    for r in range(view.n, view.total):
        is_public = view.is_public(r)
        for block in graph.blocks_into(r):
            for s in block.sources & governed:
                key = (s, block.ports)
                hit = acc.get(key)
                if hit is None:
                    hit = acc[key] = ([], {})
                hit[0].append(r)
                hit[1][id(block)] = block
                if is_public:
                    public.add(key)
    rows = []
    for s, ports in public:
        ranges, blocks = acc[(s, ports)]
        why = _Why()
        for block in blocks.values():
            why.add(block, Direction.EGRESS)
        rows.append(
            Exposure(
                view.id(s),
                view.ranges_text(graph.nodeset(ranges)),
                ports,
                True,
                why.via(view, s, Direction.EGRESS),
            )
        )
    rows.sort(key=lambda e: (not e.ports.is_all(), e.endpoint, e.ranges))
    return rows


def _future(view: View, open_namespaces: tuple[str, ...]) -> list[FutureAccess]:
    cluster = view.graph.cluster
    labels = {ns.name: ns.labels for ns in cluster.namespaces if not ns.stand_in}
    fresh = fresh_namespace_label(cluster)
    rows: list[FutureAccess] = []
    admin_denies = [
        tv
        for tv in view.graph.tier_rules()
        if tv.direction is Direction.INGRESS
        and tv.policy.tier is Tier.ADMIN
        and tv.action is TierAction.DENY
        and tv.targets
    ]
    for cr in view.graph.rules():
        if cr.direction is not Direction.INGRESS or not cr.targets:
            continue
        pol, rule = cr.policy, cr.rule
        targets = cr.targets.ids()
        first = tuple(dict.fromkeys(tv.policy.id for tv in admin_denies if tv.targets & cr.targets))
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
                    denied_first=first,
                )
            )
            continue
        for j, peer in enumerate(rule.peers):
            hit = _future_way(peer, pol.namespace, fresh, open_namespaces, labels)
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
                        stand_ins_of(view, cr, peer),
                        first,
                    )
                )
    rows.sort(key=lambda f: (_WAY_RANK[f.way], f.rule, f.peer))
    return rows


def _future_way(
    peer: Peer,
    namespace: str,
    fresh: str,
    open_namespaces: Sequence[str],
    labels: Mapping[str, Mapping[str, str]],
) -> tuple[FutureWay, str] | None:
    """Whether pods that do not exist yet can match ``peer``, and how.

    Namespace labels are chosen by whoever creates the namespace, and the control plane sets only
    ``kubernetes.io/metadata.name`` (to the namespace's name) on its own, so a new namespace can
    match any namespaceSelector that does not pin existing names. ``fresh`` is the name of such a
    namespace (the one the stand-ins use), ``labels`` those of the namespaces of the input.
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
    if nss.matches({NAMESPACE_NAME_LABEL: fresh}):
        return FutureWay.ANY_NEW_NAMESPACE, f"{pods} in any new namespace"
    names = pinned_names(nss)
    if names is not None and names - set(labels):
        missing = ", ".join(sorted(names - set(labels)))
        return (
            FutureWay.UNCLAIMED_NAMESPACE,
            f"{pods} in namespace {missing}, which is not in the input: whoever creates it, "
            "or deploys there if it exists",
        )
    opened = [ns for ns in open_namespaces if ns in labels and nss.matches(labels[ns])]
    if opened:
        return (FutureWay.OPEN_NAMESPACE, f"{pods} created in {', '.join(opened)} (an open namespace)")
    if names is None:
        return FutureWay.LABELLED_NAMESPACE, f"{pods} in a new namespace labelled {nss}"
    return None
