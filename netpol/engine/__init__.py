"""Engine: the Cluster compiled into the AllowGraph, and the typed questions the other stages ask it.

Pipeline: :mod:`~netpol.engine.index` (selectors and peers as sets of endpoints) and
:mod:`~netpol.engine.blocks` (the sources allowed into each destination) feed
:mod:`~netpol.engine.compile`, whose compiled form (:mod:`~netpol.engine.form`) only
:mod:`~netpol.engine.graph` reads. :func:`compile_graph` runs them; everything else asks the
:class:`AllowGraph` (node sets, rule and policy views, blocks, isolation).
"""

from __future__ import annotations

from netpol.engine.blocks import rule_ports
from netpol.engine.form import Node
from netpol.engine.graph import AllowGraph, Connection, compile_graph
from netpol.engine.nodeset import NodeSet, overlaps, partition
from netpol.engine.views import Block, PolicyView, RuleView

__all__ = [
    "AllowGraph",
    "Block",
    "Connection",
    "Node",
    "NodeSet",
    "PolicyView",
    "RuleView",
    "compile_graph",
    "overlaps",
    "partition",
    "rule_ports",
]
