"""Render stage: one module per output format. Renderers return text; they never print.

:mod:`netpol.render.registry` lists the formats of every result and the renderer behind each;
:mod:`netpol.render.graphviz` is the one place Graphviz runs. This package imports neither when
it loads (the report stage builds on :mod:`netpol.render.diagram`, below every renderer): import
the module you need.
"""
