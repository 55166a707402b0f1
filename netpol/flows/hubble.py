"""Flow files, Hubble: the JSON lines of ``hubble observe -o json``.

A line is ``{"flow": {...}, "node_name": ..., "time": ...}`` or the bare flow object (field names
as protojson writes them, snake_case, or camelCase as the Hubble API's JSON spells them). Cilium's
``flow.proto``: ``source``/``destination`` are Endpoints (``namespace``, ``pod_name``, ``labels``
like ``k8s:app=api``, ``workloads`` ``[{name, kind}]``, ``identity``), ``IP.source`` and
``IP.destination`` their addresses, ``l4.TCP|UDP|SCTP.destination_port`` the port,
``is_reply`` "indicates that this was a packet (L4) or message (L7) in the reply direction".

Replies are not flows to allow; ICMP and flows without L4 are not what NetworkPolicy ports speak
of: both are counted in :attr:`FlowFile.ignored`. FORWARDED, DROPPED and AUDIT flows were all
attempted: each is a flow the workload wants.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netpol.core.ports import Protocol
from netpol.flows.lines import (
    NOT_A_FLOW,
    NOT_L4,
    REPLY,
    BadLine,
    FlowSink,
    json_lines,
    parse_address,
    parse_port_number,
    pick,
    pick_text,
)
from netpol.flows.records import FlowEnd

__all__ = ["read_hubble"]

_WANTED = frozenset({"FORWARDED", "DROPPED", "AUDIT", "REDIRECTED", "TRACED"})
"""Verdicts of a flow that was attempted: "REDIRECTED" went to the L7 proxy, "TRACED" is a
forwarded packet seen at a trace point. ERROR (the datapath failed it), TRANSLATED (a service
address before translation) and an unknown verdict are counted, not judged."""
_EVENTS = frozenset({"lost_events", "agent_event", "debug_event", "node_status", "lostEvents"})
"""Other objects ``hubble observe`` prints: not flows."""
_WORLD = frozenset({"reserved:world", "reserved:world-ipv4", "reserved:world-ipv6"})
_RESERVED_IDS = {
    1: "reserved:host",
    2: "reserved:world",
    3: "reserved:unmanaged",
    4: "reserved:health",
    5: "reserved:init",
    6: "reserved:remote-node",
    7: "reserved:kube-apiserver",
    8: "reserved:ingress",
    9: "reserved:world-ipv4",
    10: "reserved:world-ipv6",
}
"""Cilium's reserved numeric identities, for an endpoint whose labels the line leaves out."""
_PSEUDO_PREFIXES = ("io.cilium.k8s.", "io.kubernetes.pod.namespace")
"""Labels Cilium adds to a pod's identity that are no labels of the pod."""
_PORT_PROTOCOLS = {"TCP": Protocol.TCP, "UDP": Protocol.UDP, "SCTP": Protocol.SCTP}


def read_hubble(text: str, sink: FlowSink) -> None:
    for n, line, obj in json_lines(text, sink):
        try:
            _line(obj, n, sink)
        except BadLine as exc:
            sink.error(n, str(exc), line)


def _line(obj: Mapping[str, Any], n: int, sink: FlowSink) -> None:
    flow = obj.get("flow")
    if flow is None:
        if not ("source" in obj or "destination" in obj or "l4" in obj or "IP" in obj):
            if any(k in obj for k in _EVENTS):
                sink.ignore(NOT_A_FLOW)
                return
            raise BadLine("neither a flow nor another event hubble observe prints (no 'flow' field)")
        flow = obj
    if not isinstance(flow, Mapping):
        raise BadLine("'flow' is not an object")
    if _is_reply(flow):
        sink.ignore(REPLY)
        return
    verdict = pick(flow, "verdict")
    if verdict is not None and verdict not in _WANTED:
        sink.ignore(f"verdict {verdict}")
        return
    l4 = pick(flow, "l4")
    protocol, port = _l4(l4)
    if protocol is None:
        sink.ignore(NOT_L4)
        return
    ip = pick(flow, "IP", "ip") or {}
    if not isinstance(ip, Mapping):
        raise BadLine("IP is not an object")
    src = _end(flow, ip, "source", n, sink)
    dst = _end(flow, ip, "destination", n, sink)
    sink.flow(n, src, dst, protocol, port)


def _is_reply(flow: Mapping[str, Any]) -> bool:
    """``is_reply`` (a BoolValue: absent when unknown), else the deprecated ``reply``; an L7
    response is one too."""
    reply = flow.get("is_reply", flow.get("isReply"))
    if reply is None:
        reply = flow.get("reply")
    l7 = flow.get("l7")
    return reply is True or (isinstance(l7, Mapping) and l7.get("type") == "RESPONSE")


def _l4(l4: object) -> tuple[Protocol | None, int]:
    if l4 is None:
        return None, 0
    if not isinstance(l4, Mapping):
        raise BadLine("l4 is not an object")
    for key, protocol in _PORT_PROTOCOLS.items():
        layer = l4.get(key)
        if layer is None:
            continue
        if not isinstance(layer, Mapping):
            raise BadLine(f"l4.{key} is not an object")
        port = pick(layer, "destination_port", "destinationPort")
        if port is None:
            raise BadLine(f"l4.{key} has no destination_port")
        return protocol, parse_port_number(port, f"l4.{key}.destination_port")
    return None, 0  # ICMPv4, ICMPv6 or another protocol netpol's ports do not speak of


def _end(flow: Mapping[str, Any], ip: Mapping[str, Any], side: str, n: int, sink: FlowSink) -> FlowEnd:
    ep = flow.get(side) or {}
    if not isinstance(ep, Mapping):
        raise BadLine(f"{side} is not an object")
    raw = ep.get("labels") or []
    if not isinstance(raw, list) or not all(isinstance(label, str) for label in raw):
        raise BadLine(f"{side}.labels is not a list of strings")
    reserved = [label for label in raw if label.startswith("reserved:")]
    identity = ep.get("identity")
    if not reserved and isinstance(identity, int) and identity in _RESERVED_IDS:
        reserved = [_RESERVED_IDS[identity]]
    namespace = pick_text(ep, "namespace")
    world = any(label in _WORLD for label in reserved)
    if world or namespace is None or (reserved and not pick(ep, "pod_name", "podName")):
        address = pick(ip, side)
        if address is None:
            what = reserved[0] if reserved else "no namespace"
            raise BadLine(f"the {side} is outside the cluster ({what}) and IP.{side} is missing")
        address = parse_address(address, f"IP.{side}")
        for label in reserved:
            if label not in _WORLD:
                sink.note_once(
                    label,
                    n,
                    f"{label} endpoints (such as {address}) are read as their address: to netpol an "
                    "address outside the cluster",
                )
        return FlowEnd(address=address)
    pod = pick_text(ep, "pod_name", "podName")
    workloads = ep.get("workloads") or []
    workload = None
    if not isinstance(workloads, list) or not all(isinstance(w, Mapping) for w in workloads):
        raise BadLine(f"{side}.workloads is not a list of objects")
    if workloads:
        name, kind = pick_text(workloads[0], "name"), pick_text(workloads[0], "kind")
        if name is not None:
            workload = (kind, name)
    return FlowEnd(namespace=namespace, pod=pod, workload=workload, labels=_labels(raw))


def _labels(raw: list[str]) -> dict[str, str]:
    """``k8s:app=api`` -> ``{"app": "api"}``: the labels of the pod, without their source prefix
    and without the labels Cilium adds itself."""
    out = {}
    for label in raw:
        source, colon, rest = label.partition(":")
        if not colon or "=" in source:
            source, rest = "", label
        if source not in ("", "k8s"):
            continue  # reserved:, container:, cidr:... are not pod labels
        key, _, value = rest.partition("=")
        if key.startswith(_PSEUDO_PREFIXES):
            continue
        out[key] = value
    return out
