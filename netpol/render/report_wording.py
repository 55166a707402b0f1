"""The wording both review-report renderers share (report_markdown, report_html): the section
titles, the criteria each section explains, and how a cell, a location, a count or a list of rules
reads as plain text. The text lives here once, so both forms explain the same thing.

Plain text, not yet escaped: each renderer escapes it for its own format.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from netpol.errors import Location, Severity
from netpol.report import (
    Cell,
    ExposureSection,
    FutureAccess,
    FutureWay,
    Listing,
    NamespaceView,
    Origin,
    PolicyEntry,
    Route,
    StandInEntry,
    StandInSection,
    Summary,
)

__all__ = [
    "CRITERIA",
    "FUTURE_WAYS",
    "SECTIONS",
    "WAY_LABEL",
    "about_line",
    "cell_text",
    "count_line",
    "criterion",
    "findings_line",
    "future_who",
    "namespace_line",
    "plural",
    "route_text",
    "rules_text",
    "sections",
    "selected_count",
    "selects_line",
    "severity_count",
    "stand_in_for",
    "stand_in_note",
    "stand_ins_on",
    "tier_only",
    "unmodelled_line",
    "unprotected_line",
    "where",
]

SECTIONS = (
    ("summary", "Summary"),
    ("exposure", "Exposure"),
    ("lint", "Lint findings"),
    ("connectivity", "Connectivity"),
    ("tiers", "Cluster-wide policies"),
    ("inventory", "Policy inventory"),
    ("sensitive", "Sensitive workloads"),
    ("about", "About this report"),
)

CRITERIA = {
    "outside": "Workloads that addresses outside the cluster may connect to: an ingress rule "
    "without 'from', an ipBlock, or no ingress policy at all. 'Internet' marks ranges "
    "holding public addresses (not private, loopback, link-local, documentation or "
    "other special-purpose ranges).",
    "internet": "Workloads that may open connections to public internet addresses: no egress "
    "policy, an egress rule without 'to', or an ipBlock holding public addresses.",
    "cluster_wide": "'every pod': every other pod of the cluster may connect, on the ports shown "
    "(more: ports only some of them get). 'every namespace': pods of every "
    "namespace may connect, though not all of them; ports are their union.",
    "future": "A rule admits pods that do not exist yet when a new pod can match it without any "
    "policy changing. Namespace labels are chosen by whoever creates the namespace "
    "(the control plane sets only kubernetes.io/metadata.name, to its name), so a rule "
    "peer admits future pods when it has:",
    "future_tail": "Pods of a new namespace have no egress policy, so nothing stops them on their "
    "side. Who may create pods in the other namespaces is an RBAC question netpol "
    "does not see.",
    "matrix": "Rows are sources, columns destinations; a cell lists the ports allowed. For a "
    "group (a namespace, 'other namespaces', 'outside the cluster') the ports are the "
    "union over its members: '· 12%' says that 12% of the (source, destination) pairs "
    "are allowed anything, '(some)' that not every pair gets every port listed. "
    "'·' nothing allowed; '—' no pair to ask about.",
    "inventory": "'Without it' recompiles the cluster without the policy: 'opens' counts the "
    "connections that would be allowed or widened (what the policy protects), "
    "'closes' those that would be denied or narrowed (what only it allows). A pair "
    "of workloads counts once; addresses outside the cluster count once per workload.",
    "routes": "Routes of two or three hops that end at the workload and start outside the "
    "cluster or in another namespace, grouped by their hops; ports are per hop (the "
    "first is the union over the starts).",
    "stand_ins": "A stand-in ([StandIn]) is an endpoint for pods the policies select or admit "
    "that the input does not hold: a policy's subject whose workloads are elsewhere, a rule's "
    "peer such as the ingress controller's namespace. It is exact: what it may reach, and what "
    "reaches it, is what holds for a new pod with those labels in that namespace. A named port "
    "of a stand-in keeps its name, its number unknown. Stand-ins are counted apart from the "
    "workloads and marked wherever they appear; --closed-world leaves them out.",
    "ungoverned": "Stand-ins that no policy of the input selects are left out of these tables: "
    "policies the input does not hold decide what reaches them and what they reach. Left out:",
    "absent": "Not in the input (namespaces of stand-ins only)",
    "tiers": "AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy set "
    "policy for the whole cluster, above the namespaces' owners. Each direction is decided at "
    "one end (ingress at the destination, egress at the source) and a connection needs both: "
    "first the Admin tier, by priority (the lower number first), each policy's rules in written "
    "order, the first match deciding: Allow (NetworkPolicies cannot block it), Deny "
    "(NetworkPolicies cannot allow it) or Pass (on to the NetworkPolicies); then the "
    "NetworkPolicies, whose verdict is final for the endpoints they isolate; then, for the "
    "others, the Baseline tier the same way; what no tier decides is allowed. The "
    "BaselineAdminNetworkPolicy has no priority: netpol puts it after the Baseline "
    "ClusterNetworkPolicies.",
    "tier_rules": "'Decides' counts the connections (source, destination pairs of endpoints; "
    "the addresses outside the cluster once per endpoint) for which the rule is the first match "
    "of its tier on some port, computed with the engine's chain over the cluster given. An "
    "ingress rule decides at the destination, an egress rule at the source: the other end may "
    "still deny.",
    "overrides": "Where the Admin tier decides against the namespace owners: an Allow that "
    "admits what the NetworkPolicies isolating the endpoint do not allow, a Deny that drops what "
    "a NetworkPolicy allows. The NetworkPolicies overridden most often come first; ports are those "
    "overridden.",
    "outside_tiers": "Cluster-wide ingress rules cannot match addresses outside the cluster "
    "(their peers are namespaces and pods): only a NetworkPolicy restricts them. 'Allowed by' "
    "names the cluster-wide rules that allowed a side, and the default when no rule decided.",
    "internet_tiers": "An Admin or Baseline egress rule on 'networks' decides them too, before "
    "or after the NetworkPolicies.",
    "future_tail_tiers": "Cluster-wide policies still apply to such pods: an Admin or Baseline rule "
    "whose subject or peers match the new namespace decides their traffic as it does the others'.",
}

FUTURE_WAYS: tuple[tuple[FutureWay, str, str], ...] = (
    (FutureWay.EVERY_SOURCE, "no 'from'", "a rule that names no peer: every pod and every address"),
    (
        FutureWay.ANY_NEW_NAMESPACE,
        "any new namespace",
        "a namespaceSelector that a namespace without labels matches ({}, NotIn, DoesNotExist): "
        "any new namespace",
    ),
    (
        FutureWay.UNCLAIMED_NAMESPACE,
        "unclaimed name",
        "a namespaceSelector pinned by kubernetes.io/metadata.name to a namespace that does not "
        "exist yet: whoever creates it",
    ),
    (
        FutureWay.OPEN_NAMESPACE,
        "open namespace",
        "a selector that reaches an open namespace, where anyone may deploy (--open-namespace, "
        "default 'default'): a pod created there with the right labels",
    ),
    (
        FutureWay.LABELLED_NAMESPACE,
        "labelled new namespace",
        "a namespaceSelector on other labels: a new namespace created with those labels",
    ),
)
WAY_LABEL = {way: label for way, label, _ in FUTURE_WAYS}


def where(location: Location | None) -> str:
    """``file:line`` (or the source and document when the line is unknown)."""
    if location is None:
        return ""
    if location.line is not None:
        return f"{location.source}:{location.line}"
    if location.document is not None:
        return f"{location.source}, document {location.document}"
    return location.source


def cell_text(cell: Cell | None) -> str:
    """``TCP 80``; ``TCP 80 · 12%`` (the share of pairs allowed); ``TCP 80 (some)``."""
    if cell is None:
        return "—"
    if not cell.ports:
        return "·"
    if not cell.partial:
        return str(cell.ports)
    if cell.share is not None and cell.share < 1:
        pct = cell.share * 100
        share = "<1%" if pct < 1 else ">99%" if pct > 99 else f"{round(pct)}%"
        return f"{cell.ports} · {share}"
    return f"{cell.ports} (some)"


def rules_text(via: Sequence[str], shown: int = 3) -> str:
    if len(via) <= shown:
        return "; ".join(via)
    return f"{'; '.join(via[:shown])}; and {len(via) - shown} more"


def count_line(listing: Listing[object], noun: str, how: str = "") -> str:
    """``Showing 25 of 140 workloads (most exposed first).``, or "" when nothing was left out."""
    if not listing.omitted:
        return ""
    total = f"{listing.total}{'' if listing.exact else '+'}"
    return f"Showing {len(listing.rows)} of {total} {noun}{f' ({how})' if how else ''}."


def severity_count(severity: Severity, n: int) -> str:
    """``1 error``, ``3 warnings``, ``2 info``."""
    return f"{n} {severity.value}{'' if n == 1 or severity is Severity.INFO else 's'}"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def findings_line(counts: Iterable[tuple[Severity, int]], suppressed: int = 0) -> str:
    parts = [severity_count(s, n) for s, n in counts]
    text = ", ".join(parts) if parts else "none"
    return f"{text} ({suppressed} suppressed)" if suppressed else text


def route_text(route: Route) -> str:
    if route.origin is Origin.OUTSIDE:
        start = f"outside ({route.starts[0]})"
    elif route.start_count == 1:
        start = route.starts[0]
    else:
        more = route.start_count - len(route.starts)
        names = ", ".join(route.starts) + (f" and {more} more" if more else "")
        if not route.stand_ins:
            noun = "workloads"
        else:
            noun = "stand-ins" if route.stand_ins == route.start_count else "workloads and stand-ins"
        start = f"{route.start_count} {noun} ({names})"
    return " → ".join((start, *route.hops))


def stand_in_note(meaning: str) -> str:
    """What a stand-in stands for, beside its id: ``stand-in: pods with app=api in namespace a``."""
    return f"stand-in: {meaning}"


def stand_in_for(entry: StandInEntry) -> str:
    """``the subject of a/api; a peer of a/api ingress rule #1``."""
    parts = [f"the subject of {', '.join(entry.selected_by)}"] if entry.selected_by else []
    if entry.admitted_by:
        parts.append(f"a peer of {rules_text(entry.admitted_by)}")
    return "; ".join(parts)


def unmodelled_line(kinds: Iterable[tuple[str, int]]) -> str:
    """The banner: ``these policies also filter traffic ...: 1 CiliumNetworkPolicy (cilium.io)``."""
    listed = ", ".join(f"{n} {kind}" for kind, n in kinds)
    return (
        f"These policies also filter traffic, and netpol does not model them: {listed}. "
        "Verdicts below ignore them: what they deny may still read as allowed here, and what they "
        "allow as denied."
    )


def namespace_line(view: NamespaceView) -> str:
    """``3 workloads; 2 isolated for ingress, 1 for egress`` (and the stand-ins)."""
    if not view.endpoints and view.stand_ins:
        return f"No workload of the input; {plural(view.stand_ins, 'stand-in')}."
    line = (
        f"{plural(view.endpoints, 'workload')}; {view.isolated_ingress} isolated for ingress, "
        f"{view.isolated_egress} for egress"
    )
    if view.restricted_ingress or view.restricted_egress:
        line += (
            f"; cluster-wide rules deny some traffic of {view.restricted_ingress} more for "
            f"ingress, {view.restricted_egress} for egress"
        )
    return line + (f"; and {plural(view.stand_ins, 'stand-in')}." if view.stand_ins else ".")


def selects_line(entry: PolicyEntry) -> str:
    """``podSelector app=a: 2 workloads`` (and the stand-ins, when it selects some)."""
    return f"podSelector {entry.selector}: {selected_count(entry)}"


def selected_count(entry: PolicyEntry) -> str:
    """``2 workloads``; ``2 workloads and 1 stand-in``; ``no workload of the input; 1 stand-in``."""
    workloads = entry.selected.total - entry.stand_ins
    if not entry.stand_ins:
        return plural(workloads, "workload")
    if not workloads:
        return f"no workload of the input; {plural(entry.stand_ins, 'stand-in')}"
    return f"{plural(workloads, 'workload')} and {plural(entry.stand_ins, 'stand-in')}"


def stand_ins_on(routes: Iterable[Route], stand_ins: StandInSection) -> list[tuple[str, str]]:
    """The stand-ins the routes pass through or start at, in id order, with what they stand for."""
    named = {i for r in routes for i in (*r.starts, *r.hops)}
    return [(i, meaning) for i in sorted(named) if (meaning := stand_ins.of(i)) is not None]


def sections(tiers: bool, sensitive: bool) -> list[tuple[str, str]]:
    """The sections a report has: the cluster-wide policies and the sensitive workloads only when
    it holds some."""
    return [(a, t) for a, t in SECTIONS if (a != "tiers" or tiers) and (a != "sensitive" or sensitive)]


def criterion(key: str, tiered: bool) -> str:
    """A section's criterion; with cluster-wide policies, what they add to it."""
    extra = CRITERIA.get(f"{key}_tiers") if tiered else None
    return f"{CRITERIA[key]} {extra}" if extra else CRITERIA[key]


def unprotected_line(x: ExposureSection) -> str:
    """The workloads that admit any pod, present or future; "" when there are none."""
    if not x.tiered:
        if not x.unprotected:
            return ""
        return (
            f"Besides the rules below, {plural(x.unprotected, 'workload')} with no ingress "
            "policy admit any pod, present or future."
        )
    parts = []
    if x.unprotected:
        parts.append(
            f"Besides the rules below, {plural(x.unprotected, 'workload')} that neither a "
            "NetworkPolicy nor a cluster-wide rule restricts for ingress "
            f"{'admits' if x.unprotected == 1 else 'admit'} any pod, present or future."
        )
    if x.restricted:
        parts.append(
            f"{plural(x.restricted, 'workload')} with no ingress NetworkPolicy "
            f"{'is' if x.restricted == 1 else 'are'} not open to every pod: cluster-wide rules "
            "deny some of their ingress (see Cluster-wide policies)."
        )
    return " ".join(parts)


def future_who(f: FutureAccess) -> tuple[str, ...]:
    """Who can get in, and the Admin tier policies that may deny them first."""
    if not f.denied_first:
        return (f.who,)
    return (f.who, f"unless an Admin tier Deny decides first: {', '.join(f.denied_first)}")


def about_line(tool: str, tiered: bool) -> str:
    """The first words of the About section."""
    what = (
        "the NetworkPolicies and the cluster-wide policies (AdminNetworkPolicy, "
        "BaselineAdminNetworkPolicy, ClusterNetworkPolicy)"
        if tiered
        else "the NetworkPolicies"
    )
    return f"Generated by {tool} from the manifests given; it shows what {what} allow"


def tier_only(s: Summary) -> str:
    """Workloads no NetworkPolicy isolates that cluster-wide rules deny some traffic of."""
    return (
        f"{s.restricted_ingress} for ingress, {s.restricted_egress} for egress (no NetworkPolicy "
        "isolates them; a cluster-wide rule denies some of their traffic)"
    )
