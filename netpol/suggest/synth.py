"""Observed flows -> the NetworkPolicies that allow exactly them.

Every namespace the suggestion covers gets a default deny for ingress and egress. Then each
destination workload gets one ingress policy, and each source workload one egress policy, with a
rule per group of peers that share the same ports. A connection is allowed when the source's
egress and the destination's ingress both admit it. Each rule names exactly one peer set and its
ports, so what the two sides admit together is exactly the flows: no pair of peers and ports is
crossed with another.

Peers are written as people write them:
- a workload by the smallest label set that tells it apart in its namespace
  (:mod:`netpol.suggest.selectors`);
- its namespace by ``kubernetes.io/metadata.name``, which the control plane sets;
- an address outside the cluster by an ipBlock of itself (/32 or /128), or of its
  ``aggregate_cidr`` network.

A port is written by name where the destination declares a name for it. A named port resolves on
the destination pod, in an egress rule as in an ingress rule.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netpol.core.ports import MAX_PORT, MIN_PORT, PortSet, Protocol
from netpol.engine.graph import AllowGraph
from netpol.errors import UsageError
from netpol.flows.records import PlacedFlow
from netpol.model.cluster import Endpoint
from netpol.model.resources import NAMESPACE_NAME_LABEL, Direction
from netpol.suggest.selectors import Selection, select

__all__ = ["Party", "SuggestOptions", "SuggestedPolicy", "Wanted", "synthesize"]

MANAGED_BY = {"app.kubernetes.io/managed-by": "netpol-suggest"}


@dataclass(frozen=True, slots=True)
class SuggestOptions:
    namespaces: frozenset[str] | None = None
    """The namespaces to cover; None: every namespace of the input that holds an endpoint."""
    aggregate_cidr: int | None = None
    """Widen IPv4 addresses outside the cluster to networks of this prefix length (IPv6: to
    this length plus 96, so 24 gives /120); None: each address alone (/32, /128)."""
    keep_existing: bool = False
    """Keep the current policies and add only what they lack for the flows."""


@dataclass(frozen=True, slots=True)
class Party:
    """One end of a wanted connection: an endpoint (its node index in the input's graph), or a
    network outside the cluster."""

    node: int | None
    network: str | None = None

    def key(self) -> tuple[int, str]:
        return (-1 if self.node is None else self.node, self.network or "")


@dataclass(slots=True)
class Wanted:
    """The ports wanted from ``src`` to ``dst``, with the flows that asked for them."""

    src: Party
    dst: Party
    ports: dict[Protocol, set[tuple[int, int]]] = field(default_factory=lambda: defaultdict(set))
    flows: list[PlacedFlow] = field(default_factory=list)

    def portset(self) -> PortSet:
        return PortSet.from_mapping({p: sorted(r) for p, r in self.ports.items()})


@dataclass(frozen=True, slots=True)
class SuggestedPolicy:
    namespace: str
    name: str
    manifest: Mapping[str, Any]
    comments: tuple[str, ...]
    """Lines for the comment above the policy: what it is for, and the flows behind it."""


def network_of(address: str, aggregate: int | None) -> str:
    """The network that stands for ``address``: an IP, a CIDR, or a ``first-last`` range (as
    ``netpol list`` writes external ranges), widened to ``aggregate`` when given."""
    if "-" in address:
        return address  # a range of netpol's own: already a block, written as its CIDRs
    net = ipaddress.ip_network(address, strict=False)
    if aggregate is not None:
        length = aggregate if net.version == 4 else min(aggregate + 96, 128)
        if length < net.prefixlen:
            net = net.supernet(new_prefix=length)
    return str(net)


def span(network: str) -> tuple[int, int, int]:
    """(IP version, first, last) of a CIDR or a ``first-last`` range."""
    if "-" in network:
        first_text, _, last_text = network.partition("-")
        first, last = ipaddress.ip_address(first_text), ipaddress.ip_address(last_text)
        return first.version, int(first), int(last)
    net = ipaddress.ip_network(network, strict=False)
    return net.version, int(net.network_address), int(net.broadcast_address)


def cidrs(network: str) -> list[str]:
    """The ipBlock CIDRs that make up ``network``."""
    if "-" not in network:
        return [network]
    first_text, _, last_text = network.partition("-")
    first, last = ipaddress.ip_address(first_text), ipaddress.ip_address(last_text)
    return [str(n) for n in ipaddress.summarize_address_range(first, last)]


def wanted_connections(
    graph: AllowGraph, placed: Iterable[PlacedFlow], aggregate: int | None
) -> dict[tuple[Party, Party], Wanted]:
    """The flows folded to (source, destination) parties with the ports asked for."""
    wanted: dict[tuple[Party, Party], Wanted] = {}
    for f in placed:
        src = _party(graph, f.src, f.src_address, aggregate)
        dst = _party(graph, f.dst, f.dst_address, aggregate)
        if src == dst:
            continue  # a pod always reaches itself
        w = wanted.setdefault((src, dst), Wanted(src, dst))
        lo = MIN_PORT if f.port is None else f.port
        hi = MAX_PORT if f.port is None else (f.end_port or f.port)
        w.ports[f.protocol].add((lo, hi))
        w.flows.append(f)
    return wanted


def _party(graph: AllowGraph, node: int, address: str | None, aggregate: int | None) -> Party:
    if graph.is_external(node):
        assert address is not None, "an external side carries its address"
        return Party(None, network_of(address, aggregate))
    return Party(node)


def synthesize(
    graph: AllowGraph,
    wanted: Mapping[tuple[Party, Party], Wanted],
    covered: Sequence[str],
    options: SuggestOptions,
) -> tuple[list[SuggestedPolicy], list[str], tuple[str, ...]]:
    """The policies for ``wanted`` in the ``covered`` namespaces, notes for the reader (a
    workload no selector can tell apart, hostNetwork pods, flows no covered namespace touches),
    and the ids of the endpoints written with a selector that also picks others."""
    notes: list[str] = []
    covered_set = set(covered)
    endpoints = [graph.node(i) for i in range(graph.endpoint_count)]
    by_ns: dict[str, list[Endpoint]] = defaultdict(list)
    for e in endpoints:
        if isinstance(e, Endpoint) and e.stand_in is None:
            by_ns[e.namespace].append(e)
    selections: dict[str, Selection] = {}

    def selection(e: Endpoint) -> Selection:
        if e.id not in selections:
            selections[e.id] = chosen = select(e, by_ns[e.namespace])
            if chosen.also:
                notes.append(
                    f"{e.id} carries no label that {', '.join(chosen.also)} lack: a selector "
                    "cannot tell them apart, so what is allowed for one is allowed for the others"
                )
        return selections[e.id]

    # (namespace, direction, subject endpoint id) -> peer key -> the rule for that peer
    rules: dict[tuple[str, Direction, str], dict[str, _Draft]] = defaultdict(dict)
    subjects: dict[tuple[str, Direction, str], Endpoint] = {}
    untouched = 0
    for (src, dst), w in sorted(wanted.items(), key=lambda kv: (kv[0][0].key(), kv[0][1].key())):
        src_e = _endpoint(graph, src)
        dst_e = _endpoint(graph, dst)
        sides = 0
        for subject, other, direction in ((src_e, dst, Direction.EGRESS), (dst_e, src, Direction.INGRESS)):
            if subject is None or subject.namespace not in covered_set:
                continue
            if subject.host_network:
                notes.append(
                    f"{subject.id} runs on the host network: its traffic is the node's, which "
                    "NetworkPolicy does not govern; no rule is written for it"
                )
                continue
            if options.keep_existing and _side_allows(graph, w, direction):
                continue
            sides += 1
            other_e = _endpoint(graph, other)
            if other_e is not None and other_e.host_network:
                continue  # node traffic: always allowed to and from the node
            peer, key = _peer(subject.namespace, other, other_e, selection)
            destination = dst_e if direction is Direction.INGRESS else other_e
            port_list = _ports(w, destination)
            slot = (subject.namespace, direction, subject.id)
            subjects[slot] = subject
            draft = rules[slot].setdefault(key, _Draft(peer, [], [], [key.lstrip("~")], key))
            draft.ports.extend(p for p in port_list if p not in draft.ports)
            draft.flows.extend(w.flows)
        if not sides and not options.keep_existing:
            untouched += 1
    if untouched:
        notes.append(f"{untouched} connection(s) touch no covered namespace: nothing is written for them")
    policies: list[SuggestedPolicy] = []
    if not options.keep_existing:
        for ns in covered:
            policies.append(_default_deny(ns))
    names = _names(subjects)
    for slot in sorted(rules, key=lambda s: (s[0], s[2], s[1].value)):
        ns, direction, _ = slot
        subject = subjects[slot]
        policies.append(
            _policy(ns, names[slot], direction, subject, selection(subject).labels, rules[slot].values())
        )
    twins = tuple(sorted(eid for eid, chosen in selections.items() if chosen.also))
    return policies, list(dict.fromkeys(notes)), twins


@dataclass(slots=True)
class _Draft:
    """A rule being written: its peers, their ports, the flows behind it, and how the comment
    names the peers (endpoint ids, networks)."""

    peers: list[dict[str, Any]]
    ports: list[dict[str, Any]]
    flows: list[PlacedFlow]
    ids: list[str]
    order: str
    """Where its peer sorts: endpoint ids, then networks (``~`` + CIDR)."""


def _endpoint(graph: AllowGraph, party: Party) -> Endpoint | None:
    if party.node is None:
        return None
    node = graph.node(party.node)
    return node if isinstance(node, Endpoint) else None


def _side_allows(graph: AllowGraph, w: Wanted, direction: Direction) -> bool:
    """With --keep-existing: whether the current policies of this side already admit every
    port ``w`` asks for (then nothing is added on this side)."""
    if w.src.node is None or w.dst.node is None:
        # One side is outside the cluster: its own side has no policy.
        if direction is Direction.EGRESS and w.src.node is None:
            return True
        if direction is Direction.INGRESS and w.dst.node is None:
            return True
    owner, other = (w.src, w.dst) if direction is Direction.EGRESS else (w.dst, w.src)
    assert owner.node is not None
    other_node = other.node if other.node is not None else _external_node(graph, other.network)
    if other_node is None or not graph.isolating(owner.node, direction):
        return True
    dst_node = w.dst.node if w.dst.node is not None else other_node
    admitted = PortSet.none()
    for rule in graph.rules_admitting(owner.node, other_node, direction):
        admitted = admitted | rule.ports_toward(dst_node)
    wanted = w.portset()
    return (admitted & wanted) == wanted


def _external_node(graph: AllowGraph, network: str | None) -> int | None:
    if network is None:
        return None
    version, first, _ = span(network)  # a CIDR or a first-last range of netpol JSON
    address = ipaddress.IPv4Address(first) if version == 4 else ipaddress.IPv6Address(first)
    try:
        return graph.resolve(str(address))
    except UsageError:  # an address two pods claim: the side is taken as not admitting it
        return None


def _peer(
    namespace: str, other: Party, other_e: Endpoint | None, selection: Any
) -> tuple[list[dict[str, Any]], str]:
    if other_e is None:
        assert other.network is not None
        return [{"ipBlock": {"cidr": c}} for c in cidrs(other.network)], f"~{other.network}"
    labels = dict(selection(other_e).labels)
    peer: dict[str, Any] = {"podSelector": {"matchLabels": labels} if labels else {}}
    if other_e.namespace != namespace:
        peer = {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: other_e.namespace}}, **peer}
    return [peer], other_e.id


def _ports(w: Wanted, destination: Endpoint | None) -> list[dict[str, Any]]:
    """The rule's ports: by name where the destination declares one for the number."""
    names: dict[tuple[Protocol, int], str] = {}
    if destination is not None:
        for cp in destination.ports:
            if cp.name:
                names.setdefault((cp.protocol, cp.port), cp.name)
    out: list[dict[str, Any]] = []
    for protocol in Protocol:
        for lo, hi in sorted(w.ports.get(protocol, ())):
            entry: dict[str, Any] = {"protocol": protocol.value}
            if (lo, hi) == (MIN_PORT, MAX_PORT):
                pass  # every port of the protocol
            elif lo == hi:
                entry["port"] = names.get((protocol, lo), lo)
            else:
                entry["port"], entry["endPort"] = lo, hi
            out.append(entry)
    return out


_PROTOCOL_ORDER = {p.value: i for i, p in enumerate(Protocol)}


def _port_order(port: Mapping[str, Any]) -> tuple[int, int, str]:
    number = port.get("port")
    return (_PROTOCOL_ORDER[port["protocol"]], number if isinstance(number, int) else -1, str(number or ""))


def _ports_text(ports: Sequence[Mapping[str, Any]]) -> str:
    if not ports:
        return "every port"
    out = []
    for p in ports:
        if "port" not in p:
            out.append(f"{p['protocol']} every port")
        elif "endPort" in p:
            out.append(f"{p['protocol']} {p['port']}-{p['endPort']}")
        else:
            out.append(f"{p['protocol']} {p['port']}")
    return ", ".join(out)


def _names(subjects: Mapping[tuple[str, Direction, str], Endpoint]) -> dict[tuple[str, Direction, str], str]:
    """``netpol-ingress-api``; the kind is added where two endpoints of a namespace share a name."""
    clash: dict[tuple[str, str], int] = defaultdict(int)
    for (ns, direction, _), e in subjects.items():
        if direction is Direction.INGRESS:
            clash[(ns, e.name)] += 1
    out = {}
    for slot, e in subjects.items():
        ns, direction, _ = slot
        base = e.name if clash.get((ns, e.name), 0) <= 1 else f"{e.name}-{e.kind.lower()}"
        name = f"netpol-{direction.value.lower()}-{base}"
        if len(name) > 253:
            digest = hashlib.sha256(name.encode()).hexdigest()[:10]
            name = f"{name[:242]}-{digest}"
        out[slot] = name
    return out


def _default_deny(namespace: str) -> SuggestedPolicy:
    manifest = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "netpol-default-deny", "namespace": namespace, "labels": dict(MANAGED_BY)},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
    return SuggestedPolicy(
        namespace,
        "netpol-default-deny",
        manifest,
        (f"Default deny for namespace {namespace}: nothing in or out but what the policies below allow.",),
    )


def _policy(
    namespace: str,
    name: str,
    direction: Direction,
    subject: Endpoint,
    labels: Mapping[str, str],
    drafts: Iterable[_Draft],
) -> SuggestedPolicy:
    # Peers asking for the same ports share a rule: peers x ports is then exactly the flows.
    grouped: dict[str, _Draft] = {}
    for draft in sorted(drafts, key=lambda d: d.order):
        draft.ports.sort(key=_port_order)
        group = grouped.setdefault(repr(draft.ports), _Draft([], draft.ports, [], [], draft.order))
        group.peers.extend(draft.peers)
        group.flows.extend(draft.flows)
        group.ids.extend(draft.ids)
    word = "from" if direction is Direction.INGRESS else "to"  # the rule's key, and the comment's
    rules = []
    comments = [f"{direction.value} of {subject.id}: what the flows show, nothing more."]
    for group in grouped.values():
        rule: dict[str, Any] = {word: group.peers}
        if group.ports:
            rule["ports"] = group.ports
        rules.append(rule)
        first = min(group.flows, key=lambda f: (f.flow.location.source, f.flow.location.line or 0))
        where = first.flow.location
        lines = len({id(f.flow) for f in group.flows})
        comments.append(
            f"rule #{len(rules)} {word} {', '.join(group.ids)} ({_ports_text(group.ports)}): "
            f"{lines} flow(s), first at {where.source}:{where.line or '?'}"
        )
    manifest = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(MANAGED_BY)},
        "spec": {
            "podSelector": {"matchLabels": dict(labels)} if labels else {},
            "policyTypes": [direction.value],
            direction.value.lower(): rules,
        },
    }
    return SuggestedPolicy(namespace, name, manifest, tuple(comments))
