"""Markdown: a table for pull requests, wikis and reports.

Endpoints are code spans (netpol.core.escaping.md_code); ports are numbers, netpol's own text.
"""

from __future__ import annotations

from collections.abc import Sequence

from netpol.core.escaping import md_code
from netpol.engine.graph import Connection

__all__ = ["render_connections"]


def render_connections(connections: Sequence[Connection], endpoints: Sequence[str]) -> str:
    lines = [
        f"**{len(connections)} allowed connection(s)** between {len(endpoints)} endpoints",
        "",
        "| Source | Destination | Ports |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {md_code(c.src)} | {md_code(c.dst)} | {c.ports} |" for c in connections]
    return "\n".join(lines) + "\n"
