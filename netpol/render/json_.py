"""JSON: the contract other tools parse (docs/output.md). Never colour or logs.

The connection list is written one connection per line, so it stays greppable and diffable.
Strings are ASCII: json.dumps escapes control characters, and ``ensure_ascii`` every other
non-ASCII one, so U+2028/U+2029 (line breaks to JavaScript) and bidi controls stay ``\\u`` escapes
when the file is printed or pasted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from netpol.core.ports import PortSet
from netpol.engine.graph import Connection
from netpol.model.cluster import StandIn
from netpol.query.explain import Explanation
from netpol.render.stand_ins import named_stand_ins

__all__ = ["dumps", "render_connections", "render_explanation"]


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False, ensure_ascii=True) + "\n"


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)


def render_connections(
    connections: Sequence[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
    unmodelled: Mapping[str, int] | None = None,
) -> str:
    """``{"connections": [...], "endpoints": [...]}``, and ``"stand_ins"`` when a connection or an
    endpoint is one: what each stands for; ``"unmodelled_policies"`` when the input holds policies
    netpol does not model (kind and group -> count): the connections ignore them."""
    ports_json: dict[PortSet, str] = {}
    lines = []
    for c in connections:
        pj = ports_json.get(c.ports)
        if pj is None:
            pj = ports_json[c.ports] = json.dumps(c.ports.to_json(), separators=(", ", ": "))
        lines.append(f'    {{"src": {_string(c.src)}, "dst": {_string(c.dst)}, "ports": {pj}}}')
    body = ",\n".join(lines)
    eps = ",\n".join(f"    {_string(e)}" for e in endpoints)
    text = (
        f'{{\n  "connections": [\n{body}\n  ],\n  "endpoints": [\n{eps}\n  ]'
        if lines or eps
        else '{\n  "connections": [],\n  "endpoints": []'
    )
    named = named_stand_ins(connections, endpoints, stand_ins)
    if named:
        rows = ",\n".join(f"    {_line(_stand_in_json(i, s))}" for i, s in named)
        text += f',\n  "stand_ins": [\n{rows}\n  ]'
    if unmodelled:
        text += f',\n  "unmodelled_policies": {_line(dict(unmodelled))}'
    return text + "\n}\n"


def _stand_in_json(endpoint_id: str, stand_in: StandIn) -> dict[str, object]:
    return {"id": endpoint_id, "stands_for": str(stand_in), **stand_in.to_json()}


def _line(value: object) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(", ", ": "))


def render_explanation(exp: Explanation, unmodelled: Mapping[str, int] | None = None) -> str:
    """The explanation; ``"unmodelled_policies"`` when the input holds policies netpol does not
    model (the verdict ignores them)."""
    doc = exp.to_json()
    if unmodelled:
        doc["unmodelled_policies"] = dict(unmodelled)
    return dumps(doc)
