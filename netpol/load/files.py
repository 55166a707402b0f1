"""The load stage: files, folders and stdin -> :class:`RawObject` records that know their origin.

Files are read with limits (no device, no endless file, a size bound), decoded, and handed to
:mod:`netpol.load.yaml` or :mod:`netpol.load.json` document by document; Lists are expanded into
their items. The fast path keeps no positions: they are recovered on the error path only, by the
:class:`~netpol.load.locate.Locator`.
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TextIO

from netpol.errors import Diagnostic, InputError, Location, Severity
from netpol.load.json import parse_json_stream, skip_space
from netpol.load.locate import Failure, FieldPath, Locator
from netpol.load.yaml import alias_budget, normalise, read_documents

__all__ = [
    "DEFAULT_MAX_INPUT_SIZE",
    "NOT_AN_OBJECT",
    "LoadResult",
    "Locator",
    "RawObject",
    "alias_budget",
    "is_manifest_name",
    "load_paths",
    "load_sources",
    "load_text",
    "parse_documents",
    "read_text",
]

NOT_AN_OBJECT = "<not a Kubernetes object>"
"""The :attr:`LoadResult.skipped` key for documents without a string ``kind`` and ``apiVersion``."""


DEFAULT_MAX_INPUT_SIZE = 512 * 1024 * 1024
"""Bytes one file (or stdin) may hold (``--max-input-size``); a larger one is refused unread."""

_EXTENSIONS = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class RawObject:
    """One Kubernetes object as parsed, and where it sits."""

    data: Mapping[str, Any]
    """The object as parsed (a dict); ``kind``/``apiVersion`` filled in from a typed List."""
    kind: str
    source: str
    """The file path as the user gave it (joined with the path inside a folder), or ``<stdin>``."""
    document: int | None
    """1-based index of the YAML document (or JSON value) within the source; None for an
    object read from a live cluster (netpol.live), whose source is its own API path."""
    path: FieldPath = ()
    """Where the object sits in its document: ``()`` or ``("items", 3)``."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    objects: tuple[RawObject, ...]
    diagnostics: tuple[Diagnostic, ...]
    skipped: Mapping[str, int]
    """``NOT_AN_OBJECT`` -> count; the model stage adds the kinds it does not support."""
    locator: Locator
    files: tuple[str, ...] = ()
    """The real path of every file read (what ``--out`` must never overwrite)."""


def load_paths(
    paths: Sequence[str], *, stdin: TextIO | None = None, max_size: int = DEFAULT_MAX_INPUT_SIZE
) -> LoadResult:
    """Load files, folders (recursively: ``.yaml``, ``.yml``, ``.json``) and ``-`` (``stdin``,
    ``sys.stdin`` when not given). Problems become diagnostics; nothing is raised for bad input.

    A file (or stdin) over ``max_size`` bytes is refused, and so is a device given by name; in a
    folder, FIFOs, sockets and devices are skipped unopened and symlinked folders are not followed,
    each with a warning.
    """
    loader = _Loader(max_size)
    for path in paths:
        if path == "-":
            loader.load_stream(sys.stdin if stdin is None else stdin)
        else:
            loader.load_path(path)
    return loader.result()


def load_text(text: str, source: str = "<string>") -> LoadResult:
    """Load manifests held in a string, exactly as a file named ``source`` would be."""
    loader = _Loader()
    loader.load_source(text, source, is_json=_is_json_name(source) or None)
    return loader.result()


def load_sources(sources: Sequence[tuple[str, bytes]]) -> LoadResult:
    """Load files held in memory, as ``(name, content)`` pairs, in the order given (the way
    ``netpol diff --git`` reads blobs from git without writing them to disk)."""
    loader = _Loader()
    for name, data in sources:
        if len(data) > loader.max_size:
            loader.too_large(name, len(data))
            continue
        text = loader.decode(data, name)
        if text is not None:
            loader.load_source(text, name, is_json=_is_json_name(name) or None)
    return loader.result()


def read_text(
    path: str, what: str, *, max_size: int = DEFAULT_MAX_INPUT_SIZE, stdin: TextIO | None = None
) -> str:
    """The text of one file that is no manifest (an intent file, the lint configuration, a flow
    file), read with the same limits as manifests, ``-`` from ``stdin`` (``sys.stdin`` when not
    given); InputError (exit code 2) with the reason otherwise."""
    loader = _Loader(max_size)
    if path == "-":
        text = loader.read_stream(sys.stdin if stdin is None else stdin)
    else:
        data = loader.read_file(path, explicit=True)
        text = None if data is None else loader.decode(data, path)
    if text is None:
        raise InputError(f"cannot read {what} {path}", tuple(loader.diagnostics))
    return text


def parse_documents(text: str, source: str) -> tuple[list[Any], LoadResult]:
    """The documents of a YAML (or JSON) text that holds no Kubernetes objects (an intent file,
    the lint configuration), read exactly as manifests are: the values of the documents that
    parse, and the LoadResult with the diagnostics and the Locator."""
    loader = _DocumentLoader()
    loader.load_source(text, source, is_json=_is_json_name(source) or None)
    return loader.values, loader.result()


def is_manifest_name(name: str) -> bool:
    """Whether a folder scan reads this file name: ``.yaml``, ``.yml`` or ``.json``, not hidden."""
    return not name.startswith(".") and name.lower().endswith(_EXTENSIONS)


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"


def _file_type(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


class _Loader:
    """Collects objects, diagnostics and skip counts over the sources of one load."""

    def __init__(self, max_size: int = DEFAULT_MAX_INPUT_SIZE) -> None:
        self.max_size = max_size
        self.objects: list[RawObject] = []
        self.diagnostics: list[Diagnostic] = []
        self.skipped: Counter[str] = Counter()
        self.locator = Locator()
        self.seen: set[str] = set()

    def result(self) -> LoadResult:
        return LoadResult(
            tuple(self.objects),
            tuple(self.diagnostics),
            MappingProxyType(dict(sorted(self.skipped.items()))),
            self.locator,
            tuple(sorted(s for s in self.seen if s != "-")),
        )

    def error(self, code: str, message: str, location: Location) -> None:
        self.diagnostics.append(Diagnostic(Severity.ERROR, code, message, location))

    def warn(self, code: str, message: str, location: Location) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, code, message, location))

    def too_large(self, source: str, size: int | None) -> None:
        what = "more than" if size is None else f"{_size(size)}, over"
        self.error(
            "too-large",
            f"{what} the input size limit of {_size(self.max_size)}; "
            "refused (raise it with --max-input-size)",
            Location(source),
        )

    def load_stream(self, stream: TextIO) -> None:
        if "-" in self.seen:
            return
        self.seen.add("-")
        text = self.read_stream(stream)
        if text is not None:
            self.load_source(text, "<stdin>", is_json=None)

    def read_stream(self, stream: TextIO) -> str | None:
        """The text of ``stream`` (standard input), or None (and a diagnostic)."""
        source = "<stdin>"
        try:
            buffer = getattr(stream, "buffer", None)
            raw: str | bytes = (
                stream.read(self.max_size + 1) if buffer is None else buffer.read(self.max_size + 1)
            )
        except (OSError, ValueError) as exc:
            self.error("unreadable", f"cannot read standard input: {exc}", Location(source))
            return None
        if len(raw) > self.max_size:
            self.too_large(source, None)
            return None
        return raw if isinstance(raw, str) else self.decode(raw, source)

    def load_path(self, path: str) -> None:
        if not os.path.isdir(path):
            self.load_file(path)
            return

        def unreadable_folder(exc: OSError) -> None:
            reason = (exc.strerror or str(exc)).lower()
            self.error("unreadable", f"cannot read folder: {reason}", Location(exc.filename or path))

        found: list[str] = []
        for folder, dirs, files in os.walk(path, onerror=unreadable_folder):
            kept = []
            for d in dirs:
                if d.startswith("."):
                    continue
                if os.path.islink(os.path.join(folder, d)):
                    self.warn(
                        "symlink-not-followed",
                        "a symlinked folder; not followed (give it as an input of its own to read it)",
                        Location(os.path.join(folder, d)),
                    )
                    continue
                kept.append(d)
            dirs[:] = kept
            found.extend(os.path.join(folder, f) for f in files if is_manifest_name(f))
        if not found:
            self.warn("no-manifests", "no .yaml, .yml or .json file in this folder", Location(path))
        # The order of `kubectl apply -R` (Go's filepath.Walk): names compared folder by folder.
        for file in sorted(found, key=lambda f: os.path.relpath(f, path).split(os.sep)):
            self.load_file(file, explicit=False)

    def load_file(self, path: str, *, explicit: bool = True) -> None:
        real = os.path.realpath(path)
        if real in self.seen:
            return
        self.seen.add(real)
        data = self.read_file(path, explicit=explicit)
        text = None if data is None else self.decode(data, path)
        if text is not None:
            self.load_source(text, path, is_json=_is_json_name(path) or None)

    def read_file(self, path: str, *, explicit: bool) -> bytes | None:
        """The bytes of ``path``, or None (and a diagnostic). Never opens a device, nor a FIFO
        found in a folder (it could block forever); never reads more than the size limit."""
        try:
            info = os.stat(path)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            self.error("unreadable", f"cannot read: {reason}", Location(path))
            return None
        kind = _file_type(info.st_mode)
        if kind is not None and not (explicit and kind.startswith(("a FIFO", "a socket"))):
            # An explicit pipe is read (`netpol list <(helm template ...)`); nothing else is.
            if explicit:
                self.error("not-a-file", f"{kind}, not a manifest file; refused", Location(path))
            else:
                self.warn("not-a-file", f"{kind}; skipped without reading", Location(path))
            return None
        if kind is None and info.st_size > self.max_size:
            self.too_large(path, info.st_size)
            return None
        try:
            with open(path, "rb") as f:
                data = f.read(self.max_size + 1)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            self.error("unreadable", f"cannot read: {reason}", Location(path))
            return None
        if len(data) > self.max_size:
            self.too_large(path, None)
            return None
        return data

    def decode(self, data: bytes, source: str) -> str | None:
        encoding = _utf16_or_32(data)
        if encoding is not None:
            self.error(
                "unreadable",
                f"the file is {encoding} text; save it as UTF-8 (e.g. "
                f"iconv -f {encoding.split()[0]} -t UTF-8)",
                Location(source),
            )
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line_start = data.rfind(b"\n", 0, exc.start) + 1
            line_end = data.find(b"\n", exc.start)
            raw_line = data[line_start:] if line_end < 0 else data[line_start:line_end]
            column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
            self.error(
                "unreadable",
                f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded",
                Location(
                    source,
                    line=data.count(b"\n", 0, exc.start) + 1,
                    column=column,
                    snippet=raw_line.decode("utf-8", "replace").rstrip("\r"),
                ),
            )
            return None

    def load_source(self, text: str, source: str, *, is_json: bool | None) -> None:
        """``is_json``: True for a ``.json`` file, None to try JSON if the text starts like it."""
        text = normalise(text)
        first = skip_space(text, 0)
        if is_json or (is_json is None and text[first : first + 1] in ("{", "[")):
            parsed, failure = parse_json_stream(text)
            if is_json or failure is None:
                self.locator._add(source, text, [chunk for _, chunk in parsed], is_json=True)
                for index, (value, _) in enumerate(parsed, 1):
                    self.add_document(value, source, index)
                if failure is not None:
                    self.add_document(failure, source, len(parsed) + 1)
                return
        documents = read_documents(text)
        self.locator._add(source, text, [chunk for chunk, _ in documents], is_json=False)
        for index, (_, value) in enumerate(documents, 1):
            self.add_document(value, source, index)

    def add_document(self, value: Any, source: str, document: int) -> None:
        if isinstance(value, Failure):
            if value.line is None:
                location = self.locator.locate(source, document, value.path)
            else:
                location = Location(
                    source,
                    document,
                    value.path,
                    value.line,
                    value.column,
                    self.locator._line_text(source, value.line),
                )
            self.error(value.code, value.message, location)
        elif value is not None:  # an empty document (comments only, or null) is no object
            self.add_object(value, source, document, ())

    def add_object(self, value: Any, source: str, document: int, path: FieldPath) -> None:
        kind = value.get("kind") if isinstance(value, dict) else None
        api_version = value.get("apiVersion") if isinstance(value, dict) else None
        if not (isinstance(kind, str) and kind and isinstance(api_version, str) and api_version):
            self.skipped[NOT_AN_OBJECT] += 1
            if isinstance(kind, str) and kind and not api_version:
                self.diagnostics.append(
                    Diagnostic(
                        Severity.WARNING,
                        "missing-api-version",
                        f"this {kind} has no apiVersion, so it is not a Kubernetes object; skipped",
                        self.locator.locate(source, document, path),
                    )
                )
            return
        if kind.endswith("List"):
            items = value.get("items")
            if isinstance(items, list) or (kind == "List" and items is None):
                for i, item in enumerate(items or ()):
                    self.add_object(_fill_in(item, kind, api_version), source, document, (*path, "items", i))
                return
            if kind == "List":
                self.error(
                    "invalid-list",
                    "the items of a List must be a list",
                    self.locator.locate(source, document, (*path, "items")),
                )
                return
        self.objects.append(RawObject(value, kind, source, document, path))


class _DocumentLoader(_Loader):
    """Keeps every document's value, whatever it is, instead of Kubernetes objects."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[Any] = []

    def add_object(self, value: Any, source: str, document: int, path: FieldPath) -> None:
        self.values.append(value)


def _fill_in(item: Any, list_kind: str, list_api_version: str) -> Any:
    """Items of a typed list (``PodList``) may leave out the ``kind`` and ``apiVersion``."""
    if list_kind == "List" or not isinstance(item, dict):
        return item
    missing_kind = item.get("kind") in (None, "")
    missing_api_version = item.get("apiVersion") in (None, "")
    if not (missing_kind or missing_api_version):
        return item
    filled = dict(item)
    if missing_kind:
        filled["kind"] = list_kind.removesuffix("List")
    if missing_api_version:
        filled["apiVersion"] = list_api_version
    return filled


def _utf16_or_32(data: bytes) -> str | None:
    """UTF-16 or UTF-32, told by a byte-order mark or, without one, by where the NUL bytes of an
    ASCII first character fall (YAML 1.2, 5.2 "Character Encodings")."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32LE"),
        (codecs.BOM_UTF32_BE, "UTF-32BE"),
        (codecs.BOM_UTF16_LE, "UTF-16LE"),
        (codecs.BOM_UTF16_BE, "UTF-16BE"),
    ):
        if data.startswith(bom):
            return name
    head = data[:4]
    if len(head) == 4 and head[:3] == b"\0\0\0" and head[3]:
        return "UTF-32BE (no byte-order mark)"
    if len(head) == 4 and head[0] and head[1:] == b"\0\0\0":
        return "UTF-32LE (no byte-order mark)"
    if len(head) >= 2 and not head[0] and head[1]:
        return "UTF-16BE (no byte-order mark)"
    if len(head) >= 2 and head[0] and not head[1]:
        return "UTF-16LE (no byte-order mark)"
    return None


def _is_json_name(path: str) -> bool:
    return path.lower().endswith(".json")


# --- splitting and parsing (the fast path) ---


# --- the PyYAML path: go-yaml v2's reading (netpol/yamlcompat.py), strict keys, merge keys ---


# --- positions (the error path) ---
