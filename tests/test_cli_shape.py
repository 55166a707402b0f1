"""The command line's shape: options frozen into one InputSpec, pure run_*() functions behind
each command, one wrapper for errors and exit codes, one exception tree, one Graphviz runner, and
every output format in the registry."""

from __future__ import annotations

import ast
import functools
import inspect
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT

import netpol
import netpol.errors
from netpol.cli import check as check_cli
from netpol.cli import diff as diff_cli
from netpol.cli import graph as graph_cli
from netpol.cli import lint as lint_cli
from netpol.cli import listing as list_cli
from netpol.cli import main
from netpol.cli import query as query_cli
from netpol.cli import report as report_cli
from netpol.cli.common import Outcome
from netpol.cli.findings import load_lint_config
from netpol.cli.options import InputSpec
from netpol.cli.session import Session, open_session, read_session, session_notes
from netpol.diff import diff_graphs
from netpol.diff.failon import DiffFailOn, fails
from netpol.errors import (
    ExitCode,
    GitError,
    GraphvizError,
    GraphvizFailed,
    GraphvizMissing,
    InputError,
    NetpolError,
    UsageError,
)
from netpol.findings import FailOn
from netpol.lint import lint
from netpol.query.check import load_intent
from netpol.render import registry
from netpol.render.diagram.model import Level

PACKAGE = ROOT / "netpol"
WEBSHOP = str(ROOT / "policies" / "webshop")
OVERPERMISSIVE = str(ROOT / "policies" / "overpermissive")
LOOSENING = ROOT / "tests" / "fixtures" / "diff" / "loosening"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# -- the exception tree -----------------------------------------------------------------------------


def _exceptions() -> list[type[NetpolError]]:
    return [c for _, c in inspect.getmembers(netpol.errors, inspect.isclass) if issubclass(c, NetpolError)]


def test_the_exception_tree_is_drawn_with_every_exit_code() -> None:
    doc = netpol.errors.__doc__ or ""
    for cls in _exceptions():
        lines = [line for line in doc.splitlines() if f" {cls.__name__} " in f" {line} "]
        assert len(lines) == 1, f"{cls.__name__} is not drawn once in netpol.errors' docstring"
        if cls is not NetpolError:
            assert f"exit code {int(cls.exit_code)})" in lines[0], lines[0]
        assert cls.__name__ in netpol.errors.__all__


def test_the_tree_has_its_shape() -> None:
    assert issubclass(GitError, InputError)
    assert issubclass(GraphvizMissing, GraphvizError) and issubclass(GraphvizFailed, GraphvizError)
    assert {InputError, UsageError, GraphvizError} <= set(_exceptions())
    assert [c for c in _exceptions() if c.exit_code is not ExitCode.INPUT_ERROR] == [GraphvizFailed]
    assert GraphvizFailed.exit_code is ExitCode.INTERNAL_ERROR


@functools.cache
def _modules() -> tuple[tuple[str, ast.Module], ...]:
    return tuple(
        (str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    )


def test_every_exception_netpol_raises_is_defined_in_errors() -> None:
    tree_names = {c.__name__ for c in _exceptions()}
    for name, tree in _modules():
        if name == "netpol/errors.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                assert not bases & tree_names, (
                    f"{name}: {node.name} belongs in netpol/errors.py, in the exception tree"
                )


def test_one_module_runs_graphviz() -> None:
    """Only the runner looks for dot; only it and git's loader start programs."""
    finders, runners = set(), set()
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and any(
                isinstance(a, ast.Constant) and a.value == "dot" for a in node.args
            ):
                finders.add(name)
            if isinstance(node, ast.Import) and any(a.name == "subprocess" for a in node.names):
                runners.add(name)
            if isinstance(node, ast.ImportFrom) and node.module == "subprocess":
                runners.add(name)
    assert finders == {"netpol/render/graphviz.py"}
    assert runners == {"netpol/render/graphviz.py", "netpol/load/git.py"}


# -- the format registry ----------------------------------------------------------------------------


def test_every_format_has_a_renderer() -> None:
    graph = netpol.analyze([WEBSHOP])
    conns, endpoints = graph.connections(), graph.endpoint_ids()
    for lf in registry.ListFormat:
        assert registry.render_connections(lf, conns, endpoints)
    exp = netpol.explain(graph, "shop/frontend", "shop/api")
    for qf in registry.QueryFormat:
        assert registry.render_explanation(qf, exp)
    diff = diff_graphs(netpol.analyze([str(LOOSENING / "old")]), netpol.analyze([str(LOOSENING / "new")]))
    for df in registry.DiffFormat:
        if df is not registry.DiffFormat.SVG:
            assert registry.render_diff(df, diff)
    report = lint(graph)
    for ff in registry.FindingsFormat:
        assert registry.render_findings(ff, report, fail_on=FailOn.ERROR, version="0")


def test_the_cli_offers_the_registry_formats() -> None:
    enums = {
        "list": registry.ListFormat,
        "query": registry.QueryFormat,
        "lint": registry.FindingsFormat,
        "check": registry.FindingsFormat,
        "graph": registry.GraphFormat,
        "diff": registry.DiffFormat,
        "report": registry.ReportFormat,
    }
    assert isinstance(main, click.Group)
    for name, enum in enums.items():
        output = next(p for p in main.commands[name].params if p.name == "fmt")
        assert isinstance(output.type, click.Choice)
        assert list(output.type.choices) == [e.value for e in enum], name


def test_only_images_need_dot() -> None:
    assert {f for f in registry.GraphFormat if f.needs_dot} == {
        registry.GraphFormat.SVG,
        registry.GraphFormat.PNG,
        registry.GraphFormat.HTML,
    }


# -- options, sessions, run_*() ---------------------------------------------------------------------


def test_a_command_receives_one_frozen_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[InputSpec] = []

    def opening(spec: InputSpec) -> Session:
        seen.append(spec)
        return open_session(spec)

    monkeypatch.setattr(list_cli, "open_session", opening)
    code, _, _ = run(
        "list",
        WEBSHOP,
        "-f",
        OVERPERMISSIVE,
        "-n",
        "shop",
        "--ipblock-ignores-pods",
        "-vv",
        "--max-input-size",
        "1M",
        "--debug",
    )
    assert code == 0
    (spec,) = seen
    assert spec == InputSpec(
        (WEBSHOP,),
        (OVERPERMISSIVE,),
        "shop",
        netpol.Options("shop", ipblock_matches_pods=False),
        2,
        1 << 20,
        True,
    )
    assert spec.inputs == (WEBSHOP, OVERPERMISSIVE)
    with pytest.raises(AttributeError):
        spec.verbose = 0  # type: ignore[misc]


def test_reading_prints_nothing_and_the_notes_say_it_all(capsys: pytest.CaptureFixture[str]) -> None:
    session = read_session(InputSpec((WEBSHOP,), namespace="nosuch"))
    assert capsys.readouterr() == ("", "")
    notes = session_notes(session)
    assert [n.color for n in notes] == ["yellow"]
    assert notes[0].text.startswith("warning[unknown-namespace]: namespace 'nosuch'")
    with pytest.raises(UsageError, match="no input"):
        read_session(InputSpec())
    with pytest.raises(UsageError, match="not a namespace name"):
        read_session(InputSpec((WEBSHOP,), namespace="A B"))


def test_run_functions_give_what_the_commands_print() -> None:
    session = read_session(InputSpec((WEBSHOP,)))
    graph, locator = session.graph, session.loaded.locator
    cases: list[tuple[Outcome, list[str]]] = [
        (
            list_cli.run_list(graph, registry.ListFormat.CSV, namespace="shop"),
            ["list", WEBSHOP, "-o", "csv", "-n", "shop"],
        ),
        (
            query_cli.run_query(graph, "shop/frontend", "shop/db", registry.QueryFormat.JSON, port=5432),
            ["query", WEBSHOP, "--from", "shop/frontend", "--to", "shop/db", "--port", "5432", "-o", "json"],
        ),
        (
            graph_cli.run_graph(graph, registry.GraphFormat.MERMAID, level=Level.NAMESPACE),
            ["graph", WEBSHOP, "-o", "mermaid", "--level", "namespace"],
        ),
        (
            lint_cli.run_lint(
                graph, load_lint_config(None), registry.FindingsFormat.JSON, FailOn.WARNING, locator=locator
            ),
            ["lint", WEBSHOP, "-o", "json", "--fail-on", "warning"],
        ),
        (
            report_cli.run_report(
                graph,
                load_lint_config(None),
                registry.ReportFormat.MD,
                locator=locator,
                inputs=[WEBSHOP],
                diagrams=False,
            ),
            ["report", WEBSHOP, "-o", "md", "--no-diagrams"],
        ),
    ]
    for outcome, args in cases:
        code, out, _ = run(*args)
        output = outcome.output
        if not isinstance(output, str | bytes):
            output = "".join(output)  # a listing, in pieces as it streams
        assert (outcome.code, output) == (code, out), args


def test_run_check_keeps_what_it_could_not_judge() -> None:
    graph = netpol.analyze([WEBSHOP])
    path = str(ROOT / "tests" / "fixtures" / "check" / "unknown-endpoint.yaml")
    outcome = check_cli.run_check(
        graph, load_intent(path), path, load_lint_config(None), registry.FindingsFormat.TEXT, FailOn.ERROR
    )
    assert outcome.code is ExitCode.INPUT_ERROR
    assert outcome.notes[-1].text.endswith("could not be judged; the others are reported")
    errors = [n for n in outcome.notes[:-1] if "error[" in n.text]
    assert errors and all(n.color == "red" for n in errors)
    # a side about pods the input does not hold is judged on a hypothetical pod: a note, not red
    assert all(n.color != "red" for n in outcome.notes[:-1] if "hypothetical" in n.text)


def test_run_graph_shows_warnings_before_its_error() -> None:
    graph = netpol.analyze([WEBSHOP])
    outcome = graph_cli.run_graph(graph, registry.GraphFormat.DOT, namespace="nosuch")
    assert outcome.error is None and outcome.notes
    with pytest.raises(UsageError):
        graph_cli.run_graph(graph, registry.GraphFormat.DOT, focus="nosuch/x")


def test_diff_fails_on_the_kinds_asked() -> None:
    old, new = (netpol.analyze([str(LOOSENING / side)]) for side in ("old", "new"))
    diff = diff_graphs(old, new)
    assert not fails(diff, [])
    assert fails(diff, [DiffFailOn.ANY]) and fails(diff, [DiffFailOn.ADDED])
    assert not fails(diff, [DiffFailOn.REMOVED])
    assert not fails(diff_graphs(old, old), list(DiffFailOn))
    outcome = diff_cli.run_diff(old, new, registry.DiffFormat.TEXT, [DiffFailOn.REMOVED, DiffFailOn.ADDED])
    assert outcome.code is ExitCode.FINDINGS


# -- the one command wrapper ------------------------------------------------------------------------


def _crash(*_: object, **__: object) -> Outcome:
    raise RuntimeError("boom")


@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_is_exit_3_with_a_traceback_only_under_debug(
    monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    monkeypatch.setattr(list_cli, "run_list", _crash)
    code, out, err = run("list", WEBSHOP, *(["--debug"] if debug else []))
    assert code == ExitCode.INTERNAL_ERROR and out == ""
    assert "internal error: RuntimeError: boom\nThis is a bug in netpol" in err
    assert ("Traceback" in err) is debug


def test_an_input_error_shows_its_located_problems_first() -> None:
    bad = str(ROOT / "tests" / "fixtures" / "ci" / "bad-config.yaml")
    for command in (["lint"], ["report", "-o", "md"]):
        code, out, err = run(*command, WEBSHOP, "--config", bad)
        assert code == ExitCode.INPUT_ERROR and out == ""
        assert err.index("error[unknown-field]") < err.index("error: 7 error(s) in configuration")


@pytest.fixture
def failing_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'Error: <stdin>: syntax error in line 1' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}")


@pytest.mark.usefixtures("failing_dot")
def test_graphviz_failing_is_a_bug_in_every_command() -> None:
    for command in (
        ["graph", WEBSHOP, "-o", "svg"],
        ["diff", str(LOOSENING / "old"), str(LOOSENING / "new"), "-o", "svg"],
    ):
        code, out, err = run(*command)
        assert code == ExitCode.INTERNAL_ERROR and out == "", command
        assert err.startswith("internal error: Graphviz's dot -Tsvg failed on the DOT text")
        assert err.endswith("; the same command with -o dot writes the DOT text\n")
