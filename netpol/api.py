"""The library's entry points: read manifests, model and compile them, into an AllowGraph.

Bad input never raises here: it is reported in ``graph.diagnostics``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from netpol.core import collector
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.errors import Diagnostic
from netpol.load.files import LoadResult, load_paths, load_text
from netpol.load.locate import Locator
from netpol.model import Options
from netpol.model.cluster import build_cluster

__all__ = ["analyze", "analyze_loaded", "analyze_text", "locate_diagnostics"]


def analyze_loaded(loaded: LoadResult, options: Options = Options()) -> AllowGraph:
    """Model and compile what :func:`netpol.load.load_paths` read (the cyclic garbage collector
    paused meanwhile: netpol.core.collector)."""
    with collector.paused():
        cluster = build_cluster(loaded.objects, options)
        diagnostics = locate_diagnostics((*loaded.diagnostics, *cluster.diagnostics), loaded.locator)
        skipped = Counter(loaded.skipped)
        skipped.update(cluster.skipped)
        return compile_graph(cluster, options, diagnostics, dict(sorted(skipped.items())))


def locate_diagnostics(diagnostics: Sequence[Diagnostic], locator: Locator) -> tuple[Diagnostic, ...]:
    """The diagnostics, each one known by its field path only given the line it is on."""
    return tuple(
        d
        if d.location is None or d.location.line is not None
        else Diagnostic(
            d.severity,
            d.code,
            d.message,
            locator.locate(d.location.source, d.location.document, d.location.path),
        )
        for d in diagnostics
    )


def analyze(paths: Sequence[str], options: Options = Options(), *, stdin: TextIO | None = None) -> AllowGraph:
    """Load files, folders (or ``-`` for ``stdin``), then model and compile them.

    Bad input never raises: it is reported in ``graph.diagnostics``.
    """
    with collector.paused():
        return analyze_loaded(load_paths(paths, stdin=stdin), options)


def analyze_text(text: str, options: Options = Options(), source: str = "<string>") -> AllowGraph:
    """The same as :func:`analyze` for manifests held in a string."""
    with collector.paused():
        return analyze_loaded(load_text(text, source), options)
