"""Render stage, format-free half: the allow-graph as a diagram a person can read.

This module decides what a picture shows -- which nodes, which namespace boxes, which edges,
collapsed how, in which colour category -- and leaves the spelling to one renderer per format
(``netpol/render/dot.py``, ``mermaid.py``, ``html_graph.py``). It is pure data: no I/O, no format.

Exactness: an edge never claims a connection that is not allowed.

* A plain edge ``a -> b`` labelled P: a may connect to b on exactly the ports P.
* An edge ending at (or starting from) a namespace box: *every* endpoint of that namespace -- all of
  them are drawn in the box -- is reached (or reaches) on exactly P. The same for the "every pod"
  node, which stands for every endpoint of the cluster (an endpoint's traffic to itself aside).
* A namespace box labelled "pods reach each other": every ordered pair inside it, on exactly P.
* At namespace level, "every pod" keeps that meaning; "some pods" says that at least one pair is
  allowed, and the ports are the union over the pairs that are.

External address ranges that every drawn connection treats alike are drawn as one node.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from netpol.core.ipspace import AddressRange, IPFamily, format_range, merge_adjacent
from netpol.core.ports import PortSet, Protocol
from netpol.engine.asked import asked_ports
from netpol.engine.graph import AllowGraph
from netpol.engine.nodeset import NodeSet
from netpol.errors import Diagnostic, Severity, UsageError
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction

__all__ = [
    "BOX_COLOURS",
    "EDGE_COLOURS",
    "EVERY_POD_ID",
    "EXTERNAL_BOX",
    "LEGEND_TEXT",
    "MAX_LABEL_RANGES",
    "MAX_LINE",
    "MAX_LISTED",
    "MAX_READABLE_EDGES",
    "MAX_READABLE_NODES",
    "MAX_TOOLTIP_RANGES",
    "NODE_COLOURS",
    "ClusterBox",
    "Diagram",
    "DiagramEdge",
    "DiagramNode",
    "EdgeKind",
    "LegendItem",
    "Level",
    "NodeStyle",
    "Swatch",
    "build_diagram",
    "listing",
    "port_text",
]

MAX_READABLE_NODES = 150
"""Above this many nodes a drawing stops being readable: callers should say so."""
MAX_READABLE_EDGES = 250
"""Above this many edges a drawing stops being readable, and labelling every edge makes Graphviz
slow: the diagram is ``dense`` (ports in tooltips only)."""

MAX_LISTED = 20
"""A tooltip names at most this many members, then says how many more ("… and 380 more")."""
MAX_LABEL_RANGES = 8
"""Port ranges per protocol in a label ("TCP 1,3,5,7,9,11,13,15 … and 40 more")."""
MAX_TOOLTIP_RANGES = 64
"""Port ranges per protocol in a tooltip."""
MAX_LINE = 60
"""Characters of a name on a node's label; the tooltip has it whole."""

EVERY_POD_ID = "every-pod"
EXTERNAL_BOX = "(outside)"
"""The box holding external ranges; no namespace can be named so."""


class Level(StrEnum):
    WORKLOAD = "workload"
    NAMESPACE = "namespace"


class NodeStyle(StrEnum):
    """What a node's colour means."""

    ENDPOINT = "endpoint"
    """A workload or pod isolated for ingress (some policy selects it)."""
    UNPROTECTED = "unprotected"
    """No policy isolates it for ingress: every source may connect."""
    EXTERNAL = "external"
    """Addresses outside the cluster."""
    EVERY_POD = "every-pod"
    """Stands for every endpoint of the cluster."""


class EdgeKind(StrEnum):
    INTRA = "intra-namespace"
    CROSS = "cross-namespace"
    EXTERNAL = "external"


class LegendItem(StrEnum):
    ENDPOINT = "endpoint"
    NAMESPACE = "namespace"
    NAMESPACE_NODE = "namespace-node"
    UNPROTECTED = "unprotected"
    UNPROTECTED_NAMESPACE = "unprotected-namespace"
    EXTERNAL = "external"
    EVERY_POD = "every-pod"
    INTRA = "intra"
    CROSS = "cross"
    EXTERNAL_EDGE = "external-edge"
    COLLAPSED = "collapsed"
    INTERNAL = "internal"
    SOME = "some"
    BOTH_WAYS = "both-ways"
    UNLABELLED = "unlabelled"
    FOCUS = "focus"


LEGEND_TEXT: Mapping[LegendItem, str] = {
    LegendItem.ENDPOINT: "workload or pod (ingress isolated by a policy)",
    LegendItem.NAMESPACE: "namespace (a box holds its workloads and pods)",
    LegendItem.NAMESPACE_NODE: "namespace: all its workloads and pods as one node",
    LegendItem.UNPROTECTED: "no ingress policy: every source may connect",
    LegendItem.UNPROTECTED_NAMESPACE: "some workload or pod here has no ingress policy",
    LegendItem.EXTERNAL: "addresses outside the cluster",
    LegendItem.EVERY_POD: "every pod of every namespace",
    LegendItem.INTRA: "within one namespace",
    LegendItem.CROSS: "across namespaces",
    LegendItem.EXTERNAL_EDGE: "to or from outside the cluster",
    LegendItem.COLLAPSED: "thick: every pod (address) of the box or group, exactly these ports",
    LegendItem.INTERNAL: "box title 'pods reach each other': every pair inside, these ports",
    LegendItem.SOME: "dashed 'some pods': at least one pair; ports of all pairs together",
    LegendItem.BOTH_WAYS: "arrow at both ends: allowed both ways on these ports",
    LegendItem.UNLABELLED: "no label (too many edges, or no room): the ports are in the tooltip",
    LegendItem.FOCUS: "thick border: the endpoint in focus",
}


@dataclass(frozen=True, slots=True)
class Swatch:
    fill: str
    stroke: str


NODE_COLOURS: Mapping[NodeStyle, Swatch] = {
    NodeStyle.ENDPOINT: Swatch("#e3eefa", "#2b6cb0"),
    NodeStyle.UNPROTECTED: Swatch("#fde2e0", "#c53030"),
    NodeStyle.EXTERNAL: Swatch("#fdf0c8", "#a86a12"),
    NodeStyle.EVERY_POD: Swatch("#ece6fb", "#6b46c1"),
}
BOX_COLOURS = Swatch("#f6f8fa", "#8a96a3")
EDGE_COLOURS: Mapping[EdgeKind, str] = {
    EdgeKind.INTRA: "#4a5568",
    EdgeKind.CROSS: "#2b6cb0",
    EdgeKind.EXTERNAL: "#a86a12",
}


@dataclass(frozen=True, slots=True)
class DiagramNode:
    id: str
    """Stable: the endpoint id, ``ns:NAME`` (namespace level), ``ext:RANGE`` or ``every-pod``."""
    label: tuple[str, ...]
    """Lines, the first one the name."""
    style: NodeStyle
    box: str | None = None
    """The namespace box holding it (workload level)."""
    namespace_node: bool = False
    focus: bool = False
    tooltip: str = ""
    members: tuple[str, ...] = ()
    """The endpoint and address-range ids it stands for."""


@dataclass(frozen=True, slots=True)
class ClusterBox:
    """A namespace drawn as a box around its endpoints, or the box of external ranges."""

    name: str
    label: tuple[str, ...]
    node_ids: tuple[str, ...]
    complete: bool
    """Every endpoint of the namespace (every address outside the cluster) is drawn: only then
    can an edge stand for all of them."""
    internal: PortSet | None = None
    """Every endpoint reaches every other one of the box on exactly these ports."""
    external: bool = False


@dataclass(frozen=True, slots=True)
class DiagramEdge:
    src: str
    dst: str
    ports: PortSet
    kind: EdgeKind
    label: str
    src_box: bool = False
    """``src`` names a ClusterBox: the edge leaves every endpoint in it."""
    dst_box: bool = False
    collapsed: bool = False
    """Stands for many connections (a box, the every-pod node, or every pod at namespace level)."""
    some: bool = False
    """Namespace level: only some pairs are allowed; ``ports`` is their union."""
    both_ways: bool = False
    dst_external: bool = False
    """The destination is outside the cluster (an external node or their box)."""
    src_name: str = ""
    dst_name: str = ""
    """What the ends stand for, in words: ``shop/api[Deployment]``, ``every pod of namespace shop``."""

    @property
    def tooltip(self) -> str:
        arrow = " ↔ " if self.both_ways else " → "
        ports = port_text(self.ports, MAX_TOOLTIP_RANGES)
        return f"{self.src_name}{arrow}{self.dst_name}: {'some pods, ' * self.some}{ports}"


@dataclass(frozen=True, slots=True)
class Diagram:
    level: Level
    title: tuple[str, ...]
    boxes: tuple[ClusterBox, ...]
    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    legend: tuple[LegendItem, ...]
    connections: int
    """How many allowed (source, destination) pairs the edges stand for."""
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def dense(self) -> bool:
        """Too many edges to label them: ports go to tooltips (and the HTML page's table)."""
        return len(self.edges) > MAX_READABLE_EDGES

    @property
    def too_large(self) -> bool:
        return len(self.nodes) > MAX_READABLE_NODES or self.dense

    def node(self, node_id: str) -> DiagramNode:
        return next(n for n in self.nodes if n.id == node_id)


# -- words, kept short -------------------------------------------------------------------------


def listing(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    """``a, b, c``; past ``limit`` items, the first ones and ``… and 380 more``."""
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} … and {len(items) - limit} more"


def port_text(ports: PortSet, limit: int = MAX_LABEL_RANGES) -> str:
    """``str(ports)`` with at most ``limit`` ranges per protocol: ``TCP 1,3,5 … and 40 more``."""
    parts = []
    for protocol, ranges in ports.items():
        if len(ranges) <= limit:
            parts.append(str(PortSet.from_mapping({protocol: ranges})))
        else:
            shown = PortSet.from_mapping({protocol: ranges[:limit]})
            parts.append(f"{shown} … and {len(ranges) - limit} more")
    return str(ports) if ports.is_all() or not parts else "; ".join(parts)


def _clip(text: str, limit: int = MAX_LINE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the filtered view -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Filters:
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


class _View:
    """The allowed connections the filters keep, as sets of sources per destination, with external
    ranges grouped into classes that every kept connection treats alike."""

    def __init__(self, graph: AllowGraph, filters: _Filters) -> None:
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
        self.unprotected = graph.endpoints - graph.isolated(Direction.INGRESS)

        # kept[d]: ports -> the sources allowed to d on exactly those ports (self excluded).
        self.kept: list[dict[PortSet, NodeSet]] = []
        focus, ns = filters.focus, filters.namespace
        for d in range(len(self.nodes)):
            row: dict[PortSet, NodeSet] = {}
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
            self.kept.append(row)
        self.ext_group, self.groups = self._group_ranges()

    def _group_ranges(self) -> tuple[dict[int, int], dict[int, tuple[int, ...]]]:
        """Ranges with the same kept connections, keyed by their first range's index."""
        n, externals = self.n, self.graph.externals
        out: dict[int, list[tuple[int, PortSet]]] = defaultdict(list)
        for d in range(n):
            for ports, sources in self.kept[d].items():
                for r in sources & externals:
                    out[r].append((d, ports))
        signature: dict[object, list[int]] = defaultdict(list)
        for r in range(n, len(self.nodes)):
            into = frozenset((b, str(p)) for p, b in self.kept[r].items())
            frm = tuple((d, str(p)) for d, p in out.get(r, ()))
            if into or frm or r == self.filters.focus:
                signature[(into, frm, r == self.filters.focus)].append(r)
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

    def range_ids(self, rep: int) -> tuple[str, ...]:
        return tuple(self.nodes[r].id for r in self.groups[rep])

    def range_lines(self, rep: int, shown: Iterable[int]) -> tuple[str, ...]:
        """The group's address ranges; "every other address" when spelling them out takes
        ``first-last`` ranges and the other groups ``shown`` hold every other address."""
        members = (self.nodes[i] for i in self.groups[rep])
        lines = describe_ranges([r for r in members if isinstance(r, AddressRange)])
        others = [g for g in shown if g != rep]
        if (others and any("-" in line for line in lines)
                and sum(len(self.groups[g]) for g in (rep, *others)) == len(self.nodes) - self.n):
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
                lines += [", ".join(texts[i:i + 2]) for i in range(0, len(texts), 2)]
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


# -- building ----------------------------------------------------------------------------------


def build_diagram(graph: AllowGraph, *, level: Level = Level.WORKLOAD, focus: str | None = None,
                  namespace: str | None = None, port: int | str | None = None,
                  protocol: Protocol | None = None, exclude_external: bool = False) -> Diagram:
    """The diagram of ``graph``'s allowed connections that the filters keep.

    ``focus``: only connections to or from this endpoint (resolved by :meth:`AllowGraph.resolve`,
    which raises UsageError when unknown); ``namespace``: only connections touching it;
    ``port``/``protocol``: only connections allowing that port (TCP when only ``port`` is given);
    a port name is resolved on each destination, as ``netpol query --port`` does, and one that no
    workload or pod declares raises UsageError naming those the input declares;
    ``exclude_external``: leave out addresses outside the cluster.
    """
    if isinstance(port, str):
        _check_port_name(graph, port, protocol or Protocol.TCP)
    focus_index = graph.resolve(focus) if focus is not None else None
    filters = _Filters(focus_index, namespace, port, protocol, exclude_external)
    view = _View(graph, filters)
    diagnostics: list[Diagnostic] = []
    if namespace is not None and namespace not in view.ns_members:
        diagnostics.append(Diagnostic(Severity.WARNING, "unknown-namespace",
                                      f"no workload or pod in namespace {namespace!r}"))
    diagram = _workload_diagram(view) if level is Level.WORKLOAD else _namespace_diagram(view)
    if not diagram.connections:
        diagnostics.append(Diagnostic(Severity.WARNING, "no-connections",
                                      "no allowed connection matches the filters"))
    title = (*diagram.title, *_filter_line(graph, filters))
    return Diagram(diagram.level, title, diagram.boxes, diagram.nodes, diagram.edges,
                   diagram.legend, diagram.connections, (*diagram.diagnostics, *diagnostics))


def _check_port_name(graph: AllowGraph, name: str, protocol: Protocol) -> None:
    declared = {(p.name, p.protocol) for e in graph.cluster.endpoints for p in e.ports if p.name}
    if (name, protocol) in declared:
        return
    names = sorted(n if p is Protocol.TCP else f"{n} ({p.value})" for n, p in declared)
    hint = (f"the input declares {listing(names)}" if names
            else "the input declares no named port")
    raise UsageError(f"no workload or pod declares a {protocol.value} port named {name!r} "
                     f"({hint}); give a port number (1-65535) or one of those names")


def _filter_line(graph: AllowGraph, filters: _Filters) -> tuple[str, ...]:
    parts = []
    if filters.focus is not None:
        parts.append(f"focus {graph.nodes[filters.focus].id}")
    if filters.namespace is not None:
        parts.append(f"namespace {filters.namespace}")
    if filters.port is not None:
        parts.append(f"port {(filters.protocol or Protocol.TCP).value} {filters.port}")
    elif filters.protocol is not None:
        parts.append(f"protocol {filters.protocol.value}")
    if filters.exclude_external:
        parts.append("external addresses left out")
    return ("only: " + ", ".join(parts),) if parts else ()


# -- edges while building ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _End:
    """One end of an edge: a node or a box (then ``members`` are the nodes it stands for)."""

    ref: str
    members: tuple[int, ...]
    order: int
    box: bool = False
    word: str | None = None
    """How a label names a group end: "every pod", "every address"."""
    namespace: str | None = None
    external: bool = False
    describe: str = ""


@dataclass(frozen=True, slots=True)
class _Edge:
    src: _End
    dst: _End
    ports: PortSet
    words: tuple[str, ...] = ()
    collapsed: bool = False
    some: bool = False


def _label(words: tuple[str, ...], ports: PortSet, both_ways: bool) -> str:
    if not words:
        return port_text(ports)
    # ASCII arrows: the fonts Graphviz finds for PNG often lack U+2192 and U+2194.
    return f"{(' <-> ' if both_ways else ' -> ').join(words)} · {port_text(ports)}"


def _finish(edges: list[_Edge]) -> list[DiagramEdge]:
    """Sort, merge each edge with its reverse when they say the same, classify and label."""
    edges = sorted(edges, key=lambda e: (e.src.order, e.dst.order))
    index = {(e.src.ref, e.src.box, e.dst.ref, e.dst.box): i for i, e in enumerate(edges)}
    out: list[DiagramEdge] = []
    gone: set[int] = set()
    for i, e in enumerate(edges):
        if i in gone:
            continue
        j = index.get((e.dst.ref, e.dst.box, e.src.ref, e.src.box))
        back = edges[j] if j is not None and j != i else None
        both = (back is not None and back.ports == e.ports and back.some == e.some
                and back.words == tuple(reversed(e.words)))
        if both:
            assert j is not None
            gone.add(j)
        kind = (EdgeKind.EXTERNAL if e.src.external or e.dst.external else
                EdgeKind.INTRA if e.src.namespace is not None and e.src.namespace == e.dst.namespace
                else EdgeKind.CROSS)
        out.append(DiagramEdge(
            e.src.ref, e.dst.ref, e.ports, kind, _label(e.words, e.ports, both),
            src_box=e.src.box, dst_box=e.dst.box, collapsed=e.collapsed, some=e.some,
            both_ways=both, dst_external=e.dst.external, src_name=e.src.describe,
            dst_name=e.dst.describe))
    return out


def _external_box(nodes: list[DiagramNode], edges: list[_Edge], complete: bool, order: int
                  ) -> tuple[list[DiagramNode], list[_Edge], ClusterBox | None]:
    """Put two or more external nodes in one box; when they cover every address, edges that
    reach each of them on the same terms become one edge to the box."""
    ext = [node.id for node in nodes if node.style is NodeStyle.EXTERNAL]
    if len(ext) < 2:
        return nodes, edges, None
    label = ("outside the cluster",) if complete else ("outside the cluster", "(some addresses)")
    box = ClusterBox(EXTERNAL_BOX, label, tuple(ext), complete, external=True)
    nodes = [dataclasses.replace(n, box=EXTERNAL_BOX) if n.style is NodeStyle.EXTERNAL else n
             for n in nodes]
    if not complete:
        return nodes, edges, box
    members = tuple(m for e in edges for end in (e.src, e.dst) if end.external and not end.box
                    for m in end.members)
    whole = _End(EXTERNAL_BOX, tuple(sorted(set(members))), order, box=True,
                 word="every address", external=True, describe="every address outside the cluster")
    groups: dict[tuple[bool, _End, PortSet, tuple[str, ...], bool], list[int]] = defaultdict(list)
    for i, e in enumerate(edges):
        if e.dst.external and not e.src.external:
            groups[(True, e.src, e.ports, e.words, e.some)].append(i)
        elif e.src.external and not e.dst.external:
            groups[(False, e.dst, e.ports, e.words, e.some)].append(i)
    replaced: set[int] = set()
    extra: list[_Edge] = []
    wanted = set(ext)
    for (outward, other, ports, words, some), idxs in groups.items():
        ends = {edges[i].dst.ref if outward else edges[i].src.ref for i in idxs}
        if ends != wanted:
            continue
        replaced.update(idxs)
        if outward:
            extra.append(_Edge(other, whole, ports, (*words, "every address"), True, some))
        else:
            extra.append(_Edge(whole, other, ports, ("every address", *words), True, some))
    kept = [e for i, e in enumerate(edges) if i not in replaced]
    return nodes, kept + extra, box


# -- workload level ----------------------------------------------------------------------------

_Pairs = dict[int, dict[int, PortSet]]


def _uniform(pairs: _Pairs, src: _End, dst: _End) -> tuple[PortSet, list[tuple[int, int]]] | None:
    """The ports every (s, d) of src x dst (s != d) is allowed on, when they are all the same."""
    ports: PortSet | None = None
    covered: list[tuple[int, int]] = []
    for s in src.members:
        row = pairs.get(s)
        if row is None:
            return None
        for d in dst.members:
            if s == d:
                continue
            p = row.get(d)
            if p is None or (ports is not None and p != ports):
                return None
            ports = p
            covered.append((s, d))
    if ports is None or len(covered) < 2:
        return None
    return ports, covered


def _workload_diagram(view: _View) -> Diagram:
    n, f = view.n, view.filters
    pairs: _Pairs = defaultdict(dict)
    for d in (*range(n), *view.groups):
        for s, ports in view.sources(d):
            pairs[s][d] = ports
    connections = sum(len(row) for row in pairs.values())

    if f.focus is not None:
        anchors = {view.ext_group.get(f.focus, f.focus)}
    elif f.by_port:
        anchors = set()
    elif f.namespace is not None:
        anchors = set(view.ns_members.get(f.namespace, ()))
    else:
        anchors = set(range(n))
    visible = anchors | set(pairs) | {d for row in pairs.values() for d in row}
    endpoints = sorted(i for i in visible if i < n)
    externals = sorted(i for i in visible if i >= n)

    nodes: list[DiagramNode] = []
    boxes: list[ClusterBox] = []
    singles: dict[int, _End] = {}
    groups: list[_End] = []
    for ns, all_members in view.ns_members.items():
        members = [i for i in endpoints if view.endpoints[i].namespace == ns]
        if not members:
            continue
        for i in members:
            nodes.append(_endpoint_node(view, i))
            e = view.endpoints[i]
            singles[i] = _End(e.id, (i,), len(singles) + len(groups), namespace=ns, describe=e.id)
        complete = len(members) == len(all_members)
        label = (ns,) if complete else (ns, f"({len(members)} of {len(all_members)} shown)")
        boxes.append(ClusterBox(ns, label, tuple(singles[i].ref for i in members), complete))
        if complete and len(members) > 1:
            groups.append(_End(ns, tuple(members), len(singles) + len(groups), box=True,
                               word="every pod", namespace=ns,
                               describe=f"every pod of namespace {ns}"))
    every: _End | None = None
    if len(endpoints) == n and len(boxes) > 1:
        every = _End(EVERY_POD_ID, tuple(endpoints), len(singles) + len(groups),
                     describe="every pod")
        groups.append(every)
    for i in externals:
        ref = f"ext:{view.nodes[i].id}"
        tooltip = listing(view.range_ids(i))
        nodes.append(DiagramNode(ref, view.range_lines(i, externals), NodeStyle.EXTERNAL,
                                 focus=f.focus is not None and view.ext_group.get(f.focus) == i,
                                 tooltip=tooltip, members=view.range_ids(i)))
        singles[i] = _End(ref, (i,), len(singles) + len(groups), external=True,
                          describe=tooltip)

    # Candidate collapsed edges, largest first; one is drawn when it stands for at least two
    # connections that no larger one already stands for.
    candidates: list[tuple[_End, _End, PortSet, list[tuple[int, int]]]] = []
    for src in [*singles.values(), *groups]:
        for dst in [*groups, *(singles.values() if len(src.members) > 1 else ())]:
            if src.box != dst.box and (src.members[0] in dst.members if dst.box
                                       else dst.members[0] in src.members):
                continue  # a node and the box around it
            hit = _uniform(pairs, src, dst)
            if hit is not None:
                candidates.append((src, dst, *hit))
    candidates.sort(key=lambda c: (-len(c[3]), c[0].order, c[1].order))
    covered: set[tuple[int, int]] = set()
    drawn: list[_Edge] = []
    internal: dict[str, PortSet] = {}
    for src, dst, ports, cells in candidates:
        if sum(c not in covered for c in cells) < 2:
            continue
        covered.update(cells)
        if src.box and src is dst:
            internal[src.ref] = ports
        elif src is dst:  # every pod: a loop
            drawn.append(_Edge(src, dst, ports, ("pods reach each other",), collapsed=True))
        else:
            words = tuple(w for w in (src.word, dst.word) if w)
            drawn.append(_Edge(src, dst, ports, words, collapsed=True))
    for s, row in pairs.items():
        for d, ports in row.items():
            if (s, d) not in covered:
                drawn.append(_Edge(singles[s], singles[d], ports))
    if every is not None and any(every in (e.src, e.dst) for e in drawn):
        nodes.append(DiagramNode(EVERY_POD_ID, ("every pod", "(all namespaces)"),
                                 NodeStyle.EVERY_POD,
                                 tooltip="every workload and pod of the cluster",
                                 members=tuple(view.endpoints[i].id for i in endpoints)))
    boxes = [ClusterBox(b.name, _box_label(b.label, internal.get(b.name)), b.node_ids, b.complete,
                        internal.get(b.name)) for b in boxes]
    complete = sum(len(view.groups[i]) for i in externals) == len(view.nodes) - n
    nodes, drawn, ext_box = _external_box(nodes, drawn, complete, len(singles) + len(groups))
    if ext_box is not None:
        boxes.append(ext_box)
    edges = _finish(drawn)
    title = ("Allowed connections (workload level)",
             f"{len(endpoints)} endpoints · {connections} connections · {len(edges)} edges")
    return Diagram(Level.WORKLOAD, title, tuple(boxes), tuple(nodes), tuple(edges),
                   _legend(nodes, boxes, edges), connections)


def _endpoint_node(view: _View, i: int) -> DiagramNode:
    e = view.endpoints[i]
    unprotected = i in view.unprotected
    label = [_clip(e.name), e.kind]
    if e.host_network:
        label.append("hostNetwork")
    if unprotected:
        label.append("no ingress policy")
    labels = listing([f"{k}={v}" for k, v in sorted(e.labels.items())])
    return DiagramNode(e.id, tuple(label),
                       NodeStyle.UNPROTECTED if unprotected else NodeStyle.ENDPOINT, box=e.namespace,
                       focus=view.filters.focus == i,
                       tooltip=e.id + (f" ({labels})" if labels else ""), members=(e.id,))


def _box_label(label: tuple[str, ...], internal: PortSet | None) -> tuple[str, ...]:
    return label if internal is None else (*label, f"pods reach each other · {port_text(internal)}")


def _legend(nodes: list[DiagramNode], boxes: list[ClusterBox], edges: list[DiagramEdge]
            ) -> tuple[LegendItem, ...]:
    used: set[LegendItem] = set()
    styles = {(n.style, n.namespace_node) for n in nodes}
    checks = {
        LegendItem.ENDPOINT: (NodeStyle.ENDPOINT, False) in styles,
        LegendItem.NAMESPACE: any(not b.external for b in boxes),
        LegendItem.NAMESPACE_NODE: any(n.namespace_node for n in nodes),
        LegendItem.UNPROTECTED: (NodeStyle.UNPROTECTED, False) in styles,
        LegendItem.UNPROTECTED_NAMESPACE: (NodeStyle.UNPROTECTED, True) in styles,
        LegendItem.EXTERNAL: (NodeStyle.EXTERNAL, False) in styles,
        LegendItem.EVERY_POD: (NodeStyle.EVERY_POD, False) in styles,
        LegendItem.INTRA: any(e.kind is EdgeKind.INTRA for e in edges),
        LegendItem.CROSS: any(e.kind is EdgeKind.CROSS for e in edges),
        LegendItem.EXTERNAL_EDGE: any(e.kind is EdgeKind.EXTERNAL for e in edges),
        LegendItem.COLLAPSED: any(e.collapsed for e in edges),
        LegendItem.INTERNAL: any(b.internal is not None for b in boxes),
        LegendItem.SOME: any(e.some for e in edges),
        LegendItem.BOTH_WAYS: any(e.both_ways for e in edges),
        LegendItem.UNLABELLED: len(edges) > MAX_READABLE_EDGES,
        LegendItem.FOCUS: any(n.focus for n in nodes),
    }
    used = {item for item, hit in checks.items() if hit}
    return tuple(item for item in LegendItem if item in used)


# -- namespace level ---------------------------------------------------------------------------

_BROKEN = PortSet()  # a marker: the pairs are not all allowed on the same ports


def _namespace_diagram(view: _View) -> Diagram:
    n, f = view.n, view.filters
    ns_sets, outside = view.ns_sets, view.graph.externals
    union: dict[tuple[str, str], PortSet] = {}
    same: dict[tuple[str, str], PortSet] = {}
    connections = 0

    def key_of(i: int) -> str:
        return view.endpoints[i].namespace if i < n else f"ext:{view.nodes[i].id}"

    def note(a: str, b: str, ports: PortSet | None) -> None:
        prev = same.get((a, b))
        if ports is None or (prev is not None and prev != ports):
            same[(a, b)] = _BROKEN
        elif prev is None:
            same[(a, b)] = ports

    for d in (*range(n), *view.groups):
        row = view.kept[d]
        b = key_of(d)
        for ports, sources in row.items():
            for a, group in ns_sets.items():
                inside = sources & group
                if inside:
                    union[(a, b)] = union.get((a, b), PortSet()) | ports
                    connections += len(inside)
            for r in sources & outside:
                if view.ext_group.get(r) == r:
                    g = key_of(r)
                    union[(g, b)] = union.get((g, b), PortSet()) | ports
                    connections += 1
        for a, group in ns_sets.items():
            need = group.without(d)
            if need:
                note(a, b, next((p for p, sources in row.items() if need <= sources), None))
        if d < n:
            for rep in view.groups:
                note(key_of(rep), b, next((p for p, sources in row.items() if rep in sources),
                                          None))

    if f.focus is not None:
        anchors = {key_of(view.ext_group.get(f.focus, f.focus))}
    elif f.by_port:
        anchors = set()
    elif f.namespace is not None:
        anchors = {f.namespace} & set(view.ns_members)
    else:
        anchors = set(view.ns_members)
    shown = anchors | {k for pair in union for k in pair}

    nodes: list[DiagramNode] = []
    ends: dict[str, _End] = {}
    for ns, members in view.ns_members.items():
        if ns not in shown:
            continue
        pods = sum(view.endpoints[i].kind == "Pod" for i in members)
        workloads = len(members) - pods
        counts = ([f"{workloads} workload{'s' * (workloads != 1)}"] if workloads else []) + (
            [f"{pods} pod{'s' * (pods != 1)}"] if pods else [])
        label = [ns, ", ".join(counts)]
        unprotected = len(view.unprotected & ns_sets[ns])
        if unprotected:
            label.append(f"{unprotected} of {len(members)} without ingress policy")
        inside = union.get((ns, ns))
        if inside is not None:
            word = "every pod" if same.get((ns, ns)) == inside else "some pods"
            label.append(f"within: {word} · {port_text(inside)}")
        nodes.append(DiagramNode(
            f"ns:{ns}", tuple(label),
            NodeStyle.UNPROTECTED if unprotected else NodeStyle.ENDPOINT, namespace_node=True,
            focus=f.focus is not None and f.focus < n and view.endpoints[f.focus].namespace == ns,
            tooltip=f"namespace {ns}: " + listing([view.endpoints[i].id for i in members]),
            members=tuple(view.endpoints[i].id for i in members)))
        ends[ns] = _End(f"ns:{ns}", tuple(members), len(ends), namespace=ns,
                        describe=f"namespace {ns}")
    externals = [rep for rep in view.groups if key_of(rep) in shown]
    for rep in externals:
        key = key_of(rep)
        if key in shown:
            tooltip = listing(view.range_ids(rep))
            nodes.append(DiagramNode(key, view.range_lines(rep, externals), NodeStyle.EXTERNAL,
                                     focus=f.focus is not None and view.ext_group.get(f.focus) == rep,
                                     tooltip=tooltip, members=view.range_ids(rep)))
            ends[key] = _End(key, (rep,), len(ends), external=True, describe=tooltip)

    drawn: list[_Edge] = []
    for (a, b), ports in union.items():
        if a == b:
            continue
        every = same.get((a, b)) == ports
        words = ("every pod",) if every else ("some pods",)
        drawn.append(_Edge(ends[a], ends[b], ports, words, collapsed=every, some=not every))
    complete = sum(len(m) for k, m in view.groups.items() if key_of(k) in shown) == (
        len(view.nodes) - n)
    dense = len(drawn) > MAX_READABLE_EDGES  # laid out force-directed: no box, no compound edge
    nodes, drawn, ext_box = _external_box(nodes, drawn, complete and not dense, len(ends))
    edges = _finish(drawn)
    title = ("Allowed connections (namespace level)",
             f"{len(ends) - sum(e.external for e in ends.values())} namespaces · "
             f"{connections} connections · {len(edges)} edges")
    boxes = [ext_box] if ext_box is not None and not dense else []
    if dense:
        nodes = [dataclasses.replace(n, box=None) for n in nodes]
    return Diagram(Level.NAMESPACE, title, tuple(boxes), tuple(nodes), tuple(edges),
                   _legend(nodes, boxes, edges), connections)
