"""`netpol query`: can one endpoint reach another, and why (or why not)."""

from __future__ import annotations

import click

from netpol import AllowGraph
from netpol.cli.common import Outcome, command, emit, main
from netpol.cli.options import InputSpec, choice, input_options
from netpol.cli.session import open_session
from netpol.core.ports import Protocol, parse_port
from netpol.engine.asked import port_problem
from netpol.errors import ExitCode, UsageError
from netpol.query.explain import explain
from netpol.query.hypothetical import HypotheticalPod, parse_hypothetical, with_pods
from netpol.render.registry import QueryFormat, render_explanation

__all__ = ["query_cmd", "run_query"]


@main.command("query")
@input_options
@click.option(
    "--from",
    "src",
    required=True,
    metavar="ENDPOINT",
    help="ns/name, ns/name[Kind], a pod name, an IP address, or a pod the input may not hold: "
    "NS/* or NS/{app=a} (docs/semantics.md, 'Partial input').",
)
@click.option(
    "--to",
    "dst",
    required=True,
    metavar="ENDPOINT",
    help="Like --from.",
)
@click.option(
    "--port",
    default=None,
    metavar="PORT",
    help="A port number or a named port of the destination (default: all ports).",
)
@click.option(
    "--protocol", type=choice(Protocol), default=None, help="TCP (default when --port is given), UDP or SCTP."
)
@click.option("-o", "--output", "fmt", type=choice(QueryFormat), default="text", show_default=True)
@command
def query_cmd(
    spec: InputSpec, src: str, dst: str, port: str | None, protocol: str | None, fmt: str
) -> ExitCode:
    """Can SRC reach DST (on PORT)? Exit 0 when allowed, 1 when denied. Explains both sides."""
    asked: int | str | None = None
    if port is not None:
        try:
            asked = parse_port(port)
        except ValueError as exc:
            raise UsageError(f"--port: {exc}") from None
    proto = Protocol(protocol.upper()) if protocol else None
    session = open_session(spec)
    outcome = run_query(session.graph, src, dst, QueryFormat(fmt.lower()), port=asked, protocol=proto)
    return session.exit_code(emit(outcome, None))


def _hypothetical(graph: AllowGraph, text: str, flag: str) -> HypotheticalPod | None:
    """The hypothetical pod ``text`` names, as intent files read it: a pod with exactly those
    labels, in a namespace with exactly those labels (a stand-in of the same id is that pod)."""
    return parse_hypothetical(text, what=flag)


def run_query(
    graph: AllowGraph,
    src: str,
    dst: str,
    fmt: QueryFormat,
    *,
    port: int | str | None = None,
    protocol: Protocol | None = None,
) -> Outcome:
    """The explained verdict in ``fmt``: exit code 0 when allowed, 1 when denied. UsageError
    for an unknown endpoint (``src`` named first) or a port ``dst`` does not declare.

    An end written as a hypothetical pod (``ingress-nginx/{app=nginx}``) that the input does not
    hold is added to the graph first (netpol.query.hypothetical)."""
    pods = {
        text: pod
        for text, flag in ((src, "--from"), (dst, "--to"))
        if (pod := _hypothetical(graph, text, flag))
    }
    graph = with_pods(graph, list(pods.values()))
    src, dst = (pods[t].id if t in pods else t for t in (src, dst))
    graph.resolve(src)  # the first unknown endpoint named is --from's
    problem = port_problem(graph.node(graph.resolve(dst)), port, protocol)
    if problem is not None:
        raise UsageError(f"--port: {problem}")
    exp = explain(graph, src, dst, protocol=protocol, port=port)
    return Outcome(
        ExitCode.OK if exp.allowed else ExitCode.FINDINGS,
        render_explanation(fmt, exp, graph.cluster.unmodelled),
    )
