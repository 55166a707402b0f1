"""The rule registry: every RuleId has its catalogue entry, its documentation and (lint) its check;
rule ids are written as RuleId members, never as strings; misusing ``@rule`` fails at once."""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

import netpol
from netpol.findings.catalog import CHECK_RULES, LINT_RULES, RuleId, lookup
from netpol.findings.records import Finding
from netpol.lint import LintConfig
from netpol.lint.context import Context
from netpol.lint.registry import LINT, Registry

_ID = re.compile(r"\bNP\d{3}\b")


def test_every_rule_id_has_exactly_one_catalogue_entry() -> None:
    ids = [r.id for r in (*LINT_RULES, *CHECK_RULES)]
    assert ids == list(RuleId)  # one each, in id order
    assert all(isinstance(i, RuleId) for i in ids)
    for r in (*LINT_RULES, *CHECK_RULES):
        assert r.slug == RuleId(r.id).slug
        assert lookup(r.id.lower(), LINT_RULES + CHECK_RULES) is r
        assert lookup(r.slug, LINT_RULES + CHECK_RULES) is r


def test_rule_ids_are_their_strings() -> None:
    """What reports, configs and annotations spell: JSON, SARIF and .netpol.yaml are unchanged."""
    assert RuleId("NP006") is RuleId.INTERNET_INGRESS
    assert "NP006" in {RuleId.INTERNET_INGRESS}
    assert f"{RuleId.INTERNET_INGRESS}" == str(RuleId.INTERNET_INGRESS) == "NP006"
    assert RuleId.INTERNET_INGRESS.slug == "internet-ingress"
    assert {"NP006": 1}[RuleId.INTERNET_INGRESS] == 1


def test_every_lint_rule_has_exactly_one_check() -> None:
    assert LINT.missing() == ()
    reported = [i for c in LINT.checks() for i in c.ids]
    assert sorted(reported) == [r.id for r in LINT_RULES]
    assert [min(c.ids) for c in LINT.checks()] == sorted(min(c.ids) for c in LINT.checks())
    for c in LINT.checks():
        assert [r.id for r in c.rules] == list(c.ids)


def test_every_rule_id_is_documented() -> None:
    doc = (ROOT / "docs" / "lint-rules.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (NP\d{3}) (\S+)$", doc, re.MULTILINE)
    assert headings == [(i.value, i.slug) for i in RuleId]
    for r in LINT_RULES:
        assert f"| {r.id} | `{r.slug}` | {r.severity.value} |" in doc


def _code_strings(path: Path) -> Iterator[tuple[int, str]]:
    """The string constants of a module, f-string parts included; docstrings (any bare string
    statement) are prose and left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            yield node.lineno, node.value


@pytest.mark.parametrize(
    "path",
    [
        *sorted((ROOT / "netpol" / "lint").rglob("*.py")),
        ROOT / "netpol" / "query" / "check" / "evaluate.py",
    ],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_no_rule_id_is_spelled_as_a_string(path: Path) -> None:
    found = [(line, s) for line, s in _code_strings(path) if _ID.search(s)]
    assert not found, f"use RuleId members, not {found}"


def test_the_source_scan_sees_code_literals_not_docstrings(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        '"""NP001 in a docstring."""\n\ndef f(y):\n    """NP003."""\n    return f"{y} NP002", "NP004"\n',
        encoding="utf-8",
    )
    assert sorted(s for _, s in _code_strings(path) if _ID.search(s)) == [" NP002", "NP004"]


# -- misuse of @rule -----------------------------------------------------------------------------


def _nothing(ctx: Context) -> Iterator[Finding]:
    yield from ()


def test_a_check_rule_is_no_lint_rule() -> None:
    with pytest.raises(ValueError, match=r"NP101 unexpected-allow is not a lint rule"):
        Registry(LINT_RULES).rule(RuleId.UNEXPECTED_ALLOW)


def test_a_plain_string_is_no_rule_id() -> None:
    with pytest.raises(TypeError, match=r"@rule takes RuleId members, not 'NP001'"):
        Registry(LINT_RULES).rule("NP001")  # type: ignore[arg-type]


def test_rule_needs_an_id_and_names_each_once() -> None:
    registry = Registry(LINT_RULES)
    with pytest.raises(ValueError, match="at least one rule"):
        registry.rule()
    with pytest.raises(ValueError, match="names a rule twice: NP013, NP013"):
        registry.rule(RuleId.REDUNDANT_RULE, RuleId.REDUNDANT_RULE)


def test_an_id_registered_twice_fails() -> None:
    registry = Registry(LINT_RULES)
    registry.rule(RuleId.ALL_PORTS)(_nothing)
    with pytest.raises(ValueError, match=r"NP009 all-ports is already reported by .*\._nothing"):
        registry.rule(RuleId.ALL_NAMESPACES, RuleId.ALL_PORTS)(_nothing)
    assert [c.ids for c in registry.checks()] == [(RuleId.ALL_PORTS,)]  # nothing half-registered
    assert RuleId.ALL_NAMESPACES in registry.missing()


def _import(tmp_path: Path, source: str) -> None:
    path = tmp_path / "extra_rules.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("extra_rules", path)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


def test_registering_a_taken_id_fails_at_import(tmp_path: Path) -> None:
    header = "from netpol.findings.catalog import RuleId\nfrom netpol.lint.registry import rule\n"
    before = LINT.checks()
    with pytest.raises(ValueError, match=r"NP015 dns-blocked is already reported by netpol\.lint\.coverage"):
        _import(tmp_path, header + "@rule(RuleId.DNS_BLOCKED)\ndef again(ctx):\n    return ()\n")
    with pytest.raises(AttributeError, match="DNS_BLOKED"):
        _import(tmp_path, header + "@rule(RuleId.DNS_BLOKED)\ndef typo(ctx):\n    return ()\n")
    assert LINT.checks() == before


# -- running the checks --------------------------------------------------------------------------


def _context(config: LintConfig) -> Context:
    graph = netpol.analyze(["policies/overpermissive"])
    return Context(graph, config, config.rules(LINT_RULES), None)


def test_a_check_runs_only_when_one_of_its_rules_is_enabled() -> None:
    calls: list[str] = []
    registry = Registry(LINT_RULES)

    @registry.rule(RuleId.REDUNDANT_RULE, RuleId.REDUNDANT_POLICY)
    def redundant(ctx: Context) -> Iterator[Finding]:
        calls.append("redundant")
        yield from ()

    @registry.rule(RuleId.ALL_PORTS)
    def all_ports(ctx: Context) -> Iterator[Finding]:
        calls.append("all-ports")
        yield from ()

    assert [c.check for c in registry.checks()] == [all_ports, redundant]  # id order
    list(registry.run(_context(LintConfig(disabled=frozenset({"NP013"})))))
    assert calls == ["all-ports", "redundant"]
    calls.clear()
    list(registry.run(_context(LintConfig(disabled=frozenset({"NP013", "NP014"})))))
    assert calls == ["all-ports"]


def test_a_check_reports_only_its_own_rules() -> None:
    registry = Registry(LINT_RULES)

    @registry.rule(RuleId.ALL_PORTS)
    def liar(ctx: Context) -> Iterator[Finding]:
        yield ctx.finding(RuleId.ALL_NAMESPACES, "m", None, "h")

    with pytest.raises(
        ValueError, match=r"reported NP008, which it is not registered for \(@rule\(NP009\)\)"
    ):
        list(registry.run(_context(LintConfig())))
