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

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from netpol.errors import Diagnostic, InputError, Location, Severity, shown
from netpol.load.files import Locator, parse_documents, read_text

__all__ = ["FieldPath", "FieldReader", "Problems", "YamlFile", "read_yaml", "type_name"]

FieldPath = Sequence[str | int]
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


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
    else ``expected <a type>, got <type>``. ``got`` joins the two (``"; got"`` after a ``what``
    that lists with commas); ``got=None``: the message is ``what`` alone.

    Null is absence (the read returns None) unless ``null=False``: then it is a wrong value too
    (a setting given without a value, an item of a list).
    """

    failed = False

    def report(self, path: FieldPath, message: str, code: str) -> None:
        raise NotImplementedError

    def error(self, path: FieldPath, message: str, code: str = "invalid") -> None:
        self.failed = True
        self.report(path, message, code)

    def _wrong(
        self, path: FieldPath, value: Any, expected: str, what: str | None, got: str | None = ", got"
    ) -> None:
        head = what if what is not None else f"expected {expected}"
        self.error(path, head if got is None else f"{head}{got} {type_name(value)}", "wrong-type")

    def mapping(
        self,
        value: Any,
        path: FieldPath,
        *,
        allowed: Iterable[str] = (),
        what: str | None = None,
        got: str | None = ", got",
        null: bool = True,
        empty: bool = True,
    ) -> Mapping[str, Any] | None:
        """A mapping (None when absent); keys outside ``allowed`` (when given) are unknown, listed
        sorted. ``empty=False``: an empty mapping is wrong too."""
        if value is None and null:
            return None
        if not isinstance(value, Mapping) or (not value and not empty):
            self._wrong(path, value, "a mapping", what, got)
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
        typed_keys: bool = False,
    ) -> None:
        """Report every key of ``value`` that is not ``allowed``: ``unknown <noun> 'key' (expected
        <listed>)``, by default ``one of:`` the allowed keys in their order.

        The key's field path holds it as text (``spec.1``); ``typed_keys``: as YAML typed it
        (an integer key is ``[1]``), as intent files and some settings have always shown it.
        """
        names = listed if listed is not None else "one of: " + ", ".join(allowed)
        for key in value:
            if key not in allowed:
                part = key if typed_keys else str(key)
                self.error([*path, part], f"unknown {noun} {key!r} (expected {names})", "unknown-field")

    def has(
        self, value: Mapping[str, Any], key: str, path: FieldPath, message: str, *, null: bool = True
    ) -> bool:
        """Whether the mapping at ``path`` holds ``key``; if not, ``message`` (``required``) at the
        mapping. A null value is absent too, unless ``null=False`` (the key's read judges it)."""
        if key in value and (value[key] is not None or not null):
            return True
        self.error(path, message, "required")
        return False

    def sequence(
        self,
        value: Any,
        path: FieldPath,
        *,
        what: str | None = None,
        got: str | None = ", got",
        null: bool = True,
    ) -> list[Any] | None:
        if value is None and null:
            return None
        if not isinstance(value, list):
            self._wrong(path, value, "a list", what, got)
            return None
        return value

    def mappings(
        self,
        value: Any,
        path: FieldPath,
        *,
        what: str | None = None,
        null: bool = True,
        each: str | None = None,
        each_got: str | None = ", got",
    ) -> Iterator[tuple[int, tuple[str | int, ...], Mapping[str, Any]]]:
        """The items of a list of mappings, each with its index and field path. A list item is never
        absent: one that is no mapping (null too) is reported as ``<each><each_got> <type>`` and
        skipped."""
        for i, item in enumerate(self.sequence(value, path, what=what, null=null) or ()):
            at = (*path, i)
            m = self.mapping(item, at, what=each, got=each_got, null=False)
            if m is not None:
                yield i, at, m

    def string(
        self,
        value: Any,
        path: FieldPath,
        *,
        what: str | None = None,
        got: str | None = ", got",
        null: bool = True,
        empty: bool = True,
    ) -> str | None:
        """A string (None when absent). ``empty=False``: an empty string is wrong too."""
        if value is None and null:
            return None
        if not isinstance(value, str) or (not value and not empty):
            self._wrong(path, value, "a string", what, got)
            return None
        return value

    def string_map(
        self, value: Any, path: FieldPath, *, what: str, null: bool = True
    ) -> dict[str, str] | None:
        """A mapping of strings to strings (labels); else ``what``, which names no type: the wrong
        part may be any key or value."""
        if value is None and null:
            return None
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.error(path, what, "wrong-type")
            return None
        return dict(value)

    def string_or_mapping(
        self,
        value: Any,
        path: FieldPath,
        *,
        what: str | None = None,
        got: str | None = ", got",
        empty: bool = True,
    ) -> str | Mapping[str, Any] | None:
        """A string, or a mapping (``empty=False``: a non-empty one); given, so never null."""
        if isinstance(value, str):
            return value
        return self.mapping(
            value, path, what=what or "expected a string or a mapping", got=got, null=False, empty=empty
        )

    def integer(self, value: Any, path: FieldPath, *, what: str | None = None) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(path, value, "an integer", what)
            return None
        return value

    def choice(
        self,
        value: Any,
        path: FieldPath,
        enum: type[E],
        *,
        what: str,
        code: str = "bad-value",
        null: bool = False,
    ) -> E | None:
        """One of ``enum``'s values, in any case (folded to the case its values are written in);
        else ``<what>, got <the value>``. Null too, unless ``null=True``: the key was given."""
        if value is None and null:
            return None
        if isinstance(value, str):
            fold = str.upper if all(member.value.isupper() for member in enum) else str.lower
            try:
                return enum(fold(value))
            except ValueError:
                pass
        self.error(path, f"{what}, got {shown(value)}", code)
        return None

    def parsed(
        self,
        value: Any,
        path: FieldPath,
        parse: Callable[[Any], T],
        accepts: type | tuple[type, ...],
        *,
        what: str,
        code: str,
    ) -> T | None:
        """``parse(value)`` for a value of a type it ``accepts`` (None when absent); a value of
        another type, or one it refuses with ValueError, is ``<what>: <the reason>``."""
        if value is None:
            return None
        try:
            if not isinstance(value, accepts):
                raise ValueError(f"got {shown(value)}")
            return parse(value)
        except ValueError as exc:
            self.error(path, f"{what}: {exc}", code)
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
