"""Diagrams at Graphviz's limits: long lists, hostile text, failures, colliding labels, --port names.

Graphviz's scanner reads a quoted string or an HTML-like label as one token of at most 16,383
bytes; the DOT renderer keeps every token under :data:`netpol.render.dot.MAX_TOKEN_BYTES`, and the
diagram model shortens long lists for people ("… and 380 more"). A ``dot`` that fails on netpol's
DOT is netpol's bug: exit code 3, and a note in the HTML report, never Graphviz's raw message.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, long_profile, needs
from hypothesis import given
from hypothesis import strategies as st

import netpol
from netpol.cli import main
from netpol.core.ports import PortSet, Protocol
from netpol.errors import UsageError
from netpol.render import dot, drawing
from netpol.render.diagram.model import Level, build_diagram, listing, port_text
from netpol.render.graphviz import ImageFormat, layout, run_dot

needs_dot = needs("dot", "apt-get install graphviz")
WEBSHOP = str(ROOT / "policies" / "webshop")

# A DOT token: a double-quoted string (escapes inside) or an HTML-like label (nested <>).
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def html_tokens(text: str) -> list[str]:
    """Every ``<...>`` label of a DOT text, by counting angle brackets outside quoted strings."""
    tokens, depth, start = [], 0, 0
    stripped = _QUOTED.sub(lambda m: " " * len(m.group()), text)
    for i, ch in enumerate(stripped):
        if ch == "<":
            depth, start = depth + 1, start if depth else i
        elif ch == ">" and depth:
            depth -= 1
            if not depth:
                tokens.append(text[start : i + 1])
    return tokens


def assert_tokens_bounded(text: str) -> None:
    for token in [*_QUOTED.findall(text), *html_tokens(text)]:
        assert len(token.encode()) <= dot.MAX_TOKEN_BYTES, token[:80]


def big_namespace(tmp_path: Path, workloads: int = 400) -> Path:
    """One namespace of ``workloads`` Deployments with long names, reached by one client."""
    docs = [
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: big}",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: small}",
    ]
    docs += [
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: service-with-a-long-name-{i:04d}, "
        f"namespace: big}}\nspec:\n  selector: {{matchLabels: {{app: s{i}}}}}\n  template:\n"
        f"    metadata: {{labels: {{app: s{i}, tier: back}}}}\n    spec:\n      containers:\n"
        f"      - {{name: c, image: x, ports: [{{containerPort: 8080, name: http}}]}}"
        for i in range(workloads)
    ]
    docs.append(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: small, labels: "
        "{app: client}}\nspec: {containers: [{name: c, image: x}]}"
    )
    docs.append(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: only-small, "
        "namespace: big}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n"
        "    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: small}}\n"
        "    ports: [{port: http}]"
    )
    path = tmp_path / "big.yaml"
    path.write_text("\n---\n".join(docs) + "\n", encoding="utf-8")
    return path


def many_ports(tmp_path: Path) -> Path:
    """A policy allowing 3,000 single ports from 600 holes' worth of address ranges."""
    ports = "".join(f"    - port: {p}\n" for p in range(1, 6001, 2))
    excepts = "".join(f"        - 10.{i // 250}.{i % 250}.0/24\n" for i in range(600))
    path = tmp_path / "ports.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: n1, labels: {app: a}}\n"
        "spec: {containers: [{name: c, image: x}]}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: n2, labels: {app: b}}\n"
        "spec: {containers: [{name: c, image: x}]}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: many, "
        "namespace: n1}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n"
        "    - namespaceSelector: {}\n    - ipBlock:\n        cidr: 10.0.0.0/8\n        except:\n"
        f"{excepts}    ports:\n{ports}",
        encoding="utf-8",
    )
    return path


# -- long lists ----------------------------------------------------------------------------------


def test_lists_are_cut_for_people() -> None:
    assert listing(["a", "b"]) == "a, b"
    assert listing([str(i) for i in range(400)], 20).endswith("19 … and 380 more")
    odd = PortSet.from_mapping({Protocol.TCP: [(p, p) for p in range(1, 100, 2)], Protocol.UDP: [(53, 53)]})
    assert port_text(odd, 3) == "TCP 1,3,5 … and 47 more; UDP 53"
    assert port_text(PortSet.all(), 3) == "all" and port_text(PortSet.none()) == "none"


def test_a_namespace_of_400_workloads_is_described_within_bounds(tmp_path: Path) -> None:
    code, out, err = run("graph", str(big_namespace(tmp_path)), "--level", "namespace")
    assert code == 0, err
    assert_tokens_bounded(out)
    assert "… and 380 more" in out  # the namespace's tooltip names 20 of its 400 workloads


@needs_dot
@pytest.mark.parametrize("level", list(Level))
def test_a_namespace_of_400_workloads_renders(tmp_path: Path, level: Level) -> None:
    code, out, err = run("graph", str(big_namespace(tmp_path)), "--level", level.value, "-o", "svg")
    assert code == 0, err
    assert ET.fromstring(out.encode()).tag.endswith("svg")


@needs_dot
def test_thousands_of_ports_and_ranges_render(tmp_path: Path) -> None:
    source = str(many_ports(tmp_path))
    for level in Level:
        code, out, err = run("graph", source, "--level", level.value)
        assert code == 0, err
        assert_tokens_bounded(out)
        assert "more" in out
        code, _, err = run("graph", source, "--level", level.value, "-o", "svg")
        assert code == 0, err
    assert "TCP 1,3,5,7,9,11,13,15 … and 2992 more" in run("graph", source)[1]


# -- hostile text --------------------------------------------------------------------------------


@given(st.text())
def test_quoted_strings_stay_strings(text: str) -> None:
    quoted = dot.quote(text)
    body = quoted[1:-1]
    assert quoted[0] == quoted[-1] == '"'
    assert re.fullmatch(r'(?:[^"\\]|\\.)*', body, re.DOTALL), "no unescaped quote, no lone \\"
    assert not any(ch in body for ch in "\n\r\x00\x1b\u2028\u202e"), "hidden characters shown"
    body.encode()  # lone surrogates are shown as escapes too
    assert len(body.encode()) <= dot.MAX_TOKEN_BYTES


@given(st.text())
def test_html_text_is_text(text: str) -> None:
    out = dot.html_text(text)
    assert not set(out) & set('<>"\n\r\x00\x1b')
    assert re.fullmatch(r"(?:[^&]|&(?:amp|lt|gt|quot);)*", out)


@pytest.mark.parametrize("size", [10, 20_000, *([100_000] if long_profile() else [])])
def test_long_strings_are_cut_under_the_bound(size: int) -> None:
    # 10 characters fit both bounds; 20,000 of any of these exceed both (the larger, MAX_TOKEN_BYTES,
    # is 16,000 bytes), so both cut. The long profile adds 100,000, which crosses no other bound and
    # takes seconds under coverage (the cut prices every character).
    for text in ("x" * size, "é" * size, "\\" * size, '"' * size, "\x1b" * size):
        assert len(dot.quote(text).encode()) <= dot.MAX_TOKEN_BYTES
        assert len(dot.html_text(text).encode()) <= dot.MAX_LABEL_BYTES
        if len(text) > 5_000:
            assert dot.quote(text).endswith('…"')
    long_ids = ["n/" + "a" * 3000 + "b", "n/" + "a" * 3000 + "c"]
    assert len({dot.ident(i) for i in long_ids}) == 2
    assert all(len(dot.ident(i)) < 1_100 for i in long_ids)


@needs_dot
def test_dot_reads_every_hostile_string() -> None:
    hostile = [
        'a"b',
        "trailing\\",
        "\\",
        "\\N \\G \\E \\L",
        "new\nline",
        "esc\x1b[31m",
        "nul\x00",
        "<b>&amp;</b>",
        "\ud800 lone",
        "bidi \u202e",
        "x" * 40_000,
        "é" * 20_000,
        "]]> --> <!--",
    ]
    stmts = [
        f"n{i} [label={dot.quote(t, dot.MAX_LABEL_BYTES)}, tooltip={dot.quote(t)}, "
        f"xlabel=<{dot.html_text(t)}>];"
        for i, t in enumerate(hostile)
    ]
    text = "digraph {\n" + "\n".join(stmts) + "\n}\n"
    svg = run_dot(text, ImageFormat.SVG)
    ET.fromstring(svg)  # and the SVG is well-formed XML


# -- failures ------------------------------------------------------------------------------------


@pytest.fixture
def failing_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``dot`` that fails the way Graphviz does on input it cannot read."""
    fake = tmp_path / "dot"
    fake.write_text(
        "#!/bin/sh\necho 'Error: <stdin>: syntax error in line 6 scanning a quoted "
        "string (missing endquote? longer than 16384?)' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setattr("netpol.render.graphviz.find_dot", lambda: str(fake))
    return str(fake)


@pytest.mark.parametrize("fmt", ["svg", "png", "html"])
def test_a_graphviz_failure_is_an_internal_error(failing_dot: str, fmt: str, tmp_path: Path) -> None:
    code, _, err = run("graph", WEBSHOP, "-o", fmt, "--out", str(tmp_path / f"g.{fmt}"))
    assert code == 3, err
    assert err.startswith("internal error: ") and "bug in netpol" in err and "-o dot" in err
    assert "Traceback" not in err and not (tmp_path / f"g.{fmt}").exists()


def test_the_report_notes_a_diagram_graphviz_failed_on(failing_dot: str, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    code, _, err = run("report", WEBSHOP, "-o", "html", "--out", str(page))
    assert code == 0, err
    assert "warning[diagram-failed]: 5 of 5 diagrams could not be drawn" in err
    text = page.read_text(encoding="utf-8")
    assert "syntax error" not in text and "16384" not in text and "stdin" not in text
    assert text.count("This diagram could not be drawn") == 5
    assert f"netpol graph {WEBSHOP} -n shop -o dot gives its DOT text" in text
    assert f"netpol graph {WEBSHOP} --level namespace -o dot" in text


# -- labels that collide -------------------------------------------------------------------------


def test_collisions_are_found_in_a_layout() -> None:
    def text(x: float, y: float, width: float, words: str) -> dict[str, object]:
        return {"op": "T", "pt": [x, y], "align": "c", "width": width, "text": words}

    laid_out = {
        "_ldraw_": [{"op": "F", "size": 13.0, "face": "Helvetica"}, text(60, 500, 100, "title")],
        "objects": [{"name": "a", "pos": "100,100", "width": "1", "height": "0.5"}],
        "edges": [
            {dot.NUMBER: "0", "_ldraw_": [{"op": "F", "size": 9.0}, text(300, 200, 60, "TCP 80")]},
            {dot.NUMBER: "2", "_ldraw_": [text(330, 202, 40, "all")]},  # on edge 0's label
            {dot.NUMBER: "1", "_ldraw_": [text(110, 100, 30, "all")]},  # on node a
            {dot.NUMBER: "3", "_ldraw_": [text(600, 200, 30, "TCP 9")]},
        ],
    }
    assert drawing.collisions(laid_out) == {1, 2}
    assert drawing.collisions({"edges": [{"_ldraw_": []}]}) == set()  # not numbered: no claim


@needs_dot
@pytest.mark.parametrize(
    ("source", "namespace"),
    [
        (WEBSHOP, "kube-system"),  # the report's kube-system diagram: "every pod · TCP 53;allDP 53"
        (str(ROOT / "policies" / "e2e-model"), "y"),
        (str(ROOT / "policies" / "kubectl-dump"), None),
    ],
)
def test_drawn_labels_do_not_collide(source: str, namespace: str | None) -> None:
    diagram = build_diagram(netpol.analyze([source]), namespace=namespace)
    xlabels, unlabelled = drawing.place_labels(diagram)
    final = dot.render(diagram, xlabels=xlabels, unlabelled=unlabelled, numbered=True)
    assert drawing.collisions(layout(final)) == set()
    assert len(unlabelled) <= len(diagram.edges) // 5
    if unlabelled:
        assert "no label (too many edges, or no room)" in final


# -- --port takes names --------------------------------------------------------------------------


def test_port_takes_a_name_resolved_on_each_destination() -> None:
    code, out, err = run("graph", WEBSHOP, "--port", "http")
    assert code == 0, err
    assert "only: port TCP http" in out
    assert '"shop/frontend[Deployment]"' in out and "TCP 5432" not in out
    code, out, err = run("graph", WEBSHOP, "--port", "dns", "--protocol", "udp")
    assert code == 0, err
    assert '"kube-system/kube-dns[Deployment]"' in out


@pytest.mark.parametrize(
    ("port", "message"),
    [
        ("-1", "no workload or pod declares a TCP port named '-1'"),
        ("8080x", "no workload or pod declares a TCP port named '8080x'"),
        ("nope", "the input declares dns (UDP), dns-tcp, http"),
        ("0", "--port 0: a port number is from 1 to 65535"),
        ("70000", "--port 70000: a port number is from 1 to 65535"),
    ],
)
def test_a_bad_port_is_a_usage_error(port: str, message: str) -> None:
    code, out, err = run("graph", WEBSHOP, "--port", port)
    assert code == 2 and out == ""
    assert message in err


def test_a_port_name_nobody_declares_is_refused_by_the_library() -> None:
    graph = netpol.analyze([WEBSHOP])
    with pytest.raises(UsageError, match=r"TCP port named 'dns'.*dns \(UDP\)"):
        build_diagram(graph, port="dns")
    assert build_diagram(graph, port="dns", protocol=Protocol.UDP).edges
