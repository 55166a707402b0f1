"""The model stage's view of the whole input: API versions the server does not serve, policy
kinds netpol does not model, and pods that claim one IP."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import netpol
from netpol.cli import main
from netpol.errors import ExitCode, Severity, UsageError

POLICY = """apiVersion: {api}
kind: NetworkPolicy
metadata: {{name: deny, namespace: x}}
spec: {{podSelector: {{}}}}
"""
POD = """apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}}}
status: {{podIP: {ip}}}
---
"""


def diagnostics(graph: netpol.AllowGraph, code: str) -> list[netpol.Diagnostic]:
    return [d for d in graph.diagnostics if d.code == code]


@pytest.mark.parametrize(
    ("api", "why"),
    [
        ("networking.k8s.io/v1beta1", "never served"),
        ("extensions/v1beta1", "removed in Kubernetes 1.16"),
        ("v1", "never served"),
    ],
)
def test_a_network_policy_at_an_unserved_version_is_an_error(api: str, why: str) -> None:
    graph = netpol.analyze_text(POD.format(name="a", ns="x", ip="10.0.0.1") + POLICY.format(api=api))
    [diag] = diagnostics(graph, "unserved-api-version")
    assert diag.severity is Severity.ERROR
    assert why in diag.message and "it is networking.k8s.io/v1" in diag.message
    assert diag.location is not None and diag.location.path == ("apiVersion",)
    assert diag.location.line == 6
    assert graph.cluster.policies == ()  # left out, as the API server would refuse it
    assert graph.endpoint_ids()[0] == "x/a[Pod]"  # the rest is analysed


@pytest.mark.parametrize(
    ("api", "kind", "why"),
    [
        ("apps/v1beta1", "Deployment", "removed in Kubernetes 1.16"),
        ("apps/v1beta2", "DaemonSet", "removed in Kubernetes 1.16"),
        ("batch/v1beta1", "CronJob", "removed in Kubernetes 1.25"),
        ("apps/v1", "Pod", "never served"),
        ("batch/v1", "Deployment", "never served"),
    ],
)
def test_workloads_at_unserved_versions_are_errors(api: str, kind: str, why: str) -> None:
    text = f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: w, namespace: x}}\n"
    graph = netpol.analyze_text(text)
    [diag] = diagnostics(graph, "unserved-api-version")
    assert why in diag.message and kind in diag.message


def test_the_same_kind_in_another_group_is_another_kind() -> None:
    calico = POLICY.format(api="projectcalico.org/v3").replace(
        "spec: {podSelector: {}}", "spec: {selector: all()}"
    )
    graph = netpol.analyze_text(calico)
    assert diagnostics(graph, "unserved-api-version") == []
    assert graph.skipped == {"NetworkPolicy (projectcalico.org/v3)": 1}
    [warning] = diagnostics(graph, "policy-not-modelled")
    assert warning.severity is Severity.WARNING
    assert "1 NetworkPolicy (projectcalico.org)" in warning.message
    assert "verdicts below ignore them" in warning.message


def test_unmodelled_policy_kinds_are_counted_in_one_warning() -> None:
    text = "".join(
        f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: p{i}}}\n---\n"
        for i, (api, kind) in enumerate(
            [
                ("cilium.io/v2", "CiliumNetworkPolicy"),
                ("cilium.io/v2", "CiliumNetworkPolicy"),
                ("crd.projectcalico.org/v1", "GlobalNetworkPolicy"),
                ("policy.networking.k8s.io/v1beta1", "ClusterNetworkPolicy"),
                ("v1", "ConfigMap"),
            ]
        )
    )
    graph = netpol.analyze_text(text)
    [warning] = diagnostics(graph, "policy-not-modelled")
    assert (
        "2 CiliumNetworkPolicy (cilium.io), 1 ClusterNetworkPolicy (policy.networking.k8s.io), "
        "1 GlobalNetworkPolicy (crd.projectcalico.org)"
    ) in warning.message
    assert "ConfigMap" not in warning.message and graph.skipped["ConfigMap"] == 1


def test_two_pods_with_one_ip_are_reported_and_the_ip_is_ambiguous() -> None:
    text = (
        POD.format(name="a", ns="x", ip="10.0.0.5")
        + POD.format(name="b", ns="v", ip="10.0.0.5")
        + POD.format(name="c", ns="v", ip="10.0.0.6")
    )
    graph = netpol.analyze_text(text)
    [warning] = diagnostics(graph, "shared-ip")
    assert "x/a, v/b" in warning.message and "10.0.0.5" in warning.message
    assert warning.location is not None and warning.location.document == 2
    with pytest.raises(UsageError, match=r"10\.0\.0\.5 is ambiguous.*v/b\[Pod\], x/a\[Pod\]"):
        graph.resolve("10.0.0.5")
    assert graph.ids[graph.resolve("10.0.0.6")] == "v/c[Pod]"


def test_the_cli_refuses_an_ambiguous_ip(tmp_path: object) -> None:
    text = POD.format(name="a", ns="x", ip="10.0.0.5") + POD.format(name="b", ns="v", ip="10.0.0.5")
    result = CliRunner().invoke(main, ["query", "-", "--from", "10.0.0.5", "--to", "v/b"], input=text)
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "ambiguous" in result.stderr and "v/b[Pod], x/a[Pod]" in result.stderr
    assert "warning[shared-ip]" in result.stderr


def test_host_network_pods_share_their_node_ip_without_a_warning() -> None:
    text = "".join(
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: h{i}, namespace: kube-system}}\n"
        "spec: {hostNetwork: true, nodeName: n1}\nstatus: {podIP: 10.1.0.1}\n---\n"
        for i in range(2)
    )
    assert diagnostics(netpol.analyze_text(text), "shared-ip") == []


def test_a_job_template_carries_the_job_name_labels_the_api_server_adds() -> None:
    job = """apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: x}
spec:
  template:
    metadata: {labels: {app: db-migrate}}
    spec: {containers: [{name: m, image: m}], restartPolicy: Never}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-migrate, namespace: x}
spec:
  podSelector: {matchLabels: {batch.kubernetes.io/job-name: migrate}}
  ingress: []
"""
    graph = netpol.analyze_text(job)
    [endpoint] = [e for e in graph.cluster.endpoints if e.kind == "Job"]
    assert endpoint.labels == {
        "app": "db-migrate",
        "batch.kubernetes.io/job-name": "migrate",
        "job-name": "migrate",
    }
    why = netpol.explain(graph, "198.51.100.1", "x/migrate")
    assert why.ingress.isolating == ("x/allow-migrate",) and not why.allowed
    manual = netpol.analyze_text(
        job.replace("spec:\n  template:", "spec:\n  manualSelector: true\n  template:")
    )
    [endpoint] = [e for e in manual.cluster.endpoints if e.kind == "Job"]
    assert endpoint.labels == {"app": "db-migrate"}


def test_a_pod_defined_twice_is_analysed_once_as_its_later_definition() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: shop}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: shop, labels: {app: api}}\n"
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: p, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: api}}\n"
    )
    graph = netpol.analyze_text(text)
    assert [e.id for e in graph.cluster.endpoints] == ["shop/api[Pod]"]
    assert graph.cluster.endpoints[0].labels == {"app": "api"}
    assert [d.code for d in graph.diagnostics] == ["duplicate-object"]
    assert not graph.allowed("203.0.113.1", "shop/api")  # the later one is isolated
    old = netpol.analyze_text(text.split("---\n", 1)[1])
    from netpol.diff.compare import diff_graphs

    assert diff_graphs(old, graph).empty
