"""`netpol lint` on partial input (issue 11): stand-ins on by default, `--closed-world` as before.

- Exposure rules (NP006-NP009) judge what the policy text opens, on stand-ins too.
- NP010/NP011 judge the input's workloads and namespaces only; with a stand-in they say "selects
  nothing in the input" and name it; on input with nothing to judge against, a peer one typo
  away from what a policy there selects is an info.
- Coverage rules (NP001-NP005) speak of the input's workloads and namespaces only.
- Every finding about a stand-in says what it stands for.
"""

from __future__ import annotations

import glob

import pytest
from conftest import ROOT

import netpol
from netpol.core.ports import PortSet, Protocol
from netpol.errors import Severity
from netpol.findings.records import Finding
from netpol.lint import Report, lint
from netpol.lint.context import port_list
from netpol.load.files import load_paths, load_text
from netpol.model.resources import Options
from netpol.render.findings_text import render_text

CLOSED = Options(stand_ins=False)
COVERAGE = {"NP001", "NP002", "NP003", "NP004", "NP005"}


def lint_yaml(text: str, options: Options = Options()) -> Report:
    loaded = load_text(text, "x.yaml")
    return lint(netpol.analyze_loaded(loaded, options), locator=loaded.locator)


def by_rule(report: Report, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.rule_id == rule_id]


def policy(name: str, spec: str, namespace: str = "shop") -> str:
    return (
        f"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n{spec}"
    )


def pod(name: str, labels: str, namespace: str = "shop") -> str:
    return (
        f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, "
        f"labels: {{{labels}}}}}\nspec: {{containers: [{{name: c, image: i}}]}}\n"
    )


PUBLIC = policy(
    "public",
    """  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 8080}]}]
""",
)
WIDE = policy(
    "wide",
    """  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{namespaceSelector: {}}]}]
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 443}]}]
""",
)


# -- exposure: what the policy text opens, on a policies-only input ------------------------------


def test_policies_only_input_reports_what_the_text_opens() -> None:
    report = lint_yaml(PUBLIC + WIDE)
    assert {f.rule_id for f in report.findings} >= {"NP006", "NP007", "NP008", "NP009"}
    (internet,) = by_rule(report, "NP006")
    assert internet.severity is Severity.ERROR and report.failed(netpol.lint.FailOn.ERROR)
    assert internet.subjects == ("shop/{app=web}[StandIn]",)
    assert "exposes shop/{app=web}[StandIn] (TCP 8080)" in internet.message
    assert "stands for pods with app=web in namespace shop, which the input does not hold" in internet.message
    (egress,) = by_rule(report, "NP007")
    assert "lets shop/{app=api}[StandIn] reach ipBlock 0.0.0.0/0" in egress.message
    assert "stands for pods with app=api in namespace shop" in egress.message
    (every_ns,) = by_rule(report, "NP008")
    assert (
        "those the input does not hold included: */*[StandIn] (any pod in any namespace)" in every_ns.message
    )
    (all_ports,) = by_rule(report, "NP009")
    assert "every port is open from */*[StandIn] (any pod in any namespace)" in all_ports.message


def test_policies_only_input_is_clean_in_a_closed_world() -> None:
    assert not lint_yaml(PUBLIC + WIDE, CLOSED).findings  # before stand-ins: nothing selected


def test_findings_name_the_input_workloads_before_stand_ins() -> None:
    # podSelector {} selects shop/web and the stand-in for app=fronted: the finding names shop/web.
    text = (
        pod("web", "app: web")
        + policy(
            "all",
            """  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 80}]}]
""",
        )
        + policy(
            "peer", "  podSelector: {}\n  ingress: [{from: [{podSelector: {matchLabels: {app: fronted}}}]}]\n"
        )
    )
    (internet,) = by_rule(lint_yaml(text), "NP006")
    assert internet.subjects == ("shop/web[Pod]",)
    assert "StandIn" not in internet.message


def test_a_namespace_outside_the_input_opens_every_port() -> None:
    text = pod("api", "app: api") + policy(
        "scrape",
        """  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]
""",
    )
    (all_ports,) = by_rule(lint_yaml(text), "NP009")
    assert (
        "every port is open from monitoring/*[StandIn] (any pod in namespace monitoring)" in all_ports.message
    )
    assert not by_rule(lint_yaml(text, CLOSED), "NP009")  # closed: the peer admits nothing
    assert not by_rule(lint_yaml(text), "NP011")  # a namespace named by name may be elsewhere


def test_dns_blocked_names_the_stand_in() -> None:
    text = policy(
        "lockdown",
        """  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 5432}]}]
""",
    )
    (dns,) = by_rule(lint_yaml(text), "NP015")
    assert dns.subjects == ("shop/{app=api}[StandIn]",)
    assert dns.message.endswith(
        "name resolution fails; shop/{app=api}[StandIn] stands for pods with app=api in namespace "
        "shop, which the input does not hold"
    )


def test_a_stand_in_for_the_dns_pods_is_not_blocked_from_dns() -> None:
    text = policy(
        "dns-lockdown",
        """  podSelector: {matchLabels: {k8s-app: kube-dns}}
  policyTypes: [Egress]
""",
        namespace="kube-system",
    )
    assert not by_rule(lint_yaml(text), "NP015")


def test_named_ports_of_a_stand_in_are_not_unknown() -> None:
    # The stand-in declares no ports: its named port's number is unknown, not missing.
    text = policy(
        "api",
        """  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: http}]}]
  egress: [{to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: postgres}]}]
  policyTypes: [Ingress, Egress]
""",
    )
    assert not by_rule(lint_yaml(text), "NP012")
    exposed = lint_yaml(
        policy(
            "api",
            """  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: http}]}]
""",
        )
    )
    (internet,) = by_rule(exposed, "NP006")
    assert "(TCP port named http (number unknown))" in internet.message


def test_a_named_port_toward_an_ip_block_only_is_unknown_in_both_worlds() -> None:
    text = policy(
        "api",
        """  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: https}]}]
""",
    )
    for options in (Options(), CLOSED):
        (unknown,) = by_rule(lint_yaml(pod("api", "app: api") + text, options), "NP012")
        assert "named port 'https' toward an ipBlock matches nothing" in unknown.message


def test_port_list_keeps_named_ports() -> None:
    ports = PortSet.from_mapping(
        {Protocol.TCP: [(8080, 8080)]}, named=[(Protocol.TCP, "http"), (Protocol.UDP, "dns")]
    )
    assert port_list(ports) == "[{port: 8080}, {port: http}, {protocol: UDP, port: dns}]"
    assert port_list(PortSet.of(Protocol.TCP, 80, 90)) == "[{port: 80, endPort: 90}]"


# -- NP010 / NP011: the input's workloads only ------------------------------------------------------

TYPO = pod("frontend", "app: frontend") + policy(
    "api",
    """  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: fronted}}}], ports: [{port: 80}]}]
""",
)


def test_a_typo_is_caught_and_said_to_select_nothing_in_the_input() -> None:
    (dangling,) = by_rule(lint_yaml(TYPO), "NP011")
    assert dangling.severity is Severity.WARNING
    assert dangling.message == (
        "shop/api ingress rule #1: podSelector app=fronted selects nothing in the input (none of the "
        "1 workload of shop): this peer admits only pods the input does not hold, "
        "shop/{app=fronted}[StandIn] (pods with app=fronted in namespace shop)"
    )
    assert dangling.hint == "did you mean app=frontend? fix the podSelector labels"


def test_closed_world_keeps_the_old_messages() -> None:
    (dangling,) = by_rule(lint_yaml(TYPO, CLOSED), "NP011")
    assert dangling.message == (
        "shop/api ingress rule #1: podSelector app=fronted matches none of the 1 workload of shop, "
        "so this peer admits nothing"
    )
    text = pod("web", "app: web") + policy(
        "web", "  podSelector: {matchLabels: {app: wbe}}\n  policyTypes: [Ingress]\n"
    )
    (nothing,) = by_rule(lint_yaml(text, CLOSED), "NP010")
    assert nothing.message == (
        "shop/web: podSelector app=wbe selects none of the 1 workload of namespace shop: the policy "
        "protects nothing"
    )
    (open_,) = by_rule(lint_yaml(text), "NP010")
    assert open_.severity is Severity.WARNING and open_.hint == nothing.hint
    assert "selects nothing in the input (none of the 1 workload of namespace shop)" in open_.message
    assert "shop/{app=wbe}[StandIn] (pods with app=wbe in namespace shop)" in open_.message


def test_a_namespace_selector_typo_names_its_stand_in() -> None:
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {team: payments}}\n"
        + pod("pay", "app: pay", "payments")
        + policy(
            "api",
            """  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {team: paymnets}}}]}]
""",
        )
    )
    (dangling,) = by_rule(lint_yaml(text), "NP011")
    assert "namespaceSelector team=paymnets selects no namespace in the input" in dangling.message
    assert "{team=paymnets}/*[StandIn] (any pod in a namespace with team=paymnets)" in dangling.message
    assert dangling.hint.startswith("did you mean team=payments?")


def test_policies_only_typo_is_an_info() -> None:
    text = policy(
        "frontend", "  podSelector: {matchLabels: {app: frontend}}\n  policyTypes: [Ingress]\n"
    ) + policy(
        "api",
        """  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: fronted}}}], ports: [{port: 80}]}]
""",
    )
    report = lint_yaml(text)
    (dangling,) = by_rule(report, "NP011")
    assert dangling.severity is Severity.INFO
    assert dangling.message.startswith(
        "shop/api ingress rule #1: podSelector app=fronted selects nothing in the input, which holds "
        "no workload of shop"
    )
    assert dangling.hint.startswith("did you mean app=frontend? (a policy there selects such pods)")
    assert not by_rule(report, "NP010")  # a policy's own subject is the spelling trusted
    assert not lint_yaml(text, CLOSED).findings


def test_policies_only_selectors_without_a_near_miss_are_quiet() -> None:
    text = policy(
        "api",
        """  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}]}]
""",
    )
    assert not lint_yaml(text).findings


def test_a_namespace_name_typo_on_partial_input_is_an_info() -> None:
    text = policy(
        "web",
        """  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress: [{ports: [{port: 53, protocol: UDP}, {port: 53}]}]
""",
    ) + policy(
        "api",
        """  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shpo}}}]
      ports: [{port: 80}]
""",
    )
    (dangling,) = by_rule(lint_yaml(text), "NP011")
    assert dangling.severity is Severity.INFO
    assert (
        "namespaceSelector kubernetes.io/metadata.name=shpo selects no namespace in the input"
        in dangling.message
    )
    assert dangling.hint.startswith("did you mean kubernetes.io/metadata.name=shop?")


# -- coverage: workloads of the input only --------------------------------------------------------


def test_coverage_rules_never_speak_of_stand_ins() -> None:
    report = lint_yaml(PUBLIC + WIDE + TYPO)
    coverage = [f for f in report.findings if f.rule_id in COVERAGE]
    assert coverage  # shop/frontend[Pod] is real
    for f in coverage:
        assert "StandIn" not in f.message and not any("StandIn" in s for s in f.subjects), f
    (egress_ns,) = by_rule(report, "NP005")
    assert egress_ns.message.endswith("its workload is not isolated for egress")  # shop/frontend only
    assert not {f.rule_id for f in lint_yaml(PUBLIC + WIDE).findings} & COVERAGE


@pytest.mark.parametrize(
    "path",
    [*sorted(glob.glob(str(ROOT / "tests/fixtures/lint/*/*.yaml"))), str(ROOT / "policies/webshop")],
    ids=lambda p: p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1],
)
def test_open_and_closed_world_differ_only_where_stand_ins_are(path: str) -> None:
    loaded = load_paths([path])
    graph = netpol.analyze_loaded(loaded)
    open_ = lint(graph, locator=loaded.locator)
    closed = lint(netpol.analyze_loaded(loaded, CLOSED), locator=loaded.locator)
    if not any(e.stand_in for e in graph.cluster.endpoints):
        assert render_text(open_) == render_text(closed)
    # The coverage rules never change: stand-ins are no workload of the input.
    assert [f for f in open_.findings if f.rule_id in COVERAGE] == [
        f for f in closed.findings if f.rule_id in COVERAGE
    ]
