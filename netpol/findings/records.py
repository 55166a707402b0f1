"""What lint and check report: findings, the rules behind them, and the report renderers read.

A :class:`Finding` is one problem at one place: a stable rule id, a severity, a one-line message
(what is wrong and why it matters), the location of the object at fault, a fix hint, and the ids
of the endpoints it concerns. A :class:`Report` is everything one run found, with the metadata of
every rule that ran; renderers read nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from netpol.errors import Location, Severity
from netpol.model.resources import NetworkPolicy

__all__ = [
    "SEVERITY_RANK",
    "Case",
    "CaseKind",
    "FailOn",
    "Finding",
    "Related",
    "Report",
    "RuleMeta",
    "Suppressed",
    "SuppressionKind",
    "policy_ref",
    "sorted_findings",
]

SEVERITY_RANK = {Severity.ERROR: 2, Severity.WARNING: 1, Severity.INFO: 0}


class FailOn(StrEnum):
    """The ``--fail-on`` threshold: exit code 1 when a finding is at least this severe."""

    ERROR = "error"
    WARNING = "warning"
    NEVER = "never"

    def reached_by(self, severity: Severity) -> bool:
        if self is FailOn.NEVER:
            return False
        return SEVERITY_RANK[severity] >= SEVERITY_RANK[Severity(self.value)]


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """A rule's stable id and slug, its default severity, and the help text renderers show."""

    id: str
    """``NP006``: never reused, never renumbered."""
    slug: str
    """``internet-ingress``: accepted wherever an id is (config, annotations)."""
    severity: Severity
    title: str
    """What the rule finds, in one line."""
    why: str
    """Why it matters."""
    fix: str
    """How to fix it, in general (each finding carries its own hint)."""
    security_severity: float
    """0.0-10.0, as GitHub code scanning reads it (>= 7 high, >= 4 medium)."""

    def with_severity(self, severity: Severity) -> RuleMeta:
        return replace(self, severity=severity)


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that explains a finding (the policy rule that allows a violating flow)."""

    location: Location
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    """One line: what is wrong, and why it matters."""
    location: Location | None
    """The object at fault (its file and line), or None when the input does not say."""
    hint: str
    """How to fix it, in one line."""
    subjects: tuple[str, ...] = ()
    """Ids of the endpoints concerned (``shop/db[Deployment]``), sorted."""
    object: str = ""
    """Id of the object at fault: ``shop/db[Deployment]``, ``shop/allow-web[NetworkPolicy]``,
    ``shop[Namespace]``, or an expectation of an intent file."""
    related: tuple[Related, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        loc = self.location
        return (
            loc.source if loc else "",
            (loc.line or 0) if loc else 0,
            (loc.column or 0) if loc else 0,
            self.rule_id,
            self.object,
            self.message,
        )


class SuppressionKind(StrEnum):
    """Where a suppression comes from (SARIF's ``suppression.kind``)."""

    IN_SOURCE = "inSource"
    """A ``netpol.io/ignore`` annotation on the object."""
    EXTERNAL = "external"
    """An exception in the configuration file."""


@dataclass(frozen=True, slots=True)
class Suppressed:
    finding: Finding
    kind: SuppressionKind
    reason: str


class CaseKind(StrEnum):
    """What a test of a check run judges: an expectation of an intent file, or an observed flow."""

    EXPECTATION = "expectation"
    FLOW = "flow"


@dataclass(frozen=True, slots=True)
class Case:
    """One test of a check run (an expectation, an observed flow), passed when ``finding`` is None."""

    name: str
    location: Location | None
    finding: Finding | None = None
    kind: CaseKind = CaseKind.EXPECTATION


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one lint or check run found: what renderers and the exit code read."""

    tool: str
    """``lint`` or ``check``."""
    rules: tuple[RuleMeta, ...]
    """The rules that ran, with their effective severities, sorted by id."""
    findings: tuple[Finding, ...]
    """Sorted by file, line and rule."""
    suppressed: tuple[Suppressed, ...] = ()
    cases: tuple[Case, ...] = ()
    """check: every expectation, in file order, then every observed flow; lint: ()."""

    def rule(self, rule_id: str) -> RuleMeta:
        return next(r for r in self.rules if r.id == rule_id)

    def counts(self) -> dict[Severity, int]:
        out = dict.fromkeys(Severity, 0)
        for f in self.findings:
            out[f.severity] += 1
        return out

    def failed(self, fail_on: FailOn) -> bool:
        """Whether a finding reaches the threshold (suppressed findings never do)."""
        return any(fail_on.reached_by(f.severity) for f in self.findings)

    def summary(self) -> str:
        """``2 errors, 1 warning, 0 info (1 suppressed)``; ``no findings`` when clean."""
        counts = self.counts()
        if not self.findings:
            text = "no findings"
        else:
            text = ", ".join(_plural(counts[s], s.value) for s in Severity)
        if self.suppressed:
            text += f" ({len(self.suppressed)} suppressed)"
        return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 or word == "info" else f"{n} {word}s"


def sorted_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(set(findings), key=Finding.sort_key))


def policy_ref(policy: NetworkPolicy) -> str:
    """How findings name a policy (``shop/deny[NetworkPolicy]``), as suppressions match it."""
    return f"{policy.id}[NetworkPolicy]"
