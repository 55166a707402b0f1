"""Plain text for `netpol diff`: a headline, then the changes a reviewer must see first.

Endpoints, policies, rules and causes hold input, so each is escaped for a terminal.
"""

from __future__ import annotations

from netpol.core.escaping import terminal
from netpol.diff.compare import ChangeKind, GraphDiff, PairChange, PolicyChange, Scope

__all__ = ["headline", "render_diff"]

_MARK = {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.CHANGED: "~"}
_TAG = {
    Scope.EXTERNAL: "  [outside the cluster]",
    Scope.CROSS_NAMESPACE: "  [across namespaces]",
    Scope.NAMESPACE: "",
}


def headline(diff: GraphDiff) -> str:
    """``3 connections added, 1 changed, 0 removed; 1 endpoint appeared`` or no change."""
    if diff.empty:
        return "no change in connectivity"
    s = diff.summary()
    out = f"{_count(s['added'], 'connection')} added, {s['changed']} changed, {s['removed']} removed"
    ends = [f"{_count(s[k], 'endpoint')} {k}" for k in ("appeared", "disappeared") if s[k]]
    if ends:
        out += "; " + ", ".join(ends)
    return out


def exposure_line(diff: GraphDiff) -> str | None:
    s = diff.summary()
    parts = []
    if s["new_exposure_external"]:
        parts.append(f"{s['new_exposure_external']} from or to outside the cluster")
    if s["new_exposure_cross_namespace"]:
        parts.append(f"{s['new_exposure_cross_namespace']} across namespaces")
    return "new exposure: " + ", ".join(parts) if parts else None


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _policy_line(p: PolicyChange) -> str:
    effect = f"{_count(p.connections, 'connection change')}" if p.connections else "no effect on connectivity"
    return f"  {terminal(p.describe())} ({effect})"


def _list(items: tuple[str, ...]) -> str:
    return terminal("; ".join(items))


def _change_lines(c: PairChange, w_src: int, w_dst: int) -> list[str]:
    lines = [
        f"{_MARK[c.kind]} {terminal(c.src):<{w_src}} -> {terminal(c.dst):<{w_dst}}  "
        f"{c.describe_ports()}{_TAG[c.scope]}".rstrip()
    ]
    lines.append(f"    cause:          {_list(c.cause) or '-'}")
    if c.allowed_after:
        lines.append(f"    allowed by:     {_list(c.allowed_after)}")
    if c.denied_before:  # only where a tier rule took part
        lines.append(f"    denied before:  {_list(c.denied_before)}")
    if c.allowed_before:
        lines.append(f"    allowed before: {_list(c.allowed_before)}")
    if c.denied_after:
        lines.append(f"    denied by:      {_list(c.denied_after)}")
    return lines


def render_diff(diff: GraphDiff) -> str:
    lines = [f"netpol diff: {headline(diff)}"]
    exposure = exposure_line(diff)
    if exposure:
        lines.append(exposure)
    w_src = max((len(terminal(c.src)) for c in diff.changes), default=0)
    w_dst = max((len(terminal(c.dst)) for c in diff.changes), default=0)
    for title, changes in diff.groups():
        lines += ["", f"{title.upper()} ({len(changes)})"]
        for c in changes:
            lines += _change_lines(c, w_src, w_dst)
    if diff.appeared or diff.disappeared:
        lines += ["", f"ENDPOINTS ({len(diff.appeared) + len(diff.disappeared)})"]
        lines += [f"+ {terminal(e)}" for e in diff.appeared]
        lines += [f"- {terminal(e)}" for e in diff.disappeared]
    if diff.policies:
        lines += ["", f"POLICIES ({len(diff.policies)})"]
        lines += [_policy_line(p) for p in diff.policies]
    return "\n".join(lines) + "\n"
