"""Compile stage: a Cluster -> the compiled form, with every selector and port resolved once.

Endpoints (workloads, pods, then external address ranges) get indexes; every set of endpoints is a
bitset. Selectors are evaluated against label indexes (:mod:`netpol.engine.index`), never pod by
pod. For each destination the sources are partitioned into disjoint blocks, each with the ports
allowed and the rules that allow them (:mod:`netpol.engine.blocks`). Destinations that no rule,
named port or node tells apart share one compiled block list.
"""

from __future__ import annotations

from netpol.core.bits import from_indexes
from netpol.core.ipspace import AddressSpace, cut_address_space
from netpol.core.ports import PortSet
from netpol.engine.blocks import DestinationBlocks, RulePorts, node_traffic, rule_ports
from netpol.engine.form import (
    Compiled,
    CompiledRule,
    CompiledTierRule,
    Node,
    SelectedPolicy,
    SelectedTierPolicy,
)
from netpol.engine.index import LabelIndex, PeerResolver
from netpol.engine.tiers import TierResolver, evaluation_order, tier_rule_ports
from netpol.model import Options
from netpol.model.cluster import Cluster
from netpol.model.resources import Direction
from netpol.model.tiers import PeerKind, TierAction
from netpol.model.tiers_parse import tier_blocks

__all__ = ["compile_cluster"]


def compile_cluster(cluster: Cluster, options: Options = Options()) -> Compiled:
    """Index the endpoints, resolve every rule, then build the blocks into each destination."""
    endpoints = cluster.endpoints
    n = len(endpoints)
    space = cut_address_space(
        {
            p.ip_block
            for pol in cluster.policies
            for r in (*pol.ingress, *pol.egress)
            for p in r.peers
            if p.ip_block is not None
        }
        | set(tier_blocks(cluster.tier_policies, cluster.nodes))
    )
    nodes: tuple[Node, ...] = (*endpoints, *space.ranges)

    host_net = [i for i, e in enumerate(endpoints) if e.host_network]
    outside = [] if options.host_network_as_pods else host_net
    outside_selectors = from_indexes(outside)
    index = LabelIndex(cluster, [i for i in range(n) if not (outside_selectors >> i) & 1])
    resolver = PeerResolver(index, space, endpoints, options.ipblock_matches_pods)

    rules: list[CompiledRule] = []
    selected: list[SelectedPolicy] = []
    isolated = {Direction.INGRESS: 0, Direction.EGRESS: 0}
    for pol in cluster.policies:
        # spec.podSelector selects pods of the policy's own namespace only.
        targets = index.namespace(pol.namespace) & index.pods(pol.pod_selector)
        selected.append(SelectedPolicy(pol, targets))
        for direction in (Direction.INGRESS, Direction.EGRESS):
            if direction not in pol.policy_types:
                continue  # rules of a direction the policy does not isolate are ignored
            isolated[direction] |= targets
            for rule in pol.rules(direction):
                named = any(isinstance(pp.port, str) for pp in rule.ports)
                rules.append(
                    CompiledRule(
                        len(rules),
                        pol,
                        direction,
                        rule,
                        targets,
                        resolver.rule(rule, pol.namespace),
                        None if named else rule_ports(rule, None),
                    )
                )

    tier_rules, tier_policies = _tier_rules(cluster, options, index, space)
    into = DestinationBlocks(
        nodes,
        n,
        rules,
        isolated[Direction.INGRESS],
        isolated[Direction.EGRESS],
        node_traffic(endpoints, outside),
        RulePorts(),
        tier_rules,
    )
    blocks = tuple(into.into(d) for d in range(len(nodes)))
    return Compiled(
        nodes,
        n,
        tuple(rules),
        tuple(selected),
        isolated[Direction.INGRESS],
        isolated[Direction.EGRESS],
        blocks,
        outside_selectors,
        into.classes,
        tier_rules,
        tier_policies,
    )


def _tier_rules(
    cluster: Cluster, options: Options, index: LabelIndex, space: AddressSpace
) -> tuple[tuple[CompiledTierRule, ...], tuple[SelectedTierPolicy, ...]]:
    """The tier policies' rules, resolved, and the policies with what their subjects select
    (a policy without rules too), both in evaluation order."""
    if not cluster.tier_policies:
        return (), ()
    endpoints = cluster.endpoints
    if options.host_network_as_pods:
        # "host-networked pods are not included in subject selection", whatever NetworkPolicy does.
        index = LabelIndex(cluster, [i for i, e in enumerate(endpoints) if not e.host_network])
    resolver = TierResolver(index, space, endpoints, cluster.nodes)
    out: list[CompiledTierRule] = []
    selected: list[SelectedTierPolicy] = []
    for pol in evaluation_order(cluster.tier_policies):
        targets = resolver.subject(pol)
        selected.append(SelectedTierPolicy(pol, targets))
        for direction in (Direction.INGRESS, Direction.EGRESS):
            for rule in pol.rules(direction):
                if any(p.kind is PeerKind.UNKNOWN for p in rule.peers):
                    # "For "Allow" rules, "fail closed" means: "treat the rule as matching no
                    # traffic". For "Deny" and "Pass" rules, "fail closed" means: "treat the
                    # rule as a 'Deny all' rule"."
                    allow = rule.action is TierAction.ALLOW
                    peers = 0 if allow else resolver.every
                    action = TierAction.ALLOW if allow else TierAction.DENY
                    ports: PortSet | None = PortSet.all()
                    fail = True
                else:
                    peers, action, fail = resolver.rule(rule), rule.action, False
                    ports = None if rule.named else tier_rule_ports(rule, None)
                out.append(
                    CompiledTierRule(len(out), pol, direction, rule, targets, peers, action, ports, fail)
                )
    return tuple(out), tuple(selected)
