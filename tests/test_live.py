"""Live clusters, end to end: netpol driven through kubeconfigs that point at the fake API server
(tests/fake_apiserver.py, HTTPS on 127.0.0.1 with a throwaway CA, short pages, every request
recorded).

What a live read gives must equal file mode on the same objects, for every command; a snapshot
reads back to the same analysis; every way a kubeconfig authenticates works; every failure is exit
code 2 with the context and server named and no traceback; only GET requests are ever sent.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from click.testing import CliRunner, Result
from conftest import ROOT, SafeLoader
from fake_apiserver import (
    BUILTIN_RESOURCES,
    ConnectProxy,
    FakeAPIServer,
    exec_plugin_runs,
    write_exec_plugin,
    write_kubeconfig,
)

from netpol.cli import main
from netpol.errors import ExitCode

TOKEN = "good-token"
SERVED_KINDS = {r.kind for r in BUILTIN_RESOURCES if r.kind != "Service"} | {
    "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy",
    "ClusterNetworkPolicy",
}
"""The kinds of the examples the fake serves and netpol reads."""


def load(folder: Path) -> list[dict[str, Any]]:
    """The objects of an example folder the fake serves (its other kinds left out)."""
    out = []
    for path in sorted(folder.rglob("*.yaml")):
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=SafeLoader):
            if not isinstance(doc, dict):
                continue
            items = doc["items"] if doc.get("kind") == "List" else [doc]
            out += [o for o in items if isinstance(o, dict) and o.get("kind") in SERVED_KINDS]
    return out


def dump(objects: Sequence[dict[str, Any]], path: Path) -> Path:
    """The objects as a JSON List in ``path`` (JSON: PyYAML would leave ``y`` unquoted, which
    Kubernetes, and netpol, read as true)."""
    path = path.with_suffix(".json")
    path.write_text(
        json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}), encoding="utf-8"
    )
    return path


def netpol(*args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


@pytest.fixture(autouse=True)
def no_user_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing of the machine's own kubeconfig or proxies leaks into a test."""
    monkeypatch.delenv("KUBECONFIG", raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def kubeconfig(server: FakeAPIServer, tmp_path: Path, **kwargs: Any) -> Path:
    kwargs.setdefault("ca_file", server.ca_file)
    if not {"token", "token_file", "exec_config", "client_cert_data", "client_cert_file"} & kwargs.keys():
        kwargs["token"] = TOKEN
    return write_kubeconfig(tmp_path / "kubeconfig", server.url, **kwargs)


_WHERE = re.compile(r"(?:\S+\.(?:json|yaml):\d+(?::\d+)?|fake:/[^\s,|)`]*)(?:, document \d+)?")


def same_analysis(a: str, b: str) -> tuple[Any, Any]:
    """Two outputs with the places objects sit (file:line, a live object's API path) and the
    order findings take from those places left out: what must be equal between files and a
    cluster holding the same objects."""

    def normal(text: str) -> Any:
        try:
            data = json.loads(text)
        except ValueError:
            lines = [_WHERE.sub("<where>", line) for line in text.splitlines()]
            return sorted(line for line in lines if "input: " not in line)
        return _without_locations(data)

    return normal(a), normal(b)


def _without_locations(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_locations(v) for k, v in value.items() if k not in ("location", "file")}
    if isinstance(value, list):
        return sorted((_without_locations(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def only_gets(server: FakeAPIServer) -> None:
    assert server.requests
    assert {r.method for r in server.requests} == {"GET"}
    assert server.errors == []


def lists(server: FakeAPIServer, plural: str) -> list[dict[str, str]]:
    return [r.query for r in server.requests if r.path.endswith(f"/{plural}")]


EXAMPLES = ["webshop", "tenants-anp", "tenants-cnp", "kubectl-dump", "overpermissive", "e2e-model"]


@pytest.fixture(scope="module")
def tiers_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("files")


# --------------------------------------------------------------------------- live == files


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_live_list_equals_the_list_of_the_same_objects_in_a_file(example: str, tmp_path: Path) -> None:
    objects = load(ROOT / "policies" / example)
    assert objects
    files = netpol("list", dump(objects, tmp_path / "objects.yaml"), "-o", "json")
    with FakeAPIServer(objects=objects, page_size=3) as server:
        live = netpol("list", "--kubeconfig", kubeconfig(server, tmp_path), "-o", "json")
        only_gets(server)
    assert live.exit_code == files.exit_code, live.output
    assert live.stdout == files.stdout
    assert json.loads(live.stdout)["connections"] or example == "e2e-model"


COMMANDS = [
    ["query", "--from", "shop/frontend", "--to", "shop/api", "--port", "8080", "-o", "json"],
    ["lint", "-o", "json"],
    ["graph", "--level", "namespace", "-o", "dot"],
    ["graph", "-o", "mermaid"],
    ["report", "-o", "md"],
    ["list", "-n", "shop", "-o", "csv"],
    ["suggest", "--flows", str(ROOT / "policies" / "flows" / "webshop.csv")],
    ["check", "--flows", str(ROOT / "policies" / "flows" / "webshop-broken.hubble.jsonl"), "-o", "json"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:3]))
def test_every_command_reads_a_cluster_as_it_reads_files(command: list[str], tmp_path: Path) -> None:
    objects = load(ROOT / "policies" / "webshop")
    files = netpol(command[0], dump(objects, tmp_path / "objects.yaml"), *command[1:])
    with FakeAPIServer(objects=objects) as server:
        live = netpol(command[0], "--kubeconfig", kubeconfig(server, tmp_path), *command[1:])
        only_gets(server)
        # -n filters the view; the read is cluster-wide, never one namespace's.
        assert not any("/namespaces/" in r.path for r in server.requests)
    assert live.exit_code == files.exit_code, live.output
    if command[0] in ("lint", "report", "check"):  # they say where each object is
        assert live.stdout != files.stdout
        live_out, files_out = same_analysis(live.stdout, files.stdout)
        assert live_out == files_out
    else:
        assert live.stdout == files.stdout


def test_check_against_a_cluster(tmp_path: Path) -> None:
    intent = ROOT / "tests" / "fixtures" / "check" / "intent.yaml"
    objects = load(ROOT / "policies" / "overpermissive")
    files = netpol("check", dump(objects, tmp_path / "o.yaml"), "--expect", intent, "-o", "json")
    with FakeAPIServer(objects=objects) as server:
        live = netpol("check", "--kubeconfig", kubeconfig(server, tmp_path), "--expect", intent, "-o", "json")
    assert live.exit_code == files.exit_code == ExitCode.FINDINGS
    live_out, files_out = same_analysis(live.stdout, files.stdout)
    assert live_out == files_out
    assert "fake:/apis/networking.k8s.io/v1/namespaces/" in live.stdout  # a live object's place


def test_tier_policies_and_nodes_are_read_where_served(tmp_path: Path) -> None:
    objects = load(ROOT / "policies" / "tenants-anp")
    assert {"AdminNetworkPolicy", "BaselineAdminNetworkPolicy"} <= {o["kind"] for o in objects}
    node_peer = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "nodes-in"},
        "spec": {
            "priority": 3,
            "subject": {"namespaces": {}},
            "egress": [{"name": "to-nodes", "action": "Deny", "to": [{"nodes": {"matchLabels": {}}}]}],
        },
    }
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1", "labels": {"zone": "a"}},
        "status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.10"}]},
    }
    with FakeAPIServer(objects=objects) as server:
        netpol("list", "--kubeconfig", kubeconfig(server, tmp_path))
        assert lists(server, "adminnetworkpolicies") and lists(server, "baselineadminnetworkpolicies")
        assert not lists(server, "nodes")  # no policy names nodes: none are read
    with FakeAPIServer(objects=[*objects, node_peer, node]) as server:
        live = netpol(
            "query",
            "--kubeconfig",
            kubeconfig(server, tmp_path),
            "--from",
            "tenant-a/frontend",
            "--to",
            "192.0.2.10",
        )
        assert lists(server, "nodes")
    files = netpol(
        "query",
        dump([*objects, node_peer, node], tmp_path / "o.yaml"),
        "--from",
        "tenant-a/frontend",
        "--to",
        "192.0.2.10",
    )
    assert (live.exit_code, live.stdout) == (files.exit_code, files.stdout)
    assert "anp/nodes-in" in live.stdout


def test_a_server_that_withholds_discovery_is_read_by_trying_the_lists(tmp_path: Path) -> None:
    objects = load(ROOT / "policies" / "tenants-anp")
    files = netpol("list", dump(objects, tmp_path / "o.yaml"), "-o", "json")
    with FakeAPIServer(objects=objects, discovery=False) as server:
        live = netpol("list", "--kubeconfig", kubeconfig(server, tmp_path), "-o", "json", "-v")
        assert lists(server, "clusternetworkpolicies")  # tried; a 404 says it is not served
    assert live.exit_code == 0, live.output
    assert live.stdout == files.stdout
    assert "Kubernetes unknown" in live.stderr  # -v says what was read


# --------------------------------------------------------------------------- pagination


def _generated(pods: int) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from bench import generate

    cluster = generate.generate_cluster(seed=3, pods=pods, workloads=12, policies=30, namespaces=4)
    docs = yaml.load(generate.to_yaml(cluster, fmt="dump"), Loader=SafeLoader)
    return [o for o in docs["items"] if o.get("kind") in SERVED_KINDS]


def test_short_pages_are_followed_to_the_end(tmp_path: Path) -> None:
    objects = _generated(90)
    pods = sum(o["kind"] == "Pod" for o in objects)
    files = netpol("list", dump(objects, tmp_path / "o.yaml"), "-o", "json")
    with FakeAPIServer(objects=objects, page_size=7) as server:
        live = netpol("list", "--kubeconfig", kubeconfig(server, tmp_path), "-o", "json")
        pages = lists(server, "pods")
        only_gets(server)
    assert live.stdout == files.stdout
    assert len(pages) == math.ceil(pods / 7) > 5
    assert all(q["limit"] == "500" for q in pages)  # asked for 500, given 7
    assert "continue" not in pages[0] and all("continue" in q for q in pages[1:])


def test_an_expired_continue_token_starts_the_list_again(tmp_path: Path) -> None:
    objects = load(ROOT / "policies" / "kubectl-dump")
    files = netpol("list", dump(objects, tmp_path / "o.yaml"), "-o", "json")
    with FakeAPIServer(objects=objects, page_size=2, expire_continue=True) as server:
        live = netpol("list", "--kubeconfig", kubeconfig(server, tmp_path), "-o", "json")
    assert live.exit_code == 0, live.output
    assert live.stdout == files.stdout


# --------------------------------------------------------------------------- snapshot


def test_a_snapshot_reads_back_to_the_same_analysis(tmp_path: Path) -> None:
    tiers = [o for o in load(ROOT / "policies" / "tenants-anp") if "AdminNetworkPolicy" in o["kind"]]
    objects = [*tiers, *_generated(40)]
    snapshot = tmp_path / "snap.yaml"
    with FakeAPIServer(objects=objects, page_size=5) as server:
        config = kubeconfig(server, tmp_path)
        made = netpol("snapshot", "--kubeconfig", config, "--out", snapshot)
        assert made.exit_code == 0, made.output
        assert f"wrote {len(objects)} objects to {snapshot}" in made.stderr
        for command in (["list", "-o", "json"], ["lint", "-o", "json"], ["report", "-o", "md"]):
            live = netpol(command[0], "--kubeconfig", config, *command[1:])
            back = netpol(command[0], snapshot, *command[1:])
            assert back.exit_code == live.exit_code, command
            assert same_analysis(back.stdout, live.stdout)[0] == same_analysis(back.stdout, live.stdout)[1]
        only_gets(server)
    text = snapshot.read_text(encoding="utf-8")
    assert text.startswith("# netpol ") and "context 'fake'" in text.splitlines()[0]
    listed = yaml.load(text, Loader=SafeLoader)
    assert listed["kind"] == "List" and len(listed["items"]) == len(objects)
    assert "managedFields" not in text and "last-applied-configuration" not in text


def test_a_snapshot_to_stdout_and_its_errors(tmp_path: Path) -> None:
    with FakeAPIServer(objects=load(ROOT / "policies" / "webshop")) as server:
        config = kubeconfig(server, tmp_path)
        out = netpol("snapshot", "--kubeconfig", config, "--out", "-")
        assert out.exit_code == 0 and yaml.load(out.stdout, Loader=SafeLoader)["kind"] == "List"
        bad = netpol("snapshot", "--kubeconfig", config, "--out", tmp_path / "no" / "such" / "dir.yaml")
        assert bad.exit_code == ExitCode.INPUT_ERROR and "cannot write" in bad.stderr
        assert not (tmp_path / "no").exists()
    assert netpol("snapshot", "--kubeconfig", config).exit_code == ExitCode.INPUT_ERROR  # --out is required
    before = config.read_bytes()
    clobber = netpol("snapshot", "--kubeconfig", config, "--out", config)
    assert clobber.exit_code == ExitCode.INPUT_ERROR and "is the kubeconfig" in clobber.stderr
    assert config.read_bytes() == before


# --------------------------------------------------------------------------- authentication and transport


@pytest.fixture(scope="module")
def shared() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(objects=load(ROOT / "policies" / "webshop")) as server:
        yield server


def _lists_cleanly(config: Path) -> Result:
    result = netpol("list", "--kubeconfig", config, "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["connections"]
    return result


def test_a_token_file(shared: FakeAPIServer, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    _lists_cleanly(kubeconfig(shared, tmp_path, token_file=str(token)))


def test_client_certificate_data_and_files(shared: FakeAPIServer, tmp_path: Path) -> None:
    cert, key = shared.client_cert("carol")
    _lists_cleanly(kubeconfig(shared, tmp_path, client_cert_data=cert, client_key_data=key))
    assert shared.requests[-1].auth == "cert" and shared.requests[-1].user == "carol"
    cert_file, key_file = shared.issued_files("dave")
    _lists_cleanly(kubeconfig(shared, tmp_path, client_cert_file=cert_file, client_key_file=key_file))
    assert shared.requests[-1].user == "dave"


def test_ca_data_instead_of_a_file(shared: FakeAPIServer, tmp_path: Path) -> None:
    _lists_cleanly(kubeconfig(shared, tmp_path, ca_file=None, ca_data=shared.ca_pem))


def test_an_exec_plugin_gives_a_token(shared: FakeAPIServer, tmp_path: Path) -> None:
    plugin = write_exec_plugin(tmp_path, token=TOKEN)
    exec_config = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": str(plugin),
        "interactiveMode": "Never",
    }
    _lists_cleanly(kubeconfig(shared, tmp_path, exec_config=exec_config))
    assert exec_plugin_runs(plugin) == 1
    assert shared.requests[-1].auth == "token"


def test_an_exec_plugin_gives_a_client_certificate(shared: FakeAPIServer, tmp_path: Path) -> None:
    cert, key = shared.client_cert("erin")
    plugin = write_exec_plugin(tmp_path, client_cert_pem=cert, client_key_pem=key)
    exec_config = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": str(plugin),
        "interactiveMode": "Never",
    }
    _lists_cleanly(kubeconfig(shared, tmp_path, exec_config=exec_config))
    assert shared.requests[-1].user == "erin"


def test_insecure_skip_tls_verify(shared: FakeAPIServer, tmp_path: Path) -> None:
    _lists_cleanly(kubeconfig(shared, tmp_path, ca_file=None, insecure=True))


def test_tls_server_name(tmp_path: Path) -> None:
    objects = load(ROOT / "policies" / "webshop")
    with FakeAPIServer(objects=objects, server_names=("fake-apiserver.test",)) as server:
        _lists_cleanly(kubeconfig(server, tmp_path, tls_server_name="fake-apiserver.test"))
        refused = netpol("list", "--kubeconfig", kubeconfig(server, tmp_path))
    assert refused.exit_code == ExitCode.INPUT_ERROR
    assert "TLS failed" in refused.stderr and "fake-apiserver.test" not in refused.stderr


def test_proxy_url(shared: FakeAPIServer, tmp_path: Path) -> None:
    with ConnectProxy() as proxy:
        _lists_cleanly(kubeconfig(shared, tmp_path, proxy_url=proxy.url))
        assert proxy.targets and set(proxy.targets) == {f"127.0.0.1:{shared.port}"}


def test_kubeconfig_files_merge_as_kubectl_merges_them(
    shared: FakeAPIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_kubeconfig(tmp_path / "a", "https://127.0.0.1:1", context="broken", token="x")
    second = write_kubeconfig(
        tmp_path / "b",
        shared.url,
        context="good",
        cluster="c2",
        user="u2",
        ca_file=shared.ca_file,
        token=TOKEN,
    )
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(tmp_path / "missing"), str(first), str(second)]))
    # The first file to set current-context wins: 'broken', which cannot be reached.
    broken = netpol("list", "--live")
    assert broken.exit_code == ExitCode.INPUT_ERROR and "context 'broken'" in broken.stderr
    good = netpol("list", "--context", "good", "-o", "json")
    assert good.exit_code == 0, good.output
    monkeypatch.setenv("KUBECONFIG", str(second))
    assert netpol("list", "--live", "-o", "json").stdout == good.stdout


def test_the_default_kubeconfig_is_home_kube_config(shared: FakeAPIServer, tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    (home / ".kube").mkdir(parents=True)
    write_kubeconfig(home / ".kube" / "config", shared.url, ca_file=shared.ca_file, token=TOKEN)
    assert netpol("list", "--live").exit_code == 0


# --------------------------------------------------------------------------- failures


def _fails(result: Result, *words: str) -> str:
    assert result.exit_code == ExitCode.INPUT_ERROR, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    message = result.stderr
    for word in words:
        assert word in message, message
    return message


def test_an_unknown_context(shared: FakeAPIServer, tmp_path: Path) -> None:
    config = kubeconfig(shared, tmp_path, extra_contexts={"staging": ""})
    _fails(
        netpol("list", "--kubeconfig", config, "--context", "prod"),
        "context 'prod' is not in",
        "fake, staging",
    )


def test_no_kubeconfig_at_all() -> None:
    _fails(netpol("list", "--live"), "no kubeconfig", "--kubeconfig")
    _fails(netpol("list", "--kubeconfig", "/nonexistent/config"), "no such file")


def test_a_kubeconfig_that_is_no_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "config"
    bad.write_text("{ this is: [not yaml\n")
    _fails(netpol("list", "--kubeconfig", bad), "cannot read the kubeconfig")
    bad.write_text("apiVersion: v1\nkind: Config\n")
    _fails(netpol("list", "--kubeconfig", bad), "no current-context")


def test_an_unreachable_server(tmp_path: Path) -> None:
    server = FakeAPIServer().start()
    url, ca = server.url, server.ca_file
    config = write_kubeconfig(tmp_path / "k", url, insecure=True, token=TOKEN)
    server.stop()
    _fails(
        netpol("list", "--kubeconfig", config), "context 'fake'", url, "cannot reach the server", "refused"
    )
    assert ca


def test_a_server_that_does_not_answer_in_time(tmp_path: Path) -> None:
    with FakeAPIServer(delay=5.0) as server:
        config = kubeconfig(server, tmp_path)
        start = time.monotonic()
        message = _fails(
            netpol("list", "--kubeconfig", config, "--request-timeout", "1s"), "did not answer within 1 s"
        )
        assert time.monotonic() - start < 4.0
    assert server.url in message


def test_a_tls_failure(shared: FakeAPIServer, tmp_path: Path) -> None:
    other = trustme.CA()
    other_ca = tmp_path / "other-ca.pem"
    other.cert_pem.write_to_path(str(other_ca))
    _fails(
        netpol("list", "--kubeconfig", kubeconfig(shared, tmp_path, ca_file=str(other_ca))),
        shared.url,
        "TLS failed",
        "certificate verify failed",
        "certificate-authority",
    )


def test_401_names_the_credential(shared: FakeAPIServer, tmp_path: Path) -> None:
    message = _fails(
        netpol("list", "--kubeconfig", kubeconfig(shared, tmp_path, token="stale", user="ops")),
        "401 Unauthorized",
        "the bearer token of user 'ops'",
    )
    assert "stale" not in message  # the secret itself is never printed


def test_403_names_the_rule_to_grant(tmp_path: Path) -> None:
    with FakeAPIServer(objects=load(ROOT / "policies" / "webshop"), forbidden=["replicasets"]) as server:
        message = _fails(
            netpol("list", "--kubeconfig", kubeconfig(server, tmp_path)),
            "list replicasets cluster-wide is forbidden",
            'apiGroups: ["apps"]',
            'resources: ["replicasets"]',
            'verbs: ["list"]',
            "docs/rbac.yaml",
        )
        assert 'User "alice"' in message
        only_gets(server)


def test_a_server_too_old_for_a_kind(tmp_path: Path) -> None:
    with FakeAPIServer(missing=["batch/v1/cronjobs"], version="v1.20.15") as server:
        _fails(
            netpol("list", "--kubeconfig", kubeconfig(server, tmp_path)),
            "Kubernetes v1.20.15",
            "CronJob at batch/v1",
            "1.21 and later",
        )


def test_a_failing_exec_plugin_shows_its_stderr(shared: FakeAPIServer, tmp_path: Path) -> None:
    plugin = write_exec_plugin(tmp_path, fail_with="error: SSO session expired; run: aws sso login")
    exec_config = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": str(plugin),
        "interactiveMode": "Never",
    }
    _fails(
        netpol("list", "--kubeconfig", kubeconfig(shared, tmp_path, exec_config=exec_config)),
        f"exec credential plugin '{plugin.name}'",
        "SSO session expired",
    )


def test_without_the_client_library_the_message_says_what_to_install(
    shared: FakeAPIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "kubernetes" or m.startswith("kubernetes.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "kubernetes", None)
    _fails(
        netpol("list", "--kubeconfig", kubeconfig(shared, tmp_path)), "pip install 'netpol-reach[cluster]'"
    )


def test_files_and_a_cluster_at_once_is_a_usage_error(shared: FakeAPIServer, tmp_path: Path) -> None:
    _fails(
        netpol("list", ROOT / "policies" / "webshop", "--kubeconfig", kubeconfig(shared, tmp_path)),
        "not both",
    )


def test_policies_netpol_does_not_model_are_counted_and_one_it_cannot_read_is_a_warning(
    tmp_path: Path,
) -> None:
    calico = {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "deny-all"},
        "spec": {"selector": "all()"},
    }
    cilium = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "l7", "namespace": "shop"},
        "spec": {},
    }
    objects = [*load(ROOT / "policies" / "webshop"), calico, cilium]
    with FakeAPIServer(objects=objects, forbidden=["ciliumnetworkpolicies"]) as server:
        result = netpol("list", "--kubeconfig", kubeconfig(server, tmp_path))
    assert result.exit_code == 0, result.output
    assert "policy-not-modelled" in result.stderr and "GlobalNetworkPolicy" in result.stderr
    assert "policy-not-read" in result.stderr and "CiliumNetworkPolicy" in result.stderr


# --------------------------------------------------------------------------- diff


def test_diff_a_cluster_with_files_applied_to_it(tmp_path: Path) -> None:
    objects = load(ROOT / "policies" / "webshop")
    opened = next(
        o
        for o in objects
        if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "api-allow-from-frontend"
    )
    change = json.loads(json.dumps(opened))
    change["spec"]["ingress"][0]["from"] = [{"namespaceSelector": {}}]  # any pod in any namespace
    pr = dump([change], tmp_path / "pr.yaml")
    files = netpol(
        "diff",
        dump(objects, tmp_path / "old.yaml"),
        dump([o for o in objects if o is not opened] + [change], tmp_path / "new.yaml"),
        "-o",
        "json",
    )
    with FakeAPIServer(objects=objects) as server:
        config = kubeconfig(server, tmp_path)
        live = netpol("diff", "--kubeconfig", config, pr, "-o", "json")
        same = netpol(
            "diff", "--kubeconfig", config, dump([opened], tmp_path / "same.yaml"), "--fail-on", "any"
        )
        lonely = netpol("diff", "--kubeconfig", config)
        only_gets(server)
    assert live.exit_code == 0, live.output
    assert json.loads(live.stdout)["summary"]["added"] > 0
    assert json.loads(live.stdout) == json.loads(files.stdout)
    assert same.exit_code == 0  # applying what is there already changes nothing
    _fails(lonely, "needs the manifests to apply")


def test_diff_a_cluster_with_a_git_revision(tmp_path: Path) -> None:
    objects = load(ROOT / "policies" / "webshop")
    repo = tmp_path / "repo"
    repo.mkdir()
    policy = next(o for o in objects if o["kind"] == "NetworkPolicy")
    (repo / "p.yaml").write_text(json.dumps(policy))
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "p.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    (repo / "p.yaml").write_text("")  # the working tree differs; the revision is what is applied
    with FakeAPIServer(objects=objects) as server:
        config = kubeconfig(server, tmp_path)
        cwd = os.getcwd()
        os.chdir(repo)
        try:
            result = netpol(
                "diff", "--kubeconfig", config, "--git", "HEAD", "--fail-on", "any", "--", "p.yaml"
            )
        finally:
            os.chdir(cwd)
    assert result.exit_code == 0, result.output  # the revision holds what the cluster holds
    assert "new, context fake with p.yaml at HEAD applied" in result.stderr or result.stderr == ""


def test_sarif_of_a_cluster_is_valid_and_names_objects_not_files(tmp_path: Path) -> None:
    import jsonschema

    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    with FakeAPIServer(objects=load(ROOT / "policies" / "overpermissive")) as server:
        result = netpol("lint", "--kubeconfig", kubeconfig(server, tmp_path), "-o", "sarif")
    assert result.exit_code == ExitCode.FINDINGS, result.output
    sarif = json.loads(result.stdout)
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    assert results
    for r in results:
        (location,) = r["locations"]
        assert "physicalLocation" not in location  # a live object is no file in the repository
        assert location["logicalLocations"][0]["fullyQualifiedName"]


def test_calicos_api_server_and_its_crds_are_not_counted_twice(tmp_path: Path) -> None:
    same = {"metadata": {"name": "deny-all"}, "spec": {"selector": "all()"}}
    objects = [
        *load(ROOT / "policies" / "webshop"),
        {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", **same},
        {"apiVersion": "crd.projectcalico.org/v1", "kind": "GlobalNetworkPolicy", **same},
    ]
    with FakeAPIServer(objects=objects) as server:
        result = netpol("list", "--kubeconfig", kubeconfig(server, tmp_path), "-v")
        assert lists(server, "globalnetworkpolicies")
        assert not any(r.path.startswith("/apis/crd.projectcalico.org/") and r.query for r in server.requests)
    assert result.exit_code == 0, result.output
    assert "1 GlobalNetworkPolicy (projectcalico.org)" in result.stderr
