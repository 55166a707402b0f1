"""The allow-graph: the compiled cluster as every query, renderer and later command sees it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netpol.core.bits import iter_bits
from netpol.core.ipspace import AddressRange, format_range
from netpol.core.ports import PortSet
from netpol.engine.compile import Compiled, Node, compile_cluster
from netpol.errors import Diagnostic, UsageError
from netpol.model.cluster import Cluster, Endpoint
from netpol.model.parse import Direction, Options

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["AllowGraph", "Connection"]


@dataclass(frozen=True, slots=True)
class Connection:
    """An allowed connection: ``src`` may open connections to ``dst`` on ``ports``."""

    src: str
    dst: str
    ports: PortSet

    def to_json(self) -> dict[str, Any]:
        return {"src": self.src, "dst": self.dst, "ports": self.ports.to_json()}


class AllowGraph:
    """Endpoints and, for every ordered pair, the ports allowed, with provenance.

    Built once by :func:`netpol.analyze`; every method reads the compiled form.
    """

    def __init__(self, cluster: Cluster, options: Options = Options(),
                 diagnostics: tuple[Diagnostic, ...] = (),
                 skipped: Mapping[str, int] | None = None) -> None:
        self.cluster = cluster
        self.skipped: Mapping[str, int] = dict(cluster.skipped if skipped is None else skipped)
        """Objects not analysed, by kind (``<not a Kubernetes object>`` for other YAML)."""
        self.options = options
        self.diagnostics = diagnostics
        self.compiled: Compiled = compile_cluster(cluster, options)
        self.nodes = self.compiled.nodes
        self.ids: tuple[str, ...] = tuple(node.id for node in self.nodes)
        """``ids[i]`` is the id of ``nodes[i]``."""
        self._index = {node_id: i for i, node_id in enumerate(self.ids)}

    # -- endpoints -------------------------------------------------------------------------------

    def endpoint_ids(self) -> list[str]:
        """Workloads and pods sorted by id, then external ranges in address order."""
        return list(self.ids)

    def node(self, index: int) -> Node:
        return self.nodes[index]

    def resolve(self, text: str) -> int:
        """The node index for ``ns/name``, ``ns/name[Kind]``, a pod's name, an IP or a range id.

        Raises UsageError naming the candidates when ``text`` is unknown or ambiguous.
        """
        text = text.strip()
        if text in self._index:
            return self._index[text]
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            address = None
        if address is not None:
            return self._resolve_address(address)
        if "/" not in text:
            text = f"{self.options.default_namespace}/{text}"
        ns, _, name = text.partition("/")
        kind = None
        if name.endswith("]") and "[" in name:
            name, _, kind = name[:-1].partition("[")
        matches = [i for i, e in enumerate(self.nodes[: self.compiled.endpoint_count])
                   if isinstance(e, Endpoint) and e.namespace == ns and e.name == name
                   and (kind is None or e.kind.lower() == kind.lower())]
        if not matches:
            matches = [i for i, e in enumerate(self.nodes[: self.compiled.endpoint_count])
                       if isinstance(e, Endpoint) and e.namespace == ns and name in e.pods]
        if len(matches) == 1:
            return matches[0]
        if matches:
            options = ", ".join(self.nodes[i].id for i in matches)
            raise UsageError(f"{text!r} is ambiguous: {options}")
        near = [n.id for n in self.nodes[: self.compiled.endpoint_count]
                if isinstance(n, Endpoint) and n.namespace == ns][:10]
        hint = f"; endpoints in {ns}: {', '.join(near)}" if near else f"; no endpoint in {ns!r}"
        raise UsageError(f"unknown endpoint {text!r}{hint}")

    def _resolve_address(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
        holders = [i for i, node in enumerate(self.nodes[: self.compiled.endpoint_count])
                   if isinstance(node, Endpoint) and address in node.ips]
        if len(holders) > 1:
            options = ", ".join(self.ids[i] for i in holders)
            raise UsageError(f"{address} is ambiguous: it is the IP of {options}; name the "
                             "endpoint instead")
        if holders:
            return holders[0]
        for i in range(self.compiled.endpoint_count, len(self.nodes)):
            rng = self.nodes[i]
            assert isinstance(rng, AddressRange)
            if rng.family == address.version and rng.first <= int(address) <= rng.last:
                return i
        raise AssertionError("the external ranges cover the whole address space")

    # -- connections -----------------------------------------------------------------------------

    def allowed_between(self, src: int, dst: int) -> PortSet:
        """Ports ``src`` may use toward ``dst`` (indexes). A pod always reaches itself."""
        if src == dst:
            node = self.nodes[src]
            if isinstance(node, Endpoint) and node.kind == "Pod":
                return PortSet.all()
        for block in self.compiled.blocks[dst]:
            if (block.sources >> src) & 1:
                return block.ports
        return PortSet.none()

    def allowed(self, src: str, dst: str) -> PortSet:
        return self.allowed_between(self.resolve(src), self.resolve(dst))

    def pairs(self) -> Iterator[tuple[int, int, PortSet]]:
        """Every allowed (src, dst, ports) by index, self-pairs and external-to-external excluded,
        sorted by source then destination."""
        per_src: list[list[tuple[int, PortSet]]] = [[] for _ in self.nodes]
        for d, blocks in enumerate(self.compiled.blocks):
            for block in blocks:
                for s in iter_bits(block.sources):
                    if s != d:
                        per_src[s].append((d, block.ports))
        for s, row in enumerate(per_src):
            for d, ports in row:
                yield s, d, ports

    def connections(self) -> list[Connection]:
        """Every allowed connection, sorted by source then destination (endpoints by id, external
        ranges by address); runs of adjacent external ranges with the same ports are merged."""
        n = self.compiled.endpoint_count
        rows: list[tuple[int, int, int, int, PortSet]] = []  # src first/last, dst first/last
        toward: dict[int, list[tuple[int, PortSet]]] = {}
        for s, d, ports in self.pairs():
            if s >= n:
                toward.setdefault(d, []).append((s, ports))
            elif (d >= n and rows and rows[-1][0] == s and rows[-1][4] == ports
                  and self._adjacent(rows[-1][3], d)):
                rows[-1] = (s, s, rows[-1][2], d, ports)
            else:
                rows.append((s, s, d, d, ports))
        for d, sources in toward.items():
            start = len(rows)
            for s, ports in sources:
                if (len(rows) > start and rows[-1][4] == ports
                        and self._adjacent(rows[-1][1], s)):
                    rows[-1] = (rows[-1][0], s, d, d, ports)
                else:
                    rows.append((s, s, d, d, ports))
        rows.sort(key=lambda r: (r[0], r[2]))
        return [Connection(self._span_id(a, b), self._span_id(c, d), p) for a, b, c, d, p in rows]

    def _span_id(self, first: int, last: int) -> str:
        if first == last:
            return self.ids[first]
        lo, hi = self.nodes[first], self.nodes[last]
        assert isinstance(lo, AddressRange) and isinstance(hi, AddressRange)
        return format_range(lo.family, lo.first, hi.last)

    def _adjacent(self, a: int, b: int) -> bool:
        ra, rb = self.nodes[a], self.nodes[b]
        return (isinstance(ra, AddressRange) and isinstance(rb, AddressRange)
                and ra.family == rb.family and ra.last + 1 == rb.first)

    # -- networkx --------------------------------------------------------------------------------

    def to_networkx(self) -> nx.DiGraph:
        """A networkx DiGraph of every endpoint and allowed connection.

        Nodes carry ``kind``, ``namespace``, ``labels``, ``external`` and the policies isolating
        them (``isolated_ingress``/``isolated_egress``: policy ids, empty when not isolated).
        Edges carry ``ports`` (a PortSet) and the rules that allow them (``ingress_rules`` and
        ``egress_rules``: labels like ``shop/allow-api ingress rule #1``; empty when that side is
        not isolated). Self-loops and external-to-external pairs are left out.
        """
        import networkx as nx

        compiled = self.compiled
        isolating: dict[tuple[int, Direction], list[str]] = {}
        for pol, targets in compiled.policies:
            for direction in pol.policy_types:
                for i in iter_bits(targets):
                    isolating.setdefault((i, direction), []).append(pol.id)
        g = nx.DiGraph()
        for i, node in enumerate(self.nodes):
            ingress = tuple(isolating.get((i, Direction.INGRESS), ()))
            egress = tuple(isolating.get((i, Direction.EGRESS), ()))
            if isinstance(node, Endpoint):
                g.add_node(node.id, kind=node.kind, namespace=node.namespace,
                           labels=dict(node.labels), external=False,
                           isolated_ingress=ingress, isolated_egress=egress)
            else:
                g.add_node(node.id, kind="External", namespace=None, labels={}, external=True,
                           isolated_ingress=(), isolated_egress=())
        labels = [r.label for r in compiled.rules]
        for d, blocks in enumerate(compiled.blocks):
            for block in blocks:
                ingress_rules = tuple(labels[r] for r in block.ingress)
                egress_rules = tuple(labels[r] for r in block.egress)
                for s in iter_bits(block.sources):
                    if s != d:
                        g.add_edge(self.ids[s], self.ids[d], ports=block.ports,
                                   ingress_rules=ingress_rules, egress_rules=egress_rules)
        return g
