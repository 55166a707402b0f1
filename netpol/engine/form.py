"""The compiled form: what the compile stage produces and only the AllowGraph reads.

Endpoints (workloads, pods, then external address ranges) get indexes; every set of them is a
bitset (a Python int, see :mod:`netpol.core.bits`). Nothing outside ``netpol/engine/`` reads these
records: the other stages ask the AllowGraph (:mod:`netpol.engine.graph`) instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from netpol.core.ipspace import AddressRange
from netpol.core.ports import PortSet
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction, NetworkPolicy, Rule
from netpol.model.tiers import TierAction, TierPolicy, TierRule

__all__ = [
    "AllowBlock",
    "Compiled",
    "CompiledRule",
    "CompiledTierRule",
    "Node",
    "SelectedPolicy",
    "SelectedTierPolicy",
    "decided_by",
    "port_key",
]

Node = Endpoint | AddressRange


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One ingress or egress rule with its sets resolved: whom it applies to, which peers it admits."""

    id: int
    """The rule's position in ``Compiled.rules``."""
    policy: NetworkPolicy
    direction: Direction
    rule: Rule
    targets: int
    """Endpoints the policy selects (the rule applies to their traffic)."""
    peers: int
    """Endpoints and external ranges the rule admits as the other end."""
    static_ports: PortSet | None
    """The ports when they do not depend on the destination (no named port); else None."""


@dataclass(frozen=True, slots=True)
class CompiledTierRule:
    """One rule of a cluster-wide tier policy, resolved. Ids follow the evaluation order: the Admin
    tier's policies by priority, then the Baseline tier's, each policy's rules as written."""

    id: int
    """The rule's position in ``Compiled.tier_rules``."""
    policy: TierPolicy
    direction: Direction
    rule: TierRule
    targets: int
    """Endpoints the policy's subject selects (never a host-network pod)."""
    peers: int
    """Endpoints and external ranges the rule's peers match as the other end."""
    action: TierAction
    """What a match does: the rule's action, or DENY for a Deny or Pass rule that fails closed."""
    static_ports: PortSet | None
    """The ports when they do not depend on the destination (no named port); else None."""
    fail_closed: bool = False
    """A peer of a kind netpol does not know: Allow matches nothing, Deny and Pass deny all."""


@dataclass(frozen=True, slots=True)
class SelectedTierPolicy:
    """A tier policy and the endpoints its subject selects (never a host-network pod)."""

    policy: TierPolicy
    targets: int


@dataclass(frozen=True, slots=True)
class SelectedPolicy:
    """A policy and the endpoints its podSelector selects."""

    policy: NetworkPolicy
    targets: int


@dataclass(frozen=True, slots=True)
class AllowBlock:
    """Sources (a bitset) allowed to one destination on ``ports``, and the rules that allow them."""

    sources: int
    ports: PortSet
    ingress: tuple[int, ...]
    """Ids of the ingress rules that admit these sources; () when the destination is not isolated."""
    egress: tuple[int, ...]
    """Ids of the egress rules that admit the destination; () when the sources are not isolated."""
    ingress_tiers: tuple[int, ...] = ()
    """Ids of the tier rules (``Compiled.tier_rules``) that allow or pass these sources' ingress."""
    egress_tiers: tuple[int, ...] = ()
    """Ids of the tier rules that allow or pass these sources' egress to the destination."""
    ingress_decided: tuple[str, ...] = ()
    """Which tiers allowed the ingress (``Admin``, ``NetworkPolicy``, ``Baseline``,
    ``default``); () when no tier rule applies (NetworkPolicy or default, by ``ingress``)."""
    egress_decided: tuple[str, ...] = ()
    """The same for the egress."""


@dataclass(frozen=True, slots=True)
class Compiled:
    """Nodes, rules, isolation and, per destination, the blocks of sources allowed to it."""

    nodes: tuple[Node, ...]
    endpoint_count: int
    rules: tuple[CompiledRule, ...]
    policies: tuple[SelectedPolicy, ...]
    """Every policy, in the cluster's order, with the endpoints it selects."""
    isolated_ingress: int
    """Endpoints some policy selects for ingress."""
    isolated_egress: int
    """Endpoints some policy selects for egress."""
    blocks: tuple[tuple[AllowBlock, ...], ...]
    """For each destination index, disjoint source blocks with what they may use."""
    host_network: int
    """Endpoints outside pod selectors (hostNetwork pods, unless Options.host_network_as_pods)."""
    classes: int
    """How many distinct destination classes were compiled (the rest shared a class)."""
    tier_rules: tuple[CompiledTierRule, ...] = ()
    """The rules of the cluster-wide tiers, in evaluation order."""
    tier_policies: tuple[SelectedTierPolicy, ...] = ()
    """Every tier policy, in evaluation order, with the endpoints its subject selects."""

    def isolated(self, direction: Direction) -> int:
        return self.isolated_ingress if direction is Direction.INGRESS else self.isolated_egress


def decided_by(tiers: tuple[str, ...], rules: tuple[int, ...]) -> tuple[str, ...]:
    """Which tiers allowed one side of a block: what the tier chain recorded, else NetworkPolicy
    when its rules allowed, else the default."""
    return tiers or (("NetworkPolicy",) if rules else ("default",))


def port_key(node: Node) -> object:
    """What a named port resolves on at ``node``: an endpoint's container ports (a stand-in,
    which declares none, keeps names); None for an address outside the cluster."""
    return (node.ports, node.stand_in is not None) if isinstance(node, Endpoint) else None
