"""Model stage, second half: RawObjects -> a Cluster of namespaces, endpoints and policies.

Pods are grouped under their controller (the ownerReference with ``controller: true``), so 40
replicas read as ``kube-system/coredns[Deployment]``. A ReplicaSet is lifted to its Deployment.
Replicas that a selector, a named port or an ipBlock could tell apart are never merged.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from netpol.core.ipspace import IPAddress, IPBlock, cut_address_space
from netpol.errors import Diagnostic, Severity
from netpol.load.files import RawObject
from netpol.model.parse import parse_namespace, parse_network_policy, parse_pod_like
from netpol.model.resources import (
    NAMESPACE_NAME_LABEL,
    STAND_IN_KIND,
    WORKLOAD_KINDS,
    ContainerPort,
    NamespaceSpec,
    NetworkPolicy,
    Options,
    Origin,
    PodSpec,
    StandIn,
)
from netpol.model.tiers import TIER_API, TIER_KINDS, NodeSpec, TierPolicy
from netpol.model.tiers_parse import parse_node, parse_tier_policy, tier_blocks, tier_pod_selectors

__all__ = ["SERVED", "STAND_IN_KIND", "Cluster", "Endpoint", "Namespace", "StandIn", "build_cluster"]

# The one apiVersion the API server serves each analysed kind at (Kubernetes >= 1.25). Older
# versions were removed: extensions/v1beta1 and apps/v1beta1, v1beta2 in 1.16 (Deployment,
# DaemonSet, ReplicaSet, StatefulSet, NetworkPolicy), batch/v1beta1 CronJob in 1.25; there never
# was a networking.k8s.io/v1beta1 NetworkPolicy. ("Deprecated API Migration Guide")
SERVED: Mapping[str, str] = {
    "Namespace": "v1",
    "Pod": "v1",
    "ReplicationController": "v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
}
_BUILTIN_GROUPS = frozenset({"", "apps", "batch", "extensions", "networking.k8s.io"})
"""Groups of the Kubernetes API itself: an analysed kind there at another version is an error.
The same kind in another group (Calico's projectcalico.org/v3 NetworkPolicy) is another kind."""
_REMOVED = {
    **{("extensions/v1beta1", k): "1.16" for k in ("Deployment", "DaemonSet", "ReplicaSet", "NetworkPolicy")},
    **{("apps/v1beta1", k): "1.16" for k in ("Deployment", "StatefulSet")},
    **{("apps/v1beta2", k): "1.16" for k in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")},
    ("batch/v1beta1", "CronJob"): "1.25",
}
# Policy kinds of other groups that also filter traffic; netpol does not model them (yet).
_POLICY_GROUPS = (
    "policy.networking.k8s.io",
    "projectcalico.org",
    "crd.projectcalico.org",
    "cilium.io",
    "crd.antrea.io",
    "networking.gke.io",
    "k8s.ovn.org",
)


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    labels: Mapping[str, str]
    declared: bool
    origin: Origin | None = field(default=None, compare=False)
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False)
    stand_in: bool = False
    """Not in the input: a namespace some policy selects, added with a stand-in endpoint."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A workload (its pods merged) or a lone pod: the unit the allow-graph speaks of."""

    namespace: str
    name: str
    kind: str
    labels: Mapping[str, str]
    ports: tuple[ContainerPort, ...]
    ips: tuple[IPAddress, ...] = ()
    host_network: bool = False
    nodes: tuple[str, ...] = ()
    pods: tuple[str, ...] = ()
    """Names of the pods merged into this endpoint; empty when it comes from a pod template."""
    origin: Origin | None = field(default=None, compare=False)
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False)
    stand_in: StandIn | None = None
    """Set on a stand-in: pods the policies select that the input does not hold."""

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}[{self.kind}]"


@dataclass(frozen=True, slots=True)
class Cluster:
    namespaces: tuple[Namespace, ...]
    endpoints: tuple[Endpoint, ...]
    policies: tuple[NetworkPolicy, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    skipped: Mapping[str, int] = field(default_factory=dict)
    unmodelled: Mapping[str, int] = field(default_factory=dict)
    """Policies of other APIs that also filter traffic, which netpol does not model, by
    ``Kind (group)``: ``{"CiliumNetworkPolicy (cilium.io)": 2}``."""
    tier_policies: tuple[TierPolicy, ...] = ()
    """AdminNetworkPolicies, the BaselineAdminNetworkPolicy and ClusterNetworkPolicies, sorted
    by id (the engine orders them by tier and priority)."""
    nodes: tuple[NodeSpec, ...] = ()
    """Node objects of the input, for ``nodes`` peers of the tier policies."""

    def namespace(self, name: str) -> Namespace | None:
        return next((n for n in self.namespaces if n.name == name), None)


def build_cluster(objects: Iterable[RawObject], options: Options = Options()) -> Cluster:
    sink: list[Diagnostic] = []
    skipped: Counter[str] = Counter()
    namespaces: dict[str, NamespaceSpec] = {}
    pods: dict[tuple[str, str], PodSpec] = {}
    templates: dict[tuple[str, str, str], tuple[PodSpec, tuple[str, str] | None]] = {}
    policies: dict[tuple[str, str], NetworkPolicy] = {}
    tier_policies: dict[str, TierPolicy] = {}
    nodes: dict[str, NodeSpec] = {}
    seen: dict[tuple[str, str, str], Origin] = {}

    unmodelled: Counter[str] = Counter()
    for obj in objects:
        origin = Origin(obj.source, obj.document, obj.path)
        kind = obj.kind
        api = str(obj.data.get("apiVersion", ""))
        group = api.rpartition("/")[0]
        if kind in SERVED and api != SERVED[kind]:
            if group in _BUILTIN_GROUPS:
                removed = _REMOVED.get((api, kind))
                why = f"removed in Kubernetes {removed}" if removed else "never served"
                sink.append(
                    Diagnostic(
                        Severity.ERROR,
                        "unserved-api-version",
                        f"the API server does not serve {kind} at {api} ({why}); it is {SERVED[kind]}",
                        origin.at("apiVersion"),
                    )
                )
                continue
            kind = f"{kind} ({api})"
        if kind == "Namespace":
            ns = parse_namespace(obj.data, origin, sink)
            if ns is not None:
                _note_duplicate(sink, seen, (kind, "", ns.name), origin)
                namespaces[ns.name] = ns
        elif kind == "NetworkPolicy":
            pol = parse_network_policy(obj.data, origin, sink, options.default_namespace)
            if pol is not None:
                _note_duplicate(sink, seen, (kind, pol.namespace, pol.name), origin)
                policies[(pol.namespace, pol.name)] = pol
        elif kind in TIER_KINDS and api == TIER_API[kind]:  # another version stays unmodelled
            if (tier := parse_tier_policy(kind, obj.data, origin, sink)) is not None:
                _note_duplicate(sink, seen, (kind, "", tier.name), origin)
                tier_policies[tier.id] = tier
        elif kind == "Node" and api == "v1":
            if (node := parse_node(obj.data, origin, sink)) is not None:
                _note_duplicate(sink, seen, (kind, "", node.name), origin)
                nodes[node.name] = node
        elif kind == "Pod" or kind in WORKLOAD_KINDS:
            spec = parse_pod_like(kind, obj.data, origin, sink, options.default_namespace)
            if spec is None:
                continue
            _note_duplicate(sink, seen, (kind, spec.namespace, spec.name), origin)
            if kind == "Pod":
                pods[(spec.namespace, spec.name)] = spec  # the later one wins, as kubectl apply
            else:
                templates[(kind, spec.namespace, spec.name)] = (spec, spec.owner)
        else:
            skipped[kind] += 1
            if group.endswith(_POLICY_GROUPS):
                unmodelled[f"{obj.kind} ({group})"] += 1

    if unmodelled:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(unmodelled.items()))
        sink.append(
            Diagnostic(
                Severity.WARNING,
                "policy-not-modelled",
                f"these policies also filter traffic, and netpol does not model "
                f"them: {kinds}; verdicts below ignore them",
            )
        )

    _note_shared_ips(pods.values(), sink)
    blocks = [
        p.ip_block
        for pol in (policies.values() if options.ipblock_matches_pods else ())
        for r in (*pol.ingress, *pol.egress)
        for p in r.peers
        if p.ip_block is not None
    ]
    blocks += tier_blocks(tier_policies.values(), nodes.values())  # tier networks, node IPs
    keys = _pod_label_keys(policies.values(), tier_policies.values())
    endpoints = _group(list(pods.values()), templates, blocks, keys, options, sink)

    all_ns: dict[str, Namespace] = {}
    for name, declared in namespaces.items():
        all_ns[name] = Namespace(name, declared.labels, True, declared.origin, declared.annotations)
    for name in {e.namespace for e in endpoints} | {p.namespace for p in policies.values()}:
        if name not in all_ns:
            all_ns[name] = Namespace(name, {NAMESPACE_NAME_LABEL: name}, False)

    return Cluster(
        namespaces=tuple(sorted(all_ns.values(), key=lambda n: n.name)),
        endpoints=tuple(sorted(endpoints, key=lambda e: e.id)),
        policies=tuple(policies[k] for k in sorted(policies)),
        diagnostics=tuple(sink),
        skipped=dict(sorted(skipped.items())),
        unmodelled=dict(sorted(unmodelled.items())),
        tier_policies=tuple(tier_policies[k] for k in sorted(tier_policies)),
        nodes=tuple(nodes[k] for k in sorted(nodes)),
    )


def _note_duplicate(
    sink: list[Diagnostic],
    seen: dict[tuple[str, str, str], Origin],
    key: tuple[str, str, str],
    origin: Origin,
) -> None:
    first = seen.get(key)
    if first is not None:
        kind, ns, name = key
        where = first.source if first.document is None else f"{first.source}, document {first.document}"
        sink.append(
            Diagnostic(
                Severity.WARNING,
                "duplicate-object",
                f"{kind} {ns + '/' if ns else ''}{name} is also defined at {where}; "
                "the later one wins, as with kubectl apply",
                origin.at(),
            )
        )
    seen[key] = origin


def _note_shared_ips(pods: Iterable[PodSpec], sink: list[Diagnostic]) -> None:
    """Two running pods never share an IP (host-network pods share their node's): a dump that
    says otherwise is stale or edited, and an ipBlock or ``--from IP`` cannot tell them apart."""
    holders: dict[IPAddress, list[PodSpec]] = defaultdict(list)
    for pod in pods:
        if not pod.host_network:
            for ip in pod.ips:
                holders[ip].append(pod)
    for ip, shared in sorted(holders.items(), key=lambda item: (item[0].version, item[0])):
        if len(shared) > 1:
            names = ", ".join(f"{p.namespace}/{p.name}" for p in shared)
            sink.append(
                Diagnostic(
                    Severity.WARNING,
                    "shared-ip",
                    f"pods {names} all have the IP {ip}; the input is stale or "
                    "edited (running pods never share one)",
                    shared[1].origin.at("status", "podIP"),
                )
            )


def _controller_of(
    pod: PodSpec, templates: Mapping[tuple[str, str, str], tuple[PodSpec, tuple[str, str] | None]]
) -> tuple[str, str] | None:
    """(kind, name) of the workload a pod belongs to, lifting ReplicaSets and Jobs."""
    if pod.owner is None:
        return None
    kind, name = pod.owner
    if kind == "ReplicaSet":
        rs = templates.get(("ReplicaSet", pod.namespace, name))
        if rs is not None:
            owner = rs[1]
            if owner is not None and owner[0] == "Deployment":
                return owner
            return kind, name
        # Only pods given: a Deployment's ReplicaSet is named <deployment>-<pod-template-hash>.
        digest = pod.labels.get("pod-template-hash")
        if digest and name.endswith("-" + digest):
            return "Deployment", name[: -len(digest) - 1]
        return kind, name
    if kind == "Job":
        job = templates.get(("Job", pod.namespace, name))
        if job is not None and job[1] is not None and job[1][0] == "CronJob":
            return job[1]
    return kind, name


def _template_id(spec: PodSpec, owner: tuple[str, str] | None) -> tuple[str, str]:
    if spec.kind == "ReplicaSet" and owner is not None and owner[0] == "Deployment":
        return owner
    if spec.kind == "Job" and owner is not None and owner[0] == "CronJob":
        return owner
    return spec.kind, spec.name


def _pod_label_keys(policies: Iterable[NetworkPolicy], tiers: Iterable[TierPolicy]) -> frozenset[str]:
    """Label keys some pod selector reads: only these can tell two replicas apart."""
    selectors = list(tier_pod_selectors(tiers))
    for pol in policies:
        selectors.append(pol.pod_selector)
        selectors += [
            p.pod_selector for r in (*pol.ingress, *pol.egress) for p in r.peers if p.pod_selector is not None
        ]
    return frozenset(
        k for s in selectors for k in (*(k for k, _ in s.match_labels), *(r.key for r in s.expressions))
    )


def _group(
    pods: list[PodSpec],
    templates: Mapping[tuple[str, str, str], tuple[PodSpec, tuple[str, str] | None]],
    blocks: list[IPBlock],
    keys: frozenset[str],
    options: Options,
    sink: list[Diagnostic],
) -> list[Endpoint]:
    """Merge the pods of one controller that no selector key, port or address block tells apart.

    Per-pod labels such as ``statefulset.kubernetes.io/pod-name`` or a rollout's two
    ``pod-template-hash`` values do not split a workload unless a policy selects on them.
    """
    space = cut_address_space(set(blocks)) if blocks else None
    range_class: dict[int, frozenset[int]] = {}

    def ip_class(ips: tuple[IPAddress, ...]) -> frozenset[frozenset[int]]:
        if space is None:
            return frozenset()
        out = set()
        for ip in ips:
            r = space.index_of(ip)
            if r not in range_class:
                range_class[r] = frozenset(i for i, b in enumerate(unique_blocks) if b.contains(ip))
            out.add(range_class[r])
        return frozenset(out)

    unique_blocks = sorted(set(blocks), key=str)
    groups: dict[tuple[str, str, str], list[PodSpec]] = defaultdict(list)
    endpoints: list[Endpoint] = []
    for pod in pods:
        ctrl = _controller_of(pod, templates)
        if ctrl is None:
            endpoints.append(_endpoint(pod.namespace, pod.name, "Pod", [pod]))
        else:
            groups[(pod.namespace, ctrl[0], ctrl[1])].append(pod)

    # Node traffic (SEMANTICS.md 15) reaches only the pods of its own node: replicas on a node
    # that runs a host-network pod are told apart by their node.
    host_nodes = (
        set() if options.host_network_as_pods else {p.node for p in pods if p.host_network and p.node}
    )
    for (ns, kind, name), members in sorted(groups.items()):
        variants: dict[object, list[PodSpec]] = defaultdict(list)
        for pod in sorted(members, key=lambda p: p.name):
            variant = (
                tuple(sorted((k, v) for k, v in pod.labels.items() if k in keys)),
                pod.ports,
                pod.host_network,
                ip_class(pod.ips),
                pod.node if pod.node in host_nodes else None,
            )
            variants[variant].append(pod)
        # Input order never decides: the biggest group, then the one with the first name.
        ordered = sorted(variants.values(), key=lambda v: (-len(v), v[0].name))
        main = _endpoint(ns, name, kind, ordered[0])
        template = templates.get((kind, ns, name))
        if template is not None and template[0].annotations:  # the workload's own annotations
            main = replace(main, annotations={**template[0].annotations, **main.annotations})
        endpoints.append(main)
        for odd in ordered[1:]:
            for pod in odd:
                endpoints.append(_endpoint(ns, pod.name, "Pod", [pod]))
        if len(ordered) > 1:
            n = sum(len(v) for v in ordered[1:])
            sink.append(
                Diagnostic(
                    Severity.WARNING,
                    "replicas-differ",
                    f"{n} pod(s) of {ns}/{name}[{kind}] differ from their siblings in labels, ports, "
                    "pod IP ranges or host-network node; they are analysed as separate Pod endpoints",
                    ordered[1][0].origin.at(),
                )
            )

    taken = {e.id for e in endpoints}
    chosen: dict[tuple[str, str, str], PodSpec] = {}
    for (kind, _, _), (spec, owner) in sorted(templates.items()):
        wkind, wname = _template_id(spec, owner)
        key = (spec.namespace, wname, wkind)
        if f"{spec.namespace}/{wname}[{wkind}]" in taken:
            continue
        if key not in chosen or kind == wkind:
            chosen[key] = spec
    for (ns, wname, wkind), spec in chosen.items():
        endpoints.append(
            Endpoint(
                ns,
                wname,
                wkind,
                spec.labels,
                spec.ports,
                (),
                spec.host_network,
                (),
                (),
                spec.origin,
                spec.annotations,
            )
        )
    return endpoints


def _endpoint(namespace: str, name: str, kind: str, pods: list[PodSpec]) -> Endpoint:
    """One endpoint for ``pods``; its labels are those every pod carries."""
    first = pods[0]
    labels = dict(first.labels)
    for pod in pods[1:]:
        labels = {k: v for k, v in labels.items() if pod.labels.get(k) == v}
    ips = dict.fromkeys(ip for pod in pods for ip in pod.ips)
    nodes = sorted({p.node for p in pods if p.node})
    notes = dict(first.annotations)
    for pod in pods[1:]:
        notes = {k: v for k, v in notes.items() if pod.annotations.get(k) == v}
    return Endpoint(
        namespace,
        name,
        kind,
        labels,
        first.ports,
        tuple(ips),
        first.host_network,
        tuple(nodes),
        tuple(sorted(p.name for p in pods)),
        first.origin,
        notes,
    )
