"""`netpol snapshot`: what a live cluster holds, written as one YAML List for later analysis."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

import click

import netpol
from netpol.cli.common import Note, command, main, show
from netpol.cli.options import InputSpec, live_options
from netpol.core.escaping import terminal
from netpol.errors import ExitCode, UsageError
from netpol.live import LiveSpec, kubeconfig_paths, read_cluster, write_snapshot

__all__ = ["snapshot_cmd"]


@main.command("snapshot")
@live_options
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="The file to write (- for stdout).",
)
@click.option("-v", "--verbose", count=True, help="Say what was read.")
@click.option("--debug", is_flag=True, hidden=True, help="Print the traceback of an internal error.")
def snapshot_cmd(live: LiveSpec | None, out: str, verbose: int, debug: bool) -> None:
    """Read a live cluster (the current context, or --context NAME) and write what netpol
    analyses as one YAML List: any command reads the file back to the same analysis.

    \b
    Exit codes: 0 written, 2 the cluster cannot be read or the file written, 3 internal error.
    """
    _snapshot(InputSpec(verbose=verbose, debug=debug, live=live or LiveSpec()), out)


@command
def _snapshot(spec: InputSpec, out: str) -> ExitCode:
    assert spec.live is not None
    if out != "-" and os.path.realpath(out) in {
        os.path.realpath(p) for p in kubeconfig_paths(spec.live.kubeconfig)
    }:
        raise UsageError(f"--out {out} is the kubeconfig; refusing to overwrite it")
    read = read_cluster(spec.live)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = [
        f"netpol {netpol.__version__} snapshot of context {read.context!r} ({read.server}, "
        f"Kubernetes {read.version}), read {stamp}",
        "Read it back with any netpol command, e.g. netpol list THIS-FILE",
    ]
    objects = (o.data for o in read.loaded.objects)
    try:
        if out == "-":
            count = write_snapshot(sys.stdout, objects, header)
        else:
            tmp = f"{out}.netpol-tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                count = write_snapshot(f, objects, header)
            os.replace(tmp, out)  # never a half-written snapshot under the name asked for
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {(exc.strerror or str(exc)).lower()}") from exc
    show(Note(d.format(), "yellow") for d in read.loaded.diagnostics)
    where = "stdout" if out == "-" else terminal(out)
    summary = f"wrote {count} objects to {where}"
    show([Note(f"{summary}: read {terminal(read.summary())}" if spec.verbose else summary)])
    return ExitCode.OK
