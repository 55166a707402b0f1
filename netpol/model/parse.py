"""Model stage: RawObjects -> validated, frozen resource records (namespaces, endpoints, policies).

Validation follows what the API server accepts (pkg/apis/networking/validation; names, labels and
annotations as ValidateObjectMeta checks them, by netpol.model.names). An object the API server would
reject is reported as an error with its field path and left out of the analysis: it would not
exist in the cluster. Kinds netpol does not analyse are counted, never dropped silently.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netpol.core.ipspace import IPAddress, IPBlock, IPNetwork
from netpol.core.ports import MAX_PORT, MIN_PORT, Protocol
from netpol.core.selectors import LabelSelector, Operator, Requirement
from netpol.errors import Diagnostic, Location, Severity, shown
from netpol.model.names import (
    annotation_key_errors,
    annotations_size_errors,
    is_qualified_name,
    is_valid_label_value,
    job_name_errors,
    name_rule,
    object_name_errors,
    validate_namespace_name,
)

__all__ = [
    "JOB_NAME_LABELS",
    "NAMESPACE_NAME_LABEL",
    "WORKLOAD_KINDS",
    "ContainerPort",
    "Direction",
    "NetworkPolicy",
    "Options",
    "Origin",
    "Peer",
    "PodSpec",
    "PolicyPort",
    "Rule",
    "parse_namespace",
    "parse_network_policy",
    "parse_pod_like",
    "read_annotations",
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

# IANA_SVC_NAME (validation.IsValidPortName): at most 15 lowercase letters, digits and '-',
# at least one letter, no leading/trailing or double hyphen.
_PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*$")


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


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object came from: source, 1-based document, and its path inside the document."""

    source: str
    document: int
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


class _Checker:
    """Reads one object's fields, collecting diagnostics with their field paths."""

    def __init__(self, origin: Origin, kind: str, sink: list[Diagnostic]) -> None:
        self.origin = origin
        self.kind = kind
        self.sink = sink
        self.failed = False

    def error(self, path: Sequence[str | int], message: str, code: str = "invalid") -> None:
        self.failed = True
        self.sink.append(Diagnostic(Severity.ERROR, code, message, self.origin.at(*path)))

    def warn(self, path: Sequence[str | int], message: str, code: str) -> None:
        self.sink.append(Diagnostic(Severity.WARNING, code, message, self.origin.at(*path)))

    def mapping(self, value: Any, path: Sequence[str | int], *, allowed: Iterable[str] = ()
                ) -> Mapping[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.error(path, f"expected a mapping, got {_type_name(value)}", "wrong-type")
            return None
        known = set(allowed)
        if known:
            for key in value:
                if key not in known:
                    self.error(
                        [*path, str(key)],
                        f"unknown field {key!r} (expected one of: {', '.join(sorted(known))})",
                        "unknown-field",
                    )
        return value

    def sequence(self, value: Any, path: Sequence[str | int]) -> Sequence[Any] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_type_name(value)}", "wrong-type")
            return None
        return value

    def string(self, value: Any, path: Sequence[str | int]) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(path, f"expected a string, got {_type_name(value)}", "wrong-type")
            return None
        return value

    def integer(self, value: Any, path: Sequence[str | int]) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"expected an integer, got {_type_name(value)}", "wrong-type")
            return None
        return value

    def labels(self, value: Any, path: Sequence[str | int]) -> dict[str, str]:
        """A label map (metadata.labels, a selector's matchLabels): ValidateLabels checks every key
        as a qualified name and every value as a label value (apis/meta/v1/validation)."""
        m = self.mapping(value, path)
        out: dict[str, str] = {}
        for k, v in (m or {}).items():
            key = str(k)
            at = _key_path(path, key)
            if not isinstance(v, str):
                self.error(at, f"label values must be strings, got {_type_name(v)} (quote it)",
                           "wrong-type")
                continue
            if errs := is_qualified_name(key):
                self.error(at, f"invalid label key {key!r}: {_join(errs)}", "bad-label-key")
                continue
            if errs := is_valid_label_value(v):
                self.error(at, f"invalid value {v!r} of label {key!r}: {_join(errs)}",
                           "bad-label-value")
                continue
            out[key] = v
        return out

    def annotations(self, value: Any, path: Sequence[str | int]) -> None:
        """ValidateAnnotations (apimachinery pkg/api/validation/objectmeta.go): keys, total size."""
        m = self.mapping(value, path)
        if not m:
            return
        texts: dict[str, str] = {}
        for k, v in m.items():
            key = str(k)
            at = _key_path(path, key)
            if not isinstance(v, str):
                self.error(at, f"annotation values must be strings, got {_type_name(v)} "
                           "(quote it)", "wrong-type")
                continue
            if errs := annotation_key_errors(key):
                self.error(at, f"invalid annotation key {key!r}: {_join(errs)}",
                           "bad-annotation-key")
            texts[key] = v
        if errs := annotations_size_errors(texts):
            self.error(path, f"annotations too long: {_join(errs)}", "annotations-too-long")

    def selector(self, value: Any, path: Sequence[str | int]) -> LabelSelector:
        m = self.mapping(value, path, allowed=("matchLabels", "matchExpressions"))
        if m is None:
            return LabelSelector()
        labels = self.labels(m.get("matchLabels"), [*path, "matchLabels"])
        reqs: list[Requirement] = []
        exprs = self.sequence(m.get("matchExpressions"), [*path, "matchExpressions"]) or []
        for i, raw in enumerate(exprs):
            p = [*path, "matchExpressions", i]
            e = self.mapping(raw, p, allowed=("key", "operator", "values"))
            if e is None:
                self.error(p, "a match expression must be a mapping", "wrong-type")
                continue
            key = self.string(e.get("key"), [*p, "key"])
            if not key:
                self.error([*p, "key"], "key is required", "required")
                continue
            # ValidateLabelSelectorRequirement: ValidateLabelName(sr.Key), and each of sr.Values
            # IsValidLabelValue (AllowInvalidLabelValueInSelector is false on create).
            if errs := is_qualified_name(key):
                self.error([*p, "key"], f"invalid label key {key!r}: {_join(errs)}",
                           "bad-label-key")
                continue
            op_raw = e.get("operator")
            try:
                op = Operator(op_raw if isinstance(op_raw, str) else "")
            except ValueError:
                self.error([*p, "operator"], f"unknown operator {op_raw!r} (expected In, NotIn, "
                           "Exists or DoesNotExist)", "unknown-operator")
                continue
            values_raw = self.sequence(e.get("values"), [*p, "values"]) or []
            values = []
            for j, v in enumerate(values_raw):
                s = self.string(v, [*p, "values", j])
                if s is None:
                    continue
                if errs := is_valid_label_value(s):
                    self.error([*p, "values", j], f"invalid label value {s!r}: {_join(errs)}",
                               "bad-label-value")
                    continue
                values.append(s)
            if op in (Operator.IN, Operator.NOT_IN) and not values_raw:
                self.error([*p, "values"], f"operator {op.value} needs at least one value",
                           "missing-values")
                continue
            if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and values_raw:
                self.error([*p, "values"], f"operator {op.value} takes no values",
                           "unexpected-values")
                continue
            reqs.append(Requirement(key, op, tuple(sorted(set(values)))))
        return LabelSelector(tuple(sorted(labels.items())), tuple(reqs))


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)


def _join(errors: Iterable[str]) -> str:
    return "; ".join(errors)


def _key_path(path: Sequence[str | int], key: str) -> list[str | int]:
    """The field path of a map key; a key that cannot be shown raw (empty, a newline, an escape
    sequence) stays out of the path, and the message names it with repr()."""
    return [*path, key] if key and key.isprintable() else list(path)


def _metadata(c: _Checker, data: Mapping[str, Any], default_namespace: str
              ) -> tuple[str, str | None, dict[str, str]]:
    """ValidateObjectMeta: name (by kind), namespace (namespaced kinds), labels, annotations."""
    meta = c.mapping(data.get("metadata"), ["metadata"]) or {}
    name = c.string(meta.get("name"), ["metadata", "name"])
    if not name:
        c.error(["metadata", "name"], "metadata.name is required", "required")
    elif errs := _name_errors(c.kind, name, data):
        c.error(["metadata", "name"], f"invalid {c.kind} name {name!r} (must be "
                f"{name_rule(c.kind)}): {_join(errs)}", "bad-name")
    ns: str | None = None
    if c.kind != "Namespace":  # cluster-scoped: the API server clears metadata.namespace
        ns = c.string(meta.get("namespace"), ["metadata", "namespace"])
        if ns:
            # ValidateObjectMetaAccessor: ValidateNamespaceName(meta.GetNamespace()), a DNS label.
            if errs := validate_namespace_name(ns):
                c.error(["metadata", "namespace"], f"invalid namespace {ns!r} (must be a DNS-1123 "
                        f"label): {_join(errs)}", "bad-namespace")
        else:
            ns = default_namespace
            if not ns:
                c.error(["metadata", "namespace"], "metadata.namespace is required (no default "
                        "namespace is set)", "bad-namespace")
            elif errs := validate_namespace_name(ns):
                c.error(["metadata", "namespace"], f"invalid default namespace {ns!r} (given with "
                        f"-n/--namespace; must be a DNS-1123 label): {_join(errs)}",
                        "bad-namespace")
    labels = c.labels(meta.get("labels"), ["metadata", "labels"])
    c.annotations(meta.get("annotations"), ["metadata", "annotations"])
    return name or "", ns, labels


def _name_errors(kind: str, name: str, data: Mapping[str, Any]) -> list[str]:
    errs = object_name_errors(kind, name)
    if kind == "Job" and not errs:
        spec = data.get("spec")
        spec = spec if isinstance(spec, Mapping) else {}
        completions = spec.get("completions")
        indexed = (spec.get("completionMode") == "Indexed" and isinstance(completions, int)
                   and not isinstance(completions, bool))
        errs = job_name_errors(name, manual_selector=spec.get("manualSelector") is True,
                               indexed_completions=completions if indexed else None)
    return errs


def read_annotations(data: Mapping[str, Any]) -> dict[str, str]:
    """metadata.annotations with string values (netpol reads its own, e.g. ``netpol.io/ignore``)."""
    meta = data.get("metadata")
    raw = meta.get("annotations") if isinstance(meta, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str)}


def parse_namespace(data: Mapping[str, Any], origin: Origin, sink: list[Diagnostic]
                    ) -> NamespaceSpec | None:
    c = _Checker(origin, "Namespace", sink)
    name, _, labels = _metadata(c, data, "")
    if c.failed or not name:
        return None
    # The control plane sets this label whatever the manifest says.
    labels[NAMESPACE_NAME_LABEL] = name
    return NamespaceSpec(name, labels, origin, read_annotations(data))


def _container_ports(c: _Checker, spec: Mapping[str, Any], base: list[str | int]
                     ) -> tuple[ContainerPort, ...]:
    ports: list[ContainerPort] = []
    for group in ("containers", "initContainers"):
        for i, raw in enumerate(c.sequence(spec.get(group), [*base, group]) or []):
            container = c.mapping(raw, [*base, group, i]) or {}
            for j, rp in enumerate(c.sequence(container.get("ports"), [*base, group, i, "ports"])
                                   or []):
                p = [*base, group, i, "ports", j]
                port = c.mapping(rp, p) or {}
                num = c.integer(port.get("containerPort"), [*p, "containerPort"])
                if num is None or not MIN_PORT <= num <= MAX_PORT:
                    c.error([*p, "containerPort"], "containerPort must be between 1 and 65535",
                            "bad-port")
                    continue
                proto = _protocol(c, port.get("protocol"), [*p, "protocol"])
                name = c.string(port.get("name"), [*p, "name"])
                if name is not None and not _valid_port_name(name):
                    c.error([*p, "name"], f"invalid port name {name!r} (IANA_SVC_NAME: at most 15 "
                            "lowercase letters, digits and '-', with a letter)", "bad-port-name")
                    continue
                if proto is not None:
                    ports.append(ContainerPort(num, proto, name))
    return tuple(sorted(set(ports), key=lambda p: (p.protocol, p.port, p.name or "")))


def _valid_port_name(name: str) -> bool:
    return len(name) <= 15 and bool(_PORT_NAME.match(name)) and not name.endswith("-")


def _protocol(c: _Checker, value: Any, path: list[str | int]) -> Protocol | None:
    if value is None:
        return Protocol.TCP  # "If not specified, this field defaults to TCP."
    try:
        return Protocol(value if isinstance(value, str) else "")
    except ValueError:
        c.error(path, f"unsupported protocol {shown(value)} (expected TCP, UDP or SCTP)",
                "bad-protocol")
        return None


def _pod_ips(c: _Checker, status: Mapping[str, Any], base: list[str | int]) -> tuple[IPAddress, ...]:
    ips: list[IPAddress] = []
    raw_ips: list[tuple[Any, list[str | int]]] = [(status.get("podIP"), [*base, "podIP"])]
    for i, entry in enumerate(c.sequence(status.get("podIPs"), [*base, "podIPs"]) or []):
        if isinstance(entry, Mapping):
            raw_ips.append((entry.get("ip"), [*base, "podIPs", i, "ip"]))
    for value, path in raw_ips:
        s = c.string(value, path)
        if not s:
            continue
        try:
            ip = ipaddress.ip_address(s)
        except ValueError:
            c.error(path, f"invalid IP address {s!r}", "bad-ip")
            continue
        if ip not in ips:
            ips.append(ip)
    return tuple(ips)


def parse_pod_like(kind: str, data: Mapping[str, Any], origin: Origin, sink: list[Diagnostic],
                   default_namespace: str) -> PodSpec | None:
    """A Pod, or a workload's pod template (labels and ports taken from the template)."""
    c = _Checker(origin, kind, sink)
    name, ns, own_labels = _metadata(c, data, default_namespace)
    raw_meta = data.get("metadata")
    owner = _controller_owner(raw_meta) if isinstance(raw_meta, Mapping) else None
    if kind == "Pod":
        template: Mapping[str, Any] = data
        tpath: list[str | int] = []
        labels = own_labels
    else:
        tpath = list(WORKLOAD_KINDS[kind])
        node: Any = data
        for step in tpath:
            node = node.get(step) if isinstance(node, Mapping) else None
        template = c.mapping(node, tpath) or {}
        tmeta = c.mapping(template.get("metadata"), [*tpath, "metadata"]) or {}
        # ValidatePodTemplateSpec (ValidatePodTemplateSpecForStatefulSet): labels, annotations.
        labels = c.labels(tmeta.get("labels"), [*tpath, "metadata", "labels"])
        c.annotations(tmeta.get("annotations"), [*tpath, "metadata", "annotations"])
    spec = c.mapping(template.get("spec"), [*tpath, "spec"]) or {}
    ports = _container_ports(c, spec, [*tpath, "spec"])
    host_network = spec.get("hostNetwork") is True
    node_name = spec.get("nodeName") if isinstance(spec.get("nodeName"), str) else None
    ips: tuple[IPAddress, ...] = ()
    if kind == "Pod":
        status = c.mapping(data.get("status"), ["status"]) or {}
        ips = _pod_ips(c, status, ["status"])
        phase = status.get("phase")
        if phase in ("Succeeded", "Failed"):
            return None  # a finished pod holds no IP and takes no traffic
    if c.failed or not name or ns is None:
        return None
    if kind == "Job" and not _manual_selector(data):
        # The API server labels a Job's pods with its name (pkg/registry/batch/job/strategy.go,
        # generateSelector: "The job-name label is unique except in cases that are expected to
        # be quite uncommon ... So, we add it as a label", LegacyJobNameLabel and JobNameLabel),
        # unless spec.manualSelector is true; labels the user set win.
        labels = {**dict.fromkeys(JOB_NAME_LABELS, name), **labels}
    return PodSpec(ns, name, kind, labels, ports, ips, host_network, node_name, owner, origin,
                   read_annotations(data))


def _manual_selector(data: Mapping[str, Any]) -> bool:
    spec = data.get("spec")
    return isinstance(spec, Mapping) and spec.get("manualSelector") is True


def _controller_owner(meta: Mapping[str, Any]) -> tuple[str, str] | None:
    refs = meta.get("ownerReferences")
    if not isinstance(refs, list):
        return None
    for ref in refs:
        if (isinstance(ref, Mapping) and ref.get("controller") is True
                and isinstance(ref.get("kind"), str) and isinstance(ref.get("name"), str)):
            return ref["kind"], ref["name"]
    return None


_POLICY_SPEC_FIELDS = ("podSelector", "policyTypes", "ingress", "egress")
_PEER_FIELDS = ("podSelector", "namespaceSelector", "ipBlock")


def parse_network_policy(data: Mapping[str, Any], origin: Origin, sink: list[Diagnostic],
                         default_namespace: str) -> NetworkPolicy | None:
    c = _Checker(origin, "NetworkPolicy", sink)
    name, ns, _ = _metadata(c, data, default_namespace)
    spec = c.mapping(data.get("spec"), ["spec"], allowed=_POLICY_SPEC_FIELDS) or {}
    # spec.podSelector: "An empty podSelector selects all pods in this namespace."
    pod_selector = c.selector(spec.get("podSelector"), ["spec", "podSelector"])
    ingress = _rules(c, spec, Direction.INGRESS)
    egress = _rules(c, spec, Direction.EGRESS)
    raw_types = c.sequence(spec.get("policyTypes"), ["spec", "policyTypes"])
    types: set[Direction] = set()
    if not raw_types:
        # SetDefaults_NetworkPolicy (when len(policyTypes) == 0, so `[]` too): Ingress always;
        # Egress iff spec.egress is non-empty.
        types.add(Direction.INGRESS)
        if spec.get("egress"):
            types.add(Direction.EGRESS)
    else:
        for i, t in enumerate(raw_types):
            try:
                types.add(Direction(t))
            except ValueError:
                c.error(["spec", "policyTypes", i], f"unknown policy type {t!r} (expected Ingress "
                        "or Egress)", "bad-policy-type")
    if c.failed or ns is None:
        return None
    return NetworkPolicy(ns, name, pod_selector, frozenset(types), ingress, egress, origin,
                         read_annotations(data))


def _rules(c: _Checker, spec: Mapping[str, Any], direction: Direction) -> tuple[Rule, ...]:
    key = "ingress" if direction is Direction.INGRESS else "egress"
    peers_key = "from" if direction is Direction.INGRESS else "to"
    rules: list[Rule] = []
    for i, raw in enumerate(c.sequence(spec.get(key), ["spec", key]) or []):
        base: list[str | int] = ["spec", key, i]
        if raw is None:
            raw = {}
        r = c.mapping(raw, base, allowed=(peers_key, "ports"))
        if r is None:
            continue
        peers = tuple(
            p for j, rp in enumerate(c.sequence(r.get(peers_key), [*base, peers_key]) or [])
            if (p := _peer(c, rp, [*base, peers_key, j])) is not None
        )
        ports = tuple(
            pp for j, rp in enumerate(c.sequence(r.get("ports"), [*base, "ports"]) or [])
            if (pp := _policy_port(c, rp, [*base, "ports", j])) is not None
        )
        rules.append(Rule(i, peers, ports))
    return tuple(rules)


def _peer(c: _Checker, raw: Any, path: list[str | int]) -> Peer | None:
    failed = c.failed
    m = c.mapping(raw, path, allowed=_PEER_FIELDS)
    if m is not None and c.failed and not failed:
        return None  # an unknown field (a typo of a peer kind) was reported already
    if m is None or not any(m.get(k) is not None for k in _PEER_FIELDS):
        c.error(path, "a peer must set podSelector, namespaceSelector or ipBlock", "empty-peer")
        return None
    if m.get("ipBlock") is not None:
        if m.get("podSelector") is not None or m.get("namespaceSelector") is not None:
            c.error(path, "ipBlock cannot be combined with podSelector or namespaceSelector in "
                    "one peer", "ipblock-with-selector")
            return None
        block = _ip_block(c, m["ipBlock"], [*path, "ipBlock"])
        return Peer(ip_block=block) if block is not None else None
    pod = c.selector(m["podSelector"], [*path, "podSelector"]) if "podSelector" in m else None
    nss = (c.selector(m["namespaceSelector"], [*path, "namespaceSelector"])
           if "namespaceSelector" in m else None)
    if m.get("podSelector") is None:
        pod = None
    if m.get("namespaceSelector") is None:
        nss = None
    return Peer(pod_selector=pod, namespace_selector=nss)


def _network(c: _Checker, value: Any, path: list[str | int]) -> IPNetwork | None:
    s = c.string(value, path)
    if s is None:
        c.error(path, "a CIDR is required", "required")
        return None
    try:
        net = ipaddress.ip_network(s, strict=False)
    except ValueError:
        c.error(path, f"invalid CIDR {s!r}", "bad-cidr")
        return None
    if "/" not in s:
        c.error(path, f"invalid CIDR {s!r}: a prefix length is required", "bad-cidr")
        return None
    if _host_bits_set(s):
        c.warn(path, f"{s!r} has host bits set; it means {net}", "non-canonical-cidr")
    return net


def _host_bits_set(cidr: str) -> bool:
    try:
        ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        return True
    return False


def _ip_block(c: _Checker, raw: Any, path: list[str | int]) -> IPBlock | None:
    m = c.mapping(raw, path, allowed=("cidr", "except"))
    if m is None:
        return None
    cidr = _network(c, m.get("cidr"), [*path, "cidr"])
    excepts: list[IPNetwork] = []
    for i, e in enumerate(c.sequence(m.get("except"), [*path, "except"]) or []):
        net = _network(c, e, [*path, "except", i])
        if net is None or cidr is None:
            continue
        # ValidateIPBlock: "must be a strict subset of `cidr`" (a longer prefix inside it).
        if (net.version != cidr.version or net.prefixlen <= cidr.prefixlen
                or not net.subnet_of(cidr)):  # type: ignore[arg-type]
            c.error([*path, "except", i], f"except {net} is not a strict subset of cidr {cidr}",
                    "except-outside-cidr")
            continue
        excepts.append(net)
    if cidr is None:
        return None
    return IPBlock(cidr, tuple(sorted(set(excepts), key=lambda n: (int(n.network_address),
                                                                     n.prefixlen))))


def _policy_port(c: _Checker, raw: Any, path: list[str | int]) -> PolicyPort | None:
    m = c.mapping(raw if raw is not None else {}, path, allowed=("protocol", "port", "endPort"))
    if m is None:
        return None
    proto = _protocol(c, m.get("protocol"), [*path, "protocol"])
    port_raw = m.get("port")
    port: int | str | None = None
    if isinstance(port_raw, bool) or (port_raw is not None
                                      and not isinstance(port_raw, int | str)):
        got = shown(port_raw) if isinstance(port_raw, float) else _type_name(port_raw)
        c.error([*path, "port"], f"port must be an integer or a port name, got {got}",
                "wrong-type")
        return None
    if isinstance(port_raw, int):
        if not MIN_PORT <= port_raw <= MAX_PORT:
            c.error([*path, "port"], f"port {shown(port_raw)} is not between 1 and 65535", "bad-port")
            return None
        port = port_raw
    elif isinstance(port_raw, str):
        if not _valid_port_name(port_raw):
            c.error([*path, "port"], f"invalid port name {port_raw!r} (IANA_SVC_NAME: at most 15 "
                    "lowercase letters, digits and '-', with a letter)", "bad-port-name")
            return None
        port = port_raw
    end_port = c.integer(m.get("endPort"), [*path, "endPort"])
    if end_port is not None:
        # KEP-2079: endPort requires a numeric port and must be >= port.
        if port is None:
            c.error([*path, "endPort"], "endPort requires port", "endport-without-port")
            return None
        if isinstance(port, str):
            c.error([*path, "endPort"], "endPort cannot be used with a named port",
                    "endport-named-port")
            return None
        if end_port < port:
            c.error([*path, "endPort"], f"endPort {shown(end_port)} is below port {port}",
                    "endport-below-port")
            return None
        if end_port > MAX_PORT:
            c.error([*path, "endPort"], f"endPort {shown(end_port)} is above 65535", "bad-port")
            return None
    if proto is None:
        return None
    return PolicyPort(proto, port, end_port)
