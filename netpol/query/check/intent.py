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
A side with a namespace (or namespace labels) that matches no endpoint of the input, or written as
``query --from`` writes a pod the input does not hold (``ingress-nginx/{app=nginx}``), is judged as
that pod (:mod:`~netpol.query.check.sides`).
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
from netpol.errors import Location
from netpol.load.fields import FieldPath, Problems, YamlFile, read_yaml

__all__ = ["Expectation", "Intent", "Target", "Verdict", "load_intent", "parse_intent"]

_ITEM_KEYS = ("name", "from", "to", "port", "protocol", "expect")
_SIDE_KEYS = ("namespace", "namespaceLabels", "labels", "name", "kind", "cidr")
_LABEL_FIELDS = ("namespaceLabels", "labels")
_LABELS = "labels must map label keys to string values (quote numbers and booleans)"
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
    """Every problem of the file is reported; an expectation is kept only from a clean file."""
    p = Problems(file, "intent file")
    items = p.mappings(
        file.value,
        (),
        what="an intent file is a list of expectations",
        each="an expectation is a mapping with from, to and expect",
        each_got="; got",
    )
    out = [exp for i, path, item in items if (exp := _expectation(p, i, path, item)) is not None]
    p.raise_if_any()
    return Intent(file.source, tuple(out))


def _expectation(p: Problems, i: int, path: FieldPath, item: Mapping[str, Any]) -> Expectation | None:
    p.unknown_keys(item, path, _ITEM_KEYS, typed_keys=True)
    src, dst = (
        _target(p, (*path, key), item[key])
        if p.has(item, key, path, f"the expectation has no {key!r}", null=False)
        else None
        for key in ("from", "to")
    )
    expect = None
    if p.has(item, "expect", path, "the expectation has no 'expect' (allow or deny)"):
        expect = p.choice(item["expect"], (*path, "expect"), Verdict, what="expect must be allow or deny")
    protocol = p.choice(
        item.get("protocol"),
        (*path, "protocol"),
        Protocol,
        what="protocol must be TCP, UDP or SCTP",
        code="bad-protocol",
        null=True,
    )
    port = p.parsed(
        item.get("port"),
        (*path, "port"),
        parse_port,
        (int, str),
        what="port must be a number between 1 and 65535 or a port name",
        code="bad-port",
    )
    name = p.string(item.get("name"), (*path, "name"), what="name must be a string")
    if p.failed or src is None or dst is None or expect is None:
        return None
    return Expectation(i, src, dst, expect, port, protocol, name, p.file.at(*path))


def _target(p: Problems, path: FieldPath, value: Any) -> Target | None:
    where = p.file.at(*path)
    side = p.string_or_mapping(
        value,
        path,
        what=f"expected an endpoint (ns/name), 'internet', or a mapping with {', '.join(_SIDE_KEYS)}",
        got="; got",
        empty=False,
    )
    if isinstance(side, str):
        return _named(p, path, side.strip(), where)
    if side is None:
        return None
    p.unknown_keys(side, path, _SIDE_KEYS, typed_keys=True)
    namespace, name, kind, cidr = (
        p.string(side.get(key), (*path, key), what=f"{key} must be a string")
        for key in ("namespace", "name", "kind", "cidr")
    )
    network = None
    if cidr is not None:
        if len(side) > 1:
            p.error((*path, "cidr"), "cidr cannot be combined with other fields", "bad-value")
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            p.error((*path, "cidr"), f"invalid CIDR {cidr!r}", "bad-cidr")
    ns_labels, labels = (
        p.string_map(side.get(key, {}), (*path, key), what=_LABELS, null=False) or {} for key in _LABEL_FIELDS
    )
    if p.failed:  # the file is refused: a side is built only while every field so far is clean
        return None
    return Target(
        "{" + ", ".join(f"{k}: {_braces(v) if k in _LABEL_FIELDS else v}" for k, v in side.items()) + "}",
        cidr=network,
        namespace=namespace,
        namespace_labels=tuple(sorted(ns_labels.items())),
        labels=tuple(sorted(labels.items())),
        name=name,
        kind=kind,
        location=where,
    )


def _named(p: Problems, path: FieldPath, text: str, where: Location) -> Target | None:
    """A side written as one string: ``internet``, a CIDR, or an endpoint the graph resolves."""
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


def _braces(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in labels.items()) + "}"
