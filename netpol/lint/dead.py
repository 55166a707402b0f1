"""Lint rules about policy parts that match nothing or are ignored.

NP010 selects-nothing, NP011 dangling-peer, NP012 unknown-named-port, NP016 ignored-rules.

Partial input is common (a repository of policies without the workloads): a podSelector is judged
only against namespaces whose workloads the input shows; a namespaceSelector only when the
Namespace objects of the input carry every label key it reads (one that names a namespace by
``kubernetes.io/metadata.name`` may point outside the input, and is never judged).

Only the input's workloads and namespaces are judged, never stand-ins (open world): a stand-in is
there precisely because nothing in the input matches. Where one stands for the selection, the
finding says the selector "selects nothing in the input" and names the stand-in. Where the input
shows nothing to judge a peer against, it is still reported, at info, when it is one typo away
from what a policy of those namespaces is written for (``app: fronted`` beside a policy for
``app: frontend``) or from the name of a namespace that holds policies.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

from netpol.core.refs import RuleRef
from netpol.core.selectors import LabelSelector
from netpol.core.text import listing, plural
from netpol.engine.nodeset import NodeSet
from netpol.engine.views import RuleView
from netpol.errors import Severity
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
    standing = targets & ctx.stand_ins
    if targets - standing or not members:
        return  # it selects workloads of the input, or the input shows no workload of its namespace
    near = ctx.close_labels(pol.pod_selector, (ctx.endpoint(i).labels for i in members))
    none_of = f"{plural(len(members), 'workload')} of namespace {pol.namespace}"
    if standing:
        what = (
            f"selects nothing in the input (none of the {none_of}): it protects only pods the "
            f"input does not hold, {ctx.described(standing)}"
        )
    else:
        what = f"selects none of the {none_of}: the policy protects nothing"
    yield ctx.finding(
        RuleId.SELECTS_NOTHING,
        f"{pol.id}: podSelector {pol.pod_selector} {what}",
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
    standing = ctx.stand_ins_admitted(pol.namespace, peer.pod_selector, peer.namespace_selector)
    nss = peer.namespace_selector
    if nss is None:
        scope = looked_in = [pol.namespace]
    else:
        namespaces = ctx.held_namespaces
        looked_in = ctx.namespaces_matching(nss)
        scope = [name for name in looked_in if name in ctx.held_namespace_names]
    if nss is not None and not scope:
        keys = {k for k, _ in nss.match_labels} | {r.key for r in nss.expressions}
        known = {k for ns in namespaces if ns.declared for k in ns.labels}
        where = ctx.locate(pol.origin, *path, "namespaceSelector")
        if NAMESPACE_NAME_LABEL not in keys and keys <= known:
            near = ctx.close_labels(nss, (ns.labels for ns in namespaces))
            what = "selects no namespace in the input:" if standing else "matches no namespace,"
            yield ctx.finding(
                RuleId.DANGLING_PEER,
                f"{head}: namespaceSelector {nss} {what} {_admits(ctx, standing)}",
                where,
                f"{near + ' ' if near else ''}fix the namespace labels "
                f"(namespaces: {listing([ns.name for ns in namespaces], 6)})",
                obj=policy_ref(pol),
            )
            return
        # A namespace named but not in the input; or labels the input never shows.
        near = _namespace_typo(ctx, nss) if standing else ""
        if near:
            yield ctx.finding(
                RuleId.DANGLING_PEER,
                f"{head}: namespaceSelector {nss} selects no namespace in the input: "
                f"{_admits(ctx, standing)}",
                where,
                f"{near} (a namespace that holds policies) fix the labels if it is a typo",
                obj=policy_ref(pol),
                severity=Severity.INFO,
            )
            return
    if peer.pod_selector is not None:
        yield from _dangling_pods(ctx, pol, head, path, peer.pod_selector, scope, looked_in, standing)


def _dangling_pods(
    ctx: Context,
    pol: NetworkPolicy,
    head: RuleRef,
    path: tuple[str | int, ...],
    selector: LabelSelector,
    scope: Sequence[str],
    looked_in: Sequence[str],
    standing: NodeSet,
) -> Iterator[Finding]:
    """NP011 for a peer's podSelector, looking in the input's namespaces ``scope`` (and in
    ``looked_in``, stand-in namespaces included, for a typo when the input shows no workload)."""
    where = ctx.locate(pol.origin, *path, "podSelector")
    if not any(ctx.by_namespace.get(ns) for ns in scope):  # the input shows none of their workloads
        near = _subject_typo(ctx, selector, looked_in) if standing else ""
        if near:
            yield ctx.finding(
                RuleId.DANGLING_PEER,
                f"{head}: podSelector {selector} selects nothing in the input, which holds no "
                f"workload of {listing(looked_in)}: {_admits(ctx, standing)}",
                where,
                f"{near} (a policy there selects such pods) fix the podSelector labels if it is a typo",
                obj=policy_ref(pol),
                severity=Severity.INFO,
            )
        return
    if ctx.matches_in(selector, scope):
        return
    members = [i for ns in scope for i in ctx.by_namespace.get(ns, ())]
    near = ctx.close_labels(selector, (ctx.endpoint(i).labels for i in members))
    none_of = f"{plural(len(members), 'workload')} of {listing(scope)}"
    what = (
        f"selects nothing in the input (none of the {none_of}):"
        if standing
        else f"matches none of the {none_of},"
    )
    yield ctx.finding(
        RuleId.DANGLING_PEER,
        f"{head}: podSelector {selector} {what} {_admits(ctx, standing)}",
        where,
        f"{near + ' ' if near else ''}fix the podSelector labels",
        obj=policy_ref(pol),
    )


def _admits(ctx: Context, standing: NodeSet) -> str:
    if not standing:
        return "so this peer admits nothing"
    return f"this peer admits only pods the input does not hold, {ctx.described(standing)}"


def _namespace_typo(ctx: Context, selector: LabelSelector) -> str:
    """``did you mean kubernetes.io/metadata.name=shop?`` when ``selector`` is close to the labels
    of a namespace that holds policies (and that it does not match), or ""."""
    homes = {ns.name: ns for p in ctx.cluster.policies if (ns := ctx.namespace(p.namespace)) is not None}
    others = [ns.labels for ns in homes.values() if not selector.matches(ns.labels)]
    return ctx.close_labels(selector, others, near_only=True)


def _subject_typo(ctx: Context, selector: LabelSelector, namespaces: Sequence[str]) -> str:
    """``did you mean app=frontend?`` when ``selector`` is close to the labels a policy of
    ``namespaces`` is written for (its podSelector), or "".

    A policy's subject is the spelling to trust: it is written for the policy's own pods, and a
    typo there leaves them unprotected, which their owners notice. A peer names someone else's.
    """
    names = set(namespaces)
    subjects = [p.pod_selector.witness() for p in ctx.cluster.policies if p.namespace in names]
    others = [labels for labels in subjects if labels is not None and not selector.matches(labels)]
    return ctx.close_labels(selector, others, near_only=True)


def _named_ports(ctx: Context, cr: RuleView) -> Iterator[Finding]:
    rule, pol = cr.rule, cr.policy
    named = [(j, pp) for j, pp in enumerate(rule.ports) if isinstance(pp.port, str)]
    if not named:
        return
    ingress = cr.direction is Direction.INGRESS
    dests = cr.targets if ingress else cr.peers & ctx.graph.endpoints
    externals_only = not ingress and not dests and bool(cr.peers & ctx.graph.externals)
    dests -= ctx.stand_ins  # a stand-in's ports are unknown: its named ports stay names
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
