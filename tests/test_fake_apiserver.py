"""The fake API server's self-tests, so it stays honest: the shapes it serves read with urllib and
ssl directly, and kubectl run against it (the reference client: if kubectl needs an endpoint the
fake lacks, the fake gains it)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from conftest import ROOT, SafeLoader, needs
from fake_apiserver import (
    LAST_APPLIED,
    ConnectProxy,
    FakeAPIServer,
    exec_plugin_runs,
    write_exec_plugin,
    write_kubeconfig,
)

TOKEN = "good-token"
HOST = "127.0.0.1"


def load(*paths: Path) -> list[dict[str, Any]]:
    return [o for p in paths for o in yaml.load_all(p.read_text(encoding="utf-8"), Loader=SafeLoader) if o]


WEBSHOP = load(*sorted((ROOT / "policies" / "webshop").glob("*.yaml")))


def pod(namespace: str, name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "main", "image": "registry.example.com/app:1"}]},
        "status": {"podIP": f"10.0.0.{len(name)}"},
    }


PODS = [
    pod("shop", "frontend-1", app="frontend"),
    pod("payments", "gateway-1", app="gateway"),
    pod("shop", "api-1", app="api"),
    pod("kube-system", "kube-dns-1", **{"k8s-app": "kube-dns"}),
    pod("shop", "frontend-2", app="frontend"),
]
"""Five pods (the web shop's manifests have none), given out of order."""

OBJECTS = [*WEBSHOP, *PODS]
POD_NAMES = sorted((p["metadata"]["namespace"], p["metadata"]["name"]) for p in PODS)
POLICY_NAMES = sorted(
    (o["metadata"]["namespace"], o["metadata"]["name"]) for o in WEBSHOP if o["kind"] == "NetworkPolicy"
)


def call(
    server: FakeAPIServer,
    path: str,
    *,
    token: str | None = TOKEN,
    cert: tuple[str, str] | None = None,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any, http.client.HTTPMessage]:
    """One request over a fresh TLS connection: (status, the JSON body, the headers)."""
    context = ssl.create_default_context(cafile=server.ca_file)
    if cert is not None:
        context.load_cert_chain(*cert)
    conn = http.client.HTTPSConnection(HOST, server.port, context=context, timeout=timeout)
    try:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        conn.request(method, path, headers=sent)
        response = conn.getresponse()
        body = response.read()
        return response.status, (json.loads(body) if body else None), response.headers
    finally:
        conn.close()


def ok(server: FakeAPIServer, path: str) -> Any:
    status, body, _ = call(server, path)
    assert status == 200, body
    return body


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(objects=OBJECTS) as s:
        yield s
        assert s.errors == []


# --- discovery ----------------------------------------------------------------------------------


def test_version(server: FakeAPIServer) -> None:
    body = ok(server, "/version")
    assert (body["major"], body["minor"], body["gitVersion"]) == ("1", "31", "v1.31.0")
    assert {"platform", "goVersion", "buildDate", "gitCommit"} <= body.keys()


def test_discovery_documents(server: FakeAPIServer) -> None:
    api = ok(server, "/api")
    assert api["kind"] == "APIVersions" and api["versions"] == ["v1"]
    assert api["serverAddressByClientCIDRs"][0]["serverAddress"] == f"{HOST}:{server.port}"

    groups = ok(server, "/apis")
    assert groups["kind"] == "APIGroupList"
    by_name = {g["name"]: g for g in groups["groups"]}
    assert list(by_name) == ["apps", "batch", "networking.k8s.io"]  # no CRDs: the objects use none
    assert by_name["apps"]["versions"] == [{"groupVersion": "apps/v1", "version": "v1"}]
    assert by_name["apps"]["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}

    core = ok(server, "/api/v1")
    assert core["kind"] == "APIResourceList" and core["groupVersion"] == "v1"
    resources = {r["name"]: r for r in core["resources"]}
    assert set(resources) == {"namespaces", "pods", "replicationcontrollers", "services", "nodes"}
    assert resources["pods"] == {
        "name": "pods",
        "singularName": "pod",
        "namespaced": True,
        "kind": "Pod",
        "verbs": ["get", "list", "watch"],
        "shortNames": ["po"],
    }
    assert resources["namespaces"]["namespaced"] is False and resources["namespaces"]["shortNames"] == ["ns"]

    networking = ok(server, "/apis/networking.k8s.io/v1")
    assert networking["groupVersion"] == "networking.k8s.io/v1"
    [netpol] = networking["resources"]
    assert (netpol["name"], netpol["kind"], netpol["shortNames"]) == (
        "networkpolicies",
        "NetworkPolicy",
        ["netpol"],
    )
    assert {r["name"] for r in ok(server, "/apis/apps/v1")["resources"]} == {
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
    }


def test_aggregated_discovery_is_answered_with_the_legacy_form(server: FakeAPIServer) -> None:
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    status, body, headers = call(server, "/apis", headers={"Accept": accept})
    assert status == 200 and body["kind"] == "APIGroupList"
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "path", ["/openapi/v2", "/openapi/v3", "/apis/nope.example.com/v1", "/api/v2", "/healthz"]
)
def test_unknown_paths_are_404(server: FakeAPIServer, path: str) -> None:
    status, body, _ = call(server, path)
    assert status == 404
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "NotFound", 404)


def test_missing_hides_a_resource_and_a_group_version() -> None:
    with FakeAPIServer(objects=OBJECTS, missing=["batch/v1/cronjobs", "v1/pods", "apps/v1/deployments"]) as s:
        assert {r["name"] for r in ok(s, "/apis/batch/v1")["resources"]} == {"jobs"}
        assert "pods" not in {r["name"] for r in ok(s, "/api/v1")["resources"]}
        for path in ("/apis/batch/v1/cronjobs", "/api/v1/pods", "/api/v1/namespaces/shop/pods"):
            assert call(s, path)[0] == 404, path
        assert call(s, "/apis/apps/v1/deployments")[0] == 404
        assert call(s, "/apis/apps/v1/replicasets")[0] == 200
    with FakeAPIServer(missing=["batch/v1/cronjobs", "batch/v1/jobs"]) as s:
        assert "batch" not in {g["name"] for g in ok(s, "/apis")["groups"]}
        assert call(s, "/apis/batch/v1")[0] == 404


ANP = load(ROOT / "policies" / "tenants-anp" / "admin.yaml")


def test_crds_are_served_as_the_objects_use_them() -> None:
    assert {o["apiVersion"] for o in ANP} >= {"policy.networking.k8s.io/v1alpha1"}
    with FakeAPIServer(objects=ANP) as s:
        groups = {g["name"]: g for g in ok(s, "/apis")["groups"]}
        assert [v["version"] for v in groups["policy.networking.k8s.io"]["versions"]] == ["v1alpha1"]
        anps = ok(s, "/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies")["items"]
        assert [a["metadata"]["name"] for a in anps] == sorted(
            o["metadata"]["name"] for o in ANP if o["kind"] == "AdminNetworkPolicy"
        )
        assert all("namespace" not in a["metadata"] for a in anps)  # cluster-scoped
        assert call(s, "/apis/cilium.io/v2")[0] == 404
    with FakeAPIServer(objects=ANP, crds=()) as s:
        assert "policy.networking.k8s.io" not in {g["name"] for g in ok(s, "/apis")["groups"]}
    crds = ["policy.networking.k8s.io/v1alpha2", "policy.networking.k8s.io/v1beta1", "cilium.io/v2"]
    with FakeAPIServer(crds=crds) as s:
        groups = {g["name"]: g for g in ok(s, "/apis")["groups"]}
        policy = groups["policy.networking.k8s.io"]
        assert [v["version"] for v in policy["versions"]] == ["v1beta1", "v1alpha2"]
        assert policy["preferredVersion"]["version"] == "v1beta1"
        assert list(groups)[:3] == [
            "apps",
            "batch",
            "networking.k8s.io",
        ]  # built-ins first, as kubectl's priority
        cilium = {r["name"]: r["namespaced"] for r in ok(s, "/apis/cilium.io/v2")["resources"]}
        assert cilium == {"ciliumnetworkpolicies": True, "ciliumclusterwidenetworkpolicies": False}


def test_a_crd_kind_that_shares_a_built_in_name_maps_by_api_version() -> None:
    calico = {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "calico-deny", "namespace": "shop"},
        "spec": {"selector": "all()"},
    }
    with FakeAPIServer(objects=[*WEBSHOP, calico]) as s:
        [item] = ok(s, "/apis/crd.projectcalico.org/v1/networkpolicies")["items"]
        assert item["spec"] == {"selector": "all()"}
        names = [i["metadata"]["name"] for i in ok(s, "/apis/networking.k8s.io/v1/networkpolicies")["items"]]
        assert "calico-deny" not in names and len(names) == len(POLICY_NAMES)


# --- objects --------------------------------------------------------------------------------------


def test_a_list_is_expanded_and_a_namespace_defaulted() -> None:
    [dump] = load(ROOT / "policies" / "kubectl-dump" / "cluster.yaml")
    assert dump["kind"] == "List"
    typed = {"apiVersion": "v1", "kind": "ServiceList", "items": [{"metadata": {"name": "web"}}]}
    with FakeAPIServer(objects=[dump, typed]) as s:
        pods = ok(s, "/api/v1/pods")["items"]
        assert len(pods) == sum(1 for i in dump["items"] if i["kind"] == "Pod") > 2
        [service] = ok(s, "/api/v1/services")["items"]
        assert service["metadata"]["namespace"] == "default"
        assert ok(s, "/api/v1/namespaces/default/services/web")["kind"] == "Service"


def test_yaml_timestamps_are_served_as_strings() -> None:
    text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: old, creationTimestamp: 2024-09-04T12:11:31Z}\n"
    obj = yaml.load(text, Loader=SafeLoader)
    assert not isinstance(obj["metadata"]["creationTimestamp"], str)
    with FakeAPIServer(objects=[obj]) as s:
        served = ok(s, "/api/v1/namespaces/old")
        assert served["metadata"]["creationTimestamp"] == "2024-09-04T12:11:31Z"


@pytest.mark.parametrize(
    "obj",
    [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
        {"apiVersion": "extensions/v1beta1", "kind": "NetworkPolicy", "metadata": {"name": "x"}},
        {"apiVersion": "apps/v1", "kind": "Pod", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {}},
    ],
)
def test_objects_the_fake_cannot_serve_are_refused(obj: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        FakeAPIServer(objects=[obj])


def test_arguments_naming_nothing_are_refused() -> None:
    with pytest.raises(ValueError, match="missing"):
        FakeAPIServer(missing=["cronjobs"])  # not group/version/plural
    with pytest.raises(ValueError, match="forbidden"):
        FakeAPIServer(forbidden=["pod"])
    with pytest.raises(ValueError, match="crds"):
        FakeAPIServer(crds=["policy.networking.k8s.io/v1"])
    with pytest.raises(ValueError, match="two objects"):
        FakeAPIServer(objects=[PODS[0], PODS[0]])


def test_single_objects(server: FakeAPIServer) -> None:
    shop = ok(server, "/api/v1/namespaces/shop")
    assert (shop["apiVersion"], shop["kind"], shop["metadata"]["name"]) == ("v1", "Namespace", "shop")
    policy = ok(server, "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/default-deny")
    assert (policy["apiVersion"], policy["kind"]) == ("networking.k8s.io/v1", "NetworkPolicy")
    assert policy["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert ok(server, "/api/v1/namespaces/shop/pods/api-1")["metadata"]["labels"] == {"app": "api"}

    status, body, _ = call(server, "/api/v1/namespaces/shop/pods/nope")
    assert status == 404
    assert (body["reason"], body["message"]) == ("NotFound", 'pods "nope" not found')
    assert body["details"] == {"name": "nope", "group": "", "kind": "pods"}
    for path in (
        "/api/v1/pods/api-1",  # a namespaced resource by name needs its namespace
        "/api/v1/namespaces/payments/pods/api-1",
        "/api/v1/namespaces/shop/nodes",  # cluster-scoped
        "/api/v1/namespaces/shop/pods/api-1/log",  # no subresources
    ):
        assert call(server, path)[0] == 404, path


def test_the_real_servers_bulk_is_added_and_nothing_that_matters_changes(server: FakeAPIServer) -> None:
    items = {
        i["metadata"]["name"]: i for i in ok(server, "/apis/apps/v1/namespaces/shop/deployments")["items"]
    }
    [given] = [o for o in WEBSHOP if o["kind"] == "Deployment" and o["metadata"]["name"] == "frontend"]
    served = items["frontend"]
    meta = served["metadata"]
    assert {"uid", "resourceVersion", "creationTimestamp", "managedFields"} <= meta.keys()
    assert meta["managedFields"][0]["fieldsV1"]["f:spec"]["f:replicas"] == {}
    applied = json.loads(meta["annotations"][LAST_APPLIED])
    assert applied["spec"] == given["spec"] and applied["kind"] == "Deployment"
    assert meta["labels"] == given["metadata"]["labels"]
    assert served["spec"] == given["spec"]
    [pod_served] = [p for p in ok(server, "/api/v1/pods")["items"] if p["metadata"]["name"] == "api-1"]
    assert pod_served["status"] == PODS[2]["status"] and pod_served["spec"] == PODS[2]["spec"]
    assert "managedFields" not in PODS[2]["metadata"]  # the given objects are left alone

    with FakeAPIServer(objects=OBJECTS, managed_fields=False) as s:
        served = ok(s, "/apis/apps/v1/namespaces/shop/deployments/frontend")
        assert served == given


# --- lists and pages --------------------------------------------------------------------------------


def names(items: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    return [(i["metadata"].get("namespace", ""), i["metadata"]["name"]) for i in items]


def test_a_list_without_limit_is_one_response(server: FakeAPIServer) -> None:
    body = ok(server, "/api/v1/pods")
    assert (body["kind"], body["apiVersion"]) == ("PodList", "v1")
    assert names(body["items"]) == POD_NAMES
    assert body["metadata"].keys() == {"resourceVersion"}
    assert all("kind" not in i and "apiVersion" not in i for i in body["items"])


def test_pages_are_shorter_than_asked_and_continue_round_trips(server: FakeAPIServer) -> None:
    first = ok(server, "/api/v1/pods?limit=1")
    assert len(first["items"]) == 1 and first["metadata"]["remainingItemCount"] == 4

    seen: list[tuple[str, str]] = []
    remaining: list[int] = []
    path = "/api/v1/pods?limit=100"
    while True:
        body = ok(server, path)
        assert len(body["items"]) <= 2  # page_size: at most 2, though 100 were asked for
        assert all("kind" not in i for i in body["items"])
        seen += names(body["items"])
        token = body["metadata"].get("continue")
        if token is None:
            assert "remainingItemCount" not in body["metadata"]
            break
        remaining.append(body["metadata"]["remainingItemCount"])
        path = f"/api/v1/pods?limit=100&continue={token}"
    assert seen == POD_NAMES
    assert remaining == [3, 1]
    continued = [r for r in server.requests if "continue" in r.query]
    assert len(continued) == 2 and all(r.query["limit"] == "100" for r in continued)


def test_a_namespaced_list(server: FakeAPIServer) -> None:
    body = ok(server, "/api/v1/namespaces/shop/pods?limit=5")
    assert names(body["items"]) == [("shop", "api-1"), ("shop", "frontend-1")]
    rest = ok(server, f"/api/v1/namespaces/shop/pods?limit=5&continue={body['metadata']['continue']}")
    assert names(rest["items"]) == [("shop", "frontend-2")]
    assert ok(server, "/api/v1/namespaces/nowhere/pods")["items"] == []
    [namespace] = [n for n in ok(server, "/api/v1/namespaces")["items"] if n["metadata"]["name"] == "shop"]
    assert "namespace" not in namespace["metadata"]


def test_selectors_are_recorded_not_applied(server: FakeAPIServer) -> None:
    body = ok(server, "/api/v1/pods?labelSelector=app%3Dapi&fieldSelector=status.phase%3DRunning")
    assert len(body["items"]) == len(PODS)
    assert server.requests[-1].query == {"labelSelector": "app=api", "fieldSelector": "status.phase=Running"}


@pytest.mark.parametrize("token", ["garbage!", base64.urlsafe_b64encode(b'{"offset": 1}').decode()])
def test_a_bad_continue_token_is_400(server: FakeAPIServer, token: str) -> None:
    status, body, _ = call(server, f"/api/v1/pods?limit=2&continue={token}")
    assert status == 400 and body["reason"] == "BadRequest" and body["code"] == 400


def test_a_continue_token_of_another_list_is_400(server: FakeAPIServer) -> None:
    token = ok(server, "/api/v1/pods?limit=1")["metadata"]["continue"]
    assert call(server, f"/api/v1/namespaces/shop/pods?limit=1&continue={token}")[0] == 400
    assert call(server, f"/apis/apps/v1/deployments?limit=1&continue={token}")[0] == 400


def test_an_expired_continue_token_is_410_once() -> None:
    with FakeAPIServer(objects=OBJECTS, expire_continue=True) as s:
        token = ok(s, "/api/v1/pods?limit=2")["metadata"]["continue"]
        status, body, _ = call(s, f"/api/v1/pods?limit=2&continue={token}")
        assert status == 410
        assert (body["reason"], body["code"]) == ("Expired", 410)
        assert body["message"].startswith("The provided continue parameter is too old")
        assert names(ok(s, f"/api/v1/pods?limit=2&continue={token}")["items"]) == POD_NAMES[2:4]


# --- authentication, authorization, methods --------------------------------------------------------


UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


@pytest.mark.parametrize("path", ["/version", "/api", "/api/v1/pods", "/nowhere"])
@pytest.mark.parametrize("token", [None, "bad-token"])
def test_401_without_credentials(server: FakeAPIServer, path: str, token: str | None) -> None:
    status, body, _ = call(server, path, token=token)
    assert (status, body) == (401, UNAUTHORIZED)
    assert (server.requests[-1].user, server.requests[-1].auth) == (None, "none")


def test_tokens_name_users() -> None:
    with FakeAPIServer(tokens={"t1": "one", "t2": "two"}) as s:
        assert call(s, "/version", token="t2")[0] == 200
        assert call(s, "/version", token=TOKEN)[0] == 401
        assert [(r.user, r.auth) for r in s.requests] == [("two", "token"), (None, "none")]


def test_client_certificate_auth(server: FakeAPIServer) -> None:
    cert = server.issued_files("system:admin")
    assert all(Path(f).parent == Path(server.ca_file).parent for f in cert)
    status, body, _ = call(server, "/api/v1/pods", token=None, cert=cert)
    assert status == 200 and len(body["items"]) == len(PODS)
    assert (server.requests[-1].user, server.requests[-1].auth) == ("system:admin", "cert")
    cert_pem, key_pem = server.client_cert("bob")
    assert cert_pem.startswith(b"-----BEGIN CERTIFICATE-----") and b"PRIVATE KEY" in key_pem


def test_a_client_certificate_from_another_ca_is_refused(server: FakeAPIServer, tmp_path: Path) -> None:
    leaf = trustme.CA().issue_cert(common_name="mallory")
    cert, key = tmp_path / "m.crt", tmp_path / "m.key"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    with pytest.raises((ssl.SSLError, ConnectionError)):
        call(server, "/version", token=None, cert=(str(cert), str(key)))
    assert all(r.user != "mallory" for r in server.requests)


def test_403_for_forbidden_resources() -> None:
    with FakeAPIServer(objects=OBJECTS, forbidden=["pods", "networkpolicies"]) as s:
        status, body, _ = call(s, "/api/v1/pods?limit=500")
        assert status == 403
        assert body == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": (
                'pods is forbidden: User "alice" cannot list resource "pods" '
                'in API group "" at the cluster scope'
            ),
            "reason": "Forbidden",
            "details": {"kind": "pods", "group": ""},
            "code": 403,
        }
        status, body, _ = call(s, "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies")
        assert status == 403
        assert body["message"] == (
            'networkpolicies is forbidden: User "alice" cannot list resource "networkpolicies" '
            'in API group "networking.k8s.io" in the namespace "shop"'
        )
        status, body, _ = call(s, "/api/v1/namespaces/shop/pods/api-1")
        assert status == 403 and body["message"].startswith(
            'pods "api-1" is forbidden: User "alice" cannot get'
        )
        assert call(s, "/api/v1/namespaces")[0] == 200
        assert "pods" in {r["name"] for r in ok(s, "/api/v1")["resources"]}  # discovery still shows it


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_only_get_is_allowed(server: FakeAPIServer, method: str) -> None:
    status, body, _ = call(server, "/api/v1/namespaces/shop/pods", method=method)
    assert status == 405
    assert (body["kind"], body["reason"], body["code"]) == ("Status", "MethodNotAllowed", 405)
    assert (server.requests[-1].method, server.requests[-1].path) == (method, "/api/v1/namespaces/shop/pods")
    assert ok(server, "/api/v1/namespaces/shop/pods/api-1")["metadata"]["name"] == "api-1"


def test_a_request_with_a_body_keeps_the_connection_usable(server: FakeAPIServer) -> None:
    context = ssl.create_default_context(cafile=server.ca_file)
    conn = http.client.HTTPSConnection(HOST, server.port, context=context, timeout=10)
    try:
        auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        conn.request("POST", "/api/v1/namespaces/shop/pods", body=json.dumps(PODS[0]), headers=auth)
        first = conn.getresponse()
        assert first.status == 405
        first.read()
        conn.request("GET", "/version", headers=auth)  # the same connection: the body was read
        second = conn.getresponse()
        assert second.status == 200 and json.loads(second.read())["major"] == "1"
    finally:
        conn.close()


# --- TLS, the network, the lifetime ----------------------------------------------------------------


def test_the_server_listens_on_127_0_0_1_only(server: FakeAPIServer) -> None:
    assert server.url == f"https://127.0.0.1:{server.port}"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", server.port), timeout=5).close()
    assert Path(server.ca_file).read_bytes() == server.ca_pem


def test_the_certificate_names_are_server_names() -> None:
    with FakeAPIServer(server_names=("fake-apiserver.test",)) as s:
        context = ssl.create_default_context(cafile=s.ca_file)
        with (
            socket.create_connection((HOST, s.port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname="fake-apiserver.test") as tls,
        ):
            assert tls.version() is not None
        with pytest.raises(ssl.SSLCertVerificationError):
            call(s, "/version")  # as 127.0.0.1, which the certificate does not name


def wait_stopped(server: FakeAPIServer | ConnectProxy) -> None:
    deadline = time.monotonic() + 10
    while not server.stopped and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.stopped
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((HOST, server.port), timeout=5).close()


def test_the_watchdog_stops_the_server() -> None:
    with FakeAPIServer(lifetime=0.3) as s, ConnectProxy(lifetime=0.3) as proxy:
        assert call(s, "/version")[0] == 200
        assert not s.stopped and not proxy.stopped
        wait_stopped(s)
        assert not Path(s.ca_file).exists()  # its temporary directory went with it
        wait_stopped(proxy)


def test_stop_is_idempotent_and_removes_the_temporary_directory() -> None:
    s = FakeAPIServer().start()
    directory = Path(s.ca_file).parent
    assert directory.is_dir()
    s.stop()
    s.stop()
    assert not directory.exists()
    with pytest.raises(RuntimeError):
        s.start()


def test_delay_lets_a_client_time_out() -> None:
    with FakeAPIServer(delay=5.0) as s:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            call(s, "/version", timeout=1.0)  # room for the TLS handshake on a busy machine
        assert [r.path for r in s.requests] == ["/version"]
    assert time.monotonic() - started < 3  # stop() does not wait the delay out


def test_connect_proxy_tunnels(server: FakeAPIServer) -> None:
    with ConnectProxy() as proxy:
        assert proxy.url == f"http://127.0.0.1:{proxy.port}"
        context = ssl.create_default_context(cafile=server.ca_file)
        conn = http.client.HTTPSConnection(HOST, proxy.port, context=context, timeout=10)
        try:
            conn.set_tunnel(HOST, server.port)
            conn.request(
                "GET", "/api/v1/namespaces/shop/pods/api-1", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read())["kind"] == "Pod"
        finally:
            conn.close()
        assert proxy.targets == [f"{HOST}:{server.port}"]

        plain = http.client.HTTPConnection(HOST, proxy.port, timeout=10)
        try:
            plain.request("GET", f"http://{HOST}:{server.port}/version")
            assert plain.getresponse().status == 405
        finally:
            plain.close()


# --- the kubeconfig and the exec plugin -----------------------------------------------------------------


def test_write_kubeconfig(tmp_path: Path) -> None:
    path = write_kubeconfig(
        tmp_path / "config",
        "https://127.0.0.1:1",
        ca_data=b"CA",
        client_cert_data=b"CERT",
        client_key_data=b"KEY",
        token_file=tmp_path / "token",
        tls_server_name="fake-apiserver.test",
        proxy_url="http://127.0.0.1:2",
        namespace="shop",
        extra_contexts={"other": "payments", "plain": ""},
    )
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert (config["apiVersion"], config["kind"], config["current-context"]) == ("v1", "Config", "fake")
    [cluster] = config["clusters"]
    assert cluster == {
        "name": "fake-cluster",
        "cluster": {
            "server": "https://127.0.0.1:1",
            "certificate-authority-data": base64.b64encode(b"CA").decode(),
            "tls-server-name": "fake-apiserver.test",
            "proxy-url": "http://127.0.0.1:2",
        },
    }
    [user] = config["users"]
    assert user["name"] == "fake-user"
    assert base64.b64decode(user["user"]["client-certificate-data"]) == b"CERT"
    assert base64.b64decode(user["user"]["client-key-data"]) == b"KEY"
    assert user["user"]["tokenFile"] == str(tmp_path / "token")
    contexts = {c["name"]: c["context"] for c in config["contexts"]}
    assert contexts == {
        "fake": {"cluster": "fake-cluster", "user": "fake-user", "namespace": "shop"},
        "other": {"cluster": "fake-cluster", "user": "fake-user", "namespace": "payments"},
        "plain": {"cluster": "fake-cluster", "user": "fake-user"},
    }
    bare = write_kubeconfig(tmp_path / "bare", "https://x", token="t", insecure=True, current_context=None)
    config = yaml.safe_load(bare.read_text(encoding="utf-8"))
    assert "current-context" not in config
    assert config["clusters"][0]["cluster"]["insecure-skip-tls-verify"] is True
    assert config["users"][0]["user"] == {"token": "t"}


def test_write_exec_plugin(tmp_path: Path) -> None:
    plugin = write_exec_plugin(tmp_path, token="t0k3n")
    assert os.access(plugin, os.X_OK) and exec_plugin_runs(plugin) == 0
    out = subprocess.run([plugin], capture_output=True, text=True, check=True, timeout=30).stdout
    assert json.loads(out) == {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {"token": "t0k3n"},
    }
    assert exec_plugin_runs(plugin) == 1

    certs = write_exec_plugin(tmp_path, client_cert_pem=b"CERT\n", client_key_pem=b"KEY\n", name="certs")
    status = json.loads(subprocess.run([certs], capture_output=True, check=True, timeout=30).stdout)["status"]
    assert status == {"clientCertificateData": "CERT\n", "clientKeyData": "KEY\n"}

    failing = write_exec_plugin(tmp_path, fail_with="no credentials today", name="failing")
    done = subprocess.run([failing], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "no credentials today")
    assert exec_plugin_runs(failing) == 1 and exec_plugin_runs(plugin) == 1


# --- kubectl against it -------------------------------------------------------------------------------

kubectl = needs("kubectl", "apt-get install kubernetes-client")


def run_kubectl(config: Path, *args: str, home: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG" and not k.lower().endswith("_proxy")}
    env["HOME"] = str(home)
    done = subprocess.run(
        ["kubectl", "--kubeconfig", str(config), "--request-timeout", "20s", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def only_gets(server: FakeAPIServer) -> None:
    assert server.requests
    assert {r.method for r in server.requests} == {"GET"}
    assert server.errors == []


@kubectl
def test_kubectl_with_a_token(server: FakeAPIServer, tmp_path: Path) -> None:
    config = write_kubeconfig(tmp_path / "config", server.url, ca_file=server.ca_file, token=TOKEN)
    home = tmp_path / "home"

    listed = run_kubectl(config, "get", "pods", "-A", "-o", "name", home=home).stdout.split()
    assert listed == [f"pod/{name}" for _, name in POD_NAMES]

    policies = json.loads(run_kubectl(config, "get", "networkpolicies", "-A", "-o", "json", home=home).stdout)
    assert names(policies["items"]) == POLICY_NAMES
    assert {i["kind"] for i in policies["items"]} == {"NetworkPolicy"}  # kubectl fills it in

    table = run_kubectl(config, "get", "pods", "-A", home=home).stdout.splitlines()
    assert table[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert [tuple(line.split()[:2]) for line in table[1:]] == POD_NAMES

    raw = json.loads(run_kubectl(config, "get", "--raw", "/api/v1/pods?limit=1", home=home).stdout)
    assert len(raw["items"]) == 1 and raw["metadata"]["remainingItemCount"] == len(PODS) - 1

    only_gets(server)
    assert {(r.user, r.auth) for r in server.requests} == {("alice", "token")}
    assert any("continue" in r.query for r in server.requests if r.path == "/api/v1/pods")  # kubectl paged


@kubectl
def test_kubectl_with_a_client_certificate_and_tls_server_name(tmp_path: Path) -> None:
    with FakeAPIServer(objects=OBJECTS, server_names=("fake-apiserver.test",)) as s:
        cert, key = s.issued_files("kubectl-user")
        config = write_kubeconfig(
            tmp_path / "config",
            s.url,
            ca_data=s.ca_pem,
            client_cert_file=cert,
            client_key_file=key,
            tls_server_name="fake-apiserver.test",
        )
        listed = run_kubectl(config, "get", "pods", "-A", "-o", "name", home=tmp_path / "home").stdout.split()
        assert listed == [f"pod/{name}" for _, name in POD_NAMES]
        only_gets(s)
        assert {(r.user, r.auth) for r in s.requests} == {("kubectl-user", "cert")}


@kubectl
def test_kubectl_through_a_proxy_with_an_exec_plugin(server: FakeAPIServer, tmp_path: Path) -> None:
    cert, key = server.client_cert("plugged-in")
    plugin = write_exec_plugin(tmp_path, client_cert_pem=cert, client_key_pem=key)
    exec_config = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": str(plugin),
        "interactiveMode": "Never",
    }
    with ConnectProxy() as proxy:
        config = write_kubeconfig(
            tmp_path / "config",
            server.url,
            ca_file=server.ca_file,
            exec_config=exec_config,
            proxy_url=proxy.url,
        )
        out = run_kubectl(
            config, "get", "netpol", "-n", "payments", "-o", "name", home=tmp_path / "home"
        ).stdout
        assert out.split() == [
            f"networkpolicy.networking.k8s.io/{n}" for ns, n in POLICY_NAMES if ns == "payments"
        ]
        assert set(proxy.targets) == {f"{HOST}:{server.port}"}
    assert exec_plugin_runs(plugin) >= 1
    only_gets(server)
    assert {(r.user, r.auth) for r in server.requests} == {("plugged-in", "cert")}


@kubectl
def test_kubectl_reports_403_and_missing_kinds(tmp_path: Path) -> None:
    with FakeAPIServer(objects=OBJECTS, forbidden=["pods"], missing=["batch/v1/cronjobs"]) as s:
        config = write_kubeconfig(tmp_path / "config", s.url, ca_file=s.ca_file, token=TOKEN)
        denied = run_kubectl(config, "get", "pods", "-A", home=tmp_path / "home", check=False)
        assert denied.returncode != 0
        assert (
            'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" '
            'in API group "" at the cluster scope'
        ) in denied.stderr
        absent = run_kubectl(config, "get", "cronjobs", "-A", home=tmp_path / "home", check=False)
        assert (
            absent.returncode != 0 and 'the server doesn\'t have a resource type "cronjobs"' in absent.stderr
        )
        assert run_kubectl(config, "get", "jobs", "-A", "-o", "name", home=tmp_path / "home").stdout == ""
        only_gets(s)


@kubectl
@pytest.mark.parametrize("version", ["v1.27.3", "v1.33.1"])
def test_kubectl_reads_servers_of_other_versions(tmp_path: Path, version: str) -> None:
    # gcloud's kubectl is a dispatcher: it reads /version and runs the kubectl of that minor
    # release when it has one, so these run other clients (other discovery) too.
    with FakeAPIServer(objects=PODS, version=version) as s:
        config = write_kubeconfig(tmp_path / "config", s.url, ca_file=s.ca_file, token=TOKEN)
        listed = run_kubectl(config, "get", "pods", "-A", "-o", "name", home=tmp_path / "home").stdout.split()
        assert listed == [f"pod/{name}" for _, name in POD_NAMES]
        only_gets(s)
