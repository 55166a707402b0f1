"""Stand-ins: an endpoint for what the policies select and the input does not hold (open world).

A chart rendered alone, or a folder of policies without their workloads, names pods and
namespaces it does not contain: ``from: namespaceSelector kubernetes.io/metadata.name:
ingress-nginx``, a policy for ``app=gateway`` pods whose Deployment lives in another repository.
Analysed as a closed world, such a rule admits nothing and such a policy protects nothing, and
every command would say so. For each policy subject and each rule peer (of NetworkPolicies and of
the cluster-wide tier policies alike) that selects pods or
namespaces and matches no endpoint of the input, a stand-in is added: a pod with the fewest labels
the selector matches (:meth:`LabelSelector.witness`), in the namespace the selector names or, when
it names none, in a namespace of its own with the fewest labels the namespace selector matches.

A stand-in is then an endpoint like any other: compiled with the same rules, so what it may reach
and what reaches it is exactly what holds for a new pod with those labels in that namespace.
netpol-analyzer calls these "representative peers".

Ids: ``payments/{app=gateway}[StandIn]`` (pods with ``app=gateway`` in ``payments``),
``ingress-nginx/*[StandIn]`` (any pod there), ``{team=ledger}/*[StandIn]`` (any pod in a
namespace labelled ``team=ledger``), ``*/{app=prometheus}[StandIn]`` (in any namespace). Braces and
``*`` never occur in the names of real objects, so a stand-in's id never meets a real one's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from netpol.core.selectors import LabelSelector
from netpol.engine.index import LabelIndex
from netpol.model.cluster import STAND_IN_KIND, Cluster, Endpoint, Namespace, StandIn
from netpol.model.resources import NAMESPACE_NAME_LABEL, Options
from netpol.model.tiers import PeerKind

__all__ = ["add_stand_ins", "fresh_namespace_label"]

_ANY = LabelSelector()


@dataclass(frozen=True, slots=True)
class _Slot:
    """One place a policy selects pods: its subject, or one peer of one rule."""

    pods: LabelSelector
    namespace: str | None  # the policy's namespace, for a subject and a podSelector-only peer
    namespaces: LabelSelector | None = None  # a peer's namespaceSelector


@dataclass
class _Found:
    namespaces: dict[str, Namespace]
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    by_namespace: dict[str | None, list[Endpoint]] = field(default_factory=dict)
    """The stand-ins by the namespace they name; None: in new namespaces known by labels."""


def add_stand_ins(cluster: Cluster, options: Options = Options()) -> Cluster:
    """``cluster`` with a stand-in for each selection that matches nothing in it (the same
    ``cluster`` when there is none)."""
    eps = cluster.endpoints
    selectable = [i for i, e in enumerate(eps) if options.host_network_as_pods or not e.host_network]
    index = LabelIndex(cluster, selectable)
    found = _Found({ns.name: ns for ns in cluster.namespaces})
    names = _mentioned_names(cluster)
    # The narrowest selections first: a stand-in for app=api,tier=web is also one for app=api.
    for slot in sorted(_slots(cluster), key=lambda s: -_width(s.pods)):
        for name, scope in _places(slot, index, found):
            if not scope & index.pods(slot.pods) and not _covered(found, slot, name):
                _add(found, slot, name, names)
    if not found.endpoints:
        return cluster
    return replace(
        cluster,
        namespaces=tuple(sorted(found.namespaces.values(), key=lambda n: n.name)),
        endpoints=tuple(sorted((*eps, *found.endpoints.values()), key=lambda e: e.id)),
    )


def _places(slot: _Slot, index: LabelIndex, found: _Found) -> Iterator[tuple[str | None, int]]:
    """Where ``slot`` selects: each namespace it names (None: any namespace its selector
    matches), with the endpoints of the input there."""
    if slot.namespaces is None:
        assert slot.namespace is not None
        yield slot.namespace, index.namespace(slot.namespace)
        return
    pinned = _pinned_names(slot.namespaces)
    if pinned is None:
        yield None, index.in_namespaces(slot.namespaces)
        return
    for name in pinned:
        ns = found.namespaces.get(name)
        if ns is None or slot.namespaces.matches(ns.labels):  # else the input's namespace is refused
            yield name, index.namespace(name)


def _width(selector: LabelSelector) -> int:
    return len(selector.match_labels) + len(selector.expressions)


def _covered(found: _Found, slot: _Slot, name: str | None) -> bool:
    """Whether a stand-in added already is selected by ``slot`` (in namespace ``name``; None:
    in a new namespace, known by labels the slot's namespace selector matches)."""
    for e in found.by_namespace.get(name, ()):
        if slot.pods.matches(e.labels) and (
            name is not None
            or (slot.namespaces is not None and slot.namespaces.matches(found.namespaces[e.namespace].labels))
        ):
            return True
    return False


def _slots(cluster: Cluster) -> Iterator[_Slot]:
    yield from _tier_slots(cluster)
    for pol in cluster.policies:
        yield _Slot(pol.pod_selector, pol.namespace)
        for rule in (*pol.ingress, *pol.egress):
            for peer in rule.peers:
                if peer.ip_block is not None:
                    continue
                pods = peer.pod_selector or _ANY
                if peer.namespace_selector is None:
                    yield _Slot(pods, pol.namespace)
                else:
                    yield _Slot(pods, None, peer.namespace_selector)


def _tier_slots(cluster: Cluster) -> Iterator[_Slot]:
    """The subjects and the ``namespaces``/``pods`` peers of the cluster-wide tier policies:
    cluster-scoped, so each names namespaces by a selector (none: every namespace)."""
    for pol in cluster.tier_policies:
        subject = pol.subject
        yield _Slot(subject.pod_selector or _ANY, None, subject.namespace_selector or _ANY)
        for rule in (*pol.ingress, *pol.egress):
            for peer in rule.peers:
                if peer.kind in (PeerKind.NAMESPACES, PeerKind.PODS):
                    yield _Slot(peer.pod_selector or _ANY, None, peer.namespace_selector or _ANY)


def _namespace_selectors(cluster: Cluster) -> Iterator[LabelSelector]:
    for pol in cluster.policies:
        for rule in (*pol.ingress, *pol.egress):
            for peer in rule.peers:
                if peer.namespace_selector is not None:
                    yield peer.namespace_selector
    for tier in cluster.tier_policies:
        if tier.subject.namespace_selector is not None:
            yield tier.subject.namespace_selector
        for trule in (*tier.ingress, *tier.egress):
            for tpeer in trule.peers:
                if tpeer.namespace_selector is not None:
                    yield tpeer.namespace_selector


def _pinned_names(selector: LabelSelector) -> tuple[str, ...] | None:
    """The namespace names a selector allows when it pins ``kubernetes.io/metadata.name``
    (matchLabels or In), in sort order; None when it allows names it does not list."""
    names = selector.values_of(NAMESPACE_NAME_LABEL)
    return None if names is None else tuple(sorted(names))


def _mentioned_names(cluster: Cluster) -> set[str]:
    """Every namespace name a namespace selector mentions, or the input holds."""
    names = {ns.name for ns in cluster.namespaces}
    for sel in _namespace_selectors(cluster):
        names |= {v for k, v in sel.match_labels if k == NAMESPACE_NAME_LABEL}
        names |= {v for r in sel.expressions if r.key == NAMESPACE_NAME_LABEL for v in r.values}
    return names


def _add(found: _Found, slot: _Slot, name: str | None, taken: set[str]) -> None:
    """Add the stand-in of ``slot`` in namespace ``name`` (None: a namespace of its own, whose
    ``kubernetes.io/metadata.name`` is none of the ``taken`` names)."""
    pod_labels = slot.pods.witness()
    if pod_labels is None:
        return  # the pod selector matches no label set at all: nothing can stand in
    if name is not None:
        ns = found.namespaces.get(name)
        if ns is None:
            fixed = {NAMESPACE_NAME_LABEL: name}
            labels = fixed if slot.namespaces is None else slot.namespaces.witness(fixed)
            if labels is None:
                return
            found.namespaces[name] = Namespace(name, labels, False, stand_in=True)
    else:
        assert slot.namespaces is not None
        label_name = _fresh_name(taken)
        labels = slot.namespaces.witness({NAMESPACE_NAME_LABEL: label_name})
        if labels is None:
            return
        name = "*" if slot.namespaces.is_empty else f"{{{slot.namespaces}}}"
        found.namespaces.setdefault(name, Namespace(name, labels, False, stand_in=True))
    named = None if name.startswith(("{", "*")) else name
    pod_name = "*" if slot.pods.is_empty else f"{{{slot.pods}}}"
    endpoint = Endpoint(
        namespace=name,
        name=pod_name,
        kind=STAND_IN_KIND,
        labels=pod_labels,
        ports=(),
        stand_in=StandIn(slot.pods, named, slot.namespaces),
    )
    # Two spellings of one label set (app=a, app in (a,b)) are one stand-in: _covered finds the
    # first for the second.
    found.endpoints[endpoint.id] = endpoint
    found.by_namespace.setdefault(named, []).append(endpoint)


def fresh_namespace_label(cluster: Cluster, taken: Iterable[str] = ()) -> str:
    """A ``kubernetes.io/metadata.name`` value for a namespace known by its labels only: no name
    the input holds, a namespace selector mentions, or ``taken`` lists."""
    return _fresh_name(_mentioned_names(cluster) | set(taken))


def _fresh_name(taken: set[str]) -> str:
    """A ``kubernetes.io/metadata.name`` value for a namespace of a stand-in's own: no name a
    selector mentions, so it stands for "some other namespace"."""
    value, n = "netpol-stand-in", 0
    while value in taken:
        n += 1
        value = f"netpol-stand-in-{n}"
    return value
