"""`netpol check --flows`: observed traffic against the policies, through the CLI. The verdicts
are held against the engine's own answer (AllowGraph.allowed) and the flows against the file's
lines; SARIF is validated against the 2.1.0 schema, JUnit parsed with xml.etree."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ROOT
from test_ci import validate_sarif

import netpol
from netpol.cli import main
from netpol.errors import ExitCode

WEBSHOP = "policies/webshop"
FLOWS = "policies/flows"
BROKEN = f"{FLOWS}/webshop-broken.hubble.jsonl"
EXAMPLES = ["webshop.hubble.jsonl", "webshop.gadget.jsonl", "webshop.csv", "webshop.netpol.json"]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_web_shop_s_traffic_is_allowed(name: str) -> None:
    result = run("check", WEBSHOP, "--flows", f"{FLOWS}/{name}", "-o", "json")
    assert result.exit_code == ExitCode.OK, result.stderr
    doc = json.loads(result.stdout)
    judged = doc["flows"]["flows"]
    assert judged and doc["summary"]["failed"] is False and not doc["findings"]
    graph = netpol.analyze([WEBSHOP])
    for f in judged:  # the engine itself agrees with every verdict
        ports = graph.allowed(f["src"], f["dst"])
        first, last = f["port"] or 1, f["end_port"] or f["port"] or 65535
        assert all(ports.allows(f["protocol"], p) for p in {first, last}), f
    keys = {(f["src"], f["dst"], f["protocol"], f["port"], f["end_port"]) for f in judged}
    assert len(keys) == len(judged)  # judged once per source, destination, protocol and port


def test_every_csv_row_is_judged_once_per_workload_pair() -> None:
    with open(f"{FLOWS}/webshop.csv", encoding="utf-8") as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))][1:]
    result = run("check", WEBSHOP, "--flows", f"{FLOWS}/webshop.csv", "-o", "json")
    doc = json.loads(result.stdout)
    assert doc["flows"]["files"][0]["read"] == len(rows) == len(doc["flows"]["flows"])
    lines = [[s["line"] for s in f["seen"]] for f in doc["flows"]["flows"]]
    assert lines == [[n] for n in range(3, 3 + len(rows))]


def test_a_dropped_flow_is_a_finding_naming_the_policies() -> None:
    result = run("check", WEBSHOP, "--flows", BROKEN)
    assert result.exit_code == ExitCode.FINDINGS
    out = result.stdout
    assert (
        "NP103 flow-dropped" in out and "shop/frontend[Deployment] -> shop/db[StatefulSet] is dropped" in out
    )
    assert "(on 2 lines: 3, 4)" in out  # the same flow twice: one finding
    assert (
        "see: policies/webshop/policies.yaml:170: shop/db-allow-from-api isolates shop/db[StatefulSet]" in out
    )
    assert "shop/frontend-allow-egress-to-api" in out
    assert "4 of 5 flows allowed, 1 dropped" in out


def test_json_lists_the_flows_and_the_finding() -> None:
    doc = json.loads(run("check", WEBSHOP, "--flows", BROKEN, "-o", "json").stdout)
    (finding,) = doc["findings"]
    assert finding["rule"] == "NP103" and finding["location"]["file"] == BROKEN
    assert finding["location"]["line"] == 3 and finding["object"] == f"{BROKEN}:3"
    assert finding["subjects"] == ["shop/db[StatefulSet]", "shop/frontend[Deployment]"]
    assert {r["message"].split()[0] for r in finding["related"]} >= {
        "shop/db-allow-from-api",
        "shop/default-deny",
    }
    assert [r["id"] for r in doc["rules"]] == ["NP103"]  # no intent: its rules did not run
    dropped = [f for f in doc["flows"]["flows"] if not f["allowed"]]
    assert dropped[0]["seen"] == [{"file": BROKEN, "line": 3}, {"file": BROKEN, "line": 4}]
    assert len(dropped) == 1 and dropped[0]["explanation"]["allowed"] is False
    assert doc["flows"]["dropped"] == 1 and doc["summary"]["failed"] is True


def test_sarif_is_valid_and_points_at_the_flow_s_line() -> None:
    doc = validate_sarif(run("check", WEBSHOP, "--flows", BROKEN, "-o", "sarif").stdout)
    runs = doc["runs"]
    assert isinstance(runs, list)
    (run_,) = runs
    (result,) = run_["results"]
    assert result["ruleId"] == "NP103" and result["level"] == "error"
    place = result["locations"][0]["physicalLocation"]
    assert place["artifactLocation"]["uri"] == BROKEN and place["region"]["startLine"] == 3
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == ["NP103"]


def test_junit_has_a_case_per_flow_and_a_failure_for_the_dropped_one() -> None:
    root = ET.fromstring(run("check", WEBSHOP, "--flows", BROKEN, "-o", "junit").stdout)
    cases = root.findall(".//testcase")
    assert len(cases) == 5 and {c.get("classname") for c in cases} == {"netpol.check.flows"}
    failed = [c for c in cases if c.find("failure") is not None]
    assert [(c.get("line"), c.find("failure").get("type")) for c in failed] == [("3", "NP103")]  # type: ignore[union-attr]
    assert root.get("tests") == "5" and root.get("failures") == "1"


def test_intent_and_flows_together(tmp_path: Path) -> None:
    intent = tmp_path / "intent.yaml"
    intent.write_text("- {from: shop/frontend, to: shop/db, port: 5432, expect: deny}\n", encoding="utf-8")
    result = run("check", WEBSHOP, "--expect", str(intent), "--flows", BROKEN, "-o", "json")
    assert result.exit_code == ExitCode.FINDINGS
    doc = json.loads(result.stdout)
    assert [e["passed"] for e in doc["expectations"]] == [True]  # what the intent denies, the policies deny
    assert [f["rule"] for f in doc["findings"]] == ["NP103"]  # and the capture shows it attempted
    assert [r["id"] for r in doc["rules"]] == ["NP101", "NP102", "NP103"]
    text = run("check", WEBSHOP, "--expect", str(intent), "--flows", BROKEN).stdout
    assert "1 of 1 expectations hold; 4 of 5 flows allowed, 1 dropped" in text


def test_bad_flow_lines_exit_2_and_the_others_are_still_judged(tmp_path: Path) -> None:
    flows = tmp_path / "flows.csv"
    flows.write_text(
        "src,dst,port\nshop/frontend,shop/db,5432\nshop/frontend,shop/api,99999\n", encoding="utf-8"
    )
    result = run("check", WEBSHOP, "--flows", str(flows))
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert f"{flows}:3: error[bad-flow]: port 99999 is not a port number" in result.stderr
    assert "1 line of" in result.stderr and "could not be read; the others are judged" in result.stderr
    assert "NP103" in result.stdout  # line 2 is judged all the same


def test_unplaced_flows_are_errors_with_their_line_and_counted(tmp_path: Path) -> None:
    flows = tmp_path / "flows.csv"
    flows.write_text(
        "src,dst,port\nshop/frontend,shop/api,8080\nshop/ghost,shop/api,8080\n", encoding="utf-8"
    )
    result = run("check", WEBSHOP, "--flows", str(flows))
    assert result.exit_code == ExitCode.INPUT_ERROR  # a flow that cannot be judged, as a bad expectation
    assert (
        f"{flows}:3: error[unplaced-flow]: flow shop/ghost -> shop/api TCP 8080 not judged" in result.stderr
    )
    assert f"1 flow of {flows} could not be placed: not judged" in result.stderr
    assert "1 of 1 flows allowed" in result.stdout


def test_ignored_lines_are_a_note() -> None:
    result = run("check", WEBSHOP, "--flows", f"{FLOWS}/webshop.hubble.jsonl")
    assert "note: ignored in policies/flows/webshop.hubble.jsonl: " in result.stderr
    assert "1 reply" in result.stderr and "1 flow without TCP, UDP or SCTP" in result.stderr


def test_flows_from_stdin_and_a_chosen_format() -> None:
    text = Path(f"{FLOWS}/webshop.csv").read_text(encoding="utf-8")
    result = run("check", WEBSHOP, "--flows", "-", "--flows-format", "CSV", stdin=text)
    assert result.exit_code == ExitCode.OK and "flows allowed" in result.stdout
    wrong = run("check", WEBSHOP, "--flows", f"{FLOWS}/webshop.csv", "--flows-format", "netpol")
    assert wrong.exit_code == ExitCode.INPUT_ERROR
    assert f"{FLOWS}/webshop.csv:1: error[malformed-flow]: not JSON" in wrong.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give --expect INTENT.yaml, --flows FILE, or both"),
        (("--flows", "-", "-"), "standard input can be read once"),
        (("--flows", "-", "--flows", "-"), "standard input can be read once"),
        (("--flows", "policies/flows/missing.jsonl"), "cannot read the flow file"),
        (("--flows", "policies/webshop/policies.yaml"), "cannot tell the format of the flow file"),
    ],
)
def test_usage_and_unreadable_flow_files_exit_2(args: tuple[str, ...], message: str) -> None:
    result = run("check", WEBSHOP, *args, stdin="")
    assert result.exit_code == ExitCode.INPUT_ERROR and message in result.stderr, result.stderr


def test_a_dropped_flow_follows_the_configuration(tmp_path: Path) -> None:
    lower = tmp_path / "lower.yaml"
    lower.write_text("severity: {flow-dropped: warning}\n", encoding="utf-8")
    result = run("check", WEBSHOP, "--flows", BROKEN, "--config", str(lower))
    assert result.exit_code == ExitCode.OK and "warning  NP103 flow-dropped" in result.stdout
    excepted = tmp_path / "excepted.yaml"
    excepted.write_text(
        "exceptions:\n  - {rule: NP103, object: 'shop/*', reason: the migration job}\n", encoding="utf-8"
    )
    doc = json.loads(run("check", WEBSHOP, "--flows", BROKEN, "--config", str(excepted), "-o", "json").stdout)
    assert not doc["findings"] and [s["reason"] for s in doc["suppressed"]] == ["the migration job"]


def test_several_flow_files_are_judged_together(tmp_path: Path) -> None:
    more = tmp_path / "more.csv"
    more.write_text(
        "src,dst,port\nshop/frontend,shop/db[StatefulSet],5432\nshop/ghost,shop/db,5432\n", encoding="utf-8"
    )
    result = run("check", WEBSHOP, "--flows", BROKEN, "--flows", str(more), "-o", "json")
    assert result.exit_code == ExitCode.INPUT_ERROR  # one flow cannot be placed; the others are judged
    doc = json.loads(result.stdout)
    assert [f["file"] for f in doc["flows"]["files"]] == [BROKEN, str(more)]
    (finding,) = doc["findings"]  # the same flow in both files: one finding, at its first line
    assert (
        finding["location"]["line"] == 3
        and f"(on 3 lines: {BROKEN}:3, {BROKEN}:4, {more}:2)" in finding["message"]
    )
    assert [(u["file"], u["line"]) for u in doc["flows"]["unplaced"]] == [(str(more), 3)]
    assert f"1 flow of {more} could not be placed" in result.stderr


def test_what_the_flow_file_says_is_escaped_on_stderr(tmp_path: Path) -> None:
    flows = tmp_path / "flows.jsonl"
    line = {"verdict": "BAD\x1b[31m", "source": {}, "destination": {}, "l4": {"TCP": {"destination_port": 1}}}
    flows.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = run("check", WEBSHOP, "--flows", str(flows))
    assert "verdict BAD\\x1b[31m" in result.stderr  # shown, not obeyed
