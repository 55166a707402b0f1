"""Port sets: for each protocol, the merged inclusive port ranges a connection may use."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from netpol.core.intervals import intersect, merge, subtract
from netpol.errors import shown

__all__ = ["MAX_PORT", "MIN_PORT", "Name", "PortSet", "Protocol", "Range", "parse_port", "valid_port_name"]

MIN_PORT = 1
MAX_PORT = 65535

Range = tuple[int, int]
Ranges = tuple[Range, ...]


class Protocol(StrEnum):
    # networking/v1: "The protocol (TCP, UDP, or SCTP) which traffic must match. If not specified,
    # this field defaults to TCP."
    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"


# IANA_SVC_NAME (k8s.io/apimachinery validation.IsValidPortName): "must contain only
# alpha-numeric characters (a-z, 0-9), and hyphens (-)", "must contain at least one letter
# (a-z)", "must not contain consecutive hyphens", "must not begin or end with a hyphen", at
# most 15 characters.
_PORT_NAME = re.compile(r"(?=.*[a-z])[a-z0-9](?:[a-z0-9]|-(?!-))*")


def valid_port_name(name: str) -> bool:
    """Whether ``name`` is a port name the API server accepts (IANA_SVC_NAME)."""
    return len(name) <= 15 and _PORT_NAME.fullmatch(name) is not None and not name.endswith("-")


def parse_port(text: str | int) -> int | str:
    """A port as a user writes it (``8080``, ``http``): a number between 1 and 65535 or a valid
    port name; ValueError with the reason otherwise (``-1``, ``8080x``, ``0``, ``Http``)."""
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a port")
    if isinstance(text, int):
        number = text
    else:
        text = text.strip()
        if not text.isascii() or not text.isdigit():
            if valid_port_name(text):
                return text
            raise ValueError(
                f"{text!r} is neither a port number (1-65535) nor a port name "
                "(IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', with "
                "a letter)"
            )
        if len(text.lstrip("0")) > 5:  # never convert a huge number (int() refuses 4,300 digits)
            raise ValueError(f"port {shown(text)} is not between {MIN_PORT} and {MAX_PORT}")
        number = int(text)
    if not MIN_PORT <= number <= MAX_PORT:
        raise ValueError(f"port {shown(number)} is not between {MIN_PORT} and {MAX_PORT}")
    return number


_PROTOCOLS = tuple(Protocol)
_FULL: Ranges = ((MIN_PORT, MAX_PORT),)


def _intersect(a: Ranges, b: Ranges) -> Ranges:
    if a == _FULL:
        return b
    if b == _FULL:
        return a
    return intersect(a, b)


def _format_ranges(ranges: Ranges) -> str:
    if ranges == _FULL:
        return "all"
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)


Name = tuple[Protocol, str]
"""A named port whose number is unknown: a stand-in's (``(TCP, "http")``)."""


@dataclass(frozen=True, slots=True)
class PortSet:
    """An immutable set of (protocol, port) pairs, kept as merged ranges per protocol.

    ``named`` holds ports known by name only: a rule's named port toward a stand-in endpoint,
    which declares no container ports, so the number behind the name is unknown. A name is one
    port of its protocol: every port of the protocol covers it; a number or a range does not
    (the name may be another port), so an intersection with one drops it.
    """

    tcp: Ranges = ()
    udp: Ranges = ()
    sctp: Ranges = ()
    named: tuple[Name, ...] = ()

    @classmethod
    def all(cls) -> PortSet:
        return _ALL

    @classmethod
    def none(cls) -> PortSet:
        return _NONE

    @classmethod
    def of(cls, protocol: Protocol | str, lo: int = MIN_PORT, hi: int | None = None) -> PortSet:
        """One range of one protocol; ``hi`` defaults to ``lo`` when ``lo`` is given."""
        if hi is None:
            hi = MAX_PORT if lo == MIN_PORT else lo
        return cls.from_mapping({Protocol(protocol): [(lo, hi)]})

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[Protocol, Iterable[Range]] | Mapping[str, Iterable[Range]],
        named: Iterable[Name] = (),
    ) -> PortSet:
        by = {Protocol(k): merge(v) for k, v in mapping.items()}
        tcp, udp, sctp = by.get(Protocol.TCP, ()), by.get(Protocol.UDP, ()), by.get(Protocol.SCTP, ())
        return cls(tcp, udp, sctp, _names(named, tcp, udp, sctp))

    def ranges(self, protocol: Protocol | str) -> Ranges:
        p = Protocol(protocol)
        if p is Protocol.TCP:
            return self.tcp
        if p is Protocol.UDP:
            return self.udp
        return self.sctp

    def names(self, protocol: Protocol | str) -> tuple[str, ...]:
        """The ports of ``protocol`` known by name only (a stand-in's), in name order."""
        p = Protocol(protocol)
        return tuple(n for q, n in self.named if q is p)

    def items(self) -> Iterator[tuple[Protocol, Ranges]]:
        """Protocols with numbered ports allowed, in TCP, UDP, SCTP order (names: :meth:`names`)."""
        for p, r in zip(_PROTOCOLS, (self.tcp, self.udp, self.sctp), strict=True):
            if r:
                yield p, r

    def protocols(self) -> Iterator[Protocol]:
        """Protocols with something allowed, numbered or named, in TCP, UDP, SCTP order."""
        for p, r in zip(_PROTOCOLS, (self.tcp, self.udp, self.sctp), strict=True):
            if r or any(q is p for q, _ in self.named):
                yield p

    def __bool__(self) -> bool:
        return bool(self.tcp or self.udp or self.sctp or self.named)

    def is_all(self) -> bool:
        return self.tcp == _FULL and self.udp == _FULL and self.sctp == _FULL

    def allows(self, protocol: Protocol | str, port: int | str) -> bool:
        """Whether ``port`` (a number, or a name known by name only) is allowed."""
        if isinstance(port, str):
            return (Protocol(protocol), port) in self.named or self.ranges(protocol) == _FULL
        return any(lo <= port <= hi for lo, hi in self.ranges(protocol))

    def __or__(self, other: PortSet) -> PortSet:
        if self is other or not other:
            return self
        if not self:
            return other
        tcp, udp, sctp = (
            merge(self.tcp + other.tcp),
            merge(self.udp + other.udp),
            merge(self.sctp + other.sctp),
        )
        named = _names((*self.named, *other.named), tcp, udp, sctp) if self.named or other.named else ()
        return PortSet(tcp, udp, sctp, named)

    def __and__(self, other: PortSet) -> PortSet:
        if self is other or other is _ALL:
            return self
        if self is _ALL:
            return other
        named: tuple[Name, ...] = ()
        if self.named or other.named:
            mine, theirs = set(self.named), set(other.named)
            named = tuple(
                sorted(
                    n
                    for n in mine | theirs
                    if (n in mine or self.ranges(n[0]) == _FULL)
                    and (n in theirs or other.ranges(n[0]) == _FULL)
                )
            )
        return PortSet(
            _intersect(self.tcp, other.tcp),
            _intersect(self.udp, other.udp),
            _intersect(self.sctp, other.sctp),
            named,
        )

    def __sub__(self, other: PortSet) -> PortSet:
        tcp, udp, sctp = (
            subtract(self.tcp, other.tcp),
            subtract(self.udp, other.udp),
            subtract(self.sctp, other.sctp),
        )
        named = tuple(n for n in self.named if n not in other.named and other.ranges(n[0]) != _FULL)
        # What is left of a full protocol once a name is taken out is every port but an unknown
        # one: shown as every port, as no number can be named.
        return PortSet(tcp, udp, sctp, named)

    def issubset(self, other: PortSet) -> bool:
        return not (self - other)

    def to_json(self) -> dict[str, list[list[int] | str]]:
        """``{"TCP": [[80, 80], "http"], "UDP": [[1, 65535]]}``: ranges, then the ports known by
        name only (a stand-in's); protocols with nothing allowed are absent."""
        out: dict[str, list[list[int] | str]] = {}
        for p in self.protocols():
            spans: list[list[int] | str] = [[lo, hi] for lo, hi in self.ranges(p)]
            out[p.value] = spans + list(self.names(p))
        return out

    def __str__(self) -> str:
        """``TCP 80,8080-8090; UDP all``; ``all`` when every port of every protocol; ``none``; a
        port known by name only reads ``port named http (number unknown)``."""
        if self.is_all():
            return "all"
        if not self:
            return "none"
        parts = []
        for p in self.protocols():
            ranges = self.ranges(p)
            words = [_format_ranges(ranges)] if ranges else []
            words += [f"port named {n} (number unknown)" for n in self.names(p)]
            parts.append(f"{p.value} {','.join(words)}")
        return "; ".join(parts)


def _names(named: Iterable[Name], tcp: Ranges, udp: Ranges, sctp: Ranges) -> tuple[Name, ...]:
    """``named`` sorted, without repeats, and without those every port of their protocol covers."""
    full = {p for p, r in zip(_PROTOCOLS, (tcp, udp, sctp), strict=True) if r == _FULL}
    return tuple(sorted({(Protocol(p), n) for p, n in named if Protocol(p) not in full}))


_ALL = PortSet(_FULL, _FULL, _FULL)
_NONE = PortSet()
