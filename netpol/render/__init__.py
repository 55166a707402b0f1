"""Render stage: one module per output format. Renderers return text; they never print."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum

from netpol.engine.graph import Connection
from netpol.render import csv_, json_, markdown, text

__all__ = ["ListFormat", "QueryFormat", "render_connections"]


class ListFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    MD = "md"


class QueryFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


_LIST: dict[ListFormat, Callable[[Sequence[Connection], Sequence[str]], str]] = {
    ListFormat.TEXT: text.render_connections,
    ListFormat.JSON: json_.render_connections,
    ListFormat.CSV: csv_.render_connections,
    ListFormat.MD: markdown.render_connections,
}


def render_connections(fmt: ListFormat, connections: Sequence[Connection],
                       endpoints: Sequence[str]) -> str:
    return _LIST[fmt](connections, endpoints)
