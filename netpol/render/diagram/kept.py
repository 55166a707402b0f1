"""What a diagram keeps of the allow-graph: the filters, the allowed connections they keep (as
sets of sources per destination), external ranges grouped into classes that every kept connection
treats alike, and how a group of ranges reads."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from netpol.core.ipspace import AddressRange, IPFamily, format_range, merge_adjacent
from netpol.core.ports import PortSet, Protocol
from netpol.engine.asked import asked_ports
from netpol.engine.graph import AllowGraph
from netpol.engine.nodeset import NodeSet
from netpol.engine.views import Block
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction
from netpol.model.tiers import Tier, TierAction
from netpol.render.diagram.elements import DiagramNode, NodeStyle, listing

__all__ = ["NO_MARK", "Denied", "Filters", "KeptView", "Mark", "Tag", "admin_mark", "describe_ranges"]

Tag = tuple[int, ...]
"""Ids of Admin-tier rules (``AllowGraph.tier_rules()``) behind a connection: the Allow (Accept)
rules that allow it, or, for a denied one, the Deny rules that drop it; () for none."""
Denied = Sequence[Mapping[tuple[PortSet, Tag], NodeSet]]
"""Per destination: the ports an Admin-tier Deny drops that NetworkPolicy alone would allow, and
the Deny rules, -> the sources (see :mod:`netpol.render.diagram.denied`)."""


@dataclass(frozen=True, slots=True)
class Mark:
    """What the Admin tier decides of a connection: its rules, and the ports they decide (allow,
    or for a denied connection drop)."""

    rules: Tag = ()
    ports: PortSet = field(default_factory=PortSet.none)

    def __bool__(self) -> bool:
        return bool(self.rules)


NO_MARK = Mark()


def admin_mark(block: Block, dst: int) -> Mark:
    """The Admin-tier Allow (Accept) rules that allow some of a block's ports toward ``dst``, on
    either side, and those ports.

    A block keeps the Allow and Pass steps of each side's tier chain, in evaluation order; a port
    an Admin Deny took on a side is not allowed there, so it is not in ``block.ports``. Walking
    the Admin steps over ``block.ports`` ("first match wins") gives each port to the rule that
    decided it: an Allow keeps it for the Admin tier, a Pass hands it on to NetworkPolicy."""
    rules: set[int] = set()
    ports = PortSet.none()
    for side in (block.egress_tiers, block.ingress_tiers):
        remaining = block.ports
        for t in side:
            if t.policy.tier is not Tier.ADMIN or not remaining:
                continue
            matched = remaining & t.ports_toward(dst)
            if not matched:
                continue
            remaining = remaining - matched
            if t.action is TierAction.ALLOW:
                rules.add(t.id)
                ports |= matched
    return Mark(tuple(sorted(rules)), ports) if rules else NO_MARK


@dataclass(frozen=True, slots=True)
class Filters:
    focus: int | None
    namespace: str | None
    port: int | str | None
    """A number, or a name resolved on each destination (as ``netpol query --port``)."""
    protocol: Protocol | None
    exclude_external: bool

    @property
    def by_port(self) -> bool:
        return self.port is not None or self.protocol is not None

    def asked(self, dst: object) -> PortSet | None:
        """What a kept connection to ``dst`` allows some of; None: anything."""
        return asked_ports(self.protocol, self.port, dst) if self.by_port else None


class KeptView:
    """The allowed connections the filters keep, as sets of sources per destination, with external
    ranges grouped into classes that every kept connection treats alike.

    With tier policies, each kept connection carries the Admin-tier rules that allow it
    (:meth:`admin_of`); with ``denied``, the connections an Admin-tier Deny drops are kept too,
    under the same filters (:attr:`denied`)."""

    def __init__(self, graph: AllowGraph, filters: Filters, denied: Denied | None = None) -> None:
        self.graph = graph
        self.filters = filters
        self.n = n = graph.endpoint_count
        self.nodes = graph.nodes
        self.endpoints: list[Endpoint] = [e for e in self.nodes[:n] if isinstance(e, Endpoint)]
        by_ns: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.endpoints):
            by_ns[e.namespace].append(i)
        self.ns_members: dict[str, list[int]] = dict(sorted(by_ns.items()))
        self.ns_sets = {ns: graph.nodeset(m) for ns, m in self.ns_members.items()}
        self.stand_in_namespaces = frozenset(ns.name for ns in graph.cluster.namespaces if ns.stand_in)
        """Namespaces the input does not hold, added with stand-ins: ``ingress-nginx``, ``*``."""
        # Unprotected: no NetworkPolicy isolates its ingress and no cluster-wide ingress rule
        # applies to it (a tier policy's ingress rules decide for its subject).
        tiered = graph.union(t.targets for t in graph.tier_rules() if t.direction is Direction.INGRESS)
        self.unprotected = graph.endpoints - graph.isolated(Direction.INGRESS) - tiered

        self.tiered = bool(graph.tier_rules())
        self.rule_text = tuple(t.describe() for t in graph.tier_rules())
        """The tier rules in words, by id."""
        # kept[d]: ports -> the sources allowed to d on exactly those ports (self excluded).
        self.kept: list[dict[PortSet, NodeSet]] = []
        self.admin: list[list[tuple[NodeSet, Mark]]] = []
        """Per destination: kept sources some Admin-tier Allow rule allows, and those rules."""
        self.denied: list[dict[tuple[PortSet, Tag], NodeSet]] = []
        """Per destination: (ports, Deny rules) -> the kept sources an Admin-tier Deny drops
        those ports of; empty without ``denied``."""
        self.show_denied = denied is not None
        focus, ns = filters.focus, filters.namespace
        for d in range(len(self.nodes)):
            row: dict[PortSet, NodeSet] = {}
            marks: list[tuple[NodeSet, Mark]] = []
            lost: dict[tuple[PortSet, Tag], NodeSet] = {}
            asked = filters.asked(self.nodes[d])
            if not (filters.exclude_external and d >= n) and (asked is None or asked):
                mask = graph.everything.without(d)
                if filters.exclude_external:
                    mask &= graph.endpoints
                if focus is not None and d != focus:
                    mask &= graph.one(focus)
                if ns is not None and not (d < n and self.endpoints[d].namespace == ns):
                    mask &= self.ns_sets.get(ns, graph.nothing)
                for block in graph.blocks_into(d):
                    sources = block.sources & mask
                    if sources and (asked is None or block.ports & asked):
                        row[block.ports] = row.get(block.ports, graph.nothing) | sources
                        mark = admin_mark(block, d) if self.tiered else NO_MARK
                        if mark:
                            marks.append((sources, mark))
                if denied is not None:
                    if d >= n:
                        mask &= graph.endpoints
                    for (ports, tag), sources in denied[d].items():
                        sources &= mask
                        if sources and (asked is None or ports & asked):
                            lost[(ports, tag)] = sources
            self.kept.append(row)
            self.admin.append(marks)
            self.denied.append(lost)
        self.ext_group, self.groups = self._group_ranges()

    def admin_of(self, s: int, d: int) -> Mark:
        """What Admin-tier Allow rules allow of the kept connection ``s`` -> ``d``."""
        for sources, mark in self.admin[d]:
            if s in sources:
                return mark
        return NO_MARK

    def texts(self, tag: Tag) -> tuple[str, ...]:
        return tuple(self.rule_text[r] for r in tag)

    def _group_ranges(self) -> tuple[dict[int, int], dict[int, tuple[int, ...]]]:
        """Ranges with the same kept connections, keyed by their first range's index."""
        n, externals = self.n, self.graph.externals
        out: dict[int, list[tuple[int, PortSet, Mark]]] = defaultdict(list)
        lost: dict[int, list[tuple[int, str, Tag]]] = defaultdict(list)
        for d in range(n):
            for ports, sources in self.kept[d].items():
                for r in sources & externals:
                    out[r].append((d, ports, self.admin_of(r, d)))
            for (ports, tag), sources in self.denied[d].items():
                for r in sources & externals:
                    lost[r].append((d, str(ports), tag))
        signature: dict[object, list[int]] = defaultdict(list)
        for r in range(n, len(self.nodes)):
            into = frozenset((b, str(p)) for p, b in self.kept[r].items())
            frm = tuple((d, str(p), t) for d, p, t in out.get(r, ()))
            tiers: tuple[object, ...] = ()
            if self.admin[r] or self.denied[r] or r in lost:
                # Ranges that the Admin tier treats differently are drawn apart.
                tiers = (
                    frozenset((b, t) for b, t in self.admin[r]),
                    frozenset((b, str(p), t) for (p, t), b in self.denied[r].items()),
                    tuple(sorted(lost.get(r, ()))),
                )
            if into or frm or tiers or r == self.filters.focus:
                signature[(into, frm, tiers, r == self.filters.focus)].append(r)
        groups = {members[0]: tuple(members) for members in signature.values()}
        ext_group = {r: members[0] for members in groups.values() for r in members}
        return ext_group, dict(sorted(groups.items()))

    def sources(self, d: int) -> Iterator[tuple[int, PortSet]]:
        """Kept (source, ports) toward ``d``; an external group is represented by its first range."""
        n = self.n
        for ports, sources in self.kept[d].items():
            for s in sources:
                if s < n or self.ext_group.get(s) == s:
                    yield s, ports

    def denied_sources(self, d: int) -> Iterator[tuple[int, PortSet, Tag]]:
        """Kept (source, ports, Deny rules) an Admin-tier Deny drops toward ``d``, as :meth:`sources`."""
        n = self.n
        for (ports, tag), sources in self.denied[d].items():
            for s in sources:
                if s < n or self.ext_group.get(s) == s:
                    yield s, ports, tag

    def range_ids(self, rep: int) -> tuple[str, ...]:
        return tuple(self.nodes[r].id for r in self.groups[rep])

    def range_node(self, key: str, rep: int, shown: Iterable[int], focus: int | None) -> DiagramNode:
        """The node of an external group (represented by ``rep``), among the groups ``shown``."""
        return DiagramNode(
            key,
            self.range_lines(rep, shown),
            NodeStyle.EXTERNAL,
            focus=focus is not None and self.ext_group.get(focus) == rep,
            tooltip=listing(self.range_ids(rep)),
            members=self.range_ids(rep),
        )

    def range_lines(self, rep: int, shown: Iterable[int]) -> tuple[str, ...]:
        """The group's address ranges; "every other address" when spelling them out takes
        ``first-last`` ranges and the other groups ``shown`` hold every other address."""
        members = (self.nodes[i] for i in self.groups[rep])
        lines = describe_ranges([r for r in members if isinstance(r, AddressRange)])
        others = [g for g in shown if g != rep]
        if (
            others
            and any("-" in line for line in lines)
            and sum(len(self.groups[g]) for g in (rep, *others)) == len(self.nodes) - self.n
        ):
            return ("every other address",)
        return lines


def describe_ranges(ranges: list[AddressRange], max_lines: int = 6) -> tuple[str, ...]:
    """Lines such as ``0.0.0.0/0 except 203.0.113.0/25`` for a set of disjoint ranges: per
    family, the ranges themselves or the smallest CIDR holding them minus its holes, whichever
    is shorter."""
    lines: list[str] = []
    for fam in (4, 6):
        spans = merge_adjacent(ranges, fam)
        if not spans:
            continue
        lo, hi = _enclosing(fam, spans[0][0], spans[-1][1])
        holes = [(a[1] + 1, b[0] - 1) for a, b in itertools.pairwise(spans)]
        if spans[0][0] > lo:
            holes.insert(0, (lo, spans[0][0] - 1))
        if spans[-1][1] < hi:
            holes.append((spans[-1][1] + 1, hi))
        whole = _address_text(fam, lo, hi)
        if not holes:
            lines.append(whole)
        elif len(holes) < len(spans):
            texts = [_address_text(fam, a, b) for a, b in holes]
            if len(texts) == 1:
                lines.append(f"{whole} except {texts[0]}")
            else:
                lines.append(f"{whole} except")
                lines += [", ".join(texts[i : i + 2]) for i in range(0, len(texts), 2)]
        else:
            lines += [_address_text(fam, a, b) for a, b in spans]
    if lines == ["0.0.0.0/0", "::/0"]:
        return ("any address", "0.0.0.0/0, ::/0")
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], f"... {len(lines) - max_lines + 1} more"]
    return tuple(lines)


def _enclosing(family: int, first: int, last: int) -> tuple[int, int]:
    """The smallest CIDR block holding ``first`` .. ``last``."""
    bits = IPFamily(family).bits
    size = bits - (first ^ last).bit_length()
    mask = ((1 << bits) - 1) ^ ((1 << (bits - size)) - 1)
    return first & mask, (first & mask) | ((1 << (bits - size)) - 1)


def _address_text(family: int, first: int, last: int) -> str:
    """One address as itself, else a CIDR or ``first-last``."""
    if first == last:
        return str(IPFamily(family).address(first))
    return format_range(family, first, last)
