"""The compiled form stays private to netpol/engine/: every other module (the package, the tests,
the benchmarks) asks the AllowGraph's typed surface, never its bitsets, rule tuples or blocks.

And the surface itself: node sets behave as sets, the rule and block views say what the compiled
form says, and the graph is built by compile_graph, never by its constructor."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import netpol
from netpol.core.refs import RuleRef
from netpol.engine import AllowGraph, compile_graph
from netpol.model.resources import Direction

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "netpol" / "engine"
BITS = ROOT / "netpol" / "core" / "bits.py"
PRIVATE_NAMES = frozenset({"Compiled", "CompiledRule", "AllowBlock", "SelectedPolicy", "compile_cluster"})
"""What netpol.engine.form and netpol.engine.compile hold: the compiled form and its maker."""
PRIVATE_MODULES = frozenset(
    {
        "netpol.engine.form",
        "netpol.engine.compile",
        "netpol.engine.index",
        "netpol.engine.blocks",
        "netpol.core.bits",
    }
)
"""The compiled form, the modules that make it, and bitsets as ints (a NodeSet holds them)."""
PRIVATE_ATTRIBUTES = frozenset({"compiled", "_form", "_bits"})
"""``graph.compiled`` (what the AllowGraph exposed before), its private spelling, and the
bitset inside a NodeSet."""


def _outside_engine() -> list[Path]:
    files = [
        *ROOT.joinpath("netpol").rglob("*.py"),
        *ROOT.joinpath("tests").rglob("*.py"),
        *ROOT.joinpath("bench").rglob("*.py"),
    ]
    return sorted(p for p in files if ENGINE not in p.parents and p != BITS)


def _violations(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            found.append(f"line {node.lineno}: reads .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module in PRIVATE_MODULES:
                found.append(f"line {node.lineno}: imports from {node.module}")
            elif node.module.startswith("netpol") and names & PRIVATE_NAMES:
                found.append(f"line {node.lineno}: imports {sorted(names & PRIVATE_NAMES)}")
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: imports {a.name}" for a in node.names if a.name in PRIVATE_MODULES
            ]
    return found


@pytest.mark.parametrize("path", _outside_engine(), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_outside_the_engine_touches_the_compiled_form(path: Path) -> None:
    assert not _violations(path), (
        f"{path.relative_to(ROOT)} reaches into the compiled form: "
        f"{_violations(path)}; ask the AllowGraph instead"
    )


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from netpol.engine.form import AllowBlock\n"
        "from netpol.engine import CompiledRule\n"
        "import netpol.engine.compile\n"
        "from netpol.core.bits import iter_bits\n"
        "n = graph.compiled.endpoint_count\n"
        "b = nodes._bits\n",
        encoding="utf-8",
    )
    assert len(_violations(bad)) == 6


WEBSHOP = "policies/webshop"


@pytest.fixture(scope="module")
def graph() -> AllowGraph:
    return netpol.analyze([str(ROOT / WEBSHOP)])


def test_node_sets_are_sets(graph: AllowGraph) -> None:
    n, total = graph.endpoint_count, len(graph.nodes)
    assert list(graph.endpoints) == list(range(n))
    assert list(graph.externals) == list(range(n, total))
    assert graph.endpoints | graph.externals == graph.everything
    assert ~graph.endpoints == graph.externals and ~graph.everything == graph.nothing
    assert graph.endpoints & graph.externals == graph.nothing
    assert graph.everything - graph.externals == graph.endpoints
    assert graph.endpoints ^ graph.everything == graph.externals
    assert len(graph.everything) == total and not graph.nothing and graph.everything
    some = graph.nodeset([0, 2, n])
    assert list(some) == [0, 2, n] and 2 in some and 1 not in some and -1 not in some
    assert some.first() == 0 and some.without(0).first() == 2
    assert some.ids() == (graph.ids[0], graph.ids[2], graph.ids[n])
    assert graph.one(2) <= some <= graph.everything and some >= graph.one(n)
    assert graph.one(1).isdisjoint(some) and not graph.one(2).isdisjoint(some)
    assert hash(some) == hash(graph.nodeset([n, 2, 0]))
    assert graph.selectable == graph.endpoints - graph.host_network
    with pytest.raises(ValueError, match="empty"):
        graph.nothing.first()


def test_rule_views_agree_with_the_policies(graph: AllowGraph) -> None:
    rules = graph.rules()
    assert [r.id for r in rules] == list(range(len(rules)))
    by_policy = [r for view in graph.policies() for r in view.rules]
    assert by_policy == list(rules)
    for view in graph.policies():
        for rule in view.rules:
            assert rule.policy is view.policy and rule.targets == view.targets
            assert view.isolates(rule.direction)
            assert rule.ref == RuleRef(view.policy.id, rule.direction, rule.rule.index)
            assert str(rule) == f"{view.policy.id} {rule.direction.lower()} rule #{rule.rule.index + 1}"
            assert rule.ref.path == ("spec", rule.direction.lower(), rule.rule.index)
            for d in graph.everything:
                assert rule.ports_toward(d) == rule.ports_for(graph.nodes[d])


def test_isolation_and_admitting_rules_agree_with_the_views(graph: AllowGraph) -> None:
    for direction in Direction:
        for i in graph.everything:
            isolating = graph.isolating(i, direction)
            expect = tuple(v.policy for v in graph.policies() if v.isolates(direction) and i in v.targets)
            assert isolating == expect
            assert bool(isolating) == (i in graph.isolated(direction))
            for other in graph.everything:
                assert graph.rules_admitting(i, other, direction) == [
                    r
                    for r in graph.rules()
                    if r.direction is direction and i in r.targets and other in r.peers
                ]


def test_blocks_partition_the_allowed_sources(graph: AllowGraph) -> None:
    for d in graph.everything:
        seen = graph.nothing
        for block in graph.blocks_into(d):
            assert seen.isdisjoint(block.sources) and block.ports
            seen |= block.sources
            for s in block.sources:
                assert graph.block_between(s, d) is block
                if s != d:
                    assert graph.allowed_between(s, d) == block.ports
            for rule in block.ingress:
                assert rule.direction is Direction.INGRESS and d in rule.targets
            for rule in block.egress:
                assert rule.direction is Direction.EGRESS and d in rule.peers
        for s in ~seen:
            assert graph.block_between(s, d) is None


def test_the_constructor_does_not_compile(graph: AllowGraph) -> None:
    again = compile_graph(graph.cluster, graph.options)
    assert again.connections() == graph.connections()
    with pytest.raises(TypeError):
        AllowGraph(graph.cluster)  # type: ignore[call-arg]
