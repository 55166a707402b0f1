"""bench/live.py runs on a tiny cluster and prints its figures (the benchmark itself is run by
hand; docs/performance.md has its numbers)."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not part of the installed package
    sys.path.insert(0, str(ROOT))
live = importlib.import_module("bench.live")


def test_the_live_benchmark_runs_and_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert live.main(["--pods", "30", "--workloads", "6", "--policies", "10", "--namespaces", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("netpol ") and "30 pods" in out
    for row in ("list, from the file", "list, live", "snapshot, live", "list, from the snapshot"):
        assert re.search(rf"^{re.escape(row)} +\d+\.\d\d +\d+\.\d\d +\d+", out, re.M), out
    assert re.search(r"^list, live .* (\d+) requests$", out, re.M)
