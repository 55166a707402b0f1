"""Plain text: aligned columns for people and for grep. Input-derived text is escaped for a
terminal (netpol.core.escaping.terminal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from netpol.core.escaping import terminal
from netpol.engine.graph import Connection
from netpol.model.cluster import StandIn
from netpol.query.explain import Explanation
from netpol.render.stand_ins import STAND_IN_MEANING, named_stand_ins

__all__ = ["render_connections", "render_explanation"]


def render_connections(
    connections: Sequence[Connection],
    endpoints: Sequence[str],
    stand_ins: Mapping[str, StandIn] | None = None,
) -> str:
    """The table, then what each stand-in it names stands for."""
    if not connections:
        return "no allowed connections\n"
    # Port names are input too (a rule's named port toward a stand-in).
    rows = [(terminal(c.src), terminal(c.dst), terminal(str(c.ports))) for c in connections]
    w_src = max(len("SOURCE"), *(len(src) for src, _, _ in rows))
    w_dst = max(len("DESTINATION"), *(len(dst) for _, dst, _ in rows))
    tiered = connections[0].decided is not None  # the cluster has tier policies: who allowed
    if tiered:
        w_ports = max(len("PORTS"), *(len(ports) for _, _, ports in rows))
        lines = [f"{'SOURCE':<{w_src}}    {'DESTINATION':<{w_dst}}  {'PORTS':<{w_ports}}  ALLOWED BY"]
        lines += [
            f"{src:<{w_src}} -> {dst:<{w_dst}}  {ports:<{w_ports}}  {c.decided_text}"
            for (src, dst, ports), c in zip(rows, connections, strict=True)
        ]
    else:
        lines = [f"{'SOURCE':<{w_src}}    {'DESTINATION':<{w_dst}}  PORTS"]
        lines += [f"{src:<{w_src}} -> {dst:<{w_dst}}  {ports}" for src, dst, ports in rows]
    legend = [(terminal(i), terminal(str(s))) for i, s in named_stand_ins(connections, (), stand_ins)]
    if legend:
        width = max(len(i) for i, _ in legend)
        lines += ["", f"stand-ins ({STAND_IN_MEANING}):"]
        lines += [f"  {i:<{width}} = {what}" for i, what in legend]
    return "\n".join(line.rstrip() for line in lines) + "\n"


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
