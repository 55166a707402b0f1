"""The parts of a live read that need no server: what is kept of each object, the snapshot's
YAML, the kubectl-style durations, the overlay of files on a cluster, and docs/rbac.yaml.

The fake API server's tests (test_live.py) drive the whole read; here each piece is held to the
file mode it must equal.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
from collections.abc import Iterator
from types import MappingProxyType, SimpleNamespace
from typing import Any

import click
import pytest
import yaml
from conftest import ROOT, SafeLoader
from hypothesis import given
from hypothesis import strategies as st

import netpol
from netpol.cli.listing import run_list
from netpol.cli.options import Duration
from netpol.errors import ClusterError
from netpol.live import RBAC_RULES, write_snapshot
from netpol.live.kubeconfig import Connection
from netpol.live.overlay import apply_files
from netpol.live.read import LiveRead
from netpol.live.reader import Reader
from netpol.live.resources import MODELLED, NODES, TEMPLATE_PATHS, TIERS, Resource, trim
from netpol.load.files import LoadResult, RawObject, load_paths, load_text
from netpol.load.locate import Locator
from netpol.model.resources import WORKLOAD_KINDS
from netpol.render.registry import ListFormat

if str(ROOT) not in sys.path:  # bench/ is not part of the installed package
    sys.path.insert(0, str(ROOT))
gen = importlib.import_module("bench.generate")

_BY_KIND = {(r.api_version, r.kind): r for r in (*MODELLED, *TIERS, NODES)}
EXAMPLES = sorted(p.name for p in (ROOT / "policies").iterdir() if p.is_dir() and p.name != "flows")
"""The bundled examples; policies/flows/ holds flow files of them, not manifests."""


def _as_listed(loaded: LoadResult) -> Iterator[tuple[Resource | None, dict[str, Any]]]:
    """Each object as a list response holds it: without kind and apiVersion, with the noise a
    server adds (managedFields, a uid, the last-applied annotation, container details)."""
    for obj in loaded.objects:
        item = dict(obj.data)
        resource = _BY_KIND.get((str(item.pop("apiVersion", "")), str(item.pop("kind", ""))))
        meta = dict(item.get("metadata") or {})
        meta["uid"] = "0f1e2d3c"
        meta["managedFields"] = [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]
        meta["annotations"] = {
            **(meta.get("annotations") or {}),
            "kubectl.kubernetes.io/last-applied-configuration": "{...}",
        }
        item["metadata"] = meta
        yield resource, item


def _trimmed(loaded: LoadResult) -> LoadResult:
    objects = []
    for i, (resource, item) in enumerate(_as_listed(loaded)):
        assert resource is not None, item
        objects.append(RawObject(trim(resource, item), resource.kind, "live", 1, ("items", i)))
    return LoadResult(tuple(objects), (), MappingProxyType({}), Locator())


def _listing(loaded: LoadResult) -> str:
    graph = netpol.analyze_loaded(loaded)
    out = run_list(graph, ListFormat.JSON).output
    assert not isinstance(out, bytes)
    return out if isinstance(out, str) else "".join(out)


@pytest.mark.parametrize("example", EXAMPLES)
def test_trimmed_objects_give_the_analysis_of_the_whole_objects(example: str) -> None:
    loaded = load_paths([str(ROOT / "policies" / example)])
    assert loaded.objects
    whole, trimmed = netpol.analyze_loaded(loaded), netpol.analyze_loaded(_trimmed(loaded))
    assert _listing(_trimmed(loaded)) == _listing(loaded)
    assert [(d.severity, d.code) for d in trimmed.diagnostics] == [
        (d.severity, d.code) for d in whole.diagnostics
    ]
    assert trimmed.cluster.unmodelled == whole.cluster.unmodelled


def test_trimming_a_generated_dump_keeps_its_analysis() -> None:
    cluster = gen.generate_cluster(seed=11, pods=120, workloads=20, policies=40, namespaces=5)
    loaded = load_text(gen.to_yaml(cluster, fmt="dump"), "dump.yaml")
    assert any(o.kind == "Pod" for o in loaded.objects)
    assert _listing(_trimmed(loaded)) == _listing(loaded)


def test_trim_drops_what_the_analysis_never_reads() -> None:
    pod = {
        "metadata": {
            "name": "a",
            "namespace": "x",
            "labels": {"app": "a"},
            "managedFields": [{}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "me"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "a-1", "controller": True, "uid": "u"}],
        },
        "spec": {
            "nodeName": "n1",
            "volumes": [{"name": "v"}],
            "containers": [
                {"name": "c", "image": "i", "env": [{"name": "SECRET"}], "ports": [{"containerPort": 80}]}
            ],
        },
        "status": {"phase": "Running", "podIP": "10.0.0.1", "conditions": [{}], "containerStatuses": [{}]},
    }
    out = trim(_BY_KIND[("v1", "Pod")], pod)
    assert out == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "a",
            "namespace": "x",
            "labels": {"app": "a"},
            "annotations": {"keep": "me"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "a-1", "controller": True}],
        },
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
        "status": {"phase": "Running", "podIP": "10.0.0.1"},
    }
    cron = {
        "metadata": {"name": "c", "namespace": "x"},
        "spec": {
            "schedule": "* * * * *",
            "jobTemplate": {
                "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}}}
            },
        },
    }
    assert trim(_BY_KIND[("batch/v1", "CronJob")], cron)["spec"] == {
        "jobTemplate": {
            "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}}}
        }
    }


def test_trim_keeps_malformed_values_for_the_model_to_report() -> None:
    bad = {"metadata": {"name": "a", "namespace": "x", "labels": "nope"}, "spec": {"containers": "nope"}}
    out = trim(_BY_KIND[("apps/v1", "Deployment")], {**bad, "spec": {"template": "nope"}})
    assert out["spec"] == {"template": "nope"}
    assert trim(_BY_KIND[("v1", "Pod")], bad)["spec"] == {"containers": "nope"}
    graph = netpol.analyze_loaded(
        LoadResult((RawObject(trim(_BY_KIND[("v1", "Pod")], bad), "Pod", "live", 1),), (), {}, Locator())
    )
    assert any(d.code for d in graph.diagnostics if d.severity is netpol.Severity.ERROR)


def test_template_paths_are_the_models() -> None:
    assert dict(TEMPLATE_PATHS) == dict(WORKLOAD_KINDS)
    assert {r.kind for r in MODELLED} == {*WORKLOAD_KINDS, "Pod", "Namespace", "NetworkPolicy"}


def test_docs_rbac_yaml_grants_exactly_what_netpol_lists() -> None:
    role = yaml.load((ROOT / "docs" / "rbac.yaml").read_text(), Loader=SafeLoader)
    assert role["kind"] == "ClusterRole"
    rules = [r for r in role["rules"] if "apiGroups" in r]
    assert all(r["verbs"] == ["list"] for r in rules)
    assert [(g, tuple(r["resources"])) for r in rules for g in r["apiGroups"]] == list(RBAC_RULES)
    other = [r for r in role["rules"] if "apiGroups" not in r]
    assert other == [
        {"nonResourceURLs": ["/version", "/api", "/api/*", "/apis", "/apis/*"], "verbs": ["get"]}
    ]


# --------------------------------------------------------------------------- the snapshot's YAML

_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_WORDS = st.sampled_from(
    ["on", "Off", "YES", "n", "~", "null", "0o17", "0x1F", "1e3", "_8080", "1_000", ".inf"]
)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | _TEXT | _WORDS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT | _WORDS, inner, max_size=3),
    max_leaves=10,
)


@given(value=_VALUES, label=_TEXT | _WORDS)
def test_the_snapshot_reads_back_to_the_same_values(value: Any, label: str) -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "labels": {"k": label}},
        "data": value,
    }
    out = io.StringIO()
    assert write_snapshot(out, [obj, obj], ["a header\nwith a newline"]) == 2
    text = out.getvalue()
    assert text.splitlines()[0].startswith("# a header")  # the newline is escaped, not a new line
    loaded = load_text(text, "snapshot.yaml")
    assert not loaded.diagnostics, [d.format() for d in loaded.diagnostics]
    assert [dict(o.data) for o in loaded.objects] == [obj, obj]


def test_an_empty_snapshot_is_an_empty_list() -> None:
    out = io.StringIO()
    assert write_snapshot(out, [], []) == 0
    assert yaml.load(out.getvalue(), Loader=SafeLoader) == {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {},
        "items": [],
    }


# --------------------------------------------------------------------------- --request-timeout


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("1m", 60.0),
        ("2m30s", 150.0),
        ("500ms", 0.5),
        ("1h", 3600.0),
        ("45", 45.0),
        ("0", None),
        ("0s", None),
    ],
)
def test_durations_read_as_kubectl_reads_them(text: str, seconds: float | None) -> None:
    assert Duration().convert(text, None, None) == seconds


@pytest.mark.parametrize("text", ["", "s", "30x", "-1s", "1.5.2s", "thirty"])
def test_a_bad_duration_is_a_usage_error(text: str) -> None:
    with pytest.raises(click.BadParameter, match="not a duration"):
        Duration().convert(text, None, None)


# --------------------------------------------------------------------------- diff's overlay


def _live(text: str) -> LiveRead:
    loaded = load_text(text, "live")
    scopes = MappingProxyType({("", "Namespace"): False, ("networking.k8s.io", "NetworkPolicy"): True})
    return LiveRead(loaded, "prod", "https://127.0.0.1", "v1.31.0", {}, 0, scopes)


_CLUSTER = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: keep, namespace: shop}
spec: {podSelector: {}}
"""


def test_files_replace_the_cluster_objects_of_the_same_name_and_add_the_others() -> None:
    files = load_text(
        """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {matchLabels: {app: x}}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: a}}
---
apiVersion: crd.projectcalico.org/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {}
""",
        "pr.yaml",
    )
    applied = apply_files(_live(_CLUSTER), files, "shop")
    names = [(o.kind, o.data["apiVersion"], o.data["metadata"]["name"], o.source) for o in applied.objects]
    assert names == [
        ("NetworkPolicy", "networking.k8s.io/v1", "keep", "live"),
        ("NetworkPolicy", "networking.k8s.io/v1", "deny", "pr.yaml"),
        ("Namespace", "v1", "shop", "pr.yaml"),
        ("NetworkPolicy", "crd.projectcalico.org/v1", "deny", "pr.yaml"),
    ]
    # Another namespace is another object: nothing is replaced.
    unnamed = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {}\n"
    elsewhere = apply_files(_live(_CLUSTER), load_text(unnamed, "f.yaml"), "other")
    assert len(elsewhere.objects) == 4
    assert applied.locator is files.locator


# --------------------------------------------------------------------------- the reader, on canned answers


class _Answer:
    def __init__(self, status: int, body: bytes) -> None:
        self.status, self._body = status, body

    def read(self) -> bytes:
        return self._body

    def release_conn(self) -> None:
        pass


class _Pool:
    """A urllib3 pool stand-in that answers from a list and records the URLs asked for."""

    def __init__(self, answers: list[tuple[int, Any]]) -> None:
        self.answers = answers
        self.urls: list[str] = []

    def request(self, method: str, url: str, **kwargs: Any) -> _Answer:
        assert method == "GET"
        self.urls.append(url)
        status, body = self.answers.pop(0)
        return _Answer(status, body if isinstance(body, bytes) else json.dumps(body).encode())


def _reader(answers: list[tuple[int, Any]]) -> tuple[Reader, _Pool]:
    pool = _Pool(answers)
    conf = SimpleNamespace(
        get_api_key_with_prefix=lambda _key: "Bearer t",
        verify_ssl=True,
        ssl_ca_cert=None,
        tls_server_name=None,
    )
    conn = Connection("ctx", "https://k.example", "the bearer token of user 'u'", pool, conf, 5.0, None)  # type: ignore[arg-type]
    return Reader(conn, page_size=2), pool


def test_a_list_that_repeats_its_continue_token_is_an_error_not_a_loop() -> None:
    page = {"items": [{}], "metadata": {"continue": "same"}}
    reader, _ = _reader([(200, page), (200, page)])
    with pytest.raises(ClusterError, match="would never end"):
        list(reader.pages("/api/v1/pods", "pods", ""))


def test_an_expired_token_restarts_the_list_once_then_fails() -> None:
    first = {"items": [{"a": 1}], "metadata": {"continue": "t1"}}
    gone = {"kind": "Status", "code": 410, "message": "too old"}
    reader, pool = _reader([(200, first), (410, gone), (200, first), (410, gone)])
    with pytest.raises(ClusterError, match="HTTP 410: too old"):
        list(reader.pages("/api/v1/pods", "pods", ""))
    assert [u.split("?")[1] for u in pool.urls] == [
        "limit=2",
        "limit=2&continue=t1",
        "limit=2",
        "limit=2&continue=t1",
    ]


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (200, b"<html>login</html>", "is https://k.example a Kubernetes API server?"),
        (200, {"items": "nope"}, "did not answer a list"),
        (500, b"oops", "HTTP 500: oops"),
        (
            401,
            {"message": "Unauthorized"},
            "refused the bearer token of user 'u' (401 Unauthorized: Unauthorized)",
        ),
    ],
)
def test_what_a_server_answers_wrong_is_told(status: int, body: Any, words: str) -> None:
    reader, _ = _reader([(status, body)])
    with pytest.raises(ClusterError) as caught:
        list(reader.pages("/api/v1/pods", "pods", ""))
    assert words in str(caught.value)
    assert str(caught.value).startswith("context 'ctx' (https://k.example): ")
