"""netpol: Kubernetes NetworkPolicy reachability analysis.

>>> import netpol
>>> graph = netpol.analyze(["policies/webshop"])
>>> graph.allowed("shop/frontend", "shop/api").allows("TCP", 8080)
True

This package only re-exports; the pipeline is load -> model -> engine -> query/lint/diff ->
report -> render, with the command line on top (docs/architecture.md).
"""

from __future__ import annotations

from netpol.api import analyze, analyze_loaded, analyze_text
from netpol.core.ports import PortSet, Protocol
from netpol.engine.graph import AllowGraph, Connection
from netpol.errors import (
    Diagnostic,
    ExitCode,
    InputError,
    Location,
    NetpolError,
    Severity,
    UsageError,
)
from netpol.model.cluster import Cluster, Endpoint, Namespace
from netpol.model.resources import Direction, NetworkPolicy, Options
from netpol.query.explain import Explanation, explain

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
