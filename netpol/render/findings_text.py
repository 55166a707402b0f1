"""Findings of lint and check as text (grouped by file, coloured on a terminal) and as JSON.

Files, messages and fixes quote input: the text form escapes them (netpol.core.escaping.terminal)
before it paints its own colours.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from netpol.core.escaping import terminal
from netpol.errors import Location, Severity, format_path
from netpol.findings.records import CaseKind, FailOn, Finding, Report
from netpol.render.json_ import dumps

__all__ = ["finding_to_json", "location_to_json", "render_json", "render_text"]

_COLOURS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[34m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def render_text(report: Report, *, fail_on: FailOn = FailOn.ERROR, color: bool = False) -> str:
    """``file`` headers, then ``line:col  severity  RULE slug  message`` and an indented fix."""
    lines: list[str] = []
    slugs = {r.id: r.slug for r in report.rules}
    width = max((len(f.severity.value) for f in report.findings), default=0)

    def source(f: Finding) -> str:
        return f.location.source if f.location else "(no file)"

    for name, group in groupby(report.findings, key=source):
        items = list(group)
        lines.append(_paint(terminal(name), _BOLD, color))
        places = [_place(f.location) for f in items]
        pad = max(len(p) for p in places)
        for f, place in zip(items, places, strict=True):
            sev = _paint(f"{f.severity.value:<{width}}", _COLOURS[f.severity], color)
            rule = _paint(f"{f.rule_id} {slugs.get(f.rule_id, '')}".rstrip(), _DIM, color)
            lines.append(f"  {place:>{pad}}  {sev}  {rule}  {terminal(f.message)}")
            indent = " " * (pad + width + 6)
            lines.append(f"{indent}fix: {terminal(f.hint)}")
            for rel in f.related:
                lines.append(f"{indent}see: {terminal(_where(rel.location))}: {terminal(rel.message)}")
        lines.append("")
    lines.append(_summary(report, fail_on))
    return "\n".join(lines) + "\n"


def _place(loc: Location | None) -> str:
    if loc is None or loc.line is None:
        return "-"
    return f"{loc.line}:{loc.column}" if loc.column is not None else str(loc.line)


def _where(loc: Location) -> str:
    return f"{loc.source}:{loc.line}" if loc.line is not None else loc.source


def _summary(report: Report, fail_on: FailOn) -> str:
    text = report.summary()
    tallies = []
    for kind, held, failed in (
        (CaseKind.EXPECTATION, "hold", "violated"),
        (CaseKind.FLOW, "allowed", "dropped"),
    ):
        cases = [c for c in report.cases if c.kind is kind]
        if cases:
            bad = sum(c.finding is not None for c in cases)
            tallies.append(
                f"{len(cases) - bad} of {len(cases)} {kind.value}s {held}"
                + (f", {bad} {failed}" if bad else "")
            )
    if tallies:
        text = f"{'; '.join(tallies)} ({text})"
    if report.failed(fail_on):
        text += f"; failing (--fail-on {fail_on.value})"
    return text


# -- JSON ----------------------------------------------------------------------------------------


def location_to_json(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {
        "file": loc.source,
        "line": loc.line,
        "column": loc.column,
        "document": loc.document,
        "path": format_path(loc.path) if loc.path else None,
    }


def finding_to_json(f: Finding, slugs: dict[str, str]) -> dict[str, Any]:
    return {
        "rule": f.rule_id,
        "slug": slugs.get(f.rule_id),
        "severity": f.severity.value,
        "message": f.message,
        "hint": f.hint,
        "object": f.object or None,
        "subjects": list(f.subjects),
        "location": location_to_json(f.location),
        "related": [{"message": r.message, "location": location_to_json(r.location)} for r in f.related],
    }


def render_json(
    report: Report,
    *,
    fail_on: FailOn = FailOn.ERROR,
    version: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """The contract for scripts: summary, findings, suppressed findings and rule metadata."""
    slugs = {r.id: r.slug for r in report.rules}
    counts = report.counts()
    doc: dict[str, Any] = {
        "tool": f"netpol {report.tool}",
        "version": version,
        "summary": {
            **{s.value: counts[s] for s in Severity},
            "suppressed": len(report.suppressed),
            "fail_on": fail_on.value,
            "failed": report.failed(fail_on),
        },
        "findings": [finding_to_json(f, slugs) for f in report.findings],
        "suppressed": [
            {**finding_to_json(s.finding, slugs), "suppression": s.kind.value, "reason": s.reason}
            for s in report.suppressed
        ],
        "rules": [_rule_json(r.id, report) for r in report.rules],
    }
    if extra:
        doc.update(extra)
    return dumps(doc)


def _rule_json(rule_id: str, report: Report) -> dict[str, Any]:
    r = report.rule(rule_id)
    return {
        "id": r.id,
        "slug": r.slug,
        "severity": r.severity.value,
        "title": r.title,
        "why": r.why,
        "fix": r.fix,
    }
