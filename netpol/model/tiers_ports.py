"""Model stage: a tier policy rule's ports, its networks and domain names, and the list and
one-of checks the CRDs make.

AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1) write ``ports``, each one of
``portNumber``, ``namedPort`` or ``portRange``; ClusterNetworkPolicy (v1alpha2) writes
``protocols``, each one of ``tcp``, ``udp``, ``sctp`` or ``destinationNamedPort``. Both read into
the numbers and ranges of :class:`~netpol.model.resources.PolicyPort` and a tuple of port names.
The OpenAPI keywords and CEL rules are those of the kubebuilder markers quoted in
docs/design/admin-tiers.md (sections 1.5, 3.4 and 10).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from netpol.core.ipspace import IPBlock
from netpol.core.ports import MAX_PORT, MIN_PORT, Protocol
from netpol.errors import shown
from netpol.model.checker import Checker, type_name
from netpol.model.parse import _network, _protocol
from netpol.model.resources import PolicyPort

__all__ = [
    "anp_ports",
    "bounded_list",
    "cnp_protocols",
    "domain_names",
    "networks",
    "one_field",
    "present",
]

Path = Sequence[str | int]
Ports = tuple[tuple[PolicyPort, ...], tuple[str, ...]]
Reader = Callable[[Checker, Any, Path], PolicyPort | str | None]

_ANP_PORT_FIELDS = ("portNumber", "namedPort", "portRange")
_CNP_PROTOCOL_FIELDS = ("tcp", "udp", "sctp", "destinationNamedPort")
_CNP_PROTOCOLS = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP}
_MAX_PORTS = {"ports": 100, "protocols": 25}
"""ANP/BANP ``ports``: MinItems=1, MaxItems=100; CNP ``protocols``: MinItems=1, MaxItems=25."""
_MAX_SET = 25
"""``networks`` and ``domainNames``: "listType=set", MinItems=1, MaxItems=25."""
_MAX_CIDR = 43
"""CIDR: "+kubebuilder:validation:MaxLength=43"."""


def present(m: Mapping[Any, Any]) -> list[Any]:
    """The keys of ``m`` that are set: a null value is absent, as the API server drops a null of a
    field that is not nullable."""
    return [k for k, v in m.items() if v is not None]


def one_field(c: Checker, m: Mapping[Any, Any], path: Path, fields: Sequence[str], what: str) -> str | None:
    """The one field of ``fields`` that ``m`` sets ("Exactly one field must be set.":
    MinProperties=1, MaxProperties=1), else None with the error reported; a key outside ``fields``
    is an unknown field."""
    given = present(m)
    unknown = [k for k in given if k not in fields]
    c.unknown_keys({k: m[k] for k in unknown}, path, list(fields))
    known = [k for k in given if k in fields]
    if unknown:
        return None
    if len(known) != 1:
        sets = f"it sets {', '.join(known)}" if known else "it sets none"
        c.error(path, f"{what} must set exactly one of {', '.join(fields)}; {sets}", "exactly-one-field")
        return None
    return str(known[0])


def bounded_list(
    c: Checker, value: Any, path: Path, low: int, high: int, what: str, *, required: bool = False
) -> list[Any] | None:
    """A list of ``low``..``high`` items (MinItems, MaxItems), else None with the error reported;
    None also when the field is absent (an error if ``required``)."""
    if value is None:
        if required:
            c.error(path, f"{what} is required", "required")
        return None
    items = c.sequence(value, path)
    if items is None:
        return None
    if len(items) < low:
        # e.g. ``from``: "This field must be defined and contain at least one item."
        c.error(path, f"{what} must hold at least {low} item(s), got {len(items)}", "too-few-items")
        return None
    if len(items) > high:
        c.error(path, f"{what} may hold at most {high} items, got {len(items)}", "too-many-items")
        return None
    return items


def _number(c: Checker, m: Mapping[str, Any], key: str, path: Path) -> int | None:
    """A required port number: ``+kubebuilder:validation:Minimum=1``, ``Maximum=65535``."""
    at = [*path, key]
    if m.get(key) is None:
        c.error(at, f"{key} is required", "required")
        return None
    value = c.integer(m[key], at)
    if value is None:
        return None
    if not MIN_PORT <= value <= MAX_PORT:
        c.error(at, f"{key} {shown(value)} is not between 1 and 65535", "bad-port")
        return None
    return value


def _port_name(c: Checker, value: Any, path: Path) -> str | None:
    """A named port, a string (the CRDs set no pattern): it matches a containerPort of that name."""
    if not isinstance(value, str):
        c.error(path, f"a port name must be a string, got {type_name(value)}", "wrong-type")
        return None
    if not value:
        c.error(path, "a port name must not be empty", "required")
        return None
    return value


def _collect(c: Checker, items: list[Any], path: Path, read: Reader) -> Ports:
    numbers: list[PolicyPort] = []
    names: list[str] = []
    for j, raw in enumerate(items):
        got = read(c, raw, [*path, j])
        if isinstance(got, PolicyPort):
            numbers.append(got)
        elif isinstance(got, str) and got not in names:
            names.append(got)
    return tuple(dict.fromkeys(numbers)), tuple(names)


def anp_ports(c: Checker, value: Any, path: Path) -> Ports:
    """ANP/BANP ``ports`` (optional): "If Ports is not set then the rule does not filter traffic
    via port." ``ports: []`` is invalid (MinItems=1)."""
    items = bounded_list(c, value, path, 1, _MAX_PORTS["ports"], "ports")
    return _collect(c, items or [], path, _anp_port)


def _anp_port(c: Checker, raw: Any, path: Path) -> PolicyPort | str | None:
    # AdminNetworkPolicyPort: "Exactly one field must be set." (MinProperties=1, MaxProperties=1)
    m = c.mapping(raw, path, null=False)
    if m is None:
        return None
    key = one_field(c, m, path, _ANP_PORT_FIELDS, "a port")
    if key is None:
        return None
    at = [*path, key]
    if key == "namedPort":
        # "NamedPort selects a port on a pod(s) based on name." (experimental channel)
        return _port_name(c, m[key], at)
    if key == "portNumber":
        body = c.mapping(m[key], at, allowed=("protocol", "port"))
        if body is None:
            return None
        # Port.protocol: "+kubebuilder:default=TCP": "If not specified, this field defaults to TCP."
        proto = _protocol(c, body.get("protocol"), [*at, "protocol"])
        port = _number(c, body, "port", at)
        return None if proto is None or port is None else PolicyPort(proto, port)
    body = c.mapping(m[key], at, allowed=("protocol", "start", "end"))
    if body is None:
        return None
    proto = _protocol(c, body.get("protocol"), [*at, "protocol"])
    start = _number(c, body, "start", at)
    end = _number(c, body, "end", at)
    if proto is None or start is None or end is None:
        return None
    # v1alpha1 PortRange: "the Start value must be less than End" and "the End value must be
    # greater than Start" are doc-only (no CEL rule: the API server accepts any order). netpol's
    # choice: end < start, a range that holds no port, is an error; start == end is the one port
    # "an inclusive range of ports from the the assigned Start value to End value" then holds.
    if end < start:
        c.error(
            [*at, "end"],
            f"portRange end {end} is below start {start}: the range holds no port "
            "(the API says: the End value must be greater than Start)",
            "bad-port-range",
        )
        return None
    return PolicyPort(proto, start, None if end == start else end)


def cnp_protocols(c: Checker, value: Any, path: Path) -> Ports:
    """CNP ``protocols`` (optional): "If unspecified, protocol-specific attributes will not be
    used to match traffic." ``protocols: []`` is invalid (MinItems=1)."""
    items = bounded_list(c, value, path, 1, _MAX_PORTS["protocols"], "protocols")
    return _collect(c, items or [], path, _cnp_protocol)


def _cnp_protocol(c: Checker, raw: Any, path: Path) -> PolicyPort | str | None:
    # ClusterNetworkPolicyProtocol: "Exactly one field must be set." (MinProperties=1, MaxProperties=1)
    m = c.mapping(raw, path, null=False)
    if m is None:
        return None
    key = one_field(c, m, path, _CNP_PROTOCOL_FIELDS, "a protocol")
    if key is None:
        return None
    at = [*path, key]
    if key == "destinationNamedPort":
        # "selects a destination port on a pod based on the ContainerPort name" (experimental)
        return _port_name(c, m[key], at)
    body = c.mapping(m[key], at, allowed=("destinationPort",))
    if body is None:
        return None
    # ClusterNetworkPolicyProtocolTCP (UDP, SCTP): "+kubebuilder:validation:MinProperties=1".
    if body.get("destinationPort") is None:
        c.error([*at, "destinationPort"], f"{key} must set destinationPort (MinProperties=1)", "required")
        return None
    dest = [*at, "destinationPort"]
    port = c.mapping(body["destinationPort"], dest)
    if port is None:
        return None
    # Port: "You must specify either Port or Range." (MinProperties=1, MaxProperties=1)
    which = one_field(c, port, dest, ("number", "range"), "destinationPort")
    if which is None:
        return None
    if which == "number":
        number = _number(c, port, "number", dest)
        return None if number is None else PolicyPort(_CNP_PROTOCOLS[key], number)
    rng = c.mapping(port["range"], [*dest, "range"], allowed=("start", "end"))
    if rng is None:
        return None
    start = _number(c, rng, "start", [*dest, "range"])
    end = _number(c, rng, "end", [*dest, "range"])
    if start is None or end is None:
        return None
    # PortRange: XValidation rule "self.start < self.end", so start == end is rejected too.
    if not start < end:
        c.error([*dest, "range"], "Start port must be less than End port", "bad-port-range")
        return None
    return PolicyPort(_CNP_PROTOCOLS[key], start, end)


def networks(c: Checker, value: Any, path: Path) -> tuple[IPBlock, ...]:
    # networks: "listType=set", MinItems=1, MaxItems=25; CIDR: "MaxLength=43", CEL
    # "isCIDR(self)", message "Invalid CIDR format provided".
    blocks: list[IPBlock] = []
    seen: set[str] = set()
    for j, raw in enumerate(bounded_list(c, value, path, 1, _MAX_SET, "networks") or []):
        at = [*path, j]
        if isinstance(raw, str) and len(raw) > _MAX_CIDR:
            c.error(at, f"invalid CIDR {shown(raw)}: at most 43 characters", "bad-cidr")
            continue
        if isinstance(raw, str) and raw in seen:
            c.error(at, f"duplicate value {raw!r} (networks is a set)", "duplicate-item")
            continue
        net = _network(c, raw, at)
        if net is not None and isinstance(raw, str):
            seen.add(raw)
            if IPBlock(net) not in blocks:  # '10.0.0.1/8' after '10.0.0.0/8': the same block
                blocks.append(IPBlock(net))
    return tuple(blocks)


_DOMAIN_LABEL = re.compile(r"[a-zA-Z0-9](?:[-a-zA-Z0-9_]*[a-zA-Z0-9])?")


def _valid_domain_name(name: str) -> bool:
    """Whether ``name`` matches DomainName's pattern
    ``^(\\*\\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\\.)+[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\\.?$``
    (v1alpha2's; v1alpha1 writes ``A-z``, a typo read here as ``A-Z``). "'*' may only be specified
    as a prefix" and matches "one or more entire labels"; a trailing dot is allowed.

    Checked label by label, which is the same language without the pattern's backtracking."""
    body = name[2:] if name.startswith("*.") else name
    body = body.removesuffix(".")
    labels = body.split(".")
    return len(labels) >= 2 and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)


def domain_names(c: Checker, value: Any, path: Path) -> tuple[str, ...]:
    # domainNames: "listType=set", MinItems=1, MaxItems=25, each a DomainName.
    names: list[str] = []
    for j, raw in enumerate(bounded_list(c, value, path, 1, _MAX_SET, "domainNames") or []):
        at = [*path, j]
        if not isinstance(raw, str):
            c.error(at, f"a domain name must be a string, got {type_name(raw)}", "wrong-type")
        elif not _valid_domain_name(raw):
            c.error(
                at,
                f"invalid domain name {shown(raw)} (labels of letters, digits, '-' and '_', "
                "at least two, '*.' only as a prefix)",
                "bad-domain-name",
            )
        elif raw in names:
            c.error(at, f"duplicate value {raw!r} (domainNames is a set)", "duplicate-item")
        else:
            names.append(raw)
    return tuple(names)
