"""The rule catalogue: every rule id netpol lint and netpol check report, with its help text.

Ids are stable: a rule that goes away leaves its id unused. Code names a rule by its
:class:`RuleId` member, never by the id string, so a typo fails at import time and under mypy.
docs/lint-rules.md documents each one with an example; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from netpol.errors import Severity
from netpol.findings.records import RuleMeta

__all__ = ["CHECK_RULES", "LINT_RULES", "TIER_RULES", "RuleId", "lookup"]


class RuleId(StrEnum):
    """A rule's stable id: the member's value is what reports, configs and annotations spell
    (``NP006``), its name the slug in capitals (``internet-ingress``)."""

    # netpol lint
    UNPROTECTED_INGRESS = "NP001"
    UNPROTECTED_EGRESS = "NP002"
    ONE_WAY_ISOLATION = "NP003"
    NO_DEFAULT_DENY_INGRESS = "NP004"
    NO_DEFAULT_DENY_EGRESS = "NP005"
    INTERNET_INGRESS = "NP006"
    INTERNET_EGRESS = "NP007"
    ALL_NAMESPACES = "NP008"
    ALL_PORTS = "NP009"
    SELECTS_NOTHING = "NP010"
    DANGLING_PEER = "NP011"
    UNKNOWN_NAMED_PORT = "NP012"
    REDUNDANT_RULE = "NP013"
    REDUNDANT_POLICY = "NP014"
    DNS_BLOCKED = "NP015"
    IGNORED_RULES = "NP016"
    ADMIN_OVERRIDES_ISOLATION = "NP017"
    SHADOWED_TIER_RULE = "NP018"
    EQUAL_PRIORITY_OVERLAP = "NP019"
    PASS_TO_NOTHING = "NP020"
    DOMAIN_NAMES_NOT_ALLOW = "NP021"
    DNS_DEPENDENT = "NP022"
    # netpol check
    UNEXPECTED_ALLOW = "NP101"
    UNEXPECTED_DENY = "NP102"
    FLOW_DROPPED = "NP103"

    @property
    def slug(self) -> str:
        """``internet-ingress``: accepted wherever an id is (config, annotations)."""
        return self.name.lower().replace("_", "-")


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO


def _rule(
    rule_id: RuleId, severity: Severity, title: str, why: str, fix: str, security_severity: float
) -> RuleMeta:
    return RuleMeta(rule_id, rule_id.slug, severity, title, why, fix, security_severity)


LINT_RULES: tuple[RuleMeta, ...] = (
    _rule(
        RuleId.UNPROTECTED_INGRESS,
        _W,
        "A workload that no NetworkPolicy selects: anything may connect to it.",
        "Without a policy selecting it for ingress, every pod in the cluster and every address "
        "that can route to it may open connections to it, on every port.",
        "Select it with a policy that lists Ingress in policyTypes (a namespace default-deny "
        "plus allow rules for what it needs).",
        6.5,
    ),
    _rule(
        RuleId.UNPROTECTED_EGRESS,
        _W,
        "A workload that no NetworkPolicy selects: it may connect anywhere.",
        "Without a policy selecting it for egress, a compromised pod can reach every service in "
        "the cluster and exfiltrate data to the internet.",
        "Select it with a policy that lists Egress in policyTypes, and allow DNS and the "
        "destinations it needs.",
        4.0,
    ),
    _rule(
        RuleId.ONE_WAY_ISOLATION,
        _W,
        "A workload isolated in one direction only: the other direction is wide open.",
        "Policies isolate ingress and egress separately; a workload protected for ingress only "
        "may still connect anywhere (and the reverse).",
        "Add the missing direction to policyTypes of a policy that selects it, with the rules it needs.",
        4.0,
    ),
    _rule(
        RuleId.NO_DEFAULT_DENY_INGRESS,
        _W,
        "A namespace with workloads but no default-deny policy for ingress.",
        "Without a policy with an empty podSelector isolating ingress, every workload added to "
        "the namespace later starts unprotected.",
        "Add a policy with podSelector: {} and policyTypes: [Ingress] (and no ingress rules).",
        5.0,
    ),
    _rule(
        RuleId.NO_DEFAULT_DENY_EGRESS,
        _W,
        "A namespace with workloads but no default-deny policy for egress.",
        "Without a policy with an empty podSelector isolating egress, every workload added to "
        "the namespace later may connect anywhere.",
        "Add a policy with podSelector: {} and policyTypes: [Egress], plus a rule allowing DNS.",
        3.5,
    ),
    _rule(
        RuleId.INTERNET_INGRESS,
        _E,
        "An ingress rule open to the whole internet.",
        "An empty 'from', 0.0.0.0/0, ::/0 or a public range wider than the threshold admits "
        "anyone who can route to the pods, on the rule's ports.",
        "List the peers that need access (a load balancer's or partner's CIDR, an ingress "
        "controller's namespace), or add an exception with the reason.",
        8.5,
    ),
    _rule(
        RuleId.INTERNET_EGRESS,
        _W,
        "An egress rule open to the whole internet.",
        "An empty 'to', 0.0.0.0/0, ::/0 or a public range wider than the threshold lets the "
        "selected pods send data anywhere.",
        "List the destinations that are needed (CIDRs of the APIs they call), or route them "
        "through an egress proxy.",
        5.5,
    ),
    _rule(
        RuleId.ALL_NAMESPACES,
        _W,
        "A peer with namespaceSelector: {} and no podSelector: every pod of every namespace.",
        "An empty namespaceSelector matches every namespace, present and future; without a "
        "podSelector it admits every pod in the cluster.",
        "Select the namespaces that need access by label (kubernetes.io/metadata.name: <ns>), "
        "and narrow with a podSelector in the same peer.",
        6.0,
    ),
    _rule(
        RuleId.ALL_PORTS,
        _W,
        "A rule without ports that admits peers outside its namespace: every port is open.",
        "A rule without 'ports' allows every port of every protocol; across namespaces that "
        "exposes admin and debug ports the peers never need.",
        "List the ports the peers use (the hint names the ports the workloads declare).",
        4.5,
    ),
    _rule(
        RuleId.SELECTS_NOTHING,
        _W,
        "A policy whose podSelector selects no workload in its namespace.",
        "A policy that selects nothing protects nothing; usually the selector has a typo or the "
        "policy is in the wrong namespace.",
        "Fix the podSelector labels or metadata.namespace, or delete the policy.",
        3.0,
    ),
    _rule(
        RuleId.DANGLING_PEER,
        _W,
        "A peer whose selectors match nothing (possibly a typo).",
        "A peer that matches no pod or no namespace admits nothing: the traffic it was written "
        "for is denied.",
        "Fix the selector's labels (the hint names the closest existing ones).",
        2.0,
    ),
    _rule(
        RuleId.UNKNOWN_NAMED_PORT,
        _W,
        "A named port that no destination declares.",
        "A named port resolves on the destination pods' containerPorts by name and protocol; "
        "where no destination declares it, the rule allows nothing.",
        "Use a port name the destination declares (with the same protocol), or a number.",
        2.0,
    ),
    _rule(
        RuleId.REDUNDANT_RULE,
        _I,
        "A rule that allows nothing the other rules do not already allow.",
        "Redundant rules make policies harder to review and hide what really grants access.",
        "Delete the rule, or narrow the rule that covers it.",
        1.0,
    ),
    _rule(
        RuleId.REDUNDANT_POLICY,
        _I,
        "A policy whose removal would change no allowed connection.",
        "A policy that changes nothing adds review burden, and its authors may believe it "
        "protects something.",
        "Delete the policy, or fix it so that it does what was intended.",
        1.0,
    ),
    _rule(
        RuleId.DNS_BLOCKED,
        _E,
        "Egress isolation that blocks DNS (UDP and TCP 53 to kube-system/kube-dns).",
        "Pods isolated for egress without a rule to the cluster DNS cannot resolve names; "
        "without TCP 53, large answers fail.",
        "Allow egress to namespace kube-system, pods k8s-app=kube-dns, on UDP 53 and TCP 53.",
        3.0,
    ),
    _rule(
        RuleId.IGNORED_RULES,
        _W,
        "Rules of a direction missing from policyTypes: Kubernetes ignores them.",
        "When policyTypes is given and lacks Egress (or Ingress), the rules of that direction "
        "have no effect, whatever they say.",
        "Add the direction to policyTypes, or delete the rules.",
        3.0,
    ),
    _rule(
        RuleId.ADMIN_OVERRIDES_ISOLATION,
        _W,
        "An Admin-tier Allow that admits what the NetworkPolicies isolating the pods do not.",
        "An AdminNetworkPolicy Allow (or Admin ClusterNetworkPolicy Accept) wins over "
        "NetworkPolicy: the pods are reachable (or reach out) in a way their namespace's own "
        "policies do not show, and their owners cannot see or narrow.",
        "Narrow the rule's subject, peers or ports; use Pass to leave the decision to the "
        "NetworkPolicies; or, if the exception is meant, tell the namespace's owners.",
        6.0,
    ),
    _rule(
        RuleId.SHADOWED_TIER_RULE,
        _W,
        "A cluster-wide tier rule that never decides anything (or matches nothing).",
        "Rules of a tier apply first match first: where earlier rules (higher-precedence "
        "policies, earlier rules of the policy) already decide everything a rule matches, or "
        "NetworkPolicy isolates every pod a Baseline rule is for, the rule has no effect.",
        "Delete the rule, or move it before the rules that shadow it (a lower priority number, "
        "or earlier in its list).",
        2.0,
    ),
    _rule(
        RuleId.EQUAL_PRIORITY_OVERLAP,
        _W,
        "Two policies of one tier with the same priority decide common traffic differently.",
        '"If two (or more) policies with the same priority could both match a connection, then '
        'the implementation can apply any of the matching policies": the verdict depends on the '
        "implementation.",
        "Give the policies different priorities, the one that should win the lower number.",
        4.0,
    ),
    _rule(
        RuleId.PASS_TO_NOTHING,
        _I,
        "A Pass that leaves the traffic to the default: it acts as an allow.",
        "An Admin Pass hands the traffic to NetworkPolicy, then to the Baseline tier; where "
        "neither decides, and for every Baseline Pass, the default applies: allowed.",
        "Write Allow (Accept) if allowing is meant; else add the NetworkPolicy or Baseline rule "
        "that should decide the traffic.",
        1.5,
    ),
    _rule(
        RuleId.DOMAIN_NAMES_NOT_ALLOW,
        _W,
        "A domainNames peer in a Deny or Pass rule.",
        '"DomainNames is only supported for Accept rules": a Deny or Pass by name has no '
        "defined effect; netpol treats the peer as matching nothing.",
        "Allow (Accept) the names, and deny the rest with a lower-precedence rule to networks "
        "0.0.0.0/0 and ::/0.",
        3.0,
    ),
    _rule(
        RuleId.DNS_DEPENDENT,
        _I,
        "An Allow rule with domainNames: verdicts toward outside addresses depend on DNS.",
        "netpol cannot resolve names: an address is one of them only if DNS says so when the "
        "connection is made, so what the rule allows toward outside addresses is not known.",
        "Nothing to fix; netpol query names the rule when a verdict depends on it. Use "
        "networks instead where the addresses are known.",
        1.0,
    ),
)

TIER_RULES: frozenset[RuleId] = frozenset(
    {
        RuleId.ADMIN_OVERRIDES_ISOLATION,
        RuleId.SHADOWED_TIER_RULE,
        RuleId.EQUAL_PRIORITY_OVERLAP,
        RuleId.PASS_TO_NOTHING,
        RuleId.DOMAIN_NAMES_NOT_ALLOW,
        RuleId.DNS_DEPENDENT,
    }
)
"""The rules about the cluster-wide policy tiers: they run (and reports list them) only when the
input holds an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy."""

CHECK_RULES: tuple[RuleMeta, ...] = (
    _rule(
        RuleId.UNEXPECTED_ALLOW,
        _E,
        "An intent says deny, but the policies allow the traffic.",
        "The policies allow a connection that the declared intent forbids.",
        "Narrow the rules that the explanation names, or change the intent.",
        8.0,
    ),
    _rule(
        RuleId.UNEXPECTED_DENY,
        _E,
        "An intent says allow, but the policies deny the traffic.",
        "The policies deny a connection that the declared intent requires: the application will fail.",
        "Add a rule on the side (egress or ingress) that the explanation says denies it.",
        2.0,
    ),
    _rule(
        RuleId.FLOW_DROPPED,
        _E,
        "Observed traffic that the policies would drop.",
        "A flow the cluster really carries (seen by Hubble or Inspektor Gadget, or listed in a "
        "flow file) is denied by the policies: enforcing them breaks the application.",
        "Add a rule to the isolating policies of the side that denies it (egress of the source, "
        "ingress of the destination), or stop the traffic if it is not wanted.",
        2.0,
    ),
)


def lookup(name: str, rules: Iterable[RuleMeta]) -> RuleMeta | None:
    """A rule by id (``NP006``, any case) or slug (``internet-ingress``)."""
    key = name.strip().lower()
    return next((r for r in rules if key in (r.id.lower(), r.slug)), None)
