"""The records of the cluster-wide policies section: AdminNetworkPolicy, BaselineAdminNetworkPolicy
and ClusterNetworkPolicy, in evaluation order, and what each of their rules decides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from netpol.core.ports import PortSet
from netpol.errors import Location
from netpol.model.resources import Direction
from netpol.report.bounds import Listing

__all__ = ["Override", "OverrideKind", "TierExample", "TierPolicyEntry", "TierRuleEntry", "TierSection"]


@dataclass(frozen=True, slots=True)
class TierExample:
    """One connection a rule decides: ``src`` to ``dst`` on ``ports``."""

    src: str
    dst: str
    ports: PortSet


@dataclass(frozen=True, slots=True)
class TierRuleEntry:
    """One ingress or egress rule of a tier policy, and what it decides in the cluster given."""

    ref: str
    """``anp/tenant-a ingress rule #2``."""
    direction: Direction
    number: int
    """1-based position in spec.ingress or spec.egress (rules apply in written order)."""
    name: str | None
    action: str
    """As written: ``Allow``, ``Accept``, ``Deny`` or ``Pass``."""
    effect: str
    """What a match does: ``Allow``, ``Deny`` or ``Pass`` (``Deny`` for a Pass or Deny rule that
    fails closed)."""
    peers: str
    ports: str
    decided: int
    """Connections (source, destination pairs; the outside once per endpoint) for which this rule
    is the first match of its tier on some port: what it allows, denies or passes."""
    fail_closed: bool = False
    domain_names: tuple[str, ...] = ()
    """``domainNames`` peers: netpol resolves no name, so the connections they match are not
    counted (the verdict toward such a name depends on DNS)."""
    networkpolicy_first: int = 0
    """Baseline rules: the workloads of the subject that a NetworkPolicy isolates for the rule's
    direction; the NetworkPolicy decides for them and the rule never applies."""
    example: TierExample | None = None


@dataclass(frozen=True, slots=True)
class TierPolicyEntry:
    """One tier policy, in evaluation order."""

    id: str
    kind: str
    tier: str
    """``Admin`` or ``Baseline``."""
    priority: int | None
    """None: the BaselineAdminNetworkPolicy, which has no priority."""
    subject: str
    """What ``spec.subject`` selects, in words."""
    selected: int
    """Workloads of the input the subject selects (host-network pods never are)."""
    stand_ins: int
    location: Location | None
    rules: tuple[TierRuleEntry, ...]
    """Ingress rules then egress rules, each as written."""


class OverrideKind(StrEnum):
    """How an Admin tier rule overrides the namespace owners' NetworkPolicies."""

    ADMITS = "admits"
    """An Admin Allow admits what the NetworkPolicies isolating the endpoint do not."""
    DROPS = "drops"
    """An Admin Deny drops what a NetworkPolicy allows."""


@dataclass(frozen=True, slots=True)
class Override:
    """An Admin tier rule that decides against the NetworkPolicies of the endpoints it applies to."""

    rule: str
    """``anp/allow-monitoring ingress rule #1``."""
    action: str
    kind: OverrideKind
    policies: Listing[str]
    """The NetworkPolicies overridden: those isolating the endpoint (ADMITS), those whose rules
    allow what the rule drops (DROPS); the most overridden first (the first few)."""
    connections: int
    """Connections (pairs; the outside once per endpoint) where the rule overrides them."""
    examples: tuple[TierExample, ...]
    """The first few, with the ports overridden."""


@dataclass(frozen=True, slots=True)
class TierSection:
    """The cluster-wide policies: each in evaluation order, and the NetworkPolicies they override."""

    policies: Listing[TierPolicyEntry]
    overrides: Listing[Override]
    admin: int
    """Policies in the Admin tier (AdminNetworkPolicy and ClusterNetworkPolicy tier Admin)."""
    baseline: int
    admitted: int
    """Connections Admin Allow rules admit over the NetworkPolicies (counted per rule)."""
    dropped: int
    """Connections Admin Deny rules drop that a NetworkPolicy allows (counted per rule)."""
    restricted_ingress: int
    """Workloads no NetworkPolicy isolates for ingress whose ingress a tier rule denies in part."""
    restricted_egress: int
    """Workloads no NetworkPolicy isolates for egress whose egress a tier rule denies in part."""
    ambiguous: tuple[tuple[str, ...], ...] = ()
    """Policies of one tier with the same priority whose subjects overlap: the implementation "can
    apply any of the matching policies"; netpol orders them by kind and name."""
