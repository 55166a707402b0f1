"""Engine: the Cluster compiled into the AllowGraph, and the questions the other stages ask it."""

from __future__ import annotations

from netpol.engine.compile import (
    AllowBlock,
    Compiled,
    CompiledRule,
    Node,
    compile_cluster,
    rule_ports,
)
from netpol.engine.graph import (
    AllowGraph,
    Connection,
)

__all__ = [
    "AllowBlock",
    "AllowGraph",
    "Compiled",
    "CompiledRule",
    "Connection",
    "Node",
    "compile_cluster",
    "rule_ports",
]
