"""The command line: a thin click layer over the library, one module per command.

Each command module parses its flags, reads its input through :mod:`netpol.cli.session`, calls
its pure ``run_<command>()`` and hands the :class:`~netpol.cli.common.Outcome` to
:func:`~netpol.cli.common.emit`; :func:`~netpol.cli.common.command` turns errors into messages
and exit codes. A command's module is imported when the command runs (``_Commands`` in
:mod:`netpol.cli.common`).

Exit codes (the same for every command; see netpol.errors.ExitCode):
0 success / allowed, 1 denied or findings, 2 usage or input error, 3 internal error.
"""

from __future__ import annotations

from netpol.cli.common import main
from netpol.core.collector import take_process

__all__ = ["entry", "main"]


def entry() -> None:
    """The ``netpol`` command: :func:`main` in a process of netpol's own, whose collector may
    freeze what an analysis keeps (netpol.core.collector)."""
    take_process()
    main()
