"""The old name of :mod:`netpol.render.graphviz`, kept while tests import and patch it here.

Importing this module gives :mod:`netpol.render.graphviz` itself, so patching ``find_dot`` here
patches the one runner. New code imports :mod:`netpol.render.graphviz` and :mod:`netpol.errors`.
"""

from __future__ import annotations

import sys

from netpol.errors import GraphvizError, GraphvizFailed, GraphvizMissing
from netpol.render import graphviz
from netpol.render.graphviz import INSTALL_HINT, ImageFormat, find_dot, layout, require_dot, run_dot

__all__ = [
    "INSTALL_HINT",
    "GraphvizError",
    "GraphvizFailed",
    "GraphvizMissing",
    "ImageFormat",
    "find_dot",
    "layout",
    "require_dot",
    "run_dot",
]

sys.modules[__name__] = graphviz
