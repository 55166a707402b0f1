"""The lint rule registry: every check function, registered with the ids of the rules it reports.

    @rule(RuleId.INTERNET_INGRESS, RuleId.INTERNET_EGRESS)
    def internet(ctx: Context) -> Iterator[Finding]: ...

The decorator ties the code to the catalogue (:data:`~netpol.findings.catalog.LINT_RULES`, which
holds each rule's slug and help text): an id that is no lint rule, or one that another check
already reports, fails when the module defining the check is imported. :func:`netpol.lint.lint`
runs the registered checks, in the order of their lowest id; a check runs when one of its rules
is enabled, and may report only the ids it was registered with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from netpol.findings.catalog import LINT_RULES, RuleId
from netpol.findings.records import Finding, RuleMeta
from netpol.lint.context import Context

__all__ = ["LINT", "Check", "Registered", "Registry", "rule"]

Check = Callable[[Context], Iterable[Finding]]
"""A lint check: the findings of its rules on the AllowGraph the context holds."""

_C = TypeVar("_C", bound=Check)


@dataclass(frozen=True, slots=True)
class Registered:
    """A check function and the rules it reports."""

    ids: tuple[RuleId, ...]
    """In the order the decorator names them."""
    rules: tuple[RuleMeta, ...]
    """Their catalogue entries, in the same order."""
    check: Check

    @property
    def name(self) -> str:
        return f"{self.check.__module__}.{self.check.__qualname__}"


class Registry:
    """The checks of a catalogue's rules, filled once, as the modules defining them are imported."""

    def __init__(self, catalogue: Iterable[RuleMeta]) -> None:
        self._catalogue = {RuleId(r.id): r for r in catalogue}
        self._checks: list[Registered] = []
        self._owner: dict[RuleId, Registered] = {}
        """Every registered id -> the check that reports it."""

    def rule(self, *ids: RuleId) -> Callable[[_C], _C]:
        """Register the decorated function as the check reporting ``ids`` (it is left unchanged)."""
        if not ids:
            raise ValueError("@rule needs the id of at least one rule the check reports")
        for rule_id in ids:
            if not isinstance(rule_id, RuleId):
                raise TypeError(f"@rule takes RuleId members, not {rule_id!r}")
            if rule_id not in self._catalogue:
                raise ValueError(f"@rule: {rule_id} {rule_id.slug} is not a lint rule of the catalogue")
        if len(set(ids)) != len(ids):
            raise ValueError(f"@rule names a rule twice: {', '.join(ids)}")
        rules = tuple(self._catalogue[i] for i in ids)

        def register(check: _C) -> _C:
            entry = Registered(ids, rules, check)
            for rule_id in ids:
                if rule_id in self._owner:
                    raise ValueError(
                        f"@rule: {rule_id} {rule_id.slug} is already reported by "
                        f"{self._owner[rule_id].name}; {entry.name} cannot register it too"
                    )
            self._checks.append(entry)
            self._owner.update(dict.fromkeys(ids, entry))
            return check

        return register

    def checks(self) -> tuple[Registered, ...]:
        """Every registered check, in the order of the lowest id it reports (not of imports)."""
        return tuple(sorted(self._checks, key=lambda c: min(c.ids)))

    def missing(self) -> tuple[RuleId, ...]:
        """The ids of the catalogue that no check reports."""
        return tuple(i for i in self._catalogue if i not in self._owner)

    def run(self, ctx: Context) -> Iterator[Finding]:
        """The findings of every check with an enabled rule, check by check."""
        for entry in self.checks():
            if not ctx.wants(*entry.ids):
                continue
            for finding in entry.check(ctx):
                if finding.rule_id not in entry.ids:
                    raise ValueError(
                        f"{entry.name} reported {finding.rule_id}, which it is not registered for "
                        f"(@rule({', '.join(entry.ids)}))"
                    )
                yield finding


LINT = Registry(LINT_RULES)
"""The checks of netpol lint, registered by netpol.lint's rule modules."""

rule = LINT.rule
