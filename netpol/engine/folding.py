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
from dataclasses import dataclass

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
        if ns is not None:
            yield from self._fold_namespace(rows, ns)
            return
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

    def _fold_namespace(self, rows: list[Row], ns: str) -> Iterator[Connection]:
        """The lines of the rows from namespace ``ns``, in the listing's order.

        Each source's rows (in destination order) are cut into segments, one per destination
        namespace; a segment is folded whole (into ``ns/* -> B/*``), as a fan-out, or has some of
        its destinations folded as fan-ins, and is otherwise written as it is: no per-pair sort."""
        ids, span, n, ns_of = self.graph.ids, self.graph.span_id, self.n, self.ns_of
        a_size = self.size[ns]
        segments: list[_Segment] = []
        by_ns: dict[str, list[_Segment]] = defaultdict(list)
        outside: dict[tuple[int, int], list[Tag]] = defaultdict(list)
        i, total = 0, len(rows)
        while i < total:
            s, _, c, d, tag = rows[i]
            if c >= n:
                outside[(c, d)].append(tag)
                segments.append(_Segment(None, s, i, i + 1, tag))
                i += 1
                continue
            b = ns_of[c]
            j, same = i + 1, True
            while j < total:
                row = rows[j]
                if row[0] != s or row[2] >= n or ns_of[row[2]] != b:
                    break
                same = same and row[4] == tag
                j += 1
            seg = _Segment(b, s, i, j, tag if same else None)
            segments.append(seg)
            by_ns[b].append(seg)
            i = j
        heads: list[tuple[tuple[int, int], Connection]] = []  # the lines from ns/*, with their keys
        whole: set[str] = set()
        fan_in: dict[str, set[int]] = {}
        for b, segs in by_ns.items():
            verdict = self._decide(rows, ns, b, segs)
            if verdict is None:
                continue
            if isinstance(verdict, tuple):
                whole.add(b)
                heads.append(((self.first[b], 0), Connection(group_id(ns), group_id(b), *verdict)))
            else:
                fan_in[b] = set(verdict)
                heads += [((d, 1), Connection(group_id(ns), ids[d], *tag)) for d, tag in verdict.items()]
        folded_out: set[tuple[int, int]] = set()
        for (c, d), tags in outside.items():
            if len(tags) == a_size >= 2 and all(tag == tags[0] for tag in tags):
                folded_out.add((c, d))
                heads.append(((c, 1), Connection(group_id(ns), span(c, d), *tags[0])))
        heads.sort(key=lambda head: head[0])
        for _, line in heads:
            yield line
        for seg in segments:
            dst_ns, s = seg.namespace, seg.source
            if dst_ns is None:
                _, _, c, d, (ports, decided) = rows[seg.start]
                if (c, d) not in folded_out:
                    yield Connection(ids[s], span(c, d), ports, decided)
            elif dst_ns in whole:
                continue
            elif seg.fan_out:
                assert seg.tag is not None
                yield Connection(ids[s], group_id(dst_ns), *seg.tag)
            else:
                skip = fan_in.get(dst_ns, ())
                for k in range(seg.start, seg.end):
                    _, _, c, _, (ports, decided) = rows[k]
                    if c not in skip:
                        yield Connection(ids[s], ids[c], ports, decided)

    def _decide(self, rows: list[Row], ns: str, b: str, segs: list[_Segment]) -> Tag | dict[int, Tag] | None:
        """How the segments from ``ns`` into namespace ``b`` fold: whole (the tag), by
        destination (the fan-ins, by destination), or by source (None, the segments that fold
        marked ``fan_out``)."""
        a_size, b_size = self.size[ns], self.size[b]
        inside = b == ns  # a source's traffic to itself is not listed
        need = b_size - inside
        full = [seg for seg in segs if seg.tag is not None and seg.end - seg.start == need]
        if (
            a_size >= 2
            and b_size >= 2
            and len(full) == a_size
            and all(seg.tag == full[0].tag for seg in full)
            and full[0].tag is not None
        ):
            return full[0].tag
        out = full if need >= 2 else []
        pairs = sum(seg.end - seg.start for seg in segs)
        by_source = len(out) + pairs - sum(seg.end - seg.start for seg in out)
        in_tag: dict[int, Tag] = {}
        if len(segs) >= a_size - inside >= 2:  # a column can be whole only then
            columns: dict[int, list[Tag]] = defaultdict(list)
            for seg in segs:
                for k in range(seg.start, seg.end):
                    columns[rows[k][2]].append(rows[k][4])
            for d, col in columns.items():
                if len(col) == a_size - inside and all(tag == col[0] for tag in col):
                    in_tag[d] = col[0]
        by_destination = len(in_tag) + pairs - (a_size - inside) * len(in_tag)
        if in_tag and by_destination < by_source:
            return in_tag
        for seg in out:
            seg.fan_out = True
        return None


@dataclass(slots=True)
class _Segment:
    """The rows ``start``..``end`` (exclusive) of one source into one destination namespace
    (None: one row toward an address range), their common tag (None when they differ), and
    whether they are written as one fan-out line."""

    namespace: str | None
    source: int
    start: int
    end: int
    tag: Tag | None
    fan_out: bool = False


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
