"""Stand-ins marked as such in every list and graph output (issue 11): the legend of what each
stands for, the JSON's "stand_ins", ports known by name only, and the drawn shapes. The bytes are
golden cases in tests/cases/{list,graph}/policies-only*/ (test_cases.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from conftest import ROOT, needs

import netpol
from netpol.cli import main
from netpol.core.ports import PortSet, Protocol
from netpol.render import dot, html_graph, mermaid
from netpol.render.diagram.model import LegendItem, Level, build_diagram, port_text
from netpol.render.graphviz import ImageFormat, run_dot

POLICIES_ONLY = str(ROOT / "tests" / "cases" / "list" / "policies-only" / "policies.yaml")
KUBECTL_DUMP = str(ROOT / "policies" / "kubectl-dump")
STAND_INS = {
    "*/{app=db}[StandIn]": "pods with app=db in any namespace",
    "ingress-nginx/*[StandIn]": "any pod in namespace ingress-nginx",
    "payments/{app=api}[StandIn]": "pods with app=api in namespace payments",
    "payments/{app=gateway}[StandIn]": "pods with app=gateway in namespace payments",
    "{team=ledger}/*[StandIn]": "any pod in a namespace with team=ledger",
}
needs_dot = needs("dot", "apt-get install graphviz")
SVG = "{http://www.w3.org/2000/svg}"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


# -- list --------------------------------------------------------------------------------------


def test_json_lists_what_each_stand_in_stands_for() -> None:
    data = json.loads(run("list", POLICIES_ONLY, "-o", "json"))
    assert list(data) == ["connections", "endpoints", "stand_ins"]
    assert {s["id"]: s["stands_for"] for s in data["stand_ins"]} == STAND_INS
    assert {e for e in data["endpoints"] if e.endswith("[StandIn]")} == set(STAND_INS)
    by_id = {s["id"]: s for s in data["stand_ins"]}
    assert by_id["{team=ledger}/*[StandIn]"] | {"id": None, "stands_for": None} == {
        "id": None,
        "stands_for": None,
        "podSelector": "{}",
        "namespace": None,
        "namespaceSelector": "team=ledger",
    }
    assert by_id["payments/{app=api}[StandIn]"]["namespaceSelector"] is None
    gateway = [c for c in data["connections"] if c["dst"] == "payments/{app=gateway}[StandIn]"]
    assert gateway == [
        {
            "src": "ingress-nginx/*[StandIn]",
            "dst": gateway[0]["dst"],
            "ports": {"TCP": [[8443, 8443], "http"]},
        }
    ]


def test_no_stand_ins_no_legend() -> None:
    """A closed world (or an input that holds everything) reads as before: no key, no legend."""
    closed = json.loads(run("list", KUBECTL_DUMP, "--closed-world", "-o", "json"))
    assert list(closed) == ["connections", "endpoints"]
    assert "stand-in" not in run("list", KUBECTL_DUMP, "--closed-world").lower()
    assert "tand-in" not in run("list", KUBECTL_DUMP, "--closed-world", "-o", "md")


def test_text_legend_explains_every_stand_in_in_the_table() -> None:
    out = run("list", POLICIES_ONLY)
    table, legend = out.split("\n\nstand-ins (pods the policies select that the input does not hold):\n")
    assert set(re.findall(r"\S+\[StandIn\]", table)) == set(STAND_INS)
    rows = [re.fullmatch(r"  (\S+) +=( .*)", line) for line in legend.splitlines()]
    assert {m[1]: m[2].strip() for m in rows if m} == STAND_INS and all(rows)
    assert "TCP 8443,port named http (number unknown)" in table


def test_legend_follows_the_namespace_filter() -> None:
    """With -n, the legend explains the stand-ins of the kept connections, in other namespaces too."""
    out = run("list", KUBECTL_DUMP, "-n", "identity-prod")
    assert "ingress-nginx/{app.kubernetes.io/name=ingress-nginx}[StandIn] -> identity-prod/" in out
    assert out.endswith(
        "  ingress-nginx/{app.kubernetes.io/name=ingress-nginx}[StandIn] = pods with "
        "app.kubernetes.io/name=ingress-nginx in namespace ingress-nginx\n"
    )
    data = json.loads(run("list", KUBECTL_DUMP, "-n", "identity-prod", "-o", "json"))
    assert [s["id"] for s in data["stand_ins"]] == [
        "ingress-nginx/{app.kubernetes.io/name=ingress-nginx}[StandIn]"
    ]


def test_markdown_marks_stand_ins_and_lists_them() -> None:
    md = run("list", POLICIES_ONLY, "-o", "md")
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    for row in rows:
        for cell in row.split(" | ")[:2]:
            assert cell.endswith("[StandIn]` *stand-in*") == ("[StandIn]" in cell)
    items = [line for line in md.splitlines() if line.startswith("- `")]
    assert items == [f"- `{i}`: {what}" for i, what in STAND_INS.items()]


def test_csv_keeps_ports_known_by_name_only() -> None:
    rows = list(csv.DictReader(io.StringIO(run("list", POLICIES_ONLY, "-o", "csv"))))
    gateway = [r for r in rows if r["dst"] == "payments/{app=gateway}[StandIn]"]
    assert gateway == [
        {"src": "ingress-nginx/*[StandIn]", "dst": gateway[0]["dst"], "protocol": "TCP", "ports": "8443;http"}
    ]
    only_named = PortSet.from_mapping({}, [(Protocol.UDP, "dns")])
    assert port_text(only_named) == "UDP port named dns (number unknown)"


def test_port_text_keeps_names_beside_a_shortened_list() -> None:
    odd = PortSet.from_mapping({Protocol.TCP: [(p, p) for p in range(1, 40, 2)]}, [(Protocol.TCP, "http")])
    assert port_text(odd, 2) == "TCP 1,3,port named http (number unknown) … and 18 more"
    assert port_text(PortSet.of(Protocol.TCP, 80)) == "TCP 80"


# -- graph -------------------------------------------------------------------------------------


def test_workload_diagram_marks_stand_ins_and_their_namespaces() -> None:
    diagram = build_diagram(netpol.analyze([POLICIES_ONLY]))
    assert {n.id for n in diagram.nodes if n.stand_in} == set(STAND_INS)
    node = diagram.node("payments/{app=gateway}[StandIn]")
    assert node.label == ("{app=gateway}", "stand-in")
    assert (
        node.tooltip
        == "payments/{app=gateway}[StandIn]: stand-in for pods with app=gateway in namespace payments"
    )
    boxes = {b.name: b for b in diagram.boxes}
    assert {name for name, b in boxes.items() if b.stand_in} == {"*", "ingress-nginx", "{team=ledger}"}
    assert boxes["ingress-nginx"].label == ("ingress-nginx", "not in the input")
    assert not boxes["payments"].stand_in, "the policies' own namespace is named by the input"
    assert {LegendItem.STAND_IN, LegendItem.STAND_IN_NAMESPACE} <= set(diagram.legend)
    assert dict(diagram.stand_ins) == STAND_INS
    assert any("port named http (number unknown)" in e.label for e in diagram.edges)


def test_namespace_diagram_counts_stand_ins_apart() -> None:
    diagram = build_diagram(netpol.analyze([KUBECTL_DUMP]), level=Level.NAMESPACE)
    nginx, kube = diagram.node("ns:ingress-nginx"), diagram.node("ns:kube-system")
    assert nginx.stand_in and nginx.label[1:3] == ("1 stand-in", "not in the input")
    assert not kube.stand_in and kube.label[1] == "1 workload"
    assert LegendItem.STAND_IN_NAMESPACE in diagram.legend and LegendItem.STAND_IN not in diagram.legend
    assert dict(diagram.stand_ins) == {
        "ingress-nginx/{app.kubernetes.io/name=ingress-nginx}[StandIn]": "pods with "
        "app.kubernetes.io/name=ingress-nginx in namespace ingress-nginx"
    }


def test_closed_world_diagram_has_no_stand_in() -> None:
    graph = netpol.analyze([KUBECTL_DUMP], options=netpol.Options(stand_ins=False))
    for level in Level:
        diagram = build_diagram(graph, level=level)
        assert not any(n.stand_in for n in diagram.nodes) and not any(b.stand_in for b in diagram.boxes)
        assert diagram.stand_ins == () and LegendItem.STAND_IN_NAMESPACE not in diagram.legend
        assert (
            "standin" not in mermaid.render(diagram)
            and "dashed" not in dot.render(diagram).split("outside")[0]
        )


@pytest.mark.parametrize("level", list(Level))
def test_dot_and_mermaid_draw_stand_ins_dashed(level: Level) -> None:
    diagram = build_diagram(netpol.analyze([POLICIES_ONLY]), level=level)
    text = dot.render(diagram)
    for node in diagram.nodes:
        line = next(line for line in text.splitlines() if line.strip().startswith(dot.ident(node.id) + " ["))
        assert ("dashed" in line) == node.stand_in
        if level is Level.WORKLOAD:
            assert ("shape=note" in line) == node.stand_in
    lines = text.splitlines()
    for box in diagram.boxes:
        at = next(
            i
            for i, line in enumerate(lines)
            if line.strip() == f"subgraph {dot.ident('cluster_' + box.name)} {{"
        )
        assert lines[at + 2].strip().startswith("style=")
        assert ("dashed" in lines[at + 2]) == (box.stand_in or box.external)
    graph_text = mermaid.render(diagram)
    dashed = re.search(r"^  class (\S+) standin$", graph_text, re.M)
    assert dashed is not None
    assert graph_text.count("classDef standin stroke-dasharray:5 5") == 1
    assert "legend_stand_in" + ("_namespace" if level is Level.NAMESPACE else "") in dashed.group(1).split(
        ","
    )


@needs_dot
def test_svg_draws_stand_ins_dashed_and_the_page_lists_them() -> None:
    diagram = build_diagram(netpol.analyze([POLICIES_ONLY]))
    svg = run_dot(dot.render(diagram), ImageFormat.SVG).decode("utf-8")
    root = ET.fromstring(svg)
    dashed = {
        title.text
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "node" and (title := g.find(f"{SVG}title")) is not None
        if any(e.get("stroke-dasharray") for e in g.iter())
    }
    assert dashed == set(STAND_INS)
    page = html_graph.render(diagram, svg)
    assert "<h2>Stand-ins</h2>" in page
    for node_id, what in STAND_INS.items():
        assert f"<tr><td><code>{node_id}</code></td><td>{what}</td></tr>" in page
    no_stand_ins = build_diagram(netpol.analyze([str(ROOT / "policies" / "webshop")]))
    assert "Stand-ins" not in html_graph.render(no_stand_ins, "<svg></svg>")
