"""Stand-ins (open world), checked against the naive oracle on random clusters.

A stand-in is exact when it behaves as a new pod with its labels, in a namespace with its
namespace's labels: the oracle, given that hypothetical pod, agrees with the engine; adding such a
pod for real gives it exactly the stand-in's connectivity; and no stand-in changes what concrete
endpoints may do.
"""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given
from oracle import Party, oracle_allowed
from test_properties import OPTIONS, Doc, analyze, budget, clusters, truth_probes

from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph
from netpol.model.cluster import STAND_IN_KIND, Endpoint, Namespace
from netpol.model.resources import NAMESPACE_NAME_LABEL, Options

OPEN = [Options(o.default_namespace, o.ipblock_matches_pods, o.host_network_as_pods, True) for o in OPTIONS]
CLOSED = [
    Options(o.default_namespace, o.ipblock_matches_pods, o.host_network_as_pods, False) for o in OPTIONS
]


def stand_ins(graph: AllowGraph) -> list[Endpoint]:
    return [e for e in graph.cluster.endpoints if e.stand_in is not None]


def namespace_of(graph: AllowGraph, endpoint: Endpoint) -> Namespace:
    ns = graph.cluster.namespace(endpoint.namespace)
    assert ns is not None, endpoint.id
    return ns


def others(docs: list[Doc]) -> Iterator[tuple[str, Party]]:
    """Every concrete pod, pod-less workload and sample address, as truth_probes names them."""
    seen = set()
    for src_name, _, src, _ in truth_probes(docs):
        if src_name not in seen:
            seen.add(src_name)
            yield src_name, src


def numbered(ports: PortSet) -> PortSet:
    """``ports`` without the ports known by name only."""
    return PortSet(ports.tcp, ports.udp, ports.sctp)


@budget(200)
@given(clusters())
def test_a_stand_in_is_what_it_stands_for_and_agrees_with_the_oracle(docs: list[Doc]) -> None:
    for open_, closed in zip(OPEN, CLOSED, strict=True):
        graph, base = analyze(docs, open_), analyze(docs, closed)
        assert not stand_ins(base)
        concrete = {e.namespace for e in base.cluster.endpoints} | {n.name for n in base.cluster.namespaces}
        for s in stand_ins(graph):
            assert s.kind == STAND_IN_KIND and s.stand_in is not None and not s.ports and not s.ips
            ns = namespace_of(graph, s)
            # What it stands for: its labels match the selectors it was made for.
            assert s.stand_in.pod_selector.matches(s.labels), s.id
            if s.stand_in.namespace_selector is not None:
                assert s.stand_in.namespace_selector.matches(ns.labels), s.id
            if s.stand_in.namespace is not None:
                assert s.namespace == s.stand_in.namespace
                assert ns.labels.get(NAMESPACE_NAME_LABEL) == s.namespace
            extra = {} if s.namespace in concrete else {s.namespace: ns.labels}
            for name, other in others(docs):
                for src_name, dst_name, src, dst in ((s.id, name, s, other), (name, s.id, other, s)):
                    expected = oracle_allowed(base.cluster, open_, src, dst, extra)
                    actual = graph.allowed(src_name, dst_name)
                    assert numbered(actual) == expected, (src_name, dst_name, str(expected), str(actual))


@budget(200)
@given(clusters())
def test_stand_ins_never_change_what_concrete_endpoints_may_do(docs: list[Doc]) -> None:
    for open_, closed in zip(OPEN, CLOSED, strict=True):
        graph, base = analyze(docs, open_), analyze(docs, closed)
        for src_name, dst_name, _, _ in truth_probes(docs, graph, base):
            assert graph.allowed(src_name, dst_name) == base.allowed(src_name, dst_name)


@budget(200)
@given(clusters())
def test_a_real_pod_like_a_stand_in_gets_exactly_its_connectivity(docs: list[Doc]) -> None:
    options = OPEN[0]
    graph = analyze(docs, options)
    declared = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
    for s in stand_ins(graph)[:3]:
        ns = namespace_of(graph, s)
        name = ns.labels[NAMESPACE_NAME_LABEL]  # a stand-in's own namespace: a name nothing selects
        added: list[Doc] = []
        if name not in declared and (ns.stand_in or len(ns.labels) > 1):
            labels = {k: v for k, v in ns.labels.items() if k != NAMESPACE_NAME_LABEL}
            added.append(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
            )
        pod_meta: Doc = {"name": "probe-pod", "namespace": name}
        if s.labels:
            pod_meta["labels"] = dict(s.labels)
        added.append(
            {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": {"containers": [{"name": "c"}]}}
        )
        real = analyze([*docs, *added], options)
        probe = f"{name}/probe-pod[Pod]"
        for other, _ in others(docs):
            assert real.allowed(probe, other) == numbered(graph.allowed(s.id, other)), (s.id, other)
            assert real.allowed(other, probe) == numbered(graph.allowed(other, s.id)), (other, s.id)


@budget(100)
@given(clusters())
def test_every_satisfiable_policy_selects_something_in_the_open_world(docs: list[Doc]) -> None:
    graph = analyze(docs, OPEN[0])
    for view in graph.policies():
        if view.policy.pod_selector.witness() is not None:
            assert view.targets, view.policy.id
