"""What every lint rule reads: the AllowGraph, the configuration, and where objects are."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from netpol.core.ports import PortSet
from netpol.core.selectors import LabelSelector
from netpol.core.text import listing
from netpol.engine.graph import AllowGraph
from netpol.engine.nodeset import NodeSet
from netpol.engine.views import PolicyView, RuleView
from netpol.errors import Location, Severity
from netpol.findings.catalog import RuleId
from netpol.findings.config import LintConfig
from netpol.findings.records import Finding, Related, RuleMeta
from netpol.load.files import Locator
from netpol.model.cluster import Endpoint, Namespace
from netpol.model.resources import Direction, NetworkPolicy, Origin

__all__ = ["Context", "is_default_deny", "port_list"]


class Context:
    """The AllowGraph seen by the rules, plus helpers to build located findings."""

    def __init__(
        self, graph: AllowGraph, config: LintConfig, rules: Sequence[RuleMeta], locator: Locator | None
    ) -> None:
        self.graph = graph
        self.cluster = graph.cluster
        self.config = config
        self.rules = {r.id: r for r in rules}
        self.locator = locator
        self.stand_ins: NodeSet = graph.stand_ins
        """The stand-ins: what policies select and the input does not hold (open world)."""
        self.workloads: tuple[int, ...] = tuple(graph.selectable - self.stand_ins)
        """Indexes of the workloads of the input policies can select (hostNetwork pods are node
        traffic; stand-ins are no workload of the input)."""
        by_ns: dict[str, list[int]] = defaultdict(list)
        for i in self.workloads:
            by_ns[self.endpoint(i).namespace].append(i)
        self.by_namespace: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in by_ns.items()}
        self._by_direction = {d: tuple(r for r in graph.rules() if r.direction is d) for d in Direction}
        in_ns: dict[tuple[Direction, str], list[RuleView]] = defaultdict(list)
        for r in graph.rules():
            in_ns[(r.direction, r.policy.namespace)].append(r)
        self._in_namespace = {k: tuple(v) for k, v in in_ns.items()}
        policies_in: dict[str, list[PolicyView]] = defaultdict(list)
        for view in graph.policies():
            policies_in[view.policy.namespace].append(view)
        self._policies_in = {k: tuple(v) for k, v in policies_in.items()}
        # The first of a name, as Cluster.namespace finds it.
        self._namespaces: dict[str, Namespace] = {ns.name: ns for ns in reversed(self.cluster.namespaces)}
        self._namespaces_matching: dict[LabelSelector, list[str]] = {}
        self.held_namespaces: list[Namespace] = [ns for ns in self.cluster.namespaces if not ns.stand_in]
        """The namespaces of the input (stand-ins left out), in the cluster's order."""
        self.held_namespace_names = frozenset(ns.name for ns in self.held_namespaces)
        every: dict[str, list[int]] = defaultdict(list)
        for i in range(graph.endpoint_count):
            every[self.endpoint(i).namespace].append(i)
        self._endpoints_in = {k: graph.nodeset(v) for k, v in every.items()}
        self._matching_in: dict[tuple[LabelSelector, tuple[str, ...]], bool] = {}
        self._stand_ins_admitted: dict[tuple[object, ...], NodeSet] = {}

    # -- reading the graph -----------------------------------------------------------------------

    def wants(self, *rule_ids: RuleId) -> bool:
        """Whether one of ``rule_ids`` is enabled."""
        return any(r in self.rules for r in rule_ids)

    def endpoint(self, index: int) -> Endpoint:
        node = self.graph.nodes[index]
        assert isinstance(node, Endpoint)
        return node

    def namespace(self, name: str) -> Namespace | None:
        """The namespace called ``name``, by name (``Cluster.namespace`` scans them, and rules
        ask once per stand-in and peer)."""
        return self._namespaces.get(name)

    def policies(self) -> tuple[PolicyView, ...]:
        """Every policy with the workloads it selects and its rules."""
        return self.graph.policies()

    def rules_of(self, direction: Direction) -> tuple[RuleView, ...]:
        """The rules of one direction, in rule order."""
        return self._by_direction[direction]

    def rules_in(self, direction: Direction, namespace: str) -> tuple[RuleView, ...]:
        """The rules of one direction of the policies of ``namespace``, in rule order: the only
        ones that apply to its pods (a NetworkPolicy selects pods of its own namespace)."""
        return self._in_namespace.get((direction, namespace), ())

    def namespaces_matching(self, selector: LabelSelector) -> list[str]:
        """The namespaces (stand-ins included) whose labels ``selector`` matches, in the cluster's
        order; remembered per selector, since policies repeat their namespace selectors."""
        found = self._namespaces_matching.get(selector)
        if found is None:
            found = [ns.name for ns in self.cluster.namespaces if selector.matches(ns.labels)]
            self._namespaces_matching[selector] = found
        return list(found)

    def policies_in(self, namespace: str) -> tuple[PolicyView, ...]:
        """The policies of ``namespace``, in the cluster's order."""
        return self._policies_in.get(namespace, ())

    def endpoints_in(self, namespace: str) -> NodeSet:
        """Every endpoint of ``namespace``: workloads, host-network pods and stand-ins."""
        return self._endpoints_in.get(namespace, self.graph.nothing)

    def matches_in(self, selector: LabelSelector, namespaces: Sequence[str]) -> bool:
        """Whether ``selector`` matches a workload of ``namespaces`` (:attr:`by_namespace`);
        remembered, since policies repeat their peers."""
        key = (selector, tuple(namespaces))
        hit = self._matching_in.get(key)
        if hit is None:
            hit = self._matching_in[key] = any(
                selector.matches(self.endpoint(i).labels)
                for ns in namespaces
                for i in self.by_namespace.get(ns, ())
            )
        return hit

    def stand_ins_admitted(
        self, namespace: str, pods: LabelSelector | None, namespaces: LabelSelector | None
    ) -> NodeSet:
        """The stand-ins a peer of a policy of ``namespace`` admits, by its podSelector ``pods``
        and namespaceSelector ``namespaces`` (None: not given); remembered per peer."""
        key = (namespace if namespaces is None else None, pods, namespaces)
        hit = self._stand_ins_admitted.get(key)
        if hit is None:

            def admits(ep: Endpoint) -> bool:
                if namespaces is None:
                    in_scope = ep.namespace == namespace
                else:
                    ns = self.namespace(ep.namespace)
                    in_scope = ns is not None and namespaces.matches(ns.labels)
                return in_scope and (pods is None or pods.matches(ep.labels))

            hit = self.graph.nodeset(i for i in self.stand_ins if admits(self.endpoint(i)))
            self._stand_ins_admitted[key] = hit
        return hit

    def ids(self, nodes: NodeSet) -> tuple[str, ...]:
        return tuple(sorted(nodes.ids()))

    def concerned(self, nodes: NodeSet) -> NodeSet:
        """The endpoints of ``nodes`` a finding names: the input's, or when it holds none of
        them, the stand-ins (a stand-in that another selector also matches is no news there)."""
        concrete = nodes - self.stand_ins
        return concrete if concrete else nodes & self.stand_ins

    def stand_in_note(self, nodes: Iterable[int]) -> str:
        """What the stand-ins among ``nodes`` stand for, as the end of a message: ``; ...``
        (nothing when there are none)."""
        eps = [self.endpoint(i) for i in nodes if i in self.stand_ins]
        if len(eps) == 1:
            return f"; {eps[0].id} stands for {eps[0].stand_in}, which the input does not hold"
        return f"; stand-ins for what the input does not hold: {self.described(eps)}" if eps else ""

    def described(self, nodes: Iterable[int | Endpoint]) -> str:
        """Stand-ins with what they stand for: ``shop/{app=api}[StandIn] (pods with app=api in
        namespace shop)``, cut short as :func:`listing` does."""
        eps = [n if isinstance(n, Endpoint) else self.endpoint(n) for n in nodes]
        return listing([f"{e.id} ({e.stand_in})" if e.stand_in else e.id for e in eps])

    @staticmethod
    def close_labels(
        selector: LabelSelector, candidates: Iterable[Mapping[str, str]], *, near_only: bool = False
    ) -> str:
        """``did you mean app=frontend?`` for a matchLabels entry nothing carries, or "".

        Without a close match it says which values or keys there are, unless ``near_only``.
        """
        labels = list(candidates)
        for key, value in selector.match_labels:
            if any(lab.get(key) == value for lab in labels):
                continue
            values = sorted({lab[key] for lab in labels if key in lab})
            if values:
                near = difflib.get_close_matches(value, values, n=1, cutoff=0.6)
                if near:
                    return f"did you mean {key}={near[0]}?"
                if near_only:
                    continue
                return f"{key} takes the values {', '.join(values[:6])} here"
            keys = sorted({k for lab in labels for k in lab})
            near = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
            if near:
                return f"did you mean the label key {near[0]!r}?"
            if not near_only:
                return f"no object here carries the label key {key!r}"
        return ""

    # -- building findings -----------------------------------------------------------------------

    def locate(self, origin: Origin | None, *path: str | int) -> Location | None:
        if origin is None:
            return None
        if self.locator is None:
            return origin.at(*path)
        return self.locator.locate(origin.source, origin.document, (*origin.path, *path))

    def finding(
        self,
        rule_id: RuleId,
        message: str,
        location: Location | None,
        hint: str,
        *,
        subjects: Iterable[str] = (),
        obj: str = "",
        related: Iterable[Related] = (),
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of ``rule_id`` at the rule's configured severity, or at ``severity``."""
        rule = self.rules.get(rule_id)  # None: disabled; lint() drops the finding
        return Finding(
            rule_id,
            severity or (rule.severity if rule else Severity.INFO),
            message,
            location,
            hint,
            tuple(sorted(set(subjects))),
            obj,
            tuple(related),
        )


def is_default_deny(policy: NetworkPolicy, direction: Direction) -> bool:
    """An empty podSelector isolating ``direction``, without a rule that allows everything.

    "An empty podSelector selects all pods in this namespace", present and future: the
    namespace's baseline. Rules may allow some traffic; a rule without peers and ports would
    allow everything again.
    """
    return (
        policy.pod_selector.is_empty
        and direction in policy.policy_types
        and not any(not r.peers and not r.ports for r in policy.rules(direction))
    )


def port_list(ports: PortSet, limit: int = 6) -> str:
    """A PortSet as a ``ports:`` list to paste into a rule: ``[{port: 8080}, {protocol: UDP, ...}]``.

    A port known by name only (a stand-in's) is pasted by its name: ``{port: http}``.
    """
    items: list[str] = []
    for proto in ports.protocols():
        p = "" if proto.value == "TCP" else f"protocol: {proto.value}, "
        for lo, hi in ports.ranges(proto):
            items.append(f"{{{p}port: {lo}}}" if lo == hi else f"{{{p}port: {lo}, endPort: {hi}}}")
        items += [f"{{{p}port: {name}}}" for name in ports.names(proto)]
    if len(items) > limit:
        items = [*items[:limit], "..."]
    return "[" + ", ".join(items) + "]"
