"""Model stage: the cluster-wide policy tiers as frozen records.

Three kinds of kubernetes-sigs/network-policy-api set policy above namespaces:

- ``AdminNetworkPolicy`` (ANP, ``policy.networking.k8s.io/v1alpha1``), in the Admin tier;
- ``BaselineAdminNetworkPolicy`` (BANP, v1alpha1), the Baseline tier's singleton ``default``;
- ``ClusterNetworkPolicy`` (CNP, ``policy.networking.k8s.io/v1alpha2``), in the tier it names.

"Policy tiers are evaluated in the following order: * Admin tier * NetworkPolicy tier * Baseline
tier" (CNP, ``ClusterNetworkPolicySpec.Tier``). One record, :class:`TierPolicy`, holds all three:
the engine reads the tier, the priority and the rules in written order, never the kind.
docs/design/admin-tiers.md quotes the API for every field below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from netpol.core.ipspace import IPAddress, IPBlock
from netpol.core.selectors import LabelSelector
from netpol.model.resources import Direction, Origin, PolicyPort

__all__ = [
    "ANP_KIND",
    "BANP_KIND",
    "CNP_KIND",
    "TIER_API",
    "TIER_KINDS",
    "NodeSpec",
    "PeerKind",
    "Tier",
    "TierAction",
    "TierPeer",
    "TierPolicy",
    "TierRule",
    "TierSubject",
]

ANP_KIND = "AdminNetworkPolicy"
BANP_KIND = "BaselineAdminNetworkPolicy"
CNP_KIND = "ClusterNetworkPolicy"
TIER_API = {
    ANP_KIND: "policy.networking.k8s.io/v1alpha1",
    BANP_KIND: "policy.networking.k8s.io/v1alpha1",
    CNP_KIND: "policy.networking.k8s.io/v1alpha2",
}
"""The apiVersion netpol models each kind at."""
TIER_KINDS = frozenset(TIER_API)

_SHORT = {ANP_KIND: "anp", BANP_KIND: "banp", CNP_KIND: "cnp"}
"""kubectl's short names, which prefix a tier policy's id: ``anp/deny-dev``."""


class Tier(StrEnum):
    """Where a cluster-wide policy sits: before NetworkPolicy (Admin) or after it (Baseline)."""

    ADMIN = "Admin"
    BASELINE = "Baseline"


class TierAction(StrEnum):
    """What a matching rule does. CNP's ``Accept`` is read as ALLOW (the record keeps the word)."""

    ALLOW = "Allow"
    """ANP: "allows the selected traffic (even if it would otherwise have been denied by
    NetworkPolicy)"; CNP Accept: "No further [...] ClusterNetworkPolicy or NetworkPolicy rules
    will be processed"."""
    DENY = "Deny"
    """"Pods will never receive traffic which has been matched by a "Deny" rule"."""
    PASS = "Pass"
    """"skips rules with lower precedence in the current tier and continues processing in the
    next tier"."""


class PeerKind(StrEnum):
    """The one field a peer sets ("Exactly one of the fields must be set")."""

    NAMESPACES = "namespaces"
    PODS = "pods"
    NODES = "nodes"
    NETWORKS = "networks"
    DOMAIN_NAMES = "domainNames"
    UNKNOWN = "unknown"
    """No field netpol knows: "If an implementation sees no fields are set then it can infer that
    the deployed CRD is of an incompatible version with an unknown field. In that case it should
    fail closed." The rule then matches no traffic (Allow) or all of it (Deny, Pass: "treat the
    rule as a 'Deny all' rule")."""


@dataclass(frozen=True, slots=True)
class TierSubject:
    """``spec.subject``: the pods the policy applies to. Host-network pods are never subjects.

    ``namespaces: S`` is ``TierSubject(S, None)``; ``pods: {namespaceSelector: N, podSelector: P}``
    is ``TierSubject(N, P)``. A None namespace selector selects every namespace (CNP: the field is
    optional), a None pod selector every pod of them.
    """

    namespace_selector: LabelSelector | None
    pod_selector: LabelSelector | None = None

    def __str__(self) -> str:
        ns = self.namespace_selector
        where = "every namespace" if ns is None or ns.is_empty else f"namespaces with {ns}"
        if self.pod_selector is None:
            return f"all pods in {where}"
        if self.pod_selector.is_empty:
            return f"all pods in {where}"
        return f"pods with {self.pod_selector} in {where}"


@dataclass(frozen=True, slots=True)
class TierPeer:
    """One element of a rule's ``from`` or ``to``; only the fields of ``kind`` are set."""

    kind: PeerKind
    namespace_selector: LabelSelector | None = None
    """namespaces: the selector; pods: its namespaceSelector (None: every namespace)."""
    pod_selector: LabelSelector | None = None
    """pods: the podSelector."""
    node_selector: LabelSelector | None = None
    """nodes: "selects the nodeIPs as the peer type by matching on the IPs present in the
    node.Status.Addresses field of the node"."""
    networks: tuple[IPBlock, ...] = ()
    """networks: CIDRs, which "will be checked against" pod-to-pod traffic "as well"."""
    domain_names: tuple[str, ...] = ()
    """domainNames: names netpol cannot resolve; a verdict that depends on one says so."""

    def __str__(self) -> str:
        if self.kind is PeerKind.NAMESPACES:
            ns = self.namespace_selector
            return "all namespaces" if ns is None or ns.is_empty else f"namespaces with {ns}"
        if self.kind is PeerKind.PODS:
            subject = TierSubject(self.namespace_selector, self.pod_selector)
            return str(subject)
        if self.kind is PeerKind.NODES:
            sel = self.node_selector
            return "all nodes" if sel is None or sel.is_empty else f"nodes with {sel}"
        if self.kind is PeerKind.NETWORKS:
            return "networks " + ", ".join(str(b) for b in self.networks)
        if self.kind is PeerKind.DOMAIN_NAMES:
            return "domain names " + ", ".join(self.domain_names)
        return "a peer netpol does not know (fails closed)"


@dataclass(frozen=True, slots=True)
class TierRule:
    """One ingress or egress rule: if any peer matches and the port matches, ``action`` applies.

    ``ports`` are numbers and ranges (protocol defaulted to TCP as the API does); ``named`` are
    named ports, each matching the destination pod's containerPort of that name, whatever its
    protocol. Both empty: every port ("If Ports is not set then the rule does not filter traffic
    via port").
    """

    index: int
    """0-based position in spec.ingress / spec.egress: rules apply in written order."""
    action: TierAction
    word: str
    """The action as written: ``Accept`` in a CNP, else the action's own name."""
    peers: tuple[TierPeer, ...]
    ports: tuple[PolicyPort, ...] = ()
    named: tuple[str, ...] = ()
    name: str | None = None
    """``name``, optional, at most 100 characters."""

    @property
    def all_ports(self) -> bool:
        return not self.ports and not self.named

    @property
    def domain_names(self) -> tuple[str, ...]:
        return tuple(d for p in self.peers for d in p.domain_names)

    def describe(self) -> str:
        who = "; ".join(str(p) for p in self.peers)
        what = [str(p) for p in self.ports] + [f"port named {n}" for n in self.named]
        return f"{who}; {', '.join(what) if what else 'all ports'}"


@dataclass(frozen=True, slots=True)
class TierPolicy:
    """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy."""

    kind: str
    name: str
    tier: Tier
    priority: int | None
    """0..1000, the lower first; None for the BANP, which has no priority (a singleton)."""
    subject: TierSubject
    ingress: tuple[TierRule, ...]
    egress: tuple[TierRule, ...]
    origin: Origin = field(compare=False)
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def id(self) -> str:
        """``anp/NAME``, ``banp/default`` or ``cnp/NAME``: cluster-scoped, prefixed by kind."""
        return f"{_SHORT[self.kind]}/{self.name}"

    @property
    def order(self) -> tuple[int, int, str, str]:
        """Evaluation order within the tier: priority, then (for equal priorities, where the
        implementation "can apply any of the matching policies") kind and name, so that netpol's
        choice is stable and lint reports the tie. The BANP, with no priority, comes after every
        Baseline CNP: upstream does not order the two (they are not meant to coexist)."""
        prio = 1001 if self.priority is None else self.priority
        return (prio, 0 if self.kind == CNP_KIND else 1, self.kind, self.name)

    def rules(self, direction: Direction) -> tuple[TierRule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress

    def describe(self) -> str:
        """``Admin tier: anp/deny-dev (priority 10)``."""
        prio = "" if self.priority is None else f" (priority {self.priority})"
        return f"{self.tier.value} tier: {self.id}{prio}"


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A Node: its labels (for ``nodes`` peers) and the IPs of ``status.addresses``."""

    name: str
    labels: Mapping[str, str]
    addresses: tuple[IPAddress, ...]
    """The IPs of status.addresses (InternalIP, ExternalIP; host names are left out)."""
    origin: Origin | None = field(default=None, compare=False)
