"""Flow files: each format read line by line (netpol.flows.formats), the format told from the
content, every bad line a diagnostic at its file and line, ignored lines counted, and flows placed
on the graph's endpoints (netpol.flows.place)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import ROOT

import netpol
from netpol.core.ports import Protocol
from netpol.errors import InputError, Severity
from netpol.flows import Flow, FlowEnd, FlowFile, FlowFormat
from netpol.flows.formats import detect_format, ignored_text, read_flows, read_flows_text
from netpol.flows.place import place_flows
from netpol.model.cluster import Endpoint

FLOWS = ROOT / "policies" / "flows"
WEBSHOP = str(ROOT / "policies" / "webshop")
DUMP = str(ROOT / "policies" / "kubectl-dump")


def hubble_line(**flow: object) -> str:
    base: dict[str, object] = {
        "verdict": "FORWARDED",
        "IP": {"source": "10.244.1.12", "destination": "10.244.2.21"},
        "l4": {"TCP": {"source_port": 40000, "destination_port": 8080}},
        "source": {"namespace": "shop", "pod_name": "frontend-7d9f8-abcde", "labels": ["k8s:app=frontend"]},
        "destination": {"namespace": "shop", "pod_name": "api-5b8c7-kq2lp", "labels": ["k8s:app=api"]},
    }
    base.update(flow)
    return json.dumps({"flow": base, "node_name": "node-1"})


def read(text: str, fmt: FlowFormat | None = None) -> FlowFile:
    return read_flows_text(text, "flows.txt", fmt)


def only(text: str, fmt: FlowFormat | None = None) -> Flow:
    got = read(text, fmt)
    assert not got.diagnostics, [d.format() for d in got.diagnostics]
    assert len(got.flows) == 1, got.flows
    return got.flows[0]


def errors(got: FlowFile) -> list[tuple[int | None, str]]:
    return [
        (d.location.line if d.location else None, d.message)
        for d in got.diagnostics
        if d.severity is Severity.ERROR
    ]


# -- hubble ----------------------------------------------------------------------------------------


def test_hubble_line_names_pod_workload_and_labels_without_cilium_s_own() -> None:
    src = {
        "namespace": "shop",
        "pod_name": "frontend-7d9f8-abcde",
        "labels": [
            "k8s:app=frontend",
            "k8s:io.kubernetes.pod.namespace=shop",
            "k8s:io.cilium.k8s.policy.serviceaccount=frontend",
            "k8s:io.cilium.k8s.namespace.labels.team=shop",
            "container:io.cri.image=x",
        ],
        "workloads": [{"name": "frontend", "kind": "Deployment"}],
    }
    flow = only(hubble_line(source=src))
    assert flow.src == FlowEnd(
        "shop", "frontend-7d9f8-abcde", ("Deployment", "frontend"), {"app": "frontend"}
    )
    assert flow.dst.pod == "api-5b8c7-kq2lp" and flow.dst.workload is None
    assert (flow.protocol, flow.port, flow.end_port) == (Protocol.TCP, 8080, None)
    assert (flow.location.source, flow.location.line) == ("flows.txt", 1)


def test_hubble_bare_flow_objects_and_camel_case_fields() -> None:
    bare = {
        "verdict": "DROPPED",
        "IP": {"source": "10.0.0.1", "destination": "10.0.0.2"},
        "l4": {"UDP": {"destinationPort": 53}},
        "source": {"namespace": "shop", "podName": "api-1"},
        "destination": {"namespace": "kube-system", "podName": "kube-dns-2"},
        "isReply": False,
    }
    flow = only(json.dumps(bare))
    assert (flow.src.pod, flow.dst.pod, flow.protocol, flow.port) == ("api-1", "kube-dns-2", Protocol.UDP, 53)


def test_hubble_replies_icmp_events_and_other_verdicts_are_counted_not_read() -> None:
    lines = [
        hubble_line(is_reply=True),
        hubble_line(reply=True),  # is_reply absent: the deprecated field says it
        hubble_line(l4={"ICMPv4": {"type": 8}}),
        hubble_line(l4=None),
        hubble_line(verdict="ERROR"),
        json.dumps({"lost_events": {"num_events_lost": 3}}),
        hubble_line(verdict="DROPPED"),
        hubble_line(verdict="AUDIT"),
        "",
    ]
    got = read("\n".join(lines))
    assert got.format is FlowFormat.HUBBLE and not got.diagnostics
    assert [f.location.line for f in got.flows] == [7, 8]  # DROPPED and AUDIT were attempted
    assert got.ignored == {"reply": 2, "not L4": 2, "verdict ERROR": 1, "not a flow": 1}
    assert ignored_text(got.ignored) == (
        "2 flows without TCP, UDP or SCTP (ICMP...), 2 replies, "
        "1 line that is no flow (an event, a message), 1 line with verdict ERROR"
    )


def test_hubble_world_and_reserved_endpoints_are_addresses() -> None:
    world = {"identity": 2, "labels": ["reserved:world"]}
    host = {"identity": 1, "labels": ["reserved:host"]}
    lines = [
        hubble_line(destination=world, IP={"source": "10.244.1.12", "destination": "203.0.113.10"}),
        hubble_line(source=host, IP={"source": "10.0.0.11", "destination": "10.244.2.21"}),
        hubble_line(source=host, IP={"source": "10.0.0.12", "destination": "10.244.2.21"}),
        hubble_line(source={"identity": 2}, IP={"source": "198.51.100.7", "destination": "10.244.2.21"}),
    ]
    got = read("\n".join(lines))
    assert [f.dst.address for f in got.flows[:1]] == ["203.0.113.10"]
    assert [f.src.address for f in got.flows[1:]] == ["10.0.0.11", "10.0.0.12", "198.51.100.7"]
    assert all(f.src.external for f in got.flows[1:])
    (note,) = got.diagnostics
    assert note.severity is Severity.INFO and note.location is not None and note.location.line == 2
    assert "reserved:host" in note.message and "(2 lines like it)" in note.message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a list"),
        (hubble_line(l4={"TCP": {"destination_port": 0}}), "l4.TCP.destination_port 0 is not a port number"),
        (hubble_line(l4={"TCP": {"source_port": 1}}), "l4.TCP has no destination_port"),
        (hubble_line(l4={"UDP": {"destination_port": "x"}}), "'x' is not a port number"),
        (hubble_line(source={"namespace": "shop", "labels": "app=x"}), "source.labels is not a list"),
        (hubble_line(destination={"labels": ["reserved:world"]}, IP={}), "IP.destination is missing"),
        (hubble_line(destination={"labels": ["reserved:world"]}, IP={"destination": "x"}), "is not an IP"),
        (json.dumps({"something": 1}), "neither a flow"),
    ],
)
def test_hubble_bad_lines_are_diagnostics_at_their_line(line: str, message: str) -> None:
    got = read("\n".join([hubble_line(), line, hubble_line()]))
    assert len(got.flows) == 2  # the other lines are read all the same
    ((where, said),) = errors(got)
    assert where == 2 and message in said, said
    assert got.diagnostics[0].location is not None and got.diagnostics[0].location.snippet == line


# -- inspektor gadget ------------------------------------------------------------------------------


def gadget_line(**event: object) -> str:
    base: dict[str, object] = {
        "type": "normal",
        "namespace": "shop",
        "pod": "frontend-7d9f8-abcde",
        "podLabels": {"app": "frontend"},
        "pktType": "OUTGOING",
        "proto": "tcp",
        "port": 8080,
        "remoteKind": "pod",
        "remoteNamespace": "shop",
        "remoteName": "api-5b8c7-kq2lp",
        "remoteLabels": {"app": "api"},
        "remoteAddr": "10.244.2.21",
    }
    base.update(event)
    return json.dumps({k: v for k, v in base.items() if v is not None})


def test_gadget_outgoing_goes_from_the_pod_and_host_toward_it() -> None:
    out = only(gadget_line())
    assert out.src == FlowEnd("shop", "frontend-7d9f8-abcde", labels={"app": "frontend"})
    assert out.dst == FlowEnd("shop", "api-5b8c7-kq2lp", labels={"app": "api"})
    incoming = only(gadget_line(pktType="HOST", proto="udp", port=53))
    assert (incoming.src.pod, incoming.dst.pod, incoming.protocol) == (
        "api-5b8c7-kq2lp",
        "frontend-7d9f8-abcde",
        Protocol.UDP,
    )


def test_gadget_services_and_other_addresses() -> None:
    svc = only(
        gadget_line(remoteKind="svc", remoteName="api", remoteLabels={"app": "api"}, remoteAddr="10.96.0.5")
    )
    assert svc.dst == FlowEnd("shop", service="api", labels={"app": "api"})
    assert str(svc.dst) == "service shop/api"
    other = only(
        gadget_line(remoteKind="other", remoteAddr="203.0.113.10", remoteNamespace=None, remoteName=None)
    )
    assert other.dst == FlowEnd(address="203.0.113.10")


def test_gadget_messages_and_packets_without_connections_are_counted() -> None:
    lines = [
        json.dumps(
            {"type": "debug", "message": "tracer attached", "node": "n", "namespace": "shop", "pod": "x"}
        ),
        gadget_line(pktType="BROADCAST"),
        gadget_line(proto="icmp"),
        gadget_line(),
    ]
    got = read("\n".join(lines))
    assert got.format is FlowFormat.GADGET  # told from the second line: the first is a message
    assert len(got.flows) == 1 and got.ignored == {"not a flow": 1, "pktType BROADCAST": 1, "not L4": 1}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (gadget_line(pod=None), "names no pod"),
        (gadget_line(port=70000), "port 70000 is not a port number"),
        (gadget_line(remoteKind="node"), "remoteKind 'node' is not pod, svc or other"),
        (gadget_line(remoteName=None), "remoteName is missing"),
        (gadget_line(remoteKind="other", remoteAddr=None), "no address"),
        (gadget_line(podLabels=["app"]), "podLabels is ['app'], not a mapping of labels"),
    ],
)
def test_gadget_bad_lines(line: str, message: str) -> None:
    got = read("\n".join([gadget_line(), line]))
    assert len(got.flows) == 1
    ((where, said),) = errors(got)
    assert where == 2 and message in said, said


def test_gadget_endpoint_layouts_connect_accept_and_close() -> None:
    local = {"namespace": "shop", "podName": "api-5b8c7-kq2lp", "podLabels": "app=api,tier=backend"}
    peer = {
        "addr": "10.244.3.5",
        "port": 5432,
        "proto": "TCP",
        "k8s": {"kind": "pod", "name": "db-0", "namespace": "shop", "labels": "app=db"},
    }
    me = {"addr": "10.244.2.21", "port": 8080, "proto": "TCP", "k8s": {}}
    connect = only(json.dumps({"k8s": local, "src": me, "dst": peer, "type": "connect"}))
    assert connect.src == FlowEnd("shop", "api-5b8c7-kq2lp", labels={"app": "api", "tier": "backend"})
    assert (connect.dst.pod, connect.dst.labels, connect.port) == ("db-0", {"app": "db"}, 5432)
    accept = only(json.dumps({"k8s": local, "src": me, "dst": {**peer, "port": 41234}, "type": "accept"}))
    assert (accept.src.pod, accept.dst.pod, accept.port) == ("db-0", "api-5b8c7-kq2lp", 8080)
    close = read(json.dumps({"k8s": local, "src": me, "dst": peer, "type": "close"}))
    assert not close.flows and close.ignored == {"close event": 1}
    mid = only(
        json.dumps(
            {
                "k8s": {"namespace": "shop", "pod": "x"},
                "pktType": "OUTGOING",
                "proto": "udp",
                "port": 53,
                "dst": {
                    "addr": "10.96.0.10",
                    "kind": "svc",
                    "namespace": "kube-system",
                    "podname": "kube-dns",
                    "podlabels": {"k8s-app": "kube-dns"},
                },
            }
        )
    )
    assert mid.dst == FlowEnd("kube-system", service="kube-dns", labels={"k8s-app": "kube-dns"})


# -- csv -------------------------------------------------------------------------------------------


def test_csv_sides_ports_and_protocols() -> None:
    text = "\n".join(
        [
            "# observed on 2024-05-14",
            "Protocol , SRC, Port,dst",  # any case, any order, spaces
            "TCP,shop/frontend,8080,shop/api",
            ",shop/api,5432,shop/db[StatefulSet]",
            "udp,shop/x,,kube-system/coredns-1[Pod]",
            "sctp,10.0.0.1,8000-8080,203.0.113.7/24",
            "TCP,shop/a,1-65535,::1",
            "",
        ]
    )
    got = read(text)
    assert got.format is FlowFormat.CSV and not got.diagnostics
    a, b, c, d, e = got.flows
    assert a.src == FlowEnd("shop", "frontend", (None, "frontend")) and a.port == 8080
    assert b.dst == FlowEnd("shop", workload=("StatefulSet", "db")) and b.protocol is Protocol.TCP
    assert c.dst == FlowEnd("kube-system", "coredns-1") and (c.protocol, c.port) == (Protocol.UDP, None)
    assert (d.src.address, d.dst.address, d.port, d.end_port) == ("10.0.0.1", "203.0.113.0/24", 8000, 8080)
    assert (e.port, e.end_port, e.dst.address) == (None, None, "::1")
    assert [f.location.line for f in got.flows] == [3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("shop/a,shop/b", "2 cells where the header has 4"),
        ("shop/a,shop/b,0,TCP", "port 0 is not a port number"),
        ("shop/a,shop/b,65536,TCP", "port 65536 is not a port number"),
        ("shop/a,shop/b,http,TCP", "'http' is not a port number"),
        ("shop/a,shop/b,80,ICMP", "protocol 'ICMP' is not TCP, UDP or SCTP"),
        ("shop/a,,80,TCP", "dst is empty"),
        ("shop/a,not an address,80,TCP", "is not ns/name, ns/name[Kind], an IP or a CIDR"),
        ("shop/a,shop/b[],80,TCP", "is not ns/name"),
        ("shop/a,shop/b,90-80,TCP", "ends before it starts"),
    ],
)
def test_csv_bad_rows_are_diagnostics_at_their_line(row: str, message: str) -> None:
    got = read(f"src,dst,port,protocol\nshop/a,shop/b,80,TCP\n{row}\nshop/a,shop/b,81,TCP\n")
    assert [f.port for f in got.flows] == [80, 81]
    ((where, said),) = errors(got)
    assert where == 3 and message in said, said


def test_csv_header_problems() -> None:
    missing = read("src,dst,protocol\nshop/a,shop/b,TCP\n", FlowFormat.CSV)
    assert not missing.flows and errors(missing) == [
        (1, "the header has no port column: it is src,dst,port,protocol")
    ]
    extra = read("src,dst,port,count\nshop/a,shop/b,80,12\n")
    assert len(extra.flows) == 1
    (warning,) = extra.diagnostics
    assert warning.severity is Severity.WARNING and "'count' is not read" in warning.message


# -- netpol list -o json ---------------------------------------------------------------------------


def test_netpol_json_connections_become_flows_per_port_range() -> None:
    doc = {
        "connections": [
            {
                "src": "shop/api[Deployment]",
                "dst": "shop/db[StatefulSet]",
                "ports": {"TCP": [[5432, 5432], [8000, 8080]]},
            },
            {"src": "shop/a[Pod]", "dst": "0.0.0.0-203.0.112.255", "ports": {"UDP": [[1, 65535]]}},
            {
                "src": "ns/{app=x}[StandIn]",
                "dst": "{team=a/b}/*[StandIn]",
                "ports": {"TCP": ["http"], "SCTP": [[9, 9]]},
            },
        ],
        "endpoints": [],
    }
    got = read(json.dumps(doc, indent=2))  # laid out otherwise than netpol writes it
    assert got.format is FlowFormat.NETPOL and not got.diagnostics
    a, b, c, d = got.flows
    assert (a.port, a.end_port, b.port, b.end_port) == (5432, None, 8000, 8080)
    assert a.src == FlowEnd("shop", workload=("Deployment", "api"))
    assert (
        c.src == FlowEnd("shop", "a", ("Pod", "a"))
        and c.dst.address == "0.0.0.0-203.0.112.255"
        and c.port is None
    )
    assert d.src.workload == ("StandIn", "{app=x}") and d.dst.namespace == "{team=a/b}"
    assert str(d.dst) == "{team=a/b}/*[StandIn]"
    lines = json.dumps(doc, indent=2).splitlines()
    assert [lines[(f.location.line or 0) - 1].strip() for f in (a, c, d)] == [
        "{"
    ] * 3  # where each object starts
    assert got.ignored == {"port known by name only": 1}


def test_netpol_json_of_netpol_list_reads_every_connection() -> None:
    got = read_flows(str(FLOWS / "webshop.netpol.json"))
    graph = netpol.analyze([WEBSHOP])
    expected = sum(len(ranges) for c in graph.connections() for _, ranges in c.ports.items())
    assert got.format is FlowFormat.NETPOL and len(got.flows) == expected and not got.diagnostics


@pytest.mark.parametrize(
    ("connection", "message"),
    [
        ({"src": "a", "dst": "shop/b[Pod]", "ports": {"TCP": [[1, 2]]}}, "src 'a' is not ns/name[Kind]"),
        (
            {"src": "shop/a[Pod]", "dst": "shop/b[Pod]", "ports": {"TCP": [[0, 2]]}},
            "[0, 2] is not a port range",
        ),
        ({"src": "shop/a[Pod]", "dst": "shop/b[Pod]", "ports": {"ICMP": [[1, 2]]}}, "'ICMP' is not TCP"),
        ({"src": "shop/a[Pod]", "dst": "shop/b[Pod]", "ports": []}, "ports is not an object"),
        ("text", "a connection is an object"),
    ],
)
def test_netpol_json_bad_connections(connection: object, message: str) -> None:
    ok = {"src": "shop/a[Pod]", "dst": "shop/b[Pod]", "ports": {"TCP": [[80, 80]]}}
    text = '{"connections": [\n' + ",\n".join(json.dumps(c) for c in (ok, connection, ok)) + "\n]}\n"
    got = read(text)
    assert len(got.flows) == 2
    ((where, said),) = errors(got)
    assert where == 3 and message in said, said


# -- detection and reading -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("webshop.hubble.jsonl", FlowFormat.HUBBLE),
        ("webshop-broken.hubble.jsonl", FlowFormat.HUBBLE),
        ("webshop.gadget.jsonl", FlowFormat.GADGET),
        ("webshop.csv", FlowFormat.CSV),
        ("webshop.netpol.json", FlowFormat.NETPOL),
    ],
)
def test_example_files_are_told_apart_and_read_cleanly(name: str, fmt: FlowFormat) -> None:
    text = (FLOWS / name).read_text(encoding="utf-8")
    assert detect_format(text) is fmt
    got = read_flows(str(FLOWS / name))
    assert got.format is fmt and got.flows and got.source == str(FLOWS / name)
    assert not errors(got)
    counted = len(got.flows) + sum(got.ignored.values())
    if fmt is not FlowFormat.NETPOL and fmt is not FlowFormat.CSV:
        assert counted == len([line for line in text.splitlines() if line.strip()])  # nothing dropped


def test_the_hubble_example_shows_a_reply_a_drop_and_icmp() -> None:
    text = (FLOWS / "webshop.hubble.jsonl").read_text(encoding="utf-8")
    flows = [json.loads(line)["flow"] for line in text.splitlines()]
    assert any(f["is_reply"] for f in flows) and any(f["verdict"] == "DROPPED" for f in flows)
    assert any("ICMPv4" in f["l4"] for f in flows)
    got = read_flows(str(FLOWS / "webshop.hubble.jsonl"))
    assert got.ignored == {"reply": 1, "not L4": 1}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "holds no flows"),
        ("hello world\n", "neither JSON nor a CSV header"),
        ('{"a": 1}\n{"b": 2}\n', "no line is a Hubble flow"),
        ("a,b,c\n", "neither JSON nor a CSV header"),
    ],
)
def test_undetected_formats_name_the_formats_and_the_switch(text: str, why: str) -> None:
    with pytest.raises(InputError) as info:
        read(text)
    message = str(info.value)
    assert why in message and "hubble, gadget, csv, netpol" in message and "--flows-format" in message


def test_a_chosen_format_is_not_second_guessed() -> None:
    got = read("src,dst,port\nshop/a,shop/b,80\n", FlowFormat.HUBBLE)
    assert not got.flows and [line for line, _ in errors(got)] == [1, 2]


def test_read_flows_with_the_limits_of_every_input(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("src,dst,port\nshop/a,shop/b,80\n", encoding="utf-8")
    assert len(read_flows(str(path)).flows) == 1
    with pytest.raises(InputError, match="flow file"):
        read_flows(str(path), max_size=10)
    with pytest.raises(InputError):
        read_flows(str(tmp_path))
    with pytest.raises(InputError):
        read_flows(str(tmp_path / "missing.csv"))
    stdin = read_flows("-", stdin=io.StringIO("src,dst,port\nshop/a,shop/b,80\n"))
    assert stdin.source == "<stdin>" and stdin.flows[0].location.source == "<stdin>"


# -- placement -------------------------------------------------------------------------------------


def place(graph: netpol.AllowGraph, *rows: str) -> tuple[list[tuple[str, str, str | None]], list[str]]:
    got = read("src,dst,port,protocol\n" + "\n".join(rows) + "\n")
    assert not got.diagnostics
    placement = place_flows(graph, got.flows)
    placed = [(graph.ids[p.src], graph.ids[p.dst], p.dst_address or p.src_address) for p in placement.placed]
    return placed, [u.reason for u in placement.unplaced]


def test_pods_are_generalised_to_their_workload_by_name() -> None:
    graph = netpol.analyze([DUMP])
    placed, unplaced = place(
        graph, "identity-prod/feeds-api-bpffn7xpzj-6bl9f,kube-system/coredns-6rxkcsbmdq-gb4nh,53,UDP"
    )
    assert (
        placed == [("identity-prod/feeds-api[Deployment]", "kube-system/coredns[Deployment]", None)]
        and not unplaced
    )


def test_hubble_pods_of_workloads_without_pods_in_the_input() -> None:
    graph = netpol.analyze([WEBSHOP])  # Deployments and a StatefulSet: no pod at all
    named = read(
        hubble_line(
            source={
                "namespace": "shop",
                "pod_name": "x-1",
                "workloads": [{"name": "frontend", "kind": "Deployment"}],
            }
        )
    )
    generated = read(hubble_line())  # frontend-7d9f8-abcde, api-5b8c7-kq2lp: names their controllers gave
    stateful = read(hubble_line(destination={"namespace": "shop", "pod_name": "db-0"}))
    by_labels = read(
        hubble_line(
            source={
                "namespace": "shop",
                "pod_name": "web-x",
                "labels": ["k8s:app=frontend", "k8s:pod-template-hash=1"],
            }
        )
    )
    for got in (named, generated, stateful, by_labels):
        ((p,), ()) = place_flows(graph, got.flows).placed, place_flows(graph, got.flows).unplaced
        assert graph.ids[p.src] == "shop/frontend[Deployment]", got
    assert graph.ids[place_flows(graph, stateful.flows).placed[0].dst] == "shop/db[StatefulSet]"


def test_placement_by_labels_needs_exactly_one_workload() -> None:
    graph = netpol.analyze_text(
        """
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns, labels: {app: x, role: one}}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns, labels: {app: x, role: two}}
"""
    )
    one = read(
        hubble_line(
            source={"namespace": "ns", "pod_name": "gone", "labels": ["k8s:app=x", "k8s:role=two"]},
            destination={"namespace": "ns", "pod_name": "a"},
        )
    )
    ((p,), ()) = place_flows(graph, one.flows).placed, place_flows(graph, one.flows).unplaced
    assert (graph.ids[p.src], graph.ids[p.dst]) == ("ns/b[Pod]", "ns/a[Pod]")
    several = read(
        hubble_line(
            source={"namespace": "ns", "pod_name": "gone", "labels": ["k8s:app=x"]},
            destination={"namespace": "ns", "pod_name": "a"},
        )
    )
    (u,) = place_flows(graph, several.flows).unplaced
    assert u.reason == (
        "source pod ns/gone is not in the input, nor a workload it could belong to, and its labels "
        "{app=x} match several workloads: ns/a[Pod], ns/b[Pod]"
    )


def test_addresses_are_pods_or_the_external_ranges_that_hold_them() -> None:
    dump = netpol.analyze([DUMP])
    placed, _ = place(dump, "10.64.0.17,10.64.0.2,53,UDP", "10.64.0.17,10.1.2.3,443,TCP")
    assert placed == [
        ("identity-prod/feeds-api[Deployment]", "kube-system/coredns[Deployment]", None),
        ("identity-prod/feeds-api[Deployment]", "10.0.0.0/8", "10.1.2.3"),
    ]
    shop = netpol.analyze([WEBSHOP])
    placed, _ = place(
        shop, "payments/gateway,203.0.113.0/24,443,TCP", "payments/gateway,203.0.113.0/28,443,TCP"
    )
    assert placed == [  # a CIDR over two of the graph's ranges: once per range
        ("payments/gateway[Deployment]", "203.0.113.0/25", "203.0.113.0/24"),
        ("payments/gateway[Deployment]", "203.0.113.128/25", "203.0.113.0/24"),
        ("payments/gateway[Deployment]", "203.0.113.0/25", "203.0.113.0/28"),
    ]
    public = {"src": "0.0.0.0/0", "dst": "shop/frontend[Deployment]", "ports": {"TCP": [[8080, 8080]]}}
    flows = read_flows_text(json.dumps({"connections": [public]}))
    ranges = [shop.ids[p.src] for p in place_flows(shop, flows.flows).placed]
    assert ranges == [i for i in shop.ids[shop.endpoint_count :] if ":" not in i]  # every IPv4 range


def test_services_are_the_one_workload_their_selector_selects() -> None:
    graph = netpol.analyze([WEBSHOP])
    lines = [
        gadget_line(remoteKind="svc", remoteName="api", remoteLabels={"app": "api"}),
        gadget_line(remoteKind="svc", remoteName="all", remoteLabels={}),
        gadget_line(remoteKind="svc", remoteName="gone", remoteLabels={"app": "gone"}),
        gadget_line(
            remoteKind="svc", remoteName="tiers", remoteLabels={"tier": "web"}, remoteNamespace="shop"
        ),
    ]
    placement = place_flows(graph, read("\n".join(lines)).flows)
    assert [graph.ids[p.dst] for p in placement.placed] == [
        "shop/api[Deployment]",
        "shop/frontend[Deployment]",
    ]
    assert [u.reason for u in placement.unplaced] == [
        "destination service shop/all has no selector: netpol cannot tell which pods it sends to",
        "destination service shop/gone (selector {app=gone}) selects no workload of the input",
    ]


def test_unplaced_flows_say_why() -> None:
    graph = netpol.analyze([WEBSHOP])
    named = read(
        hubble_line(
            source={
                "namespace": "shop",
                "pod_name": "cart-5d-abcde",
                "workloads": [{"name": "cart", "kind": "Deployment"}],
            }
        )
    )
    assert [u.reason for u in place_flows(graph, named.flows).unplaced] == [
        "source pod shop/cart-5d-abcde is not in the input and its workload Deployment shop/cart neither"
    ]
    _, unplaced = place(
        graph,
        "nowhere/x,shop/api,80,TCP",
        "shop/cart,shop/api,80,TCP",
        "shop/api,shop/cart[Deployment],80,TCP",
        "10.0.0.1,10.0.0.2/31,80,TCP",
    )
    assert unplaced == [
        "source nowhere/x: namespace nowhere is not in the input",
        "source shop/cart is no pod or workload of the input",
        "destination shop/cart[Deployment] is not in the input",
        "both sides are outside the cluster: netpol does not analyse that traffic",
    ]


def test_stand_ins_are_never_sides() -> None:
    graph = netpol.analyze([str(ROOT / "policies" / "policies-only")])
    stand_ins = [e for e in graph.cluster.endpoints if isinstance(e, Endpoint) and e.stand_in is not None]
    assert stand_ins  # the example's policies select pods the input does not hold
    target = stand_ins[0]
    labels = [f"k8s:{k}={v}" for k, v in target.labels.items()]
    by_labels = read(
        hubble_line(
            source={"namespace": target.namespace, "pod_name": "p-1", "labels": labels},
            destination={"namespace": target.namespace, "pod_name": "p-2", "labels": labels},
        )
    )
    by_id = read_flows_text(
        json.dumps({"connections": [{"src": target.id, "dst": "0.0.0.0/0", "ports": {"TCP": [[80, 80]]}}]})
    )
    for got in (by_labels, by_id):
        placement = place_flows(graph, got.flows)
        assert not placement.placed and len(placement.unplaced) == 1
    assert (
        place_flows(graph, by_id.flows).unplaced[0].reason
        == f"source {target.id} is a stand-in, not an endpoint of the input"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (json.dumps({"flow": [1]}), "'flow' is not an object"),
        (hubble_line(IP=[1]), "IP is not an object"),
        (hubble_line(l4=[1]), "l4 is not an object"),
        (hubble_line(l4={"TCP": 5}), "l4.TCP is not an object"),
        (hubble_line(source=[1]), "source is not an object"),
        (hubble_line(source={"namespace": "shop", "workloads": {"name": "x"}}), "workloads is not a list"),
        (hubble_line(source={"namespace": 5}), "namespace is 5, not a string"),
        ("1" * 5000, "not JSON netpol reads"),
        ('"text"', "not a string"),
        ("null", "not null"),
        ("true", "not a boolean"),
        ("12", "not a number"),
    ],
)
def test_more_malformed_hubble_lines(line: str, message: str) -> None:
    got = read("\n".join([hubble_line(), line]), FlowFormat.HUBBLE)
    ((where, said),) = errors(got)
    assert where == 2 and message in said, said


def test_hubble_labels_without_a_source_are_pod_labels() -> None:
    flow = only(hubble_line(source={"namespace": "shop", "pod_name": "a", "labels": ["app=x", "unspec:y=z"]}))
    assert flow.src.labels == {"app": "x"}


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"namespace": "shop", "pod": "a", "remoteKind": "pod"}, "has a pktType"),
        ({"src": {"addr": "10.0.0.1"}, "dst": [1]}, "dst is not an object"),
        ({"src": {"addr": "10.0.0.1"}, "dst": {"port": 80, "proto": "TCP"}}, "dst has no address"),
        ({"src": {"addr": "10.0.0.1"}, "dst": {"addr": "x", "port": 80, "proto": "TCP"}}, "dst.addr 'x'"),
        (
            {
                "src": {
                    "addr": "10.0.0.1",
                    "k8s": {"kind": "pod", "name": "a", "namespace": "s", "labels": "x"},
                },
                "dst": {"addr": "10.0.0.2", "port": 80, "proto": "TCP"},
            },
            "src labels 'x' is not a list of key=value labels",
        ),
    ],
)
def test_more_malformed_gadget_lines(event: dict[str, object], message: str) -> None:
    got = read("\n".join([gadget_line(), json.dumps(event)]), FlowFormat.GADGET)
    ((where, said),) = errors(got)
    assert where == 2 and message in said, said


def test_gadget_endpoints_without_the_event_s_pod_and_with_its_owner() -> None:
    src = {
        "addr": "10.0.0.1",
        "k8s": {"kind": "pod", "name": "api-1", "namespace": "shop", "labels": {"app": "api"}},
    }
    dst = {"addr": "203.0.113.9", "port": 443, "proto": "UDP", "k8s": {"kind": "raw"}}
    flow = only(json.dumps({"src": src, "dst": dst}))
    assert (flow.src, flow.dst, flow.protocol) == (
        FlowEnd("shop", "api-1", labels={"app": "api"}),
        FlowEnd(address="203.0.113.9"),
        Protocol.UDP,
    )
    owned = {"namespace": "shop", "podName": "api-1", "owner": {"kind": "Deployment", "name": "api"}}
    assert only(json.dumps({"k8s": owned, "src": src, "dst": dst})).src.workload == ("Deployment", "api")
    icmp = read(json.dumps({"src": src, "dst": {**dst, "proto": "ICMP"}}))
    assert not icmp.flows and icmp.ignored == {"not L4": 1}


def test_more_unplaced_reasons() -> None:
    graph = netpol.analyze_text(
        """
apiVersion: v1
kind: Namespace
metadata: {name: empty}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns, labels: {app: x}}
status: {podIP: 10.1.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns, labels: {app: x}}
status: {podIP: 10.1.0.5}
"""
    )
    _, unplaced = place(
        graph,
        "empty/x,ns/a,80,TCP",
        "10.1.0.5,ns/a,80,TCP",
        "ns/a,ns/zzz[Deployment],80,TCP",
    )
    assert unplaced == [
        "source empty/x: namespace empty holds no workload or pod in the input",
        "source 10.1.0.5 is the IP of several endpoints: ns/a[Pod], ns/b[Pod]",
        "destination ns/zzz[Deployment] is not in the input",
    ]
    several = read(
        gadget_line(
            namespace="ns",
            pod="a",
            remoteKind="svc",
            remoteNamespace="ns",
            remoteName="x",
            remoteLabels={"app": "x"},
        )
    )
    (u,) = place_flows(graph, several.flows).unplaced
    assert (
        u.reason
        == "destination service ns/x (selector {app=x}) selects several workloads: ns/a[Pod], ns/b[Pod]"
    )
    labels = read(
        hubble_line(
            source={"namespace": "ns", "labels": ["k8s:app=y"]},
            destination={"namespace": "ns", "pod_name": "a"},
        )
    )
    (u,) = place_flows(graph, labels.flows).unplaced
    assert (
        u.reason
        == "source ns/{app=y} is no workload of the input, and no workload of ns has its labels {app=y}"
    )
