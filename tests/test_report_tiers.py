"""`netpol report` with cluster-wide policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy): the section on them, and the rest of the report no longer calling open what
a tier policy decides.

What each rule decides is computed cell by cell (netpol/report/tiers.py); here it is checked pair
by pair against ``AllowGraph.tier_decision``, the engine's own chain for one pair. The Markdown and
HTML of the bundled examples are golden cases (tests/cases/report/tenants-anp, tenants-cnp).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import ROOT, needs

import netpol
from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph
from netpol.lint import lint
from netpol.model.resources import Direction
from netpol.model.tiers import Tier, TierAction
from netpol.render import report_html, report_markdown
from netpol.render.report_wording_tiers import count
from netpol.report import Limits, OverrideKind, Rating, build_report
from netpol.report.tiers import walk_tiers
from netpol.report.view import View

CHROMIUM = shutil.which("chromium")

MIXED = """
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: a, env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: b, env: dev}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec:
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: a, labels: {app: db}}
spec:
  containers:
    - {name: c, image: x, ports: [{name: pg, containerPort: 5432}, {name: http, containerPort: 9000}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: b, labels: {app: api}}
spec:
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 8081}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: b, labels: {app: job}}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: mon, namespace: ops, labels: {app: mon}}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-in, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: pg}]
    - from: [{namespaceSelector: {matchLabels: {team: b}}}]
      ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-egress, namespace: b}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {}}]
    - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: no-dev-to-db}
spec:
  priority: 5
  subject: {pods: {namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: db}}}}
  ingress:
    - name: mon-http
      action: Allow
      from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ops}}}]
      ports: [{namedPort: http}]
    - {name: dev, action: Deny, from: [{namespaces: {matchLabels: {env: dev}}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: egress-guard}
spec:
  priority: 7
  subject: {namespaces: {}}
  egress:
    - {name: pass-pods, action: Pass, to: [{namespaces: {}}]}
    - {name: names, action: Allow, to: [{domainNames: ["*.example.com"]}]}
    - name: no-meta
      action: Deny
      to: [{networks: [169.254.0.0/16]}]
      ports: [{portRange: {protocol: TCP, start: 1, end: 1024}}]
    - {name: ten, action: Allow, to: [{networks: [10.0.0.0/8]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: base}
spec:
  tier: Baseline
  priority: 3
  subject: {namespaces: {matchExpressions: [{key: team, operator: Exists}]}}
  ingress:
    - {name: ops-pass, action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ops}}}]}
    - {name: deny, action: Deny, from: [{namespaces: {}}]}
  egress:
    - name: web-http
      action: Accept
      to: [{pods: {podSelector: {matchLabels: {app: web}}}}]
      protocols: [{destinationNamedPort: http}]
    - {name: deny-out, action: Deny, to: [{networks: [0.0.0.0/0]}]}
"""
"""Named ports on both sides, egress isolation, networks, a Pass in each tier, domainNames, an
Admin Allow over a NetworkPolicy and an Admin Deny of what one allows."""


def analyze(*paths: str) -> AllowGraph:
    return netpol.analyze([str(ROOT / p) for p in paths])


def brute_force(
    graph: AllowGraph,
) -> tuple[dict[int, int], dict[tuple[int, OverrideKind], int], dict[Direction, set[int]]]:
    """Pair by pair with ``tier_decision``: per tier rule the connections it decides, the
    overrides, and the owners some tier rule denies something."""
    views = graph.tier_rules()
    n = graph.endpoint_count
    pairs: dict[int, int] = defaultdict(int)
    outside: dict[int, set[int]] = defaultdict(set)
    over_pairs: dict[tuple[int, OverrideKind], int] = defaultdict(int)
    over_out: dict[tuple[int, OverrideKind], set[int]] = defaultdict(set)
    denied: dict[Direction, set[int]] = {d: set() for d in Direction}
    for direction in Direction:
        for owner in range(n):
            isolated = owner in graph.isolated(direction)
            for other in range(len(graph.nodes)):
                if other == owner:
                    continue
                s, d = (other, owner) if direction is Direction.INGRESS else (owner, other)
                np = PortSet.none()
                for rv in graph.rules_admitting(owner, other, direction) if isolated else ():
                    np |= rv.ports_toward(d)
                for r, ports in graph.tier_decision(s, d, direction).steps:
                    tv = views[r]
                    if other < n:
                        pairs[r] += 1
                    else:
                        outside[r].add(owner)
                    if tv.action is TierAction.DENY:
                        denied[direction].add(owner)
                    if not isolated or tv.policy.tier is not Tier.ADMIN:
                        continue
                    kind = None
                    if tv.action is TierAction.ALLOW and ports - np:
                        kind = OverrideKind.ADMITS
                    elif tv.action is TierAction.DENY and ports & np:
                        kind = OverrideKind.DROPS
                    if kind is not None:
                        if other < n:
                            over_pairs[(r, kind)] += 1
                        else:
                            over_out[(r, kind)].add(owner)
    decided = {r: pairs.get(r, 0) + len(outside.get(r, ())) for r in range(len(views))}
    overrides = {k: over_pairs.get(k, 0) + len(over_out.get(k, ())) for k in {*over_pairs, *over_out}}
    return decided, overrides, denied


# -- what each rule decides, against the engine pair by pair ----------------------------------------


@pytest.mark.parametrize("source", ["policies/tenants-anp", "policies/tenants-cnp", "mixed"])
def test_the_cells_agree_with_the_engine_pair_by_pair(source: str) -> None:
    graph = netpol.analyze_text(MIXED) if source == "mixed" else analyze(source)
    assert not graph.diagnostics
    walk = walk_tiers(View(graph, None), Limits())
    decided, overrides, denied = brute_force(graph)
    assert {r: walk.decided(r) for r in decided} == decided
    assert {k: a.pairs + len(a.outside) for k, a in walk.overrides.items()} == overrides
    assert {d: set(walk.restricted[d]) for d in Direction} == denied
    assert sum(decided.values()) > 0


def test_the_section_on_the_tenants() -> None:
    report = build_report(analyze("policies/tenants-anp"))
    t = report.tiers
    assert t is not None
    assert [p.id for p in t.policies.rows] == [
        "anp/allow-monitoring",
        "anp/tenant-a",
        "anp/tenant-b",
        "banp/default",
    ]
    assert (t.admin, t.baseline) == (3, 1)
    rules = {r.ref: r for p in t.policies.rows for r in p.rules}
    scrape = rules["anp/allow-monitoring ingress rule #1"]
    assert (scrape.name, scrape.action, scrape.ports, scrape.decided) == ("scrape", "Allow", "TCP 9090", 4)
    assert rules["anp/tenant-a ingress rule #1"].decided == 2  # frontend <-> api, passed on
    assert rules["anp/tenant-a ingress rule #2"].decided == 4  # tenant-b's two pods into tenant-a's two
    baseline = rules["banp/default ingress rule #1"]
    # Into frontend and web (no NetworkPolicy): each from the other tenant pod of its namespace,
    # from prometheus (on all but 9090) and from coredns; api and db are their NetworkPolicies'.
    assert (baseline.decided, baseline.networkpolicy_first) == (6, 2)
    assert rules["banp/default egress rule #1"].decided == 4
    [override] = t.overrides.rows
    assert override.kind is OverrideKind.ADMITS and override.connections == 2
    assert override.policies.rows == ("tenant-a/api-from-frontend", "tenant-b/db-from-web")
    assert str(override.examples[0].ports) == "TCP 9090"
    assert (t.admitted, t.dropped, t.restricted_ingress, t.restricted_egress) == (2, 0, 2, 0)


def test_a_cnp_reads_as_the_anp_does() -> None:
    anp = build_report(analyze("policies/tenants-anp")).tiers
    cnp = build_report(analyze("policies/tenants-cnp")).tiers
    assert anp is not None and cnp is not None
    counts = [[r.decided for r in p.rules] for p in anp.policies.rows]
    assert [[r.decided for r in p.rules] for p in cnp.policies.rows] == counts
    words = [r.action for p in cnp.policies.rows for r in p.rules]
    assert words.count("Accept") == 2 and "Allow" not in words  # the word as written
    assert cnp.policies.rows[-1].priority == 100 and anp.policies.rows[-1].priority is None


def test_drops_and_named_ports_and_domain_names() -> None:
    report = build_report(netpol.analyze_text(MIXED))
    t = report.tiers
    assert t is not None
    kinds = {(o.rule, o.kind): o for o in t.overrides.rows}
    drop = kinds[("anp/no-dev-to-db ingress rule #2", OverrideKind.DROPS)]
    assert drop.policies.rows == ("a/db-in",) and drop.connections == 2
    assert {str(e.ports) for e in drop.examples} == {"TCP 5432"}  # what the NetworkPolicy allowed
    admit = kinds[("anp/no-dev-to-db ingress rule #1", OverrideKind.ADMITS)]
    assert str(admit.examples[0].ports) == "TCP 9000"  # the named port, resolved on db
    rules = {r.ref: r for p in t.policies.rows for r in p.rules}
    names = rules["anp/egress-guard egress rule #2"]
    assert names.domain_names == ("*.example.com",) and names.decided == 0
    assert rules["cnp/base ingress rule #1"].effect == "Pass"


# -- the rest of the report --------------------------------------------------------------------------


def test_no_tier_policies_no_section() -> None:
    report = build_report(analyze("policies/webshop"))
    assert report.tiers is None and not report.exposure.tiered
    text = report_markdown.render(report)
    assert "Cluster-wide" not in text and "cluster-wide" not in text
    assert 'id="tiers"' not in report_html.render(report, figures={})


def test_unprotected_workloads_are_those_no_tier_restricts() -> None:
    report = build_report(analyze("policies/tenants-anp"))
    x = report.exposure
    # frontend and web have no ingress NetworkPolicy, but the baseline denies them every pod;
    # coredns and prometheus are open.
    assert (x.unprotected, x.restricted) == (2, 2)
    text = report_markdown.render(report)
    assert "with no ingress policy admit any pod" not in text
    assert "2 workloads that neither a NetworkPolicy nor a cluster-wide rule restricts" in text
    assert "no ingress policy selects it" not in text  # the NetworkPolicy-only wording
    s = report.summary
    assert (s.tier_policies, s.restricted_ingress, s.restricted_egress) == (4, 2, 0)
    assert "4 cluster-wide policies" in s.verdict and s.rating is Rating.ATTENTION


def test_allowed_by_names_the_tier_rules() -> None:
    report = build_report(analyze("policies/tenants-anp"), sensitive=["tenant-a/api"])
    [section] = report.sensitive
    [target] = section.targets.rows
    via = {a.source: a.via for a in target.direct.rows}
    assert via["monitoring/prometheus[Deployment]"] == ("anp/allow-monitoring ingress rule #1 (Admin Allow)",)
    assert via["tenant-a/frontend[Deployment]"] == (
        "anp/tenant-a ingress rule #1 (Admin Pass)",
        "tenant-a/api-from-frontend ingress rule #1",
    )
    outside = {e.endpoint: e for e in report.exposure.from_outside.rows}
    assert outside["tenant-a/frontend[Deployment]"].via == (
        "no ingress NetworkPolicy selects it and no cluster-wide rule decides: allowed by default",
    )
    graph = netpol.analyze_text(MIXED)
    internet = {e.endpoint: e.via for e in build_report(graph).exposure.to_internet.rows}
    assert internet["a/web[Pod]"][0] == "anp/egress-guard egress rule #4 (Admin Allow)"


def test_future_pods_name_the_admin_deny_that_decides_first() -> None:
    report = build_report(netpol.analyze_text(MIXED))
    [row] = [f for f in report.exposure.future.rows if f.rule == "a/db-in ingress rule #2"]
    assert row.denied_first == ("anp/no-dev-to-db",)
    assert "unless an Admin tier Deny decides first: anp/no-dev-to-db" in report_markdown.render(report)


def test_namespace_lines_count_what_the_tiers_restrict() -> None:
    report = build_report(analyze("policies/tenants-anp"))
    views = {v.name: v for v in report.connectivity.namespaces}
    assert (views["tenant-a"].restricted_ingress, views["kube-system"].restricted_ingress) == (1, 0)
    assert "cluster-wide rules deny some traffic of 1 more for ingress" in report_markdown.render(report)


def test_same_priority_overlap_is_said() -> None:
    twin = """
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a, labels: {app: p}}
---
apiVersion: v1
kind: Pod
metadata: {name: q, namespace: a, labels: {app: q}}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: one}
spec:
  priority: 3
  subject: {namespaces: {}}
  ingress: [{action: Allow, from: [{namespaces: {}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: two}
spec:
  priority: 3
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: p}}}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
"""
    report = build_report(netpol.analyze_text(twin))
    assert report.tiers is not None and report.tiers.ambiguous == (("anp/one", "anp/two"),)
    assert "**Same priority:** `anp/one` and `anp/two`" in report_markdown.render(report)


# -- escaping -------------------------------------------------------------------------------------


EVIL = """
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: "x"}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a, labels: {app: p}}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: evil}
spec:
  priority: 1
  subject: {namespaces: {}}
  ingress:
    - name: "<script>x</script> | *bold* `tick` [l](http://e)"
      action: Deny
      from: [{namespaces: {matchLabels: {team: "x"}}}]
"""


def test_what_the_manifests_say_is_escaped() -> None:
    graph = netpol.analyze_text(EVIL, source="<b>evil</b>.yaml")
    report = build_report(graph)
    html = report_html.render(report, figures={})
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<b>evil</b>" not in html
    md = report_markdown.render(report)
    [line] = [ln for ln in md.splitlines() if "ingress #1" in ln]
    # One code span (where Markdown draws <script> as text), its | escaped: the row keeps its 7
    # cells.
    assert "``<script>x</script> \\| *bold* `tick` [l](http://e)``" in line
    assert len(re.findall(r"(?<!\\)\|", line)) == 8


# -- the HTML, as a browser draws it ---------------------------------------------------------------


_MEASURE = """<script>
window.addEventListener("load", function () {
  var out = {viewport: document.documentElement.clientWidth, tables: [], ids: []};
  document.querySelectorAll("#tiers table").forEach(function (t) {
    out.tables.push(Math.round(t.getBoundingClientRect().right));
  });
  document.querySelectorAll("#tiers table.tier-rules td.nw").forEach(function (td) {
    out.ids.push([td.textContent, td.scrollWidth <= td.clientWidth + 1]);
  });
  var pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


@needs("chromium", "apt-get install -y chromium")
def test_the_section_fits_in_a_browser_1400_px_wide(tmp_path: Path) -> None:
    graph = analyze("policies/tenants-anp")
    html = report_html.render(build_report(graph, lint_result=lint(graph), diagrams=False), figures={})
    page = tmp_path / "report.html"
    page.write_text(html.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1400,2400",
            "--dump-dom",
            page.as_uri(),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    start = done.stdout.index('<pre id="measured">') + len('<pre id="measured">')
    measured = json.loads(done.stdout[start : done.stdout.index("</pre>", start)].replace("&quot;", '"'))
    assert len(measured["tables"]) == 3
    assert all(right <= measured["viewport"] for right in measured["tables"])
    assert measured["ids"] and all(fits for _, fits in measured["ids"]), measured["ids"]


# -- size -------------------------------------------------------------------------------------------


TIERS_FOR_BENCH = """
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: platform}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress:
    - {name: pass-own, action: Pass, from: [{namespaces: {matchLabels: {team: checkout}}}]}
    - name: deny-rest
      action: Deny
      from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {tier: data}}}}]
  egress:
    - {name: meta, action: Deny, to: [{networks: [169.254.169.254/32]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
    - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
"""


def test_the_walk_runs_per_cell_not_per_pair() -> None:
    from bench.generate import generate_cluster, to_yaml

    cluster = generate_cluster(pods=600, workloads=150, policies=300, namespaces=12, seed=3)
    graph = netpol.analyze_text(to_yaml(cluster) + TIERS_FOR_BENCH)
    assert len(graph.tier_policies()) == 2
    started = time.perf_counter()
    walk = walk_tiers(View(graph, None), Limits())
    elapsed = time.perf_counter() - started
    pairs = graph.endpoint_count * len(graph.nodes)
    assert 0 < walk.cells < pairs // 20, (walk.cells, pairs)
    assert elapsed < 10
    report = build_report(graph, limits=Limits(whatif=2))
    assert report.tiers is not None and report.tiers.policies.total == 2
    # A cluster-wide rule overrides many NetworkPolicies: the first few are named, the rest counted.
    assert all(len(o.policies.rows) <= 8 for o in report.tiers.overrides.rows)
    assert all(o.policies.total >= len(o.policies.rows) for o in report.tiers.overrides.rows)


def test_counts_read_with_thousands_separators() -> None:
    assert count(110556, "connection") == "110,556 connections"
    assert count(1, "connection") == "1 connection"
