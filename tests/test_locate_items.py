"""The locator's one pass over a large List (``_index_items``) finds each item where the general
event walk (``_walk_events``, with a field path per event) finds it, on documents of every shape."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import pytest
import yaml
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st

from netpol.load.locate import _index_items, _Items, _mark, _walk_events

if str(ROOT) not in sys.path:  # bench/ is not part of the installed package
    sys.path.insert(0, str(ROOT))
gen = importlib.import_module("bench.generate")


def reference(text: str) -> _Items | None:
    """The items as the path-based walk places them (the pass before it was made lean)."""
    root: tuple[int, int] | None = None
    key: tuple[int, int] | None = None
    starts: dict[int, tuple[int, int, int]] = {}
    spans: list[tuple[int, int, int, int]] = []
    try:
        for action, path, event in _walk_events(text):
            line, column, index = _mark(event.start_mark)
            if action == "node" and not path:
                root = (line, column)
            elif action == "key" and not path and getattr(event, "value", None) == "items":
                key = (line, column)
            elif len(path) != 2 or path[0] != "items" or not isinstance(path[1], int):
                continue
            elif action == "node" and isinstance(event, yaml.CollectionStartEvent):
                starts[path[1]] = (index, line, column)
            elif action in ("node", "end"):
                lo, line, column = starts.pop(path[1], (index, line, column))
                spans.append((lo, _mark(event.end_mark)[2], line, column))
    except Exception:
        return None
    return None if root is None else _Items(root, key, tuple(spans))


SHAPES = [
    "apiVersion: v1\nkind: List\nitems:\n- {kind: Pod, metadata: {name: a}}\n"
    "- kind: Pod\n  metadata:\n    name: b\n",
    "kind: List\nitems: [a, {b: [1, 2]}, [x, y], &k {c: d}, *k]\nmore:\n  items: [z]\n",
    "items:\n  - ? [complex, key]\n    : value\n  - plain\n  - |\n    block\n    text\n",
    "items: {not: a sequence}\nkind: List\n",
    "- top\n- level\n- sequence\n",
    "items:\n- a\n- b\nitems2:\n- c\n",
    "just a scalar\n",
    "{items: [{x: 1}, {y: [2, {z: 3}]}]}\n",
]


@pytest.mark.parametrize("text", SHAPES)
def test_the_lean_pass_places_items_as_the_walk_does(text: str) -> None:
    assert _index_items(text) == reference(text)


def test_on_the_bundled_dump_and_a_generated_one() -> None:
    texts = [(ROOT / "policies" / "kubectl-dump" / "cluster.yaml").read_text(encoding="utf-8")]
    cluster = gen.generate_cluster(seed=5, pods=200, workloads=30, policies=60, namespaces=5)
    texts.append(gen.to_yaml(cluster, fmt="dump", noise="full"))
    for text in texts:
        found = _index_items(text)
        assert found is not None and found.spans
        assert found == reference(text)


_VALUES: Any = st.recursive(
    st.none() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["items", "a", "kind"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(value=_VALUES, flow=st.booleans())
def test_any_document(value: Any, flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow)
    assert _index_items(text) == reference(text)
