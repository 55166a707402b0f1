"""Model stage: AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy and Node
objects -> frozen :mod:`netpol.model.tiers` records, every problem a diagnostic at its field path.

Validation follows the CRDs of kubernetes-sigs/network-policy-api: the OpenAPI keywords and CEL
rules of their kubebuilder markers, quoted in docs/design/admin-tiers.md (section 10 lists them) and
in the comments below. As for a NetworkPolicy, an object the API server would reject is reported as
an error and left out. One exception, by the API's own text: a peer that sets no field netpol knows
is a warning, and the rule fails closed (section 5).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netpol.core.ipspace import IPAddress, IPBlock
from netpol.core.selectors import LabelSelector
from netpol.errors import Diagnostic, shown
from netpol.model.checker import Checker, join_errors, key_path, type_name
from netpol.model.names import is_dns1123_subdomain, is_path_segment_name
from netpol.model.parse import read_annotations
from netpol.model.resources import Direction, Origin
from netpol.model.tiers import (
    ANP_KIND,
    BANP_KIND,
    CNP_KIND,
    NodeSpec,
    PeerKind,
    Tier,
    TierAction,
    TierPeer,
    TierPolicy,
    TierRule,
    TierSubject,
)
from netpol.model.tiers_ports import (
    anp_ports,
    bounded_list,
    cnp_protocols,
    domain_names,
    networks,
    one_field,
    present,
)

__all__ = ["parse_node", "parse_tier_policy", "tier_blocks", "tier_pod_selectors"]

Path = Sequence[str | int]

BANP_NAME = "default"
# BANP, CEL on the object: rule "self.metadata.name == 'default'".
_BANP_NAME_MESSAGE = (
    'Only one baseline admin network policy with metadata.name="default" can be created in the cluster'
)
# The egress rule's CEL (experimental channel), ANP and CNP; BANP has no domainNames.
_NAMED_PORT_MESSAGE = (
    "networks/nodes/domainNames peer cannot be set with namedPorts since there are no "
    "namedPorts for networks/nodes/domainNames"
)
_BANP_NAMED_PORT_MESSAGE = (
    "networks/nodes peer cannot be set with namedPorts since there are no namedPorts for networks/nodes"
)
_ACTIONS = {
    "Allow": TierAction.ALLOW,
    "Accept": TierAction.ALLOW,
    "Deny": TierAction.DENY,
    "Pass": TierAction.PASS,
}
_PEER_FIELDS = ("namespaces", "pods", "nodes", "networks", "domainNames")
"""Every peer field netpol knows; a peer that sets none of them fails closed."""
_INGRESS_PEER_FIELDS = ("namespaces", "pods")
"""Ingress peers (ANP, BANP, CNP): "namespaces" | "pods"; nodes, networks, domainNames are egress only."""
_IP_PEERS = frozenset({PeerKind.NODES, PeerKind.NETWORKS, PeerKind.DOMAIN_NAMES})
_MAX_RULE_NAME = 100
"""Rule ``name``: "MaxLength=100": "may be no more than 100 characters in length"."""
_PRIORITY = range(0, 1001)
"""ANP and CNP priority: "Minimum=0, Maximum=1000": "a value from 0 to 1000"."""


@dataclass(frozen=True, slots=True)
class _Dialect:
    """What one kind's CRD allows (docs/design/admin-tiers.md, section 10)."""

    spec_fields: tuple[str, ...]
    max_rules: int
    max_peers: int
    actions: tuple[str, ...]
    egress_peers: tuple[str, ...]
    ports_key: str
    namespace_selector_required: bool
    named_port_message: str


_DIALECTS = {
    # AdminNetworkPolicy: "A total of 100 rules will be allowed in each ANP instance."
    ANP_KIND: _Dialect(
        ("priority", "subject", "ingress", "egress"),
        100,
        100,
        ("Allow", "Deny", "Pass"),
        _PEER_FIELDS,
        "ports",
        True,
        _NAMED_PORT_MESSAGE,
    ),
    # BaselineAdminNetworkPolicy: no priority ("BANP is a singleton, which is also the reason why
    # it doesn't have `spec.priority` field"), no Pass, no domainNames.
    BANP_KIND: _Dialect(
        ("subject", "ingress", "egress"),
        100,
        100,
        ("Allow", "Deny"),
        ("namespaces", "pods", "nodes", "networks"),
        "ports",
        True,
        _BANP_NAMED_PORT_MESSAGE,
    ),
    # ClusterNetworkPolicy: "A maximum of 25 rules is allowed in this block."; from/to MaxItems=25.
    CNP_KIND: _Dialect(
        ("tier", "priority", "subject", "ingress", "egress"),
        25,
        25,
        ("Accept", "Deny", "Pass"),
        _PEER_FIELDS,
        "protocols",
        False,
        _NAMED_PORT_MESSAGE,
    ),
}


def parse_tier_policy(
    kind: str, data: Mapping[str, Any], origin: Origin, sink: list[Diagnostic]
) -> TierPolicy | None:
    """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy (``kind`` is one
    of :data:`~netpol.model.tiers.TIER_KINDS`); None, with the errors in ``sink``, if its CRD
    rejects it."""
    d = _DIALECTS[kind]
    c = Checker(origin, kind, sink)
    name, _ = _cluster_metadata(c, data)
    if kind == BANP_KIND and name and name != BANP_NAME:
        c.error(["metadata", "name"], f"{_BANP_NAME_MESSAGE}; got {name!r}", "banp-not-default")
    if data.get("spec") is None:
        c.error(["spec"], "spec is required", "required")
        return None
    spec = c.mapping(data["spec"], ["spec"], allowed=d.spec_fields)
    if spec is None:
        return None
    priority = _priority(c, spec) if "priority" in d.spec_fields else None
    tier = _tier(c, spec) if kind == CNP_KIND else Tier.ADMIN if kind == ANP_KIND else Tier.BASELINE
    subject = _subject(c, d, spec.get("subject"), ["spec", "subject"])
    ingress = _rules(c, d, spec, Direction.INGRESS)
    egress = _rules(c, d, spec, Direction.EGRESS)
    if c.failed or tier is None or subject is None:
        return None
    return TierPolicy(kind, name, tier, priority, subject, ingress, egress, origin, read_annotations(data))


def _cluster_metadata(c: Checker, data: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """ValidateObjectMeta for a cluster-scoped kind: the name a DNS-1123 subdomain (custom
    resources and Nodes alike: NameIsDNSSubdomain), labels, annotations. metadata.namespace is not
    read: for a cluster-scoped kind the API server clears it."""
    meta = c.mapping(data.get("metadata"), ["metadata"]) or {}
    name = c.string(meta.get("name"), ["metadata", "name"])
    if not name:
        c.error(["metadata", "name"], "metadata.name is required", "required")
    elif errs := is_dns1123_subdomain(name) or is_path_segment_name(name):
        c.error(
            ["metadata", "name"],
            f"invalid {c.kind} name {name!r} (must be a DNS-1123 subdomain): {join_errors(errs)}",
            "bad-name",
        )
    labels = c.labels(meta.get("labels"), ["metadata", "labels"])
    c.annotations(meta.get("annotations"), ["metadata", "annotations"])
    return name or "", labels


def _priority(c: Checker, spec: Mapping[str, Any]) -> int | None:
    # spec.priority: int32, required, "Minimum=0, Maximum=1000".
    path = ["spec", "priority"]
    if spec.get("priority") is None:
        c.error(path, "spec.priority is required (a value from 0 to 1000)", "required")
        return None
    value = c.integer(spec["priority"], path)
    if value is not None and value not in _PRIORITY:
        c.error(path, f"priority {shown(value)} is not between 0 and 1000", "bad-priority")
        return None
    return value


def _tier(c: Checker, spec: Mapping[str, Any]) -> Tier | None:
    # CNP spec.tier: required, "+kubebuilder:validation:Enum={"Admin", "Baseline"}".
    path = ["spec", "tier"]
    raw = spec.get("tier")
    if raw is None:
        c.error(path, "spec.tier is required (Admin or Baseline)", "required")
        return None
    if raw not in (Tier.ADMIN.value, Tier.BASELINE.value):
        c.error(path, f"tier must be Admin or Baseline, got {shown(raw)}", "bad-tier")
        return None
    return Tier(raw)


def _subject(c: Checker, d: _Dialect, raw: Any, path: Path) -> TierSubject | None:
    # subject: required; "Exactly one field must be set." (MinProperties=1, MaxProperties=1)
    if raw is None:
        c.error(path, "spec.subject is required", "required")
        return None
    m = c.mapping(raw, path)
    if m is None:
        return None
    key = one_field(c, m, path, _INGRESS_PEER_FIELDS, "subject")
    if key == "namespaces":
        # "Namespaces is used to select pods via namespace selectors."
        return TierSubject(c.selector(m[key], [*path, key]))
    if key == "pods":
        return _namespaced_pod(c, d, m[key], [*path, key])
    return None


def _namespaced_pod(c: Checker, d: _Dialect, raw: Any, path: Path) -> TierSubject | None:
    """NamespacedPod: ``podSelector`` required ("if empty, it selects all Pods"); its
    ``namespaceSelector`` required in v1alpha1, ``+optional`` in v1alpha2 (absent: None, every
    namespace)."""
    m = c.mapping(raw, path, allowed=("namespaceSelector", "podSelector"))
    if m is None:
        return None
    if m.get("podSelector") is None:
        c.error([*path, "podSelector"], "podSelector is required", "required")
    namespaces = None
    if m.get("namespaceSelector") is not None:
        namespaces = c.selector(m["namespaceSelector"], [*path, "namespaceSelector"])
    elif d.namespace_selector_required:
        c.error(
            [*path, "namespaceSelector"],
            "namespaceSelector is required in v1alpha1 (a v1alpha2 ClusterNetworkPolicy may leave it out)",
            "required",
        )
    return TierSubject(namespaces, c.selector(m.get("podSelector"), [*path, "podSelector"]))


def _rules(c: Checker, d: _Dialect, spec: Mapping[str, Any], direction: Direction) -> tuple[TierRule, ...]:
    # ingress, egress: optional; ANP/BANP MaxItems=100, CNP MaxItems=25.
    key = "ingress" if direction is Direction.INGRESS else "egress"
    items = bounded_list(c, spec.get(key), ["spec", key], 0, d.max_rules, f"spec.{key}")
    rules = []
    for i, raw in enumerate(items or []):
        rule = _rule(c, d, raw, ["spec", key, i], i, direction)
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


def _rule(c: Checker, d: _Dialect, raw: Any, base: Path, index: int, direction: Direction) -> TierRule | None:
    peers_key = "from" if direction is Direction.INGRESS else "to"
    m = c.mapping(raw, base, allowed=("name", "action", peers_key, d.ports_key), null=False)
    if m is None:
        return None
    name = c.string(m.get("name"), [*base, "name"])
    if name is not None and len(name) > _MAX_RULE_NAME:
        c.error(
            [*base, "name"], f"a rule name may be no more than 100 characters, got {len(name)}", "too-long"
        )
    word = m.get("action")
    if word is None:
        c.error([*base, "action"], f"action is required ({', '.join(d.actions)})", "required")
    elif word not in d.actions:
        c.error(
            [*base, "action"],
            f"action must be one of {', '.join(d.actions)}, got {shown(word)}",
            "bad-action",
        )
    # from / to: "This field must be defined and contain at least one item." (MinItems=1)
    at = [*base, peers_key]
    items = bounded_list(c, m.get(peers_key), at, 1, d.max_peers, peers_key, required=True)
    peers = tuple(
        p for j, rp in enumerate(items or []) if (p := _peer(c, d, rp, [*at, j], direction)) is not None
    )
    read = anp_ports if d.ports_key == "ports" else cnp_protocols
    ports, named = read(c, m.get(d.ports_key), [*base, d.ports_key])
    # The egress rule's CEL: no named port together with a networks, nodes or domainNames peer.
    if named and any(p.kind in _IP_PEERS for p in peers):
        c.error(base, d.named_port_message, "named-port-with-ip-peer")
    if word not in d.actions:
        return None
    return TierRule(index, _ACTIONS[word], word, peers, ports, named, name)


def _peer(c: Checker, d: _Dialect, raw: Any, path: Path, direction: Direction) -> TierPeer | None:
    # Peers: "Exactly one of the fields must be set for a given peer and this is enforced by the
    # validation rules on the CRD." (MinProperties=1, MaxProperties=1)
    m = c.mapping(raw, path, null=False)
    if m is None:
        return None
    allowed = _INGRESS_PEER_FIELDS if direction is Direction.INGRESS else d.egress_peers
    given = present(m)
    if not given:
        c.error(path, f"a peer must set exactly one of {', '.join(allowed)}; it sets none", "empty-peer")
        return None
    if not any(k in _PEER_FIELDS for k in given):
        _unknown_peer(c, d, given, path)
        return TierPeer(PeerKind.UNKNOWN)
    if len(given) > 1:
        sets = ", ".join(str(k) for k in given)
        c.error(
            path, f"a peer must set exactly one of {', '.join(allowed)}; it sets {sets}", "exactly-one-field"
        )
        return None
    key = str(given[0])
    at = [*path, key]
    if key not in allowed:
        where = (
            "an ingress peer sets namespaces or pods only"
            if direction is Direction.INGRESS
            else f"a {c.kind} egress peer sets one of {', '.join(allowed)}"
        )
        c.error(at, f"{where}; {key} is not one of them", "peer-not-allowed")
        return None
    value = m[key]
    if key == "namespaces":
        # "Namespaces defines a way to select all pods within a set of Namespaces."
        return TierPeer(PeerKind.NAMESPACES, namespace_selector=c.selector(value, at))
    if key == "pods":
        pods = _namespaced_pod(c, d, value, at)
        if pods is None:
            return None
        return TierPeer(PeerKind.PODS, pods.namespace_selector, pods.pod_selector)
    if key == "nodes":
        # "This field follows standard label selector semantics; if present but empty, it
        # selects all Nodes."
        return TierPeer(PeerKind.NODES, node_selector=c.selector(value, at))
    if key == "networks":
        return TierPeer(PeerKind.NETWORKS, networks=networks(c, value, at))
    return TierPeer(PeerKind.DOMAIN_NAMES, domain_names=domain_names(c, value, at))


def _unknown_peer(c: Checker, d: _Dialect, given: list[Any], path: Path) -> None:
    # "If an implementation sees no fields are set then it can infer that the deployed CRD is of
    # an incompatible version with an unknown field. In that case it should fail closed." / "For
    # "Allow" rules, "fail closed" means: "treat the rule as matching no traffic". For "Deny" and
    # "Pass" rules, "fail closed" means: "treat the rule as a 'Deny all' rule"."
    allow, *deny = d.actions
    names = ", ".join(repr(k) for k in given)
    at = key_path(path, given[0]) if len(given) == 1 and isinstance(given[0], str) else path
    c.warn(
        at,
        f"this peer sets only {names}, which netpol does not know (a newer API version, or a "
        f"typo?); the rule fails closed: an {allow} rule matches no traffic, a "
        f"{' or '.join(deny)} rule denies all traffic of its subject in this direction",
        "tier-peer-unknown",
    )


_IP_ADDRESS_TYPES = ("InternalIP", "ExternalIP")
"""NodeAddressType values that hold an IP; Hostname, InternalDNS and ExternalDNS hold names."""


def parse_node(data: Mapping[str, Any], origin: Origin, sink: list[Diagnostic]) -> NodeSpec | None:
    """A ``v1`` Node: its name, labels (for ``nodes`` peers) and the IPs of status.addresses."""
    c = Checker(origin, "Node", sink)
    name, labels = _cluster_metadata(c, data)
    status = c.mapping(data.get("status"), ["status"]) or {}
    addresses = _node_addresses(c, status.get("addresses"), ["status", "addresses"])
    if c.failed or not name:
        return None
    return NodeSpec(name, labels, addresses, origin)


def _node_addresses(c: Checker, value: Any, path: Path) -> tuple[IPAddress, ...]:
    """The IPs of the InternalIP and ExternalIP entries. The kubelet writes status, and the API
    server checks none of it: a bad entry is a warning, and only that entry is left out."""
    if value is None:
        return ()
    if not isinstance(value, list):
        c.warn(
            path,
            f"status.addresses must be a list, got {type_name(value)}; no address read",
            "bad-node-address",
        )
        return ()
    ips: list[IPAddress] = []
    for i, entry in enumerate(value):
        at = [*path, i]
        if not isinstance(entry, Mapping):
            c.warn(
                at, f"a node address must be a mapping, got {type_name(entry)}; skipped", "bad-node-address"
            )
            continue
        if entry.get("type") not in _IP_ADDRESS_TYPES:
            continue
        raw = entry.get("address")
        try:
            ip = ipaddress.ip_address(raw if isinstance(raw, str) else "")
        except ValueError:
            c.warn(
                [*at, "address"],
                f"the {entry['type']} address {shown(raw)} is not an IP address; skipped",
                "bad-node-address",
            )
            continue
        if ip not in ips:
            ips.append(ip)
    return tuple(ips)


# --- what build_cluster needs to keep apart the pods a tier policy tells apart ------------------


def tier_pod_selectors(policies: Iterable[TierPolicy]) -> Iterator[LabelSelector]:
    """The pod selectors of the policies' subjects and ``pods`` peers."""
    for pol in policies:
        if pol.subject.pod_selector is not None:
            yield pol.subject.pod_selector
        for rule in (*pol.ingress, *pol.egress):
            yield from (p.pod_selector for p in rule.peers if p.pod_selector is not None)


def tier_blocks(policies: Iterable[TierPolicy], nodes: Iterable[NodeSpec]) -> list[IPBlock]:
    """The address blocks a tier policy tells pods apart by: its ``networks``, which "will be
    checked against" pod traffic "as well" (whatever Options.ipblock_matches_pods says of
    ipBlocks), and, once a ``nodes`` peer exists, each Node address (a host-network pod holds its
    node's IP)."""
    peers = [p for pol in policies for rule in (*pol.ingress, *pol.egress) for p in rule.peers]
    blocks = [b for p in peers for b in p.networks]
    if any(p.kind is PeerKind.NODES for p in peers):
        blocks += [IPBlock(ipaddress.ip_network(ip)) for node in nodes for ip in node.addresses]
    return blocks
