"""`netpol list` writes as it goes: the listing is pieces of text made as the connections are
found, and a table too long to measure first keeps its columns from the graph's vocabulary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import netpol
from netpol import AllowGraph, Connection
from netpol.cli.listing import run_list
from netpol.render import markdown, text
from netpol.render.registry import ListFormat

WEBSHOP = str(Path("policies") / "webshop")
E2E = str(Path("policies") / "e2e-model")


def pieces(graph: AllowGraph, fmt: ListFormat, *, compact: bool | None = None) -> list[str]:
    out = run_list(graph, fmt, compact=compact).output
    assert not isinstance(out, str | bytes), "a listing streams"
    return list(out)


@pytest.mark.parametrize("fmt", list(ListFormat))
def test_the_first_piece_is_written_before_the_last_connection_is_found(
    fmt: ListFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = netpol.analyze([E2E])
    whole = "".join(pieces(graph, fmt, compact=False))
    total = len(graph.connections())
    found: list[Connection] = []
    original = graph.iter_connections

    def watched() -> Iterator[Connection]:
        for c in original():
            found.append(c)
            yield c

    monkeypatch.setattr(graph, "iter_connections", watched)
    monkeypatch.setattr(text, "BUFFERED", 2)
    monkeypatch.setattr(markdown, "BUFFERED", 2)
    monkeypatch.setattr(text, "PIECE", 2)
    stream = iter(pieces_lazily(graph, fmt))
    first = next(stream)
    assert first
    assert len(found) < total, "the first piece came before the listing was read to its end"
    rest = "".join(stream)
    assert len(found) == total
    if fmt in (ListFormat.JSON, ListFormat.CSV):  # no table to measure: the same text
        assert first + rest == whole


def pieces_lazily(graph: AllowGraph, fmt: ListFormat) -> Iterator[str]:
    out = run_list(graph, fmt, compact=False).output
    assert not isinstance(out, str | bytes)
    yield from out


def test_a_long_text_table_streams_with_columns_from_the_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = netpol.analyze([E2E])
    measured = "".join(pieces(graph, ListFormat.TEXT, compact=False))
    monkeypatch.setattr(text, "BUFFERED", 3)
    streamed = "".join(pieces(graph, ListFormat.TEXT, compact=False))
    rows = [line for line in streamed.splitlines() if " -> " in line]
    assert len({line.index(" -> ") for line in rows}) == 1, "one column for the arrow"
    assert len(rows) == len(graph.connections())

    def cells(listing: str) -> list[list[str]]:
        return [line.split() for line in listing.splitlines() if " -> " in line]

    assert cells(streamed) == cells(measured)
    head = streamed.splitlines()[0]
    assert head.index("DESTINATION") == rows[0].index(" -> ") + 4


def test_a_long_markdown_table_is_counted_in_its_last_line(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = netpol.analyze([WEBSHOP])
    total = len(graph.connections())
    assert "".join(pieces(graph, ListFormat.MD, compact=False)).startswith(
        f"**{total} allowed connection(s)**"
    )
    monkeypatch.setattr(markdown, "BUFFERED", 3)
    streamed = "".join(pieces(graph, ListFormat.MD, compact=False))
    assert streamed.startswith("**Allowed connections** between")
    endpoints = len(graph.endpoint_ids())
    assert streamed.splitlines()[-1] == f"**{total} allowed connection(s)** between {endpoints} endpoints"
    assert streamed.count("\n| `") == total


def test_json_pieces_make_one_document_for_every_example() -> None:
    for example in sorted(Path("policies").iterdir()):
        if not example.is_dir() or example.name == "flows":
            continue
        graph = netpol.analyze([str(example)])
        for compact in (False, True):
            doc = json.loads("".join(pieces(graph, ListFormat.JSON, compact=compact)))
            assert len(doc["connections"]) <= len(graph.connections())
            if not compact:
                assert [(c["src"], c["dst"]) for c in doc["connections"]] == [
                    (c.src, c.dst) for c in graph.connections()
                ]
