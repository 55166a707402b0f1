"""Check stage, second half: every expectation of an intent judged on the AllowGraph, each
violation explained by the engine (:func:`netpol.query.explain.explain`) and reported as a finding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netpol.core.ports import Protocol
from netpol.core.text import listing
from netpol.engine.asked import asked_ports, port_problem
from netpol.engine.graph import AllowGraph
from netpol.errors import Diagnostic, Severity
from netpol.findings import CHECK_RULES, Case, CaseKind, Finding, LintConfig, Report, suppress
from netpol.findings.catalog import RuleId
from netpol.findings.records import sorted_findings
from netpol.flows.records import FlowFile
from netpol.load.files import Locator
from netpol.query.check.advice import fix_hint, related_policies
from netpol.query.check.flows import FlowAudit, audit_flows
from netpol.query.check.intent import Expectation, Intent, Verdict
from netpol.query.check.sides import sides
from netpol.query.explain import Explanation, explain

__all__ = ["CheckResult", "Outcome", "check"]

_SHOWN_PAIRS = 3


@dataclass(frozen=True, slots=True)
class Outcome:
    expectation: Expectation
    pairs: int
    """How many (source, destination) pairs were compared."""
    violations: tuple[tuple[str, str], ...]
    """Pairs whose verdict contradicts the expectation (endpoint ids)."""
    explanation: Explanation | None
    """The engine's explanation of the first violating pair."""
    finding: Finding | None

    @property
    def passed(self) -> bool:
        return not self.violations

    def to_json(self) -> dict[str, Any]:
        e = self.expectation
        loc = e.location
        return {
            "name": e.title,
            "from": e.src.text,
            "to": e.dst.text,
            "expect": e.expect.value,
            "port": e.port,
            "protocol": e.protocol.value if e.protocol else None,
            "file": loc.source if loc else None,
            "line": loc.line if loc else None,
            "passed": self.passed,
            "pairs": self.pairs,
            "violations": [{"src": s, "dst": d} for s, d in self.violations],
            "explanation": self.explanation.to_json() if self.explanation else None,
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    outcomes: tuple[Outcome, ...]
    report: Report
    errors: tuple[Diagnostic, ...] = ()
    """Expectations that could not be judged (a side matching nothing, a port no destination
    declares), each at its line; the others are judged all the same (exit code 2)."""
    notes: tuple[Diagnostic, ...] = ()
    """Sides judged as a pod the input does not hold (:mod:`~netpol.query.check.sides`), each
    at its line."""
    flows: FlowAudit | None = None
    """The flow files judged (``--flows``), when some were given."""

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "expectations": [o.to_json() for o in self.outcomes],
            "errors": [_diagnostic_json(d) for d in self.errors],
        }
        if self.notes:
            doc["notes"] = [_diagnostic_json(d) for d in self.notes]
        if self.flows is not None:
            doc["flows"] = self.flows.to_json()
        return doc


def _diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "message": d.message,
        "file": d.location.source if d.location else None,
        "line": d.location.line if d.location else None,
    }


# -- evaluating ----------------------------------------------------------------------------------


def check(
    graph: AllowGraph,
    intent: Intent | None,
    config: LintConfig | None = None,
    *,
    locator: Locator | None = None,
    flows: Sequence[FlowFile] = (),
) -> CheckResult:
    """Evaluate every expectation of ``intent``, and every flow of the files ``flows``; one that cannot be
    judged (a side matching nothing) is in ``CheckResult.errors`` and the others are still
    evaluated. A side about a pod the input does not hold is judged on that pod, added to
    ``graph`` (``CheckResult.notes``); flows are judged on ``graph`` as it is
    (:mod:`~netpol.query.check.flows`). The report lists the rules of what was given.

    ``locator`` (the manifests' ``LoadResult.locator``) gives the related policy rules their lines.
    """
    config = config or LintConfig()
    ran = {RuleId.UNEXPECTED_ALLOW, RuleId.UNEXPECTED_DENY} if intent is not None else set()
    if flows:
        ran.add(RuleId.FLOW_DROPPED)
    rules = config.rules(r for r in CHECK_RULES if r.id in ran)
    enabled = {r.id: r for r in rules}
    problems: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    audit = audit_flows(graph, flows, enabled, locator=locator) if flows else None
    outcomes = _expectations(graph, intent, enabled, locator, problems, notes) if intent is not None else []
    findings = [o.finding for o in outcomes if o.finding is not None]
    if audit is not None:
        findings += [j.finding for j in audit.judged if j.finding is not None]
    kept, suppressed = suppress(findings, graph.cluster, config.exemptions)
    kept_ids = {id(f) for f in kept}

    def shown(f: Finding | None) -> Finding | None:
        return f if f is not None and id(f) in kept_ids else None

    cases = [Case(o.expectation.title, o.expectation.location, shown(o.finding)) for o in outcomes]
    if audit is not None:
        cases += [Case(j.name, j.first.flow.location, shown(j.finding), CaseKind.FLOW) for j in audit.judged]
    report = Report("check", rules, sorted_findings(kept), suppressed, tuple(cases))
    return CheckResult(tuple(outcomes), report, tuple(problems), tuple(notes), audit)


def _expectations(
    graph: AllowGraph,
    intent: Intent,
    enabled: Mapping[str, Any],
    locator: Locator | None,
    problems: list[Diagnostic],
    notes: list[Diagnostic],
) -> list[Outcome]:
    judged = sides(graph, (t for e in intent.expectations for t in (e.src, e.dst)))
    graph = judged.graph
    n = graph.endpoint_count
    outcomes = []
    for e in intent.expectations:
        before = len(problems)
        srcs, dsts = judged.resolve(e.src, problems, notes), judged.resolve(e.dst, problems, notes)
        if srcs and dsts and all(s >= n for s in srcs) and all(d >= n for d in dsts):
            problems.append(
                Diagnostic(
                    Severity.ERROR,
                    "outside-only",
                    "both sides are outside the cluster: netpol does not analyse that traffic",
                    e.location,
                )
            )
        if (
            dsts
            and isinstance(e.port, str)
            and all(port_problem(graph.nodes[d], e.port, e.protocol) for d in dsts)
        ):
            problems.append(
                Diagnostic(
                    Severity.ERROR,
                    "unknown-port",
                    f"no destination declares {(e.protocol or Protocol.TCP).value} port {e.port!r} "
                    f"(e.g. {port_problem(graph.nodes[dsts[0]], e.port, e.protocol)})",
                    e.location,
                )
            )
        if len(problems) == before:  # one bad expectation never hides the verdict of the others
            outcomes.append(_evaluate(graph, e, srcs, dsts, enabled, locator))
    return outcomes


def _evaluate(
    graph: AllowGraph,
    e: Expectation,
    srcs: Sequence[int],
    dsts: Sequence[int],
    enabled: Mapping[str, Any],
    locator: Locator | None,
) -> Outcome:
    n = graph.endpoint_count
    nodes = graph.nodes
    pairs = 0
    bad: list[tuple[int, int]] = []
    for d in dsts:
        asked = asked_ports(e.protocol, e.port, nodes[d])
        for s in srcs:
            if s == d or (s >= n and d >= n):
                continue  # a pod always reaches itself; outside-to-outside is not analysed
            pairs += 1
            ports = graph.allowed_between(s, d) & asked
            if e.expect is Verdict.DENY:
                ok = not ports
            elif e.port is not None:
                ok = bool(asked) and asked.issubset(ports)
            else:
                ok = bool(ports)
            if not ok:
                bad.append((s, d))
    bad.sort(key=lambda sd: (nodes[sd[0]].id, nodes[sd[1]].id))
    violations = tuple((nodes[s].id, nodes[d].id) for s, d in bad)
    if not bad:
        return Outcome(e, pairs, (), None, None)
    s, d = bad[0]
    exp = explain(graph, nodes[s].id, nodes[d].id, protocol=e.protocol, port=e.port)
    rule_id = RuleId.UNEXPECTED_ALLOW if e.expect is Verdict.DENY else RuleId.UNEXPECTED_DENY
    if rule_id not in enabled:
        return Outcome(e, pairs, violations, exp, None)
    verdict = "allowed" if e.expect is Verdict.DENY else "denied"
    head = f"expected {e.expect.value}: {e.src.text} -> {e.dst.text} {e.what}"
    if pairs == 1:
        what = f"{violations[0][0]} -> {violations[0][1]} is {verdict}"
    else:
        shown = [f"{a} -> {b}" for a, b in violations[:_SHOWN_PAIRS]]
        what = f"{len(bad)} of {pairs} connections are {verdict}, e.g. {listing(shown, 1)}"
    why = f"egress: {exp.egress.describe(exp.dst)}; ingress: {exp.ingress.describe(exp.src)}"
    if exp.note:
        why += f"; note: {exp.note}"
    finding = Finding(
        rule_id,
        enabled[rule_id].severity,
        f"{head}: {what}; {why}",
        e.location,
        fix_hint(exp, e.expect),
        tuple(sorted({x for pair in violations for x in pair})),
        f"{e.location.source if e.location else 'intent'}#{e.index + 1}",
        tuple(related_policies(graph, exp, e.expect, locator)),
    )
    return Outcome(e, pairs, violations, exp, finding)
