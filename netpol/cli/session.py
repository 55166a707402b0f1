"""One input of a command run: read and analysed by :func:`read_session` (no printing), its
diagnostics told by :func:`session_notes`; :func:`open_session` does both, as a command needs."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import netpol
from netpol import AllowGraph
from netpol.cli.common import Note, show
from netpol.cli.options import InputSpec
from netpol.core import collector
from netpol.core.escaping import terminal
from netpol.errors import Diagnostic, ExitCode, Severity, UsageError
from netpol.live import LiveRead, read_cluster
from netpol.load.files import LoadResult, load_paths
from netpol.model.names import is_dns1123_label

__all__ = ["Session", "open_session", "read_live", "read_session", "session_notes"]

_COLOR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
_NAMESPACES_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Session:
    """What one command run read and analysed. ``label``: which input this is, in the notes,
    when a command reads several (``diff``: old, new)."""

    spec: InputSpec
    loaded: LoadResult
    graph: AllowGraph
    label: str | None = None
    live: LiveRead | None = None
    """What was read from a live cluster, when the input is one."""

    @property
    def inputs(self) -> tuple[str, ...]:
        """The real paths of the files read: never to be overwritten by ``--out``."""
        return self.loaded.files

    @property
    def described_inputs(self) -> tuple[str, ...]:
        """What was read, as a report names it: the PATHs, or the live cluster."""
        if self.live is not None and not self.spec.inputs:
            return (f"context {self.live.context} ({self.live.server})",)
        return self.spec.inputs

    @property
    def failed(self) -> bool:
        """Some input was bad (the objects at fault are left out of the analysis)."""
        return any(d.severity is Severity.ERROR for d in self.graph.diagnostics)

    def exit_code(self, code: ExitCode) -> ExitCode:
        """``code``, unless the input was bad: then exit code 2."""
        return ExitCode.INPUT_ERROR if self.failed else code


def read_session(
    spec: InputSpec,
    *,
    loaded: LoadResult | None = None,
    label: str | None = None,
    live: LiveRead | None = None,
) -> Session:
    """Read (unless ``loaded`` holds what was read already) and analyse ``spec``'s inputs: its
    files, or the live cluster of ``spec.live`` (``live``, when it has been read already).

    UsageError when there is no input, both files and a cluster, or ``-n`` names no possible
    namespace; ClusterError when the cluster cannot be read.
    """
    inputs = spec.inputs
    if spec.live is not None and inputs and loaded is None:
        raise UsageError(
            "give manifest files or a live cluster (--live, --context, --kubeconfig), not both; "
            "netpol diff --context NAME PATH compares a cluster with files applied to it"
        )
    if not inputs and spec.live is None and loaded is None:
        raise UsageError(
            "no input: give manifest files or folders, - to read stdin, or --live to read a cluster"
        )
    _check_namespace(spec)
    with collector.paused():
        if loaded is None and spec.live is not None:
            live = live or read_live(spec)
            loaded = live.loaded
        if loaded is None:
            stdin = sys.stdin if "-" in inputs else None
            loaded = load_paths(inputs, stdin=stdin, max_size=spec.max_input_size)
        graph = netpol.analyze_loaded(loaded, spec.options)
    return Session(spec, loaded, graph, label, live)


def read_live(spec: InputSpec) -> LiveRead:
    """The cluster of ``spec.live``, read (ClusterError, exit code 2, when it cannot be)."""
    assert spec.live is not None
    _check_namespace(spec)
    return read_cluster(spec.live)


def _check_namespace(spec: InputSpec) -> None:
    if spec.namespace is not None:
        problems = is_dns1123_label(spec.namespace)
        if problems:
            raise UsageError(f"-n {spec.namespace!r}: not a namespace name: {problems[0]}")


def session_notes(session: Session) -> list[Note]:
    """The input's diagnostics (informational ones with ``-v``), what was skipped, how many
    errors, and a ``-n`` namespace the input does not hold."""
    spec, label = session.spec, session.label
    diags = session.graph.diagnostics
    notes = [_note(d) for d in diags if d.severity is not Severity.INFO or spec.verbose]
    if session.live is not None and spec.verbose:
        notes.insert(
            0, Note(f"{f'note ({label})' if label else 'note'}: read {terminal(session.live.summary())}")
        )
    skipped = session.graph.skipped
    total = sum(skipped.values())
    note = f"note ({label})" if label else "note"
    if total:
        if spec.verbose:
            kinds = ", ".join(f"{k} ({n})" for k, n in skipped.items())
            notes.append(
                Note(f"{note}: skipped {total} object(s) that netpol does not analyse: {terminal(kinds)}")
            )
        else:
            notes.append(
                Note(f"{note}: skipped {total} object(s) of kinds netpol does not analyse (-v names them)")
            )
    errors = sum(d.severity is Severity.ERROR for d in diags)
    if errors:
        where = f" in the {label} input" if label else ""
        notes.append(
            Note(
                f"{errors} input error(s){where}: the objects at fault are left out of "
                "the analysis, as the API server would reject them"
            )
        )
    cluster = session.graph.cluster
    stand_ins = len(session.graph.stand_ins)
    if stand_ins:
        notes.append(
            Note(
                f"{note}: {stand_ins} stand-in(s) ([StandIn]) for pods and namespaces the policies "
                "select and the input does not hold (--closed-world leaves them out)"
            )
        )
    namespace = spec.namespace
    found = cluster.namespace(namespace) if namespace is not None else None
    if namespace is not None and (found is None or found.stand_in):
        known = [n.name for n in cluster.namespaces if not n.stand_in]
        shown = ", ".join(known[:_NAMESPACES_SHOWN])
        if len(known) > _NAMESPACES_SHOWN:
            shown += f" and {len(known) - _NAMESPACES_SHOWN} more"
        notes.append(
            Note(
                f"warning[unknown-namespace]: namespace {namespace!r} is not in the "
                f"input{f' (it holds: {shown})' if known else ''}; nothing touches it",
                "yellow",
            )
        )
    return notes


def open_session(
    spec: InputSpec,
    *,
    loaded: LoadResult | None = None,
    label: str | None = None,
    live: LiveRead | None = None,
) -> Session:
    """:func:`read_session`, then its notes shown on stderr."""
    session = read_session(spec, loaded=loaded, label=label, live=live)
    show(session_notes(session))
    return session


def _note(d: Diagnostic) -> Note:
    return Note(d.format(), _COLOR[d.severity])
