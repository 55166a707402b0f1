"""What every flow reader shares: the sink that collects one file's flows, ignored lines and
diagnostics, the error a line's reader raises, JSON lines read one by one, and the helpers that
read a field the way each format spells it."""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from netpol.core.ports import MAX_PORT, MIN_PORT, Protocol
from netpol.errors import Diagnostic, Location, Severity, shown
from netpol.flows.records import Flow, FlowEnd, FlowFile, FlowFormat

__all__ = [
    "CLOSE",
    "NOT_A_FLOW",
    "NOT_L4",
    "REPLY",
    "BadLine",
    "FlowSink",
    "json_lines",
    "parse_address",
    "parse_labels",
    "parse_port_number",
    "parse_protocol",
    "pick",
    "pick_text",
]

REPLY = "reply"
NOT_L4 = "not L4"
NOT_A_FLOW = "not a flow"
CLOSE = "close event"


class BadLine(ValueError):
    """A line that is no flow netpol can read: the message says why (the sink adds where)."""


class FlowSink:
    """One file's flows, ignored lines (by reason) and diagnostics, as its reader finds them."""

    def __init__(self, source: str, fmt: FlowFormat) -> None:
        self.source = source
        self.format = fmt
        self.flows: list[Flow] = []
        self.ignored: Counter[str] = Counter()
        self.diagnostics: list[Diagnostic] = []
        self._notes: dict[str, tuple[int, int, str]] = {}

    def at(self, line: int) -> Location:
        return Location(self.source, line=line)

    def flow(
        self,
        line: int,
        src: FlowEnd,
        dst: FlowEnd,
        protocol: Protocol,
        port: int | None,
        end_port: int | None = None,
    ) -> None:
        self.flows.append(Flow(src, dst, protocol, port, end_port, self.at(line)))

    def ignore(self, reason: str) -> None:
        self.ignored[reason] += 1

    def error(self, line: int, message: str, text: str | None = None, code: str = "bad-flow") -> None:
        where = Location(self.source, line=line, snippet=None if text is None else text.rstrip("\r\n"))
        self.diagnostics.append(Diagnostic(Severity.ERROR, code, message, where))

    def warn(self, line: int, message: str, code: str) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, code, message, self.at(line)))

    def note_once(self, key: str, line: int, message: str) -> None:
        """An informational note said once for every line it concerns: at the first, counted."""
        first, count, _ = self._notes.get(key, (line, 0, message))
        self._notes[key] = (first, count + 1, message)

    def result(self) -> FlowFile:
        notes = [
            Diagnostic(
                Severity.INFO,
                "flow-note",
                message + (f" ({count} lines like it)" if count > 1 else ""),
                self.at(first),
            )
            for first, count, message in self._notes.values()
        ]
        diagnostics = sorted((*self.diagnostics, *notes), key=_line_of)
        return FlowFile(tuple(self.flows), self.format, dict(self.ignored), tuple(diagnostics), self.source)


def _line_of(d: Diagnostic) -> int:
    return (d.location.line or 0) if d.location is not None else 0


def json_lines(text: str, sink: FlowSink) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """``(line number, line, object)`` for every line of JSON lines that holds a JSON object; a
    line that does not is a diagnostic in ``sink``; blank lines are skipped."""
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            sink.error(n, f"not JSON: {exc.msg} (column {exc.colno})", line, code="malformed-flow")
            continue
        except ValueError as exc:  # an integer of more digits than Python converts
            sink.error(n, f"not JSON netpol reads: {exc}", line, code="malformed-flow")
            continue
        if not isinstance(value, dict):
            sink.error(n, f"a line holds a JSON object, not {_kind(value)}", line, "malformed-flow")
            continue
        yield n, line, value


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number" if not isinstance(value, bool) else "a boolean"


def pick(obj: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` that ``obj`` holds and is not null or empty (formats spell a field
    in snake_case or camelCase: ``pod_name``, ``podName``)."""
    for name in names:
        value = obj.get(name)
        if value is not None and value != "" and value != {} and value != []:
            return value
    return None


def pick_text(obj: Mapping[str, Any], *names: str) -> str | None:
    value = pick(obj, *names)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadLine(f"{names[0]} is {shown(value)}, not a string")
    return value


def parse_port_number(value: object, what: str = "port") -> int:
    """A port number of a flow: 1-65535, an integer or a string of digits."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) <= 6 else MAX_PORT + 1
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_PORT <= value <= MAX_PORT:
        raise BadLine(f"{what} {shown(value)} is not a port number ({MIN_PORT}-{MAX_PORT})")
    return value


def parse_protocol(value: object) -> Protocol:
    """TCP, UDP or SCTP, in any case."""
    if isinstance(value, str) and value.strip().upper() in Protocol.__members__:
        return Protocol(value.strip().upper())
    raise BadLine(f"protocol {shown(value)} is not TCP, UDP or SCTP")


def parse_address(value: object, what: str) -> str:
    """An IP address as its canonical text."""
    if isinstance(value, str):
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            pass
    raise BadLine(f"{what} {shown(value)} is not an IP address")


def parse_labels(value: object, what: str) -> dict[str, str]:
    """Labels as a mapping of strings, or as ``k=v,k2=v2`` (newer Inspektor Gadget)."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        pairs = [p.partition("=") for p in value.split(",") if p.strip()]
        if any(not eq for _, eq, _ in pairs):
            raise BadLine(f"{what} {shown(value)} is not a list of key=value labels")
        return {k.strip(): v.strip() for k, _, v in pairs}
    if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    raise BadLine(f"{what} is {shown(value)}, not a mapping of labels")
