"""`netpol graph`: the allow-graph as a picture (DOT, SVG, PNG, Mermaid or one HTML page)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import click

from netpol.cli.common import (
    check_target,
    choice,
    command,
    input_options,
    main,
    session_from,
    write_output,
)
from netpol.core.ports import Protocol
from netpol.errors import ExitCode, UsageError
from netpol.render import dot, html_graph, mermaid
from netpol.render.diagram.model import MAX_READABLE_EDGES, MAX_READABLE_NODES, Diagram, Level, build_diagram
from netpol.render.drawing import draw
from netpol.render.graphviz_run import GraphvizFailed, ImageFormat, require_dot

__all__ = ["GraphFormat", "graph_cmd"]


class GraphFormat(StrEnum):
    DOT = "dot"
    SVG = "svg"
    PNG = "png"
    MERMAID = "mermaid"
    HTML = "html"


_NEEDS_DOT = (GraphFormat.SVG, GraphFormat.PNG, GraphFormat.HTML)
LAYOUT_LIMIT = 5000
"""Above this many nodes plus edges Graphviz takes minutes to hours: images are refused."""


@main.command("graph")
@input_options
@click.option("-o", "--output", "fmt", type=choice(GraphFormat), default="dot", show_default=True,
              help="dot and mermaid are text; svg, png and html (one self-contained page) need "
                   "Graphviz's dot program.")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write to this file instead of stdout (PNG to a terminal needs it).")
@click.option("--level", type=choice(Level), default="workload", show_default=True,
              help="workload: namespaces as boxes around their workloads; namespace: one node "
                   "per namespace, for big clusters.")
@click.option("--focus", metavar="ENDPOINT",
              help="Only ENDPOINT's connections, in and out (ns/name, ns/name[Kind], a pod name "
                   "or an IP address).")
@click.option("--port", default=None, metavar="PORT",
              help="Only connections allowing this port: a number, or a named port of each "
                   "destination (TCP unless --protocol says otherwise).")
@click.option("--protocol", type=choice(Protocol), default=None,
              help="Only connections allowing this protocol (with --port: that port of it).")
@click.option("--exclude-external", is_flag=True,
              help="Leave out addresses outside the cluster.")
def graph_cmd(fmt: str, out: str | None, level: str, focus: str | None, port: str | None,
              protocol: str | None, exclude_external: bool, **kw: Any) -> None:
    """Draw who can reach whom: namespaces as boxes, edges labelled with their ports.

    -n NS draws only the connections touching namespace NS. Identical fan-in and fan-out are
    drawn as one thick edge to or from a namespace box ("every pod"). A legend explains colours.

    \b
    netpol graph policies/ -o svg > cluster.svg
    netpol graph policies/ --focus shop/api -o png --out api.png
    netpol graph policies/ --port http -o svg > http.svg
    netpol graph dump.yaml --level namespace -o html --out cluster.html
    """
    _graph(GraphFormat(fmt.lower()), out, Level(level.lower()), focus, port,
           Protocol(protocol.upper()) if protocol else None, exclude_external, kw)


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


@command
def _graph(fmt: GraphFormat, out: str | None, level: Level, focus: str | None, port: str | None,
           protocol: Protocol | None, exclude_external: bool, kw: dict[str, Any]) -> ExitCode:
    to_stdout = out is None or out == "-"
    if fmt is GraphFormat.PNG and to_stdout and _stdout_is_terminal():
        raise UsageError("PNG is binary: not writing it to a terminal; give --out FILE.png or "
                         "redirect stdout to a file")
    asked = parse_port(port) if port is not None else None
    if fmt in _NEEDS_DOT:
        require_dot(fmt.value)  # before reading any input
    session = session_from(kw)
    check_target(out, session.inputs)
    diagram = build_diagram(session.graph, level=level, focus=focus, namespace=session.namespace,
                            port=asked, protocol=protocol, exclude_external=exclude_external)
    for d in diagram.diagnostics:
        click.echo(click.style(d.format(), fg="yellow"), err=True)
    if diagram.too_large:
        _warn_too_large(diagram, level)
    size = len(diagram.nodes) + len(diagram.edges)
    if fmt in _NEEDS_DOT and size > LAYOUT_LIMIT:
        raise UsageError(f"{len(diagram.nodes)} nodes and {len(diagram.edges)} edges are too many "
                         f"to lay out as an image (limit {LAYOUT_LIMIT}); draw less, or write the "
                         "DOT text with -o dot")
    if fmt is GraphFormat.DOT:
        write_output(dot.render(diagram), out, session.inputs)
    elif fmt is GraphFormat.MERMAID:
        write_output(mermaid.render(diagram), out, session.inputs)
    else:
        try:
            image = draw(diagram, ImageFormat.PNG if fmt is GraphFormat.PNG else ImageFormat.SVG)
        except GraphvizFailed as exc:
            click.echo(f"internal error: {exc}; the same command with -o dot writes the DOT "
                       "text", err=True)
            return ExitCode.INTERNAL_ERROR
        if fmt is GraphFormat.PNG:
            _write_bytes(image, out)
        else:
            svg = image.decode("utf-8")
            write_output(svg if fmt is GraphFormat.SVG else html_graph.render(diagram, svg), out,
                         session.inputs)
    return session.exit_code(ExitCode.OK)


def _warn_too_large(diagram: Diagram, level: Level) -> None:
    hints = ["--focus ENDPOINT", "-n NAMESPACE"]
    if level is Level.WORKLOAD:
        hints.insert(0, "--level namespace")
    click.echo(click.style(
        f"warning[graph-too-large]: {len(diagram.nodes)} nodes and {len(diagram.edges)} edges "
        f"are more than a person can read (about {MAX_READABLE_NODES} nodes or "
        f"{MAX_READABLE_EDGES} edges); try {', '.join(hints[:-1])} or {hints[-1]}",
        fg="yellow"), err=True)


def _write_bytes(data: bytes, out: str | None) -> None:
    if out is None or out == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {(exc.strerror or str(exc)).lower()}") from exc

