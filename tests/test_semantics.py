"""Conformance tests for /work/shared/SEMANTICS.md, points 1-17, against the public API.

Each test is named after the point it checks (``test_pNN_...``). Expectations come from the
checklist and from the Kubernetes API (types.go field docs, SetDefaults_NetworkPolicy, validation),
never from running the engine. Point 18 (admin tiers) is out of scope for now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from e2e_model import (
    allows_nothing,
    analyze,
    assert_no_errors,
    find_error_at,
    line_of,
    manifest,
    namespace_doc,
    pod_doc,
)

EXTERNAL = "203.0.113.7"
"""An address outside every pod network used below (TEST-NET-3)."""


def pod(ref: str, labels: Mapping[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    """``pod("x/a", {"tier": "db"})``: pod a in namespace x, labelled pod=a plus ``labels``."""
    ns, name = ref.split("/")
    return pod_doc(ns, name, {"pod": name, **(labels or {})}, **kwargs)


def eid(ref: str) -> str:
    """``"x/a"`` -> ``"x/a[Pod]"``; ids with a kind, and IP addresses, pass through."""
    return f"{ref}[Pod]" if "/" in ref and "[" not in ref else ref


def ok(graph: Any, src: str, dst: str, protocol: str = "TCP", port: int = 80) -> bool:
    return bool(graph.allowed(eid(src), eid(dst)).allows(protocol, port))


def nothing(graph: Any, src: str, dst: str) -> bool:
    return allows_nothing(graph.allowed(eid(src), eid(dst)))


def run(*docs: str | Mapping[str, Any], **options: Any) -> Any:
    graph = analyze(manifest(*docs), **options)
    assert_no_errors(graph)
    return graph


# =============================================================================================
# 1. Isolation is per pod and per direction.


def test_p01_ingress_policy_isolates_only_selected_pod_and_only_ingress() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-a-ingress, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Ingress]
          ingress: []
        """,
    )
    assert not ok(g, "y/a", "x/a")  # x/a isolated for ingress
    assert ok(g, "x/a", "y/a")  # ... but not for egress
    assert ok(g, "y/a", "x/b")  # x/b is not selected
    assert ok(g, "x/a", EXTERNAL)


def test_p01_egress_policy_leaves_ingress_open() -> None:
    g = run(
        pod("x/a"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-a-egress, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress: []
        """,
    )
    assert not ok(g, "x/a", "y/a")
    assert not ok(g, "x/a", EXTERNAL)
    assert ok(g, "y/a", "x/a")


def test_p01_no_policy_allows_everything() -> None:
    g = run(pod("x/a"), pod("y/b"))
    for protocol, port in [("TCP", 1), ("TCP", 65535), ("UDP", 53), ("SCTP", 2905)]:
        assert ok(g, "x/a", "y/b", protocol, port)
        assert ok(g, "y/b", "x/a", protocol, port)
        assert ok(g, "x/a", EXTERNAL, protocol, port)
        assert ok(g, EXTERNAL, "x/a", protocol, port)


# =============================================================================================
# 2. Policies are additive.


def test_p02_allowed_sources_are_the_union_of_all_policies() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("x/c"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-from-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: b}}
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-from-c, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: c}}
        """,
    )
    assert ok(g, "x/b", "x/a")
    assert ok(g, "x/c", "x/a")
    assert not ok(g, "y/a", "x/a")


def test_p02_there_are_no_deny_rules_an_allow_always_wins() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("x/c"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-from-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: b}}
        """,
    )
    assert ok(g, "x/b", "x/a")
    assert not ok(g, "x/c", "x/a")
    assert not ok(g, "x/a", "x/b")


def test_p02_allowed_ports_are_the_union_of_all_policies() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-80, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: b}}
            ports:
            - port: 80
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-81, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: b}}
            ports:
            - port: 81
        """,
    )
    assert ok(g, "x/b", "x/a", "TCP", 80)
    assert ok(g, "x/b", "x/a", "TCP", 81)
    assert not ok(g, "x/b", "x/a", "TCP", 82)


# =============================================================================================
# 3. Both ends must allow.


def test_p03_connection_needs_source_egress_and_destination_ingress() -> None:
    g = run(
        pod("x/a"),
        pod("x/c"),
        pod("y/b"),
        pod("y/c"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-to-y-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress:
          - to:
            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
              podSelector: {matchLabels: {pod: b}}
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: b-from-x-c, namespace: "y"}
        spec:
          podSelector: {matchLabels: {pod: b}}
          policyTypes: [Ingress]
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}
              podSelector: {matchLabels: {pod: c}}
        """,
    )
    assert not ok(g, "x/a", "y/b")  # egress allows, ingress does not
    assert ok(g, "x/c", "y/b")  # x/c is not egress-isolated, y/b admits it
    assert not ok(g, "x/a", "y/c")  # y/c admits everything, x/a's egress does not
    assert ok(g, "x/c", "y/c")


def test_p03_external_source_needs_destination_ingress() -> None:
    g = run(
        pod("x/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-ingress, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
          ingress: []
        """,
    )
    assert not ok(g, EXTERNAL, "x/a")
    assert ok(g, "x/a", EXTERNAL)


# =============================================================================================
# 4. Default policyTypes: [Ingress], plus Egress iff spec.egress is non-empty.


def test_p04_default_policy_types_egress_empty_list() -> None:
    g = run(
        pod("x/a"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: empty-egress, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          egress: []
        """,
    )
    assert ok(g, "x/a", "y/a")  # egress: [] without policyTypes does not isolate egress
    assert not ok(g, "y/a", "x/a")  # ... but the policy still isolates ingress


def test_p04_default_policy_types_nonempty_egress_adds_egress() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("x/c"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-to-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          egress:
          - to:
            - podSelector: {matchLabels: {pod: b}}
        """,
    )
    assert ok(g, "x/a", "x/b")
    assert not ok(g, "x/a", "x/c")  # Egress was added by defaulting
    assert not ok(g, "x/b", "x/a")  # Ingress is always defaulted in, with no rule


def test_p04_default_policy_types_ingress_rules_only() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("x/c"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-from-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: b}}
        """,
    )
    assert ok(g, "x/b", "x/a")
    assert not ok(g, "x/c", "x/a")
    assert ok(g, "x/a", "y/a")


def test_p04_explicit_policy_types_are_not_defaulted() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-only, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress: []
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: b}}
        """,
    )
    assert ok(g, "y/a", "x/a")  # Ingress is not in policyTypes: x/a is not ingress-isolated
    assert not ok(g, "x/a", "y/a")
    assert not ok(g, "x/a", "x/b")


# =============================================================================================
# 5. [] vs [{}].


@pytest.mark.parametrize("ingress", ["ingress: []", "# no ingress field"], ids=["empty", "absent"])
def test_p05_ingress_empty_or_absent_allows_nothing(ingress: str) -> None:
    g = run(
        pod("x/a"),
        pod("y/a"),
        f"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: deny, namespace: x}}
        spec:
          podSelector: {{}}
          policyTypes: [Ingress]
          {ingress}
        """,
    )
    assert nothing(g, "y/a", "x/a")
    assert nothing(g, EXTERNAL, "x/a")


def test_p05_ingress_one_empty_rule_allows_everything() -> None:
    g = run(
        pod("x/a"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: allow-all, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
          ingress:
          - {}
        """,
    )
    for protocol, port in [("TCP", 1), ("TCP", 65535), ("UDP", 53), ("SCTP", 2905)]:
        assert ok(g, "y/a", "x/a", protocol, port)
        assert ok(g, EXTERNAL, "x/a", protocol, port)


def test_p05_egress_one_empty_rule_allows_everything() -> None:
    g = run(
        pod("x/a"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: allow-all-egress, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Egress]
          egress:
          - {}
        """,
    )
    assert ok(g, "x/a", "y/a", "UDP", 53)
    assert ok(g, "x/a", EXTERNAL, "TCP", 443)
    assert ok(g, "x/a", EXTERNAL, "SCTP", 2905)


# =============================================================================================
# 6. A rule is (from/to) AND (ports); peers ORed, ports ORed; empty = everything.


def test_p06_rule_is_peers_and_ports() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("x/c"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: b-on-80, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: b}}
            ports:
            - port: 80
        """,
    )
    assert ok(g, "x/b", "x/a", "TCP", 80)
    assert not ok(g, "x/b", "x/a", "TCP", 81)
    assert not ok(g, "x/c", "x/a", "TCP", 80)


def test_p06_peers_are_ored_and_ports_are_ored() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("x/c"),
        pod("x/d"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: b-or-c-on-80-or-443, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: b}}
            - podSelector: {matchLabels: {pod: c}}
            ports:
            - port: 80
            - port: 443
        """,
    )
    for src in ("x/b", "x/c"):
        assert ok(g, src, "x/a", "TCP", 80)
        assert ok(g, src, "x/a", "TCP", 443)
        assert not ok(g, src, "x/a", "TCP", 8080)
    assert not ok(g, "x/d", "x/a", "TCP", 80)


def test_p06_absent_from_means_every_source_including_ip_addresses() -> None:
    g = run(
        pod("x/a"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: port-80-from-anywhere, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - ports:
            - port: 80
        """,
    )
    assert ok(g, EXTERNAL, "x/a", "TCP", 80)
    assert ok(g, "y/a", "x/a", "TCP", 80)
    assert not ok(g, EXTERNAL, "x/a", "TCP", 81)


def test_p06_absent_to_means_every_destination_including_ip_addresses() -> None:
    g = run(
        pod("x/a"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-443-anywhere, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress:
          - ports:
            - port: 443
        """,
    )
    assert ok(g, "x/a", EXTERNAL, "TCP", 443)
    assert ok(g, "x/a", "y/a", "TCP", 443)
    assert not ok(g, "x/a", EXTERNAL, "TCP", 80)


def test_p06_absent_ports_means_all_ports_of_all_protocols() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-b-any-port, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - podSelector: {matchLabels: {pod: b}}
        """,
    )
    for protocol, port in [("TCP", 1), ("TCP", 65535), ("UDP", 53), ("SCTP", 2905)]:
        assert ok(g, "x/b", "x/a", protocol, port)


# =============================================================================================
# 7. spec.podSelector selects only pods of the policy's own namespace.


def test_p07_pod_selector_selects_only_own_namespace() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-a, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Ingress]
        """,
    )
    assert not ok(g, "x/b", "x/a")
    assert ok(g, "x/b", "y/a")  # y/a carries pod=a too, but lives in another namespace


def test_p07_empty_pod_selector_selects_every_pod_of_the_namespace() -> None:
    g = run(
        pod("x/a"),
        pod("x/b"),
        pod("y/a"),
        pod("y/b"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-all-x, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
        """,
    )
    assert not ok(g, "y/a", "x/a")
    assert not ok(g, "y/a", "x/b")
    assert ok(g, "y/a", "y/b")
    assert ok(g, "x/a", "y/b")


# =============================================================================================
# 8. Peers.


def _peers_cluster(peers_yaml: str) -> Any:
    return run(
        namespace_doc("x", {"team": "red"}),
        namespace_doc("y", {"team": "blue"}),
        namespace_doc("z", {"team": "green"}),
        pod("x/a"),
        pod("x/b"),
        pod("x/c"),
        pod("y/a"),
        pod("y/b"),
        pod("z/a"),
        pod("z/b"),
        f"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: peers, namespace: x}}
        spec:
          podSelector: {{matchLabels: {{pod: a}}}}
          ingress:
          - from:
        {peers_yaml}
        """,
    )


def test_p08_pod_selector_peer_is_the_policy_namespace_only() -> None:
    g = _peers_cluster("    - podSelector: {matchLabels: {pod: b}}")
    assert ok(g, "x/b", "x/a")
    assert not ok(g, "y/b", "x/a")
    assert not ok(g, "z/b", "x/a")


def test_p08_namespace_selector_peer_is_all_pods_of_matching_namespaces() -> None:
    g = _peers_cluster("    - namespaceSelector: {matchLabels: {team: blue}}")
    assert ok(g, "y/a", "x/a")
    assert ok(g, "y/b", "x/a")
    assert not ok(g, "z/a", "x/a")
    assert not ok(g, "x/b", "x/a")


def test_p08_empty_namespace_selector_is_every_namespace_but_no_ip_address() -> None:
    g = _peers_cluster("    - namespaceSelector: {}")
    for src in ("x/b", "y/a", "z/b"):
        assert ok(g, src, "x/a")
    assert not ok(g, EXTERNAL, "x/a")


def test_p08_empty_pod_selector_peer_is_every_pod_of_the_policy_namespace() -> None:
    g = _peers_cluster("    - podSelector: {}")
    assert ok(g, "x/b", "x/a")
    assert ok(g, "x/c", "x/a")
    assert not ok(g, "y/a", "x/a")
    assert not ok(g, EXTERNAL, "x/a")


def test_p08_both_selectors_in_one_peer_are_anded() -> None:
    g = _peers_cluster(
        "    - namespaceSelector: {matchLabels: {team: blue}}\n"
        "              podSelector: {matchLabels: {pod: b}}"
    )
    assert ok(g, "y/b", "x/a")
    assert not ok(g, "y/a", "x/a")  # namespace matches, pod does not
    assert not ok(g, "x/b", "x/a")  # pod matches, namespace does not
    assert not ok(g, "z/b", "x/a")


def test_p08_selectors_in_two_peers_are_ored() -> None:
    g = _peers_cluster(
        "    - namespaceSelector: {matchLabels: {team: blue}}\n"
        "            - podSelector: {matchLabels: {pod: b}}"
    )
    assert ok(g, "y/a", "x/a")  # by namespace
    assert ok(g, "y/b", "x/a")
    assert ok(g, "x/b", "x/a")  # by pod, in the policy's namespace
    assert not ok(g, "z/b", "x/a")  # pod=b, but not in x
    assert not ok(g, "x/c", "x/a")


def test_p08_ipblock_is_cidr_minus_except() -> None:
    g = run(
        pod("x/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-block, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress, Ingress]
          egress:
          - to:
            - ipBlock:
                cidr: 10.1.0.0/16
                except: [10.1.2.0/24, 10.1.4.0/24]
          ingress:
          - from:
            - ipBlock:
                cidr: 10.1.0.0/16
                except: [10.1.2.0/24]
        """,
    )
    assert ok(g, "x/a", "10.1.3.4")
    assert ok(g, "x/a", "10.1.255.255")
    assert not ok(g, "x/a", "10.1.2.4")
    assert not ok(g, "x/a", "10.1.4.1")
    assert not ok(g, "x/a", "10.2.0.1")
    assert ok(g, "10.1.0.1", "x/a")
    assert not ok(g, "10.1.2.200", "x/a")
    assert not ok(g, EXTERNAL, "x/a")


# =============================================================================================
# 9. ipBlock and pod IPs (matched by default, with a switch to ignore them).


def _pod_ip_cluster(**options: Any) -> Any:
    return run(
        pod("x/a", ip="10.0.1.1"),
        pod("x/b", ip="10.0.1.2"),
        pod("y/b", ip="10.0.2.2"),
        pod("y/c", ip="10.0.2.3"),
        pod("z/a", ip="10.0.3.1"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-egress-to-y-block, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress:
          - to:
            - ipBlock: {cidr: 10.0.2.0/24, except: [10.0.2.3/32]}
            - ipBlock: {cidr: 10.0.200.0/24}
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: b-ingress-from-y-b-ip, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: b}}
          policyTypes: [Ingress]
          ingress:
          - from:
            - ipBlock: {cidr: 10.0.2.2/32}
        """,
        **options,
    )


def test_p09_ipblock_matches_pod_ip_by_default() -> None:
    g = _pod_ip_cluster()
    assert ok(g, "x/a", "y/b")  # status.podIP 10.0.2.2 lies in 10.0.2.0/24
    assert not ok(g, "x/a", "y/c")  # 10.0.2.3 is excepted
    assert not ok(g, "x/a", "z/a")  # 10.0.3.1 is outside
    assert ok(g, "x/a", "10.0.200.9")
    assert ok(g, "y/b", "x/b")  # ingress ipBlock matches the source pod's IP
    assert not ok(g, "y/c", "x/b")


def test_p09_switch_ignores_pod_ips() -> None:
    g = _pod_ip_cluster(ipblock_matches_pods=False)
    assert not ok(g, "x/a", "y/b")
    assert not ok(g, "y/b", "x/b")
    assert ok(g, "x/a", "10.0.200.9")  # external addresses are still matched


def test_p09_ipblock_matches_status_pod_ips_list() -> None:
    g = run(
        pod("x/a", ip="10.0.1.1"),
        pod("y/v6", ips=["10.0.2.7", "fd00:2::7"]),
        pod("y/other", ips=["10.0.9.9", "fd00:9::9"]),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-egress-to-v6, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress:
          - to:
            - ipBlock: {cidr: "fd00:2::/64"}
        """,
    )
    assert ok(g, "x/a", "y/v6")
    assert not ok(g, "x/a", "y/other")


# =============================================================================================
# 10. Protocols.


def _ports_cluster(ports_yaml: str) -> Any:
    return run(
        pod("x/a"),
        pod("y/a"),
        f"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: ports, namespace: x}}
        spec:
          podSelector: {{matchLabels: {{pod: a}}}}
          ingress:
          - ports: {ports_yaml}
        """,
    )


def test_p10_protocol_defaults_to_tcp() -> None:
    g = _ports_cluster("[{port: 53}]")
    assert ok(g, "y/a", "x/a", "TCP", 53)
    assert not ok(g, "y/a", "x/a", "UDP", 53)
    assert not ok(g, "y/a", "x/a", "SCTP", 53)


def test_p10_sctp_only_policy_isolates_tcp_and_udp() -> None:
    g = _ports_cluster("[{protocol: SCTP, port: 80}]")
    assert ok(g, "y/a", "x/a", "SCTP", 80)
    assert not ok(g, "y/a", "x/a", "TCP", 80)
    assert not ok(g, "y/a", "x/a", "UDP", 80)
    assert not ok(g, "y/a", "x/a", "TCP", 81)


def test_p10_empty_port_entry_means_all_tcp_ports() -> None:
    g = _ports_cluster("[{}]")
    for port in (1, 80, 8080, 65535):
        assert ok(g, "y/a", "x/a", "TCP", port)
    assert not ok(g, "y/a", "x/a", "UDP", 53)
    assert not ok(g, "y/a", "x/a", "SCTP", 80)


def test_p10_protocol_without_port_means_all_ports_of_that_protocol() -> None:
    g = _ports_cluster("[{protocol: UDP}]")
    for port in (1, 53, 65535):
        assert ok(g, "y/a", "x/a", "UDP", port)
    assert not ok(g, "y/a", "x/a", "TCP", 53)
    assert not ok(g, "y/a", "x/a", "SCTP", 53)


# =============================================================================================
# 11. Named ports resolve on the destination pod, by name AND protocol.


def test_p11_named_port_resolves_per_destination_pod() -> None:
    g = run(
        pod("x/a", ports=[("http", 8080, "TCP")]),
        pod("x/b", ports=[("http", 9090, "TCP")]),
        pod("y/c"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: http-only, namespace: x}
        spec:
          podSelector: {}
          ingress:
          - ports:
            - port: http
        """,
    )
    assert ok(g, "y/c", "x/a", "TCP", 8080)
    assert not ok(g, "y/c", "x/a", "TCP", 9090)
    assert ok(g, "y/c", "x/b", "TCP", 9090)
    assert not ok(g, "y/c", "x/b", "TCP", 8080)


def test_p11_named_port_matches_name_and_protocol() -> None:
    dns_pod = pod("x/a", ports=[("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")])
    policy = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: dns, namespace: x}}
        spec:
          podSelector: {{matchLabels: {{pod: a}}}}
          ingress:
          - ports:
            - {port}
    """
    # "dns" is declared for UDP only; the rule's protocol defaults to TCP: nothing matches.
    g = run(dns_pod, pod("y/a"), policy.format(port="{port: dns}"))
    assert nothing(g, "y/a", "x/a")
    g = run(dns_pod, pod("y/a"), policy.format(port="{port: dns, protocol: UDP}"))
    assert ok(g, "y/a", "x/a", "UDP", 53)
    assert not ok(g, "y/a", "x/a", "TCP", 53)


def test_p11_named_port_not_declared_by_destination_matches_nothing() -> None:
    g = run(
        pod("x/a", ports=[("http", 8080, "TCP")]),
        pod("x/b", ports=[("metrics", 8080, "TCP")]),
        pod("y/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: http-only, namespace: x}
        spec:
          podSelector: {}
          ingress:
          - ports:
            - port: http
        """,
    )
    assert ok(g, "y/a", "x/a", "TCP", 8080)
    assert nothing(g, "y/a", "x/b")


def test_p11_egress_named_port_resolves_on_the_peer_pod() -> None:
    g = run(
        pod("x/a", ports=[("http", 8080, "TCP")]),
        pod("y/b", ports=[("http", 9090, "TCP")]),
        pod("y/c"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-http, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress:
          - ports:
            - port: http
        """,
    )
    assert ok(g, "x/a", "y/b", "TCP", 9090)
    assert not ok(g, "x/a", "y/b", "TCP", 8080)  # the source's own "http" is irrelevant
    assert nothing(g, "x/a", "y/c")


def test_p11_named_port_toward_ipblock_matches_nothing() -> None:
    g = run(
        pod("x/a", ports=[("http", 8080, "TCP")]),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-http-to-block, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress:
          - to:
            - ipBlock: {cidr: 203.0.113.0/24}
            ports:
            - port: http
        """,
    )
    assert nothing(g, "x/a", EXTERNAL)


# =============================================================================================
# 12. endPort.


def test_p12_endport_range_is_inclusive() -> None:
    g = _ports_cluster("[{port: 32000, endPort: 32768}]")
    assert not ok(g, "y/a", "x/a", "TCP", 31999)
    assert ok(g, "y/a", "x/a", "TCP", 32000)
    assert ok(g, "y/a", "x/a", "TCP", 32400)
    assert ok(g, "y/a", "x/a", "TCP", 32768)
    assert not ok(g, "y/a", "x/a", "TCP", 32769)


def test_p12_endport_range_keeps_its_protocol() -> None:
    g = _ports_cluster("[{protocol: UDP, port: 5000, endPort: 5010}]")
    assert ok(g, "y/a", "x/a", "UDP", 5005)
    assert not ok(g, "y/a", "x/a", "TCP", 5005)


def test_p12_endport_equal_to_port_is_a_single_port() -> None:
    g = _ports_cluster("[{port: 443, endPort: 443}]")
    assert ok(g, "y/a", "x/a", "TCP", 443)
    assert not ok(g, "y/a", "x/a", "TCP", 444)
    assert not ok(g, "y/a", "x/a", "TCP", 442)


@pytest.mark.parametrize(
    "port_entry",
    [
        pytest.param("{port: 8090, endPort: 8080}", id="below-port"),
        pytest.param("{protocol: TCP, endPort: 8080}", id="without-port"),
        pytest.param("{port: http, endPort: 8080}", id="named-port"),
    ],
)
def test_p12_endport_needs_numeric_port_not_above_it(port_entry: str) -> None:
    text = manifest(
        pod("x/a"),
        f"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: bad-range, namespace: x}}
        spec:
          podSelector: {{matchLabels: {{pod: a}}}}
          ingress:
          - ports:
            - {port_entry}
        """,
    )
    graph = analyze(text)
    error = find_error_at(graph, ("spec", "ingress", 0, "ports", 0, "endPort"))
    assert error.location.line == line_of(text, "endPort: 8080")


# =============================================================================================
# 13. Label selectors.


def _selector_cluster(selector_yaml: str) -> Any:
    return run(
        pod("x/a"),
        pod("x/plain"),
        pod("x/db", {"tier": "db"}),
        pod("x/web", {"tier": "web"}),
        pod("x/api-web", {"app": "api", "tier": "web"}),
        pod("x/api-db", {"app": "api", "tier": "db"}),
        pod("x/other-web", {"app": "other", "tier": "web"}),
        f"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: selector, namespace: x}}
        spec:
          podSelector: {{matchLabels: {{pod: a}}}}
          ingress:
          - from:
            - podSelector: {selector_yaml}
        """,
    )


def test_p13_notin_matches_objects_without_the_key() -> None:
    g = _selector_cluster("{matchExpressions: [{key: tier, operator: NotIn, values: [db]}]}")
    assert ok(g, "x/plain", "x/a")  # no tier label at all
    assert ok(g, "x/web", "x/a")
    assert not ok(g, "x/db", "x/a")
    assert not ok(g, "x/api-db", "x/a")


def test_p13_in_needs_the_key_with_a_listed_value() -> None:
    g = _selector_cluster("{matchExpressions: [{key: tier, operator: In, values: [web, cache]}]}")
    assert ok(g, "x/web", "x/a")
    assert not ok(g, "x/db", "x/a")
    assert not ok(g, "x/plain", "x/a")


def test_p13_exists_and_does_not_exist() -> None:
    g = _selector_cluster("{matchExpressions: [{key: tier, operator: Exists}]}")
    assert ok(g, "x/db", "x/a")
    assert ok(g, "x/web", "x/a")
    assert not ok(g, "x/plain", "x/a")
    g = _selector_cluster("{matchExpressions: [{key: tier, operator: DoesNotExist}]}")
    assert ok(g, "x/plain", "x/a")
    assert not ok(g, "x/db", "x/a")


def test_p13_match_labels_and_match_expressions_are_anded() -> None:
    g = _selector_cluster(
        "{matchLabels: {app: api}, matchExpressions: [{key: tier, operator: In, values: [web]}]}"
    )
    assert ok(g, "x/api-web", "x/a")
    assert not ok(g, "x/api-db", "x/a")
    assert not ok(g, "x/other-web", "x/a")
    assert not ok(g, "x/web", "x/a")


def test_p13_notin_on_namespace_selector_matches_unlabelled_namespaces() -> None:
    g = run(
        namespace_doc("x"),
        namespace_doc("prod", {"env": "prod"}),
        namespace_doc("dev", {"env": "dev"}),
        namespace_doc("bare"),
        pod("x/a"),
        pod("prod/a"),
        pod("dev/a"),
        pod("bare/a"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: not-prod, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - namespaceSelector:
                matchExpressions:
                - {key: env, operator: NotIn, values: [prod]}
        """,
    )
    assert ok(g, "dev/a", "x/a")
    assert ok(g, "bare/a", "x/a")
    assert not ok(g, "prod/a", "x/a")


# =============================================================================================
# 14. The namespace name label.


def test_p14_undeclared_namespace_matched_by_metadata_name_label() -> None:
    g = run(
        pod("x/a"),
        pod("w/client"),
        pod("y/client"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-w, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: w}}
        """,
    )
    assert ok(g, "w/client", "x/a")
    assert not ok(g, "y/client", "x/a")


def test_p14_policy_in_undeclared_namespace_applies() -> None:
    g = run(
        pod("x/a"),
        pod("w/server"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny, namespace: w}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
        """,
    )
    assert not ok(g, "x/a", "w/server")
    assert ok(g, "w/server", "x/a")


def test_p14_manifest_value_for_metadata_name_is_overridden() -> None:
    g = run(
        namespace_doc("y", {"kubernetes.io/metadata.name": "bogus", "team": "blue"}),
        pod("x/a"),
        pod("x/b"),
        pod("y/client"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-from-y, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: b-from-bogus, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: b}}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: bogus}}
        """,
    )
    assert ok(g, "y/client", "x/a")
    assert not ok(g, "y/client", "x/b")


def test_p14_declared_namespace_without_labels_has_the_name_label() -> None:
    g = run(
        namespace_doc("z"),
        pod("x/a"),
        pod("z/client"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-z, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - namespaceSelector:
                matchExpressions:
                - {key: kubernetes.io/metadata.name, operator: In, values: [z]}
        """,
    )
    assert ok(g, "z/client", "x/a")


# =============================================================================================
# 15. Self and node traffic.

DENY_ALL_X = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny-all, namespace: x}
    spec:
      podSelector: {}
      policyTypes: [Ingress, Egress]
"""


def test_p15_pod_always_reaches_itself() -> None:
    g = run(pod("x/a"), pod("x/b"), DENY_ALL_X)
    for protocol, port in [("TCP", 80), ("TCP", 65535), ("UDP", 53), ("SCTP", 2905)]:
        assert ok(g, "x/a", "x/a", protocol, port)
    assert not ok(g, "x/a", "x/b")


def _host_network_cluster(**options: Any) -> Any:
    return run(
        pod("x/a", node="node-1"),
        pod("x/b", node="node-2"),
        pod("y/a", node="node-2"),
        pod_doc("kube-system", "agent-1", {"app": "agent"}, node="node-1", host_network=True),
        pod_doc("kube-system", "agent-2", {"app": "agent"}, node="node-2", host_network=True),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-from-any-pod, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - namespaceSelector: {}
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: b}}
          policyTypes: [Ingress]
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-all-kube-system, namespace: kube-system}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
        """,
        **options,
    )


def test_p15_host_network_pod_is_node_traffic_allowed_to_pods_on_its_node() -> None:
    g = _host_network_cluster()
    assert ok(g, "kube-system/agent-2", "x/b")  # x/b is isolated, but agent-2 is its node


def test_p15_host_network_pod_is_outside_pod_selectors() -> None:
    g = _host_network_cluster()
    assert ok(g, "y/a", "x/a")
    # namespaceSelector: {} selects every pod, but not a hostNetwork pod of another node
    assert not ok(g, "kube-system/agent-2", "x/a")
    # podSelector: {} of kube-system's policy does not isolate the hostNetwork pods
    assert ok(g, "y/a", "kube-system/agent-1")


def test_p15_host_network_as_pods_switch() -> None:
    g = _host_network_cluster(host_network_as_pods=True)
    assert ok(g, "kube-system/agent-2", "x/a")  # now a pod matched by namespaceSelector: {}
    assert not ok(g, "y/a", "kube-system/agent-1")  # now isolated by podSelector: {}


# =============================================================================================
# 16. Workloads select by their pod template's labels and ports, in their own namespace.

WORKLOAD_TEMPLATE: dict[str, Any] = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {
        "containers": [
            {
                "name": "web",
                "image": "nginx:1.27",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            }
        ]
    },
}

WORKLOAD_KINDS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
)


def workload_doc(
    kind: str,
    name: str = "web",
    namespace: str = "x",
    *,
    metadata_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    template: dict[str, Any] = {
        "metadata": dict(WORKLOAD_TEMPLATE["metadata"]),
        "spec": dict(WORKLOAD_TEMPLATE["spec"]),
    }
    selector = {"matchLabels": {"app": "web"}}
    if kind in ("Job", "CronJob"):
        template["spec"]["restartPolicy"] = "Never"
    api_version = {"ReplicationController": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}.get(
        kind, "apps/v1"
    )
    spec: dict[str, Any]
    if kind == "ReplicationController":
        spec = {"replicas": 1, "selector": {"app": "web"}, "template": template}
    elif kind == "Job":
        spec = {"template": template}
    elif kind == "CronJob":
        spec = {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}}
    elif kind == "StatefulSet":
        spec = {"serviceName": name, "selector": selector, "template": template}
    elif kind == "DaemonSet":
        spec = {"selector": selector, "template": template}
    else:
        spec = {"replicas": 2, "selector": selector, "template": template}
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if metadata_labels:
        metadata["labels"] = dict(metadata_labels)
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec}


WEB_FROM_CLIENTS_ON_HTTP = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: web-from-clients, namespace: x}
    spec:
      podSelector: {matchLabels: {app: web}}
      ingress:
      - from:
        - podSelector: {matchLabels: {role: client}}
        ports:
        - port: http
"""


@pytest.mark.parametrize("kind", WORKLOAD_KINDS)
def test_p16_workload_selected_by_pod_template_labels_and_ports(kind: str) -> None:
    g = run(
        workload_doc(kind),
        pod("x/client", {"role": "client"}),
        pod("x/other"),
        WEB_FROM_CLIENTS_ON_HTTP,
    )
    web = f"x/web[{kind}]"
    assert web in g.endpoint_ids()
    assert ok(g, "x/client", web, "TCP", 8080)  # "http" resolved on the template's ports
    assert not ok(g, "x/client", web, "TCP", 9090)
    assert not ok(g, "x/other", web, "TCP", 8080)
    assert ok(g, web, "x/other", "TCP", 80)  # the workload is a source too, egress open


def test_p16_workload_metadata_labels_are_not_its_pod_labels() -> None:
    g = run(
        workload_doc("Deployment", metadata_labels={"app": "deploy-only"}),
        pod("x/other"),
        pod("x/target"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-deploy-label, namespace: x}
        spec:
          podSelector: {matchLabels: {app: deploy-only}}
          policyTypes: [Ingress]
        """,
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: target-from-web, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: target}}
          ingress:
          - from:
            - podSelector: {matchLabels: {app: web}}
        """,
    )
    assert ok(g, "x/other", "x/web[Deployment]")  # not selected through its own labels
    assert ok(g, "x/web[Deployment]", "x/target")  # matched as a peer by template labels
    assert not ok(g, "x/other", "x/target")


def test_p16_workload_is_selected_only_in_its_own_namespace() -> None:
    g = run(
        workload_doc("Deployment", namespace="x"),
        workload_doc("Deployment", namespace="y"),
        pod("x/other"),
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-web, namespace: "y"}
        spec:
          podSelector: {matchLabels: {app: web}}
          policyTypes: [Ingress]
        """,
    )
    assert ok(g, "x/other", "x/web[Deployment]")
    assert not ok(g, "x/other", "y/web[Deployment]")


def test_p16_endpoint_ids_are_canonical_and_sorted() -> None:
    g = run(
        workload_doc("CronJob", name="job"),
        workload_doc("Deployment", name="web", namespace="y"),
        pod("x/client"),
    )
    ids = list(g.endpoint_ids())
    # Workloads and pods first, sorted by id; then the external ranges in address order.
    in_cluster = [i for i in ids if "[" in i]
    assert ids[: len(in_cluster)] == sorted(in_cluster)
    assert ids[len(in_cluster) :] == ["0.0.0.0/0", "::/0"]
    for expected in ("x/job[CronJob]", "y/web[Deployment]", "x/client[Pod]"):
        assert expected in ids


# =============================================================================================
# 17. What the API server would reject is an input error with its field path and line; the rest
#     of the input is still analysed.

VALID_NEIGHBOUR = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: valid-deny-y, namespace: "y"}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
"""


def _bad_policy_input(spec_yaml: str) -> str:
    return manifest(
        pod("x/a"),
        pod("x/c"),
        pod("y/b"),
        f"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {{name: invalid, namespace: x}}
        spec:
        {spec_yaml}
        """,
        VALID_NEIGHBOUR,
    )


REJECTED = [
    pytest.param(
        """
          podSelector: {}
          ingress:
          - from:
            - ipBlock: {cidr: 10.0.0.0/33}
        """,
        ("spec", "ingress", 0, "from", 0, "ipBlock", "cidr"),
        "cidr: 10.0.0.0/33",
        id="bad-cidr",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - from:
            - ipBlock: {cidr: not-an-address}
        """,
        ("spec", "ingress", 0, "from", 0, "ipBlock", "cidr"),
        "cidr: not-an-address",
        id="cidr-not-an-address",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - from:
            - ipBlock:
                cidr: 10.0.0.0/16
                except:
                - 10.1.0.0/24
        """,
        ("spec", "ingress", 0, "from", 0, "ipBlock", "except", 0),
        "- 10.1.0.0/24",
        id="except-outside-cidr",
    ),
    pytest.param(
        """
          podSelector: {}
          policyTypes: [Egress]
          egress:
          - to:
            - ipBlock:
                cidr: 10.0.0.0/16
                except:
                - 10.0.5.0/24
                - 10.0.0.0/16
        """,
        ("spec", "egress", 0, "to", 0, "ipBlock", "except", 1),
        "- 10.0.0.0/16",
        id="except-not-strict-subset",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - ports:
            - port: 32000
              endPort: 31000
        """,
        ("spec", "ingress", 0, "ports", 0, "endPort"),
        "endPort: 31000",
        id="endport-below-port",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - ports:
            - port: http
              endPort: 8090
        """,
        ("spec", "ingress", 0, "ports", 0, "endPort"),
        "endPort: 8090",
        id="named-port-with-endport",
    ),
    pytest.param(
        """
          podSelector:
            matchExpressions:
            - key: tier
              operator: Equals
              values: [db]
        """,
        ("spec", "podSelector", "matchExpressions", 0, "operator"),
        "operator: Equals",
        id="unknown-operator",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - from:
            - namespaceSelector:
                matchExpressions:
                - key: team
                  operator: In
                  values: []
        """,
        ("spec", "ingress", 0, "from", 0, "namespaceSelector", "matchExpressions", 0, "values"),
        "values: []",
        id="in-without-values",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - from:
            - podSelector:
                matchExpressions:
                - key: tier
                  operator: Exists
                  values: [db]
        """,
        ("spec", "ingress", 0, "from", 0, "podSelector", "matchExpressions", 0, "values"),
        "values: [db]",
        id="exists-with-values",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - from:
            - {}
        """,
        ("spec", "ingress", 0, "from", 0),
        "- {}",
        id="empty-peer",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - from:
            - ipBlock: {cidr: 10.0.0.0/8}
              podSelector: {matchLabels: {pod: c}}
        """,
        ("spec", "ingress", 0, "from", 0),
        "- ipBlock: {cidr: 10.0.0.0/8}",
        id="ipblock-with-selector",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - ports:
            - port: 70000
        """,
        ("spec", "ingress", 0, "ports", 0, "port"),
        "port: 70000",
        id="port-out-of-range",
    ),
    pytest.param(
        """
          podSelector: {}
          ingress:
          - ports:
            - protocol: ICMP
        """,
        ("spec", "ingress", 0, "ports", 0, "protocol"),
        "protocol: ICMP",
        id="unknown-protocol",
    ),
]


@pytest.mark.parametrize(("spec_yaml", "path", "needle"), REJECTED)
def test_p17_rejected_input_is_an_error_at_field_and_line(
    spec_yaml: str, path: tuple[str | int, ...], needle: str
) -> None:
    text = _bad_policy_input(spec_yaml)
    graph = analyze(text)
    error = find_error_at(graph, path)
    assert error.location.line == line_of(text, needle)
    # The valid policy of the same input is still analysed: it isolates y/b for ingress only.
    assert not ok(graph, "x/a", "y/b")
    assert ok(graph, "y/b", EXTERNAL)


def test_p04_explicit_empty_policy_types_is_defaulted_like_absent() -> None:
    # SetDefaults_NetworkPolicy checks len(spec.policyTypes) == 0, so `policyTypes: []` defaults.
    import netpol

    text = """\
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {app: b}}
  policyTypes: []
  egress: [{to: [{podSelector: {matchLabels: {app: a}}}]}]
"""
    g = netpol.analyze_text(text)
    assert g.cluster.policies[0].policy_types == {netpol.Direction.INGRESS, netpol.Direction.EGRESS}
    assert g.allowed("x/a[Pod]", "x/b[Pod]") == netpol.PortSet.none()
    assert g.allowed("x/b[Pod]", "x/a[Pod]").is_all()
