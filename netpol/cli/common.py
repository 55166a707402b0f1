"""What every command shares: the click group, the command wrapper, and writing results.

A command parses its flags, calls a pure ``run_<command>()`` that returns an :class:`Outcome`, and
hands it to :func:`emit`. :func:`command` is the one place errors become messages and exit codes.
Results go to stdout, diagnostics to stderr.

Exit codes (the same for every command; see netpol.errors.ExitCode):
0 success / allowed, 1 denied or findings, 2 usage or input error, 3 internal error.
"""

from __future__ import annotations

import errno
import functools
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Concatenate, NoReturn, ParamSpec

import click

import netpol
from netpol.cli.options import InputSpec
from netpol.core.escaping import terminal
from netpol.errors import ExitCode, GraphvizFailed, InputError, NetpolError, UsageError

__all__ = ["Note", "Outcome", "check_target", "command", "emit", "main", "show", "write_output"]

P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Note:
    """A message for stderr; ``color`` is that of its first line (the rest is a quoted line)."""

    text: str
    color: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a ``run_<command>()`` gives back: notes for stderr, then the output (bytes for PNG)
    and the exit code; or, after the notes, the ``error`` that ends the command."""

    code: ExitCode
    output: str | bytes | Iterable[str] = ""
    """The text, the bytes of an image, or text in pieces to write as they come (a listing)."""
    notes: tuple[Note, ...] = ()
    error: NetpolError | None = None


def show(notes: Iterable[Note]) -> None:
    for note in notes:
        head, nl, rest = note.text.partition("\n")
        styled = click.style(head, fg=note.color) if note.color else head
        click.echo(styled + nl + rest, err=True)


def emit(outcome: Outcome, out: str | None, inputs: Collection[str] = ()) -> ExitCode:
    """Show the notes, then write the output to ``out`` (see :func:`write_output`) or raise the
    error; the exit code."""
    show(outcome.notes)
    if outcome.error is not None:
        raise outcome.error
    write_output(outcome.output, out, inputs)
    return outcome.code


def check_target(out: str | None, inputs: Collection[str]) -> None:
    """Refuse an ``--out`` that is one of the files read (``inputs``: real paths)."""
    if out is not None and out != "-" and os.path.realpath(out) in inputs:
        raise UsageError(f"--out {out} is one of the input files; refusing to overwrite it")


def write_output(output: str | bytes | Iterable[str], out: str | None, inputs: Collection[str] = ()) -> None:
    """Write to ``out`` (a file path), or to stdout when it is None or ``-``; never over one of
    ``inputs`` (the real paths of the files read). Bytes (a PNG) go to stdout unencoded; pieces
    of text are written as they come."""
    if out is None or out == "-":
        if isinstance(output, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(output)
            sys.stdout.buffer.flush()
        elif isinstance(output, str):
            click.echo(output, nl=False)
        else:
            for piece in output:
                click.echo(piece, nl=False)
        return
    check_target(out, inputs)
    try:
        if isinstance(output, bytes):
            Path(out).write_bytes(output)
        elif isinstance(output, str):
            Path(out).write_text(output, encoding="utf-8")
        else:
            with open(out, "w", encoding="utf-8") as f:
                f.writelines(output)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {_reason(exc)}") from exc


def _reason(exc: OSError) -> str:
    """``no space left on device``: the system's words, as a message continues them."""
    return (exc.strerror or str(exc)).lower()


def command(
    func: Callable[Concatenate[InputSpec, P], ExitCode],
) -> Callable[Concatenate[InputSpec, P], NoReturn]:
    """Run a command body and exit with its code; turn NetpolErrors into messages and their exit
    codes, a failing stdout into exit code 2, and bugs into exit code 3 (a traceback with
    ``--debug``)."""

    @functools.wraps(func)
    def wrapper(spec: InputSpec, /, *args: P.args, **kwargs: P.kwargs) -> NoReturn:
        try:
            code = func(spec, *args, **kwargs)
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        except OSError as exc:  # writing stdout: a full disk, a closed pipe
            code = _output_failed(exc)
        except NetpolError as exc:
            _report(exc)
            code = exc.exit_code
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so, never a bare traceback
            if spec.debug:
                traceback.print_exc()
            click.echo(
                f"internal error: {type(exc).__name__}: {terminal(str(exc))}\n"
                "This is a bug in netpol; "
                "please report it with the input (rerun with --debug for details).",
                err=True,
            )
            code = ExitCode.INTERNAL_ERROR
        sys.exit(int(code))

    return wrapper


def _report(exc: NetpolError) -> None:
    """The message of an error netpol raised on purpose, after the located problems behind it."""
    if isinstance(exc, InputError):
        show(Note(d.format(), "red") for d in exc.diagnostics)
    if isinstance(exc, GraphvizFailed):
        click.echo(f"internal error: {exc}; the same command with -o dot writes the DOT text", err=True)
    else:
        click.echo(click.style(f"error: {terminal(str(exc), newlines=True)}", fg="red"), err=True)


def _output_failed(exc: OSError) -> ExitCode:
    """An I/O error on stdout is the environment's, not a bug: exit 2 with the reason. A reader
    that went away (``netpol list | head``) is no error to report."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
    except (OSError, ValueError):
        pass
    if exc.errno != errno.EPIPE:
        click.echo(f"error: cannot write the output: {_reason(exc)}", err=True)
    return ExitCode.INPUT_ERROR


class _Commands(click.Group):
    """The commands, each imported when it is run (or listed by ``--help``): ``netpol list``
    does not pay for importing what report, diff or suggest need."""

    MODULES: ClassVar[Mapping[str, str]] = {
        "check": "netpol.cli.check",
        "diff": "netpol.cli.diff",
        "graph": "netpol.cli.graph",
        "lint": "netpol.cli.lint",
        "list": "netpol.cli.listing",
        "query": "netpol.cli.query",
        "report": "netpol.cli.report",
        "snapshot": "netpol.cli.snapshot",
        "suggest": "netpol.cli.suggest",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.MODULES:
            importlib.import_module(self.MODULES[cmd_name])  # registers the command on main
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(netpol.__version__, prog_name="netpol")
def main() -> None:
    """Kubernetes NetworkPolicy reachability: who can reach whom, on which ports, and why.

    PATHS are manifest files or folders (YAML, JSON, kubectl List dumps), or - for stdin;
    --live, --context NAME or --kubeconfig FILE read a running cluster instead.

    \b
    Exit codes: 0 success (query: allowed), 1 denied or findings,
                2 usage or input error, 3 internal error.
    """
