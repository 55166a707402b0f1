"""The cluster-wide policy tiers, point by point, through the public API on YAML manifests.

Each test is named after the point of the checklist in docs/design/admin-tiers.md section 11
(``test_tNN_...``) and checks a positive and a negative case. Expectations come from the upstream
API text quoted there (kubernetes-sigs/network-policy-api), never from running the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from e2e_model import analyze, manifest, namespace_doc, pod_doc

from netpol.api import analyze_text

ANP_API = "policy.networking.k8s.io/v1alpha1"
CNP_API = "policy.networking.k8s.io/v1alpha2"
EXTERNAL = "203.0.113.7"

Doc = Mapping[str, Any]


def pod(ref: str, ip: str, labels: Mapping[str, str] | None = None, **kw: Any) -> dict[str, Any]:
    ns, name = ref.split("/")
    ports = kw.pop("ports", [("http", 80, "TCP"), ("dns", 53, "UDP")])
    return pod_doc(ns, name, {"pod": name, **(labels or {})}, ports=ports, ip=ip, **kw)


BASE: tuple[Doc, ...] = (
    namespace_doc("x", {"team": "x", "env": "prod"}),
    namespace_doc("y", {"team": "y", "env": "dev"}),
    pod("x/a", "10.1.0.1"),
    pod("x/b", "10.1.0.2"),
    pod("y/c", "10.2.0.1"),
)


def anp(name: str, priority: int, *, subject: Doc | None = None, **rules: Any) -> dict[str, Any]:
    return {
        "apiVersion": ANP_API,
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {
            "priority": priority,
            "subject": {"namespaces": {}} if subject is None else subject,
            **rules,
        },
    }


def banp(*, subject: Doc | None = None, name: str = "default", **rules: Any) -> dict[str, Any]:
    return {
        "apiVersion": ANP_API,
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"subject": subject or {"namespaces": {}}, **rules},
    }


def cnp(name: str, tier: str, priority: int, *, subject: Doc | None = None, **rules: Any) -> dict[str, Any]:
    return {
        "apiVersion": CNP_API,
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"tier": tier, "priority": priority, "subject": subject or {"namespaces": {}}, **rules},
    }


def ns_peer(**labels: str) -> dict[str, Any]:
    return {"namespaces": {"matchLabels": dict(labels)} if labels else {}}


def rule(action: str, peers: Sequence[Doc], key: str = "from", **extra: Any) -> dict[str, Any]:
    return {"action": action, key: list(peers), **extra}


def np_doc(ns: str, name: str, types: Sequence[str], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"podSelector": spec.pop("podSelector", {}), "policyTypes": list(types), **spec},
    }


def graph(*docs: Doc, base: Sequence[Doc] = BASE) -> Any:
    g = analyze(manifest(*base, *docs), stand_ins=False)
    errors = [d for d in g.diagnostics if d.severity.value == "error"]
    assert not errors, errors
    return g


def ok(g: Any, src: str, dst: str, protocol: str = "TCP", port: int = 80) -> bool:
    def eid(ref: str) -> str:
        return ref if "/" not in ref else f"{ref}[Pod]"

    return bool(g.allowed(eid(src), eid(dst)).allows(protocol, port))


def errors_of(*docs: Doc) -> list[Any]:
    g = analyze_text(manifest(*BASE, *docs))
    return [d for d in g.diagnostics if d.severity.value == "error"]


ALLOW_NP_FROM_Y = np_doc("x", "from-y", ["Ingress"], ingress=[{"from": [{"namespaceSelector": {}}]}])
DENY_ALL_X = np_doc("x", "deny", ["Ingress"])


# 1. ANP priority order: lower number first.
def test_t01_lower_priority_number_wins() -> None:
    deny = anp("deny", 10, ingress=[rule("Deny", [ns_peer(team="y")])])
    allow = anp("allow", 20, ingress=[rule("Allow", [ns_peer(team="y")])])
    assert not ok(graph(deny, allow), "y/c", "x/a")
    deny["spec"]["priority"], allow["spec"]["priority"] = 20, 10
    assert ok(graph(deny, allow), "y/c", "x/a")


# 2. First match wins within a policy.
def test_t02_first_rule_wins() -> None:
    allow, deny = rule("Allow", [ns_peer(team="y")]), rule("Deny", [ns_peer(team="y")])
    assert ok(graph(DENY_ALL_X, anp("p", 1, ingress=[allow, deny])), "y/c", "x/a")
    assert not ok(graph(anp("p", 1, ingress=[deny, allow])), "y/c", "x/a")


# 3. ANP Allow overrides NetworkPolicy ("NetworkPolicy cannot block it").
def test_t03_admin_allow_overrides_networkpolicy_deny() -> None:
    assert not ok(graph(DENY_ALL_X), "y/c", "x/a")
    assert ok(graph(DENY_ALL_X, anp("p", 1, ingress=[rule("Allow", [ns_peer(team="y")])])), "y/c", "x/a")


# 4. ANP Deny beats a NetworkPolicy allow.
def test_t04_admin_deny_beats_networkpolicy_allow() -> None:
    assert not ok(
        graph(ALLOW_NP_FROM_Y, anp("p", 1, ingress=[rule("Deny", [ns_peer(team="y")])])), "y/c", "x/a"
    )
    assert ok(graph(ALLOW_NP_FROM_Y, anp("p", 1, ingress=[rule("Deny", [ns_peer(team="z")])])), "y/c", "x/a")


# 5. Pass: NetworkPolicy decides.
def test_t05_pass_hands_over_to_networkpolicy() -> None:
    passing = anp("p", 1, ingress=[rule("Pass", [ns_peer(team="y")])])
    assert ok(graph(passing, ALLOW_NP_FROM_Y), "y/c", "x/a")
    assert not ok(graph(passing, DENY_ALL_X), "y/c", "x/a")


# 6. Pass, and no NetworkPolicy selects the pod: the BANP decides.
def test_t06_pass_without_networkpolicy_goes_to_baseline() -> None:
    passing = anp("p", 1, ingress=[rule("Pass", [ns_peer(team="y")])])
    assert not ok(graph(passing, banp(ingress=[rule("Deny", [ns_peer(team="y")])])), "y/c", "x/a")
    assert ok(graph(passing), "y/c", "x/a")


# 7. Pass skips the lower-precedence ANPs too.
def test_t07_pass_skips_later_admin_policies() -> None:
    deny = anp("deny", 2, ingress=[rule("Deny", [ns_peer(team="y")])])
    assert ok(graph(anp("pass", 1, ingress=[rule("Pass", [ns_peer(team="y")])]), deny), "y/c", "x/a")
    assert not ok(graph(deny), "y/c", "x/a")


# 8. A NetworkPolicy that isolates the pod hides the BANP.
def test_t08_networkpolicy_isolation_hides_baseline() -> None:
    base = banp(ingress=[rule("Deny", [ns_peer(team="y")])])
    assert ok(graph(ALLOW_NP_FROM_Y, base), "y/c", "x/a")
    assert not ok(graph(base), "y/c", "x/a")


# 9. Isolation is per direction: an egress-only NetworkPolicy leaves ingress to the BANP.
def test_t09_baseline_applies_per_direction() -> None:
    egress_only = np_doc("x", "egress", ["Egress"], egress=[{}])
    base = banp(ingress=[rule("Deny", [ns_peer(team="y")])])
    assert not ok(graph(egress_only, base), "y/c", "x/a")
    assert ok(graph(ALLOW_NP_FROM_Y, base), "y/c", "x/a")


# 10. The BANP is the singleton named default.
def test_t10_banp_must_be_named_default() -> None:
    assert not errors_of(banp(ingress=[rule("Deny", [ns_peer()])]))
    errs = errors_of(banp(name="baseline", ingress=[rule("Deny", [ns_peer()])]))
    assert errs and errs[0].location is not None and errs[0].location.path == ("metadata", "name")
    # The object is left out: nothing is denied.
    g = analyze(manifest(*BASE, banp(name="baseline", ingress=[rule("Deny", [ns_peer()])])), stand_ins=False)
    assert ok(g, "y/c", "x/a")


# 11. The BANP has no Pass.
def test_t11_banp_rejects_pass() -> None:
    assert not errors_of(banp(ingress=[rule("Allow", [ns_peer()]), rule("Deny", [ns_peer()])]))
    errs = errors_of(banp(ingress=[rule("Pass", [ns_peer()])]))
    assert errs and errs[0].location is not None and errs[0].location.path[-1] == "action"


# 12. Directions are decided apart: an egress Accept leaves the destination's ingress to decide.
def test_t12_egress_accept_does_not_open_ingress() -> None:
    accept = cnp("out", "Admin", 1, egress=[rule("Accept", [ns_peer(team="x")], key="to")])
    assert not ok(graph(accept, DENY_ALL_X, base=BASE), "y/c", "x/a")
    assert ok(graph(accept), "y/c", "x/a")


# 13. An Admin Accept ends the Admin tier's processing.
def test_t13_admin_accept_is_final() -> None:
    deny = cnp("deny", "Admin", 2, ingress=[rule("Deny", [ns_peer(team="y")])])
    assert ok(
        graph(cnp("accept", "Admin", 1, ingress=[rule("Accept", [ns_peer(team="y")])]), deny), "y/c", "x/a"
    )
    assert not ok(
        graph(cnp("first", "Admin", 1, ingress=[rule("Deny", [ns_peer(team="y")])]), deny), "y/c", "x/a"
    )


# 14. A policy without rules of a direction does not touch that direction.
def test_t14_no_rules_leave_the_direction_alone() -> None:
    ingress_only = cnp("in", "Admin", 1, ingress=[rule("Deny", [ns_peer(team="y")])])
    assert ok(graph(ingress_only), "x/a", "y/c")
    egress_too = cnp(
        "in",
        "Admin",
        1,
        ingress=[rule("Deny", [ns_peer(team="y")])],
        egress=[rule("Deny", [ns_peer(team="y")], key="to")],
    )
    assert not ok(graph(egress_too), "x/a", "y/c")


# 15. The subject is exactly one of namespaces or pods.
def test_t15_subject_one_of() -> None:
    assert not ok(
        graph(anp("p", 1, subject={"namespaces": {}}, ingress=[rule("Deny", [ns_peer()])])), "y/c", "x/a"
    )
    both: dict[str, Any] = {"namespaces": {}, "pods": {"namespaceSelector": {}, "podSelector": {}}}
    assert errors_of(anp("p", 1, subject=both, ingress=[rule("Deny", [ns_peer()])]))
    assert errors_of(anp("p", 1, subject={}, ingress=[rule("Deny", [ns_peer()])]))


# 16. Empty selectors; CNP may omit pods.namespaceSelector, ANP may not.
def test_t16_empty_and_omitted_selectors() -> None:
    every = cnp("p", "Admin", 1, subject={"pods": {"podSelector": {}}}, ingress=[rule("Deny", [ns_peer()])])
    g = graph(every)
    assert not ok(g, "y/c", "x/a") and not ok(g, "x/a", "y/c")
    assert errors_of(anp("p", 1, subject={"pods": {"podSelector": {}}}, ingress=[rule("Deny", [ns_peer()])]))


# 17. Host-network pods are not subjects.
def test_t17_host_network_pods_are_not_subjects() -> None:
    base = (*BASE, pod("x/h", "10.9.0.1", node="n1", host_network=True), pod("x/n", "10.1.0.9"))
    deny = anp("p", 1, egress=[rule("Deny", [{"networks": ["0.0.0.0/0"]}], key="to")])
    g = graph(deny, base=base)
    assert ok(g, "x/h", EXTERNAL)
    assert not ok(g, "x/n", EXTERNAL)


# 18. Host-network pods are not namespaces/pods peers.
def test_t18_host_network_pods_are_not_pod_peers() -> None:
    base = (*BASE, pod("y/h", "10.9.0.2", node="n2", host_network=True))
    g = graph(anp("p", 1, egress=[rule("Deny", [ns_peer()], key="to")]), base=base)
    assert ok(g, "x/a", "y/h")
    assert not ok(g, "x/a", "y/c")


# 19. A nodes peer matches the IPs of Node status.addresses.
def test_t19_nodes_peer_matches_node_addresses() -> None:
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1", "labels": {"role": "worker"}},
        "status": {"addresses": [{"type": "InternalIP", "address": "172.16.0.10"}]},
    }
    deny = anp("p", 1, egress=[rule("Deny", [{"nodes": {}}], key="to")])
    g = graph(node, deny)
    assert not ok(g, "x/a", "172.16.0.10")
    assert ok(g, "x/a", "172.16.0.11")


# 20. networks match pod IPs too.
def test_t20_networks_match_pod_ips() -> None:
    deny = anp("p", 1, egress=[rule("Deny", [{"networks": ["10.2.0.0/16"]}], key="to")])
    g = graph(deny)
    assert not ok(g, "x/a", "y/c")
    assert ok(g, "x/a", "x/b")


# 21. A Pass before a networks rule keeps pod traffic out of it.
def test_t21_pass_before_networks() -> None:
    rules = [rule("Pass", [ns_peer()], key="to"), rule("Deny", [{"networks": ["0.0.0.0/0"]}], key="to")]
    g = graph(anp("p", 1, egress=rules))
    assert ok(g, "x/a", "y/c") and not ok(g, "x/a", EXTERNAL)
    assert not ok(graph(anp("p", 1, egress=rules[1:])), "x/a", "y/c")


# 22. domainNames: the verdict depends on DNS, and says so.
def test_t22_domain_names_depend_on_dns() -> None:
    from netpol.query.explain import explain

    rules = [
        rule("Allow", [{"domainNames": ["*.example.com"]}], key="to"),
        rule("Deny", [{"networks": ["0.0.0.0/0"]}], key="to"),
    ]
    g = graph(anp("p", 1, egress=rules))
    exp = explain(g, "x/a[Pod]", EXTERNAL, port=443)
    assert not exp.allowed
    assert exp.egress.dns == ("*.example.com",)
    assert exp.note is not None and "depends on DNS: *.example.com" in exp.note
    # Toward a pod the names are not in question: no DNS note.
    assert explain(g, "x/a[Pod]", "y/c[Pod]", port=80).egress.dns == ()


# 23. Domain name wildcards: a prefix of whole labels only.
@pytest.mark.parametrize("name", ["*k8s.io", "a.*.io", "k8s.*"])
def test_t23_domain_name_pattern(name: str) -> None:
    assert not errors_of(anp("p", 1, egress=[rule("Allow", [{"domainNames": ["*.k8s.io"]}], key="to")]))
    assert errors_of(anp("p", 1, egress=[rule("Allow", [{"domainNames": [name]}], key="to")]))


# 24. No ports: every port; an empty list is rejected.
def test_t24_no_ports_means_all() -> None:
    g = graph(anp("p", 1, ingress=[rule("Deny", [ns_peer(team="y")])]))
    assert not ok(g, "y/c", "x/a", "TCP", 1) and not ok(g, "y/c", "x/a", "UDP", 53)
    assert errors_of(anp("p", 1, ingress=[rule("Deny", [ns_peer(team="y")], ports=[])]))


# 25. portNumber's protocol defaults to TCP.
def test_t25_port_number_defaults_to_tcp() -> None:
    g = graph(anp("p", 1, ingress=[rule("Deny", [ns_peer(team="y")], ports=[{"portNumber": {"port": 80}}])]))
    assert not ok(g, "y/c", "x/a", "TCP", 80)
    assert ok(g, "y/c", "x/a", "UDP", 80)


# 26. portRange is inclusive.
def test_t26_port_range_inclusive() -> None:
    ports = [{"portRange": {"protocol": "TCP", "start": 8000, "end": 8080}}]
    g = graph(anp("p", 1, ingress=[rule("Deny", [ns_peer(team="y")], ports=ports)]))
    assert not ok(g, "y/c", "x/a", "TCP", 8000) and not ok(g, "y/c", "x/a", "TCP", 8080)
    assert ok(g, "y/c", "x/a", "TCP", 8081)


# 27. v1alpha2 ranges: start < end ("Start port must be less than End port").
def test_t27_cnp_range_start_below_end() -> None:
    def with_range(start: int, end: int) -> dict[str, Any]:
        proto = [{"tcp": {"destinationPort": {"range": {"start": start, "end": end}}}}]
        return cnp("p", "Admin", 1, ingress=[rule("Deny", [ns_peer()], protocols=proto)])

    assert not errors_of(with_range(1000, 1001))
    assert errors_of(with_range(1000, 1000))
    assert errors_of(with_range(2000, 1000))


# 28. A named port resolves on each destination pod's containerPort of that name.
def test_t28_named_port_per_destination() -> None:
    base = (*BASE, pod("x/w", "10.1.0.5", ports=[("web", 8080, "TCP")]))
    g = graph(
        anp("p", 1, ingress=[rule("Deny", [ns_peer(team="y")], ports=[{"namedPort": "web"}])]), base=base
    )
    assert not ok(g, "y/c", "x/w", "TCP", 8080)
    assert ok(g, "y/c", "x/a", "TCP", 8080)  # x/a declares no port named web


# 29. A named port cannot go with networks/nodes/domainNames peers.
def test_t29_named_port_with_ip_peers_rejected() -> None:
    ports = [{"namedPort": "http"}]
    assert not errors_of(anp("p", 1, egress=[rule("Deny", [ns_peer()], key="to", ports=ports)]))
    assert errors_of(
        anp("p", 1, egress=[rule("Deny", [{"networks": ["10.0.0.0/8"]}], key="to", ports=ports)])
    )


# 30. CNP protocols.
def test_t30_cnp_protocols() -> None:
    proto = [{"tcp": {"destinationPort": {"number": 80}}}]
    g = graph(cnp("p", "Admin", 1, ingress=[rule("Deny", [ns_peer(team="y")], protocols=proto)]))
    assert not ok(g, "y/c", "x/a", "TCP", 80) and ok(g, "y/c", "x/a", "UDP", 80)
    assert errors_of(cnp("p", "Admin", 1, ingress=[rule("Deny", [ns_peer()], protocols=[{"tcp": {}}])]))


# 31. A Baseline Pass leaves the default: allow.
def test_t31_baseline_pass_goes_to_default() -> None:
    deny = cnp("deny", "Baseline", 2, ingress=[rule("Deny", [ns_peer(team="y")])])
    assert ok(
        graph(cnp("pass", "Baseline", 1, ingress=[rule("Pass", [ns_peer(team="y")])]), deny), "y/c", "x/a"
    )
    assert not ok(graph(deny), "y/c", "x/a")


# 32. Tiers order before priorities.
def test_t32_tier_before_priority() -> None:
    base_deny = cnp("b", "Baseline", 0, ingress=[rule("Deny", [ns_peer(team="y")])])
    assert ok(
        graph(base_deny, cnp("a", "Admin", 999, ingress=[rule("Accept", [ns_peer(team="y")])])), "y/c", "x/a"
    )
    assert not ok(
        graph(base_deny, cnp("a", "Admin", 999, ingress=[rule("Deny", [ns_peer(team="y")])])), "y/c", "x/a"
    )


# 34. A peer of a kind netpol does not know: the rule fails closed.
def test_t34_fail_closed() -> None:
    unknown = [{"futurePeer": {"x": 1}}]
    g = analyze(manifest(*BASE, anp("p", 1, ingress=[rule("Deny", unknown)])), stand_ins=False)
    assert any(d.code == "tier-peer-unknown" for d in g.diagnostics)
    assert not ok(g, "y/c", "x/a") and not ok(g, "x/b", "x/a")
    g = analyze(manifest(*BASE, DENY_ALL_X, anp("p", 1, ingress=[rule("Allow", unknown)])), stand_ins=False)
    assert not ok(g, "y/c", "x/a")  # an Allow that fails closed matches nothing
    # A Pass that fails closed denies: "treat the rule as a 'Deny all' rule".
    g = analyze(manifest(*BASE, anp("p", 1, ingress=[rule("Pass", unknown)])), stand_ins=False)
    assert not ok(g, "y/c", "x/a")


# 35. A pod reaches itself, whatever the tiers say.
def test_t35_pod_reaches_itself() -> None:
    g = graph(
        cnp(
            "p", "Admin", 1, ingress=[rule("Deny", [ns_peer()])], egress=[rule("Deny", [ns_peer()], key="to")]
        )
    )
    assert ok(g, "x/a", "x/a")
    assert not ok(g, "x/a", "x/b")


# 36. Priority bounds.
@pytest.mark.parametrize(("priority", "valid"), [(0, True), (1000, True), (-1, False), (1001, False)])
def test_t36_priority_bounds(priority: int, valid: bool) -> None:
    assert (not errors_of(anp("p", priority, ingress=[rule("Deny", [ns_peer()])]))) is valid


# 37. Rule-count bounds: 100 per direction for ANP, 25 for CNP.
def test_t37_rule_counts() -> None:
    assert not errors_of(anp("p", 1, ingress=[rule("Deny", [ns_peer()])] * 100))
    assert errors_of(anp("p", 1, ingress=[rule("Deny", [ns_peer()])] * 101))
    assert not errors_of(cnp("p", "Admin", 1, ingress=[rule("Deny", [ns_peer()])] * 25))
    assert errors_of(cnp("p", "Admin", 1, ingress=[rule("Deny", [ns_peer()])] * 26))


# Conformance-style: CNPAdminTierIntegration (Deny; patch to Pass, the NetworkPolicy allow wins;
# delete it, the Baseline Deny wins).
def test_integration_deny_then_pass_then_baseline() -> None:
    admin = cnp("admin", "Admin", 16, ingress=[rule("Deny", [ns_peer(team="y")])])
    baseline = cnp("baseline", "Baseline", 5, ingress=[rule("Deny", [ns_peer(team="y")])])
    assert not ok(graph(admin, ALLOW_NP_FROM_Y, baseline), "y/c", "x/a")
    admin["spec"]["ingress"][0]["action"] = "Pass"
    assert ok(graph(admin, ALLOW_NP_FROM_Y, baseline), "y/c", "x/a")
    assert not ok(graph(admin, baseline), "y/c", "x/a")


# ANP and Admin CNP in one cluster: merged by priority (netpol's choice, documented).
def test_anp_and_admin_cnp_merge_by_priority() -> None:
    a = anp("a", 5, ingress=[rule("Deny", [ns_peer(team="y")])])
    c = cnp("c", "Admin", 3, ingress=[rule("Accept", [ns_peer(team="y")])])
    assert ok(graph(a, c), "y/c", "x/a")
    c["spec"]["priority"] = 7
    assert not ok(graph(a, c), "y/c", "x/a")
