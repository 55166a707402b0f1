"""Label selectors (the "Label selectors" page of the Kubernetes docs), parsed once, matched many times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["LabelSelector", "Operator", "Requirement"]


class Operator(StrEnum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op is Operator.IN:
            return labels.get(self.key) in self.values
        if op is Operator.NOT_IN:
            # "NotIn" matches objects that do not have the key at all.
            return self.key not in labels or labels[self.key] not in self.values
        if op is Operator.EXISTS:
            return self.key in labels
        return self.key not in labels

    def __str__(self) -> str:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key
        if op is Operator.DOES_NOT_EXIST:
            return f"!{self.key}"
        word = "in" if op is Operator.IN else "notin"
        return f"{self.key} {word} ({','.join(self.values)})"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """matchLabels and matchExpressions, ANDed. The empty selector matches everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels) and all(
            r.matches(labels) for r in self.expressions
        )

    def __str__(self) -> str:
        """kubectl's spelling: ``app=api,tier in (a,b),!legacy``; ``{}`` for the empty selector."""
        if self.is_empty:
            return "{}"
        parts = [f"{k}={v}" for k, v in self.match_labels]
        parts += [str(r) for r in self.expressions]
        return ",".join(parts)

    def values_of(self, key: str) -> frozenset[str] | None:
        """The values this selector limits ``key`` to (matchLabels, In), or None when it allows
        values it does not list."""
        values: set[str] | None = None
        for k, v in self.match_labels:
            if k == key:
                values = {v} if values is None else values & {v}
        for r in self.expressions:
            if r.key == key and r.operator is Operator.IN:
                values = set(r.values) if values is None else values & set(r.values)
        return None if values is None else frozenset(values)

    def witness(self, fixed: Mapping[str, str] | None = None) -> dict[str, str] | None:
        """The fewest labels this selector matches (with ``fixed`` among them), or None when no
        label set can match it (``app=a`` and ``app notin (a)``).

        A key gets a label only where the selector needs one (matchLabels, In, Exists); among the
        values it allows, the first in sort order, so the answer is the same on every run. An
        Exists key gets a value no NotIn of the selector excludes.
        """
        labels = dict(fixed or {})
        keys = {k for k, _ in self.match_labels} | {r.key for r in self.expressions}
        for key in sorted(keys):
            allowed: set[str] | None = None  # None: any value
            needed = False
            excluded: set[str] = set()
            for k, v in self.match_labels:
                if k == key:
                    allowed = {v} if allowed is None else allowed & {v}
                    needed = True
            for r in self.expressions:
                if r.key != key:
                    continue
                if r.operator is Operator.IN:
                    allowed = set(r.values) if allowed is None else allowed & set(r.values)
                    needed = True
                elif r.operator is Operator.EXISTS:
                    needed = True
                elif r.operator is Operator.NOT_IN:
                    excluded |= set(r.values)
            if key in labels or not needed:
                continue
            choices = sorted(allowed - excluded) if allowed is not None else [_fresh(excluded)]
            if not choices:
                return None
            labels[key] = choices[0]
        return labels if self.matches(labels) else None


def _fresh(excluded: set[str]) -> str:
    """A label value none of ``excluded`` is: ``x``, else ``x1``, ``x2``..."""
    value, n = "x", 0
    while value in excluded:
        n += 1
        value = f"x{n}"
    return value
