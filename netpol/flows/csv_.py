"""Flow files, CSV: a header ``src,dst,port,protocol`` (any case, any order; ``protocol`` may be
left out, TCP then), and one flow a row.

A side is ``ns/name`` (a pod or a workload of that name), ``ns/name[Kind]`` (a workload of that
kind; ``[Pod]`` a pod), an IP address or a CIDR. ``port`` is a number, a range ``8000-8080``, or
empty for every port of the protocol. Blank lines and lines starting with ``#`` are no rows.
"""

from __future__ import annotations

import csv
import ipaddress

from netpol.core.ports import Protocol
from netpol.errors import shown
from netpol.flows.lines import BadLine, FlowSink, parse_port_number, parse_protocol
from netpol.flows.records import FlowEnd

__all__ = ["COLUMNS", "is_csv_header", "read_csv"]

COLUMNS = ("src", "dst", "port", "protocol")
_REQUIRED = ("src", "dst", "port")


def _cells(line: str) -> list[str]:
    return next(csv.reader([line], skipinitialspace=True), [])


def is_csv_header(line: str) -> bool:
    names = {c.strip().lower() for c in _cells(line)}
    return "src" in names and "dst" in names


def read_csv(text: str, sink: FlowSink) -> None:
    header: dict[str, int] | None = None
    width = 0
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            cells = [c.strip() for c in _cells(line)]
        except csv.Error as exc:
            sink.error(n, f"not a CSV row: {exc}", line, code="malformed-flow")
            continue
        if header is None:
            header = _header(cells, n, line, sink)
            if header is None:
                return
            width = len(cells)
            continue
        if len(cells) != width:
            sink.error(n, f"{len(cells)} cells where the header has {width}", line, code="malformed-flow")
            continue
        try:
            _row(cells, header, n, sink)
        except BadLine as exc:
            sink.error(n, str(exc), line)
    if header is None:
        sink.error(1, f"no header: a CSV flow file starts with {','.join(COLUMNS)}", code="malformed-flow")


def _header(cells: list[str], n: int, line: str, sink: FlowSink) -> dict[str, int] | None:
    names = [c.lower() for c in cells]
    missing = [c for c in _REQUIRED if c not in names]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if missing or repeated:
        why = f"no {', '.join(missing)} column" if missing else f"the column {repeated[0]} twice"
        sink.error(n, f"the header has {why}: it is {','.join(COLUMNS)}", line, code="malformed-flow")
        return None
    for name in names:
        if name not in COLUMNS:
            columns = ", ".join(COLUMNS)
            sink.warn(n, f"the column {shown(name)} is not read (the columns: {columns})", "csv-column")
    return {name: i for i, name in enumerate(names) if name in COLUMNS}


def _row(cells: list[str], header: dict[str, int], n: int, sink: FlowSink) -> None:
    src, dst = _side(cells[header["src"]], "src"), _side(cells[header["dst"]], "dst")
    protocol = Protocol.TCP
    if "protocol" in header and cells[header["protocol"]]:
        protocol = parse_protocol(cells[header["protocol"]])
    port, end_port = _ports(cells[header["port"]])
    sink.flow(n, src, dst, protocol, port, end_port)


def _ports(cell: str) -> tuple[int | None, int | None]:
    if not cell:
        return None, None
    first, dash, last = cell.partition("-")
    lo = parse_port_number(first.strip())
    if not dash:
        return lo, None
    hi = parse_port_number(last.strip())
    if hi < lo:
        raise BadLine(f"port range {shown(cell)} ends before it starts")
    if (lo, hi) == (1, 65535):
        return None, None
    return lo, (hi if hi != lo else None)


def _side(cell: str, what: str) -> FlowEnd:
    if not cell:
        raise BadLine(f"{what} is empty")
    if "/" in cell:
        namespace, _, name = cell.partition("/")
        if namespace and name and not _is_network(cell):
            kind = None
            if name.endswith("]") and "[" in name:
                name, _, kind = name[:-1].partition("[")
            if not name or "/" in name or (kind is not None and not kind):
                raise BadLine(f"{what} {shown(cell)} is not ns/name, ns/name[Kind], an IP or a CIDR")
            if kind is not None and kind.lower() == "pod":
                return FlowEnd(namespace=namespace, pod=name)
            if kind is not None:
                return FlowEnd(namespace=namespace, workload=(kind, name))
            return FlowEnd(namespace=namespace, pod=name, workload=(None, name))
    try:
        if "/" in cell:
            return FlowEnd(address=str(ipaddress.ip_network(cell, strict=False)))
        return FlowEnd(address=str(ipaddress.ip_address(cell)))
    except ValueError:
        raise BadLine(f"{what} {shown(cell)} is not ns/name, ns/name[Kind], an IP or a CIDR") from None


def _is_network(cell: str) -> bool:
    try:
        ipaddress.ip_network(cell, strict=False)
    except ValueError:
        return False
    return True
