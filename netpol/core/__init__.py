"""Core: small pure values every stage shares (bitsets, intervals, ports, selectors, address
space, escaping)."""

from __future__ import annotations

__all__ = []
