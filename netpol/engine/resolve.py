"""Endpoint names, IPs and range ids as node indexes of an allow-graph (:meth:`AllowGraph.resolve`)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING

from netpol.core.ipspace import AddressRange
from netpol.errors import UsageError
from netpol.model.cluster import Endpoint

if TYPE_CHECKING:
    from netpol.engine.graph import AllowGraph

__all__ = ["resolve_node"]


def resolve_node(graph: AllowGraph, index: Mapping[str, int], text: str) -> int:
    """The node index for ``ns/name``, ``ns/name[Kind]``, a pod's name, an IP or a range id.

    Raises UsageError naming the candidates when ``text`` is unknown or ambiguous.
    """
    text = text.strip()
    if text in index:
        return index[text]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        address = None
    if address is not None:
        return _resolve_address(graph, address)
    if "/" not in text:
        text = f"{graph.options.default_namespace}/{text}"
    ns, _, name = text.partition("/")
    kind = None
    if name.endswith("]") and "[" in name:
        name, _, kind = name[:-1].partition("[")
    endpoints = graph.nodes[: graph.endpoint_count]
    matches = [
        i
        for i, e in enumerate(endpoints)
        if isinstance(e, Endpoint)
        and e.namespace == ns
        and e.name == name
        and (kind is None or e.kind.lower() == kind.lower())
    ]
    if not matches:
        matches = [
            i
            for i, e in enumerate(endpoints)
            if isinstance(e, Endpoint) and e.namespace == ns and name in e.pods
        ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        options = ", ".join(graph.nodes[i].id for i in matches)
        raise UsageError(f"{text!r} is ambiguous: {options}")
    near = [n.id for n in endpoints if isinstance(n, Endpoint) and n.namespace == ns][:10]
    hint = f"; endpoints in {ns}: {', '.join(near)}" if near else f"; no endpoint in {ns!r}"
    raise UsageError(f"unknown endpoint {text!r}{hint}")


def _resolve_address(graph: AllowGraph, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    holders = [
        i
        for i, node in enumerate(graph.nodes[: graph.endpoint_count])
        if isinstance(node, Endpoint) and address in node.ips
    ]
    if len(holders) > 1:
        options = ", ".join(graph.ids[i] for i in holders)
        raise UsageError(f"{address} is ambiguous: it is the IP of {options}; name the endpoint instead")
    if holders:
        return holders[0]
    for i in range(graph.endpoint_count, len(graph.nodes)):
        rng = graph.nodes[i]
        assert isinstance(rng, AddressRange)
        if rng.family == address.version and rng.first <= int(address) <= rng.last:
            return i
    raise AssertionError("the external ranges cover the whole address space")
