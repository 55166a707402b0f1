"""`netpol graph`: the allow-graph as a picture (DOT, SVG, PNG, Mermaid or one HTML page)."""

from __future__ import annotations

import sys

import click

from netpol import AllowGraph
from netpol.cli.common import Note, Outcome, check_target, command, emit, main
from netpol.cli.options import InputSpec, choice, input_options
from netpol.cli.session import open_session
from netpol.core.ports import Protocol
from netpol.errors import ExitCode, NetpolError, UsageError
from netpol.render.diagram.model import (
    MAX_READABLE_EDGES,
    MAX_READABLE_NODES,
    Diagram,
    Level,
    build_diagram,
)
from netpol.render.graphviz import require_dot
from netpol.render.registry import GraphFormat, render_diagram

__all__ = ["LAYOUT_LIMIT", "graph_cmd", "parse_port", "run_graph"]

LAYOUT_LIMIT = 5000
"""Above this many nodes plus edges Graphviz takes minutes to hours: images are refused."""


@main.command("graph")
@input_options
@click.option(
    "-o",
    "--output",
    "fmt",
    type=choice(GraphFormat),
    default="dot",
    show_default=True,
    help="dot and mermaid are text; svg, png and html (one self-contained page) need Graphviz's dot program.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write to this file instead of stdout (PNG to a terminal needs it).",
)
@click.option(
    "--level",
    type=choice(Level),
    default="workload",
    show_default=True,
    help="workload: namespaces as boxes around their workloads; namespace: one node "
    "per namespace, for big clusters.",
)
@click.option(
    "--focus",
    metavar="ENDPOINT",
    help="Only ENDPOINT's connections, in and out (ns/name, ns/name[Kind], a pod name or an IP address).",
)
@click.option(
    "--port",
    default=None,
    metavar="PORT",
    help="Only connections allowing this port: a number, or a named port of each "
    "destination (TCP unless --protocol says otherwise).",
)
@click.option(
    "--protocol",
    type=choice(Protocol),
    default=None,
    help="Only connections allowing this protocol (with --port: that port of it).",
)
@click.option("--exclude-external", is_flag=True, help="Leave out addresses outside the cluster.")
@click.option(
    "--admin-denied",
    is_flag=True,
    help="Also draw, red and dashed, the connections NetworkPolicy alone would allow that an "
    "Admin-tier Deny (AdminNetworkPolicy, ClusterNetworkPolicy tier Admin) drops.",
)
@command
def graph_cmd(
    spec: InputSpec,
    fmt: str,
    out: str | None,
    level: str,
    focus: str | None,
    port: str | None,
    protocol: str | None,
    exclude_external: bool,
    admin_denied: bool,
) -> ExitCode:
    """Draw who can reach whom: namespaces as boxes, edges labelled with their ports.

    -n NS draws only the connections touching namespace NS. Identical fan-in and fan-out are
    drawn as one thick edge to or from a namespace box ("every pod"). Edges a cluster-wide Admin
    rule allows are green; --admin-denied adds what an Admin rule denies. A legend explains colours.

    \b
    netpol graph policies/ -o svg > cluster.svg
    netpol graph policies/ --focus shop/api -o png --out api.png
    netpol graph policies/ --port http -o svg > http.svg
    netpol graph dump.yaml --level namespace -o html --out cluster.html
    netpol graph policies/tenants-anp --admin-denied -o svg > tenants.svg
    """
    kind = GraphFormat(fmt.lower())
    if kind is GraphFormat.PNG and (out is None or out == "-") and _stdout_is_terminal():
        raise UsageError(
            "PNG is binary: not writing it to a terminal; give --out FILE.png or redirect stdout to a file"
        )
    asked = parse_port(port) if port is not None else None
    if kind.needs_dot:
        require_dot(kind.value)  # before reading any input
    session = open_session(spec)
    check_target(out, session.inputs)
    outcome = run_graph(
        session.graph,
        kind,
        level=Level(level.lower()),
        focus=focus,
        namespace=spec.namespace,
        port=asked,
        protocol=Protocol(protocol.upper()) if protocol else None,
        exclude_external=exclude_external,
        admin_denied=admin_denied,
    )
    return session.exit_code(emit(outcome, out, session.inputs))


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def parse_port(text: str) -> int | str:
    """``--port``: a number from 1 to 65535, or a name (checked against the input later)."""
    if text.isascii() and text.isdigit():
        number = int(text)
        if not 1 <= number <= 65535:
            raise UsageError(f"--port {text}: a port number is from 1 to 65535")
        return number
    return text


def run_graph(
    graph: AllowGraph,
    fmt: GraphFormat,
    *,
    level: Level = Level.WORKLOAD,
    focus: str | None = None,
    namespace: str | None = None,
    port: int | str | None = None,
    protocol: Protocol | None = None,
    exclude_external: bool = False,
    admin_denied: bool = False,
) -> Outcome:
    """The diagram in ``fmt`` (bytes for PNG), with warnings about what it shows; ``admin_denied``
    also draws what an Admin-tier Deny drops. UsageError
    for an unknown ``focus`` or ``port``; after the warnings, the error of a diagram too large
    to lay out or of a Graphviz failure."""
    diagram = build_diagram(
        graph,
        level=level,
        focus=focus,
        namespace=namespace,
        port=port,
        protocol=protocol,
        exclude_external=exclude_external,
        admin_denied=admin_denied,
    )
    notes = [Note(d.format(), "yellow") for d in diagram.diagnostics]
    if diagram.too_large:
        notes.append(_too_large(diagram, level))
    try:
        size = len(diagram.nodes) + len(diagram.edges)
        if fmt.needs_dot and size > LAYOUT_LIMIT:
            raise UsageError(
                f"{len(diagram.nodes)} nodes and {len(diagram.edges)} edges are too "
                f"many to lay out as an image (limit {LAYOUT_LIMIT}); draw less, or "
                "write the DOT text with -o dot"
            )
        output = render_diagram(fmt, diagram)
    except NetpolError as exc:  # shown after the warnings
        return Outcome(exc.exit_code, notes=tuple(notes), error=exc)
    return Outcome(ExitCode.OK, output, tuple(notes))


def _too_large(diagram: Diagram, level: Level) -> Note:
    hints = ["--focus ENDPOINT", "-n NAMESPACE"]
    if level is Level.WORKLOAD:
        hints.insert(0, "--level namespace")
    return Note(
        f"warning[graph-too-large]: {len(diagram.nodes)} nodes and {len(diagram.edges)} "
        f"edges are more than a person can read (about {MAX_READABLE_NODES} nodes or "
        f"{MAX_READABLE_EDGES} edges); try {', '.join(hints[:-1])} or {hints[-1]}",
        "yellow",
    )
