"""`netpol diff`: the semantics on pairs of fixtures, the formats, exit codes and the git mode.

Fixtures: tests/fixtures/diff/<case>/{old,new}/; their golden reports are cases in tests/cases/diff/
(test_cases.py; regenerate with ``pytest --update-golden`` and review the diff).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, needs

import netpol
from netpol.cli import main
from netpol.diff.compare import ChangeKind, GraphDiff, PolicyChangeKind, Scope, diff_graphs, pair_sides
from netpol.diff.pairs import by_destination, every_pair, same_endpoints
from netpol.diff.refine import Parties
from netpol.errors import GitError
from netpol.load.git import load_revision
from netpol.query.explain import explain

FIXTURES = ROOT / "tests" / "fixtures" / "diff"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def sides(case: str) -> tuple[str, str]:
    return str(FIXTURES / case / "old"), str(FIXTURES / case / "new")


def diff_of(case: str) -> GraphDiff:
    old, new = sides(case)
    return diff_graphs(netpol.analyze([old]), netpol.analyze([new]))


def test_the_cases_are_there() -> None:
    assert set(CASES) >= {
        "tightening",
        "loosening",
        "renaming",
        "splitting",
        "workload-added",
        "ipblock-narrowed",
        "webshop",
    }


@pytest.mark.parametrize("case", CASES)
def test_formats_agree(case: str) -> None:
    old, new = sides(case)
    data = json.loads(run("diff", old, new, "-o", "json")[1])
    assert set(data) == {"summary", "changes", "endpoints", "policies"}
    rows = list(csv.DictReader(io.StringIO(run("diff", old, new, "-o", "csv")[1])))
    pairs = [(r["change"], r["src"], r["dst"]) for r in rows if not r["change"].startswith("endpoint")]
    assert pairs == [(c["kind"], c["src"], c["dst"]) for c in data["changes"]]
    assert data["summary"]["added"] == sum(c["kind"] == "added" for c in data["changes"])
    dot = run("diff", old, new, "-o", "dot")[1]
    assert dot.count(" -> ") == len(data["changes"])
    md = run("diff", old, new, "-o", "md")[1]
    assert md.startswith("### netpol diff: ")
    assert md.count("<details>") == md.count("</details>")


# -- semantics on the fixtures ------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["renaming", "splitting"])
def test_renaming_reordering_and_splitting_are_no_change(case: str) -> None:
    d = diff_of(case)
    assert d.empty and not d.changes
    assert all(p.connections == 0 for p in d.policies)
    code, out, _ = run("diff", *sides(case), "--fail-on", "any")
    assert code == 0
    assert out.startswith("netpol diff: no change in connectivity\n")


def test_renaming_is_recognised() -> None:
    [p] = diff_of("renaming").policies
    assert (p.kind, p.renamed_from, p.policy) == (
        PolicyChangeKind.RENAMED,
        "shop/default-deny",
        "shop/deny-all",
    )


def test_splitting_names_the_policies_without_effect() -> None:
    kinds = {p.policy: p.kind for p in diff_of("splitting").policies}
    assert kinds == {
        "shop/api-ingress": PolicyChangeKind.REMOVED,
        "shop/api-from-web": PolicyChangeKind.ADDED,
        "shop/api-scrape": PolicyChangeKind.ADDED,
    }


def test_loosening_puts_new_exposure_first_and_names_causes() -> None:
    d = diff_of("loosening")
    assert [c.new_exposure for c in d.changes] == sorted((c.new_exposure for c in d.changes), reverse=True)
    first = d.changes[0]
    assert first.scope is Scope.EXTERNAL and first.kind is ChangeKind.ADDED
    assert first.cause == ("policy shop/api-to-internet added",)
    assert first.allowed_after == ("shop/api-to-internet egress rule #1",)
    changed = d.changed[0]
    assert (changed.src, changed.dst) == ("shop/web[Deployment]", "shop/api[Deployment]")
    assert str(changed.gained) == "TCP 9090" and not changed.lost
    assert changed.cause == ("policy shop/api-ingress modified", "policy shop/web-to-api modified")


def test_tightening_names_what_allowed_it_before() -> None:
    d = diff_of("tightening")
    assert d.removed and not d.added and not d.changed
    scrape = next(c for c in d.removed if c.src.startswith("monitoring/"))
    assert scrape.allowed_before[-1] == "shop/api-ingress ingress rule #2"
    assert scrape.cause == ("policy shop/api-ingress modified",)
    # The internal load balancers' range 10.0.0.0/8 keeps its access, and splits the rest in two.
    outside = [c.src for c in d.removed if c.scope is Scope.EXTERNAL]
    assert outside == ["0.0.0.0-9.255.255.255", "11.0.0.0-255.255.255.255", "::/0"]


def test_narrowed_ipblock_compares_on_a_common_refinement() -> None:
    """Old cuts 203.0.113.0/24, new cuts /25 twice: only the lost half is reported."""
    [change] = diff_of("ipblock-narrowed").changes
    assert (change.kind, change.src, change.dst) == (
        ChangeKind.REMOVED,
        "shop/web[Deployment]",
        "203.0.113.128/25",
    )
    assert str(change.lost) == "TCP 443"


_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: c, image: i}]}
status: {phase: Running, podIP: 10.9.0.1}
"""


def _ingress_from(*blocks: tuple[str, int]) -> str:
    rules = ", ".join(
        f"{{from: [{{ipBlock: {{cidr: {cidr}}}}}], ports: [{{port: {port}}}]}}" for cidr, port in blocks
    )
    return (
        f"{_POD}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        f"metadata: {{name: p, namespace: x}}\nspec: {{podSelector: {{}}, ingress: [{rules}]}}\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # As many ranges on both sides, cut elsewhere: the same bits stand for other addresses.
        (
            [("10.0.0.0/16", 80)],
            [("10.1.0.0/16", 80)],
            {("10.0.0.0/16", "x/a[Pod]", "removed"), ("10.1.0.0/16", "x/a[Pod]", "added")},
        ),
        # The blocks list the outside sources out of address order.
        (
            [("192.168.0.0/16", 80), ("10.0.0.0/8", 443)],
            [("192.168.0.0/16", 80), ("10.0.0.0/8", 8443)],
            {("10.0.0.0/8", "x/a[Pod]", "changed")},
        ),
    ],
)
def test_the_quick_comparison_reads_outside_addresses_by_address(
    old: list[tuple[str, int]], new: list[tuple[str, int]], expected: set[tuple[str, str, str]]
) -> None:
    a, b = netpol.analyze_text(_ingress_from(*old)), netpol.analyze_text(_ingress_from(*new))
    parties = Parties(a, b)
    assert same_endpoints(parties)
    assert set(by_destination(parties)) == set(every_pair(parties))
    assert {(c.src, c.dst, c.kind.value) for c in diff_graphs(a, b).changes} == expected


def test_workload_added() -> None:
    d = diff_of("workload-added")
    assert d.appeared == ("batch/report[CronJob]", "shop/cache[Deployment]")
    cache = next(c for c in d.changes if c.dst == "shop/cache[Deployment]")
    assert cache.cause == (
        "policy shop/api-to-cache added",
        "policy shop/cache-from-api added",
        "endpoint shop/cache[Deployment] appeared",
    )
    # a workload in a namespace without policies: open both ways, shown once per address family
    inbound = [c.src for c in d.changes if c.dst == "batch/report[CronJob]" and c.scope is Scope.EXTERNAL]
    assert inbound == ["0.0.0.0/0", "::/0"]
    assert d.changes[0].src == "0.0.0.0/0", "inbound exposure from outside comes first"


CLOSED = netpol.Options(stand_ins=False)


def test_relabelled_endpoints_and_namespaces_are_named_as_causes() -> None:
    # closed world: the stand-ins for what no longer matches (a pod app=db) are other changes
    base = (FIXTURES / "loosening" / "old" / "cluster.yaml").read_text()
    policies = (FIXTURES / "loosening" / "old" / "policies.yaml").read_text()
    old = netpol.analyze_text(base + "---\n" + policies, CLOSED)
    # prometheus's namespace loses team=platform: the api no longer admits its scrapes
    relabelled = base.replace("team: platform", "team: observability")
    d = diff_graphs(old, netpol.analyze_text(relabelled + "---\n" + policies, CLOSED))
    [change] = d.changes
    assert (change.src, change.kind) == ("monitoring/prometheus[Deployment]", ChangeKind.REMOVED)
    assert change.cause == ("namespace monitoring relabelled",)
    assert change.allowed_before[-1] == "shop/api-ingress ingress rule #2"
    # the db's pods lose app=db: the api's egress rule and the db's ingress rule no longer apply
    unlabelled = base.replace("        app: db\n", "        app: database\n")
    d = diff_graphs(old, netpol.analyze_text(unlabelled + "---\n" + policies, CLOSED))
    [change] = d.changes
    assert (change.src, change.dst) == ("shop/api[Deployment]", "shop/db[StatefulSet]")
    assert change.cause == ("endpoint shop/db[StatefulSet] modified (labels)",)


@pytest.mark.parametrize("case", CASES)
def test_compiled_provenance_agrees_with_explain(case: str) -> None:
    for path in sides(case):
        graph = netpol.analyze([path])
        for s, d, _ in graph.pairs():
            exp = explain(graph, graph.ids[s], graph.ids[d])
            for view, full in zip(pair_sides(graph, s, d), (exp.egress, exp.ingress), strict=True):
                assert (view.direction, view.endpoint) == (full.direction, full.endpoint)
                assert (view.applies, view.isolated) == (full.applies, full.isolated)
                assert view.matches == tuple((m.policy, m.index, m.ports) for m in full.matches)


def test_swapping_the_sides_swaps_the_report() -> None:
    for case in CASES:
        old, new = sides(case)
        forward = diff_graphs(netpol.analyze([old]), netpol.analyze([new]))
        backward = diff_graphs(netpol.analyze([new]), netpol.analyze([old]))
        assert {(c.src, c.dst, c.gained, c.lost) for c in forward.changes} == {
            (c.src, c.dst, c.lost, c.gained) for c in backward.changes
        }
        assert (forward.appeared, forward.disappeared) == (backward.disappeared, backward.appeared)


def test_namespace_filter() -> None:
    code, out, _ = run("diff", *sides("loosening"), "-n", "monitoring", "-o", "json")
    assert code == 0
    data = json.loads(out)
    assert [(c["src"], c["dst"]) for c in data["changes"]] == [
        ("monitoring/prometheus[Deployment]", "shop/db[StatefulSet]")
    ]
    assert [p["policy"] for p in data["policies"]] == ["shop/db-from-api"]


# -- exit codes and inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "fail_on", "code"),
    [
        ("loosening", [], 0),
        ("loosening", ["added"], 1),
        ("loosening", ["removed"], 0),
        ("loosening", ["changed"], 1),
        ("loosening", ["removed", "changed"], 1),
        ("loosening", ["any"], 1),
        ("tightening", ["added"], 0),
        ("tightening", ["removed"], 1),
        ("tightening", ["ADDED", "Removed"], 1),
        ("renaming", ["any"], 0),
        ("splitting", ["added", "removed", "changed", "any"], 0),
        ("workload-added", ["removed"], 0),
        ("workload-added", ["added"], 1),
    ],
)
def test_fail_on_exit_codes(case: str, fail_on: list[str], code: int) -> None:
    args = [a for kind in fail_on for a in ("--fail-on", kind)]
    assert run("diff", *sides(case), *args)[0] == code


def test_any_counts_endpoints_without_connections(tmp_path: Path) -> None:
    old = FIXTURES / "tightening" / "new"
    new = tmp_path / "new"
    shutil.copytree(old, new)
    (new / "lonely.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: lonely, namespace: shop}\n"
        "spec: {containers: [{name: c, image: i}]}\n"
    )
    d = diff_graphs(netpol.analyze([str(old)]), netpol.analyze([str(new)]))
    assert not d.changes and d.appeared == ("shop/lonely[Pod]",)  # isolated by default-deny
    assert run("diff", str(old), str(new), "--fail-on", "added")[0] == 0
    assert run("diff", str(old), str(new), "--fail-on", "any")[0] == 1


def test_usage_errors() -> None:
    old, new = sides("loosening")
    code, out, err = run("diff", old)
    assert code == 2 and out == "" and "two inputs" in err
    assert run("diff", old, new, new)[0] == 2
    code, _, err = run("diff", "-", "-", input="")
    assert code == 2 and "stdin" in err
    assert run("diff", old, new, "--fail-on", "sometimes")[0] == 2
    code, _, err = run("diff", "--git", "HEAD")
    assert code == 2 and "PATHs" in err


def test_input_errors_exit_2_after_the_report(tmp_path: Path) -> None:
    old, _ = sides("loosening")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\n"
        "spec: {podSelector: {}, policyTypes: [Sideways]}\n"
    )
    code, out, err = run("diff", old, str(bad), "--fail-on", "any")
    assert code == 2
    assert "bad.yaml:4" in err and "Sideways" in err and "new input" in err
    assert out.startswith("netpol diff:")
    code, _, err = run("diff", old, str(tmp_path / "missing"))
    assert code == 2 and "missing" in err


def test_one_side_from_stdin() -> None:
    old, new = sides("ipblock-narrowed")
    text = "\n---\n".join(p.read_text() for p in sorted(Path(new).glob("*.yaml")))
    code, out, err = run("diff", old, "-", "-o", "json", input=text)
    assert code == 0, err
    assert [c["dst"] for c in json.loads(out)["changes"]] == ["203.0.113.128/25"]


def test_out_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "comment.md"
    code, out, _ = run("diff", *sides("loosening"), "-o", "md", "--out", str(target))
    assert code == 0 and out == ""
    assert target.read_text().startswith("### netpol diff: 3 connections added")


@needs("dot", "apt-get install graphviz")
def test_svg_renders() -> None:
    code, out, err = run("diff", *sides("loosening"), "-o", "svg")
    assert code == 0, err
    root = ET.fromstring(out)
    assert root.tag.endswith("svg")
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert (
        "shop/web[Deployment]&#45;&gt;shop/api[Deployment]" in titles
        or "shop/web[Deployment]->shop/api[Deployment]" in titles
    )
    assert "#cf222e" not in out and "#1a7f37" in out  # nothing removed, something added


def test_svg_without_graphviz(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = run("diff", *sides("loosening"), "-o", "svg")
    assert code == 2 and out == ""
    assert "apt-get install graphviz" in err


# -- git mode -----------------------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose k8s/ holds the loosening case's old side, committed on main; the
    working tree holds its new side."""
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for f in (FIXTURES / "loosening" / "old").iterdir():
        shutil.copy(f, root / "k8s" / f.name)
    (root / "README.md").write_text("not a manifest\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "old")
    for f in (FIXTURES / "loosening" / "new").iterdir():
        shutil.copy(f, root / "k8s" / f.name)
    return root


@needs_git
def test_git_mode_matches_the_folder_diff(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, out, err = run("diff", "--git", "main", "-o", "json", "--", "k8s/")
    assert code == 0, err
    assert out == run("diff", *sides("loosening"), "-o", "json")[1]
    assert run("diff", "--git", "main", "--fail-on", "added", "--", "k8s")[0] == 1
    # committed: nothing differs from HEAD any more
    git(repo, "commit", "-q", "-am", "new")
    code, out, _ = run("diff", "--git", "HEAD", "--fail-on", "any", "--", "k8s")
    assert code == 0 and out.startswith("netpol diff: no change")
    code, out, _ = run("diff", "--git", "HEAD~1", "--fail-on", "any", "--", "k8s")
    assert code == 1


@needs_git
def test_git_mode_from_a_subfolder_and_for_one_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "k8s")
    expected = run("diff", *sides("loosening"), "-o", "json")[1]
    assert run("diff", "--git", "main", "-o", "json", "--", ".")[1] == expected
    code, out, err = run("diff", "--git", "main", "-o", "json", "--closed-world", "--", "policies.yaml")
    assert code == 0, err
    assert json.loads(out)["summary"]["added"] == 0  # no workloads in that file alone
    # open world: the loosened policies open paths between the stand-ins of what they select
    code, out, err = run("diff", "--git", "main", "-o", "json", "--", "policies.yaml")
    assert code == 0, err
    assert json.loads(out)["summary"]["added"] > 0


@needs_git
def test_git_mode_names_sources_by_revision(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostNetwork: yes, bogus: [}\n"
    (repo / "k8s" / "bad.yaml").write_text(bad)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "bad")
    (repo / "k8s" / "bad.yaml").unlink()
    monkeypatch.chdir(repo)
    code, _, err = run("diff", "--git", "HEAD", "--", "k8s")
    assert code == 2
    assert re.search(r"HEAD:k8s/bad\.yaml:4", err), err
    assert "netpol-git-" not in err


@needs_git
def test_git_mode_new_folder_is_all_added(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    shutil.copytree(FIXTURES / "workload-added" / "new", repo / "apps")
    code, out, err = run("diff", "--git", "main", "--fail-on", "added", "-o", "json", "--", "apps")
    assert code == 1
    assert "apps does not exist at main" in err
    assert json.loads(out)["summary"]["appeared"] == 6


@needs_git
def test_git_errors(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, out, err = run("diff", "--git", "no-such-branch", "--", "k8s")
    assert code == 2 and out == ""
    assert "unknown revision" in err and "no-such-branch" in err
    code, _, err = run("diff", "--git=--upload-pack=x", "--", "k8s")
    assert code == 2
    code, _, err = run("diff", "--git", "main", "--", "../elsewhere")
    assert code == 2 and "outside the repository" in err
    code, _, err = run("diff", "--git", "main", "--", "-")
    assert code == 2 and "stdin" in err
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    code, _, err = run("diff", "--git", "main", "--", ".")
    assert code == 2 and "not inside a git repository" in err
    with pytest.raises(GitError):
        load_revision("main", ["."], str(plain))


# -- the documentation's example ----------------------------------------------------------------------


def test_docs_example_is_current() -> None:
    """docs/diff.md shows the PR comment for the web shop change; it must be what netpol prints."""
    doc = (ROOT / "docs" / "diff.md").read_text()
    begin, end = "<!-- example: webshop -->\n", "<!-- end of example -->\n"
    shown = doc[doc.index(begin) + len(begin) : doc.index(end)]
    assert shown == run("diff", *sides("webshop"), "-o", "md")[1]
