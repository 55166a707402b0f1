"""What a question asks of a destination: a protocol and a port, a named port resolved on the
destination's containers (an address outside the cluster has none)."""

from __future__ import annotations

from netpol.core.ports import PortSet, Protocol
from netpol.model.cluster import Endpoint

__all__ = ["asked_ports", "declared_ports", "port_problem"]


def asked_ports(protocol: Protocol | None, port: int | str | None, dst: object) -> PortSet:
    """What is asked of ``dst``: TCP by default with a port; a named port resolved on the
    destination (an address outside the cluster has none); everything when nothing is asked."""
    if protocol is None and port is None:
        return PortSet.all()
    proto = protocol or Protocol.TCP
    if isinstance(port, int):
        return PortSet.of(proto, port, port)
    if isinstance(port, str) and isinstance(dst, Endpoint) and dst.stand_in is not None:
        return PortSet.from_mapping({}, [(proto, port)])  # a stand-in's port of that name, number unknown
    if isinstance(port, str) and isinstance(dst, Endpoint):
        nums = [(p.port, p.port) for p in dst.ports if p.name == port and p.protocol is proto]
        return PortSet.from_mapping({proto: nums})
    if isinstance(port, str):
        return PortSet.none()
    return PortSet.of(proto)


def declared_ports(node: object) -> str:
    """``http (TCP 8080), metrics (TCP 9090)``: the port names a destination declares."""
    if not isinstance(node, Endpoint):
        return "none: it is outside the cluster"
    named = [f"{p.name} ({p.protocol.value} {p.port})" for p in node.ports if p.name]
    return ", ".join(named) if named else "none"


def port_problem(node: object, port: int | str | None, protocol: Protocol | None) -> str | None:
    """Why a named ``port`` cannot be asked of a destination, or None: a name it does not declare
    (for that protocol) would read as "denied" and hide a typo."""
    if not isinstance(port, str):
        return None
    proto = protocol or Protocol.TCP
    if isinstance(node, Endpoint) and any(p.name == port and p.protocol is proto for p in node.ports):
        return None
    if isinstance(node, Endpoint) and node.stand_in is not None:
        return None  # a stand-in's containers are unknown: any name may be one of its ports
    node_id = getattr(node, "id", str(node))
    return (
        f"{node_id} declares no {proto.value} port named {port!r} (its named ports: "
        f"{declared_ports(node)}); give a port number or one of its names"
    )
