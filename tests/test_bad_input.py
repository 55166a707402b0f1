"""Bad input never gives a traceback: a message with file, line, document and field path, exit 2,
and every other document still analysed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import netpol
from netpol.cli import main
from netpol.errors import Severity, format_path

GOOD = """\
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-b, namespace: x}
spec:
  podSelector: {matchLabels: {app: b}}
"""

BAD_POLICY = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: bad, namespace: x}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
  - to:
{peer}
"""

CASES = {
    # name: (peer/rule YAML under "- to:", expected code, expected path suffix, expected line)
    "bad-cidr": ("    - ipBlock: {cidr: 10.0.0.300/8}", "bad-cidr", ("ipBlock", "cidr")),
    "cidr-without-prefix": ("    - ipBlock: {cidr: 10.0.0.1}", "bad-cidr", ("ipBlock", "cidr")),
    "except-outside-cidr": (
        "    - ipBlock:\n        cidr: 10.0.0.0/16\n        except: [10.1.0.0/24]",
        "except-outside-cidr",
        ("ipBlock", "except", 0),
    ),
    "unknown-operator": (
        "    - podSelector:\n        matchExpressions:\n        - {key: app, operator: Equals, values: [a]}",
        "unknown-operator",
        ("matchExpressions", 0, "operator"),
    ),
    "in-without-values": (
        "    - podSelector:\n        matchExpressions:\n        - {key: app, operator: In}",
        "missing-values",
        ("matchExpressions", 0, "values"),
    ),
    "exists-with-values": (
        "    - podSelector:\n        matchExpressions:\n        - {key: app, operator: Exists, values: [a]}",
        "unexpected-values",
        ("matchExpressions", 0, "values"),
    ),
    "empty-peer": ("    - {}", "empty-peer", ("to", 0)),
    "ipblock-with-selector": (
        "    - ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}",
        "ipblock-with-selector",
        ("to", 0),
    ),
    "endport-below-port": (
        "    - podSelector: {}\n    ports: [{port: 90, endPort: 80}]",
        "endport-below-port",
        ("ports", 0, "endPort"),
    ),
    "endport-named-port": (
        "    - podSelector: {}\n    ports: [{port: http, endPort: 80}]",
        "endport-named-port",
        ("ports", 0, "endPort"),
    ),
    "endport-without-port": (
        "    - podSelector: {}\n    ports: [{endPort: 80}]",
        "endport-without-port",
        ("ports", 0, "endPort"),
    ),
    "bad-protocol": (
        "    - podSelector: {}\n    ports: [{protocol: HTTP, port: 80}]",
        "bad-protocol",
        ("ports", 0, "protocol"),
    ),
    "port-out-of-range": (
        "    - podSelector: {}\n    ports: [{port: 70000}]",
        "bad-port",
        ("ports", 0, "port"),
    ),
    "wrong-type": ("    - podSelector: [app]", "wrong-type", ("to", 0, "podSelector")),
    "unknown-field": ("    - podSelecter: {}", "unknown-field", ("to", 0, "podSelecter")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rejected_policy_is_reported_and_left_out(name: str) -> None:
    peer, code, suffix = CASES[name]
    text = GOOD + BAD_POLICY.format(peer=peer)
    graph = netpol.analyze_text(text, source="cluster.yaml")
    errors = [d for d in graph.diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in errors] == [code], [d.format() for d in errors]
    loc = errors[0].location
    assert loc is not None
    assert loc.source == "cluster.yaml"
    assert loc.document == 4
    assert loc.path[:3] == ("spec", "egress", 0)
    assert loc.path[-len(suffix) :] == suffix, format_path(loc.path)
    # The line points into the bad document, at the field (or its nearest written ancestor).
    assert loc.line is not None and loc.line > GOOD.count("\n") + 1
    assert loc.snippet is not None and loc.snippet.strip()
    # The rejected policy is left out; the good ones still apply (deny-b isolates b).
    assert [p.id for p in graph.cluster.policies] == ["x/deny-b"]
    assert graph.allowed("x/a[Pod]", "x/b[Pod]") == netpol.PortSet.none()
    assert graph.allowed("x/b[Pod]", "x/a[Pod]") == netpol.PortSet.all()


def test_cli_reports_location_and_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "cluster.yaml"
    f.write_text(GOOD + BAD_POLICY.format(peer="    - ipBlock: {cidr: 10.0.0.0/33}"))
    result = CliRunner().invoke(main, ["list", str(f), "-o", "json"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output + result.stderr
    line = (GOOD + BAD_POLICY).splitlines().index("{peer}") + 1
    assert f"{f}:{line}:" in result.stderr
    assert "document 4" in result.stderr
    assert "spec.egress[0].to[0].ipBlock.cidr" in result.stderr
    assert "invalid CIDR '10.0.0.0/33'" in result.stderr
    # stdout keeps the machine format clean, with the good documents analysed.
    assert result.stdout.startswith("{")
    assert '"src": "x/b[Pod]"' in result.stdout


def test_malformed_yaml_keeps_other_documents(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(GOOD + "---\nkind: Pod\nmetadata: {name: [unclosed\n")
    result = CliRunner().invoke(main, ["list", str(f)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output + result.stderr
    assert f"{f}:" in result.stderr and "document 4" in result.stderr
    assert "x/b[Pod]" in result.stdout


def test_label_value_must_be_a_string() -> None:
    graph = netpol.analyze_text(
        GOOD + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: c\n"
        "  namespace: x\n  labels: {version: 1.5}\n"
    )
    errors = [d for d in graph.diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in errors] == ["wrong-type"]
    assert errors[0].location is not None
    assert errors[0].location.path == ("metadata", "labels", "version")
    assert "x/c[Pod]" not in graph.endpoint_ids()


def test_missing_path_is_input_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["list", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_no_input_is_usage_error() -> None:
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 2
    assert "no input" in result.stderr


def test_skipped_kinds_are_counted_and_named(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(
        GOOD + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
        "---\nreplicaCount: 3\nimage: {tag: x}\n"
    )
    quiet = CliRunner().invoke(main, ["list", str(f)])
    assert quiet.exit_code == 0
    assert "skipped 3 object(s)" in quiet.stderr
    verbose = CliRunner().invoke(main, ["list", str(f), "-v"])
    assert "ConfigMap (1)" in verbose.stderr and "Service (1)" in verbose.stderr
    assert "not a Kubernetes object" in verbose.stderr


def test_unwritable_out_is_a_clean_error(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(GOOD)
    result = CliRunner().invoke(main, ["list", str(f), "--out", str(tmp_path / "no" / "x.txt")])
    assert result.exit_code == 2
    assert "cannot write" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_host_bits_warn_but_uppercase_ipv6_does_not() -> None:
    def codes(cidr: str) -> list[str]:
        text = GOOD + BAD_POLICY.format(peer=f'    - ipBlock: {{cidr: "{cidr}"}}')
        return [d.code for d in netpol.analyze_text(text).diagnostics]

    assert codes("10.0.0.1/8") == ["non-canonical-cidr"]
    assert codes("2001:DB8::/32") == []
    assert codes("10.0.0.0/8") == []
