"""Model stage: RawObjects -> validated, frozen resource records (namespaces, endpoints, policies).

Validation follows what the API server accepts (pkg/apis/networking/validation; names, labels and
annotations as ValidateObjectMeta checks them, by netpol.model.names). An object the API server would
reject is reported as an error with its field path and left out of the analysis: it would not
exist in the cluster. Kinds netpol does not analyse are counted, never dropped silently.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from netpol.core.ipspace import IPAddress, IPBlock, IPNetwork
from netpol.core.ports import MAX_PORT, MIN_PORT, Protocol, valid_port_name
from netpol.errors import Diagnostic, shown
from netpol.model.checker import Checker, join_errors, type_name
from netpol.model.names import job_name_errors, name_rule, object_name_errors, validate_namespace_name
from netpol.model.resources import (
    JOB_NAME_LABELS,
    NAMESPACE_NAME_LABEL,
    WORKLOAD_KINDS,
    ContainerPort,
    Direction,
    NamespaceSpec,
    NetworkPolicy,
    Origin,
    Peer,
    PodSpec,
    PolicyPort,
    Rule,
)

__all__ = [
    "parse_namespace",
    "parse_network_policy",
    "parse_pod_like",
    "read_annotations",
]


def _metadata(
    c: Checker, data: Mapping[str, Any], default_namespace: str
) -> tuple[str, str | None, dict[str, str]]:
    """ValidateObjectMeta: name (by kind), namespace (namespaced kinds), labels, annotations."""
    meta = c.mapping(data.get("metadata"), ["metadata"]) or {}
    name = c.string(meta.get("name"), ["metadata", "name"])
    if not name:
        c.error(["metadata", "name"], "metadata.name is required", "required")
    elif errs := _name_errors(c.kind, name, data):
        c.error(
            ["metadata", "name"],
            f"invalid {c.kind} name {name!r} (must be {name_rule(c.kind)}): {join_errors(errs)}",
            "bad-name",
        )
    ns: str | None = None
    if c.kind != "Namespace":  # cluster-scoped: the API server clears metadata.namespace
        ns = c.string(meta.get("namespace"), ["metadata", "namespace"])
        if ns:
            # ValidateObjectMetaAccessor: ValidateNamespaceName(meta.GetNamespace()), a DNS label.
            if errs := validate_namespace_name(ns):
                c.error(
                    ["metadata", "namespace"],
                    f"invalid namespace {ns!r} (must be a DNS-1123 label): {join_errors(errs)}",
                    "bad-namespace",
                )
        else:
            ns = default_namespace
            if not ns:
                c.error(
                    ["metadata", "namespace"],
                    "metadata.namespace is required (no default namespace is set)",
                    "bad-namespace",
                )
            elif errs := validate_namespace_name(ns):
                c.error(
                    ["metadata", "namespace"],
                    f"invalid default namespace {ns!r} (given with "
                    f"-n/--namespace; must be a DNS-1123 label): {join_errors(errs)}",
                    "bad-namespace",
                )
    labels = c.labels(meta.get("labels"), ["metadata", "labels"])
    c.annotations(meta.get("annotations"), ["metadata", "annotations"])
    return name or "", ns, labels


def _name_errors(kind: str, name: str, data: Mapping[str, Any]) -> list[str]:
    errs = object_name_errors(kind, name)
    if kind == "Job" and not errs:
        spec = data.get("spec")
        spec = spec if isinstance(spec, Mapping) else {}
        completions = spec.get("completions")
        indexed = (
            spec.get("completionMode") == "Indexed"
            and isinstance(completions, int)
            and not isinstance(completions, bool)
        )
        errs = job_name_errors(
            name,
            manual_selector=spec.get("manualSelector") is True,
            indexed_completions=completions if indexed else None,
        )
    return errs


def read_annotations(data: Mapping[str, Any]) -> dict[str, str]:
    """metadata.annotations with string values (netpol reads its own, e.g. ``netpol.io/ignore``)."""
    meta = data.get("metadata")
    raw = meta.get("annotations") if isinstance(meta, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str)}


def parse_namespace(data: Mapping[str, Any], origin: Origin, sink: list[Diagnostic]) -> NamespaceSpec | None:
    c = Checker(origin, "Namespace", sink)
    name, _, labels = _metadata(c, data, "")
    if c.failed or not name:
        return None
    # The control plane sets this label whatever the manifest says.
    labels[NAMESPACE_NAME_LABEL] = name
    return NamespaceSpec(name, labels, origin, read_annotations(data))


def _container_ports(c: Checker, spec: Mapping[str, Any], base: list[str | int]) -> tuple[ContainerPort, ...]:
    ports: list[ContainerPort] = []
    for group in ("containers", "initContainers"):
        for i, raw in enumerate(c.sequence(spec.get(group), [*base, group]) or []):
            container = c.mapping(raw, [*base, group, i]) or {}
            for j, rp in enumerate(c.sequence(container.get("ports"), [*base, group, i, "ports"]) or []):
                p = [*base, group, i, "ports", j]
                port = c.mapping(rp, p) or {}
                num = c.integer(port.get("containerPort"), [*p, "containerPort"])
                if num is None or not MIN_PORT <= num <= MAX_PORT:
                    c.error([*p, "containerPort"], "containerPort must be between 1 and 65535", "bad-port")
                    continue
                proto = _protocol(c, port.get("protocol"), [*p, "protocol"])
                name = c.string(port.get("name"), [*p, "name"])
                if name is not None and not valid_port_name(name):
                    c.error(
                        [*p, "name"],
                        f"invalid port name {name!r} (IANA_SVC_NAME: at most 15 "
                        "lowercase letters, digits and '-', with a letter)",
                        "bad-port-name",
                    )
                    continue
                if proto is not None:
                    ports.append(ContainerPort(num, proto, name))
    return tuple(sorted(set(ports), key=lambda p: (p.protocol, p.port, p.name or "")))


def _protocol(c: Checker, value: Any, path: list[str | int]) -> Protocol | None:
    if value is None:
        return Protocol.TCP  # "If not specified, this field defaults to TCP."
    try:
        return Protocol(value if isinstance(value, str) else "")
    except ValueError:
        c.error(path, f"unsupported protocol {shown(value)} (expected TCP, UDP or SCTP)", "bad-protocol")
        return None


def _pod_ips(c: Checker, status: Mapping[str, Any], base: list[str | int]) -> tuple[IPAddress, ...]:
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


def parse_pod_like(
    kind: str, data: Mapping[str, Any], origin: Origin, sink: list[Diagnostic], default_namespace: str
) -> PodSpec | None:
    """A Pod, or a workload's pod template (labels and ports taken from the template)."""
    c = Checker(origin, kind, sink)
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
    return PodSpec(
        ns, name, kind, labels, ports, ips, host_network, node_name, owner, origin, read_annotations(data)
    )


def _manual_selector(data: Mapping[str, Any]) -> bool:
    spec = data.get("spec")
    return isinstance(spec, Mapping) and spec.get("manualSelector") is True


def _controller_owner(meta: Mapping[str, Any]) -> tuple[str, str] | None:
    refs = meta.get("ownerReferences")
    if not isinstance(refs, list):
        return None
    for ref in refs:
        if (
            isinstance(ref, Mapping)
            and ref.get("controller") is True
            and isinstance(ref.get("kind"), str)
            and isinstance(ref.get("name"), str)
        ):
            return ref["kind"], ref["name"]
    return None


_POLICY_SPEC_FIELDS = ("podSelector", "policyTypes", "ingress", "egress")
_PEER_FIELDS = ("podSelector", "namespaceSelector", "ipBlock")


def parse_network_policy(
    data: Mapping[str, Any], origin: Origin, sink: list[Diagnostic], default_namespace: str
) -> NetworkPolicy | None:
    c = Checker(origin, "NetworkPolicy", sink)
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
                c.error(
                    ["spec", "policyTypes", i],
                    f"unknown policy type {t!r} (expected Ingress or Egress)",
                    "bad-policy-type",
                )
    if c.failed or ns is None:
        return None
    return NetworkPolicy(
        ns, name, pod_selector, frozenset(types), ingress, egress, origin, read_annotations(data)
    )


def _rules(c: Checker, spec: Mapping[str, Any], direction: Direction) -> tuple[Rule, ...]:
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
            p
            for j, rp in enumerate(c.sequence(r.get(peers_key), [*base, peers_key]) or [])
            if (p := _peer(c, rp, [*base, peers_key, j])) is not None
        )
        ports = tuple(
            pp
            for j, rp in enumerate(c.sequence(r.get("ports"), [*base, "ports"]) or [])
            if (pp := _policy_port(c, rp, [*base, "ports", j])) is not None
        )
        rules.append(Rule(i, peers, ports))
    return tuple(rules)


def _peer(c: Checker, raw: Any, path: list[str | int]) -> Peer | None:
    failed = c.failed
    m = c.mapping(raw, path, allowed=_PEER_FIELDS)
    if m is not None and c.failed and not failed:
        return None  # an unknown field (a typo of a peer kind) was reported already
    if m is None or not any(m.get(k) is not None for k in _PEER_FIELDS):
        c.error(path, "a peer must set podSelector, namespaceSelector or ipBlock", "empty-peer")
        return None
    if m.get("ipBlock") is not None:
        if m.get("podSelector") is not None or m.get("namespaceSelector") is not None:
            c.error(
                path,
                "ipBlock cannot be combined with podSelector or namespaceSelector in one peer",
                "ipblock-with-selector",
            )
            return None
        block = _ip_block(c, m["ipBlock"], [*path, "ipBlock"])
        return Peer(ip_block=block) if block is not None else None
    pod = c.selector(m["podSelector"], [*path, "podSelector"]) if "podSelector" in m else None
    nss = (
        c.selector(m["namespaceSelector"], [*path, "namespaceSelector"]) if "namespaceSelector" in m else None
    )
    if m.get("podSelector") is None:
        pod = None
    if m.get("namespaceSelector") is None:
        nss = None
    return Peer(pod_selector=pod, namespace_selector=nss)


def _network(c: Checker, value: Any, path: list[str | int]) -> IPNetwork | None:
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


def _ip_block(c: Checker, raw: Any, path: list[str | int]) -> IPBlock | None:
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
        if net.version != cidr.version or net.prefixlen <= cidr.prefixlen or not net.subnet_of(cidr):  # type: ignore[arg-type]
            c.error(
                [*path, "except", i],
                f"except {net} is not a strict subset of cidr {cidr}",
                "except-outside-cidr",
            )
            continue
        excepts.append(net)
    if cidr is None:
        return None
    return IPBlock(cidr, tuple(sorted(set(excepts), key=lambda n: (int(n.network_address), n.prefixlen))))


def _policy_port(c: Checker, raw: Any, path: list[str | int]) -> PolicyPort | None:
    m = c.mapping(raw if raw is not None else {}, path, allowed=("protocol", "port", "endPort"))
    if m is None:
        return None
    proto = _protocol(c, m.get("protocol"), [*path, "protocol"])
    port_raw = m.get("port")
    port: int | str | None = None
    if isinstance(port_raw, bool) or (port_raw is not None and not isinstance(port_raw, int | str)):
        got = shown(port_raw) if isinstance(port_raw, float) else type_name(port_raw)
        c.error([*path, "port"], f"port must be an integer or a port name, got {got}", "wrong-type")
        return None
    if isinstance(port_raw, int):
        if not MIN_PORT <= port_raw <= MAX_PORT:
            c.error([*path, "port"], f"port {shown(port_raw)} is not between 1 and 65535", "bad-port")
            return None
        port = port_raw
    elif isinstance(port_raw, str):
        if not valid_port_name(port_raw):
            c.error(
                [*path, "port"],
                f"invalid port name {port_raw!r} (IANA_SVC_NAME: at most 15 "
                "lowercase letters, digits and '-', with a letter)",
                "bad-port-name",
            )
            return None
        port = port_raw
    end_port = c.integer(m.get("endPort"), [*path, "endPort"])
    if end_port is not None:
        # KEP-2079: endPort requires a numeric port and must be >= port.
        if port is None:
            c.error([*path, "endPort"], "endPort requires port", "endport-without-port")
            return None
        if isinstance(port, str):
            c.error([*path, "endPort"], "endPort cannot be used with a named port", "endport-named-port")
            return None
        if end_port < port:
            c.error(
                [*path, "endPort"], f"endPort {shown(end_port)} is below port {port}", "endport-below-port"
            )
            return None
        if end_port > MAX_PORT:
            c.error([*path, "endPort"], f"endPort {shown(end_port)} is above 65535", "bad-port")
            return None
    if proto is None:
        return None
    return PolicyPort(proto, port, end_port)
