"""SARIF 2.1.0 (OASIS) for code scanning: one run, every rule that ran, one result per finding.

Paths are relative to ``base`` (the current directory: the repository root in CI) with the
``%SRCROOT%`` base id; sources outside it become ``file://`` URIs. Suppressed findings are left
out of ``results`` (GitHub code scanning ignores SARIF's ``suppressions`` and would open alerts for
them); the run's properties count them. Messages, which code scanning shows to people, are escaped
as for a terminal (netpol.core.escaping.terminal); the JSON itself is ASCII.
"""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from pathlib import Path, PurePath
from typing import Any

from netpol.core.escaping import terminal
from netpol.errors import Location, Severity
from netpol.findings.records import Finding, Report, RuleMeta
from netpol.live import is_live_source
from netpol.render.json_ import dumps

__all__ = ["SARIF_SCHEMA", "relative_uri", "render_sarif"]

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}


def relative_uri(source: str, base: str = ".") -> str | None:
    """``policies/db.yaml`` relative to ``base``; a ``file://`` URI outside it; None for stdin."""
    if source.startswith("<"):
        return None
    full = os.path.abspath(source)
    rel = os.path.relpath(full, os.path.abspath(base))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return Path(full).as_uri()
    return urllib.parse.quote(PurePath(rel).as_posix())


def render_sarif(report: Report, *, version: str | None = None, base: str = ".") -> str:
    """``version``: netpol's, for ``tool.driver``; ``base``: the directory paths are relative to."""
    rules = list(report.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    driver: dict[str, Any] = {"name": "netpol", "fullName": f"netpol {report.tool}"}
    if version:
        driver["version"] = driver["semanticVersion"] = version
    driver["rules"] = [_rule(r) for r in rules]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"netpol-{report.tool}/"},
        "invocations": [{"executionSuccessful": True}],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, base) for f in report.findings],
        "properties": {"suppressed": len(report.suppressed)},
    }
    return dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]})


def _name(slug: str) -> str:
    return "".join(part.capitalize() for part in slug.split("-"))


def _rule(r: RuleMeta) -> dict[str, Any]:
    anchor = f"{r.id.lower()}-{r.slug}"
    return {
        "id": r.id,
        "name": _name(r.slug),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.why},
        "help": {
            "text": f"{r.title} {r.why}\nFix: {r.fix}\nSee docs/lint-rules.md#{anchor}",
            "markdown": f"**{r.id} {r.slug}**: {r.title}\n\n{r.why}\n\n**Fix:** {r.fix}\n\n"
            f"See [docs/lint-rules.md](docs/lint-rules.md#{anchor}).",
        },
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {
            "tags": ["security", "kubernetes", "networkpolicy"],
            "precision": "very-high",
            "problem.severity": _PROBLEM[r.severity],
            "security-severity": f"{r.security_severity:.1f}",
        },
    }


def _physical(loc: Location, base: str) -> dict[str, Any] | None:
    if is_live_source(loc.source):
        return None  # an object of a live cluster: no file to point at; the logical location says it
    uri = relative_uri(loc.source, base)
    if uri is None:
        return None
    artifact: dict[str, Any] = {"uri": uri}
    if not uri.startswith("file:"):
        artifact["uriBaseId"] = "%SRCROOT%"
    out: dict[str, Any] = {"artifactLocation": artifact}
    if loc.line is not None:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column is not None:
            region["startColumn"] = loc.column
        out["region"] = region
    return out


def _text(message: str) -> str:
    """A message as code scanning shows it: no bidi override or invisible character."""
    return terminal(message, newlines=True)


def _result(f: Finding, index: dict[str, int], base: str) -> dict[str, Any]:
    location: dict[str, Any] = {}
    physical = _physical(f.location, base) if f.location is not None else None
    if physical is not None:
        location["physicalLocation"] = physical
    if f.object:
        location["logicalLocations"] = [{"fullyQualifiedName": f.object, "kind": "resource"}]
    digest = hashlib.sha256(f"{f.rule_id}\0{f.object}\0{f.message}".encode()).hexdigest()
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index[f.rule_id],
        "level": _LEVEL[f.severity],
        "message": {"text": _text(f"{f.message}. Fix: {f.hint}")},
        "locations": [location] if location else [],
        "partialFingerprints": {"netpolFinding/v1": digest[:32]},
    }
    related = []
    for i, rel in enumerate(f.related):
        phys = _physical(rel.location, base)
        if phys is not None:
            related.append({"id": i + 1, "physicalLocation": phys, "message": {"text": _text(rel.message)}})
    if related:
        result["relatedLocations"] = related
    if f.subjects:
        result["properties"] = {"subjects": list(f.subjects)}
    return result
