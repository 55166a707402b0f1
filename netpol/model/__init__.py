"""Model stage: RawObjects -> validated, frozen resources, and the Cluster of endpoints they make."""

from __future__ import annotations

from netpol.model.cluster import (
    SERVED,
    Cluster,
    Endpoint,
    Namespace,
    build_cluster,
)
from netpol.model.parse import parse_namespace, parse_network_policy, parse_pod_like, read_annotations
from netpol.model.resources import (
    JOB_NAME_LABELS,
    NAMESPACE_NAME_LABEL,
    WORKLOAD_KINDS,
    ContainerPort,
    Direction,
    NetworkPolicy,
    Options,
    Origin,
    Peer,
    PodSpec,
    PolicyPort,
    Rule,
)

__all__ = [
    "JOB_NAME_LABELS",
    "NAMESPACE_NAME_LABEL",
    "SERVED",
    "WORKLOAD_KINDS",
    "Cluster",
    "ContainerPort",
    "Direction",
    "Endpoint",
    "Namespace",
    "NetworkPolicy",
    "Options",
    "Origin",
    "Peer",
    "PodSpec",
    "PolicyPort",
    "Rule",
    "build_cluster",
    "parse_namespace",
    "parse_network_policy",
    "parse_pod_like",
    "read_annotations",
]
