"""Compile stage: a Cluster -> an AllowGraph, with every selector and port resolved once.

Endpoints (workloads, pods, then external address ranges) get indexes; every set of endpoints is a
bitset (a Python int). Selectors are evaluated against label indexes, never pod by pod. For each
destination the sources are partitioned into disjoint blocks, each with the ports allowed and the
rules that allow them (provenance). Destinations that no rule, named port or node tells apart share
one compiled block list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netpol.core.bits import from_indexes, iter_bits
from netpol.core.ipspace import AddressRange, cut_address_space
from netpol.core.ports import PortSet, Protocol
from netpol.core.selectors import LabelSelector, Operator
from netpol.model.cluster import Cluster, Endpoint
from netpol.model.parse import Direction, NetworkPolicy, Options, Peer, Rule

__all__ = ["AllowBlock", "Compiled", "CompiledRule", "Node", "compile_cluster", "rule_ports"]

Node = Endpoint | AddressRange


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One ingress or egress rule with its sets resolved: whom it applies to, which peers it admits."""

    id: int
    policy: NetworkPolicy
    direction: Direction
    rule: Rule
    targets: int
    """Endpoints the policy selects (the rule applies to their traffic)."""
    peers: int
    """Endpoints and external ranges the rule admits as the other end."""
    static_ports: PortSet | None
    """The ports when they do not depend on the destination (no named port); else None."""

    @property
    def label(self) -> str:
        return f"{self.policy.id} {self.direction.value.lower()} rule #{self.rule.index + 1}"


@dataclass(frozen=True, slots=True)
class AllowBlock:
    """Sources (a bitset) allowed to one destination on ``ports``, and the rules that allow them."""

    sources: int
    ports: PortSet
    ingress: tuple[int, ...]
    """Ids of the ingress rules that admit these sources; () when the destination is not isolated."""
    egress: tuple[int, ...]
    """Ids of the egress rules that admit the destination; () when the sources are not isolated."""


@dataclass(frozen=True, slots=True)
class Compiled:
    """The compiled form the AllowGraph reads: nodes, rules, isolation and blocks per destination."""

    nodes: tuple[Node, ...]
    endpoint_count: int
    rules: tuple[CompiledRule, ...]
    policies: tuple[tuple[NetworkPolicy, int], ...]
    """Every policy with the endpoints it selects."""
    isolated: dict[Direction, int]
    blocks: tuple[tuple[AllowBlock, ...], ...]
    """For each destination index, disjoint source blocks with what they may use."""
    host_network: int
    """Endpoints outside pod selectors (hostNetwork pods, unless Options.host_network_as_pods)."""
    classes: int
    """How many distinct destination classes were compiled (the rest shared a class)."""


class _Index:
    """Label indexes over the selectable endpoints and over namespaces."""

    def __init__(self, cluster: Cluster, selectable: Sequence[int]) -> None:
        by_label: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_key: dict[str, list[int]] = defaultdict(list)
        by_ns: dict[str, list[int]] = defaultdict(list)
        eps = cluster.endpoints
        for i in selectable:
            ep = eps[i]
            by_ns[ep.namespace].append(i)
            for k, v in ep.labels.items():
                by_label[(k, v)].append(i)
                by_key[k].append(i)
        self.label = {k: from_indexes(v) for k, v in by_label.items()}
        self.key = {k: from_indexes(v) for k, v in by_key.items()}
        self.ns = {k: from_indexes(v) for k, v in by_ns.items()}
        self.all = from_indexes(selectable)
        self.namespaces = cluster.namespaces
        self._pod_cache: dict[LabelSelector, int] = {}
        self._ns_cache: dict[LabelSelector, int] = {}

    def pods(self, selector: LabelSelector) -> int:
        """Selectable endpoints in any namespace whose labels match ``selector``."""
        hit = self._pod_cache.get(selector)
        if hit is None:
            hit = self._pod_cache[selector] = self._evaluate(selector)
        return hit

    def _evaluate(self, selector: LabelSelector) -> int:
        bits = self.all
        for k, v in selector.match_labels:
            bits &= self.label.get((k, v), 0)
        for req in selector.expressions:
            if req.operator in (Operator.IN, Operator.NOT_IN):
                some = 0
                for v in req.values:
                    some |= self.label.get((req.key, v), 0)
                bits = bits & some if req.operator is Operator.IN else bits & ~some
            elif req.operator is Operator.EXISTS:
                bits &= self.key.get(req.key, 0)
            else:
                bits &= ~self.key.get(req.key, 0)
        return bits

    def in_namespaces(self, selector: LabelSelector) -> int:
        """Selectable endpoints of every namespace whose labels match ``selector``."""
        hit = self._ns_cache.get(selector)
        if hit is None:
            hit = 0
            for ns in self.namespaces:
                if selector.matches(ns.labels):
                    hit |= self.ns.get(ns.name, 0)
            self._ns_cache[selector] = hit
        return hit


def rule_ports(rule: Rule, dst: Node | None) -> PortSet:
    """The ports a rule allows toward ``dst``; named ports resolve on the destination's containers.

    "If port is a string it is a named port ... matched against the destination pod's
    containerPorts by name and protocol"; toward an external range a named port matches nothing.
    """
    if not rule.ports:
        return PortSet.all()  # "If this field is empty or missing, this rule matches all ports"
    spans: dict[Protocol, list[tuple[int, int]]] = defaultdict(list)
    for pp in rule.ports:
        if pp.port is None:
            spans[pp.protocol].append((1, 65535))
        elif isinstance(pp.port, int):
            spans[pp.protocol].append((pp.port, pp.end_port or pp.port))
        elif isinstance(dst, Endpoint):
            for cp in dst.ports:
                if cp.name == pp.port and cp.protocol is pp.protocol:
                    spans[pp.protocol].append((cp.port, cp.port))
    return PortSet.from_mapping(spans)


def _refine(universe: int, items: Iterable[tuple[int, PortSet, int]]
            ) -> list[tuple[int, PortSet, tuple[int, ...]]]:
    """Partition the sources that some item covers into cells that the same items cover."""
    cells: list[tuple[int, PortSet, tuple[int, ...]]] = []
    for bits, ports, rid in items:
        rest = bits & universe
        if not rest:
            continue
        out: list[tuple[int, PortSet, tuple[int, ...]]] = []
        for cell_bits, cell_ports, rids in cells:
            inter = cell_bits & rest
            if not inter:
                out.append((cell_bits, cell_ports, rids))
                continue
            out.append((inter, cell_ports | ports, (*rids, rid)))
            if inter != cell_bits:
                out.append((cell_bits & ~inter, cell_ports, rids))
            rest &= ~inter
        if rest:
            out.append((rest, ports, (rid,)))
        cells = out
    return cells


def compile_cluster(cluster: Cluster, options: Options = Options()) -> Compiled:
    endpoints = cluster.endpoints
    n = len(endpoints)
    blocks_all = [p.ip_block for pol in cluster.policies for r in (*pol.ingress, *pol.egress)
                  for p in r.peers if p.ip_block is not None]
    space = cut_address_space(set(blocks_all))
    nodes: tuple[Node, ...] = (*endpoints, *space.ranges)
    total = len(nodes)
    every = (1 << total) - 1
    endpoint_bits = (1 << n) - 1

    host_net = [i for i, e in enumerate(endpoints) if e.host_network]
    outside_selectors = 0 if options.host_network_as_pods else from_indexes(host_net)
    selectable = [i for i in range(n) if not (outside_selectors >> i) & 1]
    index = _Index(cluster, selectable)

    # Pods whose IPs lie in an external range, for ipBlocks that match pod IPs (SEMANTICS.md 9).
    pods_in_range: dict[int, list[int]] = defaultdict(list)
    if options.ipblock_matches_pods:
        for i, e in enumerate(endpoints):
            for ip in e.ips:
                pods_in_range[space.index_of(ip)].append(i)

    def peer_bits(peer: Peer, namespace: str) -> int:
        if peer.ip_block is not None:
            ranges = space.indexes_of(peer.ip_block)
            bits = from_indexes(n + r for r in ranges)
            if pods_in_range:
                inside = set(ranges)
                bits |= from_indexes(i for r, eps in pods_in_range.items() if r in inside
                                     for i in eps)
            return bits
        # podSelector alone: pods of the policy's namespace; namespaceSelector alone: all pods
        # of the matching namespaces; both in one peer: AND.
        if peer.namespace_selector is None:
            scope = index.ns.get(namespace, 0)
        else:
            scope = index.in_namespaces(peer.namespace_selector)
        if peer.pod_selector is None:
            return scope
        return scope & index.pods(peer.pod_selector)

    rules: list[CompiledRule] = []
    selected: list[tuple[NetworkPolicy, int]] = []
    isolated = {Direction.INGRESS: 0, Direction.EGRESS: 0}
    for pol in cluster.policies:
        # spec.podSelector selects pods of the policy's own namespace only.
        targets = index.ns.get(pol.namespace, 0) & index.pods(pol.pod_selector)
        selected.append((pol, targets))
        for direction in (Direction.INGRESS, Direction.EGRESS):
            if direction not in pol.policy_types:
                continue  # rules of a direction the policy does not isolate are ignored
            isolated[direction] |= targets
            for rule in pol.rules(direction):
                if rule.peers:
                    peers = 0
                    for peer in rule.peers:
                        peers |= peer_bits(peer, pol.namespace)
                else:
                    peers = every  # empty from/to: every source/destination, IPs included
                named = any(isinstance(pp.port, str) for pp in rule.ports)
                rules.append(CompiledRule(len(rules), pol, direction, rule, targets, peers,
                                          None if named else rule_ports(rule, None)))

    ingress_of: list[list[int]] = [[] for _ in range(total)]
    egress_to: list[list[int]] = [[] for _ in range(total)]
    for cr in rules:
        if not cr.targets:
            continue
        if cr.direction is Direction.INGRESS:
            for d in iter_bits(cr.targets):
                ingress_of[d].append(cr.id)
        elif cr.peers:
            for d in iter_bits(cr.peers):
                egress_to[d].append(cr.id)

    by_node: dict[str, int] = defaultdict(int)
    if outside_selectors:
        for i in host_net:
            for node in endpoints[i].nodes:
                by_node[node] |= 1 << i

    all_ports = PortSet.all()
    not_egress_isolated = every & ~isolated[Direction.EGRESS]
    cache: dict[tuple[object, ...], tuple[AllowBlock, ...]] = {}
    port_cache: dict[tuple[int, object], PortSet] = {}

    def ports_of(cr: CompiledRule, dst: Node) -> PortSet:
        if cr.static_ports is not None:
            return cr.static_ports
        key = (cr.id, dst.ports if isinstance(dst, Endpoint) else None)
        hit = port_cache.get(key)
        if hit is None:
            hit = port_cache[key] = rule_ports(cr.rule, dst)
        return hit

    result: list[tuple[AllowBlock, ...]] = []
    for d, dst in enumerate(nodes):
        external = d >= n
        in_isolated = not external and (isolated[Direction.INGRESS] >> d) & 1
        in_ids = tuple(ingress_of[d]) if in_isolated else ()
        out_ids = tuple(egress_to[d])
        named = any(rules[r].static_ports is None for r in (*in_ids, *out_ids))
        node_bits = 0
        if isinstance(dst, Endpoint) and by_node:
            for node in dst.nodes:
                node_bits |= by_node.get(node, 0)
        key = (external, in_isolated, in_ids, out_ids,
               dst.ports if named and isinstance(dst, Endpoint) else None, node_bits)
        hit = cache.get(key)
        if hit is None:
            universe = endpoint_bits if external else every
            if in_isolated:
                in_cells = _refine(universe, ((rules[r].peers, ports_of(rules[r], dst), r)
                                              for r in in_ids))
            else:
                in_cells = [(universe, all_ports, ())]
            out_cells: list[tuple[int, PortSet, tuple[int, ...]]] = [
                (universe & not_egress_isolated, all_ports, ())]
            out_cells += _refine(universe & isolated[Direction.EGRESS],
                                 ((rules[r].targets, ports_of(rules[r], dst), r) for r in out_ids))
            built: list[AllowBlock] = []
            for ib, iports, irs in in_cells:
                for eb, eports, ers in out_cells:
                    srcs = ib & eb & ~node_bits
                    if srcs:
                        ports = iports & eports
                        if ports:
                            built.append(AllowBlock(srcs, ports, irs, ers))
            if node_bits:
                # "traffic to and from the node where a Pod is running is always allowed"
                built.append(AllowBlock(node_bits & universe, all_ports, (), ()))
            hit = cache[key] = tuple(built)
        result.append(hit)

    return Compiled(nodes, n, tuple(rules), tuple(selected), isolated, tuple(result), outside_selectors,
                    len(cache))
