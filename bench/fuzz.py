"""Run the fuzzer of tests/fuzzing.py for as long as you like.

    .venv/bin/python bench/fuzz.py --minutes 10 --seed 1
    .venv/bin/python bench/fuzz.py --cases 5000 --seed 2 --start 1000
    .venv/bin/python bench/fuzz.py --replay 1:4711        # one case again, with its failures

Cases run in a worker process that reports each case to this one; a case that takes longer than
``--hang`` seconds (stuck in native code, where no alarm reaches it) or kills the worker is
recorded as a ``hang`` or a ``crash`` and the worker is restarted after it. Failing inputs, each
minimised, go to ``--out`` (a folder under /tmp by default, never the repository): one ``.txt``
(what failed, how, the input as a bytes literal), one ``.bin`` (the input) and one ``.json``
(everything, for tests/fuzzing.py's ``Failure.from_json``) per failure; ``summary.json`` at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:  # tests/fuzzing.py is a helper of the test suite
    sys.path.insert(0, str(ROOT / "tests"))

import fuzzing  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=None, help="stop after this long")
    parser.add_argument("--cases", type=int, default=None, help="stop after this many cases")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="the first case index")
    parser.add_argument(
        "--families",
        type=int,
        default=7,
        help="commands per case, out of list, query, graph, lint, check, diff, report (default: all 7)",
    )
    parser.add_argument(
        "--heavy", type=float, default=0.1, help="share of graph and report runs drawn as SVG/HTML (slow)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds one step (a command, the library, the differential) may take",
    )
    parser.add_argument(
        "--hang", type=float, default=120.0, help="seconds one case may take before the worker is killed"
    )
    parser.add_argument(
        "--minimise",
        type=float,
        default=20.0,
        help="seconds spent minimising each new failure (0: keep inputs whole)",
    )
    parser.add_argument(
        "--keep", type=int, default=2, help="failures of one signature kept (and minimised) per worker"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="where failing inputs go (default: a new folder under /tmp)"
    )
    parser.add_argument(
        "--replay",
        metavar="SEED:INDEX",
        default=None,
        help="run one case in this process and print its failures",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--until", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args)
    if args.worker:
        return worker(args)
    if args.minutes is None and args.cases is None:
        parser.error("give --minutes or --cases (or --replay)")
    return supervise(args)


def replay(args: argparse.Namespace) -> int:
    seed, _, index = args.replay.partition(":")
    corpus = fuzzing.load_corpus()
    case = fuzzing.generate(corpus, int(seed), int(index))
    print(f"{case.label}, from {case.base}: {'; '.join(case.mutations)}")
    with tempfile.TemporaryDirectory(prefix="netpol-fuzz-") as tmp:
        failures = fuzzing.check_case(
            case, corpus, Path(tmp), families=args.families, heavy=args.heavy, budget=args.budget
        )
        for f in failures:
            if args.minimise > 0 and f.kind != "hang":
                f = fuzzing.minimise(
                    f, original=case.original, workdir=Path(tmp), seconds=args.minimise, budget=args.budget
                )
            print(fuzzing.describe(f), end="\n\n")
    if not failures:
        print("no failure")
    return 1 if failures else 0


def worker(args: argparse.Namespace) -> int:
    """Run cases from --start until --cases or --until; one JSON line per event on stdout."""
    corpus = fuzzing.load_corpus()
    out = sys.stdout

    def emit(event: dict[str, Any]) -> None:
        out.write(json.dumps(event) + "\n")
        out.flush()

    seen: Counter[str] = Counter()
    index = args.start
    end = None if args.cases is None else args.start + args.cases
    with tempfile.TemporaryDirectory(prefix="netpol-fuzz-") as tmp:
        while (end is None or index < end) and (args.until is None or time.time() < args.until):
            emit({"start": index})
            case = fuzzing.generate(corpus, args.seed, index)
            failures = fuzzing.check_case(
                case, corpus, Path(tmp), families=args.families, heavy=args.heavy, budget=args.budget
            )
            for f in failures:
                seen[f.signature] += 1
                if seen[f.signature] > args.keep:
                    emit({"repeat": f.signature, "kind": f.kind})
                    continue
                if args.minimise > 0 and f.kind != "hang":
                    emit({"alive": index})  # minimising: the supervisor waits a bit longer
                    f = fuzzing.minimise(
                        f,
                        original=case.original,
                        workdir=Path(tmp),
                        seconds=args.minimise,
                        budget=args.budget,
                    )
                emit({"failure": f.to_json()})
            emit({"done": index})
            index += 1
    return 0


class Recorder:
    """Writes failures to the output folder and counts them."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.by_kind: Counter[str] = Counter()
        self.signatures: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.written = 0

    def add(self, failure: fuzzing.Failure) -> None:
        self.count(failure.signature, failure.kind)
        self.written += 1
        stem = self.out / f"{self.written:04d}-{failure.kind}"
        stem.with_suffix(".txt").write_text(fuzzing.describe(failure) + "\n", encoding="utf-8")
        stem.with_suffix(".bin").write_bytes(failure.data)
        stem.with_suffix(".json").write_text(json.dumps(failure.to_json()), encoding="utf-8")
        self.examples.setdefault(failure.signature, stem.with_suffix(".txt").name)

    def count(self, signature: str, kind: str) -> None:
        self.by_kind[kind] += 1
        self.signatures[signature] += 1


def supervise(args: argparse.Namespace) -> int:
    out = args.out or Path(tempfile.mkdtemp(prefix=f"netpol-fuzz-seed{args.seed}-"))
    out.mkdir(parents=True, exist_ok=True)
    corpus = fuzzing.load_corpus()
    recorder = Recorder(out)
    started = time.time()
    until = None if args.minutes is None else started + args.minutes * 60
    index, cases, restarts = args.start, 0, 0
    end = None if args.cases is None else args.start + args.cases
    last_note = started
    print(f"fuzzing with seed {args.seed} from case {args.start}; failures go to {out}", file=sys.stderr)
    finished = False
    while not finished and (end is None or index < end) and (until is None or time.time() < until):
        command = [
            sys.executable,
            __file__,
            "--worker",
            "--seed",
            str(args.seed),
            "--start",
            str(index),
            "--families",
            str(args.families),
            "--heavy",
            str(args.heavy),
            "--budget",
            str(args.budget),
            "--minimise",
            str(args.minimise),
            "--keep",
            str(args.keep),
        ]
        if end is not None:
            command += ["--cases", str(end - index)]
        if until is not None:
            command += ["--until", str(until)]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
        assert child.stdout is not None
        current: int | None = None
        case_started = time.time()
        buffer = b""
        limit = args.hang
        while True:
            ready, _, _ = select.select([child.stdout], [], [], 5.0)
            if not ready:
                if current is not None and time.time() - case_started > limit:
                    child.kill()
                    child.wait()
                    _lost(
                        recorder,
                        corpus,
                        args,
                        current,
                        "hang",
                        f"the case ran over {limit:g} s (the worker was killed)",
                    )
                    index = current + 1
                    cases += 1
                    break
                continue
            chunk = os.read(child.stdout.fileno(), 65536)
            if not chunk:  # the worker ended
                code = child.wait()
                if current is not None:
                    _lost(
                        recorder,
                        corpus,
                        args,
                        current,
                        "crash",
                        f"the worker died with exit code {code} during the case",
                    )
                    index = current + 1
                    cases += 1
                else:
                    finished = True
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                event = json.loads(line)
                if "start" in event:
                    current, case_started, limit = event["start"], time.time(), args.hang
                elif "alive" in event:
                    case_started, limit = time.time(), args.minimise + args.budget * 2 + 30
                elif "done" in event:
                    cases += 1
                    index = event["done"] + 1
                    current = None
                elif "failure" in event:
                    recorder.add(fuzzing.Failure.from_json(event["failure"]))
                elif "repeat" in event:
                    recorder.count(event["repeat"], event["kind"])
            if time.time() - last_note > 60:
                last_note = time.time()
                _progress(cases, time.time() - started, recorder)
        restarts += 1
    elapsed = time.time() - started
    _progress(cases, elapsed, recorder)
    summary = {
        "seed": args.seed,
        "first_case": args.start,
        "cases": cases,
        "minutes": round(elapsed / 60, 2),
        "cases_per_second": round(cases / max(elapsed, 1e-9), 2),
        "families": args.families,
        "workers_started": restarts,
        "failures_by_kind": dict(recorder.by_kind.most_common()),
        "signatures": {
            s: {"count": n, "example": recorder.examples.get(s)} for s, n in recorder.signatures.most_common()
        },
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    hard = sum(n for k, n in recorder.by_kind.items() if k in fuzzing.HARD_KINDS)
    return 1 if hard else 0


def _lost(
    recorder: Recorder, corpus: fuzzing.Corpus, args: argparse.Namespace, index: int, kind: str, detail: str
) -> None:
    case = fuzzing.generate(corpus, args.seed, index)
    recorder.add(
        fuzzing.Failure(
            kind,
            "worker",
            detail,
            case.data,
            suffix=case.suffix,
            case=f"{case.label}, from {case.base}: "
            f"{'; '.join(case.mutations)} (replay: --replay "
            f"{args.seed}:{index})",
            klass=detail.split(" (")[0],
        )
    )


def _progress(cases: int, seconds: float, recorder: Recorder) -> None:
    kinds = ", ".join(f"{k} {n}" for k, n in recorder.by_kind.most_common()) or "none"
    print(
        f"{cases} cases in {seconds / 60:.1f} min ({cases / max(seconds, 1e-9):.2f}/s); "
        f"failures: {kinds}; {len(recorder.signatures)} distinct",
        file=sys.stderr,
    )


if __name__ == "__main__":
    sys.exit(main())
