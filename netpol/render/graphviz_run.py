"""Graphviz's ``dot`` program: DOT text in, SVG or PNG bytes out.

The only renderer that runs a program. When ``dot`` is missing the error names the package to
install; ``-o dot`` and ``-o mermaid`` never need it.
"""

from __future__ import annotations

import shutil
import subprocess
from enum import StrEnum

from netpol.diagnostics import NetpolError

__all__ = ["INSTALL_HINT", "GraphvizError", "ImageFormat", "find_dot", "require_dot", "run_dot"]

INSTALL_HINT = ("install Graphviz: apt-get install graphviz (Debian, Ubuntu), "
                "dnf install graphviz (Fedora), brew install graphviz (macOS), "
                "choco install graphviz (Windows)")

TIMEOUT_SECONDS = 600


class ImageFormat(StrEnum):
    SVG = "svg"
    PNG = "png"


class GraphvizError(NetpolError):
    """Graphviz's ``dot`` is missing or failed (exit code 2: the environment, not the input)."""


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
    """Lay out and draw ``dot_text`` with ``dot -T<fmt>``."""
    exe = require_dot(fmt.value)
    proc = _run(exe, [f"-T{fmt.value}"], dot_text)
    if proc.returncode != 0 and b"triangulation failed" in proc.stderr:
        # Graphviz's spline router fails on some dense layouts; straight edges always route.
        proc = _run(exe, [f"-T{fmt.value}", "-Gsplines=line"], dot_text)
    if proc.returncode != 0 or not proc.stdout:
        detail = proc.stderr.decode("utf-8", "replace").strip() or f"exit code {proc.returncode}"
        raise GraphvizError(f"dot -T{fmt.value} failed: {detail}")
    return proc.stdout


def _run(exe: str, args: list[str], dot_text: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([exe, *args], input=dot_text.encode("utf-8"), capture_output=True,
                              check=False, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as exc:
        raise GraphvizError(f"dot did not finish in {TIMEOUT_SECONDS} s: the graph is too large "
                            "to lay out; try --level namespace or --focus") from exc
    except OSError as exc:
        raise GraphvizError(f"cannot run {exe}: {exc}; {INSTALL_HINT}") from exc
