"""Render stage: one module per output format. Renderers return text; they never print.

:mod:`netpol.render.registry` lists the formats of every result and the renderer behind each;
:mod:`netpol.render.graphviz` is the one place Graphviz runs. This package imports neither when
it loads (the report stage builds on :mod:`netpol.render.diagram`, below every renderer), so the
names re-exported here are looked up on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netpol.render.registry import ListFormat, QueryFormat, render_connections

__all__ = ["ListFormat", "QueryFormat", "render_connections"]


def __getattr__(name: str) -> Any:
    """``ListFormat``, ``QueryFormat`` and ``render_connections``, from the registry."""
    if name in __all__:
        return getattr(importlib.import_module("netpol.render.registry"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
