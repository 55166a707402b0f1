"""Graphviz's ``dot`` program, the one place netpol runs it: DOT text in; SVG, PNG or a layout out.

Every picture netpol draws (``graph``, ``diff -o svg``, the report's diagrams) goes through
:func:`run_dot`, so finding ``dot``, the time limit and what a failure says are the same
everywhere. When ``dot`` is missing the error names the package to install (exit code 2: the
environment); ``-o dot`` and ``-o mermaid`` never need it. When ``dot`` rejects or crashes on the
DOT text netpol wrote, that is netpol's bug (exit code 3), never the user's: the DOT renderers keep
every string within Graphviz's limits, so this should not happen. The exceptions are in
:mod:`netpol.errors`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from enum import StrEnum
from typing import Any

from netpol.core.escaping import terminal
from netpol.errors import GraphvizError, GraphvizFailed, GraphvizMissing

__all__ = ["INSTALL_HINT", "TIMEOUT_SECONDS", "ImageFormat", "find_dot", "layout", "require_dot", "run_dot"]

INSTALL_HINT = (
    "install Graphviz: apt-get install graphviz (Debian, Ubuntu), "
    "dnf install graphviz (Fedora), brew install graphviz (macOS), "
    "choco install graphviz (Windows)"
)

TIMEOUT_SECONDS = 600
_DETAIL_CHARS = 200


class ImageFormat(StrEnum):
    SVG = "svg"
    PNG = "png"


def find_dot() -> str | None:
    """The path of Graphviz's ``dot`` program on PATH, or None."""
    return shutil.which("dot")


def require_dot(output: str, *, missing: str | None = None) -> str:
    """The path of ``dot``; GraphvizMissing when it is not on PATH.

    ``output``: the ``-o`` value that needs it; ``missing``: the whole message instead of the one
    naming ``output`` and the package to install.
    """
    exe = find_dot()
    if exe is None:
        raise GraphvizMissing(
            missing
            or (
                f"-o {output} needs Graphviz's 'dot' program, which is not on PATH; {INSTALL_HINT}; "
                "or write DOT with -o dot (or -o mermaid)"
            )
        )
    return exe


def run_dot(dot_text: str, fmt: ImageFormat, *, missing: str | None = None) -> bytes:
    """Lay out and draw ``dot_text`` with ``dot -T<fmt>``; GraphvizFailed when dot fails on it
    (``missing``: as :func:`require_dot`)."""
    return _checked(dot_text, fmt.value, missing)


def layout(dot_text: str) -> dict[str, Any]:
    """The laid-out graph as Graphviz's JSON (``dot -Tjson``: positions, sizes, drawn texts)."""
    data = json.loads(_checked(dot_text, "json", None).decode("utf-8"))
    if not isinstance(data, dict):
        raise GraphvizFailed("json", "not a JSON object")
    return data


def _checked(dot_text: str, fmt: str, missing: str | None) -> bytes:
    exe = require_dot(fmt, missing=missing)
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
    code = f"exit code {proc.returncode}" if proc.returncode >= 0 else f"killed by signal {-proc.returncode}"
    if not lines:
        return code if proc.returncode else "no output"
    first = terminal(lines[0].strip())
    if len(first) > _DETAIL_CHARS:
        first = first[: _DETAIL_CHARS - 1] + "…"
    return f"{code}: {first}"


def _run(exe: str, args: list[str], dot_text: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            [exe, *args],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        raise GraphvizError(
            f"dot did not finish in {TIMEOUT_SECONDS} s: the graph is too large "
            "to lay out; try --level namespace or --focus"
        ) from exc
    except OSError as exc:
        raise GraphvizError(f"cannot run {exe}: {exc}; {INSTALL_HINT}") from exc
