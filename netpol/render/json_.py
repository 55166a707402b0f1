"""JSON: the contract other tools parse (docs/output.md). Never colour or logs.

The connection list is written one connection per line, so it stays greppable and diffable.
Strings are ASCII: json.dumps escapes control characters, and ``ensure_ascii`` every other
non-ASCII one, so U+2028/U+2029 (line breaks to JavaScript) and bidi controls stay ``\\u`` escapes
when the file is printed or pasted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from netpol.core.ports import PortSet
from netpol.engine.graph import Connection
from netpol.model.cluster import StandIn
from netpol.query.explain import Explanation
from netpol.render.stand_ins import StandInsNamed
from netpol.render.text import batched

__all__ = ["dumps", "render_connections", "render_explanation", "write_connections"]


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False, ensure_ascii=True) + "\n"


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)


def render_connections(
    connections: Iterable[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
    unmodelled: Mapping[str, int] | None = None,
) -> str:
    """``{"connections": [...], "endpoints": [...]}``, and ``"stand_ins"`` when a connection or an
    endpoint is one: what each stands for; ``"unmodelled_policies"`` when the input holds policies
    netpol does not model (kind and group -> count): the connections ignore them."""
    return "".join(write_connections(connections, endpoints, stand_ins, unmodelled))


def write_connections(
    connections: Iterable[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
    unmodelled: Mapping[str, int] | None = None,
) -> Iterator[str]:
    """:func:`render_connections` as it goes, a few thousand connections at a time."""
    ports_json: dict[PortSet, str] = {}
    q = cache(_string)  # an end's JSON string: the same ends come back on many lines

    def line(c: Connection) -> str:
        pj = ports_json.get(c.ports)
        if pj is None:
            pj = ports_json[c.ports] = json.dumps(c.ports.to_json(), separators=(", ", ": "))
        return f'    {{"src": {q(c.src)}, "dst": {q(c.dst)}, "ports": {pj}}}'

    seen = StandInsNamed(connections, stand_ins)
    yield '{\n  "connections": ['
    sep = "\n"
    for batch in batched(seen):
        yield sep + ",\n".join(map(line, batch))
        sep = ",\n"
    if sep == "\n" and not endpoints:
        yield '],\n  "endpoints": []'
    else:
        eps = ",\n".join(f"    {_string(e)}" for e in endpoints)
        yield ("\n  ]" if sep != "\n" else "\n\n  ]") + f',\n  "endpoints": [\n{eps}\n  ]'
    text = ""
    named = seen.named(endpoints)
    if named:
        rows = ",\n".join(f"    {_line(_stand_in_json(i, s))}" for i, s in named)
        text += f',\n  "stand_ins": [\n{rows}\n  ]'
    if unmodelled:
        text += f',\n  "unmodelled_policies": {_line(dict(unmodelled))}'
    yield text + "\n}\n"


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
