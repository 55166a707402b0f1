"""`netpol diff` with the cluster-wide tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy): tier policies compared between the sides, the tier rules that decided a
changed pair on each side, and the edit said in words.

Fixtures: tests/fixtures/diff-tiers/<case>/{old,new}/; their golden reports are the cases
tests/cases/diff/tiers-*/ (test_cases.py). Each cause kind has a positive test (the edit changes a
connection and is named) and a negative one (an edit of the same kind that changes nothing).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from conftest import ROOT

import netpol
from netpol.cli import main
from netpol.core.escaping import csv_cell, md_code, terminal
from netpol.diff import ChangeKind, GraphDiff, PairChange, PolicyChangeKind, diff_graphs
from netpol.diff.tiers import compare_tier_policies
from netpol.engine.graph import AllowGraph
from netpol.model.resources import Direction
from netpol.render import diff_csv, diff_markdown, diff_text

FIXTURES = ROOT / "tests" / "fixtures" / "diff-tiers"
PROMETHEUS = "monitoring/prometheus[Deployment]"
API = "tenant-a/api[Deployment]"
WEB = "tenant-b/web[Deployment]"


def text_of(case: str, side: str) -> str:
    folder = FIXTURES / case / side
    return "\n---\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml")))


def graph(text: str) -> AllowGraph:
    return netpol.analyze_text(text)


def diff_of(case: str) -> GraphDiff:
    return diff_graphs(graph(text_of(case, "old")), graph(text_of(case, "new")))


def edited(case: str, side: str, *edits: tuple[str, str]) -> AllowGraph:
    """One side of a fixture with some text replaced (each must occur)."""
    text = text_of(case, side)
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return graph(text)


def change(d: GraphDiff, src: str, dst: str) -> PairChange:
    [c] = [c for c in d.changes if (c.src, c.dst) == (src, dst)]
    return c


def rule_text(g: AllowGraph, policy: str, direction: Direction, index: int) -> str:
    """What TierRuleView.describe() says of one tier rule."""
    [tv] = [
        tv
        for tv in g.tier_rules()
        if (tv.policy.id, tv.direction, tv.rule.index) == (policy, direction, index)
    ]
    return tv.describe()


def edits_of(d: GraphDiff) -> dict[str, tuple[PolicyChangeKind, tuple[str, ...], int]]:
    return {p.policy: (p.kind, p.edits, p.connections) for p in d.policies}


# -- priority -------------------------------------------------------------------------------------


def test_a_priority_edit_that_flips_the_winner_is_said_in_words() -> None:
    old, new = graph(text_of("priority", "old")), graph(text_of("priority", "new"))
    d = diff_graphs(old, new)
    [c] = d.changes
    assert (c.src, c.dst, c.kind, str(c.gained)) == (PROMETHEUS, API, ChangeKind.ADDED, "TCP 9090")
    assert c.cause == (
        "policy anp/allow-monitoring modified",
        "priority 20 → 5 makes anp/allow-monitoring win over anp/tenant-a",
    )
    allow = rule_text(new, "anp/allow-monitoring", Direction.INGRESS, 0)
    deny = rule_text(old, "anp/tenant-a", Direction.INGRESS, 1)
    assert allow == "Admin tier: anp/allow-monitoring (priority 5) ingress rule #1 'scrape' Allow"
    assert c.allowed_after == (f"{PROMETHEUS} not isolated for egress", allow)
    assert c.denied_before == (deny,)
    assert c.denied_after == () and c.allowed_before == ()
    assert edits_of(d) == {"anp/allow-monitoring": (PolicyChangeKind.MODIFIED, ("priority 20 → 5",), 1)}
    [p] = d.policies
    assert (p.tier, p.priority, p.before) == ("Admin", 5, ("Admin", 20))


def test_a_priority_edit_of_the_loser_names_it() -> None:
    old = graph(text_of("priority", "old"))
    new = edited("priority", "old", ("  priority: 10\n", "  priority: 30\n"))
    [c] = diff_graphs(old, new).changes
    assert c.cause == (
        "policy anp/tenant-a modified",
        "priority 10 → 30 of anp/tenant-a makes anp/allow-monitoring win over it",
    )


def test_the_sides_swapped_say_the_priority_the_other_way() -> None:
    old, new = graph(text_of("priority", "old")), graph(text_of("priority", "new"))
    forward, [back] = diff_graphs(old, new).changes, diff_graphs(new, old).changes
    assert back.kind is ChangeKind.REMOVED
    assert back.cause == (
        "policy anp/allow-monitoring modified",
        "priority 5 → 20 of anp/allow-monitoring makes anp/tenant-a win over it",
    )
    assert (back.allowed_before, back.denied_after) == (forward[0].allowed_after, forward[0].denied_before)
    assert {s.side for s in back.tiers} == {"before", "after"}
    assert {(s.policy, s.side) for s in back.tiers} == {
        (s.policy, "before" if s.side == "after" else "after") for s in forward[0].tiers
    }


def test_a_priority_edit_that_keeps_the_order_changes_nothing() -> None:
    old = graph(text_of("priority", "old"))
    new = edited("priority", "old", ("  priority: 20\n", "  priority: 15\n"))
    d = diff_graphs(old, new)
    assert d.empty and not d.changes
    assert edits_of(d) == {"anp/allow-monitoring": (PolicyChangeKind.MODIFIED, ("priority 20 → 15",), 0)}


# -- action ---------------------------------------------------------------------------------------


def test_an_action_edit_is_said_and_names_what_denies_now() -> None:
    old, new = graph(text_of("cnp", "old")), graph(text_of("cnp", "new"))
    c = change(diff_graphs(old, new), WEB, API)
    assert c.kind is ChangeKind.REMOVED
    assert c.cause == ("policy cnp/tenant-a modified", "cnp/tenant-a ingress rule #2 Pass → Deny")
    passed = rule_text(old, "cnp/tenant-a", Direction.INGRESS, 1)
    assert passed.endswith("'other-tenants' Pass")
    assert c.allowed_before == (
        f"{WEB} not isolated for egress",
        passed,
        f"{API} not isolated for ingress",
    )
    assert c.denied_after == (rule_text(new, "cnp/tenant-a", Direction.INGRESS, 1),)
    assert [(s.side, s.action) for s in c.tiers] == [("before", "Pass"), ("after", "Deny")]


def test_an_action_edit_on_a_rule_that_matches_no_pair_changes_nothing() -> None:
    # rule #1 matches tenant-a's own namespace, where the api has no other endpoint to talk to
    old = graph(text_of("cnp", "old"))
    new = edited(
        "cnp",
        "old",
        ("    - name: same-tenant\n      action: Pass", "    - name: same-tenant\n      action: Deny"),
    )
    d = diff_graphs(old, new)
    assert d.empty
    assert edits_of(d) == {"cnp/tenant-a": (PolicyChangeKind.MODIFIED, ("ingress rule #1 Pass → Deny",), 0)}


# -- tier -----------------------------------------------------------------------------------------


def test_a_tier_edit_lets_networkpolicy_decide() -> None:
    old, new = graph(text_of("cnp", "old")), graph(text_of("cnp", "new"))
    d = diff_graphs(old, new)
    c = change(d, PROMETHEUS, WEB)
    assert (c.kind, str(c.gained)) == (ChangeKind.ADDED, "TCP 9090")
    assert c.cause == (
        "policy cnp/guard modified",
        "tier Admin → Baseline of cnp/guard makes NetworkPolicy tenant-b/web-from-monitoring win over it",
    )
    assert c.allowed_after[-1] == "tenant-b/web-from-monitoring ingress rule #1"
    assert c.denied_before == (rule_text(old, "cnp/guard", Direction.INGRESS, 0),)
    assert edits_of(d)["cnp/guard"] == (PolicyChangeKind.MODIFIED, ("tier Admin → Baseline",), 1)


def test_a_tier_edit_back_says_the_policy_now_wins() -> None:
    old, new = graph(text_of("cnp", "new")), graph(text_of("cnp", "old"))
    c = change(diff_graphs(old, new), PROMETHEUS, WEB)
    assert c.kind is ChangeKind.REMOVED
    assert (
        "tier Baseline → Admin makes cnp/guard win over NetworkPolicy tenant-b/web-from-monitoring" in c.cause
    )
    assert c.denied_after == (rule_text(new, "cnp/guard", Direction.INGRESS, 0),)
    assert c.allowed_before[-1] == "tenant-b/web-from-monitoring ingress rule #1"


def test_a_tier_edit_under_a_networkpolicy_that_denies_changes_nothing() -> None:
    # the NetworkPolicy admits tenant-b only: moved to the Baseline tier, the guard is hidden by
    # it, and monitoring stays out
    own = (
        "              kubernetes.io/metadata.name: monitoring\n      ports:",
        "              kubernetes.io/metadata.name: tenant-b\n      ports:",
    )
    old = edited("cnp", "old", own)
    new = edited("cnp", "old", own, ("  tier: Admin\n  priority: 20", "  tier: Baseline\n  priority: 20"))
    d = diff_graphs(old, new)
    assert not [c for c in d.changes if c.dst == WEB]
    assert edits_of(d)["cnp/guard"] == (PolicyChangeKind.MODIFIED, ("tier Admin → Baseline",), 0)


# -- added and removed ----------------------------------------------------------------------------


def test_an_added_anp_that_denies_is_named_with_its_rule() -> None:
    old, new = graph(text_of("baseline", "old")), graph(text_of("baseline", "new"))
    d = diff_graphs(old, new)
    c = change(d, WEB, "0.0.0.0/0")
    assert c.kind is ChangeKind.REMOVED
    assert c.cause == ("policy anp/quarantine added",)
    assert c.allowed_before == (f"{WEB} not isolated for egress",)
    assert c.denied_after == ("Admin tier: anp/quarantine (priority 1) egress rule #1 'no-internet' Deny",)
    [step] = c.tiers
    assert (step.side, step.tier, step.priority, step.action, step.rule) == ("after", "Admin", 1, "Deny", 0)
    assert edits_of(d)["anp/quarantine"] == (PolicyChangeKind.ADDED, (), 1)


def test_an_added_anp_behind_an_earlier_allow_changes_nothing() -> None:
    allow = """---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: open
spec:
  priority: 0
  subject:
    namespaces:
      matchLabels: {tenant: b}
  egress:
    - name: anywhere
      action: Allow
      to:
        - networks: [0.0.0.0/0]
"""
    old = graph(text_of("baseline", "old") + allow)
    new = graph(
        text_of("baseline", "old") + allow + "---\n" + (FIXTURES / "baseline/new/admin.yaml").read_text()
    )
    d = diff_graphs(old, new)
    assert d.empty
    assert edits_of(d) == {"anp/quarantine": (PolicyChangeKind.ADDED, (), 0)}


def test_a_removed_banp_reopens_and_names_its_rule() -> None:
    old, new = graph(text_of("baseline", "old")), graph(text_of("baseline", "new"))
    d = diff_graphs(old, new)
    opened = [c for c in d.changes if c.kind is ChangeKind.ADDED]
    assert {(c.src, c.dst) for c in opened} == {(PROMETHEUS, API), (PROMETHEUS, WEB), (API, WEB), (WEB, API)}
    deny = rule_text(old, "banp/default", Direction.INGRESS, 0)
    assert deny == "Baseline tier: banp/default ingress rule #1 'default-deny' Deny"
    for c in opened:
        assert c.cause == ("policy banp/default removed",)
        assert c.denied_before == (deny,)
        assert c.allowed_after[-1] == f"{c.dst} not isolated for ingress"
    assert edits_of(d)["banp/default"] == (PolicyChangeKind.REMOVED, (), 4)
    [p] = [p for p in d.policies if p.policy == "banp/default"]
    assert (p.tier, p.priority, p.before) == ("Baseline", None, None)


def test_a_removed_banp_that_networkpolicies_hid_changes_nothing() -> None:
    # every tenant pod isolated for ingress, admitting the same as before: the baseline never applied
    isolate = """---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: closed, namespace: tenant-a}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: closed, namespace: tenant-b}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""
    cluster = (FIXTURES / "baseline/old/cluster.yaml").read_text()
    d = diff_graphs(graph(text_of("baseline", "old") + isolate), graph(cluster + isolate))
    assert d.empty
    assert edits_of(d) == {"banp/default": (PolicyChangeKind.REMOVED, (), 0)}


# -- no tier edit ---------------------------------------------------------------------------------


def test_unchanged_tier_policies_give_no_cause() -> None:
    old = graph(text_of("cnp", "new"))
    new = edited(
        "cnp", "new", ("        - port: metrics\n", "        - port: metrics\n        - port: http\n")
    )
    d = diff_graphs(old, new)
    [c] = d.changes
    assert (c.src, c.dst, c.kind, str(c.gained)) == (PROMETHEUS, WEB, ChangeKind.CHANGED, "TCP 8080")
    assert c.cause == ("policy tenant-b/web-from-monitoring modified",)
    assert [p.policy for p in d.policies] == ["tenant-b/web-from-monitoring"]
    assert all(p.tier is None for p in d.policies)
    assert d.tiered


def test_the_same_tier_policies_compare_equal_whatever_the_rule_names() -> None:
    old = graph(text_of("cnp", "old"))
    new = edited("cnp", "old", ("name: no-monitoring", "name: keep-monitoring-out"))
    assert compare_tier_policies(old.cluster.tier_policies, new.cluster.tier_policies) == {}
    d = diff_graphs(old, new)
    assert d.empty and not d.policies


def test_rule_edits_are_named_by_position() -> None:
    old = graph(text_of("cnp", "old"))
    extra = (
        "  ingress:\n    - name: same-tenant",
        "  ingress:\n    - name: first\n      action: Deny\n      from:\n        - namespaces:\n"
        "            matchLabels: {tenant: z}\n    - name: same-tenant",
    )
    new = edited("cnp", "old", extra)
    [edit] = compare_tier_policies(old.cluster.tier_policies, new.cluster.tier_policies).values()
    assert edit.edits == ("ingress rule #1 added",)


# -- formats --------------------------------------------------------------------------------------


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def sides(case: str) -> list[str]:
    return [str(FIXTURES / case / "old"), str(FIXTURES / case / "new")]


@pytest.mark.parametrize("case", sorted(p.name for p in FIXTURES.iterdir()))
def test_formats_carry_the_tiers(case: str) -> None:
    data = json.loads(run("diff", *sides(case), "-o", "json"))
    assert data["changes"]
    for c in data["changes"]:
        assert {"denied_after", "denied_before", "tier_rules"} <= set(c)
        for step in c["tier_rules"]:
            assert {"side", "tier", "priority", "action", "rule", "policy", "direction", "ports"} <= set(step)
    tiered = [p for p in data["policies"] if "tier" in p]
    assert tiered and all({"tier", "priority", "before", "edits"} <= set(p) for p in tiered)
    rows = list(csv.DictReader(io.StringIO(run("diff", *sides(case), "-o", "csv"))))
    assert [r["denied_before"] for r in rows] == ["; ".join(c["denied_before"]) for c in data["changes"]]
    assert [r["denied_after"] for r in rows] == ["; ".join(c["denied_after"]) for c in data["changes"]]
    text = run("diff", *sides(case))
    md = run("diff", *sides(case), "-o", "md")
    for c in data["changes"]:
        for cause in c["cause"]:
            assert cause in text and cause in md


def test_json_without_tiers_has_no_tier_keys() -> None:
    base = ROOT / "tests" / "fixtures" / "diff" / "loosening"
    data = json.loads(run("diff", str(base / "old"), str(base / "new"), "-o", "json"))
    assert not any({"tier_rules", "denied_after", "denied_before"} & set(c) for c in data["changes"])
    assert not any("tier" in p for p in data["policies"])
    header = run("diff", str(base / "old"), str(base / "new"), "-o", "csv").splitlines()[0]
    assert header == ",".join(diff_csv.HEADER)


HOSTILE = "x`|*<b>\\u202e=1 @here"
"""A rule name as YAML writes it: backtick, pipe, emphasis, HTML, a bidi override, a mention."""


def test_names_from_manifests_are_escaped() -> None:
    def side(name: str) -> AllowGraph:
        text = text_of("priority", name)
        assert "name: others" in text
        return graph(text.replace("name: others", f'name: "{HOSTILE}"'))

    d = diff_graphs(side("old"), side("new"))
    [c] = d.changes
    [deny] = c.denied_before
    assert "<b>" in deny and "`|*" in deny
    text = diff_text.render_diff(d)
    assert f"    denied before:  {terminal(deny)}\n" in text and "\u202e" not in text
    md = diff_markdown.render_diff(d)
    assert f"denied before by {md_code(deny, table=False)}" in md and "\u202e" not in md
    [row] = list(csv.DictReader(io.StringIO(diff_csv.render_diff(d))))
    assert row["denied_before"] == csv_cell(deny) and "\u202e" not in row["denied_before"]


def test_namespace_filter_keeps_the_tier_policies_its_changes_name() -> None:
    data = json.loads(run("diff", *sides("cnp"), "-n", "tenant-a", "-o", "json"))
    assert [(c["src"], c["dst"]) for c in data["changes"]] == [(WEB, API)]
    assert [p["policy"] for p in data["policies"]] == ["cnp/tenant-a"]


# -- both ways, on the bundled example ------------------------------------------------------------

TENANTS = ROOT / "policies" / "tenants-anp"
EDITS = {
    "scrape on http": [("port: 9090}", "port: 8080}")],
    "tenants open to each other": [
        ("    - name: other-tenants\n      action: Deny", "    - name: other-tenants\n      action: Allow")
    ],
    "baseline allows": [
        ("    - name: default-deny\n      action: Deny", "    - name: default-deny\n      action: Allow")
    ],
    "dns denied": [("    - name: dns\n      action: Allow", "    - name: dns\n      action: Deny")],
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_tier_edits_on_the_example_read_the_same_both_ways(edit: str) -> None:
    text = "\n---\n".join(p.read_text(encoding="utf-8") for p in sorted(TENANTS.glob("*.yaml")))
    changed = text
    for old, new in EDITS[edit]:
        assert old in changed, old
        changed = changed.replace(old, new)
    a, b = graph(text), graph(changed)
    forward, backward = diff_graphs(a, b), diff_graphs(b, a)
    assert forward.changes, edit
    back = {(c.src, c.dst): c for c in backward.changes}
    flip = {"before": "after", "after": "before"}
    for c in forward.changes:
        r = back[(c.src, c.dst)]
        assert c.cause and r.cause, c
        assert (r.allowed_after, r.allowed_before) == (c.allowed_before, c.allowed_after)
        assert (r.denied_after, r.denied_before) == (c.denied_before, c.denied_after)
        assert {(flip[s.side], s.policy, s.rule, s.ports) for s in r.tiers} == {
            (s.side, s.policy, s.rule, s.ports) for s in c.tiers
        }
        edited_policies = {p.policy for p in forward.policies}
        assert {p for p in edited_policies if any(cause.startswith(f"policy {p} ") for cause in c.cause)}
    assert {p.policy for p in forward.policies} == {p.policy for p in backward.policies}
