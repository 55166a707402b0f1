"""What every command shares: the click group, input options, the session, exit-code handling.

Results go to stdout, diagnostics to stderr.

Exit codes (the same for every command; see netpol.errors.ExitCode):
0 success / allowed, 1 denied or findings, 2 usage or input error, 3 internal error.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import sys
import traceback
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

import netpol
from netpol.core.escaping import terminal
from netpol.engine.graph import AllowGraph
from netpol.errors import Diagnostic, ExitCode, NetpolError, Severity, UsageError
from netpol.load.files import DEFAULT_MAX_INPUT_SIZE, LoadResult, load_paths
from netpol.model.names import is_dns1123_label
from netpol.model.parse import Options

__all__ = ["ByteSize", "Session", "analysis_options", "check_target", "choice", "command",
           "input_options", "main", "session_from", "write_output"]

F = TypeVar("F", bound=Callable[..., Any])


def choice(enum: type[Any]) -> click.Choice[str]:
    """A case-insensitive click.Choice built from an enum's values."""
    return click.Choice([e.value for e in enum], case_sensitive=False)


def input_options(func: F) -> F:
    """PATH arguments and the switches every analysing command shares."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(allow_dash=True)),
        click.option("-f", "--filename", "filenames", multiple=True, type=click.Path(
            allow_dash=True), help="A manifest file or folder (repeatable), like kubectl -f."),
        click.option("-n", "--namespace", default=None, metavar="NS",
                     help="Namespace for objects that name none (default: 'default'); "
                          "list, graph and report show only connections touching NS."),
        analysis_options,
    ]
    for dec in reversed(decorators):
        func = dec(func)
    return func


class ByteSize(click.ParamType):  # type: ignore[type-arg]
    """A size in bytes: ``1048576``, ``512K``, ``512M``, ``1G`` (powers of 1024; ``KiB`` too)."""

    name = "SIZE"
    _FORM = re.compile(r"(\d+)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> int:
        if isinstance(value, int):
            return int(value)
        match = self._FORM.fullmatch(str(value).strip())
        if match is None or int(match.group(1)) == 0:
            self.fail(f"{value!r} is not a size (e.g. 512M, 1G, 1048576)", param, ctx)
        return int(match.group(1)) << (10 * " KMGT".index(match.group(2).upper() or " "))


def analysis_options(func: F) -> F:
    """The semantic switches and the reporting switches (no inputs, no -n)."""
    decorators = [
        click.option("--max-input-size", type=ByteSize(), default=DEFAULT_MAX_INPUT_SIZE,
                     show_default="512M", metavar="SIZE",
                     help="Refuse a file (or stdin) larger than this."),
        click.option("--ipblock-ignores-pods", is_flag=True,
                     help="ipBlocks match only addresses outside the cluster, never pod IPs "
                          "(Cilium's behaviour; the default follows the upstream e2e suite)."),
        click.option("--host-network-as-pods", is_flag=True,
                     help="Apply policies to hostNetwork pods like to other pods "
                          "(default: their traffic is node traffic)."),
        click.option("-v", "--verbose", count=True,
                     help="Name skipped objects and show informational diagnostics."),
        click.option("--debug", is_flag=True, hidden=True),
    ]
    for dec in reversed(decorators):
        func = dec(func)
    return func


class Session:
    """What one command run read, and how it reports."""

    def __init__(self, paths: Sequence[str], filenames: Sequence[str], namespace: str | None,
                 ipblock_ignores_pods: bool, host_network_as_pods: bool, verbose: int, *,
                 loaded: LoadResult | None = None, label: str | None = None,
                 max_size: int = DEFAULT_MAX_INPUT_SIZE) -> None:
        """``loaded``: what was read already (paths then only name it); ``label``: which input
        this is, in the notes, when a command reads several (``diff``: old, new)."""
        inputs = [*paths, *filenames]
        if not inputs:
            raise UsageError("no input: give manifest files or folders, or - to read stdin")
        if namespace is not None:
            problems = is_dns1123_label(namespace)
            if problems:
                raise UsageError(f"-n {namespace!r}: not a namespace name: {problems[0]}")
        self.namespace = namespace
        self.options = Options(default_namespace=namespace or "default",
                               ipblock_matches_pods=not ipblock_ignores_pods,
                               host_network_as_pods=host_network_as_pods)
        self.verbose = verbose
        self.label = label
        if loaded is None:
            stdin = sys.stdin if "-" in inputs else None
            loaded = load_paths(inputs, stdin=stdin, max_size=max_size)
        self.loaded = loaded
        self.graph: AllowGraph = netpol.analyze_loaded(loaded, self.options)
        self.report_diagnostics()
        cluster = self.graph.cluster
        if namespace is not None and cluster.namespace(namespace) is None:
            known = [n.name for n in cluster.namespaces]
            shown = ", ".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10
                                             else "")
            click.echo(click.style(f"warning[unknown-namespace]: namespace {namespace!r} is not "
                                   f"in the input{f' (it holds: {shown})' if known else ''}; "
                                   "nothing touches it", fg="yellow"), err=True)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The real paths of the files read: never to be overwritten by ``--out``."""
        return self.loaded.files

    @property
    def failed(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.graph.diagnostics)

    def report_diagnostics(self) -> None:
        diags = self.graph.diagnostics
        for d in diags:
            if d.severity is not Severity.INFO or self.verbose:
                _err(d)
        skipped = self.graph.skipped
        total = sum(skipped.values())
        note = f"note ({self.label})" if self.label else "note"
        if total:
            if self.verbose:
                kinds = ", ".join(f"{k} ({n})" for k, n in skipped.items())
                click.echo(f"{note}: skipped {total} object(s) that netpol does not analyse: "
                           f"{terminal(kinds)}", err=True)
            else:
                click.echo(f"{note}: skipped {total} object(s) of kinds netpol does not analyse "
                           "(-v names them)", err=True)
        errors = sum(d.severity is Severity.ERROR for d in diags)
        if errors:
            where = f" in the {self.label} input" if self.label else ""
            click.echo(f"{errors} input error(s){where}: the objects at fault are left out of the "
                       "analysis, as the API server would reject them", err=True)

    def exit_code(self, code: ExitCode) -> ExitCode:
        return ExitCode.INPUT_ERROR if self.failed else code


def _err(d: Diagnostic) -> None:
    color = {"error": "red", "warning": "yellow", "info": "blue"}[d.severity.value]
    text_ = d.format()
    head, _, rest = text_.partition("\n")
    click.echo(click.style(head, fg=color) + ("\n" + rest if rest else ""), err=True)


def check_target(out: str | None, inputs: Collection[str]) -> None:
    """Refuse an ``--out`` that is one of the files read (``inputs``: real paths)."""
    if out is not None and out != "-" and os.path.realpath(out) in inputs:
        raise UsageError(f"--out {out} is one of the input files; refusing to overwrite it")


def write_output(output: str, out: str | None, inputs: Collection[str] = ()) -> None:
    """Write to ``out`` (a file path), or to stdout when it is None or ``-``; never over one of
    ``inputs`` (the real paths of the files read)."""
    if out is None or out == "-":
        click.echo(output, nl=False)
        return
    check_target(out, inputs)
    try:
        Path(out).write_text(output, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {(exc.strerror or str(exc)).lower()}") from exc


def command(func: Callable[..., ExitCode]) -> Callable[..., None]:
    """Run a command body; turn NetpolErrors into messages and bugs into exit code 3."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        debug = any(isinstance(a, dict) and a.get("debug") for a in args)
        try:
            code = func(*args, **kwargs)
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        except OSError as exc:  # writing stdout: a full disk, a closed pipe
            code = _output_failed(exc)
        except NetpolError as exc:
            click.echo(click.style(f"error: {terminal(str(exc), newlines=True)}", fg="red"),
                       err=True)
            code = exc.exit_code
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so, never a bare traceback
            if debug:
                traceback.print_exc()
            click.echo(f"internal error: {type(exc).__name__}: {terminal(str(exc))}\n"
                       "This is a bug in netpol; "
                       "please report it with the input (rerun with --debug for details).",
                       err=True)
            code = ExitCode.INTERNAL_ERROR
        sys.exit(int(code))

    return wrapper


def _output_failed(exc: OSError) -> ExitCode:
    """An I/O error on stdout is the environment's, not a bug: exit 2 with the reason. A reader
    that went away (``netpol list | head``) is no error to report."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
    except (OSError, ValueError):
        pass
    if exc.errno != errno.EPIPE:
        click.echo(f"error: cannot write the output: {(exc.strerror or str(exc)).lower()}",
                   err=True)
    return ExitCode.INPUT_ERROR


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(netpol.__version__, prog_name="netpol")
def main() -> None:
    """Kubernetes NetworkPolicy reachability: who can reach whom, on which ports, and why.

    PATHS are manifest files or folders (YAML, JSON, kubectl List dumps), or - for stdin.

    \b
    Exit codes: 0 success (query: allowed), 1 denied or findings,
                2 usage or input error, 3 internal error.
    """


def session_from(kw: dict[str, Any]) -> Session:
    """A Session from the keyword arguments that :func:`input_options` added."""
    return Session(kw["paths"], kw["filenames"], kw["namespace"], kw["ipblock_ignores_pods"],
                   kw["host_network_as_pods"], kw["verbose"], max_size=kw["max_input_size"])
