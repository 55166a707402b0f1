"""A deliberately naive oracle for the cluster-wide policy tiers, written straight from the quotes in
docs/design/admin-tiers.md (section numbers below are that file's).

One pair, one direction and one port at a time: the verdict of a (protocol, port) is walked down the
tiers exactly as section 4 lists them, and a PortSet is put together from those verdicts. Only one
port of each run that no rule, no container port and no NetworkPolicy answer tells apart is asked
(a port is decided by the same rules as its neighbours in the run), so the 3 x 65535 ports cost a
few dozen walks. Nothing is shared with netpol/engine: the records of the model (``Cluster``,
``Endpoint``, ``TierPolicy``, ``NodeSpec``) are read as they are, labels matched with
``LabelSelector.matches``. The NetworkPolicy tier is tests/oracle.py's, called as it is.

An IP address stands for an address outside the cluster: an address an endpoint holds is that
endpoint, and the caller passes the endpoint (as tests/test_properties.py does). So hairpin, a pod
to its own Pod IP, is a pod to itself, which is always allowed and never reaches the tiers
("A Pod connecting to its own Pod IP is not subject to CNP", section 6).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise

from oracle import (
    Address,
    Party,
    _direction_allows,
    _is_node_traffic,
    _isolates,
    _namespace_labels,
)

from netpol.core.ports import MAX_PORT, MIN_PORT, PortSet, Protocol
from netpol.model.cluster import Cluster, Endpoint
from netpol.model.resources import Direction, Options
from netpol.model.tiers import PeerKind, Tier, TierAction, TierPeer, TierPolicy, TierRule

__all__ = ["oracle_tiered"]

Entry = tuple[TierRule, bool]
"""A rule that applies to the pod in the direction asked, and whether a peer of it matches the
other end (the ports are asked port by port)."""


def oracle_tiered(cluster: Cluster, options: Options, src: Party, dst: Party) -> PortSet:
    """The ports ``src`` may open toward ``dst``, with the tier policies and the NetworkPolicies of
    ``cluster``. Address to address is outside the question."""
    if not isinstance(src, Endpoint) and not isinstance(dst, Endpoint):
        raise ValueError("the oracle answers only for pairs with at least one endpoint")
    # SEMANTICS.md 15: a pod can always reach itself (and hairpin is not subject to the tiers).
    if isinstance(src, Endpoint) and src == dst and src.kind == "Pod":
        return PortSet.all()
    # SEMANTICS.md 15: traffic from a pod's own node is always allowed (tests/oracle.py).
    if (
        isinstance(src, Endpoint)
        and isinstance(dst, Endpoint)
        and _is_node_traffic(src, options)
        and set(src.nodes) & set(dst.nodes)
    ):
        return PortSet.all()
    # Section 4: "Per direction (egress at the source pod, ingress at the destination pod); a
    # connection is allowed only if both directions allow it".
    egress = PortSet.all()
    if isinstance(src, Endpoint):
        egress = _direction(cluster, options, src, Direction.EGRESS, dst, dst)
    ingress = PortSet.all()
    if isinstance(dst, Endpoint):
        ingress = _direction(cluster, options, dst, Direction.INGRESS, src, dst)
    return egress & ingress


def _direction(
    cluster: Cluster, options: Options, pod: Endpoint, direction: Direction, other: Party, destination: Party
) -> PortSet:
    """What ``pod``'s side of the connection allows in ``direction``: ``other`` is the far end (the
    peer the rules match), ``destination`` the end whose ports are asked for."""
    admin = list(_entries(cluster, Tier.ADMIN, pod, direction, other))
    baseline = list(_entries(cluster, Tier.BASELINE, pod, direction, other))
    # Section 4.2: "if any v1 NetworkPolicy isolates the pod in this direction, its verdict (union
    # of allows, else deny) is final"; per direction, by policyTypes (checklist item 9).
    isolated = any(_isolates(pol, pod, direction, options) for pol in cluster.policies)
    networkpolicy = _direction_allows(cluster, options, pod, direction, other, destination)

    allowed: dict[Protocol, list[tuple[int, int]]] = {}
    for protocol in Protocol:
        cuts = set(_cuts(cluster, destination, networkpolicy, protocol))
        for lo, hi in _runs(cuts):
            if _port_allowed(admin, isolated, networkpolicy, baseline, destination, protocol, lo):
                allowed.setdefault(protocol, []).append((lo, hi))
    return PortSet.from_mapping(allowed)


def _port_allowed(
    admin: list[Entry],
    isolated: bool,
    networkpolicy: PortSet,
    baseline: list[Entry],
    destination: Party,
    protocol: Protocol,
    port: int,
) -> bool:
    """Section 4, for one port: Admin tier, NetworkPolicy tier, Baseline tier, default allow."""
    verdict = _first_match(admin, destination, protocol, port)
    if verdict is TierAction.ALLOW:
        return True  # "Allow/Accept -> allowed for this direction, stop"
    if verdict is TierAction.DENY:
        return False  # "Deny -> denied, stop"
    # Pass ("leave the Admin tier"), or no Admin rule matched.
    if isolated:
        # "v1.NetworkPolicy always makes a final decision for selected pods."
        return networkpolicy.allows(protocol, port)
    # Baseline: Deny denies; Allow allows; Pass "skips the remaining Baseline rules and policies ->
    # default allow"; and when nothing matched, "the default kubernetes policy is applied, which
    # says that all pods can communicate with each other".
    return _first_match(baseline, destination, protocol, port) is not TierAction.DENY


def _entries(
    cluster: Cluster, tier: Tier, pod: Endpoint, direction: Direction, other: Party
) -> Iterator[Entry]:
    """The rules of ``tier`` that apply to ``pod`` in ``direction``, in evaluation order: policies
    "in ascending priority" (``TierPolicy.order``, which also breaks ties), "within one policy,
    rules of that direction in written order". "A policy whose subject does not select the pod, or
    that has no rules in this direction, is skipped."""
    policies = sorted((p for p in cluster.tier_policies if p.tier is tier), key=lambda p: p.order)
    for policy in policies:
        if not _subject_selects(cluster, policy, pod):
            continue
        for rule in policy.rules(direction):
            yield rule, any(_peer_matches(cluster, peer, other) for peer in rule.peers)


def _first_match(
    entries: list[Entry], destination: Party, protocol: Protocol, port: int
) -> TierAction | None:
    """The action of the first rule matching the port: "first matching rule decides"."""
    for rule, peer_matched in entries:
        if _fails_closed(rule):
            # Section 5: "For "Allow" rules, "fail closed" means: "treat the rule as matching no
            # traffic". For "Deny" and "Pass" rules, "fail closed" means: "treat the rule as a
            # 'Deny all' rule"." The whole rule, whatever its other peers and its ports.
            if rule.action is TierAction.ALLOW:
                continue
            return TierAction.DENY
        if peer_matched and _port_matches(rule, destination, protocol, port):
            return rule.action
    return None


def _fails_closed(rule: TierRule) -> bool:
    return any(peer.kind is PeerKind.UNKNOWN for peer in rule.peers)


def _tier_selectable(endpoint: Endpoint) -> bool:
    """ "Note that host-networked pods are not included in subject selection", nor in ``namespaces``
    and ``pods`` peers (section 7), whatever Options.host_network_as_pods says."""
    return not endpoint.host_network


def _subject_selects(cluster: Cluster, policy: TierPolicy, pod: Endpoint) -> bool:
    subject = policy.subject
    if not _tier_selectable(pod):
        return False
    # "if empty, it selects all Namespaces" / "if empty, it selects all Pods"; None likewise.
    ns = subject.namespace_selector
    if ns is not None and not ns.matches(_namespace_labels(cluster, pod.namespace)):
        return False
    return subject.pod_selector is None or subject.pod_selector.matches(pod.labels)


def _peer_matches(cluster: Cluster, peer: TierPeer, other: Party) -> bool:
    """Whether ``peer`` matches the far end: the source of an ingress rule, the destination of an
    egress rule."""
    if peer.kind in (PeerKind.NAMESPACES, PeerKind.PODS):
        # "Note that host-networked pods are not included in this type of peer."
        if not isinstance(other, Endpoint) or not _tier_selectable(other):
            return False
        ns = peer.namespace_selector
        if ns is not None and not ns.matches(_namespace_labels(cluster, other.namespace)):
            return False
        if peer.kind is PeerKind.NAMESPACES:
            return True
        return peer.pod_selector is None or peer.pod_selector.matches(other.labels)
    if peer.kind is PeerKind.NODES:
        # "selects the nodeIPs [...] by matching on the IPs present in the node.Status.Addresses
        # field of the node"; "if present but empty, it selects all Nodes". A host-network pod
        # speaks with its node's IP.
        node_ips = {
            ip
            for node in cluster.nodes
            if peer.node_selector is None or peer.node_selector.matches(node.labels)
            for ip in node.addresses
        }
        if isinstance(other, Endpoint):
            return other.host_network and any(ip in node_ips for ip in other.ips)
        return other in node_ips
    if peer.kind is PeerKind.NETWORKS:
        # "cluster-internal traffic will be checked against the rule as well": pod IPs, always.
        return any(block.contains(ip) for block in peer.networks for ip in _addresses(other))
    # domainNames: netpol resolves no DNS name, so it matches no address it knows. An unknown peer
    # is judged on the whole rule (_first_match).
    return False


def _addresses(party: Party) -> tuple[Address, ...]:
    return party.ips if isinstance(party, Endpoint) else (party,)


def _port_matches(rule: TierRule, destination: Party, protocol: Protocol, port: int) -> bool:
    if rule.all_ports:
        return True  # "If Ports is not set then the rule does not filter traffic via port."
    for policy_port in rule.ports:
        if isinstance(policy_port.port, str):
            raise ValueError(f"a tier rule keeps its named ports in TierRule.named, not {policy_port}")
        if policy_port.protocol is not protocol:
            continue
        if policy_port.port is None:
            return True  # the whole protocol (no such port in the API; read as SEMANTICS.md 10)
        last = policy_port.end_port if policy_port.end_port is not None else policy_port.port
        if policy_port.port <= port <= last:  # "an inclusive range of ports"
            return True
    # A named port is the destination pod's containerPort of that name, with that port's protocol;
    # toward an address outside the cluster it matches nothing.
    if not isinstance(destination, Endpoint):
        return False
    return any(
        cp.name == name and cp.protocol is protocol and cp.port == port
        for name in rule.named
        for cp in destination.ports
    )


def _cuts(cluster: Cluster, destination: Party, networkpolicy: PortSet, protocol: Protocol) -> Iterator[int]:
    """Ports where a run of equally decided ports may begin: every bound of a tier rule's numbers
    and ranges, of the destination's container ports, and of the NetworkPolicy tier's answer."""
    yield MIN_PORT
    for policy in cluster.tier_policies:
        for rule in (*policy.ingress, *policy.egress):
            for pp in rule.ports:
                if pp.protocol is protocol and isinstance(pp.port, int):
                    yield pp.port
                    yield (pp.end_port if pp.end_port is not None else pp.port) + 1
    if isinstance(destination, Endpoint):
        for cp in destination.ports:
            if cp.protocol is protocol:
                yield cp.port
                yield cp.port + 1
    for lo, hi in networkpolicy.ranges(protocol):
        yield lo
        yield hi + 1


def _runs(cuts: Iterable[int]) -> Iterator[tuple[int, int]]:
    """The runs [lo, hi] between consecutive cuts, covering every port once."""
    points = sorted({p for p in cuts if MIN_PORT <= p <= MAX_PORT} | {MIN_PORT, MAX_PORT + 1})
    for lo, next_lo in pairwise(points):
        yield lo, next_lo - 1
