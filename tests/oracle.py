"""A deliberately naive reachability oracle, written straight from /work/shared/SEMANTICS.md.

One pair at a time, no bitsets, no caches, nothing shared with netpol/compile.py: it reads the frozen
records of the model (``Cluster``, ``Endpoint``, ``NetworkPolicy``), matches labels with
``LabelSelector.matches`` and returns a ``PortSet``. An IP address stands for an address outside
the cluster. The point numbers in the comments are those of SEMANTICS.md.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import replace

from netpol.core.ports import PortSet, Protocol
from netpol.model.cluster import Cluster, Endpoint, Namespace
from netpol.model.resources import Direction, NetworkPolicy, Options, Peer, PolicyPort, Rule

__all__ = ["Address", "Party", "oracle_allowed"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Party = Endpoint | Address

_NAME_LABEL = "kubernetes.io/metadata.name"
_ALL_PORTS = (1, 65535)


def oracle_allowed(
    cluster: Cluster,
    options: Options,
    src: Party,
    dst: Party,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
) -> PortSet:
    """The ports ``src`` may open toward ``dst``. Address to address is outside the question.

    Either end may be a hypothetical pod, in the input or not (a stand-in: any ``Endpoint`` with
    a namespace and labels); ``namespaces`` gives the labels of namespaces the cluster does not
    hold, taken as they are.
    """
    if namespaces:
        cluster = _with_namespaces(cluster, namespaces)
    if not isinstance(src, Endpoint) and not isinstance(dst, Endpoint):
        raise ValueError("the oracle answers only for pairs with at least one endpoint")
    # 15: a pod can always reach itself.
    if isinstance(src, Endpoint) and src == dst and src.kind == "Pod":
        return PortSet.all()
    # 15: traffic from a pod's own node is always allowed; hostNetwork pods are node traffic.
    if (
        isinstance(src, Endpoint)
        and isinstance(dst, Endpoint)
        and _is_node_traffic(src, options)
        and set(src.nodes) & set(dst.nodes)
    ):
        return PortSet.all()
    # 3: both ends must allow.
    return _egress_allows(cluster, options, src, dst) & _ingress_allows(cluster, options, src, dst)


def _with_namespaces(cluster: Cluster, namespaces: Mapping[str, Mapping[str, str]]) -> Cluster:
    extra = [Namespace(name, labels, False, stand_in=True) for name, labels in namespaces.items()]
    return replace(cluster, namespaces=(*cluster.namespaces, *extra))


def _is_node_traffic(endpoint: Endpoint, options: Options) -> bool:
    return endpoint.host_network and not options.host_network_as_pods


def _egress_allows(cluster: Cluster, options: Options, src: Party, dst: Party) -> PortSet:
    if not isinstance(src, Endpoint):
        return PortSet.all()  # nothing isolates an address outside the cluster
    return _direction_allows(cluster, options, src, Direction.EGRESS, dst, dst)


def _ingress_allows(cluster: Cluster, options: Options, src: Party, dst: Party) -> PortSet:
    if not isinstance(dst, Endpoint):
        return PortSet.all()
    return _direction_allows(cluster, options, dst, Direction.INGRESS, src, dst)


def _direction_allows(
    cluster: Cluster, options: Options, pod: Endpoint, direction: Direction, other: Party, destination: Party
) -> PortSet:
    """What the policies isolating ``pod`` in ``direction`` allow with ``other`` (1, 2)."""
    isolating = [pol for pol in cluster.policies if _isolates(pol, pod, direction, options)]
    if not isolating:
        return PortSet.all()  # 1: not isolated in this direction: everything is allowed
    allowed = PortSet.none()
    for pol in isolating:
        for rule in pol.rules(direction):
            if _rule_admits(cluster, options, pol, rule, other):
                allowed = allowed | _rule_ports(rule, destination)
    return allowed


def _isolates(pol: NetworkPolicy, pod: Endpoint, direction: Direction, options: Options) -> bool:
    # 1 and 7: a policy of the pod's own namespace that selects it and lists the direction.
    return (
        direction in pol.policy_types
        and pol.namespace == pod.namespace
        and _selectable(pod, options)
        and pol.pod_selector.matches(pod.labels)
    )


def _selectable(endpoint: Endpoint, options: Options) -> bool:
    # 15: hostNetwork pods are outside pod selectors unless told to treat them like pods.
    return not _is_node_traffic(endpoint, options)


def _rule_admits(cluster: Cluster, options: Options, pol: NetworkPolicy, rule: Rule, other: Party) -> bool:
    if not rule.peers:
        return True  # 6: empty from/to is every source/destination, IP addresses included
    return any(_peer_matches(cluster, options, pol, peer, other) for peer in rule.peers)


def _peer_matches(cluster: Cluster, options: Options, pol: NetworkPolicy, peer: Peer, other: Party) -> bool:
    # 8 and 9.
    if peer.ip_block is not None:
        cidr = peer.ip_block.cidr
        excepts = peer.ip_block.excepts
        if isinstance(other, Endpoint):
            addresses: tuple[Address, ...] = other.ips if options.ipblock_matches_pods else ()
        else:
            addresses = (other,)
        return any(
            a.version == cidr.version
            and a in cidr
            and not any(a.version == e.version and a in e for e in excepts)
            for a in addresses
        )
    if not isinstance(other, Endpoint) or not _selectable(other, options):
        return False
    if peer.namespace_selector is None:
        in_namespace = other.namespace == pol.namespace
    else:
        in_namespace = peer.namespace_selector.matches(_namespace_labels(cluster, other.namespace))
    if peer.pod_selector is None:
        return in_namespace
    return in_namespace and peer.pod_selector.matches(other.labels)


def _namespace_labels(cluster: Cluster, name: str) -> Mapping[str, str]:
    # 14: every namespace, declared or not, carries kubernetes.io/metadata.name=<name>.
    declared = next((ns for ns in cluster.namespaces if ns.name == name), None)
    if declared is not None and declared.stand_in:
        return declared.labels  # a hypothetical pod's namespace: its labels as given
    labels = dict(declared.labels) if declared is not None else {}
    labels[_NAME_LABEL] = name
    return labels


def _rule_ports(rule: Rule, destination: Party) -> PortSet:
    if not rule.ports:
        return PortSet.all()  # 6: empty/absent ports = all ports of all protocols
    allowed = PortSet.none()
    for policy_port in rule.ports:
        allowed = allowed | _policy_port(policy_port, destination)
    return allowed


def _policy_port(pp: PolicyPort, destination: Party) -> PortSet:
    protocol = Protocol(pp.protocol)
    if pp.port is None:
        return PortSet.from_mapping({protocol: [_ALL_PORTS]})  # 10: the whole protocol
    if isinstance(pp.port, int):
        last = pp.end_port if pp.end_port is not None else pp.port  # 12: [port, endPort]
        return PortSet.from_mapping({protocol: [(pp.port, last)]})
    # 11: a named port resolves on the destination's containerPorts by name AND protocol;
    # toward an address outside the cluster it matches nothing.
    if not isinstance(destination, Endpoint):
        return PortSet.none()
    numbers = [
        (cp.port, cp.port) for cp in destination.ports if cp.name == pp.port and cp.protocol == protocol
    ]
    return PortSet.from_mapping({protocol: numbers})
