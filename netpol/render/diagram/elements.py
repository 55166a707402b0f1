"""The diagram's elements, as every renderer reads them: nodes, boxes, edges, the legend and
the palette, and how long words are kept short."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from netpol.core.ports import PortSet
from netpol.errors import Diagnostic

__all__ = [
    "ADMIN_COLOUR",
    "BOX_COLOURS",
    "DENIED_COLOUR",
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
    "clip",
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
    STAND_IN = "stand-in"
    STAND_IN_NAMESPACE = "stand-in-namespace"
    INTRA = "intra"
    CROSS = "cross"
    EXTERNAL_EDGE = "external-edge"
    COLLAPSED = "collapsed"
    INTERNAL = "internal"
    SOME = "some"
    BOTH_WAYS = "both-ways"
    ADMIN = "admin"
    ADMIN_DENIED = "admin-denied"
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
    LegendItem.STAND_IN: "dashed: a stand-in for pods the policies select that the input does not hold",
    LegendItem.STAND_IN_NAMESPACE: "dashed namespace: not in the input (it holds stand-ins only)",
    LegendItem.INTRA: "within one namespace",
    LegendItem.CROSS: "across namespaces",
    LegendItem.EXTERNAL_EDGE: "to or from outside the cluster",
    LegendItem.COLLAPSED: "thick: every pod (address) of the box or group, exactly these ports",
    LegendItem.INTERNAL: "box title 'pods reach each other': every pair inside, these ports",
    LegendItem.SOME: "dashed 'some pods': at least one pair; ports of all pairs together",
    LegendItem.BOTH_WAYS: "arrow at both ends: allowed both ways on these ports",
    LegendItem.ADMIN: "allowed by a cluster-wide Admin rule: NetworkPolicy cannot block it",
    LegendItem.ADMIN_DENIED: "red dashed: NetworkPolicy would allow it, an Admin rule denies it",
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
ADMIN_COLOUR = "#2f855a"
"""Edges an Admin-tier Allow (Accept) rule allows on some side: green, drawn double in DOT."""
DENIED_COLOUR = "#c53030"
"""Connections NetworkPolicy would allow that an Admin-tier Deny drops (``--admin-denied``)."""


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
    stand_in: bool = False
    """A stand-in endpoint or, at namespace level, a namespace the input does not hold."""


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
    stand_in: bool = False
    """A namespace the input does not hold: it holds stand-ins only."""


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
    admin: tuple[str, ...] = ()
    """The Admin-tier Allow (Accept) rules that allow the connections it stands for, on one side
    or both (:meth:`TierRuleView.describe`); () when no Admin rule allows them."""
    admin_ports: PortSet = field(default_factory=PortSet.none)
    """The ports of ``ports`` the ``admin`` rules decide (allow; for a denied edge, drop)."""
    admin_some: bool = False
    """Only some of the connections it stands for are allowed by an Admin rule."""
    denied: bool = False
    """``--admin-denied``: NetworkPolicy (and the Baseline tier) would allow ``ports``, an
    Admin-tier Deny drops them; ``admin`` then names nothing."""

    @property
    def tooltip(self) -> str:
        arrow = " ↔ " if self.both_ways else " → "
        ports = port_text(self.ports, MAX_TOOLTIP_RANGES)
        text = f"{self.src_name}{arrow}{self.dst_name}: {'some pods, ' * self.some}{ports}"
        extra = self.admin_text
        return f"{text}; {extra}" if extra else text

    @property
    def admin_lead(self) -> str:
        """What the Admin tier decides of the edge, in words, without the rules; empty when it
        decides nothing."""
        if self.denied:
            return "NetworkPolicy alone would allow it; an Admin-tier Deny drops it"
        if not self.admin:
            return ""
        lead = "some of these connections are allowed" if self.admin_some else "allowed"
        on = (
            "" if self.admin_ports == self.ports else f" on {port_text(self.admin_ports, MAX_TOOLTIP_RANGES)}"
        )
        return f"{lead}{on} by a cluster-wide Admin rule, which NetworkPolicy cannot block on its side"

    @property
    def admin_text(self) -> str:
        """:attr:`admin_lead` and the rules (at most :data:`MAX_LISTED`)."""
        lead = self.admin_lead
        return f"{lead}: {listing(self.admin, sep='; ')}" if lead and self.admin else lead


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
    stand_ins: tuple[tuple[str, str], ...] = ()
    """Each stand-in the diagram draws (alone or in a namespace node): its id and what it stands
    for ("pods with app=gateway in namespace payments"), in id order."""

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


def listing(items: Sequence[str], limit: int = MAX_LISTED, sep: str = ", ") -> str:
    """``a, b, c``; past ``limit`` items, the first ones and ``… and 380 more``."""
    if len(items) <= limit:
        return sep.join(items)
    return f"{sep.join(items[:limit])} … and {len(items) - limit} more"


@lru_cache(maxsize=4096)
def port_text(ports: PortSet, limit: int = MAX_LABEL_RANGES) -> str:
    """``str(ports)`` with at most ``limit`` ranges per protocol: ``TCP 1,3,5 … and 40 more``;
    ports known by name only are kept: ``TCP 8443,port named http (number unknown)``.

    Remembered: a large diagram spells the same few port sets on hundreds of thousands of edges
    (label and tooltip), and spelling one takes a dozen PortSet operations."""
    parts = []
    for protocol in ports.protocols():
        ranges, names = ports.ranges(protocol), [(protocol, n) for n in ports.names(protocol)]
        shown = str(PortSet.from_mapping({protocol: ranges[:limit]}, names))
        parts.append(f"{shown} … and {len(ranges) - limit} more" if len(ranges) > limit else shown)
    return str(ports) if ports.is_all() or not parts else "; ".join(parts)


def clip(text: str, limit: int = MAX_LINE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
