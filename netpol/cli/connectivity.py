"""`netpol list` and `netpol query`."""

from __future__ import annotations

from typing import Any

import click

from netpol.cli.common import choice, command, input_options, main, session_from, write_output
from netpol.core.ports import Protocol, parse_port
from netpol.engine.asked import port_problem
from netpol.engine.graph import Connection
from netpol.errors import ExitCode, UsageError
from netpol.query.explain import explain
from netpol.render import ListFormat, QueryFormat, json_, render_connections, text

__all__ = ["list_cmd", "query_cmd"]


@main.command("list")
@input_options
@click.option("-o", "--output", "fmt", type=choice(ListFormat), default="text",
              show_default=True, help="Output format.")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write to this file instead of stdout.")
def list_cmd(fmt: str, out: str | None, **kw: Any) -> None:
    """Every allowed connection, sorted."""
    _list(fmt, out, kw)


@command
def _list(fmt: str, out: str | None, kw: dict[str, Any]) -> ExitCode:
    session = session_from(kw)
    graph = session.graph
    conns = graph.connections()
    endpoints = graph.endpoint_ids()
    if session.namespace:
        conns = [c for c in conns if _touches(c, session.namespace)]
        endpoints = [e for e in endpoints if e.startswith(session.namespace + "/")]
    write_output(render_connections(ListFormat(fmt.lower()), conns, endpoints), out,
                 session.inputs)
    return session.exit_code(ExitCode.OK)


def _touches(c: Connection, namespace: str) -> bool:
    prefix = namespace + "/"
    return c.src.startswith(prefix) or c.dst.startswith(prefix)


@main.command("query")
@input_options
@click.option("--from", "src", required=True, metavar="ENDPOINT",
              help="ns/name, ns/name[Kind], a pod name, or an IP address.")
@click.option("--to", "dst", required=True, metavar="ENDPOINT",
              help="ns/name, ns/name[Kind], a pod name, or an IP address.")
@click.option("--port", default=None, metavar="PORT",
              help="A port number or a named port of the destination (default: all ports).")
@click.option("--protocol", type=choice(Protocol), default=None,
              help="TCP (default when --port is given), UDP or SCTP.")
@click.option("-o", "--output", "fmt", type=choice(QueryFormat), default="text",
              show_default=True)
def query_cmd(src: str, dst: str, port: str | None, protocol: str | None, fmt: str,
              **kw: Any) -> None:
    """Can SRC reach DST (on PORT)? Exit 0 when allowed, 1 when denied. Explains both sides."""
    _query(src, dst, port, protocol, fmt, kw)


@command
def _query(src: str, dst: str, port: str | None, protocol: str | None, fmt: str,
           kw: dict[str, Any]) -> ExitCode:
    parsed_port: int | str | None = None
    if port is not None:
        try:
            parsed_port = parse_port(port)
        except ValueError as exc:
            raise UsageError(f"--port: {exc}") from None
    proto = Protocol(protocol.upper()) if protocol else None
    session = session_from(kw)
    graph = session.graph
    graph.resolve(src)  # the first unknown endpoint named is --from's
    problem = port_problem(graph.node(graph.resolve(dst)), parsed_port, proto)
    if problem is not None:
        raise UsageError(f"--port: {problem}")
    exp = explain(graph, src, dst, protocol=proto, port=parsed_port)
    render = json_.render_explanation if fmt.lower() == "json" else text.render_explanation
    write_output(render(exp), None)
    return session.exit_code(ExitCode.OK if exp.allowed else ExitCode.FINDINGS)
