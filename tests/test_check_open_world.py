"""`netpol check` about pods the input does not hold (issue 11): a side that matches nothing is
judged as a hypothetical pod (netpol.query.hypothetical) and is a note, not an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from test_properties import NAMESPACES, POD_KEYS, POD_VALUES, Doc, analyze, budget, clusters, labels
from test_stand_ins import CLOSED, OPEN

import netpol
from netpol.cli import main
from netpol.errors import ExitCode, Severity, UsageError
from netpol.model.resources import Options
from netpol.query.check import CheckResult, Expectation, Intent, Target, Verdict, check, load_intent
from netpol.query.hypothetical import HypotheticalPod, conflicts, parse_hypothetical, with_pods

POLICIES = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
    ports: [{port: 8080}]
  - from:
    - namespaceSelector: {matchLabels: {team: edge}}
    ports: [{port: 8443}]
  egress:
  - to:
    - podSelector: {matchLabels: {app: api}}
    ports: [{port: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: frontend}}
    ports: [{port: 8080}]
  egress:
  - to:
    - podSelector: {matchLabels: {app: db}}
    ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: api}}
    ports: [{port: 5432}]
"""
"""The shop's policies alone: no namespace, no workload."""

SHOP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: wbe}}
"""
"""A namespace the input holds, with a typo'd peer (a stand-in for app=wbe pods in shop)."""


def judge(
    tmp_path: Path, intent: str, manifests: str = POLICIES, options: Options = Options()
) -> CheckResult:
    path = tmp_path / "intent.yaml"
    path.write_text(intent, encoding="utf-8")
    return check(netpol.analyze_text(manifests, options), load_intent(str(path)))


def run(tmp_path: Path, intent: str, *args: str, manifests: str = POLICIES) -> tuple[int, str, str]:
    (tmp_path / "in.yaml").write_text(manifests, encoding="utf-8")
    (tmp_path / "intent.yaml").write_text(intent, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["check", str(tmp_path / "in.yaml"), "--expect", str(tmp_path / "intent.yaml"), *args]
    )
    return result.exit_code, result.stdout, result.stderr


def test_frontend_must_not_reach_the_database_is_judged_on_the_policies_alone(tmp_path: Path) -> None:
    result = judge(
        tmp_path,
        "- {from: {namespace: shop, labels: {app: frontend}}, to: {namespace: shop, labels: {app: db}},"
        " expect: deny}\n"
        "- {from: {namespace: shop, labels: {app: api}}, to: {namespace: shop, labels: {app: db}},"
        " port: 5432, expect: allow}\n",
    )
    assert result.errors == ()
    assert [(o.passed, o.pairs) for o in result.outcomes] == [(True, 1), (True, 1)]
    assert [d.severity for d in result.notes] == [Severity.INFO] * 4
    assert {d.code for d in result.notes} == {"hypothetical-pod"}
    first = result.notes[0]
    assert first.location is not None and (first.location.line, first.location.path) == (1, (0, "from"))
    assert first.message == (
        "{namespace: shop, labels: {app: frontend}} matches no endpoint of the input: judged on "
        "shop/{app=frontend}[StandIn], a new pod with app=frontend in namespace shop"
    )


def test_a_namespace_a_rule_names_is_admitted_and_the_violation_names_the_pod(tmp_path: Path) -> None:
    code, out, err = run(
        tmp_path,
        "- {from: {namespace: ingress-nginx}, to: {namespace: shop, labels: {app: frontend}},"
        " port: 8080, expect: allow}\n"
        "- {from: {namespace: ingress-nginx}, to: {namespace: shop, labels: {app: api}},"
        " port: 8080, expect: allow}\n",
    )
    assert code == ExitCode.FINDINGS, err
    assert "1 of 2 expectations hold" in out
    assert "ingress-nginx/*[StandIn] -> shop/{app=api}[StandIn] is denied" in out
    assert "info[hypothetical-pod]: {namespace: ingress-nginx} matches no endpoint of the input" in err
    assert "error" not in err


def test_a_typo_in_an_endpoint_id_stays_an_error(tmp_path: Path) -> None:
    code, out, err = run(
        tmp_path,
        "- {from: shop/fronted, to: {namespace: shop, labels: {app: db}}, expect: deny}\n"
        "- {from: {namespace: shop, labels: {app: frontend}}, to: {namespace: shop, labels: {app: db}},"
        " expect: deny}\n",
    )
    assert code == ExitCode.INPUT_ERROR
    assert "intent.yaml:1:10" in err and "error[unknown-endpoint]" in err and "'shop/fronted'" in err
    assert "1 expectation(s)" in err and "1 of 1 expectations hold" in out


def test_json_lists_the_notes_and_leaves_them_out_when_there_are_none(tmp_path: Path) -> None:
    intent = "- {from: {namespace: dev}, to: {namespace: shop, labels: {app: db}}, expect: deny}\n"
    code, out, _ = run(tmp_path, intent, "-o", "json")
    assert code == ExitCode.OK
    doc = json.loads(out)
    assert [n["code"] for n in doc["notes"]] == ["hypothetical-pod"] * 2
    assert doc["notes"][0]["line"] == 1 and "dev/*[StandIn]" in doc["notes"][0]["message"]
    assert doc["expectations"][0]["passed"] and doc["errors"] == []
    concrete = "- {from: shop/web, to: shop/db, expect: deny}\n"
    _, out, _ = run(tmp_path, concrete, "-o", "json", manifests=SHOP)
    assert "notes" not in json.loads(out)


def test_a_side_the_input_holds_never_matches_a_stand_in(tmp_path: Path) -> None:
    """``{namespace: shop}`` is the workloads of shop, not the stand-in for the typo'd app=wbe."""
    graph = netpol.analyze_text(SHOP)
    assert "shop/{app=wbe}[StandIn]" in graph.endpoint_ids()
    intent = "- {from: {namespace: shop}, to: {namespace: shop}, expect: deny}\n"
    opened = judge(tmp_path, intent, SHOP)
    closed = judge(tmp_path, intent, SHOP, Options(stand_ins=False))
    assert [(o.pairs, o.violations) for o in opened.outcomes] == [(2, (("shop/db[Pod]", "shop/web[Pod]"),))]
    assert [(o.pairs, o.violations) for o in closed.outcomes] == [
        (o.pairs, o.violations) for o in opened.outcomes
    ]
    assert opened.notes == closed.notes == ()


def test_a_side_only_a_stand_in_matches_is_judged_on_it(tmp_path: Path) -> None:
    """The stand-in and the hypothetical pod are one endpoint: one id, one answer."""
    graph = netpol.analyze_text(POLICIES)
    pod = HypotheticalPod("shop", {"app": "frontend"})
    assert pod.id in graph.endpoint_ids() and with_pods(graph, [pod]) is graph
    intent = (
        "- from: {namespace: shop, labels: {app: frontend}}\n"
        "  to: {namespace: shop, labels: {app: api}}\n"
        "  port: 8080\n"
        "  expect: allow\n"
    )
    opened, closed = judge(tmp_path, intent), judge(tmp_path, intent, options=Options(stand_ins=False))
    assert opened.outcomes[0].passed and closed.outcomes[0].passed
    assert opened.outcomes[0].explanation is None
    assert graph.allowed(pod.id, "shop/{app=api}[StandIn]").allows("TCP", 8080)


@pytest.mark.parametrize(
    ("side", "pod_id", "admitted"),
    [
        ("{namespace: ingress-nginx}", "ingress-nginx/*[StandIn]", False),
        ("{namespace: ingress-nginx, namespaceLabels: {team: edge}}", "ingress-nginx/*[StandIn]", True),
        ("{namespaceLabels: {team: edge}}", "{team=edge}/*[StandIn]", True),
        ("{namespaceLabels: {team: core}, labels: {app: x}}", "{team=core}/{app=x}[StandIn]", False),
        ("{namespaceLabels: {kubernetes.io/metadata.name: ops, team: edge}}", "ops/*[StandIn]", True),
        ("'edge{team=edge}/{app=nginx}'", "edge/{app=nginx}[StandIn]", True),
    ],
)
def test_namespace_labels_of_a_hypothetical_pod(
    tmp_path: Path, side: str, pod_id: str, admitted: bool
) -> None:
    """Port 8443 of the frontend admits namespaces labelled team=edge, whatever their name."""
    intent = (
        f"- {{from: {side}, to: {{namespace: shop, labels: {{app: frontend}}}}, port: 8443, expect: allow}}\n"
    )
    result = judge(tmp_path, intent)
    assert result.errors == ()
    assert pod_id in result.notes[0].message
    assert result.outcomes[0].passed is admitted
    if not admitted:
        assert result.outcomes[0].violations[0][0] == pod_id


@pytest.mark.parametrize(
    ("side", "words"),
    [
        ("{namespace: Bad_NS}", "namespace 'Bad_NS' is not a namespace name"),
        ("{namespace: x, labels: {app: 'a b'}}", "label 'app=a b'"),
        ("{namespace: x, namespaceLabels: {kubernetes.io/metadata.name: other}}", "not other"),
        ("{namespace: shop, namespaceLabels: {team: other}}", "namespace 'shop' is in the input"),
        ("{namespace: shop, labels: {app: web}, kind: Deployment}", "matches no endpoint of the input"),
        ("{labels: {app: nothing}}", "matches no endpoint of the input"),
        ("'Bad_NS/*'", "namespace 'Bad_NS' is not a namespace name"),
        ("'x/{app}'", "'app' is not a label"),
    ],
)
def test_a_side_that_cannot_be_a_pod_is_an_error_at_its_line(tmp_path: Path, side: str, words: str) -> None:
    intent = (
        f"- {{from: shop/web, to: shop/db, expect: deny}}\n- {{from: {side}, to: shop/db, expect: deny}}\n"
    )
    result = judge(tmp_path, intent, SHOP)
    [error] = result.errors
    assert error.severity is Severity.ERROR and words in error.message, error.message
    assert error.location is not None and error.location.line == 2
    assert len(result.outcomes) == 1 and result.notes == ()


def test_one_namespace_has_one_value_per_label_in_an_intent_file(tmp_path: Path) -> None:
    """The namespaces an intent file makes up are one world: ingress-nginx has team=edge in every
    expectation once a side says so, and a side giving it team=core is refused."""
    result = judge(
        tmp_path,
        "- from: {namespace: ingress-nginx, namespaceLabels: {team: edge}}\n"
        "  to: 'shop/{app=frontend}'\n"
        "  expect: allow\n"
        "- from: {namespace: ingress-nginx, namespaceLabels: {team: core}}\n"
        "  to: 'shop/{app=frontend}'\n"
        "  expect: allow\n"
        "- from: {namespace: ingress-nginx, labels: {app: x}}\n"
        "  to: 'shop/{app=frontend}'\n"
        "  port: 8443\n"
        "  expect: allow\n",
    )
    [error] = result.errors
    assert error.location is not None and error.location.line == 4
    assert "labelled team=edge by an earlier pod" in error.message
    assert [o.passed for o in result.outcomes] == [True, True]


def test_the_closed_world_judges_the_same_hypothetical_pods(tmp_path: Path) -> None:
    intent = (
        "- {from: ingress-nginx/*, to: 'shop/{app=frontend}', port: 8080, expect: allow}\n"
        "- {from: {namespace: ingress-nginx}, to: {namespace: shop, labels: {app: db}}, expect: deny}\n"
        "- {from: 'shop/{app=api}', to: {namespace: shop, labels: {app: db}}, port: 5432, expect: allow}\n"
    )
    opened, closed = judge(tmp_path, intent), judge(tmp_path, intent, options=Options(stand_ins=False))
    assert [o.passed for o in opened.outcomes] == [o.passed for o in closed.outcomes] == [True, True, True]
    assert opened.notes == closed.notes


WITNESS = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring, team: platform}}
"""
"""A rule admitting monitoring only if it is labelled team=platform: its stand-in's namespace is."""


def test_no_answer_rests_on_a_label_the_input_does_not_give(tmp_path: Path) -> None:
    """The stand-in's namespace has team=platform so that the rule admits it; a new pod in
    monitoring, about which the input says nothing, is not admitted unless the intent says so."""
    graph = netpol.analyze_text(WITNESS)
    ns = graph.cluster.namespace("monitoring")
    assert ns is not None and ns.stand_in and ns.labels.get("team") == "platform"
    result = judge(
        tmp_path,
        "- {from: {namespace: monitoring}, to: 'shop/*', expect: allow}\n"
        "- {from: {namespace: other, labels: {app: x}}, to: 'shop/*', expect: deny}\n",
        WITNESS,
    )
    assert [o.passed for o in result.outcomes] == [False, True]
    assert result.notes[0].message.endswith(
        "judged on monitoring/*[StandIn], a new pod in namespace monitoring"
    )
    said = judge(tmp_path, "- {from: 'monitoring{team=platform}/*', to: 'shop/*', expect: allow}\n", WITNESS)
    assert said.outcomes[0].passed


# -- netpol.query.hypothetical: namespaces the input does not hold -----------------------------------


def test_a_stand_ins_namespace_takes_the_labels_a_pod_gives_it() -> None:
    graph = netpol.analyze_text(POLICIES)
    ns = graph.cluster.namespace("ingress-nginx")
    assert ns is not None and ns.stand_in and "team" not in ns.labels
    pod = parse_hypothetical("ingress-nginx{team=edge}/*")
    assert (
        pod is not None and pod.id == "ingress-nginx/*[StandIn]" and pod.text == "ingress-nginx{team=edge}/*"
    )
    grown = with_pods(graph, [pod])
    assert grown is not graph and grown.allowed(pod.id, "shop/{app=frontend}[StandIn]").allows("TCP", 8443)
    assert not graph.allowed(pod.id, "shop/{app=frontend}[StandIn]").allows("TCP", 8443)
    other = parse_hypothetical("ingress-nginx{team=edge}/{app=x}")
    assert other is not None and with_pods(graph, [other]).allowed(other.id, "shop/{app=frontend}[StandIn]")


def test_conflicts_name_the_pods_that_cannot_join() -> None:
    graph = netpol.analyze_text(SHOP)
    pods = [
        HypotheticalPod("edge", {}, {"team": "a"}),
        HypotheticalPod("edge", {"app": "x"}, {"team": "b"}),
        HypotheticalPod("shop", {}, {"team": "other"}),
        HypotheticalPod("shop", {"app": "new"}, {"team": "shop"}),
        HypotheticalPod(None, {}, {"team": "a"}),
    ]
    assert conflicts(graph, pods) == [
        None,
        "namespace 'edge' is labelled team=a by an earlier pod: one value per label",
        "namespace 'shop' is in the input, with its own labels (kubernetes.io/metadata.name=shop,team=shop); "
        "leave its labels out",
        None,
        None,
    ]
    with pytest.raises(UsageError, match=r"'edge\{team=b\}/\{app=x\}': namespace 'edge' is labelled team=a"):
        with_pods(graph, pods)
    grown = with_pods(graph, [pods[0], pods[3], pods[4], HypotheticalPod(None, {"app": "y"}, {"team": "b"})])
    fresh = {ns.name: ns.labels["kubernetes.io/metadata.name"] for ns in grown.cluster.namespaces}
    assert fresh["edge"] == "edge" and fresh["{team=a}"] != fresh["{team=b}"]


@pytest.mark.parametrize(
    ("pod", "words"),
    [
        (HypotheticalPod("x", {"app": "web"}), "a new pod with app=web in namespace x"),
        (HypotheticalPod("x", {}, {"team": "a"}), "a new pod in namespace x labelled team=a"),
        (HypotheticalPod(None, {}, {"team": "a"}), "a new pod in a new namespace labelled team=a"),
        (HypotheticalPod(None, {"app": "db"}), "a new pod with app=db in a new namespace"),
    ],
)
def test_a_hypothetical_pod_in_words(pod: HypotheticalPod, words: str) -> None:
    assert str(pod) == words


# -- properties ----------------------------------------------------------------------------------------


@st.composite
def sides(draw: st.DrawFn) -> Target:
    namespace = draw(st.sampled_from((*NAMESPACES, "newns", None)))
    ns_labels = draw(labels(("team", "env"), ("red", "blue"), 0 if namespace else 1, 2))
    pod_labels = draw(labels(POD_KEYS, POD_VALUES))
    return Target(
        f"side {namespace} {ns_labels} {pod_labels}",
        namespace=namespace,
        namespace_labels=tuple(sorted(ns_labels.items())),
        labels=tuple(sorted(pod_labels.items())),
    )


@budget(150)
@given(clusters(), sides(), st.sampled_from(Verdict), st.sampled_from((None, 80, 5432)))
def test_stand_ins_never_change_a_verdict(
    docs: list[Doc], side: Target, verdict: Verdict, port: int | None
) -> None:
    """Open world or closed, a side is judged the same: on what the input holds, or on the same
    hypothetical pod (a stand-in when one has its labels)."""
    for open_, closed in zip(OPEN, CLOSED, strict=True):
        base = analyze(docs, closed)
        others = [Target(i, ref=i) for i in base.endpoint_ids()]
        expectations = tuple(
            Expectation(2 * k + j, *pair, verdict, port)
            for k, other in enumerate(others)
            for j, pair in enumerate(((side, other), (other, side)))
        )
        intent = Intent("intent.yaml", expectations)
        opened, shut = check(analyze(docs, open_), intent), check(base, intent)
        assert [d.message for d in opened.errors] == [d.message for d in shut.errors]
        assert [d.message for d in opened.notes] == [d.message for d in shut.notes]
        assert [(o.pairs, o.violations) for o in opened.outcomes] == [
            (o.pairs, o.violations) for o in shut.outcomes
        ]
