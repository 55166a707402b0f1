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

Edges that an Admin-tier Allow (Accept) rule allows, on one side or both, carry those rules; with
``admin_denied``, edges of their own draw what an Admin-tier Deny drops.

The pieces: :mod:`~netpol.render.diagram.elements` (the records renderers read),
:mod:`~netpol.render.diagram.kept` (the filters and the connections they keep),
:mod:`~netpol.render.diagram.edges`, :mod:`~netpol.render.diagram.workload` and
:mod:`~netpol.render.diagram.namespace` (the two levels), :mod:`~netpol.render.diagram.denied`
(what the Admin tier denies); this module builds a diagram from them
and re-exports the records.
"""

from __future__ import annotations

from netpol.core import collector
from netpol.core.ports import Protocol
from netpol.engine.graph import AllowGraph
from netpol.errors import Diagnostic, Severity, UsageError
from netpol.render.diagram.denied import admin_denied as admin_denied_of
from netpol.render.diagram.denied import has_admin_tier
from netpol.render.diagram.elements import (
    ADMIN_COLOUR,
    BOX_COLOURS,
    DENIED_COLOUR,
    EDGE_COLOURS,
    EVERY_POD_ID,
    EXTERNAL_BOX,
    LEGEND_TEXT,
    MAX_LABEL_RANGES,
    MAX_LINE,
    MAX_LISTED,
    MAX_READABLE_EDGES,
    MAX_READABLE_NODES,
    MAX_TOOLTIP_RANGES,
    NODE_COLOURS,
    ClusterBox,
    Diagram,
    DiagramEdge,
    DiagramNode,
    EdgeKind,
    LegendItem,
    Level,
    NodeStyle,
    Swatch,
    listing,
    port_text,
)
from netpol.render.diagram.kept import (
    Filters,
    KeptView,
    describe_ranges,
)
from netpol.render.diagram.namespace import (
    namespace_diagram,
)
from netpol.render.diagram.workload import (
    workload_diagram,
)

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
    "build_diagram",
    "describe_ranges",
    "listing",
    "port_text",
]


def build_diagram(
    graph: AllowGraph,
    *,
    level: Level = Level.WORKLOAD,
    focus: str | None = None,
    namespace: str | None = None,
    port: int | str | None = None,
    protocol: Protocol | None = None,
    exclude_external: bool = False,
    admin_denied: bool = False,
) -> Diagram:
    """The diagram of ``graph``'s allowed connections that the filters keep.

    ``focus``: only connections to or from this endpoint (resolved by :meth:`AllowGraph.resolve`,
    which raises UsageError when unknown); ``namespace``: only connections touching it;
    ``port``/``protocol``: only connections allowing that port (TCP when only ``port`` is given);
    a port name is resolved on each destination, as ``netpol query --port`` does, and one that no
    workload or pod declares raises UsageError naming those the input declares;
    ``exclude_external``: leave out addresses outside the cluster; ``admin_denied``: also draw,
    red and dashed, the connections NetworkPolicy alone would allow that an Admin-tier Deny
    drops (:mod:`~netpol.render.diagram.denied`), under the same filters.

    The cyclic garbage collector is paused meanwhile (:mod:`netpol.core.collector`): what is built
    lives until the diagram is written, and at 100,000 pods collecting while it is built takes
    a third of the time.
    """
    with collector.paused():
        return _build(graph, level, focus, namespace, port, protocol, exclude_external, admin_denied)


def _build(
    graph: AllowGraph,
    level: Level,
    focus: str | None,
    namespace: str | None,
    port: int | str | None,
    protocol: Protocol | None,
    exclude_external: bool,
    admin_denied: bool,
) -> Diagram:
    """:func:`build_diagram`, the collector paused."""
    if isinstance(port, str):
        _check_port_name(graph, port, protocol or Protocol.TCP)
    focus_index = graph.resolve(focus) if focus is not None else None
    filters = Filters(focus_index, namespace, port, protocol, exclude_external)
    view = KeptView(graph, filters, admin_denied_of(graph) if admin_denied else None)
    diagnostics: list[Diagnostic] = []
    if admin_denied and not has_admin_tier(graph):
        diagnostics.append(
            Diagnostic(
                Severity.WARNING,
                "no-admin-tier",
                "--admin-denied: the input has no Admin-tier policy (AdminNetworkPolicy, or "
                "ClusterNetworkPolicy of tier Admin), so no connection is denied by one",
            )
        )
    if namespace is not None and namespace not in view.ns_members:
        diagnostics.append(
            Diagnostic(
                Severity.WARNING, "unknown-namespace", f"no workload or pod in namespace {namespace!r}"
            )
        )
    diagram = workload_diagram(view) if level is Level.WORKLOAD else namespace_diagram(view)
    if not diagram.connections:
        diagnostics.append(
            Diagnostic(Severity.WARNING, "no-connections", "no allowed connection matches the filters")
        )
    title = (*diagram.title, *_filter_line(graph, filters))
    return Diagram(
        diagram.level,
        title,
        diagram.boxes,
        diagram.nodes,
        diagram.edges,
        diagram.legend,
        diagram.connections,
        (*diagram.diagnostics, *diagnostics),
        _stand_ins(graph, diagram),
    )


def _stand_ins(graph: AllowGraph, diagram: Diagram) -> tuple[tuple[str, str], ...]:
    drawn = {m for node in diagram.nodes for m in node.members}
    return tuple(
        sorted(
            (e.id, str(e.stand_in))
            for e in graph.cluster.endpoints
            if e.stand_in is not None and e.id in drawn
        )
    )


def _check_port_name(graph: AllowGraph, name: str, protocol: Protocol) -> None:
    declared = {(p.name, p.protocol) for e in graph.cluster.endpoints for p in e.ports if p.name}
    if (name, protocol) in declared:
        return
    names = sorted(n if p is Protocol.TCP else f"{n} ({p.value})" for n, p in declared)
    hint = f"the input declares {listing(names)}" if names else "the input declares no named port"
    raise UsageError(
        f"no workload or pod declares a {protocol.value} port named {name!r} "
        f"({hint}); give a port number (1-65535) or one of those names"
    )


def _filter_line(graph: AllowGraph, filters: Filters) -> tuple[str, ...]:
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
