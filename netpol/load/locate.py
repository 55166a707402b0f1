"""Positions on the error path: ``(source, document, field path)`` -> line, column and snippet.

The load stage keeps no positions on its fast path. The :class:`Locator` keeps each source's text
and, when a diagnostic needs a line, re-parses just that document (or, in a large ``List``, just
that item) with PyYAML's composer, which keeps marks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from netpol.errors import Location

if TYPE_CHECKING:
    from netpol.load.files import RawObject

try:  # composing keeps marks with either loader; only the scanner and parser run here
    from yaml import CSafeLoader as _ComposeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _ComposeLoader  # type: ignore[assignment]

__all__ = ["Chunk", "Failure", "FieldPath", "Locator", "find_duplicate_key"]

FieldPath = tuple[str | int, ...]


_LARGE_DOCUMENT = 100_000
"""Above this many characters the Locator does not compose a whole document (a 6 MB List is ~60x
that in nodes); it indexes the ``items`` by a streaming pass and composes one item."""


_COMPOSE_CACHE = 4


@dataclass(frozen=True, slots=True)
class Chunk:
    """One document's text: ``text[start:end]``, starting at a 1-based line and 0-based column."""

    start: int
    end: int
    line: int
    column: int = 0


@dataclass(frozen=True, slots=True)
class _Items:
    """A large List document's ``items``, found by one streaming pass (chunk-relative, 0-based)."""

    root: tuple[int, int]
    key: tuple[int, int] | None
    spans: tuple[tuple[int, int, int, int], ...]  # start and end offsets, line, column


class _Source:
    __slots__ = ("chunks", "is_json", "items", "line_starts", "text")

    def __init__(self, text: str, chunks: Mapping[int, Chunk], is_json: bool) -> None:
        self.text = text
        self.chunks = chunks
        self.is_json = is_json
        self.line_starts: list[int] | None = None
        self.items: dict[int, _Items | None] = {}

    def line_text(self, line: int) -> str | None:
        if self.line_starts is None:
            self.line_starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        if not 1 <= line <= len(self.line_starts):
            return None
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        return self.text[start:end]

    def chunk_text(self, chunk: Chunk, start: int = 0, end: int | None = None) -> str:
        """The document's text, padded to its column, from/to chunk-relative offsets."""
        lo = chunk.start + max(start - chunk.column, 0)
        hi = chunk.end if end is None else chunk.start + end - chunk.column
        text = " " * (chunk.column if start == 0 else 0) + self.text[lo:hi]
        # JSON is YAML, except that PyYAML rejects tabs between tokens; in JSON they are spaces.
        return text.replace("\t", " ") if self.is_json else text


class Locator:
    """Turns ``(source, document, field path)`` into a line, column and snippet.

    It keeps each source's text and re-parses one document with PyYAML's composer when asked, so
    only the error path pays for positions. :meth:`locate` never raises.
    """

    __slots__ = ("_composed", "_sources")

    def __init__(self) -> None:
        self._sources: dict[str, _Source] = {}
        self._composed: dict[tuple[str, int], yaml.Node | None] = {}

    def _add(self, source: str, text: str, chunks: Sequence[Chunk], *, is_json: bool) -> None:
        self._sources[source] = _Source(text, dict(enumerate(chunks, 1)), is_json)

    def _line_text(self, source: str, line: int | None) -> str | None:
        src = self._sources.get(source)
        return None if src is None or line is None else src.line_text(line)

    def locate(self, source: str, document: int | None, path: FieldPath = ()) -> Location:
        """The deepest node of ``path`` (with its own ``("items", i)`` prefix) that exists."""
        try:
            where = self._position(source, document, path)
        except Exception:  # a locator that raises would hide the diagnostic it serves
            where = None
        if where is None:
            return Location(source, document, path)
        line, column = where
        return Location(source, document, path, line, column, self._line_text(source, line))

    def locate_object(self, obj: RawObject, path: FieldPath = ()) -> Location:
        """:meth:`locate` for a field of ``obj``: its own path is prepended."""
        return self.locate(obj.source, obj.document, (*obj.path, *path))

    def _position(self, source: str, document: int | None, path: FieldPath) -> tuple[int, int] | None:
        src = self._sources.get(source)
        chunk = None if src is None or document is None else src.chunks.get(document)
        if src is None or chunk is None or document is None:
            return None
        start = (chunk.line, chunk.column + 1)
        if chunk.end - chunk.start <= _LARGE_DOCUMENT:
            key = (source, document)
            if key not in self._composed:
                if len(self._composed) >= _COMPOSE_CACHE:
                    del self._composed[next(iter(self._composed))]
                self._composed[key] = _compose(src.chunk_text(chunk))
            return _node_position(self._composed[key], path, chunk.line) or start
        if len(path) >= 2 and path[0] == "items" and isinstance(path[1], int):
            if document not in src.items:
                src.items[document] = _index_items(src.chunk_text(chunk))
            items = src.items[document]
            if items is not None:
                if not 0 <= path[1] < len(items.spans):
                    line0, col0 = items.key or items.root
                    return chunk.line + line0, col0 + 1
                lo, hi, line0, col0 = items.spans[path[1]]
                node = _compose(" " * col0 + src.chunk_text(chunk, lo, hi))
                found = _node_position(node, path[2:], chunk.line + line0)
                return found or (chunk.line + line0, col0 + 1)
        found0 = _stream_position(src.chunk_text(chunk), path)
        return start if found0 is None else (chunk.line + found0[0], found0[1] + 1)


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_ComposeLoader)
    except Exception:  # the fast parser accepted what PyYAML does not: no position, no crash
        return None


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.SequenceNode):
        if isinstance(part, int) and not isinstance(part, bool) and 0 <= part < len(node.value):
            return None, node.value[part]
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    merged: list[yaml.Node] = []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value == str(part):
                return key, value
            if key.value == "<<":
                merged.extend(value.value if isinstance(value, yaml.SequenceNode) else [value])
    for source in merged:
        found = _child(source, part)
        if found is not None:
            return found
    return None


def _node_position(root: yaml.Node | None, path: FieldPath, first_line: int) -> tuple[int, int] | None:
    """Line/column of the deepest node of ``path``; a block collection points at its key."""
    if root is None:
        return None
    node, key = root, None
    for part in path:
        found = _child(node, part)
        if found is None:
            break
        key, node = found
    mark = node.start_mark
    if key is not None and key.start_mark.line != mark.line:
        mark = key.start_mark
    return first_line + mark.line, mark.column + 1


def _walk_events(text: str) -> Iterator[tuple[str, FieldPath, yaml.Event]]:
    """PyYAML's events with the field path of each node: ``("key" | "node" | "end", path, event)``.

    A "key" event carries its mapping's path; the nodes inside a complex key get a ``"?"`` part.
    """
    frames: list[list[Any]] = []  # [path, is_mapping, expecting_key, key or next index]
    for event in yaml.parse(text, Loader=_ComposeLoader):
        if isinstance(event, yaml.NodeEvent):
            if not frames:
                path: FieldPath = ()
                yield "node", path, event
            else:
                frame = frames[-1]
                if not frame[1]:
                    path = (*frame[0], frame[3])
                    frame[3] += 1
                    yield "node", path, event
                elif frame[2]:
                    frame[2] = False
                    frame[3] = event.value if isinstance(event, yaml.ScalarEvent) else "?"
                    path = (*frame[0], "?")
                    yield "key", frame[0], event
                else:
                    frame[2] = True
                    path = (*frame[0], frame[3])
                    yield "node", path, event
            if isinstance(event, yaml.CollectionStartEvent):
                frames.append([path, isinstance(event, yaml.MappingStartEvent), True, 0])
        elif isinstance(event, yaml.CollectionEndEvent):
            yield "end", frames.pop()[0], event


def _mark(mark: Any) -> tuple[int, int, int]:
    """A PyYAML mark as (line, column, index), 0-based; the C and Python marks alike."""
    return (0, 0, 0) if mark is None else (mark.line, mark.column, mark.index)


def find_duplicate_key(text: str) -> tuple[FieldPath, tuple[int, int], int] | None:
    """The first key repeated in a mapping: its path, (line, column) and the first one's line."""
    seen: dict[FieldPath, dict[str, int]] = {}
    try:
        for action, path, event in _walk_events(text):
            if action == "key" and isinstance(event, yaml.ScalarEvent):
                keys = seen.setdefault(path, {})
                line, column, _ = _mark(event.start_mark)
                if event.value in keys:
                    return (*path, event.value), (line, column), keys[event.value]
                keys[event.value] = line
            elif action == "end":
                seen.pop(path, None)
    except Exception:
        return None
    return None


def _index_items(text: str) -> _Items | None:
    """One streaming pass over a large document: where its root and each of its ``items`` are.

    The same walk as :func:`_walk_events`, without building a field path per event: only the
    depth and, at the top, the root mapping's current key are tracked. A 26 MB ``kubectl`` dump
    holds 2.5 million events, and the paths were most of the pass.
    """
    root: tuple[int, int] | None = None
    key: tuple[int, int] | None = None
    spans: list[tuple[int, int, int, int]] = []
    # Per open collection: [is mapping, expecting a key, the current key, the next index].
    frames: list[list[Any]] = []
    item: tuple[int, int, int] | None = None  # the open item collection's (index, line, column)
    node_event, scalar_event = yaml.NodeEvent, yaml.ScalarEvent
    start_event, end_event = yaml.CollectionStartEvent, yaml.CollectionEndEvent
    mapping_start = yaml.MappingStartEvent
    try:
        for event in yaml.parse(text, Loader=_ComposeLoader):
            if isinstance(event, node_event):
                depth = len(frames)
                is_item = False
                if depth == 0:
                    line, column, _ = _mark(event.start_mark)
                    root = (line, column)
                else:
                    frame = frames[-1]
                    if frame[0]:
                        if frame[1]:  # a key of its mapping
                            frame[1] = False
                            frame[2] = event.value if isinstance(event, scalar_event) else "?"
                            if depth == 1 and frame[2] == "items":
                                line, column, _ = _mark(event.start_mark)
                                key = (line, column)
                        else:
                            frame[1] = True
                    else:
                        # An element of a sequence: an item when the sequence is the value of
                        # the root mapping's key "items".
                        is_item = depth == 2 and frames[0][0] and frames[0][2] == "items"
                        frame[3] += 1
                if is_item:
                    line, column, index = _mark(event.start_mark)
                    if isinstance(event, start_event):
                        item = (index, line, column)
                    else:
                        spans.append((index, _mark(event.end_mark)[2], line, column))
                if isinstance(event, start_event):
                    frames.append([isinstance(event, mapping_start), True, None, 0])
            elif isinstance(event, end_event):
                frames.pop()
                if len(frames) == 2 and item is not None:
                    lo, line, column = item
                    spans.append((lo, _mark(event.end_mark)[2], line, column))
                    item = None
    except Exception:
        return None
    return None if root is None else _Items(root, key, tuple(spans))


def _stream_position(text: str, path: FieldPath) -> tuple[int, int] | None:
    """Like :func:`_node_position` without building nodes (0-based), for large documents."""
    best: tuple[int, int] | None = None
    depth = -1
    key_mark: tuple[int, int, int] | None = None
    try:
        for action, at, event in _walk_events(text):
            if len(at) > len(path) or at != path[: len(at)]:
                continue
            mark = _mark(event.start_mark)
            if (
                action == "key"
                and len(at) == depth
                and len(at) < len(path)
                and getattr(event, "value", None) == str(path[len(at)])
            ):
                key_mark = mark
            elif action == "node" and len(at) > depth:
                depth = len(at)
                use = key_mark if key_mark is not None and key_mark[0] != mark[0] else mark
                best = (use[0], use[1])
                key_mark = None
                if depth == len(path):
                    break
            elif action == "end" and len(at) == depth and depth < len(path):
                break
    except Exception:
        return best
    return best


@dataclass(frozen=True, slots=True)
class Failure:
    """A document that could not be loaded; line/column are 1-based and absolute in the source."""

    code: str
    message: str
    line: int | None = None
    column: int | None = None
    path: FieldPath = ()
