"""``netpol suggest``'s output: the suggested NetworkPolicies as commented multi-document YAML,
all in one text or one text per namespace (``--out DIR``)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from netpol.core.yamlout import dump_yaml, yaml_comment
from netpol.suggest import Mismatch, SuggestedPolicy, Suggestion

__all__ = ["suggestion_json", "suggestion_yaml", "suggestion_yaml_by_namespace"]


def _header(s: Suggestion, namespaces: Iterable[str]) -> list[str]:
    shown = list(namespaces)
    lines = [
        "Suggested by netpol suggest: least-privilege NetworkPolicies for the observed flows.",
        (
            f"They add to the current policies of namespace(s) {', '.join(shown)} what those lack."
            if s.keep_existing
            else f"They replace the NetworkPolicies of namespace(s) {', '.join(shown)}."
        )
        if shown
        else "They cover no namespace.",
        f"Self-check: {s.tally.text()}.",
    ]
    lines += [f"Note: {n}" for n in s.notes]
    return lines


def _policy(p: SuggestedPolicy) -> str:
    return yaml_comment(p.comments) + dump_yaml(dict(p.manifest))


def suggestion_yaml(s: Suggestion) -> str:
    """Every suggested policy, namespace by namespace, after a header that says what the set
    covers and how it checked itself."""
    docs = [_policy(p) for p in s.policies]
    return yaml_comment(_header(s, s.covered)) + "".join(f"---\n{d}" for d in docs)


def suggestion_yaml_by_namespace(s: Suggestion) -> dict[str, str]:
    """Namespace -> the YAML of its suggested policies (``--out DIR`` writes ``DIR/NS.yaml``)."""
    out: dict[str, list[str]] = {}
    for p in s.policies:
        out.setdefault(p.namespace, []).append(_policy(p))
    return {
        ns: yaml_comment(_header(s, [ns])) + "".join(f"---\n{d}" for d in docs)
        for ns, docs in sorted(out.items())
    }


def suggestion_json(s: Suggestion) -> str:
    """The suggestion for machines: the policies as a ``v1`` List, the namespaces covered, the
    self-check's tally (with any difference) and the notes."""
    t = s.tally

    def mismatch(m: Mismatch) -> dict[str, object]:
        return {"src": m.src, "dst": m.dst, "allowed": m.allowed.to_json(), "observed": m.expected.to_json()}

    doc = {
        "covered": list(s.covered),
        "tally": {
            "flows": t.flows,
            "connections": t.connections,
            "allowed": t.allowed,
            "exact": t.exact,
            "missing": [mismatch(m) for m in t.missing],
            "held": [mismatch(m) for m in t.held],
            "extra": [mismatch(m) for m in t.extra],
        },
        "notes": list(s.notes),
        "policies": {"apiVersion": "v1", "kind": "List", "items": [dict(p.manifest) for p in s.policies]},
    }
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"
