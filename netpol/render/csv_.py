"""CSV: one row per source, destination and protocol, for spreadsheets.

The ports cell lists numbers and ranges, then the ports known by name only (a stand-in's):
``8080;http``. A stand-in keeps its ``[StandIn]`` kind in its id, which marks it.
Every cell goes through netpol.core.escaping.csv_cell (OWASP's rule against formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain

from netpol.core.escaping import csv_cell
from netpol.engine.graph import Connection
from netpol.model.cluster import StandIn
from netpol.render.text import batched

__all__ = ["render_connections", "write_connections"]


def render_connections(
    connections: Iterable[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
) -> str:
    return "".join(write_connections(connections))


def write_connections(connections: Iterable[Connection]) -> Iterator[str]:
    """:func:`render_connections` as it goes, a few thousand connections at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    stream = iter(connections)
    first = next(stream, None)
    tiered = first is not None and first.decided is not None
    writer.writerow(["src", "dst", "protocol", "ports", *(("egress_by", "ingress_by") if tiered else ())])
    if first is None:
        yield out.getvalue()
        return
    for batch in batched(chain((first,), stream)):
        for c in batch:
            by = tuple(";".join(t) for t in c.decided) if c.decided is not None else ()
            for proto in c.ports.protocols():
                spans = [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in c.ports.ranges(proto)]
                cells = (c.src, c.dst, proto.value, ";".join((*spans, *c.ports.names(proto))), *by)
                writer.writerow([csv_cell(cell) for cell in cells])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
