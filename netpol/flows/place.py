"""Flows placed on an allow-graph: each side of a :class:`Flow` becomes a node, pods generalised
to the endpoint netpol groups them under (their controller's workload).

A side inside the cluster is, in this order:

1. the pod of that name in its namespace (an endpoint made of pods lists their names);
2. the workload the flow names (its kind when the flow gives one) -- manifests often hold
   Deployments and no pods, and a Hubble flow names a pod's workload;
3. the one workload whose pods the pod's name could be generated from (``frontend-7d9f8-abcde``
   of Deployment ``frontend``, ``db-0`` of StatefulSet ``db``);
4. the one workload of the namespace whose labels hold every label of the flow's side (labels the
   controllers add, such as ``pod-template-hash``, aside).

A Service (Inspektor Gadget's ``svc``) is the one workload of its namespace its selector selects.
An address is the pod that has it, else the external range that holds it; a CIDR (or a range)
is every external range it meets, one :class:`PlacedFlow` each. A stand-in is never a side: it
stands for pods the input does not hold. What cannot be placed is :class:`Unplaced`, with the
reason in words.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence

from netpol.core.ipspace import AddressRange
from netpol.core.text import listing
from netpol.engine.graph import AllowGraph
from netpol.flows.records import Flow, FlowEnd, PlacedFlow, Placement, Unplaced
from netpol.model.cluster import Endpoint
from netpol.model.resources import STAND_IN_KIND

__all__ = ["place_flows"]

GENERATED_LABELS = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "controller-uid",
        "job-name",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-name",
        "job-index",
        "batch.kubernetes.io/job-completion-index",
    }
)
"""Labels a controller puts on the pods it makes, which the pod template does not hold."""

_SUFFIX = {
    # "<deployment>-<pod-template-hash>-<5 random characters>" (ReplicaSet names, then pods')
    "Deployment": re.compile(r"[a-z0-9]{1,10}-[a-z0-9]{5}"),
    # "<statefulset>-<ordinal>"
    "StatefulSet": re.compile(r"[0-9]+"),
    # "<cronjob>-<scheduled time in minutes>-<5 random characters>"
    "CronJob": re.compile(r"[0-9]+-[a-z0-9]{5}"),
}
_RANDOM = re.compile(r"[a-z0-9]{5}")
"""The suffix of a pod of a DaemonSet, Job, ReplicaSet or ReplicationController: its
``generateName`` is ``<owner>-``, and the API server appends five random characters."""

Side = tuple[int, str | None]
"""A node, and the address of an external side."""


class _Refused(Exception):
    """A side that cannot be placed: the reason, in words."""


def place_flows(graph: AllowGraph, flows: Sequence[Flow]) -> Placement:
    """Every flow on ``graph``'s nodes, or unplaced with the reason."""
    placer = _Placer(graph)
    placed: list[PlacedFlow] = []
    unplaced: list[Unplaced] = []
    for flow in flows:
        try:
            srcs = placer.side(flow.src, "source")
            dsts = placer.side(flow.dst, "destination")
        except _Refused as exc:
            unplaced.append(Unplaced(flow, str(exc)))
            continue
        n = graph.endpoint_count
        if all(s >= n for s, _ in srcs) and all(d >= n for d, _ in dsts):
            unplaced.append(
                Unplaced(flow, "both sides are outside the cluster: netpol does not analyse that traffic")
            )
            continue
        for s, s_address in srcs:  # one side is an endpoint: a pair of ranges never comes up
            for d, d_address in dsts:
                placed.append(
                    PlacedFlow(s, d, flow.protocol, flow.port, flow.end_port, s_address, d_address, flow)
                )
    return Placement(tuple(placed), tuple(unplaced))


class _Placer:
    def __init__(self, graph: AllowGraph) -> None:
        self.graph = graph
        self.by_namespace: dict[str, list[int]] = {}
        self.by_pod: dict[tuple[str, str], list[int]] = {}
        self.by_ip: dict[str, list[int]] = {}
        self.by_name: dict[tuple[str, str], list[int]] = {}
        for i in range(graph.endpoint_count):
            ep = graph.nodes[i]
            assert isinstance(ep, Endpoint)
            if ep.stand_in is not None:
                continue  # never a side: it stands for pods the input does not hold
            self.by_namespace.setdefault(ep.namespace, []).append(i)
            self.by_name.setdefault((ep.namespace, ep.name), []).append(i)
            pods = (*ep.pods, ep.name) if ep.kind == "Pod" else ep.pods
            for pod in set(pods):
                self.by_pod.setdefault((ep.namespace, pod), []).append(i)
            for ip in ep.ips:
                self.by_ip.setdefault(str(ip), []).append(i)

    def side(self, end: FlowEnd, role: str) -> list[Side]:
        try:
            if end.external:
                return self._address(end.address or "")
            return [(self._endpoint(end), None)]
        except _Refused as exc:
            raise _Refused(f"{role} {exc}") from None

    # -- inside the cluster ----------------------------------------------------------------------

    def _endpoint(self, end: FlowEnd) -> int:
        ns = end.namespace
        assert ns is not None
        if end.workload is not None and end.workload[0] == STAND_IN_KIND:
            raise _Refused(f"{end} is a stand-in, not an endpoint of the input")
        candidates = self.by_namespace.get(ns)
        if not candidates:
            namespace = self.graph.cluster.namespace(ns)
            if namespace is None or namespace.stand_in:
                raise _Refused(f"{end}: namespace {ns} is not in the input")
            raise _Refused(f"{end}: namespace {ns} holds no workload or pod in the input")
        if end.service is not None:
            return self._service(end, candidates)
        if end.pod is not None and (found := self.by_pod.get((ns, end.pod))):
            return self._one(found, f"pod {ns}/{end.pod}")
        if end.workload is not None:
            kind, name = end.workload
            named = [
                i for i in self.by_name.get((ns, name), ()) if kind is None or _same_kind(self._ep(i), kind)
            ]
            if named:
                return self._one(named, str(end))
        if end.pod is not None:
            generated = [i for i in candidates if _generated_from(end.pod, self._ep(i))]
            if len(generated) == 1:
                return generated[0]
        labels = _labels(end.labels)
        matching = [i for i in candidates if _holds(self._ep(i).labels, labels)] if labels else []
        if len(matching) == 1:
            return matching[0]
        raise _Refused(self._why_not(end, labels, matching))

    def _service(self, end: FlowEnd, candidates: list[int]) -> int:
        selector = dict(end.labels)
        if not selector:
            raise _Refused(f"{end} has no selector: netpol cannot tell which pods it sends to")
        selected = [i for i in candidates if _holds(self._ep(i).labels, selector)]
        if len(selected) == 1:
            return selected[0]
        what = _labels_text(selector)
        if not selected:
            raise _Refused(f"{end} (selector {what}) selects no workload of the input")
        ids = [self.graph.ids[i] for i in selected]
        raise _Refused(f"{end} (selector {what}) selects several workloads: {listing(ids)}")

    def _why_not(self, end: FlowEnd, labels: Mapping[str, str], matching: list[int]) -> str:
        ns = end.namespace
        if end.pod is not None and end.workload is not None and end.workload[1] != end.pod:
            kind, name = end.workload
            head = f"pod {ns}/{end.pod} is not in the input and its workload {kind or ''} {ns}/{name} neither"
        elif end.pod is not None and end.workload is not None:
            head = f"{ns}/{end.pod} is no pod or workload of the input"
        elif end.pod is not None:
            head = f"pod {ns}/{end.pod} is not in the input, nor a workload it could belong to"
        elif end.workload is not None:
            head = f"{end} is not in the input"
        else:
            head = f"{end} is no workload of the input"
        head = head.replace("  ", " ")
        if matching:
            ids = [self.graph.ids[i] for i in matching]
            return f"{head}, and its labels {_labels_text(labels)} match several workloads: {listing(ids)}"
        if labels:
            return f"{head}, and no workload of {ns} has its labels {_labels_text(labels)}"
        return head

    def _one(self, found: list[int], what: str) -> int:
        if len(found) > 1:
            raise _Refused(f"{what} is ambiguous: {listing([self.graph.ids[i] for i in found])}")
        return found[0]

    def _ep(self, i: int) -> Endpoint:
        ep = self.graph.nodes[i]
        assert isinstance(ep, Endpoint)
        return ep

    # -- addresses -------------------------------------------------------------------------------

    def _address(self, text: str) -> list[Side]:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return self._span(text)
        holders = self.by_ip.get(str(ip), [])
        if len(holders) > 1:
            ids = [self.graph.ids[i] for i in holders]
            raise _Refused(f"{text} is the IP of several endpoints: {listing(ids)}")
        if holders:
            return [(holders[0], None)]
        return [(self.graph.resolve(str(ip)), str(ip))]

    def _span(self, text: str) -> list[Side]:
        """The external ranges a CIDR or a ``first-last`` range meets."""
        try:
            if "/" in text:
                net = ipaddress.ip_network(text, strict=False)
                family, lo, hi = net.version, int(net.network_address), int(net.broadcast_address)
                shown = str(net)
            else:
                first, _, last = text.partition("-")
                a, b = ipaddress.ip_address(first.strip()), ipaddress.ip_address(last.strip())
                if a.version != b.version or int(a) > int(b):
                    raise ValueError(text)
                family, lo, hi, shown = a.version, int(a), int(b), text
        except ValueError:
            raise _Refused(f"{text!r} is no IP address, CIDR or range") from None
        found: list[Side] = []
        for i in range(self.graph.endpoint_count, len(self.graph.nodes)):
            rng = self.graph.nodes[i]
            assert isinstance(rng, AddressRange)
            if rng.family == family and rng.first <= hi and rng.last >= lo:
                found.append((i, shown))
        return found


def _same_kind(ep: Endpoint, kind: str) -> bool:
    return ep.kind.lower() == kind.lower()


def _generated_from(pod: str, ep: Endpoint) -> bool:
    """Whether ``pod`` is a name ``ep``'s controller could have given one of its pods."""
    if ep.kind == "Pod" or not pod.startswith(ep.name + "-"):
        return False
    rest = pod[len(ep.name) + 1 :]
    return (_SUFFIX.get(ep.kind) or _RANDOM).fullmatch(rest) is not None


def _labels(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in labels.items() if k not in GENERATED_LABELS}


def _holds(have: Mapping[str, str], want: Mapping[str, str]) -> bool:
    return all(have.get(k) == v for k, v in want.items())


def _labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"
