"""bench/generate.py: deterministic, the requested sizes, YAML that reads back, sane policies."""

from __future__ import annotations

import importlib
import ipaddress
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SafeLoader

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not part of the installed package
    sys.path.insert(0, str(ROOT))
gen = importlib.import_module("bench.generate")

SMALL = {"pods": 40, "workloads": 9, "policies": 25, "namespaces": 4}
MEDIUM = {"pods": 600, "workloads": 70, "policies": 150, "namespaces": 9}
LARGE = {"pods": 10_000, "workloads": 1_000, "policies": 2_000, "namespaces": 50}

PROTOCOLS = {"TCP", "UDP", "SCTP"}
OPERATORS = {"In", "NotIn", "Exists", "DoesNotExist"}
IANA_SVC_NAME = re.compile(r"(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*")
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
LABEL_KEY = re.compile(r"(?:[a-z0-9.-]{1,253}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
LABEL_VALUE = re.compile(r"(?:[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")


def cluster(size: dict[str, int], seed: int = 7) -> Any:
    return gen.generate_cluster(seed=seed, **size)


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_output() -> None:
    for fmt in gen.FORMATS:
        assert gen.to_yaml(cluster(MEDIUM), fmt) == gen.to_yaml(cluster(MEDIUM), fmt)


def test_other_seed_other_output() -> None:
    assert gen.to_yaml(cluster(MEDIUM, 1), "dump") != gen.to_yaml(cluster(MEDIUM, 2), "dump")


def test_noise_level_changes_bulk_not_structure() -> None:
    c = cluster(MEDIUM)

    def skeleton(noise: str) -> list[tuple[Any, ...]]:
        return [
            (
                o["kind"],
                o["metadata"].get("namespace"),
                o["metadata"]["name"],
                o.get("status", {}).get("podIP"),
                o["metadata"].get("labels"),
            )
            for o in c.dump(noise)["items"]
        ]

    sizes = [len(gen.to_yaml(c, "dump", n)) for n in gen.NOISE_LEVELS]
    assert skeleton("bare") == skeleton("light") == skeleton("full")
    assert sizes == sorted(sizes)


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("size", [SMALL, MEDIUM], ids=["small", "medium"])
def test_counts_as_requested(size: dict[str, int]) -> None:
    c = cluster(size)
    assert c.pod_count == size["pods"]
    assert len(c.workloads) == size["workloads"]
    assert len(c.policies) == size["policies"]
    assert len(c.namespaces) == size["namespaces"]
    assert any(ns.name == "kube-system" for ns in c.namespaces)

    assert len(c.manifests()) == size["namespaces"] + size["workloads"] + size["policies"]

    dump = c.dump()
    assert dump["kind"] == "List"
    kinds = Counter(o["kind"] for o in dump["items"])
    workloads = Counter(w.kind for w in c.workloads)
    deployments = workloads["Deployment"]
    assert kinds["Pod"] == size["pods"]
    assert kinds["NetworkPolicy"] == size["policies"]
    assert kinds["Namespace"] == size["namespaces"]
    assert kinds["Deployment"] == deployments
    assert kinds["StatefulSet"] == workloads["StatefulSet"]
    assert kinds["DaemonSet"] == workloads["DaemonSet"]
    assert kinds["ReplicaSet"] >= deployments  # one current ReplicaSet each, plus old ones
    assert sum(kinds.values()) == len(dump["items"])


def test_large_cluster_shape() -> None:
    c = cluster(LARGE, seed=1)
    kinds = Counter(w.kind for w in c.workloads)
    assert kinds["Deployment"] > len(c.workloads) / 2
    assert kinds["StatefulSet"] and kinds["DaemonSet"] and kinds["Job"] and kinds["CronJob"]
    assert c.pod_count == LARGE["pods"]
    assert len(c.policies) == LARGE["policies"]


def test_too_few_pods_is_an_error() -> None:
    with pytest.raises(ValueError, match="pods"):
        gen.generate_cluster(pods=3, workloads=5, policies=1, namespaces=2)


# --------------------------------------------------------------------------- the YAML


@pytest.mark.parametrize("noise", ["bare", "light", "full"])
def test_dump_reads_back(noise: str) -> None:
    c = cluster(SMALL)
    text = gen.to_yaml(c, "dump", noise)
    assert "&id" not in text and "*id" not in text  # no anchors / aliases
    assert yaml.load(text, Loader=SafeLoader) == c.dump(noise)


def test_manifests_read_back() -> None:
    c = cluster(MEDIUM)
    assert list(yaml.load_all(gen.to_yaml(c, "manifests"), Loader=SafeLoader)) == c.manifests()


def test_emitter_quotes_what_yaml_would_reinterpret() -> None:
    tricky = [
        "10.0.0.1",
        "10.0.0.0/8",
        "::/0",
        "fc00::/7",
        "0x1F",
        "0o17",
        "1e10",
        "1.5",
        "1:20",
        "123",
        "08",
        "2024-01-15",
        "2024-01-15T09:00:00Z",
        "yes",
        "No",
        "null",
        "~",
        "",
        "-",
        "a: b",
        "a #b",
        ".inf",
        'k:{"uid":"x"}',
        "f:status",
        "8lkmbqw67w",
        "3f1c2a9e",
        "v1.2.3",
        "1.11.1",
        "true",
        "é",
    ]
    data: dict[str, object] = {"s": {t: t for t in tricky}, "l": [*tricky, 1, True, None, {}, [], [1, [2]]]}
    assert yaml.load(gen.dump_yaml([data]), Loader=SafeLoader) == data


def test_cli_writes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c.yaml"
    args = [
        "--pods",
        "30",
        "--workloads",
        "6",
        "--policies",
        "12",
        "--namespaces",
        "3",
        "--seed",
        "3",
        "--format",
        "dump",
        "--out",
        str(out),
    ]
    assert gen.main(args) == 0
    doc = yaml.load(out.read_text(), Loader=SafeLoader)
    assert sum(o["kind"] == "Pod" for o in doc["items"]) == 30
    assert "30 pods" in capsys.readouterr().err


# --------------------------------------------------------------------------- the dump's pods


def test_pods_are_concrete_replicas() -> None:
    items = cluster(MEDIUM).dump()["items"]
    by_kind: dict[str, dict[tuple[str, str], Any]] = {}
    for o in items:
        by_kind.setdefault(o["kind"], {})[(o["metadata"].get("namespace", ""), o["metadata"]["name"])] = o
    pods = list(by_kind["Pod"].values())
    ips = [p["status"]["podIP"] for p in pods]
    assert len(set(ips)) == len(ips)
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network(gen.POD_CIDR) for ip in ips)
    uids = [o["metadata"]["uid"] for o in items if "uid" in o["metadata"]]
    assert len(set(uids)) == len(uids) == len(items)
    for p in pods:
        meta = p["metadata"]
        (owner,) = meta["ownerReferences"]
        assert owner["controller"] is True
        assert p["spec"]["nodeName"]
        ns = meta["namespace"]
        if owner["kind"] == "ReplicaSet":
            rs = by_kind["ReplicaSet"][(ns, owner["name"])]
            assert rs["metadata"]["uid"] == owner["uid"]
            pth = meta["labels"]["pod-template-hash"]
            assert owner["name"].endswith(f"-{pth}")
            assert re.fullmatch(re.escape(owner["name"]) + r"-[a-z0-9]{5}", meta["name"])
            (dep_ref,) = rs["metadata"]["ownerReferences"]
            deployment = by_kind["Deployment"][(ns, dep_ref["name"])]
            assert deployment["metadata"]["uid"] == dep_ref["uid"]
            assert dep_ref["controller"] is True
        elif owner["kind"] == "StatefulSet":
            assert (ns, owner["name"]) in by_kind["StatefulSet"]
            assert re.fullmatch(re.escape(owner["name"]) + r"-\d+", meta["name"])
        elif owner["kind"] == "DaemonSet":
            assert (ns, owner["name"]) in by_kind["DaemonSet"]
        else:
            assert owner["kind"] == "Job"  # Jobs are not in this kubectl command's output


def test_container_ports_are_valid() -> None:
    for w in cluster(LARGE, seed=1).workloads:
        names = [p.name for p in w.ports]
        assert len(set(names)) == len(names), w.name
        for p in w.ports:
            assert IANA_SVC_NAME.fullmatch(p.name) and "--" not in p.name, p
            assert 1 <= p.number <= 65535 and p.protocol in PROTOCOLS


# --------------------------------------------------------------------------- policy sanity


def check_selector(sel: Any, where: str) -> None:
    assert isinstance(sel, dict) and set(sel) <= {"matchLabels", "matchExpressions"}, where
    for k, v in sel.get("matchLabels", {}).items():
        assert LABEL_KEY.fullmatch(k) and LABEL_VALUE.fullmatch(v), f"{where}: {k}={v}"
    for e in sel.get("matchExpressions", []):
        assert e["operator"] in OPERATORS, where
        assert LABEL_KEY.fullmatch(e["key"]), where
        if e["operator"] in ("In", "NotIn"):
            assert e["values"] and all(LABEL_VALUE.fullmatch(v) for v in e["values"]), where
        else:
            assert not e.get("values"), where


def check_ip_block(block: Any, where: str) -> None:
    assert set(block) <= {"cidr", "except"}, where
    cidr = ipaddress.ip_network(block["cidr"])  # strict: host bits must be zero
    for e in block.get("except", []):
        net = ipaddress.ip_network(e)
        assert net.version == cidr.version, where
        assert net.subnet_of(cidr) and net != cidr  # type: ignore[arg-type]  # same version, f"{where}: {e} not strictly inside {cidr}"


def check_port(port: Any, where: str) -> None:
    assert set(port) <= {"protocol", "port", "endPort"}, where
    assert port.get("protocol", "TCP") in PROTOCOLS, where
    p = port.get("port")
    if isinstance(p, str):
        assert IANA_SVC_NAME.fullmatch(p) and "endPort" not in port, where
    elif p is not None:
        assert 1 <= p <= 65535, where
    if "endPort" in port:
        assert isinstance(p, int) and p <= port["endPort"] <= 65535, where


def check_policy(pol: Any, namespaces: set[str]) -> None:
    where = f"{pol['metadata'].get('namespace')}/{pol['metadata']['name']}"
    assert pol["apiVersion"] == "networking.k8s.io/v1" and pol["kind"] == "NetworkPolicy"
    assert DNS_LABEL.fullmatch(pol["metadata"]["name"]), where
    assert pol["metadata"]["namespace"] in namespaces, where
    spec = pol["spec"]
    assert set(spec) <= {"podSelector", "policyTypes", "ingress", "egress"}, where
    check_selector(spec["podSelector"], where)
    assert set(spec.get("policyTypes", [])) <= {"Ingress", "Egress"}, where
    for direction, key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or []):
            at = f"{where} {direction}[{i}]"
            assert set(rule) <= {key, "ports"}, at
            for peer in rule.get(key, []):
                assert peer and set(peer) <= {"podSelector", "namespaceSelector", "ipBlock"}, at
                if "ipBlock" in peer:
                    assert set(peer) == {"ipBlock"}, at
                    check_ip_block(peer["ipBlock"], at)
                for s in ("podSelector", "namespaceSelector"):
                    if s in peer:
                        check_selector(peer[s], at)
            for port in rule.get("ports", []):
                check_port(port, at)


def walk(obj: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k, v
            yield from walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v)


def test_every_policy_is_schema_sane() -> None:
    c = cluster(LARGE, seed=1)
    namespaces = {ns.name for ns in c.namespaces}
    names = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in c.policies]
    assert len(set(names)) == len(names)
    for pol in c.policies:
        check_policy(pol, namespaces)


def test_policies_cover_the_features() -> None:
    policies = cluster(LARGE, seed=1).policies
    specs = [p["spec"] for p in policies]
    pairs = [kv for s in specs for kv in walk(s)]
    operators = {e["operator"] for k, v in pairs if k == "matchExpressions" for e in v}
    assert operators == OPERATORS
    blocks = [v for k, v in pairs if k == "ipBlock"]
    assert any(b.get("except") for b in blocks)
    assert any(ipaddress.ip_network(b["cidr"]).is_private for b in blocks)
    assert any(not ipaddress.ip_network(b["cidr"]).is_private for b in blocks)
    ports = [p for k, v in pairs if k == "ports" for p in v]
    assert any("endPort" in p for p in ports)
    assert any(isinstance(p.get("port"), str) for p in ports)
    assert any(p.get("protocol") == "UDP" and p.get("port") == 53 for p in ports)
    assert any(p.get("port") == 443 for p in ports)
    assert any(k == "namespaceSelector" and v == {} for k, v in pairs)
    assert any(s.get("ingress") == [{}] for s in specs)
    assert any(
        s["podSelector"] == {}
        and s.get("policyTypes") == ["Ingress", "Egress"]
        and "ingress" not in s
        and "egress" not in s
        for s in specs
    )
    peers = [p for k, v in pairs if k in ("from", "to") for p in v]
    assert any("namespaceSelector" in p and "podSelector" in p for p in peers)
