"""Names, label keys and values, annotation keys: what the API server accepts, and nothing else.

The good/bad value tables of the unit tests are those of k8s.io/apimachinery's own tests
(pkg/util/validation/validation_test.go), plus the boundaries and the examples of issue 9.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import netpol
from netpol.cli import main
from netpol.errors import Severity, format_path
from netpol.model.names import (
    CRONJOB_NAME_MAX_LENGTH,
    NAME_RULES,
    TOTAL_ANNOTATION_SIZE_LIMIT,
    annotation_key_errors,
    annotations_size,
    annotations_size_errors,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_path_segment_name,
    is_qualified_name,
    is_valid_label_value,
    job_name_errors,
    name_rule,
    object_name_errors,
    validate_namespace_name,
)
from netpol.model.resources import WORKLOAD_KINDS

# ---------------------------------------------------------------- the validators, one by one

LABEL_GOOD = [
    "a",
    "ab",
    "abc",
    "a1",
    "a-1",
    "a--1--2--b",
    "0",
    "01",
    "012",
    "1a",
    "1-a",
    "1--a--b--2",
    "a" * 63,
]
LABEL_BAD = [
    "",
    "A",
    "ABC",
    "aBc",
    "A1",
    "A-1",
    "1-A",
    "-",
    "a-",
    "-a",
    "1-",
    "-1",
    "_",
    "a_",
    "_a",
    "a_b",
    "1_",
    "_1",
    "1_2",
    ".",
    "a.",
    ".a",
    "a.b",
    "1.",
    ".1",
    "1.2",
    " ",
    "a ",
    " a",
    "a b",
    "1 ",
    " 1",
    "1 2",
    "a" * 64,
    # not in the Go table: Python's `$` would match before the newline; Go's does not.
    "a\n",
    "\u212a",
]  # KELVIN SIGN, which case-insensitive matching folds to 'k'


@pytest.mark.parametrize("value", LABEL_GOOD)
def test_dns1123_label_accepts(value: str) -> None:
    assert is_dns1123_label(value) == []


@pytest.mark.parametrize("value", LABEL_BAD)
def test_dns1123_label_rejects(value: str) -> None:
    assert is_dns1123_label(value) != []


def test_dns1123_label_messages() -> None:
    assert is_dns1123_label("a" * 64) == ["must be no more than 63 characters"]
    assert is_dns1123_label("a.b") == ["must not contain dots"]
    assert is_dns1123_label("A B") == [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    ]
    # Go's len() counts bytes: 32 two-byte letters are 64 bytes.
    assert is_dns1123_label("é" * 32)[0] == "must be no more than 63 characters"
    assert is_dns1123_label("é" * 31)[0] != "must be no more than 63 characters"


SUBDOMAIN_GOOD = [
    *LABEL_GOOD,
    "a.a",
    "ab.a",
    "abc.a",
    "a1.a",
    "a-1.a",
    "a--1--2--b.a",
    "a.1",
    "a-1.1",
    "0.a",
    "1-a.a",
    "0.1",
    "1--a--b--2.1",
    "a.b.c.d.e",
    "aa.bb.cc.dd.ee",
    "1.2.3.4.5",
    "11.22.33.44.55",
    "a" * 253,
    "example.com",
]
SUBDOMAIN_BAD = [
    "",
    "A",
    "ABC",
    "aBc",
    "-",
    "a-",
    "-a",
    "_",
    "a_b",
    ".",
    "a.",
    ".a",
    "a..b",
    "1..2",
    " ",
    "a b",
    "A.a",
    "aB.a",
    "ab.A",
    "0.A",
    "A.B.C.D.E",
    "a.B.c.d.e",
    "a@b",
    "a,b",
    "a;b",
    "a:b",
    "a%b",
    "a?b",
    "a$b",
    "a" * 254,
    "Bad_Name!",
    "</script>",
    "bad\nname",
    "a\n",
    "Example.com",
]


@pytest.mark.parametrize("value", SUBDOMAIN_GOOD)
def test_dns1123_subdomain_accepts(value: str) -> None:
    assert is_dns1123_subdomain(value) == []


@pytest.mark.parametrize("value", SUBDOMAIN_BAD)
def test_dns1123_subdomain_rejects(value: str) -> None:
    assert is_dns1123_subdomain(value) != []


def test_dns1123_subdomain_length_boundary() -> None:
    dotted = ".".join(["a" * 63] * 3) + "." + "b" * 61
    assert len(dotted) == 253 and is_dns1123_subdomain(dotted) == []
    assert is_dns1123_subdomain(dotted + "b") == ["must be no more than 253 characters"]


QUALIFIED_GOOD = [
    "simple",
    "now-with-dashes",
    "1-starts-with-num",
    "1234",
    "simple/simple",
    "now-with-dashes/simple",
    "now.with.dots/simple",
    "1-num.2-num/3-num",
    "1234/5678",
    "1.2.3.4/5678",
    "Uppercase_Is_OK_123",
    "example.com/Uppercase_Is_OK_123",
    "requests.storage-foo",
    "a" * 63,
    "a" * 253 + "/" + "b" * 63,
    "app.kubernetes.io/name",
    "kubernetes.io/metadata.name",
    "MyKey",
]
QUALIFIED_BAD = [
    "nospecialchars%^=@",
    "cantendwithadash-",
    "-cantstartwithadash-",
    "only/one/slash",
    "Example.com/abc",
    "example_com/abc",
    "example.com/",
    "/simple",
    "a" * 64,
    "a" * 254 + "/abc",
    "a/b/c",
    "",
    "a b",
    "app\n",
]


@pytest.mark.parametrize("value", QUALIFIED_GOOD)
def test_qualified_name_accepts(value: str) -> None:
    assert is_qualified_name(value) == []


@pytest.mark.parametrize("value", QUALIFIED_BAD)
def test_qualified_name_rejects(value: str) -> None:
    assert is_qualified_name(value) != []


def test_qualified_name_messages() -> None:
    (slashes,) = is_qualified_name("a/b/c")
    assert slashes.startswith("a valid label key must consist of alphanumeric characters")
    assert slashes.endswith("with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
    assert is_qualified_name("")[0] == "name part must be non-empty"
    assert is_qualified_name("example.com/")[0] == "name part must be non-empty"
    assert is_qualified_name("/app") == ["prefix part must be non-empty"]
    assert is_qualified_name("a" * 64) == ["name part must be no more than 63 characters"]
    assert is_qualified_name("Example.com/app")[0].startswith(
        "prefix part a lowercase RFC 1123 subdomain must consist"
    )
    assert is_qualified_name("a" * 254 + "/b") == ["prefix part must be no more than 253 characters"]


VALUE_GOOD = [
    "simple",
    "now-with-dashes",
    "1-starts-with-num",
    "end-with-num-1",
    "1234",
    "a" * 63,
    "",
    "MyValue",
    "my_value",
    "My_Value.1",
]
VALUE_BAD = [
    "nospecialchars%^=@",
    "Tama-nui-te-rā.is.Māori.sun",
    "\\backslashes\\are\\bad",
    "-starts-with-dash",
    "ends-with-dash-",
    ".starts.with.dot",
    "ends.with.dot.",
    "a" * 64,
    "a b",
    "a\n",
]


@pytest.mark.parametrize("value", VALUE_GOOD)
def test_label_value_accepts(value: str) -> None:
    assert is_valid_label_value(value) == []


@pytest.mark.parametrize("value", VALUE_BAD)
def test_label_value_rejects(value: str) -> None:
    assert is_valid_label_value(value) != []


def test_label_value_length_message() -> None:
    assert is_valid_label_value("v" * 64) == ["must be no more than 63 characters"]


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        (".", ["may not be '.'"]),
        ("..", ["may not be '..'"]),
        ("a/b", ["may not contain '/'"]),
        ("a%b", ["may not contain '%'"]),
        ("/%", ["may not contain '/'", "may not contain '%'"]),
        ("a.b", []),
        ("...", []),
        ("Bad_Name!", []),
    ],
)
def test_path_segment_name(value: str, errors: list[str]) -> None:
    assert is_path_segment_name(value) == errors


# ---------------------------------------------------------------- names per kind


def test_every_modelled_kind_has_a_name_rule() -> None:
    assert set(NAME_RULES) == {"Namespace", "Pod", "NetworkPolicy", *WORKLOAD_KINDS}


@pytest.mark.parametrize(
    ("kind", "dotted_ok", "limit"),
    [
        ("Namespace", False, 63),
        ("StatefulSet", False, 63),
        ("Pod", True, 253),
        ("Deployment", True, 253),
        ("DaemonSet", True, 253),
        ("ReplicaSet", True, 253),
        ("ReplicationController", True, 253),
        ("Job", True, 253),
        ("NetworkPolicy", True, 253),
        ("CronJob", True, CRONJOB_NAME_MAX_LENGTH),
    ],
)
def test_name_rule_per_kind(kind: str, dotted_ok: bool, limit: int) -> None:
    assert object_name_errors(kind, "web") == []
    assert (object_name_errors(kind, "web.v1") == []) is dotted_ok
    assert object_name_errors(kind, "a" * limit) == []
    assert object_name_errors(kind, "a" * (limit + 1)) != []
    for bad in ("Bad_Name!", "A B", "bad\nname", "</script>", ".", "..", "a/b", "a%b", ""):
        assert object_name_errors(kind, bad) != [], bad
    assert name_rule(kind).startswith("a DNS-1123 label" if not dotted_ok else "a DNS-1123 subdomain")


def test_cronjob_name_limit_is_52() -> None:
    assert object_name_errors("CronJob", "c" * 52) == []
    assert object_name_errors("CronJob", "c" * 53) == ["must be no more than 52 characters"]
    assert object_name_errors("Job", "c" * 53) == []
    assert name_rule("CronJob") == "a DNS-1123 subdomain of at most 52 characters"


def test_namespace_name_is_a_dns_label() -> None:
    assert validate_namespace_name("kube-system") == []
    assert validate_namespace_name("A B") != []
    assert validate_namespace_name("team.a") == ["must not contain dots"]


def test_job_name_rules() -> None:
    assert job_name_errors("j" * 63, manual_selector=False, indexed_completions=None) == []
    (too_long,) = job_name_errors("j" * 64, manual_selector=False, indexed_completions=None)
    assert too_long.startswith("must be no more than 63 characters")
    assert job_name_errors("j" * 64, manual_selector=True, indexed_completions=None) == []
    # Indexed: <name>-<completions-1> must be a DNS label.
    assert job_name_errors("j" * 61, manual_selector=False, indexed_completions=10) == []
    assert job_name_errors("j" * 61, manual_selector=False, indexed_completions=11) != []
    assert job_name_errors("a.b", manual_selector=False, indexed_completions=1) != []
    assert job_name_errors("a.b", manual_selector=False, indexed_completions=0) == []


# ---------------------------------------------------------------- annotations


@pytest.mark.parametrize(
    "key", ["note", "Example.COM/Note", "netpol.io/ignore", "A_B", "\u212a", "\u0130"]
)  # Go lowers 'K' to 'k' and 'İ' to 'i'
def test_annotation_key_accepts(key: str) -> None:
    assert annotation_key_errors(key) == []


@pytest.mark.parametrize("key", ["a/b/c", "", "example.com/", "-note", "a b", "note\n"])
def test_annotation_key_rejects(key: str) -> None:
    assert annotation_key_errors(key) != []


def test_annotations_total_size() -> None:
    assert TOTAL_ANNOTATION_SIZE_LIMIT == 262144
    exact = {"k": "v" * (TOTAL_ANNOTATION_SIZE_LIMIT - 1)}
    assert annotations_size(exact) == TOTAL_ANNOTATION_SIZE_LIMIT
    assert annotations_size_errors(exact) == []
    over = {"k": "v" * TOTAL_ANNOTATION_SIZE_LIMIT}
    assert annotations_size_errors(over) == [
        "must have at most 262144 bytes (annotations total 262145 bytes)"
    ]
    assert annotations_size({"é": "é"}) == 4  # bytes, as Go's len()


# ---------------------------------------------------------------- through the model

BASE = """\
apiVersion: v1
kind: Pod
metadata:
  name: a
  namespace: x
  labels: {app: a}
---
apiVersion: v1
kind: Pod
metadata:
  name: b
  namespace: x
  labels: {app: b}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-b, namespace: x}
spec:
  podSelector: {matchLabels: {app: b}}
---
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    {key}: {value}
"""


def _pod(name: str = '"c"', namespace: str = "x", key: str = "tier", value: str = "web") -> str:
    return POD.format(name=name, namespace=namespace, key=key, value=value)


V = "@V@"
WORKLOAD = """\
apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}
  namespace: x
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels:
        app: web
        tier: {tier}
    spec:
      containers: [{{name: c, image: nginx}}]
"""
CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: @V@
  namespace: x
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: cron}}
        spec:
          containers: [{name: c, image: busybox}]
          restartPolicy: Never
"""
JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: @V@
  namespace: x
spec:
  template:
    metadata: {labels: {app: job}}
    spec:
      containers: [{name: c, image: busybox}]
      restartPolicy: Never
"""
POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: x
spec:
  podSelector:
    matchExpressions:
    - {{key: {expr_key}, operator: In, values: [a, {expr_value}]}}
  ingress:
  - from:
    - podSelector: {{}}
    - podSelector:
        matchLabels:
          app: {from_value}
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          {to_key}: x
"""


def _policy(**fields: str) -> str:
    values = {
        "name": "allow",
        "expr_key": "app",
        "expr_value": "b",
        "from_value": "a",
        "to_key": "kubernetes.io/metadata.name",
        **fields,
    }
    return POLICY.format(**values)


NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: @V@\n"
ANNOTATED = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: c\n  namespace: x\n  annotations:\n    @V@: note\n"
BIG_ANNOTATION = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: c\n  namespace: x\n  annotations:\n    note: @V@\n"
)

# name: (document with @V@, bad value, good value, code, field path, text of the expected line)
CASES: dict[str, tuple[str, str, str, str, str, str]] = {
    "pod-name": (_pod(name=V), "Bad_Name!", "good.name", "bad-name", "metadata.name", V),
    "pod-name-newline": (_pod(name=V), "bad\nname", "bad-name", "bad-name", "metadata.name", V),
    "pod-name-script": (_pod(name=V), "</script>", "script", "bad-name", "metadata.name", V),
    "pod-name-254": (_pod(name=V), "p" * 254, "p" * 253, "bad-name", "metadata.name", V),
    "namespace-name": (NAMESPACE, "A B", "a-b", "bad-name", "metadata.name", V),
    "namespace-name-dots": (NAMESPACE, "team.a", "team-a", "bad-name", "metadata.name", V),
    "namespace-name-64": (NAMESPACE, "n" * 64, "n" * 63, "bad-name", "metadata.name", V),
    "pod-namespace": (_pod(namespace=V), "A B", "y", "bad-namespace", "metadata.namespace", V),
    "label-key-slashes": (_pod(key=V), "a/b/c", "b/c", "bad-label-key", "metadata.labels.a/b/c", V),
    "label-key-empty": (_pod(key=V), "", "e", "bad-label-key", "metadata.labels", "labels:"),
    "label-key-prefix-only": (
        _pod(key=V),
        "example.com/",
        "example.com/X",
        "bad-label-key",
        "metadata.labels.example.com/",
        V,
    ),
    "label-key-uppercase-prefix": (
        _pod(key=V),
        "Example.com/x",
        "example.com/MyKey",
        "bad-label-key",
        "metadata.labels.Example.com/x",
        V,
    ),
    "label-key-newline": (_pod(key=V), "tier\n", "tier", "bad-label-key", "metadata.labels", "labels:"),
    "label-value-64": (_pod(value=V), "v" * 64, "v" * 63, "bad-label-value", "metadata.labels.tier", V),
    "label-value-empty-is-legal": (_pod(value=V), "-web", "", "bad-label-value", "metadata.labels.tier", V),
    "deployment-template-label": (
        WORKLOAD.format(kind="Deployment", name="web", tier=V),
        "front_",
        "Front_1",
        "bad-label-value",
        "spec.template.metadata.labels.tier",
        V,
    ),
    "deployment-name": (
        WORKLOAD.format(kind="Deployment", name=V, tier="front"),
        "Web",
        "web.v1",
        "bad-name",
        "metadata.name",
        V,
    ),
    "statefulset-name": (
        WORKLOAD.format(kind="StatefulSet", name=V, tier="front"),
        "db.v1",
        "db-v1",
        "bad-name",
        "metadata.name",
        V,
    ),
    "cronjob-name": (CRONJOB, "c" * 53, "c" * 52, "bad-name", "metadata.name", V),
    "job-name": (JOB, "j" * 64, "j" * 63, "bad-name", "metadata.name", V),
    "policy-name": (_policy(name=V), "Deny_All", "deny.all", "bad-name", "metadata.name", V),
    "policy-peer-match-labels": (
        _policy(from_value=V),
        "a b",
        "a-b",
        "bad-label-value",
        "spec.ingress[0].from[1].podSelector.matchLabels.app",
        V,
    ),
    "policy-namespace-selector-key": (
        _policy(to_key=V),
        "a/b/c",
        "team",
        "bad-label-key",
        "spec.egress[0].to[0].namespaceSelector.matchLabels.a/b/c",
        V,
    ),
    "policy-expression-key": (
        _policy(expr_key=V),
        "-app",
        "App",
        "bad-label-key",
        "spec.podSelector.matchExpressions[0].key",
        V,
    ),
    "policy-expression-value": (
        _policy(expr_value=V),
        "x" * 64,
        "",
        "bad-label-value",
        "spec.podSelector.matchExpressions[0].values[1]",
        V,
    ),
    "annotation-key": (
        ANNOTATED,
        "a/b/c",
        "Example.COM/Note",
        "bad-annotation-key",
        "metadata.annotations.a/b/c",
        V,
    ),
    "annotations-too-long": (
        BIG_ANNOTATION,
        "x" * (TOTAL_ANNOTATION_SIZE_LIMIT - 3),
        "x" * (TOTAL_ANNOTATION_SIZE_LIMIT - 4),
        "annotations-too-long",
        "metadata.annotations",
        "annotations:",
    ),
}


def _objects(graph: netpol.AllowGraph) -> set[str]:
    cluster = graph.cluster
    return (  # what the input holds: stand-ins left out
        {f"ns {n.name}" for n in cluster.namespaces if not n.stand_in}
        | {e.id for e in cluster.endpoints if e.stand_in is None}
        | {f"policy {p.id}" for p in cluster.policies}
    )


def _analyse(doc: str, value: str) -> tuple[str, netpol.AllowGraph]:
    # JSON strings are YAML double-quoted scalars: any value, newline included, on one line.
    text = BASE + doc.replace(V, json.dumps(value))
    return text, netpol.analyze_text(text, source="cluster.yaml")


BASE_OBJECTS = _objects(netpol.analyze_text(BASE))


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_value_is_reported_and_left_out(name: str) -> None:
    doc, bad, _, code, path, marker = CASES[name]
    text, graph = _analyse(doc, bad)
    errors = [d for d in graph.diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in errors] == [code], [d.format() for d in errors]
    error = errors[0]
    loc = error.location
    assert loc is not None and loc.source == "cluster.yaml" and loc.document == 4
    assert format_path(loc.path) == path
    lines = text.splitlines()
    first = BASE.count("\n")
    marked = doc.replace(V, json.dumps(bad)) if marker == V else doc
    wanted = marked.splitlines()[next(i for i, line in enumerate(doc.splitlines()) if marker in line)]
    assert loc.line is not None and lines[loc.line - 1] == wanted and loc.line > first
    # A newline or an escape in a value is never printed raw: repr() shows it.
    assert "\n" not in error.message and "\n" not in str(loc)
    if len(bad) < 300:
        assert repr(bad) in error.message
    # The object is left out, as the API server would reject it; the rest is analysed.
    assert _objects(graph) == BASE_OBJECTS
    assert graph.allowed("x/a[Pod]", "x/b[Pod]") == netpol.PortSet.none()
    assert graph.allowed("x/b[Pod]", "x/a[Pod]") == netpol.PortSet.all()


@pytest.mark.parametrize("name", sorted(CASES))
def test_legal_value_is_accepted(name: str) -> None:
    doc, _, good, *_ = CASES[name]
    _, graph = _analyse(doc, good)
    assert [d.format() for d in graph.diagnostics if d.severity is Severity.ERROR] == []
    assert _objects(graph) > BASE_OBJECTS


def test_messages_name_the_rule() -> None:
    _, graph = _analyse(_pod(name=V), "Bad_Name!")
    (error,) = graph.diagnostics
    assert error.message.startswith(
        "invalid Pod name 'Bad_Name!' (must be a DNS-1123 subdomain): a lowercase RFC 1123 "
        "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
        "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    )
    _, graph = _analyse(NAMESPACE, "A B")
    assert graph.diagnostics[0].message.startswith(
        "invalid Namespace name 'A B' (must be a DNS-1123 label): a lowercase RFC 1123 label"
    )
    _, graph = _analyse(_pod(value=V), "v" * 64)
    assert graph.diagnostics[0].message == (
        f"invalid value {'v' * 64!r} of label 'tier': must be no more than 63 characters"
    )


def test_job_with_manual_selector_may_have_a_long_name() -> None:
    doc = JOB.replace(
        "spec:\n  template:",
        "spec:\n  manualSelector: true\n  selector: {matchLabels: {app: job}}\n  template:",
    )
    _, graph = _analyse(doc, "j" * 64)
    assert graph.diagnostics == ()
    assert f"x/{'j' * 64}[Job]" in _objects(graph)


def test_indexed_job_needs_room_for_the_index() -> None:
    doc = JOB.replace(
        "spec:\n  template:", "spec:\n  completionMode: Indexed\n  completions: 100\n  template:"
    )
    _, graph = _analyse(doc, "j" * 61)  # j...j-99 is 64 characters
    assert [d.code for d in graph.diagnostics] == ["bad-name"]
    assert "invalid DNS label: " + "j" * 61 + "-99" in graph.diagnostics[0].message
    _, graph = _analyse(doc, "j" * 60)
    assert graph.diagnostics == ()


def test_statefulset_template_annotations_are_checked() -> None:
    doc = WORKLOAD.format(kind="StatefulSet", name="db", tier="front").replace(
        "      labels:\n", "      annotations: {a/b/c: x}\n      labels:\n"
    )
    _, graph = _analyse(doc, "")
    assert [(d.code, format_path(d.location.path)) for d in graph.diagnostics if d.location is not None] == [
        ("bad-annotation-key", "spec.template.metadata.annotations.a/b/c")
    ]


def test_annotation_values_must_be_strings() -> None:
    _, graph = _analyse(ANNOTATED.replace(": note", ": 3"), "replicas")
    assert [d.code for d in graph.diagnostics] == ["wrong-type"]
    assert _objects(graph) == BASE_OBJECTS


def test_bad_default_namespace_is_reported_once_per_object() -> None:
    text = BASE + "apiVersion: v1\nkind: Pod\nmetadata: {name: c}\n---\n" + _policy()
    graph = netpol.analyze_text(text, netpol.Options(default_namespace="A B"))
    errors = [d for d in graph.diagnostics if d.severity is Severity.ERROR]
    assert [(d.code, d.location.document if d.location else None) for d in errors] == [("bad-namespace", 4)]
    assert "invalid default namespace 'A B'" in errors[0].message
    assert _objects(graph) == BASE_OBJECTS | {"policy x/allow"}

    text = (
        BASE
        + "apiVersion: v1\nkind: Pod\nmetadata: {name: c}\n---\n"
        + _policy().replace("  namespace: x\n", "")
    )
    graph = netpol.analyze_text(text, netpol.Options(default_namespace="A B"))
    assert [(d.code, d.location.document if d.location else None) for d in graph.diagnostics] == [
        ("bad-namespace", 4),
        ("bad-namespace", 5),
    ]
    assert _objects(graph) == BASE_OBJECTS

    graph = netpol.analyze_text(text, netpol.Options(default_namespace="team-a"))
    assert graph.diagnostics == ()
    assert _objects(graph) == BASE_OBJECTS | {"ns team-a", "team-a/c[Pod]", "policy team-a/allow"}

    graph = netpol.analyze_text(text, netpol.Options(default_namespace=""))
    assert [d.code for d in graph.diagnostics] == ["bad-namespace", "bad-namespace"]


def test_everything_legal_at_once() -> None:
    doc = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: x
  labels:
    app.kubernetes.io/name: web
    example.com/MyKey: My_Value.1
    empty: ""
    {long_key}: {long_value}
  annotations:
    Example.COM/Some_Note: anything at all, even spaces
""".format(name="p" * 253, long_key="k" * 63, long_value="v" * 63)
    graph = netpol.analyze_text(BASE + doc)
    assert graph.diagnostics == ()
    (pod,) = [e for e in graph.cluster.endpoints if e.name == "p" * 253]
    assert pod.labels["empty"] == "" and pod.labels["example.com/MyKey"] == "My_Value.1"


def test_cli_exits_2_and_names_the_problem(tmp_path: Path) -> None:
    f = tmp_path / "cluster.yaml"
    text = BASE + _pod(name='"Bad_Name!"') + "---\n" + _pod(name='"bad\\nname"')
    f.write_text(text)
    result = CliRunner().invoke(main, ["list", str(f), "-o", "json"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output + result.stderr
    line = text.splitlines().index('  name: "Bad_Name!"') + 1
    assert f"{f}:{line}:" in result.stderr
    assert "document 4, metadata.name: error[bad-name]: invalid Pod name 'Bad_Name!'" in (result.stderr)
    assert "invalid Pod name 'bad\\nname'" in result.stderr
    assert "bad\nname" not in result.stderr
    # The good documents are still analysed and listed.
    assert '"src": "x/b[Pod]"' in result.stdout
