"""The pipeline's import direction: load -> model -> compile -> query -> render -> cli."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "netpol"

# A module may import only modules of its own layer or of lower layers.
LAYERS = {
    "diagnostics": 0, "escaping": 0, "bits": 0, "intervals": 0, "ports": 0, "selectors": 0, "ipspace": 0,
    "k8snames": 0,
    "load": 1, "locate": 1, "yamlcompat": 1, "gitsource": 1, "model": 2, "cluster": 2, "compile": 3,
    "graph": 4, "explain": 5,
    "lint": 5, "check": 5, "diff": 5, "render": 6, "report": 6, "cli": 8, "__main__": 8,
    "__init__": 7,
}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "netpol":
        return None
    if len(parts) == 1:
        return LAYERS["__init__"]
    return LAYERS.get(parts[1], 6)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_imports_flow_one_way(path: Path) -> None:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    me = ".".join(rel.parts).removesuffix(".__init__")
    mine = _layer(me) if me != "netpol" else LAYERS["__init__"]
    assert mine is not None
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            theirs = _layer(name)
            if theirs is not None:
                assert theirs <= mine, f"{me} (layer {mine}) imports {name} (layer {theirs})"
