"""Diff stage: the records of a semantic diff (connection changes, policy edits) and how a
reviewer reads them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netpol.core.ports import PortSet

__all__ = [
    "ChangeKind",
    "GraphDiff",
    "PairChange",
    "PolicyChange",
    "PolicyChangeKind",
    "Scope",
    "TierStep",
    "policies_named",
]


class ChangeKind(StrEnum):
    ADDED = "added"
    """Nothing was allowed before; something is now."""
    REMOVED = "removed"
    """Something was allowed before; nothing is now."""
    CHANGED = "changed"
    """Allowed on both sides, on different ports."""


class Scope(StrEnum):
    """What a connection crosses: the cluster's edge, a namespace boundary, or neither."""

    EXTERNAL = "external"
    CROSS_NAMESPACE = "cross-namespace"
    NAMESPACE = "namespace"


class PolicyChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    RENAMED = "renamed"
    """Removed under one name and added under another with the same meaning."""


@dataclass(frozen=True, slots=True)
class TierStep:
    """A cluster-wide tier rule that matched a changed pair's ports on one side of the diff."""

    side: str
    """``before`` (the old side) or ``after`` (the new side)."""
    direction: str
    """``Ingress`` or ``Egress``."""
    tier: str
    """``Admin`` or ``Baseline``."""
    policy: str
    """``anp/NAME``, ``banp/default`` or ``cnp/NAME``."""
    priority: int | None
    rule: int
    """0-based index of the rule in spec.ingress / spec.egress."""
    name: str | None
    action: str
    """As written (Allow, Accept, Deny, Pass); Deny for a Deny or Pass rule that fails closed."""
    ports: PortSet
    """The changed ports the rule matched."""
    fails_closed: bool
    text: str
    """How the rule reads: ``Admin tier: anp/x (priority 10) ingress rule #2 "name" Deny``."""

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "direction": self.direction,
            "tier": self.tier,
            "policy": self.policy,
            "priority": self.priority,
            "rule": self.rule,
            "name": self.name,
            "action": self.action,
            "ports": self.ports.to_json(),
            "fails_closed": self.fails_closed,
        }


@dataclass(frozen=True, slots=True)
class PairChange:
    """What ``src`` may open toward ``dst`` before and after, and why it changed."""

    src: str
    dst: str
    kind: ChangeKind
    before: PortSet
    after: PortSet
    gained: PortSet
    lost: PortSet
    scope: Scope
    cause: tuple[str, ...]
    """The changes between the sides behind this one: policies added, removed or modified that
    select an end, endpoints that appeared, disappeared or changed, namespaces relabelled."""
    allowed_after: tuple[str, ...]
    """The rules (or the missing isolation) that allow the gained ports on the new side."""
    allowed_before: tuple[str, ...]
    """The rules (or the missing isolation) that allowed the lost ports on the old side."""
    denied_after: tuple[str, ...] = ()
    """Where a tier rule took part: the tier rules (or the isolation) that deny the lost ports
    on the new side."""
    denied_before: tuple[str, ...] = ()
    """Where a tier rule took part: what denied the gained ports on the old side."""
    tiers: tuple[TierStep, ...] = ()
    """The tier rules that matched the changed ports, on either side; () when none did."""

    @property
    def new_exposure(self) -> bool:
        """Ports gained from or to outside the cluster, or across namespaces."""
        return bool(self.gained) and self.scope is not Scope.NAMESPACE

    def describe_ports(self) -> str:
        """``TCP 443`` when added or removed; ``TCP 80 => TCP 80,443 (gained TCP 443)`` else."""
        if self.kind is ChangeKind.ADDED:
            return str(self.after)
        if self.kind is ChangeKind.REMOVED:
            return str(self.before)
        delta = [f"{word} {ports}" for word, ports in (("gained", self.gained), ("lost", self.lost)) if ports]
        return f"{self.before} => {self.after} ({', '.join(delta)})"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "src": self.src,
            "dst": self.dst,
            "scope": self.scope.value,
            "new_exposure": self.new_exposure,
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "gained": self.gained.to_json(),
            "lost": self.lost.to_json(),
            "cause": list(self.cause),
            "allowed_after": list(self.allowed_after),
            "allowed_before": list(self.allowed_before),
            **self._tier_json(),
        }

    def _tier_json(self) -> dict[str, Any]:
        """The tier keys, only where a tier rule matched the changed ports."""
        if not self.tiers:
            return {}
        return {
            "denied_after": list(self.denied_after),
            "denied_before": list(self.denied_before),
            "tier_rules": [s.to_json() for s in self.tiers],
        }


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """A policy that differs between the sides (by meaning, not by text)."""

    policy: str
    """``ns/name``: the new name for a rename."""
    kind: PolicyChangeKind
    renamed_from: str | None
    connections: int
    """How many connection changes name this policy as a cause (0: no effect on connectivity)."""
    tier: str | None = None
    """For a tier policy (``anp/``, ``banp/``, ``cnp/``): its tier, ``Admin`` or ``Baseline``
    (the new side's; the old side's when removed). None for a NetworkPolicy."""
    priority: int | None = None
    """For a tier policy: its priority on the same side (None for the BANP)."""
    before: tuple[str, int | None] | None = None
    """For a modified tier policy: (tier, priority) on the old side."""
    edits: tuple[str, ...] = ()
    """For a modified tier policy: what changed, ``priority 20 → 5``, ``ingress rule #2 Pass →
    Deny``."""

    def describe(self) -> str:
        if self.kind is PolicyChangeKind.RENAMED:
            return f"{self.renamed_from} renamed to {self.policy}"
        if self.tier is None:
            return f"{self.policy} {self.kind.value}"
        if self.kind is PolicyChangeKind.MODIFIED:
            return f"{self.policy} modified: {'; '.join(self.edits)}"
        prio = "" if self.priority is None else f", priority {self.priority}"
        return f"{self.policy} {self.kind.value}: {self.tier} tier{prio}"

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "policy": self.policy,
            "change": self.kind.value,
            "renamed_from": self.renamed_from,
            "connections": self.connections,
        }
        if self.tier is not None:  # a tier policy: keys absent for NetworkPolicies
            doc["tier"] = self.tier
            doc["priority"] = self.priority
            doc["before"] = (
                None if self.before is None else {"tier": self.before[0], "priority": self.before[1]}
            )
            doc["edits"] = list(self.edits)
        return doc


@dataclass(frozen=True, slots=True)
class GraphDiff:
    """The semantic difference between two allow-graphs.

    ``changes`` are sorted with new exposure first (from or to outside the cluster, then across
    namespaces), then by kind (added, changed, removed), source and destination.
    """

    changes: tuple[PairChange, ...]
    appeared: tuple[str, ...]
    """Endpoints only the new side has."""
    disappeared: tuple[str, ...]
    """Endpoints only the old side has."""
    policies: tuple[PolicyChange, ...]
    """Policy edits, with or without an effect on connectivity."""
    unmodelled: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """By side (``old``, ``new``), the policies netpol does not model: the changes ignore them."""
    tiered: bool = False
    """Whether either side holds a cluster-wide tier policy (ANP, BANP, CNP)."""

    @property
    def empty(self) -> bool:
        """No connection and no endpoint differs (policy edits without effect do not count)."""
        return not (self.changes or self.appeared or self.disappeared)

    def of_kind(self, kind: ChangeKind) -> tuple[PairChange, ...]:
        return tuple(c for c in self.changes if c.kind is kind)

    @property
    def added(self) -> tuple[PairChange, ...]:
        return self.of_kind(ChangeKind.ADDED)

    @property
    def removed(self) -> tuple[PairChange, ...]:
        return self.of_kind(ChangeKind.REMOVED)

    @property
    def changed(self) -> tuple[PairChange, ...]:
        return self.of_kind(ChangeKind.CHANGED)

    @property
    def new_exposure(self) -> tuple[PairChange, ...]:
        return tuple(c for c in self.changes if c.new_exposure)

    def groups(self) -> list[tuple[str, tuple[PairChange, ...]]]:
        """The changes in the order a reviewer reads them: new exposure (from or to outside the
        cluster, or across namespaces), then the other additions, changes and removals."""
        rest = [c for c in self.changes if not c.new_exposure]
        out = [("new exposure", self.new_exposure)]
        out += [
            (kind.value, tuple(c for c in rest if c.kind is kind))
            for kind in (ChangeKind.ADDED, ChangeKind.CHANGED, ChangeKind.REMOVED)
        ]
        return [(title, changes) for title, changes in out if changes]

    def touching(self, namespace: str) -> GraphDiff:
        """Only the changes with an end in ``namespace``, and that namespace's endpoints and
        policies (plus the policies the kept changes name)."""
        prefix = namespace + "/"
        changes = tuple(c for c in self.changes if c.src.startswith(prefix) or c.dst.startswith(prefix))
        named = {p for c in changes for p in policies_named(c)}
        return GraphDiff(
            changes,
            tuple(e for e in self.appeared if e.startswith(prefix)),
            tuple(e for e in self.disappeared if e.startswith(prefix)),
            tuple(
                p
                for p in self.policies
                if (p.tier is None and p.policy.startswith(prefix)) or p.policy in named
            ),
            tiered=self.tiered,
        )

    def summary(self) -> dict[str, int]:
        """Counts by kind, for headlines and machine formats."""
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "appeared": len(self.appeared),
            "disappeared": len(self.disappeared),
            "new_exposure_external": sum(c.scope is Scope.EXTERNAL for c in self.new_exposure),
            "new_exposure_cross_namespace": sum(c.scope is Scope.CROSS_NAMESPACE for c in self.new_exposure),
        }


def policies_named(change: PairChange) -> Iterator[str]:
    for cause in change.cause:
        kind, _, rest = cause.partition(" ")
        if kind == "policy":
            yield rest.rsplit(" ", 1)[0]
