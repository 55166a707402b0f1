"""`netpol list`: every allowed connection, sorted, written as it is found."""

from __future__ import annotations

from collections.abc import Iterable

import click

from netpol import AllowGraph, Connection
from netpol.cli.common import Outcome, command, emit, main
from netpol.cli.options import InputSpec, choice, input_options
from netpol.cli.session import open_session
from netpol.core.escaping import terminal
from netpol.engine.folding import folded_connections, listing_vocabulary
from netpol.errors import ExitCode
from netpol.render.registry import ListFormat, write_connections
from netpol.render.text import Widths

__all__ = ["list_cmd", "run_list"]


@main.command("list")
@input_options
@click.option(
    "-o", "--output", "fmt", type=choice(ListFormat), default="text", show_default=True, help="Output format."
)
@click.option(
    "--compact/--flat",
    default=None,
    help="Fold identical fan-in and fan-out into one line per namespace (shop/* -> db/*), or list "
    "every pair. Default: compact for text and md, flat for json and csv.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, allow_dash=True), help="Write to this file instead of stdout."
)
@command
def list_cmd(spec: InputSpec, fmt: str, compact: bool | None, out: str | None) -> ExitCode:
    """Every allowed connection, sorted."""
    session = open_session(spec)
    outcome = run_list(session.graph, ListFormat(fmt.lower()), namespace=spec.namespace, compact=compact)
    return session.exit_code(emit(outcome, out, session.inputs))


def run_list(
    graph: AllowGraph, fmt: ListFormat, *, namespace: str | None = None, compact: bool | None = None
) -> Outcome:
    """The connections (only those touching ``namespace``, when given) in ``fmt``, folded when
    ``compact`` (None: for the formats a person reads, text and md), written as they are found."""
    if compact is None:
        compact = fmt in (ListFormat.TEXT, ListFormat.MD)
    conns: Iterable[Connection] = folded_connections(graph) if compact else graph.iter_connections()
    endpoints = graph.endpoint_ids()
    if namespace:
        prefix = namespace + "/"
        conns = (c for c in conns if c.src.startswith(prefix) or c.dst.startswith(prefix))
        endpoints = [e for e in endpoints if e.startswith(prefix)]
    stand_ins = {e.id: e.stand_in for e in graph.cluster.endpoints if e.stand_in is not None}
    unmodelled = graph.cluster.unmodelled
    widths = _widths(graph, compact) if fmt is ListFormat.TEXT else None
    return Outcome(ExitCode.OK, write_connections(fmt, conns, endpoints, stand_ins, unmodelled, widths))


def _widths(graph: AllowGraph, compact: bool) -> Widths:
    """The widest cells a text table of ``graph`` could hold, should it stream."""
    ends, ports = listing_vocabulary(graph, compact)
    end = max((len(terminal(e)) for e in ends), default=0)
    return Widths(end, end, max((len(terminal(str(p))) for p in ports), default=0))
