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
from conftest import long_profile
from fuzzing import (
    HARD_KINDS,
    check_differential,
    describe,
    generate,
    literal,
    load_corpus,
    output_problems,
    run,
    same_value,
)

CASES = int(os.environ.get("NETPOL_FUZZ_CASES", "250" if long_profile() else "50"))
"""Mutated inputs run: 50 by default, 250 in the long profile (conftest), or NETPOL_FUZZ_CASES."""
SEED = int(os.environ.get("NETPOL_FUZZ_SEED", "0"))
FAMILIES = int(os.environ.get("NETPOL_FUZZ_FAMILIES", "3"))
"""Commands per case (of list, query, graph, lint, check, diff, report), drawn per case."""


def test_fuzz_short_budget(tmp_path: Path) -> None:
    stats = run(
        load_corpus(),
        SEED,
        range(CASES),
        tmp_path,
        families=FAMILIES,
        heavy=0.05,
        budget=10.0,
        minimise_seconds=10.0,
        keep=1,
    )
    assert stats.cases == CASES
    hard = [f for f in stats.failures if f.kind in HARD_KINDS]
    if hard:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(stats.by_kind.items()) if k in HARD_KINDS)
        pytest.fail(
            f"{len(hard)} distinct problem(s) in {CASES} cases of seed {SEED} "
            f"({kinds}):\n\n" + "\n\n".join(describe(f) for f in hard),
            pytrace=False,
        )


# --- the fuzzer's own oracles, so that a broken oracle cannot pass silently ---


def test_cases_are_deterministic() -> None:
    corpus = load_corpus()
    assert [generate(corpus, 3, i).data for i in range(20)] == [
        generate(corpus, 3, i).data for i in range(20)
    ]
    assert len({generate(corpus, 3, i).data for i in range(20)}) > 15


@pytest.mark.parametrize(
    ("fmt", "out", "err", "kind"),
    [
        ("json", b'{"a": 1', b"", "bad-json"),
        ("sarif", b"", b"", "bad-json"),
        ("junit", b"<testsuites><testsuite>", b"", "bad-xml"),
        ("text", b"x/a\x1b[31m", b"", "raw-escape"),
        ("json", b"{}", b"error: name \x1b]8;;x\x07", "raw-escape"),
        ("text", "x/\u202eevil".encode(), b"", "raw-control"),
        ("csv", b"src,dst\na,b,c\n", b"", "bad-csv"),
        ("csv", b"src,dst\n=cmd,b\n", b"", "csv-formula"),
        ("md", b"| a | b |\n| --- | --- |\n| x|y | z |\n", b"", "bad-markdown"),
        ("md", b"owner @fuzzuser\n", b"", "md-mention"),
        ("html", b"<td></script><img src=x onerror=alert(1)></td>", b"", "injection"),
    ],
)
def test_output_oracles_fire(fmt: str, out: bytes, err: bytes, kind: str) -> None:
    assert kind in {k for k, _, _ in output_problems(fmt, 0, out, err)}


@pytest.mark.parametrize(
    ("fmt", "out", "err"),
    [
        ("json", b'{"a": "\\u001b"}', b"\x1b[31merror\x1b[0m: netpol's own colour"),
        ("csv", b"src,dst\n'=cmd,b\n", b""),
        ("md", b"| a | b |\n| --- | --- |\n| `x\\|y` | `@fuzzuser` |\n", b""),
        ("md", b"`</script><img src=x onerror=alert(1)>`\n", b""),
        ("text", b"x/a[Pod] -> x/b[Pod]\tall\n", b""),
    ],
)
def test_output_oracles_pass_clean_output(fmt: str, out: bytes, err: bytes) -> None:
    assert list(output_problems(fmt, 0, out, err)) == []


def test_values_compare_with_their_types() -> None:
    assert same_value({"a": [1, 1.5, None]}, {"a": [1, 1.5, None]})
    assert same_value(float("nan"), float("nan"))
    assert not same_value(1, True)
    assert not same_value(1, 1.0)
    assert not same_value(0.0, -0.0)
    assert same_value({1: "a"}, {"1": "a"})  # keys as JSON has them, as Kubernetes reads them
    assert not same_value({True: "a"}, {"True": "a"})


def test_differential_agrees_on_clean_yaml() -> None:
    text = b"a: 1\nb: [x, 'y', 0x10, 0o7, 1.5, .inf, ~, true]\nc: &m {d: 1}\ne: {<<: *m, f: 2}\n"
    assert check_differential(text, ".yaml", budget=10.0) == []


def test_literal_shortens_runs() -> None:
    assert literal(b"port: " + b"9" * 50 + b"\n") == "b'port: ' + b'9' * 50 + b'\\n'"
