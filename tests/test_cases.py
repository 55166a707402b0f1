"""Golden cases, discovered from folders: tests/cases/<command>/<case>/ holds a case.yaml and, beside
it, the expected output of each format it names (``expected.<ext>``).

    # what the case shows (a comment)
    args: [graph, policies/webshop, --focus, shop/api]   # run from the repository root
    exit: 0                                              # the exit code it must end with
    formats: [dot, mermaid]                              # -o FORMAT: expected.dot, expected.mmd
    stdin: tests/fixtures/graph/open.yaml                # optional: fed to standard input

Inputs are referenced by their path from the repository root: the bundled examples in policies/,
shared fixtures in tests/fixtures/, or files of the case's own inside its folder. Each format runs
``netpol ARGS -o FORMAT`` through click's CliRunner and compares stdout byte for byte with
expected.<ext>, and stderr with stderr.txt (the same for every format; no file: nothing on
stderr). ``pytest --update-golden`` rewrites every expected file; review the diff.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT

from netpol.cli import main

CASES = ROOT / "tests" / "cases"
EXTENSIONS = {
    "text": "txt",
    "json": "json",
    "csv": "csv",
    "md": "md",
    "dot": "dot",
    "mermaid": "mmd",
    "sarif": "sarif",
    "junit": "xml",
    "html": "html",
    "yaml": "yaml",
}
"""The file an output format's expected bytes live in: expected.<ext>."""
KEYS = {"args", "exit", "formats"}
OPTIONAL = {"stdin"}


@dataclasses.dataclass(frozen=True, slots=True)
class Case:
    folder: Path
    args: tuple[str, ...]
    exit: int
    formats: tuple[str, ...]
    stdin: Path | None = None

    @property
    def name(self) -> str:
        return self.folder.relative_to(CASES).as_posix()

    def expected(self, fmt: str) -> Path:
        return self.folder / f"expected.{EXTENSIONS[fmt]}"

    @property
    def stderr(self) -> Path:
        return self.folder / "stderr.txt"

    @property
    def inputs(self) -> tuple[Path, ...]:
        """The files the case names (args and stdin), for finding the stray ones."""
        named = [ROOT / a for a in self.args] + ([self.stdin] if self.stdin else [])
        return tuple(q for p in named if p.exists() for q in ([p] if p.is_file() else sorted(p.rglob("*"))))


def read_case(folder: Path) -> Case:
    where = (folder / "case.yaml").relative_to(ROOT)
    spec = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    if not isinstance(spec, dict) or not KEYS <= set(spec) <= KEYS | OPTIONAL:
        raise ValueError(f"{where}: needs the keys {sorted(KEYS)}, may have {sorted(OPTIONAL)}")
    args, code, formats = spec["args"], spec["exit"], spec["formats"]
    if not (isinstance(args, list) and args and all(isinstance(a, str) for a in args)):
        raise ValueError(f"{where}: args is a list of strings, the command first")
    if not isinstance(code, int):
        raise ValueError(f"{where}: exit is an integer")
    if not (isinstance(formats, list) and formats and all(f in EXTENSIONS for f in formats)):
        raise ValueError(f"{where}: formats is a list of {sorted(EXTENSIONS)}")
    stdin = spec.get("stdin")
    if stdin is not None and not (isinstance(stdin, str) and (ROOT / stdin).is_file()):
        raise ValueError(f"{where}: stdin names a file, from the repository root")
    return Case(folder, tuple(args), code, tuple(formats), ROOT / stdin if stdin else None)


def discover() -> list[Case]:
    return [read_case(p.parent) for p in sorted(CASES.rglob("case.yaml"))]


ALL = discover()


@pytest.mark.parametrize(
    ("case", "fmt"), [pytest.param(c, f, id=f"{c.name}/{f}") for c in ALL for f in c.formats]
)
def test_case(
    case: Case,
    fmt: str,
    golden: Callable[[Path, str], None],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    stdin = case.stdin.read_bytes() if case.stdin else None
    result = CliRunner().invoke(main, [*case.args, "-o", fmt], input=stdin, catch_exceptions=False)
    assert result.exit_code == case.exit, result.stderr
    golden(case.expected(fmt), result.stdout_bytes.decode("utf-8"))
    stderr = result.stderr_bytes.decode("utf-8")
    if stderr or case.stderr.exists():
        if not stderr and request.config.getoption("--update-golden"):
            case.stderr.unlink()
        else:
            golden(case.stderr, stderr)


def test_the_commands_have_cases() -> None:
    assert {c.name.split("/")[0] for c in ALL} == {
        "check",
        "diff",
        "graph",
        "lint",
        "list",
        "query",
        "report",
        "suggest",
    }


def test_every_file_belongs_to_a_case() -> None:
    """No stale expected file (a renamed case, a dropped format) and no case.yaml missed."""
    owned: set[Path] = set()
    for case in ALL:
        owned |= {
            case.folder / "case.yaml",
            case.stderr,
            *case.inputs,
            *(case.expected(f) for f in case.formats),
        }
    stray = [
        p.relative_to(ROOT).as_posix() for p in sorted(CASES.rglob("*")) if p.is_file() and p not in owned
    ]
    assert stray == [], "files no case names (a case's own input is named in its args or stdin)"
