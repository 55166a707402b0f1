"""YAML as Kubernetes reads it (go-yaml v2 through sigs.k8s.io/yaml), whichever parser runs.

Every divergence between the fast parser and Kubernetes' reading is a silent wrong answer:
``hostNetwork: yes`` is a host-network pod to the API server. Documents where yaml-rs could
diverge are read by PyYAML with go-yaml's rules (netpol/yamlcompat.py); these tests pin both.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import netpol
import netpol.load.yaml as yaml_module
from netpol.load.compat import GoYamlLoader, goyaml_scalar, json_key, needs_goyaml
from netpol.load.files import load_text

yaml_rs = pytest.importorskip("yaml_rs")


@pytest.fixture(params=["yaml_rs", "pyyaml"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "pyyaml":
        monkeypatch.setattr(yaml_module, "yaml_rs", None)
    yield str(request.param)


def value(text: str) -> Any:
    result = load_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" + text)
    assert [d.code for d in result.diagnostics if d.severity.value == "error"] == []
    return result.objects[0].data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("on", True),
        ("ON", True),
        ("no", False),
        ("n", False),
        ("Off", False),
        ("true", True),
        ("~", None),
        ("", None),
        ("null", None),
        ("0755", 493),
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", 5),
        ("-0b11", -3),
        ("+0x10", 16),
        ("1_000", 1000),
        ("_8080", "_8080"),
        ("8080_", 8080),
        ("08", 8.0),
        ("1e3", 1000.0),
        (".5", 0.5),
        (".1_1", ".1_1"),
        ("-.inf", -math.inf),
        ("2020-01-01", "2020-01-01"),
        ("1:30", "1:30"),
        ("9223372036854775807", 2**63 - 1),
        ("18446744073709551615", 2**64 - 1),
        ("18446744073709551616", 1.8446744073709552e19),
        ("yes please", "yes please"),
        ("0x", "0x"),
        ("+", "+"),
        ("nan", "nan"),
        ("NaN", "NaN"),
    ],
)
def test_go_yaml_resolution_of_plain_scalars(text: str, expected: Any) -> None:
    got = goyaml_scalar(text)
    assert type(got) is type(expected) and got == expected


def test_host_network_yes_is_a_host_network_pod(parser: str) -> None:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: h, namespace: x}\n"
        "spec: {hostNetwork: yes, nodeName: n1}\n"
    )
    graph = netpol.analyze_text(pod)
    [endpoint] = graph.cluster.endpoints
    assert endpoint.host_network is True


def test_a_port_written_with_a_leading_underscore_is_a_bad_port_name(parser: str) -> None:
    policy = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, "
        "namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: _8080}]}]\n"
    )
    graph = netpol.analyze_text(policy)
    assert [d.code for d in graph.diagnostics] == ["bad-port-name"]
    assert graph.cluster.policies == ()


def test_a_label_value_yes_is_refused_as_the_api_server_refuses_it(parser: str) -> None:
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {on: yes}}\n"
    graph = netpol.analyze_text(pod)
    assert [d.code for d in graph.diagnostics] == ["wrong-type"]
    quoted = netpol.analyze_text(pod.replace("{on: yes}", "{'on': 'yes'}"))
    assert quoted.cluster.endpoints[0].labels == {"on": "yes"}


def test_a_quoted_merge_key_is_a_plain_key(parser: str) -> None:
    text = "spec:\n  '<<': {ingress: [{}]}\n  a: 1\n"
    assert value(text)["spec"] == {"<<": {"ingress": [{}]}, "a": 1}
    merged = "base: &b {ingress: [{}]}\nspec:\n  <<: *b\n  a: 1\n"
    assert value(merged)["spec"] == {"ingress": [{}], "a": 1}


def test_empty_and_final_block_scalars(parser: str) -> None:
    assert value("data:\n  a: |\n  b: >\n")["data"] == {"a": "", "b": ""}
    assert value("data:\n  a: >\n    web")["data"] == {"a": "web"}
    assert value("data:\n  a: |\n    web\n")["data"] == {"a": "web\n"}


def test_line_and_paragraph_separators_break_lines(parser: str) -> None:
    # go-yaml (as libyaml) reads U+2028/U+2029 as line breaks; yaml-rs would read a key.
    assert value("x: {name,\u2029image}\n")["x"] == {"name": None, "image": None}


def test_byte_order_marks(parser: str) -> None:
    ok = load_text(
        "\ufeffapiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n"
        "\ufeffapiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n"
    )
    assert [o.data["metadata"]["name"] for o in ok.objects] == ["a", "b"]
    bad = load_text("apiVersion: v1\nkind: Pod\nmetadata: {name: c}\nspec:\n\ufeffcontainers: []\n")
    assert [d.code for d in bad.diagnostics] == ["control-character"]
    assert bad.diagnostics[0].location is not None and bad.diagnostics[0].location.line == 5


def test_tags_are_read_as_go_yaml_reads_them(parser: str) -> None:
    data = value("v: [!!binary aGk=, !!int '8080', !!str 80, !local 3, !!timestamp 2020-01-01]\n")
    assert data["v"] == ["hi", 8080, "80", "3", "2020-01-01"]


def test_keys_become_strings_as_in_json(parser: str) -> None:
    assert value("m: {true: a, 1: b, 1.5: c, .inf: d}\n")["m"] == {
        "true": "a",
        "1": "b",
        "1.5": "c",
        ".inf": "d",
    }
    null_key = load_text("apiVersion: v1\nkind: ConfigMap\nm: {~: c}\n")  # "Unsupported map key"
    assert [d.code for d in null_key.diagnostics] == ["yaml-syntax"]
    assert value("m:\n  yes: a\n  'no': b\n")["m"] == {"true": "a", "no": "b"}
    twice = load_text("apiVersion: v1\nkind: ConfigMap\nm: {true: a, yes: b}\n")
    assert [d.code for d in twice.diagnostics] == ["duplicate-key"]


def test_complex_keys_are_refused(parser: str) -> None:
    result = load_text("apiVersion: v1\nkind: ConfigMap\nm:\n  ? [a, b]\n  : c\n")
    assert [d.code for d in result.diagnostics] == ["yaml-syntax"]


# -- the scan that sends documents to the faithful reader never misses a divergence ---------------

TOKEN = st.text(alphabet="0123456789_+-.xXoObBeE~yYnNaAsSfFtTuUlL:", min_size=1, max_size=8)


@given(TOKEN)
def test_when_the_scan_lets_yaml_rs_read_a_scalar_it_reads_it_as_go_yaml(token: str) -> None:
    for doc in (f"v: {token}\n", f"v: [{token}, 1]\n", f"- {token}\n", f"{{k: {token}}}\n"):
        try:
            fast = yaml_rs.loads(doc, parse_datetime=False)
        except Exception:
            continue
        if needs_goyaml(doc):
            continue
        try:
            slow = yaml.load(doc, Loader=GoYamlLoader)
        except yaml.YAMLError:
            continue
        assert repr(as_json(fast)) == repr(slow), (doc, fast, slow)


def as_json(value: Any) -> Any:
    """Keys as JSON has them (Kubernetes makes every key a string; netpol's model too)."""
    if isinstance(value, dict):
        return {json_key(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


@pytest.mark.parametrize(
    "text",
    [
        # Found by the fuzzer: yaml-rs reads these, libyaml (PyYAML) and go-yaml refuse them, so
        # kubectl would refuse the document and netpol must not analyse it as if it existed.
        ":",
        "a: {a\n: {}}",
        "{a\ne: }",
        "[{e:}]",
        "{e,&p}",
        "{s,|: {}}",
        "[|]",
        "-\t#",
        "...\na",
        '{i: {{}},e\n": {"":[{""}]}}',  # a mapping as a key inside a flow; a key across a line
        "{i: {{}}}",
        "metadata: {name: a, labels: {{}}}",
    ],
)
def test_what_go_yaml_refuses_is_refused(parser: str, text: str) -> None:
    result = load_text(text)
    assert [d.severity.value for d in result.diagnostics] == ["error"], text
    assert result.objects == ()


def test_a_big_number_after_an_anchor_is_read_as_go_yaml_reads_it(parser: str) -> None:
    assert value("v: &a 18446744073709551616\n")["v"] == 1.8446744073709552e19
