"""Lint stage: over-permissive, dead and redundant NetworkPolicies, found on the AllowGraph.

>>> import netpol
>>> from netpol.lint import lint
>>> result = lint(netpol.analyze(["policies/overpermissive"]))
>>> sorted({f.rule_id for f in result.findings})[:2]
['NP001', 'NP002']

Every rule is a function over the AllowGraph (:mod:`netpol.lint.coverage`,
:mod:`~netpol.lint.exposure`, :mod:`~netpol.lint.dead`, :mod:`~netpol.lint.redundancy`,
:mod:`~netpol.lint.tiers`),
registered with its :class:`RuleId` by ``@rule`` (:mod:`netpol.lint.registry`); the catalogue
(:mod:`netpol.findings.catalog`) holds their help text. The library never prints: :func:`lint`
returns a :class:`Report`, which the renderers in :mod:`netpol.render` format.
"""

from __future__ import annotations

from netpol.engine.graph import AllowGraph
from netpol.findings.catalog import CHECK_RULES, LINT_RULES, TIER_RULES, RuleId, lookup
from netpol.findings.config import (
    IGNORE_ANNOTATION,
    Exemption,
    LintConfig,
    find_config,
    load_config,
)
from netpol.findings.records import (
    Case,
    FailOn,
    Finding,
    Related,
    Report,
    RuleMeta,
    Suppressed,
    SuppressionKind,
    sorted_findings,
)
from netpol.findings.suppress import suppress
from netpol.lint import (  # noqa: F401 (they register the checks)
    coverage,
    dead,
    exposure,
    redundancy,
    tiers,
    tiers_shadow,
)
from netpol.lint.context import Context
from netpol.lint.registry import LINT
from netpol.load.files import Locator

__all__ = [
    "CHECK_RULES",
    "IGNORE_ANNOTATION",
    "LINT_RULES",
    "Case",
    "Exemption",
    "FailOn",
    "Finding",
    "LintConfig",
    "LintResult",
    "Related",
    "Report",
    "RuleId",
    "RuleMeta",
    "Suppressed",
    "SuppressionKind",
    "find_config",
    "lint",
    "load_config",
    "lookup",
    "suppress",
]

LintResult = Report
"""What :func:`lint` returns: the findings, the suppressed ones, and the rules that ran."""

if LINT.missing():  # pragma: no cover - a rule of the catalogue without code
    raise ImportError(f"no check reports the lint rules {', '.join(LINT.missing())}")


def lint(
    graph: AllowGraph, config: LintConfig | None = None, *, locator: Locator | None = None
) -> LintResult:
    """Run every enabled rule over ``graph``.

    ``locator`` (``LoadResult.locator``) gives findings their lines; without it they carry the
    source, document and field path only.
    """
    config = config or LintConfig()
    rules = config.rules(LINT_RULES)
    if not graph.cluster.tier_policies:  # the tier rules have nothing to judge: they do not run
        rules = tuple(r for r in rules if r.id not in TIER_RULES)
    ctx = Context(graph, config, rules, locator)
    enabled = {r.id for r in rules}
    found = [f for f in LINT.run(ctx) if f.rule_id in enabled]
    kept, suppressed = suppress(found, graph.cluster, config.exemptions)
    return Report("lint", rules, sorted_findings(kept), suppressed)
