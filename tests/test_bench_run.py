"""bench/run.py on tiny sizes: the stages are measured, heavy scenarios are opt-in, and the
side-by-side with network-config-analyzer runs where nca is installed (a stand-in nca here)."""

from __future__ import annotations

import importlib
import os
import re
import stat
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not part of the installed package
    sys.path.insert(0, str(ROOT))
run = importlib.import_module("bench.run")
gen = importlib.import_module("bench.generate")

TINY = run.Scenario("tiny", 30, 6, 10, 3, "manifests", "none")


def test_the_stages_are_measured(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    cluster = gen.generate_cluster(pods=30, workloads=6, policies=10, namespaces=3, seed=1)
    path.write_text(gen.to_yaml(cluster, "manifests"), encoding="utf-8")
    figures = run.measure(str(path))
    assert {"load", "model", "compile", "list", "query_ms", "max_rss_mb"} <= set(figures)
    assert figures["endpoints"] > 0 and figures["errors"] == 0


def test_the_100k_scenario_is_there_and_opt_in() -> None:
    (big,) = [s for s in run.SCENARIOS if s.name == "100k-dump"]
    assert big.heavy and big.pods == 100_000 and big.policies == 20_000
    assert all(not s.heavy for s in run.SCENARIOS if s is not big)


def test_without_nca_the_side_by_side_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    line = run.side_by_side(TINY, tmp_path)
    assert "nca is not installed" in line and "network-config-analyzer==2.1.0" in line


def test_with_nca_the_ratio_is_printed(tmp_path: Path) -> None:
    fake = tmp_path / "nca"
    fake.write_text(
        f"#!{sys.executable}\nimport sys, time\nassert '--connectivity' in sys.argv\ntime.sleep(0.3)\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    line = run.side_by_side(TINY, tmp_path, nca=str(fake))
    match = re.fullmatch(
        r"tiny: netpol list ([\d.]+)s, nca --connectivity ([\d.]+)s: netpol is (\d+)x faster.*", line
    )
    assert match, line
    assert float(match.group(2)) >= 0.3
    assert (tmp_path / "tiny.yaml").exists() and os.path.getsize(tmp_path / "tiny.yaml") > 0


def test_every_command_is_timed_with_its_own_peak(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    cluster = gen.generate_cluster(pods=60, workloads=12, policies=30, namespaces=3, seed=1)
    path.write_text(gen.to_yaml(cluster, "dump"), encoding="utf-8")
    figures = run.time_commands(path)
    assert [name for name, _, _ in figures] == [name for name, _ in run.COMMANDS]
    assert all(wall > 0 and peak > 10 for _, wall, peak in figures), figures
    edited = (tmp_path / "c-edited.yaml").read_text(encoding="utf-8")
    assert edited != path.read_text(encoding="utf-8")


def test_the_large_nca_scenario_is_opt_in() -> None:
    assert run.NCA_LARGE.heavy and not run.NCA.heavy
    assert run.NCA_LARGE.pods == 3 * run.NCA.pods and run.NCA_LARGE.policies == 3 * run.NCA.policies
