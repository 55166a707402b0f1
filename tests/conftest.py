"""Shared fixtures: golden files (regenerate with ``pytest --update-golden``)."""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


def needs(program: str, install: str) -> pytest.MarkDecorator:
    """Skip a test when ``program`` is missing, except in CI (``CI`` set, as .ci/run does): there
    the test runs and fails, so a missing install step cannot pass unnoticed."""
    if shutil.which(program) is not None or os.environ.get("CI"):
        return pytest.mark.skipif(False, reason=f"{program} is installed, or CI requires it")
    return pytest.mark.skip(reason=f"{program} is not installed ({install})")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden("list/webshop.json", text)``: compare with tests/golden/..., diff on mismatch."""
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {path} missing; run pytest --update-golden and review it")
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = "".join(difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                f"golden/{name}", "actual"))
            pytest.fail(f"output differs from golden/{name} (pytest --update-golden to accept):\n"
                        f"{diff}", pytrace=False)

    return check
