"""`netpol lint` and `netpol check`: findings for CI, as text, JSON, SARIF or JUnit XML.

Exit codes: 0 no finding at the ``--fail-on`` threshold, 1 findings at or above it, 2 input errors
(manifests, the configuration file or the intent file), 3 internal error.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import Any

import click

import netpol
from netpol.cli.common import (
    Session,
    choice,
    command,
    input_options,
    main,
    session_from,
    write_output,
)
from netpol.core.escaping import terminal
from netpol.errors import Diagnostic, ExitCode, InputError
from netpol.lint import FailOn, LintConfig, Report, find_config, lint, load_config
from netpol.load.files import Locator
from netpol.query.check import check, load_intent
from netpol.render import findings_text, junit, sarif

__all__ = ["check_cmd", "lint_cmd"]


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"


def _session(kw: dict[str, Any]) -> tuple[Session, Locator]:
    """The Session, and the load's Locator that gives findings their lines."""
    session = session_from(kw)
    return session, session.loaded.locator


def report_options(func: Any) -> Any:
    """The switches lint and check share: format, output file, threshold, configuration."""
    decorators = [
        click.option("-o", "--output", "fmt", type=choice(ReportFormat), default="text",
                     show_default=True, help="Output format (SARIF 2.1.0 for code scanning, "
                     "JUnit XML for CI test reports)."),
        click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write to this file instead of stdout."),
        click.option("--fail-on", type=choice(FailOn), default=None,
                     help="Exit 1 when a finding is at least this severe "
                          "[default: the configuration's fail-on, else error]."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="Configuration file [default: .netpol.yaml in the current directory, "
                          "if present]."),
    ]
    for dec in reversed(decorators):
        func = dec(func)
    return func


@main.command("lint")
@input_options
@report_options
def lint_cmd(fmt: str, out: str | None, fail_on: str | None, config_path: str | None,
             **kw: Any) -> None:
    """Find over-permissive, dead and redundant policies; exit 1 at --fail-on.

    Rules and their ids are listed in docs/lint-rules.md. Silence a finding with the annotation
    netpol.io/ignore: "NP001,NP004" on the object or its namespace, or with an exception (and its
    reason) in .netpol.yaml.
    """
    _lint(fmt, out, fail_on, config_path, kw)


@command
def _lint(fmt: str, out: str | None, fail_on: str | None, config_path: str | None,
          kw: dict[str, Any]) -> ExitCode:
    config = _config(config_path)
    session, locator = _session(kw)
    report = lint(session.graph, config, locator=locator)
    return _finish(session, report, fmt, out, _threshold(fail_on, config))


@main.command("check")
@input_options
@click.option("--expect", "intent_path", required=True, type=click.Path(dir_okay=False),
              metavar="INTENT.yaml", help="The intent file: a YAML list of expectations "
              "(from, to, port, protocol, expect: allow|deny); see docs/ci.md.")
@report_options
def check_cmd(intent_path: str, fmt: str, out: str | None, fail_on: str | None,
              config_path: str | None, **kw: Any) -> None:
    """Check declared intent (who may and may not reach whom) against the policies.

    Each violated expectation is reported with the engine's explanation: which policies isolate
    each side and which rule allows the traffic.
    """
    _check(intent_path, fmt, out, fail_on, config_path, kw)


@command
def _check(intent_path: str, fmt: str, out: str | None, fail_on: str | None,
           config_path: str | None, kw: dict[str, Any]) -> ExitCode:
    config = _config(config_path)
    intent = _input(lambda: load_intent(intent_path))
    session, locator = _session(kw)
    result = check(session.graph, intent, config, locator=locator)
    for d in result.errors:
        _echo_error(d)
    if result.errors:
        click.echo(f"{len(result.errors)} expectation(s) in {terminal(intent_path)} could not be "
                   "judged; the others are reported", err=True)
    code = _finish(session, result.report, fmt, out, _threshold(fail_on, config),
                   extra=result.to_json())
    return ExitCode.INPUT_ERROR if result.errors else code


def _input(load: Any) -> Any:
    """Run ``load``; print the located diagnostics of an InputError before it is reported."""
    try:
        return load()
    except InputError as exc:
        for d in exc.diagnostics:
            _echo_error(d)
        raise


def _echo_error(d: Diagnostic) -> None:
    head, _, rest = d.format().partition("\n")
    click.echo(click.style(head, fg="red") + ("\n" + rest if rest else ""), err=True)


def _config(path: str | None) -> LintConfig:
    config: LintConfig = _input(lambda: load_config(find_config(path)))
    return config


def _threshold(flag: str | None, config: LintConfig) -> FailOn:
    if flag is not None:
        return FailOn(flag.lower())
    return config.fail_on or FailOn.ERROR


def _finish(session: Session, report: Report, fmt: str, out: str | None, fail_on: FailOn,
            extra: dict[str, Any] | None = None) -> ExitCode:
    kind = ReportFormat(fmt.lower())
    if kind is ReportFormat.SARIF:
        text = sarif.render_sarif(report, version=netpol.__version__)
    elif kind is ReportFormat.JUNIT:
        text = junit.render_junit(report, fail_on=fail_on)
    elif kind is ReportFormat.JSON:
        text = findings_text.render_json(report, fail_on=fail_on, version=netpol.__version__,
                                         extra=extra)
    else:
        to_terminal = (out is None or out == "-") and sys.stdout.isatty()
        color = to_terminal and "NO_COLOR" not in os.environ
        text = findings_text.render_text(report, fail_on=fail_on, color=color)
    write_output(text, out, session.inputs)
    return session.exit_code(ExitCode.FINDINGS if report.failed(fail_on) else ExitCode.OK)
