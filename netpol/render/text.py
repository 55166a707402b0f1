"""Plain text: aligned columns for people and for grep."""

from __future__ import annotations

from collections.abc import Sequence

from netpol.explain import Explanation
from netpol.graph import Connection

__all__ = ["render_connections", "render_explanation"]


def render_connections(connections: Sequence[Connection], endpoints: Sequence[str]) -> str:
    if not connections:
        return "no allowed connections\n"
    w_src = max(len("SOURCE"), *(len(c.src) for c in connections))
    w_dst = max(len("DESTINATION"), *(len(c.dst) for c in connections))
    lines = [f"{'SOURCE':<{w_src}}    {'DESTINATION':<{w_dst}}  PORTS"]
    lines += [f"{c.src:<{w_src}} -> {c.dst:<{w_dst}}  {c.ports}" for c in connections]
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
    return "\n".join(lines) + "\n"
