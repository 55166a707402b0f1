"""Report stage: the security review a person reads, as data.

>>> import netpol
>>> from netpol.report import build_report
>>> report = build_report(netpol.analyze(["policies/webshop"]), sensitive=["shop/db"])
>>> report.summary.rating.value, report.exposure.reachable_from_outside
('needs attention', 3)

:func:`build_report` reads the AllowGraph (and a lint result) and returns a :class:`Report`:
frozen records (:mod:`netpol.report.records`), one per section, already ordered and bounded, so
that a renderer (``netpol/render/report_markdown.py``, ``report_html.py``) only spells them out.
One module per section, all reading the same :class:`~netpol.report.view.View`:
:mod:`~netpol.report.exposure` (outside the cluster, the internet, every namespace, pods that do
not exist yet), :mod:`~netpol.report.connectivity` (matrices and diagrams),
:mod:`~netpol.report.inventory` (each policy, and what changes without it),
:mod:`~netpol.report.tiers` (the cluster-wide policies, what each rule decides and the
NetworkPolicies the Admin tier overrides),
:mod:`~netpol.report.paths` (sensitive workloads), :mod:`~netpol.report.stand_ins` (the
endpoints for what the policies select and the input does not hold) and
:mod:`~netpol.report.summary` (the verdict).
docs/report.md says what each section means. Every list is cut at a :class:`Limits` bound and the
cut is recorded (``Listing.total``), so renderers say how much was left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from netpol.core import collector
from netpol.engine.graph import AllowGraph
from netpol.lint import LintResult
from netpol.load.files import Locator
from netpol.report.connectivity import build_connectivity
from netpol.report.exposure import build_exposure
from netpol.report.inventory import build_inventory
from netpol.report.paths import build_sensitive, resolve_sensitive
from netpol.report.records import (
    Cell,
    ClusterWide,
    ConnectivitySection,
    DirectAccess,
    Exposure,
    ExposureSection,
    FutureAccess,
    FutureWay,
    InventorySection,
    Limits,
    LintSection,
    Listing,
    Matrix,
    NamespaceView,
    Origin,
    PolicyChange,
    PolicyEntry,
    Rating,
    Reach,
    Report,
    Route,
    RuleCount,
    Scope,
    SensitiveSection,
    SensitiveTarget,
    StandInEntry,
    StandInSection,
    Summary,
    WhatIf,
)
from netpol.report.stand_ins import build_stand_ins
from netpol.report.summary import build_lint_section, build_summary
from netpol.report.tier_records import (
    Override,
    OverrideKind,
    TierExample,
    TierPolicyEntry,
    TierRuleEntry,
    TierSection,
)
from netpol.report.tiers import build_tiers, walk_tiers
from netpol.report.view import View, describe_ranges

__all__ = [
    "Cell",
    "ClusterWide",
    "ConnectivitySection",
    "DirectAccess",
    "Exposure",
    "ExposureSection",
    "FutureAccess",
    "FutureWay",
    "InventorySection",
    "Limits",
    "LintSection",
    "Listing",
    "Matrix",
    "NamespaceView",
    "Origin",
    "Override",
    "OverrideKind",
    "PolicyChange",
    "PolicyEntry",
    "Rating",
    "Reach",
    "Report",
    "Route",
    "RuleCount",
    "Scope",
    "SensitiveSection",
    "SensitiveTarget",
    "StandInEntry",
    "StandInSection",
    "Summary",
    "TierExample",
    "TierPolicyEntry",
    "TierRuleEntry",
    "TierSection",
    "WhatIf",
    "build_report",
    "describe_ranges",
]


def build_report(
    graph: AllowGraph,
    *,
    sensitive: Sequence[str] = (),
    lint_result: LintResult | None = None,
    locator: Locator | None = None,
    inputs: Sequence[str] = (),
    title: str | None = None,
    open_namespaces: Sequence[str] = ("default",),
    limits: Limits | None = None,
    diagrams: bool = True,
    tool: str = "netpol",
) -> Report:
    """The review of ``graph``.

    ``sensitive``: ``ns/name[Kind]`` (any spelling :meth:`AllowGraph.resolve` takes) or labels
    ``key=value[,key=value]``; an unknown endpoint raises UsageError. ``lint_result``: the
    findings to include (None: the section says lint did not run). ``locator`` gives policies
    their lines. ``open_namespaces``: where anyone may create pods (see docs/report.md).
    ``limits``: how much each section shows (default :class:`Limits`); ``diagrams``: build the
    diagrams (renderers draw them).
    """
    # Like the analysis it reads, the review allocates many objects and no garbage cycle: the
    # collector scanning them was a quarter of it on 100,000 pods.
    with collector.paused():
        limits = limits or Limits()
        view = View(graph, locator)
        targets = [(spec, resolve_sensitive(graph, spec)) for spec in sensitive]
        walk = walk_tiers(view, limits) if view.tiered else None
        tiers = build_tiers(view, walk, limits) if walk is not None else None
        exposure = build_exposure(view, tuple(sorted(set(open_namespaces))), limits, walk)
        lint = build_lint_section(lint_result, limits)
        connectivity = build_connectivity(view, limits, diagrams, walk)
        inventory = build_inventory(view, limits)
        sensitive_sections = build_sensitive(view, targets, limits) if targets else ()
        summary = build_summary(view, tuple(inputs), exposure, lint, sensitive_sections, tiers)
        return Report(
            title or "Network policy review",
            tool,
            summary,
            exposure,
            lint,
            connectivity,
            inventory,
            sensitive_sections,
            limits,
            build_stand_ins(view, limits),
            tiers,
        )
