"""Shared test helpers: golden files, the hypothesis profiles, the coverage floor, programs a test
needs.

Golden files: ``golden(path, text)`` compares with a file, shows a unified diff on a mismatch, and
``pytest --update-golden`` rewrites every golden file from the current output (review the diff).

Hypothesis profiles: ``fast`` (the default) caps every property at a dozen examples, so the whole
suite runs in well under a minute with coverage on; ``long`` runs each property's full budget, the
counts given to ``examples()``. Choose with ``pytest --hypothesis-profile long`` or ``NETPOL_PROFILE=long``.

Coverage: every run measures netpol/ (pyproject's addopts); the floor in [tool.coverage.report]
judges the whole suite only, so a run of chosen tests never fails for coverage.

YAML a test writes or reads: ``SafeDumper`` and ``SafeLoader`` are PyYAML's safe ones with libyaml
underneath when PyYAML has it: the same text and values as the pure-Python ones, several times
faster (more so under coverage's tracer).
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

try:
    from yaml import CSafeDumper as _SafeDumper
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _SafeDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent

PROFILE_VARIABLE = "NETPOL_PROFILE"
FAST, LONG = "fast", "long"
settings.register_profile(FAST, max_examples=12, deadline=None)
settings.register_profile(LONG, max_examples=1000, deadline=None)
settings.load_profile(os.environ.get(PROFILE_VARIABLE, FAST))


class SafeDumper(_SafeDumper):
    """``yaml.dump(data, Dumper=SafeDumper)``: ``yaml.safe_dump``'s text, libyaml's speed."""


class SafeLoader(_SafeLoader):
    """``yaml.load(text, Loader=SafeLoader)``: ``yaml.safe_load``'s values, libyaml's speed."""


def examples(long: int) -> int:
    """A property's example count: ``long`` in the long profile, at most the profile's own
    ``max_examples`` in any other (12 in the fast default)."""
    current = settings.default
    assert current is not None
    return min(long, current.max_examples)


def long_profile() -> bool:
    """Whether the long profile is active (budgets other than hypothesis' follow it too)."""
    return settings.get_current_profile_name() == LONG


def needs(program: str, install: str) -> pytest.MarkDecorator:
    """Skip a test when ``program`` is missing, except in CI (``CI`` set, as .ci/run does): there
    the test runs and fails, so a missing install step cannot pass unnoticed."""
    if shutil.which(program) is not None or os.environ.get("CI"):
        return pytest.mark.skipif(False, reason=f"{program} is installed, or CI requires it")
    return pytest.mark.skip(reason=f"{program} is not installed ({install})")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite every golden file (tests/cases/, lint rules' .txt) from the current output",
    )


def whole_suite(config: pytest.Config) -> bool:
    """Whether this run is the whole suite: no paths, -k, -m, --deselect, --ignore or --lf."""
    chosen = ("keyword", "markexpr", "deselect", "ignore", "ignore_glob", "lf")
    return config.args_source is pytest.Config.ArgsSource.TESTPATHS and not any(
        getattr(config.option, name, None) for name in chosen
    )


def pytest_configure(config: pytest.Config) -> None:
    cov = config.pluginmanager.get_plugin("_cov")  # pytest-cov's plugin, when --cov is on
    if cov is not None and not whole_suite(config):
        cov.options.cov_fail_under = 0  # measured and reported, never a failure


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"netpol: hypothesis profile {settings.get_current_profile_name()!r} "
        f"(--hypothesis-profile {LONG} or {PROFILE_VARIABLE}={LONG} for the full budgets)"
    )


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
            pytest.fail(
                f"golden file {name} is missing: create it with\n"
                f"  .venv/bin/pytest '{request.node.nodeid}' --update-golden\n"
                f"and review it",
                pytrace=False,
            )
        expected = path.read_bytes().decode("utf-8")  # byte for byte: no newline translation
        if actual != expected:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True), actual.splitlines(keepends=True), name, "actual"
                )
            )
            pytest.fail(
                f"output differs from {name} (pytest --update-golden to accept):\n{diff}", pytrace=False
            )

    return check
