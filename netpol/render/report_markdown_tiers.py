"""Markdown: the review report's section on the cluster-wide policies (AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy).

Names, selectors and rule names come from the manifests: they are code spans
(:func:`~netpol.render.report_markdown_blocks.code`) or escaped prose
(:func:`~netpol.render.report_markdown_blocks.lines`), as in the rest of the report.
"""

from __future__ import annotations

from netpol.core.escaping import md_text
from netpol.render.report_markdown_blocks import code, item, lines, note, table
from netpol.render.report_wording import CRITERIA, count_line, where
from netpol.render.report_wording_tiers import (
    count,
    example_text,
    override_text,
    rule_decides,
    rule_label,
    rule_notes,
    tier_counts,
    tier_priority,
    tier_selects,
)
from netpol.report import TierSection

__all__ = ["render_tiers"]


def render_tiers(t: TierSection) -> list[str]:
    """The section, or nothing when the cluster has no tier policy."""
    out = ["## Cluster-wide policies", "", CRITERIA["tiers"], "", md_text(tier_counts(t)), ""]
    for pair in t.ambiguous:
        out += [
            f"> **Same priority:** {' and '.join(item(p) for p in pair)} share a tier and a "
            "priority and select some of the same pods: the implementation may apply either "
            "first; netpol orders them by kind and name.",
            "",
        ]
    out += ["### Evaluation order", ""]
    out += note(count_line(t.policies, "policies", "in evaluation order"))
    out += table(
        ("#", "Tier", "Priority", "Policy", "Subject", "Selects", "Where"),
        (
            (
                str(i),
                p.tier,
                md_text(tier_priority(p)),
                f"{code(p.id)}<br>{md_text(p.kind)}",
                lines(p.subject),
                md_text(tier_selects(p)),
                lines(where(p.location)),
            )
            for i, p in enumerate(t.policies.rows, 1)
        ),
    )
    out += ["### What each rule decides", "", CRITERIA["tier_rules"], ""]
    rows = [
        (
            code(p.id),
            md_text(rule_label(r)) + (f" {code(r.name)}" if r.name else ""),
            md_text(r.action),
            lines(r.peers),
            lines(r.ports),
            lines(rule_decides(r, p.tier), *rule_notes(r)),
            lines(example_text(r.example)),
        )
        for p in t.policies.rows
        for r in p.rules
    ]
    if rows:
        out += table(("Policy", "Rule", "Action", "Peers", "Ports", "Decides", "For example"), rows)
    else:
        out += ["No cluster-wide policy has a rule.", ""]
    out += ["### NetworkPolicies overridden", "", CRITERIA["overrides"], ""]
    if not t.overrides.rows:
        return [*out, "No Admin tier rule decides against a NetworkPolicy in this cluster.", ""]
    out += note(count_line(t.overrides, "overrides", "in evaluation order"))
    out += table(
        ("Cluster-wide rule", "Overrides", "NetworkPolicies", "Connections", "For example"),
        (
            (
                f"{code(o.rule)}<br>{md_text(o.action)}",
                md_text(override_text(o)),
                ", ".join(code(p) for p in o.policies.rows)
                + (f" and {o.policies.omitted} more" if o.policies.omitted else ""),
                count(o.connections),
                lines(*(example_text(e) for e in o.examples)),
            )
            for o in t.overrides.rows
        ),
    )
    return out
