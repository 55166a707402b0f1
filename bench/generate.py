#!/usr/bin/env python3
"""Synthetic Kubernetes clusters for benchmarking netpol: seeded, deterministic, realistic.

    python bench/generate.py --pods 10000 --workloads 1000 --policies 2000 \\
        --namespaces 50 --seed 1 --format dump --out bench/out/10k.yaml

Two formats:

* ``manifests``: multi-document YAML of Namespaces, workloads (pod templates) and
  NetworkPolicies, as a GitOps repository would hold them.
* ``dump``: what ``kubectl get ns,pods,rs,deploy,sts,ds,netpol -A -o yaml`` prints: one
  ``kind: List`` whose Pods are concrete replicas owned by ReplicaSets / StatefulSets / DaemonSets
  (Job pods point at Jobs that this command does not list), with IPs, nodes and metadata noise.

Only the standard library (it writes YAML itself, fast): it never imports netpol, so it can feed
any version of it.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "FORMATS",
    "NOISE_LEVELS",
    "Namespace",
    "Node",
    "Port",
    "SyntheticCluster",
    "Workload",
    "dump_yaml",
    "generate_cluster",
    "main",
    "to_yaml",
]

FORMATS = ("manifests", "dump")
NOISE_LEVELS = ("bare", "light", "full")
"""``bare``: only what an analyzer reads; ``light``: kubectl's usual metadata (uid,
resourceVersion, timestamps, annotations, owner references, a compact managedFields entry);
``full``: kubectl verbatim (full managedFields, conditions, container statuses, volumes...)."""

Object = dict[str, Any]

# --------------------------------------------------------------------------- vocabulary

TEAMS = (
    "checkout",
    "payments",
    "catalog",
    "search",
    "identity",
    "ledger",
    "messaging",
    "analytics",
    "shipping",
    "inventory",
    "pricing",
    "reviews",
    "media",
    "growth",
    "fraud",
    "billing",
    "support",
    "platform",
    "data",
    "ml",
)
ENVS = ("prod", "staging", "dev")
ENV_WEIGHTS = (0.45, 0.3, 0.25)
NS_TIERS = ("frontend", "backend", "data")
DOMAINS = (
    "orders",
    "cart",
    "users",
    "catalog",
    "search",
    "reviews",
    "pricing",
    "ledger",
    "invoices",
    "shipments",
    "notifications",
    "sessions",
    "auth",
    "recommendations",
    "media",
    "payments",
    "inventory",
    "accounts",
    "profiles",
    "events",
    "reports",
    "feeds",
    "coupons",
    "wishlist",
    "refunds",
    "tax",
    "fulfillment",
    "returns",
    "loyalty",
    "ratings",
    "emails",
    "sms",
    "audit",
)

# The address plan: nodes in 10.0.0.0/16, pods in 10.64.0.0/10 (one /24 per node).
POD_CIDR = "10.64.0.0/10"
PRIVATE_V4 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
PODS_PER_NODE = 252


@dataclass(frozen=True, slots=True)
class Port:
    name: str
    number: int
    protocol: str = "TCP"


@dataclass(frozen=True, slots=True)
class _Role:
    component: str
    tier: str
    ports: tuple[Port, ...]
    suffixes: tuple[str, ...]
    image: str
    kind: str = "Deployment"


_HTTP, _METRICS, _GRPC = Port("http", 8080), Port("metrics", 9090), Port("grpc", 9000)
ROLES: dict[str, _Role] = {
    "web": _Role("frontend", "web", (_HTTP, _METRICS), ("web", "frontend", "ui"), ""),
    "api": _Role("backend", "app", (_HTTP, _GRPC, _METRICS), ("api", "service", "svc"), ""),
    "worker": _Role("worker", "app", (_METRICS,), ("worker", "consumer", "processor"), ""),
    "postgres": _Role(
        "database",
        "data",
        (Port("postgres", 5432), Port("metrics", 9187)),
        ("db", "postgres", "pg"),
        "postgres:16.2",
        "StatefulSet",
    ),
    "redis": _Role(
        "cache", "data", (Port("redis", 6379), Port("metrics", 9121)), ("redis", "cache"), "redis:7.2.4"
    ),
    "mysql": _Role(
        "database",
        "data",
        (Port("mysql", 3306), Port("metrics", 9104)),
        ("mysql",),
        "mysql:8.0.36",
        "StatefulSet",
    ),
    "mongodb": _Role("database", "data", (Port("mongodb", 27017),), ("mongo",), "mongo:7.0.6", "StatefulSet"),
    "kafka": _Role(
        "queue",
        "data",
        (Port("kafka", 9092), Port("metrics", 9308)),
        ("kafka",),
        "bitnami/kafka:3.7.0",
        "StatefulSet",
    ),
    "rabbitmq": _Role(
        "queue",
        "data",
        (Port("amqp", 5672), Port("management", 15672), Port("metrics", 15692)),
        ("rabbitmq", "mq"),
        "rabbitmq:3.13-management",
        "StatefulSet",
    ),
    "memcached": _Role(
        "cache",
        "data",
        (Port("memcache", 11211), Port("memcache-udp", 11211, "UDP")),
        ("memcached",),
        "memcached:1.6.26",
    ),
    "elasticsearch": _Role(
        "search",
        "data",
        (Port("http", 9200), Port("transport", 9300)),
        ("es", "elasticsearch"),
        "elasticsearch:8.13.0",
        "StatefulSet",
    ),
    "statsd": _Role(
        "metrics",
        "app",
        (Port("statsd", 8125, "UDP"), Port("metrics", 9102)),
        ("statsd",),
        "prom/statsd-exporter:v0.26.1",
    ),
    "batch": _Role("batch", "app", (), ("migrate", "backfill", "import"), "", "Job"),
    "cron": _Role("batch", "app", (), ("cleanup", "report", "sync", "rollup"), "", "CronJob"),
    "agent": _Role(
        "agent",
        "app",
        (Port("statsd", 8125, "UDP"), Port("apm", 8126)),
        ("node-agent", "log-agent"),
        "",
        "DaemonSet",
    ),
}
ROLE_WEIGHTS: dict[str, float] = {
    "web": 0.15,
    "api": 0.33,
    "worker": 0.15,
    "postgres": 0.05,
    "redis": 0.06,
    "mysql": 0.01,
    "mongodb": 0.01,
    "kafka": 0.01,
    "rabbitmq": 0.01,
    "memcached": 0.02,
    "elasticsearch": 0.01,
    "statsd": 0.02,
    "batch": 0.03,
    "cron": 0.04,
    "agent": 0.02,
}
_DB_ROLES = frozenset(
    {"postgres", "redis", "mysql", "mongodb", "kafka", "rabbitmq", "memcached", "elasticsearch"}
)


@dataclass(frozen=True, slots=True)
class _Infra:
    namespace: str
    name: str
    kind: str
    selector: tuple[str, str]
    ports: tuple[Port, ...]
    image: str
    component: str


# In the order they are added as the workload budget allows; coredns always comes first.
INFRA_NAMESPACES = ("kube-system", "monitoring", "ingress-nginx", "logging", "cert-manager")
INFRA: tuple[_Infra, ...] = (
    _Infra(
        "kube-system",
        "coredns",
        "Deployment",
        ("k8s-app", "kube-dns"),
        (Port("dns", 53, "UDP"), Port("dns-tcp", 53), Port("metrics", 9153)),
        "registry.k8s.io/coredns/coredns:v1.11.1",
        "dns",
    ),
    _Infra(
        "monitoring",
        "prometheus",
        "Deployment",
        ("app.kubernetes.io/name", "prometheus"),
        (Port("web", 9090),),
        "quay.io/prometheus/prometheus:v2.51.1",
        "server",
    ),
    _Infra(
        "monitoring",
        "node-exporter",
        "DaemonSet",
        ("app.kubernetes.io/name", "node-exporter"),
        (Port("metrics", 9100),),
        "quay.io/prometheus/node-exporter:v1.7.0",
        "exporter",
    ),
    _Infra(
        "ingress-nginx",
        "ingress-nginx-controller",
        "Deployment",
        ("app.kubernetes.io/name", "ingress-nginx"),
        (Port("http", 80), Port("https", 443), Port("metrics", 10254)),
        "registry.k8s.io/ingress-nginx/controller:v1.10.0",
        "controller",
    ),
    _Infra(
        "logging",
        "fluent-bit",
        "DaemonSet",
        ("app.kubernetes.io/name", "fluent-bit"),
        (Port("http", 2020),),
        "cr.fluentbit.io/fluent/fluent-bit:3.0.2",
        "collector",
    ),
    _Infra(
        "monitoring",
        "grafana",
        "Deployment",
        ("app.kubernetes.io/name", "grafana"),
        (Port("http", 3000),),
        "grafana/grafana:10.4.1",
        "dashboards",
    ),
    _Infra(
        "monitoring",
        "alertmanager",
        "StatefulSet",
        ("app.kubernetes.io/name", "alertmanager"),
        (Port("web", 9093), Port("mesh-tcp", 9094), Port("mesh-udp", 9094, "UDP")),
        "quay.io/prometheus/alertmanager:v0.27.0",
        "alert-router",
    ),
    _Infra(
        "kube-system",
        "metrics-server",
        "Deployment",
        ("k8s-app", "metrics-server"),
        (Port("https", 10250),),
        "registry.k8s.io/metrics-server/metrics-server:v0.7.1",
        "metrics",
    ),
    _Infra(
        "logging",
        "loki",
        "StatefulSet",
        ("app.kubernetes.io/name", "loki"),
        (Port("http-metrics", 3100), Port("grpc", 9095)),
        "grafana/loki:2.9.6",
        "storage",
    ),
    _Infra(
        "cert-manager",
        "cert-manager",
        "Deployment",
        ("app.kubernetes.io/name", "cert-manager"),
        (Port("http-metrics", 9402),),
        "quay.io/jetstack/cert-manager-controller:v1.14.4",
        "controller",
    ),
    _Infra(
        "cert-manager",
        "cert-manager-webhook",
        "Deployment",
        ("app.kubernetes.io/name", "webhook"),
        (Port("https", 10250),),
        "quay.io/jetstack/cert-manager-webhook:v1.14.4",
        "webhook",
    ),
)

# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    ip: str
    pod_prefix: str  # "10.64.3." -- the node's /24 of pod addresses


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    labels: dict[str, str]  # as written in a manifest (kubernetes.io/metadata.name maybe absent)
    team: str
    env: str
    infra: bool


@dataclass(slots=True)
class Workload:
    namespace: str
    name: str
    kind: str  # Deployment, StatefulSet, DaemonSet, Job, CronJob
    role: str
    selector: tuple[str, str]  # the label the controller (and policies) select pods by
    labels: dict[str, str]  # pod template labels
    ports: tuple[Port, ...]
    image: str
    container: str
    annotations: dict[str, str] = field(default_factory=dict)
    replicas: int = 1  # pods it runs; for a DaemonSet one per node

    @property
    def selector_labels(self) -> dict[str, str]:
        return {self.selector[0]: self.selector[1]}


@dataclass(frozen=True, slots=True)
class SyntheticCluster:
    """What :func:`generate_cluster` returns; render it with :meth:`manifests` or :meth:`dump`."""

    seed: int
    nodes: tuple[Node, ...]
    namespaces: tuple[Namespace, ...]
    workloads: tuple[Workload, ...]
    policies: tuple[Object, ...]

    @property
    def pod_count(self) -> int:
        return sum(w.replicas for w in self.workloads)

    def manifests(self) -> list[Object]:
        """Namespaces, then workloads, then NetworkPolicies, as a repository would hold them."""
        return [
            *(_namespace_manifest(ns) for ns in self.namespaces),
            *(_workload_manifest(w) for w in self.workloads),
            *self.policies,
        ]

    def dump(self, noise: str = "light") -> Object:
        """The ``kubectl get ns,pods,rs,deploy,sts,ds,netpol -A -o yaml`` List."""
        if noise not in NOISE_LEVELS:
            raise ValueError(f"noise must be one of {', '.join(NOISE_LEVELS)}, not {noise!r}")
        return _Dumper(self, noise).build()


# --------------------------------------------------------------------------- generation


def generate_cluster(
    *, pods: int, workloads: int, policies: int, namespaces: int, seed: int = 0
) -> SyntheticCluster:
    """A cluster with exactly these many pods, workloads, NetworkPolicies and namespaces.

    ``kube-system`` (with coredns) is always one of the namespaces and coredns one of the
    workloads. The same arguments always give the same cluster.
    """
    if namespaces < 1 or workloads < 1 or policies < 0:
        raise ValueError("need at least one namespace and one workload, and policies >= 0")
    if pods < workloads:
        raise ValueError(f"{pods} pods cannot fill {workloads} workloads (each runs at least one)")
    rng = random.Random(seed)
    nodes = _nodes(rng, max(2, min(pods // 40, 8000)))
    nss = _namespaces(rng, namespaces)
    wls = _workloads(rng, nss, workloads)
    _size(rng, wls, pods, len(nodes))
    pols = _Policies(rng, nss, wls).generate(policies)
    return SyntheticCluster(seed, tuple(nodes), tuple(nss), tuple(wls), tuple(pols))


def _nodes(rng: random.Random, count: int) -> list[Node]:
    region = rng.choice(("eu-west-1", "us-east-1", "ap-southeast-2"))
    nodes = []
    for i in range(count):
        a, b = divmod(i + 10, 250)
        ip = f"10.0.{a}.{b + 4}"
        pa, pb = divmod(i, 256)
        nodes.append(Node(f"ip-10-0-{a}-{b + 4}.{region}.compute.internal", ip, f"10.{64 + pa}.{pb}."))
    return nodes


def _namespaces(rng: random.Random, count: int) -> list[Namespace]:
    n_infra = min(len(INFRA_NAMESPACES), max(1, min(count - 1, 2 + count // 12)))
    out = []
    for name in INFRA_NAMESPACES[:n_infra]:
        labels = {} if name == "kube-system" else {"team": "platform"}
        out.append(Namespace(name, labels, "platform", "prod", True))
    used = {ns.name for ns in out}
    while len(out) < count:
        team = rng.choice(TEAMS)
        env = rng.choices(ENVS, ENV_WEIGHTS)[0]
        name = f"{team}-{env}"
        k = 2
        while name in used:
            name, k = f"{team}-{env}-{k}", k + 1
        used.add(name)
        labels = {"team": team, "env": env}
        if rng.random() < 0.4:
            labels["tier"] = rng.choice(NS_TIERS)
        if rng.random() < 0.2:
            labels["kubernetes.io/metadata.name"] = name  # some manifests spell it out
        if rng.random() < 0.3:
            labels["pod-security.kubernetes.io/enforce"] = rng.choice(("baseline", "restricted"))
        if env == "dev" and rng.random() < 0.3:
            labels["sandbox"] = "true"
        out.append(Namespace(name, labels, team, env, False))
    return out


def _version(rng: random.Random) -> str:
    return f"{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"


def _workloads(rng: random.Random, nss: Sequence[Namespace], count: int) -> list[Workload]:
    present = {ns.name for ns in nss}
    infra = [i for i in INFRA if i.namespace in present]
    infra = infra[: max(1, count // 20, min(2, count // 4))]
    out = [_infra_workload(rng, i) for i in infra]
    apps = [ns for ns in nss if not ns.infra] or list(nss)
    weights = [rng.paretovariate(1.3) for _ in apps]
    roles, role_weights = list(ROLE_WEIGHTS), list(ROLE_WEIGHTS.values())
    used: dict[str, set[str]] = {ns.name: {w.name for w in out if w.namespace == ns.name} for ns in nss}
    by_name = {ns.name: ns for ns in nss}
    # Every app namespace gets one workload before the weighted draw, if the budget allows.
    homes = apps[: count - len(out)]
    homes += rng.choices(apps, weights, k=count - len(out) - len(homes))
    for ns in homes:
        role = rng.choices(roles, role_weights)[0]
        out.append(_app_workload(rng, by_name[ns.name], role, used[ns.name]))
    return out


def _infra_workload(rng: random.Random, i: _Infra) -> Workload:
    labels = {i.selector[0]: i.selector[1]}
    if i.selector[0] != "app.kubernetes.io/name":
        labels["app.kubernetes.io/name"] = i.name
    labels["app.kubernetes.io/component"] = i.component
    if rng.random() < 0.5:
        labels["app.kubernetes.io/part-of"] = i.namespace
    labels["app.kubernetes.io/version"] = i.image.rsplit(":", 1)[1]
    container = {"ingress-nginx-controller": "controller", "cert-manager-webhook": "webhook"}
    return Workload(
        i.namespace,
        i.name,
        i.kind,
        "infra",
        i.selector,
        labels,
        i.ports,
        i.image,
        container.get(i.name, i.name),
    )


def _app_workload(rng: random.Random, ns: Namespace, role: str, used: set[str]) -> Workload:
    spec = ROLES[role]
    base = f"{rng.choice(DOMAINS)}-{rng.choice(spec.suffixes)}"
    name, k = base, 2
    while name in used:
        name, k = f"{base}-{k}", k + 1
    used.add(name)
    kind = spec.kind
    if role == "redis" and rng.random() < 0.5:
        kind = "StatefulSet"
    key = "app" if rng.random() < 0.7 else "app.kubernetes.io/name"
    version = _version(rng)
    labels = {key: name}
    optional = (
        ("app", name, 0.3),
        ("app.kubernetes.io/name", name, 0.4),
        ("component", spec.component, 0.8),
        ("tier", spec.tier, 0.7),
        ("version", f"v{version}", 0.6),
        ("app.kubernetes.io/instance", f"{name}-{ns.env}", 0.3),
        ("app.kubernetes.io/part-of", ns.team, 0.4),
        ("app.kubernetes.io/component", spec.component, 0.3),
        ("team", ns.team, 0.5),
        ("legacy", "true", 0.03),
    )
    for k_, v, p in optional:
        if k_ not in labels and rng.random() < p:
            labels[k_] = v
    image = spec.image or f"registry.example.com/{ns.team}/{name}:{version}"
    annotations = {}
    if any(p.name == "metrics" for p in spec.ports) and rng.random() < 0.6:
        port = next(p.number for p in spec.ports if p.name == "metrics")
        annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(port)}
    ports = spec.ports
    if role in ("web", "api") and rng.random() < 0.1:
        ports = (*ports, Port("admin", 8081))
    container = role if role in _DB_ROLES else name
    return Workload(ns.name, name, kind, role, (key, name), labels, ports, image, container, annotations)


def _size(rng: random.Random, wls: list[Workload], pods: int, nodes: int) -> None:
    """Set replicas so that the pods add up to exactly ``pods``."""
    daemonsets = [w for w in wls if w.kind == "DaemonSet"]
    # App DaemonSets go first; then infra ones. A converted DaemonSet becomes a Deployment.
    daemonsets.sort(key=lambda w: w.role == "infra")
    fixed = sum(1 for w in wls if w.kind in ("Job", "CronJob"))
    while daemonsets and (
        len(daemonsets) * nodes > 0.15 * pods
        or fixed + len(daemonsets) * nodes + sum(1 for w in wls if w.kind in ("Deployment", "StatefulSet"))
        > pods
    ):
        daemonsets.pop(0).kind = "Deployment"
    for w in daemonsets:
        w.replicas = nodes
    fixed += len(daemonsets) * nodes
    flex = [w for w in wls if w.kind in ("Deployment", "StatefulSet")]
    extra = pods - fixed - len(flex)
    weights = []
    for w in flex:
        wt = rng.lognormvariate(0.0, 1.1)
        if w.kind == "StatefulSet":
            wt *= 0.25
        if w.name == "coredns":
            wt = 1.0
        weights.append(wt)
    total = sum(weights) or 1.0
    shares = [extra * wt / total for wt in weights]
    counts = [int(s) for s in shares]
    left = extra - sum(counts)
    order = sorted(range(len(flex)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[:left]:
        counts[i] += 1
    for w, c in zip(flex, counts, strict=True):
        w.replicas = 1 + c


# --------------------------------------------------------------------------- policies


def _sel(w: Workload) -> Object:
    return {"matchLabels": w.selector_labels}


def _ns_name(name: str) -> Object:
    return {"matchLabels": {"kubernetes.io/metadata.name": name}}


_DNS_PEER: Object = {
    "namespaceSelector": _ns_name("kube-system"),
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
_PROMETHEUS = {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}
_PUBLIC_V4: Object = {"cidr": "0.0.0.0/0", "except": list(PRIVATE_V4)}
_INGRESS_BLOCKS: tuple[Object, ...] = (
    _PUBLIC_V4,
    {"cidr": "10.0.0.0/8", "except": [POD_CIDR]},  # the corporate network, not the pods
    {"cidr": "198.51.100.0/24", "except": ["198.51.100.128/25"]},
    {"cidr": "203.0.113.0/24"},
    {"cidr": "192.168.0.0/16", "except": ["192.168.100.0/24", "192.168.200.0/24"]},
    {"cidr": "172.16.0.0/12", "except": ["172.20.0.0/16"]},
    {"cidr": "198.51.100.7/32"},
    {"cidr": "35.191.0.0/16"},  # load-balancer health checks
    {"cidr": "130.211.0.0/22"},
)
_NS_EXPRESSIONS: tuple[list[Object], ...] = (
    [{"key": "env", "operator": "In", "values": ["prod", "staging"]}],
    [{"key": "env", "operator": "NotIn", "values": ["dev"]}],
    [{"key": "tier", "operator": "Exists"}],
    [{"key": "sandbox", "operator": "DoesNotExist"}],
    [
        {"key": "tier", "operator": "In", "values": ["frontend", "backend"]},
        {"key": "env", "operator": "In", "values": ["prod"]},
    ],
)
_POD_EXPRESSIONS: tuple[list[Object], ...] = (
    [{"key": "tier", "operator": "In", "values": ["web", "app"]}],
    [{"key": "component", "operator": "NotIn", "values": ["database", "cache"]}],
    [{"key": "tier", "operator": "In", "values": ["app"]}, {"key": "legacy", "operator": "DoesNotExist"}],
    [{"key": "version", "operator": "Exists"}],
)


class _Policies:
    """Realistic NetworkPolicies: namespace baselines first, then per-workload rules."""

    def __init__(self, rng: random.Random, nss: Sequence[Namespace], wls: Sequence[Workload]) -> None:
        self.rng = rng
        self.nss = list(nss)
        self.by_ns: dict[str, list[Workload]] = {ns.name: [] for ns in nss}
        for w in wls:
            self.by_ns[w.namespace].append(w)
        self.ns_of = {ns.name: ns for ns in nss}
        self.targets = [w for w in wls if w.namespace != "kube-system"] or list(wls)
        self.names: dict[str, set[str]] = {ns.name: set() for ns in nss}
        self.templates: tuple[tuple[Callable[[Workload], tuple[str, Object] | None], float], ...] = (
            (self._from_apps, 0.18),
            (self._from_team, 0.06),
            (self._from_ns_expressions, 0.06),
            (self._from_other_ns_app, 0.08),
            (self._from_ingress_controller, 0.05),
            (self._prometheus_scrape, 0.07),
            (self._from_ip_block, 0.06),
            (self._port_range, 0.04),
            (self._egress_same_ns, 0.12),
            (self._egress_other_ns, 0.05),
            (self._egress_dns, 0.05),
            (self._egress_internet, 0.06),
            (self._allow_all, 0.015),
            (self._isolate, 0.02),
            (self._egress_statsd, 0.02),
            (self._from_pod_expressions, 0.04),
            (self._tier_to_tier, 0.03),
        )

    def generate(self, count: int) -> list[Object]:
        baseline = self._baseline()[: round(count * 0.4)]
        out = [self._policy(ns, name, spec) for ns, name, spec in baseline]
        funcs = [f for f, _ in self.templates]
        weights = [w for _, w in self.templates]
        while len(out) < count:
            target = self.rng.choice(self.targets)
            made = None
            for _ in range(8):
                made = self.rng.choices(funcs, weights)[0](target)
                if made is not None:
                    break
            if made is None:
                made = self._isolate(target)
            assert made is not None
            out.append(self._policy(target.namespace, *made))
        return out

    def _policy(self, ns: str, name: str, spec: Object) -> Object:
        taken, unique, k = self.names[ns], name[:63].rstrip("-"), 2
        while unique in taken:
            unique, k = f"{name[:58].rstrip('-')}-{k}", k + 1
        taken.add(unique)
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": unique, "namespace": ns},
            "spec": copy.deepcopy(spec),
        }

    # ----------------------------------------------------------------- namespace baselines

    def _baseline(self) -> list[tuple[str, str, Object]]:
        """Per namespace, most important first; interleaved so a small budget covers them all."""
        rng = self.rng
        rounds: list[list[tuple[str, str, Object]]] = []
        for ns in self.nss:
            if ns.name == "kube-system":
                continue
            mine: list[tuple[str, str, Object]] = []
            deny_in = rng.random() < (0.85 if ns.env == "prod" else 0.5)
            # Platform namespaces keep egress open: their agents talk to everything.
            deny_out = not ns.infra and rng.random() < (0.45 if deny_in else 0.15)
            if deny_in and deny_out:
                mine.append(
                    (ns.name, "default-deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
                )
            elif deny_in:
                spec: Object = {"podSelector": {}}
                if rng.random() < 0.7:
                    spec["policyTypes"] = ["Ingress"]  # absent means the same (SEMANTICS 4)
                mine.append((ns.name, "default-deny-ingress", spec))
            elif deny_out:
                mine.append((ns.name, "default-deny-egress", {"podSelector": {}, "policyTypes": ["Egress"]}))
            if deny_out:
                ports: list[Object] = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
                if rng.random() < 0.3:
                    ports = [{"protocol": "UDP", "port": "dns"}, {"protocol": "TCP", "port": "dns-tcp"}]
                mine.append(
                    (
                        ns.name,
                        "allow-dns",
                        {
                            "podSelector": {},
                            "policyTypes": ["Egress"],
                            "egress": [{"to": [_DNS_PEER], "ports": ports}],
                        },
                    )
                )
                if rng.random() < 0.5:
                    mine.append(
                        (
                            ns.name,
                            "allow-egress-same-namespace",
                            {
                                "podSelector": {},
                                "policyTypes": ["Egress"],
                                "egress": [{"to": [{"podSelector": {}}]}],
                            },
                        )
                    )
            if rng.random() < 0.35:
                mine.append(
                    (
                        ns.name,
                        "allow-same-namespace",
                        {
                            "podSelector": {},
                            "policyTypes": ["Ingress"],
                            "ingress": [{"from": [{"podSelector": {}}]}],
                        },
                    )
                )
            if deny_in and rng.random() < 0.4:
                mine.append(
                    (
                        ns.name,
                        "allow-monitoring",
                        {
                            "podSelector": {},
                            "policyTypes": ["Ingress"],
                            "ingress": [
                                {
                                    "from": [
                                        {
                                            "namespaceSelector": _ns_name("monitoring"),
                                            "podSelector": _PROMETHEUS,
                                        }
                                    ],
                                    "ports": [{"protocol": "TCP", "port": "metrics"}],
                                }
                            ],
                        },
                    )
                )
            rounds.append(mine)
        out = []
        for i in range(max((len(r) for r in rounds), default=0)):
            out += [r[i] for r in rounds if i < len(r)]
        return out

    # ----------------------------------------------------------------- helpers

    def _ports(self, w: Workload, *, metrics: bool = False) -> list[Object] | None:
        """Port rules toward ``w``: some of its ports, by name or number; None if it has none."""
        ports = [p for p in w.ports if ("metrics" in p.name) == metrics]
        if not ports:
            return None
        chosen = self.rng.sample(ports, k=1 if len(ports) == 1 else self.rng.randint(1, 2))
        return [self._port_ref(p) for p in chosen]

    def _port_ref(self, p: Port) -> Object:
        ref: Object = {}
        if p.protocol != "TCP" or self.rng.random() < 0.6:
            ref["protocol"] = p.protocol
        ref["port"] = p.name if self.rng.random() < 0.5 else p.number
        return ref

    def _types(self, direction: str, spec: Object, p_omit: float = 0.3) -> Object:
        """Ingress-only policies often omit policyTypes; egress ones rarely (SEMANTICS 4)."""
        if direction == "Ingress" and self.rng.random() < p_omit:
            return spec
        if direction == "Egress" and self.rng.random() < 0.05:
            return spec  # the classic slip: defaults to [Ingress, Egress]
        return {
            "podSelector": spec["podSelector"],
            "policyTypes": [direction],
            **{k: v for k, v in spec.items() if k != "podSelector"},
        }

    def _rule(self, key: str, peers: list[Object], ports: list[Object] | None) -> Object:
        rule: Object = {key: peers}
        if ports:
            rule["ports"] = ports
        return rule

    def _other(self, w: Workload, pred: Callable[[Workload], bool] = lambda _: True) -> list[Workload]:
        return [o for o in self.by_ns[w.namespace] if o is not w and pred(o)]

    def _foreign(self, w: Workload, pred: Callable[[Workload], bool] = lambda _: True) -> Workload | None:
        ns = self.rng.choice(self.nss)
        cands = [o for o in self.by_ns[ns.name] if ns.name != w.namespace and pred(o)]
        return self.rng.choice(cands) if cands else None

    # ----------------------------------------------------------------- ingress templates

    def _from_apps(self, w: Workload) -> tuple[str, Object] | None:
        others = self._other(w, lambda o: o.role not in _DB_ROLES)
        if not others:
            return None
        srcs = self.rng.sample(others, k=min(len(others), self.rng.choice((1, 1, 1, 2, 3))))
        rule = self._rule("from", [{"podSelector": _sel(s)} for s in srcs], self._ports(w))
        return (
            f"allow-{srcs[0].name}-to-{w.name}",
            self._types("Ingress", {"podSelector": _sel(w), "ingress": [rule]}),
        )

    def _from_team(self, w: Workload) -> tuple[str, Object] | None:
        team = self.rng.choice(TEAMS)
        selector: Object = {"matchLabels": {"team": team}}
        if self.rng.random() < 0.4:
            selector["matchLabels"]["env"] = self.ns_of[w.namespace].env
        rule = self._rule("from", [{"namespaceSelector": selector}], self._ports(w))
        return (
            f"allow-team-{team}-to-{w.name}",
            self._types("Ingress", {"podSelector": _sel(w), "ingress": [rule]}),
        )

    def _from_ns_expressions(self, w: Workload) -> tuple[str, Object] | None:
        peer: Object = {"namespaceSelector": {"matchExpressions": self.rng.choice(_NS_EXPRESSIONS)}}
        if self.rng.random() < 0.3:
            peer["podSelector"] = {"matchExpressions": self.rng.choice(_POD_EXPRESSIONS)}
        rule = self._rule("from", [peer], self._ports(w))
        return (
            f"allow-selected-namespaces-to-{w.name}",
            self._types("Ingress", {"podSelector": _sel(w), "ingress": [rule]}),
        )

    def _from_other_ns_app(self, w: Workload) -> tuple[str, Object] | None:
        src = self._foreign(w, lambda o: o.role not in _DB_ROLES)
        if src is None:
            return None
        ns_sel = (
            _ns_name(src.namespace)
            if self.rng.random() < 0.7
            else {"matchLabels": {"team": self.ns_of[src.namespace].team}}
        )
        peers = [{"namespaceSelector": ns_sel, "podSelector": _sel(src)}]
        if self.rng.random() < 0.2:  # same-namespace callers too, as a second (ORed) peer
            peers.append({"podSelector": {"matchLabels": {"tier": "app"}}})
        rule = self._rule("from", peers, self._ports(w))
        return (
            f"allow-{src.namespace}-{src.name}-to-{w.name}",
            self._types("Ingress", {"podSelector": _sel(w), "ingress": [rule]}),
        )

    def _from_ingress_controller(self, w: Workload) -> tuple[str, Object] | None:
        http = [p for p in w.ports if p.name in ("http", "https")]
        if not http:
            return None
        peer = {
            "namespaceSelector": _ns_name("ingress-nginx"),
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
        }
        rule = self._rule("from", [peer], [self._port_ref(http[0])])
        return (
            f"allow-ingress-controller-to-{w.name}",
            self._types("Ingress", {"podSelector": _sel(w), "ingress": [rule]}),
        )

    def _prometheus_scrape(self, w: Workload) -> tuple[str, Object] | None:
        ports = self._ports(w, metrics=True)
        if ports is None:
            return None
        ns_sel: Object = {} if self.rng.random() < 0.25 else _ns_name("monitoring")
        rule = self._rule("from", [{"namespaceSelector": ns_sel, "podSelector": _PROMETHEUS}], ports)
        return (
            f"allow-prometheus-to-{w.name}",
            self._types("Ingress", {"podSelector": _sel(w), "ingress": [rule]}),
        )

    def _from_ip_block(self, w: Workload) -> tuple[str, Object] | None:
        blocks = self.rng.sample(_INGRESS_BLOCKS, k=self.rng.choice((1, 1, 2)))
        rule = self._rule("from", [{"ipBlock": dict(b)} for b in blocks], self._ports(w))
        label = "internet" if blocks[0] is _PUBLIC_V4 else "external"
        return (
            f"allow-{label}-to-{w.name}",
            self._types("Ingress", {"podSelector": _sel(w), "ingress": [rule]}),
        )

    def _port_range(self, w: Workload) -> tuple[str, Object] | None:
        rng = self.rng
        numbered = [p for p in w.ports if "metrics" not in p.name]
        choices: list[Object] = [
            {"protocol": "TCP", "port": 8000, "endPort": 8099},
            {"port": 30000, "endPort": 32767},
            {"protocol": "UDP", "port": 10000, "endPort": 20000},
        ]
        if numbered:
            p = rng.choice(numbered)
            choices.append(
                {"protocol": p.protocol, "port": p.number, "endPort": p.number + rng.randint(0, 10)}
            )
        ports = [rng.choice(choices)]
        peers: list[Object] = (
            [{"podSelector": {"matchExpressions": rng.choice(_POD_EXPRESSIONS)}}]
            if rng.random() < 0.6
            else [{"ipBlock": {"cidr": "10.0.0.0/8"}}]
        )
        return (
            f"allow-port-range-to-{w.name}",
            self._types("Ingress", {"podSelector": _sel(w), "ingress": [{"from": peers, "ports": ports}]}),
        )

    def _allow_all(self, w: Workload) -> tuple[str, Object] | None:
        if self.rng.random() < 0.6:
            return (
                f"allow-all-ingress-{w.name}",
                {"podSelector": _sel(w), "policyTypes": ["Ingress"], "ingress": [{}]},
            )
        return (
            f"allow-all-egress-{w.name}",
            {"podSelector": _sel(w), "policyTypes": ["Egress"], "egress": [{}]},
        )

    def _isolate(self, w: Workload) -> tuple[str, Object] | None:
        spec: Object = {"podSelector": _sel(w), "policyTypes": ["Ingress"]}
        if self.rng.random() < 0.5:
            spec["ingress"] = []
        return (f"deny-ingress-{w.name}", spec)

    def _from_pod_expressions(self, w: Workload) -> tuple[str, Object] | None:
        peer = {"podSelector": {"matchExpressions": self.rng.choice(_POD_EXPRESSIONS)}}
        rule = self._rule("from", [peer], self._ports(w))
        return (
            f"allow-app-tier-to-{w.name}",
            self._types("Ingress", {"podSelector": _sel(w), "ingress": [rule]}),
        )

    def _tier_to_tier(self, w: Workload) -> tuple[str, Object] | None:
        tier = w.labels.get("tier")
        if tier not in ("app", "data"):
            return None
        src = "web" if tier == "app" else "app"
        spec = {
            "podSelector": {"matchLabels": {"tier": tier}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": src}}}]}],
        }
        return f"allow-{src}-tier-to-{tier}-tier", self._types("Ingress", spec)

    # ----------------------------------------------------------------- egress templates

    def _egress_same_ns(self, w: Workload) -> tuple[str, Object] | None:
        if w.role in _DB_ROLES:
            return None
        dsts = self._other(w, lambda o: bool(o.ports) and o.kind != "DaemonSet")
        if not dsts:
            return None
        dbs = [d for d in dsts if d.role in _DB_ROLES]
        dst = self.rng.choice(dbs if dbs and self.rng.random() < 0.7 else dsts)
        rule = self._rule("to", [{"podSelector": _sel(dst)}], self._ports(dst))
        return (
            f"allow-{w.name}-to-{dst.name}",
            self._types("Egress", {"podSelector": _sel(w), "egress": [rule]}),
        )

    def _egress_other_ns(self, w: Workload) -> tuple[str, Object] | None:
        dst = self._foreign(w, lambda o: o.role in ("api", "web", "infra") and bool(o.ports))
        if dst is None:
            return None
        ns = self.ns_of[dst.namespace]
        ns_sel = (
            _ns_name(ns.name)
            if ns.infra or self.rng.random() < 0.5
            else {"matchLabels": {"team": ns.team, "env": ns.env}}
        )
        rule = self._rule("to", [{"namespaceSelector": ns_sel, "podSelector": _sel(dst)}], self._ports(dst))
        return (
            f"allow-{w.name}-to-{ns.name}-{dst.name}",
            self._types("Egress", {"podSelector": _sel(w), "egress": [rule]}),
        )

    def _egress_dns(self, w: Workload) -> tuple[str, Object] | None:
        rule = {
            "to": [_DNS_PEER],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
        return (f"allow-dns-{w.name}", {"podSelector": _sel(w), "policyTypes": ["Egress"], "egress": [rule]})

    def _egress_internet(self, w: Workload) -> tuple[str, Object] | None:
        block = {"cidr": "0.0.0.0/0", "except": [*PRIVATE_V4, "169.254.169.254/32"]}
        peers: list[Object] = [{"ipBlock": block}]
        if self.rng.random() < 0.15:
            peers.append({"ipBlock": {"cidr": "::/0", "except": ["fc00::/7", "fe80::/10"]}})
        rule = {"to": peers, "ports": [{"protocol": "TCP", "port": 443}]}
        return (
            f"allow-{w.name}-to-internet",
            {"podSelector": _sel(w), "policyTypes": ["Egress"], "egress": [rule]},
        )

    def _egress_statsd(self, w: Workload) -> tuple[str, Object] | None:
        statsd = self._other(w, lambda o: o.role == "statsd")
        peer: Object = (
            {"podSelector": _sel(statsd[0])} if statsd else {"namespaceSelector": _ns_name("monitoring")}
        )
        rule = {"to": [peer], "ports": [{"protocol": "UDP", "port": 8125}]}
        return (
            f"allow-{w.name}-to-statsd",
            {"podSelector": _sel(w), "policyTypes": ["Egress"], "egress": [rule]},
        )


# --------------------------------------------------------------------------- manifests


def _namespace_manifest(ns: Namespace) -> Object:
    meta: Object = {"name": ns.name}
    if ns.labels:
        meta["labels"] = dict(ns.labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def _container(w: Workload) -> Object:
    c: Object = {"name": w.container, "image": w.image}
    if w.ports:
        c["ports"] = [{"name": p.name, "containerPort": p.number, "protocol": p.protocol} for p in w.ports]
    return c


def _template(w: Workload) -> Object:
    meta: Object = {"labels": dict(w.labels)}
    if w.annotations:
        meta["annotations"] = dict(w.annotations)
    spec: Object = {"containers": [_container(w)]}
    if w.kind in ("Job", "CronJob"):
        spec["restartPolicy"] = "Never"
    return {"metadata": meta, "spec": spec}


def _workload_labels(w: Workload) -> dict[str, str]:
    return {k: v for k, v in w.labels.items() if k.startswith("app") or k in ("team", "k8s-app", "component")}


def _workload_manifest(w: Workload) -> Object:
    api = "batch/v1" if w.kind in ("Job", "CronJob") else "apps/v1"
    meta = {"name": w.name, "namespace": w.namespace, "labels": _workload_labels(w)}
    spec: Object
    if w.kind == "CronJob":
        spec = {
            "schedule": f"{w.replicas % 60} */6 * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {"spec": {"backoffLimit": 2, "template": _template(w)}},
        }
    elif w.kind == "Job":
        spec = {"backoffLimit": 4, "template": _template(w)}
    else:
        spec = {"selector": {"matchLabels": w.selector_labels}, "template": _template(w)}
        if w.kind != "DaemonSet":
            spec = {"replicas": w.replicas, **spec}
        if w.kind == "StatefulSet":
            spec["serviceName"] = w.name
    return {"apiVersion": api, "kind": w.kind, "metadata": meta, "spec": spec}


# --------------------------------------------------------------------------- the kubectl dump

_HASH_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery rand.SafeEncodeString


class _Dumper:
    """Concrete objects in one pass, from seeded streams of their own.

    Three streams keep a dump stable across noise levels: ``rng`` decides the structure (names,
    hashes, old ReplicaSets, scheduling), ``ids`` the uids, resourceVersions and timestamps
    (always drawn, shown unless ``bare``), ``extra`` everything that only some levels show.
    """

    def __init__(self, cluster: SyntheticCluster, noise: str) -> None:
        self.c = cluster
        self.noise = noise
        self.rng = random.Random(f"netpol-bench-dump:{cluster.seed}")
        self.ids = random.Random(f"netpol-bench-ids:{cluster.seed}")
        self.extra = random.Random(f"netpol-bench-noise:{cluster.seed}")
        self.rv = self.ids.randint(100_000, 900_000)
        self.t0 = datetime(2024, 1, 15, 9, 0, tzinfo=UTC) + timedelta(days=self.ids.randint(0, 300))
        self.load = [0] * len(cluster.nodes)
        self.pod_names: set[tuple[str, str]] = set()

    # ----------------------------------------------------------------- noise helpers

    def uid(self) -> str:
        return str(uuid.UUID(int=self.ids.getrandbits(128), version=4))

    def suffix(self, n: int, rng: random.Random | None = None) -> str:
        return "".join((rng or self.rng).choices(_HASH_CHARS, k=n))

    def stamp(self, after: datetime, max_hours: int) -> tuple[datetime, str]:
        t = after + timedelta(seconds=self.ids.randint(1, max_hours * 3600))
        return t, t.strftime("%Y-%m-%dT%H:%M:%SZ")

    def meta(
        self, name: str, ns: str | None, created: str, labels: dict[str, str] | None
    ) -> tuple[Object, str]:
        """Metadata and the object's uid (which owner references need even when ``bare``)."""
        self.rv += self.ids.randint(1, 40)
        uid = self.uid()
        m: Object = {"name": name}
        if labels is not None:
            m["labels"] = labels
        if ns is not None:
            m["namespace"] = ns
        if self.noise != "bare":
            m |= {"creationTimestamp": created, "resourceVersion": str(self.rv), "uid": uid}
        return m, uid

    @staticmethod
    def managed(manager: str, created: str, fields: Object, subresource: str | None = None) -> Object:
        entry: Object = {
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": fields,
            "manager": manager,
            "operation": "Update",
            "time": created,
        }
        if subresource:
            entry["subresource"] = subresource
        return entry

    @staticmethod
    def owner(kind: str, name: str, uid: str, api: str = "apps/v1") -> Object:
        return {
            "apiVersion": api,
            "blockOwnerDeletion": True,
            "controller": True,
            "kind": kind,
            "name": name,
            "uid": uid,
        }

    # ----------------------------------------------------------------- objects

    def build(self) -> Object:
        groups: dict[str, list[Object]] = {
            k: []
            for k in (
                "Namespace",
                "Pod",
                "ReplicaSet",
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "NetworkPolicy",
            )
        }
        created: dict[str, datetime] = {}
        for ns in self.c.namespaces:
            t, ts = self.stamp(self.t0, 48)
            created[ns.name] = t
            labels = {**ns.labels, "kubernetes.io/metadata.name": ns.name}
            meta, _ = self.meta(ns.name, None, ts, labels)
            obj: Object = {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}
            if self.noise != "bare":
                obj["spec"] = {"finalizers": ["kubernetes"]}
                obj["status"] = {"phase": "Active"}
            groups["Namespace"].append(obj)
        for w in self.c.workloads:
            self.workload(w, created[w.namespace], groups)
        for p in self.c.policies:
            ns = p["metadata"]["namespace"]
            _, ts = self.stamp(created[ns], 24 * 60)
            meta, _ = self.meta(p["metadata"]["name"], ns, ts, None)
            if self.noise == "full":
                meta["generation"] = 1
                meta["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": _json_line(p)}
            groups["NetworkPolicy"].append(
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": meta,
                    "spec": copy.deepcopy(p["spec"]),
                }
            )
        items: list[Object] = []
        for objs in groups.values():  # kubectl: one resource type after the other, sorted
            objs.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
            items += objs
        return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}

    def workload(self, w: Workload, ns_created: datetime, groups: dict[str, list[Object]]) -> None:
        t, ts = self.stamp(ns_created, 24 * 30)
        if w.kind in ("Job", "CronJob"):  # the Job objects are not in this kubectl command
            job = w.name
            if w.kind == "CronJob":  # named after the scheduled minute since the epoch
                job = f"{w.name}-{28_400_000 + self.rng.randint(0, 99_999)}"
            job_uid = self.uid()
            extra = {
                "batch.kubernetes.io/controller-uid": job_uid,
                "batch.kubernetes.io/job-name": job,
                "controller-uid": job_uid,
                "job-name": job,
            }
            owner = self.owner("Job", job, job_uid, "batch/v1")
            for _ in range(w.replicas):
                groups["Pod"].append(self.pod(w, self.pod_name(w, job), job, extra, owner, t))
            return
        meta, uid = self.meta(w.name, w.namespace, ts, _workload_labels(w))
        if self.noise != "bare":
            meta["generation"] = self.extra.randint(1, 9)
            if w.kind == "Deployment":
                meta["annotations"] = {"deployment.kubernetes.io/revision": str(self.extra.randint(1, 12))}
        n = w.replicas
        status: Object
        if w.kind == "DaemonSet":
            status = {
                "currentNumberScheduled": n,
                "desiredNumberScheduled": n,
                "numberAvailable": n,
                "numberMisscheduled": 0,
                "numberReady": n,
                "updatedNumberScheduled": n,
            }
        else:
            status = {"availableReplicas": n, "readyReplicas": n, "replicas": n, "updatedReplicas": n}
        status["observedGeneration"] = meta.get("generation", 1)
        groups[w.kind].append(
            {
                "apiVersion": "apps/v1",
                "kind": w.kind,
                "metadata": meta,
                "spec": _workload_manifest(w)["spec"],
                "status": status,
            }
        )
        if w.kind == "Deployment":
            self.replicasets(w, t, uid, groups)
        elif w.kind == "StatefulSet":
            rev = f"{w.name}-{self.suffix(10)}"
            owner = self.owner("StatefulSet", w.name, uid)
            for i in range(n):
                name = f"{w.name}-{i}"
                extra = {
                    "apps.kubernetes.io/pod-index": str(i),
                    "controller-revision-hash": rev,
                    "statefulset.kubernetes.io/pod-name": name,
                }
                groups["Pod"].append(self.pod(w, name, None, extra, owner, t))
        else:
            extra = {"controller-revision-hash": self.suffix(10), "pod-template-generation": "1"}
            owner = self.owner("DaemonSet", w.name, uid)
            for node in range(len(self.c.nodes)):
                groups["Pod"].append(self.pod(w, self.pod_name(w, w.name), w.name, extra, owner, t, node))

    def replicasets(self, w: Workload, t: datetime, deploy_uid: str, groups: dict[str, list[Object]]) -> None:
        """The current ReplicaSet with the pods, and sometimes old ones scaled to zero."""
        owner = self.owner("Deployment", w.name, deploy_uid)
        old = self.rng.choice((0, 0, 0, 1, 1, 2))
        for rev in range(old + 1):
            current = rev == old
            pth = self.suffix(self.rng.choice((9, 10)))
            rs_name = f"{w.name}-{pth}"
            t, ts = self.stamp(t, 24 * 7)
            labels = {**w.labels, "pod-template-hash": pth}
            meta, rs_uid = self.meta(rs_name, w.namespace, ts, labels)
            meta["ownerReferences"] = [dict(owner)]
            n = w.replicas if current else 0
            if self.noise != "bare":
                meta["generation"] = 1 if current else 2
                meta["annotations"] = {
                    "deployment.kubernetes.io/desired-replicas": str(w.replicas),
                    "deployment.kubernetes.io/max-replicas": str(w.replicas + max(1, w.replicas // 4)),
                    "deployment.kubernetes.io/revision": str(rev + 1),
                }
            template = _template(w)
            template["metadata"]["labels"] = dict(labels)
            spec = {
                "replicas": n,
                "selector": {"matchLabels": {**w.selector_labels, "pod-template-hash": pth}},
                "template": template,
            }
            status: Object = {"observedGeneration": meta.get("generation", 1), "replicas": n}
            if n:
                status |= {"availableReplicas": n, "fullyLabeledReplicas": n, "readyReplicas": n}
            groups["ReplicaSet"].append(
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "metadata": meta,
                    "spec": spec,
                    "status": status,
                }
            )
            if current:
                rs_owner = self.owner("ReplicaSet", rs_name, rs_uid)
                extra = {"pod-template-hash": pth}
                for _ in range(n):
                    groups["Pod"].append(self.pod(w, self.pod_name(w, rs_name), rs_name, extra, rs_owner, t))

    def pod_name(self, w: Workload, prefix: str) -> str:
        while True:
            name = f"{prefix}-{self.suffix(5)}"
            if (w.namespace, name) not in self.pod_names:
                self.pod_names.add((w.namespace, name))
                return name

    def schedule(self) -> int:
        nodes = len(self.c.nodes)
        i = self.rng.randrange(nodes)
        for _ in range(nodes):
            if self.load[i] < PODS_PER_NODE:
                return i
            i = (i + 1) % nodes
        raise ValueError("more pods than the nodes can hold")

    def pod(
        self,
        w: Workload,
        name: str,
        generate_name: str | None,
        extra: dict[str, str],
        owner: Object,
        after: datetime,
        node: int | None = None,
    ) -> Object:
        if node is None:
            node = self.schedule()
        if self.load[node] >= PODS_PER_NODE:
            raise ValueError("more pods than the nodes can hold")
        self.load[node] += 1
        n = self.c.nodes[node]
        ip = f"{n.pod_prefix}{self.load[node] + 1}"
        _, ts = self.stamp(after, 24 * 3)
        meta, _ = self.meta(name, w.namespace, ts, {**w.labels, **extra})
        meta["ownerReferences"] = [dict(owner)]
        container = _container(w)
        spec: Object = {"containers": [container], "nodeName": n.name}
        status: Object = {"hostIP": n.ip, "phase": "Running", "podIP": ip}
        if self.noise != "bare":
            if generate_name:
                meta["generateName"] = f"{generate_name}-"
            if w.annotations:
                meta["annotations"] = dict(w.annotations)
            container["imagePullPolicy"] = "IfNotPresent"
            spec |= {
                "restartPolicy": "Never" if w.kind in ("Job", "CronJob") else "Always",
                "serviceAccountName": "default",
            }
            status |= {"podIPs": [{"ip": ip}], "qosClass": "Burstable", "startTime": ts}
            meta["managedFields"] = [
                self.managed("kubelet", ts, {"f:status": {"f:podIP": {}, "f:podIPs": {}}}, "status")
            ]
        if self.noise == "full":
            self.full_pod(w, meta, spec, status, container, ts)
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}

    def full_pod(
        self, w: Workload, meta: Object, spec: Object, status: Object, container: Object, ts: str
    ) -> None:
        """What kubectl really prints for a running pod, managedFields and all."""
        token = f"kube-api-access-{self.suffix(5, self.extra)}"
        container |= {
            "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "256Mi"}},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "volumeMounts": [
                {
                    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                    "name": token,
                    "readOnly": True,
                }
            ],
        }
        spec |= {
            "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
            "priority": 0,
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "serviceAccount": "default",
            "terminationGracePeriodSeconds": 30,
            "tolerations": [
                {
                    "effect": "NoExecute",
                    "key": f"node.kubernetes.io/{k}",
                    "operator": "Exists",
                    "tolerationSeconds": 300,
                }
                for k in ("not-ready", "unreachable")
            ],
            "volumes": [
                {
                    "name": token,
                    "projected": {
                        "defaultMode": 420,
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {
                                "configMap": {
                                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                    "name": "kube-root-ca.crt",
                                }
                            },
                            {
                                "downwardAPI": {
                                    "items": [
                                        {
                                            "fieldRef": {
                                                "apiVersion": "v1",
                                                "fieldPath": "metadata.namespace",
                                            },
                                            "path": "namespace",
                                        }
                                    ]
                                }
                            },
                        ],
                    },
                }
            ],
        }
        status["conditions"] = [
            {"lastProbeTime": None, "lastTransitionTime": ts, "status": "True", "type": t}
            for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
        ]
        status["containerStatuses"] = [
            {
                "containerID": f"containerd://{self.extra.getrandbits(256):064x}",
                "image": w.image,
                "imageID": f"{w.image.split(':')[0]}@sha256:{self.extra.getrandbits(256):064x}",
                "lastState": {},
                "name": w.container,
                "ready": True,
                "restartCount": 0,
                "started": True,
                "state": {"running": {"startedAt": ts}},
            }
        ]
        labels: Object = {f"f:{k}": {} for k in meta["labels"]}
        ports: Object = {
            f'k:{{"containerPort":{p.number},"protocol":"{p.protocol}"}}': {
                ".": {},
                "f:containerPort": {},
                "f:name": {},
                "f:protocol": {},
            }
            for p in w.ports
        }
        owner_uid = meta["ownerReferences"][0]["uid"]
        fields = {
            "f:metadata": {
                "f:generateName": {},
                "f:labels": {".": {}, **labels},
                "f:ownerReferences": {".": {}, f'k:{{"uid":"{owner_uid}"}}': {}},
            },
            "f:spec": {
                "f:containers": {
                    f'k:{{"name":"{w.container}"}}': {
                        ".": {},
                        "f:image": {},
                        "f:imagePullPolicy": {},
                        "f:name": {},
                        "f:ports": {".": {}, **ports},
                        "f:resources": {},
                    }
                },
                "f:dnsPolicy": {},
                "f:restartPolicy": {},
                "f:schedulerName": {},
                "f:securityContext": {},
                "f:terminationGracePeriodSeconds": {},
            },
        }
        meta["managedFields"].insert(0, self.managed("kube-controller-manager", ts, fields))
        meta["managedFields"][-1]["fieldsV1"]["f:status"] |= {
            "f:conditions": {
                f'k:{{"type":"{c["type"]}"}}': {".": {}, "f:status": {}, "f:type": {}}
                for c in status["conditions"]
            },
            "f:containerStatuses": {},
            "f:hostIP": {},
            "f:phase": {},
            "f:startTime": {},
        }


def _json_line(obj: Object) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True) + "\n"


# --------------------------------------------------------------------------- YAML emitter
# PyYAML's emitter (even with libyaml) spends ~8 s on a 10,000-pod dump in its Python
# representer; this one writes the same block style (kubectl's) in about a tenth of the time.
# It never writes anchors/aliases, quotes every string YAML could read as something else, and
# tests/test_bench_generate.py checks that PyYAML reads back exactly the objects written.

_PLAIN = re.compile(r"[A-Za-z_/][\w./@+-]*(?::[\w./@+-]+)*", re.ASCII)
# Starting with a digit: plain only when no YAML 1.1/1.2 number, octal, hex or timestamp can
# match (a letter past f, no 0x/0o/0b, no colon), or for dotted quads, versions and CIDRs.
_PLAIN_DIGIT = re.compile(r"(?!0[xXoObB])(?=[^:]*[g-zG-Z])[\w./@+-]+|\d+(?:\.\d+){2,}(?:/\d+)?", re.ASCII)
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _scalar(value: object, cache: dict[str, str]) -> str:
    if isinstance(value, str):
        text = cache.get(value)
        if text is None:
            plain = (
                _PLAIN_DIGIT.fullmatch(value)
                if value[:1].isdigit()
                else _PLAIN.fullmatch(value) and value.lower() not in _RESERVED
            )
            text = cache[value] = value if plain else json.dumps(value)
        return text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _emit_node(value: object, pad: str, out: list[str], sort: bool, cache: dict[str, str]) -> None:
    """Write a non-empty mapping or sequence whose lines start at ``pad``."""
    if isinstance(value, dict):
        items = sorted(value.items()) if sort else value.items()
        for k, v in items:
            key = _scalar(k, cache)
            if isinstance(v, dict | list):
                if not v:
                    out.append(f"{pad}{key}: {'{}' if isinstance(v, dict) else '[]'}\n")
                elif isinstance(v, dict):
                    out.append(f"{pad}{key}:\n")
                    _emit_node(v, pad + "  ", out, sort, cache)
                else:  # kubectl's indentless sequences
                    out.append(f"{pad}{key}:\n")
                    _emit_node(v, pad, out, sort, cache)
            else:
                out.append(f"{pad}{key}: {_scalar(v, cache)}\n")
        return
    assert isinstance(value, list)
    inner = pad + "  "
    for item in value:
        if isinstance(item, dict | list) and item:
            start = len(out)
            _emit_node(item, inner, out, sort, cache)
            out[start] = f"{pad}- {out[start][len(inner) :]}"
        elif isinstance(item, dict | list):
            out.append(f"{pad}- {'{}' if isinstance(item, dict) else '[]'}\n")
        else:
            out.append(f"{pad}- {_scalar(item, cache)}\n")


def dump_yaml(docs: Sequence[object], *, sort_keys: bool = False) -> str:
    """Block-style YAML documents separated by ``---`` (PyYAML's layout, without aliases)."""
    out: list[str] = []
    cache: dict[str, str] = {}
    for i, doc in enumerate(docs):
        if i:
            out.append("---\n")
        if isinstance(doc, dict | list) and doc:
            _emit_node(doc, "", out, sort_keys, cache)
        elif isinstance(doc, dict | list):
            out.append("{}\n" if isinstance(doc, dict) else "[]\n")
        else:
            out.append(f"{_scalar(doc, cache)}\n")
    return "".join(out)


# --------------------------------------------------------------------------- output


def to_yaml(cluster: SyntheticCluster, fmt: str = "manifests", noise: str = "light") -> str:
    """``manifests``: multi-document YAML; ``dump``: one ``kind: List`` document."""
    return _emit(_documents(cluster, fmt, noise), fmt)


def _documents(cluster: SyntheticCluster, fmt: str, noise: str) -> list[Object]:
    if fmt == "manifests":
        return cluster.manifests()
    if fmt == "dump":
        return [cluster.dump(noise)]
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def _emit(docs: list[Object], fmt: str) -> str:
    return dump_yaml(docs, sort_keys=fmt == "dump")  # kubectl sorts keys


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/generate.py", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--workloads", type=int, default=100)
    parser.add_argument("--policies", type=int, default=200)
    parser.add_argument("--namespaces", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=FORMATS, default="manifests")
    parser.add_argument(
        "--noise",
        choices=NOISE_LEVELS,
        default="light",
        help="metadata bulk in the dump format (default: light)",
    )
    parser.add_argument("--out", default="-", help="output file (default: stdout)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        cluster = generate_cluster(
            pods=args.pods,
            workloads=args.workloads,
            policies=args.policies,
            namespaces=args.namespaces,
            seed=args.seed,
        )
    except ValueError as e:
        parser.error(str(e))
    docs = _documents(cluster, args.format, args.noise)
    text = _emit(docs, args.format)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    objects = len(docs[0]["items"]) if args.format == "dump" else len(docs)
    print(
        f"{args.format}: {objects} objects, {cluster.pod_count} pods, "
        f"{len(cluster.policies)} NetworkPolicies, {len(text.encode()) / 1e6:.1f} MB "
        f"in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
