"""Shared helpers for the conformance tests (test_semantics.py, test_upstream_e2e.py).

Two things live here:

* The upstream e2e model of kubernetes/kubernetes ``test/e2e/network/netpol/model.go``:
  namespaces x, y, z labelled ``ns=<name>``; pods a, b, c in each, labelled ``pod=<name>``; one
  container per (port, protocol) for ports 80, 81 over TCP, UDP and SCTP, named
  ``cont-<port>-<proto>`` and serving a containerPort named ``serve-<port>-<proto>``. Upstream
  probes real pod IPs; here every pod gets a fixed ``status.podIP`` of
  ``192.168.<namespace index>.<pod index>`` (x=1, y=2, z=3; a=1, b=2, c=3).
  The namespaces do *not* declare ``kubernetes.io/metadata.name``: the API server adds it, and so
  must the analyzer (SEMANTICS.md point 14).
* ``Reachability``: a transcription of upstream ``reachability.go`` / ``truthtable.go`` (default
  expectation, ``Expect``, ``ExpectAllIngress``, ``ExpectAllEgress``, ``ExpectPeer``) so that each
  encoded case states its expectation with the same calls, in the same order, as the upstream test.
  Upstream ignores loopback (``ignoreLoopback = true`` in network_policy.go, kubernetes#95879), so
  the diagonal is never compared.

Plus small builders for hand-written manifests and for checking diagnostics.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

__all__ = [
    "ALL_PODS",
    "IGNORE_LOOPBACK",
    "NAMESPACES",
    "PODS",
    "PORTS",
    "PROTOCOLS",
    "SAMPLE_PORTS",
    "Peer",
    "Reachability",
    "allows_nothing",
    "analyze",
    "assert_no_errors",
    "error_diagnostics",
    "expect",
    "expect_all_egress",
    "expect_all_ingress",
    "expect_peer",
    "find_error_at",
    "line_of",
    "manifest",
    "model_yaml",
    "namespace_doc",
    "observe",
    "pod_doc",
    "pod_id",
    "pod_ip",
    "reachability",
    "render_comparison",
]

NAMESPACES: tuple[str, ...] = ("x", "y", "z")
PODS: tuple[str, ...] = ("a", "b", "c")
PORTS: tuple[int, ...] = (80, 81)
PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")
ALL_PODS: tuple[str, ...] = tuple(f"{ns}/{pod}" for ns in NAMESPACES for pod in PODS)

IGNORE_LOOPBACK = True
"""network_policy.go: ``ignoreLoopback = true`` -- pod-to-itself results never fail a test."""

SAMPLE_PORTS: tuple[int, ...] = (1, 22, 53, 80, 81, 443, 8080, 9090, 32000, 65535)
"""Ports probed when a test needs "nothing at all is allowed" from a PortSet."""


# --------------------------------------------------------------------------- the upstream model


def pod_id(pod: str) -> str:
    """``"x/a"`` -> ``"x/a[Pod]"`` (netpol's canonical endpoint id)."""
    return f"{pod}[Pod]"


def pod_ip(pod: str) -> str:
    """The fixed pod IP of an upstream model pod: ``"y/b"`` -> ``"192.168.2.2"``."""
    ns, name = pod.split("/")
    return f"192.168.{NAMESPACES.index(ns) + 1}.{PODS.index(name) + 1}"


def _model_pod(ns: str, name: str, extra_labels: Mapping[str, str]) -> dict[str, Any]:
    containers = []
    for port in PORTS:
        for protocol in PROTOCOLS:
            proto = protocol.lower()
            containers.append(
                {
                    "name": f"cont-{port}-{proto}",
                    "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                    "ports": [
                        {
                            "containerPort": port,
                            "name": f"serve-{port}-{proto}",
                            "protocol": protocol,
                        }
                    ],
                }
            )
    ip = pod_ip(f"{ns}/{name}")
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"pod": name, **extra_labels}},
        "spec": {"containers": containers},
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    }


def model_yaml(
    namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
    pod_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The 3 namespaces x 3 pods of upstream model.go as multi-document YAML.

    ``namespace_labels={"y": {"ns2": "updated"}}`` and ``pod_labels={"x/b": {"pod2": "updated"}}``
    add labels, the way upstream's AddNamespaceLabel / AddPodLabels update the live objects.
    """
    namespace_labels = namespace_labels or {}
    pod_labels = pod_labels or {}
    docs: list[dict[str, Any]] = []
    for ns in NAMESPACES:
        docs.append(namespace_doc(ns, {"ns": ns, **namespace_labels.get(ns, {})}))
    for ns in NAMESPACES:
        for name in PODS:
            docs.append(_model_pod(ns, name, pod_labels.get(f"{ns}/{name}", {})))
    return manifest(*docs)


# --------------------------------------------------------------------------- truth tables


@dataclass(frozen=True, slots=True)
class Peer:
    """Upstream ``Peer``: an empty namespace or pod matches everything."""

    namespace: str = ""
    pod: str = ""

    def matches(self, pod: str) -> bool:
        ns, name = pod.split("/")
        return (self.namespace in ("", ns)) and (self.pod in ("", name))


class Reachability:
    """Upstream ``Reachability``'s expected truth table over ``ALL_PODS`` x ``ALL_PODS``."""

    def __init__(self, default: bool = True) -> None:
        self.expected: dict[tuple[str, str], bool] = {
            (src, dst): default for src in ALL_PODS for dst in ALL_PODS
        }

    def expect(self, src: str, dst: str, connected: bool) -> None:
        self.expected[(src, dst)] = connected

    def expect_all_ingress(self, pod: str, connected: bool) -> None:
        for src in ALL_PODS:
            self.expected[(src, pod)] = connected

    def expect_all_egress(self, pod: str, connected: bool) -> None:
        for dst in ALL_PODS:
            self.expected[(pod, dst)] = connected

    def expect_peer(self, src: Peer, dst: Peer, connected: bool) -> None:
        for from_pod in ALL_PODS:
            if src.matches(from_pod):
                for to_pod in ALL_PODS:
                    if dst.matches(to_pod):
                        self.expected[(from_pod, to_pod)] = connected


Op = Callable[[Reachability], None]


def expect(src: str, dst: str, connected: bool) -> Op:
    return lambda r: r.expect(src, dst, connected)


def expect_all_ingress(pod: str, connected: bool) -> Op:
    return lambda r: r.expect_all_ingress(pod, connected)


def expect_all_egress(pod: str, connected: bool) -> Op:
    return lambda r: r.expect_all_egress(pod, connected)


def expect_peer(src: Peer, dst: Peer, connected: bool) -> Op:
    return lambda r: r.expect_peer(src, dst, connected)


def reachability(*ops: Op) -> Reachability:
    """``NewReachability(allPods, true)`` followed by the given expectation calls, in order."""
    r = Reachability(default=True)
    for op in ops:
        op(r)
    return r


def observe(graph: Any, protocol: str, port: int) -> dict[tuple[str, str], bool]:
    """Ask the engine about every ordered pod pair of the model (the diagonal included)."""
    return {
        (src, dst): bool(graph.allowed(pod_id(src), pod_id(dst)).allows(protocol, port))
        for src in ALL_PODS
        for dst in ALL_PODS
    }


def _grid(title: str, cell: Callable[[str, str], str]) -> str:
    width = max(len(p) for p in ALL_PODS) + 1
    lines = [f"{title} (rows: from, columns: to)"]
    lines.append("-".ljust(width) + " ".join(p.ljust(width) for p in ALL_PODS))
    for src in ALL_PODS:
        lines.append(src.ljust(width) + " ".join(cell(src, dst).ljust(width) for dst in ALL_PODS))
    return "\n".join(line.rstrip() for line in lines)


def render_comparison(
    expected: Mapping[tuple[str, str], bool],
    observed: Mapping[tuple[str, str], bool],
    *,
    heading: str = "",
) -> str | None:
    """``None`` when the tables agree off the diagonal, else the three upstream-style grids.

    Rows are sources, columns destinations; ``.`` = allowed, ``X`` = denied. In the comparison grid
    ``.`` = agree, ``X`` = disagree, ``-`` = loopback (ignored, as upstream does).
    """

    def ignored(src: str, dst: str) -> bool:
        return IGNORE_LOOPBACK and src == dst

    wrong = [k for k in expected if not ignored(*k) and expected[k] != observed[k]]
    if not wrong:
        return None

    def mark(table: Mapping[tuple[str, str], bool]) -> Callable[[str, str], str]:
        return lambda s, d: "." if table[(s, d)] else "X"

    def cmp(s: str, d: str) -> str:
        if ignored(s, d):
            return "-"
        return "." if expected[(s, d)] == observed[(s, d)] else "X"

    pairs = ", ".join(f"{s}->{d} (expected {'allowed' if expected[(s, d)] else 'denied'})" for s, d in wrong)
    return "\n\n".join(
        [
            f"{heading}: {len(wrong)} of {len(ALL_PODS) ** 2 - len(ALL_PODS)} pairs wrong: {pairs}",
            _grid("expected:", mark(expected)),
            _grid("observed:", mark(observed)),
            _grid("comparison:", cmp),
        ]
    )


# --------------------------------------------------------------------------- manifest builders


def namespace_doc(name: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = dict(labels)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def pod_doc(
    namespace: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    *,
    ports: Sequence[tuple[str | None, int, str]] = (),
    ip: str | None = None,
    ips: Sequence[str] = (),
    node: str | None = None,
    host_network: bool = False,
) -> dict[str, Any]:
    """A Pod document. ``ports`` are ``(name or None, containerPort, protocol)``."""
    container: dict[str, Any] = {"name": "main", "image": "registry.k8s.io/pause:3.9"}
    if ports:
        container["ports"] = []
        for port_name, number, protocol in ports:
            entry: dict[str, Any] = {"containerPort": number, "protocol": protocol}
            if port_name is not None:
                entry["name"] = port_name
            container["ports"].append(entry)
    spec: dict[str, Any] = {"containers": [container]}
    if node is not None:
        spec["nodeName"] = node
    if host_network:
        spec["hostNetwork"] = True
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {})},
        "spec": spec,
    }
    status: dict[str, Any] = {}
    if ip is not None:
        status["podIP"] = ip
    all_ips = ([ip] if ip is not None else []) + [i for i in ips if i != ip]
    if all_ips:
        status["podIPs"] = [{"ip": i} for i in all_ips]
    if status:
        status["phase"] = "Running"
        doc["status"] = status
    return doc


class KubernetesDumper(yaml.SafeDumper):
    """PyYAML's dumper, quoting what go-yaml v2 (kubectl, the API server) reads as a boolean:
    PyYAML leaves ``y`` and ``n`` bare, and Kubernetes would read namespace ``y`` as ``true``."""


KubernetesDumper.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))


def manifest(*docs: str | Mapping[str, Any]) -> str:
    """Join documents into one multi-document YAML text; strings are dedented and kept verbatim."""
    parts: list[str] = []
    for doc in docs:
        if isinstance(doc, str):
            parts.append(textwrap.dedent(doc).strip("\n"))
        else:
            parts.append(yaml.dump(dict(doc), Dumper=KubernetesDumper, sort_keys=False).rstrip("\n"))
    return "---\n" + "\n---\n".join(parts) + "\n"


# --------------------------------------------------------------------------- engine access


def analyze(text: str, **options: Any) -> Any:
    """``netpol.analyze_text`` with ``netpol.Options(**options)`` when options are given.

    ``netpol`` is imported here, not at module level, so that the tests are collected whatever state
    the engine is in.
    """
    import netpol

    if options:
        return netpol.analyze_text(text, options=netpol.Options(**options))
    return netpol.analyze_text(text)


def error_diagnostics(graph: Any) -> list[Any]:
    return [d for d in graph.diagnostics if d.severity == "error"]


def assert_no_errors(graph: Any) -> None:
    errors = error_diagnostics(graph)
    assert not errors, "unexpected input errors:\n" + "\n".join(_describe(d) for d in errors)


def _describe(diagnostic: Any) -> str:
    loc = diagnostic.location
    where = "<no location>" if loc is None else f"line {loc.line}, path {loc.path}"
    return f"  {diagnostic.severity} {diagnostic.code}: {diagnostic.message} ({where})"


def find_error_at(graph: Any, path: tuple[str | int, ...]) -> Any:
    """The error diagnostic whose field path ends with ``path``; fails the test if there is none."""
    errors = error_diagnostics(graph)
    for diagnostic in errors:
        loc = diagnostic.location
        if loc is not None and tuple(loc.path[-len(path) :]) == path:
            return diagnostic
    listing = "\n".join(_describe(d) for d in graph.diagnostics) or "  (no diagnostics at all)"
    raise AssertionError(f"no error diagnostic at a path ending in {path}; got:\n{listing}")


def line_of(text: str, needle: str) -> int:
    """1-based number of the one line of ``text`` that contains ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits} of the test input, expected exactly one"
    return hits[0]


def allows_nothing(portset: Any, protocols: Iterable[str] = PROTOCOLS) -> bool:
    """True when none of ``SAMPLE_PORTS`` is allowed on any of ``protocols``."""
    return not any(portset.allows(proto, port) for proto in protocols for port in SAMPLE_PORTS)
