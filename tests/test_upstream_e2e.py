"""The upstream Kubernetes NetworkPolicy e2e suite, replayed against netpol.

Source: kubernetes/kubernetes ``test/e2e/network/netpol/network_policy.go`` (with ``policies.go``,
``model.go``, ``reachability.go``, ``truthtable.go`` beside it) and ``network_policy_api.go``.

Every scenario below is one upstream ``It(...)``, or one step of it when upstream changes the
policies or labels and validates again. Its policies are the ones the upstream test creates, written
out as YAML, and each probe's expectation is built with the same ``Expect*`` calls, in the same
order, as upstream builds its ``Reachability``. The model is upstream's 9-pod model (see
e2e_model.py). The whole 9x9 truth table is compared, except the loopback diagonal, which upstream
ignores (``ignoreLoopback = true``); pod-to-self is covered by test_semantics.py (point 15).

Two upstream eras are encoded:

* ``NP`` -- the 9-pod version of network_policy.go (``f.It(..., feature.NetworkPolicy, ...)``;
  policies built with ``GenNetworkPolicyWithNameAndPodMatchLabel`` + ``SetSpecIngressRules`` /
  ``SetSpecEgressRules``, which set ``policyTypes`` explicitly). Namespaces are selected through
  ``kubernetes.io/metadata.name``.
* ``NP_V120`` -- the v1.20 version (policies from ``policies.go`` helpers such as
  ``GetAllowEgressByPort``, ``GetAllowEgressByCIDR``, the ``deny-all-tcp-allow-dns`` policy). These
  carry the DNS-style ``UDP 53`` egress rules, rely on policyTypes defaulting, and select
  namespaces by the ``ns=<name>`` label.

Later upstream versions shrank each test to the pods it needs
(``initializeResources(..., "x/a", ...)``); their expectations are the 9-pod ones restricted to
those pods, so the 9-pod tables are used here.

Upstream builds two CIDRs from live pod IPs: ``<ip>/32`` and, for the except tests, the ``/4``
around a pod IP (``makeLargeCIDRForIP``; older versions wrote ``<podIP>/4`` with host bits set).
With the fixed pod IPs 192.168.<ns>.<pod> these are ``192.168.2.2/32`` (y/b), ``192.168.1.2/32``
(x/b) and the canonical ``192.0.0.0/4``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from e2e_model import (
    Op,
    Peer,
    Reachability,
    analyze,
    assert_no_errors,
    expect,
    expect_all_egress,
    expect_all_ingress,
    expect_peer,
    find_error_at,
    line_of,
    manifest,
    model_yaml,
    observe,
    pod_doc,
    pod_ip,
    reachability,
    render_comparison,
)

NP = "network_policy.go (9-pod model)"
NP_V120 = "network_policy.go (v1.20, policies.go helpers)"
NP_API = "network_policy_api.go"


@dataclass(frozen=True, slots=True, eq=False)
class Probe:
    protocol: str
    port: int
    expected: Reachability


def tcp(port: int, *ops: Op) -> Probe:
    return Probe("TCP", port, reachability(*ops))


def udp(port: int, *ops: Op) -> Probe:
    return Probe("UDP", port, reachability(*ops))


def sctp(port: int, *ops: Op) -> Probe:
    return Probe("SCTP", port, reachability(*ops))


@dataclass(frozen=True, slots=True, eq=False)
class Scenario:
    id: str
    title: str
    source: str
    policies: tuple[str, ...]
    probes: tuple[Probe, ...]
    namespace_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    pod_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def text(self) -> str:
        text = model_yaml(self.namespace_labels, self.pod_labels)
        if self.policies:
            text += manifest(*self.policies)
        return text


ALL = Peer()
X, Y, Z = Peer("x"), Peer("y"), Peer("z")
XA = Peer("x", "a")

# --------------------------------------------------------------------------- policies used twice

DENY_INGRESS_X = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny-ingress, namespace: x}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
      ingress: []
"""

DENY_ALL_X = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny-all, namespace: x}
    spec:
      podSelector: {}
      policyTypes: [Ingress, Egress]
      ingress: []
      egress: []
"""

ALLOW_81_FROM_Y = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: allow-client-a-via-ns-selector, namespace: x}
    spec:
      podSelector: {matchLabels: {pod: a}}
      policyTypes: [Ingress]
      ingress:
      - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
        ports:
        - {port: 81, protocol: TCP}
"""

ALLOW_80_FROM_Y = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: allow-client-a-via-ns-selector-80, namespace: x}
    spec:
      podSelector: {matchLabels: {pod: a}}
      policyTypes: [Ingress]
      ingress:
      - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
        ports:
        - {port: 80, protocol: TCP}
"""

ONLY_FROM_NS_Y = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: allow-client-a-via-ns-selector, namespace: x}
    spec:
      podSelector: {matchLabels: {pod: a}}
      policyTypes: [Ingress]
      ingress:
      - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
"""

ALLOW_ALL_INGRESS_X = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: allow-ingress, namespace: x}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
      ingress:
      - {}
"""

ALLOW_ALL_EGRESS_X = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: allow-egress, namespace: x}
    spec:
      podSelector: {}
      policyTypes: [Egress]
      egress:
      - {}
"""

EXCEPT_X_B = f"""
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {{name: allow-client-a-via-cidr-egress-rule, namespace: x}}
    spec:
      podSelector: {{matchLabels: {{pod: a}}}}
      policyTypes: [Egress]
      egress:
      - to:
        - ipBlock:
            cidr: 192.0.0.0/4
            except: [{pod_ip("x/b")}/32]
"""

ALLOW_EGRESS_TO_X_B_ONLY = f"""
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {{name: allow-client-a-via-cidr-egress-rule, namespace: x}}
    spec:
      podSelector: {{matchLabels: {{pod: a}}}}
      policyTypes: [Egress]
      egress:
      - to:
        - ipBlock: {{cidr: {pod_ip("x/b")}/32}}
"""

POD_AND_NS_SELECTOR_FROM_Y_A = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: allow-ns-y-pod-a-via-namespace-pod-selector, namespace: x}
    spec:
      podSelector: {matchLabels: {pod: a}}
      policyTypes: [Ingress]
      ingress:
      - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
          podSelector: {matchLabels: {pod: a}}
"""

ALLOW_81_FROM_Y_ON = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {{name: allow-ingress-on-port-81-ns-x, namespace: x}}
    spec:
      podSelector: {{matchLabels: {{pod: a}}}}
      policyTypes: [Ingress]
      ingress:
      - from:
        - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: "y"}}}}
        ports:
        - {{port: 81, protocol: {protocol}}}
"""

V120_EGRESS_BY_PORT_80_NAMED = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {{name: {name}, namespace: x}}
    spec:
      podSelector: {{matchLabels: {{}}}}
      egress:
      - ports:
        - {{port: serve-80-tcp}}
        - {{protocol: UDP, port: 53}}
      policyTypes: [Egress]
"""

V120_INGRESS_BY_PORT_NAMED = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {{name: {name}, namespace: x}}
    spec:
      podSelector: {{matchLabels: {{}}}}
      ingress:
      - ports:
        - {{port: {port}}}
"""

V120_ALLOW_INGRESS = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: allow-ingress, namespace: x}
    spec:
      podSelector: {matchLabels: {}}
      ingress:
      - {}
"""

V120_ALLOW_EGRESS = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: allow-egress, namespace: x}
    spec:
      podSelector: {matchLabels: {}}
      policyTypes: [Egress]
      egress:
      - {}
"""


# --------------------------------------------------------------------------- the scenarios

SCENARIOS: tuple[Scenario, ...] = (
    # ------------------------------------------- "NetworkPolicy between server and client"
    Scenario(
        "default-deny-ingress",
        "should support a 'default-deny-ingress' policy",
        NP,
        (DENY_INGRESS_X,),
        (tcp(80, expect_peer(ALL, X, False)),),
    ),
    Scenario(
        "default-deny-all",
        "should support a 'default-deny-all' policy",
        NP,
        (DENY_ALL_X,),
        (tcp(80, expect_peer(ALL, X, False), expect_peer(X, ALL, False)),),
    ),
    Scenario(
        "pod-selector-within-server-namespace",
        "should enforce policy to allow traffic from pods within server namespace based on PodSelector",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: x-a-allows-x-b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - podSelector: {matchLabels: {pod: b}}
            """,
        ),
        (tcp(80, expect_all_ingress("x/a", False), expect("x/b", "x/a", True)),),
    ),
    Scenario(
        "allow-ingress-for-a-target",
        "should enforce policy to allow ingress traffic for a target",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
              ingress: []
            """,
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all-to-a, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - podSelector: {}
                  namespaceSelector: {}
            """,
        ),
        (
            tcp(
                80,
                expect_all_ingress("x/a", True),
                expect_all_ingress("x/b", False),
                expect_all_ingress("x/c", False),
            ),
        ),
    ),
    Scenario(
        "allow-ingress-from-all-namespaces",
        "should enforce policy to allow ingress traffic from pods in all namespaces",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-from-another-ns, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {}}
            """,
        ),
        (tcp(80),),
    ),
    Scenario(
        "only-from-different-namespace",
        "should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector",
        NP,
        (ONLY_FROM_NS_Y,),
        (tcp(80, expect_peer(X, XA, False), expect_peer(Z, XA, False)),),
    ),
    Scenario(
        "pod-selector-match-expressions",
        "should enforce policy based on PodSelector with MatchExpressions",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: x-a-allows-x-b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - podSelector:
                    matchExpressions:
                    - {key: pod, operator: In, values: [b]}
            """,
        ),
        (tcp(80, expect_all_ingress("x/a", False), expect("x/b", "x/a", True)),),
    ),
    Scenario(
        "namespace-selector-match-expressions",
        "should enforce policy based on NamespaceSelector with MatchExpressions",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ns-y-match-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector:
                    matchExpressions:
                    - {key: kubernetes.io/metadata.name, operator: In, values: ["y"]}
            """,
        ),
        (tcp(80, expect_peer(X, XA, False), expect_peer(Z, XA, False)),),
    ),
    Scenario(
        "pod-selector-or-namespace-selector",
        "should enforce policy based on PodSelector or NamespaceSelector",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ns-y-match-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector:
                    matchExpressions:
                    - {key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}
                - podSelector: {matchLabels: {pod: b}}
            """,
        ),
        (tcp(80, expect("x/a", "x/a", False), expect("x/c", "x/a", False)),),
    ),
    Scenario(
        "pod-selector-and-namespace-selector",
        "should enforce policy based on PodSelector and NamespaceSelector",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ns-y-podselector-and-nsselector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector:
                    matchExpressions:
                    - {key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}
                  podSelector: {matchLabels: {pod: b}}
            """,
        ),
        (
            tcp(
                80,
                expect_all_ingress("x/a", False),
                expect("y/b", "x/a", True),
                expect("z/b", "x/a", True),
            ),
        ),
    ),
    Scenario(
        "multiple-pod-selectors-and-namespace-selectors",
        "should enforce policy based on Multiple PodSelectors and NamespaceSelectors",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ns-y-z-pod-b-c, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector:
                    matchExpressions:
                    - {key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}
                  podSelector:
                    matchExpressions:
                    - {key: pod, operator: In, values: [b, c]}
            """,
        ),
        (
            tcp(
                80,
                expect_peer(X, XA, False),
                expect("y/a", "x/a", False),
                expect("z/a", "x/a", False),
            ),
        ),
    ),
    Scenario(
        "any-pod-selectors",
        "should enforce policy based on any PodSelectors",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ns-x-pod-b-c, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - podSelector: {matchLabels: {pod: b}}
                - podSelector: {matchLabels: {pod: c}}
            """,
        ),
        (
            tcp(
                80,
                expect_all_ingress("x/a", False),
                expect("x/b", "x/a", True),
                expect("x/c", "x/a", True),
            ),
        ),
    ),
    Scenario(
        "pod-in-different-namespace-pod-and-namespace-selector",
        "should enforce policy to allow traffic only from a pod in a different namespace based on "
        "PodSelector and NamespaceSelector",
        NP,
        (POD_AND_NS_SELECTOR_FROM_Y_A,),
        (tcp(80, expect_all_ingress("x/a", False), expect("y/a", "x/a", True)),),
    ),
    Scenario(
        "ports",
        "should enforce policy based on Ports",
        NP,
        (ALLOW_81_FROM_Y,),
        (
            tcp(
                81,
                expect_peer(X, XA, False),
                expect_peer(Y, XA, True),
                expect_peer(Z, XA, False),
            ),
        ),
    ),
    Scenario(
        "stacked-policies-step1",
        "should enforce multiple, stacked policies with overlapping podSelectors (allowPort81Policy only)",
        NP,
        (ALLOW_81_FROM_Y,),
        (
            tcp(
                81,
                expect_peer(X, XA, False),
                expect_peer(Y, XA, True),
                expect_peer(Z, XA, False),
            ),
            tcp(80, expect_all_ingress("x/a", False)),
        ),
    ),
    Scenario(
        "stacked-policies-step2",
        "should enforce multiple, stacked policies with overlapping podSelectors "
        "(after adding allowPort80Policy)",
        NP,
        (ALLOW_81_FROM_Y, ALLOW_80_FROM_Y),
        (
            tcp(
                80,
                expect_peer(X, XA, False),
                expect_peer(Y, XA, True),
                expect_peer(Z, XA, False),
            ),
        ),
    ),
    Scenario(
        "allow-all",
        "should support allow-all policy",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              policyTypes: [Ingress]
              ingress:
              - {}
            """,
        ),
        (tcp(80), tcp(81)),
    ),
    Scenario(
        "ingress-on-one-named-port",
        "should allow ingress access on one named port",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              policyTypes: [Ingress]
              ingress:
              - ports:
                - port: serve-81-tcp
            """,
        ),
        (tcp(81), tcp(80, expect_peer(ALL, X, False))),
    ),
    Scenario(
        "ingress-from-namespace-on-one-named-port",
        "should allow ingress access from namespace on one named port",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-client-a-via-ns-selector-80, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                ports:
                - {port: serve-80-tcp, protocol: TCP}
            """,
        ),
        (
            tcp(80, expect_peer(X, XA, False), expect_peer(Z, XA, False)),
            tcp(81, expect_all_ingress("x/a", False)),
        ),
    ),
    Scenario(
        "egress-on-one-named-port",
        "should allow egress access on one named port",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-egress, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              policyTypes: [Egress]
              egress:
              - ports:
                - port: serve-80-tcp
            """,
        ),
        (tcp(80), tcp(81, expect_peer(X, ALL, False))),
    ),
    Scenario(
        "updated-policy-step1",
        "should enforce updated policy (allow all)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all-mutate-to-deny-all, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              policyTypes: [Ingress]
              ingress:
              - {}
            """,
        ),
        (tcp(81),),
    ),
    Scenario(
        "updated-policy-step2",
        "should enforce updated policy (after Spec.Ingress = [])",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all-mutate-to-deny-all, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              policyTypes: [Ingress]
              ingress: []
            """,
        ),
        (tcp(81, expect_peer(ALL, X, False)),),
    ),
    Scenario(
        "updated-namespace-step1",
        "should allow ingress access from updated namespace (before the label)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-client-a-via-ns-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns2: updated}}
            """,
        ),
        (tcp(80, expect_all_ingress("x/a", False)),),
    ),
    Scenario(
        "updated-namespace-step2",
        "should allow ingress access from updated namespace (after AddNamespaceLabel y ns2=updated)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-client-a-via-ns-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns2: updated}}
            """,
        ),
        (tcp(80, expect_all_ingress("x/a", False), expect_peer(Y, ALL, True)),),
        namespace_labels={"y": {"ns2": "updated"}},
    ),
    Scenario(
        "updated-pod-step1",
        "should allow ingress access from updated pod (before the label)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-client-a-via-pod-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - podSelector: {matchLabels: {pod: b, pod2: updated}}
            """,
        ),
        (tcp(80, expect_all_ingress("x/a", False)),),
    ),
    Scenario(
        "updated-pod-step2",
        "should allow ingress access from updated pod (after AddPodLabels x/b pod2=updated)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-client-a-via-pod-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - podSelector: {matchLabels: {pod: b, pod2: updated}}
            """,
        ),
        (tcp(80, expect_all_ingress("x/a", False), expect("x/b", "x/a", True)),),
        pod_labels={"x/b": {"pod2": "updated"}},
    ),
    Scenario(
        "deny-ingress-from-other-namespaces",
        "should deny ingress from pods on other namespaces",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-empty-policy, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
              ingress:
              - from:
                - podSelector: {matchLabels: {}}
            """,
        ),
        (tcp(80, expect_peer(Y, X, False), expect_peer(Z, X, False)),),
    ),
    Scenario(
        "deny-ingress-to-updated-pod-step1",
        "should deny ingress access to updated pod (before the label)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-ingress-via-label-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {target: isolated}}
              policyTypes: [Ingress]
              ingress: []
            """,
        ),
        (tcp(80),),
    ),
    Scenario(
        "deny-ingress-to-updated-pod-step2",
        "should deny ingress access to updated pod (after AddPodLabels x/a target=isolated)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-ingress-via-label-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {target: isolated}}
              policyTypes: [Ingress]
              ingress: []
            """,
        ),
        (tcp(80, expect_all_ingress("x/a", False)),),
        pod_labels={"x/a": {"target": "isolated"}},
    ),
    Scenario(
        "deny-egress-pod-selector",
        "should deny egress from pods based on PodSelector",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-egress-pod-a, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress: []
            """,
        ),
        (tcp(80, expect_all_egress("x/a", False)),),
    ),
    Scenario(
        "deny-egress-all-pods-in-namespace",
        "should deny egress from all pods in a namespace",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-egress-ns-x, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress: []
            """,
        ),
        (tcp(80, expect_peer(X, ALL, False)),),
    ),
    Scenario(
        "ingress-and-egress-together",
        "should work with Ingress, Egress specified together",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-client-a-via-pod-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress, Ingress]
              ingress:
              - from:
                - podSelector: {matchLabels: {pod: b}}
              egress:
              - ports:
                - port: 80
            """,
        ),
        (
            tcp(80, expect_all_ingress("x/a", False), expect("x/b", "x/a", True)),
            tcp(
                81,
                expect_all_ingress("x/a", False),
                expect_all_egress("x/a", False),
                expect("x/b", "x/a", True),
            ),
        ),
    ),
    Scenario(
        "deny-egress-on-client-side",
        "should support denying of egress traffic on the client side (even if the server "
        "explicitly allows this traffic)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-to-ns-y-pod-a, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
              - to:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                  podSelector: {matchLabels: {pod: a}}
            """,
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-from-xa-on-ya-match-selector, namespace: "y"}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}
                  podSelector: {matchLabels: {pod: a}}
            """,
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-from-xa-on-yb-match-selector, namespace: "y"}
            spec:
              podSelector: {matchLabels: {pod: b}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}
                  podSelector: {matchLabels: {pod: a}}
            """,
        ),
        (
            tcp(
                80,
                expect_peer(Peer("x", "a"), ALL, False),
                expect_peer(ALL, Peer("y", "a"), False),
                expect_peer(Peer("x", "a"), Peer("y", "a"), True),
                expect_peer(ALL, Peer("y", "b"), False),
            ),
        ),
    ),
    Scenario(
        "egress-to-pod-in-different-namespace",
        "should enforce egress policy allowing traffic to a server in a different namespace based "
        "on PodSelector and NamespaceSelector",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-to-ns-y-pod-a, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
              - to:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                  podSelector: {matchLabels: {pod: a}}
            """,
        ),
        (tcp(80, expect_all_egress("x/a", False), expect("x/a", "y/a", True)),),
    ),
    Scenario(
        "ingress-any-port-on-a-protocol",
        "should enforce ingress policy allowing any port traffic to a server on a specific protocol",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ingress-by-proto, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - ports:
                - protocol: TCP
            """,
        ),
        (tcp(80), udp(80, expect_peer(ALL, XA, False))),
    ),
    Scenario(
        "ingress-allow-all-precedence-step1",
        "should enforce multiple ingress policies with ingress allow-all policy taking precedence "
        "(port 80 only)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ingress-port-80, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              policyTypes: [Ingress]
              ingress:
              - ports:
                - port: 80
            """,
        ),
        (tcp(81, expect_peer(ALL, X, False)),),
    ),
    Scenario(
        "ingress-allow-all-precedence-step2",
        "should enforce multiple ingress policies with ingress allow-all policy taking precedence "
        "(after adding allow-ingress)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ingress-port-80, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              policyTypes: [Ingress]
              ingress:
              - ports:
                - port: 80
            """,
            ALLOW_ALL_INGRESS_X,
        ),
        (tcp(81),),
    ),
    Scenario(
        "egress-allow-all-precedence-step1",
        "should enforce multiple egress policies with egress allow-all policy taking precedence "
        "(port 80 only)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-egress-port-80, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              policyTypes: [Egress]
              egress:
              - ports:
                - port: 80
            """,
        ),
        (tcp(81, expect_peer(X, ALL, False)),),
    ),
    Scenario(
        "egress-allow-all-precedence-step2",
        "should enforce multiple egress policies with egress allow-all policy taking precedence "
        "(after adding allow-egress)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-egress-port-80, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              policyTypes: [Egress]
              egress:
              - ports:
                - port: 80
            """,
            ALLOW_ALL_EGRESS_X,
        ),
        (tcp(81),),
    ),
    Scenario(
        "stop-enforcing-after-delete-step1",
        "should stop enforcing policies after they are deleted (deny-all present)",
        NP,
        (DENY_ALL_X,),
        (tcp(80, expect_peer(X, ALL, False), expect_peer(ALL, X, False)),),
    ),
    Scenario(
        "stop-enforcing-after-delete-step2",
        "should stop enforcing policies after they are deleted (after cleanNetworkPolicies)",
        NP,
        (),
        (tcp(80),),
    ),
    Scenario(
        "egress-to-server-in-cidr-block",
        "should allow egress access to server in CIDR block",
        NP,
        (
            f"""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {{name: allow-client-a-via-cidr-egress-rule, namespace: x}}
            spec:
              podSelector: {{matchLabels: {{pod: a}}}}
              policyTypes: [Egress]
              egress:
              - to:
                - ipBlock: {{cidr: {pod_ip("y/b")}/32}}
            """,
        ),
        (tcp(80, expect_all_egress("x/a", False), expect("x/a", "y/b", True)),),
    ),
    Scenario(
        "except-clause-egress-cidr",
        "should enforce except clause while egress access to server in CIDR block",
        NP,
        (EXCEPT_X_B,),
        (tcp(80, expect("x/a", "x/b", False)),),
    ),
    Scenario(
        "ip-in-cidr-and-except-step1",
        "should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed (cidr/4 except x/b)",
        NP,
        (EXCEPT_X_B,),
        (tcp(80, expect("x/a", "x/b", False)),),
    ),
    Scenario(
        # Upstream UpdatePolicy()s the policy of the same name, so only the /32 rule remains.
        "ip-in-cidr-and-except-step2",
        "should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed "
        "(after UpdatePolicy to x/b/32)",
        NP,
        (ALLOW_EGRESS_TO_X_B_ONLY,),
        (tcp(80, expect_all_egress("x/a", False), expect("x/a", "x/b", True)),),
    ),
    Scenario(
        "ingress-egress-independent-step1",
        "should enforce policies to check ingress and egress policies can be controlled "
        "independently based on PodSelector (allow egress)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-egress-for-target, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
              - {}
            """,
        ),
        (tcp(80),),
    ),
    Scenario(
        "ingress-egress-independent-step2",
        "should enforce policies to check ingress and egress policies can be controlled "
        "independently based on PodSelector (plus deny ingress)",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-egress-for-target, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
              - {}
            """,
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-ingress-via-label-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress: []
            """,
        ),
        (tcp(80, expect_all_ingress("x/a", False)),),
    ),
    Scenario(
        "sctp-is-not-tcp",
        "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin "
        "doesn't support SCTP",
        NP,
        (
            DENY_INGRESS_X,
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-only-sctp-ingress-on-port-81, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - ports:
                - {port: 81, protocol: SCTP}
            """,
        ),
        (tcp(81, expect_peer(ALL, X, False)),),
    ),
    Scenario(
        "sctp-policy-isolates",
        "should properly isolate pods that are selected by a policy allowing SCTP, even if the "
        "plugin doesn't support SCTP",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-only-sctp-ingress-on-port-80, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - ports:
                - {port: 80, protocol: SCTP}
            """,
        ),
        (tcp(81, expect_all_ingress("x/a", False)),),
    ),
    Scenario(
        "udp-only-blocks-tcp",
        "should not allow access by TCP when a policy specifies only UDP",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-only-udp-ingress-on-port-81, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - ports:
                - {port: 81, protocol: UDP}
            """,
        ),
        (tcp(81, expect_all_ingress("x/a", False)),),
    ),
    Scenario(
        "default-ns-label-match-labels",
        "should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using "
        "default ns label",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-client-a-via-ns-selector-for-immutable-ns-label, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
            """,
        ),
        (tcp(80, expect_peer(X, XA, False), expect_peer(Z, XA, False)),),
    ),
    Scenario(
        "default-ns-label-match-expressions-egress",
        "should enforce policy based on NamespaceSelector with MatchExpressions using default ns label",
        NP,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ns-y-match-selector-for-immutable-ns-label, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
              - to:
                - namespaceSelector:
                    matchExpressions:
                    - {key: kubernetes.io/metadata.name, operator: NotIn, values: ["y"]}
            """,
        ),
        (tcp(80, expect_peer(XA, Y, False)),),
    ),
    # ------------------------------------------- "... using UDP"
    Scenario(
        "udp-default-deny-ingress",
        "UDP: should support a 'default-deny-ingress' policy",
        NP,
        (DENY_INGRESS_X.replace("name: deny-ingress,", "name: deny-all,"),),
        (udp(80, expect_peer(ALL, X, False)),),
    ),
    Scenario(
        "udp-ports",
        "UDP: should enforce policy based on Ports",
        NP,
        (ALLOW_81_FROM_Y_ON.format(protocol="UDP"),),
        (udp(81, expect_peer(X, XA, False), expect_peer(Z, XA, False)),),
    ),
    Scenario(
        "udp-pod-and-namespace-selector",
        "UDP: should enforce policy to allow traffic only from a pod in a different namespace "
        "based on PodSelector and NamespaceSelector",
        NP,
        (POD_AND_NS_SELECTOR_FROM_Y_A,),
        (udp(80, expect_all_ingress("x/a", False), expect("y/a", "x/a", True)),),
    ),
    # ------------------------------------------- "... using SCTP"
    Scenario(
        "sctp-default-deny-ingress",
        "SCTP: should support a 'default-deny-ingress' policy",
        NP,
        (DENY_INGRESS_X.replace("name: deny-ingress,", "name: deny-all,"),),
        (sctp(80, expect_peer(ALL, X, False)),),
    ),
    Scenario(
        "sctp-ports",
        "SCTP: should enforce policy based on Ports",
        NP,
        (ALLOW_81_FROM_Y_ON.format(protocol="SCTP"),),
        (sctp(81, expect_peer(X, XA, False), expect_peer(Z, XA, False)),),
    ),
    Scenario(
        "sctp-pod-and-namespace-selector",
        "SCTP: should enforce policy to allow traffic only from a pod in a different namespace "
        "based on PodSelector and NamespaceSelector",
        NP,
        (POD_AND_NS_SELECTOR_FROM_Y_A,),
        (sctp(80, expect_all_ingress("x/a", False), expect("y/a", "x/a", True)),),
    ),
    # ------------------------------------------- v1.20: DNS-style egress rules
    Scenario(
        "v120-default-deny-all-allow-dns",
        "should support a 'default-deny-all' policy (deny-all-tcp-allow-dns)",
        NP_V120,
        (
            """
            kind: NetworkPolicy
            apiVersion: networking.k8s.io/v1
            metadata: {name: deny-all-tcp-allow-dns, namespace: x}
            spec:
              podSelector: {matchLabels: {}}
              ingress: []
              egress:
              - ports:
                - {protocol: UDP, port: 53}
              policyTypes: [Ingress, Egress]
            """,
        ),
        (tcp(80, expect_peer(ALL, X, False), expect_peer(X, ALL, False)),),
    ),
    Scenario(
        "v120-egress-on-one-named-port-plus-dns",
        "should allow egress access on one named port (GetAllowEgressByPort)",
        NP_V120,
        (V120_EGRESS_BY_PORT_80_NAMED.format(name="allow-egress"),),
        (tcp(80), tcp(81, expect_peer(X, ALL, False))),
    ),
    Scenario(
        # No policyTypes: both directions by defaulting, since spec.egress is non-empty.
        "v120-ingress-egress-together-defaulted-types",
        "should work with Ingress, Egress specified together (no policyTypes)",
        NP_V120,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-client-a-via-pod-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - podSelector: {matchLabels: {pod: b}}
              egress:
              - ports:
                - {port: serve-80-tcp}
                - {protocol: UDP, port: 53}
            """,
        ),
        (
            tcp(80, expect_all_ingress("x/a", False), expect("x/b", "x/a", True)),
            tcp(
                81,
                expect_all_ingress("x/a", False),
                expect_all_egress("x/a", False),
                expect("x/b", "x/a", True),
            ),
        ),
    ),
    Scenario(
        "v120-egress-to-namespace-and-pod-plus-dns",
        "should enforce egress policy allowing traffic to a server in a different namespace based "
        "on PodSelector and NamespaceSelector (GetAllowEgressByNamespaceAndPod)",
        NP_V120,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-to-ns-y-pod-a, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress:
              - to:
                - namespaceSelector: {matchLabels: {ns: "y"}}
                  podSelector: {matchLabels: {pod: a}}
              - ports:
                - {protocol: UDP, port: 53}
            """,
        ),
        (tcp(80, expect_all_egress("x/a", False), expect("x/a", "y/a", True)),),
    ),
    Scenario(
        "v120-egress-to-cidr-plus-dns",
        "should allow egress access to server in CIDR block (GetAllowEgressByCIDR)",
        NP_V120,
        (
            f"""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {{name: allow-client-a-via-cidr-egress-rule, namespace: x}}
            spec:
              podSelector: {{matchLabels: {{pod: a}}}}
              policyTypes: [Egress]
              egress:
              - to:
                - ipBlock: {{cidr: {pod_ip("y/b")}/32}}
              - ports:
                - {{protocol: UDP, port: 53}}
            """,
        ),
        (tcp(80, expect_all_egress("x/a", False), expect("x/a", "y/b", True)),),
    ),
    Scenario(
        "v120-except-clause-plus-dns",
        "should enforce except clause while egress access to server in CIDR block "
        "(GetAllowEgressByCIDRExcept)",
        NP_V120,
        (
            f"""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {{name: allow-client-a-via-cidr-egress-rule, namespace: x}}
            spec:
              podSelector: {{matchLabels: {{pod: a}}}}
              policyTypes: [Egress]
              egress:
              - to:
                - ipBlock:
                    cidr: 192.0.0.0/4
                    except: [{pod_ip("x/b")}/32]
              - ports:
                - {{protocol: UDP, port: 53}}
            """,
        ),
        (tcp(80, expect("x/a", "x/b", False)),),
    ),
    Scenario(
        "v120-ingress-allow-all-precedence-named-step1",
        "should enforce multiple ingress policies with ingress allow-all policy taking precedence "
        "(GetAllowIngressByPort serve-80-tcp)",
        NP_V120,
        (V120_INGRESS_BY_PORT_NAMED.format(name="allow-ingress-port-80", port="serve-80-tcp"),),
        (tcp(81, expect_peer(ALL, X, False)),),
    ),
    Scenario(
        "v120-ingress-allow-all-precedence-named-step2",
        "should enforce multiple ingress policies with ingress allow-all policy taking precedence "
        "(plus GetAllowIngress)",
        NP_V120,
        (
            V120_INGRESS_BY_PORT_NAMED.format(name="allow-ingress-port-80", port="serve-80-tcp"),
            V120_ALLOW_INGRESS,
        ),
        (tcp(81),),
    ),
    Scenario(
        "v120-egress-allow-all-precedence-named-step1",
        "should enforce multiple egress policies with egress allow-all policy taking precedence "
        "(GetAllowEgressByPort serve-80-tcp)",
        NP_V120,
        (V120_EGRESS_BY_PORT_80_NAMED.format(name="allow-egress-port-80"),),
        (tcp(81, expect_peer(X, ALL, False)),),
    ),
    Scenario(
        "v120-egress-allow-all-precedence-named-step2",
        "should enforce multiple egress policies with egress allow-all policy taking precedence "
        "(plus GetAllowEgress)",
        NP_V120,
        (V120_EGRESS_BY_PORT_80_NAMED.format(name="allow-egress-port-80"), V120_ALLOW_EGRESS),
        (tcp(81),),
    ),
    Scenario(
        "v120-named-port-ingress-allow-all-81",
        "should allow ingress access on one named port (GetAllowIngressByPort serve-81-tcp)",
        NP_V120,
        (V120_INGRESS_BY_PORT_NAMED.format(name="allow-all", port="serve-81-tcp"),),
        (tcp(81), tcp(80, expect_peer(ALL, X, False))),
    ),
    Scenario(
        "v120-sctp-only-blocks-tcp",
        "should not allow access by TCP when a policy specifies only SCTP",
        NP_V120,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-only-sctp-ingress-on-port-81, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - ports:
                - {port: 81, protocol: SCTP}
            """,
        ),
        (tcp(81, expect_all_ingress("x/a", False)),),
    ),
    Scenario(
        "v120-pod-selector-or-ns-label-selector",
        "should enforce policy based on PodSelector or NamespaceSelector (ns label key)",
        NP_V120,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ns-y-match-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector:
                    matchExpressions:
                    - {key: ns, operator: NotIn, values: [x]}
                - podSelector: {matchLabels: {pod: b}}
            """,
        ),
        (tcp(80, expect("x/a", "x/a", False), expect("x/c", "x/a", False)),),
    ),
    Scenario(
        "v120-namespace-match-expressions-ns-label",
        "should enforce policy based on NamespaceSelector with MatchExpressions (ns label key)",
        NP_V120,
        (
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-ns-y-match-selector, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector:
                    matchExpressions:
                    - {key: ns, operator: In, values: ["y"]}
            """,
        ),
        (tcp(80, expect_peer(X, XA, False), expect_peer(Z, XA, False)),),
    ),
)


def _params() -> list[Any]:
    params = []
    for scenario in SCENARIOS:
        for probe in scenario.probes:
            params.append(pytest.param(scenario, probe, id=f"{scenario.id}-{probe.protocol}-{probe.port}"))
    return params


@functools.cache
def _graph(scenario_id: str) -> Any:
    scenario = next(s for s in SCENARIOS if s.id == scenario_id)
    return analyze(scenario.text())


def test_scenario_ids_are_unique() -> None:
    ids = [s.id for s in SCENARIOS]
    assert len(ids) == len(set(ids))
    assert len(SCENARIOS) >= 30


@pytest.mark.parametrize(("scenario", "probe"), _params())
def test_upstream_truth_table(scenario: Scenario, probe: Probe) -> None:
    graph = _graph(scenario.id)
    assert_no_errors(graph)
    observed = observe(graph, probe.protocol, probe.port)
    diff = render_comparison(
        probe.expected.expected,
        observed,
        heading=f"[{scenario.source}] {scenario.title} -- {probe.protocol}/{probe.port}",
    )
    assert diff is None, diff


# --------------------------------------------------------------------------- network_policy_api.go
# "should support creating NetworkPolicy API with endport field" (Release v1.21, "NetworkPolicy
# support EndPort Field"): the API server rejects endPort without port, endPort with a named port
# and endPort < port, and accepts endPort == port and endPort > port. Upstream has no truth-table
# test for endPort (kubernetes#100291 was closed unmerged), so the accepted policies' ranges are
# checked against KEP-2079's inclusive [port, endPort].

ENDPORT_POLICY = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: e2e-example-netpol-endport-validate
      namespace: x
      labels: {{special-label: netpol-api}}
    spec:
      podSelector: {{matchLabels: {{pod-name: test-pod}}}}
      policyTypes: [Egress]
      egress:
      - ports:
        - {port_fields}
"""

DENY_INGRESS_TO_Y_SERVER = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny-ingress-to-server, namespace: "y"}
    spec:
      podSelector: {matchLabels: {app: server}}
      policyTypes: [Ingress]
      ingress: []
"""


def _endport_input(port_fields: str) -> str:
    """The upstream endPort policy on x/test-pod, plus a valid policy isolating y/server."""
    return manifest(
        pod_doc("x", "test-pod", {"pod-name": "test-pod"}),
        pod_doc("y", "server", {"app": "server"}),
        pod_doc("y", "other", {"app": "other"}),
        ENDPORT_POLICY.format(port_fields=port_fields),
        DENY_INGRESS_TO_Y_SERVER,
    )


@pytest.mark.parametrize(
    "port_fields",
    [
        pytest.param("endPort: 20000", id="endport-without-port"),
        pytest.param("{port: serve-80, endPort: 20000}", id="endport-with-named-port"),
        pytest.param("{port: 30000, endPort: 20000}", id="endport-less-than-port"),
    ],
)
def test_upstream_api_endport_rejected(port_fields: str) -> None:
    text = _endport_input(port_fields)
    graph = analyze(text)
    error = find_error_at(graph, ("spec", "egress", 0, "ports", 0, "endPort"))
    assert error.location.line == line_of(text, "endPort: 20000")
    # The other, valid policy of the same input is still analysed.
    assert not graph.allowed("x/test-pod[Pod]", "y/server[Pod]").allows("TCP", 80)
    assert graph.allowed("y/other[Pod]", "x/test-pod[Pod]").allows("TCP", 80)


@pytest.mark.parametrize(
    ("port_fields", "inside", "outside"),
    [
        pytest.param("{port: 20000, endPort: 20000}", (20000,), (19999, 20001), id="endport-eq"),
        pytest.param(
            "{port: 10000, endPort: 20000}",
            (10000, 15000, 20000),
            (9999, 20001),
            id="endport-gt",
        ),
    ],
)
def test_upstream_api_endport_accepted(
    port_fields: str, inside: tuple[int, ...], outside: tuple[int, ...]
) -> None:
    graph = analyze(_endport_input(port_fields))
    assert_no_errors(graph)
    src, dst = "x/test-pod[Pod]", "y/other[Pod]"
    for port in inside:
        assert graph.allowed(src, dst).allows("TCP", port), f"TCP {port} is in [port, endPort]"
    for port in outside:
        assert not graph.allowed(src, dst).allows("TCP", port), f"TCP {port} is outside the range"
    # protocol defaults to TCP: the range opens no UDP port
    assert not graph.allowed(src, dst).allows("UDP", inside[0])
