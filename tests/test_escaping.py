"""Escaping by output format (netpol/escaping.py), and hostile input through the real commands."""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import itertools
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

import pytest
from click.testing import CliRunner
from conftest import examples, needs
from hypothesis import given, settings
from hypothesis import strategies as st

import netpol
from netpol.cli import main
from netpol.core.escaping import csv_cell, md_code, md_text, mermaid, terminal, xml
from netpol.core.ports import PortSet, Protocol
from netpol.core.selectors import LabelSelector, Operator, Requirement
from netpol.diff.compare import ChangeKind, GraphDiff, PairChange, PolicyChange, PolicyChangeKind, Scope
from netpol.engine.graph import AllowGraph, Connection, compile_graph
from netpol.errors import SNIPPET_WIDTH, Diagnostic, Location, Severity
from netpol.lint import FailOn, lint
from netpol.model.cluster import STAND_IN_KIND, Cluster, Endpoint, Namespace, StandIn
from netpol.render import (
    csv_,
    diff_csv,
    diff_json,
    diff_markdown,
    diff_text,
    dot,
    html_graph,
    json_,
    markdown,
)
from netpol.render import text as text_
from netpol.render.diagram.model import build_diagram
from netpol.render.findings_text import render_json, render_text
from netpol.render.graphviz import ImageFormat, run_dot
from netpol.render.junit import render_junit
from netpol.render.mermaid import render as mermaid_render
from netpol.render.sarif import render_sarif

HIDDEN = [
    "\x00",
    "\x07",
    "\x1b",
    "\r",
    "\x7f",
    "\x85",
    "\x9b",
    "\u061c",
    "\u200b",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2028",
    "\u2029",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\U000e0041",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
]
# XML 1.0, production [2] Char.
XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
some_text = st.text(st.characters(codec=None), max_size=40)


def _hidden(text: str) -> list[str]:
    return [
        ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") and ch not in "\t\n"
    ]


# -- terminal ------------------------------------------------------------------------------------


@pytest.mark.parametrize("ch", HIDDEN)
def test_terminal_shows_hidden_characters_escaped(ch: str) -> None:
    out = terminal(f"a{ch}b")
    assert ch not in out
    assert out.startswith("a\\") and out.endswith("b")


def test_terminal_spells_escapes_as_python_does() -> None:
    assert terminal("\x1b[31mred") == "\\x1b[31mred"
    assert terminal("\u202etxt.exe") == "\\u202etxt.exe"
    assert terminal("\x00") == "\\x00"
    assert terminal("\ud800") == "\\ud800"
    assert terminal("\U000e0041") == "\\U000e0041"
    assert terminal("a\rb") == "a\\rb"


def test_terminal_newlines_only_when_asked() -> None:
    assert terminal("one\ntwo") == "one\\ntwo"
    assert terminal("one\ntwo", newlines=True) == "one\ntwo"
    assert terminal("a\tb") == "a\tb"


def test_terminal_leaves_ordinary_text_alone() -> None:
    for text in ("shop/api[Deployment]", "C:\\manifests\\db.yaml", "ünïcødé → 名前 ✓", "a  b"):
        assert terminal(text) == text


@settings(max_examples=examples(300), deadline=None)
@given(some_text)
def test_terminal_never_passes_a_hidden_character(text: str) -> None:
    out = terminal(text)
    assert _hidden(out) == [] and "\n" not in out
    out.encode("utf-8")  # raises on a lone surrogate


# -- XML -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("ch", ["\x00", "\x01", "\x1b", "\ud800", "\ufffe", "\uffff", "\x0b"])
def test_xml_replaces_what_xml_forbids(ch: str) -> None:
    out = xml(f"a{ch}b")
    assert XML_CHAR.fullmatch(out)
    assert out == f"a{terminal(ch)}b"


@settings(max_examples=examples(300), deadline=None)
@given(some_text)
def test_xml_output_always_parses(text: str) -> None:
    root = ET.Element("testcase", name=xml(text))
    root.text = xml(text)
    doc = ET.tostring(root, encoding="unicode")
    assert XML_CHAR.fullmatch(doc)
    parsed = ET.fromstring(doc)
    assert parsed.get("name") == xml(text)


# -- Markdown ------------------------------------------------------------------------------------


def _span_content(span: str) -> str:
    """The text of a code span, by CommonMark's rules (fence, one stripped space each side)."""
    fence = re.match("`+", span)
    assert fence is not None
    n = len(fence.group())
    assert span.endswith("`" * n) and len(span) >= 2 * n + 1
    inner = span[n:-n]
    assert all(len(run) != n for run in re.findall("`+", inner)), "the span would end early"
    if inner.startswith(" ") and inner.endswith(" ") and inner.strip(" "):
        inner = inner[1:-1]
    return inner


@pytest.mark.parametrize(
    "text", ["plain", "a`b", "a``b", "```", "`", "`start", "end`", " pad ", "x ", "`` `a` ``"]
)
def test_md_code_survives_backticks(text: str) -> None:
    span = md_code(text, table=False)
    assert _span_content(span) == text


def test_md_code_fences() -> None:
    assert md_code("shop/api[Deployment]") == "`shop/api[Deployment]`"
    assert md_code("a`b") == "``a`b``"
    assert md_code("``") == "``` `` ```"
    assert md_code("`x") == "`` `x ``"
    assert md_code("") == ""


def test_md_code_in_a_table_cell() -> None:
    assert md_code("a|b") == "`a\\|b`"
    assert md_code("a|b", table=False) == "`a|b`"
    assert md_code("one\ntwo\r\nthree") == "`one two three`"
    assert (
        md_code("@user <img src=x onerror=alert(1)> </details>")
        == "`@user <img src=x onerror=alert(1)> </details>`"
    )  # literal inside a code span
    assert md_code("\x1b[31m\u202e") == "`\\x1b[31m\\u202e`"


@settings(max_examples=examples(300), deadline=None)
@given(some_text.filter(lambda t: t.strip(" ")))
def test_md_code_is_one_span_on_one_line(text: str) -> None:
    span = md_code(text)
    assert "\n" not in span and "\r" not in span and _hidden(span) == []
    # GitHub's table parser splits a row at every "|" without a backslash right before it, then
    # turns each "\|" into "|".
    assert re.search(r"(?<!\\)\|", span) is None
    expected = terminal(re.sub(r"\r\n|[\r\n\u2028\u2029\x85]", " ", text))
    assert _span_content(span.replace("\\|", "|")) == expected
    assert _span_content(md_code(text, table=False)) == expected


def test_md_text_neutralises_markdown_and_html() -> None:
    assert md_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md_text("</details>") == "&lt;/details&gt;"
    assert md_text("&lt;") == "&amp;lt;"
    assert md_text("*bold* _it_ ~del~ `code` $x$") == "\\*bold\\* \\_it\\_ \\~del\\~ \\`code\\` \\$x\\$"
    assert md_text("a|b") == "a\\|b"
    assert md_text("a\\|b") == "a\\\\\\|b"
    assert md_text("[click](https://evil.example)") == "[click\\](https://evil.example)"
    assert md_text("![img](x) [a][b]") == "![img\\](x) [a\\][b]"
    assert md_text("one\ntwo") == "one two"
    assert md_text("\x1b[31m") == "\\\\x1b[31m"  # the escape's backslash, itself escaped


def test_md_text_breaks_mentions() -> None:
    out = md_text("ping @octocat and @org/team")
    # GitHub's mention pattern: "@" then a letter or digit.
    assert re.search(r"@[A-Za-z0-9]", out) is None
    assert out.replace("\u2060", "") == "ping @octocat and @org/team"


def test_md_text_leaves_ordinary_prose_alone() -> None:
    for text in (
        "policy shop/api-to-internet added",
        "endpoint shop/cache[Deployment] appeared",
        "shop/api-ingress ingress rule #1",
        "TCP 80-90; UDP 53",
    ):
        assert md_text(text) == text


# -- CSV -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil","x")', "-2+3", "+1", "@SUM(A1)", "\tx"])
def test_csv_cell_defuses_formulas(text: str) -> None:
    assert csv_cell(text) == "'" + text


def test_csv_cell_shows_a_leading_carriage_return_instead() -> None:
    assert csv_cell("\rx") == "\\rx"  # shown, so it starts no formula either


@pytest.mark.parametrize(
    "text",
    [
        "shop/api[Deployment]",
        "80-90",
        "10.0.0.0/8",
        "10.0.0.0-10.255.255.255",
        "::/0",
        "2001:db8::/32",
        "fd00::1",
        "TCP",
        "",
        "a=b",
        "policy x added",
    ],
)
def test_csv_cell_keeps_netpol_cells(text: str) -> None:
    assert csv_cell(text) == text


def test_csv_cell_can_be_written_as_utf8() -> None:
    assert csv_cell("a\ud800") == "a\\ud800"


# -- Mermaid -------------------------------------------------------------------------------------


def test_mermaid_label_cannot_end() -> None:
    hostile = 'x"] --> y\nclick x "javascript:alert(1)" %% <b>#`|&'
    out = mermaid(hostile)
    assert not set(out) & set('"<>`|\n')
    assert "#quot;" in out and "#lt;b#gt;" in out and "#35;" in out and "#96;" in out
    assert "#124;" in out and "#amp;" in out and "\\n" in out
    assert mermaid("shop/api[Deployment]") == "shop/api[Deployment]"


# -- diagnostics ---------------------------------------------------------------------------------


def _diag(snippet: str, column: int | None, source: str = "f.yaml", message: str = "bad value") -> str:
    return Diagnostic(
        Severity.ERROR, "invalid", message, Location(source, 1, ("spec",), 3, column, snippet)
    ).format()


def _caret_target(text: str) -> str:
    _, snippet, caret = text.split("\n")
    return snippet[caret.index("^")]


def test_snippet_unchanged_when_it_fits() -> None:
    assert _diag("  podSelector: 3", 16) == (
        "f.yaml:3:16, document 1, spec: error[invalid]: bad value\n"
        "    3 |   podSelector: 3\n"
        "                       ^"
    )


def test_snippet_of_a_long_line_is_cut_around_the_caret() -> None:
    line = "[" * 250_000 + "X" + "]" * 250_000
    text = _diag(line, 250_001)
    body = text.split("\n")[1].removeprefix("    3 | ")
    assert len(body) <= SNIPPET_WIDTH
    assert body.startswith("…") and body.endswith("…")
    assert _caret_target(text) == "X"


def test_snippet_cut_on_the_right_only_near_the_start() -> None:
    text = _diag("key: " + "v" * 500, 1)
    body = text.split("\n")[1].removeprefix("    3 | ")
    assert body.startswith("key: ") and body.endswith("…") and len(body) <= SNIPPET_WIDTH
    assert _caret_target(text) == "k"


def test_snippet_of_binary_bytes_is_escaped_and_caret_follows() -> None:
    line = "\x00\x01\x1b[2J\x1b]0;pwned\x07" * 3 + "X" + "\x9b" * 5
    text = _diag(line, line.index("X") + 1)
    assert _hidden(text.replace("\n", "")) == []
    assert _caret_target(text) == "X"


def test_snippet_escape_under_the_caret() -> None:
    text = _diag("name: a\x1bb", 8)
    assert text.split("\n")[1] == "    3 | name: a\\x1bb"
    assert _caret_target(text) == "\\"


def test_snippet_without_column() -> None:
    text = _diag("x" * 300, None)
    assert text.count("\n") == 1
    assert len(text.split("\n")[1].removeprefix("    3 | ")) == SNIPPET_WIDTH


def test_message_and_source_are_escaped() -> None:
    text = _diag("ok", 1, source="evil\x1b[2J.yaml", message="value \u202eabc\nforged line")
    assert "\x1b" not in text and "\u202e" not in text
    assert text.count("\n") == 2  # the head, the snippet, the caret: nothing forged
    assert text.startswith("evil\\x1b[2J.yaml:3:1")


# -- CSV, XML and Markdown parse back ------------------------------------------------------------


def test_csv_cells_show_hidden_characters() -> None:
    assert csv_cell("a\x1b[31mb\u202e") == "a\\x1b[31mb\\u202e"
    assert csv_cell("-\x1b") == "'-\\x1b"


def test_csv_cells_round_trip_through_the_csv_module() -> None:
    out = io.StringIO()
    cells = ["=1+1", "a,b", 'q"q', "x\ny"]
    csv.writer(out).writerow([csv_cell(c) for c in cells])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "a,b", 'q"q', "x\ny"]


def test_expat_rejects_what_xml_replaces() -> None:
    """The check above is worth something: raw, these characters make the file unparseable."""
    for ch in ("\x01", "\x1b"):
        with pytest.raises(ET.ParseError):
            ET.fromstring(f"<a>{ch}</a>")
        with pytest.raises(expat.ExpatError):
            expat.ParserCreate().Parse(f"<a>{ch}</a>", True)
        expat.ParserCreate().Parse(f"<a>{xml(ch)}</a>", True)


# -- end to end: hostile input through the real commands -----------------------------------------
#
# Names, namespaces and labels are validated as the API server does, so hostile text reaches the
# output through what is not: file names, intent names, exception reasons, the bytes of a broken
# file (in diagnostics), and values that a diagnostic quotes.

needs_dot = needs("dot", "apt-get install graphviz")
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u202e @octocat <img src=x onerror=alert(1)> </details> `x` | y"
# A file name holds anything but "/" and NUL.
HOSTILE_FILE = "evil\x1b[2J`tick`|<b>@octocat\u202e.yaml"
CLUSTER = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-open, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{}]
"""
# A policy name the API server rejects: the diagnostic quotes it.
BAD_NAME = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: "bad\\e[2Jname\\u202e<b>", namespace: shop}
spec: {podSelector: {}}
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "cluster"
    folder.mkdir()
    (folder / HOSTILE_FILE).write_text(CLUSTER)
    (tmp_path / "intent.yaml").write_text(
        f"- name: {json.dumps(HOSTILE)}\n  from: internet\n  to: shop/web\n  port: 80\n  expect: deny\n"
    )
    (tmp_path / "netpol.yaml").write_text(
        f"exceptions:\n  - rule: internet-ingress\n    namespace: shop\n    reason: {json.dumps(HOSTILE)}\n"
    )
    return tmp_path


def _no_raw_controls(text: str) -> None:
    assert _hidden(text.replace("\n", "")) == [], "a control or format character got through"


def _parses_as_xml(text: str) -> ET.Element:
    assert XML_CHAR.fullmatch(text), "a character XML 1.0 forbids"
    parser = expat.ParserCreate()
    parser.Parse(text.encode("utf-8"), True)  # expat, strict about well-formedness
    return ET.fromstring(text)


def test_lint_text_escapes_file_names(hostile: Path) -> None:
    code, out, err = _run("lint", str(hostile / "cluster"))
    assert code == 1, err
    _no_raw_controls(out + err)
    assert terminal(HOSTILE_FILE) in out  # the file header, visible


def test_lint_text_escapes_before_it_paints(hostile: Path) -> None:
    text = render_text(lint(netpol.analyze([str(hostile / "cluster")])), color=True)
    assert "\x1b[1m" in text  # painted...
    for code in ("\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[1m", "\x1b[2m", "\x1b[0m"):
        text = text.replace(code, "")
    _no_raw_controls(text)  # ...and nothing else


def test_diagnostics_on_stderr_are_escaped(hostile: Path) -> None:
    broken = hostile / "cluster" / f"bad-{HOSTILE_FILE}"
    broken.write_text(BAD_NAME)
    code, out, err = _run("list", str(broken), str(hostile / "cluster"))
    assert code == 2
    assert "invalid NetworkPolicy name" in err
    _no_raw_controls(out + err)


def test_binary_file_and_huge_line_in_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "binary.yaml").write_bytes(b"kind: Pod\nname: \x1b[2J\x1b]0;x\x07\x00\x9b\xff\n")
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 500_000 + "\n")
    code, out, err = _run("list", str(tmp_path))
    assert code == 2
    _no_raw_controls(out + err)
    widest = max(len(line) for line in err.splitlines())
    assert widest < 20_000, "a snippet was printed whole"
    snippets = [line for line in err.splitlines() if re.match(r" *\d+ \| ", line)]
    assert snippets and all(len(s.split(" | ", 1)[1]) <= SNIPPET_WIDTH for s in snippets)


def test_check_junit_parses_with_hostile_intent_names(hostile: Path) -> None:
    code, out, err = _run(
        "check", str(hostile / "cluster"), "--expect", str(hostile / "intent.yaml"), "-o", "junit"
    )
    assert code == 1, err
    root = _parses_as_xml(out)
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == [xml(HOSTILE)]


def test_lint_junit_parses_with_hostile_reasons_and_file_names(hostile: Path) -> None:
    code, out, err = _run(
        "lint", str(hostile / "cluster"), "-o", "junit", "--config", str(hostile / "netpol.yaml")
    )
    assert code in (0, 1), err
    root = _parses_as_xml(out)
    skipped = [s.get("message") for s in root.iter("skipped")]
    assert f"suppressed: {xml(HOSTILE)}" in skipped
    files = {case.get("file") for case in root.iter("testcase")} - {None}
    assert files and all("evil%1B%5B2J%60tick%60" in f for f in files if f)  # a URI


def test_check_text_and_json_with_hostile_intent_names(hostile: Path) -> None:
    args = ("check", str(hostile / "cluster"), "--expect", str(hostile / "intent.yaml"))
    _, out, err = _run(*args)
    _no_raw_controls(out + err)
    _, out, _ = _run(*args, "-o", "json")
    assert out.isascii()
    assert json.loads(out)["expectations"][0]["name"] == HOSTILE


def test_report_markdown_keeps_input_as_data(hostile: Path) -> None:
    code, out, err = _run(
        "report", str(hostile / "cluster"), "-o", "md", "--config", str(hostile / "netpol.yaml")
    )
    assert code == 0, err
    _no_raw_controls(out.replace("@\u2060", "@"))  # md_text's own word joiner
    plain = _outside_code_spans(out)
    assert "<b>" not in plain and "&lt;b&gt;" in plain  # the file name, as prose
    assert re.search(r"@[A-Za-z0-9]", plain) is None  # no mention
    assert "`tick`" not in plain
    assert re.search(r"</?(?!details>|summary>|br>)[a-z]", plain) is None, "HTML from input"


def _outside_code_spans(markdown: str) -> str:
    """The Markdown text that is not inside a code span or a fenced block."""
    text = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)


# -- the renderers, given ids that validation would refuse today -------------------------------


HOSTILE_IDS = [
    '=HYPERLINK("http://evil","x")/a[Pod]',
    "-2+3/b[Pod]",
    "@SUM(1)/c[Pod]",
    "ns/\x1b[2J`x`|<img src=x onerror=alert(1)>[Pod]",
    "ns/\u202e@octocat</details>[Pod]",
]


def _connections() -> list[Connection]:
    ports = PortSet.of(Protocol.TCP, 80)
    return [Connection(a, b, ports) for a, b in itertools.pairwise(HOSTILE_IDS)]


def _diff() -> GraphDiff:
    tcp = PortSet.of(Protocol.TCP, 443)
    changes = tuple(
        PairChange(
            a,
            b,
            ChangeKind.ADDED,
            PortSet(),
            tcp,
            tcp,
            PortSet(),
            Scope.CROSS_NAMESPACE,
            (f"policy {a} added",),
            (f"{b} ingress rule #1",),
            (),
        )
        for a, b in itertools.pairwise(HOSTILE_IDS)
    )
    policies = (PolicyChange(HOSTILE_IDS[3], PolicyChangeKind.RENAMED, HOSTILE_IDS[4], 1),)
    return GraphDiff(changes, (HOSTILE_IDS[0],), (HOSTILE_IDS[3],), policies)


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_list_renderers_keep_hostile_ids_as_data() -> None:
    conns = _connections()
    _no_raw_controls(text_.render_connections(conns, HOSTILE_IDS))
    cells = _csv_cells(csv_.render_connections(conns, HOSTILE_IDS))
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    # only the quote added, and hidden characters shown as escapes (as on a terminal)
    assert {terminal(i) for i in HOSTILE_IDS} <= {c.removeprefix("'") for c in cells}
    _markdown_keeps(markdown.render_connections(conns, HOSTILE_IDS), HOSTILE_IDS)
    out = json_.render_connections(conns, HOSTILE_IDS)
    assert out.isascii() and json.loads(out)["endpoints"] == HOSTILE_IDS


def test_diff_renderers_keep_hostile_ids_as_data() -> None:
    diff = _diff()
    _no_raw_controls(diff_text.render_diff(diff))
    cells = _csv_cells(diff_csv.render_diff(diff))
    assert cells and not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    _markdown_keeps(diff_markdown.render_diff(diff), HOSTILE_IDS)
    out = diff_json.render_diff(diff)
    assert out.isascii() and json.loads(out)["endpoints"]["appeared"] == [HOSTILE_IDS[0]]


def _markdown_keeps(markdown_text: str, ids: list[str]) -> None:
    """Every id is a code span of its own, every table row has its table's cells, and nothing
    outside code spans is HTML or a mention."""
    _no_raw_controls(markdown_text.replace("@\u2060", "@"))
    spans = {
        _span_content(m.group().replace("\\|", "|"))
        for m in re.finditer(r"(`+)(?!`).*?(?<!`)\1(?!`)", markdown_text)
    }
    for i in ids:
        assert terminal(i) in spans, f"{i!r} is not a code span of its own"
    plain = _outside_code_spans(markdown_text)
    assert re.search(r"</?(?!details>|summary>|br>)[a-z]", plain) is None, "HTML from input"
    assert re.search(r"@[A-Za-z0-9]", plain) is None, "a mention"
    for table in re.findall(r"(?:^\|.*\n)+", markdown_text, flags=re.M):
        cells = {len(re.findall(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(cells) == 1, f"a row with a cell too many:\n{table}"


def test_findings_renderers_keep_hostile_messages_as_data(hostile: Path) -> None:
    report = lint(netpol.analyze([str(hostile / "cluster")]))
    assert report.findings
    doctored = dataclasses.replace(
        report,
        findings=tuple(
            dataclasses.replace(f, message=HOSTILE, hint=HOSTILE, object=HOSTILE) for f in report.findings
        ),
    )
    _no_raw_controls(render_text(doctored))
    sarif_out = render_sarif(doctored)
    assert sarif_out.isascii()
    for result in json.loads(sarif_out)["runs"][0]["results"]:
        _no_raw_controls(result["message"]["text"])
        assert result["message"]["text"].startswith(terminal(HOSTILE))
    root = _parses_as_xml(render_junit(doctored, fail_on=FailOn.WARNING))
    assert {f.get("message") for f in root.iter("failure")} == {xml(HOSTILE)}
    assert json.loads(render_json(doctored))["findings"][0]["message"] == HOSTILE


def test_mermaid_labels_and_comments_keep_hostile_text_as_data(hostile: Path) -> None:
    diagram = build_diagram(netpol.analyze([str(hostile / "cluster")]))
    doctored = dataclasses.replace(
        diagram,
        title=(*diagram.title, HOSTILE + "\nclick n_x call alert(1)"),
        nodes=tuple(dataclasses.replace(n, label=(HOSTILE, *n.label)) for n in diagram.nodes),
        boxes=tuple(dataclasses.replace(b, label=(HOSTILE,)) for b in diagram.boxes),
        edges=tuple(dataclasses.replace(e, label=HOSTILE) for e in diagram.edges),
    )
    out = mermaid_render(doctored)
    assert out.count(mermaid(HOSTILE)) >= len(diagram.nodes) + len(diagram.boxes)
    _no_raw_controls(out)
    assert not re.search(r"^\s*click\b", out, flags=re.M), "a click directive"
    for line in out.splitlines():
        if line.startswith("%%"):
            continue
        assert line.count('"') % 2 == 0, f"a label that does not end where it should: {line}"
        assert "`" not in line and "<" not in line.replace("<br/>", "").replace("<-", "")


# -- stand-ins: selectors (label values) that validation would refuse today ----------------------


def _hostile_stand_ins() -> dict[str, StandIn]:
    pods = LabelSelector((("app", HOSTILE),))
    namespaces = LabelSelector((), (Requirement("team", Operator.IN, (HOSTILE, "=cmd|x")),))
    return {
        HOSTILE_IDS[3]: StandIn(pods, HOSTILE),
        HOSTILE_IDS[4]: StandIn(pods, None, namespaces),
    }


def test_list_renderers_keep_hostile_stand_ins_as_data() -> None:
    conns, stand_ins = _connections(), _hostile_stand_ins()
    text = text_.render_connections(conns, HOSTILE_IDS, stand_ins)
    _no_raw_controls(text)
    assert all(terminal(str(s)) in text for s in stand_ins.values())
    cells = _csv_cells(csv_.render_connections(conns, HOSTILE_IDS, stand_ins))
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    md = markdown.render_connections(conns, HOSTILE_IDS, stand_ins)
    _markdown_keeps(md, HOSTILE_IDS)
    assert md.count("*stand-in*") == 3 and f"- {md_code(HOSTILE_IDS[3], table=False)}: " in md
    out = json_.render_connections(conns, HOSTILE_IDS, stand_ins)
    assert out.isascii()
    listed = json.loads(out)["stand_ins"]
    assert [s["id"] for s in listed] == HOSTILE_IDS[3:]
    assert [s["stands_for"] for s in listed] == [str(s) for s in stand_ins.values()]
    assert listed[0]["podSelector"] == f"app={HOSTILE}" and listed[0]["namespace"] == HOSTILE


def _hostile_stand_in_graph() -> AllowGraph:
    """A cluster holding a stand-in whose namespace, name and selectors are hostile."""
    stand_in = _hostile_stand_ins()[HOSTILE_IDS[4]]
    namespace = f"{{{stand_in.namespace_selector}}}"
    cluster = Cluster(
        (Namespace("shop", {}, True), Namespace(namespace, {"team": HOSTILE}, False, stand_in=True)),
        (
            Endpoint("shop", "web", "Deployment", {"app": "web"}, ()),
            Endpoint(
                namespace,
                f"{{{stand_in.pod_selector}}}",
                STAND_IN_KIND,
                {"app": HOSTILE},
                (),
                stand_in=stand_in,
            ),
        ),
        (),
    )
    return compile_graph(cluster)


def test_graph_renderers_keep_hostile_stand_ins_as_data() -> None:
    graph = _hostile_stand_in_graph()
    diagram = build_diagram(graph)
    assert any(n.stand_in for n in diagram.nodes) and any(b.stand_in for b in diagram.boxes)
    assert [what for _, what in diagram.stand_ins] == [str(_hostile_stand_ins()[HOSTILE_IDS[4]])]
    out = mermaid_render(diagram)
    _no_raw_controls(out)
    for line in out.splitlines():
        if not line.startswith("%%"):
            assert line.count('"') % 2 == 0 and "`" not in line
            assert "<" not in line.replace("<br/>", "").replace("<-", "").replace("<=", "")
    dot_text = dot.render(diagram)
    _no_raw_controls(dot_text)
    html_labels = re.findall(r"label=<(.*?)>[;,]", dot_text)
    assert html_labels and all("<img" not in label for label in html_labels) and "&lt;img" in dot_text
    page = html_graph.render(diagram, "<svg></svg>")
    _no_raw_controls(page)
    assert "<img" not in page and f"<td>{html.escape(terminal(diagram.stand_ins[0][1]))}</td>" in page


@needs_dot
def test_hostile_stand_ins_draw_as_text() -> None:
    svg = run_dot(dot.render(build_diagram(_hostile_stand_in_graph())), ImageFormat.SVG).decode("utf-8")
    root = _parses_as_xml(svg)
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("img", "script", "details")]
