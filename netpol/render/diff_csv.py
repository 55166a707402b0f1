"""CSV for `netpol diff`: one row per changed pair, then one per endpoint that came or went.

Every cell goes through netpol.core.escaping.csv_cell (OWASP's rule against formula injection).
"""

from __future__ import annotations

import csv
import io

from netpol.core.escaping import csv_cell
from netpol.core.ports import PortSet
from netpol.diff.compare import GraphDiff

__all__ = ["HEADER", "TIER_HEADER", "render_diff"]

HEADER = (
    "change",
    "src",
    "dst",
    "scope",
    "new_exposure",
    "before",
    "after",
    "gained",
    "lost",
    "cause",
    "allowed_after",
    "allowed_before",
)
TIER_HEADER = ("denied_after", "denied_before")
"""Columns a diff with tier policies on either side adds at the end."""


def _ports(ports: PortSet) -> str:
    return str(ports) if ports else ""


def render_diff(diff: GraphDiff) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = HEADER + TIER_HEADER if diff.tiered else HEADER
    writer.writerow(header)
    rows = [
        [
            c.kind.value,
            c.src,
            c.dst,
            c.scope.value,
            "yes" if c.new_exposure else "no",
            _ports(c.before),
            _ports(c.after),
            _ports(c.gained),
            _ports(c.lost),
            "; ".join(c.cause),
            "; ".join(c.allowed_after),
            "; ".join(c.allowed_before),
            *(("; ".join(c.denied_after), "; ".join(c.denied_before)) if diff.tiered else ()),
        ]
        for c in diff.changes
    ]
    rows += [
        [f"endpoint-{kind}", e, *[""] * (len(header) - 2)]
        for kind, endpoints in (("appeared", diff.appeared), ("disappeared", diff.disappeared))
        for e in endpoints
    ]
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
