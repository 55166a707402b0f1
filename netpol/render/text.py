"""Plain text: aligned columns for people and for grep. Input-derived text is escaped for a
terminal (netpol.core.escaping.terminal)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain, islice

from netpol.core.escaping import terminal
from netpol.engine.graph import Connection
from netpol.model.cluster import StandIn
from netpol.query.explain import Explanation
from netpol.render.stand_ins import FOLDED_MEANING, STAND_IN_MEANING, StandInsNamed

__all__ = [
    "BUFFERED",
    "PIECE",
    "Widths",
    "batched",
    "render_connections",
    "render_explanation",
    "write_connections",
]


BUFFERED = 10_000
"""A listing up to this many lines is measured before it is written: its columns are as wide as
its own cells. A longer one streams, with columns as wide as any end could be (``widths``)."""


@dataclass(frozen=True, slots=True)
class Widths:
    """Column widths for a streamed table: the longest source, destination and ports text any
    line could hold (a cell longer than its column pushes the next cell to the right)."""

    src: int
    dst: int
    ports: int


def render_connections(
    connections: Iterable[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
    widths: Widths | None = None,
) -> str:
    """The table, then what each stand-in it names stands for."""
    return "".join(write_connections(connections, stand_ins, widths))


def write_connections(
    connections: Iterable[Connection],
    stand_ins: Mapping[str, StandIn] | None = None,
    widths: Widths | None = None,
) -> Iterator[str]:
    """:func:`render_connections` as it goes, a few thousand lines at a time."""
    seen = StandInsNamed(connections, stand_ins)
    stream = iter(seen)
    head = list(islice(stream, BUFFERED))
    if not head:
        yield "no allowed connections\n"
        return
    # Port names are input too (a rule's named port toward a stand-in).
    tiered = head[0].decided is not None  # the cluster has tier policies: who allowed
    # The same ends and port sets come back on many lines: each is escaped once.
    end_text = cache(terminal)
    ports_text = cache(lambda ports: terminal(str(ports)))

    def row(c: Connection) -> tuple[str, str, str]:
        return end_text(c.src), end_text(c.dst), ports_text(c.ports)

    rows = [row(c) for c in head]
    more = next(stream, None)
    if more is None or widths is None:
        w_src = max(len("SOURCE"), *(len(src) for src, _, _ in rows))
        w_dst = max(len("DESTINATION"), *(len(dst) for _, dst, _ in rows))
        w_ports = max(len("PORTS"), *(len(ports) for _, _, ports in rows))
    else:
        w_src, w_dst, w_ports = (
            max(len(h), w) for h, w in zip(_HEAD, (widths.src, widths.dst, widths.ports), strict=True)
        )

    def line(row: tuple[str, str, str], c: Connection) -> str:
        src, dst, ports = row
        if tiered:
            return f"{src:<{w_src}} -> {dst:<{w_dst}}  {ports:<{w_ports}}  {c.decided_text}".rstrip() + "\n"
        return f"{src:<{w_src}} -> {dst:<{w_dst}}  {ports}".rstrip() + "\n"

    title = f"{'SOURCE':<{w_src}}    {'DESTINATION':<{w_dst}}  " + (
        f"{'PORTS':<{w_ports}}  ALLOWED BY" if tiered else "PORTS"
    )
    yield title.rstrip() + "\n" + "".join(line(r, c) for r, c in zip(rows, head, strict=True))
    if more is not None:
        for batch in batched(chain((more,), stream)):
            yield "".join(line(row(c), c) for c in batch)
    if seen.folded:
        yield f"\nNS/* = {FOLDED_MEANING}\n"
    legend = [(terminal(i), terminal(str(s))) for i, s in seen.named()]
    if legend:
        width = max(len(i) for i, _ in legend)
        lines = ["", f"stand-ins ({STAND_IN_MEANING}):"]
        lines += [f"  {i:<{width}} = {what}" for i, what in legend]
        yield "\n".join(line.rstrip() for line in lines) + "\n"


_HEAD = ("SOURCE", "DESTINATION", "PORTS")


PIECE = 4096
"""How many connections a streamed listing writes at a time."""


def batched(items: Iterable[Connection], size: int | None = None) -> Iterator[list[Connection]]:
    """``items`` in lists of ``size`` (default :data:`PIECE`; the last shorter)."""
    it = iter(items)
    size = size or PIECE
    while batch := list(islice(it, size)):
        yield batch


def render_explanation(exp: Explanation) -> str:
    if exp.port is not None:
        what = f"{exp.protocol.value if exp.protocol else 'TCP'} {exp.port}"
    elif exp.protocol is not None:
        what = f"{exp.protocol.value} (any port)"
    else:
        what = "any port"
    verdict = "ALLOWED" if exp.allowed else "DENIED"
    lines = [f"{exp.src} -> {exp.dst} ({what}): {verdict}"]
    if exp.allowed and exp.port is None:
        lines.append(f"  allowed ports: {exp.matching_ports}")
    elif exp.allowed and isinstance(exp.port, str):
        lines.append(f"  {exp.port!r} on {exp.dst} is {exp.asked}")
    lines.append(f"  egress:  {exp.egress.describe(exp.dst)}")
    lines.append(f"  ingress: {exp.ingress.describe(exp.src)}")
    if exp.note:
        lines.append(f"  note: {exp.note}")
    # Endpoints, port names and policy names are input; netpol's own words hold nothing to escape.
    return "\n".join(terminal(line) for line in lines) + "\n"
