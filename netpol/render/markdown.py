"""Markdown: a table for pull requests, wikis and reports."""

from __future__ import annotations

from collections.abc import Sequence

from netpol.graph import Connection

__all__ = ["escape", "render_connections"]


def escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_connections(connections: Sequence[Connection], endpoints: Sequence[str]) -> str:
    lines = [f"**{len(connections)} allowed connection(s)** between {len(endpoints)} endpoints",
             "", "| Source | Destination | Ports |", "| --- | --- | --- |"]
    lines += [f"| `{escape(c.src)}` | `{escape(c.dst)}` | {escape(str(c.ports))} |"
              for c in connections]
    return "\n".join(lines) + "\n"
