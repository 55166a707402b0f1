"""Reading a live cluster: time and peak memory of netpol reading a synthetic cluster from the
tests' fake API server (HTTPS on 127.0.0.1, pages of 500, the bulk a real server adds to every
object), against reading the same objects from a file.

    python bench/live.py                                   # 2,000 pods
    python bench/live.py --pods 100000 --workloads 10000 --policies 20000 --namespaces 1000

Needs the test extra (the fake server's CA comes from trustme) and the cluster extra. netpol runs
as a child process, so its peak memory (``ru_maxrss``) is its own, not the fake server's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_apiserver import BUILTIN_RESOURCES, FakeAPIServer, write_kubeconfig  # noqa: E402

import netpol  # noqa: E402
from bench.generate import generate_cluster, to_yaml  # noqa: E402
from netpol.load import load_text  # noqa: E402

SERVED = {r.kind for r in BUILTIN_RESOURCES if r.kind not in ("Service", "Node")}
"""The generator's kinds that netpol reads from a cluster."""


_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "wb"))
_, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status))
"""
"""Runs netpol and prints its peak RSS (KiB) and exit code. A child's ru_maxrss keeps the high
water mark of the memory it was forked from, so netpol is started from this small process, never
from the benchmark, which holds the whole cluster and the fake server."""


def _run(args: list[str]) -> tuple[float, float, float, int]:
    """Wall seconds, netpol's own CPU seconds, its peak RSS in MiB and the exit code of
    ``netpol ARGS`` (its stderr shown only when it fails). With a live read, wall time includes
    the fake server's work, which runs in the benchmark's process; CPU time is netpol's alone."""
    with tempfile.NamedTemporaryFile(suffix=".stderr") as err:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, err.name, sys.executable, "-m", "netpol", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - start
        peak_kib, cpu_text, code_text = done.stdout.split()
        peak, cpu, code = int(peak_kib), float(cpu_text), int(code_text)
        if code not in (0, 1):
            sys.stderr.write(Path(err.name).read_text(encoding="utf-8", errors="replace"))
    return wall, cpu, peak / 1024, code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=2000)
    parser.add_argument("--workloads", type=int, default=200)
    parser.add_argument("--policies", type=int, default=400)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    cluster = generate_cluster(
        seed=args.seed,
        pods=args.pods,
        workloads=args.workloads,
        policies=args.policies,
        namespaces=args.namespaces,
    )
    text = to_yaml(cluster, fmt="dump")
    objects = [dict(o.data) for o in load_text(text, "dump.yaml").objects if o.kind in SERVED]
    with tempfile.TemporaryDirectory(prefix="netpol-bench-live-") as tmp:
        dump = Path(tmp) / "dump.yaml"
        dump.write_text(text, encoding="utf-8")
        with FakeAPIServer(objects=objects, page_size=500, lifetime=3600) as server:
            config = write_kubeconfig(
                Path(tmp) / "kubeconfig", server.url, ca_file=server.ca_file, token="good-token"
            )
            snap = Path(tmp) / "snapshot.yaml"
            rows = [
                ("list, from the file", ["list", str(dump), "-o", "json", "--out", os.devnull]),
                ("list, live", ["list", "--kubeconfig", str(config), "-o", "json", "--out", os.devnull]),
                ("snapshot, live", ["snapshot", "--kubeconfig", str(config), "--out", str(snap)]),
                ("list, from the snapshot", ["list", str(snap), "-o", "json", "--out", os.devnull]),
            ]
            print(
                f"netpol {netpol.__version__}: {args.pods} pods, {args.workloads} workloads, "
                f"{args.policies} policies, {args.namespaces} namespaces; {len(objects)} objects, "
                f"{len(text) / 2**20:.1f} MiB of YAML"
            )
            print(f"{'command':<26} {'wall s':>8} {'cpu s':>7} {'peak MiB':>9}")
            for name, command in rows:
                before = len(server.requests)
                wall, cpu, peak, code = _run(command)
                if code not in (0, 1):
                    print(f"{name}: exit code {code}", file=sys.stderr)
                    return 1
                requests = len(server.requests) - before
                extra = f"  {requests} requests" if requests else ""
                print(f"{name:<26} {wall:>8.2f} {cpu:>7.2f} {peak:>9.0f}{extra}")
            print(f"snapshot: {snap.stat().st_size / 2**20:.1f} MiB")
            methods = {r.method for r in server.requests}
            if methods != {"GET"}:
                print(f"the fake server saw {sorted(methods)}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
