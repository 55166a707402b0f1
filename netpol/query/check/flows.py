"""Check stage: observed traffic against the AllowGraph (``netpol check --flows``).

A flow file's flows are placed on the graph (:func:`netpol.flows.place.place_flows`), then judged
once per (source, destination, protocol, port) however many lines show it. A flow the policies
would drop is a finding (NP103 flow-dropped) at the flow's first line, explained by the engine
(:func:`netpol.query.explain.explain`, on the first port dropped) and pointing at the policies
that isolate the side that denies it, or at the tier rule that decides it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netpol.core.ports import PortSet
from netpol.core.text import listing
from netpol.engine.graph import AllowGraph
from netpol.errors import Diagnostic, Location, Severity
from netpol.findings import Finding, RuleMeta
from netpol.findings.catalog import RuleId
from netpol.flows.place import place_flows
from netpol.flows.records import Flow, FlowFile, PlacedFlow, Placement
from netpol.load.files import Locator
from netpol.query.check.advice import fix_hint, related_policies
from netpol.query.check.intent import Verdict
from netpol.query.explain import Explanation, explain

__all__ = ["FlowAudit", "JudgedFlow", "audit_flows"]

_SHOWN_LINES = 5


@dataclass(frozen=True, slots=True)
class JudgedFlow:
    """One (source, destination, protocol, port) of the flow files on the graph, and its verdict."""

    placed: tuple[PlacedFlow, ...]
    """Every placed flow with this key, in file order (the first gives the finding its place)."""
    src: str
    dst: str
    asked: PortSet
    allowed: PortSet
    """What of ``asked`` the policies allow."""
    explanation: Explanation | None
    """The engine's explanation of the first port dropped; None when the flow is allowed."""
    finding: Finding | None

    @property
    def dropped(self) -> bool:
        return not self.asked.issubset(self.allowed)

    @property
    def first(self) -> PlacedFlow:
        return self.placed[0]

    @property
    def seen(self) -> tuple[tuple[str, int], ...]:
        """Every (file, line) that shows the flow, in file order."""
        return tuple(dict.fromkeys((p.flow.location.source, p.flow.location.line or 0) for p in self.placed))

    @property
    def name(self) -> str:
        """``shop/api[Deployment] -> shop/db[StatefulSet] TCP 5432``."""
        return f"{self.src} -> {self.dst} {self.first.flow.ports_text}"

    def to_json(self) -> dict[str, Any]:
        f = self.first
        addresses = {
            side: sorted({a for p in self.placed if (a := getattr(p, f"{side}_address")) is not None})
            for side in ("src", "dst")
        }
        return {
            "src": self.src,
            "dst": self.dst,
            "protocol": f.protocol.value,
            "port": f.port,
            "end_port": f.end_port,
            "addresses": {k: v for k, v in addresses.items() if v},
            "seen": [{"file": file, "line": line} for file, line in self.seen],
            "allowed": not self.dropped,
            "allowed_ports": self.allowed.to_json(),
            "explanation": self.explanation.to_json() if self.explanation else None,
        }


@dataclass(frozen=True, slots=True)
class FlowAudit:
    """Flow files judged on the graph: the flows placed and judged, those that could not be
    placed, the lines not read as flows (counted) and the files' problems."""

    files: tuple[FlowFile, ...]
    placement: Placement
    judged: tuple[JudgedFlow, ...]

    @property
    def dropped(self) -> tuple[JudgedFlow, ...]:
        return tuple(j for j in self.judged if j.dropped)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for f in self.files for d in f.diagnostics if d.severity is Severity.ERROR)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [_file_json(f) for f in self.files],
            "judged": len(self.judged),
            "dropped": len(self.dropped),
            "flows": [j.to_json() for j in self.judged],
            "unplaced": [
                {
                    "file": u.flow.location.source,
                    "line": u.flow.location.line,
                    "flow": str(u.flow),
                    "reason": u.reason,
                }
                for u in self.placement.unplaced
            ],
        }


def _file_json(file: FlowFile) -> dict[str, Any]:
    return {
        "file": file.source,
        "format": file.format.value,
        "read": len(file.flows),
        "ignored": dict(sorted(file.ignored.items())),
        "diagnostics": [
            {
                "severity": d.severity.value,
                "code": d.code,
                "message": d.message,
                "line": d.location.line if d.location else None,
            }
            for d in file.diagnostics
        ],
    }


def audit_flows(
    graph: AllowGraph,
    files: Sequence[FlowFile],
    rules: Mapping[str, RuleMeta],
    *,
    locator: Locator | None = None,
) -> FlowAudit:
    """Place the flows of ``files`` on ``graph`` and judge each (source, destination, protocol,
    port) once, whichever files and lines show it; a dropped one is a finding when its rule is
    among ``rules`` (the enabled rules)."""
    placement = place_flows(graph, [f for file in files for f in file.flows])
    groups: dict[tuple[int, int, str, int | None, int | None], list[PlacedFlow]] = {}
    for p in placement.placed:
        groups.setdefault((p.src, p.dst, p.protocol.value, p.port, p.end_port), []).append(p)
    judged = [
        _judge(graph, tuple(group), rules.get(RuleId.FLOW_DROPPED), locator) for group in groups.values()
    ]
    return FlowAudit(tuple(files), placement, tuple(judged))


def _judge(
    graph: AllowGraph, placed: tuple[PlacedFlow, ...], rule: RuleMeta | None, locator: Locator | None
) -> JudgedFlow:
    p = placed[0]
    src, dst = graph.ids[p.src], graph.ids[p.dst]
    asked = _asked(p)
    allowed = graph.allowed_between(p.src, p.dst) & asked
    if asked.issubset(allowed):
        return JudgedFlow(placed, src, dst, asked, allowed, None, None)
    first_dropped = (asked - allowed).ranges(p.protocol)[0][0]
    exp = explain(graph, src, dst, protocol=p.protocol, port=first_dropped)
    finding = None if rule is None else _finding(graph, placed, src, dst, allowed, exp, rule, locator)
    return JudgedFlow(placed, src, dst, asked, allowed, exp, finding)


def _asked(p: PlacedFlow) -> PortSet:
    return PortSet.of(p.protocol) if p.port is None else PortSet.of(p.protocol, p.port, p.end_port or p.port)


def _finding(
    graph: AllowGraph,
    placed: tuple[PlacedFlow, ...],
    src: str,
    dst: str,
    allowed: PortSet,
    exp: Explanation,
    rule: RuleMeta,
    locator: Locator | None,
) -> Finding:
    flow: Flow = placed[0].flow
    places = list(dict.fromkeys((p.flow.location.source, p.flow.location.line or 0) for p in placed))
    seen = ""
    if len(places) > 1:
        one_file = all(file == flow.location.source for file, _ in places)
        shown = [str(line) if one_file else f"{file}:{line}" for file, line in places]
        seen = f" (on {len(places)} lines: {listing(shown, _SHOWN_LINES)})"
    verdict = (
        "is dropped" if not allowed else f"is dropped on {_asked(placed[0]) - allowed} ({allowed} is allowed)"
    )
    pair = f"{src} -> {dst}"
    head = f"flow {flow}{seen}: " + (
        f"{pair} {verdict}" if str(flow) != f"{pair} {flow.ports_text}" else verdict
    )
    why = f"egress: {exp.egress.describe(exp.dst)}; ingress: {exp.ingress.describe(exp.src)}"
    if exp.note:
        why += f"; note: {exp.note}"
    location = Location(flow.location.source, line=flow.location.line)
    return Finding(
        RuleId.FLOW_DROPPED,
        rule.severity,
        f"{head}; {why}",
        location,
        fix_hint(exp, Verdict.ALLOW),
        tuple(sorted({src, dst})),
        f"{flow.location.source}:{flow.location.line}",
        tuple(related_policies(graph, exp, Verdict.ALLOW, locator)),
    )
