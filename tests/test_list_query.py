"""`netpol list` and `netpol query` on the bundled examples: the JSON contract, the formats agreeing,
exit codes, stdin and filters. Their golden outputs are cases in tests/cases/{list,query}/
(test_cases.py).
"""

from __future__ import annotations

import csv
import io
import itertools
import json

import pytest
from click.testing import CliRunner
from conftest import ROOT
from test_cases import ALL, Case

from netpol.cli import main

EXAMPLES = ["webshop", "e2e-model", "kubectl-dump"]
QUERIES = [c for c in ALL if c.name.startswith("query/")]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("example", EXAMPLES)
def test_list_formats_agree(example: str) -> None:
    """The JSON contract, and every format carrying the same connections."""
    path = str(ROOT / "policies" / example)
    data = json.loads(run("list", path, "-o", "json")[1])
    assert set(data) >= {"connections"}
    conns = data["connections"]
    order = {e: i for i, e in enumerate(data["endpoints"])}
    # Sorted by source: endpoints in id order, then external ranges.
    src_rank = [order[c["src"]] if "[" in c["src"] else len(order) for c in conns]
    assert src_rank == sorted(src_rank)
    for c in conns:
        assert set(c) == {"src", "dst", "ports"}
        assert c["src"] != c["dst"]
        assert c["ports"], "a pair with nothing allowed is absent"
        for proto, ranges in c["ports"].items():
            assert proto in ("TCP", "UDP", "SCTP")
            assert ranges == sorted(ranges)
            assert all(1 <= lo <= hi <= 65535 for lo, hi in ranges)
            assert all(b[0] > a[1] + 1 for a, b in itertools.pairwise(ranges)), "ranges are merged"
    named = set(data["endpoints"]) | {end for c in conns for end in (c["src"], c["dst"])}
    stand_ins = {s["id"] for s in data.get("stand_ins", [])}
    assert stand_ins == {e for e in named if e.endswith("[StandIn]")}, "every stand-in named is explained"
    rows = list(csv.DictReader(io.StringIO(run("list", path, "-o", "csv")[1])))
    assert {(r["src"], r["dst"]) for r in rows} == {(c["src"], c["dst"]) for c in conns}
    md = run("list", path, "-o", "md", "--flat")[1]
    assert md.count("\n| `") == len(conns)
    # Folded, as a person reads it by default: never more lines than connections.
    assert run("list", path, "-o", "md")[1].count("\n| `") <= len(conns)
    assert run("list", path, "-o", "json", "--compact")[1].count('"src"') <= len(conns)


@pytest.mark.parametrize("case", QUERIES, ids=[c.name for c in QUERIES])
def test_query_verdict_is_the_exit_code(case: Case) -> None:
    """Exit 0 for ALLOWED and 1 for DENIED, in the text and the JSON of every query case."""
    assert case.exit in (0, 1) and set(case.formats) == {"text", "json"}
    data = json.loads(case.expected("json").read_text(encoding="utf-8"))
    assert data["allowed"] is (case.exit == 0)
    first = case.expected("text").read_text(encoding="utf-8").splitlines()[0]
    assert first.endswith("ALLOWED" if case.exit == 0 else "DENIED")


def test_query_exit_codes_and_unknown_endpoint() -> None:
    shop = str(ROOT / "policies" / "webshop")
    assert run("query", shop, "--from", "shop/frontend", "--to", "shop/api", "--port", "8080")[0] == 0
    assert run("query", shop, "--from", "shop/frontend", "--to", "shop/db", "--port", "5432")[0] == 1
    code, out, err = run("query", shop, "--from", "shop/frontnd", "--to", "shop/db")
    assert code == 2
    assert "unknown endpoint 'shop/frontnd'" in err and "shop/frontend[Deployment]" in err
    assert out == ""
    code, _, err = run("query", shop, "--from", "shop/frontend", "--to", "shop/db", "--port", "0")
    assert code == 2 and "--port" in err


def test_list_reads_stdin() -> None:
    text = (ROOT / "policies" / "webshop" / "policies.yaml").read_text()
    text += "---\n" + (ROOT / "policies" / "webshop" / "workloads.yaml").read_text()
    result = CliRunner().invoke(main, ["list", "-", "-o", "json"], input=text)
    assert result.exit_code == 0, result.stderr
    srcs = {c["src"] for c in json.loads(result.stdout)["connections"]}
    assert "shop/api[Deployment]" in srcs


def test_list_namespace_filter() -> None:
    code, out, _ = run("list", str(ROOT / "policies" / "webshop"), "-n", "payments", "-o", "json")
    assert code == 0
    conns = json.loads(out)["connections"]
    assert conns and all("payments/" in c["src"] or "payments/" in c["dst"] for c in conns)
