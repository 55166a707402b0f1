"""`netpol lint` and `netpol check` through the CLI: formats, exit codes, configuration, intent files.

SARIF is validated against the official 2.1.0 schema (tests/data/sarif-schema-2.1.0.json, an
unmodified copy from OASIS; tests/data/README.md names its source); JUnit is parsed with
xml.etree; exit codes follow netpol.errors.ExitCode.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ROOT

import netpol
from netpol.cli import main
from netpol.errors import ExitCode
from netpol.lint import lint
from netpol.render.findings_text import render_text

SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
EXAMPLE = "policies/overpermissive"
CI = "tests/fixtures/ci"
INTENT = "tests/fixtures/check/intent.yaml"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root, as CI does: paths in reports are relative to it."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def validate_sarif(text: str) -> dict[str, object]:
    import jsonschema  # a test dependency: never skipped for want of it

    doc = json.loads(text)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")), cls=jsonschema.Draft7Validator)
    assert isinstance(doc, dict)
    return doc


# -- SARIF --------------------------------------------------------------------------------------


def test_sarif_is_valid_and_complete() -> None:
    result = run("lint", EXAMPLE, "-o", "sarif")
    doc = validate_sarif(result.stdout)  # nothing but SARIF on stdout
    run_ = doc["runs"][0]  # type: ignore[index]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for rule in rules:
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert 0 < float(rule["properties"]["security-severity"]) <= 10
    results = run_["results"]
    assert results
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].startswith("policies/overpermissive/")
        assert loc["region"]["startLine"] >= 1
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    db = [r for r in results if r["ruleId"] == "NP006" and "shop/db" in r["message"]["text"]]
    assert db[0]["level"] == "error"


def test_sarif_when_clean_has_empty_results() -> None:
    result = run("lint", f"{CI}/clean.yaml", "-o", "sarif")
    assert result.exit_code == ExitCode.OK
    doc = validate_sarif(result.stdout)
    assert doc["runs"][0]["results"] == []  # type: ignore[index]
    assert len(doc["runs"][0]["tool"]["driver"]["rules"]) == 16  # type: ignore[index]


def test_check_sarif_is_valid_with_related_locations() -> None:
    result = run("check", EXAMPLE, "--expect", INTENT, "-o", "sarif")
    doc = validate_sarif(result.stdout)
    results = doc["runs"][0]["results"]  # type: ignore[index]
    assert {r["ruleId"] for r in results} == {"NP101", "NP102"}
    related = results[0]["relatedLocations"][0]
    assert related["physicalLocation"]["artifactLocation"]["uri"].startswith(EXAMPLE)


def test_sarif_paths_outside_the_current_directory_are_file_uris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / CI / "warnings-only.yaml", tmp_path / "w.yaml")
    monkeypatch.chdir(ROOT / "tests")
    doc = validate_sarif(run("lint", str(tmp_path / "w.yaml"), "-o", "sarif").stdout)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"][  # type: ignore[index]
        "artifactLocation"
    ]
    assert uri["uri"].startswith("file:///") and "uriBaseId" not in uri


# -- JUnit --------------------------------------------------------------------------------------


def test_junit_lint_one_suite_per_rule() -> None:
    result = run("lint", EXAMPLE, "-o", "junit")
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name", "").split()[0] for s in suites] == [f"NP{i:03}" for i in range(1, 17)]
    failures = root.findall(".//failure")
    assert int(root.get("failures", "")) == len(failures) == 3  # the errors; warnings pass
    assert int(root.get("tests", "")) == sum(int(s.get("tests", "")) for s in suites)
    exposed = next(s for s in suites if s.get("name") == "NP006 internet-ingress")
    case = exposed.findall("testcase")[1]
    assert case.get("file") == "policies/overpermissive/20-shop-policies.yaml"
    assert case.get("line") == "70"
    assert "TCP 5432" in (case.findtext("failure") or "")


def test_junit_fail_on_warning_turns_warnings_into_failures() -> None:
    root = ET.fromstring(run("lint", EXAMPLE, "-o", "junit", "--fail-on", "warning").stdout)
    assert root.get("failures") == "16"


def test_junit_check_one_case_per_expectation() -> None:
    root = ET.fromstring(run("check", EXAMPLE, "--expect", INTENT, "-o", "junit").stdout)
    cases = root.findall(".//testcase")
    assert len(cases) == 7 and root.get("failures") == "3"
    assert cases[0].get("name") == "the frontend never talks to the database"
    assert cases[0].find("failure") is None
    assert "shop/db-access ingress rule #2" in (cases[1].findtext("failure") or "")


def test_junit_suppressed_findings_are_skipped() -> None:
    result = run("lint", EXAMPLE, "-o", "junit", "--config", f"{CI}/netpol.yaml")
    root = ET.fromstring(result.stdout)
    skipped = root.findall(".//skipped")
    assert len(skipped) == 5 and root.get("skipped") == "5"
    assert any("behind the CDN" in (s.get("message") or "") for s in skipped)


# -- exit codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((f"{CI}/clean.yaml",), ExitCode.OK),
        ((f"{CI}/warnings-only.yaml",), ExitCode.OK),  # default threshold: error
        ((f"{CI}/warnings-only.yaml", "--fail-on", "warning"), ExitCode.FINDINGS),
        ((EXAMPLE,), ExitCode.FINDINGS),
        ((EXAMPLE, "--fail-on", "never"), ExitCode.OK),
        ((EXAMPLE, "--fail-on", "never", "-o", "sarif"), ExitCode.OK),
        (("does/not/exist",), ExitCode.INPUT_ERROR),
        ((), ExitCode.INPUT_ERROR),
    ],
)
def test_lint_exit_codes(args: tuple[str, ...], code: ExitCode) -> None:
    result = run("lint", *args)
    assert result.exit_code == code, result.output


def test_bad_manifest_is_exit_2_and_still_reports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / CI / "warnings-only.yaml").read_text() + "---\nkind: [\n", encoding="utf-8")
    result = run("lint", str(bad), "-o", "json", "--fail-on", "never")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert json.loads(result.stdout)["findings"]  # the rest of the input is still linted
    assert "bad.yaml:7:7, document 2: error[yaml-syntax]" in result.stderr


def test_check_exit_codes() -> None:
    assert run("check", EXAMPLE, "--expect", INTENT).exit_code == ExitCode.FINDINGS
    assert run("check", EXAMPLE, "--expect", INTENT, "--fail-on", "never").exit_code == ExitCode.OK
    passing = run("check", EXAMPLE, "--expect", "tests/fixtures/check/passing.yaml")
    assert passing.exit_code == ExitCode.OK, passing.output
    assert "2 of 2 expectations hold" in passing.stdout
    assert run("check", EXAMPLE).exit_code == 2  # --expect is required (click usage error)


# -- text ---------------------------------------------------------------------------------------


def test_text_is_grouped_by_file_and_plain_off_a_terminal() -> None:
    out = run("lint", EXAMPLE).stdout
    assert "\x1b[" not in out
    headers = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert headers[:3] == [
        "policies/overpermissive/00-namespaces.yaml",
        "policies/overpermissive/10-workloads.yaml",
        "policies/overpermissive/20-shop-policies.yaml",
    ]
    # The info: shop/api-from-frontend is redundant once its typo'd peer admits the stand-in for
    # app=fronted pods (shop/api-scrape admits every pod already); --closed-world gives 0 info.
    assert out.rstrip().endswith("3 errors, 13 warnings, 1 info; failing (--fail-on error)")
    closed = run("lint", EXAMPLE, "--closed-world").stdout
    assert closed.rstrip().endswith("3 errors, 13 warnings, 0 info; failing (--fail-on error)")


def test_text_is_coloured_on_a_terminal_only() -> None:
    report = lint(netpol.analyze([f"{CI}/warnings-only.yaml"]))
    assert "\x1b[33m" in render_text(report, color=True)
    assert "\x1b[" not in render_text(report, color=False)


def test_out_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    result = run("lint", EXAMPLE, "-o", "sarif", "--out", str(target))
    assert result.stdout == ""
    validate_sarif(target.read_text(encoding="utf-8"))


# -- configuration ------------------------------------------------------------------------------


def test_config_file_from_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".netpol.yaml").write_text(
        "fail-on: warning\ndisable: [NP002, NP004, NP005]\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    result = run("lint", str(ROOT / CI / "warnings-only.yaml"), "-o", "json")
    assert result.exit_code == ExitCode.FINDINGS  # fail-on: warning from the file
    doc = json.loads(result.stdout)
    assert [f["rule"] for f in doc["findings"]] == ["NP001"]
    assert doc["summary"]["fail_on"] == "warning"
    # The flag wins over the file.
    assert run("lint", str(ROOT / CI / "warnings-only.yaml"), "--fail-on", "error").exit_code == ExitCode.OK


def test_config_exceptions_and_severities() -> None:
    result = run("lint", EXAMPLE, "-o", "json", "--config", f"{CI}/netpol.yaml")
    doc = json.loads(result.stdout)
    assert "NP013" not in {r["id"] for r in doc["rules"]}  # disabled
    assert not any(f["rule"] == "NP006" and "frontend" in f["message"] for f in doc["findings"])
    assert next(f for f in doc["findings"] if f["rule"] == "NP009")["severity"] == "error"
    reasons = {s["reason"] for s in doc["suppressed"]}
    assert reasons == {"the storefront is public, behind the CDN", "managed by the platform team"}
    assert doc["summary"]["suppressed"] == 5


def test_bad_config_is_exit_2_with_lines() -> None:
    result = run("lint", EXAMPLE, "--config", f"{CI}/bad-config.yaml")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert result.stdout == ""
    err = result.stderr
    for where in (
        "bad-config.yaml:1:10",
        "bad-config.yaml:2:11",
        "bad-config.yaml:4:10",
        "bad-config.yaml:6:25",
        "bad-config.yaml:8:5",
        "bad-config.yaml:10:5",
        "bad-config.yaml:12:9",
    ):
        assert where in err, where
    assert "unknown rule 'NP999'" in err and "needs a reason" in err


def test_missing_config_file_is_exit_2() -> None:
    result = run("lint", EXAMPLE, "--config", "no/such/.netpol.yaml")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "cannot read configuration file" in result.stderr


# -- check: intent files ------------------------------------------------------------------------


def test_check_explains_each_violation() -> None:
    doc = json.loads(run("check", EXAMPLE, "--expect", INTENT, "-o", "json").stdout)
    assert [e["passed"] for e in doc["expectations"]] == [True, False, True, True, True, False, False]
    internet = doc["expectations"][1]
    assert internet["explanation"]["ingress"]["allowed_by"][0]["policy"] == "shop/db-access"
    finding = doc["findings"][0]
    assert finding["rule"] == "NP101"
    assert finding["location"]["file"] == INTENT and finding["location"]["line"] == 7
    assert "allowed by shop/db-access ingress rule #2" in finding["message"]
    assert finding["related"][0]["location"]["line"] == 69


def test_intent_errors_are_located_and_exit_2() -> None:
    result = run("check", EXAMPLE, "--expect", "tests/fixtures/check/bad-intent.yaml")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert result.stdout == ""
    err = result.stderr
    for where, what in (
        ("bad-intent.yaml:3:9", "port must be a number"),
        ("bad-intent.yaml:5:3", "has no 'to'"),
        ("bad-intent.yaml:6:11", "expect must be allow or deny"),
        ("bad-intent.yaml:7:35", "labels must map"),
        ("bad-intent.yaml:9:13", "protocol must be TCP, UDP or SCTP"),
        ("bad-intent.yaml:14:11", "unknown field 'colour'"),
    ):
        line = next((ln for ln in err.splitlines() if where in ln), "")
        assert what in line, (where, err)


def test_intent_unknown_endpoints_are_located_and_exit_2() -> None:
    result = run("check", EXAMPLE, "--expect", "tests/fixtures/check/unknown-endpoint.yaml")
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "unknown-endpoint.yaml:4:9" in result.stderr and "shop/frontend[Deployment]" in result.stderr
    assert "unknown-endpoint.yaml:5:7" in result.stderr and "matches no endpoint" in result.stderr


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("- from: a\n  to: b\n  expect: deny\n---\n- {}\n", None, "holds 2 YAML documents"),
        ("from: a\n", "x.yaml:1:1", "a list of expectations"),
        ("- from: a\n  to: b\n  expect: deny\n  expect: allow\n", "x.yaml:4", "appears twice"),
        ("- [from, a]\n", "x.yaml:1:3", "an expectation is a mapping"),
    ],
)
def test_intent_file_shape_errors(text: str, where: str | None, message: str, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("check", EXAMPLE, "--expect", str(path))
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert message in result.stderr
    if where is not None:
        assert where in result.stderr


def test_internet_means_the_ip_families_the_input_uses(tmp_path: Path) -> None:
    intent = tmp_path / "i.yaml"
    intent.write_text(
        "- {from: internet, to: shop/frontend, port: 8080, expect: allow}\n"
        "- {from: {cidr: '::/0'}, to: shop/frontend, port: 8080, expect: deny}\n",
        encoding="utf-8",
    )
    # The example mentions no IPv6 address: "internet" is the public IPv4 space, which may connect.
    result = run("check", EXAMPLE, "--expect", str(intent))
    assert result.exit_code == ExitCode.OK, result.output
