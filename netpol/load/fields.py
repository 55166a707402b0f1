"""YAML files that are no Kubernetes manifests (the lint configuration, intent files).

They are read through :mod:`netpol.load`, so malformed YAML and duplicate keys are reported exactly
as for manifests, and every later error points at its line with the same :class:`Locator`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netpol.errors import Diagnostic, InputError, Location, Severity
from netpol.load.files import Locator, parse_documents, read_text

__all__ = ["Problems", "YamlFile", "read_yaml", "type_name"]


@dataclass(frozen=True, slots=True)
class YamlFile:
    source: str
    value: Any
    locator: Locator

    def at(self, *path: str | int) -> Location:
        """The line of the deepest node of ``path`` that exists."""
        return self.locator.locate(self.source, 1, path)


@dataclass(slots=True)
class Problems:
    """Errors found while reading one file, each at its line; raised together as an InputError."""

    file: YamlFile
    what: str
    found: list[Diagnostic] = field(default_factory=list)

    def error(self, path: tuple[str | int, ...], message: str, code: str = "invalid") -> None:
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


def type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)
