"""The allow-graph: the compiled cluster as every query, renderer and later command sees it.

:func:`compile_graph` compiles a Cluster and wraps the result in an :class:`AllowGraph`. The
graph answers typed questions (the sets of endpoints, the rules that select or admit one, where
an endpoint is isolated, the blocks of sources allowed into a destination); the compiled form
behind them stays private to ``netpol/engine/``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from netpol.core.bits import from_indexes, iter_bits
from netpol.core.ipspace import AddressRange, format_range
from netpol.core.ports import PortSet
from netpol.core.refs import RuleRef
from netpol.engine.compile import compile_cluster
from netpol.engine.form import AllowBlock, Compiled, Node, decided_by, port_key
from netpol.engine.nodeset import NodeSet, Universe
from netpol.engine.resolve import resolve_node
from netpol.engine.standins import add_stand_ins
from netpol.engine.tiers import Decision, decide
from netpol.engine.views import Block, PolicyView, RuleView, TierPolicyView, TierRuleView
from netpol.errors import Diagnostic
from netpol.model import Options
from netpol.model.cluster import Cluster, Endpoint
from netpol.model.resources import Direction, NetworkPolicy

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["WINDOW_PAIRS", "AllowGraph", "Connection", "Row", "Tag", "compile_graph"]

WINDOW_PAIRS = 1 << 20
"""About how many (source, destination) pairs the listing holds at once."""


class Connection(NamedTuple):
    """An allowed connection: ``src`` may open connections to ``dst`` on ``ports``.

    A named tuple, not a dataclass: a large cluster lists millions, and a tuple is made in a
    third of the time."""

    src: str
    dst: str
    ports: PortSet
    decided: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    """Which tiers allowed the (egress, ingress) side: ``Admin``, ``NetworkPolicy``,
    ``Baseline``, ``default``; None when the cluster has no tier policies."""

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"src": self.src, "dst": self.dst, "ports": self.ports.to_json()}
        if self.decided is not None:
            doc["decided_by"] = {"egress": list(self.decided[0]), "ingress": list(self.decided[1])}
        return doc

    @property
    def decided_text(self) -> str:
        """``egress Admin; ingress NetworkPolicy``; empty without tier policies."""
        if self.decided is None:
            return ""
        egress, ingress = (", ".join(t) for t in self.decided)
        return f"egress {egress}; ingress {ingress}"


Tag = tuple[PortSet, tuple[tuple[str, ...], tuple[str, ...]] | None]
"""What a listed row is allowed on: the ports and, with tier policies, who allowed each side."""

V = TypeVar("V")

Row = tuple[int, int, int, int, Tag]
"""A listed row by node index: source first and last, destination first and last (a run of
adjacent external ranges), and its tag."""


def compile_graph(
    cluster: Cluster,
    options: Options = Options(),
    diagnostics: tuple[Diagnostic, ...] = (),
    skipped: Mapping[str, int] | None = None,
) -> AllowGraph:
    """Compile ``cluster`` into its AllowGraph, with stand-ins for what its policies select and it
    does not hold unless ``options.stand_ins`` is off; ``diagnostics`` and ``skipped`` ride along."""
    if options.stand_ins:
        cluster = add_stand_ins(cluster, options)
    return AllowGraph(cluster, compile_cluster(cluster, options), options, diagnostics, skipped)


class AllowGraph:
    """Endpoints and, for every ordered pair, the ports allowed, with provenance.

    Nodes are indexes into :attr:`nodes`: workloads and pods sorted by id (``endpoint_count`` of
    them), then external address ranges in address order. Built by :func:`compile_graph`.
    """

    def __init__(
        self,
        cluster: Cluster,
        compiled: Compiled,
        options: Options = Options(),
        diagnostics: tuple[Diagnostic, ...] = (),
        skipped: Mapping[str, int] | None = None,
    ) -> None:
        self.cluster = cluster
        self.skipped: Mapping[str, int] = dict(cluster.skipped if skipped is None else skipped)
        """Objects not analysed, by kind (``<not a Kubernetes object>`` for other YAML)."""
        self.options = options
        self.diagnostics = diagnostics
        self._form = compiled
        self.nodes: tuple[Node, ...] = compiled.nodes
        self.ids: tuple[str, ...] = tuple(node.id for node in self.nodes)
        """``ids[i]`` is the id of ``nodes[i]``."""
        self.endpoint_count = compiled.endpoint_count
        """Nodes below this index are endpoints; the others are external address ranges."""
        self.classes = compiled.classes
        """How many distinct destination classes the compiler built (the rest shared one)."""
        self._index = {node_id: i for i, node_id in enumerate(self.ids)}
        self._universe = u = Universe(self.ids)
        endpoints = (1 << compiled.endpoint_count) - 1
        self.everything = NodeSet(u.everything, u)
        self.nothing = NodeSet(0, u)
        self.endpoints = NodeSet(endpoints, u)
        self.externals = NodeSet(u.everything & ~endpoints, u)
        self.host_network = NodeSet(compiled.host_network, u)
        """Endpoints outside pod selectors: hostNetwork pods (unless ``host_network_as_pods``),
        whose traffic is node traffic."""
        self.selectable = NodeSet(endpoints & ~compiled.host_network, u)
        """Endpoints that policies can select."""
        self.stand_ins = NodeSet(
            from_indexes(i for i, e in enumerate(cluster.endpoints) if e.stand_in is not None), u
        )
        """Stand-ins: endpoints for what the policies select that the input does not hold."""
        self._isolated = {d: NodeSet(compiled.isolated(d), u) for d in Direction}
        self._blocks: dict[int, tuple[Block, ...]] = {}

    # -- sets of nodes ---------------------------------------------------------------------------

    def nodeset(self, indexes: Iterable[int]) -> NodeSet:
        return self._universe.of(indexes)

    def one(self, index: int) -> NodeSet:
        return self._universe.one(index)

    def union(self, sets: Iterable[NodeSet]) -> NodeSet:
        """Every node of some of ``sets`` (sets of this graph), in one pass."""
        bits = 0
        for nodes in sets:
            bits |= nodes._bits
        return NodeSet(bits, self._universe)

    def isolated(self, direction: Direction) -> NodeSet:
        """Endpoints some policy selects for ``direction``."""
        return self._isolated[direction]

    def is_external(self, index: int) -> bool:
        return index >= self.endpoint_count

    def translate(self, nodes: NodeSet, ranges: Mapping[int, NodeSet]) -> NodeSet:
        """A set of another graph of the same endpoints (the same cluster under other policies)
        as a set of this one: endpoints keep their index, its external range ``r`` becomes
        ``ranges[r]``."""
        n = self.endpoint_count
        out = nodes._bits & self.endpoints._bits
        for r in iter_bits(nodes._bits >> n):
            out |= ranges[n + r]._bits
        return NodeSet(out, self._universe)

    # -- policies and rules ----------------------------------------------------------------------

    @cached_property
    def _rule_views(self) -> tuple[RuleView, ...]:
        u, nodes = self._universe, self.nodes
        return tuple(
            RuleView(
                cr.id,
                cr.policy,
                cr.direction,
                cr.rule,
                NodeSet(cr.targets, u),
                NodeSet(cr.peers, u),
                cr.static_ports,
                RuleRef(cr.policy.id, cr.direction, cr.rule.index),
                nodes,
            )
            for cr in self._form.rules
        )

    @cached_property
    def _policy_views(self) -> tuple[PolicyView, ...]:
        mine: dict[int, list[RuleView]] = {id(sp.policy): [] for sp in self._form.policies}
        for rv in self._rule_views:
            mine[id(rv.policy)].append(rv)
        return tuple(
            PolicyView(sp.policy, NodeSet(sp.targets, self._universe), tuple(mine[id(sp.policy)]))
            for sp in self._form.policies
        )

    @cached_property
    def _tier_rule_views(self) -> tuple[TierRuleView, ...]:
        u, nodes = self._universe, self.nodes
        return tuple(
            TierRuleView(
                tr.id,
                tr.policy,
                tr.direction,
                tr.rule,
                NodeSet(tr.targets, u),
                NodeSet(tr.peers, u),
                tr.action,
                tr.static_ports,
                tr.fail_closed,
                RuleRef(tr.policy.id, tr.direction, tr.rule.index),
                nodes,
            )
            for tr in self._form.tier_rules
        )

    def tier_rules(self) -> tuple[TierRuleView, ...]:
        """Every rule of the cluster-wide tiers, in evaluation order (Admin tier by priority, then
        Baseline; each policy's rules as written, ingress before egress)."""
        return self._tier_rule_views

    @cached_property
    def _tier_policy_views(self) -> tuple[TierPolicyView, ...]:
        mine: dict[str, list[TierRuleView]] = {}
        for tv in self._tier_rule_views:
            mine.setdefault(tv.policy.id, []).append(tv)
        return tuple(
            TierPolicyView(sp.policy, NodeSet(sp.targets, self._universe), tuple(mine.get(sp.policy.id, ())))
            for sp in self._form.tier_policies
        )

    def tier_policies(self) -> tuple[TierPolicyView, ...]:
        """Every tier policy in evaluation order, with what its subject selects and its rules."""
        return self._tier_policy_views

    def tier_rules_applying(self, owner: int, other: int, direction: Direction) -> list[TierRuleView]:
        """The ``direction`` tier rules whose subject holds ``owner`` and whose peers match
        ``other``, in evaluation order."""
        return [
            tv
            for tv in self._tier_rule_views
            if tv.direction is direction and owner in tv.targets and other in tv.peers
        ]

    def tier_decision(self, src: int, dst: int, direction: Direction, *, dns: bool = False) -> Decision:
        """The chain for one direction of ``src`` -> ``dst``: what it allows and which tier rules
        decided. ``dns``: take every ``domainNames`` peer of the source's egress rules to match
        ``dst`` (what the verdict would be if ``dst`` were one of the names)."""
        owner, other = (dst, src) if direction is Direction.INGRESS else (src, dst)
        rules = [tv.id for tv in self.tier_rules_applying(owner, other, direction)]
        if dns and direction is Direction.EGRESS:
            rules = sorted(
                {*rules}
                | {
                    tv.id
                    for tv in self._tier_rule_views
                    if tv.direction is direction and owner in tv.targets and tv.rule.domain_names
                }
            )
        isolated = owner in self._isolated[direction]
        np = PortSet.none()
        if isolated:
            for rv in self.rules_admitting(owner, other, direction):
                np |= rv.ports_toward(dst)
        views = self._tier_rule_views
        return decide(rules, self._form.tier_rules, lambda r: views[r].ports_toward(dst), isolated, np)

    def rules(self) -> tuple[RuleView, ...]:
        """Every rule of a direction its policy isolates: policies in order, ingress first."""
        return self._rule_views

    def policies(self) -> tuple[PolicyView, ...]:
        """Every policy, in the cluster's order, with what it selects and its rules."""
        return self._policy_views

    @cached_property
    def _isolating(self) -> dict[tuple[int, Direction], tuple[NetworkPolicy, ...]]:
        found: dict[tuple[int, Direction], list[NetworkPolicy]] = {}
        for sp in self._form.policies:
            for direction in Direction:
                if direction in sp.policy.policy_types:
                    for i in iter_bits(sp.targets):
                        found.setdefault((i, direction), []).append(sp.policy)
        return {k: tuple(v) for k, v in found.items()}

    def isolating(self, node: int, direction: Direction) -> tuple[NetworkPolicy, ...]:
        """The policies that select ``node`` for ``direction``, in the cluster's order; () when
        it is not isolated."""
        return self._isolating.get((node, direction), ())

    def rules_admitting(self, owner: int, other: int, direction: Direction) -> list[RuleView]:
        """The ``direction`` rules that apply to ``owner`` and admit ``other`` as the other end
        (the source's egress rules admitting a destination, or a destination's ingress rules
        admitting a source), in rule order."""
        views = self._rule_views
        return [
            views[cr.id]
            for cr in self._form.rules
            if cr.direction is direction and (cr.targets >> owner) & 1 and (cr.peers >> other) & 1
        ]

    # -- blocks ----------------------------------------------------------------------------------

    def blocks_into(self, dst: int) -> tuple[Block, ...]:
        """Disjoint blocks of the sources allowed into ``dst``, each with its ports and the rules
        that allow it (a node's traffic to itself included)."""
        compiled = self._form.blocks[dst]
        hit = self._blocks.get(id(compiled))
        if hit is None:
            hit = self._blocks[id(compiled)] = tuple(self._view(b) for b in compiled)
        return hit

    def _view(self, block: AllowBlock) -> Block:
        return Block(
            NodeSet(block.sources, self._universe),
            block.ports,
            block.ingress,
            block.egress,
            self.rules,
            block.ingress_tiers,
            block.egress_tiers,
            self.tier_rules,
            block.ingress_decided,
            block.egress_decided,
        )

    def port_key(self, index: int) -> object:
        """What a named port resolves on at node ``index``: equal keys, equal resolutions."""
        return port_key(self.nodes[index])

    def split_by_ports(self, nodes: NodeSet) -> list[NodeSet]:
        """``nodes`` split by :meth:`port_key` (the external ranges together)."""
        groups: dict[object, list[int]] = {}
        for i in nodes:
            groups.setdefault(port_key(self.nodes[i]), []).append(i)
        return [self.nodeset(g) for g in groups.values()]

    def block_between(self, src: int, dst: int) -> Block | None:
        """The block of ``dst`` holding ``src``; None when nothing is allowed."""
        for i, block in enumerate(self._form.blocks[dst]):
            if (block.sources >> src) & 1:
                return self.blocks_into(dst)[i]
        return None

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
        return resolve_node(self, self._index, text)

    # -- connections -----------------------------------------------------------------------------

    def allowed_between(self, src: int, dst: int) -> PortSet:
        """Ports ``src`` may use toward ``dst`` (indexes). A pod always reaches itself."""
        if src == dst:
            node = self.nodes[src]
            if isinstance(node, Endpoint) and node.kind == "Pod":
                return PortSet.all()
        for block in self._form.blocks[dst]:
            if (block.sources >> src) & 1:
                return block.ports
        return PortSet.none()

    def allowed(self, src: str, dst: str) -> PortSet:
        return self.allowed_between(self.resolve(src), self.resolve(dst))

    def pairs(self) -> Iterator[tuple[int, int, PortSet]]:
        """Every allowed (src, dst, ports) by index, self-pairs and external-to-external excluded,
        sorted by source then destination."""
        for lo, per_src in self._windows(lambda block: block.ports):
            for o, row in enumerate(per_src):
                s = lo + o
                for d, ports in row:
                    if d != s:
                        yield s, d, ports

    def _windows(
        self, value: Callable[[AllowBlock], V], *, external: bool | None = None
    ) -> Iterator[tuple[int, list[list[tuple[int, V]]]]]:
        """The allowed pairs a window of sources at a time: ``(lo, rows)``, ``rows[o]`` the
        (destination, ``value(block)``) of source ``lo + o`` in destination order, its traffic to
        itself included. About :data:`WINDOW_PAIRS` pairs are held at once, whatever the number
        of connections; the external sources (whose rows :meth:`external_rows` merges per destination)
        are one window. ``external``: only the endpoints' windows (False) or only the external
        one (True)."""
        blocks = self._form.blocks
        total, n = len(blocks), self.endpoint_count
        # Each window costs a pass over every block: as few windows as the pairs allow. The
        # pairs are counted first (a popcount per block), and a window holds about WINDOW_PAIRS
        # of them if they are spread evenly over the sources.
        pairs = sum(block.sources.bit_count() for into in blocks for block in into)
        width = max(1, min(n, WINDOW_PAIRS * n // max(1, pairs)))
        windows = [(a, min(n, a + width)) for a in range(0, n, width)] if external is not True else []
        if total > n and external is not False:
            windows.append((n, total))
        values: dict[int, V] = {}  # id(block) -> value(block)
        for lo, hi in windows:
            mask = (1 << (hi - lo)) - 1
            per_src: list[list[tuple[int, V]]] = [[] for _ in range(hi - lo)]
            offsets: dict[int, list[int]] = {}  # id(block) -> its sources in the window, less lo
            for d, into in enumerate(blocks):
                for block in into:
                    offs = offsets.get(id(block))
                    if offs is None:
                        offs = offsets[id(block)] = list(iter_bits((block.sources >> lo) & mask))
                    if offs:
                        v = values.get(id(block))
                        if v is None:
                            v = values[id(block)] = value(block)
                        cell = (d, v)
                        for o in offs:
                            per_src[o].append(cell)
            yield lo, per_src

    def connections(self) -> list[Connection]:
        """Every allowed connection, as :meth:`iter_connections` gives them."""
        return list(self.iter_connections())

    def iter_connections(self) -> Iterator[Connection]:
        """Every allowed connection, sorted by source then destination (endpoints by id, external
        ranges by address); runs of adjacent external ranges with the same ports (and, with tier
        policies, allowed by the same tiers) are merged. Given as they are found: the memory held
        does not grow with the number of connections (see :meth:`_windows`)."""
        ids, span = self.ids, self.span_id
        for s, inner, outer in self.source_rows():
            src = ids[s]
            for d, (p, t) in inner:
                yield Connection(src, ids[d], p, t)
            for c, d, (p, t) in outer:
                yield Connection(src, span(c, d), p, t)
        for a, b, c, d, (p, t) in self.external_rows():
            yield Connection(span(a, b), span(c, d), p, t)

    def source_rows(self) -> Iterator[tuple[int, list[tuple[int, Tag]], list[tuple[int, int, Tag]]]]:
        """For each endpoint with connections, in order: ``(s, inner, outer)``, the endpoints it
        reaches (index and tag, in order) and the runs of external ranges (first, last, tag):
        adjacent ranges on one tag are one run. Equal tags are the same object."""
        n = self.endpoint_count
        first = itemgetter(0)
        for lo, per_src in self._windows(self._tag, external=False):
            for o, row in enumerate(per_src):
                if not row:
                    continue
                s = lo + o
                k = bisect_left(row, n, key=first)
                inner = [cell for cell in row[:k] if cell[0] != s] if k else []
                outer: list[tuple[int, int, Tag]] = []
                for d, tag in row[k:]:
                    if outer and outer[-1][2] is tag and self.adjacent(outer[-1][1], d):
                        outer[-1] = (outer[-1][0], d, tag)
                    else:
                        outer.append((d, d, tag))
                if inner or outer:
                    yield s, inner, outer

    def external_rows(self) -> list[Row]:
        """The rows from external ranges: per destination, runs of adjacent sources on one tag
        merged; sorted by source, then destination."""
        n = self.endpoint_count
        if len(self.nodes) == n:
            return []
        ((lo, per_src),) = self._windows(self._tag, external=True)
        toward: dict[int, list[tuple[int, Tag]]] = {}
        for o, row in enumerate(per_src):
            for d, tag in row:
                if d < n:
                    toward.setdefault(d, []).append((lo + o, tag))
        rows: list[Row] = []
        for d, sources in toward.items():
            start = len(rows)
            for s, tag in sources:
                if len(rows) > start and rows[-1][4] is tag and self.adjacent(rows[-1][1], s):
                    rows[-1] = (rows[-1][0], s, d, d, tag)
                else:
                    rows.append((s, s, d, d, tag))
        rows.sort(key=lambda r: (r[0], r[2]))
        return rows

    @cached_property
    def _tag(self) -> Callable[[AllowBlock], Tag]:
        """A block's tag, equal tags one object (a reader may compare them with ``is``)."""
        tiered = bool(self._form.tier_rules)
        same: dict[Tag, Tag] = {}

        def tag(block: AllowBlock) -> Tag:
            fresh: Tag = (block.ports, _decided(block) if tiered else None)
            return same.setdefault(fresh, fresh)

        return tag

    def span_id(self, first: int, last: int) -> str:
        """The id of node ``first``, or of the run of external ranges ``first``..``last``."""
        if first == last:
            return self.ids[first]
        lo, hi = self.nodes[first], self.nodes[last]
        assert isinstance(lo, AddressRange) and isinstance(hi, AddressRange)
        return format_range(lo.family, lo.first, hi.last)

    def listed_ports(self) -> set[PortSet]:
        """Every port set a block allows: what a listed connection can be allowed on."""
        return {block.ports for into in self._form.blocks for block in into}

    def adjacent(self, a: int, b: int) -> bool:
        """Nodes ``a`` and ``b`` are external ranges of one family, ``b`` right after ``a``."""
        ra, rb = self.nodes[a], self.nodes[b]
        return (
            isinstance(ra, AddressRange)
            and isinstance(rb, AddressRange)
            and ra.family == rb.family
            and ra.last + 1 == rb.first
        )

    # -- networkx --------------------------------------------------------------------------------

    def to_networkx(self) -> nx.DiGraph:
        """A networkx DiGraph of every endpoint and allowed connection.

        Nodes carry ``kind``, ``namespace``, ``labels``, ``external`` and the policies isolating
        them (``isolated_ingress``/``isolated_egress``: policy ids, empty when not isolated).
        Edges carry ``ports`` (a PortSet), the rules that allow them (``ingress_rules`` and
        ``egress_rules``: labels like ``shop/allow-api ingress rule #1``; empty when that side is
        not isolated), the tier rules (``ingress_tiers``, ``egress_tiers``) and which tiers
        allowed each side (``ingress_decided``, ``egress_decided``). Self-loops and
        external-to-external pairs are left out.
        """
        from netpol.engine.networkx_ import graph_to_networkx

        return graph_to_networkx(self)


def _decided(block: AllowBlock) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Which tiers allowed a block's (egress, ingress)."""
    return decided_by(block.egress_decided, block.egress), decided_by(block.ingress_decided, block.ingress)
