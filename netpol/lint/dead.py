"""Lint rules about policy parts that match nothing or are ignored.

NP010 selects-nothing, NP011 dangling-peer, NP012 unknown-named-port, NP016 ignored-rules.

Partial input is common (a repository of policies without the workloads): a podSelector is judged
only against namespaces whose workloads the input shows; a namespaceSelector only when the
Namespace objects of the input carry every label key it reads (one that names a namespace by
``kubernetes.io/metadata.name`` may point outside the input, and is never judged).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from netpol.core.refs import RuleRef
from netpol.core.text import listing, plural
from netpol.engine.nodeset import NodeSet
from netpol.engine.views import RuleView
from netpol.findings.catalog import RuleId
from netpol.findings.records import Finding, policy_ref
from netpol.lint.context import Context
from netpol.lint.registry import rule
from netpol.model.resources import NAMESPACE_NAME_LABEL, Direction, NetworkPolicy, Peer

__all__ = ["dangling_peers", "ignored_rules", "selects_nothing", "unknown_named_ports"]


@rule(RuleId.SELECTS_NOTHING)
def selects_nothing(ctx: Context) -> Iterator[Finding]:
    for view in ctx.policies():
        yield from _selects_nothing(ctx, view.policy, view.targets)


@rule(RuleId.IGNORED_RULES)
def ignored_rules(ctx: Context) -> Iterator[Finding]:
    for view in ctx.policies():
        yield from _ignored(ctx, view.policy)


@rule(RuleId.DANGLING_PEER)
def dangling_peers(ctx: Context) -> Iterator[Finding]:
    for view in ctx.policies():
        pol = view.policy
        for direction in sorted(pol.policy_types):
            for r in pol.rules(direction):
                for j, peer in enumerate(r.peers):
                    yield from _dangling(ctx, pol, direction, r.index, j, peer)


@rule(RuleId.UNKNOWN_NAMED_PORT)
def unknown_named_ports(ctx: Context) -> Iterator[Finding]:
    for cr in ctx.graph.rules():
        yield from _named_ports(ctx, cr)


def _selects_nothing(ctx: Context, pol: NetworkPolicy, targets: NodeSet) -> Iterator[Finding]:
    members = ctx.by_namespace.get(pol.namespace, ())
    if targets or not members:
        return  # it selects something, or the input shows no workload of its namespace
    near = ctx.close_labels(pol.pod_selector, (ctx.endpoint(i).labels for i in members))
    yield ctx.finding(
        RuleId.SELECTS_NOTHING,
        f"{pol.id}: podSelector {pol.pod_selector} selects none of the "
        f"{plural(len(members), 'workload')} of namespace {pol.namespace}: the policy protects "
        "nothing",
        ctx.locate(pol.origin, "spec", "podSelector"),
        f"{near + ' ' if near else ''}fix the podSelector or metadata.namespace, or delete the policy",
        obj=policy_ref(pol),
    )


def _ignored(ctx: Context, pol: NetworkPolicy) -> Iterator[Finding]:
    for direction in (Direction.INGRESS, Direction.EGRESS):
        rules = pol.rules(direction)
        if direction in pol.policy_types or not rules:
            continue
        key = direction.value.lower()
        yield ctx.finding(
            RuleId.IGNORED_RULES,
            f"{pol.id} has {len(rules)} {key} rule(s) but policyTypes lacks "
            f"{direction.value}: Kubernetes ignores them",
            ctx.locate(pol.origin, "spec", key),
            f"add {direction.value} to spec.policyTypes, or delete spec.{key}",
            obj=policy_ref(pol),
        )


def _dangling(
    ctx: Context, pol: NetworkPolicy, direction: Direction, index: int, j: int, peer: Peer
) -> Iterator[Finding]:
    if peer.ip_block is not None:
        return
    word = "from" if direction is Direction.INGRESS else "to"
    head = RuleRef(pol.id, direction, index)
    path = (*head.path, word, j)
    nss = peer.namespace_selector
    if nss is None:
        scope = [pol.namespace]
    else:
        scope = [ns.name for ns in ctx.cluster.namespaces if nss.matches(ns.labels)]
        if not scope:
            keys = {k for k, _ in nss.match_labels} | {r.key for r in nss.expressions}
            known = {k for ns in ctx.cluster.namespaces if ns.declared for k in ns.labels}
            if NAMESPACE_NAME_LABEL in keys or not keys <= known:
                return  # a namespace named but not in the input; or labels the input never shows
            near = ctx.close_labels(nss, (ns.labels for ns in ctx.cluster.namespaces))
            yield ctx.finding(
                RuleId.DANGLING_PEER,
                f"{head}: namespaceSelector {nss} matches no namespace, so this peer admits nothing",
                ctx.locate(pol.origin, *path, "namespaceSelector"),
                f"{near + ' ' if near else ''}fix the namespace labels "
                f"(namespaces: {listing([ns.name for ns in ctx.cluster.namespaces], 6)})",
                obj=policy_ref(pol),
            )
            return
    members = [i for ns in scope for i in ctx.by_namespace.get(ns, ())]
    if peer.pod_selector is None or not members:
        return  # every pod of the namespaces; or the input shows none of their workloads
    if any(peer.pod_selector.matches(ctx.endpoint(i).labels) for i in members):
        return
    near = ctx.close_labels(peer.pod_selector, (ctx.endpoint(i).labels for i in members))
    yield ctx.finding(
        RuleId.DANGLING_PEER,
        f"{head}: podSelector {peer.pod_selector} matches none of the "
        f"{plural(len(members), 'workload')} of {listing(scope)}, so this peer admits nothing",
        ctx.locate(pol.origin, *path, "podSelector"),
        f"{near + ' ' if near else ''}fix the podSelector labels",
        obj=policy_ref(pol),
    )


def _named_ports(ctx: Context, cr: RuleView) -> Iterator[Finding]:
    rule, pol = cr.rule, cr.policy
    named = [(j, pp) for j, pp in enumerate(rule.ports) if isinstance(pp.port, str)]
    if not named:
        return
    ingress = cr.direction is Direction.INGRESS
    dests = cr.targets if ingress else cr.peers & ctx.graph.endpoints
    externals_only = not ingress and not dests and bool(cr.peers & ctx.graph.externals)
    if not dests and not externals_only:
        return  # nothing to resolve against: NP010 / NP011
    eps = [ctx.endpoint(i) for i in dests]
    for j, pp in named:
        if any(cp.name == pp.port and cp.protocol is pp.protocol for ep in eps for cp in ep.ports):
            continue
        where = ctx.locate(pol.origin, *cr.ref.path, "ports", j, "port")
        head = cr.ref
        if externals_only:
            yield ctx.finding(
                RuleId.UNKNOWN_NAMED_PORT,
                f"{head}: named port {pp.port!r} toward an ipBlock matches nothing (only "
                "pods declare port names)",
                where,
                "use the port number",
                obj=policy_ref(pol),
            )
            continue
        other = sorted({cp.protocol.value for ep in eps for cp in ep.ports if cp.name == pp.port})
        names = sorted({cp.name for ep in eps for cp in ep.ports if cp.name and cp.protocol is pp.protocol})
        if other:
            hint = f"the destinations declare {pp.port!r} as {'/'.join(other)}: set protocol: {other[0]}"
        else:
            near = difflib.get_close_matches(str(pp.port), names, n=1, cutoff=0.6)
            hint = (
                f"did you mean {near[0]!r}?"
                if near
                else f"the destinations declare {', '.join(repr(n) for n in names)}"
                if names
                else "the destinations declare no named ports: use the port number"
            )
        whose = "selected pods" if ingress else "peers"
        yield ctx.finding(
            RuleId.UNKNOWN_NAMED_PORT,
            f"{head}: none of the {whose} ({listing([e.id for e in eps])}) declares the "
            f"{pp.protocol.value} port {pp.port!r}, so it allows nothing there",
            where,
            hint,
            subjects=[e.id for e in eps],
            obj=policy_ref(pol),
        )
