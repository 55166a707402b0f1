"""Escaping by output format (netpol/escaping.py), and hostile input through the real commands."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from xml.parsers import expat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netpol.diagnostics import SNIPPET_WIDTH, Diagnostic, Location, Severity
from netpol.escaping import csv_cell, md_code, md_text, mermaid, terminal, xml

HIDDEN = ["\x00", "\x07", "\x1b", "\r", "\x7f", "\x85", "\x9b", "\u061c", "\u200b", "\u200d",
          "\u200e", "\u200f", "\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff",
          "\U000e0041", "\ud800", "\udfff", "\ufffe", "\uffff"]
# XML 1.0, production [2] Char.
XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
some_text = st.text(st.characters(codec=None), max_size=40)


def _hidden(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")
            and ch not in "\t\n"]


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


@settings(max_examples=300, deadline=None)
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


@settings(max_examples=300, deadline=None)
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


@pytest.mark.parametrize("text", ["plain", "a`b", "a``b", "```", "`", "`start", "end`", " pad ",
                                  "x ", "`` `a` ``"])
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
    assert md_code("@user <img src=x onerror=alert(1)> </details>") == \
        "`@user <img src=x onerror=alert(1)> </details>`"  # literal inside a code span
    assert md_code("\x1b[31m\u202e") == "`\\x1b[31m\\u202e`"


@settings(max_examples=300, deadline=None)
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
    assert md_text("*bold* _it_ ~del~ `code` $x$") == \
        "\\*bold\\* \\_it\\_ \\~del\\~ \\`code\\` \\$x\\$"
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
    for text in ("policy shop/api-to-internet added", "endpoint shop/cache[Deployment] appeared",
                 "shop/api-ingress ingress rule #1", "TCP 80-90; UDP 53"):
        assert md_text(text) == text


# -- CSV -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil\",\"x\")", "-2+3", "+1", "@SUM(A1)",
                                  "\tx", "\rx"])
def test_csv_cell_defuses_formulas(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["shop/api[Deployment]", "80-90", "10.0.0.0/8",
                                  "10.0.0.0-10.255.255.255", "::/0", "2001:db8::/32", "fd00::1",
                                  "TCP", "", "a=b", "policy x added"])
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


def _diag(snippet: str, column: int | None, source: str = "f.yaml",
          message: str = "bad value") -> str:
    return Diagnostic(Severity.ERROR, "invalid", message,
                      Location(source, 1, ("spec",), 3, column, snippet)).format()


def _caret_target(text: str) -> str:
    _, snippet, caret = text.split("\n")
    return snippet[caret.index("^")]


def test_snippet_unchanged_when_it_fits() -> None:
    assert _diag("  podSelector: 3", 16) == (
        "f.yaml:3:16, document 1, spec: error[invalid]: bad value\n"
        "    3 |   podSelector: 3\n"
        "                       ^")


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
