"""`netpol report`: the review library (netpol.report), its Markdown and HTML forms, and the CLI.

The Markdown form of the bundled examples is a golden case in tests/cases/report/ (test_cases.py;
``pytest --update-golden`` regenerates it). The HTML form is checked for structure (parsed
with html.parser) and, when Debian's chromium is installed, rendered in a headless browser.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import struct
import subprocess
import zlib
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT, needs

import netpol
from netpol.cli import main
from netpol.core.ipspace import AddressRange
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.errors import UsageError
from netpol.lint import lint
from netpol.load.files import load_paths
from netpol.model.resources import Direction, Options
from netpol.render import report_html, report_markdown, report_wording
from netpol.render.report_html import Figure
from netpol.render.report_wording import route_text
from netpol.report import (
    Cell,
    FutureWay,
    Limits,
    Listing,
    Origin,
    Rating,
    Route,
    Scope,
    build_report,
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def analyze(*paths: str) -> AllowGraph:
    return netpol.analyze([str(ROOT / p) for p in paths])


# -- Markdown ------------------------------------------------------------------------------------


def test_markdown_is_deterministic() -> None:
    graph = analyze("policies/webshop")
    first = report_markdown.render(build_report(graph, lint_result=lint(graph)))
    again = report_markdown.render(build_report(graph, lint_result=lint(graph)))
    assert first == again


# -- the library ---------------------------------------------------------------------------------


def test_summary_counts_and_verdict() -> None:
    graph = analyze("policies/webshop")
    report = build_report(graph, lint_result=lint(graph))
    s = report.summary
    assert (s.namespaces, s.endpoints, s.policies) == (4, 6, 13)
    assert (s.selectable, s.isolated_ingress, s.isolated_egress) == (6, 4, 4)
    assert s.connections == sum(1 for a, b, _ in graph.pairs() if max(a, b) < graph.endpoint_count)
    assert s.rating is Rating.CRITICAL  # NP006 on the public frontend is an error
    assert s.verdict.startswith("Critical: fix the lint errors first")
    assert "4 (67%) are isolated for ingress" in s.verdict


def test_without_lint_the_report_says_so() -> None:
    report = build_report(analyze("policies/webshop"))
    assert not report.lint.ran and not report.summary.linted
    assert "Lint did not run." in report.summary.verdict
    assert "Lint did not run." in report_markdown.render(report)


def test_exposure_from_outside_and_to_the_internet() -> None:
    report = build_report(analyze("policies/webshop"))
    outside = {e.endpoint: e for e in report.exposure.from_outside.rows}
    front = outside["shop/frontend[Deployment]"]
    assert str(front.ports) == "TCP 8080" and front.public
    assert front.via == ("shop/frontend-allow-public ingress rule #1",)
    assert "payments/gateway[Deployment]" not in outside
    # The gateway reaches 203.0.113.0/25 only: a documentation range, not the internet.
    internet = {e.endpoint for e in report.exposure.to_internet.rows}
    assert internet == {"kube-system/kube-dns[Deployment]", "monitoring/prometheus[Deployment]"}
    wide = {w.endpoint: w for w in report.exposure.cluster_wide.rows}
    dns = wide["kube-system/kube-dns[Deployment]"]
    assert dns.scope is Scope.EVERY_POD and dns.via == ("no ingress policy selects it",)
    assert str(dns.ports) == "TCP 53; UDP 53"  # what every pod gets; the rest only some


FUTURE = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: ops}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
---
apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: ops, labels: {app: tool}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from:
        - namespaceSelector: {}                                   # any new namespace
        - namespaceSelector:
            matchExpressions: [{key: team, operator: NotIn, values: [x]}]  # any new namespace
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ops}}  # exists: none
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ci}}   # unclaimed
        - namespaceSelector: {matchLabels: {team: ops}}           # labelled new namespace
        - podSelector: {matchLabels: {app: web}}                  # shop is not open: none
        - ipBlock: {cidr: 10.0.0.0/8}                             # addresses: none
    - ports: [{port: 5432}]                                       # no from: everyone
"""


def test_future_pods_criterion() -> None:
    graph = netpol.analyze_text(FUTURE)
    rows = build_report(graph).exposure.future.rows
    assert [(r.peer, r.way) for r in rows] == [
        ("every source (no 'from')", FutureWay.EVERY_SOURCE),
        ("namespaceSelector team notin (x)", FutureWay.ANY_NEW_NAMESPACE),
        ("namespaceSelector {}", FutureWay.ANY_NEW_NAMESPACE),
        ("namespaceSelector kubernetes.io/metadata.name=ci", FutureWay.UNCLAIMED_NAMESPACE),
        ("namespaceSelector team=ops", FutureWay.LABELLED_NAMESPACE),
    ]
    assert rows[3].who == (
        "any pod in namespace ci, which is not in the input: whoever creates it, "
        "or deploys there if it exists"
    )
    assert all(r.targets == ("shop/db[Pod]",) for r in rows)
    # A future way whose peer matches no pod of the input names the stand-in for those pods.
    assert [r.stand_ins for r in rows] == [(), (), (), ("ci/*[StandIn]",), ()]
    assert rows[0].location is not None and rows[0].location.path[-2:] == ("ingress", 1)
    # A namespace where anyone may deploy opens the plain podSelector too.
    opened = build_report(graph, open_namespaces=("shop",)).exposure.future.rows
    assert ("podSelector app=web", FutureWay.OPEN_NAMESPACE) in [(r.peer, r.way) for r in opened]


def _naive_changes(old: AllowGraph, new: AllowGraph) -> tuple[int, int]:
    """Gained and lost connections without one policy, pair by pair: endpoints by id, external
    ranges mapped by address, the outside counted once per endpoint and direction."""
    n = old.endpoint_count

    def new_index(i: int) -> int:
        node = old.nodes[i]
        if not isinstance(node, AddressRange):
            return new.resolve(node.id)
        return next(
            j
            for j, r in enumerate(new.nodes)
            if isinstance(r, AddressRange) and r.family == node.family and r.first <= node.first <= r.last
        )

    gained: set[tuple[str, str]] = set()
    lost: set[tuple[str, str]] = set()
    for s in range(len(old.nodes)):
        for d in range(len(old.nodes)):
            if s == d or (s >= n and d >= n):
                continue
            before = old.allowed_between(s, d)
            after = new.allowed_between(new_index(s), new_index(d))
            key = (old.ids[s] if s < n else "outside", old.ids[d] if d < n else "outside")
            if after - before:
                gained.add(key)
            if before - after:
                lost.add(key)
    return len(gained), len(lost)


@pytest.mark.parametrize("example", ["webshop", "overpermissive"])
def test_whatif_matches_a_naive_recompilation(example: str) -> None:
    graph = analyze(f"policies/{example}")
    report = build_report(graph)
    entries = {p.id: p for p in report.inventory.policies.rows}
    assert report.inventory.whatif_computed == len(graph.cluster.policies)
    for pol in graph.cluster.policies:
        without = compile_graph(
            dataclasses.replace(
                graph.cluster, policies=tuple(p for p in graph.cluster.policies if p is not pol)
            ),
            graph.options,
        )
        w = entries[pol.id].whatif
        assert w is not None
        assert (w.gained, w.lost) == _naive_changes(graph, without), pol.id


DENY = """
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: a, labels: {app: db}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: a}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-public, namespace: a}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: 8080}]}]
"""


def test_whatif_of_a_default_deny_and_an_allow() -> None:
    report = build_report(netpol.analyze_text(DENY))
    entries = {p.id: p for p in report.inventory.policies.rows}
    deny, public = entries["a/default-deny"], entries["a/web-public"]
    # Without the default deny, db opens to web and to the outside (web-public still isolates
    # web): the outside counts once.
    assert deny.baseline and deny.whatif is not None
    assert deny.whatif.gained == 2 and deny.whatif.lost == 0
    assert [(c.src, c.dst, str(c.ports)) for c in deny.whatif.gained_examples] == [
        ("outside the cluster (0.0.0.0/0, ::/0)", "a/db[Pod]", "all"),
        ("a/web[Pod]", "a/db[Pod]", "all"),
    ]
    # Without the public rule, web is closed to db and to the outside (the deny still isolates).
    assert public.whatif is not None and (public.whatif.gained, public.whatif.lost) == (0, 2)
    webshop = build_report(analyze("policies/webshop"))
    default_deny = next(p for p in webshop.inventory.policies.rows if p.id == "shop/default-deny")
    assert "isolates workloads added later" in default_deny.no_effect


def test_whatif_is_bounded() -> None:
    report = build_report(analyze("policies/webshop"), limits=Limits(whatif=2))
    inv = report.inventory
    assert (inv.whatif_computed, inv.whatif_total) == (2, 13)
    computed = [p for p in inv.policies.rows if p.whatif is not None]
    # The broadest first: the podSelector {} policies of shop select three workloads each.
    assert {p.id for p in computed} == {"shop/allow-dns", "shop/default-deny"}
    assert "computed for the 2 policies" in report_markdown.render(report)


def test_sensitive_direct_sources_and_routes() -> None:
    graph = analyze("policies/webshop")
    (section,) = build_report(graph, sensitive=["shop/db"]).sensitive
    (target,) = section.targets.rows
    assert target.endpoint == "shop/db[StatefulSet]"
    assert [(a.source, a.origin) for a in target.direct.rows] == [
        ("shop/api[Deployment]", Origin.SAME_NAMESPACE)
    ]
    routes = [(r.origin, r.hops) for r in target.routes.rows]
    assert (Origin.OTHER_NAMESPACE, ("shop/api[Deployment]", "shop/db[StatefulSet]")) in routes
    assert (
        Origin.OUTSIDE,
        ("shop/frontend[Deployment]", "shop/api[Deployment]", "shop/db[StatefulSet]"),
    ) in routes
    lengths = [len(r.hops) for r in target.routes.rows]
    assert lengths == sorted(lengths) and set(lengths) <= {2, 3}
    # Each route exists hop by hop in the graph.
    for route in target.routes.rows:
        for a, b, ports in zip(route.hops, route.hops[1:], route.ports[1:], strict=False):
            assert graph.allowed(a, b) == ports


def test_sensitive_by_label_and_unknown_names() -> None:
    graph = analyze("policies/webshop")
    (section,) = build_report(graph, sensitive=["app=gateway"]).sensitive
    assert [t.endpoint for t in section.targets.rows] == ["payments/gateway[Deployment]"]
    (none,) = build_report(graph, sensitive=["tier=nothing"]).sensitive
    assert none.targets.total == 0
    with pytest.raises(UsageError, match="unknown endpoint"):
        build_report(graph, sensitive=["shop/nope"])
    with pytest.raises(UsageError, match="outside the cluster"):
        build_report(graph, sensitive=["8.8.8.8"])


def test_matrix_cells() -> None:
    report = build_report(analyze("policies/webshop"))
    m = report.connectivity.matrix
    cell = dict(zip(m.sources, m.cells, strict=True))
    col = {name: i for i, name in enumerate(m.destinations)}
    assert cell["kube-system"][col["kube-system"]] is None  # one workload: no pair
    payments_dns = cell["payments"][col["kube-system"]]
    assert payments_dns is not None
    assert payments_dns == Cell(payments_dns.ports, False, 1.0)
    assert str(payments_dns.ports) == "TCP 53; UDP 53"
    shop_to_payments = cell["shop"][col["payments"]]
    assert shop_to_payments is not None and shop_to_payments.partial
    assert shop_to_payments.share == pytest.approx(1 / 3)  # only the api, of three workloads
    assert report_wording.cell_text(shop_to_payments) == "TCP 8443 · 33%"
    outside = cell["outside the cluster"][col["shop"]]
    assert outside is not None and outside.share is None
    assert report_wording.cell_text(outside) == "TCP 8080 (some)"
    (shop,) = (v for v in report.connectivity.namespaces if v.name == "shop")
    assert shop.matrix.sources[:3] == ("api[Deployment]", "db[StatefulSet]", "frontend[Deployment]")


def test_listings_are_cut_and_say_so() -> None:
    graph = analyze("policies/overpermissive")
    report = build_report(graph, lint_result=lint(graph), limits=Limits(rows=1, findings=2))
    outside = report.exposure.from_outside
    assert len(outside.rows) == 1 and outside.total == 4
    assert report_wording.count_line(outside, "rows") == "Showing 1 of 4 rows."
    assert len(report.lint.findings.rows) == 2 and report.lint.findings.total > 2
    assert sum(r.count for r in report.lint.rules) == report.lint.findings.total
    assert Listing.of([1, 2, 3], 5).omitted == 0


def test_bench_cluster_is_bounded() -> None:
    from bench.generate import generate_cluster, to_yaml

    cluster = generate_cluster(pods=600, workloads=150, policies=300, namespaces=12, seed=3)
    graph = netpol.analyze_text(to_yaml(cluster))
    limits = Limits(rows=10, whatif=5, namespaces=3, matrix=6)
    report = build_report(graph, lint_result=lint(graph), limits=limits, sensitive=["tier=data"])
    assert report.inventory.whatif_computed == 5
    assert len(report.connectivity.namespaces) == 3
    assert len(report.connectivity.omitted) == 9
    assert len(report.connectivity.matrix.sources) == 7  # six namespaces and the outside
    assert all(len(v.matrix.sources) <= 8 for v in report.connectivity.namespaces)
    for listing in (
        report.exposure.from_outside,
        report.exposure.to_internet,
        report.exposure.cluster_wide,
        report.exposure.future,
    ):
        assert len(listing.rows) <= 10
    text = report_markdown.render(report)
    assert "The 6 most reached namespaces are shown" in text


# -- HTML ----------------------------------------------------------------------------------------


class _Page(HTMLParser):
    """What the structural checks read: ids, tables, fetching attributes, scripts, styles."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.fetches: list[tuple[str, str, str]] = []
        self.tables: list[dict[str, int]] = []
        self.stack: list[str] = []
        self.script_src = 0
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        for key in ("src", "href", "xlink:href", "action", "srcset", "data"):
            if key in values:
                self.fetches.append((tag, key, values[key]))
        if tag == "script" and "src" in values:
            self.script_src += 1
        if tag == "table":
            self.tables.append(
                {"th_in_head": 0, "rows": 0, "sortable": "sortable" in values.get("class", "")}
            )
        if self.tables and tag == "th" and "thead" in self.stack:
            self.tables[-1]["th_in_head"] += 1
        if self.tables and tag == "tr" and "tbody" in self.stack:
            self.tables[-1]["rows"] += 1
        self._in_style = tag == "style"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


FAKE_SVG = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g id="graph0">'
    '<a xlink:href="#graph0"><title>x</title></a></g></svg>\n'
)


def _webshop_report() -> tuple[AllowGraph, str]:
    graph = analyze("policies/webshop")
    report = build_report(graph, lint_result=lint(graph), sensitive=["shop/db"])
    figures = report_html.draw_diagrams(report, draw=lambda dot_text: FAKE_SVG)
    return graph, report_html.render(report, figures=figures)


def test_html_structure() -> None:
    _, html = _webshop_report()
    page = _page(html)
    assert {"summary", "exposure", "lint", "connectivity", "inventory", "sensitive", "about"} <= page.ids
    assert html.startswith("<!DOCTYPE html>")
    for table in page.tables:
        assert table["th_in_head"] > 0, "every table has a header row"
    assert sum(t["sortable"] for t in page.tables) >= 6
    assert page.script_src == 0 and "<link" not in html
    remote = [f for f in page.fetches if not f[2].startswith("#")]
    assert remote == [], "only in-page links: no fetch, no CDN"
    assert "http://" not in page.style and "https://" not in page.style and "@import" not in page.style
    assert "@media print" in page.style
    # Diagrams are inline: the prolog (naming a DTD by URL) is gone, ids are made unique.
    assert "<!DOCTYPE svg" not in html and "<?xml" not in html
    assert html.count("<svg") == 5
    assert 'id="d0-graph0"' in html and 'xlink:href="#d0-graph0"' in html
    assert len([i for i in page.ids if i.endswith("graph0")]) == 5


def test_html_escapes_what_the_manifests_say() -> None:
    graph = netpol.analyze_text(FUTURE, source="<b>evil</b>.yaml")
    assert not graph.diagnostics
    html = report_html.render(build_report(graph), figures={})
    assert "<b>evil</b>" not in html and "&lt;b&gt;evil&lt;/b&gt;.yaml" in html


def test_html_without_graphviz_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_html, "find_dot", lambda: None)
    report = build_report(analyze("policies/webshop"))
    figures = report_html.draw_diagrams(report)
    assert figures and all(f.svg is None and "Graphviz" in f.note for f in figures.values())
    html = report_html.render(report, figures=figures)
    assert "<svg" not in html and "apt-get install graphviz" in html


def test_html_notes_a_diagram_too_large() -> None:
    report = build_report(analyze("policies/webshop"))
    diagram = report.connectivity.diagram
    assert diagram is not None
    big = dataclasses.replace(diagram, nodes=diagram.nodes * 40)
    figures = report_html.draw_diagrams(
        dataclasses.replace(
            report, connectivity=dataclasses.replace(report.connectivity, diagram=big, namespaces=())
        ),
        draw=lambda t: FAKE_SVG,
    )
    assert figures[id(big)] == Figure(None, figures[id(big)].note)
    assert "too many to draw" in figures[id(big)].note


# -- partial input: stand-ins, policies netpol does not model ------------------------------------

POLICIES_ONLY = "policies/policies-only"

PUBLIC_SUBJECT = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: a}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]
      ports: [{port: http}]
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: edge}}}]
"""


def test_policies_only_is_rated_by_what_its_policies_allow() -> None:
    graph = analyze(POLICIES_ONLY)
    report = build_report(graph, lint_result=lint(graph))
    s = report.summary
    assert (s.namespaces, s.endpoints, s.pods, s.selectable, s.connections) == (1, 0, 0, 0, 0)
    stand_ins = [e for e in graph.cluster.endpoints if e.stand_in is not None]
    assert (s.stand_ins, s.stand_in_namespaces) == (
        len(stand_ins),
        sum(n.stand_in for n in graph.cluster.namespaces),
    )
    assert s.stand_ins > 0 and s.stand_in_namespaces == 3  # ingress-nginx, kube-system, monitoring
    assert "Good" not in s.verdict and "every workload" not in s.verdict
    assert "The input holds no workloads, only policies" in s.verdict
    assert s.rating is Rating.ATTENTION  # NP007: the api reaches any public address on 443
    assert report.exposure.stand_ins.to_internet == 1 and report.exposure.reaching_internet == 0
    (row,) = report.exposure.to_internet.rows
    assert row.endpoint.endswith("[StandIn]") and str(row.ports) == "TCP 443"
    # The peers of other namespaces: no policy of the input selects them, so no table lists them.
    assert report.exposure.ungoverned == (
        "ingress-nginx/{app.kubernetes.io/name=ingress-nginx}[StandIn]",
        "kube-system/{k8s-app=kube-dns}[StandIn]",
        "monitoring/{app.kubernetes.io/name=prometheus}[StandIn]",
    )
    listed = {e.endpoint for e in report.exposure.from_outside.rows + report.exposure.to_internet.rows}
    assert not listed & set(report.exposure.ungoverned)
    # Their namespaces are in the overview, never given a section of their own.
    assert report.connectivity.matrix.absent == ("ingress-nginx", "kube-system", "monitoring")
    assert [v.name for v in report.connectivity.namespaces] == ["storefront"]
    assert report.connectivity.omitted == ()
    view = report.connectivity.namespaces[0]
    assert (view.endpoints, view.stand_ins) == (0, sum(e.namespace == "storefront" for e in stand_ins))
    assert {name for name, _ in view.matrix.stand_ins} == {
        n for n in view.matrix.sources if n.endswith("[StandIn]")
    }
    web = next(p for p in report.inventory.policies.rows if p.id == "storefront/storefront-web")
    assert web.stand_ins == web.selected.total == 1
    text = report_markdown.render(report)
    assert (
        f"| Stand-ins (not in the input) | {len(stand_ins)} (in 3 namespaces the input does not hold) |"
        in text
    )
    assert "TCP port named http (number unknown)" in text
    assert (
        "podSelector app.kubernetes.io/component=web,app.kubernetes.io/name=storefront: no workload" in text
    )


TIGHT = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: a}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]
"""


def test_policies_only_without_findings_rates_the_policies_not_workloads() -> None:
    report = build_report(netpol.analyze_text(TIGHT))
    assert report.summary.rating is Rating.GOOD
    assert report.summary.headline.startswith("Good, as far as the policies go")
    assert "The input holds no workloads" in report.summary.headline
    assert "every workload is isolated" not in report.summary.verdict


def test_policies_only_in_a_closed_world_is_never_good() -> None:
    graph = analyze_closed(POLICIES_ONLY)
    report = build_report(graph)
    s = report.summary
    assert (s.endpoints, s.stand_ins) == (0, 0)
    assert s.rating is Rating.ATTENTION
    assert "no stand-ins" in s.headline and "nothing here says what they allow" in s.headline
    assert "The input holds no workloads and no stand-ins" in s.details


def analyze_closed(path: str) -> AllowGraph:
    return netpol.analyze([str(ROOT / path)], Options(stand_ins=False))


def test_a_policy_subject_open_to_the_internet_is_exposure() -> None:
    graph = netpol.analyze_text(PUBLIC_SUBJECT)
    report = build_report(graph)
    x = report.exposure
    (row,) = x.from_outside.rows
    assert row.endpoint == "a/{app=web}[StandIn]" and row.public
    assert str(row.ports) == "TCP port named http (number unknown)"
    assert (x.reachable_from_outside, x.stand_ins.from_outside, x.stand_ins.from_internet) == (0, 1, 1)
    assert report.summary.rating is Rating.ATTENTION
    assert "1 stand-in is reachable from outside the cluster (1 from public internet addresses)" in (
        report.summary.details
    )
    # The edge stand-in is a peer no policy selects; a/{app=web} the subject, isolated both ways.
    assert x.ungoverned == ("edge/*[StandIn]",)
    entries = {e.endpoint: e for e in report.stand_ins.rows.rows}
    assert entries["a/{app=web}[StandIn]"].selected_by == ("a/web",)
    assert entries["edge/*[StandIn]"].admitted_by == ("a/web ingress rule #2",)
    assert entries["edge/*[StandIn]"].absent_namespace
    assert report.stand_ins.of("a/{app=web}[StandIn]") == "pods with app=web in namespace a"
    assert report.stand_ins.of("a/web[Pod]") is None
    text = report_markdown.render(report)
    assert "`a/{app=web}[StandIn]`<br>stand-in: pods with app=web in namespace a" in text


def test_connections_with_stand_ins_count_what_a_policy_of_the_input_restricts() -> None:
    for path in (POLICIES_ONLY, "policies/kubectl-dump", "policies/overpermissive"):
        graph = analyze(path)
        s = build_report(graph).summary
        n, stand_ins = (
            graph.endpoint_count,
            {i for i in range(graph.endpoint_count) if "[StandIn]" in graph.ids[i]},
        )
        ingress, egress = graph.isolated(Direction.INGRESS), graph.isolated(Direction.EGRESS)
        pairs = [(a, b) for a, b, _ in graph.pairs() if max(a, b) < n]
        assert s.connections == sum(1 for a, b in pairs if not {a, b} & stand_ins), path
        assert s.stand_in_connections == sum(
            1 for a, b in pairs if {a, b} & stand_ins and (a in egress or b in ingress)
        ), path


def test_routes_from_stand_ins_say_so() -> None:
    report = build_report(analyze(POLICIES_ONLY), sensitive=["app.kubernetes.io/component=db"])
    routes = [r for s in report.sensitive for t in s.targets.rows for r in t.routes.rows]
    many = [r for r in routes if r.origin is not Origin.OUTSIDE and r.start_count > 1]
    assert many and all(r.stand_ins == r.start_count for r in many)
    assert route_text(many[0]).startswith(f"{many[0].start_count} stand-ins (")
    mixed = Route(Origin.OTHER_NAMESPACE, ("a/x[Pod]", "b/*[StandIn]"), 2, ("c/y[Pod]",), (), 1)
    assert route_text(mixed).startswith("2 workloads and stand-ins (")


UNMODELLED = """
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l7, namespace: shop}
spec: {endpointSelector: {}}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny}
spec: {selector: all(), types: [Ingress], ingress: [{action: Deny}]}
---
apiVersion: crd.projectcalico.org/v1
kind: GlobalNetworkPolicy
metadata: {name: deny-too}
spec: {selector: all(), types: [Ingress], ingress: [{action: Deny}]}
"""


def test_policies_netpol_does_not_model_open_the_report_with_a_banner() -> None:
    report = build_report(netpol.analyze_text(UNMODELLED))
    assert report.summary.unmodelled == (
        ("CiliumNetworkPolicy (cilium.io)", 1),
        ("GlobalNetworkPolicy (crd.projectcalico.org)", 1),
        ("GlobalNetworkPolicy (projectcalico.org)", 1),
    )
    assert "3 policies of other APIs also filter traffic" in report.summary.details
    text = report_markdown.render(report)
    banner = text.index("> **Warning:** These policies also filter traffic")
    assert banner < text.index("## Summary")
    assert "1 CiliumNetworkPolicy (cilium.io), 1 GlobalNetworkPolicy" in text
    html = report_html.render(report, figures={})
    assert html.index('<div class="banner" role="alert">') < html.index('<section id="summary">')
    assert "verdicts below ignore them" in unescape(html).lower()
    quiet = build_report(analyze("policies/webshop"))
    assert quiet.summary.unmodelled == () and "Warning" not in report_markdown.render(quiet)


def test_html_marks_the_stand_ins() -> None:
    graph = analyze(POLICIES_ONLY)
    report = build_report(graph, sensitive=["app.kubernetes.io/component=db"])
    html = report_html.render(report, figures={})
    page = _page(html)
    for table in page.tables:
        assert table["th_in_head"] > 0
    assert html.count('<span class="badge standin"') >= 3
    assert 'class="col standin" title="not in the input"' in html
    first = next(e for e in graph.cluster.endpoints if e.stand_in is not None and e.namespace == "storefront")
    assert f'title="stand-in: {first.stand_in}"' in html
    assert "the input holds none: only policies" in html and "no workload policies can select" in html
    assert "Stand-ins on these routes" in html


# -- the command line ----------------------------------------------------------------------------


def test_cli_writes_html_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, stdout, err = run(
        "report",
        str(ROOT / "policies" / "webshop"),
        "--out",
        str(out),
        "--no-diagrams",
        "--title",
        "Shop review",
    )
    assert code == 0, err
    assert stdout == ""
    html = out.read_text(encoding="utf-8")
    assert "<title>Shop review</title>" in html and "<svg" not in html


@pytest.mark.parametrize(
    "args, message",
    [
        (("report", "policies/webshop", "--sensitive", "shop/nope"), "unknown endpoint"),
        (("report", "policies/does-not-exist"), ""),
        (("report",), "no input"),
        (("report", "policies/webshop", "-o", "pdf"), "pdf"),
    ],
)
def test_cli_input_errors_exit_2(
    args: tuple[str, ...], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, _, err = run(*args)
    assert code == 2
    assert message in err


def test_cli_bad_lint_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("fail-on: sometimes\n", encoding="utf-8")
    code, _, err = run("report", str(ROOT / "policies" / "webshop"), "--config", str(config))
    assert code == 2
    assert "bad.yaml" in err


# -- a real browser ------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _png_pixels(path: Path) -> tuple[int, int, set[int]]:
    """Width, height and the distinct byte values of the decompressed image data: a blank page
    holds one colour (a handful of values once filtered); text and drawings hold many."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, set(zlib.decompress(idat))


@needs("chromium", "apt-get install chromium")
def test_html_renders_in_a_headless_browser(tmp_path: Path) -> None:
    """The documented check: the report, opened offline in chromium, draws a non-blank page."""
    graph = analyze("policies/webshop")
    report = build_report(graph, lint_result=lint(graph), sensitive=["shop/db"])
    page = tmp_path / "report.html"
    page.write_text(report_html.render(report), encoding="utf-8")
    shot = tmp_path / "report.png"
    assert CHROMIUM is not None
    subprocess.run(
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
            f"--screenshot={shot}",
            "--window-size=1280,2400",
            page.as_uri(),
        ],
        check=False,
        capture_output=True,
        timeout=120,
    )
    assert shot.exists(), "chromium wrote no screenshot"
    width, height, values = _png_pixels(shot)
    assert (width, height) == (1280, 2400)
    assert len(values) > 32, "the screenshot is blank"


# Run in the page by chromium (--dump-dom prints the DOM once the page's scripts ran): where the
# matrix headers and the diagrams' legends are drawn, in CSS pixels.
_MEASURE = """<script>
(function () {
  function box(e) { var r = e.getBoundingClientRect();
    return [Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom)]; }
  var out = {viewport: document.documentElement.clientWidth, headers: [], legends: []};
  document.querySelectorAll("table.matrix th.col").forEach(function (th) {
    out.headers.push([th.textContent, box(th), box(th.querySelector("span"))]);
  });
  document.querySelectorAll(".figure").forEach(function (figure) {
    figure.querySelectorAll("g.cluster").forEach(function (g) {
      var title = g.querySelector("title");
      if (title && title.textContent === "cluster_(frame)")
        out.legends.push([figure.classList.contains("actual"), box(figure), box(g)]);
    });
  });
  var pre = document.createElement("pre");
  pre.id = "netpol-measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def _measure(page: str, width: int, tmp_path: Path) -> dict[str, Any]:
    """Boxes of ``page``'s matrix headers and legends, laid out by chromium ``width`` px wide."""
    assert CHROMIUM is not None
    target = tmp_path / f"measure-{width}.html"
    target.write_text(page.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / f'profile-{width}'}",
            f"--window-size={width},1000",
            "--dump-dom",
            target.as_uri(),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = re.search(r'<pre id="netpol-measure">(.*?)</pre>', dom, re.DOTALL)
    assert found, "chromium ran the page's scripts"
    result: dict[str, Any] = json.loads(unescape(found.group(1)))
    return result


def _inside(inner: list[int], outer: list[int], *, vertical: bool = True) -> bool:
    horizontal = outer[0] <= inner[0] and inner[2] <= outer[2]
    return horizontal and (not vertical or (outer[1] <= inner[1] and inner[3] <= outer[3]))


@needs("chromium", "apt-get install chromium")
@needs("dot", "apt-get install graphviz")
@pytest.mark.parametrize("width", [1400, 800])
def test_headers_and_legends_fit_in_a_browser(width: int, tmp_path: Path) -> None:
    """Vertical matrix headers stay inside their cells; a fitted diagram's legend (bottom left)
    stays inside its figure, however wide the graph."""
    graph = analyze("policies/kubectl-dump")
    measured = _measure(report_html.render(build_report(graph, lint_result=lint(graph))), width, tmp_path)
    assert measured["headers"] and measured["legends"]
    for name, cell, text in measured["headers"]:
        assert _inside(text, cell), (name, cell, text)
    for actual, figure, legend in measured["legends"]:
        assert actual or _inside(legend, figure, vertical=False), (figure, legend)


@needs("chromium", "apt-get install chromium")
@needs("dot", "apt-get install graphviz")
def test_the_graph_page_shows_its_legend_at_1400_px(tmp_path: Path) -> None:
    code, page, err = run("graph", str(ROOT / "policies" / "kubectl-dump"), "-o", "html")
    assert code == 0, err
    measured = _measure(page, 1400, tmp_path)
    [(_, figure, legend)] = measured["legends"]
    assert legend[0] >= 0 and legend[2] <= min(figure[2], measured["viewport"]), (figure, legend)


def test_blank_png_is_told_apart(tmp_path: Path) -> None:
    """The non-blank check itself: a one-colour PNG fails it."""
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * 4 for _ in range(4))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    path = tmp_path / "blank.png"
    path.write_bytes(png)
    assert len(_png_pixels(path)[2]) <= 2


def test_loading_keeps_lines_for_the_inventory() -> None:
    loaded = load_paths([str(ROOT / "policies" / "webshop")])
    graph = netpol.analyze_loaded(loaded)
    report = build_report(graph, locator=loaded.locator)
    lines = [p.location.line for p in report.inventory.policies.rows if p.location]
    assert len(lines) == 13 and all(lines)
