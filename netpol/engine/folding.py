"""The compact listing: identical fan-in and fan-out folded into one line per namespace.

``shop/* -> db/*`` says that every endpoint of namespace ``shop`` may connect to every endpoint of
namespace ``db`` on exactly the ports given (an endpoint's traffic to itself aside, as everywhere
in the listing); ``shop/* -> db/pg[StatefulSet]`` is a fan-in (every endpoint of ``shop`` reaches
that one on exactly those ports), ``shop/web[Deployment] -> db/*`` a fan-out. ``*`` is never part
of a Kubernetes name, so a folded end cannot be read as an endpoint. The lines cover exactly the
pairs the flat listing gives, each once, each with the ports (and, with tier policies, the tiers)
of every pair it stands for; ``tests/test_folding.py`` holds the two listings to each other.

Folding works on one source namespace at a time, from the flat rows in order, so the memory held
is that namespace's rows, whatever the size of the listing. Within a (source namespace,
destination namespace) pair that does not fold whole, the pair's rows are folded by source or by
destination, whichever gives fewer lines (by source when they tie). An address range (a run of
them, merged already) folds with a namespace the same way: ``shop/* -> 0.0.0.0/0``,
``10.0.0.0/8 -> shop/*``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

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
    chunk: list[Row] = []
    chunk_ns: str | None = None
    for row in graph.rows():
        ns = folder.namespace_of(row[0])
        if chunk and ns != chunk_ns:
            yield from folder.fold(chunk, chunk_ns)
            chunk = []
        chunk_ns = ns
        chunk.append(row)
    if chunk:
        yield from folder.fold(chunk, chunk_ns)


class _Folder:
    """What folding needs of the graph: each endpoint's namespace, and each namespace's first
    endpoint and size (a namespace's endpoints are consecutive: ids start ``namespace/``)."""

    def __init__(self, graph: AllowGraph) -> None:
        self.graph = graph
        self.n = graph.endpoint_count
        self.ns_of: list[str] = []
        self.first: dict[str, int] = {}
        self.size: dict[str, int] = defaultdict(int)
        for i in range(self.n):
            node = graph.nodes[i]
            assert isinstance(node, Endpoint)
            self.ns_of.append(node.namespace)
            self.first.setdefault(node.namespace, i)
            self.size[node.namespace] += 1

    def namespace_of(self, index: int) -> str | None:
        return self.ns_of[index] if index < self.n else None

    def fold(self, rows: list[Row], ns: str | None) -> Iterator[Connection]:
        """The lines of one source namespace's rows (``ns`` None: the external sources)."""
        span, ids, n = self.graph.span_id, self.graph.ids, self.n
        lines: list[_Line] = []
        if ns is None:
            # An address range reaching every endpoint of a namespace on one tag: a fan-out.
            runs: dict[tuple[int, int], dict[str, list[tuple[int, Tag]]]] = defaultdict(
                lambda: defaultdict(list)
            )
            for a, b, c, d, tag in rows:
                if c >= n:
                    lines.append(((a, 1), (c, 1), span(a, b), span(c, d), tag))
                else:
                    runs[(a, b)][self.ns_of[c]].append((c, tag))
            for (a, b), by_ns in runs.items():
                for dst_ns, row in by_ns.items():
                    if self._every(row, self.size[dst_ns]):
                        lines.append(
                            ((a, 1), (self.first[dst_ns], 0), span(a, b), group_id(dst_ns), row[0][1])
                        )
                    else:
                        lines += [((a, 1), (c, 1), span(a, b), ids[c], tag) for c, tag in row]
        else:
            by_dst: dict[str, dict[int, list[tuple[int, Tag]]]] = defaultdict(lambda: defaultdict(list))
            outside: dict[tuple[int, int], list[tuple[int, Tag]]] = defaultdict(list)
            for a, _, c, d, tag in rows:
                if c >= n:
                    outside[(c, d)].append((a, tag))
                else:
                    by_dst[self.ns_of[c]][a].append((c, tag))
            for dst_ns, cells in by_dst.items():
                lines += self._pair(ns, dst_ns, cells)
            # Every endpoint of ns reaching an address range on one tag: a fan-in.
            for (c, d), col in outside.items():
                if self._every(col, self.size[ns]):
                    lines.append(((self.first[ns], 0), (c, 1), group_id(ns), span(c, d), col[0][1]))
                else:
                    lines += [((a, 1), (c, 1), ids[a], span(c, d), tag) for a, tag in col]
        lines.sort(key=lambda line: (line[0], line[1]))
        for _, _, src, dst, (ports, decided) in lines:
            yield Connection(src, dst, ports, decided)

    @staticmethod
    def _every(cells: list[tuple[int, Tag]], size: int) -> bool:
        """``cells`` (an end and a tag each, every end once) are all ``size`` ends of a
        namespace, two at least, on one tag."""
        return len(cells) == size >= 2 and all(tag == cells[0][1] for _, tag in cells)

    def _pair(self, ns: str, dst_ns: str, cells: dict[int, list[tuple[int, Tag]]]) -> list[_Line]:
        """The lines for the rows (by source) from namespace ``ns`` into namespace ``dst_ns``."""
        ids = self.graph.ids
        a_first, a_size = self.first[ns], self.size[ns]
        b_first, b_size = self.first[dst_ns], self.size[dst_ns]
        inside = dst_ns == ns  # a source's traffic to itself is not listed
        # Each source reaching every endpoint of dst_ns on one tag.
        full: dict[int, Tag] = {}
        for s, row in cells.items():
            if len(row) == b_size - inside and all(tag == row[0][1] for _, tag in row):
                full[s] = row[0][1]
        if a_size >= 2 and b_size >= 2 and len(full) == a_size and len(set(full.values())) == 1:
            return [((a_first, 0), (b_first, 0), group_id(ns), group_id(dst_ns), full[a_first])]
        out_tag = full if b_size - inside >= 2 else {}
        # Each destination reached from every endpoint of ns on one tag.
        columns: dict[int, list[tuple[int, Tag]]] = defaultdict(list)
        for s, row in cells.items():
            for d, tag in row:
                columns[d].append((s, tag))
        in_tag: dict[int, Tag] = {}
        if a_size - inside >= 2:
            for d, col in columns.items():
                if len(col) == a_size - inside and all(tag == col[0][1] for _, tag in col):
                    in_tag[d] = col[0][1]
        pairs = sum(len(row) for row in cells.values())
        by_source = len(out_tag) + pairs - sum(len(cells[s]) for s in out_tag)
        by_destination = len(in_tag) + pairs - sum(len(columns[d]) for d in in_tag)
        lines: list[_Line] = []
        if by_source <= by_destination:
            for s, row in cells.items():
                if s in out_tag:
                    lines.append(((s, 1), (b_first, 0), ids[s], group_id(dst_ns), out_tag[s]))
                else:
                    lines += [((s, 1), (d, 1), ids[s], ids[d], tag) for d, tag in row]
        else:
            for d, col in columns.items():
                if d in in_tag:
                    lines.append(((a_first, 0), (d, 1), group_id(ns), ids[d], in_tag[d]))
                else:
                    lines += [((s, 1), (d, 1), ids[s], ids[d], tag) for s, tag in col]
        return lines


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
        counts: dict[str, int] = defaultdict(int)
        for node in graph.nodes[:n]:
            assert isinstance(node, Endpoint)
            counts[node.namespace] += 1
        ends.update(group_id(ns) for ns, count in counts.items() if count >= 2)
    return ends, graph.listed_ports()
