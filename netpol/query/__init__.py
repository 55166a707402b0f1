"""Query stage: explanations of single verdicts, and intent files checked against the graph."""

from __future__ import annotations

from netpol.query.check import (
    CheckResult,
    Expectation,
    Intent,
    Outcome,
    Target,
    Verdict,
    check,
    load_intent,
    parse_intent,
)
from netpol.query.explain import (
    Explanation,
    RuleMatch,
    Side,
    explain,
)

__all__ = [
    "CheckResult",
    "Expectation",
    "Explanation",
    "Intent",
    "Outcome",
    "RuleMatch",
    "Side",
    "Target",
    "Verdict",
    "check",
    "explain",
    "load_intent",
    "parse_intent",
]
