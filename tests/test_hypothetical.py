"""Hypothetical pods: ``query --from/--to`` (and intent files) about pods the input does not hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from oracle import oracle_allowed
from test_properties import NAMESPACES, POD_KEYS, POD_VALUES, Doc, analyze, budget, clusters, labels
from test_stand_ins import CLOSED, OPEN, numbered, others

import netpol
from netpol.cli import main
from netpol.errors import ExitCode, UsageError
from netpol.model.resources import NAMESPACE_NAME_LABEL
from netpol.query.hypothetical import HypotheticalPod, parse_hypothetical, with_pods

WEB = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: edge}}
      podSelector: {matchLabels: {app: nginx}}
    ports: [{port: http}]
"""


@pytest.mark.parametrize(
    ("text", "pod"),
    [
        ("ingress-nginx/*", HypotheticalPod("ingress-nginx")),
        (
            "ingress-nginx/{app=nginx, tier=edge}",
            HypotheticalPod("ingress-nginx", {"app": "nginx", "tier": "edge"}),
        ),
        ("{team=ledger}/{app=api}", HypotheticalPod(None, {"app": "api"}, {"team": "ledger"})),
        ("monitoring{team=platform}/*", HypotheticalPod("monitoring", {}, {"team": "platform"})),
        ("shop/web", None),
        ("shop/web[Pod]", None),
        ("10.0.0.1", None),
    ],
)
def test_the_syntax(text: str, pod: HypotheticalPod | None) -> None:
    assert parse_hypothetical(text) == pod


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Bad_NS/*", "not a namespace name"),
        ("x/{app}", "'app' is not a label"),
        ("x/{app=a b}", "label 'app=a b'"),
        ("x/{-a=b}", "label '-a=b'"),
        ("/*", "name the namespace"),
    ],
)
def test_names_and_labels_the_api_server_refuses_are_usage_errors(text: str, words: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_hypothetical(text, what="--from")
    assert words in str(info.value) and "--from" in str(info.value)


def run(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["query", str(path), *args])
    return result.exit_code, result.output


def test_query_answers_for_a_pod_the_input_does_not_hold(tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(WEB)
    code, out = run(
        path, "--from", "ingress-nginx{team=edge}/{app=nginx}", "--to", "shop/web", "--port", "8080"
    )
    assert code == ExitCode.OK, out
    assert "ingress-nginx/{app=nginx}[StandIn] -> shop/web[Pod] (TCP 8080): ALLOWED" in out
    # the same pod in a namespace without the label is refused
    code, out = run(path, "--from", "ingress-nginx/{app=nginx}", "--to", "shop/web", "--port", "8080")
    assert code == ExitCode.FINDINGS and "DENIED" in out
    # the other way: a hypothetical destination is not isolated
    code, out = run(path, "--from", "shop/web", "--to", "{team=edge}/*", "--port", "443")
    assert code == ExitCode.OK and "{team=edge}/*[StandIn]" in out
    code, out = run(path, "--from", "shop{team=x}/*", "--to", "shop/web")
    assert code == ExitCode.INPUT_ERROR and "namespace 'shop' is in the input" in out


def test_closed_world_still_answers_for_a_hypothetical_pod(tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(WEB)
    code, out = run(
        path, "--closed-world", "--from", "x{team=edge}/{app=nginx}", "--to", "shop/web", "--port", "http"
    )
    assert code == ExitCode.OK, out


def test_a_pod_the_graph_holds_is_not_added_again() -> None:
    graph = netpol.analyze_text(WEB)
    [stand_in] = [e.id for e in graph.cluster.endpoints if e.stand_in is not None]
    assert stand_in == "{team=edge}/{app=nginx}[StandIn]"
    assert with_pods(graph, [HypotheticalPod(None, {"app": "nginx"}, {"team": "edge"})]) is graph


@st.composite
def hypothetical_pods(draw: st.DrawFn) -> HypotheticalPod:
    pod_labels = draw(labels(POD_KEYS, POD_VALUES))
    shape = draw(st.sampled_from(("named", "new name", "labelled")))
    if shape == "labelled":
        return HypotheticalPod(None, pod_labels, draw(labels(("team", "env"), ("red", "blue"), 1, 2)))
    namespace = draw(st.sampled_from(NAMESPACES)) if shape == "named" else "newns"
    return HypotheticalPod(namespace, pod_labels)


@budget(200)
@given(clusters(), hypothetical_pods())
def test_a_hypothetical_pod_agrees_with_the_oracle(docs: list[Doc], pod: HypotheticalPod) -> None:
    for open_, closed in zip(OPEN, CLOSED, strict=True):
        base = analyze(docs, closed)
        if pod.namespace is not None and pod.namespace_labels:
            continue
        graph = with_pods(analyze(docs, open_), [pod])
        node = graph.node(graph.resolve(pod.id))
        assert isinstance(node, netpol.Endpoint) and dict(node.labels) == dict(pod.labels)
        ns = graph.cluster.namespace(node.namespace)
        assert ns is not None and all(ns.labels.get(k) == v for k, v in pod.namespace_labels.items())
        if pod.namespace is not None:
            assert ns.labels[NAMESPACE_NAME_LABEL] == pod.namespace
        concrete = {n.name for n in base.cluster.namespaces}
        extra = {} if node.namespace in concrete else {node.namespace: ns.labels}
        for name, other in others(docs):
            for src_name, dst_name, src, dst in ((node.id, name, node, other), (name, node.id, other, node)):
                expected = oracle_allowed(base.cluster, open_, src, dst, extra)
                assert numbered(graph.allowed(src_name, dst_name)) == expected, (src_name, dst_name)


NAMED = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: payments}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: gateway}}
    ports: [{port: http}, {port: 9090}]
"""


def test_a_named_port_of_a_stand_in_stays_a_name_in_a_query(tmp_path: Path) -> None:
    path = tmp_path / "named.yaml"
    path.write_text(NAMED)
    src, dst = "payments/{app=gateway}", "payments/{app=api}"
    code, out = run(path, "--from", src, "--to", dst, "--port", "http")
    assert code == ExitCode.OK, out
    assert "(TCP http): ALLOWED" in out
    code, out = run(path, "--from", src, "--to", dst, "--port", "8080")
    assert code == ExitCode.FINDINGS, out
    assert "the number of its port named TCP http is unknown" in out
    code, out = run(path, "--from", src, "--to", dst, "--port", "9090")
    assert code == ExitCode.OK, out
