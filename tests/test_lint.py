"""`netpol.lint`: every rule on a positive and a negative fixture, redundancy decided by the engine.

Fixtures: tests/fixtures/lint/<ID-slug>/{positive,negative}.yaml, each beside its golden .txt: the
text rendering of that rule's findings (``pytest --update-golden`` rewrites them).
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netpol
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.findings.catalog import CHECK_RULES, TIER_RULES
from netpol.findings.config import parse_config
from netpol.findings.records import Finding, SuppressionKind
from netpol.lint import LINT_RULES, LintConfig, Report, lint
from netpol.load.fields import YamlFile
from netpol.load.files import load_paths, load_text
from netpol.model.cluster import Cluster
from netpol.render.findings_text import render_text

FIXTURES = ROOT / "tests" / "fixtures" / "lint"
CASES = sorted((d.name, kind) for d in FIXTURES.iterdir() if d.is_dir() for kind in ("positive", "negative"))


def lint_paths(*paths: str | Path, config: LintConfig | None = None) -> Report:
    loaded = load_paths([str(p) for p in paths])
    graph = netpol.analyze_loaded(loaded)
    assert not [d for d in graph.diagnostics if d.severity.value == "error"], graph.diagnostics
    return lint(graph, config, locator=loaded.locator)


def lint_yaml(text: str, config: LintConfig | None = None) -> Report:
    loaded = load_text(text, "x.yaml")
    return lint(netpol.analyze_loaded(loaded), config, locator=loaded.locator)


def only(report: Report, rule_id: str) -> Report:
    return dataclasses.replace(report, findings=tuple(f for f in report.findings if f.rule_id == rule_id))


def test_every_rule_has_a_fixture_folder() -> None:
    folders = {d.name for d in FIXTURES.iterdir() if d.is_dir()}
    assert folders == {f"{r.id}-{r.slug}" for r in LINT_RULES}


@pytest.mark.parametrize(("folder", "kind"), CASES)
def test_rule(
    folder: str, kind: str, golden: Callable[[Path, str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    rule_id = folder.split("-", 1)[0]
    report = only(lint_paths(Path("tests/fixtures/lint") / folder / f"{kind}.yaml"), rule_id)
    if kind == "positive":
        assert report.findings, f"{rule_id} found nothing in its positive fixture"
        for f in report.findings:
            assert f.location is not None and f.location.line is not None
            assert f.hint and f.message and f.object
    else:
        assert not report.findings, [f.message for f in report.findings]
    golden(FIXTURES / folder / f"{kind}.txt", render_text(report))


def test_overpermissive_example_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    report = lint_paths("policies/overpermissive")
    by_rule = {f.rule_id: f for f in report.findings}
    db = [f for f in report.findings if f.rule_id == "NP006" and "shop/db" in f.message]
    assert db and "TCP 5432" in db[0].message  # the internet-exposed database
    assert "NP008" in by_rule and "NP009" in by_rule  # namespaceSelector: {} without ports
    assert "app=frontend" in by_rule["NP011"].hint  # the typo, and its fix
    assert "NP015" in by_rule  # egress isolation without DNS
    assert report.failed(netpol.lint.FailOn.ERROR)


# -- semantics the rules must not get wrong -----------------------------------------------------


POD = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}, labels: {{app: {name}}}}}
spec: {{containers: [{{name: c, image: i, ports: [{{containerPort: 80, name: http}}]}}]}}
"""


def test_no_policies_at_all_is_unprotected_not_one_way() -> None:
    report = lint_yaml(POD.format(name="web", ns="shop"))
    assert {f.rule_id for f in report.findings} == {"NP001", "NP002", "NP004", "NP005"}


def test_zero_rule_deny_all_is_clean() -> None:
    text = (
        POD.format(name="web", ns="shop")
        + """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"""
    )
    # DNS is blocked: the only finding. Deny-all is neither redundant nor unprotected.
    assert [f.rule_id for f in lint_yaml(text).findings] == ["NP015"]


def test_disabled_rules_do_not_run_and_severities_change() -> None:
    config = LintConfig(
        disabled=frozenset({"NP002", "NP005"}), severities=(("NP001", netpol.Severity.ERROR),)
    )
    report = lint_yaml(POD.format(name="web", ns="shop"), config)
    assert [(f.rule_id, f.severity.value) for f in report.findings] == [
        ("NP001", "error"),
        ("NP004", "warning"),
    ]
    # The tier rules run only when the input holds a tier policy.
    assert {r.id for r in report.rules} == {r.id for r in LINT_RULES} - {"NP002", "NP005"} - TIER_RULES
    assert report.rule("NP001").severity is netpol.Severity.ERROR


def test_public_range_threshold_is_configurable() -> None:
    text = (
        POD.format(name="web", ns="shop")
        + """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 52.0.0.0/20}}]}]
"""
    )
    assert not only(lint_yaml(text), "NP006").findings  # a /20: narrower than a /16
    wide = LintConfig(internet_prefix_v4=24)
    assert only(lint_yaml(text, wide), "NP006").findings


# -- suppression --------------------------------------------------------------------------------


def test_annotation_on_the_object_suppresses() -> None:
    text = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  annotations: {netpol.io/ignore: "unprotected-ingress, NP002"}
spec: {containers: [{name: c, image: i}]}
"""
    report = lint_yaml(text)
    assert {f.rule_id for f in report.findings} == {"NP004", "NP005"}
    assert {(s.finding.rule_id, s.kind) for s in report.suppressed} == {
        ("NP001", SuppressionKind.IN_SOURCE),
        ("NP002", SuppressionKind.IN_SOURCE),
    }
    assert report.suppressed[0].reason == "netpol.io/ignore on shop/web[Pod]"


def test_annotation_on_the_policy_suppresses_its_findings_only() -> None:
    text = (
        POD.format(name="web", ns="shop")
        + """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: public
  namespace: shop
  annotations: {netpol.io/ignore: NP006}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 80}]}]
"""
    )
    report = lint_yaml(text)
    assert [s.finding.rule_id for s in report.suppressed] == ["NP006"]
    assert [f.rule_id for f in report.findings] == ["NP015"]  # not covered by the annotation


def test_annotation_on_the_namespace_covers_its_objects() -> None:
    text = (
        """
apiVersion: v1
kind: Namespace
metadata: {name: legacy, annotations: {netpol.io/ignore: "*"}}
"""
        + "---"
        + POD.format(name="web", ns="legacy")
    )
    report = lint_yaml(text)
    assert not report.findings and len(report.suppressed) == 4
    assert report.summary() == "no findings (4 suppressed)"


def test_config_exception_needs_a_match_and_suppresses_with_its_reason() -> None:
    text = POD.format(name="web", ns="shop") + "---" + POD.format(name="db", ns="data")
    config = parse_config(
        YamlFile(
            "c.yaml",
            yaml.safe_load("""
exceptions:
  - {rule: NP001, object: shop/*, reason: behind the gateway}
  - {rule: "*", namespace: data, reason: legacy}
"""),
            load_text("", "c.yaml").locator,
        )
    )
    report = lint_yaml(text, config)
    assert {(f.rule_id, f.object) for f in report.findings} == {
        ("NP002", "shop/web[Pod]"),
        ("NP004", "shop[Namespace]"),
        ("NP005", "shop[Namespace]"),
    }
    reasons = {(s.finding.rule_id, s.finding.object): s.reason for s in report.suppressed}
    assert reasons[("NP001", "shop/web[Pod]")] == "behind the gateway"
    assert reasons[("NP004", "data[Namespace]")] == "legacy"
    assert all(s.kind is SuppressionKind.EXTERNAL for s in report.suppressed)


# -- docs ---------------------------------------------------------------------------------------


def test_every_rule_is_documented() -> None:
    doc = (ROOT / "docs" / "lint-rules.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (NP\d{3}) (\S+)$", doc, re.MULTILINE)
    assert headings == [(r.id, r.slug) for r in (*LINT_RULES, *CHECK_RULES)]
    for r in LINT_RULES:
        assert f"| {r.id} | `{r.slug}` | {r.severity.value} |" in doc
    for part in ("**What.**", "**Why.**", "**Fix.**", "**Example.**"):
        assert doc.count(part) == len(LINT_RULES) + len(CHECK_RULES), part


def test_pre_commit_hooks_are_declared() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"]: h["entry"] for h in hooks} == {
        "netpol-lint": "netpol lint",
        "netpol-check": "netpol check",
    }


# -- redundancy is decided by the engine: removing what it reports changes nothing ---------------


def _without(cluster: Cluster, findings: list[Finding]) -> Cluster:
    """The cluster without the policies (NP014) and rules (NP013) the findings name."""
    drop_policies = {f.object.removesuffix("[NetworkPolicy]") for f in findings if f.rule_id == "NP014"}
    drop_rules: set[tuple[str, str, int]] = set()
    for f in findings:
        if f.rule_id == "NP013":
            assert f.location is not None
            _, key, index = f.location.path[-3:]
            assert isinstance(index, int) and isinstance(key, str)
            drop_rules.add((f.object.removesuffix("[NetworkPolicy]"), key, index))
    policies = []
    for pol in cluster.policies:
        if pol.id in drop_policies:
            continue
        policies.append(
            dataclasses.replace(
                pol,
                ingress=tuple(r for r in pol.ingress if (pol.id, "ingress", r.index) not in drop_rules),
                egress=tuple(r for r in pol.egress if (pol.id, "egress", r.index) not in drop_rules),
            )
        )
    return dataclasses.replace(cluster, policies=tuple(policies))


def _same_after_removal(graph: AllowGraph, findings: list[Finding]) -> None:
    smaller = compile_graph(_without(graph.cluster, findings), graph.options)
    assert smaller.connections() == graph.connections()


@pytest.mark.parametrize(
    "path", [*sorted(FIXTURES.glob("NP01[34]*/*.yaml")), ROOT / "policies" / "overpermissive"], ids=str
)
def test_removing_redundant_items_changes_nothing(path: Path) -> None:
    graph = netpol.analyze([str(path)])
    found = [f for f in lint(graph).findings if f.rule_id in ("NP013", "NP014")]
    _same_after_removal(graph, found)  # all at once
    for f in found:
        _same_after_removal(graph, [f])  # and one by one


LABELS = ("web", "db", "api")


def _selector(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(("empty", "label", "in")))
    if kind == "empty":
        return {}
    if kind == "label":
        return {"matchLabels": {"app": draw(st.sampled_from(LABELS))}}
    values = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=2, unique=True))
    return {"matchExpressions": [{"key": "app", "operator": "In", "values": values}]}


@st.composite
def clusters(draw: st.DrawFn) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for i in range(draw(st.integers(2, 5))):
        ports = [{"containerPort": draw(st.sampled_from((80, 8080))), "name": "http"}]
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"p{i}",
                    "namespace": draw(st.sampled_from("ab")),
                    "labels": {"app": draw(st.sampled_from(LABELS))},
                },
                "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]},
                "status": {"podIP": f"10.0.0.{i + 1}"},
            }
        )
    for i in range(draw(st.integers(1, 5))):
        spec: dict[str, Any] = {"podSelector": _selector(draw)}
        types = draw(st.sampled_from((None, ["Ingress"], ["Egress"], ["Ingress", "Egress"])))
        if types:
            spec["policyTypes"] = types
        for key, word in (("ingress", "from"), ("egress", "to")):
            rules = []
            for _ in range(draw(st.integers(0, 3))):
                rule: dict[str, Any] = {}
                peers = []
                for _ in range(draw(st.integers(0, 2))):
                    shape = draw(st.sampled_from(("pod", "ns", "both", "ip")))
                    if shape == "ip":
                        peers.append(
                            {
                                "ipBlock": {
                                    "cidr": draw(st.sampled_from(("10.0.0.0/30", "0.0.0.0/0", "10.0.0.0/8")))
                                }
                            }
                        )
                        continue
                    peer: dict[str, Any] = {}
                    if shape in ("ns", "both"):
                        peer["namespaceSelector"] = draw(
                            st.sampled_from(({}, {"matchLabels": {"kubernetes.io/metadata.name": "a"}}))
                        )
                    if shape in ("pod", "both"):
                        peer["podSelector"] = _selector(draw)
                    peers.append(peer)
                if peers:
                    rule[word] = peers
                ports = draw(
                    st.sampled_from(
                        (
                            [],
                            [{"port": 80}],
                            [{"port": "http"}],
                            [{"port": 80, "endPort": 8080}],
                            [{"protocol": "UDP"}],
                        )
                    )
                )
                if ports:
                    rule["ports"] = ports
                rules.append(rule)
            if rules or bool(draw(st.booleans())):
                spec[key] = rules
        docs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"np{i}", "namespace": draw(st.sampled_from("ab"))},
                "spec": spec,
            }
        )
    return docs


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.randoms(use_true_random=False))
def test_redundancy_and_order_properties(docs: list[dict[str, Any]], rnd: random.Random) -> None:
    graph = netpol.analyze_text(yaml.safe_dump_all(docs))
    report = lint(graph)
    found = [f for f in report.findings if f.rule_id in ("NP013", "NP014")]
    _same_after_removal(graph, found)
    for f in found:
        _same_after_removal(graph, [f])
    # The order of the input never changes what is found.
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    again = lint(netpol.analyze_text(yaml.safe_dump_all(shuffled)))

    def key(r: Report) -> list[tuple[str, str, str]]:
        return sorted((f.rule_id, f.object, f.message) for f in r.findings)

    assert key(again) == key(report)
