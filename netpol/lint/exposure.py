"""Lint rules about over-wide rules: the internet, every namespace, every port.

NP006 internet-ingress, NP007 internet-egress, NP008 all-namespaces, NP009 all-ports.

They judge what the policy text opens, so they apply to stand-ins too (open world): a rule that
admits 0.0.0.0/0 is reported on a policies-only input, naming the stand-in for the pods it
exposes. Where the input holds some of the pods concerned, the findings name those.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from netpol.core.ipspace import IPFamily
from netpol.core.ports import PortSet, Protocol
from netpol.core.public import public_addresses
from netpol.core.text import listing, plural
from netpol.engine.nodeset import NodeSet
from netpol.engine.views import RuleView
from netpol.findings.catalog import RuleId
from netpol.findings.records import Finding, policy_ref
from netpol.lint.context import Context, port_list
from netpol.lint.registry import rule
from netpol.model.resources import Direction

__all__ = ["all_namespaces", "all_ports", "internet"]


# Special-purpose ranges (IANA IPv4/IPv6 Special-Purpose Address Registries, RFC 6890): what is
# left is the public internet.
def _as_prefix(count: int, bits: int) -> str:
    """The prefix length of a network about as large as ``count`` addresses: ``/1``."""
    return f"/{bits - (count.bit_length() - 1)}"


def _selecting(ctx: Context) -> Iterator[RuleView]:
    """The rules of policies that select something (the others: NP010)."""
    return (cr for cr in ctx.graph.rules() if cr.targets)


@rule(RuleId.INTERNET_INGRESS, RuleId.INTERNET_EGRESS)
def internet(ctx: Context) -> Iterator[Finding]:
    for cr in _selecting(ctx):
        yield from _internet(ctx, cr)


@rule(RuleId.ALL_NAMESPACES)
def all_namespaces(ctx: Context) -> Iterator[Finding]:
    for cr in _selecting(ctx):
        yield from _all_namespaces(ctx, cr)


@rule(RuleId.ALL_PORTS)
def all_ports(ctx: Context) -> Iterator[Finding]:
    for cr in _selecting(ctx):
        yield from _all_ports(ctx, cr)


def _internet(ctx: Context, cr: RuleView) -> Iterator[Finding]:
    rule = cr.rule
    blocks = [p.ip_block for p in rule.peers if p.ip_block is not None]
    counts = public_addresses(None if not rule.peers else blocks)
    limits = {
        4: 1 << (IPFamily.V4.bits - ctx.config.internet_prefix_v4),
        6: 1 << (IPFamily.V6.bits - ctx.config.internet_prefix_v6),
    }
    wide = [fam for fam in (4, 6) if counts[fam] > limits[fam]]
    if not wide:
        return
    ingress = cr.direction is Direction.INGRESS
    rule_id = RuleId.INTERNET_INGRESS if ingress else RuleId.INTERNET_EGRESS
    if not ctx.wants(rule_id):
        return
    word = "from" if ingress else "to"
    path: tuple[str | int, ...] = cr.ref.path
    if not rule.peers:
        what = f"every {'source' if ingress else 'destination'}, the whole internet included (no '{word}')"
    else:
        shown = [b for b in blocks if any(public_addresses([b])[f] > 0 for f in wide)]
        sizes = ", ".join(
            f"public IPv{f} as wide as a {_as_prefix(counts[f], IPFamily(f).bits)}" for f in wide
        )
        what = f"ipBlock {'; '.join(str(b) for b in shown)} ({sizes})"
        first = next(j for j, p in enumerate(rule.peers) if p.ip_block in shown)
        path = (*path, word, first, "ipBlock", "cidr")
    where = ctx.locate(cr.policy.origin, *path)
    head = cr.ref
    targets = ctx.concerned(cr.targets)
    if ingress:
        exposed, exposing = [], []
        for t in targets:
            ports = cr.ports_toward(t)
            if ports:
                exposed.append(f"{ctx.graph.ids[t]} ({ports})")
                exposing.append(t)
        if not exposed:
            return  # its named ports match nothing on the targets: NP012
        yield ctx.finding(
            rule_id,
            f"{head} admits {what}: exposes {listing(exposed)}{ctx.stand_in_note(exposing)}",
            where,
            "admit only the sources that need access (a load balancer's or partner's CIDR, the "
            "ingress controller's namespace), or add an exception with the reason",
            subjects=ctx.ids(targets),
            obj=policy_ref(cr.policy),
        )
    else:
        ports = cr.ports_for(None)
        if not ports:
            return
        yield ctx.finding(
            rule_id,
            f"{head} lets {listing(ctx.ids(targets))} reach {what} on {ports}{ctx.stand_in_note(targets)}",
            where,
            "list the destinations they call (CIDRs of the APIs), or route them through an egress proxy",
            subjects=ctx.ids(targets),
            obj=policy_ref(cr.policy),
        )


def _outside(ctx: Context, nodes: NodeSet, namespace: str) -> NodeSet:
    """Endpoints of ``nodes`` in other namespaces than ``namespace``: the input's, or when it holds
    none there, the stand-ins."""
    return ctx.concerned(nodes & ctx.graph.endpoints - ctx.endpoints_in(namespace))


def _all_namespaces(ctx: Context, cr: RuleView) -> Iterator[Finding]:
    pol, rule = cr.policy, cr.rule
    word = "from" if cr.direction is Direction.INGRESS else "to"
    everyone = ctx.graph.selectable
    for j, peer in enumerate(rule.peers):
        nss = peer.namespace_selector
        if (
            nss is None
            or not nss.is_empty
            or (peer.pod_selector is not None and not peer.pod_selector.is_empty)
        ):
            continue
        others = _outside(ctx, everyone, pol.namespace)
        if not others:
            continue  # no other namespace has workloads, nor stand-ins: nothing is widened (yet)
        if others.isdisjoint(ctx.stand_ins):
            namespaces = sorted({ctx.endpoint(i).namespace for i in others})
            widened = f" ({plural(len(others), 'workload')} in {listing(namespaces)} besides {pol.namespace})"
        else:  # open world: only stand-ins live in other namespaces
            widened = f", those the input does not hold included: {ctx.described(others)}"
        yield ctx.finding(
            RuleId.ALL_NAMESPACES,
            f"{cr.ref}: namespaceSelector: {{}} admits every pod of every namespace{widened}",
            ctx.locate(pol.origin, *cr.ref.path, word, j, "namespaceSelector"),
            "select the namespaces that need access: namespaceSelector: {matchLabels: "
            "{kubernetes.io/metadata.name: <namespace>}}, and narrow with a podSelector",
            subjects=ctx.ids(ctx.concerned(cr.targets)),
            obj=policy_ref(pol),
        )


def _all_ports(ctx: Context, cr: RuleView) -> Iterator[Finding]:
    pol, rule = cr.policy, cr.rule
    if rule.ports or not rule.peers:
        return  # ports are listed; or no peers at all (every source: NP006/NP007)
    ingress = cr.direction is Direction.INGRESS
    externals = cr.peers & ctx.graph.externals
    others = _outside(ctx, cr.peers, pol.namespace)
    if not others and not externals:
        return  # only its own namespace: what a namespace needs inside is its own business
    who = ctx.described(others) if others else ""
    if externals:
        who = f"{who} and external addresses" if who else "external addresses"
    destinations = cr.targets if ingress else cr.peers & ctx.graph.endpoints
    spans: dict[Protocol, list[tuple[int, int]]] = defaultdict(list)
    for d in destinations:
        for cp in ctx.endpoint(d).ports:
            spans[cp.protocol].append((cp.port, cp.port))
    declared = PortSet.from_mapping(spans)
    hint = (
        f"add ports: {port_list(declared)} (what the {'selected pods' if ingress else 'peers'} declare)"
        if declared
        else "list the ports the peers use"
    )
    word = "from" if ingress else "to"
    yield ctx.finding(
        RuleId.ALL_PORTS,
        f"{cr.ref} has no ports: every port is open {word} {who}",
        ctx.locate(pol.origin, *cr.ref.path),
        hint,
        subjects=ctx.ids(ctx.concerned(cr.targets)),
        obj=policy_ref(pol),
    )
