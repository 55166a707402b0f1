"""Load stage: typed reads of parsed YAML fields, each problem reported at its field path.

One reader for the three kinds of file netpol reads field by field: manifests (the model's
:class:`~netpol.model.checker.Checker`), intent files and the lint configuration
(:class:`Problems`). A read returns the value when it has the wanted type, or reports the
problem (``wrong-type``, ``unknown-field``, ``bad-value``) and returns None.

YAML files that are no Kubernetes manifests are read through :mod:`netpol.load`, so malformed YAML
and duplicate keys are reported exactly as for manifests, and every later error points at its
line with the same :class:`Locator`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from netpol.errors import Diagnostic, InputError, Location, Severity, shown
from netpol.load.files import Locator, parse_documents, read_text

__all__ = ["FieldPath", "FieldReader", "Problems", "YamlFile", "read_yaml", "type_name"]

FieldPath = Sequence[str | int]
E = TypeVar("E", bound=StrEnum)


def type_name(value: Any) -> str:
    """What a parsed value is, in words: ``a mapping``, ``a string``, ``null``."""
    if value is None:
        return "null"
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)


class FieldReader:
    """Typed reads of one document's fields. Subclasses say where a problem goes (:meth:`report`).

    Each read takes the value, its field path and, optionally, ``what`` the field must be in
    words (``"disable must be a list of rule ids"``); the message is then ``<what>, got <type>``,
    else ``expected <a type>, got <type>``.
    """

    failed = False

    def report(self, path: FieldPath, message: str, code: str) -> None:
        raise NotImplementedError

    def error(self, path: FieldPath, message: str, code: str = "invalid") -> None:
        self.failed = True
        self.report(path, message, code)

    def _wrong(self, path: FieldPath, value: Any, expected: str, what: str | None) -> None:
        head = what if what is not None else f"expected {expected}"
        self.error(path, f"{head}, got {type_name(value)}", "wrong-type")

    def mapping(
        self,
        value: Any,
        path: FieldPath,
        *,
        allowed: Iterable[str] = (),
        what: str | None = None,
        null: bool = True,
    ) -> Mapping[str, Any] | None:
        """A mapping (None when absent); keys outside ``allowed`` (when given) are unknown.
        ``null=False``: a null value is wrong too (a setting given without a value)."""
        if value is None:
            if not null:
                self._wrong(path, value, "a mapping", what)
            return None
        if not isinstance(value, Mapping):
            self._wrong(path, value, "a mapping", what)
            return None
        known = sorted(set(allowed))
        if known:
            self.unknown_keys(value, path, known)
        return value

    def unknown_keys(
        self,
        value: Mapping[Any, Any],
        path: FieldPath,
        allowed: Sequence[str],
        *,
        noun: str = "field",
        listed: str | None = None,
    ) -> None:
        """Report every key of ``value`` that is not ``allowed`` (listed in that order)."""
        names = listed if listed is not None else ", ".join(allowed)
        for key in value:
            if key not in allowed:
                self.error(
                    [*path, str(key)], f"unknown {noun} {key!r} (expected one of: {names})", "unknown-field"
                )

    def sequence(
        self, value: Any, path: FieldPath, *, what: str | None = None, null: bool = True
    ) -> list[Any] | None:
        if value is None:
            if not null:
                self._wrong(path, value, "a list", what)
            return None
        if not isinstance(value, list):
            self._wrong(path, value, "a list", what)
            return None
        return value

    def string(self, value: Any, path: FieldPath, *, what: str | None = None) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self._wrong(path, value, "a string", what)
            return None
        return value

    def integer(self, value: Any, path: FieldPath, *, what: str | None = None) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(path, value, "an integer", what)
            return None
        return value

    def choice(
        self, value: Any, path: FieldPath, enum: type[E], *, what: str, code: str = "bad-value"
    ) -> E | None:
        """One of ``enum``'s values, in any case; else ``<what>, got <the value>`` (null too: the
        key was given)."""
        if isinstance(value, str):
            try:
                return enum(value.lower())
            except ValueError:
                pass
        self.error(path, f"{what}, got {shown(value)}", code)
        return None


@dataclass(frozen=True, slots=True)
class YamlFile:
    source: str
    value: Any
    locator: Locator

    def at(self, *path: str | int) -> Location:
        """The line of the deepest node of ``path`` that exists."""
        return self.locator.locate(self.source, 1, path)


@dataclass(slots=True)
class Problems(FieldReader):
    """Errors found while reading one file, each at its line; raised together as an InputError."""

    file: YamlFile
    what: str
    found: list[Diagnostic] = field(default_factory=list)

    def report(self, path: FieldPath, message: str, code: str) -> None:
        self.found.append(Diagnostic(Severity.ERROR, code, message, self.file.at(*path)))

    def raise_if_any(self) -> None:
        if self.found:
            n = len(self.found)
            raise InputError(f"{n} error(s) in {self.what} {self.file.source}", tuple(self.found))


def read_yaml(path: str, what: str) -> YamlFile:
    """Read one YAML document; raise InputError (exit code 2) with located diagnostics."""
    text = read_text(path, what)  # the limits of manifests: no device, no endless file
    documents, loaded = parse_documents(text, path)  # and their reading: go-yaml's, as kubectl's
    errors = tuple(d for d in loaded.diagnostics if d.severity is Severity.ERROR)
    if errors:
        raise InputError(f"{what} {path} is not valid YAML", errors)
    if len(documents) > 1:
        raise InputError(f"{what} {path} holds {len(documents)} YAML documents; expected one")
    return YamlFile(path, documents[0] if documents else None, loaded.locator)
