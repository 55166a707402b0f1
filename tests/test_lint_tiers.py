"""The lint rules of the cluster-wide policy tiers (NP017-NP022) and the NP001/NP002 note.

Each rule has a positive case (the finding, its message and where it points) and a near miss with
none, on tiny clusters: two namespaces (``shop``, ``dev``), a pod in each. Properties check, on
random small clusters, that what NP018, NP019 and NP020 claim holds in the engine: removing every
rule NP018 reports changes no connection; where NP019 reports nothing, applying the policies of
equal priority in the other order changes no verdict; an NP020 Pass written as Allow allows the same.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import yaml
from conftest import SafeDumper, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netpol
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.findings.catalog import TIER_RULES, RuleId
from netpol.findings.records import Finding
from netpol.lint import LintConfig, Report, lint
from netpol.load.files import load_text
from netpol.model import Options
from netpol.model.cluster import Cluster
from netpol.model.resources import Direction
from netpol.model.tiers import ANP_KIND, CNP_KIND, Tier, TierAction, TierPolicy

CLOSED = Options(stand_ins=False)

PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev, labels: {team: dev}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: web, ports: [{containerPort: 80, name: http}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: cli, namespace: dev, labels: {app: cli}}
spec: {containers: [{name: cli, image: cli}]}
"""

SHOP_DENY_INGRESS = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""

SHOP_DENY_EGRESS = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: shop}
spec: {podSelector: {}, policyTypes: [Egress]}
"""


def anp(name: str, priority: int, subject: str, ingress: str = "", egress: str = "") -> str:
    """An AdminNetworkPolicy; ``subject``, ``ingress`` and ``egress`` are flow-style YAML."""
    rules = (f"\n  ingress: {ingress}" if ingress else "") + (f"\n  egress: {egress}" if egress else "")
    return f"""
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {{name: {name}}}
spec:
  priority: {priority}
  subject: {subject}{rules}
"""


def cnp(name: str, tier: str, priority: int, subject: str, ingress: str = "", egress: str = "") -> str:
    rules = (f"\n  ingress: {ingress}" if ingress else "") + (f"\n  egress: {egress}" if egress else "")
    return f"""
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {{name: {name}}}
spec:
  tier: {tier}
  priority: {priority}
  subject: {subject}{rules}
"""


def banp(subject: str, ingress: str = "", egress: str = "") -> str:
    rules = (f"\n  ingress: {ingress}" if ingress else "") + (f"\n  egress: {egress}" if egress else "")
    return f"""
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {{name: default}}
spec:
  subject: {subject}{rules}
"""


SHOP = "{namespaces: {matchLabels: {team: shop}}}"
DEV = "{namespaces: {matchLabels: {team: dev}}}"
EVERY = "{namespaces: {}}"
FROM_DEV = "from: [{namespaces: {matchLabels: {team: dev}}}]"
FROM_SHOP = "from: [{namespaces: {matchLabels: {team: shop}}}]"
TO_SHOP = "to: [{namespaces: {matchLabels: {team: shop}}}]"


def run(text: str, options: Options = Options()) -> Report:
    loaded = load_text(PODS + text, "x.yaml")
    graph = netpol.analyze_loaded(loaded, options)
    assert not [d for d in graph.diagnostics if d.severity.value == "error"], graph.diagnostics
    return lint(graph, locator=loaded.locator)


def found(text: str, rule_id: str, options: Options = Options()) -> list[Finding]:
    return [f for f in run(text, options).findings if f.rule_id == rule_id]


def at(f: Finding) -> tuple[str | int, ...]:
    assert f.location is not None and f.location.line is not None
    return f.location.path


# -- running only with tier policies ---------------------------------------------------------------


def test_the_tier_rules_run_only_when_the_input_holds_a_tier_policy() -> None:
    assert not {r.id for r in run("").rules} & TIER_RULES
    report = run(anp("a", 1, SHOP, ingress=f"[{{action: Deny, {FROM_DEV}}}]"))
    assert {r.id for r in report.rules} >= TIER_RULES
    text = PODS + anp("a", 1, SHOP, ingress=f"[{{action: Deny, {FROM_DEV}}}]")
    disabled = lint(netpol.analyze_text(text), LintConfig(disabled=frozenset({"NP017"})))
    assert {r.id for r in disabled.rules} & TIER_RULES == TIER_RULES - {"NP017"}


# -- NP001 / NP002: the tiers still decide ---------------------------------------------------------


def test_unprotected_names_the_tier_policies_that_still_decide() -> None:
    text = anp("guard", 1, SHOP, ingress=f"[{{action: Deny, {FROM_DEV}}}]") + banp(
        EVERY, egress="[{action: Deny, to: [{networks: [0.0.0.0/0]}]}]"
    )
    report = run(text)
    [web_in] = [f for f in report.findings if f.rule_id == "NP001" and f.object == "shop/web[Pod]"]
    assert web_in.message.endswith(
        "every source may connect to it, on every port; cluster-wide policies (anp/guard) still "
        "decide its ingress"
    )
    [web_out] = [f for f in report.findings if f.rule_id == "NP002" and f.object == "shop/web[Pod]"]
    assert web_out.message.endswith("; cluster-wide policies (banp/default) still decide its egress")
    # dev/cli: no tier policy with ingress rules selects it; the BANP's egress rules do.
    [cli_in] = [f for f in report.findings if f.rule_id == "NP001" and f.object == "dev/cli[Pod]"]
    assert cli_in.message.endswith("every source may connect to it, on every port")


# -- NP017 admin-overrides-isolation ---------------------------------------------------------------


def test_an_admin_allow_past_the_isolation_is_reported_at_the_rule() -> None:
    text = SHOP_DENY_INGRESS + anp("dev-debug", 10, SHOP, ingress=f"[{{action: Allow, {FROM_DEV}}}]")
    [f] = found(text, RuleId.ADMIN_OVERRIDES_ISOLATION)
    assert f.message == (
        "anp/dev-debug ingress rule #1 (Allow) allows 1 connection (dev/cli[Pod] -> shop/web[Pod] "
        "on every port) that the NetworkPolicies isolating the destinations (shop/deny-all) do not "
        "admit: their owners cannot see it in their own policies"
    )
    assert at(f) == ("spec", "ingress", 0)
    assert f.object == "dev-debug[AdminNetworkPolicy]" and f.subjects == ("shop/web[Pod]",)


def test_an_admin_allow_of_what_the_networkpolicy_admits_is_not_reported() -> None:
    admits = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {team: dev}}}], ports: [{port: 80}]}]
"""
    rule = "[{action: Allow, ports: [{portNumber: {port: 80}}], " + FROM_DEV + "}]"
    assert not found(admits + anp("dev-debug", 10, SHOP, ingress=rule), RuleId.ADMIN_OVERRIDES_ISOLATION)
    # One port more than the NetworkPolicy admits, and it is.
    wider = rule.replace("portNumber: {port: 80}", "portRange: {start: 80, end: 81}")
    [f] = found(admits + anp("dev-debug", 10, SHOP, ingress=wider), RuleId.ADMIN_OVERRIDES_ISOLATION)
    assert "on TCP 81)" in f.message


def test_an_admin_allow_for_pods_no_networkpolicy_isolates_is_not_reported() -> None:
    text = anp("dev-debug", 10, SHOP, ingress=f"[{{action: Allow, {FROM_DEV}}}]")
    assert not found(text, RuleId.ADMIN_OVERRIDES_ISOLATION)


def test_an_admin_egress_accept_past_the_sources_isolation() -> None:
    text = SHOP_DENY_EGRESS + cnp(
        "out", "Admin", 3, SHOP, egress="[{action: Accept, to: [{networks: [203.0.113.0/24]}]}]"
    )
    [f] = found(text, RuleId.ADMIN_OVERRIDES_ISOLATION)
    assert f.message.startswith(
        "cnp/out egress rule #1 (Accept) allows 1 connection (shop/web[Pod] -> 203.0.113.0/24 on "
        "every port) that the NetworkPolicies isolating the sources (shop/deny-egress) do not admit"
    )
    assert at(f) == ("spec", "egress", 0)
    # A Pass leaves the decision to the NetworkPolicy, which denies.
    passing = text.replace("action: Accept", "action: Pass")
    assert not found(passing, RuleId.ADMIN_OVERRIDES_ISOLATION)


# -- NP018 shadowed-tier-rule -----------------------------------------------------------------------


def test_a_rule_an_earlier_rule_covers_is_shadowed() -> None:
    deny_ssh = (
        "{action: Deny, ports: [{portNumber: {port: 22}}], from: [{pods: {namespaceSelector: "
        "{matchLabels: {team: dev}}, podSelector: {matchLabels: {app: cli}}}}]}"
    )
    text = anp("dev-access", 10, SHOP, ingress=f"[{{action: Allow, {FROM_DEV}}}, {deny_ssh}]")
    [f] = found(text, RuleId.SHADOWED_TIER_RULE)
    assert f.message == (
        "anp/dev-access ingress rule #2 (Deny) never decides anything: of every connection and port "
        "it matches, anp/dev-access ingress rule #1 (Allow) decides first"
    )
    assert at(f) == ("spec", "ingress", 1)
    swapped = anp("dev-access", 10, SHOP, ingress=f"[{deny_ssh}, {{action: Allow, {FROM_DEV}}}]")
    assert not found(swapped, RuleId.SHADOWED_TIER_RULE)


def test_a_higher_precedence_policy_shadows_but_an_equal_priority_one_does_not() -> None:
    first = anp("first", 1, SHOP, ingress=f"[{{action: Pass, {FROM_DEV}}}]")
    later = anp("later", 2, EVERY, ingress=f"[{{action: Deny, {FROM_DEV}}}]")
    [f] = found(first + later, RuleId.SHADOWED_TIER_RULE)
    assert f.message.startswith("anp/later ingress rule #1 (Deny) never decides anything")
    assert "anp/first ingress rule #1 (Pass) decides first" in f.message
    # Also reaching dev/cli from shop: the later rule decides that.
    wider = later.replace(FROM_DEV, "from: [{namespaces: {}}]")
    assert not found(first + wider, RuleId.SHADOWED_TIER_RULE)
    # At the same priority either may be applied first: no shadow (NP019's business).
    tie = later.replace("priority: 2", "priority: 1")
    assert not found(first + tie, RuleId.SHADOWED_TIER_RULE)


def test_a_baseline_rule_for_isolated_pods_is_shadowed_by_networkpolicy() -> None:
    text = SHOP_DENY_INGRESS + banp(SHOP, ingress=f"[{{action: Allow, {FROM_DEV}}}]")
    [f] = found(text, RuleId.SHADOWED_TIER_RULE)
    assert f.message == (
        "banp/default ingress rule #1 (Allow) never decides anything: of every connection and port "
        "it matches, NetworkPolicy (shop/deny-all) isolates ingress of shop/web[Pod], and decides "
        "for them"
    )
    assert "write the rule into those NetworkPolicies" in f.hint
    # Isolated for egress only: the Baseline ingress rule decides.
    assert not found(SHOP_DENY_EGRESS + banp(SHOP, ingress=f"[{{action: Allow, {FROM_DEV}}}]"), f.rule_id)


def test_a_baseline_rule_the_admin_tier_decides_for_is_shadowed() -> None:
    admin = anp("a", 1, SHOP, ingress=f"[{{action: Deny, {FROM_DEV}}}]")
    base = banp(SHOP, ingress=f"[{{action: Allow, {FROM_DEV}}}]")
    [f] = found(admin + base, RuleId.SHADOWED_TIER_RULE)
    assert f.message.endswith("anp/a ingress rule #1 (Deny) decides first")
    passing = admin.replace("action: Deny", "action: Pass")  # a Pass hands the traffic on
    assert not found(passing + base, RuleId.SHADOWED_TIER_RULE)


def test_a_subject_or_peers_that_select_nothing_match_nothing() -> None:
    qa = "{namespaces: {matchLabels: {team: qa}}}"
    [f] = found(anp("qa", 1, qa, ingress=f"[{{action: Deny, {FROM_DEV}}}]"), RuleId.SHADOWED_TIER_RULE)
    assert f.message.startswith(
        "anp/qa: subject (all pods in namespaces with team=qa) selects no pod of the input (it "
        "selects only pods the input does not hold: {team=qa}/*[StandIn]"
    )
    assert f.message.endswith("so its rule matches nothing")
    assert at(f) == ("spec", "subject")
    [closed] = found(anp("qa", 1, qa, ingress=f"[{{action: Deny, {FROM_DEV}}}]"), f.rule_id, CLOSED)
    assert closed.message == (
        "anp/qa: subject (all pods in namespaces with team=qa) selects no pod of the input, so its "
        "rule matches nothing"
    )
    nobody = "from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: nope}}}}]"
    [g] = found(anp("p", 1, SHOP, ingress=f"[{{action: Deny, {nobody}}}]"), f.rule_id, CLOSED)
    assert g.message == (
        "anp/p ingress rule #1 (Deny) matches nothing: its peers (pods with app=nope in every "
        "namespace) match no pod, node or address of the input"
    )
    assert at(g) == ("spec", "ingress", 0, "from")
    # A namespace named by kubernetes.io/metadata.name may simply not be in the input.
    named = "{namespaces: {matchLabels: {kubernetes.io/metadata.name: qa}}}"
    assert not found(anp("qa", 1, named, ingress=f"[{{action: Deny, {FROM_DEV}}}]"), f.rule_id)


def test_a_named_port_no_destination_declares_matches_nothing() -> None:
    rule = "[{action: Deny, ports: [{namedPort: https}], " + FROM_DEV + "}]"
    [f] = found(anp("p", 1, SHOP, ingress=rule), RuleId.SHADOWED_TIER_RULE)
    assert f.message == (
        "anp/p ingress rule #1 (Deny) matches nothing: no pod it concerns declares the port named https"
    )
    assert at(f) == ("spec", "ingress", 0, "ports")
    assert not found(anp("p", 1, SHOP, ingress=rule.replace("https", "http")), f.rule_id)


# -- NP019 equal-priority-overlap ------------------------------------------------------------------


def test_equal_priorities_deciding_common_traffic_differently() -> None:
    allow = anp("allow-dev", 10, SHOP, ingress=f"[{{action: Allow, {FROM_DEV}}}]")
    lockdown = cnp("lockdown", "Admin", 10, EVERY, ingress=f"[{{action: Deny, {FROM_DEV}}}]")
    [f] = found(allow + lockdown, RuleId.EQUAL_PRIORITY_OVERLAP)
    assert f.message == (
        "cnp/lockdown and anp/allow-dev share priority 10 in the Admin tier and decide 1 connection "
        "(dev/cli[Pod] -> shop/web[Pod] on every port) differently (cnp/lockdown ingress rule #1 "
        "(Deny) against anp/allow-dev ingress rule #1 (Allow)): the implementation can apply "
        "either; netpol applies cnp/lockdown first"
    )
    assert at(f) == ("spec", "priority") and f.object == "allow-dev[AdminNetworkPolicy]"
    [related] = f.related
    assert related.location.path == ("spec", "priority") and "cnp/lockdown" in related.message


def test_equal_priorities_that_are_disjoint_agree_or_are_decided_earlier_are_not_reported() -> None:
    allow = anp("allow-dev", 10, SHOP, ingress=f"[{{action: Allow, {FROM_DEV}}}]")
    disjoint = cnp("lockdown", "Admin", 10, DEV, ingress=f"[{{action: Deny, {FROM_SHOP}}}]")
    assert not found(allow + disjoint, RuleId.EQUAL_PRIORITY_OVERLAP)
    agree = cnp("also", "Admin", 10, EVERY, ingress=f"[{{action: Accept, {FROM_DEV}}}]")
    assert not found(allow + agree, RuleId.EQUAL_PRIORITY_OVERLAP)
    other_priority = cnp("lockdown", "Admin", 11, EVERY, ingress=f"[{{action: Deny, {FROM_DEV}}}]")
    assert not found(allow + other_priority, RuleId.EQUAL_PRIORITY_OVERLAP)
    tie = other_priority.replace("priority: 11", "priority: 10")
    first = anp("first", 1, EVERY, ingress=f"[{{action: Deny, {FROM_DEV}}}]")  # decides it all
    assert not found(allow + tie + first, RuleId.EQUAL_PRIORITY_OVERLAP)


def test_the_baseline_tier_ties_too_but_not_for_isolated_pods_nor_against_the_banp() -> None:
    a = cnp("a", "Baseline", 5, SHOP, ingress=f"[{{action: Accept, {FROM_DEV}}}]")
    b = cnp("b", "Baseline", 5, EVERY, ingress=f"[{{action: Deny, {FROM_DEV}}}]")
    [f] = found(a + b, RuleId.EQUAL_PRIORITY_OVERLAP)
    assert f.message.startswith("cnp/a and cnp/b share priority 5 in the Baseline tier")
    assert not found(SHOP_DENY_INGRESS + a + b, RuleId.EQUAL_PRIORITY_OVERLAP)
    base = banp(EVERY, ingress=f"[{{action: Deny, {FROM_DEV}}}]")  # no priority: never tied
    assert not found(a + base, RuleId.EQUAL_PRIORITY_OVERLAP)


# -- NP020 pass-to-nothing -------------------------------------------------------------------------


def test_an_admin_pass_nothing_decides_after_acts_as_allow() -> None:
    text = anp("defer-dev", 10, SHOP, ingress=f"[{{action: Pass, {FROM_DEV}}}]")
    [f] = found(text, RuleId.PASS_TO_NOTHING)
    assert f.message == (
        "anp/defer-dev ingress rule #1 (Pass) passes 1 connection (dev/cli[Pod] -> shop/web[Pod] on "
        "every port) on to NetworkPolicy and the Baseline tier, but neither decides: no "
        "NetworkPolicy isolates ingress of shop/web[Pod] and no Baseline rule matches, so the "
        "default allows it, as an Allow would"
    )
    assert at(f) == ("spec", "ingress", 0, "action")
    assert f.severity.value == "info"


def test_an_admin_pass_that_networkpolicy_or_a_baseline_rule_decides_is_not_reported() -> None:
    text = anp("defer-dev", 10, SHOP, ingress=f"[{{action: Pass, {FROM_DEV}}}]")
    assert not found(SHOP_DENY_INGRESS + text, RuleId.PASS_TO_NOTHING)
    assert not found(text + banp(EVERY, ingress=f"[{{action: Deny, {FROM_DEV}}}]"), RuleId.PASS_TO_NOTHING)
    # A Baseline rule for other traffic leaves it to the default still.
    other = banp(EVERY, ingress=f"[{{action: Deny, {FROM_SHOP}}}]")
    assert found(text + other, RuleId.PASS_TO_NOTHING)


def test_a_baseline_pass_leaves_only_the_default() -> None:
    text = cnp("bpass", "Baseline", 5, DEV, egress="[{action: Pass, to: [{networks: [0.0.0.0/0]}]}]")
    [f] = found(text, RuleId.PASS_TO_NOTHING)
    assert f.message == (
        "cnp/bpass egress rule #1 (Pass) leaves 1 connection (dev/cli[Pod] -> 0.0.0.0/0 on every "
        "port) to the default, which allows it, as an Accept would (a Baseline Pass only skips the "
        "rest of the Baseline tier)"
    )
    assert at(f) == ("spec", "egress", 0, "action")
    accept = text.replace("action: Pass", "action: Accept")
    assert not found(accept, RuleId.PASS_TO_NOTHING)


# -- NP021 domain-names-not-allow, NP022 dns-dependent ---------------------------------------------


def test_domain_names_in_a_deny_or_pass_rule() -> None:
    deny = "[{action: Deny, to: [{networks: [10.0.0.0/8]}, {domainNames: [pastebin.com]}]}]"
    [f] = found(anp("p", 1, EVERY, egress=deny), RuleId.DOMAIN_NAMES_NOT_ALLOW)
    assert f.message == (
        'anp/p egress rule #1 (Deny) names domainNames pastebin.com: "DomainNames is only supported '
        'for ALLOW rules"; netpol takes the peer to match nothing, so the rule denies no traffic by name'
    )
    assert at(f) == ("spec", "egress", 0, "to", 1, "domainNames")
    passing = cnp("c", "Admin", 1, EVERY, egress="[{action: Pass, to: [{domainNames: [a.example.com]}]}]")
    [g] = found(passing, RuleId.DOMAIN_NAMES_NOT_ALLOW)
    assert '"DomainNames is only supported for Accept rules"' in g.message
    assert g.message.endswith("so the rule passes no traffic by name")
    allow = "[{action: Allow, to: [{domainNames: [pastebin.com]}]}]"
    assert not found(anp("p", 1, EVERY, egress=allow), RuleId.DOMAIN_NAMES_NOT_ALLOW)


def test_an_allow_by_domain_name_depends_on_dns() -> None:
    allow = "[{action: Allow, to: [{domainNames: ['*.github.com', github.com]}]}]"
    [f] = found(anp("gh", 1, DEV, egress=allow), RuleId.DNS_DEPENDENT)
    assert f.message == (
        "anp/gh egress rule #1 (Allow) lets dev/cli[Pod] reach domain names *.github.com, "
        "github.com: netpol cannot resolve names, so its verdicts toward outside addresses depend on DNS"
    )
    assert at(f) == ("spec", "egress", 0, "to", 0, "domainNames") and f.severity.value == "info"
    networks = "[{action: Allow, to: [{networks: [140.82.112.0/20]}]}]"
    assert not found(anp("gh", 1, DEV, egress=networks), RuleId.DNS_DEPENDENT)
    deny = allow.replace("Allow", "Deny")  # NP021's
    assert not found(anp("gh", 1, DEV, egress=deny), RuleId.DNS_DEPENDENT)


# -- properties: what NP018, NP019 and NP020 claim holds in the engine ----------------------------

_NAMESPACES = ("a", "b")
_SUBJECTS: list[dict[str, Any]] = [
    {"namespaces": {}},
    {"namespaces": {"matchLabels": {"team": "a"}}},
    {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "front"}}}},
]
_PEERS: list[dict[str, Any]] = [
    {"namespaces": {}},
    {"namespaces": {"matchLabels": {"team": "b"}}},
    {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "back"}}}},
]
_EGRESS_PEERS = [*_PEERS, {"networks": ["10.0.0.0/30"]}, {"networks": ["0.0.0.0/0"]}]
_PORTS: list[list[dict[str, Any]] | None] = [
    None,
    [{"portNumber": {"port": 80}}],
    [{"portRange": {"start": 53, "end": 80}}],
    [{"namedPort": "http"}],
]


def _pods() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for ns in _NAMESPACES:
        docs.append(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"team": ns}}}
        )
    for i, (ns, app) in enumerate([("a", "front"), ("a", "back"), ("b", "front"), ("b", "back")]):
        ports = [{"containerPort": 80 if i % 2 else 8080, "name": "http"}]
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"p{i}", "namespace": ns, "labels": {"app": app}},
                "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]},
                "status": {"podIP": f"10.0.0.{i + 1}"},
            }
        )
    return docs


@st.composite
def _tier_policy(draw: st.DrawFn, i: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["anp", "cnp-admin", "cnp-baseline"]))
    actions = ["Accept" if kind.startswith("cnp") else "Allow", "Deny", "Pass"]

    def rules(peers: list[dict[str, Any]], word: str) -> list[dict[str, Any]]:
        out = []
        for _ in range(draw(st.integers(0, 2))):
            rule: dict[str, Any] = {
                "action": draw(st.sampled_from(actions)),
                word: [draw(st.sampled_from(peers))],
            }
            ports = draw(st.sampled_from(_PORTS))
            if ports is not None and "networks" not in rule[word][0]:
                rule["ports"] = ports
            out.append(rule)
        return out

    spec: dict[str, Any] = {
        "priority": draw(st.sampled_from([1, 2])),
        "subject": draw(st.sampled_from(_SUBJECTS)),
        "ingress": rules(_PEERS, "from"),
        "egress": rules(_EGRESS_PEERS, "to"),
    }
    if kind == "anp":
        return {
            "apiVersion": "policy.networking.k8s.io/v1alpha1",
            "kind": ANP_KIND,
            "metadata": {"name": f"p{i}"},
            "spec": spec,
        }
    for rs in (spec["ingress"], spec["egress"]):
        for r in rs:
            if "ports" in r:
                r["protocols"] = [_protocol(p) for p in r.pop("ports")]
    spec["tier"] = "Admin" if kind == "cnp-admin" else "Baseline"
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": CNP_KIND,
        "metadata": {"name": f"p{i}"},
        "spec": spec,
    }


def _protocol(port: dict[str, Any]) -> dict[str, Any]:
    if "namedPort" in port:
        return {"destinationNamedPort": port["namedPort"]}
    if "portNumber" in port:
        return {"tcp": {"destinationPort": {"number": port["portNumber"]["port"]}}}
    return {"tcp": {"destinationPort": {"range": port["portRange"]}}}


@st.composite
def _clusters(draw: st.DrawFn) -> AllowGraph:
    docs = _pods()
    if draw(st.booleans()):
        types = draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
        docs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "np", "namespace": "a"},
                "spec": {
                    "podSelector": {"matchLabels": {"app": draw(st.sampled_from(["front", "back"]))}},
                    "policyTypes": types,
                    "ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": 80}]}],
                    "egress": [{"to": [{"namespaceSelector": {}}]}],
                },
            }
        )
    docs += [draw(_tier_policy(i)) for i in range(draw(st.integers(1, 4)))]
    if draw(st.booleans()):
        base = draw(_tier_policy(9))
        spec = {k: v for k, v in base["spec"].items() if k in ("subject", "ingress", "egress")}
        for rs in (spec["ingress"], spec["egress"]):
            for r in rs:
                r["action"] = "Allow" if r["action"] in ("Accept", "Allow") else "Deny"
                if "protocols" in r:
                    del r["protocols"]
        docs.append(
            {
                "apiVersion": "policy.networking.k8s.io/v1alpha1",
                "kind": "BaselineAdminNetworkPolicy",
                "metadata": {"name": "default"},
                "spec": spec,
            }
        )
    text = "---\n".join(yaml.dump(d, Dumper=SafeDumper, sort_keys=False) for d in docs)
    graph = netpol.analyze_text(text, CLOSED)
    assert not [d for d in graph.diagnostics if d.severity.value == "error"], graph.diagnostics
    return graph


def _verdicts(cluster: Cluster, *, tiers: bool = True) -> list[tuple[object, ...]]:
    """Every allowed connection; with ``tiers``, which tiers allowed each side (``False``: pair by
    pair, as runs of address ranges merge only where the tiers agree)."""
    graph = compile_graph(cluster, CLOSED)
    if not tiers:
        return [(graph.ids[s], graph.ids[d], ports) for s, d, ports in graph.pairs()]
    return [(c.src, c.dst, c.ports, c.decided) for c in graph.connections()]


_RULE = re.compile(r"^(\S+) (ingress|egress) rule #(\d+) ")
_SUBJECT = re.compile(r"^(\S+): subject ")


def _rule_of(f: Finding) -> tuple[str, Direction, int] | None:
    m = _RULE.match(f.message)
    return None if m is None else (m[1], Direction(m[2].capitalize()), int(m[3]) - 1)


def _edit(cluster: Cluster, edit: Any) -> Cluster:
    return dataclasses.replace(cluster, tier_policies=tuple(edit(p) for p in cluster.tier_policies))


_PROPERTY = settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(_clusters())
def test_removing_every_rule_np018_reports_changes_no_connection(graph: AllowGraph) -> None:
    findings = [f for f in lint(graph).findings if f.rule_id == RuleId.SHADOWED_TIER_RULE]
    dead = {r for f in findings if (r := _rule_of(f)) is not None}
    empty = {m[1] for f in findings if (m := _SUBJECT.match(f.message))}

    def drop(p: TierPolicy) -> TierPolicy:
        if p.id in empty:
            return dataclasses.replace(p, ingress=(), egress=())
        keep = {d: tuple(r for r in p.rules(d) if (p.id, d, r.index) not in dead) for d in Direction}
        return dataclasses.replace(p, ingress=keep[Direction.INGRESS], egress=keep[Direction.EGRESS])

    assert _verdicts(_edit(graph.cluster, drop)) == _verdicts(graph.cluster)


@_PROPERTY
@given(_clusters())
def test_without_np019_the_order_of_equal_priorities_changes_no_verdict(graph: AllowGraph) -> None:
    if any(f.rule_id == RuleId.EQUAL_PRIORITY_OVERLAP for f in lint(graph).findings):
        return
    names = sorted(p.name for p in graph.cluster.tier_policies if p.name != "default")

    def flip(p: TierPolicy) -> TierPolicy:
        """The other order within each priority: kinds swapped in the Admin tier, names reversed."""
        if p.priority is None:
            return p
        kind = {ANP_KIND: CNP_KIND, CNP_KIND: ANP_KIND}[p.kind] if p.tier is Tier.ADMIN else p.kind
        return dataclasses.replace(p, kind=kind, name=names[len(names) - 1 - names.index(p.name)])

    assert _verdicts(_edit(graph.cluster, flip), tiers=False) == _verdicts(graph.cluster, tiers=False)


@_PROPERTY
@given(_clusters())
def test_a_pass_np020_reports_allows_what_an_allow_would(graph: AllowGraph) -> None:
    passes = {r for f in lint(graph).findings if f.rule_id == RuleId.PASS_TO_NOTHING and (r := _rule_of(f))}

    def allow(p: TierPolicy) -> TierPolicy:
        def one(d: Direction) -> tuple[Any, ...]:
            return tuple(
                dataclasses.replace(r, action=TierAction.ALLOW, word="Allow")
                if (p.id, d, r.index) in passes
                else r
                for r in p.rules(d)
            )

        return dataclasses.replace(p, ingress=one(Direction.INGRESS), egress=one(Direction.EGRESS))

    assert _verdicts(_edit(graph.cluster, allow), tiers=False) == _verdicts(graph.cluster, tiers=False)


_EXAMPLE = re.compile(r" \((\S+) -> (\S+) on ")


@_PROPERTY
@given(_clusters())
def test_an_np017_rule_made_pass_no_longer_allows_what_it_names(graph: AllowGraph) -> None:
    for f in lint(graph).findings:
        rule, example = _rule_of(f), _EXAMPLE.search(f.message)
        if f.rule_id != RuleId.ADMIN_OVERRIDES_ISOLATION or rule is None or example is None:
            continue

        def passing(p: TierPolicy, rule: tuple[str, Direction, int] = rule) -> TierPolicy:
            def one(d: Direction) -> tuple[Any, ...]:
                return tuple(
                    dataclasses.replace(r, action=TierAction.PASS, word="Pass")
                    if (p.id, d, r.index) == rule
                    else r
                    for r in p.rules(d)
                )

            return dataclasses.replace(p, ingress=one(Direction.INGRESS), egress=one(Direction.EGRESS))

        src, dst = example[1], example[2]
        after = compile_graph(_edit(graph.cluster, passing), CLOSED)
        # The NetworkPolicies decide now, and they do not admit all of it.
        assert after.allowed(src, dst) != graph.allowed(src, dst), f.message
        assert after.allowed(src, dst).issubset(graph.allowed(src, dst))
