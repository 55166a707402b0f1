#!/usr/bin/env python3
"""Benchmark netpol on synthetic clusters; prints one table of figures.

    python bench/run.py                 # every scenario but the heavy ones (a few minutes on 2 cores)
    python bench/run.py --only 10k      # scenarios whose name contains "10k"
    python bench/run.py --only 100k     # the 100,000-pod dump (heavy: minutes, several GB)
    python bench/run.py --only nca      # netpol beside network-config-analyzer, where nca is installed
    python bench/run.py --only nca-600  # the same on a cluster three times larger (nca: minutes)
    python bench/run.py --only 100k --commands   # and every command end to end, with its peak memory

Each scenario runs in a fresh child process, so its peak memory (max RSS) is its own. Stages:
load (read + parse YAML), model (validate, group pods), compile (allow-graph), list (every
connection, sorted, rendered as JSON), query (mean of 200 explained queries after compile), and
the whole `netpol list -o json` command as a user runs it (process start included).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.generate import dump_yaml, generate_cluster, to_yaml  # noqa: E402
from bench.tiers import tier_policies  # noqa: E402


@dataclass(frozen=True)
class Scenario:
    name: str
    pods: int
    workloads: int
    policies: int
    namespaces: int
    fmt: str
    target: str
    tiers: int = 0
    """Cluster-wide tier policies added to the cluster (bench/tiers.py); 0: none."""
    heavy: bool = False
    """Run only when ``--only`` names it (minutes and gigabytes)."""


SCENARIOS = (
    Scenario("1k-manifests", 1_000, 100, 300, 10, "manifests", "list end to end < 1 s"),
    Scenario("10k-manifests", 10_000, 1_000, 2_000, 50, "manifests", "compile < 3 s; one query < 50 ms"),
    Scenario("10k-dump", 10_000, 1_000, 2_000, 50, "dump", "kubectl dump listed end to end < 5 s"),
    Scenario(
        "10k-dump-tiers",
        10_000,
        1_000,
        2_000,
        50,
        "dump",
        "tiers cost per policy: within 1.5x of 10k-dump",
        40,
    ),
    Scenario("50k-manifests", 50_000, 5_000, 5_000, 200, "manifests", "(no target; scaling)"),
    Scenario("50k-dump", 50_000, 5_000, 5_000, 200, "dump", "(no target; scaling)"),
    Scenario(
        "100k-dump",
        100_000,
        10_000,
        20_000,
        1_000,
        "dump",
        "every command < 60 s, < 4 GiB (issue 15)",
        heavy=True,
    ),
)

NCA = Scenario("nca-200", 200, 200, 320, 8, "manifests", "netpol >= 300x faster than nca 2.1.0")
"""The cluster netpol and network-config-analyzer both list (`nca --connectivity`)."""
NCA_LARGE = Scenario(
    "nca-600", 600, 600, 960, 24, "manifests", "netpol >= 300x faster than nca 2.1.0", heavy=True
)
"""The same, three times the size: nca needs minutes (``--only nca-600``)."""
NCA_INSTALL = "pip install network-config-analyzer==2.1.0"


def measure(path: str) -> dict[str, float]:
    """Run in the child: time each stage on ``path``."""
    import netpol
    from netpol.engine.graph import compile_graph
    from netpol.load.files import load_paths
    from netpol.model.cluster import build_cluster
    from netpol.query.explain import explain
    from netpol.render.registry import ListFormat, write_connections

    out: dict[str, float] = {}
    t = time.perf_counter()
    loaded = load_paths([path])
    out["load"] = time.perf_counter() - t
    t = time.perf_counter()
    cluster = build_cluster(loaded.objects)
    out["model"] = time.perf_counter() - t
    t = time.perf_counter()
    graph = compile_graph(cluster)
    out["compile"] = time.perf_counter() - t
    t = time.perf_counter()
    counted = _Counted(graph.iter_connections())
    for _ in write_connections(ListFormat.JSON, counted, graph.endpoint_ids()):
        pass  # written as it streams, as `netpol list` writes it
    out["list"] = time.perf_counter() - t
    ids = [e.id for e in cluster.endpoints]
    rng = random.Random(7)
    pairs = [(rng.choice(ids), rng.choice(ids)) for _ in range(200)]
    t = time.perf_counter()
    for src, dst in pairs:
        explain(graph, src, dst, port=8080)
    out["query_ms"] = (time.perf_counter() - t) / len(pairs) * 1000
    out["endpoints"] = len(cluster.endpoints)
    out["classes"] = graph.classes
    out["connections"] = counted.count
    out["objects"] = len(loaded.objects)
    out["errors"] = sum(d.severity.value == "error" for d in graph.diagnostics)
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del netpol
    return out


class _Counted:
    """An iterable that counts what passes through it."""

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self._items:
            self.count += 1
            yield item


def run_scenario(s: Scenario, workdir: Path) -> dict[str, float]:
    path = workdir / f"{s.name}.yaml"
    if not path.exists():
        cluster = generate_cluster(
            pods=s.pods, workloads=s.workloads, policies=s.policies, namespaces=s.namespaces, seed=1
        )
        text = to_yaml(cluster, s.fmt)
        if s.tiers:
            text += "\n---\n" + dump_yaml(tier_policies(cluster.namespaces, s.tiers))
        path.write_text(text, encoding="utf-8")
    child = subprocess.run(
        [sys.executable, __file__, "--measure", str(path)], check=True, capture_output=True, text=True
    )
    figures: dict[str, float] = json.loads(child.stdout)
    netpol_cmd = Path(sys.executable).with_name("netpol")
    t = time.perf_counter()
    subprocess.run(
        [str(netpol_cmd), "list", str(path), "-o", "json"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    figures["cli_list"] = time.perf_counter() - t
    figures["mb"] = path.stat().st_size / 1e6
    return figures


COMMANDS = (
    ("list -o json", ["list", "{path}", "-o", "json"]),
    ("list (compact text)", ["list", "{path}"]),
    ("query (one pair)", ["query", "{path}", "--from", "{src}", "--to", "{dst}", "--port", "8080"]),
    ("graph --level namespace -o dot", ["graph", "{path}", "--level", "namespace", "-o", "dot"]),
    ("lint -o json", ["lint", "{path}", "-o", "json", "--fail-on", "never"]),
    ("report -o html", ["report", "{path}", "-o", "html"]),
    ("diff (50 policies edited)", ["diff", "{path}", "{edited}"]),
)
"""The commands ``--commands`` times on a scenario's cluster, as a user runs them."""

_PEAK = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
"""A child that runs a command and prints its peak RSS (KiB): each command's peak is its own."""


def edited_copy(path: Path, edits: int = 50) -> Path:
    """``path`` with the first ``edits`` numeric ports of its policies one higher (5432 becomes
    5433): a pull request's worth of change for ``netpol diff``."""
    text = path.read_text(encoding="utf-8")
    head, sep, policies = text.partition("kind: NetworkPolicy")
    bumped = re.sub(r"port: (\d+)\n", lambda m: f"port: {int(m.group(1)) + 1}\n", policies, count=edits)
    edited = path.with_name(path.stem + "-edited.yaml")
    edited.write_text(head + sep + bumped, encoding="utf-8")
    return edited


def time_commands(path: Path) -> list[tuple[str, float, float]]:
    """Each of :data:`COMMANDS` on ``path``: (name, wall seconds, peak MiB)."""
    netpol_cmd = str(Path(sys.executable).with_name("netpol"))
    graph = subprocess.run(
        [netpol_cmd, "list", str(path), "-o", "json", "--flat"], check=True, capture_output=True, text=True
    )
    first = json.loads(graph.stdout)["connections"][0]
    words = {"path": str(path), "edited": str(edited_copy(path)), "src": first["src"], "dst": first["dst"]}
    figures = []
    for name, args in COMMANDS:
        t = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _PEAK, netpol_cmd, *(a.format(**words) for a in args)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures.append((name, time.perf_counter() - t, int(done.stdout) / 1024))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run scenarios whose name contains this")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--keep", help="folder for the generated clusters (default: a temp dir)")
    parser.add_argument(
        "--commands", action="store_true", help="also time every command end to end on each scenario run"
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
        head = (
            f"{'scenario':<16} {'MB':>5} {'objects':>7} {'endpts':>6} {'classes':>7} "
            f"{'load':>6} {'model':>6} {'compile':>7} {'list':>6} {'query':>8} "
            f"{'CLI list':>8} {'RSS MB':>6}  target"
        )
        print(head)
        for s in SCENARIOS:
            if args.only not in s.name or (s.heavy and not args.only):
                continue
            f = run_scenario(s, workdir)
            print(
                f"{s.name:<16} {f['mb']:>5.1f} {f['objects']:>7.0f} {f['endpoints']:>6.0f} "
                f"{f['classes']:>7.0f} {f['load']:>5.2f}s {f['model']:>5.2f}s "
                f"{f['compile']:>6.2f}s {f['list']:>5.2f}s {f['query_ms']:>6.2f}ms "
                f"{f['cli_list']:>7.2f}s {f['max_rss_mb']:>6.0f}  {s.target}",
                flush=True,
            )
            if args.commands:
                for name, wall, peak in time_commands(workdir / f"{s.name}.yaml"):
                    print(f"  {name:<32} {wall:>7.2f}s {peak:>7.0f} MiB", flush=True)
        for nca in (NCA, NCA_LARGE):
            if (
                args.only in nca.name
                and (args.only or not nca.heavy)
                and not (nca.heavy and args.only == "nca")
            ):
                print(side_by_side(nca, workdir), flush=True)
    return 0


def side_by_side(s: Scenario, workdir: Path, nca: str | None = None) -> str:
    """netpol and network-config-analyzer listing the same cluster: their times and the ratio;
    a line saying how to install nca where it is not."""
    nca = nca or shutil.which("nca")
    if nca is None:
        return f"{s.name}: nca is not installed ({NCA_INSTALL}); no side-by-side figure"
    path = workdir / f"{s.name}.yaml"
    if not path.exists():
        cluster = generate_cluster(
            pods=s.pods, workloads=s.workloads, policies=s.policies, namespaces=s.namespaces, seed=1
        )
        path.write_text(to_yaml(cluster, s.fmt), encoding="utf-8")
    netpol_cmd = [str(Path(sys.executable).with_name("netpol")), "list", str(path), "-o", "json"]
    nca_cmd = [nca, "--connectivity", "-o", "txt_no_fw_rules", "--resource_list", str(path)]
    times = []
    for cmd in (netpol_cmd, nca_cmd):
        t = time.perf_counter()
        done = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - t)
        if done.returncode not in (0, 1):
            return f"{s.name}: {cmd[0]} failed (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    ours, theirs = times
    return (
        f"{s.name}: netpol list {ours:.2f}s, nca --connectivity {theirs:.2f}s: netpol is "
        f"{theirs / ours:.0f}x faster  (target: {s.target})"
    )


if __name__ == "__main__":
    sys.exit(main())
