"""Query stage: why a connection is allowed or denied, per direction, from the compiled rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netpol.core.ports import PortSet, Protocol
from netpol.core.refs import RuleRef
from netpol.engine.asked import asked_ports
from netpol.engine.graph import AllowGraph
from netpol.model.cluster import Endpoint
from netpol.model.resources import Direction

__all__ = ["Explanation", "RuleMatch", "Side", "TierStep", "explain"]


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule that admits the other end, and the ports it allows there."""

    policy: str
    direction: Direction
    index: int
    """0-based index of the rule in spec.ingress / spec.egress."""
    peers: str
    ports: PortSet

    @property
    def ref(self) -> RuleRef:
        return RuleRef(self.policy, self.direction, self.index)

    def describe(self) -> str:
        word = "from" if self.direction is Direction.INGRESS else "to"
        return f"{self.ref} ({word} {self.peers}; {self.ports})"

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "direction": self.direction.value,
            "rule": self.index,
            "peers": self.peers,
            "ports": self.ports.to_json(),
        }


@dataclass(frozen=True, slots=True)
class TierStep:
    """A tier rule that matched on the way to a verdict, and the ports it decided."""

    tier: str
    """``Admin`` or ``Baseline``."""
    policy: str
    """The policy's id: ``anp/deny-dev``, ``banp/default``, ``cnp/tenants``."""
    priority: int | None
    direction: Direction
    index: int
    """0-based index of the rule in spec.ingress / spec.egress."""
    name: str | None
    action: str
    """As written: Allow, Accept, Deny or Pass (Deny for a rule that fails closed)."""
    ports: PortSet
    fail_closed: bool = False

    @property
    def ref(self) -> RuleRef:
        return RuleRef(self.policy, self.direction, self.index)

    def describe(self) -> str:
        """``Admin tier: anp/deny-dev (priority 10) ingress rule #2 Pass (TCP all)``."""
        prio = "" if self.priority is None else f" (priority {self.priority})"
        name = f" {self.name!r}" if self.name else ""
        closed = ", failing closed" if self.fail_closed else ""
        rule = f"{self.ref.key} rule #{self.index + 1}{name}"
        return f"{self.tier} tier: {self.policy}{prio} {rule} {self.action} ({self.ports}{closed})"

    def to_json(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "policy": self.policy,
            "priority": self.priority,
            "direction": self.direction.value,
            "rule": self.index,
            "name": self.name,
            "action": self.action,
            "ports": self.ports.to_json(),
            "fails_closed": self.fail_closed,
        }


@dataclass(frozen=True, slots=True)
class Side:
    """One direction's verdict: the egress of the source, or the ingress of the destination."""

    direction: Direction
    endpoint: str
    """Whose policies decide: the source for egress, the destination for ingress."""
    applies: bool
    """False when no policy can apply: an external range, or a host-network pod."""
    why_not: str | None
    isolating: tuple[str, ...]
    """Policies that select the endpoint for this direction; () = not isolated."""
    matches: tuple[RuleMatch, ...]
    """The rules that admit the other end on the asked ports (on any port when none was asked)."""
    ports: PortSet
    """What this side allows toward/from the other end, on any port."""
    asked: PortSet = field(default_factory=PortSet.all)
    """What was asked; rules admitting the other end only outside it are not in ``matches``."""
    steps: tuple[TierStep, ...] = ()
    """The tier rules that matched, in evaluation order (on the asked ports)."""
    tiered: bool = False
    """Whether some tier policy's subject holds the endpoint for this direction."""
    decided_by: tuple[str, ...] = ()
    """Which tiers allowed what this side allows (``Admin``, ``NetworkPolicy``, ``Baseline``,
    ``default``); () without tiers."""
    reached: bool = True
    """Whether the asked ports reached the NetworkPolicy tier (the Admin tier left them)."""
    dns: tuple[str, ...] = ()
    """Domain names the verdict depends on: an egress Allow rule of theirs could match."""
    defaulted: bool = False
    """Whether some asked port is left to the default (no tier decided it): allowed."""

    @property
    def isolated(self) -> bool:
        return bool(self.isolating)

    def describe(self, other: str) -> str:
        d = self.direction.value.lower()
        if not self.applies:
            return f"{self.endpoint} {self.why_not}: no {d} policy applies"
        if self.tiered:
            return self._describe_chain(other)
        return self._describe_networkpolicy(other)

    def _describe_chain(self, other: str) -> str:
        """``Admin tier: ... Pass → NetworkPolicy: ... → allowed``."""
        parts = [s.describe() for s in self.steps if s.tier == "Admin"]
        if self.reached:
            if self.isolating:
                parts.append("NetworkPolicy: " + self._describe_networkpolicy(other))
            else:
                parts += [s.describe() for s in self.steps if s.tier == "Baseline"]
                if self.defaulted:
                    if parts:
                        parts.append("no other tier decides the rest: allowed by default")
                    else:
                        d = self.direction.value.lower()
                        parts.append(
                            f"{self.endpoint} is not isolated for {d}, and no cluster-wide rule matches "
                            f"{other}: allowed by default"
                        )
                        return parts[0]
        verdict = "allowed" if self.ports & self.asked else "denied"
        if self.dns:
            verdict += f" (depends on DNS: {', '.join(self.dns)})"
        return " → ".join([*parts, verdict])

    def _describe_networkpolicy(self, other: str) -> str:
        d = self.direction.value.lower()
        if not self.isolating:
            return f"{self.endpoint} is not isolated for {d}: everything allowed"
        by = ", ".join(self.isolating)
        if not self.matches:
            if self.ports:  # rules admit the other end, on other ports only
                return (
                    f"{self.endpoint} is isolated for {d} by {by}; no {d} rule of theirs "
                    f"admits {other} on {self.asked} (they allow {self.ports})"
                )
            return f"{self.endpoint} is isolated for {d} by {by}; no {d} rule of theirs admits {other}"
        rules = "; ".join(m.describe() for m in self.matches)
        return f"{self.endpoint} is isolated for {d} by {by}; allowed by {rules}"

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "direction": self.direction.value,
            "endpoint": self.endpoint,
            "applies": self.applies,
            "why_not": self.why_not,
            "isolated": self.isolated,
            "isolating_policies": list(self.isolating),
            "allowed_by": [m.to_json() for m in self.matches],
            "ports": self.ports.to_json(),
        }
        if self.tiered:  # a tier policy applies: the chain (keys absent without tiers)
            doc["tiers"] = [s.to_json() for s in self.steps]
            doc["decided_by"] = list(self.decided_by)
            doc["reached_networkpolicy"] = self.reached
            doc["depends_on_dns"] = list(self.dns)
        return doc


@dataclass(frozen=True, slots=True)
class Explanation:
    src: str
    dst: str
    protocol: Protocol | None
    port: int | str | None
    egress: Side
    ingress: Side
    ports: PortSet
    """Everything allowed from src to dst (both sides), before narrowing to the asked port."""
    asked: PortSet
    """The asked protocol and port, a named port resolved on the destination; all if not asked."""
    note: str | None = None

    @property
    def matching_ports(self) -> PortSet:
        """The allowed ports narrowed to what was asked."""
        return self.ports & self.asked

    @property
    def allowed(self) -> bool:
        return bool(self.matching_ports)

    def to_json(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "protocol": self.protocol.value if self.protocol else None,
            "port": self.port,
            "allowed": self.allowed,
            "ports": self.matching_ports.to_json(),
            "note": self.note,
            "egress": self.egress.to_json(),
            "ingress": self.ingress.to_json(),
        }


def _side(graph: AllowGraph, direction: Direction, owner: int, other: int, dst: int, asked: PortSet) -> Side:
    node = graph.nodes[owner]
    if graph.is_external(owner):
        return Side(direction, node.id, False, "is outside the cluster", (), (), PortSet.all())
    if owner in graph.host_network:
        return Side(direction, node.id, False, "is a host-network pod (node traffic)", (), (), PortSet.all())
    isolating = tuple(p.id for p in graph.isolating(owner, direction))
    if any(owner in tv.targets for tv in graph.tier_rules() if tv.direction is direction):
        return _tiered_side(graph, direction, owner, other, dst, asked, isolating)
    if not isolating:
        return Side(direction, node.id, True, None, (), (), PortSet.all())
    matches, allowed = _matches(graph, direction, owner, other, dst, asked)
    return Side(direction, node.id, True, None, isolating, matches, allowed, asked)


def _matches(
    graph: AllowGraph, direction: Direction, owner: int, other: int, dst: int, asked: PortSet
) -> tuple[tuple[RuleMatch, ...], PortSet]:
    matches: list[RuleMatch] = []
    allowed = PortSet.none()
    for rule in graph.rules_admitting(owner, other, direction):
        ports = rule.ports_toward(dst)
        allowed |= ports
        if ports & asked:  # a rule for other ports only does not explain this verdict
            peers = "all peers" if not rule.rule.peers else " or ".join(str(p) for p in rule.rule.peers)
            matches.append(RuleMatch(rule.policy.id, direction, rule.rule.index, peers, ports))
    return tuple(matches), allowed


def _tiered_side(
    graph: AllowGraph,
    direction: Direction,
    owner: int,
    other: int,
    dst: int,
    asked: PortSet,
    isolating: tuple[str, ...],
) -> Side:
    """A side some tier policy applies to: the chain of tier rules, then NetworkPolicy (when the
    Admin tier leaves the asked ports to it), then the Baseline tier and the default."""
    src = other if direction is Direction.INGRESS else owner
    decision = graph.tier_decision(src, dst, direction)
    views = graph.tier_rules()
    steps = []
    for r, ports in decision.steps:
        tv = views[r]
        if ports & asked:
            pol = tv.policy
            steps.append(
                TierStep(
                    pol.tier.value,
                    pol.id,
                    pol.priority,
                    direction,
                    tv.rule.index,
                    tv.rule.name,
                    tv.word,
                    ports,
                    tv.fail_closed,
                )
            )
    reached = bool(decision.reached_networkpolicy & asked)
    matches: tuple[RuleMatch, ...] = ()
    if isolating and reached:
        matches, _ = _matches(graph, direction, owner, other, dst, asked & decision.reached_networkpolicy)
    dns: tuple[str, ...] = ()
    if direction is Direction.EGRESS and graph.is_external(dst):
        wider = graph.tier_decision(src, dst, direction, dns=True)
        if (wider.allowed - decision.allowed) & asked:
            dns = tuple(
                sorted(
                    {
                        name
                        for tv in views
                        if tv.direction is direction and owner in tv.targets
                        for name in tv.rule.domain_names
                    }
                )
            )
    node = graph.nodes[owner]
    return Side(
        direction,
        node.id,
        True,
        None,
        isolating,
        matches,
        decision.allowed,
        asked,
        tuple(steps),
        True,
        decision.tiers,
        reached,
        dns,
        bool(decision.default & asked),
    )


def explain(
    graph: AllowGraph, src: str, dst: str, *, protocol: Protocol | None = None, port: int | str | None = None
) -> Explanation:
    """Explain src -> dst; ``port`` may be a number or a name (resolved on the destination)."""
    s, d = graph.resolve(src), graph.resolve(dst)
    src_id, dst_id = graph.nodes[s].id, graph.nodes[d].id
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    asked = asked_ports(protocol, port, graph.nodes[d])
    egress = _side(graph, Direction.EGRESS, s, d, d, asked)
    ingress = _side(graph, Direction.INGRESS, d, s, d, asked)
    ports = graph.allowed_between(s, d)
    note = None
    src_node = graph.nodes[s]
    if s == d and isinstance(src_node, Endpoint):
        if src_node.kind == "Pod":
            note = "a pod can always reach itself"
        else:
            note = f"each pod reaches itself; the verdict is for traffic between different pods of {src_id}"
    elif egress.ports & ingress.ports != ports:
        note = "traffic from a pod's own node is always allowed"
    if egress.dns and not (ports & asked):
        names = ", ".join(egress.dns)
        note = f"depends on DNS: {names} (netpol cannot tell whether {dst_id} is one of these names)"
    if isinstance(port, str) and not asked:
        note = f"{dst_id} declares no {(protocol or Protocol.TCP).value} port named {port!r}"
    dst_node = graph.nodes[d]
    if (
        isinstance(dst_node, Endpoint)
        and dst_node.stand_in is not None
        and ports.named
        and isinstance(port, int)
    ):
        names = ", ".join(f"{p.value} {n}" for p, n in ports.named)
        note = (
            f"{dst_id} is a stand-in: the number of its port named {names} is unknown, so it "
            "meets a number only where every port of the protocol is allowed"
        )
    if port is not None and protocol is None:
        protocol = Protocol.TCP
    return Explanation(src_id, dst_id, protocol, port, egress, ingress, ports, asked, note)
