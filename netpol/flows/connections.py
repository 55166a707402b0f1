"""Flow files, netpol's own: the JSON of ``netpol list -o json`` (netpol/render/json_.py).

``{"connections": [{"src": ID, "dst": ID, "ports": {"TCP": [[a, b], ...], ...}}, ...], ...}``:
every port range of every connection is one flow, ``[a, b]`` with ``port=a`` and ``end_port=b``
(None when ``a == b``), ``[1, 65535]`` every port (``port=None``). Ids are ``ns/name[Kind]``, a
CIDR or a ``first-last`` range outside the cluster, or a stand-in (``ns/{app=x}[StandIn]``), which
stands for pods the input does not hold and is never placed. A port known by name only (a
stand-in's) has no number: counted in :attr:`FlowFile.ignored`.

Each connection's line is where its object starts, however the document is laid out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from netpol.core.ports import MAX_PORT, MIN_PORT, Protocol
from netpol.errors import shown
from netpol.flows.lines import BadLine, FlowSink, parse_protocol
from netpol.flows.records import FlowEnd
from netpol.model.resources import STAND_IN_KIND

__all__ = ["NAMED_PORT", "read_connections"]

NAMED_PORT = "port known by name only"
_SPACE = re.compile(r"[ \t\n\r]*")
_ID = re.compile(r"(?P<ns>[^/\[\]]+)/(?P<name>.+)\[(?P<kind>[A-Za-z]+)\]")


def read_connections(text: str, sink: FlowSink) -> None:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else 1
        sink.error(line, f"not JSON: {exc}", code="malformed-flow")
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("connections"), list):
        sink.error(1, "not the JSON of netpol list: no 'connections' list", code="malformed-flow")
        return
    for n, value in _connections(text):
        try:
            _connection(value, n, sink)
        except BadLine as exc:
            sink.error(n, str(exc))


def _connections(text: str) -> Iterator[tuple[int, Any]]:
    """``(line, value)`` of each element of the top-level ``connections`` list of a text that
    parses as JSON: the object is walked key by key, the list element by element."""
    decoder = json.JSONDecoder()

    def space(pos: int) -> int:
        match = _SPACE.match(text, pos)
        assert match is not None
        return match.end()

    pos = space(0) + 1  # past "{"
    while True:
        pos = space(pos)
        if text[pos] == "}":
            return
        key, pos = decoder.raw_decode(text, pos)
        pos = space(space(pos) + 1)  # past ":"
        if key != "connections":
            _, pos = decoder.raw_decode(text, pos)
        else:
            pos = space(pos + 1)  # past "["
            line, counted = 1, 0  # lines are counted from where the last count stopped
            while text[pos] != "]":
                value, end = decoder.raw_decode(text, pos)
                line += text.count("\n", counted, pos)
                counted = pos
                yield line, value
                pos = space(end)
                if text[pos] == ",":
                    pos = space(pos + 1)
            pos += 1
        pos = space(pos)
        if text[pos] == ",":
            pos += 1


def _connection(value: object, n: int, sink: FlowSink) -> None:
    if not isinstance(value, Mapping):
        raise BadLine("a connection is an object with src, dst and ports")
    src, dst = _end(value.get("src"), "src"), _end(value.get("dst"), "dst")
    ports = value.get("ports")
    if not isinstance(ports, Mapping) or not ports:
        raise BadLine("ports is not an object of protocols and port ranges")
    for proto, spans in ports.items():
        protocol = parse_protocol(proto)
        if not isinstance(spans, list):
            raise BadLine(f"ports.{protocol.value} is not a list of port ranges")
        for span in spans:
            if isinstance(span, str):
                sink.ignore(NAMED_PORT)
                continue
            lo, hi = _span(span, protocol)
            if (lo, hi) == (MIN_PORT, MAX_PORT):
                sink.flow(n, src, dst, protocol, None)
            else:
                sink.flow(n, src, dst, protocol, lo, hi if hi != lo else None)


def _span(span: object, protocol: Protocol) -> tuple[int, int]:
    if (
        isinstance(span, list)
        and len(span) == 2
        and all(isinstance(p, int) and not isinstance(p, bool) and MIN_PORT <= p <= MAX_PORT for p in span)
        and span[0] <= span[1]
    ):
        return span[0], span[1]
    raise BadLine(f"ports.{protocol.value}: {shown(span)} is not a port range [first, last] of 1-65535")


def _end(value: object, what: str) -> FlowEnd:
    if not isinstance(value, str) or not value:
        raise BadLine(f"{what} is {shown(value)}, not an endpoint id")
    suffix = f"[{STAND_IN_KIND}]"
    if value.endswith(suffix):  # ns/{app=x}, {team=y}/*, */{app=z}: selectors may hold a "/"
        cut = value.index("}") + 1 if value.startswith("{") and "}" in value else value.find("/")
        return FlowEnd(namespace=value[:cut], workload=(STAND_IN_KIND, value[cut + 1 : -len(suffix)]))
    match = _ID.fullmatch(value)
    if match is None:
        if "/" in value or "-" in value or ":" in value or value[:1].isdigit():
            return FlowEnd(address=value)  # a CIDR or a range: placement reads it
        raise BadLine(f"{what} {shown(value)} is not ns/name[Kind], a CIDR or a first-last range")
    ns, name, kind = match["ns"], match["name"], match["kind"]
    if kind == "Pod":
        return FlowEnd(namespace=ns, pod=name, workload=(kind, name))
    return FlowEnd(namespace=ns, workload=(kind, name))
