"""The compact listing: identical fan-in and fan-out folded into one line per namespace.

``shop/* -> db/*`` says that every endpoint of namespace ``shop`` may connect to every endpoint of
namespace ``db`` on exactly the ports given (an endpoint's traffic to itself aside, as everywhere
in the listing); ``shop/* -> db/pg[StatefulSet]`` is a fan-in (every endpoint of ``shop`` reaches
that one on exactly those ports), ``shop/web[Deployment] -> db/*`` a fan-out. ``*`` is never part
of a Kubernetes name, so a folded end cannot be read as an endpoint. The lines cover exactly the
pairs the flat listing gives, each once, each with the ports (and, with tier policies, the tiers)
of every pair it stands for; ``tests/test_folding.py`` holds the two listings to each other.

Folding works on one source namespace at a time, from the graph's rows in order, so the memory held
is that namespace's rows, whatever the size of the listing. Within a (source namespace,
destination namespace) pair that does not fold whole, the pair's rows are folded by source or by
destination, whichever gives fewer lines (by source when they tie). An address range (a run of
them, merged already) folds with a namespace the same way: ``shop/* -> 0.0.0.0/0``,
``10.0.0.0/8 -> shop/*``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import groupby, islice
from operator import itemgetter

from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph, Connection, Row, Tag
from netpol.model.cluster import Endpoint

__all__ = ["GROUP_SUFFIX", "folded_connections", "group_id", "group_namespace", "listing_vocabulary"]

GROUP_SUFFIX = "/*"
"""A folded end is ``NAMESPACE/*``: every endpoint of that namespace."""


def group_id(namespace: str) -> str:
    return namespace + GROUP_SUFFIX


def group_namespace(end: str) -> str | None:
    """The namespace a folded end stands for; None for an endpoint or a range."""
    return end[: -len(GROUP_SUFFIX)] if end.endswith(GROUP_SUFFIX) else None


_Line = tuple[tuple[int, int], tuple[int, int], str, str, Tag]
"""A folded line: its sort keys (source, destination), its ends and its tag. A namespace's key is
(its first endpoint, 0), so it sorts before that endpoint's own (index, 1)."""


def folded_connections(graph: AllowGraph) -> Iterator[Connection]:
    """The compact listing of ``graph``: sorted by source, then destination, namespaces before
    their endpoints."""
    folder = _Folder(graph)
    chunk: list[_Source] = []
    end = 0  # the end of the chunk's namespace
    for source in graph.source_rows():
        s = source[0]
        if s >= end:  # the next namespace
            if chunk:
                yield from folder.fold_namespace(chunk)
                chunk = []
            end = folder.end_of(s)
        chunk.append(source)
    if chunk:
        yield from folder.fold_namespace(chunk)
    yield from folder.fold_external(graph.external_rows())


_Source = tuple[int, list[tuple[int, Tag]], list[tuple[int, int, Tag]]]
"""A source's rows, as AllowGraph.source_rows gives them."""


class _Folder:
    """What folding needs of the graph: each endpoint's namespace, and each namespace's first
    endpoint and size (a namespace's endpoints are consecutive: ids start ``namespace/``)."""

    def __init__(self, graph: AllowGraph) -> None:
        self.graph = graph
        self.n = graph.endpoint_count
        self.ns_of, self.first, self.size = _namespaces(graph)

    def end_of(self, index: int) -> int:
        """Where the endpoints of endpoint ``index``'s namespace end."""
        ns = self.ns_of[index]
        return self.first[ns] + self.size[ns]

    def fold_external(self, rows: list[Row]) -> Iterator[Connection]:
        """The lines from the external ranges."""
        span, ids, n = self.graph.span_id, self.graph.ids, self.n
        lines: list[_Line] = []
        # An address range reaching every endpoint of a namespace on one tag: a fan-out.
        runs: dict[tuple[int, int], dict[str, list[tuple[int, Tag]]]] = defaultdict(lambda: defaultdict(list))
        for a, b, c, d, tag in rows:
            if c >= n:
                lines.append(((a, 1), (c, 1), span(a, b), span(c, d), tag))
            else:
                runs[(a, b)][self.ns_of[c]].append((c, tag))
        for (a, b), by_ns in runs.items():
            for dst_ns, row in by_ns.items():
                if self._every(row, self.size[dst_ns]):
                    lines.append(((a, 1), (self.first[dst_ns], 0), span(a, b), group_id(dst_ns), row[0][1]))
                else:
                    lines += [((a, 1), (c, 1), span(a, b), ids[c], tag) for c, tag in row]
        lines.sort(key=lambda line: (line[0], line[1]))
        for _, _, src, dst, (ports, decided) in lines:
            yield Connection(src, dst, ports, decided)

    @staticmethod
    def _every(cells: list[tuple[int, Tag]], size: int) -> bool:
        """``cells`` (an end and a tag each, every end once) are all ``size`` ends of a
        namespace, two at least, on one tag."""
        return len(cells) == size >= 2 and all(tag == cells[0][1] for _, tag in cells)

    def fold_namespace(self, chunk: list[_Source]) -> Iterator[Connection]:
        """The lines of the rows from one namespace's endpoints, in the listing's order.

        Only what can fold is looked at closely: a source's run of cells into a namespace B
        that covers every endpoint of B (a fan-out, or part of ``ns/* -> B/*``), and a
        destination reached from every endpoint of ns (a fan-in). Every other cell is written as
        it comes: the cost is a count per pair, with no per-pair sort."""
        ids, span, ns_of, first, size = self.graph.ids, self.graph.span_id, self.ns_of, self.first, self.size
        ns = ns_of[chunk[0][0]]
        a_size = size[ns]
        key = itemgetter(0)
        # Fan-in candidates: destinations with a cell from every endpoint of ns.
        reached: Counter[int] = Counter()
        for _, inner, _ in chunk:
            reached.update(map(key, inner))
        columns: dict[int, list[Tag]] = {
            d: [] for d, count in reached.items() if count == a_size - (ns_of[d] == ns) >= 2
        }
        # Fan-out candidates: runs covering a whole destination namespace on one tag.
        runs: dict[str, list[tuple[int, int, int, Tag]]] = defaultdict(list)  # B -> (s, start, end, tag)
        for s, inner, _ in chunk:
            if columns:
                for d, tag in inner:
                    col = columns.get(d)
                    if col is not None:
                        col.append(tag)
            i = 0
            for b, cells in groupby(inner, key=lambda cell: ns_of[cell[0]]):
                length = sum(1 for _ in cells)
                if length == size[b] - (b == ns) and (length >= 2 or size[b] >= 2):
                    tag = inner[i][1]
                    if all(cell[1] is tag for cell in islice(inner, i + 1, i + length)):
                        runs[b].append((s, i, i + length, tag))
                i += length
        fan_in = {d: col[0] for d, col in columns.items() if all(tag is col[0] for tag in col)}
        fan_in_by_ns: dict[str, dict[int, Tag]] = defaultdict(dict)
        for d, tag in fan_in.items():
            fan_in_by_ns[ns_of[d]][d] = tag
        heads: list[tuple[tuple[int, int], Connection]] = []  # the lines from ns/*, with their keys
        whole: set[str] = set()
        fan_out: dict[int, dict[int, tuple[str, Tag]]] = defaultdict(dict)  # s -> start -> (B, tag)
        skip: set[int] = set()  # destinations written as fan-ins
        for b in {*runs, *fan_in_by_ns}:
            full, ins = runs.get(b, []), fan_in_by_ns.get(b, {})
            need = size[b] - (b == ns)
            if a_size >= 2 and size[b] >= 2 and len(full) == a_size and all(r[3] is full[0][3] for r in full):
                whole.add(b)
                heads.append(((first[b], 0), Connection(group_id(ns), group_id(b), *full[0][3])))
                continue
            outs = full if need >= 2 else []
            # Lines saved: a fan-out saves need - 1, a fan-in a_size - inside - 1; by source on a tie.
            if ins and len(ins) * (a_size - (b == ns) - 1) > len(outs) * (need - 1):
                skip.update(ins)
                heads += [((d, 1), Connection(group_id(ns), ids[d], *tag)) for d, tag in ins.items()]
            else:
                for s, i, _, tag in outs:
                    fan_out[s][i] = (b, tag)
        folded_out: set[tuple[int, int]] = set()
        if a_size >= 2:
            outside: dict[tuple[int, int], list[Tag]] = defaultdict(list)
            for _, _, outer in chunk:
                for c, d, tag in outer:
                    outside[(c, d)].append(tag)
            for (c, d), tags in outside.items():
                if len(tags) == a_size and all(tag is tags[0] for tag in tags):
                    folded_out.add((c, d))
                    heads.append(((c, 1), Connection(group_id(ns), span(c, d), *tags[0])))
        heads.sort(key=key)
        for _, line in heads:
            yield line
        for s, inner, outer in chunk:
            src = ids[s]
            starts = fan_out.get(s)
            if not whole and not skip and not starts:
                for d, (ports, decided) in inner:
                    yield Connection(src, ids[d], ports, decided)
            else:
                i, total = 0, len(inner)
                while i < total:
                    if starts and i in starts:
                        b, (ports, decided) = starts[i]
                        yield Connection(src, group_id(b), ports, decided)
                        i += size[b] - (b == ns)
                        continue
                    d, (ports, decided) = inner[i]
                    if d in skip or ns_of[d] in whole:
                        i += 1
                        continue
                    yield Connection(src, ids[d], ports, decided)
                    i += 1
            for c, d, (ports, decided) in outer:
                if (c, d) not in folded_out:
                    yield Connection(src, span(c, d), ports, decided)


def listing_vocabulary(graph: AllowGraph, compact: bool) -> tuple[set[str], set[PortSet]]:
    """Every end and every port set a listing of ``graph`` could name, for the column widths of
    a table that streams: the node ids, the runs of adjacent external ranges (an upper bound in
    practice: a merged run is one of their parts), the namespaces when ``compact``, and the ports
    of every block."""
    ends = set(graph.ids)
    n = graph.endpoint_count
    start = n
    for i in range(n + 1, len(graph.nodes) + 1):
        if i == len(graph.nodes) or not graph.adjacent(i - 1, i):
            ends.add(graph.span_id(start, i - 1))
            start = i
    if compact:
        ends.update(group_id(ns) for ns, count in _namespaces(graph)[2].items() if count >= 2)
    return ends, graph.listed_ports()


def _namespaces(graph: AllowGraph) -> tuple[list[str], dict[str, int], dict[str, int]]:
    """Each endpoint's namespace, and each namespace's first endpoint and number of endpoints."""
    ns_of: list[str] = []
    first: dict[str, int] = {}
    size: dict[str, int] = defaultdict(int)
    for i in range(graph.endpoint_count):
        node = graph.nodes[i]
        assert isinstance(node, Endpoint)
        ns_of.append(node.namespace)
        first.setdefault(node.namespace, i)
        size[node.namespace] += 1
    return ns_of, first, size
