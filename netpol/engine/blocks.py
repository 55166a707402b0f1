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
from netpol.engine.form import AllowBlock, CompiledRule, CompiledTierRule, Node, port_key
from netpol.engine.tiers import Decision, decide, tier_rule_ports
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction, Rule
from netpol.model.tiers import TierAction

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
        key = (cr.id, port_key(dst))
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
    # when unpacked, and makes Cells of the result only. ``covered`` is the union of the cells: an
    # item that misses it (an egress rule of another namespace, say) is a new cell at once, and
    # the scan over the cells stops at the last one the item meets.
    cells: list[tuple[int, PortSet, tuple[int, ...]]] = []
    covered = 0
    for item_sources, item_ports, item_rules in items:
        rest = item_sources & universe
        if not rest:
            continue
        hit = rest & covered
        if hit:
            out: list[tuple[int, PortSet, tuple[int, ...]]] = []
            for k, cell in enumerate(cells):
                sources, ports, rules = cell
                inter = sources & hit
                if not inter:
                    out.append(cell)
                    continue
                out.append((inter, ports | item_ports, rules + item_rules))
                if inter != sources:
                    out.append((sources & ~inter, ports, rules))
                hit &= ~inter
                if not hit:
                    out.extend(cells[k + 1 :])
                    break
            cells = out
            rest &= ~covered
        if rest:
            cells.append((rest, item_ports, item_rules))
            covered |= rest
    return [_cell(cell) for cell in cells]


def _union(parts: Iterable[int]) -> int:
    bits = 0
    for p in parts:
        bits |= p
    return bits


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
        tier_rules: Sequence[CompiledTierRule] = (),
        destinations: int | None = None,
    ) -> None:
        """``destinations``: the nodes (a bitset) :meth:`into` will be asked about, None for
        every node; the rules are indexed toward those only (a what-if asks about the few
        destinations one policy touches, and indexing all of them costs what a compile does)."""
        asked = self._every = (1 << len(nodes)) - 1
        if destinations is not None:
            asked &= destinations
        self._nodes = nodes
        self._n = endpoint_count
        self._rules = rules
        self._isolated_ingress = isolated_ingress
        self._isolated_egress = isolated_egress
        self._by_node = by_node
        self._ports = ports
        self._tier_rules = tier_rules
        self._tier_ports: dict[tuple[int, object], PortSet] = {}
        self._decisions: dict[tuple[object, ...], Decision] = {}
        """The tier chain's verdicts, shared by the destination classes that ask the same."""
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
                for d in iter_bits(cr.targets & asked):
                    self._ingress_of[d].append(cr.id)
            elif cr.peers:
                for d in iter_bits(cr.peers & asked):
                    self._egress_to[d].append(cr.id)
        self._tier_in: list[list[int]] = [[] for _ in nodes]
        """Per destination: the tier ingress rules whose subject selects it."""
        self._tier_out: list[list[int]] = [[] for _ in nodes]
        """Per destination: the tier egress rules whose peers match it."""
        for tr in tier_rules:
            if not tr.targets or not tr.peers:
                continue  # selects nothing, or matches nothing (an Allow that fails closed)
            for d in iter_bits((tr.targets if tr.direction is Direction.INGRESS else tr.peers) & asked):
                (self._tier_in if tr.direction is Direction.INGRESS else self._tier_out)[d].append(tr.id)

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
        tier_in = tuple(self._tier_in[d])
        tier_out = tuple(self._tier_out[d])
        rules = self._rules
        named = any(rules[r].static_ports is None for r in (*in_ids, *out_ids)) or any(
            self._tier_rules[r].static_ports is None for r in (*tier_in, *tier_out)
        )
        node_bits = 0
        if isinstance(dst, Endpoint) and self._by_node:
            for node in dst.nodes:
                node_bits |= self._by_node.get(node, 0)
        key = (
            external,
            in_isolated,
            in_ids,
            out_ids,
            port_key(dst) if named else None,
            node_bits,
            tier_in,
            tier_out,
        )
        hit = self._classes.get(key)
        if hit is None:
            if tier_in or tier_out:
                built = self._build_tiered(
                    dst, external, in_isolated, in_ids, out_ids, node_bits, tier_in, tier_out
                )
            else:
                built = self._build(dst, external, in_isolated, in_ids, out_ids, node_bits)
            hit = self._classes[key] = built
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

    def _build_tiered(
        self,
        dst: Node,
        external: bool,
        in_isolated: bool,
        in_ids: tuple[int, ...],
        out_ids: tuple[int, ...],
        node_bits: int,
        tier_in: tuple[int, ...],
        tier_out: tuple[int, ...],
    ) -> tuple[AllowBlock, ...]:
        """The blocks into ``dst`` when tier rules apply to it: each direction's NetworkPolicy
        verdict, partitioned, is run through the tier chain with the tier rules covering it."""
        all_ports, none = PortSet.all(), PortSet.none()
        universe = self._endpoints if external else self._every
        # Each direction as a whole partition of the sources: (cell, isolated by NetworkPolicy).
        np_in: list[tuple[Cell, bool]]
        if in_isolated:
            covered = refine(universe, (self._cover(r, dst) for r in in_ids))
            np_in = [(c, True) for c in covered]
            np_in.append((Cell(universe & ~_union(c.sources for c in covered), none, ()), True))
        else:
            np_in = [(Cell(universe, all_ports, ()), False)]
        isolated_out = universe & self._isolated_egress
        covered = refine(isolated_out, (self._cover(r, dst) for r in out_ids))
        np_out = [(Cell(universe & self._not_egress_isolated, all_ports, ()), False)]
        np_out += [(c, True) for c in covered]
        np_out.append((Cell(isolated_out & ~_union(c.sources for c in covered), none, ()), True))
        in_cells = self._chain(universe, np_in, tier_in, dst)
        out_cells = self._chain(universe, np_out, tier_out, dst)
        built: list[AllowBlock] = []
        for i_src, i_ports, i_rules, i_tiers, i_by in in_cells:
            for o_src, o_ports, o_rules, o_tiers, o_by in out_cells:
                sources = i_src & o_src & ~node_bits
                if sources:
                    ports = i_ports & o_ports
                    if ports:
                        built.append(
                            AllowBlock(sources, ports, i_rules, o_rules, i_tiers, o_tiers, i_by, o_by)
                        )
        if node_bits:
            # "traffic to and from the node where a Pod is running is always allowed"
            built.append(AllowBlock(node_bits & universe, all_ports, (), ()))
        return tuple(built)

    def _chain(
        self, universe: int, np_cells: list[tuple[Cell, bool]], tier_ids: tuple[int, ...], dst: Node
    ) -> list[tuple[int, PortSet, tuple[int, ...], tuple[int, ...], tuple[str, ...]]]:
        """One direction's cells (sources, allowed ports, NetworkPolicy rules, tier rules, the
        tiers that allowed) after the tier chain; cells with nothing allowed are left out."""
        tiers = self._tier_rules

        def ports_of(r: int) -> PortSet:
            return self._tier_ports_toward(r, dst)

        tier_cells = refine(universe, (self._tier_cover(r, dst) for r in tier_ids))
        touched = _union(c.sources for c in tier_cells)
        # Toward a named port the verdict depends on the destination's ports: part of the key.
        keys = [
            port_key(dst) if any(tiers[r].static_ports is None for r in tc.rules) else None
            for tc in tier_cells
        ]
        out: list[tuple[int, PortSet, tuple[int, ...], tuple[int, ...], tuple[str, ...]]] = []
        for nc, isolated in np_cells:
            rest = nc.sources & ~touched
            if rest and nc.ports:  # no tier rule: NetworkPolicy's verdict (decided_by reads it)
                out.append((rest, nc.ports, nc.rules, (), ()))
            for tc, ports_key in zip(tier_cells, keys, strict=True):
                sources = tc.sources & nc.sources
                if not sources:
                    continue
                key = (tc.rules, isolated, nc.ports, ports_key)
                decision = self._decisions.get(key)
                if decision is None:
                    decision = self._decisions[key] = decide(tc.rules, tiers, ports_of, isolated, nc.ports)
                if decision.allowed:
                    used = tuple(r for r, _ in decision.steps if tiers[r].action is not TierAction.DENY)
                    np_rules = nc.rules if decision.networkpolicy else ()
                    out.append((sources, decision.allowed, np_rules, used, decision.tiers))
        return out

    def _tier_cover(self, r: int, dst: Node) -> Cell:
        """The sources tier rule ``r`` covers toward ``dst``: an ingress rule's peers, the subject
        of an egress rule."""
        tr = self._tier_rules[r]
        other = tr.peers if tr.direction is Direction.INGRESS else tr.targets
        return Cell(other, PortSet.none(), (r,))

    def _tier_ports_toward(self, r: int, dst: Node) -> PortSet:
        tr = self._tier_rules[r]
        if tr.static_ports is not None:
            return tr.static_ports
        key = (r, port_key(dst))
        hit = self._tier_ports.get(key)
        if hit is None:
            hit = self._tier_ports[key] = tier_rule_ports(tr.rule, dst)
        return hit

    def _cover(self, r: int, dst: Node) -> Cell:
        """What rule ``r`` admits toward ``dst``: the other ends (the sources an ingress rule
        admits, the sources an egress rule applies to) and the ports."""
        static = self._static[r]
        if static is not None:
            return static
        cr = self._rules[r]
        other = cr.peers if cr.direction is Direction.INGRESS else cr.targets
        return Cell(other, self._ports.toward(cr, dst), (r,))
