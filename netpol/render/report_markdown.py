"""Markdown: the review report for a repository or a wiki (GitHub draws the Mermaid diagrams).

The wording it shares with the HTML renderer (section titles, criteria, how a cell, a location or a
list of rules reads) lives in :mod:`netpol.render.report_wording`.

Every input-derived string is a code span (netpol.core.escaping.md_code) or, inside netpol's own
sentences, escaped prose (md_text); table cells are written escaped and never escaped again.
"""

from __future__ import annotations

from netpol.core.escaping import md_text
from netpol.render import mermaid
from netpol.render.diagram.model import Diagram
from netpol.render.report_markdown_blocks import (
    code as _code,
)
from netpol.render.report_markdown_blocks import (
    endpoint as _endpoint,
)
from netpol.render.report_markdown_blocks import (
    item as _item,
)
from netpol.render.report_markdown_blocks import (
    legend as _legend,
)
from netpol.render.report_markdown_blocks import (
    lines as _lines,
)
from netpol.render.report_markdown_blocks import (
    note as _note,
)
from netpol.render.report_markdown_blocks import (
    share as _share,
)
from netpol.render.report_markdown_blocks import (
    table as _table,
)
from netpol.render.report_markdown_tiers import render_tiers
from netpol.render.report_wording import (
    CRITERIA,
    FUTURE_WAYS,
    WAY_LABEL,
    about_line,
    cell_text,
    count_line,
    criterion,
    findings_line,
    future_who,
    namespace_line,
    plural,
    route_text,
    rules_text,
    sections,
    selects_line,
    stand_in_for,
    stand_in_note,
    stand_ins_on,
    tier_only,
    unmodelled_line,
    unprotected_line,
    where,
)
from netpol.report import (
    Matrix,
    NamespaceView,
    Origin,
    PolicyEntry,
    Report,
    Scope,
    SensitiveTarget,
    StandInSection,
)

__all__ = ["render"]


def render(report: Report) -> str:
    lines = [f"# {md_text(report.title)}", ""]
    s = report.summary
    inputs = ", ".join(_item(i) for i in s.inputs)
    lines += [f"{md_text(report.tool)}{' · input: ' + inputs if inputs else ''}", ""]
    if s.unmodelled:
        lines += [f"> **Warning:** {md_text(unmodelled_line(s.unmodelled))}", ""]
    lines += [
        "Contents: "
        + " · ".join(
            f"[{title}](#{title.lower().replace(' ', '-')})"
            for anchor, title in sections(report.tiers is not None, bool(report.sensitive))
            if anchor != "summary"
        ),
        "",
    ]
    lines += _summary(report)
    lines += _exposure(report)
    lines += _lint(report)
    lines += _connectivity(report)
    if report.tiers is not None:
        lines += render_tiers(report.tiers)
    lines += _inventory(report)
    if report.sensitive:
        lines += _sensitive(report)
    lines += _about(report)
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary(report: Report) -> list[str]:
    s = report.summary
    rows = [
        ("Namespaces", str(s.namespaces)),
        ("Workloads and lone pods", str(s.endpoints) + (f" ({s.pods} pods)" if s.pods else "")),
        ("NetworkPolicies", str(s.policies)),
        ("Isolated for ingress", _share(s.isolated_ingress, s.selectable)),
        ("Isolated for egress", _share(s.isolated_egress, s.selectable)),
        ("Allowed connections between workloads", str(s.connections)),
        ("Lint findings", findings_line(s.findings, s.suppressed) if s.linted else "lint not run"),
    ]
    if s.tier_policies:
        rows[3:3] = [("Cluster-wide policies", str(s.tier_policies))]
        rows.insert(6, ("Restricted by cluster-wide rules only", tier_only(s)))
    if s.stand_ins:
        absent = f" (in {plural(s.stand_in_namespaces, 'namespace')} the input does not hold)"
        rows[2:2] = [
            ("Stand-ins (not in the input)", f"{s.stand_ins}{absent if s.stand_in_namespaces else ''}")
        ]
        rows.insert(-1, ("Allowed connections with a stand-in", str(s.stand_in_connections)))
    out = ["## Summary", "", *_table(("", ""), rows), f"**{md_text(s.headline)}** {md_text(s.details)}", ""]
    return out + _stand_ins(report.stand_ins)


def _stand_ins(section: StandInSection) -> list[str]:
    if not section.rows.total:
        return []
    out = ["### Stand-ins", "", CRITERIA["stand_ins"], ""]
    out += _note(count_line(section.rows, "stand-ins"))
    return out + _table(
        ("Stand-in", "Stands for", "Added for"),
        ((_code(e.endpoint), _lines(e.stands_for), _lines(stand_in_for(e))) for e in section.rows.rows),
    )


def _exposure(report: Report) -> list[str]:
    x = report.exposure
    marks = report.stand_ins
    out = ["## Exposure", ""]
    if x.ungoverned:
        shown, more = x.ungoverned[: report.limits.rows], len(x.ungoverned) - report.limits.rows
        names = ", ".join(_item(i) for i in shown) + (f" and {more} more" if more > 0 else "")
        out += [f"{md_text(CRITERIA['ungoverned'])} {names}.", ""]
    what = "workload or stand-in" if marks.meaning else "workload"
    tiered = x.tiered
    out += ["### Reachable from outside the cluster", "", criterion("outside", tiered), ""]
    if x.from_outside.rows:
        out += _note(count_line(x.from_outside, "rows", "public internet first"))
        out += _table(
            ("Workload", "From", "Ports", "Internet", "Allowed by"),
            (
                (
                    _endpoint(marks, e.endpoint),
                    _lines(e.ranges),
                    str(e.ports),
                    "yes" if e.public else "no",
                    _lines(rules_text(e.via)),
                )
                for e in x.from_outside.rows
            ),
        )
    else:
        out += [f"Nothing outside the cluster can connect to a {what}.", ""]

    out += ["### Can reach the internet", "", criterion("internet", tiered), ""]
    if x.to_internet.rows:
        out += _note(count_line(x.to_internet, "rows", "every port first"))
        out += _table(
            ("Workload", "To", "Ports", "Allowed by"),
            (
                (_endpoint(marks, e.endpoint), _lines(e.ranges), str(e.ports), _lines(rules_text(e.via)))
                for e in x.to_internet.rows
            ),
        )
    else:
        out += [f"No {what} can open connections to public internet addresses.", ""]

    out += ["### Reachable from every pod or every namespace", "", CRITERIA["cluster_wide"], ""]
    if x.cluster_wide.rows:
        out += _note(count_line(x.cluster_wide, "workloads"))
        out += _table(
            ("Workload", "Reachable by", "Ports", "More", "Allowed by"),
            (
                (
                    _endpoint(marks, w.endpoint),
                    w.scope.value
                    if w.scope is Scope.EVERY_POD
                    else f"some pods of each of the {x.namespaces} namespaces",
                    str(w.ports),
                    str(w.more) if w.more else "",
                    _lines(rules_text(w.via)),
                )
                for w in x.cluster_wide.rows
            ),
        )
    else:
        out += [f"No {what} is reachable from every pod or from every namespace.", ""]

    out += ["### Reachable by pods that do not exist yet", "", CRITERIA["future"], ""]
    out += [f"- {text}" for _, _, text in FUTURE_WAYS]
    out += ["", criterion("future_tail", tiered), ""]
    if unprotected_line(x):
        out += [unprotected_line(x), ""]
    if x.future.rows:
        out += _note(count_line(x.future, "rule peers", "most open first"))
        named = any(f.stand_ins for f in x.future.rows)
        out += _table(
            (
                "Rule",
                "Peer",
                "How",
                "Who can get in",
                *(("Stand-in",) if named else ()),
                "Workloads",
                "Ports",
                "Where",
            ),
            (
                (
                    _lines(f.rule),
                    _lines(f.peer),
                    WAY_LABEL[f.way],
                    _lines(*future_who(f)),
                    *((", ".join(_code(t) for t in f.stand_ins),) if named else ()),
                    ", ".join(_code(t) for t in f.targets[:4])
                    + (f" and {len(f.targets) - 4} more" if len(f.targets) > 4 else ""),
                    _lines(f.ports),
                    _lines(where(f.location)),
                )
                for f in x.future.rows
            ),
        )
    else:
        out += ["No ingress rule admits pods that do not exist yet.", ""]
    return out


def _lint(report: Report) -> list[str]:
    lint = report.lint
    out = ["## Lint findings", ""]
    if not lint.ran:
        return [*out, "Lint did not run.", ""]
    out += [
        f"{findings_line(lint.counts, lint.suppressed)}; most severe first. "
        "`netpol lint` gives each one with its source line.",
        "",
    ]
    if not lint.findings.rows:
        return [*out, "No findings.", ""]
    out += _table(
        ("Rule", "Severity", "What it finds", "Findings"),
        ((r.rule_id, r.severity.value, r.title, str(r.count)) for r in lint.rules),
    )
    out += _note(count_line(lint.findings, "findings", "most severe first"))
    out += _table(
        ("Severity", "Rule", "Finding", "Where", "Fix"),
        (
            (f.severity.value, f.rule_id, _lines(f.message), _lines(where(f.location)), _lines(f.hint))
            for f in lint.findings.rows
        ),
    )
    return out


def _matrix(m: Matrix) -> list[str]:
    head = ["from \\ to", *(_code(c) for c in m.destinations)]
    rows = [
        (_code(src), *(cell_text(c) for c in cells)) for src, cells in zip(m.sources, m.cells, strict=True)
    ]
    absent = [f"_{md_text(CRITERIA['absent'])}:_ " + ", ".join(_item(n) for n in m.absent), ""]
    return _table(head, rows) + (absent if m.absent else []) + _legend(m.stand_ins)


def _mermaid(diagram: Diagram) -> list[str]:
    return ["```mermaid", mermaid.render(diagram).rstrip("\n"), "```", ""]


def _connectivity(report: Report) -> list[str]:
    c = report.connectivity
    out = ["## Connectivity", "", CRITERIA["matrix"], "", "### Between namespaces", ""]
    if c.matrix.omitted:
        out += _note(
            f"The {len(c.matrix.sources) - 1} most reached namespaces are shown; "
            f"{c.matrix.omitted} more are left out."
        )
    out += _matrix(c.matrix)
    out += _note(c.note)
    if c.diagram is not None:
        out += _mermaid(c.diagram)
    for view in c.namespaces:
        out += _namespace(view)
    if c.omitted:
        out += [
            f"Namespaces without a section of their own ({len(c.omitted)}; `netpol list -n NS` "
            "and `netpol graph -n NS` show them): " + ", ".join(_item(n) for n in c.omitted),
            "",
        ]
    return out


def _namespace(view: NamespaceView) -> list[str]:
    out = [f"### Namespace {md_text(view.name)}", "", md_text(namespace_line(view)), ""]
    if view.matrix.omitted:
        out += _note(
            f"The {len(view.matrix.sources) - 2} most reached workloads are shown; "
            f"{view.matrix.omitted} more are left out."
        )
    out += _matrix(view.matrix)
    out += _note(view.note)
    if view.diagram is not None:
        out += _mermaid(view.diagram)
    return out


def _whatif_text(entry: PolicyEntry) -> str:
    w = entry.whatif
    if w is None:
        return "not computed (bound)"
    parts = [f"opens {w.gained}", f"closes {w.lost}"]
    examples = [f"+ {c.src} → {c.dst}: {c.ports}" for c in w.gained_examples[:2]]
    examples += [f"- {c.src} → {c.dst}: {c.ports}" for c in w.lost_examples[:2]]
    text = ", ".join(parts)
    if entry.no_effect:
        text += f": {entry.no_effect}"
    return _lines(text, *examples)


def _inventory(report: Report) -> list[str]:
    inv = report.inventory
    out = ["## Policy inventory", "", CRITERIA["inventory"], ""]
    if inv.policies.omitted:
        out += _note(
            f"Showing the {len(inv.policies.rows)} policies that select the most workloads, "
            f"of {inv.policies.total}."
        )
    if inv.whatif_computed < inv.whatif_total:
        out += _note(
            f"'Without it' is computed for the {inv.whatif_computed} policies that select "
            f"the most workloads (of {inv.whatif_total}), to keep the report fast."
        )
    if not inv.policies.rows:
        return [*out, "No NetworkPolicy in the input.", ""]
    out += _table(
        ("Policy", "Where", "Selects", "Allows", "Without it"),
        (
            (
                _code(p.id),
                _lines(where(p.location)),
                _selects(p),
                _lines(*p.rules),
                _whatif_text(p),
            )
            for p in inv.policies.rows
        ),
    )
    return out


def _selects(entry: PolicyEntry) -> str:
    """What the policy selects; a stand-in's id says what it stands for (the summary lists them)."""
    sel = entry.selected
    names = ", ".join(sel.rows) + (f" and {sel.omitted} more" if sel.omitted else "")
    return _lines(selects_line(entry), names) if names else _lines(selects_line(entry))


def _sensitive(report: Report) -> list[str]:
    out = ["## Sensitive workloads", "", CRITERIA["routes"], ""]
    for section in report.sensitive:
        out += [f"### {_item(f'--sensitive {section.spec}')}", ""]
        if not section.targets.total:
            out += ["No workload matches.", ""]
            continue
        out += _note(count_line(section.targets, "matching workloads"))
        for target in section.targets.rows:
            out += _target(target, report.stand_ins)
    return out


def _target(t: SensitiveTarget, marks: StandInSection) -> list[str]:
    out = [f"#### {_item(t.endpoint)}", ""]
    meaning = marks.of(t.endpoint)
    if meaning:
        out += [md_text(stand_in_note(meaning).capitalize() + "."), ""]
    out += ["Direct sources:", ""]
    if t.direct.rows:
        out += _note(count_line(t.direct, "sources", "outside the cluster first"))
        out += _table(
            ("Source", "Origin", "Ports", "Allowed by"),
            (
                (
                    _endpoint(marks, a.source) if a.origin is not Origin.OUTSIDE else _lines(a.source),
                    a.origin.value,
                    str(a.ports),
                    _lines(rules_text(a.via)),
                )
                for a in t.direct.rows
            ),
        )
    else:
        out += ["Nothing can connect to it.", ""]
    out += ["Routes of two or three hops:", ""]
    if t.routes.rows:
        out += _note(count_line(t.routes, "routes", "shortest first, outside the cluster first"))
        out += _table(
            ("From", "Route", "Ports per hop"),
            (
                (r.origin.value, _lines(route_text(r)), " → ".join(str(p) for p in r.ports))
                for r in t.routes.rows
            ),
        )
        out += _legend(stand_ins_on(t.routes.rows, marks), "Stand-ins on these routes")
    else:
        out += ["None from outside the cluster or from another namespace.", ""]
    return out


def _about(report: Report) -> list[str]:
    lim = report.limits
    x = report.exposure
    return [
        "## About this report",
        "",
        f"{md_text(about_line(report.tool, x.tiered))}, not the traffic that flows. Tables are cut at "
        f"{lim.rows} rows, lint findings at {lim.findings}, namespace sections at "
        f"{lim.namespaces}, matrices at {lim.matrix} members, routes at {lim.paths} per "
        "workload; each cut says what it left out.",
        "",
        f"Open namespaces (anyone may create pods there): "
        f"{md_text(', '.join(x.open_namespaces)) if x.open_namespaces else 'none'}.",
        "",
    ]
