"""JSON for `netpol diff`: the contract CI tools parse (docs/diff.md). Never colour or logs.

One change per line, as `netpol list -o json` writes one connection per line, so the file stays
greppable and diffable. Strings are ASCII (``ensure_ascii``), as in netpol.render.json_.
"""

from __future__ import annotations

import json
from typing import Any

from netpol.diff.compare import GraphDiff

__all__ = ["render_diff"]


def _line(value: Any) -> str:
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=True)


def _block(key: str, rows: list[Any]) -> str:
    if not rows:
        return f'  "{key}": []'
    body = ",\n".join(f"    {_line(r)}" for r in rows)
    return f'  "{key}": [\n{body}\n  ]'


def render_diff(diff: GraphDiff) -> str:
    endpoints = {"appeared": list(diff.appeared), "disappeared": list(diff.disappeared)}
    parts = [
        f'  "summary": {_line(diff.summary())}',
        _block("changes", [c.to_json() for c in diff.changes]),
        f'  "endpoints": {_line(endpoints)}',
        _block("policies", [p.to_json() for p in diff.policies]),
    ]
    if diff.unmodelled:  # policies netpol does not model, by side: the changes above ignore them
        parts.append(f'  "unmodelled_policies": {_line({k: dict(v) for k, v in diff.unmodelled.items()})}')
    return "{\n" + ",\n".join(parts) + "\n}\n"
