"""Flow files read into :class:`FlowFile` records: Hubble (:mod:`~netpol.flows.hubble`),
Inspektor Gadget (:mod:`~netpol.flows.gadget`), CSV (:mod:`~netpol.flows.csv_`) and netpol's own
JSON (:mod:`~netpol.flows.connections`), the format told from the content when not given.

Nothing is dropped silently: every line is a flow, a line counted in :attr:`FlowFile.ignored` by
its reason, or a diagnostic at its file and line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from netpol.errors import InputError
from netpol.flows.connections import NAMED_PORT, read_connections
from netpol.flows.csv_ import is_csv_header, read_csv
from netpol.flows.gadget import is_gadget, read_gadget
from netpol.flows.hubble import read_hubble
from netpol.flows.lines import CLOSE, NOT_A_FLOW, NOT_L4, REPLY, FlowSink
from netpol.flows.records import FlowFile, FlowFormat
from netpol.load.files import DEFAULT_MAX_INPUT_SIZE, read_text

__all__ = ["detect_format", "ignored_text", "read_flows", "read_flows_text"]

_READERS: Mapping[FlowFormat, Callable[[str, FlowSink], None]] = {
    FlowFormat.HUBBLE: read_hubble,
    FlowFormat.GADGET: read_gadget,
    FlowFormat.CSV: read_csv,
    FlowFormat.NETPOL: read_connections,
}
_SNIFFED_LINES = 20
"""How many JSON lines detection reads for a decisive one (a gadget's first lines may be its
debug messages)."""


def read_flows(
    path: str,
    fmt: FlowFormat | None = None,
    *,
    max_size: int = DEFAULT_MAX_INPUT_SIZE,
    stdin: TextIO | None = None,
) -> FlowFile:
    """The flows of the file at ``path`` (``-``: standard input), read with the limits of every
    input (no device, at most ``max_size`` bytes), in ``fmt`` or the format its content shows.
    InputError when the file cannot be read or its format cannot be told; problems of single
    lines are diagnostics of the result."""
    text = read_text(path, "the flow file", max_size=max_size, stdin=stdin)
    return read_flows_text(text, "<stdin>" if path == "-" else path, fmt)


def read_flows_text(text: str, source: str = "<string>", fmt: FlowFormat | None = None) -> FlowFile:
    """The flows of ``text``, read as the file ``source`` would be."""
    if text.startswith("\ufeff"):
        text = text[1:]
    fmt = fmt or detect_format(text, source)
    sink = FlowSink(source, fmt)
    _READERS[fmt](text, sink)
    return sink.result()


def detect_format(text: str, source: str = "<string>") -> FlowFormat:
    """The format of a flow file, from its first lines: a JSON object with ``flow`` (or
    ``source``, ``destination`` and ``l4``) is Hubble, with ``pktType`` or ``remoteKind`` (or
    ``src`` and ``dst`` endpoints) Inspektor Gadget; a JSON document with ``connections`` is
    ``netpol list -o json``; a CSV header naming ``src`` and ``dst`` is CSV. InputError otherwise."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise _undetected(source, None, "the file holds no flows")
    n, first = lines[0]
    if not first.lstrip().startswith(("{", "[")):
        csv_lines = [(n, line) for n, line in lines if not line.lstrip().startswith("#")]
        if csv_lines and is_csv_header(csv_lines[0][1]):
            return FlowFormat.CSV
        raise _undetected(source, n, "the first line is neither JSON nor a CSV header naming src and dst")
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and "connections" in doc:
        return FlowFormat.NETPOL
    for _, line in lines[:_SNIFFED_LINES]:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            found = _json_line_format(obj)
            if found is not None:
                return found
    raise _undetected(source, n, "no line is a Hubble flow or an Inspektor Gadget event")


def _json_line_format(obj: Mapping[str, Any]) -> FlowFormat | None:
    if isinstance(obj.get("flow"), dict) or {"source", "destination", "l4"} <= obj.keys():
        return FlowFormat.HUBBLE
    if is_gadget(obj):
        return FlowFormat.GADGET
    return None


def _undetected(source: str, line: int | None, why: str) -> InputError:
    formats = ", ".join(f.value for f in FlowFormat)
    where = source if line is None else f"{source}:{line}"
    return InputError(
        f"cannot tell the format of the flow file {where}: {why}; the formats are {formats} (--flows-format)"
    )


_WORDS = {
    REPLY: ("reply", "replies"),
    NOT_L4: ("flow without TCP, UDP or SCTP (ICMP...)", "flows without TCP, UDP or SCTP (ICMP...)"),
    NOT_A_FLOW: ("line that is no flow (an event, a message)", "lines that are no flows (events, messages)"),
    CLOSE: ("close event (its connect or accept is the flow)", "close events (of connections seen open)"),
    NAMED_PORT: ("port known by name only (a stand-in's)", "ports known by name only (a stand-in's)"),
}


def ignored_text(ignored: Mapping[str, int]) -> str:
    """``12 replies, 1 flow without TCP, UDP or SCTP (ICMP...), 2 lines with verdict ERROR``."""
    parts = []
    for reason, count in sorted(ignored.items(), key=lambda rc: (-rc[1], rc[0])):
        one, many = _WORDS.get(reason, (f"line with {reason}", f"lines with {reason}"))
        parts.append(f"{count} {one if count == 1 else many}")
    return ", ".join(parts) if parts else "nothing"
