"""Markdown: a table for pull requests, wikis and reports.

Endpoints are code spans (netpol.core.escaping.md_code), a stand-in's followed by *stand-in*, and
what each stands for is listed below the table; ports and selectors are input too (a port name,
a label value), written with netpol.core.escaping.md_text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from itertools import chain, islice

from netpol.core.escaping import md_code, md_text
from netpol.core.ports import PortSet
from netpol.engine.folding import group_namespace
from netpol.engine.graph import Connection
from netpol.model.cluster import StandIn
from netpol.render.stand_ins import FOLDED_MEANING, STAND_IN_MEANING, StandInsNamed
from netpol.render.text import BUFFERED, batched

__all__ = ["render_connections", "write_connections"]


def render_connections(
    connections: Iterable[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
) -> str:
    return "".join(write_connections(connections, endpoints, stand_ins))


def write_connections(
    connections: Iterable[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
) -> Iterator[str]:
    """:func:`render_connections` as it goes. A listing of up to ``BUFFERED`` lines is counted
    in its first line; a longer one streams and is counted in its last."""
    marked = set(stand_ins or ())

    @cache  # the same ends come back on many lines: each is written once
    def cell(end: str) -> str:
        if group_namespace(end) is not None:
            return md_code(end) + " *every endpoint*"
        return md_code(end) + (" *stand-in*" if end in marked else "")

    @cache
    def port_cell(ports: PortSet) -> str:
        return md_text(str(ports))

    seen = StandInsNamed(connections, stand_ins)
    stream = iter(seen)
    head = list(islice(stream, BUFFERED))
    more = next(stream, None)
    tiered = bool(head) and head[0].decided is not None  # tier policies: who allowed

    def row(c: Connection) -> str:
        if tiered:
            return f"| {cell(c.src)} | {cell(c.dst)} | {port_cell(c.ports)} | {md_text(c.decided_text)} |\n"
        return f"| {cell(c.src)} | {cell(c.dst)} | {port_cell(c.ports)} |\n"

    title = (
        "| Source | Destination | Ports | Allowed by |\n| --- | --- | --- | --- |\n"
        if tiered
        else "| Source | Destination | Ports |\n| --- | --- | --- |\n"
    )
    if more is None:
        yield _count(len(head), seen.folded, len(endpoints)) + "\n\n" + title + "".join(map(row, head))
    else:
        yield (
            f"**Allowed connections** between {len(endpoints)} endpoints\n\n"
            + title
            + "".join(map(row, head))
        )
        total = len(head)
        for batch in batched(chain((more,), stream)):
            total += len(batch)
            yield "".join(map(row, batch))
        yield "\n" + _count(total, seen.folded, len(endpoints)) + "\n"
    if seen.folded:
        yield f"\n`NS/*` *every endpoint*: {FOLDED_MEANING}.\n"
    named = seen.named()
    if named:
        lines = ["", f"**Stand-ins** ({STAND_IN_MEANING}):", ""]
        lines += [f"- {md_code(i, table=False)}: {md_text(str(s))}" for i, s in named]
        yield "\n".join(lines) + "\n"


def _count(lines: int, folded: bool, endpoints: int) -> str:
    """The table's summary: connections, or lines when some fold many."""
    if folded:
        return (
            f"**{lines} line(s)** of allowed connections between {endpoints} endpoints, folded per namespace"
        )
    return f"**{lines} allowed connection(s)** between {endpoints} endpoints"
