"""Pods grouped under their controllers, as in `kubectl get pods,rs,deploy -A -o yaml` dumps."""

from __future__ import annotations

import textwrap

import netpol
from netpol.errors import Severity


def pod(
    name: str,
    ns: str = "x",
    labels: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None,
    ip: str | None = None,
    port: int = 80,
    phase: str = "Running",
) -> str:
    text = (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {labels or {}}\n"
    )
    if owner:
        text += (
            f"  ownerReferences: [{{apiVersion: apps/v1, kind: {owner[0]}, name: {owner[1]}, "
            "uid: u, controller: true}]\n"
        )
    text += f"spec: {{containers: [{{name: c, ports: [{{containerPort: {port}, name: web}}]}}]}}\n"
    text += f"status: {{phase: {phase}" + (f", podIP: {ip}" if ip else "") + "}\n"
    return text


def docs(*parts: str) -> str:
    return "---\n".join(textwrap.dedent(p) for p in parts)


def test_replicas_without_owner_objects_lift_to_deployment_by_template_hash() -> None:
    labels = {"app": "dns", "pod-template-hash": "5d78c9869d"}
    g = netpol.analyze_text(
        docs(
            *(
                pod(
                    f"coredns-5d78c9869d-{s}",
                    "kube-system",
                    labels,
                    ("ReplicaSet", "coredns-5d78c9869d"),
                    f"10.0.0.{i}",
                )
                for i, s in enumerate(["abcde", "fghij", "klmno"])
            )
        )
    )
    assert g.endpoint_ids()[:1] == ["kube-system/coredns[Deployment]"]
    ep = g.cluster.endpoints[0]
    assert ep.pods == ("coredns-5d78c9869d-abcde", "coredns-5d78c9869d-fghij", "coredns-5d78c9869d-klmno")
    assert len(ep.ips) == 3
    # A pod's own name finds its workload.
    assert g.node(g.resolve("kube-system/coredns-5d78c9869d-fghij")).id == ep.id


def test_replicaset_owner_reference_lifts_to_its_deployment() -> None:
    rs = """\
    apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: web-abc
      namespace: x
      ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: frontend, uid: u, controller: true}]
    spec:
      replicas: 1
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: c}]}
    """
    g = netpol.analyze_text(
        docs(rs, pod("web-abc-1", labels={"app": "web"}, owner=("ReplicaSet", "web-abc")))
    )
    assert [i for i in g.endpoint_ids() if "[" in i] == ["x/frontend[Deployment]"]


def test_template_only_workloads_are_endpoints_and_pods_supersede_them() -> None:
    deploy = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: x}
    spec:
      template:
        metadata: {labels: {app: api}}
        spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
    """
    alone = netpol.analyze_text(deploy)
    assert [e.id for e in alone.cluster.endpoints] == ["x/api[Deployment]"]
    assert alone.cluster.endpoints[0].pods == ()
    both = netpol.analyze_text(
        docs(
            deploy,
            pod("api-7f-x", labels={"app": "api", "pod-template-hash": "7f"}, owner=("ReplicaSet", "api-7f")),
        )
    )
    assert [e.id for e in both.cluster.endpoints] == ["x/api[Deployment]"]
    assert both.cluster.endpoints[0].pods == ("api-7f-x",)


def test_cronjob_job_pods_lift_to_cronjob() -> None:
    job = """\
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: backup-2890
      namespace: x
      ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: backup, uid: u, controller: true}]
    spec:
      template:
        metadata: {labels: {app: backup}}
        spec: {containers: [{name: c}]}
    """
    g = netpol.analyze_text(
        docs(job, pod("backup-2890-q", labels={"app": "backup"}, owner=("Job", "backup-2890")))
    )
    assert [e.id for e in g.cluster.endpoints] == ["x/backup[CronJob]"]


def test_replicas_with_different_labels_are_split_and_reported() -> None:
    owner = ("StatefulSet", "db")
    policy = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: primary-only, namespace: x}
    spec:
      podSelector: {matchLabels: {role: primary}}
      policyTypes: [Ingress]
    """
    g = netpol.analyze_text(
        docs(
            pod("db-0", labels={"app": "db", "role": "primary"}, owner=owner),
            pod("db-1", labels={"app": "db", "role": "replica"}, owner=owner),
            pod("db-2", labels={"app": "db", "role": "replica"}, owner=owner),
            policy,
        )
    )
    ids = [e.id for e in g.cluster.endpoints]
    assert ids == ["x/db-0[Pod]", "x/db[StatefulSet]"]
    assert g.cluster.endpoints[1].pods == ("db-1", "db-2")
    warnings = [d for d in g.diagnostics if d.code == "replicas-differ"]
    assert len(warnings) == 1 and warnings[0].severity is Severity.WARNING
    assert "x/db[StatefulSet]" in warnings[0].message
    assert not g.allowed("x/db[StatefulSet]", "x/db-0").allows("TCP", 80)
    assert g.allowed("x/db-0", "x/db[StatefulSet]").allows("TCP", 80)


def test_per_pod_labels_no_selector_reads_do_not_split_a_workload() -> None:
    owner = ("StatefulSet", "db")
    g = netpol.analyze_text(
        docs(
            *(
                pod(
                    f"db-{i}",
                    labels={"app": "db", "statefulset.kubernetes.io/pod-name": f"db-{i}"},
                    owner=owner,
                )
                for i in range(3)
            )
        )
    )
    assert [e.id for e in g.cluster.endpoints] == ["x/db[StatefulSet]"]
    # The endpoint keeps only the labels all its pods share.
    assert dict(g.cluster.endpoints[0].labels) == {"app": "db"}
    assert not [d for d in g.diagnostics if d.code == "replicas-differ"]


def test_replicas_told_apart_by_an_ipblock_are_split() -> None:
    owner = ("DaemonSet", "agent")
    policy = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: p, namespace: x}
    spec:
      podSelector: {matchLabels: {app: target}}
      ingress: [{from: [{ipBlock: {cidr: 10.0.0.1/32}}]}]
    """
    text = docs(
        pod("agent-a", labels={"app": "agent"}, owner=owner, ip="10.0.0.1"),
        pod("agent-b", labels={"app": "agent"}, owner=owner, ip="10.0.0.2"),
        pod("agent-c", labels={"app": "agent"}, owner=owner, ip="10.0.0.3"),
        pod("target", labels={"app": "target"}, ip="10.0.0.9"),
        policy,
    )
    g = netpol.analyze_text(text)
    assert g.allowed("x/agent-a", "x/target").allows("TCP", 80)
    assert not g.allowed("x/agent[DaemonSet]", "x/target").allows("TCP", 80)
    # Without pod-IP matching nothing tells the replicas apart.
    merged = netpol.analyze_text(text, netpol.Options(ipblock_matches_pods=False))
    assert "x/agent[DaemonSet]" in merged.endpoint_ids()
    assert "x/agent-a[Pod]" not in merged.endpoint_ids()


def test_finished_pods_are_left_out() -> None:
    g = netpol.analyze_text(docs(pod("done", phase="Succeeded"), pod("live")))
    assert [e.id for e in g.cluster.endpoints] == ["x/live[Pod]"]


def test_typed_pod_list_dump() -> None:
    text = textwrap.dedent("""\
    apiVersion: v1
    kind: PodList
    items:
    - metadata: {name: a, namespace: x, labels: {app: a}}
      spec: {containers: [{name: c}]}
    - metadata: {name: b, namespace: "y", labels: {app: b}}
      spec: {containers: [{name: c}]}
    """)
    g = netpol.analyze_text(text)
    assert [e.id for e in g.cluster.endpoints] == ["x/a[Pod]", "y/b[Pod]"]
    assert g.allowed("x/a", "y/b").is_all()


def test_networkx_export_carries_ports_and_provenance() -> None:
    from conftest import ROOT

    g = netpol.analyze([str(ROOT / "policies" / "webshop")])
    nxg = g.to_networkx()
    assert set(nxg.nodes) == set(g.endpoint_ids())
    edge = nxg.edges["shop/frontend[Deployment]", "shop/api[Deployment]"]
    assert edge["ports"] == g.allowed("shop/frontend", "shop/api")
    assert edge["ingress_rules"] == ("shop/api-allow-from-frontend ingress rule #1",)
    assert edge["egress_rules"] == ("shop/frontend-allow-egress-to-api egress rule #1",)
    assert not nxg.has_edge("shop/frontend[Deployment]", "shop/db[StatefulSet]")
    assert "shop/default-deny" in nxg.nodes["shop/db[StatefulSet]"]["isolated_ingress"]
    # Every edge is an allowed pair and every allowed pair between distinct nodes is an edge.
    for s, d, data in nxg.edges(data=True):
        assert data["ports"] == g.allowed(s, d) and data["ports"]
