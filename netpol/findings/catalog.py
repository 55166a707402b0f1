"""The rule catalogue: every rule id netpol lint and netpol check report, with its help text.

Ids are stable: a rule that goes away leaves its id unused. docs/lint-rules.md documents each one
with an example; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable

from netpol.errors import Severity
from netpol.findings.records import RuleMeta

__all__ = ["CHECK_RULES", "LINT_RULES", "lookup"]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

LINT_RULES: tuple[RuleMeta, ...] = (
    RuleMeta(
        "NP001",
        "unprotected-ingress",
        _W,
        "A workload that no NetworkPolicy selects: anything may connect to it.",
        "Without a policy selecting it for ingress, every pod in the cluster and every address "
        "that can route to it may open connections to it, on every port.",
        "Select it with a policy that lists Ingress in policyTypes (a namespace default-deny "
        "plus allow rules for what it needs).",
        6.5,
    ),
    RuleMeta(
        "NP002",
        "unprotected-egress",
        _W,
        "A workload that no NetworkPolicy selects: it may connect anywhere.",
        "Without a policy selecting it for egress, a compromised pod can reach every service in "
        "the cluster and exfiltrate data to the internet.",
        "Select it with a policy that lists Egress in policyTypes, and allow DNS and the "
        "destinations it needs.",
        4.0,
    ),
    RuleMeta(
        "NP003",
        "one-way-isolation",
        _W,
        "A workload isolated in one direction only: the other direction is wide open.",
        "Policies isolate ingress and egress separately; a workload protected for ingress only "
        "may still connect anywhere (and the reverse).",
        "Add the missing direction to policyTypes of a policy that selects it, with the rules it needs.",
        4.0,
    ),
    RuleMeta(
        "NP004",
        "no-default-deny-ingress",
        _W,
        "A namespace with workloads but no default-deny policy for ingress.",
        "Without a policy with an empty podSelector isolating ingress, every workload added to "
        "the namespace later starts unprotected.",
        "Add a policy with podSelector: {} and policyTypes: [Ingress] (and no ingress rules).",
        5.0,
    ),
    RuleMeta(
        "NP005",
        "no-default-deny-egress",
        _W,
        "A namespace with workloads but no default-deny policy for egress.",
        "Without a policy with an empty podSelector isolating egress, every workload added to "
        "the namespace later may connect anywhere.",
        "Add a policy with podSelector: {} and policyTypes: [Egress], plus a rule allowing DNS.",
        3.5,
    ),
    RuleMeta(
        "NP006",
        "internet-ingress",
        _E,
        "An ingress rule open to the whole internet.",
        "An empty 'from', 0.0.0.0/0, ::/0 or a public range wider than the threshold admits "
        "anyone who can route to the pods, on the rule's ports.",
        "List the peers that need access (a load balancer's or partner's CIDR, an ingress "
        "controller's namespace), or add an exception with the reason.",
        8.5,
    ),
    RuleMeta(
        "NP007",
        "internet-egress",
        _W,
        "An egress rule open to the whole internet.",
        "An empty 'to', 0.0.0.0/0, ::/0 or a public range wider than the threshold lets the "
        "selected pods send data anywhere.",
        "List the destinations that are needed (CIDRs of the APIs they call), or route them "
        "through an egress proxy.",
        5.5,
    ),
    RuleMeta(
        "NP008",
        "all-namespaces",
        _W,
        "A peer with namespaceSelector: {} and no podSelector: every pod of every namespace.",
        "An empty namespaceSelector matches every namespace, present and future; without a "
        "podSelector it admits every pod in the cluster.",
        "Select the namespaces that need access by label (kubernetes.io/metadata.name: <ns>), "
        "and narrow with a podSelector in the same peer.",
        6.0,
    ),
    RuleMeta(
        "NP009",
        "all-ports",
        _W,
        "A rule without ports that admits peers outside its namespace: every port is open.",
        "A rule without 'ports' allows every port of every protocol; across namespaces that "
        "exposes admin and debug ports the peers never need.",
        "List the ports the peers use (the hint names the ports the workloads declare).",
        4.5,
    ),
    RuleMeta(
        "NP010",
        "selects-nothing",
        _W,
        "A policy whose podSelector selects no workload in its namespace.",
        "A policy that selects nothing protects nothing; usually the selector has a typo or the "
        "policy is in the wrong namespace.",
        "Fix the podSelector labels or metadata.namespace, or delete the policy.",
        3.0,
    ),
    RuleMeta(
        "NP011",
        "dangling-peer",
        _W,
        "A peer whose selectors match nothing (possibly a typo).",
        "A peer that matches no pod or no namespace admits nothing: the traffic it was written "
        "for is denied.",
        "Fix the selector's labels (the hint names the closest existing ones).",
        2.0,
    ),
    RuleMeta(
        "NP012",
        "unknown-named-port",
        _W,
        "A named port that no destination declares.",
        "A named port resolves on the destination pods' containerPorts by name and protocol; "
        "where no destination declares it, the rule allows nothing.",
        "Use a port name the destination declares (with the same protocol), or a number.",
        2.0,
    ),
    RuleMeta(
        "NP013",
        "redundant-rule",
        _I,
        "A rule that allows nothing the other rules do not already allow.",
        "Redundant rules make policies harder to review and hide what really grants access.",
        "Delete the rule, or narrow the rule that covers it.",
        1.0,
    ),
    RuleMeta(
        "NP014",
        "redundant-policy",
        _I,
        "A policy whose removal would change no allowed connection.",
        "A policy that changes nothing adds review burden, and its authors may believe it "
        "protects something.",
        "Delete the policy, or fix it so that it does what was intended.",
        1.0,
    ),
    RuleMeta(
        "NP015",
        "dns-blocked",
        _E,
        "Egress isolation that blocks DNS (UDP and TCP 53 to kube-system/kube-dns).",
        "Pods isolated for egress without a rule to the cluster DNS cannot resolve names; "
        "without TCP 53, large answers fail.",
        "Allow egress to namespace kube-system, pods k8s-app=kube-dns, on UDP 53 and TCP 53.",
        3.0,
    ),
    RuleMeta(
        "NP016",
        "ignored-rules",
        _W,
        "Rules of a direction missing from policyTypes: Kubernetes ignores them.",
        "When policyTypes is given and lacks Egress (or Ingress), the rules of that direction "
        "have no effect, whatever they say.",
        "Add the direction to policyTypes, or delete the rules.",
        3.0,
    ),
)

CHECK_RULES: tuple[RuleMeta, ...] = (
    RuleMeta(
        "NP101",
        "unexpected-allow",
        _E,
        "An intent says deny, but the policies allow the traffic.",
        "The policies allow a connection that the declared intent forbids.",
        "Narrow the rules that the explanation names, or change the intent.",
        8.0,
    ),
    RuleMeta(
        "NP102",
        "unexpected-deny",
        _E,
        "An intent says allow, but the policies deny the traffic.",
        "The policies deny a connection that the declared intent requires: the application will fail.",
        "Add a rule on the side (egress or ingress) that the explanation says denies it.",
        2.0,
    ),
)


def lookup(name: str, rules: Iterable[RuleMeta]) -> RuleMeta | None:
    """A rule by id (``NP006``, any case) or slug (``internet-ingress``)."""
    key = name.strip().lower()
    return next((r for r in rules if key in (r.id.lower(), r.slug)), None)
