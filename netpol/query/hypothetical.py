"""Hypothetical pods: asking about a pod the input does not hold (``query --from``, intent files).

A question may name a pod that is not in the input: the ingress controller of a chart rendered
alone, a namespace that does not exist yet. Its answer is computed as for any new pod with those
labels, in a namespace with those labels: the pod is added to the cluster as a stand-in
(``[StandIn]``) and the cluster compiled again. Adding a pod never changes what other pods may do,
so every answer about the input's endpoints stays the same.

The syntax (the same as a stand-in's id, without ``[StandIn]``)::

    ingress-nginx/*                        any pod in namespace ingress-nginx
    ingress-nginx/{app=nginx,tier=edge}    a pod with these labels there
    {team=ledger}/{app=api}                in a new namespace labelled team=ledger
    monitoring{team=platform}/*            in namespace monitoring, labelled team=platform (when
                                           the input does not hold monitoring)

A namespace gets its ``kubernetes.io/metadata.name`` label, as the API server gives it; a
namespace named by labels only gets a name no policy mentions. A namespace the input holds keeps
its labels; one it does not hold (a stand-in's among them) has the labels the pods give it and no
others.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from netpol.core.selectors import LabelSelector
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.engine.standins import fresh_namespace_label
from netpol.errors import UsageError
from netpol.model.cluster import STAND_IN_KIND, Cluster, Endpoint, Namespace, StandIn
from netpol.model.names import is_dns1123_label, is_qualified_name, is_valid_label_value
from netpol.model.resources import NAMESPACE_NAME_LABEL

__all__ = ["HypotheticalPod", "conflicts", "hypothetical_pod", "parse_hypothetical", "with_pods"]

_FORM = re.compile(r"(?P<ns>[^{}/\[\]]*)(?:\{(?P<nsl>[^{}]*)\})?/(?:\*|\{(?P<pl>[^{}]*)\})")


@dataclass(frozen=True, slots=True)
class HypotheticalPod:
    """A pod the input may not hold: in namespace ``namespace`` (None: a new namespace with
    ``namespace_labels``), with ``labels``."""

    namespace: str | None
    labels: Mapping[str, str] = field(default_factory=dict)
    namespace_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def namespace_part(self) -> str:
        if self.namespace is not None:
            return self.namespace
        return "*" if not self.namespace_labels else "{" + _spell(self.namespace_labels) + "}"

    @property
    def id(self) -> str:
        return f"{self.namespace_part}/{self._pods}[{STAND_IN_KIND}]"

    @property
    def text(self) -> str:
        """As it is written (:func:`parse_hypothetical`): ``monitoring{team=platform}/*``."""
        ns = self.namespace_part
        if self.namespace is not None and self.namespace_labels:
            ns += "{" + _spell(self.namespace_labels) + "}"
        return f"{ns}/{self._pods}"

    @property
    def _pods(self) -> str:
        return "*" if not self.labels else "{" + _spell(self.labels) + "}"

    def __str__(self) -> str:
        """``a new pod with app=nginx in namespace ingress-nginx labelled team=edge``."""
        pods = "a new pod" + (f" with {_spell(self.labels)}" if self.labels else "")
        labelled = f" labelled {_spell(self.namespace_labels)}" if self.namespace_labels else ""
        where = "a new namespace" if self.namespace is None else f"namespace {self.namespace}"
        return f"{pods} in {where}{labelled}"

    def stand_in(self) -> StandIn:
        ns = LabelSelector(tuple(sorted(self.namespace_labels.items()))) if self.namespace_labels else None
        return StandIn(LabelSelector(tuple(sorted(self.labels.items()))), self.namespace, ns)


def _spell(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def parse_hypothetical(text: str, *, what: str = "endpoint") -> HypotheticalPod | None:
    """The hypothetical pod ``text`` names, or None when it is not written as one.

    UsageError when it is, but a name or label is one the API server would refuse.
    """
    match = _FORM.fullmatch(text.strip())
    if match is None:
        return None
    ns = match.group("ns") or None
    ns_labels = _labels(match.group("nsl"), text, what)
    if ns is None and match.group("nsl") is None:
        raise UsageError(f"{what} {text!r}: name the namespace, or give its labels: {{team=a}}/*")
    try:
        return hypothetical_pod(ns, _labels(match.group("pl"), text, what), ns_labels)
    except ValueError as exc:
        raise UsageError(f"{what} {text!r}: {exc}") from None


def hypothetical_pod(
    namespace: str | None, labels: Mapping[str, str], namespace_labels: Mapping[str, str]
) -> HypotheticalPod:
    """The pod with ``labels`` in namespace ``namespace`` (None: a new one) labelled
    ``namespace_labels``; a ``kubernetes.io/metadata.name`` among those names the namespace.

    ValueError when the API server would refuse a name or a label, or the two names differ.
    """
    ns_labels = dict(namespace_labels)
    named = ns_labels.pop(NAMESPACE_NAME_LABEL, None)
    if named is not None and namespace is not None and named != namespace:
        raise ValueError(
            f"namespace {namespace!r} is labelled {NAMESPACE_NAME_LABEL}={namespace}, not {named}"
        )
    namespace = namespace if namespace is not None else named
    if namespace is not None and (problems := is_dns1123_label(namespace)):
        raise ValueError(f"namespace {namespace!r} is not a namespace name: {problems[0]}")
    for key, value in (*ns_labels.items(), *labels.items()):
        if problems := is_qualified_name(key) or is_valid_label_value(value):
            raise ValueError(f"label {f'{key}={value}'!r}: {problems[0]}")
    return HypotheticalPod(namespace, dict(labels), ns_labels)


def _labels(spelled: str | None, text: str, what: str) -> dict[str, str]:
    """``k=v,k2=v2`` as a mapping; :func:`hypothetical_pod` judges the keys and values."""
    out: dict[str, str] = {}
    for part in (spelled or "").split(","):
        part = part.strip()
        if not part:
            continue
        key, eq, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not eq:
            raise UsageError(f"{what} {text!r}: {part!r} is not a label: write key=value")
        out[key] = value
    return out


def with_pods(graph: AllowGraph, pods: Sequence[HypotheticalPod]) -> AllowGraph:
    """``graph`` with ``pods`` added (a stand-in of the same id is the pod) in their namespaces
    (:func:`_namespaces`), compiled again; ``graph`` itself when that changes nothing.

    UsageError for the first of :func:`conflicts`.
    """
    cluster = graph.cluster
    namespaces, problems = _namespaces(cluster, pods)
    for pod, problem in zip(pods, problems, strict=True):
        if problem is not None:
            raise UsageError(f"{pod.text!r}: {problem}")
    have = set(graph.endpoint_ids())
    added = {pod.id: _endpoint(pod) for pod in pods if pod.id not in have}
    if not added and tuple(namespaces.values()) == cluster.namespaces:
        return graph
    grown = replace(
        cluster,
        namespaces=tuple(sorted(namespaces.values(), key=lambda n: n.name)),
        endpoints=tuple(sorted((*cluster.endpoints, *added.values()), key=lambda e: e.id)),
    )
    return compile_graph(grown, graph.options, graph.diagnostics, graph.skipped)


def conflicts(graph: AllowGraph, pods: Sequence[HypotheticalPod]) -> list[str | None]:
    """For each of ``pods``, why it cannot join ``graph`` with the pods before it, or None: it
    gives labels to a namespace the input holds (whose labels are known), or another value to a
    label an earlier pod gave its namespace."""
    return _namespaces(graph.cluster, pods)[1]


def _namespaces(
    cluster: Cluster, pods: Sequence[HypotheticalPod]
) -> tuple[dict[str, Namespace], list[str | None]]:
    """The namespaces of ``cluster`` and of ``pods``, and each pod's conflict (its labels left out).

    A namespace the input does not hold has its name and the labels the pods give it, no others:
    the labels a stand-in's namespace has only because its selector needs them are no fact
    about the namespace, and an answer must not rest on them.
    """
    namespaces = {ns.name: ns for ns in cluster.namespaces}
    given: dict[str, dict[str, str]] = {}
    taken = set(namespaces)
    problems: list[str | None] = []
    for pod in pods:
        name, labels = pod.namespace_part, pod.namespace_labels
        ns = namespaces.get(name)
        held = ns is not None and not ns.stand_in
        earlier = given.setdefault(name, {})
        problem = None
        if ns is not None and held and any(ns.labels.get(k) != v for k, v in labels.items()):
            problem = (
                f"namespace {name!r} is in the input, with its own labels ({_spell(ns.labels)}); "
                "leave its labels out"
            )
        elif clash := sorted(f"{k}={earlier[k]}" for k, v in labels.items() if earlier.get(k, v) != v):
            problem = f"namespace {name!r} is labelled {clash[0]} by an earlier pod: one value per label"
        problems.append(problem)
        if problem is not None or held:
            continue
        earlier.update(labels)
        if pod.namespace is not None:
            exact = {**earlier, NAMESPACE_NAME_LABEL: pod.namespace}
            if ns is None or dict(ns.labels) != exact:
                namespaces[name] = Namespace(name, exact, False, stand_in=True)
        elif ns is None:  # named by its labels: a stand-in's namespace of that name has just those
            label = fresh_namespace_label(cluster, taken)
            taken.add(label)
            namespaces[name] = Namespace(name, {**labels, NAMESPACE_NAME_LABEL: label}, False, stand_in=True)
    return namespaces, problems


def _endpoint(pod: HypotheticalPod) -> Endpoint:
    return Endpoint(
        namespace=pod.namespace_part,
        name=pod.id.split("/", 1)[1].removesuffix(f"[{STAND_IN_KIND}]"),
        kind=STAND_IN_KIND,
        labels=dict(pod.labels),
        ports=(),
        stand_in=pod.stand_in(),
    )
