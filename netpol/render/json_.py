"""JSON: the contract other tools parse. Keys documented in docs/output.md; never colour or logs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from netpol.explain import Explanation
from netpol.graph import Connection

__all__ = ["dumps", "render_connections", "render_explanation"]


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False) + "\n"


def render_connections(connections: Sequence[Connection], endpoints: Sequence[str]) -> str:
    return dumps({"connections": [c.to_json() for c in connections],
                  "endpoints": list(endpoints)})


def render_explanation(exp: Explanation) -> str:
    return dumps(exp.to_json())
