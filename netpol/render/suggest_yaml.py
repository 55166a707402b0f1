"""``netpol suggest``'s output: the suggested NetworkPolicies as commented multi-document YAML,
all in one text or one text per namespace (``--out DIR``)."""

from __future__ import annotations

from collections.abc import Iterable

from netpol.core.escaping import terminal
from netpol.core.yamlout import dump_yaml
from netpol.suggest import SuggestedPolicy, Suggestion

__all__ = ["suggestion_yaml", "suggestion_yaml_by_namespace"]


def _comment(lines: Iterable[str]) -> str:
    """Comment lines; input-derived text escaped, so no newline or control character in a name
    can end the comment and start YAML."""
    return "".join(f"# {terminal(line)}\n" for line in lines)


def _header(s: Suggestion, namespaces: Iterable[str]) -> list[str]:
    shown = list(namespaces)
    lines = [
        "Suggested by netpol suggest: least-privilege NetworkPolicies for the observed flows.",
        f"They replace the NetworkPolicies of namespace(s) {', '.join(shown)}."
        if shown
        else "They cover no namespace.",
        f"Self-check: {s.tally.text()}.",
    ]
    lines += [f"Note: {n}" for n in s.notes]
    return lines


def _policy(p: SuggestedPolicy) -> str:
    return _comment(p.comments) + dump_yaml(dict(p.manifest))


def suggestion_yaml(s: Suggestion) -> str:
    """Every suggested policy, namespace by namespace, after a header that says what the set
    covers and how it checked itself."""
    docs = [_policy(p) for p in s.policies]
    return _comment(_header(s, s.covered)) + "".join(f"---\n{d}" for d in docs)


def suggestion_yaml_by_namespace(s: Suggestion) -> dict[str, str]:
    """Namespace -> the YAML of its suggested policies (``--out DIR`` writes ``DIR/NS.yaml``)."""
    out: dict[str, list[str]] = {}
    for p in s.policies:
        out.setdefault(p.namespace, []).append(_policy(p))
    return {
        ns: _comment(_header(s, [ns])) + "".join(f"---\n{d}" for d in docs)
        for ns, docs in sorted(out.items())
    }
