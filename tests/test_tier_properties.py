"""The cluster-wide policy tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy): hypothesis properties of the engine against the naive oracle in
``tests/oracle_tiers.py``, and the oracle's answers on tiny hand-made clusters for the checklist of
docs/design/admin-tiers.md, section 11.

Random clusters are built as model records, never as YAML: 2-3 namespaces, 2-6 endpoints (pods with
at most one IP, some host-network with their node's IP, pod templates without pods), Node objects
with labels and addresses, 0-3 NetworkPolicies from tests/test_properties.py's generator, and 0-4
tier policies: Admin (ANP or CNP) and Baseline (CNP or the BANP singleton), priorities from a small
set so that ties happen, rules with every action, every peer kind the API allows in the direction
(and now and then a peer netpol does not know, which fails closed), numbered, ranged and named ports.
Each cluster is probed for every ordered pair of endpoints and endpoint/address, under each of
test_properties' options with stand-ins off (closed world).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle import Address, Party, oracle_allowed
from oracle_tiers import oracle_tiered
from test_properties import (
    NAMESPACES,
    NS_KEYS,
    NS_VALUES,
    OPTIONS,
    POD_IPS,
    POD_KEYS,
    POD_VALUES,
    PORT_NAMES,
    PORT_NUMBERS,
    PROTOCOLS,
    Doc,
    budget,
    container_ports,
    labels,
    policies,
    policy_doc,
    ports_of,
    selectors,
)

from netpol.core.ipspace import IPBlock
from netpol.core.ports import PortSet, Protocol
from netpol.core.selectors import LabelSelector
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.errors import Diagnostic
from netpol.model.checker import Checker
from netpol.model.cluster import Cluster, Endpoint, Namespace
from netpol.model.parse import parse_network_policy
from netpol.model.resources import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Direction,
    NetworkPolicy,
    Options,
    Origin,
    PolicyPort,
)
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

CLOSED = tuple(replace(o, stand_ins=False) for o in OPTIONS)
"""test_properties' options (ipBlocks matching pod IPs or not, host-network pods as pods), closed
world: the oracle knows no stand-in."""

ORIGIN = Origin("<generated>", 1)

NODE_NAMES = ("node-a", "node-b", "node-c")
NODE_KEYS = ("role", "zone")
NODE_VALUES = ("worker", "control", "z1")
NODE_ADDRESSES = {
    "node-a": ("172.16.0.1", "203.0.113.1"),
    "node-b": ("172.16.0.2",),
    "node-c": ("172.16.0.3", "2001:db8:ff::3"),
}
"""status.addresses of each Node; a host-network pod's IP is its node's first. node-c runs no pod."""
ENDPOINT_NODES = (None, "node-a", "node-a", "node-b")
TIER_CIDRS = (
    "10.0.0.0/8",
    "10.0.0.0/29",
    "10.0.0.4/32",
    "192.168.1.0/24",
    "172.16.0.0/24",
    "172.16.0.2/32",
    "203.0.113.0/24",
    "8.8.8.8/32",
    "0.0.0.0/0",
    "2001:db8::/32",
    "::/0",
)
PROBE_ADDRESSES = (
    "10.0.0.3",
    "192.168.1.7",
    "8.8.8.8",
    "1.1.1.1",
    "2001:db8::1",
    "172.16.0.1",
    "172.16.0.2",
    "172.16.0.3",
    "203.0.113.1",
    "203.0.113.7",
    "2001:db8:ff::3",
)
"""Addresses every cluster is probed from and to; one an endpoint holds is probed as that endpoint."""
PRIORITIES = (0, 5, 5, 5, 10)
"""Few, so that equal priorities (ordered by ``TierPolicy.order``) happen."""
IP_PEERS = (PeerKind.NODES, PeerKind.NETWORKS, PeerKind.DOMAIN_NAMES)


def ip(text: str) -> Address:
    return ipaddress.ip_address(text)


def block(cidr: str) -> IPBlock:
    return IPBlock(ipaddress.ip_network(cidr))


def parsed_selector(doc: Doc) -> LabelSelector:
    sink: list[Diagnostic] = []
    selector = Checker(ORIGIN, "LabelSelector", sink).selector(doc, [])
    assert not sink, sink
    return selector


def parsed_policy(doc: Doc, document: int) -> NetworkPolicy:
    sink: list[Diagnostic] = []
    policy = parse_network_policy(doc, Origin("<generated>", document), sink, "default")
    assert policy is not None and not sink, (doc, [str(d) for d in sink])
    return policy


# -- strategies --------------------------------------------------------------------------------------


def label_selectors(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[LabelSelector]:
    """test_properties' selectors, and more often ``{}``: tier policies mostly select broadly, and
    narrow random selectors would leave most rules matching nothing."""
    return st.one_of(st.just(LabelSelector()), selectors(keys, values).map(parsed_selector))


@st.composite
def node_specs(draw: st.DrawFn) -> tuple[NodeSpec, ...]:
    """Some of the three Nodes (a pod's node need not be in the input)."""
    chosen = draw(st.lists(st.sampled_from(NODE_NAMES), unique=True, max_size=3))
    return tuple(
        NodeSpec(name, draw(labels(NODE_KEYS, NODE_VALUES, 0, 2)), tuple(map(ip, NODE_ADDRESSES[name])))
        for name in sorted(chosen)
    )


@st.composite
def named_container_ports(draw: st.DrawFn) -> tuple[ContainerPort, ...]:
    """test_properties' container ports, and one in two times one more named port (of a number
    those never use), so that the tier rules' named ports find a port by that name more often."""
    ports = ports_of({"containers": [{"ports": draw(container_ports())}]})
    extra = draw(st.sampled_from((None, None, *PORT_NAMES)))
    if extra is None or any(p.name == extra for p in ports):
        return ports
    protocol = Protocol(draw(st.sampled_from(PROTOCOLS)) or "TCP")
    return (*ports, ContainerPort(draw(st.sampled_from((8081, 8443))), protocol, extra))


@st.composite
def tier_endpoints(draw: st.DrawFn, index: int, namespaces: list[str], addresses: list[str]) -> Endpoint:
    """A running pod (at most one IP, from ``addresses``, the shared pool), a host-network pod with
    its node's IP, or a pod template without pods."""
    namespace = draw(st.sampled_from(namespaces))
    kind = draw(st.sampled_from(("Pod", "Pod", "Pod", "Deployment")))
    host_network = draw(st.integers(0, 3)) == 0
    node = draw(st.sampled_from(ENDPOINT_NODES)) if kind == "Pod" else None
    ips: tuple[Address, ...] = ()
    if kind == "Pod":
        if host_network:
            ips = (ip(NODE_ADDRESSES[node][0]),) if node is not None else ()
        elif addresses and draw(st.integers(0, 5)) > 0:
            ips = (ip(addresses.pop()),)
    name = f"e{index}"
    return Endpoint(
        namespace,
        name,
        kind,
        draw(labels(POD_KEYS, POD_VALUES)),
        draw(named_container_ports()),
        ips,
        host_network,
        (node,) if node is not None else (),
        (name,) if kind == "Pod" else (),
    )


@st.composite
def tier_peers(draw: st.DrawFn, direction: Direction, kind: str) -> TierPeer:
    """A peer of a kind the API allows in ``direction`` (ingress: namespaces and pods only; the BANP
    has no domainNames), or now and then one netpol does not know."""
    kinds = [PeerKind.NAMESPACES] * 3 + [PeerKind.PODS] * 3
    if direction is Direction.EGRESS:
        kinds += [PeerKind.NODES] * 2 + [PeerKind.NETWORKS] * 3
        if kind != BANP_KIND:
            kinds.append(PeerKind.DOMAIN_NAMES)
    peer_kind = draw(st.sampled_from([*kinds, PeerKind.UNKNOWN]))
    if peer_kind is PeerKind.NAMESPACES:
        return TierPeer(peer_kind, namespace_selector=draw(label_selectors(NS_KEYS, NS_VALUES)))
    if peer_kind is PeerKind.PODS:
        optional = kind == CNP_KIND and draw(st.booleans())  # v1alpha2: namespaceSelector is optional
        namespaces = None if optional else draw(label_selectors(NS_KEYS, NS_VALUES))
        return TierPeer(
            peer_kind, namespace_selector=namespaces, pod_selector=draw(label_selectors(POD_KEYS, POD_VALUES))
        )
    if peer_kind is PeerKind.NODES:
        return TierPeer(peer_kind, node_selector=draw(label_selectors(NODE_KEYS, NODE_VALUES)))
    if peer_kind is PeerKind.NETWORKS:
        cidrs = draw(st.lists(st.sampled_from(TIER_CIDRS), min_size=1, max_size=2, unique=True))
        return TierPeer(peer_kind, networks=tuple(map(block, cidrs)))
    if peer_kind is PeerKind.DOMAIN_NAMES:
        return TierPeer(peer_kind, domain_names=("*.example.com",))
    return TierPeer(PeerKind.UNKNOWN)


@st.composite
def tier_rules(draw: st.DrawFn, index: int, direction: Direction, kind: str) -> TierRule:
    actions = [TierAction.ALLOW, TierAction.DENY]
    if kind != BANP_KIND:  # the BANP's action enum is Allow|Deny
        actions.append(TierAction.PASS)
    action = draw(st.sampled_from(actions))
    word = "Accept" if kind == CNP_KIND and action is TierAction.ALLOW else action.value
    peers = tuple(draw(tier_peers(direction, kind)) for _ in range(draw(st.sampled_from((1, 1, 2)))))
    # The CEL rule: no named port with networks/nodes/domainNames peers.
    may_name = not any(p.kind in IP_PEERS for p in peers)
    ports: list[PolicyPort] = []
    named: list[str] = []
    for _ in range(draw(st.sampled_from((0, 0, 1, 2)))):  # 0: no ports, every port
        shapes = ("number", "range", "named", "named") if may_name else ("number", "range")
        shape = draw(st.sampled_from(shapes))
        protocol = Protocol(draw(st.sampled_from(PROTOCOLS)) or "TCP")  # "defaults to TCP"
        start = draw(st.sampled_from(PORT_NUMBERS))
        if shape == "number":
            ports.append(PolicyPort(protocol, start))
        elif shape == "range":
            ports.append(
                PolicyPort(protocol, start, min(65535, start + draw(st.sampled_from((1, 10, 1000)))))
            )
        else:
            named.append(draw(st.sampled_from(PORT_NAMES)))
    return TierRule(index, action, word, peers, tuple(ports), tuple(dict.fromkeys(named)))


@st.composite
def tier_policies(draw: st.DrawFn, index: int, banp_free: bool) -> TierPolicy:
    kinds = [(ANP_KIND, Tier.ADMIN), (CNP_KIND, Tier.ADMIN), (CNP_KIND, Tier.BASELINE)]
    if banp_free:
        kinds.append((BANP_KIND, Tier.BASELINE))
    kind, tier = draw(st.sampled_from(kinds))
    if draw(st.booleans()):
        subject = TierSubject(draw(label_selectors(NS_KEYS, NS_VALUES)))
    else:
        optional = kind == CNP_KIND and draw(st.booleans())
        namespaces = None if optional else draw(label_selectors(NS_KEYS, NS_VALUES))
        subject = TierSubject(namespaces, draw(label_selectors(POD_KEYS, POD_VALUES)))
    counts = (0, 1, 1, 2, 3)
    ingress = tuple(
        draw(tier_rules(i, Direction.INGRESS, kind)) for i in range(draw(st.sampled_from(counts)))
    )
    egress = tuple(draw(tier_rules(i, Direction.EGRESS, kind)) for i in range(draw(st.sampled_from(counts))))
    if kind == BANP_KIND:
        return TierPolicy(kind, "default", tier, None, subject, ingress, egress, ORIGIN)
    # Names start with "t": the fixed policies of the properties below sort before them.
    priority = draw(st.sampled_from(PRIORITIES))
    return TierPolicy(kind, f"t{index}", tier, priority, subject, ingress, egress, ORIGIN)


@st.composite
def tiered_clusters(draw: st.DrawFn) -> Cluster:
    names = draw(st.lists(st.sampled_from(NAMESPACES), min_size=2, max_size=3, unique=True))
    namespaces = []
    for name in names:
        declared = draw(st.integers(0, 4)) > 0  # referenced but not declared: only its name label
        own = draw(labels(NS_KEYS[:2], NS_VALUES[:2])) if declared else {}
        namespaces.append(Namespace(name, {**own, NAMESPACE_NAME_LABEL: name}, declared))
    addresses = list(draw(st.permutations(POD_IPS)))
    endpoints = [draw(tier_endpoints(i, names, addresses)) for i in range(draw(st.integers(2, 6)))]
    network_policies = [
        parsed_policy(draw(policies(i, names)), i + 1)
        for i in range(draw(st.sampled_from((0, 0, 1, 1, 2, 3))))
    ]
    tier: list[TierPolicy] = []
    for i in range(draw(st.sampled_from((0, 1, 1, 2, 2, 3, 4)))):
        tier.append(draw(tier_policies(i, not any(p.kind == BANP_KIND for p in tier))))
    return Cluster(
        tuple(namespaces),
        tuple(sorted(endpoints, key=lambda e: e.id)),
        tuple(sorted(network_policies, key=lambda p: p.id)),
        tier_policies=tuple(sorted(tier, key=lambda p: p.id)),
        nodes=draw(node_specs()),
    )


# -- helpers ------------------------------------------------------------------------------------------


def parties(cluster: Cluster) -> list[Party]:
    """Every endpoint, then every probe address no endpoint holds."""
    held = {a for e in cluster.endpoints for a in e.ips}
    return [*cluster.endpoints, *(a for a in map(ip, PROBE_ADDRESSES) if a not in held)]


def pairs(cluster: Cluster) -> Iterator[tuple[Party, Party]]:
    """Ordered pairs of parties, address to address left out."""
    everyone = parties(cluster)
    for src in everyone:
        for dst in everyone:
            if isinstance(src, Endpoint) or isinstance(dst, Endpoint):
                yield src, dst


def node_of(graph: AllowGraph, party: Party) -> int:
    return graph.resolve(party.id if isinstance(party, Endpoint) else str(party))


def who(party: Party) -> str:
    return party.id if isinstance(party, Endpoint) else str(party)


Judge = Callable[[Party, Party], PortSet]


def judge(which: str, cluster: Cluster, options: Options) -> Judge:
    """``oracle``: oracle_tiered; ``engine``: the compiled graph, an address resolved as the CLI does."""
    if which == "oracle":
        return lambda src, dst: oracle_tiered(cluster, options, src, dst)
    graph = compile_graph(cluster, options)
    return lambda src, dst: graph.allowed_between(node_of(graph, src), node_of(graph, dst))


JUDGES = ("oracle", "engine")


def show(cluster: Cluster) -> str:
    """The cluster in a few lines, for a failure message."""
    lines = [f"namespace {ns.name} {dict(ns.labels)}" for ns in cluster.namespaces]
    lines += [f"node {n.name} {dict(n.labels)} {', '.join(map(str, n.addresses))}" for n in cluster.nodes]
    for e in cluster.endpoints:
        ports = ", ".join(f"{p.protocol.value} {p.port}{f' ({p.name})' if p.name else ''}" for p in e.ports)
        host = " hostNetwork" if e.host_network else ""
        lines.append(
            f"endpoint {e.id} {dict(e.labels)} ips {', '.join(map(str, e.ips)) or '-'}"
            f" nodes {', '.join(e.nodes) or '-'}{host} ports [{ports}]"
        )
    for pol in cluster.policies:
        types = ",".join(sorted(t.value for t in pol.policy_types))
        lines.append(f"networkpolicy {pol.id} podSelector {pol.pod_selector} policyTypes {types}")
        for d in Direction:
            lines += [f"  {d.value} #{r.index}: {r.describe()}" for r in pol.rules(d)]
    for tp in cluster.tier_policies:
        lines.append(f"{tp.describe()}, subject {tp.subject}")
        for d in Direction:
            lines += [f"  {d.value} #{r.index} {r.word}: {r.describe()}" for r in tp.rules(d)]
    return "\n".join(lines)


def with_tier_policy(cluster: Cluster, policy: TierPolicy) -> Cluster:
    return replace(cluster, tier_policies=tuple(sorted((*cluster.tier_policies, policy), key=lambda p: p.id)))


def rule(
    action: TierAction, *peers: TierPeer, ports: tuple[PolicyPort, ...] = (), named: tuple[str, ...] = ()
) -> TierRule:
    """A rule; its index is set by :func:`tier_policy`."""
    return TierRule(0, action, action.value, peers, ports, named)


def tier_policy(
    kind: str,
    tier: Tier,
    priority: int | None,
    subject: TierSubject,
    ingress: tuple[TierRule, ...] = (),
    egress: tuple[TierRule, ...] = (),
    name: str | None = None,
) -> TierPolicy:
    """A tier policy with its rules numbered in written order (and a CNP's Allow spelled Accept)."""

    def numbered(rules: tuple[TierRule, ...]) -> tuple[TierRule, ...]:
        return tuple(
            replace(
                r, index=i, word="Accept" if kind == CNP_KIND and r.action is TierAction.ALLOW else r.word
            )
            for i, r in enumerate(rules)
        )

    if name is None:
        name = "default" if kind == BANP_KIND else f"prio-{priority}"
    return TierPolicy(kind, name, tier, priority, subject, numbered(ingress), numbered(egress), ORIGIN)


EVERY_NAMESPACE = LabelSelector()
ALL_PODS = TierSubject(EVERY_NAMESPACE)
ANY_POD = TierPeer(PeerKind.NAMESPACES, namespace_selector=EVERY_NAMESPACE)
ANY_ADDRESS = TierPeer(PeerKind.NETWORKS, networks=(block("0.0.0.0/0"), block("::/0")))


def everything(action: TierAction, name: str) -> TierPolicy:
    """An Admin CNP at priority 0, ahead of every generated one (CNPs first, then by name), that
    applies ``action`` to every pod, from every pod and to every pod and address."""
    return tier_policy(
        CNP_KIND,
        Tier.ADMIN,
        0,
        ALL_PODS,
        ingress=(rule(action, ANY_POD),),
        egress=(rule(action, ANY_POD), rule(action, ANY_ADDRESS)),
        name=name,
    )


def pod_pairs(cluster: Cluster) -> Iterator[tuple[Endpoint, Party]]:
    """Each non-host-network endpoint toward each other one, toward itself unless it is a Pod (two
    replicas), and toward every probe address no endpoint holds."""
    pods = [e for e in cluster.endpoints if not e.host_network]
    for src in pods:
        for dst in parties(cluster):
            if isinstance(dst, Endpoint) and (dst.host_network or (dst == src and src.kind == "Pod")):
                continue
            yield src, dst


# -- properties ---------------------------------------------------------------------------------------


@budget(300)
@given(tiered_clusters())
def test_the_engine_agrees_with_the_tier_oracle(cluster: Cluster) -> None:
    """(a) For every ordered pair of endpoints and endpoint/address, under each option."""
    for options in CLOSED:
        graph = compile_graph(cluster, options)
        for src, dst in pairs(cluster):
            expected = oracle_tiered(cluster, options, src, dst)
            actual = graph.allowed_between(node_of(graph, src), node_of(graph, dst))
            assert actual == expected, (
                f"{who(src)} -> {who(dst)} with {options}: oracle says {expected}, engine says "
                f"{actual}\n{show(cluster)}"
            )


@budget(200)
@given(tiered_clusters())
def test_without_tier_policies_the_answer_is_the_networkpolicy_one(cluster: Cluster) -> None:
    """(b) Stripped of its tier policies, a cluster gets tests/oracle.py's answer, from the tier
    oracle and from the engine alike."""
    stripped = replace(cluster, tier_policies=())
    for options in CLOSED:
        graph = compile_graph(stripped, options)
        for src, dst in pairs(cluster):
            expected = oracle_allowed(cluster, options, src, dst)
            where = f"{who(src)} -> {who(dst)} with {options}"
            tiered = oracle_tiered(stripped, options, src, dst)
            assert tiered == expected, f"{where}: tier oracle {tiered}, oracle {expected}\n{show(stripped)}"
            actual = graph.allowed_between(node_of(graph, src), node_of(graph, dst))
            assert actual == expected, f"{where}: engine {actual}, oracle {expected}\n{show(stripped)}"


@pytest.mark.parametrize("which", JUDGES)
@budget(200)
@given(tiered_clusters())
def test_an_admin_deny_of_everything_denies_every_pod_pair(which: str, cluster: Cluster) -> None:
    """(c) Priority 0, subject ``namespaces: {}``: ingress Deny from ``namespaces: {}``, egress Deny
    to ``namespaces: {}`` and to ``networks: [0.0.0.0/0, ::/0]``. Nothing is left between two pods
    (host-network ones aside, a Pod to itself aside), nor from a pod to any address."""
    denied = with_tier_policy(cluster, everything(TierAction.DENY, "a-deny-everything"))
    for options in CLOSED:
        allowed = judge(which, denied, options)
        for src, dst in pod_pairs(denied):
            ports = allowed(src, dst)
            assert not ports, f"{which}: {who(src)} -> {who(dst)} with {options}: {ports}\n{show(denied)}"


@pytest.mark.parametrize("which", JUDGES)
@budget(100)
@given(tiered_clusters())
def test_an_admin_allow_of_everything_allows_every_pod_pair(which: str, cluster: Cluster) -> None:
    """The same policy with Allow: every port between two pods and from a pod to any address,
    whatever the NetworkPolicies and the Baseline tier say."""
    allowed_all = with_tier_policy(cluster, everything(TierAction.ALLOW, "a-allow-everything"))
    for options in CLOSED:
        allowed = judge(which, allowed_all, options)
        for src, dst in pod_pairs(allowed_all):
            ports = allowed(src, dst)
            assert ports.is_all(), f"{which}: {who(src)} -> {who(dst)} with {options}: {ports}"


@pytest.mark.parametrize("which", JUDGES)
@budget(100)
@given(tiered_clusters())
def test_an_admin_pass_of_everything_hides_the_admin_tier(which: str, cluster: Cluster) -> None:
    """The same policy with Pass skips every lower-precedence Admin policy: between two pods and from
    a pod to an address the answer is that of the cluster without its Admin tier."""
    passed = with_tier_policy(cluster, everything(TierAction.PASS, "a-pass-everything"))
    no_admin = replace(
        cluster, tier_policies=tuple(p for p in cluster.tier_policies if p.tier is Tier.BASELINE)
    )
    for options in CLOSED:
        allowed, expected = judge(which, passed, options), judge(which, no_admin, options)
        for src, dst in pod_pairs(passed):
            assert allowed(src, dst) == expected(src, dst), (
                f"{which}: {who(src)} -> {who(dst)} with {options}\n{show(passed)}"
            )


# -- the checklist of docs/design/admin-tiers.md, section 11 ----------------------------------------


def sel(**match: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(match.items())))


def team(value: str) -> LabelSelector:
    return sel(team=value)


def pod(
    where: str,
    address: str | None = None,
    *,
    ports: tuple[ContainerPort, ...] = (),
    host_network: bool = False,
    node: str | None = None,
    kind: str = "Pod",
) -> Endpoint:
    namespace, _, pod_name = where.partition("/")
    return Endpoint(
        namespace,
        pod_name,
        kind,
        {"app": pod_name},
        ports,
        (ip(address),) if address else (),
        host_network,
        (node,) if node else (),
        (pod_name,) if kind == "Pod" else (),
    )


def networkpolicy(namespace: str, spec: Doc, policy_name: str = "np") -> NetworkPolicy:
    return parsed_policy(policy_doc(policy_name, namespace, spec), 1)


def cluster_of(
    endpoints: tuple[Endpoint, ...],
    tiers: tuple[TierPolicy, ...] = (),
    nps: tuple[NetworkPolicy, ...] = (),
    nodes: tuple[NodeSpec, ...] = (),
) -> Cluster:
    """Namespaces are those of the endpoints and policies, each labelled ``team: <its name>``."""
    names = sorted({e.namespace for e in endpoints} | {p.namespace for p in nps})
    return Cluster(
        tuple(Namespace(n, {"team": n, NAMESPACE_NAME_LABEL: n}, True) for n in names),
        tuple(sorted(endpoints, key=lambda e: e.id)),
        tuple(sorted(nps, key=lambda p: p.id)),
        tier_policies=tuple(sorted(tiers, key=lambda p: p.id)),
        nodes=nodes,
    )


@dataclass(frozen=True)
class Case:
    id: str
    cluster: Cluster
    src: str
    dst: str
    expected: PortSet
    options: Options = CLOSED[0]

    def party(self, text: str) -> Party:
        found = next((e for e in self.cluster.endpoints if e.id == text), None)
        return found if found is not None else ip(text)


X = pod("a/x", "10.0.0.1")
Y = pod("b/y", "10.0.0.2")
Z = pod("c/z", "10.0.0.3")
XY = (X, Y)
FROM_A = TierPeer(PeerKind.NAMESPACES, namespace_selector=team("a"))
TO_B = TierPeer(PeerKind.NAMESPACES, namespace_selector=team("b"))
TO_C = TierPeer(PeerKind.NAMESPACES, namespace_selector=team("c"))
IN_A, IN_B = TierSubject(team("a")), TierSubject(team("b"))
ALL, NONE = PortSet.all(), PortSet.none()
ALLOW, DENY, PASS = TierAction.ALLOW, TierAction.DENY, TierAction.PASS
DENY_INGRESS_B = networkpolicy("b", {"podSelector": {}, "policyTypes": ["Ingress"]}, "deny-ingress")
ALLOW_A_INTO_B = networkpolicy(
    "b", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "a"}}}]}]}
)


def anp(
    priority: int, subject: TierSubject, ingress: tuple[TierRule, ...] = (), egress: tuple[TierRule, ...] = ()
) -> TierPolicy:
    return tier_policy(ANP_KIND, Tier.ADMIN, priority, subject, ingress, egress)


def admin_cnp(
    priority: int, subject: TierSubject, ingress: tuple[TierRule, ...] = (), egress: tuple[TierRule, ...] = ()
) -> TierPolicy:
    return tier_policy(CNP_KIND, Tier.ADMIN, priority, subject, ingress, egress)


def baseline_cnp(
    priority: int, subject: TierSubject, ingress: tuple[TierRule, ...] = (), egress: tuple[TierRule, ...] = ()
) -> TierPolicy:
    return tier_policy(CNP_KIND, Tier.BASELINE, priority, subject, ingress, egress)


def banp(
    subject: TierSubject, ingress: tuple[TierRule, ...] = (), egress: tuple[TierRule, ...] = ()
) -> TierPolicy:
    return tier_policy(BANP_KIND, Tier.BASELINE, None, subject, ingress, egress)


def all_but(protocol: str, lo: int, hi: int | None = None) -> PortSet:
    return ALL - PortSet.of(protocol, lo, hi)


HOST = pod("a/host", "172.16.0.1", host_network=True, node="n1")
NEAR = pod("a/near", "10.0.0.9", node="n1")
NODE_1 = NodeSpec("n1", {"role": "control"}, (ip("172.16.0.1"), ip("172.16.0.10")))
NODE_2 = NodeSpec("n2", {"role": "worker"}, (ip("172.16.0.20"),))
HTTP_TCP = pod("b/web", "10.0.0.4", ports=(ContainerPort(8080, Protocol.TCP, "http"),))
HTTP_UDP = pod("b/quic", "10.0.0.5", ports=(ContainerPort(8443, Protocol.UDP, "http"),))
NO_HTTP = pod("b/plain", "10.0.0.6", ports=(ContainerPort(8080, Protocol.TCP, "web"),))
TEMPLATE = pod("a/tmpl", kind="Deployment")
DENY_ALL_ADMIN = everything(DENY, "deny-everything")

CHECKLIST = (
    # 1. ANP priority order: lower number first (NetworkPolicy denies, so each verdict is the ANPs').
    Case(
        "1+ priority 10 Deny before priority 20 Allow",
        cluster_of(
            XY,
            (anp(10, IN_B, ingress=(rule(DENY, FROM_A),)), anp(20, IN_B, ingress=(rule(ALLOW, FROM_A),))),
            (DENY_INGRESS_B,),
        ),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "1- priority 10 Allow before priority 20 Deny",
        cluster_of(
            XY,
            (anp(10, IN_B, ingress=(rule(ALLOW, FROM_A),)), anp(20, IN_B, ingress=(rule(DENY, FROM_A),))),
            (DENY_INGRESS_B,),
        ),
        X.id,
        Y.id,
        ALL,
    ),
    # 2. First match wins within a policy.
    Case(
        "2+ rule 1 Allow, rule 2 Deny",
        cluster_of(
            XY,
            (
                anp(
                    5,
                    IN_B,
                    ingress=(
                        rule(ALLOW, FROM_A),
                        rule(DENY, FROM_A),
                    ),
                ),
            ),
            (DENY_INGRESS_B,),
        ),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "2- rule 1 Deny, rule 2 Allow",
        cluster_of(
            XY,
            (
                anp(
                    5,
                    IN_B,
                    ingress=(
                        rule(DENY, FROM_A),
                        rule(ALLOW, FROM_A),
                    ),
                ),
            ),
            (DENY_INGRESS_B,),
        ),
        X.id,
        Y.id,
        NONE,
    ),
    # 3. ANP Allow overrides NetworkPolicy.
    Case(
        "3+ ANP Allow over a NetworkPolicy default deny",
        cluster_of(XY, (anp(5, IN_B, ingress=(rule(ALLOW, FROM_A),)),), (DENY_INGRESS_B,)),
        X.id,
        Y.id,
        ALL,
    ),
    Case("3- the default deny alone", cluster_of(XY, (), (DENY_INGRESS_B,)), X.id, Y.id, NONE),
    # 4. ANP Deny beats a NetworkPolicy allow.
    Case(
        "4+ ANP Deny over a NetworkPolicy allow",
        cluster_of(XY, (anp(5, IN_B, ingress=(rule(DENY, FROM_A),)),), (ALLOW_A_INTO_B,)),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "4- ANP Deny of another namespace",
        cluster_of(XY, (anp(5, IN_B, ingress=(rule(DENY, TO_C),)),), (ALLOW_A_INTO_B,)),
        X.id,
        Y.id,
        ALL,
    ),
    # 5. ANP Pass: NetworkPolicy decides.
    Case(
        "5+ Pass, the NetworkPolicy allows",
        cluster_of(XY, (anp(5, IN_B, ingress=(rule(PASS, FROM_A),)),), (ALLOW_A_INTO_B,)),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "5- Pass, the NetworkPolicy isolates with no rule for a",
        cluster_of(XY, (anp(5, IN_B, ingress=(rule(PASS, FROM_A),)),), (DENY_INGRESS_B,)),
        X.id,
        Y.id,
        NONE,
    ),
    # 6. ANP Pass, no NetworkPolicy selects the pod: the BANP decides.
    Case(
        "6+ Pass, BANP Deny",
        cluster_of(
            XY, (anp(5, IN_B, ingress=(rule(PASS, FROM_A),)), banp(IN_B, ingress=(rule(DENY, FROM_A),)))
        ),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "6- Pass, no BANP: default allow",
        cluster_of(XY, (anp(5, IN_B, ingress=(rule(PASS, FROM_A),)),)),
        X.id,
        Y.id,
        ALL,
    ),
    # 7. Pass skips lower-precedence ANPs too.
    Case(
        "7+ priority 1 Pass, priority 2 Deny",
        cluster_of(
            XY, (anp(1, IN_B, ingress=(rule(PASS, FROM_A),)), anp(2, IN_B, ingress=(rule(DENY, FROM_A),)))
        ),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "7- priority 2 Deny alone",
        cluster_of(XY, (anp(2, IN_B, ingress=(rule(DENY, FROM_A),)),)),
        X.id,
        Y.id,
        NONE,
    ),
    # 8. NetworkPolicy isolation hides the BANP.
    Case(
        "8+ NetworkPolicy allows, BANP Deny",
        cluster_of(XY, (banp(IN_B, ingress=(rule(DENY, FROM_A),)),), (ALLOW_A_INTO_B,)),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "8- BANP Deny without the NetworkPolicy",
        cluster_of(XY, (banp(IN_B, ingress=(rule(DENY, FROM_A),)),)),
        X.id,
        Y.id,
        NONE,
    ),
    # 9. The BANP applies only where no NetworkPolicy isolates that direction.
    Case(
        "9+ NetworkPolicy isolates egress only, BANP ingress Deny",
        cluster_of(
            XY,
            (banp(IN_B, ingress=(rule(DENY, FROM_A),)),),
            (networkpolicy("b", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}),),
        ),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "9- NetworkPolicy isolates ingress and allows a",
        cluster_of(XY, (banp(IN_B, ingress=(rule(DENY, FROM_A),)),), (ALLOW_A_INTO_B,)),
        X.id,
        Y.id,
        ALL,
    ),
    # 12. Per-direction independence: an egress Accept leaves the destination's ingress to decide
    # (a BANP egress Deny shows the Accept did decide the egress).
    Case(
        "12+ egress Accept, the destination's NetworkPolicy denies",
        cluster_of(
            XY,
            (admin_cnp(5, IN_A, egress=(rule(ALLOW, TO_B),)), banp(IN_A, egress=(rule(DENY, TO_B),))),
            (DENY_INGRESS_B,),
        ),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "12- egress Accept, no ingress policy at the destination",
        cluster_of(
            XY, (admin_cnp(5, IN_A, egress=(rule(ALLOW, TO_B),)), banp(IN_A, egress=(rule(DENY, TO_B),)))
        ),
        X.id,
        Y.id,
        ALL,
    ),
    # 13. Admin Accept ends Admin ingress processing.
    Case(
        "13+ priority 1 Accept, priority 2 Deny",
        cluster_of(
            XY,
            (
                admin_cnp(1, IN_B, ingress=(rule(ALLOW, FROM_A),)),
                admin_cnp(2, IN_B, ingress=(rule(DENY, FROM_A),)),
            ),
        ),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "13- priority 1 Deny, priority 2 Accept",
        cluster_of(
            XY,
            (
                admin_cnp(1, IN_B, ingress=(rule(DENY, FROM_A),)),
                admin_cnp(2, IN_B, ingress=(rule(ALLOW, FROM_A),)),
            ),
        ),
        X.id,
        Y.id,
        NONE,
    ),
    # 14. No ingress rules: ingress unaffected, and the other way round.
    Case(
        "14+ an ingress-only Deny leaves the subject's egress alone",
        cluster_of((X, Z), (admin_cnp(5, IN_A, ingress=(rule(DENY, ANY_POD),)),)),
        X.id,
        Z.id,
        ALL,
    ),
    Case(
        "14+ an ingress-only Deny denies the subject's ingress",
        cluster_of((X, Z), (admin_cnp(5, IN_A, ingress=(rule(DENY, ANY_POD),)),)),
        Z.id,
        X.id,
        NONE,
    ),
    Case(
        "14- an egress Deny to c added",
        cluster_of((X, Z), (admin_cnp(5, IN_A, ingress=(rule(DENY, ANY_POD),), egress=(rule(DENY, TO_C),)),)),
        X.id,
        Z.id,
        NONE,
    ),
    # 17. Host-network pods are not subjects.
    Case(
        "17+ a host-network pod's egress is not the subject's",
        cluster_of((X, HOST), (anp(5, ALL_PODS, egress=(rule(DENY, ANY_ADDRESS),)),)),
        HOST.id,
        "8.8.8.8",
        ALL,
    ),
    Case(
        "17- a pod of the same namespace is",
        cluster_of((X, HOST), (anp(5, ALL_PODS, egress=(rule(DENY, ANY_ADDRESS),)),)),
        X.id,
        "8.8.8.8",
        NONE,
    ),
    # 18. Host-network pods are not namespaces/pods peers.
    Case(
        "18+ to a host-network pod",
        cluster_of((X, Y, HOST), (anp(5, ALL_PODS, egress=(rule(DENY, ANY_POD),)),)),
        X.id,
        HOST.id,
        ALL,
    ),
    Case(
        "18- to a pod",
        cluster_of((X, Y, HOST), (anp(5, ALL_PODS, egress=(rule(DENY, ANY_POD),)),)),
        X.id,
        Y.id,
        NONE,
    ),
    # 19. nodes peers match the IPs of the Nodes' status.addresses.
    Case(
        "19+ to a Node's address",
        cluster_of(
            (X, Y),
            (anp(5, ALL_PODS, egress=(rule(DENY, TierPeer(PeerKind.NODES, node_selector=sel())),)),),
            nodes=(NODE_1, NODE_2),
        ),
        X.id,
        "172.16.0.10",
        NONE,
    ),
    Case(
        "19+ to a host-network pod with its Node's address",
        cluster_of(
            (X, HOST),
            (anp(5, ALL_PODS, egress=(rule(DENY, TierPeer(PeerKind.NODES, node_selector=sel())),)),),
            nodes=(NODE_1,),
        ),
        X.id,
        HOST.id,
        NONE,
    ),
    Case(
        "19- to an address no Node has",
        cluster_of(
            (X, Y),
            (anp(5, ALL_PODS, egress=(rule(DENY, TierPeer(PeerKind.NODES, node_selector=sel())),)),),
            nodes=(NODE_1, NODE_2),
        ),
        X.id,
        "172.16.0.99",
        ALL,
    ),
    Case(
        "19- to a pod",
        cluster_of(
            (X, Y),
            (anp(5, ALL_PODS, egress=(rule(DENY, TierPeer(PeerKind.NODES, node_selector=sel())),)),),
            nodes=(NODE_1, NODE_2),
        ),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "19- to a Node the selector leaves out",
        cluster_of(
            (X, Y),
            (
                anp(
                    5,
                    ALL_PODS,
                    egress=(rule(DENY, TierPeer(PeerKind.NODES, node_selector=sel(role="control"))),),
                ),
            ),
            nodes=(NODE_1, NODE_2),
        ),
        X.id,
        "172.16.0.20",
        ALL,
    ),
    # 20. networks match pod IPs too, whatever ipBlocks do.
    Case(
        "20+ a pod in 10.0.0.0/8",
        cluster_of(
            (X, pod("b/in", "10.1.2.3")),
            (
                anp(
                    5,
                    ALL_PODS,
                    egress=(rule(DENY, TierPeer(PeerKind.NETWORKS, networks=(block("10.0.0.0/8"),))),),
                ),
            ),
        ),
        X.id,
        "b/in[Pod]",
        NONE,
    ),
    Case(
        "20+ a pod in 10.0.0.0/8, ipBlocks not matching pods",
        cluster_of(
            (X, pod("b/in", "10.1.2.3")),
            (
                anp(
                    5,
                    ALL_PODS,
                    egress=(rule(DENY, TierPeer(PeerKind.NETWORKS, networks=(block("10.0.0.0/8"),))),),
                ),
            ),
        ),
        X.id,
        "b/in[Pod]",
        NONE,
        CLOSED[1],
    ),
    Case(
        "20- a pod outside it",
        cluster_of(
            (X, pod("b/out", "192.168.1.5")),
            (
                anp(
                    5,
                    ALL_PODS,
                    egress=(rule(DENY, TierPeer(PeerKind.NETWORKS, networks=(block("10.0.0.0/8"),))),),
                ),
            ),
        ),
        X.id,
        "b/out[Pod]",
        ALL,
    ),
    # 21. Pass before networks.
    Case(
        "21+ Pass pods, then Deny 0.0.0.0/0: pod to pod",
        cluster_of(
            XY,
            (
                anp(
                    5,
                    ALL_PODS,
                    egress=(
                        rule(PASS, ANY_POD),
                        rule(DENY, ANY_ADDRESS),
                    ),
                ),
            ),
        ),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "21+ Pass pods, then Deny 0.0.0.0/0: pod to an address",
        cluster_of(
            XY,
            (
                anp(
                    5,
                    ALL_PODS,
                    egress=(
                        rule(PASS, ANY_POD),
                        rule(DENY, ANY_ADDRESS),
                    ),
                ),
            ),
        ),
        X.id,
        "203.0.113.7",
        NONE,
    ),
    Case(
        "21- Deny 0.0.0.0/0 alone: pod to pod",
        cluster_of(XY, (anp(5, ALL_PODS, egress=(rule(DENY, ANY_ADDRESS),)),)),
        X.id,
        Y.id,
        NONE,
    ),
    # 24. No ports: every port of every protocol.
    Case(
        "24+ no ports", cluster_of(XY, (anp(5, ALL_PODS, egress=(rule(DENY, ANY_POD),)),)), X.id, Y.id, NONE
    ),
    # 25. portNumber's protocol defaults to TCP.
    Case(
        "25+ {port: 80} is TCP 80 only",
        cluster_of(XY, (anp(5, ALL_PODS, egress=(rule(DENY, ANY_POD, ports=(PolicyPort(port=80),)),)),)),
        X.id,
        Y.id,
        all_but("TCP", 80),
    ),
    # 26. portRange is inclusive.
    Case(
        "26+ 8000-8080 from 8000 to 8080",
        cluster_of(
            XY,
            (anp(5, ALL_PODS, egress=(rule(DENY, ANY_POD, ports=(PolicyPort(Protocol.TCP, 8000, 8080),)),)),),
        ),
        X.id,
        Y.id,
        all_but("TCP", 8000, 8080),
    ),
    # 28. A named port is the destination's containerPort of that name, with its protocol.
    Case(
        "28+ named http is TCP 8080 on the pod that names it so",
        cluster_of((X, HTTP_TCP), (anp(5, ALL_PODS, egress=(rule(DENY, ANY_POD, named=("http",)),)),)),
        X.id,
        HTTP_TCP.id,
        all_but("TCP", 8080),
    ),
    Case(
        "28+ named http is UDP 8443 on a pod whose http is UDP",
        cluster_of((X, HTTP_UDP), (anp(5, ALL_PODS, egress=(rule(DENY, ANY_POD, named=("http",)),)),)),
        X.id,
        HTTP_UDP.id,
        all_but("UDP", 8443),
    ),
    Case(
        "28- a pod without http",
        cluster_of((X, NO_HTTP), (anp(5, ALL_PODS, egress=(rule(DENY, ANY_POD, named=("http",)),)),)),
        X.id,
        NO_HTTP.id,
        ALL,
    ),
    Case(
        "28- ingress: the named port is the destination's, not the source's",
        cluster_of((HTTP_TCP, NO_HTTP), (anp(5, ALL_PODS, ingress=(rule(DENY, ANY_POD, named=("http",)),)),)),
        HTTP_TCP.id,
        NO_HTTP.id,
        ALL,
    ),
    # 31. Baseline Pass: default allow.
    Case(
        "31+ Baseline priority 1 Pass, priority 2 Deny",
        cluster_of(
            XY,
            (
                baseline_cnp(1, IN_B, ingress=(rule(PASS, FROM_A),)),
                baseline_cnp(2, IN_B, ingress=(rule(DENY, FROM_A),)),
            ),
        ),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "31- Baseline priority 2 Deny alone",
        cluster_of(XY, (baseline_cnp(2, IN_B, ingress=(rule(DENY, FROM_A),)),)),
        X.id,
        Y.id,
        NONE,
    ),
    # 32. The tiers are ordered whatever the priorities.
    Case(
        "32+ Baseline priority 0 Deny, Admin priority 999 Accept",
        cluster_of(
            XY,
            (
                baseline_cnp(0, IN_B, ingress=(rule(DENY, FROM_A),)),
                admin_cnp(999, IN_B, ingress=(rule(ALLOW, FROM_A),)),
            ),
        ),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "32- Baseline priority 0 Accept, Admin priority 999 Deny",
        cluster_of(
            XY,
            (
                baseline_cnp(0, IN_B, ingress=(rule(ALLOW, FROM_A),)),
                admin_cnp(999, IN_B, ingress=(rule(DENY, FROM_A),)),
            ),
        ),
        X.id,
        Y.id,
        NONE,
    ),
    # 34. Fail closed: a peer netpol does not know.
    Case(
        "34+ Deny with an unknown peer denies toward pods",
        cluster_of(XY, (anp(5, IN_A, egress=(rule(DENY, TierPeer(PeerKind.UNKNOWN)),)),)),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "34+ Deny with an unknown peer denies toward addresses",
        cluster_of(XY, (anp(5, IN_A, egress=(rule(DENY, TierPeer(PeerKind.UNKNOWN)),)),)),
        X.id,
        "8.8.8.8",
        NONE,
    ),
    Case(
        "34+ Deny with an unknown peer and a port denies every port",
        cluster_of(
            XY,
            (anp(5, IN_A, egress=(rule(DENY, TierPeer(PeerKind.UNKNOWN), ports=(PolicyPort(port=80),)),)),),
        ),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "34+ Deny with an unknown peer beside one of c",
        cluster_of(XY, (anp(5, IN_A, egress=(rule(DENY, TierPeer(PeerKind.UNKNOWN), TO_C),)),)),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "34+ Pass with an unknown peer denies",
        cluster_of(XY, (anp(5, IN_B, ingress=(rule(PASS, TierPeer(PeerKind.UNKNOWN)),)),), (ALLOW_A_INTO_B,)),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "34- Allow with an unknown peer matches nothing",
        cluster_of(
            XY,
            (
                anp(5, IN_A, egress=(rule(ALLOW, TierPeer(PeerKind.UNKNOWN), TO_B),)),
                banp(IN_A, egress=(rule(DENY, TO_B),)),
            ),
        ),
        X.id,
        Y.id,
        NONE,
    ),
    Case(
        "34- Allow with an unknown peer, nothing else: default allow",
        cluster_of(XY, (anp(5, IN_A, egress=(rule(ALLOW, TierPeer(PeerKind.UNKNOWN)),)),)),
        X.id,
        Y.id,
        ALL,
    ),
    Case(
        "34- a fail-closed rule applies to its subject only",
        cluster_of(XY, (anp(5, IN_A, egress=(rule(DENY, TierPeer(PeerKind.UNKNOWN)),)),)),
        Y.id,
        X.id,
        ALL,
    ),
    # Self, hairpin and node traffic, as tests/oracle.py has them.
    Case(
        "a Pod reaches itself under a deny of everything", cluster_of(XY, (DENY_ALL_ADMIN,)), X.id, X.id, ALL
    ),
    Case(
        "a workload's replicas do not reach each other under a deny of everything",
        cluster_of((X, TEMPLATE), (DENY_ALL_ADMIN,)),
        TEMPLATE.id,
        TEMPLATE.id,
        NONE,
    ),
    Case(
        "node traffic is allowed under a deny of everything",
        cluster_of((X, HOST, NEAR), (DENY_ALL_ADMIN,)),
        HOST.id,
        NEAR.id,
        ALL,
    ),
    Case(
        "an address outside is not an ingress peer",
        cluster_of(XY, (DENY_ALL_ADMIN,)),
        "8.8.8.8",
        X.id,
        ALL,
    ),
)


@pytest.mark.parametrize("case", CHECKLIST, ids=[c.id for c in CHECKLIST])
def test_the_oracle_on_the_checklist(case: Case) -> None:
    actual = oracle_tiered(case.cluster, case.options, case.party(case.src), case.party(case.dst))
    assert actual == case.expected, (
        f"{case.src} -> {case.dst}: {actual}, expected {case.expected}\n{show(case.cluster)}"
    )


@pytest.mark.parametrize("case", CHECKLIST, ids=[c.id for c in CHECKLIST])
def test_the_engine_on_the_checklist(case: Case) -> None:
    graph = compile_graph(case.cluster, case.options)
    actual = graph.allowed(case.src, case.dst)
    assert actual == case.expected, (
        f"{case.src} -> {case.dst}: {actual}, expected {case.expected}\n{show(case.cluster)}"
    )


def test_the_checklist_clusters_hold_no_networkpolicy_surprise() -> None:
    """Stripped of their tier policies the checklist clusters get tests/oracle.py's answer."""
    for case in CHECKLIST:
        stripped = replace(case.cluster, tier_policies=())
        src, dst = case.party(case.src), case.party(case.dst)
        assert oracle_tiered(stripped, case.options, src, dst) == oracle_allowed(
            stripped, case.options, src, dst
        )


@pytest.mark.parametrize("case", CHECKLIST, ids=[c.id for c in CHECKLIST])
def test_the_engine_agrees_with_the_oracle_on_every_pair_of_a_checklist_cluster(case: Case) -> None:
    """Property (a) on the hand-made clusters: every pair, every option, not only the pair named."""
    for options in CLOSED:
        graph = compile_graph(case.cluster, options)
        for src, dst in pairs(case.cluster):
            expected = oracle_tiered(case.cluster, options, src, dst)
            actual = graph.allowed_between(node_of(graph, src), node_of(graph, dst))
            assert actual == expected, (
                f"{who(src)} -> {who(dst)} with {options}: oracle says {expected}, engine says "
                f"{actual}\n{show(case.cluster)}"
            )
