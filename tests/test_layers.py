"""The pipeline's import direction: every package has a layer; a module imports only its own
layer or lower ones, query/, lint/ and diff/ never import each other, and no module is outside
the map (a new package must be given its place here)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "netpol"

LAYERS = {
    "netpol.errors": 0,
    "netpol.core": 0,
    "netpol.load": 1,
    "netpol.live": 1,  # a live cluster read into what netpol.load gives
    "netpol.model": 2,
    "netpol.engine": 3,
    "netpol.findings": 4,  # the contract lint and check share
    "netpol.flows": 4,  # observed traffic, read and placed on the graph (check and suggest read it)
    "netpol.render.diagram": 4,  # the diagram model, which the report builds on
    "netpol.query": 5,
    "netpol.lint": 5,
    "netpol.diff": 5,
    "netpol.suggest": 5,
    "netpol.report": 6,
    "netpol.render": 7,
    "netpol.api": 8,
    "netpol": 8,  # netpol/__init__.py: re-exports
    "netpol.cli": 9,
    "netpol.__main__": 9,
}
"""A module's layer is that of the longest key it starts with."""

SIDEWAYS = ("netpol.query", "netpol.lint", "netpol.diff", "netpol.suggest")
"""Stages of one layer that must not depend on each other: what they share goes lower."""


def _key(module: str) -> str | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS and (key != "netpol" or module == "netpol"):
            return key
    return None


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        out.append((".".join(rel.parts).removesuffix(".__init__"), path))
    return out


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [
                f"{node.module}.{a.name}"
                for a in node.names
                if (PACKAGE.parent / node.module.replace(".", "/") / a.name).exists()
                or (PACKAGE.parent / f"{node.module.replace('.', '/')}/{a.name}.py").exists()
            ]
    return [n for n in names if n == "netpol" or n.startswith("netpol.")]


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: str(v))
def test_imports_flow_one_way(module: str, path: Path) -> None:
    mine = _key(module)
    assert mine is not None, f"{module} has no layer: give its package one in tests/test_layers.py"
    for name in _imports(path):
        theirs = _key(name)
        assert theirs is not None, f"{module} imports {name}, which has no layer"
        assert LAYERS[theirs] <= LAYERS[mine], (
            f"{module} (layer {LAYERS[mine]}) imports {name} (layer {LAYERS[theirs]})"
        )
        if mine in SIDEWAYS and theirs in SIDEWAYS:
            assert theirs == mine, f"{module} imports {name}: {mine} and {theirs} stay apart"


def test_every_key_names_something() -> None:
    modules = [m for m, _ in _modules()]
    for key in LAYERS:
        assert any(m == key or m.startswith(key + ".") for m in modules), f"{key} is gone"
