"""Markdown for `netpol diff`: a pull-request comment. The summary table and the new exposure come
first; every other detail is folded in ``<details>``.

Endpoints, policies and rules are code spans (netpol.core.escaping.md_code); the causes, netpol's words
around input-derived names, are escaped prose (md_text). Nothing from the input reaches a
``<summary>`` line, and neither can close a ``<details>`` tag.
"""

from __future__ import annotations

from collections.abc import Sequence

from netpol.core.escaping import md_code, md_text
from netpol.diff.compare import ChangeKind, GraphDiff, PairChange, Scope
from netpol.render.diff_text import headline

__all__ = ["render_diff"]

_SCOPE = {
    Scope.EXTERNAL: "outside the cluster",
    Scope.CROSS_NAMESPACE: "across namespaces",
    Scope.NAMESPACE: "within a namespace",
}


def _item(text: str) -> str:
    """A code span in a list item (outside a table, ``|`` needs no backslash)."""
    return md_code(text, table=False)


def _exposure(changes: Sequence[PairChange]) -> str:
    parts = []
    for scope in (Scope.EXTERNAL, Scope.CROSS_NAMESPACE):
        n = sum(c.new_exposure and c.scope is scope for c in changes)
        if n:
            parts.append(f"{n} {_SCOPE[scope]}")
    return ", ".join(parts)


def _cause(c: PairChange) -> str:
    return md_text("; ".join(c.cause)) or "—"


def _table(changes: Sequence[PairChange], *, scope: bool) -> list[str]:
    head = "| Change | Source | Destination | Ports |" + (" Scope |" if scope else "") + " Cause |"
    lines = [head, "| --- " * head.count(" |") + "|"]
    for c in changes:
        cells = [c.kind.value, md_code(c.src), md_code(c.dst), c.describe_ports()]
        if scope:
            cells.append(_SCOPE[c.scope])
        cells.append(_cause(c))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _folded(summary: str, body: list[str]) -> list[str]:
    return ["", "<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>"]


def render_diff(diff: GraphDiff) -> str:
    lines = [f"### netpol diff: {headline(diff)}"]
    if not diff.empty:
        lines += ["", "| Change | Count | New exposure |", "| --- | ---: | --- |"]
        for kind, label in (
            (ChangeKind.ADDED, "Connections added"),
            (ChangeKind.CHANGED, "Connections with other ports"),
            (ChangeKind.REMOVED, "Connections removed"),
        ):
            changes = diff.of_kind(kind)
            lines.append(f"| {label} | {len(changes)} | {_exposure(changes)} |")
        lines.append(f"| Endpoints appeared | {len(diff.appeared)} |  |")
        lines.append(f"| Endpoints disappeared | {len(diff.disappeared)} |  |")
        idle = sum(not p.connections for p in diff.policies)
        lines.append(
            f"| Policies edited | {len(diff.policies)} |  |"
            if not idle
            else f"| Policies edited | {len(diff.policies)} | {idle} without effect on connectivity |"
        )
        if diff.new_exposure:
            lines += [
                "",
                "**New exposure** (from or to outside the cluster, or across "
                "namespaces): review these first.",
                "",
            ]
            lines += _table(diff.new_exposure, scope=True)
            lines += _folded(
                f"All connection changes ({len(diff.changes)})", _table(diff.changes, scope=True)
            )
        else:
            lines += _folded(f"Connection changes ({len(diff.changes)})", _table(diff.changes, scope=True))
    if diff.changes:
        why = []
        for c in diff.changes:
            parts = []
            if c.allowed_after:
                parts.append("allowed by " + ", ".join(_item(r) for r in c.allowed_after))
            if c.denied_before:  # only where a tier rule took part
                parts.append("denied before by " + ", ".join(_item(r) for r in c.denied_before))
            if c.allowed_before:
                parts.append("allowed before by " + ", ".join(_item(r) for r in c.allowed_before))
            if c.denied_after:
                parts.append("denied by " + ", ".join(_item(r) for r in c.denied_after))
            why.append(
                f"- {c.kind.value} {_item(c.src)} → {_item(c.dst)} "
                f"({c.describe_ports()}): {'; '.join(parts) or '—'}"
            )
        lines += _folded("The rules behind each change", why)
    if diff.appeared or diff.disappeared:
        body = [f"- appeared {_item(e)}" for e in diff.appeared]
        body += [f"- disappeared {_item(e)}" for e in diff.disappeared]
        lines += _folded(f"Endpoints ({len(diff.appeared) + len(diff.disappeared)})", body)
    if diff.policies:
        body = ["| Policy | Edit | Connection changes |", "| --- | --- | ---: |"]
        for p in diff.policies:
            edit = f"renamed from {md_code(p.renamed_from)}" if p.renamed_from else p.kind.value
            if p.edits:  # a tier policy: what changed, in netpol's words around input-derived text
                edit += ": " + md_text("; ".join(p.edits))
            elif p.tier is not None:
                edit += f": {p.tier} tier" + ("" if p.priority is None else f", priority {p.priority}")
            body.append(f"| {md_code(p.policy)} | {edit} | {p.connections} |")
        title = (
            f"Policies edited ({len(diff.policies)})"
            if not diff.empty
            else f"Policies edited without effect on connectivity ({len(diff.policies)})"
        )
        lines += _folded(title, body)
    return "\n".join(lines).rstrip("\n") + "\n"
