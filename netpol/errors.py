"""Diagnostics shared by every stage: where a problem is, how bad it is, and the exit-code contract.

The library never prints. Stages collect :class:`Diagnostic` records; the CLI decides what to show.

Every exception netpol raises on purpose is here, each with the exit code a command ends with::

    NetpolError                base of everything netpol raises on purpose
    ├── InputError             the input cannot be analysed (exit code 2)
    │   ├── GitError           git is missing, or the folder or revision is unusable (exit code 2)
    │   └── ClusterError       a live cluster cannot be read (exit code 2)
    ├── UsageError             a flag, an argument or a question is wrong (exit code 2)
    └── GraphvizError          Graphviz's dot cannot run or takes too long (exit code 2)
        ├── GraphvizMissing    dot is not on PATH (exit code 2)
        └── GraphvizFailed     dot failed on the DOT text netpol wrote: a bug (exit code 3)

Anything else escaping a command is a bug in netpol: exit code 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from netpol.core.escaping import terminal

__all__ = [
    "ClusterError",
    "Diagnostic",
    "ExitCode",
    "GitError",
    "GraphvizError",
    "GraphvizFailed",
    "GraphvizMissing",
    "InputError",
    "Location",
    "NetpolError",
    "Severity",
    "UsageError",
    "format_path",
    "shown",
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


def shown(value: object, limit: int = 80) -> str:
    """An input value as a message quotes it: ``repr()``, cut to ``limit`` characters; an integer
    of more than 30 digits by its size (Python refuses to print one of over 4,300 digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        return f"a {value.bit_length() * 30103 // 100000 + 1}-digit number"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_path(path: tuple[str | int, ...]) -> str:
    """``("spec", "ingress", 0, "from", 1)`` -> ``spec.ingress[0].from[1]``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out.append(f"[{part}]")
        else:  # a key, whatever YAML made of it (a null key in a hand-written file)
            out.append(f".{part}" if out else str(part))
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
        """``file:line:col, document N, field.path``, escaped for a terminal (all of it is input)."""
        where = terminal(self.source)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [where]
        if self.document is not None:
            parts.append(f"document {self.document}")
        if self.path:
            parts.append(terminal(format_path(self.path)))
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    location: Location | None = None

    def format(self) -> str:
        """The human form: ``file:line, document N, field.path: error[code]: message`` plus the line.

        Safe to print: messages, sources and snippets quote input, so each is escaped for a
        terminal, and a snippet is cut to a screen width around the column.
        """
        head = f"{self.severity.value}[{self.code}]: {terminal(self.message)}"
        if self.location is None:
            return head
        text = f"{self.location}: {head}"
        loc = self.location
        if loc.snippet is not None and loc.line is not None:
            gutter = f"{loc.line:>5} | "
            snippet, caret = _cut_snippet(loc.snippet, loc.column)
            text += f"\n{gutter}{snippet}"
            if caret is not None:
                text += "\n" + " " * (len(gutter) + caret) + "^"
        return text


SNIPPET_WIDTH = 100
"""The widest snippet :meth:`Diagnostic.format` prints, in columns, cut marks included."""
_CUT = "…"


def _cut_snippet(line: str, column: int | None) -> tuple[str, int | None]:
    """``line`` escaped and cut to :data:`SNIPPET_WIDTH` around ``column`` (1-based), with the
    caret's offset in the result (None without a column)."""
    if len(line) <= SNIPPET_WIDTH and terminal(line) == line:
        return line, None if column is None else column - 1
    at = 0 if column is None else min(max(column - 1, 0), len(line))
    # Each character takes at least one column, so none further than the width can be shown.
    start = max(at - SNIPPET_WIDTH, 0)
    units = [terminal(ch) for ch in line[start : at + SNIPPET_WIDTH]]
    more_left, more_right = start > 0, start + len(units) < len(line)
    at -= start
    widths = [len(u) for u in units]
    if not more_left and not more_right and sum(widths) <= SNIPPET_WIDTH:
        return "".join(units), None if column is None else sum(widths[:at])
    lo = 0
    if more_left or sum(widths[:at]) > SNIPPET_WIDTH * 3 // 4:
        lo, room = at, SNIPPET_WIDTH // 2 - len(_CUT)  # the caret half way across
        while lo > 0 and widths[lo - 1] <= room:
            lo -= 1
            room -= widths[lo]
    left = _CUT if lo > 0 or more_left else ""
    hi, room = lo, SNIPPET_WIDTH - len(left) - len(_CUT)
    while hi < len(units) and widths[hi] <= room:
        room -= widths[hi]
        hi += 1
    right = _CUT if hi < len(units) or more_right else ""
    caret = None if column is None else len(left) + sum(widths[lo:at])
    return left + "".join(units[lo:hi]) + right, caret


class NetpolError(Exception):
    """Base class of the errors netpol raises on purpose."""

    exit_code: ExitCode = ExitCode.INPUT_ERROR


class InputError(NetpolError):
    """The input cannot be analysed at all (no object could be read, a path does not exist).

    ``diagnostics``: the located problems behind it (file:line of a bad intent or configuration
    file), shown before the message.
    """

    def __init__(self, message: str, diagnostics: tuple[Diagnostic, ...] = ()) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class GitError(InputError):
    """git is missing, the folder is not in a repository, or the revision is unknown or unsafe."""


class ClusterError(InputError):
    """A live cluster cannot be read: an unknown context, an unreachable server, a TLS failure,
    a credential the server refuses (401), a permission it lacks (403), a server too old for a
    kind, a failing exec credential plugin, or the Kubernetes client library missing. The
    message names the context, the server and what failed."""


class UsageError(NetpolError):
    """A flag, an argument or a question is wrong: an unknown endpoint, a port out of range."""


class GraphvizError(NetpolError):
    """Graphviz's ``dot`` cannot run or takes too long (exit code 2: the environment, not the
    input)."""


class GraphvizMissing(GraphvizError):
    """Graphviz's ``dot`` is not on PATH; the message names the package to install."""


class GraphvizFailed(GraphvizError):
    """``dot`` rejected or crashed on DOT text that netpol wrote: a bug in netpol (exit code 3).

    ``detail`` is the first line dot printed, cut short: for the bug report, not for the user to
    act on.
    """

    exit_code = ExitCode.INTERNAL_ERROR

    def __init__(self, fmt: str, detail: str) -> None:
        super().__init__(
            f"Graphviz's dot -T{fmt} failed on the DOT text netpol wrote "
            f"({detail}); this is a bug in netpol: please report it with the input"
        )
        self.fmt = fmt
        self.detail = detail
