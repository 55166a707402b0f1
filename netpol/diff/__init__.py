"""Diff stage: what a change opens and closes, with the policy edits behind it."""

from __future__ import annotations

from netpol.diff.compare import (
    ChangeKind,
    GraphDiff,
    PairChange,
    PolicyChange,
    PolicyChangeKind,
    Scope,
    SideView,
    diff_graphs,
    pair_sides,
    policy_key,
)
from netpol.diff.failon import DiffFailOn, fails

__all__ = [
    "ChangeKind",
    "DiffFailOn",
    "GraphDiff",
    "PairChange",
    "PolicyChange",
    "PolicyChangeKind",
    "Scope",
    "SideView",
    "diff_graphs",
    "fails",
    "pair_sides",
    "policy_key",
]
