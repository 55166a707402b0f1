"""Loading AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy and Node objects.

Every row of docs/design/admin-tiers.md section 10 has a case the CRD accepts and one it rejects:
a rejected object is an error with its code, field path and line, and is left out; a peer netpol
does not know is a warning and fails closed; replicas a tier policy tells apart stay apart.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from conftest import SafeDumper

import netpol
from netpol.api import locate_diagnostics
from netpol.core.ipspace import IPBlock
from netpol.core.ports import Protocol
from netpol.core.selectors import LabelSelector
from netpol.errors import Diagnostic, Severity
from netpol.load.files import load_text
from netpol.model import Options, PolicyPort, build_cluster
from netpol.model.cluster import Cluster
from netpol.model.tiers import (
    ANP_KIND,
    BANP_KIND,
    CNP_KIND,
    TIER_API,
    PeerKind,
    Tier,
    TierAction,
    TierPeer,
    TierPolicy,
    TierSubject,
)

SOURCE = "tiers.yaml"
DELETE = object()
Edit = tuple[tuple[str | int, ...], Any]


class _Dumper(SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(*docs: Any) -> str:
    return "---\n".join(yaml.dump(d, Dumper=_Dumper, sort_keys=False) for d in docs)


def pods_peer() -> dict[str, Any]:
    return {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "db"}}}}


BASE: dict[str, dict[str, Any]] = {
    ANP_KIND: {
        "priority": 10,
        "subject": {"namespaces": {"matchLabels": {"env": "dev"}}},
        "ingress": [{"action": "Allow", "from": [{"namespaces": {}}]}],
        "egress": [{"action": "Deny", "to": [pods_peer()]}],
    },
    BANP_KIND: {
        "subject": {"namespaces": {}},
        "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}],
        "egress": [{"action": "Allow", "to": [pods_peer()]}],
    },
    CNP_KIND: {
        "tier": "Admin",
        "priority": 10,
        "subject": {"namespaces": {}},
        "ingress": [{"action": "Accept", "from": [{"namespaces": {}}]}],
        "egress": [{"action": "Deny", "to": [pods_peer()]}],
    },
}
NAMES = {ANP_KIND: "p", BANP_KIND: "default", CNP_KIND: "p"}


def put(doc: Any, path: tuple[str | int, ...], value: Any) -> None:
    node = doc
    for step in path[:-1]:
        node = node[step]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = copy.deepcopy(value)


def manifest(kind: str, *edits: Edit) -> dict[str, Any]:
    doc = {
        "apiVersion": TIER_API[kind],
        "kind": kind,
        "metadata": {"name": NAMES[kind]},
        "spec": copy.deepcopy(BASE[kind]),
    }
    for path, value in edits:
        put(doc, path, value)
    return doc


def load(text: str, options: Options = Options()) -> tuple[Cluster, list[Diagnostic]]:
    loaded = load_text(text, SOURCE)
    cluster = build_cluster(loaded.objects, options)
    return cluster, list(locate_diagnostics(cluster.diagnostics, loaded.locator))


def errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def accepted(kind: str, *edits: Edit) -> TierPolicy:
    cluster, diagnostics = load(dump(manifest(kind, *edits)))
    assert errors(diagnostics) == [], [d.format() for d in diagnostics]
    [policy] = cluster.tier_policies
    assert policy.kind == kind
    return policy


def rejected(kind: str, edits: tuple[Edit, ...], code: str, path: tuple[str | int, ...]) -> Diagnostic:
    text = dump(manifest(kind, *edits))
    cluster, diagnostics = load(text)
    found = errors(diagnostics)
    assert [d.code for d in found] == [code], [d.format() for d in found]
    loc = found[0].location
    assert loc is not None and loc.source == SOURCE and loc.document == 1
    assert loc.path == path
    # The line of the field, or of its nearest written ancestor, with the text of that line.
    assert loc.line is not None and 1 <= loc.line <= text.count("\n")
    assert loc.snippet == text.splitlines()[loc.line - 1]
    assert cluster.tier_policies == ()  # left out, as the API server would refuse it
    assert cluster.unmodelled == {}  # modelled, only rejected
    return found[0]


SPEC = ("spec",)
IN0 = ("spec", "ingress", 0)
EG0 = ("spec", "egress", 0)
LONG_CIDR = "2001:0db8:0000:0000:0000:0000:0000:0000/128"  # 43 characters
assert len(LONG_CIDR) == 43


def many(n: int, make: Callable[[int], Any]) -> list[Any]:
    return [make(i) for i in range(n)]


def ns_peers(n: int) -> list[Any]:
    return many(n, lambda i: {"namespaces": {"matchLabels": {"i": str(i)}}})


def rules(n: int, action: str, key: str = "from") -> list[Any]:
    return many(n, lambda i: {"action": action, key: [{"namespaces": {}}]})


# --- the section-10 table: accepted ----------------------------------------------------------

Check = Callable[[TierPolicy], bool]

POSITIVE: dict[str, tuple[str, tuple[Edit, ...], Check]] = {
    # priority: ANP and CNP 0..1000; BANP has none.
    "anp-priority-0": (ANP_KIND, ((("spec", "priority"), 0),), lambda p: p.priority == 0),
    "anp-priority-1000": (ANP_KIND, ((("spec", "priority"), 1000),), lambda p: p.priority == 1000),
    "cnp-priority-0": (CNP_KIND, ((("spec", "priority"), 0),), lambda p: p.priority == 0),
    "cnp-priority-1000": (CNP_KIND, ((("spec", "priority"), 1000),), lambda p: p.priority == 1000),
    "banp-no-priority": (BANP_KIND, (), lambda p: p.priority is None and p.id == "banp/default"),
    # tier: CNP Admin | Baseline; ANP is Admin, BANP Baseline.
    "cnp-tier-admin": (CNP_KIND, (), lambda p: p.tier is Tier.ADMIN),
    "cnp-tier-baseline": (CNP_KIND, ((("spec", "tier"), "Baseline"),), lambda p: p.tier is Tier.BASELINE),
    "anp-tier": (ANP_KIND, (), lambda p: p.tier is Tier.ADMIN),
    "banp-tier": (BANP_KIND, (), lambda p: p.tier is Tier.BASELINE),
    # metadata.name: any subdomain; metadata.namespace is ignored (cluster-scoped).
    "anp-name": (ANP_KIND, ((("metadata", "name"), "a.b-c"),), lambda p: p.id == "anp/a.b-c"),
    "cnp-namespace-ignored": (
        CNP_KIND,
        ((("metadata", "namespace"), "ignored"),),
        lambda p: p.id == "cnp/p",
    ),
    # subject: exactly one of namespaces / pods.
    "subject-namespaces": (
        ANP_KIND,
        (),
        lambda p: p.subject == TierSubject(LabelSelector((("env", "dev"),))),
    ),
    "subject-pods": (
        ANP_KIND,
        ((("spec", "subject"), pods_peer()),),
        lambda p: p.subject == TierSubject(LabelSelector(), LabelSelector((("app", "db"),))),
    ),
    # NamespacedPod.namespaceSelector: optional in v1alpha2 (None: every namespace).
    "cnp-pods-without-namespace-selector": (
        CNP_KIND,
        ((("spec", "subject"), {"pods": {"podSelector": {}}}),),
        lambda p: p.subject == TierSubject(None, LabelSelector()),
    ),
    "banp-pods-peer-with-namespace-selector": (
        BANP_KIND,
        (),
        lambda p: (
            p.egress[0].peers[0] == TierPeer(PeerKind.PODS, LabelSelector(), LabelSelector((("app", "db"),)))
        ),
    ),
    # ingress / egress: at most 100 (ANP, BANP) / 25 (CNP) rules, and may be empty.
    "anp-100-ingress": (
        ANP_KIND,
        ((("spec", "ingress"), rules(100, "Pass")),),
        lambda p: len(p.ingress) == 100,
    ),
    "banp-100-egress": (
        BANP_KIND,
        ((("spec", "egress"), rules(100, "Deny", "to")),),
        lambda p: len(p.egress) == 100,
    ),
    "cnp-25-ingress": (CNP_KIND, ((("spec", "ingress"), rules(25, "Pass")),), lambda p: len(p.ingress) == 25),
    "no-rules": (
        CNP_KIND,
        ((("spec", "ingress"), []), (("spec", "egress"), DELETE)),
        lambda p: p.ingress == (),
    ),
    # action enums, in written order.
    "anp-actions": (
        ANP_KIND,
        ((("spec", "ingress"), [*rules(1, "Allow"), *rules(1, "Deny"), *rules(1, "Pass")]),),
        lambda p: (
            [(r.action, r.word, r.index) for r in p.ingress]
            == [(TierAction.ALLOW, "Allow", 0), (TierAction.DENY, "Deny", 1), (TierAction.PASS, "Pass", 2)]
        ),
    ),
    "banp-actions": (
        BANP_KIND,
        ((("spec", "ingress"), [*rules(1, "Allow"), *rules(1, "Deny")]),),
        lambda p: [r.action for r in p.ingress] == [TierAction.ALLOW, TierAction.DENY],
    ),
    "cnp-accept-is-allow": (
        CNP_KIND,
        ((("spec", "ingress"), [*rules(1, "Accept"), *rules(1, "Deny"), *rules(1, "Pass")]),),
        lambda p: (
            [(r.action, r.word) for r in p.ingress]
            == [(TierAction.ALLOW, "Accept"), (TierAction.DENY, "Deny"), (TierAction.PASS, "Pass")]
        ),
    ),
    # rule name: at most 100 characters.
    "rule-name-100": (ANP_KIND, (((*IN0, "name"), "n" * 100),), lambda p: p.ingress[0].name == "n" * 100),
    # from / to: 1..100 (ANP, BANP), 1..25 (CNP).
    "anp-100-from": (ANP_KIND, (((*IN0, "from"), ns_peers(100)),), lambda p: len(p.ingress[0].peers) == 100),
    "banp-100-to": (BANP_KIND, (((*EG0, "to"), ns_peers(100)),), lambda p: len(p.egress[0].peers) == 100),
    "cnp-25-to": (CNP_KIND, (((*EG0, "to"), ns_peers(25)),), lambda p: len(p.egress[0].peers) == 25),
    # peer: exactly one field; ingress peers namespaces | pods.
    "ingress-peers": (
        BANP_KIND,
        (((*IN0, "from"), [{"namespaces": {}}, pods_peer()]),),
        lambda p: [x.kind for x in p.ingress[0].peers] == [PeerKind.NAMESPACES, PeerKind.PODS],
    ),
    # egress peers: + nodes, networks, domainNames (not BANP's).
    "anp-egress-peers": (
        ANP_KIND,
        (
            (
                (*EG0, "to"),
                [
                    {"nodes": {"matchLabels": {"role": "worker"}}},
                    {"networks": ["10.0.0.0/8", "fd00::/8"]},
                    {"domainNames": ["*.example.com"]},
                ],
            ),
        ),
        lambda p: (
            p.egress[0].peers
            == (
                TierPeer(PeerKind.NODES, node_selector=LabelSelector((("role", "worker"),))),
                TierPeer(
                    PeerKind.NETWORKS,
                    networks=(
                        IPBlock(ipaddress.ip_network("10.0.0.0/8")),
                        IPBlock(ipaddress.ip_network("fd00::/8")),
                    ),
                ),
                TierPeer(PeerKind.DOMAIN_NAMES, domain_names=("*.example.com",)),
            )
        ),
    ),
    "banp-egress-peers": (
        BANP_KIND,
        (((*EG0, "to"), [{"nodes": {}}, {"networks": ["0.0.0.0/0"]}]),),
        lambda p: [x.kind for x in p.egress[0].peers] == [PeerKind.NODES, PeerKind.NETWORKS],
    ),
    # networks: 1..25, each a CIDR of at most 43 characters.
    "networks-25": (
        CNP_KIND,
        (((*EG0, "to"), [{"networks": many(25, lambda i: f"10.{i}.0.0/16")}]),),
        lambda p: len(p.egress[0].peers[0].networks) == 25,
    ),
    "networks-43-characters": (
        ANP_KIND,
        (((*EG0, "to"), [{"networks": [LONG_CIDR]}]),),
        lambda p: p.egress[0].peers[0].networks == (IPBlock(ipaddress.ip_network("2001:db8::/128")),),
    ),
    # domainNames: 1..25, the pattern (letters of both cases, '_' inside, a trailing dot).
    "domain-names": (
        CNP_KIND,
        (
            (
                (*EG0, "to"),
                [{"domainNames": ["kubernetes.io", "*.Example.COM", "a_b.c-d.org.", "*.a.b.k8s.io"]}],
            ),
        ),
        lambda p: (
            p.egress[0].domain_names == ("kubernetes.io", "*.Example.COM", "a_b.c-d.org.", "*.a.b.k8s.io")
        ),
    ),
    "domain-names-25": (
        ANP_KIND,
        (((*EG0, "to"), [{"domainNames": many(25, lambda i: f"h{i}.example.com")}]),),
        lambda p: len(p.egress[0].domain_names) == 25,
    ),
    # ports: 1..100, each one of portNumber | namedPort | portRange (protocol default TCP).
    "anp-ports": (
        ANP_KIND,
        (
            (
                (*IN0, "ports"),
                [
                    {"portNumber": {"port": 80}},
                    {"portNumber": {"protocol": "UDP", "port": 53}},
                    {"namedPort": "http"},
                    {"portRange": {"start": 8000, "end": 8080}},
                    {"portRange": {"protocol": "SCTP", "start": 9000, "end": 9000}},
                ],
            ),
        ),
        lambda p: (
            p.ingress[0].ports
            == (
                PolicyPort(Protocol.TCP, 80),
                PolicyPort(Protocol.UDP, 53),
                PolicyPort(Protocol.TCP, 8000, 8080),
                PolicyPort(Protocol.SCTP, 9000),  # start == end: accepted, the one port
            )
            and p.ingress[0].named == ("http",)
        ),
    ),
    "anp-100-ports": (
        BANP_KIND,
        (((*IN0, "ports"), many(100, lambda i: {"portNumber": {"port": i + 1}})),),
        lambda p: len(p.ingress[0].ports) == 100,
    ),
    "no-ports-is-all": (ANP_KIND, (), lambda p: p.ingress[0].all_ports),
    # protocols: 1..25, each one of tcp | udp | sctp | destinationNamedPort.
    "cnp-protocols": (
        CNP_KIND,
        (
            (
                (*IN0, "protocols"),
                [
                    {"tcp": {"destinationPort": {"number": 80}}},
                    {"udp": {"destinationPort": {"range": {"start": 1000, "end": 1001}}}},
                    {"sctp": {"destinationPort": {"number": 65535}}},
                    {"destinationNamedPort": "dns"},
                ],
            ),
        ),
        lambda p: (
            p.ingress[0].ports
            == (
                PolicyPort(Protocol.TCP, 80),
                PolicyPort(Protocol.UDP, 1000, 1001),
                PolicyPort(Protocol.SCTP, 65535),
            )
            and p.ingress[0].named == ("dns",)
        ),
    ),
    "cnp-25-protocols": (
        CNP_KIND,
        (((*IN0, "protocols"), many(25, lambda i: {"tcp": {"destinationPort": {"number": i + 1}}})),),
        lambda p: len(p.ingress[0].ports) == 25,
    ),
    # named ports go with pods and namespaces peers, in either direction.
    "named-port-with-pods-peer": (
        ANP_KIND,
        (((*EG0, "ports"), [{"namedPort": "db"}]),),
        lambda p: p.egress[0].named == ("db",),
    ),
    "cnp-named-port-with-namespaces-peer": (
        CNP_KIND,
        (((*EG0, "to"), [{"namespaces": {}}]), ((*EG0, "protocols"), [{"destinationNamedPort": "db"}])),
        lambda p: p.egress[0].named == ("db",),
    ),
}


@pytest.mark.parametrize("name", sorted(POSITIVE))
def test_the_crd_accepts(name: str) -> None:
    kind, edits, check = POSITIVE[name]
    assert check(accepted(kind, *edits))


# --- the section-10 table: rejected ----------------------------------------------------------

NEGATIVE: dict[str, tuple[str, tuple[Edit, ...], str, tuple[str | int, ...]]] = {
    # priority
    "anp-priority-missing": (ANP_KIND, ((("spec", "priority"), DELETE),), "required", ("spec", "priority")),
    "anp-priority-below": (ANP_KIND, ((("spec", "priority"), -1),), "bad-priority", ("spec", "priority")),
    "anp-priority-above": (ANP_KIND, ((("spec", "priority"), 1001),), "bad-priority", ("spec", "priority")),
    "cnp-priority-above": (CNP_KIND, ((("spec", "priority"), 1001),), "bad-priority", ("spec", "priority")),
    "cnp-priority-missing": (CNP_KIND, ((("spec", "priority"), DELETE),), "required", ("spec", "priority")),
    "priority-string": (ANP_KIND, ((("spec", "priority"), "10"),), "wrong-type", ("spec", "priority")),
    "banp-priority": (BANP_KIND, ((("spec", "priority"), 5),), "unknown-field", ("spec", "priority")),
    # tier
    "cnp-tier-missing": (CNP_KIND, ((("spec", "tier"), DELETE),), "required", ("spec", "tier")),
    "cnp-tier-case": (CNP_KIND, ((("spec", "tier"), "admin"),), "bad-tier", ("spec", "tier")),
    "cnp-tier-unknown": (CNP_KIND, ((("spec", "tier"), "Developer"),), "bad-tier", ("spec", "tier")),
    "anp-tier": (ANP_KIND, ((("spec", "tier"), "Admin"),), "unknown-field", ("spec", "tier")),
    # metadata.name
    "banp-not-default": (
        BANP_KIND,
        ((("metadata", "name"), "baseline"),),
        "banp-not-default",
        ("metadata", "name"),
    ),
    "anp-bad-name": (ANP_KIND, ((("metadata", "name"), "Bad_Name"),), "bad-name", ("metadata", "name")),
    "cnp-no-name": (CNP_KIND, ((("metadata", "name"), DELETE),), "required", ("metadata", "name")),
    "bad-label": (
        ANP_KIND,
        ((("metadata", "labels"), {"a b": "c"}),),
        "bad-label-key",
        ("metadata", "labels", "a b"),
    ),
    "no-spec": (ANP_KIND, ((("spec",), DELETE),), "required", ("spec",)),
    "unknown-spec-field": (CNP_KIND, ((("spec", "ports"), []),), "unknown-field", ("spec", "ports")),
    # subject
    "subject-missing": (ANP_KIND, ((("spec", "subject"), DELETE),), "required", ("spec", "subject")),
    "subject-empty": (BANP_KIND, ((("spec", "subject"), {}),), "exactly-one-field", ("spec", "subject")),
    "subject-both": (
        CNP_KIND,
        ((("spec", "subject"), {"namespaces": {}, "pods": {"podSelector": {}}}),),
        "exactly-one-field",
        ("spec", "subject"),
    ),
    "subject-unknown": (
        ANP_KIND,
        ((("spec", "subject"), {"nodes": {}}),),
        "unknown-field",
        ("spec", "subject", "nodes"),
    ),
    # NamespacedPod
    "anp-subject-pods-without-namespace-selector": (
        ANP_KIND,
        ((("spec", "subject"), {"pods": {"podSelector": {}}}),),
        "required",
        ("spec", "subject", "pods", "namespaceSelector"),
    ),
    "banp-peer-pods-without-namespace-selector": (
        BANP_KIND,
        (((*EG0, "to"), [{"pods": {"podSelector": {}}}]),),
        "required",
        (*EG0, "to", 0, "pods", "namespaceSelector"),
    ),
    "cnp-pods-without-pod-selector": (
        CNP_KIND,
        ((("spec", "subject"), {"pods": {"namespaceSelector": {}}}),),
        "required",
        ("spec", "subject", "pods", "podSelector"),
    ),
    # ingress / egress max
    "anp-101-ingress": (
        ANP_KIND,
        ((("spec", "ingress"), rules(101, "Allow")),),
        "too-many-items",
        ("spec", "ingress"),
    ),
    "banp-101-egress": (
        BANP_KIND,
        ((("spec", "egress"), rules(101, "Allow", "to")),),
        "too-many-items",
        ("spec", "egress"),
    ),
    "cnp-26-egress": (
        CNP_KIND,
        ((("spec", "egress"), rules(26, "Deny", "to")),),
        "too-many-items",
        ("spec", "egress"),
    ),
    # action enums
    "banp-pass": (BANP_KIND, (((*IN0, "action"), "Pass"),), "bad-action", (*IN0, "action")),
    "anp-accept": (ANP_KIND, (((*IN0, "action"), "Accept"),), "bad-action", (*IN0, "action")),
    "cnp-allow": (CNP_KIND, (((*IN0, "action"), "Allow"),), "bad-action", (*IN0, "action")),
    "action-case": (ANP_KIND, (((*IN0, "action"), "allow"),), "bad-action", (*IN0, "action")),
    "action-missing": (CNP_KIND, (((*EG0, "action"), DELETE),), "required", (*EG0, "action")),
    # rule name
    "rule-name-101": (BANP_KIND, (((*IN0, "name"), "n" * 101),), "too-long", (*IN0, "name")),
    "unknown-rule-field": (ANP_KIND, (((*IN0, "to"), []),), "unknown-field", (*IN0, "to")),
    # from / to
    "from-missing": (ANP_KIND, (((*IN0, "from"), DELETE),), "required", (*IN0, "from")),
    "from-empty": (CNP_KIND, (((*IN0, "from"), []),), "too-few-items", (*IN0, "from")),
    "to-empty": (BANP_KIND, (((*EG0, "to"), []),), "too-few-items", (*EG0, "to")),
    "anp-101-from": (ANP_KIND, (((*IN0, "from"), ns_peers(101)),), "too-many-items", (*IN0, "from")),
    "banp-101-to": (BANP_KIND, (((*EG0, "to"), ns_peers(101)),), "too-many-items", (*EG0, "to")),
    "cnp-26-from": (CNP_KIND, (((*IN0, "from"), ns_peers(26)),), "too-many-items", (*IN0, "from")),
    # peer: exactly one field
    "empty-peer": (ANP_KIND, (((*IN0, "from"), [{}]),), "empty-peer", (*IN0, "from", 0)),
    "null-peer-field": (CNP_KIND, (((*EG0, "to"), [{"pods": None}]),), "empty-peer", (*EG0, "to", 0)),
    "two-field-peer": (
        CNP_KIND,
        (((*EG0, "to"), [{"namespaces": {}, "networks": ["10.0.0.0/8"]}]),),
        "exactly-one-field",
        (*EG0, "to", 0),
    ),
    "known-and-unknown-peer-fields": (
        ANP_KIND,
        (((*EG0, "to"), [{"namespaces": {}, "futurePeer": {}}]),),
        "exactly-one-field",
        (*EG0, "to", 0),
    ),
    # ingress peers: namespaces | pods only
    "ingress-networks": (
        ANP_KIND,
        (((*IN0, "from"), [{"networks": ["10.0.0.0/8"]}]),),
        "peer-not-allowed",
        (*IN0, "from", 0, "networks"),
    ),
    "ingress-nodes": (
        CNP_KIND,
        (((*IN0, "from"), [{"nodes": {}}]),),
        "peer-not-allowed",
        (*IN0, "from", 0, "nodes"),
    ),
    "ingress-domain-names": (
        CNP_KIND,
        (((*IN0, "from"), [{"domainNames": ["a.io"]}]),),
        "peer-not-allowed",
        (*IN0, "from", 0, "domainNames"),
    ),
    # egress peers: no domainNames in a BANP
    "banp-domain-names": (
        BANP_KIND,
        (((*EG0, "to"), [{"domainNames": ["a.io"]}]),),
        "peer-not-allowed",
        (*EG0, "to", 0, "domainNames"),
    ),
    # networks
    "networks-empty": (
        ANP_KIND,
        (((*EG0, "to"), [{"networks": []}]),),
        "too-few-items",
        (*EG0, "to", 0, "networks"),
    ),
    "networks-26": (
        CNP_KIND,
        (((*EG0, "to"), [{"networks": many(26, lambda i: f"10.{i}.0.0/16")}]),),
        "too-many-items",
        (*EG0, "to", 0, "networks"),
    ),
    "networks-bad-cidr": (
        BANP_KIND,
        (((*EG0, "to"), [{"networks": ["10.0.0.0/8", "10.0.0.300/8"]}]),),
        "bad-cidr",
        (*EG0, "to", 0, "networks", 1),
    ),
    "networks-no-prefix": (
        ANP_KIND,
        (((*EG0, "to"), [{"networks": ["10.0.0.1"]}]),),
        "bad-cidr",
        (*EG0, "to", 0, "networks", 0),
    ),
    "networks-44-characters": (
        ANP_KIND,
        (((*EG0, "to"), [{"networks": ["2001:0db8:0000:0000:0000:0000:0000:00000/128"]}]),),
        "bad-cidr",
        (*EG0, "to", 0, "networks", 0),
    ),
    "networks-duplicate": (
        CNP_KIND,
        (((*EG0, "to"), [{"networks": ["10.0.0.0/8", "10.0.0.0/8"]}]),),
        "duplicate-item",
        (*EG0, "to", 0, "networks", 1),
    ),
    # domainNames
    "domain-names-empty": (
        CNP_KIND,
        (((*EG0, "to"), [{"domainNames": []}]),),
        "too-few-items",
        (*EG0, "to", 0, "domainNames"),
    ),
    "domain-names-26": (
        ANP_KIND,
        (((*EG0, "to"), [{"domainNames": many(26, lambda i: f"h{i}.example.com")}]),),
        "too-many-items",
        (*EG0, "to", 0, "domainNames"),
    ),
    "domain-name-partial-wildcard": (
        ANP_KIND,
        (((*EG0, "to"), [{"domainNames": ["*k8s.io"]}]),),
        "bad-domain-name",
        (*EG0, "to", 0, "domainNames", 0),
    ),
    "domain-name-inner-wildcard": (
        CNP_KIND,
        (((*EG0, "to"), [{"domainNames": ["a.io", "a.*.io"]}]),),
        "bad-domain-name",
        (*EG0, "to", 0, "domainNames", 1),
    ),
    "domain-name-one-label": (
        CNP_KIND,
        (((*EG0, "to"), [{"domainNames": ["localhost"]}]),),
        "bad-domain-name",
        (*EG0, "to", 0, "domainNames", 0),
    ),
    "domain-name-wildcard-tld": (
        CNP_KIND,
        (((*EG0, "to"), [{"domainNames": ["*.com"]}]),),
        "bad-domain-name",
        (*EG0, "to", 0, "domainNames", 0),
    ),
    "domain-name-duplicate": (
        ANP_KIND,
        (((*EG0, "to"), [{"domainNames": ["a.io", "a.io"]}]),),
        "duplicate-item",
        (*EG0, "to", 0, "domainNames", 1),
    ),
    # ports (ANP, BANP)
    "ports-empty": (ANP_KIND, (((*IN0, "ports"), []),), "too-few-items", (*IN0, "ports")),
    "ports-101": (
        BANP_KIND,
        (((*IN0, "ports"), many(101, lambda i: {"portNumber": {"port": i + 1}})),),
        "too-many-items",
        (*IN0, "ports"),
    ),
    "port-empty": (ANP_KIND, (((*IN0, "ports"), [{}]),), "exactly-one-field", (*IN0, "ports", 0)),
    "port-two-fields": (
        BANP_KIND,
        (((*IN0, "ports"), [{"namedPort": "http", "portNumber": {"port": 80}}]),),
        "exactly-one-field",
        (*IN0, "ports", 0),
    ),
    "anp-protocols": (
        ANP_KIND,
        (((*IN0, "protocols"), [{"tcp": {}}]),),
        "unknown-field",
        (*IN0, "protocols"),
    ),
    # protocols (CNP)
    "protocols-empty": (CNP_KIND, (((*IN0, "protocols"), []),), "too-few-items", (*IN0, "protocols")),
    "protocols-26": (
        CNP_KIND,
        (((*IN0, "protocols"), many(26, lambda i: {"tcp": {"destinationPort": {"number": i + 1}}})),),
        "too-many-items",
        (*IN0, "protocols"),
    ),
    "protocol-two-fields": (
        CNP_KIND,
        (((*IN0, "protocols"), [{"tcp": {"destinationPort": {"number": 1}}, "destinationNamedPort": "x"}]),),
        "exactly-one-field",
        (*IN0, "protocols", 0),
    ),
    "protocol-unknown": (
        CNP_KIND,
        (((*IN0, "protocols"), [{"icmp": {}}]),),
        "unknown-field",
        (*IN0, "protocols", 0, "icmp"),
    ),
    "cnp-ports": (
        CNP_KIND,
        (((*IN0, "ports"), [{"portNumber": {"port": 80}}]),),
        "unknown-field",
        (*IN0, "ports"),
    ),
    # port number
    "port-0": (
        ANP_KIND,
        (((*IN0, "ports"), [{"portNumber": {"port": 0}}]),),
        "bad-port",
        (*IN0, "ports", 0, "portNumber", "port"),
    ),
    "port-65536": (
        BANP_KIND,
        (((*IN0, "ports"), [{"portNumber": {"port": 65536}}]),),
        "bad-port",
        (*IN0, "ports", 0, "portNumber", "port"),
    ),
    "port-missing": (
        ANP_KIND,
        (((*IN0, "ports"), [{"portNumber": {"protocol": "TCP"}}]),),
        "required",
        (*IN0, "ports", 0, "portNumber", "port"),
    ),
    "port-protocol": (
        ANP_KIND,
        (((*IN0, "ports"), [{"portNumber": {"protocol": "tcp", "port": 80}}]),),
        "bad-protocol",
        (*IN0, "ports", 0, "portNumber", "protocol"),
    ),
    "cnp-number-0": (
        CNP_KIND,
        (((*IN0, "protocols"), [{"udp": {"destinationPort": {"number": 0}}}]),),
        "bad-port",
        (*IN0, "protocols", 0, "udp", "destinationPort", "number"),
    ),
    # port range
    "anp-range-reversed": (
        ANP_KIND,
        (((*IN0, "ports"), [{"portRange": {"start": 8080, "end": 8000}}]),),
        "bad-port-range",
        (*IN0, "ports", 0, "portRange", "end"),
    ),
    "anp-range-end-above": (
        ANP_KIND,
        (((*IN0, "ports"), [{"portRange": {"start": 1, "end": 70000}}]),),
        "bad-port",
        (*IN0, "ports", 0, "portRange", "end"),
    ),
    "anp-range-start-missing": (
        BANP_KIND,
        (((*IN0, "ports"), [{"portRange": {"end": 80}}]),),
        "required",
        (*IN0, "ports", 0, "portRange", "start"),
    ),
    "cnp-range-equal": (
        CNP_KIND,
        (((*IN0, "protocols"), [{"tcp": {"destinationPort": {"range": {"start": 1000, "end": 1000}}}}]),),
        "bad-port-range",
        (*IN0, "protocols", 0, "tcp", "destinationPort", "range"),
    ),
    "cnp-range-reversed": (
        CNP_KIND,
        (((*IN0, "protocols"), [{"sctp": {"destinationPort": {"range": {"start": 2000, "end": 1000}}}}]),),
        "bad-port-range",
        (*IN0, "protocols", 0, "sctp", "destinationPort", "range"),
    ),
    # tcp / udp / sctp body
    "cnp-tcp-empty": (
        CNP_KIND,
        (((*IN0, "protocols"), [{"tcp": {}}]),),
        "required",
        (*IN0, "protocols", 0, "tcp", "destinationPort"),
    ),
    "cnp-destination-port-empty": (
        CNP_KIND,
        (((*IN0, "protocols"), [{"udp": {"destinationPort": {}}}]),),
        "exactly-one-field",
        (*IN0, "protocols", 0, "udp", "destinationPort"),
    ),
    "cnp-destination-port-both": (
        CNP_KIND,
        (
            (
                (*IN0, "protocols"),
                [{"tcp": {"destinationPort": {"number": 1, "range": {"start": 1, "end": 2}}}}],
            ),
        ),
        "exactly-one-field",
        (*IN0, "protocols", 0, "tcp", "destinationPort"),
    ),
    # named port vs IP peers (egress CEL)
    "anp-named-port-with-networks": (
        ANP_KIND,
        (
            ((*EG0, "to"), [pods_peer(), {"networks": ["10.0.0.0/8"]}]),
            ((*EG0, "ports"), [{"namedPort": "db"}]),
        ),
        "named-port-with-ip-peer",
        EG0,
    ),
    "banp-named-port-with-nodes": (
        BANP_KIND,
        (((*EG0, "to"), [{"nodes": {}}]), ((*EG0, "ports"), [{"namedPort": "db"}])),
        "named-port-with-ip-peer",
        EG0,
    ),
    "cnp-named-port-with-domain-names": (
        CNP_KIND,
        (
            ((*EG0, "to"), [{"domainNames": ["a.io"]}]),
            ((*EG0, "protocols"), [{"destinationNamedPort": "https"}]),
        ),
        "named-port-with-ip-peer",
        EG0,
    ),
}


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_the_crd_rejects(name: str) -> None:
    kind, edits, code, path = NEGATIVE[name]
    rejected(kind, edits, code, path)


def test_the_cel_messages_are_quoted() -> None:
    banp = rejected(
        BANP_KIND, ((("metadata", "name"), "baseline"),), "banp-not-default", ("metadata", "name")
    )
    assert (
        'Only one baseline admin network policy with metadata.name="default" can be created' in banp.message
    )
    assert "'baseline'" in banp.message
    cnp = NEGATIVE["cnp-range-equal"]
    assert rejected(cnp[0], cnp[1], cnp[2], cnp[3]).message == "Start port must be less than End port"
    anp = NEGATIVE["anp-named-port-with-networks"]
    assert rejected(*anp).message == (
        "networks/nodes/domainNames peer cannot be set with namedPorts since there are no "
        "namedPorts for networks/nodes/domainNames"
    )
    banp_named = NEGATIVE["banp-named-port-with-nodes"]
    assert rejected(*banp_named).message == (
        "networks/nodes peer cannot be set with namedPorts since there are no namedPorts for networks/nodes"
    )


def test_an_error_points_at_its_line_and_the_other_documents_stay() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n---\n"  # lines 1-3
        "apiVersion: policy.networking.k8s.io/v1alpha1\n"  # 5
        "kind: AdminNetworkPolicy\n"
        "metadata: {name: bad}\n"
        "spec:\n"
        "  priority: 1001\n"  # 9
        "  subject: {namespaces: {}}\n"
        "---\n"
        "apiVersion: policy.networking.k8s.io/v1alpha1\n"
        "kind: AdminNetworkPolicy\n"
        "metadata: {name: good}\n"
        "spec: {priority: 1, subject: {namespaces: {}}}\n"
    )
    graph = netpol.analyze_text(text, source=SOURCE)
    [error] = [d for d in graph.diagnostics if d.severity is Severity.ERROR]
    assert error.code == "bad-priority"
    assert error.location is not None
    assert (error.location.document, error.location.path, error.location.line) == (2, ("spec", "priority"), 9)
    assert f"{SOURCE}:9" in error.format() and "spec.priority" in error.format()
    assert [p.id for p in graph.cluster.tier_policies] == ["anp/good"]
    assert "x/a[Pod]" in graph.endpoint_ids()


# --- fail closed: a peer netpol does not know --------------------------------------------------


@pytest.mark.parametrize("kind", [ANP_KIND, BANP_KIND, CNP_KIND])
def test_an_unknown_peer_is_a_warning_and_fails_closed(kind: str) -> None:
    doc = manifest(kind, ((*EG0, "to"), [pods_peer(), {"futurePeer": {"x": 1}}]))
    cluster, diagnostics = load(dump(doc))
    assert errors(diagnostics) == []
    [warning] = [d for d in diagnostics if d.code == "tier-peer-unknown"]
    assert warning.severity is Severity.WARNING
    assert warning.location is not None and warning.location.path == (*EG0, "to", 1, "futurePeer")
    assert warning.location.line is not None
    assert "'futurePeer'" in warning.message and "fails closed" in warning.message
    allow = "Accept" if kind == CNP_KIND else "Allow"
    assert f"an {allow} rule matches no traffic" in warning.message
    [policy] = cluster.tier_policies  # kept
    assert [p.kind for p in policy.egress[0].peers] == [PeerKind.PODS, PeerKind.UNKNOWN]
    assert policy.egress[0].peers[1] == TierPeer(PeerKind.UNKNOWN)


def test_an_unknown_ingress_peer_fails_closed_too() -> None:
    cluster, diagnostics = load(dump(manifest(ANP_KIND, ((*IN0, "from"), [{"serviceAccounts": {}}]))))
    assert [d.code for d in diagnostics] == ["tier-peer-unknown"]
    assert cluster.tier_policies[0].ingress[0].peers == (TierPeer(PeerKind.UNKNOWN),)


def test_host_bits_warn_and_the_network_is_kept() -> None:
    doc = manifest(CNP_KIND, ((*EG0, "to"), [{"networks": ["10.0.0.1/8", "10.0.0.0/8"]}]))
    cluster, diagnostics = load(dump(doc))
    assert [d.code for d in diagnostics] == ["non-canonical-cidr"]
    assert cluster.tier_policies[0].egress[0].peers[0].networks == (
        IPBlock(ipaddress.ip_network("10.0.0.0/8")),
    )


# --- loading: versions, duplicates, the not-modelled warning -------------------------------------


def test_other_versions_of_the_group_stay_unmodelled() -> None:
    beta = manifest(CNP_KIND)
    beta["apiVersion"] = "policy.networking.k8s.io/v1beta1"
    anp_v2 = manifest(ANP_KIND)
    anp_v2["apiVersion"] = "policy.networking.k8s.io/v1alpha2"
    graph = netpol.analyze_text(dump(beta, anp_v2, manifest(BANP_KIND), manifest(CNP_KIND)))
    assert [p.id for p in graph.cluster.tier_policies] == ["banp/default", "cnp/p"]
    assert graph.cluster.unmodelled == {
        "AdminNetworkPolicy (policy.networking.k8s.io)": 1,
        "ClusterNetworkPolicy (policy.networking.k8s.io)": 1,
    }
    [warning] = [d for d in graph.diagnostics if d.code == "policy-not-modelled"]
    assert "1 ClusterNetworkPolicy (policy.networking.k8s.io)" in warning.message
    assert errors(list(graph.diagnostics)) == []


def test_modelled_kinds_give_no_not_modelled_warning() -> None:
    graph = netpol.analyze_text(dump(manifest(ANP_KIND), manifest(BANP_KIND), manifest(CNP_KIND)))
    assert [d.code for d in graph.diagnostics] == []
    assert graph.cluster.unmodelled == {} and graph.skipped == {}
    assert [p.id for p in graph.cluster.tier_policies] == ["anp/p", "banp/default", "cnp/p"]
    # cluster-scoped: no namespace is made for them (the stand-ins their subjects get aside)
    assert [n for n in graph.cluster.namespaces if not n.stand_in] == []


def test_a_duplicate_is_reported_and_the_later_one_wins() -> None:
    first = manifest(ANP_KIND)
    second = manifest(ANP_KIND, (("spec", "priority"), 20))
    other_kind = manifest(CNP_KIND)  # cnp/p is another object than anp/p
    cluster, diagnostics = load(dump(first, second, other_kind))
    [dup] = diagnostics
    assert dup.code == "duplicate-object" and "AdminNetworkPolicy p" in dup.message
    assert dup.location is not None and dup.location.document == 2
    assert [(p.id, p.priority) for p in cluster.tier_policies] == [("anp/p", 20), ("cnp/p", 10)]


def test_policies_are_sorted_by_id() -> None:
    docs = [manifest(ANP_KIND, (("metadata", "name"), n)) for n in ("b", "a", "c")]
    cluster, _ = load(dump(*docs))
    assert [p.id for p in cluster.tier_policies] == ["anp/a", "anp/b", "anp/c"]


# --- Node ---------------------------------------------------------------------------------------

NODE = """\
apiVersion: v1
kind: Node
metadata:
  name: {name}
  namespace: ignored
  labels: {{role: worker}}
status:
  addresses:
  - {{type: Hostname, address: node-1}}
  - {{type: InternalIP, address: {internal}}}
  - {{type: InternalDNS, address: node-1.internal}}
  - {{type: ExternalIP, address: "2001:db8::1"}}
  - {{type: ExternalIP, address: 10.0.0.5}}
"""


def test_a_node_keeps_its_labels_and_ip_addresses() -> None:
    cluster, diagnostics = load(NODE.format(name="node-1", internal="10.0.0.5"))
    assert diagnostics == []
    [node] = cluster.nodes
    assert node.name == "node-1" and node.labels == {"role": "worker"}
    assert node.addresses == (ipaddress.ip_address("10.0.0.5"), ipaddress.ip_address("2001:db8::1"))
    assert node.origin is not None and node.origin.document == 1
    assert cluster.namespaces == () and cluster.skipped == {}


def test_a_bad_node_address_is_a_warning_for_that_entry_only() -> None:
    cluster, diagnostics = load(NODE.format(name="node-1", internal="not-an-ip"))
    [warning] = diagnostics
    assert (warning.severity, warning.code) == (Severity.WARNING, "bad-node-address")
    assert warning.location is not None
    assert (warning.location.path, warning.location.line) == (("status", "addresses", 1, "address"), 10)
    assert "'not-an-ip'" in warning.message
    [node] = cluster.nodes
    assert node.addresses == (ipaddress.ip_address("2001:db8::1"), ipaddress.ip_address("10.0.0.5"))


def test_a_node_with_a_bad_name_is_left_out() -> None:
    cluster, diagnostics = load(NODE.format(name="Node_1", internal="10.0.0.5"))
    [error] = errors(diagnostics)
    assert error.code == "bad-name" and error.location is not None
    assert (error.location.path, error.location.line) == (("metadata", "name"), 4)
    assert cluster.nodes == ()


def test_nodes_are_sorted_by_name_and_other_versions_skipped() -> None:
    text = "---\n".join(
        [
            NODE.format(name="b", internal="10.0.0.2"),
            NODE.format(name="a", internal="10.0.0.1"),
            NODE.format(name="c", internal="10.0.0.3").replace("apiVersion: v1", "apiVersion: v2"),
        ]
    )
    cluster, diagnostics = load(text)
    assert diagnostics == []
    assert [n.name for n in cluster.nodes] == ["a", "b"]
    assert cluster.skipped == {"Node": 1}


# --- grouping: replicas a tier policy tells apart are not merged ---------------------------------


def replica(name: str, labels: dict[str, str], ip: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "labels": {"app": "web", "pod-template-hash": "abc", **labels},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "controller": True}],
        },
        "status": {"podIP": ip},
    }


REPLICAS = [
    replica("web-abc-1", {"track": "stable"}, "10.0.0.5"),
    replica("web-abc-2", {"track": "canary"}, "10.1.0.6"),
]


def endpoint_ids(cluster: Cluster) -> list[str]:
    return [e.id for e in cluster.endpoints]


def test_replicas_merge_when_no_policy_tells_them_apart() -> None:
    cluster, _ = load(dump(*REPLICAS, manifest(ANP_KIND)))
    assert endpoint_ids(cluster) == ["shop/web[Deployment]"]


@pytest.mark.parametrize(
    "edit",
    [
        (
            ("spec", "subject"),
            {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"track": "canary"}}}},
        ),
        (
            (*EG0, "to"),
            [
                {
                    "pods": {
                        "namespaceSelector": {},
                        "podSelector": {"matchExpressions": [{"key": "track", "operator": "Exists"}]},
                    }
                }
            ],
        ),
    ],
    ids=["subject", "peer"],
)
def test_replicas_an_anp_pod_selector_tells_apart_stay_apart(edit: Edit) -> None:
    cluster, diagnostics = load(dump(*REPLICAS, manifest(ANP_KIND, edit)))
    assert endpoint_ids(cluster) == ["shop/web-abc-2[Pod]", "shop/web[Deployment]"]
    assert [d.code for d in diagnostics] == ["replicas-differ"]


@pytest.mark.parametrize("ipblock_matches_pods", [True, False])
def test_replicas_a_tier_network_tells_apart_stay_apart(ipblock_matches_pods: bool) -> None:
    cnp = manifest(CNP_KIND, ((*EG0, "to"), [{"networks": ["10.0.0.0/16"]}]))
    cluster, _ = load(dump(*REPLICAS, cnp), Options(ipblock_matches_pods=ipblock_matches_pods))
    assert endpoint_ids(cluster) == ["shop/web-abc-2[Pod]", "shop/web[Deployment]"]


def test_replicas_a_node_address_tells_apart_stay_apart_once_a_nodes_peer_exists() -> None:
    node = yaml.safe_load(NODE.format(name="node-1", internal="10.1.0.6"))
    merged, _ = load(dump(*REPLICAS, node, manifest(ANP_KIND)))
    assert endpoint_ids(merged) == ["shop/web[Deployment]"]
    nodes_peer = manifest(ANP_KIND, ((*EG0, "to"), [{"nodes": {}}]))
    cluster, _ = load(dump(*REPLICAS, node, nodes_peer))
    assert endpoint_ids(cluster) == ["shop/web-abc-2[Pod]", "shop/web[Deployment]"]


def test_bad_tier_input_never_raises_through_the_whole_pipeline() -> None:
    docs = [manifest(kind, *edits) for kind, edits, _, _ in NEGATIVE.values()]
    docs += [manifest(kind, *edits) for kind, edits, _ in POSITIVE.values()]
    graph = netpol.analyze_text(dump(*docs, *REPLICAS), source=SOURCE)
    located = [d for d in graph.diagnostics if d.location is not None and d.location.document is not None]
    assert all(d.location is not None and d.location.line is not None for d in located)
    assert len([d for d in graph.diagnostics if d.severity is Severity.ERROR]) >= len(NEGATIVE)
