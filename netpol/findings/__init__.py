"""Findings: the contract lint and check share: rule metadata, findings and reports, the
configuration (``.netpol.yaml``) and suppressions."""

from __future__ import annotations

from netpol.findings.catalog import CHECK_RULES, LINT_RULES, lookup
from netpol.findings.config import (
    IGNORE_ANNOTATION,
    Exemption,
    LintConfig,
    find_config,
    load_config,
)
from netpol.findings.records import (
    SEVERITY_RANK,
    Case,
    CaseKind,
    FailOn,
    Finding,
    Related,
    Report,
    RuleMeta,
    Suppressed,
    SuppressionKind,
    policy_ref,
    sorted_findings,
)
from netpol.findings.suppress import suppress

__all__ = [
    "CHECK_RULES",
    "IGNORE_ANNOTATION",
    "LINT_RULES",
    "SEVERITY_RANK",
    "Case",
    "CaseKind",
    "Exemption",
    "FailOn",
    "Finding",
    "LintConfig",
    "Related",
    "Report",
    "RuleMeta",
    "Suppressed",
    "SuppressionKind",
    "find_config",
    "load_config",
    "lookup",
    "policy_ref",
    "sorted_findings",
    "suppress",
]
