"""netpol suggest on the web shop and on small clusters made for one point each: what it writes,
what the written policies allow when netpol reads them back like any manifest, and that its
self-check can fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import ROOT, SafeLoader

import netpol
from netpol.cli import main
from netpol.core.yamlout import dump_yaml
from netpol.errors import ExitCode
from netpol.suggest import synth
from netpol.suggest.selectors import Selection

WEBSHOP = ROOT / "policies" / "webshop"

FLOWS = """src,dst,port,protocol
shop/frontend,shop/api,8080,TCP
shop/api,shop/db,5432,TCP
shop/api,payments/gateway,8443,TCP
payments/gateway,203.0.113.7,443,TCP
monitoring/prometheus,shop/api,9090,TCP
shop/frontend,kube-system/kube-dns,53,UDP
shop/api,kube-system/kube-dns,53,UDP
payments/gateway,kube-system/kube-dns,53,UDP
"""
OBSERVED = {
    ("shop/frontend[Deployment]", "shop/api[Deployment]", "TCP 8080"),
    ("shop/api[Deployment]", "shop/db[StatefulSet]", "TCP 5432"),
    ("shop/api[Deployment]", "payments/gateway[Deployment]", "TCP 8443"),
    ("payments/gateway[Deployment]", "203.0.113.7/32", "TCP 443"),
    ("monitoring/prometheus[Deployment]", "shop/api[Deployment]", "TCP 9090"),
    ("shop/frontend[Deployment]", "kube-system/kube-dns[Deployment]", "UDP 53"),
    ("shop/api[Deployment]", "kube-system/kube-dns[Deployment]", "UDP 53"),
    ("payments/gateway[Deployment]", "kube-system/kube-dns[Deployment]", "UDP 53"),
}


def netpol_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def flows_file(tmp_path: Path, text: str = FLOWS) -> Path:
    path = tmp_path / "flows.csv"
    path.write_text(text, encoding="utf-8")
    return path


def docs(text: str) -> list[dict[str, Any]]:
    """The objects of a YAML text, Lists expanded."""
    out: list[dict[str, Any]] = []
    for d in yaml.load_all(text, Loader=SafeLoader):
        if isinstance(d, dict):
            out += d.get("items") or [] if str(d.get("kind", "")).endswith("List") else [d]
    return out


def without_policies(folder: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(folder.glob("*.yaml")):
        out += [d for d in docs(path.read_text(encoding="utf-8")) if d["kind"] != "NetworkPolicy"]
    return out


def listed(objects: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """What netpol lists for ``objects``, read back like any manifest (closed world)."""
    text = "---\n".join(dump_yaml(o) for o in objects)  # quoted as kubectl needs: namespace "y"
    graph = netpol.analyze_text(text, netpol.Options(stand_ins=False))
    assert not [d for d in graph.diagnostics if d.severity == "error"], graph.diagnostics
    return {(c.src, c.dst, str(c.ports)) for c in graph.connections()}


def test_the_web_shop_gets_exactly_its_flows(tmp_path: Path) -> None:
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert "8 flow(s) (8 connection(s)) observed, 8 allowed; 0 other connection(s) allowed" in result.stderr
    suggested = docs(result.stdout)
    assert {d["kind"] for d in suggested} == {"NetworkPolicy"}
    deny = [d for d in suggested if d["metadata"]["name"] == "netpol-default-deny"]
    assert sorted(d["metadata"]["namespace"] for d in deny) == [
        "kube-system",
        "monitoring",
        "payments",
        "shop",
    ]
    assert all(d["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]} for d in deny)
    # Read back as manifests, with the workloads: every namespace is covered, so the listing
    # is exactly the flows.
    assert listed(without_policies(WEBSHOP) + suggested) == OBSERVED
    # Named where the destination names the port; DNS only because flows show it.
    text = result.stdout
    assert "port: dns" in text and "port: https" in text
    assert "# Egress of shop/frontend[Deployment]" in text and "first at " in text


def test_dns_is_allowed_only_where_flows_show_it(tmp_path: Path) -> None:
    flows = "src,dst,port,protocol\nshop/frontend,shop/api,8080,TCP\n"
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows_file(tmp_path, flows))
    assert result.exit_code == 0, result.output
    suggested = docs(result.stdout)
    ports = [
        p
        for d in suggested
        for key in ("ingress", "egress")
        for r in d["spec"].get(key, [])
        for p in r["ports"]
    ]
    assert ports and all(p["port"] != 53 and p["port"] != "dns" for p in ports)
    assert not any(d["metadata"]["name"] == "netpol-ingress-kube-dns" for d in suggested)
    assert listed(without_policies(WEBSHOP) + docs(result.stdout)) == {
        ("shop/frontend[Deployment]", "shop/api[Deployment]", "TCP 8080")
    }


def test_one_namespace_covered_leaves_the_others_policies_alone(tmp_path: Path) -> None:
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows_file(tmp_path), "-n", "payments")
    assert result.exit_code == 0, result.output
    suggested = docs(result.stdout)
    assert {d["metadata"]["namespace"] for d in suggested} == {"payments"}
    names = {d["metadata"]["name"] for d in suggested}
    assert names == {"netpol-default-deny", "netpol-ingress-gateway", "netpol-egress-gateway"}


def test_out_writes_one_file_per_namespace(tmp_path: Path) -> None:
    out = tmp_path / "suggested"
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows_file(tmp_path), "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    files = sorted(p.name for p in out.iterdir())
    assert files == ["kube-system.yaml", "monitoring.yaml", "payments.yaml", "shop.yaml"]
    for path in out.iterdir():
        assert {d["metadata"]["namespace"] for d in docs(path.read_text())} == {path.stem}


def test_json_output(tmp_path: Path) -> None:
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows_file(tmp_path), "-o", "json")
    data = json.loads(result.stdout)
    assert data["tally"] == {
        "flows": 8,
        "connections": 8,
        "allowed": 8,
        "exact": True,
        "missing": [],
        "held": [],
        "extra": [],
    }
    # A default deny per namespace; an ingress policy for api, db, gateway and kube-dns, an
    # egress one for frontend, api, gateway and prometheus (db opens nothing).
    assert data["policies"]["kind"] == "List" and len(data["policies"]["items"]) == 4 + 4 + 4


def test_aggregate_cidr_widens_outside_addresses(tmp_path: Path) -> None:
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows_file(tmp_path), "--aggregate-cidr", "24")
    blocks = [
        peer["ipBlock"]["cidr"]
        for d in docs(result.stdout)
        for rule in d["spec"].get("egress", [])
        for peer in rule["to"]
        if "ipBlock" in peer
    ]
    assert blocks == ["203.0.113.0/24"]
    assert result.exit_code == 0, result.output  # the /24 holds no pod: still exactly the flows


def test_keep_existing_adds_only_what_the_policies_lack(tmp_path: Path) -> None:
    flows = "src,dst,port,protocol\nshop/frontend,shop/api,8080,TCP\nshop/frontend,shop/db,5432,TCP\n"
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows_file(tmp_path, flows), "--keep-existing")
    assert result.exit_code == 0, result.output
    suggested = docs(result.stdout)
    # frontend -> api is allowed already; frontend -> db is denied on both sides.
    assert sorted(d["metadata"]["name"] for d in suggested) == ["netpol-egress-frontend", "netpol-ingress-db"]
    before = {(c.src, c.dst, str(c.ports)) for c in netpol.analyze([str(WEBSHOP)]).connections()}
    after_objects = [d for p in sorted(WEBSHOP.glob("*.yaml")) for d in docs(p.read_text())] + suggested
    after = {
        (c.src, c.dst, str(c.ports)) for c in netpol.analyze_text(yaml.dump_all(after_objects)).connections()
    }
    assert after - before == {("shop/frontend[Deployment]", "shop/db[StatefulSet]", "TCP 5432")}
    assert before <= after


def test_unplaced_and_malformed_flows_are_errors_and_the_rest_is_suggested(tmp_path: Path) -> None:
    flows = FLOWS + "shop/ghost,shop/api,8080,TCP\nshop/frontend,shop/api,99999,TCP\n"
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows_file(tmp_path, flows))
    assert result.exit_code == ExitCode.INPUT_ERROR
    assert "flows.csv:10" in result.stderr and "shop/ghost" in result.stderr
    assert "flows.csv:11" in result.stderr
    assert "could not be placed" in result.stderr
    assert listed(without_policies(WEBSHOP) + docs(result.stdout)) == OBSERVED


def test_the_self_check_fails_when_the_policies_are_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sabotage: every peer selected by no label at all, i.e. every pod of its namespace.
    monkeypatch.setattr(synth, "select", lambda endpoint, others: Selection({}, ()))
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows_file(tmp_path))
    assert result.exit_code == ExitCode.INTERNAL_ERROR, result.output
    assert "this is a bug in netpol" in result.stderr
    assert "0 other connection(s)" not in result.stderr


CROWD = """
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Namespace
metadata: {name: c}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: b, labels: {app: db}}
spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: c, labels: {app: web}}
spec: {containers: [{name: c}]}
status: {podIP: 10.0.0.3}
"""


def test_a_peer_of_another_namespace_is_pinned_to_it(tmp_path: Path) -> None:
    # c/web carries a/web's labels and has no policy: only the namespace selector keeps it out.
    cluster = tmp_path / "crowd.yaml"
    cluster.write_text(CROWD)
    flows = flows_file(tmp_path, "src,dst,port\na/web,b/db,5432\n")
    result = netpol_cli("suggest", cluster, "--flows", flows, "-n", "b")
    assert result.exit_code == 0, result.output
    assert "kubernetes.io/metadata.name: a" in result.stdout
    allowed = listed(docs(CROWD) + docs(result.stdout))
    assert ("a/web[Pod]", "b/db[Pod]", "TCP 5432") in allowed
    assert not any(dst == "b/db[Pod]" and src != "a/web[Pod]" for src, dst, _ in allowed)


def test_workloads_no_selector_tells_apart_are_named(tmp_path: Path) -> None:
    twins = CROWD.replace("metadata: {name: web, namespace: c", "metadata: {name: web2, namespace: a")
    cluster = tmp_path / "twins.yaml"
    cluster.write_text(twins)
    result = netpol_cli(
        "suggest", cluster, "--flows", flows_file(tmp_path, "src,dst,port\na/web,b/db,5432\n")
    )
    assert "cannot tell them apart" in result.stderr and "a/web2[Pod]" in result.stderr
    assert result.exit_code == ExitCode.FINDINGS  # it allows more, and says why


def test_a_flow_an_admin_deny_drops_stays_dropped_and_the_tiers_are_named(tmp_path: Path) -> None:
    flows = flows_file(
        tmp_path, "src,dst,port\ntenant-a/frontend,tenant-b/web,80\ntenant-a/frontend,tenant-a/api,8080\n"
    )
    result = netpol_cli("suggest", ROOT / "policies" / "tenants-anp", "--flows", flows)
    assert result.exit_code == ExitCode.FINDINGS, result.output
    assert "2 flow(s) (2 connection(s)) observed, 1 allowed" in result.stderr
    assert "cluster-wide tier policies" in result.stderr
    assert (
        "tenant-a/frontend[Deployment] -> tenant-b/web[Deployment]: allowed none, observed TCP 80"
        in result.stderr
    )


def test_the_tally_the_docs_show_is_what_the_bundled_example_gives() -> None:
    flows = ROOT / "policies" / "flows" / "webshop.hubble.jsonl"
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows)
    assert result.exit_code == 0, result.output
    tally = next(line for line in result.stderr.splitlines() if line.startswith("netpol suggest: "))
    assert tally.endswith("0 other connection(s) allowed")
    for doc in ("README.md", "docs/suggest.md"):
        assert tally in (ROOT / doc).read_text(encoding="utf-8"), doc


@pytest.mark.parametrize("example", ["webshop", "kubectl-dump", "overpermissive", "e2e-model"])
def test_an_allow_graph_becomes_plain_policies_that_allow_the_same(example: str, tmp_path: Path) -> None:
    """netpol's own JSON as flows (closed world: stand-ins are no endpoints to write policies
    for): the suggestion, read back, lists exactly what the example's policies allow."""
    folder = ROOT / "policies" / example
    listing = netpol_cli("list", folder, "--closed-world", "-o", "json")
    flows = tmp_path / "graph.json"
    flows.write_text(listing.stdout, encoding="utf-8")
    result = netpol_cli("suggest", folder, "--flows", flows)
    assert result.exit_code == 0, result.output
    objects = [d for p in sorted(folder.rglob("*.yaml")) for d in docs(p.read_text(encoding="utf-8"))]
    objects = [o for o in objects if o.get("kind") != "NetworkPolicy"]
    before = {
        (c.src, c.dst, str(c.ports))
        for c in netpol.analyze([str(folder)], netpol.Options(stand_ins=False)).connections()
    }
    assert listed(objects + docs(result.stdout)) == before


def test_out_never_overwrites_what_was_read(tmp_path: Path) -> None:
    folder = tmp_path / "k8s"
    folder.mkdir()
    (folder / "shop.yaml").write_text((WEBSHOP / "namespaces.yaml").read_text(encoding="utf-8"))
    for path in sorted(WEBSHOP.glob("*.yaml")):
        if path.name != "namespaces.yaml":
            (folder / path.name).write_text(path.read_text(encoding="utf-8"))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = netpol_cli("suggest", folder, "--flows", flows_file(tmp_path), "--out", folder)
    assert result.exit_code == ExitCode.INPUT_ERROR and "refusing to overwrite" in result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing written at all


def test_keep_existing_with_ranges_of_netpol_json(tmp_path: Path) -> None:
    """netpol's own JSON names external sides as first-last ranges: --keep-existing, which asks
    the current policies about them, reads them too (and adds nothing: they allow it all)."""
    folder = ROOT / "policies" / "kubectl-dump"
    listing = netpol_cli("list", folder, "--closed-world", "-o", "json")
    assert any("-" in c["dst"] and "[" not in c["dst"] for c in json.loads(listing.stdout)["connections"])
    flows = tmp_path / "graph.json"
    flows.write_text(listing.stdout, encoding="utf-8")
    result = netpol_cli("suggest", folder, "--flows", flows, "--keep-existing")
    assert result.exit_code == 0, result.output
    assert docs(result.stdout) == []


def test_a_flow_the_uncovered_side_denies_is_said_and_not_taken_for_a_bug(tmp_path: Path) -> None:
    # Only payments is covered; shop's own policies deny frontend's egress to the gateway.
    flows = flows_file(
        tmp_path, "src,dst,port\nshop/frontend,payments/gateway,8443\nshop/api,payments/gateway,8443\n"
    )
    result = netpol_cli("suggest", WEBSHOP, "--flows", flows, "-n", "payments")
    assert result.exit_code == ExitCode.FINDINGS, result.output
    assert "1 denied by the policies of namespaces not covered" in result.stderr
    assert (
        "shop/frontend[Deployment] -> payments/gateway[Deployment]: allowed none, observed TCP 8443"
        in result.stderr
    )
    assert "this is a bug" not in result.stderr
