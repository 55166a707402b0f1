"""Flow files, Inspektor Gadget: the JSON lines of ``kubectl gadget trace network -o json``.

Each line is one event of a pod (``namespace``, ``pod``, ``podLabels``). ``pktType`` says who
opened the connection: ``OUTGOING``, the pod, toward the remote end, on the remote's ``port``;
``HOST``, the remote end, toward the pod, on the pod's own ``port``. The remote end is
``remoteKind`` ``pod`` (``remoteNamespace``, ``remoteName``, ``remoteLabels``), ``svc`` (a
Service: its namespace, name and selector) or ``other`` (``remoteAddr``, outside the cluster).
Older releases spell the remote fields ``remotePodName``, ``remoteServiceName``, ... and
``remoteOther``; releases with an L3 endpoint give it as ``dst`` (``addr``, ``kind``
``pod``/``svc``/``raw``, ``namespace``, ``podname``, ``podlabels``).

The newer image-based gadgets (``trace_tcp``) print ``src`` and ``dst`` endpoints (``addr``,
``port``, ``proto``, ``k8s.{kind,name,namespace,labels}``); ``src`` is the pod's own socket, so a
``connect`` goes from ``src`` to ``dst`` on the destination's port and an ``accept`` from ``dst``
to ``src`` on the pod's own; a ``close`` repeats a connection its connect or accept gave.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netpol.core.ports import Protocol
from netpol.flows.lines import (
    CLOSE,
    NOT_A_FLOW,
    NOT_L4,
    BadLine,
    FlowSink,
    json_lines,
    parse_address,
    parse_labels,
    parse_port_number,
    pick,
    pick_text,
)
from netpol.flows.records import FlowEnd

__all__ = ["is_gadget", "read_gadget"]

_PROTOCOLS = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP}


def is_gadget(obj: Mapping[str, Any]) -> bool:
    """Whether a JSON object is an Inspektor Gadget network event (any of its layouts)."""
    if "pktType" in obj or "remoteKind" in obj:
        return True
    src, dst = obj.get("src"), obj.get("dst")
    return isinstance(src, Mapping) and isinstance(dst, Mapping) and ("addr" in src or "addr" in dst)


def read_gadget(text: str, sink: FlowSink) -> None:
    for n, line, obj in json_lines(text, sink):
        try:
            if isinstance(obj.get("src"), Mapping) and "pktType" not in obj:
                _endpoints_line(obj, n, sink)
            else:
                _trace_line(obj, n, sink)
        except BadLine as exc:
            sink.error(n, str(exc), line)


def _trace_line(obj: Mapping[str, Any], n: int, sink: FlowSink) -> None:
    kind = obj.get("type")
    if kind not in (None, "normal"):  # debug, info, warn and err messages of the gadget
        sink.ignore(NOT_A_FLOW)
        return
    if "pktType" not in obj:
        raise BadLine("an Inspektor Gadget network event has a pktType")
    pkt = obj.get("pktType")
    if pkt not in ("OUTGOING", "HOST"):
        sink.ignore(f"pktType {pkt}")  # BROADCAST, MULTICAST, OTHERHOST: no connection
        return
    protocol = _PROTOCOLS.get(str(obj.get("proto", "")).lower())
    if protocol is None:
        sink.ignore(NOT_L4)
        return
    port = parse_port_number(obj.get("port"))
    k8s = _object(obj, "k8s")
    namespace = pick_text(obj, "namespace") or pick_text(k8s, "namespace")
    pod = pick_text(obj, "pod") or pick_text(k8s, "pod", "podName", "podname")
    if namespace is None or pod is None:
        raise BadLine("the event names no pod (namespace and pod)")
    local = FlowEnd(namespace=namespace, pod=pod, labels=parse_labels(obj.get("podLabels"), "podLabels"))
    remote = _remote(obj)
    if pkt == "OUTGOING":
        sink.flow(n, local, remote, protocol, port)
    else:
        sink.flow(n, remote, local, protocol, port)


def _remote(obj: Mapping[str, Any]) -> FlowEnd:
    dst = obj.get("dst")
    if "remoteKind" not in obj and isinstance(dst, Mapping):
        return _l3_endpoint(dst, "dst")
    kind = obj.get("remoteKind")
    if kind == "pod":
        return FlowEnd(
            namespace=_required(obj, "remoteNamespace", "remotePodNamespace"),
            pod=_required(obj, "remoteName", "remotePodName"),
            labels=parse_labels(pick(obj, "remoteLabels", "remotePodLabels"), "remoteLabels"),
        )
    if kind == "svc":
        return FlowEnd(
            namespace=_required(obj, "remoteNamespace", "remoteServiceNamespace"),
            service=_required(obj, "remoteName", "remoteServiceName"),
            labels=parse_labels(
                pick(obj, "remoteLabels", "remoteServiceLabelSelector"), "remoteLabels (the selector)"
            ),
        )
    if kind in ("other", None):
        address = pick(obj, "remoteAddr", "remoteOther", "addr", "ip")
        if address is None:
            raise BadLine("the remote end has no address (remoteAddr)")
        return FlowEnd(address=parse_address(address, "remoteAddr"))
    raise BadLine(f"remoteKind {kind!r} is not pod, svc or other")


def _object(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, Mapping) else {}


def _required(obj: Mapping[str, Any], *names: str) -> str:
    value = pick_text(obj, *names)
    if value is None:
        raise BadLine(f"{names[0]} is missing")
    return value


def _l3_endpoint(ep: Mapping[str, Any], what: str) -> FlowEnd:
    """An L3 endpoint of Inspektor Gadget: ``addr`` with, when the gadget resolved it, a pod or
    a Service (``kind``, ``namespace``, ``podname``/``name``, ``podlabels``/``labels``), directly or
    under ``k8s``."""
    k8s = _object(ep, "k8s") or ep
    kind = pick_text(k8s, "kind")
    namespace = pick_text(k8s, "namespace")
    name = pick_text(k8s, "podname", "name")
    labels = pick(k8s, "podlabels", "labels", "podLabels")
    if kind in ("pod", "svc") and namespace is not None and name is not None:
        labels = parse_labels(labels, f"{what} labels")
        if kind == "pod":
            return FlowEnd(namespace=namespace, pod=name, labels=labels)
        return FlowEnd(namespace=namespace, service=name, labels=labels)
    address = pick(ep, "addr")
    if address is None:
        raise BadLine(f"{what} has no address (addr) and names no pod or service")
    return FlowEnd(address=parse_address(address, f"{what}.addr"))


def _endpoints_line(obj: Mapping[str, Any], n: int, sink: FlowSink) -> None:
    kind = obj.get("type")
    if kind == "close":
        sink.ignore(CLOSE)
        return
    src, dst = obj["src"], obj.get("dst")
    if not isinstance(dst, Mapping):
        raise BadLine("dst is not an object")
    proto = pick(dst, "proto") or pick(src, "proto") or pick(obj, "proto")
    protocol = _PROTOCOLS.get(str(proto or "").lower())
    if protocol is None:
        sink.ignore(NOT_L4)
        return
    local = _local(obj, src)
    remote = _l3_endpoint(dst, "dst")
    if kind == "accept":  # the pod's socket accepted it: the remote end opened it
        sink.flow(n, remote, local, protocol, parse_port_number(src.get("port"), "src.port"))
    else:
        sink.flow(n, local, remote, protocol, parse_port_number(dst.get("port"), "dst.port"))


def _local(obj: Mapping[str, Any], src: Mapping[str, Any]) -> FlowEnd:
    """The event's own pod (``k8s`` of the event), else what ``src`` says."""
    k8s = obj.get("k8s")
    if isinstance(k8s, Mapping) and pick(k8s, "podName", "podname", "pod") and pick(k8s, "namespace"):
        owner = k8s.get("owner")
        workload = None
        if isinstance(owner, Mapping) and pick_text(owner, "name"):
            workload = (pick_text(owner, "kind"), _required(owner, "name"))
        return FlowEnd(
            namespace=_required(k8s, "namespace"),
            pod=_required(k8s, "podName", "podname", "pod"),
            workload=workload,
            labels=parse_labels(pick(k8s, "podLabels", "podlabels", "labels"), "k8s.podLabels"),
        )
    return _l3_endpoint(src, "src")
