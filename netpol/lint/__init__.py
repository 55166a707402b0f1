"""Lint stage: over-permissive, dead and redundant NetworkPolicies, found on the AllowGraph.

>>> import netpol
>>> from netpol.lint import lint
>>> result = lint(netpol.analyze(["policies/overpermissive"]))
>>> sorted({f.rule_id for f in result.findings})[:2]
['NP001', 'NP002']

Every rule is a function over the compiled cluster (:mod:`netpol.lint.coverage`,
:mod:`~netpol.lint.exposure`, :mod:`~netpol.lint.dead`, :mod:`~netpol.lint.redundancy`); the
catalogue (:mod:`netpol.lint.catalog`) holds their ids and help text. The library never prints:
:func:`lint` returns a :class:`Report`, which the renderers in :mod:`netpol.render` format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from netpol.cluster import Cluster
from netpol.graph import AllowGraph
from netpol.lint import coverage, dead, exposure, redundancy
from netpol.lint.catalog import CHECK_RULES, LINT_RULES, lookup
from netpol.lint.config import (
    IGNORE_ANNOTATION,
    Exemption,
    LintConfig,
    find_config,
    load_config,
    namespace_of,
    rule_names,
)
from netpol.lint.context import Context, policy_ref
from netpol.lint.findings import (
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
from netpol.load import Locator

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

_CHECKS = (coverage.check, exposure.check, dead.check, redundancy.check)


def lint(graph: AllowGraph, config: LintConfig | None = None, *,
         locator: Locator | None = None) -> LintResult:
    """Run every enabled rule over ``graph``.

    ``locator`` (``LoadResult.locator``) gives findings their lines; without it they carry the
    source, document and field path only.
    """
    config = config or LintConfig()
    rules = config.rules(LINT_RULES)
    ctx = Context(graph, config, rules, locator)
    enabled = {r.id for r in rules}
    found = [f for check in _CHECKS for f in check(ctx) if f.rule_id in enabled]
    kept, suppressed = suppress(found, graph.cluster, config.exemptions)
    return Report("lint", rules, sorted_findings(kept), suppressed)


def suppress(findings: Iterable[Finding], cluster: Cluster, exemptions: Iterable[Exemption] = ()
             ) -> tuple[list[Finding], tuple[Suppressed, ...]]:
    """Split ``findings`` into those reported and those an annotation or an exception accepts.

    ``netpol.io/ignore`` on the object at fault, on its namespace, or on every subject of the
    finding suppresses it; so does an exception of the configuration.
    """
    notes = _ignored_by_annotation(cluster)
    exemptions = tuple(exemptions)
    kept: list[Finding] = []
    out: list[Suppressed] = []
    for f in sorted_findings(findings):
        by = _annotation(f, notes)
        if by is not None:
            out.append(Suppressed(f, SuppressionKind.IN_SOURCE, by))
            continue
        exemption = next((e for e in exemptions if e.matches(f)), None)
        if exemption is not None:
            out.append(Suppressed(f, SuppressionKind.EXTERNAL, exemption.reason))
            continue
        kept.append(f)
    return kept, tuple(out)


def _ignored_by_annotation(cluster: Cluster) -> dict[str, set[str]]:
    """Object id -> rule ids (or ``*``) its ``netpol.io/ignore`` annotation names."""
    out: dict[str, set[str]] = {}

    def add(ident: str, annotations: Mapping[str, str]) -> None:
        value = annotations.get(IGNORE_ANNOTATION)
        if value:
            out[ident] = set(rule_names(value)[0])

    for ns in cluster.namespaces:
        add(f"{ns.name}[Namespace]", ns.annotations)
    for ep in cluster.endpoints:
        add(ep.id, ep.annotations)
    for pol in cluster.policies:
        add(policy_ref(pol), pol.annotations)
    return out


def _annotation(f: Finding, notes: Mapping[str, set[str]]) -> str | None:
    def says(ident: str) -> str | None:
        for who in (ident, f"{namespace_of(ident)}[Namespace]"):
            names = notes.get(who, ())
            if "*" in names or f.rule_id in names:
                return who
        return None

    if f.object:
        who = says(f.object)
        if who is not None:
            return f"{IGNORE_ANNOTATION} on {who}"
    if f.subjects:
        whos = [says(s) for s in f.subjects]
        if all(w is not None for w in whos):
            return f"{IGNORE_ANNOTATION} on {', '.join(sorted({w for w in whos if w}))}"
    return None

