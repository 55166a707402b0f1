"""The switches every analysing command shares, frozen once into an :class:`InputSpec`.

:func:`input_options` (and :func:`analysis_options`, for ``diff``, which names its inputs itself)
add the click parameters and hand the command one typed ``InputSpec`` as its first argument, in
place of those parameters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar, TypeVar

import click

from netpol import Options
from netpol.live import DEFAULT_TIMEOUT, LiveSpec
from netpol.load.files import DEFAULT_MAX_INPUT_SIZE

__all__ = ["ByteSize", "Duration", "InputSpec", "analysis_options", "choice", "input_options", "live_options"]

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class InputSpec:
    """What to read and how to analyse it, as the command line gave it.

    ``paths``: the PATH arguments; ``filenames``: the ``-f`` values; ``namespace``: ``-n``, not
    yet checked (reading checks it); ``options``: the analysis switches; ``debug``: a traceback
    for an internal error.
    """

    paths: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()
    namespace: str | None = None
    options: Options = field(default_factory=Options)
    verbose: int = 0
    max_input_size: int = DEFAULT_MAX_INPUT_SIZE
    debug: bool = False
    live: LiveSpec | None = None

    @property
    def inputs(self) -> tuple[str, ...]:
        """Everything to read, PATHs first, as given (``-`` for stdin)."""
        return (*self.paths, *self.filenames)


def choice(enum: type[Enum]) -> click.Choice[str]:
    """A case-insensitive click.Choice built from an enum's values."""
    return click.Choice([str(e.value) for e in enum], case_sensitive=False)


class ByteSize(click.ParamType):  # type: ignore[type-arg]
    """A size in bytes: ``1048576``, ``512K``, ``512M``, ``1G`` (powers of 1024; ``KiB`` too)."""

    name = "SIZE"
    _FORM = re.compile(r"(\d+)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return int(value)
        match = self._FORM.fullmatch(str(value).strip())
        if match is None or int(match.group(1)) == 0:
            self.fail(f"{value!r} is not a size (e.g. 512M, 1G, 1048576)", param, ctx)
        return int(match.group(1)) << (10 * " KMGT".index(match.group(2).upper() or " "))


class Duration(click.ParamType):  # type: ignore[type-arg]
    """kubectl's ``--request-timeout``: ``30s``, ``1m``, ``1m30s``, ``500ms``, ``2h`` or plain
    seconds; ``0`` for no limit (None)."""

    name = "DURATION"
    _PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
    _UNITS: ClassVar[dict[str, float]] = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float | None:
        if value is None or isinstance(value, float):
            return value
        text = str(value).strip()
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
        elif text and re.fullmatch(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h))+", text):
            seconds = sum(float(n) * self._UNITS[u] for n, u in self._PART.findall(text))
        else:
            self.fail(f"{value!r} is not a duration (e.g. 30s, 1m, 2m30s, or 0 for no limit)", param, ctx)
        return seconds or None


def live_options(func: Callable[..., R]) -> Callable[..., R]:
    """``--live``, ``--context``, ``--kubeconfig`` and ``--request-timeout``, passed to ``func``
    as one ``live`` parameter: a LiveSpec, or None when none of the first three is given."""

    @functools.wraps(func)
    def with_live(
        *,
        live: bool,
        context: str | None,
        kubeconfig: str | None,
        request_timeout: float | None,
        **params: Any,
    ) -> R:
        spec = None
        if live or context is not None or kubeconfig is not None:
            spec = LiveSpec(kubeconfig, context, request_timeout)
        return func(live=spec, **params)

    decorated: Callable[..., R] = with_live
    for dec in reversed(
        [
            click.option(
                "--live",
                is_flag=True,
                help="Read the cluster of the kubeconfig's current context (needs the cluster "
                "extra: pip install 'netpol-reach[cluster]'; docs/live.md).",
            ),
            click.option(
                "--context",
                metavar="NAME",
                default=None,
                help="Read the cluster of this kubeconfig context (implies --live).",
            ),
            click.option(
                "--kubeconfig",
                metavar="FILE",
                default=None,
                type=click.Path(dir_okay=False),
                help="The kubeconfig to use (implies --live; default: $KUBECONFIG, then ~/.kube/config).",
            ),
            click.option(
                "--request-timeout",
                type=Duration(),
                default=f"{DEFAULT_TIMEOUT:g}s",
                show_default=True,
                metavar="DURATION",
                help="The longest one request to the cluster may take (30s, 1m; 0: no limit).",
            ),
        ]
    ):
        decorated = dec(decorated)
    return decorated


def input_options(func: Callable[..., R]) -> Callable[..., R]:
    """PATH arguments, ``-f``, ``-n`` and the switches of :func:`analysis_options`."""
    decorated = analysis_options(func)
    for dec in reversed(
        [
            click.argument("paths", nargs=-1, type=click.Path(allow_dash=True)),
            click.option(
                "-f",
                "--filename",
                "filenames",
                multiple=True,
                type=click.Path(allow_dash=True),
                help="A manifest file or folder (repeatable), like kubectl -f.",
            ),
            click.option(
                "-n",
                "--namespace",
                default=None,
                metavar="NS",
                help="Namespace for objects that name none (default: 'default'); "
                "list, graph and report show only connections touching NS.",
            ),
            click.option(
                "-A",
                "--all-namespaces",
                is_flag=True,
                help="Every namespace, as in kubectl (the default).",
            ),
        ]
    ):
        decorated = dec(decorated)
    return decorated


def analysis_options(func: Callable[..., R]) -> Callable[..., R]:
    """The semantic and reporting switches (no inputs, no ``-n``: a command using this alone
    declares ``-n`` itself), passed to ``func`` as an InputSpec with those of ``-n``, PATHs and
    ``-f`` where the command has them."""

    @functools.wraps(func)
    def with_spec(
        *,
        max_input_size: int,
        ipblock_ignores_pods: bool,
        host_network_as_pods: bool,
        closed_world: bool,
        verbose: int,
        debug: bool,
        paths: tuple[str, ...] = (),
        filenames: tuple[str, ...] = (),
        namespace: str | None = None,
        all_namespaces: bool = False,
        live: LiveSpec | None = None,
        **params: Any,
    ) -> R:
        if all_namespaces and namespace is not None:
            raise click.UsageError("-A (all namespaces) and -n NS exclude each other")
        options = Options(
            default_namespace=namespace or "default",
            ipblock_matches_pods=not ipblock_ignores_pods,
            host_network_as_pods=host_network_as_pods,
            stand_ins=not closed_world,
        )
        spec = InputSpec(
            tuple(paths), tuple(filenames), namespace, options, verbose, max_input_size, debug, live
        )
        return func(spec, **params)

    decorated: Callable[..., R] = live_options(with_spec)
    for dec in reversed(
        [
            click.option(
                "--max-input-size",
                type=ByteSize(),
                default=DEFAULT_MAX_INPUT_SIZE,
                show_default="512M",
                metavar="SIZE",
                help="Refuse a file (or stdin) larger than this.",
            ),
            click.option(
                "--ipblock-ignores-pods",
                is_flag=True,
                help="ipBlocks match only addresses outside the cluster, never pod IPs "
                "(Cilium's behaviour; the default follows the upstream e2e suite).",
            ),
            click.option(
                "--closed-world",
                is_flag=True,
                help="Only what is in the input: no stand-ins for the pods and namespaces "
                "policies select that the input does not hold (docs/semantics.md).",
            ),
            click.option(
                "--host-network-as-pods",
                is_flag=True,
                help="Apply policies to hostNetwork pods like to other pods "
                "(default: their traffic is node traffic).",
            ),
            click.option(
                "-v", "--verbose", count=True, help="Name skipped objects and show informational diagnostics."
            ),
            click.option(
                "--debug", is_flag=True, hidden=True, help="Print the traceback of an internal error."
            ),
        ]
    ):
        decorated = dec(decorated)
    return decorated
