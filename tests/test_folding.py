"""The compact listing (netpol/engine/folding.py) against the flat one, and the flat listing's
windows against one window.

A folded line ``ns/* -> db/*`` stands for every pair of an endpoint of ``ns`` and one of ``db``
(an endpoint and itself aside); expanded back, the lines must give every pair of the flat listing
exactly once, each with its ports and tiers.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from test_properties import analyze, budget, clusters

import netpol
from netpol import AllowGraph, Endpoint
from netpol.engine import graph as graph_module
from netpol.engine.folding import folded_connections, group_namespace

EXAMPLES = sorted(p for p in Path("policies").iterdir() if p.is_dir() and p.name != "flows")

Pair = tuple[str, str]


def expand(graph: AllowGraph) -> Counter[tuple[str, str, object]]:
    """Every (src, dst, tag) the folded lines stand for, counted."""
    members: dict[str, list[str]] = {}
    for node in graph.nodes:
        if isinstance(node, Endpoint):
            members.setdefault(node.namespace, []).append(node.id)
    seen: Counter[tuple[str, str, object]] = Counter()
    for c in folded_connections(graph):
        src_ns, dst_ns = group_namespace(c.src), group_namespace(c.dst)
        sources = members[src_ns] if src_ns is not None else [c.src]
        destinations = members[dst_ns] if dst_ns is not None else [c.dst]
        if src_ns is not None or dst_ns is not None:
            assert len(sources) * len(destinations) >= 2, f"{c} folds a single pair"
        for s in sources:
            for d in destinations:
                if s != d:
                    seen[(s, d, (c.ports, c.decided))] += 1
    return seen


def flat(graph: AllowGraph) -> Counter[tuple[str, str, object]]:
    return Counter((c.src, c.dst, (c.ports, c.decided)) for c in graph.connections())


def assert_same(graph: AllowGraph) -> None:
    folded, plain = expand(graph), flat(graph)
    twice = [k for k, v in folded.items() if v > 1]
    assert not twice, f"pairs folded more than once: {twice[:5]}"
    assert folded == plain


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_fold_to_the_flat_listing(example: Path) -> None:
    assert_same(netpol.analyze([str(example)]))


@given(clusters())
@budget(200)
def test_random_clusters_fold_to_the_flat_listing(docs: list[dict[str, object]]) -> None:
    assert_same(analyze(docs))


def _cluster(policies: str = "") -> AllowGraph:
    text = ""
    for ns, apps in (("a", ("x", "y", "z")), ("b", ("p", "q")), ("c", ("solo",))):
        text += f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n---\n"
        for app in apps:
            text += (
                f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {app}, namespace: {ns}, "
                f"labels: {{app: {app}}}}}\n"
                "spec: {containers: [{name: c, image: i}]}\n---\n"
            )
    return netpol.analyze_text(text + policies, netpol.Options(stand_ins=False))


def _lines(graph: AllowGraph) -> list[tuple[str, str, str]]:
    return [(c.src, c.dst, str(c.ports)) for c in folded_connections(graph)]


def test_no_policies_fold_to_one_line_per_namespace_pair() -> None:
    lines = _lines(_cluster())
    assert ("a/*", "a/*", "all") in lines
    assert ("a/*", "b/*", "all") in lines
    assert ("a/*", "c/solo[Pod]", "all") in lines  # one endpoint: named, not folded
    assert ("c/solo[Pod]", "a/*", "all") in lines
    assert ("c/solo[Pod]", "b/*", "all") in lines
    assert not any(src == "c/*" or dst == "c/*" for src, dst, _ in lines)
    inside = [line for line in lines if not _is_range(line[0]) and not _is_range(line[1])]
    assert len(inside) == 8  # a->a, a->b, a->c, b->a, b->b, b->c, c->a, c->b
    assert ("a/*", "0.0.0.0/0", "all") in lines  # an address range folds like an endpoint
    assert ("::/0", "b/*", "all") in lines
    assert len(lines) == 8 + 2 * 3 + 2 * 3  # and each of a, b, c to and from the two ranges


def _is_range(end: str) -> bool:
    return end[0].isdigit() or end.startswith(":")


def _policy(name: str, spec: str) -> str:
    return (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        f"metadata: {{name: {name}, namespace: b}}\nspec: {spec}\n---\n"
    )


def test_a_destination_every_source_reaches_folds_as_a_fan_in() -> None:
    # Nothing may reach b/q: every endpoint of a still reaches b/p, so a/* -> b/p.
    graph = _cluster(_policy("deny-q", "{podSelector: {matchLabels: {app: q}}, policyTypes: [Ingress]}"))
    lines = _lines(graph)
    assert ("a/*", "b/p[Pod]", "all") in lines
    assert not any(dst in ("b/q[Pod]", "b/*") for _, dst, _ in lines)
    assert_same(graph)


def test_a_source_reaching_every_destination_folds_as_a_fan_out() -> None:
    # Only a/x may reach b's endpoints: a/x -> b/*, and no other source reaches b.
    only_x = (
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, "
        "podSelector: {matchLabels: {app: x}}}]}]}"
    )
    graph = _cluster(_policy("only-x", only_x))
    lines = _lines(graph)
    assert ("a/x[Pod]", "b/*", "all") in lines
    assert [line for line in lines if line[1].startswith("b/")] == [("a/x[Pod]", "b/*", "all")]
    assert_same(graph)


def test_windows_list_the_same_as_one_window(monkeypatch: pytest.MonkeyPatch) -> None:
    for example in EXAMPLES:
        graph = netpol.analyze([str(example)])
        whole = graph.connections()
        pairs = list(graph.pairs())
        monkeypatch.setattr(graph_module, "WINDOW_PAIRS", 1)
        assert graph.connections() == whole, example
        assert list(graph.pairs()) == pairs, example
        monkeypatch.undo()
