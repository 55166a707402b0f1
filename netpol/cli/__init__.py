"""The command line: a thin click layer over the library, one module per command family.

Exit codes (the same for every command; see netpol.errors.ExitCode):
0 success / allowed, 1 denied or findings, 2 usage or input error, 3 internal error.
"""

from __future__ import annotations

from netpol.cli import ci as _ci  # noqa: F401  (registers lint and check)
from netpol.cli import connectivity  # noqa: F401  (registers list and query)
from netpol.cli import diff as _diff  # noqa: F401  (registers diff)
from netpol.cli import graph as _graph  # noqa: F401  (registers graph)
from netpol.cli import report as _report  # noqa: F401  (registers report)
from netpol.cli.common import main

__all__ = ["main"]
