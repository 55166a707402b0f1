"""CSV: one row per source, destination and protocol, for spreadsheets.

Every cell goes through netpol.core.escaping.csv_cell (OWASP's rule against formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from netpol.core.escaping import csv_cell
from netpol.engine.graph import Connection

__all__ = ["render_connections"]


def render_connections(connections: Sequence[Connection], endpoints: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["src", "dst", "protocol", "ports"])
    for c in connections:
        for proto, ranges in c.ports.items():
            spans = ";".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)
            writer.writerow([csv_cell(cell) for cell in (c.src, c.dst, proto.value, spans)])
    return out.getvalue()
