"""`netpol graph`: the diagram model (exactness, collapsing, filters), its renderers and the CLI.

Golden DOT and Mermaid files are cases in tests/cases/graph/ (test_cases.py; ``pytest
--update-golden`` rewrites them). SVG and PNG are checked by rendering them when Graphviz's ``dot``
exists.
"""

from __future__ import annotations

import re
import shutil
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, needs
from hypothesis import given
from hypothesis import strategies as st
from test_properties import analyze as analyze_docs
from test_properties import budget, clusters

import netpol
from netpol import AllowGraph, PortSet, Protocol
from netpol.cli import graph as graph_cli
from netpol.cli import main
from netpol.core.ipspace import AddressRange
from netpol.errors import GraphvizFailed, UsageError
from netpol.model.cluster import Endpoint
from netpol.render import dot, html_graph, mermaid
from netpol.render.diagram.model import (
    EVERY_POD_ID,
    MAX_READABLE_EDGES,
    ClusterBox,
    Diagram,
    DiagramEdge,
    DiagramNode,
    EdgeKind,
    LegendItem,
    Level,
    NodeStyle,
    build_diagram,
    describe_ranges,
)
from netpol.render.graphviz import ImageFormat, run_dot

EXAMPLES = ["webshop", "e2e-model", "kubectl-dump"]
FIXTURES = ROOT / "tests" / "fixtures" / "graph"
needs_dot = needs("dot", "apt-get install graphviz")


def example(name: str) -> str:
    return str(ROOT / "policies" / name)


def fixture(name: str) -> str:
    return str(FIXTURES / f"{name}.yaml")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def run_bytes(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout_bytes, result.stderr


# -- exactness: what every edge claims is exactly what the allow-graph allows ------------------


def _members(diagram: Diagram, ref: str, box: bool) -> list[str]:
    nodes = {n.id: n for n in diagram.nodes}
    if box:
        found = next(b for b in diagram.boxes if b.name == ref)
        return [m for i in found.node_ids for m in nodes[i].members]
    return list(nodes[ref].members)


def _pairs(graph: AllowGraph, diagram: Diagram, edge: DiagramEdge) -> Iterator[tuple[int, int]]:
    for s in _members(diagram, edge.src, edge.src_box):
        for d in _members(diagram, edge.dst, edge.dst_box):
            if s != d:
                yield graph.resolve(s), graph.resolve(d)


def _box_is_whole(graph: AllowGraph, box: ClusterBox, diagram: Diagram) -> None:
    """A box an edge stands for holds every endpoint of its namespace (every address, outside)."""
    assert box.complete
    members = set(_members(diagram, box.name, True))
    if box.external:
        assert members == {n.id for n in graph.nodes[graph.endpoint_count :]}
    else:
        assert members == {e.id for e in graph.cluster.endpoints if e.namespace == box.name}


def assert_exact(graph: AllowGraph, diagram: Diagram) -> None:
    """No edge claims a connection that is not allowed, on exactly the ports it names."""
    boxes = {b.name: b for b in diagram.boxes}
    for edge in diagram.edges:
        pairs = list(_pairs(graph, diagram, edge))
        assert pairs, edge
        for ref, is_box in ((edge.src, edge.src_box), (edge.dst, edge.dst_box)):
            if is_box:
                _box_is_whole(graph, boxes[ref], diagram)
        if edge.some:
            union = PortSet()
            for s, d in pairs:
                union |= graph.allowed_between(s, d)
            assert edge.ports and edge.ports.issubset(union), edge
            assert any(graph.allowed_between(s, d) for s, d in pairs), edge
        else:
            for s, d in pairs:
                assert graph.allowed_between(s, d) == edge.ports, (edge, graph.nodes[s].id, graph.nodes[d].id)
        if edge.src == EVERY_POD_ID or edge.dst == EVERY_POD_ID:
            every = diagram.node(EVERY_POD_ID)
            assert set(every.members) == {e.id for e in graph.cluster.endpoints}
    for box in diagram.boxes:
        if box.internal is not None:
            _box_is_whole(graph, box, diagram)
            ids = [graph.resolve(m) for m in _members(diagram, box.name, True)]
            for s in ids:
                for d in ids:
                    if s != d:
                        assert graph.allowed_between(s, d) == box.internal


def covered(graph: AllowGraph, diagram: Diagram) -> set[tuple[int, int]]:
    """Every (source, destination) some edge or box title stands for."""
    out = {p for e in diagram.edges for p in _pairs(graph, diagram, e)}
    out |= {(d, s) for e in diagram.edges if e.both_ways for s, d in _pairs(graph, diagram, e)}
    for box in diagram.boxes:
        if box.internal is not None:
            ids = [graph.resolve(m) for m in _members(diagram, box.name, True)]
            out |= {(s, d) for s in ids for d in ids if s != d}
    for node in diagram.nodes:  # namespace level: "within: ..." in the node's label
        if node.namespace_node and any(line.startswith("within: ") for line in node.label):
            ids = [graph.resolve(m) for m in node.members]
            out |= {(s, d) for s in ids for d in ids if s != d}
    return out


def kept_pairs(
    graph: AllowGraph,
    *,
    focus: str | None = None,
    namespace: str | None = None,
    port: int | str | None = None,
    protocol: Protocol | None = None,
    exclude_external: bool = False,
) -> set[tuple[int, int]]:
    """The allowed pairs the filters keep, computed naively from ``AllowGraph.pairs``; a port
    name is looked up on the destination, as ``netpol query --port`` does."""
    n = graph.endpoint_count
    f = graph.resolve(focus) if focus is not None else None

    def ns_of(i: int) -> str | None:
        node = graph.nodes[i]
        return node.namespace if isinstance(node, Endpoint) else None

    out = set()
    for s, d, ports in graph.pairs():
        if exclude_external and (s >= n or d >= n):
            continue
        if f is not None and f not in (s, d):
            continue
        if namespace is not None and namespace not in (ns_of(s), ns_of(d)):
            continue
        proto = protocol or Protocol.TCP
        if isinstance(port, int) and not ports.allows(proto, port):
            continue
        if isinstance(port, str) and isinstance(dst := graph.nodes[d], Endpoint) and dst.stand_in:
            # a stand-in declares no ports: its port of that name has an unknown number, which
            # every port of the protocol covers (or a rule naming it)
            if not ports.allows(proto, port):
                continue
        elif isinstance(port, str):
            dst = graph.nodes[d]
            named = (
                [p.port for p in dst.ports if p.name == port and p.protocol is proto]
                if isinstance(dst, Endpoint)
                else []
            )
            if not any(ports.allows(proto, number) for number in named):
                continue
        if port is None and protocol is not None and not ports.ranges(protocol):
            continue
        out.add((s, d))
    return out


def assert_complete(graph: AllowGraph, diagram: Diagram, **filters: object) -> None:
    """Every allowed pair the filters keep is drawn (an external range through its group)."""
    keep = kept_pairs(graph, **filters)  # type: ignore[arg-type]
    missing = keep - covered(graph, diagram)
    assert not missing, [(graph.nodes[s].id, graph.nodes[d].id) for s, d in sorted(missing)][:10]


POLICIES_ONLY = str(ROOT / "tests" / "cases" / "list" / "policies-only" / "policies.yaml")
"""Policies without workloads: every end is a stand-in."""
SOURCES = [example(e) for e in EXAMPLES] + [fixture("collapse"), fixture("open"), POLICIES_ONLY]


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: Path(p).stem)
def test_every_edge_is_exact_and_every_connection_drawn(source: str, level: Level) -> None:
    graph = netpol.analyze([source])
    diagram = build_diagram(graph, level=level)
    assert_exact(graph, diagram)
    assert_complete(graph, diagram)
    assert diagram.connections >= len(diagram.edges)


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize(
    ("source", "filters"),
    [
        (example("webshop"), {"focus": "shop/api"}),
        (example("webshop"), {"focus": "203.0.113.9"}),
        (example("webshop"), {"namespace": "shop"}),
        (example("webshop"), {"namespace": "shop", "port": 5432}),
        (example("webshop"), {"port": 53, "protocol": Protocol.UDP}),
        (example("webshop"), {"port": "http"}),
        (example("webshop"), {"port": "dns", "protocol": Protocol.UDP}),
        (example("kubectl-dump"), {"port": "metrics"}),
        (example("e2e-model"), {"port": "serve-80-udp", "protocol": Protocol.UDP}),
        (example("webshop"), {"protocol": Protocol.UDP}),
        (example("webshop"), {"exclude_external": True}),
        (example("e2e-model"), {"focus": "x/b", "exclude_external": True}),
        (example("e2e-model"), {"namespace": "y", "port": 80, "protocol": Protocol.SCTP}),
        (example("kubectl-dump"), {"namespace": "support-prod"}),
        (fixture("collapse"), {"focus": "c/c1"}),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else Path(v).stem,
)
def test_filters_keep_exactly_the_matching_connections(
    source: str, filters: dict[str, object], level: Level
) -> None:
    graph = netpol.analyze([source])
    diagram = build_diagram(graph, level=level, **filters)  # type: ignore[arg-type]
    assert_exact(graph, diagram)
    assert_complete(graph, diagram, **filters)
    drawn = covered(graph, diagram)
    if level is Level.WORKLOAD:
        assert drawn <= kept_pairs(graph, **filters)  # type: ignore[arg-type]
    port, protocol = filters.get("port"), filters.get("protocol") or Protocol.TCP
    if isinstance(port, int):
        assert isinstance(protocol, Protocol | str)
        assert all(e.ports.allows(protocol, port) for e in diagram.edges if not e.some)


@budget(60)
@given(docs=clusters(), level=st.sampled_from(list(Level)), data=st.data())
def test_random_clusters_draw_exactly_what_is_allowed(
    docs: list[dict[str, object]], level: Level, data: st.DataObject
) -> None:
    graph = analyze_docs(docs)
    filters: dict[str, object] = {}
    ids = [e.id for e in graph.cluster.endpoints]
    if ids and bool(data.draw(st.booleans(), "focus?")):
        filters["focus"] = data.draw(st.sampled_from(ids), "focus")
    if data.draw(st.booleans(), "port?"):
        filters["port"] = data.draw(st.sampled_from([53, 80, 443, 5432]), "port")
    filters["exclude_external"] = data.draw(st.booleans(), "exclude_external")
    diagram = build_diagram(graph, level=level, **filters)  # type: ignore[arg-type]
    assert_exact(graph, diagram)
    assert_complete(graph, diagram, **filters)


@budget(60)
@given(docs=clusters())
def test_namespace_level_says_every_pod_exactly_when_every_pair_is_allowed_alike(
    docs: list[dict[str, object]],
) -> None:
    """An edge says "every pod" (it is not ``some``), and a node "within: every pod", whenever
    every pair it stands for is allowed on its ports, and "some pods" otherwise."""
    graph = analyze_docs(docs)
    diagram = build_diagram(graph, level=Level.NAMESPACE)
    for edge in diagram.edges:
        alike = all(graph.allowed_between(s, d) == edge.ports for s, d in _pairs(graph, diagram, edge))
        assert edge.some is not alike, edge
    for node in diagram.nodes:
        within = [line for line in node.label if line.startswith("within: ")]
        if within:
            ids = [graph.resolve(m) for m in node.members]
            ports = {graph.allowed_between(s, d) for s in ids for d in ids if s != d}
            assert within[0].startswith("within: every pod") is (len(ports) == 1), (node, ports)


# -- what the collapsing draws -------------------------------------------------------------------


def edges_of(diagram: Diagram) -> set[tuple[str, str, str]]:
    return {(e.src, e.dst, e.label) for e in diagram.edges}


def test_identical_fan_in_fan_out_and_mesh_are_one_edge_each() -> None:
    diagram = build_diagram(netpol.analyze([fixture("collapse")]))
    assert edges_of(diagram) == {
        ("a", "b", "every pod -> every pod · TCP 80"),
        ("a", "ext:10.0.0.0/8", "every pod · TCP 443"),
        ("b", "c/c1[Pod]", "every pod · UDP 53"),
        ("c/c1[Pod]", "a", "every pod · TCP 8080"),
    }
    assert diagram.connections == 20
    box_a = next(b for b in diagram.boxes if b.name == "a")
    assert box_a.internal == PortSet.of("TCP", 9000)
    assert box_a.label[-1] == "pods reach each other · TCP 9000"
    assert all(e.collapsed for e in diagram.edges)


def test_a_cluster_without_policies_is_one_loop_and_one_edge_out() -> None:
    diagram = build_diagram(netpol.analyze([fixture("open")]))
    assert edges_of(diagram) == {
        (EVERY_POD_ID, EVERY_POD_ID, "pods reach each other · all"),
        (EVERY_POD_ID, "ext:0.0.0.0/0", "all"),
    }
    out = next(e for e in diagram.edges if e.dst != EVERY_POD_ID)
    assert out.both_ways and out.kind is EdgeKind.EXTERNAL
    assert diagram.node("ext:0.0.0.0/0").label == ("any address", "0.0.0.0/0, ::/0")
    assert all(n.style is NodeStyle.UNPROTECTED for n in diagram.nodes if n.box in ("x", "y"))


def test_webshop_reads_as_the_policies_say() -> None:
    diagram = build_diagram(netpol.analyze([example("webshop")]))
    labels = edges_of(diagram)
    assert ("shop/frontend[Deployment]", "shop/api[Deployment]", "TCP 8080") in labels
    assert ("shop/api[Deployment]", "shop/db[StatefulSet]", "TCP 5432") in labels
    assert ("shop", "kube-system/kube-dns[Deployment]", "every pod · TCP 53; UDP 53") in labels
    assert ("(outside)", "shop/frontend[Deployment]", "every address · TCP 8080") in labels
    kinds = {(e.src, e.dst): e.kind for e in diagram.edges}
    assert kinds[("shop/api[Deployment]", "shop/db[StatefulSet]")] is EdgeKind.INTRA
    assert kinds[("shop/api[Deployment]", "payments/gateway[Deployment]")] is EdgeKind.CROSS
    assert kinds[("payments/gateway[Deployment]", "ext:203.0.113.0/25")] is EdgeKind.EXTERNAL
    unprotected = {n.id for n in diagram.nodes if n.style is NodeStyle.UNPROTECTED}
    assert unprotected == {"kube-system/kube-dns[Deployment]", "monitoring/prometheus[Deployment]"}
    assert diagram.node("ext:0.0.0.0-203.0.112.255").label == ("0.0.0.0/0 except 203.0.113.0/25", "::/0")
    assert LegendItem.UNPROTECTED in diagram.legend and LegendItem.SOME not in diagram.legend


def test_namespace_level_says_some_or_every_pod() -> None:
    diagram = build_diagram(netpol.analyze([example("webshop")]), level=Level.NAMESPACE)
    labels = edges_of(diagram)
    assert ("ns:shop", "ns:kube-system", "every pod · TCP 53; UDP 53") in labels
    assert ("ns:shop", "ns:payments", "some pods · TCP 8443") in labels
    assert ("ns:monitoring", "ns:shop", "some pods · TCP 8080,9090") in labels
    assert diagram.node("ns:shop").label == ("shop", "3 workloads", "within: some pods · TCP 5432,8080")
    some = next(e for e in diagram.edges if e.src == "ns:shop" and e.dst == "ns:payments")
    assert some.some and not some.collapsed


def test_focus_marks_the_endpoint_and_keeps_its_peers() -> None:
    graph = netpol.analyze([example("webshop")])
    diagram = build_diagram(graph, focus="shop/api")
    assert [n.id for n in diagram.nodes if n.focus] == ["shop/api[Deployment]"]
    assert all("shop/api[Deployment]" in (e.src, e.dst) for e in diagram.edges)
    assert diagram.title[-1] == "only: focus shop/api[Deployment]"
    with pytest.raises(UsageError, match="unknown endpoint"):
        build_diagram(graph, focus="shop/nope")


def test_a_partial_namespace_box_says_so_and_is_never_collapsed_into() -> None:
    diagram = build_diagram(netpol.analyze([example("e2e-model")]), focus="x/a")
    for box in diagram.boxes:
        if not box.complete and not box.external:
            assert re.fullmatch(r"\(\d+ of \d+ shown\)", box.label[1])
    assert not any(
        (e.src_box and not _box(diagram, e.src).complete) or (e.dst_box and not _box(diagram, e.dst).complete)
        for e in diagram.edges
    )


def _box(diagram: Diagram, name: str) -> ClusterBox:
    return next(b for b in diagram.boxes if b.name == name)


def test_warnings_for_an_unknown_namespace_and_no_connection() -> None:
    graph = netpol.analyze([example("webshop")])
    codes = {d.code for d in build_diagram(graph, namespace="nope").diagnostics}
    assert codes == {"unknown-namespace", "no-connections"}
    assert build_diagram(graph, namespace="payments", port=1).edges == ()


def test_input_order_never_changes_the_drawing() -> None:
    files = sorted(str(p) for p in (ROOT / "policies" / "webshop").glob("*.yaml"))
    forward = dot.render(build_diagram(netpol.analyze(files)))
    backward = dot.render(build_diagram(netpol.analyze(files[::-1])))
    assert forward == backward


def test_describe_ranges() -> None:
    top = (1 << 32) - 1

    def r(lo: str, hi: str) -> AddressRange:
        import ipaddress

        return AddressRange(4, int(ipaddress.IPv4Address(lo)), int(ipaddress.IPv4Address(hi)))

    assert describe_ranges([AddressRange(4, 0, top), AddressRange(6, 0, (1 << 128) - 1)]) == (
        "any address",
        "0.0.0.0/0, ::/0",
    )
    assert describe_ranges([r("192.168.2.0", "192.168.2.2"), r("192.168.2.4", "192.168.2.255")]) == (
        "192.168.2.0/24 except 192.168.2.3",
    )
    assert describe_ranges([r("10.0.0.0", "10.0.0.255"), r("10.0.2.0", "10.0.2.255")]) == (
        "10.0.0.0/24",
        "10.0.2.0/24",
    )
    many = [r(f"10.0.{i}.0", f"10.0.{i}.0") for i in range(0, 20, 2)]
    assert describe_ranges(many)[-1] == "... 5 more"


# -- renderers -----------------------------------------------------------------------------------


def test_dot_quoting() -> None:
    assert dot.quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert dot.quote("ends with \\") == '"ends with \\\\"'  # the closing quote stays a quote
    # Hidden characters are shown (\x1b), their backslash doubled like any other.
    assert dot.quote("bell\x07 esc\x1b[31m") == '"bell\\\\x07 esc\\\\x1b[31m"'
    assert dot.html_text("<a & b>") == "&lt;a &amp; b&gt;"
    assert dot.html_text('say "hi"\n\x00') == "say &quot;hi&quot;\\n\\x00"
    assert mermaid.escape('say "hi" <b> #1 | x') == "say #quot;hi#quot; #lt;b#gt; #35;1 #124; x"


def _synthetic(n_edges: int) -> Diagram:
    nodes = tuple(
        DiagramNode(
            f"ns/p{i}[Pod]", (f"p{i}", "Pod"), NodeStyle.ENDPOINT, box="ns", members=(f"ns/p{i}[Pod]",)
        )
        for i in range(40)
    )
    edges = tuple(
        DiagramEdge(
            nodes[i % 40].id,
            nodes[(i * 7 + 1) % 40].id,
            PortSet.of("TCP", i + 1),
            EdgeKind.INTRA,
            f"TCP {i + 1}",
        )
        for i in range(n_edges)
    )
    box = ClusterBox("ns", ("ns",), tuple(n.id for n in nodes), True)
    return Diagram(Level.WORKLOAD, ("t",), (box,), nodes, edges, (LegendItem.UNLABELLED,), n_edges)


def test_too_many_edges_move_ports_to_tooltips() -> None:
    sparse, dense = _synthetic(10), _synthetic(MAX_READABLE_EDGES + 1)
    assert not sparse.dense and dense.dense and dense.too_large
    assert 'label="TCP 1"' in dot.render(sparse)
    text = dot.render(dense)
    assert 'label="TCP 1"' not in text and 'tooltip="' in text
    assert '|"TCP 1"|' not in mermaid.render(dense)


def test_dense_namespace_level_is_laid_out_force_directed() -> None:
    graph = netpol.analyze([example("e2e-model")])
    diagram = build_diagram(graph, level=Level.NAMESPACE)
    assert "layout=sfdp" not in dot.render(diagram)
    many = Diagram(Level.NAMESPACE, ("t",), (), _synthetic(0).nodes, _synthetic(300).edges, (), 300)
    assert "layout=sfdp" in dot.render(many)


_QUOTED = r"\"[^\"]*\""
_ROUND, _HEXAGON, _SQUARE = rf"\({_QUOTED}\)", rf"\{{\{{{_QUOTED}\}}\}}", rf"\[{_QUOTED}\]"
_FLAG = rf">{_QUOTED}\]"  # a stand-in
_MERMAID_LINE = re.compile(
    "|".join(
        [
            r"%% .*",
            r"flowchart TB",
            r"  subgraph [A-Za-z0-9_]+\[\"[^\"]*\"\]",
            rf"    [A-Za-z0-9_]+({_ROUND}|{_HEXAGON}|{_SQUARE}|{_FLAG})",
            rf"  [A-Za-z0-9_]+({_ROUND}|{_HEXAGON}|\({_SQUARE}\)|\[{_SQUARE}\]|{_FLAG})",
            r"  [A-Za-z0-9_]+ (-->|<-->|==>|<==>|-\.->|<-\.->)(\|\"[^\"|]*\"\|)? [A-Za-z0-9_]+",
            r"  end",
            r"  classDef [a-z_]+ [a-z-]+:[^ ]+( [0-9]+)?",
            r"  class [A-Za-z0-9_,]+ [a-z_]+",
            r"  style [A-Za-z0-9_]+ [^ ]+( [0-9]+)?",
            r"  linkStyle [0-9,]+ [^ ]+",
        ]
    )
)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: Path(p).stem)
def test_mermaid_is_well_formed(source: str) -> None:
    diagram = build_diagram(netpol.analyze([source]))
    text = mermaid.render(diagram)
    for line in text.splitlines():
        assert _MERMAID_LINE.fullmatch(line), line
    ids = re.findall(r"^\s+([A-Za-z0-9_]+)[\[({>]", text, re.M)
    assert len(ids) == len(set(ids)), "node and subgraph ids are unique"
    assert not any(i in ("end", "graph", "subgraph") or i[0] in "ox" for i in ids)
    styled = [
        int(k)
        for line in text.splitlines()
        if line.startswith("  linkStyle ")
        for k in line.split()[1].split(",")
    ]
    assert sorted(styled) == list(range(len(diagram.edges)))


# -- the command line ----------------------------------------------------------------------------


def test_default_output_is_dot_on_stdout_and_out_writes_a_file(tmp_path: Path) -> None:
    code, out, err = run("graph", example("webshop"))
    assert code == 0, err
    assert out.startswith("// netpol graph") and "digraph netpol {" in out
    target = tmp_path / "g.mmd"
    code, out2, _ = run("graph", "-f", example("webshop"), "-o", "mermaid", "--out", str(target))
    assert code == 0 and out2 == ""
    assert target.read_text(encoding="utf-8").splitlines()[2] == "flowchart TB"


def test_namespace_option_filters_like_list() -> None:
    code, out, _ = run("graph", example("webshop"), "-n", "payments")
    assert code == 0
    assert 'shop/db[StatefulSet]" ->' not in out and "payments/gateway[Deployment]" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--focus", "shop/nope"), "unknown endpoint 'shop/nope'"),
        (("--port", "70000"), "70000"),
        (("--level", "cluster"), "cluster"),
        (("-o", "jpeg"), "jpeg"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    code, _, err = run("graph", example("webshop"), *args)
    assert code == 2
    assert message in err


def test_png_to_a_terminal_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_cli, "_stdout_is_terminal", lambda: True)
    code, out, err = run("graph", example("webshop"), "-o", "png")
    assert code == 2 and out == ""
    assert "PNG is binary" in err and "--out" in err


@pytest.mark.parametrize("fmt", ["svg", "png", "html"])
def test_missing_graphviz_names_the_package(fmt: str, tmp_path: Path) -> None:
    code, out, err = run("graph", example("webshop"), "-o", fmt, env={"PATH": str(tmp_path)})
    assert code == 2 and out == ""
    assert "apt-get install graphviz" in err and "brew install graphviz" in err
    assert "-o dot" in err


def test_dot_and_mermaid_need_no_graphviz(tmp_path: Path) -> None:
    for fmt in ("dot", "mermaid"):
        code, _, err = run("graph", example("webshop"), "-o", fmt, env={"PATH": str(tmp_path)})
        assert code == 0, err


def test_a_failing_dot_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    false = shutil.which("false")
    if false is None:
        pytest.skip("no false program")
    monkeypatch.setattr("netpol.render.graphviz.find_dot", lambda: false)
    with pytest.raises(GraphvizFailed, match="failed on the DOT text netpol wrote") as caught:
        run_dot("digraph { a -> b }", ImageFormat.SVG)
    assert caught.value.exit_code == 3 and "bug in netpol" in str(caught.value)


def test_a_large_graph_warns_and_suggests(tmp_path: Path) -> None:
    pods = "\n---\n".join(
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ns{i % 4}, "
        f"labels: {{app: p{i}}}}}\nspec: {{containers: [{{name: c, image: x}}]}}"
        for i in range(160)
    )
    source = tmp_path / "big.yaml"
    source.write_text(pods, encoding="utf-8")
    code, out, err = run("graph", str(source))
    assert code == 0 and out
    assert "warning[graph-too-large]" in err
    assert "--level namespace" in err and "--focus" in err
    code, _, err = run("graph", str(source), "--level", "namespace")
    assert code == 0 and "graph-too-large" not in err


# -- SVG, PNG and HTML, through Graphviz ---------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@needs_dot
@pytest.mark.parametrize("level", ["workload", "namespace"])
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: Path(p).stem)
def test_svg_is_valid(source: str, level: str) -> None:
    code, out, err = run("graph", source, "-o", "svg", "--level", level)
    assert code == 0, err
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find(".//{http://www.w3.org/2000/svg}g") is not None


@needs_dot
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: Path(p).stem)
def test_png_is_valid(source: str, tmp_path: Path) -> None:
    target = tmp_path / "g.png"
    code, _, err = run("graph", source, "-o", "png", "--out", str(target))
    assert code == 0, err
    width, height = _png_size(target.read_bytes())
    assert 100 <= width <= 6000 and 100 <= height <= 6000, (width, height)


@needs_dot
def test_png_to_a_pipe_is_written() -> None:
    code, data, err = run_bytes("graph", example("webshop"), "-o", "png")
    assert code == 0, err
    _png_size(data)


@needs_dot
def test_html_is_one_self_contained_page() -> None:
    code, out, err = run("graph", example("webshop"), "-o", "html")
    assert code == 0, err
    assert out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    assert "<svg" in out and "<?xml" not in out and "<!DOCTYPE svg" not in out
    for fetch in ("<script src", "<link", "@import", "url(", 'src="http', 'href="http', 'xlink:href="http'):
        assert fetch not in out, fetch
    svg = out[out.index("<svg") : out.index("</svg>") + len("</svg>")]
    assert ET.fromstring(svg.encode("utf-8")).tag.endswith("svg")
    assert "shop/api[Deployment]" in out  # the table of edges


def test_html_wrapping_drops_the_prolog() -> None:
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<!-- by graphviz -->\n'
        '<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>\n'
    )
    assert html_graph.inline_svg(svg) == '<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>'
    page = html_graph.render(build_diagram(netpol.analyze([fixture("collapse")])), svg)
    assert "http://www.w3.org/Graphics" not in page


@needs_dot
def test_namespace_level_of_a_big_cluster_renders_in_seconds(tmp_path: Path) -> None:
    import importlib
    import time

    generate = importlib.import_module("bench.generate").main
    manifest = tmp_path / "m.yaml"
    generate(
        [
            "--pods",
            "2000",
            "--workloads",
            "200",
            "--policies",
            "400",
            "--namespaces",
            "20",
            "--seed",
            "1",
            "--format",
            "manifests",
            "--out",
            str(manifest),
        ]
    )
    start = time.perf_counter()
    code, out, err = run("graph", str(manifest), "--level", "namespace", "-o", "svg")
    assert code == 0, err
    assert time.perf_counter() - start < 30
    assert ET.fromstring(out.encode("utf-8")).tag.endswith("svg")
