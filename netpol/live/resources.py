"""What netpol reads from a cluster, and what of each object it keeps.

Every list is cluster-wide: policies in one namespace select pods of others. Of each object only
the fields the analysis reads are kept (names, labels, annotations, controller references,
container ports, pod IPs, policy specs), so memory follows the number of objects, not their size:
a pod's environment, volumes, probes and ``managedFields`` are dropped as each page is read.
:data:`RBAC_RULES` is the ClusterRole this needs (docs/rbac.yaml holds it; a test keeps the two
equal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MODELLED",
    "NODES",
    "RBAC_RULES",
    "TEMPLATE_PATHS",
    "TIERS",
    "UNMODELLED",
    "Resource",
    "trim",
]


@dataclass(frozen=True, slots=True)
class Resource:
    """One API resource netpol lists. ``since``: the first Kubernetes release serving it at
    this version (for the message when a server is older)."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    since: str | None = None

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def path(self) -> str:
        """The cluster-wide list path: ``/api/v1/pods``, ``/apis/apps/v1/deployments``."""
        return (
            f"/api/{self.version}/{self.plural}"
            if not self.group
            else f"/apis/{self.api_version}/{self.plural}"
        )

    @property
    def label(self) -> str:
        """``pods``, ``deployments.apps``: how kubectl and RBAC messages name it."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


MODELLED = (
    Resource("", "v1", "namespaces", "Namespace", namespaced=False, since="1.0"),
    Resource("", "v1", "pods", "Pod", since="1.0"),
    Resource("", "v1", "replicationcontrollers", "ReplicationController", since="1.0"),
    Resource("apps", "v1", "deployments", "Deployment", since="1.9"),
    Resource("apps", "v1", "replicasets", "ReplicaSet", since="1.9"),
    Resource("apps", "v1", "statefulsets", "StatefulSet", since="1.9"),
    Resource("apps", "v1", "daemonsets", "DaemonSet", since="1.9"),
    Resource("batch", "v1", "jobs", "Job", since="1.2"),
    Resource("batch", "v1", "cronjobs", "CronJob", since="1.21"),
    Resource("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", since="1.7"),
)
"""Read from every cluster; a server that does not serve one is an error."""

TIERS = (
    Resource("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy", False),
    Resource(
        "policy.networking.k8s.io",
        "v1alpha1",
        "baselineadminnetworkpolicies",
        "BaselineAdminNetworkPolicy",
        False,
    ),
    Resource("policy.networking.k8s.io", "v1alpha2", "clusternetworkpolicies", "ClusterNetworkPolicy", False),
)
"""The cluster-wide policy tiers netpol models, read where discovery shows them."""

NODES = Resource("", "v1", "nodes", "Node", namespaced=False, since="1.0")
"""Read only when a tier policy has a ``nodes`` peer (their addresses)."""

UNMODELLED: tuple[tuple[str, str], ...] = (
    ("policy.networking.k8s.io", "clusternetworkpolicies"),  # v1beta1, when v1alpha2 is not served
    ("projectcalico.org", "networkpolicies"),
    ("projectcalico.org", "globalnetworkpolicies"),
    ("crd.projectcalico.org", "networkpolicies"),  # only when projectcalico.org is not served
    ("crd.projectcalico.org", "globalnetworkpolicies"),
    ("cilium.io", "ciliumnetworkpolicies"),
    ("cilium.io", "ciliumclusterwidenetworkpolicies"),
    ("crd.antrea.io", "networkpolicies"),
    ("crd.antrea.io", "clusternetworkpolicies"),
    ("networking.gke.io", "fqdnnetworkpolicies"),
    ("k8s.ovn.org", "egressfirewalls"),
)
"""(group, resource) of policies that also filter traffic and that netpol does not model: listed
at the group's preferred version where discovery shows them, counted and warned about as in
file mode. Calico's API server (projectcalico.org) serves the same policies as its CRDs
(crd.projectcalico.org); when both are there only the former is read, so none counts twice."""

TEMPLATE_PATHS: Mapping[str, tuple[str, ...]] = {
    "ReplicationController": ("spec", "template"),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
"""Where each workload holds its pod template (netpol.model.resources.WORKLOAD_KINDS, which a
test keeps equal: this layer reads below the model)."""


def _rbac_rules() -> tuple[tuple[str, tuple[str, ...]], ...]:
    groups: dict[str, list[str]] = {}
    for r in (*MODELLED, NODES, *TIERS):
        groups.setdefault(r.group, []).append(r.plural)
    for group, plural in UNMODELLED:
        groups.setdefault(group, []).append(plural)
    return tuple((g, tuple(dict.fromkeys(p))) for g, p in groups.items())


RBAC_RULES = _rbac_rules()
"""(API group, resources) netpol lists, the verb always ``list``: the ClusterRole of docs/rbac.yaml."""

_DROPPED_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})
_JOB_SPEC = ("completions", "completionMode", "manualSelector")


def trim(resource: Resource, item: Mapping[str, Any]) -> dict[str, Any]:
    """``item`` (a list entry: no kind, no apiVersion) with kind and apiVersion set and only the
    fields netpol reads; values are kept as the server sent them, so the model validates them as
    it validates a file."""
    out: dict[str, Any] = {"apiVersion": resource.api_version, "kind": resource.kind}
    if "metadata" in item:
        out["metadata"] = _metadata(item["metadata"])
    kind = resource.kind
    spec = item.get("spec")
    if kind == "Pod":
        if "spec" in item:
            out["spec"] = _pod_spec(spec)
        status = item.get("status")
        if isinstance(status, Mapping):
            kept = {k: status[k] for k in ("phase", "podIP", "podIPs") if k in status}
            if kept:
                out["status"] = kept
    elif kind in TEMPLATE_PATHS:
        if "spec" in item:
            out["spec"] = _workload_spec(kind, spec)
    elif kind == "Node":
        status = item.get("status")
        if isinstance(status, Mapping) and "addresses" in status:
            out["status"] = {"addresses": status["addresses"]}
    elif kind != "Namespace" and "spec" in item:
        out["spec"] = spec  # a policy: all of its spec
    return out


def _metadata(meta: Any) -> Any:
    if not isinstance(meta, Mapping):
        return meta
    out = {k: meta[k] for k in ("name", "namespace", "labels") if k in meta}
    annotations = meta.get("annotations")
    if isinstance(annotations, Mapping):
        kept = {k: v for k, v in annotations.items() if k not in _DROPPED_ANNOTATIONS}
        if kept:
            out["annotations"] = kept
    elif "annotations" in meta:
        out["annotations"] = annotations
    refs = meta.get("ownerReferences")
    if isinstance(refs, list):
        out["ownerReferences"] = [
            {k: r[k] for k in ("apiVersion", "kind", "name", "controller") if k in r}
            if isinstance(r, Mapping)
            else r
            for r in refs
        ]
    elif "ownerReferences" in meta:
        out["ownerReferences"] = refs
    return out


def _pod_spec(spec: Any) -> Any:
    if not isinstance(spec, Mapping):
        return spec
    out = {k: spec[k] for k in ("hostNetwork", "nodeName") if k in spec}
    for group in ("containers", "initContainers"):
        containers = spec.get(group)
        if isinstance(containers, list):
            out[group] = [
                {k: c[k] for k in ("name", "ports") if k in c} if isinstance(c, Mapping) else c
                for c in containers
            ]
        elif group in spec:
            out[group] = containers
    return out


def _workload_spec(kind: str, spec: Any) -> Any:
    if not isinstance(spec, Mapping):
        return spec
    path = TEMPLATE_PATHS[kind][1:]  # below spec
    out: dict[str, Any] = {k: spec[k] for k in _JOB_SPEC if kind == "Job" and k in spec}
    node: Any = spec
    target = out
    for step in path[:-1]:
        node = node.get(step) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            if node is not None:
                target[step] = node
            return out
        target = target.setdefault(step, {})
    template = node.get(path[-1]) if isinstance(node, Mapping) else None
    if isinstance(template, Mapping):
        kept: dict[str, Any] = {}
        if "metadata" in template:
            tmeta = template["metadata"]
            kept["metadata"] = (
                {k: tmeta[k] for k in ("labels", "annotations") if k in tmeta}
                if isinstance(tmeta, Mapping)
                else tmeta
            )
        if "spec" in template:
            kept["spec"] = _pod_spec(template["spec"])
        target[path[-1]] = kept
    elif template is not None:
        target[path[-1]] = template
    return out
