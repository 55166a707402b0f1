"""Shared test helpers: golden files and the programs a test needs.

Golden files: ``golden(path, text)`` compares with a file, shows a unified diff on a mismatch, and
``pytest --update-golden`` rewrites every golden file from the current output (review the diff).
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def needs(program: str, install: str) -> pytest.MarkDecorator:
    """Skip a test when ``program`` is missing, except in CI (``CI`` set, as .ci/run does): there
    the test runs and fails, so a missing install step cannot pass unnoticed."""
    if shutil.which(program) is not None or os.environ.get("CI"):
        return pytest.mark.skipif(False, reason=f"{program} is installed, or CI requires it")
    return pytest.mark.skip(reason=f"{program} is not installed ({install})")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite every golden file (tests/cases/, lint rules' .txt) from the "
                          "current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[Path, str], None]:
    """``golden(path, text)``: compare ``text`` with the golden file ``path``; a unified diff on a
    mismatch; with ``--update-golden``, write ``text`` there instead."""
    update = bool(request.config.getoption("--update-golden"))

    def check(path: Path, actual: str) -> None:
        name = path.relative_to(ROOT).as_posix()
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(f"golden file {name} is missing: create it with\n"
                        f"  .venv/bin/pytest '{request.node.nodeid}' --update-golden\n"
                        f"and review it", pytrace=False)
        expected = path.read_bytes().decode("utf-8")  # byte for byte: no newline translation
        if actual != expected:
            diff = "".join(difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                name, "actual"))
            pytest.fail(f"output differs from {name} (pytest --update-golden to accept):\n"
                        f"{diff}", pytrace=False)

    return check
