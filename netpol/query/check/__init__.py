"""Check stage: declared intent (an intent file, :mod:`~netpol.query.check.intent`) against the
AllowGraph, each expectation judged and explained (:mod:`~netpol.query.check.evaluate`)."""

from __future__ import annotations

from netpol.query.check.evaluate import CheckResult, Outcome, check
from netpol.query.check.intent import (
    Expectation,
    Intent,
    Target,
    Verdict,
    load_intent,
    parse_intent,
)

__all__ = [
    "CheckResult",
    "Expectation",
    "Intent",
    "Outcome",
    "Target",
    "Verdict",
    "check",
    "load_intent",
    "parse_intent",
]
