"""Diagnostics shared by every stage: where a problem is, how bad it is, and the exit-code contract.

The library never prints. Stages collect :class:`Diagnostic` records; the CLI decides what to show.

Exceptions::

    NetpolError            base of everything netpol raises on purpose
    ├── InputError         the user's input cannot be analysed (exit code 2)
    └── UsageError         a flag or argument is wrong (exit code 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = [
    "Diagnostic",
    "ExitCode",
    "InputError",
    "Location",
    "NetpolError",
    "Severity",
    "UsageError",
    "format_path",
]


class ExitCode(IntEnum):
    """The exit codes of every command (a documented, tested contract)."""

    OK = 0
    """Success; for ``query``: the connection is allowed; for CI commands: no finding at the threshold."""
    FINDINGS = 1
    """``query``: denied; ``lint``/``check``/``diff``: findings at or above ``--fail-on``."""
    INPUT_ERROR = 2
    """Bad usage or bad input (malformed YAML, a value the API server would reject, ...)."""
    INTERNAL_ERROR = 3
    """A bug in netpol. Please report it with the input that caused it."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def format_path(path: tuple[str | int, ...]) -> str:
    """``("spec", "ingress", 0, "from", 1)`` -> ``spec.ingress[0].from[1]``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(f".{part}" if out else part)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a diagnostic points: a source, a 1-based document index, a field path, and a line."""

    source: str
    document: int | None = None
    path: tuple[str | int, ...] = ()
    line: int | None = None
    column: int | None = None
    snippet: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [where]
        if self.document is not None:
            parts.append(f"document {self.document}")
        if self.path:
            parts.append(format_path(self.path))
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    location: Location | None = None

    def format(self) -> str:
        """The human form: ``file:line, document N, field.path: error[code]: message`` plus the line."""
        head = f"{self.severity.value}[{self.code}]: {self.message}"
        if self.location is None:
            return head
        text = f"{self.location}: {head}"
        loc = self.location
        if loc.snippet is not None and loc.line is not None:
            gutter = f"{loc.line:>5} | "
            text += f"\n{gutter}{loc.snippet}"
            if loc.column is not None:
                text += "\n" + " " * (len(gutter) + loc.column - 1) + "^"
        return text


class NetpolError(Exception):
    """Base class of the errors netpol raises on purpose."""

    exit_code: ExitCode = ExitCode.INPUT_ERROR


class InputError(NetpolError):
    """The input cannot be analysed at all (no object could be read, a path does not exist)."""

    def __init__(self, message: str, diagnostics: tuple[Diagnostic, ...] = ()) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class UsageError(NetpolError):
    """A flag or argument is wrong: an unknown endpoint, a port out of range."""
