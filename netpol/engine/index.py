"""Selectors and peers resolved to bitsets of endpoints, through label indexes (never pod by pod)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from netpol.core.bits import from_indexes
from netpol.core.ipspace import AddressSpace, IPBlock
from netpol.core.selectors import LabelSelector, Operator
from netpol.model.cluster import Cluster, Endpoint
from netpol.model.resources import Peer, Rule

__all__ = ["LabelIndex", "PeerResolver"]


class LabelIndex:
    """Label indexes over the selectable endpoints and over namespaces, with selectors cached."""

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
        self._label = {k: from_indexes(v) for k, v in by_label.items()}
        self._key = {k: from_indexes(v) for k, v in by_key.items()}
        self._ns = {k: from_indexes(v) for k, v in by_ns.items()}
        self._all = from_indexes(selectable)
        self._namespaces = cluster.namespaces
        self._pod_cache: dict[LabelSelector, int] = {}
        self._ns_cache: dict[LabelSelector, int] = {}

    @property
    def everyone(self) -> int:
        """Every selectable endpoint."""
        return self._all

    def namespace(self, name: str) -> int:
        """Selectable endpoints of namespace ``name``."""
        return self._ns.get(name, 0)

    def pods(self, selector: LabelSelector) -> int:
        """Selectable endpoints in any namespace whose labels match ``selector``."""
        hit = self._pod_cache.get(selector)
        if hit is None:
            hit = self._pod_cache[selector] = self._evaluate(selector)
        return hit

    def _evaluate(self, selector: LabelSelector) -> int:
        bits = self._all
        for k, v in selector.match_labels:
            bits &= self._label.get((k, v), 0)
        for req in selector.expressions:
            if req.operator in (Operator.IN, Operator.NOT_IN):
                some = 0
                for v in req.values:
                    some |= self._label.get((req.key, v), 0)
                bits = bits & some if req.operator is Operator.IN else bits & ~some
            elif req.operator is Operator.EXISTS:
                bits &= self._key.get(req.key, 0)
            else:
                bits &= ~self._key.get(req.key, 0)
        return bits

    def in_namespaces(self, selector: LabelSelector) -> int:
        """Selectable endpoints of every namespace whose labels match ``selector``."""
        hit = self._ns_cache.get(selector)
        if hit is None:
            hit = 0
            for ns in self._namespaces:
                if selector.matches(ns.labels):
                    hit |= self._ns.get(ns.name, 0)
            self._ns_cache[selector] = hit
        return hit


class PeerResolver:
    """The endpoints and external ranges a rule's peers admit."""

    def __init__(
        self,
        index: LabelIndex,
        space: AddressSpace,
        endpoints: Sequence[Endpoint],
        ipblock_matches_pods: bool,
    ) -> None:
        self._index = index
        self._space = space
        self._n = len(endpoints)
        self._every = (1 << (self._n + len(space.ranges))) - 1
        # Pods whose IPs lie in an external range, for ipBlocks that match pod IPs (SEMANTICS.md 9).
        in_range: dict[int, list[int]] = defaultdict(list)
        if ipblock_matches_pods:
            for i, e in enumerate(endpoints):
                for ip in e.ips:
                    in_range[space.index_of(ip)].append(i)
        self._pods_in_range = {r: from_indexes(eps) for r, eps in in_range.items()}
        """The pods (a bitset) whose IPs lie in each external range, by range index."""
        self._blocks: dict[IPBlock, int] = {}
        """What each distinct ipBlock admits, computed once: a large cluster repeats a few."""

    def rule(self, rule: Rule, namespace: str) -> int:
        """What ``rule`` of a policy in ``namespace`` admits as the other end."""
        if not rule.peers:
            return self._every  # empty from/to: every source/destination, IPs included
        peers = 0
        for peer in rule.peers:
            peers |= self.peer(peer, namespace)
        return peers

    def peer(self, peer: Peer, namespace: str) -> int:
        if peer.ip_block is not None:
            bits = self._blocks.get(peer.ip_block)
            if bits is None:
                ranges = self._space.indexes_of(peer.ip_block)
                bits = from_indexes(self._n + r for r in ranges)
                for r in ranges:
                    bits |= self._pods_in_range.get(r, 0)
                self._blocks[peer.ip_block] = bits
            return bits
        # podSelector alone: pods of the policy's namespace; namespaceSelector alone: all pods
        # of the matching namespaces; both in one peer: AND.
        if peer.namespace_selector is None:
            scope = self._index.namespace(namespace)
        else:
            scope = self._index.in_namespaces(peer.namespace_selector)
        if peer.pod_selector is None:
            return scope
        return scope & self._index.pods(peer.pod_selector)
