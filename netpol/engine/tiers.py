"""The cluster-wide policy tiers, compiled: subjects and peers resolved to bitsets, and the chain
that decides one direction of a connection.

"Policy tiers are evaluated in the following order: * Admin tier * NetworkPolicy tier * Baseline
tier" and "If a given connection wasn't allowed or denied by any of the tiers, the default
kubernetes policy is applied, which says that all pods can communicate with each other."
(ClusterNetworkPolicySpec.Tier). Each direction is decided on its own: egress at the source,
ingress at the destination ("any ingress rules at the destination do apply" after an egress
Accept). docs/design/admin-tiers.md quotes the API in full.
"""

from __future__ import annotations

import ipaddress
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from netpol.core.bits import from_indexes
from netpol.core.ipspace import AddressSpace, IPBlock
from netpol.core.ports import PortSet, Protocol
from netpol.core.selectors import LabelSelector
from netpol.engine.form import Node
from netpol.engine.index import LabelIndex
from netpol.model.cluster import Endpoint
from netpol.model.tiers import NodeSpec, PeerKind, Tier, TierAction, TierPeer, TierPolicy, TierRule

__all__ = [
    "ChainRule",
    "Decision",
    "TierResolver",
    "decide",
    "evaluation_order",
    "tier_rule_ports",
]


def evaluation_order(policies: Iterable[TierPolicy]) -> list[TierPolicy]:
    """The Admin tier's policies, then the Baseline tier's, each by :attr:`TierPolicy.order`."""
    return sorted(policies, key=lambda p: (p.tier is Tier.BASELINE, p.order))


class TierResolver:
    """The endpoints a subject selects and the endpoints and ranges a peer matches.

    "Note that host-networked pods are not included in subject selection" and in ``namespaces``
    and ``pods`` peers: ``index`` holds the other endpoints only. ``networks`` match pod IPs as
    well as outside addresses ("cluster-internal traffic will be checked against the rule as
    well"), whatever the plugin does with NetworkPolicy's ipBlock.
    """

    def __init__(
        self,
        index: LabelIndex,
        space: AddressSpace,
        endpoints: Sequence[Endpoint],
        nodes: Sequence[NodeSpec],
    ) -> None:
        self._index = index
        self._space = space
        self._n = len(endpoints)
        self._every = (1 << (self._n + len(space.ranges))) - 1
        self._nodes = nodes
        self._holders: dict[int, list[int]] = defaultdict(list)
        """Per external range: the endpoints with an IP in it."""
        for i, e in enumerate(endpoints):
            for ip in e.ips:
                self._holders[space.index_of(ip)].append(i)

    @property
    def every(self) -> int:
        return self._every

    def subject(self, policy: TierPolicy) -> int:
        """What ``spec.subject`` selects: ``namespaces`` or ``pods`` (namespaces AND pods)."""
        subject = policy.subject
        return self._scope(subject.namespace_selector, subject.pod_selector)

    def _scope(self, namespaces: LabelSelector | None, pods: LabelSelector | None) -> int:
        """Pods of the namespaces ``namespaces`` selects (every namespace: None) that ``pods``
        selects (every pod: None)."""
        index = self._index
        bits = index.everyone if namespaces is None else index.in_namespaces(namespaces)
        return bits if pods is None else bits & index.pods(pods)

    def rule(self, rule: TierRule) -> int:
        """What the rule's peers match ("If any element matches [...] the action is applied")."""
        bits = 0
        for peer in rule.peers:
            bits |= self.peer(peer)
        return bits

    def peer(self, peer: TierPeer) -> int:
        if peer.kind is PeerKind.NAMESPACES:
            return self._scope(peer.namespace_selector, None)
        if peer.kind is PeerKind.PODS:
            return self._scope(peer.namespace_selector, peer.pod_selector)
        if peer.kind is PeerKind.NETWORKS:
            return self._addresses(peer.networks)
        if peer.kind is PeerKind.NODES:
            # "matching on the IPs present in the node.Status.Addresses field of the node";
            # "if present but empty, it selects all Nodes".
            sel = peer.node_selector
            ips = [
                IPBlock(ipaddress.ip_network(ip))
                for node in self._nodes
                if sel is None or sel.matches(node.labels)
                for ip in node.addresses
            ]
            return self._addresses(ips)
        return 0  # domainNames: no address is known to be one of the names; UNKNOWN: see compile

    def _addresses(self, blocks: Iterable[IPBlock]) -> int:
        bits = 0
        for block in blocks:
            ranges = self._space.indexes_of(block)
            bits |= from_indexes(self._n + r for r in ranges)
            bits |= from_indexes(i for r in ranges for i in self._holders.get(r, ()))
        return bits


def tier_rule_ports(rule: TierRule, dst: Node | None) -> PortSet:
    """The ports a tier rule matches toward ``dst``.

    "If Ports is not set then the rule does not filter traffic via port." A ``portNumber`` or
    ``portRange`` names its protocol (TCP by default); a named port "selects a port on a pod(s)
    based on name", the destination's containerPort of that name, with its protocol. Toward an
    address outside the cluster a named port matches nothing; toward a stand-in it stays a name.
    """
    if rule.all_ports:
        return PortSet.all()
    spans: dict[Protocol, list[tuple[int, int]]] = defaultdict(list)
    names: list[tuple[Protocol, str]] = []
    for pp in rule.ports:
        assert isinstance(pp.port, int)
        spans[pp.protocol].append((pp.port, pp.end_port or pp.port))
    if rule.named and isinstance(dst, Endpoint):
        for name in rule.named:
            if dst.stand_in is not None:
                names.append((Protocol.TCP, name))
            for cp in dst.ports:
                if cp.name == name:
                    spans[cp.protocol].append((cp.port, cp.port))
    return PortSet.from_mapping(spans, names)


@dataclass(frozen=True, slots=True)
class Decision:
    """One direction's verdict for a set of sources: what is allowed and which steps decided."""

    allowed: PortSet
    steps: tuple[tuple[int, PortSet], ...]
    """(tier rule id, the ports that rule decided), in evaluation order: every rule that matched
    before the chain ended, whatever its action."""
    networkpolicy: PortSet
    """The ports that reached the NetworkPolicy tier and that it allowed."""
    reached_networkpolicy: PortSet
    """The ports the Admin tier left to NetworkPolicy (passed or unmatched)."""
    default: PortSet
    """The ports no tier decided, allowed by default."""
    tiers: tuple[str, ...] = ()
    """Which tiers allowed some of ``allowed``: ``Admin``, ``NetworkPolicy``, ``Baseline``,
    ``default`` (a Baseline Pass, or nothing decided), in evaluation order."""


class ChainRule(typing.Protocol):
    """What the chain reads of a rule: its policy (tier) and its action. Compiled rules and the
    graph's TierRuleViews both are."""

    @property
    def policy(self) -> TierPolicy: ...

    @property
    def action(self) -> TierAction: ...


def decide(
    rule_ids: Sequence[int],
    rules: Sequence[ChainRule],
    ports_of: Callable[[int], PortSet],
    isolated: bool,
    np_allowed: PortSet,
) -> Decision:
    """Run the tier chain for one direction of a connection.

    ``rule_ids`` are the tier rules of that direction that apply to the pair (the subject holds the
    pod, a peer matches the other end), in evaluation order; ``ports_of(r)`` the ports rule ``r``
    matches; ``isolated`` whether a NetworkPolicy selects the pod for the direction, and
    ``np_allowed`` what its rules allow.
    """
    remaining = PortSet.all()
    allowed = PortSet.none()
    passed = PortSet.none()
    steps: list[tuple[int, PortSet]] = []
    baseline: list[int] = []
    tiers: list[str] = []
    for r in rule_ids:
        cr = rules[r]
        if cr.policy.tier is Tier.BASELINE:
            baseline.append(r)
            continue
        if not remaining:
            continue  # the Admin tier has decided every port; Baseline rules are still collected
        matched = remaining & ports_of(r)
        if not matched:
            continue
        # "first match wins": a rule decides what no earlier rule matched.
        remaining = remaining - matched
        steps.append((r, matched))
        if cr.action is TierAction.ALLOW:
            allowed |= matched  # "NetworkPolicy cannot block it"
            tiers.append("Admin")
        elif cr.action is TierAction.PASS:
            passed |= matched  # "skips all further ClusterNetworkPolicy rules in the current tier"
    rest = remaining | passed
    if isolated:
        # "v1.NetworkPolicy always makes a final decision for selected pods."
        np = rest & np_allowed
        if np:
            tiers.append("NetworkPolicy")
        return Decision(allowed | np, tuple(steps), np, rest, PortSet.none(), _names(tiers))
    remaining = rest
    for r in baseline:
        if not remaining:
            break
        cr = rules[r]
        matched = remaining & ports_of(r)
        if not matched:
            continue
        remaining = remaining - matched
        steps.append((r, matched))
        if cr.action is TierAction.ALLOW:
            allowed |= matched
            tiers.append("Baseline")
        elif cr.action is TierAction.PASS:
            allowed |= matched  # Pass leaves only the default: allow
            tiers.append("default")
    if remaining:
        tiers.append("default")
    return Decision(allowed | remaining, tuple(steps), PortSet.none(), rest, remaining, _names(tiers))


_TIER_ORDER = {"Admin": 0, "NetworkPolicy": 1, "Baseline": 2, "default": 3}


def _names(tiers: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(tiers), key=_TIER_ORDER.__getitem__))
