"""The suggestion checks itself: the cluster is compiled again with the suggested policies, and
what it allows is compared with the flows.

The cluster is compiled closed-world: the question is about endpoints of the input. Compared
are the connections with at least one end in a covered namespace, hostNetwork pods left out
(their traffic is the node's).
- **Without --keep-existing**, what is allowed must equal what was observed, port for port.
- **With --keep-existing**, what is allowed must equal what the current policies allowed plus
  what was observed.

A difference is a bug in netpol, and the command says so and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from netpol.core.ipspace import AddressRange
from netpol.core.ports import PortSet
from netpol.engine.graph import AllowGraph, compile_graph
from netpol.errors import Diagnostic
from netpol.model.cluster import Cluster, Endpoint
from netpol.model.parse import parse_network_policy
from netpol.model.resources import Direction, NetworkPolicy, Origin
from netpol.suggest.synth import Party, SuggestedPolicy, Wanted, span

__all__ = ["Mismatch", "Tally", "suggested_cluster", "verify"]


@dataclass(frozen=True, slots=True)
class Mismatch:
    src: str
    dst: str
    allowed: PortSet
    expected: PortSet


@dataclass(frozen=True, slots=True)
class Tally:
    flows: int
    """Flow lines placed (each counted once)."""
    connections: int
    """Distinct (source, destination) pairs the flows ask for."""
    allowed: int
    """Of those, the pairs the suggested set allows on exactly the ports observed."""
    missing: tuple[Mismatch, ...]
    """Pairs observed that the suggested set does not allow (on every observed port)."""
    extra: tuple[Mismatch, ...]
    """Pairs the suggested set allows that were not observed (or on other ports)."""
    held: tuple[Mismatch, ...] = ()
    """Pairs observed that the policies of a namespace the suggestion does not cover deny on
    their side (the source's egress, the destination's ingress): nothing written can allow them."""

    @property
    def exact(self) -> bool:
        return not self.missing and not self.extra

    def text(self) -> str:
        other = len(self.extra)
        held = f"; {len(self.held)} denied by the policies of namespaces not covered" if self.held else ""
        return (
            f"{self.flows} flow(s) ({self.connections} connection(s)) observed, "
            f"{self.allowed} allowed; {other} other connection(s) allowed{held}"
        )


def suggested_cluster(
    cluster: Cluster, policies: Sequence[SuggestedPolicy], covered: Iterable[str], *, keep_existing: bool
) -> tuple[Cluster, list[Diagnostic]]:
    """``cluster`` closed-world, its NetworkPolicies in ``covered`` namespaces replaced by
    ``policies`` (kept, with ``keep_existing``)."""
    sink: list[Diagnostic] = []
    added: list[NetworkPolicy] = []
    for i, p in enumerate(policies, 1):
        parsed = parse_network_policy(p.manifest, Origin("<suggestion>", i), sink, p.namespace)
        if parsed is not None:
            added.append(parsed)
    covered_set = set(covered)
    kept = [pol for pol in cluster.policies if keep_existing or pol.namespace not in covered_set]
    closed = replace(
        cluster,
        namespaces=tuple(n for n in cluster.namespaces if not n.stand_in),
        endpoints=tuple(e for e in cluster.endpoints if e.stand_in is None),
        policies=(*kept, *added),
        diagnostics=(),
    )
    return closed, sink


def verify(
    before: AllowGraph,
    policies: Sequence[SuggestedPolicy],
    wanted: Mapping[tuple[Party, Party], Wanted],
    covered: Sequence[str],
    *,
    keep_existing: bool,
) -> tuple[Tally, AllowGraph]:
    """The tally of the suggestion compiled with the cluster, and that graph."""
    cluster, problems = suggested_cluster(before.cluster, policies, covered, keep_existing=keep_existing)
    assert not problems, [d.format() for d in problems]  # netpol wrote them: a bug otherwise
    options = replace(before.options, stand_ins=False)
    after = compile_graph(cluster, options)
    index = {eid: i for i, eid in enumerate(after.endpoint_ids()[: after.endpoint_count])}
    covered_set = set(covered)

    def relevant(s: int, d: int) -> bool:
        ends = [after.node(i) for i in (s, d) if not after.is_external(i)]
        if any(isinstance(e, Endpoint) and e.host_network for e in ends):
            return False
        return any(isinstance(e, Endpoint) and e.namespace in covered_set for e in ends)

    nodes_of: dict[Party, list[int]] = {}  # each party's nodes, found once (a scan for networks)
    for party in {p for key in wanted for p in key}:
        nodes_of[party] = _nodes(before, after, index, party)
    pairs_of = {key: [(s, d) for s in nodes_of[key[0]] for d in nodes_of[key[1]] if s != d] for key in wanted}
    expected: dict[tuple[int, int], PortSet] = {}
    for key, w in wanted.items():
        ports = w.portset()
        for pair in pairs_of[key]:
            expected[pair] = expected.get(pair, PortSet.none()) | ports
    if keep_existing:
        for s, d, ports in _old_pairs(before, after, index):
            expected[(s, d)] = expected.get((s, d), PortSet.none()) | ports

    def uncovered_isolated(i: int, direction: Direction) -> bool:
        node = after.node(i)
        return (
            isinstance(node, Endpoint)
            and node.namespace not in covered_set
            and i in after.isolated(direction)
        )

    missing: list[Mismatch] = []
    held: list[Mismatch] = []
    for (s, d), ports in sorted(expected.items()):
        if not relevant(s, d):
            continue
        got = after.allowed_between(s, d)
        if (got & ports) != ports:
            mismatch = Mismatch(after.ids[s], after.ids[d], got, ports)
            outside = uncovered_isolated(s, Direction.EGRESS) or uncovered_isolated(d, Direction.INGRESS)
            (held if outside else missing).append(mismatch)
    extra: list[Mismatch] = []
    for s, d, ports in after.pairs():
        if not relevant(s, d):
            continue
        want = expected.get((s, d), PortSet.none())
        if ports != want and (ports & want) != ports:
            extra.append(Mismatch(after.ids[s], after.ids[d], ports, want))
    flows = len({id(f.flow) for w in wanted.values() for f in w.flows})
    granted: dict[tuple[int, int], PortSet] = {}
    allowed = 0
    for key, w in wanted.items():
        ports = w.portset()
        for pair in pairs_of[key]:
            if pair not in granted:
                granted[pair] = after.allowed_between(*pair)
        allowed += all((granted[pair] & ports) == ports for pair in pairs_of[key])
    return Tally(flows, len(wanted), allowed, tuple(missing), tuple(extra), tuple(held)), after


def _nodes(before: AllowGraph, after: AllowGraph, index: Mapping[str, int], party: Party) -> list[int]:
    """``party``'s nodes in the graph compiled with the suggestion."""
    if party.node is not None:
        eid = before.ids[party.node]
        return [index[eid]] if eid in index else []
    assert party.network is not None
    version, lo, hi = span(party.network)
    out = []
    for i in range(after.endpoint_count, len(after.nodes)):
        node = after.node(i)
        if isinstance(node, AddressRange) and node.family == version and lo <= node.first and node.last <= hi:
            out.append(i)
    return out


def _old_pairs(
    before: AllowGraph, after: AllowGraph, index: Mapping[str, int]
) -> Iterable[tuple[int, int, PortSet]]:
    """What the current policies allow, on the nodes of the graph with the suggestion (its
    external ranges are the same as before, or cut finer)."""
    before_index = {eid: i for i, eid in enumerate(before.ids[: before.endpoint_count])}
    ranges = [(i, before.node(i)) for i in range(before.endpoint_count, len(before.nodes))]
    new_of: dict[int, list[int]] = {}
    for i in range(len(after.nodes)):
        node = after.node(i)
        if isinstance(node, AddressRange):
            old = next(
                (
                    j
                    for j, r in ranges
                    if isinstance(r, AddressRange)
                    and r.family == node.family
                    and r.first <= node.first <= r.last
                ),
                None,
            )
        else:
            old = before_index.get(after.ids[i])
        if old is not None:
            new_of.setdefault(old, []).append(i)
    for s_old, d_old, ports in before.pairs():
        for s in new_of.get(s_old, ()):
            for d in new_of.get(d_old, ()):
                if s != d and not (after.is_external(s) and after.is_external(d)):
                    yield s, d, ports
