"""Read-only views of the compiled rules, policies and blocks, as the other stages read them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from netpol.core.ports import PortSet
from netpol.core.refs import RuleRef
from netpol.engine.blocks import rule_ports
from netpol.engine.form import Node, decided_by
from netpol.engine.nodeset import NodeSet
from netpol.engine.tiers import tier_rule_ports
from netpol.model.resources import Direction, NetworkPolicy, Rule
from netpol.model.tiers import TierAction, TierPolicy, TierRule

__all__ = ["Block", "PolicyView", "RuleView", "TierPolicyView", "TierRuleView"]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RuleView:
    """One ingress or egress rule of a policy, resolved: whom it applies to, whom it admits.

    Views compare (and hash) by identity: a graph makes one view per rule.
    """

    id: int
    """The rule's position in ``AllowGraph.rules()`` (policies in order, ingress then egress)."""
    policy: NetworkPolicy
    direction: Direction
    rule: Rule
    targets: NodeSet
    """Endpoints the policy selects: the rule applies to their traffic."""
    peers: NodeSet
    """Endpoints and external ranges the rule admits as the other end."""
    static_ports: PortSet | None
    """The ports when they do not depend on the destination (no named port); else None."""
    ref: RuleRef
    _nodes: tuple[Node, ...]

    @property
    def named(self) -> bool:
        """Whether the ports depend on the destination (a named port)."""
        return self.static_ports is None

    def ports_toward(self, dst: int) -> PortSet:
        """The ports the rule allows toward node ``dst``, named ports resolved on it."""
        return self.ports_for(self._nodes[dst])

    def ports_for(self, dst: Node | None) -> PortSet:
        """The ports the rule allows toward ``dst``, a node of no graph (a pod the input does not
        show); None: an address outside the cluster, where a named port matches nothing."""
        return self.static_ports if self.static_ports is not None else rule_ports(self.rule, dst)

    def __str__(self) -> str:
        return str(self.ref)

    def __repr__(self) -> str:
        return f"RuleView({self.ref})"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PolicyView:
    """A policy, the endpoints its podSelector selects, and its rules of the directions it
    isolates (a direction missing from policyTypes has no rules here: Kubernetes ignores them)."""

    policy: NetworkPolicy
    targets: NodeSet
    rules: tuple[RuleView, ...]

    def isolates(self, direction: Direction) -> bool:
        return direction in self.policy.policy_types

    def __repr__(self) -> str:
        return f"PolicyView({self.policy.id}, {self.targets!r})"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TierRuleView:
    """One rule of a cluster-wide tier policy, resolved; views compare by identity."""

    id: int
    """The rule's position in ``AllowGraph.tier_rules()`` (evaluation order)."""
    policy: TierPolicy
    direction: Direction
    rule: TierRule
    targets: NodeSet
    """Endpoints the policy's subject selects: the rule applies to their traffic."""
    peers: NodeSet
    """Endpoints and external ranges the rule's peers match as the other end."""
    action: TierAction
    """What a match does (DENY for a Deny or Pass rule that fails closed)."""
    static_ports: PortSet | None
    fail_closed: bool
    ref: RuleRef
    _nodes: tuple[Node, ...]

    @property
    def named(self) -> bool:
        return self.static_ports is None

    @property
    def word(self) -> str:
        """The action as it takes effect, in the policy's words: ``Accept`` in a CNP, and Deny for
        a Deny or Pass rule that fails closed."""
        return "Deny" if self.fail_closed and self.rule.action is not TierAction.ALLOW else self.rule.word

    def ports_toward(self, dst: int) -> PortSet:
        """The ports the rule matches toward node ``dst``, named ports resolved on it."""
        return self.ports_for(self._nodes[dst])

    def ports_for(self, dst: Node | None) -> PortSet:
        return self.static_ports if self.static_ports is not None else tier_rule_ports(self.rule, dst)

    def describe(self) -> str:
        """``Admin tier: anp/deny-dev (priority 10) ingress rule #2 "name" Pass``."""
        name = f" {self.rule.name!r}" if self.rule.name else ""
        closed = " (fails closed: a peer netpol does not know)" if self.fail_closed else ""
        where = f"{self.direction.value.lower()} rule #{self.rule.index + 1}{name}"
        return f"{self.policy.describe()} {where} {self.rule.word}{closed}"

    def __str__(self) -> str:
        return str(self.ref)

    def __repr__(self) -> str:
        return f"TierRuleView({self.ref})"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TierPolicyView:
    """A tier policy, the endpoints its subject selects, and its rules (evaluation order)."""

    policy: TierPolicy
    targets: NodeSet
    rules: tuple[TierRuleView, ...]

    def __repr__(self) -> str:
        return f"TierPolicyView({self.policy.id}, {self.targets!r})"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Block:
    """Sources allowed into one destination on ``ports``, and the rules that allow them."""

    sources: NodeSet
    ports: PortSet
    _ingress: tuple[int, ...]
    _egress: tuple[int, ...]
    _rules: Callable[[], tuple[RuleView, ...]]
    """The graph's rules, asked for only when a block's provenance is read."""
    _ingress_tiers: tuple[int, ...] = ()
    _egress_tiers: tuple[int, ...] = ()
    _tier_rules: Callable[[], tuple[TierRuleView, ...]] = tuple
    _ingress_decided: tuple[str, ...] = ()
    _egress_decided: tuple[str, ...] = ()

    @property
    def ingress(self) -> tuple[RuleView, ...]:
        """The destination's ingress rules admitting these sources; () when it is not isolated."""
        rules = self._rules()
        return tuple(rules[r] for r in self._ingress)

    @property
    def egress(self) -> tuple[RuleView, ...]:
        """The sources' egress rules admitting the destination; () when they are not isolated."""
        rules = self._rules()
        return tuple(rules[r] for r in self._egress)

    @property
    def ingress_tiers(self) -> tuple[TierRuleView, ...]:
        """The tier rules that allow (or pass on to an allow) these sources' ingress."""
        rules = self._tier_rules()
        return tuple(rules[r] for r in self._ingress_tiers)

    @property
    def egress_tiers(self) -> tuple[TierRuleView, ...]:
        """The tier rules that allow (or pass on to an allow) these sources' egress."""
        rules = self._tier_rules()
        return tuple(rules[r] for r in self._egress_tiers)

    def decided(self, direction: Direction) -> tuple[str, ...]:
        """Which tiers allowed this block's traffic in ``direction``, in evaluation order:
        ``Admin``, ``NetworkPolicy``, ``Baseline``, ``default`` (several when they split the
        ports)."""
        if direction is Direction.INGRESS:
            return decided_by(self._ingress_decided, self._ingress)
        return decided_by(self._egress_decided, self._egress)

    def __repr__(self) -> str:
        return f"Block({self.sources!r}, {self.ports})"
