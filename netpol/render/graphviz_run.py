"""Graphviz's ``dot`` program: DOT text in, SVG, PNG or a layout (JSON) out.

The only renderer that runs a program. When ``dot`` is missing the error names the package to
install (exit code 2: the environment); ``-o dot`` and ``-o mermaid`` never need it. When ``dot``
rejects or crashes on the DOT text netpol wrote, that is netpol's bug (exit code 3), never the
user's: the DOT renderer keeps every string within Graphviz's limits, so this should not happen.

Exceptions::

    GraphvizError      dot is missing, cannot run, or takes too long (exit code 2)
    └── GraphvizFailed dot failed on netpol's DOT text: a bug in netpol (exit code 3)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from enum import StrEnum
from typing import Any

from netpol.core.escaping import terminal
from netpol.errors import ExitCode, NetpolError

__all__ = ["INSTALL_HINT", "GraphvizError", "GraphvizFailed", "ImageFormat", "find_dot", "layout",
           "require_dot", "run_dot"]

INSTALL_HINT = ("install Graphviz: apt-get install graphviz (Debian, Ubuntu), "
                "dnf install graphviz (Fedora), brew install graphviz (macOS), "
                "choco install graphviz (Windows)")

TIMEOUT_SECONDS = 600
_DETAIL_CHARS = 200


class ImageFormat(StrEnum):
    SVG = "svg"
    PNG = "png"


class GraphvizError(NetpolError):
    """Graphviz's ``dot`` is missing or cannot run (exit code 2: the environment, not the input)."""


class GraphvizFailed(GraphvizError):
    """``dot`` rejected or crashed on DOT text that netpol wrote: a bug in netpol (exit code 3).

    ``detail`` is the first line dot printed, cut short: for the bug report, not for the user to
    act on.
    """

    exit_code = ExitCode.INTERNAL_ERROR

    def __init__(self, fmt: str, detail: str) -> None:
        super().__init__(f"Graphviz's dot -T{fmt} failed on the DOT text netpol wrote "
                         f"({detail}); this is a bug in netpol: please report it with the input")
        self.fmt = fmt
        self.detail = detail


def find_dot() -> str | None:
    """The path of Graphviz's ``dot`` program on PATH, or None."""
    return shutil.which("dot")


def require_dot(output: str) -> str:
    """The path of ``dot``; GraphvizError naming the package to install when it is missing."""
    exe = find_dot()
    if exe is None:
        raise GraphvizError(f"-o {output} needs Graphviz's 'dot' program, which is not on "
                            f"PATH; {INSTALL_HINT}; or write DOT with -o dot (or -o mermaid)")
    return exe


def run_dot(dot_text: str, fmt: ImageFormat) -> bytes:
    """Lay out and draw ``dot_text`` with ``dot -T<fmt>``; GraphvizFailed when dot fails on it."""
    return _checked(dot_text, fmt.value)


def layout(dot_text: str) -> dict[str, Any]:
    """The laid-out graph as Graphviz's JSON (``dot -Tjson``: positions, sizes, drawn texts)."""
    data = json.loads(_checked(dot_text, "json").decode("utf-8"))
    if not isinstance(data, dict):
        raise GraphvizFailed("json", "not a JSON object")
    return data


def _checked(dot_text: str, fmt: str) -> bytes:
    exe = require_dot(fmt)
    proc = _run(exe, [f"-T{fmt}"], dot_text)
    if proc.returncode != 0 and b"syntax error" not in proc.stderr:
        # Graphviz's spline router fails on some dense layouts ("triangulation failed"), and
        # some releases crash in it; straight edges always route.
        proc = _run(exe, [f"-T{fmt}", "-Gsplines=line"], dot_text)
    if proc.returncode != 0 or not proc.stdout:
        raise GraphvizFailed(fmt, _detail(proc))
    return proc.stdout


def _detail(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    code = (f"exit code {proc.returncode}" if proc.returncode >= 0
            else f"killed by signal {-proc.returncode}")
    if not lines:
        return code if proc.returncode else "no output"
    first = terminal(lines[0].strip())
    if len(first) > _DETAIL_CHARS:
        first = first[:_DETAIL_CHARS - 1] + "…"
    return f"{code}: {first}"


def _run(exe: str, args: list[str], dot_text: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([exe, *args], input=dot_text.encode("utf-8"), capture_output=True,
                              check=False, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as exc:
        raise GraphvizError(f"dot did not finish in {TIMEOUT_SECONDS} s: the graph is too large "
                            "to lay out; try --level namespace or --focus") from exc
    except OSError as exc:
        raise GraphvizError(f"cannot run {exe}: {exc}; {INSTALL_HINT}") from exc
