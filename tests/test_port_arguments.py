"""Ports as users write them (query --port, intent files): a typo is a usage error, never a
silent "denied"; explanations list only the rules that decide the asked port."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ROOT

import netpol
from netpol.cli import main
from netpol.core.ports import Protocol, parse_port
from netpol.errors import ExitCode

WEBSHOP = str(ROOT / "policies" / "webshop")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("8080", 8080), (" 443 ", 443), ("http", "http"), ("web-1", "web-1"), (65535, 65535), (1, 1)],
)
def test_ports_that_parse(text: str | int, parsed: int | str) -> None:
    assert parse_port(text) == parsed


@pytest.mark.parametrize(
    "text",
    [
        "-1",
        "0",
        "65536",
        "70000",
        "Http",
        "a--b",
        "-web",
        "web-",
        "a" * 16,
        "",
        "\uff18\uff10",
        "80 80",
        True,
        -5,
    ],
)
def test_ports_that_do_not(text: str | int) -> None:
    with pytest.raises(ValueError, match="port"):
        parse_port(text)


@pytest.mark.parametrize(
    ("port", "hint"),
    [
        ("-1", "neither a port number"),
        ("0", "not between 1 and 65535"),
        ("70000", "not between 1 and 65535"),
        # "8080x" and "htp" are legal port names, but shop/api declares neither.
        ("8080x", "declares no TCP port named '8080x'"),
        ("htp", "its named ports: http (TCP 8080)"),
    ],
)
def test_query_with_a_bad_port_is_a_usage_error(port: str, hint: str) -> None:
    result = run("query", WEBSHOP, "--from", "shop/frontend", "--to", "shop/api", f"--port={port}")
    assert result.exit_code == ExitCode.INPUT_ERROR, result.output
    assert hint in result.stderr
    assert "DENIED" not in result.stdout


def test_a_named_port_declared_for_another_protocol_is_a_usage_error() -> None:
    result = run(
        "query", WEBSHOP, "--from", "shop/frontend", "--to", "shop/api", "--port", "http", "--protocol", "UDP"
    )
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "declares no UDP port named 'http'" in result.stderr


def test_a_named_port_toward_an_outside_address_is_a_usage_error() -> None:
    result = run("query", WEBSHOP, "--from", "payments/gateway", "--to", "203.0.113.7", "--port", "https")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "outside the cluster" in result.stderr


def test_a_denied_port_lists_no_rule_that_admits_other_ports() -> None:
    # shop/api admits frontend on TCP 8080 only: asking for 7001 must not show that rule as
    # "allowed by" (an explanation contradicting its verdict).
    graph = netpol.analyze([WEBSHOP])
    why = netpol.explain(graph, "shop/frontend", "shop/api", port=7001)
    assert not why.allowed
    assert why.egress.matches == () and why.ingress.matches == ()
    text = why.ingress.describe(why.src)
    assert "allowed by" not in text
    assert "on TCP 7001 (they allow TCP 8080)" in text
    ok = netpol.explain(graph, "shop/frontend", "shop/api", port=8080)
    assert ok.allowed and [m.index for m in ok.ingress.matches] == [0]
    assert (
        run("query", WEBSHOP, "--from", "shop/frontend", "--to", "shop/api", "--port", "7001").exit_code
        == ExitCode.FINDINGS
    )


def test_protocol_only_queries_filter_rules_by_protocol() -> None:
    graph = netpol.analyze([WEBSHOP])
    why = netpol.explain(graph, "shop/frontend", "shop/api", protocol=Protocol.UDP)
    assert not why.allowed and why.ingress.matches == ()
    assert "on UDP all (they allow TCP 8080)" in why.ingress.describe(why.src)


# -- intent files -----------------------------------------------------------------------------------


def test_one_bad_expectation_does_not_hide_the_others(tmp_path: Path) -> None:
    intent = tmp_path / "intent.yaml"
    intent.write_text(
        "- from: shop/frontend\n  to: shop/db\n  expect: allow\n"  # violated
        "- from: shop/frontnd\n  to: shop/db\n  expect: deny\n"  # unknown endpoint
        "- from: shop/frontend\n  to: shop/api\n  port: 8080\n  expect: allow\n"  # holds
        "- from: shop/frontend\n  to: shop/api\n  port: htp\n  expect: deny\n"  # no such port
    )
    result = run("check", WEBSHOP, "--expect", str(intent), "-o", "json")
    assert result.exit_code == ExitCode.INPUT_ERROR
    data = json.loads(result.stdout)
    judged = [(e["from"], e["to"], e["passed"]) for e in data["expectations"]]
    assert judged == [("shop/frontend", "shop/db", False), ("shop/frontend", "shop/api", True)]
    assert [(e["line"], e["code"]) for e in data["errors"]] == [(4, "unknown-endpoint"), (11, "unknown-port")]
    assert f"{intent}:4:9" in result.stderr and f"{intent}:11:" in result.stderr
    assert "its named ports: http (TCP 8080)" in result.stderr
    text = run("check", WEBSHOP, "--expect", str(intent))
    assert text.exit_code == ExitCode.INPUT_ERROR
    assert "1 of 2 expectations hold, 1 violated" in text.stdout
    assert "2 expectation(s)" in text.stderr and "could not be judged" in text.stderr


@pytest.mark.parametrize("port", ["-1", "0", "8080 ", "[80]", "true", "70000"])
def test_a_malformed_intent_port_is_located(tmp_path: Path, port: str) -> None:
    intent = tmp_path / "intent.yaml"
    intent.write_text(f"- from: shop/frontend\n  to: shop/api\n  port: {port}\n  expect: deny\n")
    result = run("check", WEBSHOP, "--expect", str(intent))
    if port == "8080 ":  # YAML drops the trailing space: a fine port
        assert result.exit_code == ExitCode.FINDINGS
        return
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert f"{intent}:3:9" in result.stderr and "bad-port" in result.stderr
