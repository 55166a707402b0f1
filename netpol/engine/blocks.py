"""For each destination, the sources partitioned into disjoint blocks: the ports each block may use
and the rules that allow it (provenance). Destinations that no rule, named port or node tells apart
share one block list (a destination class)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import NamedTuple

from netpol.core.bits import iter_bits
from netpol.core.ports import PortSet, Protocol
from netpol.engine.form import AllowBlock, CompiledRule, Node
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction, Rule

__all__ = ["Cell", "DestinationBlocks", "RulePorts", "node_traffic", "refine", "rule_ports"]


def rule_ports(rule: Rule, dst: Node | None) -> PortSet:
    """The ports a rule allows toward ``dst``; named ports resolve on the destination's containers.

    "If port is a string it is a named port ... matched against the destination pod's
    containerPorts by name and protocol"; toward an external range a named port matches nothing.
    Toward a stand-in, which stands for pods whose containers the input does not show, a named
    port stays a name: the port of that name, its number unknown.
    """
    if not rule.ports:
        return PortSet.all()  # "If this field is empty or missing, this rule matches all ports"
    spans: dict[Protocol, list[tuple[int, int]]] = defaultdict(list)
    names: list[tuple[Protocol, str]] = []
    for pp in rule.ports:
        if pp.port is None:
            spans[pp.protocol].append((1, 65535))
        elif isinstance(pp.port, int):
            spans[pp.protocol].append((pp.port, pp.end_port or pp.port))
        elif isinstance(dst, Endpoint):
            if dst.stand_in is not None:
                names.append((pp.protocol, pp.port))
            for cp in dst.ports:
                if cp.name == pp.port and cp.protocol is pp.protocol:
                    spans[pp.protocol].append((cp.port, cp.port))
    return PortSet.from_mapping(spans, names)


class RulePorts:
    """The ports of compiled rules toward destinations, a named port resolved once per rule and
    distinct set of container ports."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, object], PortSet] = {}

    def toward(self, cr: CompiledRule, dst: Node) -> PortSet:
        if cr.static_ports is not None:
            return cr.static_ports
        key = (cr.id, (dst.ports, dst.stand_in is not None) if isinstance(dst, Endpoint) else None)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = rule_ports(cr.rule, dst)
        return hit


class Cell(NamedTuple):
    """Sources that the same rules cover, the ports those rules allow them, and the rules."""

    sources: int
    ports: PortSet
    rules: tuple[int, ...]


_cell: Callable[[tuple[int, PortSet, tuple[int, ...]]], Cell] = partial(tuple.__new__, Cell)
"""A Cell from a plain tuple, without NamedTuple's Python-level constructor."""


def refine(universe: int, items: Iterable[Cell]) -> list[Cell]:
    """Partition the sources of ``universe`` that some item covers into cells that the same items
    cover; a cell's ports are the union of its items', its rules theirs in the items' order."""
    # A large cluster splits cells by the hundred thousand: the loop works on plain tuples, named
    # when unpacked, and makes Cells of the result only.
    cells: list[tuple[int, PortSet, tuple[int, ...]]] = []
    for item_sources, item_ports, item_rules in items:
        rest = item_sources & universe
        if not rest:
            continue
        out: list[tuple[int, PortSet, tuple[int, ...]]] = []
        for cell in cells:
            sources, ports, rules = cell
            inter = sources & rest
            if not inter:
                out.append(cell)
                continue
            out.append((inter, ports | item_ports, rules + item_rules))
            if inter != sources:
                out.append((sources & ~inter, ports, rules))
            rest &= ~inter
        if rest:
            out.append((rest, item_ports, item_rules))
        cells = out
    return [_cell(cell) for cell in cells]


def node_traffic(endpoints: Sequence[Endpoint], outside_selectors: Iterable[int]) -> dict[str, int]:
    """For each node name, the host-network endpoints (outside pod selectors) running there."""
    by_node: dict[str, int] = defaultdict(int)
    for i in outside_selectors:
        for node in endpoints[i].nodes:
            by_node[node] |= 1 << i
    return dict(by_node)


class DestinationBlocks:
    """The blocks into each destination, computed once per destination class."""

    def __init__(
        self,
        nodes: Sequence[Node],
        endpoint_count: int,
        rules: Sequence[CompiledRule],
        isolated_ingress: int,
        isolated_egress: int,
        by_node: Mapping[str, int],
        ports: RulePorts,
    ) -> None:
        self._nodes = nodes
        self._n = endpoint_count
        self._rules = rules
        self._isolated_ingress = isolated_ingress
        self._isolated_egress = isolated_egress
        self._by_node = by_node
        self._ports = ports
        self._every = (1 << len(nodes)) - 1
        self._endpoints = (1 << endpoint_count) - 1
        self._not_egress_isolated = self._every & ~isolated_egress
        self._classes: dict[tuple[object, ...], tuple[AllowBlock, ...]] = {}
        # What a rule without named ports admits is the same toward every destination.
        self._static: list[Cell | None] = [
            None
            if cr.static_ports is None
            else Cell(
                cr.peers if cr.direction is Direction.INGRESS else cr.targets, cr.static_ports, (cr.id,)
            )
            for cr in rules
        ]
        self._ingress_of: list[list[int]] = [[] for _ in nodes]
        """Per destination: the ingress rules of the policies selecting it."""
        self._egress_to: list[list[int]] = [[] for _ in nodes]
        """Per destination: the egress rules (of policies selecting something) admitting it."""
        for cr in rules:
            if not cr.targets:
                continue
            if cr.direction is Direction.INGRESS:
                for d in iter_bits(cr.targets):
                    self._ingress_of[d].append(cr.id)
            elif cr.peers:
                for d in iter_bits(cr.peers):
                    self._egress_to[d].append(cr.id)

    @property
    def classes(self) -> int:
        """How many destination classes were compiled so far."""
        return len(self._classes)

    def into(self, d: int) -> tuple[AllowBlock, ...]:
        dst = self._nodes[d]
        external = d >= self._n
        in_isolated = not external and bool((self._isolated_ingress >> d) & 1)
        in_ids = tuple(self._ingress_of[d]) if in_isolated else ()
        out_ids = tuple(self._egress_to[d])
        rules = self._rules
        named = any(rules[r].static_ports is None for r in (*in_ids, *out_ids))
        node_bits = 0
        if isinstance(dst, Endpoint) and self._by_node:
            for node in dst.nodes:
                node_bits |= self._by_node.get(node, 0)
        key = (
            external,
            in_isolated,
            in_ids,
            out_ids,
            (dst.ports, dst.stand_in is not None) if named and isinstance(dst, Endpoint) else None,
            node_bits,
        )
        hit = self._classes.get(key)
        if hit is None:
            hit = self._classes[key] = self._build(dst, external, in_isolated, in_ids, out_ids, node_bits)
        return hit

    def _build(
        self,
        dst: Node,
        external: bool,
        in_isolated: bool,
        in_ids: tuple[int, ...],
        out_ids: tuple[int, ...],
        node_bits: int,
    ) -> tuple[AllowBlock, ...]:
        all_ports = PortSet.all()
        universe = self._endpoints if external else self._every
        if in_isolated:
            in_cells = refine(universe, (self._cover(r, dst) for r in in_ids))
        else:
            in_cells = [Cell(universe, all_ports, ())]
        out_cells = [Cell(universe & self._not_egress_isolated, all_ports, ())]
        out_cells += refine(universe & self._isolated_egress, (self._cover(r, dst) for r in out_ids))
        built: list[AllowBlock] = []
        for inward in in_cells:
            for outward in out_cells:
                sources = inward.sources & outward.sources & ~node_bits
                if sources:
                    ports = inward.ports & outward.ports
                    if ports:
                        built.append(AllowBlock(sources, ports, inward.rules, outward.rules))
        if node_bits:
            # "traffic to and from the node where a Pod is running is always allowed"
            built.append(AllowBlock(node_bits & universe, all_ports, (), ()))
        return tuple(built)

    def _cover(self, r: int, dst: Node) -> Cell:
        """What rule ``r`` admits toward ``dst``: the other ends (the sources an ingress rule
        admits, the sources an egress rule applies to) and the ports."""
        static = self._static[r]
        if static is not None:
            return static
        cr = self._rules[r]
        other = cr.peers if cr.direction is Direction.INGRESS else cr.targets
        return Cell(other, self._ports.toward(cr, dst), (r,))
