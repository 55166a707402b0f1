"""Hypothetical pods: asking about a pod the input does not hold (``query --from``, intent files).

A question may name a pod that is not in the input: the ingress controller of a chart rendered
alone, a namespace that does not exist yet. Its answer is computed as for any new pod with those
labels, in a namespace with those labels: the pod is added to the cluster as a stand-in
(``[StandIn]``) and the cluster compiled again. Adding a pod never changes what other pods may do,
so every other answer stays the same.

The syntax (the same as a stand-in's id, without ``[StandIn]``)::

    ingress-nginx/*                        any pod in namespace ingress-nginx
    ingress-nginx/{app=nginx,tier=edge}    a pod with these labels there
    {team=ledger}/{app=api}                in a new namespace labelled team=ledger
    monitoring{team=platform}/*            in namespace monitoring, labelled team=platform (when
                                           the input does not hold monitoring)

A namespace gets its ``kubernetes.io/metadata.name`` label, as the API server gives it; a
namespace named by labels only gets a name no policy mentions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from netpol.core.selectors import LabelSelector
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.engine.standins import fresh_namespace_label
from netpol.errors import UsageError
from netpol.model.cluster import STAND_IN_KIND, Endpoint, Namespace, StandIn
from netpol.model.names import is_dns1123_label, is_qualified_name, is_valid_label_value
from netpol.model.resources import NAMESPACE_NAME_LABEL

__all__ = ["HypotheticalPod", "parse_hypothetical", "with_pods"]

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
        pods = "*" if not self.labels else "{" + _spell(self.labels) + "}"
        return f"{self.namespace_part}/{pods}[{STAND_IN_KIND}]"

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
    if ns is not None and (problems := is_dns1123_label(ns)):
        raise UsageError(f"{what} {text!r}: namespace {ns!r} is not a namespace name: {problems[0]}")
    ns_labels = _labels(match.group("nsl"), text, what)
    if ns is None and match.group("nsl") is None:
        raise UsageError(f"{what} {text!r}: name the namespace, or give its labels: {{team=a}}/*")
    return HypotheticalPod(ns, _labels(match.group("pl"), text, what), ns_labels)


def _labels(spelled: str | None, text: str, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (spelled or "").split(","):
        part = part.strip()
        if not part:
            continue
        key, eq, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not eq:
            raise UsageError(f"{what} {text!r}: {part!r} is not a label: write key=value")
        problems = is_qualified_name(key) or is_valid_label_value(value)
        if problems:
            raise UsageError(f"{what} {text!r}: label {part!r}: {problems[0]}")
        out[key] = value
    return out


def with_pods(graph: AllowGraph, pods: Sequence[HypotheticalPod]) -> AllowGraph:
    """``graph`` with ``pods`` added (those it already holds, by id, left as they are), compiled
    again; ``graph`` itself when there is nothing to add.

    UsageError when a pod gives labels to a namespace the input holds (its labels are known).
    """
    cluster = graph.cluster
    have = set(graph.endpoint_ids())
    namespaces = {ns.name: ns for ns in cluster.namespaces}
    added: dict[str, Endpoint] = {}
    taken = {ns.name for ns in cluster.namespaces}
    for pod in pods:
        if pod.id in have or pod.id in added:
            continue
        name = pod.namespace_part
        ns = namespaces.get(name)
        if ns is None:
            if pod.namespace is not None:
                labels = {**pod.namespace_labels, NAMESPACE_NAME_LABEL: pod.namespace}
            else:
                labels = {**pod.namespace_labels, NAMESPACE_NAME_LABEL: fresh_namespace_label(cluster, taken)}
            namespaces[name] = Namespace(name, labels, False, stand_in=True)
        elif pod.namespace_labels and any(ns.labels.get(k) != v for k, v in pod.namespace_labels.items()):
            raise UsageError(
                f"{pod.id.removesuffix(f'[{STAND_IN_KIND}]')!r}: namespace {name!r} is in the input, "
                f"with its own labels ({_spell(ns.labels)}); leave its labels out"
            )
        added[pod.id] = Endpoint(
            namespace=name,
            name=pod.id.split("/", 1)[1].removesuffix(f"[{STAND_IN_KIND}]"),
            kind=STAND_IN_KIND,
            labels=dict(pod.labels),
            ports=(),
            stand_in=pod.stand_in(),
        )
    if not added:
        return graph
    grown = replace(
        cluster,
        namespaces=tuple(sorted(namespaces.values(), key=lambda n: n.name)),
        endpoints=tuple(sorted((*cluster.endpoints, *added.values()), key=lambda e: e.id)),
    )
    return compile_graph(grown, graph.options, graph.diagnostics, graph.skipped)
