"""docs/examples.md is an executable spec: its tables, written from the spec, against the engine."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

import netpol

DOC = (ROOT / "docs" / "examples.md").read_text()
SPOT = re.compile(
    r"^\| (\d+) \| `?([^|`]+?)`? \| `?([^|`]+?)`? \| (TCP|UDP|SCTP) (\d+) \| "
    r"\*\*(allowed|denied)\*\* \|",
    re.M,
)


def section(name: str) -> str:
    start = DOC.index(f"## {name}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end > 0 else None]


def spot_checks(name: str) -> list[tuple[str, str, str, str, int, bool]]:
    return [
        (name, m[2].strip(), m[3].strip(), m[4], int(m[5]), m[6] == "allowed")
        for m in SPOT.finditer(section(name))
        if "replica" not in m[2]
    ]


GRAPHS = {
    name: netpol.analyze([str(ROOT / "policies" / name)])
    for name in ("webshop", "kubectl-dump", "tenants-anp", "tenants-cnp")
}
TENANTS = spot_checks("tenants-anp")
CASES = (
    spot_checks("webshop")
    + spot_checks("kubectl-dump")
    + TENANTS
    + [("tenants-cnp", *case[1:]) for case in TENANTS]  # the same policies as ClusterNetworkPolicies
)


def test_the_doc_has_spot_checks() -> None:
    assert len(spot_checks("webshop")) >= 30 and len(spot_checks("kubectl-dump")) >= 8
    assert len(TENANTS) >= 15


@pytest.mark.parametrize(
    ("example", "src", "dst", "proto", "port", "allowed"),
    CASES,
    ids=[f"{c[0]}:{c[1]}->{c[2]}:{c[3]}{c[4]}" for c in CASES],
)
def test_spot_check(example: str, src: str, dst: str, proto: str, port: int, allowed: bool) -> None:
    assert GRAPHS[example].allowed(src, dst).allows(proto, port) is allowed


def _cell(text: str) -> set[tuple[str, int]]:
    text = text.strip()
    if text in ("", "—"):
        return set()
    if text == "all":
        return {(p, n) for p in ("TCP", "UDP", "SCTP") for n in (80, 81)}
    proto, port = text.split()
    return {(proto, int(port))}


@pytest.mark.parametrize("ignore_pods", [False, True])
def test_e2e_model_matrix(ignore_pods: bool) -> None:
    sec = section("e2e-model")
    rows = [line for line in sec.splitlines() if re.match(r"^\| [xyz]/[abc] \|", line)]
    header = next(line for line in sec.splitlines() if line.startswith("| from \\ to"))
    dsts = [c.strip() for c in header.strip("|").split("|")[1:]]
    graph = netpol.analyze(
        [str(ROOT / "policies" / "e2e-model")], netpol.Options(ipblock_matches_pods=not ignore_pods)
    )
    assert len(rows) == 9
    for row in rows:
        cells = [c for c in row.strip().strip("|").split("|")]
        src = cells[0].strip()
        for dst, cell in zip(dsts, cells[1:], strict=True):
            if src == dst:
                continue
            expected = _cell(cell)
            if ignore_pods and dst == "x/c" and src in ("y/a", "y/b"):
                expected = set()  # the two ipBlock cells the doc names
            ports = graph.allowed(src, dst)
            actual = {(p, n) for p in ("TCP", "UDP", "SCTP") for n in (80, 81) if ports.allows(p, n)}
            assert actual == expected, f"{src} -> {dst}"
