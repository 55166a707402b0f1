"""The records of observed traffic: flows as a flow file gives them, and flows placed on an
allow-graph's endpoints. Readers (:mod:`netpol.flows.formats`) make :class:`Flow`;
:func:`netpol.flows.place.place_flows` makes :class:`PlacedFlow` and :class:`Unplaced`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from netpol.core.ports import Protocol
from netpol.errors import Diagnostic, Location

__all__ = ["Flow", "FlowEnd", "FlowFile", "FlowFormat", "PlacedFlow", "Placement", "Unplaced"]


class FlowFormat(StrEnum):
    HUBBLE = "hubble"
    GADGET = "gadget"
    CSV = "csv"
    NETPOL = "netpol"


@dataclass(frozen=True, slots=True)
class FlowEnd:
    """One side of a flow, as its file names it. Inside the cluster: ``namespace`` with a
    ``pod`` and/or a ``workload`` (``(kind, name)``, kind None when the format does not say) and
    the ``labels`` the file gives; outside: ``address`` only (an IP; a CIDR in csv; a CIDR or a
    ``first-last`` range in ``netpol list`` JSON)."""

    namespace: str | None = None
    pod: str | None = None
    workload: tuple[str | None, str] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    address: str | None = None
    service: str | None = None
    """The Service the file names instead of a pod (Inspektor Gadget's ``svc``): ``labels`` are
    then its selector, and the side is the one workload of ``namespace`` it selects."""

    @property
    def external(self) -> bool:
        return self.namespace is None

    def __str__(self) -> str:
        """How messages name the side: ``shop/frontend-7d9f8-abcde``, ``shop/db[StatefulSet]``,
        ``service kube-system/kube-dns``, ``shop/{app=api}``, ``203.0.113.10``."""
        if self.namespace is None:
            return self.address or "?"
        if self.service is not None:
            return f"service {self.namespace}/{self.service}"
        if self.pod is not None:
            return f"{self.namespace}/{self.pod}"
        if self.workload is not None:
            kind, name = self.workload
            return f"{self.namespace}/{name}" + (f"[{kind}]" if kind else "")
        labels = ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        return f"{self.namespace}/{{{labels}}}"


@dataclass(frozen=True, slots=True)
class Flow:
    """One observed connection attempt: who opened it, toward whom, on which port."""

    src: FlowEnd
    dst: FlowEnd
    protocol: Protocol
    port: int | None
    """The destination port; None for every port (a flow of ``netpol list`` JSON on 1-65535)."""
    end_port: int | None
    """With ``port``, the last port of a range (``netpol list`` JSON); None for one port."""
    location: Location
    """Where the flow file says it: file and line."""

    @property
    def ports_text(self) -> str:
        """``TCP 5432``, ``TCP 8000-8080``, ``UDP all``."""
        if self.port is None:
            return f"{self.protocol.value} all"
        if self.end_port is None:
            return f"{self.protocol.value} {self.port}"
        return f"{self.protocol.value} {self.port}-{self.end_port}"

    def __str__(self) -> str:
        return f"{self.src} -> {self.dst} {self.ports_text}"


@dataclass(frozen=True, slots=True)
class FlowFile:
    """What a flow file held: the flows to place, what was not a flow to allow (replies,
    lines of another kind), counted, and the problems, each with file and line."""

    flows: tuple[Flow, ...]
    format: FlowFormat
    ignored: Mapping[str, int]
    """Reason -> count: ``reply``, ``not L4`` (ICMP...), ... Never silently dropped.
    :func:`netpol.flows.formats.ignored_text` words them for a note."""
    diagnostics: tuple[Diagnostic, ...]
    source: str = "<string>"
    """The file the flows were read from, as the user named it (``<stdin>`` for ``-``)."""


@dataclass(frozen=True, slots=True)
class PlacedFlow:
    """A flow on the graph: node indexes of both sides, and the address of an external side
    (the graph's node is the external range that holds it)."""

    src: int
    dst: int
    protocol: Protocol
    port: int | None
    end_port: int | None
    src_address: str | None
    dst_address: str | None
    """The address (an IP, a CIDR, a ``first-last`` range) of an external side; one that spans
    several of the graph's external ranges is placed once per range."""
    flow: Flow


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A flow that names an endpoint the input does not hold, with the reason in words."""

    flow: Flow
    reason: str


@dataclass(frozen=True, slots=True)
class Placement:
    placed: tuple[PlacedFlow, ...]
    unplaced: tuple[Unplaced, ...]
