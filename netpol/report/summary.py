"""The summary and its verdict, and the lint section they count."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from netpol.errors import Severity
from netpol.findings.records import SEVERITY_RANK
from netpol.lint import Finding, LintResult
from netpol.model.resources import Direction
from netpol.report.records import (
    ExposureSection,
    Limits,
    LintSection,
    Listing,
    Origin,
    Rating,
    RuleCount,
    SensitiveSection,
    Summary,
)
from netpol.report.view import View, first

__all__ = ["build_lint_section", "build_summary"]


def build_lint_section(result: LintResult | None, limits: Limits) -> LintSection:
    """The lint result's findings, most severe first, and its rules counted."""
    if result is None:
        return LintSection(Listing((), 0), (), 0, (), False)
    ordered = sorted(result.findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.sort_key()))
    per_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in ordered:
        per_rule[f.rule_id].append(f)
    rules = sorted(
        (RuleCount(r, fs[0].severity, result.rule(r).title, len(fs)) for r, fs in per_rule.items()),
        key=lambda c: (-SEVERITY_RANK[c.severity], -c.count, c.rule_id),
    )
    return LintSection(
        Listing.of(ordered, limits.findings),
        tuple(result.counts().items()),
        len(result.suppressed),
        tuple(rules),
        True,
    )


def build_summary(
    view: View,
    inputs: tuple[str, ...],
    exposure: ExposureSection,
    lint: LintSection,
    sensitive: Sequence[SensitiveSection],
) -> Summary:
    """The counts at the top of the report, and the verdict drawn from every section."""
    graph = view.graph
    cluster = graph.cluster
    connections = 0
    for d in range(view.n):
        for block in graph.blocks_into(d):
            connections += len((block.sources & view.endpoint_set).without(d))
    counts = dict(lint.counts)
    rating, headline, details = _verdict(view, exposure, counts, lint.ran, sensitive)
    return Summary(
        inputs,
        len(cluster.namespaces),
        view.n,
        sum(len(e.pods) for e in view.endpoints),
        len(cluster.policies),
        len(view.selectable),
        len(view.selectable & graph.isolated(Direction.INGRESS)),
        len(view.selectable & graph.isolated(Direction.EGRESS)),
        connections,
        lint.counts,
        lint.suppressed,
        lint.ran,
        rating,
        headline,
        details,
    )


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _verdict(
    view: View,
    exposure: ExposureSection,
    counts: Mapping[Severity, int],
    linted: bool,
    sensitive: Sequence[SensitiveSection],
) -> tuple[Rating, str, str]:
    sel = len(view.selectable)
    ing = len(view.selectable & view.graph.isolated(Direction.INGRESS))
    egr = len(view.selectable & view.graph.isolated(Direction.EGRESS))
    x = exposure
    exposed_sensitive = sorted(
        {
            t.endpoint
            for s in sensitive
            for t in s.targets.rows
            if any(a.origin is Origin.OUTSIDE for a in t.direct.rows)
        }
    )
    facts = [
        f"Of {_n(sel, 'workload')} that policies can select, {ing} ({_share(ing, sel)}) "
        f"{_be(ing)} isolated for ingress and {egr} ({_share(egr, sel)}) for egress."
    ]
    exposed = []
    if x.reachable_from_outside:
        exposed.append(
            f"{_n(x.reachable_from_outside, 'workload')} {_be(x.reachable_from_outside)} "
            f"reachable from outside the cluster ({x.reachable_from_internet} from public "
            "internet addresses)"
        )
    if x.reaching_internet:
        exposed.append(f"{_n(x.reaching_internet, 'workload')} can reach the internet")
    if x.reachable_from_every_pod:
        exposed.append(
            f"{_n(x.reachable_from_every_pod, 'workload')} can be reached by every pod of the cluster"
        )
    if x.future.total:
        exposed.append(
            f"{_n(x.future.total, 'rule peer')} "
            f"{'admits' if x.future.total == 1 else 'admit'} pods that do not exist yet"
        )
    if exposed:
        facts.append("Exposure: " + "; ".join(exposed) + ".")
    errors, warnings = counts.get(Severity.ERROR, 0), counts.get(Severity.WARNING, 0)
    if linted:
        facts.append(
            f"Lint found {_n(errors, 'error')}, {_n(warnings, 'warning')} and "
            f"{counts.get(Severity.INFO, 0)} info."
        )
    else:
        facts.append("Lint did not run.")
    if exposed_sensitive:
        facts.append(
            f"Sensitive {'workload' if len(exposed_sensitive) == 1 else 'workloads'} "
            f"reachable from outside the cluster: {first(exposed_sensitive, 4)}."
        )
    if errors or exposed_sensitive:
        rating = Rating.CRITICAL
        todo = " and ".join(
            w
            for w, hit in (
                ("the lint errors", errors),
                ("the exposed sensitive workloads", exposed_sensitive),
            )
            if hit
        )
        advice = f"Critical: fix {todo} first, then review the exposure tables."
    elif warnings or x.reachable_from_internet or ing < sel:
        rating = Rating.ATTENTION
        advice = (
            "Needs attention: nothing is rated an error, but the lint warnings and the "
            "exposure tables deserve a review."
        )
    else:
        rating = Rating.GOOD
        advice = (
            "Good: every workload is isolated for ingress, nothing is open to the internet "
            "and lint reports no error or warning; the tables list what is still allowed."
        )
    return rating, advice, " ".join(facts)


def _be(count: int) -> str:
    return "is" if count == 1 else "are"
