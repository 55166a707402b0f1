"""Configuration of lint and check: ``.netpol.yaml`` in the current directory, or ``--config``.

```yaml
fail-on: warning                 # error (default) | warning | never
disable: [NP013, redundant-policy]
severity: {NP005: info, all-ports: error}
thresholds:
  internet-prefix-ipv4: 16       # public IPv4 ranges wider than a /16 count as "the internet"
  internet-prefix-ipv6: 32
dns: {namespace: kube-system, labels: {k8s-app: kube-dns}}
exceptions:
  - rule: internet-ingress       # an id, a slug, or "*"
    object: shop/frontend*       # glob over ids: shop/web[Deployment], shop/allow[NetworkPolicy]
    namespace: shop              # glob; object, namespace or both
    reason: the storefront is public, behind the CDN   # required
```

Objects can also carry the annotation ``netpol.io/ignore: "NP001,internet-ingress"`` (or ``"*"``):
on a NetworkPolicy, a workload or a Namespace (which covers everything in it).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from netpol.errors import Location, Severity, shown
from netpol.findings.catalog import CHECK_RULES, LINT_RULES, lookup
from netpol.findings.records import FailOn, Finding, RuleMeta
from netpol.load.fields import Problems, YamlFile, read_yaml

__all__ = [
    "DEFAULT_CONFIG",
    "IGNORE_ANNOTATION",
    "Exemption",
    "LintConfig",
    "find_config",
    "load_config",
    "namespace_of",
    "parse_config",
    "rule_names",
]

DEFAULT_CONFIG = ".netpol.yaml"
IGNORE_ANNOTATION = "netpol.io/ignore"

_KEYS = ("fail-on", "disable", "severity", "thresholds", "dns", "exceptions")
_THRESHOLDS = ("internet-prefix-ipv4", "internet-prefix-ipv6")
_EXCEPTION_KEYS = ("rule", "object", "namespace", "reason")
_DNS_KEYS = ("namespace", "labels")
_DNS_NAMESPACE = "dns.namespace must be a namespace name"
_DNS_LABELS = "dns.labels must map label keys to string values"
_ALL_RULES = (*LINT_RULES, *CHECK_RULES)


@dataclass(frozen=True, slots=True)
class Exemption:
    """An allow-listed finding: a rule (or ``*``) on objects matching globs, with the reason."""

    rule: str
    """A rule id, or ``*``."""
    reason: str
    object: str | None = None
    namespace: str | None = None
    location: Location | None = field(default=None, compare=False)

    def matches(self, finding: Finding) -> bool:
        if self.rule not in ("*", finding.rule_id):
            return False
        ids = [finding.object] if finding.object else []
        if self.object is not None:
            on_object = bool(ids) and _glob(self.object, ids[0])
            on_subjects = bool(finding.subjects) and all(_glob(self.object, s) for s in finding.subjects)
            if not (on_object or on_subjects):
                return False
        if self.namespace is not None:
            owners = [namespace_of(i) for i in (ids or finding.subjects)]
            if not owners or not all(
                ns is not None and fnmatch.fnmatchcase(ns, self.namespace) for ns in owners
            ):
                return False
        return True


def _glob(pattern: str, ident: str) -> bool:
    """``shop/web`` matches ``shop/web[Deployment]``; ``shop/*`` matches every object in shop."""
    bare = ident.split("[", 1)[0] if ident.endswith("]") else ident
    return fnmatch.fnmatchcase(ident, pattern) or fnmatch.fnmatchcase(bare, pattern)


def namespace_of(ident: str) -> str | None:
    """``shop/web[Deployment]`` -> ``shop``; ``shop[Namespace]`` -> ``shop``; a CIDR -> None."""
    if ident.endswith("[Namespace]"):
        return ident.removesuffix("[Namespace]")
    if "/" in ident and ident.endswith("]"):
        return ident.split("/", 1)[0]
    return None


@dataclass(frozen=True, slots=True)
class LintConfig:
    disabled: frozenset[str] = frozenset()
    """Rule ids that do not run."""
    severities: tuple[tuple[str, Severity], ...] = ()
    """Rule id -> severity, overriding the default."""
    fail_on: FailOn | None = None
    """The configured threshold; the ``--fail-on`` flag wins; None: ``error``."""
    internet_prefix_v4: int = 16
    """Public IPv4 ranges wider than this prefix (more addresses than a /16) count as the internet."""
    internet_prefix_v6: int = 32
    dns_namespace: str = "kube-system"
    dns_labels: tuple[tuple[str, str], ...] = (("k8s-app", "kube-dns"),)
    exemptions: tuple[Exemption, ...] = ()
    source: str | None = None
    """The file it was read from, if any."""

    def rules(self, catalogue: Iterable[RuleMeta]) -> tuple[RuleMeta, ...]:
        """The enabled rules of ``catalogue`` with their effective severities."""
        overrides = dict(self.severities)
        return tuple(
            r.with_severity(overrides.get(r.id, r.severity)) for r in catalogue if r.id not in self.disabled
        )


def find_config(explicit: str | None, cwd: str = ".") -> str | None:
    """``--config`` when given, else ``.netpol.yaml`` in ``cwd`` when it exists."""
    if explicit is not None:
        return explicit
    candidate = os.path.join(cwd, DEFAULT_CONFIG)
    return candidate if os.path.isfile(candidate) else None


def load_config(path: str | None) -> LintConfig:
    """Read and validate a configuration file; InputError (exit code 2) with file:line if bad."""
    if path is None:
        return LintConfig()
    return parse_config(read_yaml(path, "configuration file"))


def rule_names(value: str, rules: Iterable[RuleMeta] = _ALL_RULES) -> tuple[list[str], list[str]]:
    """Rule ids named in ``"NP001, internet-ingress"``, and the names that are no rule.

    ``*`` and ``all`` name every rule (returned as ``*``).
    """
    ids: list[str] = []
    unknown: list[str] = []
    for part in value.replace(",", " ").split():
        if part in ("*", "all"):
            ids.append("*")
            continue
        rule = lookup(part, rules)
        if rule is None:
            unknown.append(part)
        else:
            ids.append(rule.id)
    return ids, unknown


def parse_config(file: YamlFile) -> LintConfig:
    p = Problems(file, "configuration file")
    data = file.value
    if data is None:
        return LintConfig(source=file.source)
    if p.mapping(data, (), what="expected a mapping of settings") is None:
        p.raise_if_any()
    p.unknown_keys(data, (), _KEYS, noun="setting")

    fail_on = None
    if "fail-on" in data:
        fail_on = p.choice(
            data["fail-on"],
            ("fail-on",),
            FailOn,
            what=f"fail-on must be one of {', '.join(f.value for f in FailOn)}",
        )

    disabled: set[str] = set()
    raw_disable = data.get("disable", [])
    if isinstance(raw_disable, str):
        raw_disable = [raw_disable]
    for i, name in enumerate(
        p.sequence(raw_disable, ("disable",), null=False, what="disable must be a list of rule ids") or ()
    ):
        disabled.update(_rules_at(p, ("disable", i), name, allow_all=False))

    severities: dict[str, Severity] = {}
    raw_sev = (
        p.mapping(
            data.get("severity", {}),
            ("severity",),
            null=False,
            what="severity must map rule ids to error, warning or info",
        )
        or {}
    )
    for name, level in raw_sev.items():
        ids = _rules_at(p, ("severity", name), name, allow_all=False)
        sev = p.choice(level, ("severity", name), Severity, what="severity must be error, warning or info")
        if sev is not None:
            severities.update(dict.fromkeys(ids, sev))

    prefixes = {"internet-prefix-ipv4": 16, "internet-prefix-ipv6": 32}
    raw_thr = (
        p.mapping(
            data.get("thresholds", {}), ("thresholds",), null=False, what="thresholds must be a mapping"
        )
        or {}
    )
    p.unknown_keys(raw_thr, ("thresholds",), _THRESHOLDS, noun="threshold")
    for key, value in raw_thr.items():
        if key not in _THRESHOLDS:
            continue
        top = 32 if key.endswith("ipv4") else 128
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            p.error(
                ("thresholds", key),
                f"{key} must be a prefix length between 0 and {top}, got {shown(value)}",
                "bad-value",
            )
            continue
        prefixes[key] = value

    dns_ns, dns_labels = "kube-system", {"k8s-app": "kube-dns"}
    dns = p.mapping(
        data.get("dns"), ("dns",), what="dns must be a mapping with namespace and labels", got=None
    )
    if dns is not None:
        p.unknown_keys(
            dns, ("dns",), _DNS_KEYS, noun="dns setting", listed=", ".join(_DNS_KEYS), typed_keys=True
        )
        ns = p.string(
            dns.get("namespace", dns_ns),
            ("dns", "namespace"),
            what=_DNS_NAMESPACE,
            got=None,
            null=False,
            empty=False,
        )
        labels = p.string_map(dns.get("labels", dns_labels), ("dns", "labels"), what=_DNS_LABELS, null=False)
        dns_ns = dns_ns if ns is None else ns
        dns_labels = dns_labels if labels is None else labels

    exemptions = _exemptions(p, data.get("exceptions", []))
    p.raise_if_any()
    return LintConfig(
        disabled=frozenset(disabled),
        severities=tuple(sorted(severities.items())),
        fail_on=fail_on,
        internet_prefix_v4=prefixes["internet-prefix-ipv4"],
        internet_prefix_v6=prefixes["internet-prefix-ipv6"],
        dns_namespace=dns_ns,
        dns_labels=tuple(sorted(dns_labels.items())),
        exemptions=exemptions,
        source=file.source,
    )


def _rules_at(p: Problems, path: tuple[str | int, ...], name: Any, *, allow_all: bool) -> list[str]:
    name = p.string(name, path, what="expected a rule id or slug", null=False)
    if name is None:
        return []
    ids, unknown = rule_names(name)
    for bad in unknown:
        p.error(
            path,
            f"unknown rule {bad!r} (ids look like NP006, slugs like "
            "internet-ingress; see docs/lint-rules.md)",
            "unknown-rule",
        )
    if "*" in ids and not allow_all:
        p.error(path, "'*' is only for exceptions; name the rules", "bad-value")
        ids = [i for i in ids if i != "*"]
    return ids


def _exemptions(p: Problems, raw: Any) -> tuple[Exemption, ...]:
    out: list[Exemption] = []
    items = p.mappings(
        raw,
        ("exceptions",),
        what="exceptions must be a list",
        null=False,
        each="an exception must be a mapping with rule, object or namespace, and reason",
        each_got="; got",
    )
    for _, path, item in items:
        p.unknown_keys(item, path, _EXCEPTION_KEYS, listed=", ".join(_EXCEPTION_KEYS), typed_keys=True)
        ids = _rules_at(p, (*path, "rule"), item.get("rule"), allow_all=True)
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            p.error(
                path if "reason" not in item else (*path, "reason"),
                "an exception needs a reason (why the finding is accepted)",
                "required",
            )
            continue
        obj, namespace = (
            p.string(item.get(key), (*path, key), what=f"{key} must be a string (a glob)")
            for key in ("object", "namespace")
        )
        if obj is None and namespace is None:
            p.error(path, "an exception needs an object or a namespace (use '*' for all)", "required")
            continue
        for rule_id in ids:
            out.append(Exemption(rule_id, reason.strip(), obj, namespace, p.file.at(*path)))
    return tuple(out)
