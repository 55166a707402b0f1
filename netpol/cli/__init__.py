"""The command line: a thin click layer over the library, one module per command.

Each command module parses its flags, reads its input through :mod:`netpol.cli.session`, calls
its pure ``run_<command>()`` and hands the :class:`~netpol.cli.common.Outcome` to
:func:`~netpol.cli.common.emit`; :func:`~netpol.cli.common.command` turns errors into messages
and exit codes.

Exit codes (the same for every command; see netpol.errors.ExitCode):
0 success / allowed, 1 denied or findings, 2 usage or input error, 3 internal error.
"""

from __future__ import annotations

from netpol.cli import check as _check  # noqa: F401  (registers check)
from netpol.cli import diff as _diff  # noqa: F401  (registers diff)
from netpol.cli import graph as _graph  # noqa: F401  (registers graph)
from netpol.cli import lint as _lint  # noqa: F401  (registers lint)
from netpol.cli import listing as _listing  # noqa: F401  (registers list)
from netpol.cli import query as _query  # noqa: F401  (registers query)
from netpol.cli import report as _report  # noqa: F401  (registers report)
from netpol.cli import snapshot as _snapshot  # noqa: F401  (registers snapshot)
from netpol.cli import suggest as _suggest  # noqa: F401  (registers suggest)
from netpol.cli.common import main
from netpol.core.collector import take_process

__all__ = ["entry", "main"]


def entry() -> None:
    """The ``netpol`` command: :func:`main` in a process of netpol's own, whose collector may
    freeze what an analysis keeps (netpol.core.collector)."""
    take_process()
    main()
