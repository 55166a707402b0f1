"""Lint rules about coverage: workloads and namespaces left open, and egress isolation without DNS.

NP001 unprotected-ingress, NP002 unprotected-egress, NP003 one-way-isolation,
NP004 no-default-deny-ingress, NP005 no-default-deny-egress, NP015 dns-blocked.

The first five speak of the workloads of the input and their namespaces: a stand-in (open world)
is none, and a namespace only stand-ins live in is not one of the input. NP015 judges what the
policies isolate, stand-ins included: a policy that blocks DNS does so for pods not in the input too.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterator, Mapping

from netpol.core.ports import PortSet, Protocol
from netpol.core.text import listing
from netpol.findings.catalog import RuleId
from netpol.findings.records import Finding, policy_ref
from netpol.lint.context import Context, is_default_deny, port_list
from netpol.lint.registry import rule
from netpol.model.cluster import Endpoint
from netpol.model.resources import NAMESPACE_NAME_LABEL, ContainerPort, Direction, NetworkPolicy, Peer

__all__ = ["dns_blocked", "namespaces_without_default_deny", "open_workloads"]

_IN, _OUT = Direction.INGRESS, Direction.EGRESS
_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_DNS_PORTS = (ContainerPort(53, Protocol.UDP, "dns"), ContainerPort(53, Protocol.TCP, "dns-tcp"))


def _isolating(ctx: Context, index: int, direction: Direction) -> list[str]:
    return sorted(p.id for p in ctx.graph.isolating(index, direction))


@rule(RuleId.UNPROTECTED_INGRESS, RuleId.UNPROTECTED_EGRESS, RuleId.ONE_WAY_ISOLATION)
def open_workloads(ctx: Context) -> Iterator[Finding]:
    inward, outward = ctx.graph.isolated(_IN), ctx.graph.isolated(_OUT)
    for i in ctx.workloads:
        ep = ctx.endpoint(i)
        inside, outside = i in inward, i in outward
        where = ctx.locate(ep.origin, "metadata", "name")
        declared = PortSet.from_mapping(_declared(ep))
        if not inside and not outside:
            serves = f": ports {port_list(declared)}" if declared else ""
            yield ctx.finding(
                RuleId.UNPROTECTED_INGRESS,
                f"{ep.id} is selected by no NetworkPolicy for ingress: every source may "
                f"connect to it, on every port{_tiers_decide(ctx, i, _IN)}",
                where,
                f"add a default-deny ingress policy to namespace {ep.namespace}, then allow what "
                f"{ep.name} serves{serves}",
                subjects=[ep.id],
                obj=ep.id,
            )
            yield ctx.finding(
                RuleId.UNPROTECTED_EGRESS,
                f"{ep.id} is selected by no NetworkPolicy for egress: it may connect "
                f"anywhere, the internet included{_tiers_decide(ctx, i, _OUT)}",
                where,
                f"add a default-deny egress policy to namespace {ep.namespace}, then allow DNS and "
                f"the destinations {ep.name} calls",
                subjects=[ep.id],
                obj=ep.id,
            )
        elif inside != outside:
            closed, open_ = (_IN, _OUT) if inside else (_OUT, _IN)
            by = ", ".join(_isolating(ctx, i, closed))
            yield ctx.finding(
                RuleId.ONE_WAY_ISOLATION,
                f"{ep.id} is isolated for {closed.value.lower()} only (by {by}): its "
                f"{open_.value.lower()} is wide open",
                where,
                f"add {open_.value} to policyTypes of a policy selecting it (e.g. {by}), with "
                f"the {open_.value.lower()} rules it needs",
                subjects=[ep.id],
                obj=ep.id,
            )


def _tiers_decide(ctx: Context, index: int, direction: Direction) -> str:
    """``; cluster-wide policies (anp/x, banp/default) still decide its ingress`` when the subject
    of a tier policy with rules of ``direction`` holds the endpoint; else ""."""
    ids = [v.policy.id for v in ctx.graph.tier_policies() if index in v.targets and v.policy.rules(direction)]
    return (
        f"; cluster-wide policies ({', '.join(ids)}) still decide its {direction.value.lower()}"
        if ids
        else ""
    )


def _declared(ep: Endpoint) -> Mapping[Protocol, list[tuple[int, int]]]:
    out: dict[Protocol, list[tuple[int, int]]] = defaultdict(list)
    for cp in ep.ports:
        out[cp.protocol].append((cp.port, cp.port))
    return out


@rule(RuleId.NO_DEFAULT_DENY_INGRESS, RuleId.NO_DEFAULT_DENY_EGRESS)
def namespaces_without_default_deny(ctx: Context) -> Iterator[Finding]:
    for name, members in sorted(ctx.by_namespace.items()):
        ns = ctx.namespace(name)
        own = [p.policy for p in ctx.policies_in(name)]
        ids = [ctx.endpoint(i).id for i in members]
        if ns is not None and ns.origin is not None:
            where = ctx.locate(ns.origin, "metadata", "name")
            note = ""
        else:
            where = ctx.locate(ctx.endpoint(members[0]).origin, "metadata", "namespace")
            note = " (not declared in the input)"
        for rule_id, direction in (
            (RuleId.NO_DEFAULT_DENY_INGRESS, _IN),
            (RuleId.NO_DEFAULT_DENY_EGRESS, _OUT),
        ):
            if not ctx.wants(rule_id) or any(is_default_deny(p, direction) for p in own):
                continue
            d = direction.value.lower()
            isolated = ctx.graph.isolated(direction)
            open_ = [ctx.endpoint(i).id for i in members if i not in isolated]
            state = _state(len(open_), len(members), d)
            extra = ", plus a rule allowing DNS" if direction is _OUT else ""
            yield ctx.finding(
                rule_id,
                f"namespace {name}{note} has no default-deny {d} policy: {state}",
                where,
                f"add a NetworkPolicy to {name} with podSelector: {{}} and policyTypes: "
                f"[{direction.value}]{extra}",
                subjects=ids,
                obj=f"{name}[Namespace]",
            )


def _state(open_: int, total: int, direction: str) -> str:
    if open_ == 0:
        if total == 1:
            return "its workload is selected by a policy of its own, new ones will not be"
        return f"its {total} workloads are selected one by one, new ones will not be"
    if open_ == total == 1:
        return f"its workload is not isolated for {direction}"
    if open_ == total:
        return f"none of its {total} workloads is isolated for {direction}"
    return f"{open_} of its {total} workloads {'is' if open_ == 1 else 'are'} not isolated for {direction}"


# -- NP015 dns-blocked ---------------------------------------------------------------------------


@rule(RuleId.DNS_BLOCKED)
def dns_blocked(ctx: Context) -> Iterator[Finding]:
    cfg = ctx.config
    labels = dict(cfg.dns_labels)
    dns_nodes = [
        i
        for i in ctx.by_namespace.get(cfg.dns_namespace, ())
        if _is_dns(ctx.endpoint(i), cfg.dns_namespace, labels)
    ]
    ns = ctx.namespace(cfg.dns_namespace)
    ns_labels = ns.labels if ns is not None else {NAMESPACE_NAME_LABEL: cfg.dns_namespace}
    synthetic = Endpoint(cfg.dns_namespace, "kube-dns", "Deployment", labels, _DNS_PORTS)
    target = f"{cfg.dns_namespace}/{','.join(f'{k}={v}' for k, v in cfg.dns_labels)}"

    blocked: dict[str, list[int]] = defaultdict(list)
    missed: dict[int, str] = {}
    first_policy: dict[str, NetworkPolicy] = {}
    for i in ctx.graph.isolated(_OUT):
        if i in dns_nodes or ctx.graph.is_external(i):
            continue
        if i in ctx.stand_ins and _is_dns(ctx.endpoint(i), cfg.dns_namespace, labels):
            continue  # a stand-in for the DNS pods themselves
        allowed = PortSet.none()
        # Only the policies of its own namespace select it.
        mine = [cr for cr in ctx.rules_in(_OUT, ctx.endpoint(i).namespace) if i in cr.targets]
        if dns_nodes:
            best = PortSet.none()
            for d in dns_nodes:
                ports = PortSet.none()
                for cr in mine:
                    if d in cr.peers:
                        ports |= cr.ports_toward(d)
                if _dns_ok(ports) > _dns_ok(best):
                    best = ports
            allowed = best
        else:
            for cr in mine:
                if not cr.rule.peers or any(
                    _matches(
                        p, cr.policy.namespace, ns_labels, labels, ctx.graph.options.ipblock_matches_pods
                    )
                    for p in cr.rule.peers
                ):
                    allowed |= cr.ports_for(synthetic)
        missing = [p.value for p in (Protocol.UDP, Protocol.TCP) if not allowed.allows(p, 53)]
        if missing:
            policies = sorted(ctx.graph.isolating(i, _OUT), key=lambda p: p.id)
            first_policy[policies[0].id] = policies[0]
            blocked[policies[0].id].append(i)
            missed[i] = " and ".join(missing)
    for pid, items in sorted(blocked.items()):
        pol = first_policy[pid]
        named = ctx.concerned(ctx.graph.nodeset(items))
        ids = ctx.ids(named)
        kinds = sorted({missed[i] for i in named})
        what = kinds[0] if len(kinds) == 1 else "UDP or TCP"
        yield ctx.finding(
            RuleId.DNS_BLOCKED,
            f"{pid} isolates egress of {listing(ids)} without allowing DNS ({what} 53 to "
            f"{target}): name resolution fails{ctx.stand_in_note(named)}",
            ctx.locate(pol.origin, "spec", "policyTypes"),
            _dns_hint(cfg.dns_namespace, cfg.dns_labels),
            subjects=ids,
            obj=policy_ref(pol),
        )


def _is_dns(ep: Endpoint, namespace: str, labels: Mapping[str, str]) -> bool:
    return ep.namespace == namespace and all(ep.labels.get(k) == v for k, v in labels.items())


def _dns_hint(namespace: str, labels: tuple[tuple[str, str], ...]) -> str:
    pods = ", ".join(f"{k}: {v}" for k, v in labels)
    to = (
        f"{{namespaceSelector: {{matchLabels: {{{NAMESPACE_NAME_LABEL}: {namespace}}}}}, "
        f"podSelector: {{matchLabels: {{{pods}}}}}}}"
    )
    return (
        f"add an egress rule: {{to: [{to}], ports: [{{protocol: UDP, port: 53}}, "
        "{protocol: TCP, port: 53}]}"
    )


def _dns_ok(ports: PortSet) -> int:
    return ports.allows(Protocol.UDP, 53) + ports.allows(Protocol.TCP, 53)


def _matches(
    peer: Peer,
    policy_ns: str,
    ns_labels: Mapping[str, str],
    pod_labels: Mapping[str, str],
    ipblock_matches_pods: bool,
) -> bool:
    """Whether ``peer`` admits a DNS pod the input does not show (with the given labels)."""
    if peer.ip_block is not None:
        # The DNS pods' IPs are unknown: count a block that covers every private IPv4 range,
        # where pod networks usually are.
        block = peer.ip_block
        return ipblock_matches_pods and all(
            net.version == block.family
            and net.subnet_of(block.cidr)  # type: ignore[arg-type]
            and not any(e.overlaps(net) for e in block.excepts)
            for net in _PRIVATE
        )
    if peer.namespace_selector is None:
        if policy_ns != ns_labels.get(NAMESPACE_NAME_LABEL):
            return False
    elif not peer.namespace_selector.matches(ns_labels):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(pod_labels)
