"""Hypothesis properties of `netpol.diff.diff_graphs` on small random clusters.

A cluster has up to five pods over two namespaces and up to four policies; the other side of a
diff is the same cluster after a few random edits (policies dropped, added, renamed or rewritten,
a rule's ports replaced; pods dropped, added or relabelled; a namespace relabelled).
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any
from unittest import mock

import yaml
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netpol
from netpol import AllowGraph, PortSet
from netpol.diff.compare import ChangeKind, GraphDiff, PairChange, diff_graphs, pair_sides
from netpol.diff.pairs import by_destination, every_pair, same_endpoints
from netpol.diff.refine import Parties
from netpol.model import Options
from netpol.query.explain import explain

Doc = dict[str, Any]

NAMESPACES = ("alpha", "beta")
APPS = ("web", "db")
BLOCKS: tuple[Doc, ...] = (
    {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]},
    {"cidr": "10.0.0.0/16"},
    {"cidr": "192.168.1.0/24", "except": ["192.168.1.0/28"]},
    {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]},
    {"cidr": "203.0.113.0/25"},
    {"cidr": "::/0"},
    {"cidr": "2001:db8::/32"},
)
# Outside every pod's address (pods use 10.0.0.1-10.0.0.9), on both sides of the blocks' edges.
SAMPLES = (
    "8.8.8.8",
    "10.0.1.5",
    "10.1.0.1",
    "192.168.1.3",
    "192.168.1.99",
    "203.0.113.7",
    "203.0.113.200",
    "2001:db8::1",
    "2001:db9::1",
)
PORTS: tuple[Doc, ...] = (
    {"port": 80},
    {"port": 443},
    {"port": "http"},
    {"port": 53, "protocol": "UDP"},
    {"port": 5000, "endPort": 5100},
    {"protocol": "UDP"},
)


def budget(long: int) -> settings:
    return settings(max_examples=examples(long), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pod(index: int, app: str | None, address: bool, http: bool) -> Doc:
    meta: Doc = {"name": f"p{index}", "namespace": NAMESPACES[index % 2]}
    if app is not None:
        meta["labels"] = {"app": app}
    container: Doc = {"name": "c", "image": "i"}
    if http:
        container["ports"] = [{"name": "http", "containerPort": 8080 + index}]
    doc: Doc = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": [container]}}
    if address:
        doc["status"] = {"phase": "Running", "podIP": f"10.0.0.{index + 1}"}
    return doc


pods = st.builds(pod, st.integers(0, 8), st.sampled_from((None, *APPS)), st.booleans(), st.booleans())


@st.composite
def peers(draw: st.DrawFn) -> Doc:
    shape = draw(st.sampled_from(("pod", "namespace", "both", "ipBlock")))
    if shape == "ipBlock":
        return {"ipBlock": draw(st.sampled_from(BLOCKS))}
    out: Doc = {}
    if shape in ("namespace", "both"):
        out["namespaceSelector"] = draw(
            st.sampled_from(
                (
                    {},
                    {"matchLabels": {"team": "red"}},
                    {"matchLabels": {"kubernetes.io/metadata.name": draw(st.sampled_from(NAMESPACES))}},
                )
            )
        )
    if shape in ("pod", "both"):
        out["podSelector"] = draw(st.sampled_from(({}, *({"matchLabels": {"app": a}} for a in APPS))))
    return out


@st.composite
def rules(draw: st.DrawFn, key: str) -> Doc:
    rule: Doc = {}
    if draw(st.booleans()):
        rule[key] = draw(st.lists(peers(), min_size=1, max_size=2))
    if draw(st.booleans()):
        rule["ports"] = draw(st.lists(st.sampled_from(PORTS), min_size=1, max_size=2))
    return rule


@st.composite
def policies(draw: st.DrawFn, name: str) -> Doc:
    spec: Doc = {"podSelector": draw(st.sampled_from(({}, *({"matchLabels": {"app": a}} for a in APPS))))}
    types = draw(st.sampled_from((["Ingress"], ["Egress"], ["Ingress", "Egress"])))
    spec["policyTypes"] = types
    for direction, key in (("Ingress", "from"), ("Egress", "to")):
        if direction in types:
            spec[direction.lower()] = draw(st.lists(rules(key), max_size=2))
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": draw(st.sampled_from(NAMESPACES))},
        "spec": spec,
    }


def namespace(name: str, team: str | None) -> Doc:
    meta: Doc = {"name": name}
    if team is not None:
        meta["labels"] = {"team": team}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


@st.composite
def clusters(draw: st.DrawFn) -> list[Doc]:
    docs = [namespace(ns, draw(st.sampled_from((None, "red", "blue")))) for ns in NAMESPACES]
    seen: set[str] = set()
    for p in draw(st.lists(pods, min_size=1, max_size=5)):
        if p["metadata"]["name"] not in seen:
            seen.add(p["metadata"]["name"])
            docs.append(p)
    docs += [draw(policies(f"np{i}")) for i in range(draw(st.integers(0, 4)))]
    return docs


@st.composite
def edited(draw: st.DrawFn, docs: list[Doc], keep_pods: bool = False) -> list[Doc]:
    """``docs`` after one to three random edits; ``keep_pods``: none drops or adds a pod (a pod
    may be relabelled), so both sides hold the same pods."""
    out = copy.deepcopy(docs)
    edits: tuple[str, ...] = (
        "drop",
        "add-policy",
        "rename",
        "rewrite",
        "ports",
        "ports",
        "add-pod",
        "relabel-pod",
    )
    if keep_pods:
        edits = tuple(e for e in edits if e != "add-pod")
    for step in range(draw(st.integers(1, 3))):
        what = draw(st.sampled_from((*edits, "relabel-namespace")))
        objects = [d for d in out if d["kind"] != "Namespace"]
        droppable = [d for d in objects if not (keep_pods and d["kind"] == "Pod")]
        if what == "drop" and droppable:
            out.remove(draw(st.sampled_from(droppable)))
        elif what == "add-policy":
            out.append(draw(policies(f"extra{step}")))
        elif what in ("rename", "rewrite"):
            pols = [d for d in out if d["kind"] == "NetworkPolicy"]
            if pols:
                target = draw(st.sampled_from(pols))
                if what == "rename":
                    target["metadata"]["name"] += "-renamed"
                else:
                    target["spec"] = draw(policies("unused"))["spec"]
        elif what == "ports":
            found = [
                r
                for d in out
                if d["kind"] == "NetworkPolicy"
                for direction in ("ingress", "egress")
                for r in d["spec"].get(direction, [])
            ]
            if found:
                rule = draw(st.sampled_from(found))
                rule["ports"] = draw(st.lists(st.sampled_from(PORTS), min_size=1, max_size=3))
        elif what == "add-pod":
            new = draw(pods)
            if all(d["metadata"]["name"] != new["metadata"]["name"] for d in objects):
                out.append(new)
        elif what == "relabel-pod":
            pod_docs = [d for d in out if d["kind"] == "Pod"]
            if pod_docs:
                target = draw(st.sampled_from(pod_docs))
                target["metadata"]["labels"] = {"app": draw(st.sampled_from(APPS))}
        else:
            ns = draw(st.sampled_from([d for d in out if d["kind"] == "Namespace"]))
            ns["metadata"]["labels"] = {"team": draw(st.sampled_from(("red", "blue", "green")))}
    return out


def analyze(docs: list[Doc], options: Options = Options()) -> AllowGraph:
    graph = netpol.analyze_text(yaml.safe_dump_all(docs, sort_keys=False), options)
    errors = [d.format() for d in graph.diagnostics if d.severity == "error"]
    assert not errors, errors
    return graph


def key(c: PairChange) -> tuple[str, str]:
    return c.src, c.dst


def covers(range_id: str, address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if "/" in range_id:
        net = ipaddress.ip_network(range_id)
        return ip.version == net.version and ip in net
    first, last = (ipaddress.ip_address(x) for x in range_id.split("-"))
    return ip.version == first.version and int(first) <= int(ip) <= int(last)


def change_for(d: GraphDiff, src: str, dst: str) -> PairChange | None:
    """The change covering ``src -> dst``; an address is covered by a range that holds it."""
    found = [
        c
        for c in d.changes
        if (c.src == src or ("[" not in c.src and "[" not in src and covers(c.src, src)))
        and (c.dst == dst or ("[" not in c.dst and "[" not in dst and covers(c.dst, dst)))
    ]
    assert len(found) <= 1, found
    return found[0] if found else None


def allowed(graph: AllowGraph, ids: set[str], src: str, dst: str) -> PortSet:
    """What ``graph`` allows; nothing when it lacks one of the endpoints."""
    if all(p in ids or "[" not in p for p in (src, dst)):
        return graph.allowed(src, dst)
    return PortSet.none()


@budget(80)
@given(clusters())
def test_a_cluster_against_itself_is_no_change(docs: list[Doc]) -> None:
    d = diff_graphs(analyze(docs), analyze(docs))
    assert d.empty and not d.policies


@budget(80)
@given(clusters(), st.randoms(use_true_random=False))
def test_reordering_and_renaming_every_policy_is_no_change(docs: list[Doc], random: Any) -> None:
    other = copy.deepcopy(docs)
    for doc in other:
        if doc["kind"] == "NetworkPolicy":
            doc["metadata"]["name"] = "renamed-" + doc["metadata"]["name"]
            for direction in ("ingress", "egress"):
                random.shuffle(doc["spec"].get(direction, []))
    random.shuffle(other)
    d = diff_graphs(analyze(docs), analyze(other))
    assert d.empty
    assert all(p.connections == 0 for p in d.policies)


@budget(200)
@given(st.data())
def test_the_diff_matches_both_graphs_and_swaps_when_the_sides_do(data: st.DataObject) -> None:
    docs = data.draw(clusters())
    other = data.draw(edited(docs))
    a, b = analyze(docs), analyze(other)
    forward, backward = diff_graphs(a, b), diff_graphs(b, a)

    # diff(A, B).added == diff(B, A).removed; gained and lost, before and after swap.
    swap = {
        ChangeKind.ADDED: ChangeKind.REMOVED,
        ChangeKind.REMOVED: ChangeKind.ADDED,
        ChangeKind.CHANGED: ChangeKind.CHANGED,
    }
    back = {key(c): c for c in backward.changes}
    assert len(back) == len(backward.changes)
    assert {key(c) for c in forward.changes} == set(back)
    for c in forward.changes:
        r = back[key(c)]
        assert (r.kind, r.before, r.after, r.gained, r.lost) == (
            swap[c.kind],
            c.after,
            c.before,
            c.lost,
            c.gained,
        )
        assert (r.allowed_after, r.allowed_before) == (c.allowed_before, c.allowed_after)
        assert r.scope is c.scope
        assert c.cause, f"{c} names no cause"
    assert {key(c) for c in forward.added} == {key(c) for c in backward.removed}
    assert (forward.appeared, forward.disappeared) == (backward.disappeared, backward.appeared)

    # The rules the diff names are those explain() names.
    for graph in (a, b):
        for s, d, _ in graph.pairs():
            exp = explain(graph, graph.ids[s], graph.ids[d])
            for view, full in zip(pair_sides(graph, s, d), (exp.egress, exp.ingress), strict=True):
                assert (view.applies, view.isolated) == (full.applies, full.isolated)
                assert view.matches == tuple((m.policy, m.index, m.ports) for m in full.matches)

    # Every pair of endpoints, and every endpoint with sample outside addresses, reads as the two
    # graphs say: a change with the right ports when they differ, none when they agree.
    ids_a, ids_b = set(a.endpoint_ids()), set(b.endpoint_ids())
    endpoints = sorted(e for e in ids_a | ids_b if "[" in e)
    parties = [*endpoints, *SAMPLES]
    for src in parties:
        for dst in parties:
            if src == dst or ("[" not in src and "[" not in dst):
                continue
            before = allowed(a, ids_a, src, dst)
            after = allowed(b, ids_b, src, dst)
            change = change_for(forward, src, dst)
            if before == after:
                assert change is None, (src, dst, change)
            else:
                assert change is not None, (src, dst, before, after)
                assert (change.before, change.after) == (before, after), (src, dst)
                assert change.gained == after - before and change.lost == before - after


@budget(200)
@given(st.data())
def test_comparing_destination_by_destination_finds_what_comparing_every_pair_finds(
    data: st.DataObject,
) -> None:
    """The quick way, for two sides of the same endpoints, is held to the full comparison: the
    same changed pairs, each once, and the same diff made of them. (In the open world an edit
    of a policy may add or remove a stand-in: then the sides differ and only the full way
    applies; closed, they always hold the same endpoints.)"""
    docs = data.draw(clusters())
    other = data.draw(edited(docs, keep_pods=True))
    for options in (Options(), Options(stand_ins=False)):
        a, b = analyze(docs, options), analyze(other, options)
        for old, new in ((a, b), (b, a)):
            parties = Parties(old, new)
            if not same_endpoints(parties):
                assert options.stand_ins
                continue
            quick, full = list(by_destination(parties)), list(every_pair(parties))
            assert len(quick) == len(set(quick))
            assert set(quick) == set(full)
            with mock.patch("netpol.diff.compare.changed_pairs", every_pair):
                expected = diff_graphs(old, new)
            assert diff_graphs(old, new) == expected
