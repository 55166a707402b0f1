"""Suppressions: the findings an annotation (``netpol.io/ignore``) or a configured exception
accepts, shared by lint and check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from netpol.findings.config import IGNORE_ANNOTATION, Exemption, namespace_of, rule_names
from netpol.findings.records import (
    Finding,
    Suppressed,
    SuppressionKind,
    policy_ref,
    sorted_findings,
)
from netpol.model.cluster import Cluster

__all__ = ["suppress"]


def suppress(
    findings: Iterable[Finding], cluster: Cluster, exemptions: Iterable[Exemption] = ()
) -> tuple[list[Finding], tuple[Suppressed, ...]]:
    """Split ``findings`` into those reported and those an annotation or an exception accepts.

    ``netpol.io/ignore`` on the object at fault, on its namespace, or on every subject of the
    finding suppresses it; so does an exception of the configuration.
    """
    notes = _ignored_by_annotation(cluster)
    exemptions = tuple(exemptions)
    kept: list[Finding] = []
    out: list[Suppressed] = []
    for f in sorted_findings(findings):
        by = _annotation(f, notes)
        if by is not None:
            out.append(Suppressed(f, SuppressionKind.IN_SOURCE, by))
            continue
        exemption = next((e for e in exemptions if e.matches(f)), None)
        if exemption is not None:
            out.append(Suppressed(f, SuppressionKind.EXTERNAL, exemption.reason))
            continue
        kept.append(f)
    return kept, tuple(out)


def _ignored_by_annotation(cluster: Cluster) -> dict[str, set[str]]:
    """Object id -> rule ids (or ``*``) its ``netpol.io/ignore`` annotation names."""
    out: dict[str, set[str]] = {}

    def add(ident: str, annotations: Mapping[str, str]) -> None:
        value = annotations.get(IGNORE_ANNOTATION)
        if value:
            out[ident] = set(rule_names(value)[0])

    for ns in cluster.namespaces:
        add(f"{ns.name}[Namespace]", ns.annotations)
    for ep in cluster.endpoints:
        add(ep.id, ep.annotations)
    for pol in cluster.policies:
        add(policy_ref(pol), pol.annotations)
    return out


def _annotation(f: Finding, notes: Mapping[str, set[str]]) -> str | None:
    def says(ident: str) -> str | None:
        for who in (ident, f"{namespace_of(ident)}[Namespace]"):
            names = notes.get(who, ())
            if "*" in names or f.rule_id in names:
                return who
        return None

    if f.object:
        who = says(f.object)
        if who is not None:
            return f"{IGNORE_ANNOTATION} on {who}"
    if f.subjects:
        whos = [says(s) for s in f.subjects]
        if all(w is not None for w in whos):
            return f"{IGNORE_ANNOTATION} on {', '.join(sorted({w for w in whos if w}))}"
    return None
