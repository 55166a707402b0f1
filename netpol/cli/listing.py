"""`netpol list`: every allowed connection, sorted."""

from __future__ import annotations

import click

from netpol import AllowGraph
from netpol.cli.common import Outcome, command, emit, main
from netpol.cli.options import InputSpec, choice, input_options
from netpol.cli.session import open_session
from netpol.errors import ExitCode
from netpol.render.registry import ListFormat, render_connections

__all__ = ["list_cmd", "run_list"]


@main.command("list")
@input_options
@click.option(
    "-o", "--output", "fmt", type=choice(ListFormat), default="text", show_default=True, help="Output format."
)
@click.option(
    "--out", type=click.Path(dir_okay=False, allow_dash=True), help="Write to this file instead of stdout."
)
@command
def list_cmd(spec: InputSpec, fmt: str, out: str | None) -> ExitCode:
    """Every allowed connection, sorted."""
    session = open_session(spec)
    outcome = run_list(session.graph, ListFormat(fmt.lower()), namespace=spec.namespace)
    return session.exit_code(emit(outcome, out, session.inputs))


def run_list(graph: AllowGraph, fmt: ListFormat, *, namespace: str | None = None) -> Outcome:
    """The connections (only those touching ``namespace``, when given) in ``fmt``."""
    conns = graph.connections()
    endpoints = graph.endpoint_ids()
    if namespace:
        prefix = namespace + "/"
        conns = [c for c in conns if c.src.startswith(prefix) or c.dst.startswith(prefix)]
        endpoints = [e for e in endpoints if e.startswith(prefix)]
    stand_ins = {e.id: e.stand_in for e in graph.cluster.endpoints if e.stand_in is not None}
    unmodelled = graph.cluster.unmodelled
    return Outcome(ExitCode.OK, render_connections(fmt, conns, endpoints, stand_ins, unmodelled))
