"""Python's cyclic garbage collector, paused while netpol builds what it keeps.

Reading and modelling a cluster allocates millions of objects that all live to the end of the
analysis, and none of them forms a garbage cycle worth collecting. The collector would still scan
the growing heap again and again: at 100,000 pods that is more than half of the parse. While
paused it does not run. When the process is netpol's own (the ``netpol`` command), what
survives is then frozen (``gc.freeze``), so the rendering that follows does not rescan it. A
library caller's collector is only paused, and runs again as before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["owns_process", "paused", "take_process"]

_depth = 0
_own_process = False


def take_process() -> None:
    """Say that this process is netpol's own command (its entry point calls this)."""
    global _own_process
    _own_process = True


def owns_process() -> bool:
    return _own_process


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside; re-entrant (the outermost pause decides)."""
    global _depth
    was_enabled = gc.isenabled()
    if _depth == 0:
        gc.disable()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            if _own_process:
                gc.freeze()  # what the analysis keeps lives to the end of the command
            if was_enabled:
                gc.enable()
