"""Model stage: the frozen resource records parsing produces (namespaces, pods and pod
templates, NetworkPolicies and their rules), and the choices an analysis is run with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from netpol.core.ipspace import IPAddress, IPBlock
from netpol.core.ports import Protocol
from netpol.core.selectors import LabelSelector
from netpol.errors import Location

__all__ = [
    "JOB_NAME_LABELS",
    "NAMESPACE_NAME_LABEL",
    "STAND_IN_KIND",
    "WORKLOAD_KINDS",
    "ContainerPort",
    "Direction",
    "NamespaceSpec",
    "NetworkPolicy",
    "Options",
    "Origin",
    "Peer",
    "PodSpec",
    "PolicyPort",
    "Rule",
    "StandIn",
]

# "The Kubernetes control plane sets an immutable label kubernetes.io/metadata.name on all
# namespaces. The value of the label is the namespace name." (Namespaces, Automatic labelling)
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")
"""The labels the API server gives a Job's pod template: the Job's name (Kubernetes >= 1.27 sets
both; the unprefixed one is the legacy spelling)."""

# Where each workload kind keeps its pod template.
WORKLOAD_KINDS: Mapping[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


class Direction(StrEnum):
    INGRESS = "Ingress"
    EGRESS = "Egress"


@dataclass(frozen=True, slots=True)
class Options:
    """Choices where Kubernetes leaves room to the network plugin (SEMANTICS.md points 9 and 15)."""

    default_namespace: str = "default"
    ipblock_matches_pods: bool = True
    """An ipBlock matches a pod whose IP lies in it (the upstream e2e expectation, Calico)."""
    host_network_as_pods: bool = False
    """Apply policies to hostNetwork pods like to other pods (some plugins do); off: node traffic."""
    stand_ins: bool = True
    """Add a stand-in endpoint for what policies select and the input does not hold (open world);
    off: only what is in the input (closed world)."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object came from: source, 1-based document, and its path inside the document."""

    source: str
    document: int | None
    """None for an object read from a live cluster: its source is its API path."""
    path: tuple[str | int, ...] = ()

    def at(self, *fields: str | int) -> Location:
        return Location(self.source, self.document, self.path + fields)


@dataclass(frozen=True, slots=True)
class ContainerPort:
    port: int
    protocol: Protocol = Protocol.TCP
    name: str | None = None


@dataclass(frozen=True, slots=True)
class PodSpec:
    """What the model reads of one pod or one pod template."""

    namespace: str
    name: str
    kind: str
    labels: Mapping[str, str]
    ports: tuple[ContainerPort, ...]
    ips: tuple[IPAddress, ...]
    host_network: bool
    node: str | None
    owner: tuple[str, str] | None
    """(kind, name) of the controller ownerReference, if any."""
    origin: Origin
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False)
    """The object's own metadata.annotations (a workload's, not its pod template's)."""


@dataclass(frozen=True, slots=True)
class Peer:
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None

    def __str__(self) -> str:
        if self.ip_block is not None:
            return f"ipBlock {self.ip_block}"
        parts = []
        if self.namespace_selector is not None:
            parts.append(f"namespaceSelector {self.namespace_selector}")
        if self.pod_selector is not None:
            parts.append(f"podSelector {self.pod_selector}")
        return " and ".join(parts)


@dataclass(frozen=True, slots=True)
class PolicyPort:
    protocol: Protocol = Protocol.TCP
    port: int | str | None = None
    end_port: int | None = None

    def __str__(self) -> str:
        if self.port is None:
            return f"{self.protocol.value} all"
        if self.end_port is not None:
            return f"{self.protocol.value} {self.port}-{self.end_port}"
        return f"{self.protocol.value} {self.port}"


@dataclass(frozen=True, slots=True)
class Rule:
    """One ingress or egress rule: (any peer) AND (any port). Empty peers / ports mean all."""

    index: int
    peers: tuple[Peer, ...] = ()
    ports: tuple[PolicyPort, ...] = ()

    def describe(self) -> str:
        who = "; ".join(str(p) for p in self.peers) if self.peers else "all peers"
        what = ", ".join(str(p) for p in self.ports) if self.ports else "all ports"
        return f"{who}; {what}"


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: frozenset[Direction]
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]
    origin: Origin = field(compare=False)
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


@dataclass(frozen=True, slots=True)
class NamespaceSpec:
    name: str
    labels: Mapping[str, str]
    origin: Origin | None
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False)


STAND_IN_KIND = "StandIn"
"""The kind of a stand-in endpoint: ``payments/{app=gateway}[StandIn]``."""


@dataclass(frozen=True, slots=True)
class StandIn:
    """What a stand-in endpoint stands for: the pods a policy selects that the input does not hold.

    ``namespace`` names the namespace when the policy does (its own namespace, or a namespace
    selector on ``kubernetes.io/metadata.name``); otherwise it is None and the stand-in lives in a
    namespace of its own with the labels ``namespace_selector`` needs.
    """

    pod_selector: LabelSelector
    namespace: str | None
    namespace_selector: LabelSelector | None = None

    def __str__(self) -> str:
        pods = "any pod" if self.pod_selector.is_empty else f"pods with {self.pod_selector}"
        if self.namespace is not None:
            return f"{pods} in namespace {self.namespace}"
        ns = self.namespace_selector
        if ns is None or ns.is_empty:
            return f"{pods} in any namespace"
        return f"{pods} in a namespace with {ns}"

    def to_json(self) -> dict[str, object]:
        return {
            "podSelector": str(self.pod_selector),
            "namespace": self.namespace,
            "namespaceSelector": None if self.namespace_selector is None else str(self.namespace_selector),
        }
