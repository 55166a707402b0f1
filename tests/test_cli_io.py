"""What the CLI does around the analysis: where output goes, and what it refuses to do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ROOT

from netpol.cli import main
from netpol.errors import ExitCode

WEBSHOP = ROOT / "policies" / "webshop"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    copy = tmp_path / "shop"
    shutil.copytree(WEBSHOP, copy)
    return copy


@pytest.mark.parametrize(
    "command",
    [["list"], ["lint"], ["check", "--expect", "INTENT"], ["graph", "-o", "mermaid"], ["report", "-o", "md"]],
)
def test_out_never_overwrites_an_input(shop: Path, tmp_path: Path, command: list[str]) -> None:
    intent = tmp_path / "intent.yaml"
    intent.write_text("- from: shop/frontend\n  to: shop/db\n  expect: deny\n")
    target = shop / "policies.yaml"
    before = target.read_bytes()
    args = [a.replace("INTENT", str(intent)) for a in command]
    # Spelled another way than the folder scan spells it: the real path decides.
    result = run(*args, str(shop), "--out", str(shop / ".." / "shop" / "policies.yaml"))
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "is one of the input files" in result.stderr
    assert target.read_bytes() == before
    assert run(*args, str(shop), "--out", str(tmp_path / "result.txt")).exit_code in (0, 1)


def test_diff_out_never_overwrites_either_side(shop: Path) -> None:
    target = shop / "workloads.yaml"
    before = target.read_bytes()
    result = run("diff", str(WEBSHOP), str(shop), "--out", str(target))
    assert result.exit_code == ExitCode.INPUT_ERROR and target.read_bytes() == before


def netpol_cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    result: subprocess.CompletedProcess[bytes] = subprocess.run(  # type: ignore[call-overload]
        [sys.executable, "-m", "netpol", *args],
        cwd=ROOT,
        check=False,
        capture_output="stdout" not in kwargs,
        timeout=120,
        **kwargs,
    )
    return result


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_an_io_error_not_a_bug() -> None:
    with open("/dev/full", "w") as full:
        done = netpol_cli("list", str(WEBSHOP), stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == ExitCode.INPUT_ERROR
    assert b"cannot write the output: no space left on device" in done.stderr
    assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr
    out = netpol_cli("list", str(WEBSHOP), "--out", "/dev/full")
    assert out.returncode == ExitCode.INPUT_ERROR
    assert b"cannot write /dev/full: no space left on device" in out.stderr


def test_a_reader_that_goes_away_is_no_error() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "netpol", "graph", str(WEBSHOP), "-o", "dot"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # like `| head -0`
        err = proc.stderr.read()
        assert proc.wait(timeout=120) in (0, ExitCode.INPUT_ERROR)
    assert b"Traceback" not in err and b"internal error" not in err


def test_namespace_flag_is_validated_and_an_absent_namespace_is_named() -> None:
    bad = run("list", str(WEBSHOP), "-n", "A B")
    assert bad.exit_code == ExitCode.INPUT_ERROR and "not a namespace name" in bad.stderr
    absent = run("list", str(WEBSHOP), "-n", "nosuch")
    assert absent.exit_code == ExitCode.OK
    assert (
        "warning[unknown-namespace]: namespace 'nosuch' is not in the input (it holds: "
        "kube-system, monitoring, payments, shop)"
    ) in absent.stderr
    assert "unknown-namespace" not in run("list", str(WEBSHOP), "-n", "shop").stderr


def test_input_read_back_to_the_terminal_is_escaped() -> None:
    # YAML's own escapes (\e, \u202e) are legal: the raw characters are refused at load, these
    # reach the analysis as data.
    text = (
        'apiVersion: v1\nkind: "\\e[2J\\e[31mEvil\\u202e"\nmetadata: {name: x}\n---\n'
        'apiVersion: v1\nkind: Pod\nmetadata: {name: "bad\\e[31m", namespace: x}\n'
    )
    result = CliRunner().invoke(main, ["list", "-", "-v", "--from", "x"], input=text)
    assert result.exit_code == ExitCode.INPUT_ERROR  # --from is no option of list
    result = CliRunner().invoke(main, ["list", "-", "-v"], input=text)
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert "\\x1b[2J\\x1b[31mEvil\\u202e (1)" in result.stderr
    query = CliRunner().invoke(main, ["query", "-", "--from", "x/\x1b[31mz", "--to", "x/y"], input=text)
    assert query.exit_code == ExitCode.INPUT_ERROR
    assert "\x1b" not in query.stderr and "\\x1b[31mz" in query.stderr


def test_hidden_characters_in_file_names_are_shown_in_html(tmp_path: Path) -> None:
    # A file name is input too: a bidi override in it must not reorder the report's text.
    hostile = tmp_path / "policies\u202egpj.yaml"
    shutil.copy(WEBSHOP / "policies.yaml", hostile)
    shutil.copy(WEBSHOP / "workloads.yaml", tmp_path / "workloads.yaml")
    result = run("report", str(tmp_path), "-o", "html", "--no-diagrams")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "\u202e" not in result.stdout
    assert "policies\\u202egpj.yaml" in result.stdout
