"""Model stage: one object's fields read with their field paths, every problem a diagnostic.

Validation follows what the API server accepts; names, labels and annotations as
ValidateObjectMeta checks them (:mod:`netpol.model.names`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from netpol.core.selectors import LabelSelector, Operator, Requirement
from netpol.errors import Diagnostic, Severity
from netpol.load.fields import FieldReader, type_name
from netpol.model.names import (
    annotation_key_errors,
    annotations_size_errors,
    is_qualified_name,
    is_valid_label_value,
)
from netpol.model.resources import Origin

__all__ = ["Checker", "join_errors", "key_path", "type_name"]


class Checker(FieldReader):
    """Reads one object's fields, collecting diagnostics with their field paths."""

    def __init__(self, origin: Origin, kind: str, sink: list[Diagnostic]) -> None:
        self.origin = origin
        self.kind = kind
        self.sink = sink
        self.failed = False

    def report(self, path: Sequence[str | int], message: str, code: str) -> None:
        self.sink.append(Diagnostic(Severity.ERROR, code, message, self.origin.at(*path)))

    def warn(self, path: Sequence[str | int], message: str, code: str) -> None:
        self.sink.append(Diagnostic(Severity.WARNING, code, message, self.origin.at(*path)))

    def labels(self, value: Any, path: Sequence[str | int]) -> dict[str, str]:
        """A label map (metadata.labels, a selector's matchLabels): ValidateLabels checks every key
        as a qualified name and every value as a label value (apis/meta/v1/validation)."""
        m = self.mapping(value, path)
        out: dict[str, str] = {}
        for k, v in (m or {}).items():
            key = str(k)
            at = key_path(path, key)
            if not isinstance(v, str):
                self.error(at, f"label values must be strings, got {type_name(v)} (quote it)", "wrong-type")
                continue
            if errs := is_qualified_name(key):
                self.error(at, f"invalid label key {key!r}: {join_errors(errs)}", "bad-label-key")
                continue
            if errs := is_valid_label_value(v):
                self.error(
                    at, f"invalid value {v!r} of label {key!r}: {join_errors(errs)}", "bad-label-value"
                )
                continue
            out[key] = v
        return out

    def annotations(self, value: Any, path: Sequence[str | int]) -> None:
        """ValidateAnnotations (apimachinery pkg/api/validation/objectmeta.go): keys, total size."""
        m = self.mapping(value, path)
        if not m:
            return
        texts: dict[str, str] = {}
        for k, v in m.items():
            key = str(k)
            at = key_path(path, key)
            if not isinstance(v, str):
                self.error(
                    at, f"annotation values must be strings, got {type_name(v)} (quote it)", "wrong-type"
                )
                continue
            if errs := annotation_key_errors(key):
                self.error(at, f"invalid annotation key {key!r}: {join_errors(errs)}", "bad-annotation-key")
            texts[key] = v
        if errs := annotations_size_errors(texts):
            self.error(path, f"annotations too long: {join_errors(errs)}", "annotations-too-long")

    def selector(self, value: Any, path: Sequence[str | int]) -> LabelSelector:
        m = self.mapping(value, path, allowed=("matchLabels", "matchExpressions"))
        if m is None:
            return LabelSelector()
        labels = self.labels(m.get("matchLabels"), [*path, "matchLabels"])
        reqs: list[Requirement] = []
        exprs = self.sequence(m.get("matchExpressions"), [*path, "matchExpressions"]) or []
        for i, raw in enumerate(exprs):
            p = [*path, "matchExpressions", i]
            e = self.mapping(raw, p, allowed=("key", "operator", "values"))
            if e is None:
                self.error(p, "a match expression must be a mapping", "wrong-type")
                continue
            key = self.string(e.get("key"), [*p, "key"])
            if not key:
                self.error([*p, "key"], "key is required", "required")
                continue
            # ValidateLabelSelectorRequirement: ValidateLabelName(sr.Key), and each of sr.Values
            # IsValidLabelValue (AllowInvalidLabelValueInSelector is false on create).
            if errs := is_qualified_name(key):
                self.error([*p, "key"], f"invalid label key {key!r}: {join_errors(errs)}", "bad-label-key")
                continue
            op_raw = e.get("operator")
            try:
                op = Operator(op_raw if isinstance(op_raw, str) else "")
            except ValueError:
                self.error(
                    [*p, "operator"],
                    f"unknown operator {op_raw!r} (expected In, NotIn, Exists or DoesNotExist)",
                    "unknown-operator",
                )
                continue
            values_raw = self.sequence(e.get("values"), [*p, "values"]) or []
            values = []
            for j, v in enumerate(values_raw):
                s = self.string(v, [*p, "values", j])
                if s is None:
                    continue
                if errs := is_valid_label_value(s):
                    self.error(
                        [*p, "values", j],
                        f"invalid label value {s!r}: {join_errors(errs)}",
                        "bad-label-value",
                    )
                    continue
                values.append(s)
            if op in (Operator.IN, Operator.NOT_IN) and not values_raw:
                self.error([*p, "values"], f"operator {op.value} needs at least one value", "missing-values")
                continue
            if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and values_raw:
                self.error([*p, "values"], f"operator {op.value} takes no values", "unexpected-values")
                continue
            reqs.append(Requirement(key, op, tuple(sorted(set(values)))))
        return LabelSelector(tuple(sorted(labels.items())), tuple(reqs))


def join_errors(errors: Iterable[str]) -> str:
    return "; ".join(errors)


def key_path(path: Sequence[str | int], key: str) -> list[str | int]:
    """The field path of a map key; a key that cannot be shown raw (empty, a newline, an escape
    sequence) stays out of the path, and the message names it with repr()."""
    return [*path, key] if key and key.isprintable() else list(path)
