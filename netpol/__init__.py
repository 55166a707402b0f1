"""netpol: Kubernetes NetworkPolicy reachability analysis.

>>> import netpol
>>> graph = netpol.analyze(["policies/webshop"])
>>> graph.allowed("shop/frontend", "shop/api").allows("TCP", 8080)
True

The pipeline is load -> model -> compile -> query/render; see docs/architecture.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from netpol.cluster import Cluster, Endpoint, Namespace, build_cluster
from netpol.diagnostics import (
    Diagnostic,
    ExitCode,
    InputError,
    Location,
    NetpolError,
    Severity,
    UsageError,
)
from netpol.explain import Explanation, explain
from netpol.graph import AllowGraph, Connection
from netpol.load import LoadResult, load_paths, load_text
from netpol.model import Direction, NetworkPolicy, Options
from netpol.ports import PortSet, Protocol

__all__ = [
    "AllowGraph",
    "Cluster",
    "Connection",
    "Diagnostic",
    "Direction",
    "Endpoint",
    "ExitCode",
    "Explanation",
    "InputError",
    "Location",
    "Namespace",
    "NetpolError",
    "NetworkPolicy",
    "Options",
    "PortSet",
    "Protocol",
    "Severity",
    "UsageError",
    "analyze",
    "analyze_loaded",
    "analyze_text",
    "explain",
]

__version__ = "0.1.0"


def analyze_loaded(loaded: LoadResult, options: Options = Options()) -> AllowGraph:
    """Model and compile what :func:`netpol.load.load_paths` read."""
    cluster = build_cluster(loaded.objects, options)
    located = tuple(
        d if d.location is None or d.location.line is not None
        else Diagnostic(d.severity, d.code, d.message,
                        loaded.locator.locate(d.location.source, d.location.document,
                                              d.location.path))
        for d in (*loaded.diagnostics, *cluster.diagnostics)
    )
    skipped = Counter(loaded.skipped)
    skipped.update(cluster.skipped)
    return AllowGraph(cluster, options, located, dict(sorted(skipped.items())))


def analyze(paths: Sequence[str], options: Options = Options(), *,
            stdin: TextIO | None = None) -> AllowGraph:
    """Load files, folders (or ``-`` for ``stdin``), then model and compile them.

    Bad input never raises: it is reported in ``graph.diagnostics``.
    """
    return analyze_loaded(load_paths(paths, stdin=stdin), options)


def analyze_text(text: str, options: Options = Options(), source: str = "<string>"
                 ) -> AllowGraph:
    """The same as :func:`analyze` for manifests held in a string."""
    return analyze_loaded(load_text(text, source), options)
