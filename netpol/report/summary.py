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
from netpol.report.tier_records import TierSection
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
    tiers: TierSection | None = None,
) -> Summary:
    """The counts at the top of the report, and the verdict drawn from every section
    (``tiers``: the cluster-wide policies, when the cluster has some)."""
    graph = view.graph
    cluster = graph.cluster
    workloads = view.endpoint_set - view.stand_in_set
    connections = with_stand_ins = 0
    # A pair with a stand-in counts when a policy of the input restricts it: one that isolates
    # the source for egress or the destination for ingress (a stand-in no policy selects is
    # otherwise open both ways, as far as the input says).
    ingress, egress = graph.isolated(Direction.INGRESS), graph.isolated(Direction.EGRESS)
    for d in range(view.n):
        for block in graph.blocks_into(d):
            sources = (block.sources & view.endpoint_set).without(d)
            if d not in view.stand_in_set:
                connections += len(sources & workloads)
                sources = sources & view.stand_in_set
            with_stand_ins += len(sources) if d in ingress else len(sources & egress)
    counts = dict(lint.counts)
    rating, headline, details = _verdict(view, exposure, counts, lint.ran, sensitive, tiers)
    return Summary(
        inputs,
        len(cluster.namespaces) - len(view.absent),
        len(workloads),
        sum(len(e.pods) for e in view.endpoints),
        len(cluster.policies),
        len(view.workloads),
        len(view.workloads & graph.isolated(Direction.INGRESS)),
        len(view.workloads & graph.isolated(Direction.EGRESS)),
        connections,
        lint.counts,
        lint.suppressed,
        lint.ran,
        rating,
        headline,
        details,
        len(view.stand_in_set),
        len(view.absent),
        with_stand_ins,
        tuple(cluster.unmodelled.items()),
        tiers.policies.total if tiers else 0,
        tiers.restricted_ingress if tiers else 0,
        tiers.restricted_egress if tiers else 0,
    )


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"


def _n(count: int, word: str, plural: str | None = None, *, sep: bool = False) -> str:
    """``3 workloads``; ``sep``: with thousands separators (``2,651 connections``)."""
    number = f"{count:,}" if sep else str(count)
    return f"{number} {word if count == 1 else plural or word + 's'}"


def _verdict(
    view: View,
    exposure: ExposureSection,
    counts: Mapping[Severity, int],
    linted: bool,
    sensitive: Sequence[SensitiveSection],
    tiers: TierSection | None,
) -> tuple[Rating, str, str]:
    sel = len(view.workloads)
    ing = len(view.workloads & view.graph.isolated(Direction.INGRESS))
    egr = len(view.workloads & view.graph.isolated(Direction.EGRESS))
    guarded = ing + (tiers.restricted_ingress if tiers else 0)
    """Isolated for ingress by a NetworkPolicy, or denied some ingress by a cluster-wide rule."""
    stand_ins = len(view.stand_in_set)
    unseen = view.n == stand_ins  # the input holds no workload: its policies alone are rated
    x = exposure
    exposed_sensitive = sorted(
        {
            t.endpoint
            for s in sensitive
            for t in s.targets.rows
            if any(a.origin is Origin.OUTSIDE for a in t.direct.rows)
        }
    )
    facts = []
    if not unseen:
        facts.append(
            f"Of {_n(sel, 'workload')} that policies can select, {ing} ({_share(ing, sel)}) "
            f"{_be(ing)} isolated for ingress and {egr} ({_share(egr, sel)}) for egress."
        )
    if tiers is not None:
        facts.append(_tiers_fact(tiers, sel - ing, sel - egr))
    if unseen and stand_ins:
        facts.append(
            "The input holds no workloads, only policies: this review rates what the policies "
            f"allow, through {_n(stand_ins, 'stand-in')} ([StandIn]) for the pods they select "
            "and admit."
        )
    elif unseen:
        facts.append("The input holds no workloads and no stand-ins: there is nothing to rate.")
    elif stand_ins:
        facts.append(
            f"{_n(stand_ins, 'stand-in')} ([StandIn]) {'stands' if stand_ins == 1 else 'stand'} "
            "for pods the policies select or admit that the input does not hold; they are "
            "counted apart from the workloads."
        )
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
    r = x.stand_ins
    if r.from_outside:
        exposed.append(
            f"{_n(r.from_outside, 'stand-in')} {_be(r.from_outside)} reachable from outside the "
            f"cluster ({r.from_internet} from public internet addresses)"
        )
    if r.to_internet:
        exposed.append(f"{_n(r.to_internet, 'stand-in')} can reach the internet")
    if r.from_every_pod:
        exposed.append(f"{_n(r.from_every_pod, 'stand-in')} can be reached by every pod of the cluster")
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
    unmodelled = sum(view.graph.cluster.unmodelled.values())
    if unmodelled:
        facts.append(
            f"{_n(unmodelled, 'policy', 'policies')} of other APIs also "
            f"{'filters' if unmodelled == 1 else 'filter'} traffic; netpol does not model "
            f"{'it' if unmodelled == 1 else 'them'}, and this verdict ignores "
            f"{'it' if unmodelled == 1 else 'them'}."
        )
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
    elif unseen and not stand_ins:
        rating = Rating.ATTENTION
        advice = (
            "Needs attention: the input holds no workloads, and no stand-ins stand for the pods "
            "its policies select (--closed-world), so nothing here says what they allow."
        )
    elif warnings or x.reachable_from_internet or r.from_internet or guarded < sel:
        rating = Rating.ATTENTION
        advice = (
            "Needs attention: nothing is rated an error, but the lint warnings and the "
            "exposure tables deserve a review."
        )
    elif unseen:
        rating = Rating.GOOD
        advice = (
            "Good, as far as the policies go: they admit nothing from public internet addresses "
            "and lint reports no error or warning. The input holds no workloads, so this rates "
            "the policies alone; the tables list what they allow."
        )
    elif tiers is not None:
        rating = Rating.GOOD
        advice = (
            "Good: every workload is isolated for ingress by a NetworkPolicy or denied some "
            "ingress by a cluster-wide rule, nothing is open to the internet and lint reports no "
            "error or warning; the tables list what is still allowed."
        )
    else:
        rating = Rating.GOOD
        advice = (
            "Good: every workload is isolated for ingress, nothing is open to the internet "
            "and lint reports no error or warning; the tables list what is still allowed."
        )
    return rating, advice, " ".join(facts)


def _tiers_fact(tiers: TierSection, open_ingress: int, open_egress: int) -> str:
    """The cluster-wide policies in one sentence: how many, what they restrict where no
    NetworkPolicy isolates, and what the Admin tier overrides."""
    n = tiers.policies.total
    where = []
    if tiers.admin:
        where.append(f"{tiers.admin} in the Admin tier, before the NetworkPolicies")
    if tiers.baseline:
        where.append(f"{tiers.baseline} in the Baseline tier, after them")
    text = f"{_n(n, 'cluster-wide policy', 'cluster-wide policies')} ({' and '.join(where)}) also decide"
    text += " traffic" if n > 1 else "s traffic"
    text += (
        f": of the {_n(open_ingress, 'workload')} no NetworkPolicy isolates for ingress, "
        f"{tiers.restricted_ingress} {_be(tiers.restricted_ingress)} denied some ingress by a "
        f"cluster-wide rule (for egress: {tiers.restricted_egress} of {open_egress})"
    )
    over = []
    if tiers.admitted:
        over.append(
            f"Admin Allow rules admit {_n(tiers.admitted, 'connection', sep=True)} the NetworkPolicies do not"
        )
    if tiers.dropped:
        over.append(
            f"Admin Deny rules drop {_n(tiers.dropped, 'connection', sep=True)} a NetworkPolicy allows"
        )
    return text + ("; " + " and ".join(over) if over else "") + "."


def _be(count: int) -> str:
    return "is" if count == 1 else "are"
