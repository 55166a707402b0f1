"""`netpol graph` with the cluster-wide tiers: edges an Admin-tier Allow rule allows are marked
(exactly: the pairs, and the ports the Admin tier decides of them), ``--admin-denied`` draws
exactly what an Admin-tier Deny drops, and every rule name from the input is escaped.

The goldens are tests/cases/graph/tenants-anp* (test_cases.py).
"""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, needs
from test_graph import _pairs, assert_complete, assert_exact

import netpol
from netpol import AllowGraph, PortSet, Protocol
from netpol.cli import main
from netpol.core.ipspace import AddressRange, IPFamily
from netpol.engine.graph import compile_graph
from netpol.model.resources import Direction
from netpol.model.tiers import Tier, TierAction
from netpol.render import dot, html_graph, mermaid
from netpol.render.diagram.model import (
    ADMIN_COLOUR,
    DENIED_COLOUR,
    EDGE_COLOURS,
    Diagram,
    DiagramEdge,
    EdgeKind,
    LegendItem,
    Level,
    build_diagram,
)
from netpol.render.graphviz import ImageFormat, run_dot

ANP = str(ROOT / "policies" / "tenants-anp")
CNP = str(ROOT / "policies" / "tenants-cnp")
EXTRA = str(ROOT / "tests" / "cases" / "graph" / "tenants-anp-admin-denied" / "extra.yaml")
needs_dot = needs("dot", "apt-get install graphviz")
TCP_9090 = PortSet.of("TCP", 9090)

SOURCES = {"anp": [ANP], "cnp": [CNP], "anp+extra": [ANP, EXTRA], "cnp+extra": [CNP, EXTRA]}

_SOME = """
{apiVersion: v1, kind: Namespace, metadata: {name: a, labels: {tenant: a}}}
---
{apiVersion: v1, kind: Namespace, metadata: {name: monitoring}}
---
{apiVersion: v1, kind: Pod, metadata: {name: api, namespace: a, labels: {app: api}}}
---
{apiVersion: v1, kind: Pod, metadata: {name: web, namespace: a, labels: {app: web}}}
---
{apiVersion: v1, kind: Pod, metadata: {name: db, namespace: a, labels: {app: db}}}
---
{apiVersion: v1, kind: Pod, metadata: {name: prom, namespace: monitoring, labels: {app: prom}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-closed, namespace: a}
spec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: scrape-api}
spec:
  priority: 5
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: api}}}}
  ingress:
    - name: NAME
      action: Allow
      from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
      ports: [{portNumber: {protocol: TCP, port: 9090}}]
"""
"""monitoring/prom reaches the three pods of ``a``: api and web by default, and api's 9090 by an
Admin Allow rule (named NAME); db is closed. At namespace level prom -> a stands for pairs only
some of which the Admin tier allows."""


def some_cluster(name: str = "scrape") -> AllowGraph:
    """``_SOME`` with the rule named ``name`` (written as a JSON string, which YAML reads)."""
    graph = netpol.analyze_text(_SOME.replace("NAME", json.dumps(name)))
    assert [t.rule.name for t in graph.tier_rules()] == [name], graph.diagnostics
    return graph


def edge(diagram: Diagram, src: str, dst: str) -> DiagramEdge:
    found = [e for e in diagram.edges if (e.src, e.dst) == (src, dst) and not e.denied]
    assert len(found) == 1, [(e.src, e.dst) for e in diagram.edges]
    return found[0]


def dot_line(diagram: Diagram, e: DiagramEdge) -> str:
    """The DOT statement of edge ``e`` (edges are written last, in the diagram's order)."""
    lines = [line for line in dot.render(diagram).splitlines() if line.startswith('  "') and '" -> "' in line]
    assert len(lines) == len(diagram.edges)
    return lines[diagram.edges.index(e)]


def admin_ports(graph: AllowGraph, s: int, d: int) -> tuple[PortSet, set[str]]:
    """What the Admin tier's Allow rules allow of s -> d, and their descriptions, from the tier
    chain itself (both sides), as allowed ports."""
    allowed = graph.allowed_between(s, d)
    ports, rules = PortSet.none(), set()
    views = graph.tier_rules()
    for direction in Direction:
        for r, decided in graph.tier_decision(s, d, direction).steps:
            view = views[r]
            if view.policy.tier is Tier.ADMIN and view.action is TierAction.ALLOW and decided & allowed:
                ports |= decided & allowed
                rules.add(view.describe())
    return ports, rules


def without_admin(graph: AllowGraph) -> AllowGraph:
    tiers = tuple(p for p in graph.cluster.tier_policies if p.tier is not Tier.ADMIN)
    return compile_graph(dataclasses.replace(graph.cluster, tier_policies=tiers), graph.options)


def denied_oracle(graph: AllowGraph) -> dict[tuple[int, int], PortSet]:
    """Naively: every pair of nodes, what the cluster without its Admin tier allows and the graph
    does not (an external range looked up by its first address)."""
    other = without_admin(graph)

    def there(i: int) -> int:
        node = graph.nodes[i]
        if isinstance(node, AddressRange):
            return other.resolve(str(IPFamily(node.family).address(node.first)))
        return other.resolve(node.id)

    n = graph.endpoint_count
    out = {}
    for s in range(len(graph.nodes)):
        for d in range(len(graph.nodes)):
            if s == d or (s >= n and d >= n):
                continue
            lost = other.allowed_between(there(s), there(d)) - graph.allowed_between(s, d)
            if lost:
                out[(s, d)] = lost
    return out


def drawn_denied(graph: AllowGraph, diagram: Diagram) -> Iterator[tuple[int, int, PortSet]]:
    for e in diagram.edges:
        for s, d in _pairs(graph, diagram, e) if e.denied else ():
            yield s, d, e.ports
            if e.both_ways:
                yield d, s, e.ports


# -- Admin-allowed edges ---------------------------------------------------------------------


def test_an_admin_allowed_edge_is_green_and_a_networkpolicy_edge_is_not() -> None:
    graph = netpol.analyze([ANP])
    diagram = build_diagram(graph)
    scrape = edge(diagram, "monitoring/prometheus[Deployment]", "tenant-a")
    assert scrape.dst_box and scrape.admin == (
        "Admin tier: anp/allow-monitoring (priority 10) ingress rule #1 'scrape' Allow",
    )
    assert scrape.admin_ports == scrape.ports == TCP_9090
    assert scrape.label == "every pod · TCP 9090 · Admin"
    assert "anp/allow-monitoring" in scrape.tooltip and "NetworkPolicy cannot block" in scrape.tooltip
    line = dot_line(diagram, scrape)
    assert f'color="{ADMIN_COLOUR}:invis:{ADMIN_COLOUR}"' in line and f'fontcolor="{ADMIN_COLOUR}"' in line

    own = edge(diagram, "tenant-a/frontend[Deployment]", "tenant-a/api[Deployment]")
    assert own.admin == () and not own.admin_some and not own.denied
    assert own.label == "TCP 8080" and "Admin" not in own.tooltip
    assert f'color="{EDGE_COLOURS[EdgeKind.INTRA]}"' in dot_line(diagram, own)
    assert LegendItem.ADMIN in diagram.legend and LegendItem.ADMIN_DENIED not in diagram.legend

    text = mermaid.render(diagram)
    styles = [line for line in text.splitlines() if line.startswith("  linkStyle ")]
    index = str(diagram.edges.index(scrape))
    green = next(line for line in styles if index in line.split()[1].split(","))
    assert f"stroke:{ADMIN_COLOUR}" in green
    assert not any(
        str(diagram.edges.index(own)) in line.split()[1].split(",") and ADMIN_COLOUR in line
        for line in styles
    )


def test_a_cluster_network_policy_marks_the_same_edges() -> None:
    def marked(paths: list[str]) -> set[tuple[str, str, str]]:
        diagram = build_diagram(netpol.analyze(paths))
        return {(e.src, e.dst, str(e.admin_ports)) for e in diagram.edges if e.admin}

    assert marked([ANP]) == marked([CNP]) != set()
    cnp = build_diagram(netpol.analyze([CNP]))
    assert any("cnp/allow-monitoring" in t and t.endswith("Accept") for e in cnp.edges for t in e.admin)


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_marks_are_exact(name: str, level: Level) -> None:
    """Every pair of a marked edge has Admin-tier Allow rules behind it; at workload level each
    pair on exactly the edge's Admin ports, else the edge says "some"; no unmarked edge has one."""
    graph = netpol.analyze(SOURCES[name])
    diagram = build_diagram(graph, level=level)
    assert_exact(graph, diagram)
    assert_complete(graph, diagram)
    for e in diagram.edges:
        found = [admin_ports(graph, s, d) for s, d in _pairs(graph, diagram, e)]
        if e.both_ways:
            found += [admin_ports(graph, d, s) for s, d in _pairs(graph, diagram, e)]
        with_rules = [(ports, rules) for ports, rules in found if ports]
        if not e.admin:
            assert not with_rules, e
            continue
        assert with_rules, e
        assert e.admin_some == (len(with_rules) < len(found)), e
        assert set(e.admin) == set().union(*(rules for _, rules in with_rules))
        union = PortSet.none()
        for ports, _ in with_rules:
            union |= ports
        assert e.admin_ports == union, e
        if level is Level.WORKLOAD:
            assert not e.admin_some and all(ports == e.admin_ports for ports, _ in found), e


def test_blocks_marked_are_those_the_admin_tier_decided() -> None:
    graph = netpol.analyze([ANP, EXTRA])
    for s, d, _ in graph.pairs():
        block = graph.block_between(s, d)
        assert block is not None
        decided = "Admin" in block.decided(Direction.INGRESS) or "Admin" in block.decided(Direction.EGRESS)
        assert bool(admin_ports(graph, s, d)[0]) == decided


def test_namespace_level_says_when_only_some_pairs_are_admin_allowed() -> None:
    graph = some_cluster()
    workload = build_diagram(graph)
    api = edge(workload, "monitoring/prom[Pod]", "a/api[Pod]")
    assert api.admin and api.label == "all · Admin TCP 9090" and "on TCP 9090" in api.tooltip
    prom, web = graph.resolve("monitoring/prom"), graph.resolve("a/web")
    (to_web,) = [e for e in workload.edges if (prom, web) in set(_pairs(graph, workload, e))]
    assert not to_web.admin and to_web.ports.is_all()  # the same ports as api's edge, apart
    namespace = build_diagram(graph, level=Level.NAMESPACE)
    both = edge(namespace, "ns:monitoring", "ns:a")
    assert both.some and both.admin_some and both.admin_ports == TCP_9090
    assert both.label == "some pods · all · Admin (some) TCP 9090"
    assert "some of these connections are allowed on TCP 9090 by a cluster-wide Admin rule" in both.tooltip
    assert "'scrape'" in both.tooltip


def test_without_tier_policies_nothing_is_marked() -> None:
    graph = netpol.analyze([str(ROOT / "policies" / "webshop")])
    diagram = build_diagram(graph)
    assert not any(e.admin or e.denied for e in diagram.edges)
    assert LegendItem.ADMIN not in diagram.legend
    assert "Admin tier" not in html_graph.render(diagram, "<svg></svg>")


# -- --admin-denied --------------------------------------------------------------------------


def assert_denied_exact(graph: AllowGraph, level: Level) -> Diagram:
    """The denied edges stand for exactly the pairs (and ports) :func:`denied_oracle` finds, and
    the allowed edges are those drawn without the option."""
    diagram = build_diagram(graph, level=level, admin_denied=True)
    oracle = denied_oracle(graph)
    assert tuple(e for e in diagram.edges if not e.denied) == build_diagram(graph, level=level).edges
    if level is Level.WORKLOAD:
        # a node of external ranges stands for each of them: every pair is drawn, once
        pairs = list(drawn_denied(graph, diagram))
        assert len(pairs) == len({(s, d) for s, d, _ in pairs})
        assert {(s, d): p for s, d, p in pairs} == oracle
    else:
        for e in diagram.edges:
            if e.denied:
                ends = list(_pairs(graph, diagram, e))
                if e.some:
                    union = PortSet.none()
                    for pair in ends:
                        union |= oracle.get(pair, PortSet.none())
                    assert union == e.ports, e
                else:
                    assert all(oracle.get(pair) == e.ports for pair in ends), e
    assert bool(oracle) == any(e.denied for e in diagram.edges) == (LegendItem.ADMIN_DENIED in diagram.legend)
    return diagram


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_admin_denied_draws_exactly_what_the_admin_tier_denies(name: str, level: Level) -> None:
    graph = netpol.analyze(SOURCES[name])
    diagram = assert_denied_exact(graph, level)
    assert any(e.denied for e in diagram.edges) == ("extra" in name)


_ONE_PORT = """
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: no-8080}
spec:
  priority: 6
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}
  ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {protocol: TCP, port: 8080}}]}]
"""


@pytest.mark.parametrize("level", list(Level))
def test_admin_denied_draws_the_ports_a_deny_takes_from_an_allowed_pair(level: Level) -> None:
    graph = netpol.analyze_text(_SOME.replace("NAME", "scrape") + _ONE_PORT)
    prom, web = graph.resolve("monitoring/prom"), graph.resolve("a/web")
    assert graph.allowed_between(prom, web) == PortSet.all() - PortSet.of("TCP", 8080)
    diagram = assert_denied_exact(graph, level)
    lost = [e for e in diagram.edges if e.denied]
    assert lost and all(e.ports == PortSet.of("TCP", 8080) for e in lost)
    if level is Level.WORKLOAD:
        assert (prom, web) in {(s, d) for s, d, _ in drawn_denied(graph, diagram)}


def test_admin_denied_edges_name_the_deny_rules() -> None:
    graph = netpol.analyze([ANP, EXTRA])
    diagram = build_diagram(graph, admin_denied=True)
    denied = {(e.src, e.dst): e for e in diagram.edges if e.denied}
    into_web = denied[("tenant-a", "tenant-b/web[Deployment]")]
    assert into_web.src_box and into_web.ports == PortSet.of("TCP", 8080)
    assert into_web.label == "Admin denies every pod · TCP 8080"
    assert into_web.admin == ("Admin tier: anp/tenant-b (priority 20) ingress rule #2 'other-tenants' Deny",)
    partner = denied[("tenant-a", "ext:192.0.2.0/24")]
    assert partner.ports.is_all() and "anp/no-partner-net" in partner.tooltip
    assert "NetworkPolicy alone would allow it" in partner.tooltip
    line = dot_line(diagram, into_web)
    assert f'color="{DENIED_COLOUR}"' in line and 'style="dashed"' in line
    assert diagram.title[1].endswith("· 4 denied by the Admin tier")
    assert diagram.connections == build_diagram(graph).connections  # denied ones are not counted


def test_admin_denied_keeps_to_the_filters() -> None:
    graph = netpol.analyze([ANP, EXTRA])
    focused = build_diagram(graph, admin_denied=True, focus="tenant-a/api")
    assert {(e.src, e.dst) for e in focused.edges if e.denied} == {
        ("tenant-a/api[Deployment]", "tenant-b/web[Deployment]"),
        ("tenant-a/api[Deployment]", "ext:192.0.2.0/24"),
    }
    udp = build_diagram(graph, admin_denied=True, port=53, protocol=Protocol.UDP)
    assert {(e.src, e.dst) for e in udp.edges if e.denied} == {("tenant-a", "ext:192.0.2.0/24")}
    assert not any(
        e.denied and e.dst_external
        for e in build_diagram(graph, admin_denied=True, exclude_external=True).edges
    )


def test_the_cli_option() -> None:
    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(main, ["graph", *args, "-o", "mermaid"])
        return result.exit_code, result.stdout, result.stderr

    code, out, err = run(ANP, EXTRA, "--admin-denied")
    assert code == 0 and not err and f"stroke:{DENIED_COLOUR}" in out
    assert '-.->|"Admin denies every pod · TCP 8080"| n_tenant_b_web_Deployment' in out
    assert "Admin denies" not in run(ANP, EXTRA)[1]
    code, out, err = run(str(ROOT / "policies" / "webshop"), "--admin-denied")  # no Admin tier
    assert code == 0 and "no-admin-tier" in err and "Admin denies" not in out


# -- escaping --------------------------------------------------------------------------------

HOSTILE = 'x\\" ] --> |y| <script>&amp;</script>\x1b[31m\u202e'
"""A rule name closing a DOT string, a Mermaid label and an HTML element, with a terminal escape
and a bidi override."""


def _hostile_graph() -> AllowGraph:
    return some_cluster(HOSTILE)


def test_a_hostile_rule_name_is_escaped_in_dot() -> None:
    graph = _hostile_graph()
    diagram = build_diagram(graph)
    api = edge(diagram, "monitoring/prom[Pod]", "a/api[Pod]")
    assert repr(HOSTILE) in api.tooltip
    line = dot_line(diagram, api)
    assert "\x1b" not in line and "\u202e" not in line and "\\x1b" in line
    assert dot.quote(api.tooltip) in line
    tooltip = line.split("tooltip=", 1)[1]
    # the quoted string ends where it should: every inner quote is escaped
    body = tooltip[1 : tooltip.index('", ')]
    assert all(body[i - 1] == "\\" for i, ch in enumerate(body) if ch == '"')


def test_a_hostile_rule_name_never_reaches_mermaid_or_html_raw() -> None:
    graph = _hostile_graph()
    diagram = build_diagram(graph)
    text = mermaid.render(diagram)
    assert "<script>" not in text and "\x1b" not in text and "\u202e" not in text
    page = html_graph.render(diagram, "<svg></svg>")
    assert "<script>&amp;" not in page and "\x1b" not in page and "\u202e" not in page
    assert "&lt;script&gt;&amp;amp;&lt;/script&gt;" in page and "Admin tier" in page


@needs_dot
def test_a_hostile_rule_name_makes_valid_svg() -> None:
    graph = _hostile_graph()
    svg = run_dot(dot.render(build_diagram(graph)), ImageFormat.SVG).decode("utf-8")
    root = ET.fromstring(svg)
    titles = [a for el in root.iter() for k, a in el.attrib.items() if k.endswith("title")]
    # Graphviz reads entities in its strings: the name's "&amp;" shows as "&"; nothing else moves
    assert any("<script>&</script>\\x1b[31m\\u202e" in t and "scrape-api" in t for t in titles)
    assert not any(el.tag.endswith("script") for el in root.iter())


@needs_dot
@pytest.mark.parametrize("args", [[ANP], [ANP, "--level", "namespace"], [ANP, EXTRA, "--admin-denied"]])
def test_images_render(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "t.svg"
    result = CliRunner().invoke(main, ["graph", *args, "-o", "svg", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    svg = out.read_text(encoding="utf-8")
    text = " ".join(ET.fromstring(svg).itertext())
    assert ADMIN_COLOUR in svg and "allowed by a cluster-wide Admin rule" in text
    assert ("Admin denies" in text) == ("--admin-denied" in args)


_GHOST = """
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: ghost}
spec:
  priority: 7
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: ghost}}}}
  egress: [{action: Deny, to: [{pods: {namespaceSelector: {matchLabels: {team: nobody}}, podSelector: {}}}]}]
"""


def test_the_recompiled_graph_has_the_same_endpoints_stand_ins_included() -> None:
    """Stand-ins for what only the Admin tier selects are in ``graph.cluster`` already, so the
    graph without the Admin tier has the same endpoints at the same indexes; the denied module
    matches them by id all the same."""
    from netpol.render.diagram.denied import _node_map

    graph = netpol.analyze_text(_SOME.replace("NAME", "scrape") + _GHOST)
    assert len(graph.stand_ins) >= 2
    other = without_admin(graph)
    n = graph.endpoint_count
    assert other.ids[: other.endpoint_count] == graph.ids[:n]
    assert _node_map(graph, other)[:n] == list(range(n))
    assert_denied_exact(graph, Level.WORKLOAD)
