"""Markdown: a table for pull requests, wikis and reports.

Endpoints are code spans (netpol.core.escaping.md_code), a stand-in's followed by *stand-in*, and
what each stands for is listed below the table; ports and selectors are input too (a port name,
a label value), written with netpol.core.escaping.md_text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from netpol.core.escaping import md_code, md_text
from netpol.engine.graph import Connection
from netpol.model.cluster import StandIn
from netpol.render.stand_ins import STAND_IN_MEANING, named_stand_ins

__all__ = ["render_connections"]


def render_connections(
    connections: Sequence[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
) -> str:
    named = named_stand_ins(connections, (), stand_ins)
    marked = {i for i, _ in named}

    def cell(endpoint: str) -> str:
        return md_code(endpoint) + (" *stand-in*" if endpoint in marked else "")

    lines = [
        f"**{len(connections)} allowed connection(s)** between {len(endpoints)} endpoints",
        "",
    ]
    if connections and connections[0].decided is not None:  # tier policies: who allowed
        lines += ["| Source | Destination | Ports | Allowed by |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {cell(c.src)} | {cell(c.dst)} | {md_text(str(c.ports))} | {md_text(c.decided_text)} |"
            for c in connections
        ]
    else:
        lines += ["| Source | Destination | Ports |", "| --- | --- | --- |"]
        lines += [f"| {cell(c.src)} | {cell(c.dst)} | {md_text(str(c.ports))} |" for c in connections]
    if named:
        lines += ["", f"**Stand-ins** ({STAND_IN_MEANING}):", ""]
        lines += [f"- {md_code(i, table=False)}: {md_text(str(s))}" for i, s in named]
    return "\n".join(lines) + "\n"
