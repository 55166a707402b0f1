"""What `netpol lint` and `netpol check` share: the report switches, the configuration, the
threshold, and the findings written in the chosen format.

Exit codes: 0 no finding at the ``--fail-on`` threshold, 1 findings at or above it, 2 input errors
(manifests, the configuration file or the intent file), 3 internal error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

import netpol
from netpol import AllowGraph
from netpol.cli.options import choice
from netpol.errors import ExitCode
from netpol.findings import FailOn, LintConfig, Report, find_config, load_config
from netpol.render.registry import FindingsFormat, render_findings

__all__ = ["findings_output", "load_lint_config", "report_options", "threshold", "to_color"]

F = TypeVar("F", bound=Callable[..., Any])


def report_options(func: F) -> F:
    """The switches lint and check share: format, output file, threshold, configuration."""
    for dec in reversed(
        [
            click.option(
                "-o",
                "--output",
                "fmt",
                type=choice(FindingsFormat),
                default="text",
                show_default=True,
                help="Output format (SARIF 2.1.0 for code scanning, JUnit XML for CI test reports).",
            ),
            click.option(
                "--out",
                type=click.Path(dir_okay=False, allow_dash=True),
                help="Write to this file instead of stdout.",
            ),
            click.option(
                "--fail-on",
                type=choice(FailOn),
                default=None,
                help="Exit 1 when a finding is at least this severe "
                "[default: the configuration's fail-on, else error].",
            ),
            click.option(
                "--config",
                "config_path",
                type=click.Path(dir_okay=False),
                help="Configuration file [default: .netpol.yaml in the current directory, if present].",
            ),
        ]
    ):
        func = dec(func)
    return func


def load_lint_config(path: str | None) -> LintConfig:
    """The configuration at ``path``, else ``.netpol.yaml`` here, else the defaults; InputError
    with located diagnostics when it is bad."""
    return load_config(find_config(path))


def threshold(flag: str | None, config: LintConfig) -> FailOn:
    """``--fail-on``, else the configuration's ``fail-on``, else error."""
    if flag is not None:
        return FailOn(flag.lower())
    return config.fail_on or FailOn.ERROR


def to_color(out: str | None) -> bool:
    """Colour the text report: it goes to a terminal and NO_COLOR is not set."""
    return (out is None or out == "-") and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def findings_output(
    report: Report,
    fmt: FindingsFormat,
    fail_on: FailOn,
    *,
    color: bool,
    graph: AllowGraph,
    extra: dict[str, Any] | None = None,
) -> tuple[str, ExitCode]:
    """The report in ``fmt``, and exit code 1 when a finding is at ``fail_on`` or above. JSON
    lists the policies of ``graph`` netpol does not model, when there are some."""
    if graph.cluster.unmodelled:
        extra = {**(extra or {}), "unmodelled_policies": dict(graph.cluster.unmodelled)}
    text = render_findings(fmt, report, fail_on=fail_on, version=netpol.__version__, color=color, extra=extra)
    return text, ExitCode.FINDINGS if report.failed(fail_on) else ExitCode.OK
