"""Check stage, first half: an intent file read and validated into expectations.

An intent file is a YAML list of expectations::

    - from: shop/frontend          # an endpoint: ns/name, ns/name[Kind], a pod name, an IP
      to: shop/db
      port: 5432                   # optional: a number or a port name of the destination
      protocol: TCP                # optional: TCP (default with a port), UDP, SCTP
      expect: deny                 # allow | deny
    - from: {namespace: dev}       # every workload of a namespace...
      to: {namespace: prod, labels: {tier: db}}   # ...or those with these labels
      expect: deny
    - from: internet               # every public address (IPv6 too when the input uses IPv6)
      to: shop/frontend
      port: 443
      expect: allow
    - name: partners reach the API # optional, names the expectation in reports
      from: {cidr: 198.51.100.0/24}
      to: shop/api
      expect: allow

Sides may also be ``{name: web, kind: Deployment}``, ``{namespaceLabels: {team: shop}}`` or any mix.
``expect: deny`` holds when no (source, destination) pair may connect on the port (any port when
none is given). ``expect: allow`` holds when every pair may: on the port, or on some port when
none is given. A pod reaching itself is never compared; nor is traffic between two outside
addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from netpol.core.ports import Protocol, parse_port
from netpol.errors import Location, shown
from netpol.load.fields import Problems, YamlFile, read_yaml, type_name

__all__ = ["Expectation", "Intent", "Target", "Verdict", "load_intent", "parse_intent"]

_ITEM_KEYS = ("name", "from", "to", "port", "protocol", "expect")
_SIDE_KEYS = ("namespace", "namespaceLabels", "labels", "name", "kind", "cidr")
_INTERNET = "internet"


class Verdict(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class Target:
    """One side of an expectation, as written."""

    text: str
    """How it reads in reports: ``shop/db``, ``internet``, ``{namespace: dev}``."""
    ref: str | None = None
    """An endpoint reference (``ns/name``, an IP) resolved by the graph."""
    internet: bool = False
    cidr: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    namespace: str | None = None
    namespace_labels: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    name: str | None = None
    kind: str | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Expectation:
    index: int
    """0-based position in the intent file."""
    src: Target
    dst: Target
    expect: Verdict
    port: int | str | None = None
    protocol: Protocol | None = None
    name: str | None = None
    location: Location | None = None

    @property
    def title(self) -> str:
        if self.name:
            return self.name
        return f"{self.src.text} -> {self.dst.text} {self.what}: {self.expect.value}"

    @property
    def what(self) -> str:
        if self.port is not None:
            return f"({(self.protocol or Protocol.TCP).value} {self.port})"
        if self.protocol is not None:
            return f"({self.protocol.value}, any port)"
        return "(any port)"


@dataclass(frozen=True, slots=True)
class Intent:
    source: str
    expectations: tuple[Expectation, ...]


# -- reading an intent file ----------------------------------------------------------------------


def load_intent(path: str) -> Intent:
    """Read and validate an intent file; InputError (exit code 2) with file:line when bad."""
    return parse_intent(read_yaml(path, "intent file"))


def parse_intent(file: YamlFile) -> Intent:
    p = Problems(file, "intent file")
    data = file.value
    if data is None:
        data = []
    if not isinstance(data, list):
        p.error((), f"an intent file is a list of expectations, got {type_name(data)}", "wrong-type")
        p.raise_if_any()
    out: list[Expectation] = []
    for i, item in enumerate(data):
        exp = _expectation(p, i, item)
        if exp is not None:
            out.append(exp)
    p.raise_if_any()
    return Intent(file.source, tuple(out))


def _expectation(p: Problems, i: int, item: Any) -> Expectation | None:
    if not isinstance(item, Mapping):
        p.error(
            (i,), f"an expectation is a mapping with from, to and expect; got {type_name(item)}", "wrong-type"
        )
        return None
    before = len(p.found)
    for key in item:
        if key not in _ITEM_KEYS:
            p.error(
                (i, key), f"unknown field {key!r} (expected one of: {', '.join(_ITEM_KEYS)})", "unknown-field"
            )
    sides = []
    for key in ("from", "to"):
        if key not in item:
            p.error((i,), f"the expectation has no {key!r}", "required")
            continue
        sides.append(_target(p, (i, key), item[key]))
    expect = None
    raw = item.get("expect")
    if raw is None:
        p.error((i,), "the expectation has no 'expect' (allow or deny)", "required")
    else:
        try:
            expect = Verdict(raw.lower()) if isinstance(raw, str) else None
        except ValueError:
            expect = None
        if expect is None:
            p.error((i, "expect"), f"expect must be allow or deny, got {shown(raw)}", "bad-value")
    protocol = None
    if item.get("protocol") is not None:
        raw = item["protocol"]
        try:
            protocol = Protocol(raw.upper()) if isinstance(raw, str) else None
        except ValueError:
            protocol = None
        if protocol is None:
            p.error((i, "protocol"), f"protocol must be TCP, UDP or SCTP, got {shown(raw)}", "bad-protocol")
    port = item.get("port")
    if port is not None:
        try:
            if not isinstance(port, int | str):
                raise ValueError(f"got {shown(port)}")
            port = parse_port(port)
        except ValueError as exc:
            p.error(
                (i, "port"), f"port must be a number between 1 and 65535 or a port name: {exc}", "bad-port"
            )
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        p.error((i, "name"), f"name must be a string, got {type_name(name)}", "wrong-type")
    if len(p.found) > before or expect is None or len(sides) != 2:
        return None
    src, dst = sides
    if src is None or dst is None:
        return None
    return Expectation(i, src, dst, expect, port, protocol, name, p.file.at(i))


def _labels(p: Problems, path: tuple[str | int, ...], value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        p.error(
            path, "labels must map label keys to string values (quote numbers and booleans)", "wrong-type"
        )
        return ()
    return tuple(sorted(value.items()))


def _target(p: Problems, path: tuple[str | int, ...], value: Any) -> Target | None:
    where = p.file.at(*path)
    if isinstance(value, str):
        text = value.strip()
        if text == _INTERNET:
            return Target(text, internet=True, location=where)
        if "/" in text and "[" not in text:
            try:
                return Target(text, cidr=ipaddress.ip_network(text, strict=False), location=where)
            except ValueError:
                pass
        if not text:
            p.error(path, "an empty endpoint", "bad-value")
            return None
        return Target(text, ref=text, location=where)
    if not isinstance(value, Mapping) or not value:
        p.error(
            path,
            f"expected an endpoint (ns/name), 'internet', or a mapping with "
            f"{', '.join(_SIDE_KEYS)}; got {type_name(value)}",
            "wrong-type",
        )
        return None
    before = len(p.found)
    for key in value:
        if key not in _SIDE_KEYS:
            p.error(
                (*path, key),
                f"unknown field {key!r} (expected one of: {', '.join(_SIDE_KEYS)})",
                "unknown-field",
            )
    strings = {}
    for key in ("namespace", "name", "kind", "cidr"):
        v = value.get(key)
        if v is not None and not isinstance(v, str):
            p.error((*path, key), f"{key} must be a string, got {type_name(v)}", "wrong-type")
        strings[key] = v if isinstance(v, str) else None
    cidr = None
    if strings["cidr"] is not None:
        if len(value) > 1:
            p.error((*path, "cidr"), "cidr cannot be combined with other fields", "bad-value")
        try:
            cidr = ipaddress.ip_network(strings["cidr"], strict=False)
        except ValueError:
            p.error((*path, "cidr"), f"invalid CIDR {strings['cidr']!r}", "bad-cidr")
    ns_labels = (
        _labels(p, (*path, "namespaceLabels"), value["namespaceLabels"]) if "namespaceLabels" in value else ()
    )
    labels = _labels(p, (*path, "labels"), value["labels"]) if "labels" in value else ()
    if len(p.found) > before:
        return None
    text = "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return Target(
        text,
        cidr=cidr,
        namespace=strings["namespace"],
        namespace_labels=ns_labels,
        labels=labels,
        name=strings["name"],
        kind=strings["kind"],
        location=where,
    )


def _short(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)
