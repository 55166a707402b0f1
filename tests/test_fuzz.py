"""The fuzzer (tests/fuzzing.py) on a short, fixed budget: load, model, the parser differential and
every command, on mutated copies of the bundled manifests.

A failure prints each distinct problem once, minimised, with the command and the input as a
bytes literal; ``python bench/fuzz.py --replay SEED:INDEX`` runs that case again. Longer runs:

    NETPOL_FUZZ_CASES=20000 NETPOL_FUZZ_SEED=7 .venv/bin/pytest tests/test_fuzz.py
    .venv/bin/python bench/fuzz.py --minutes 30 --seed 7     # survives native hangs and crashes
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fuzzing import HARD_KINDS, describe, load_corpus, run

CASES = int(os.environ.get("NETPOL_FUZZ_CASES", "200"))
SEED = int(os.environ.get("NETPOL_FUZZ_SEED", "0"))
FAMILIES = int(os.environ.get("NETPOL_FUZZ_FAMILIES", "3"))
"""Commands per case (of list, query, graph, lint, check, diff, report), drawn per case."""


def test_fuzz(tmp_path: Path) -> None:
    stats = run(load_corpus(), SEED, range(CASES), tmp_path, families=FAMILIES, heavy=0.05,
                budget=10.0, minimise_seconds=10.0, keep=1)
    assert stats.cases == CASES
    hard = [f for f in stats.failures if f.kind in HARD_KINDS]
    if hard:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(stats.by_kind.items()) if k in HARD_KINDS)
        pytest.fail(f"{len(hard)} distinct problem(s) in {CASES} cases of seed {SEED} "
                    f"({kinds}):\n\n" + "\n\n".join(describe(f) for f in hard), pytrace=False)
