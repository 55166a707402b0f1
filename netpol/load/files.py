"""The load stage: files, folders and stdin -> :class:`RawObject` records that know their origin.

The fast path parses each YAML document with yaml-rs and JSON with :mod:`json`; it keeps no
positions. A document yaml-rs could read otherwise than Kubernetes (go-yaml v2) does, and every
document when yaml-rs is missing, is read by PyYAML with go-yaml's rules (netpol/yamlcompat.py).
Positions are recovered on the error path only, by the :class:`~netpol.load.locate.Locator`
(netpol/locate.py).

Documents are split on ``---`` / ``...`` lines here, not by the parser, so one malformed document
does not lose the others and every document's first line is known.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TextIO

import yaml

from netpol.errors import Diagnostic, InputError, Location, Severity
from netpol.load.compat import DuplicateKeyError, GoYamlLoader, needs_goyaml
from netpol.load.locate import Chunk, FieldPath, Locator, find_duplicate_key

try:
    import yaml_rs
except ImportError:  # pragma: no cover - no wheel for this platform (PyPy, ...)
    yaml_rs = None  # type: ignore[assignment]

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
# go-yaml's limit on alias expansion (yaml.v2/v3 decode.go, allowedAliasRatio), which
# sigs.k8s.io/yaml applies to every manifest the API server and kubectl read:
#   "allow 99% to come from alias expansion for small-to-medium documents" (<= 400,000 nodes
#   decoded), "allow 10% to come from alias expansion for very large documents" (>= 4,000,000),
#   "scale smoothly from 99% down to 10% over the range";
#   and it fails only when aliasCount > 100 && decodeCount > 1000.
_ALIAS_RATIO_LOW, _ALIAS_RATIO_HIGH = 400_000, 4_000_000
_ALIAS_FLOOR = 1000
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
"""What YAML's c-printable set leaves out (YAML 1.2, 5.1) and go-yaml refuses ("control characters
are not allowed"): C0 but tab, LF and CR; DEL; C1 (go-yaml refuses NEL too); surrogates; U+FFFE/F;
and a byte-order mark anywhere but at the start of a document. yaml-rs silently stops at a NUL
and reads a BOM into a key, so they are refused before any parser sees them."""
_DOCUMENT_BOM = re.compile("((?:^|\n)---[^\n]*\n)\ufeff")
"""A BOM at the start of a document: kubectl decodes each document on its own, where it is one."""
_UNICODE_NAMES = {0: "NUL", 0x1b: "ESC", 0x7f: "DEL", 0x85: "NEL", 0xFEFF: "a byte-order mark"}
_MAX_INDENT = 512
"""yaml-rs overflows the C stack on ~11,000 levels of block nesting; a line indented by 512 columns
(or ``- - - ...``) means the document nests far deeper than any manifest, so it is refused first."""
_DOC_MARKER = re.compile(r"\n(---|\.\.\.)(?=[ \t\n]|\Z)")
_TOO_DEEP = re.compile(rf"\n[ \t?:-]{{{_MAX_INDENT}}}")
_TOO_DEEP_AT_START = re.compile(rf"[ \t?:-]{{{_MAX_INDENT}}}")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_YAML_RS_POSITION = re.compile(r"at line (\d+), column (\d+)")
_YAML_RS_GUTTER = re.compile(r"\s*\d*\s*\|")
_YAML_RS_DUPLICATE = re.compile(r"duplicate mapping key: '(.*)'", re.DOTALL)
_HINTS = {
    "tabs disallowed": "indent YAML with spaces, not tabs",
    "found character '\\t'": "indent YAML with spaces, not tabs",
    "mapping values are not allowed":
        "a ': ' inside a plain value needs quotes, or the indentation is wrong",
    "unknown anchor": "an alias *name needs an anchor &name earlier in the same document",
    "found undefined alias": "an alias *name needs an anchor &name earlier in the same document",
}


@dataclass(frozen=True, slots=True)
class RawObject:
    """One Kubernetes object as parsed, and where it sits."""

    data: Mapping[str, Any]
    """The object as parsed (a dict); ``kind``/``apiVersion`` filled in from a typed List."""
    kind: str
    source: str
    """The file path as the user gave it (joined with the path inside a folder), or ``<stdin>``."""
    document: int
    """1-based index of the YAML document (or JSON value) within the source."""
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


@dataclass(frozen=True, slots=True)
class _Failure:
    """A document that could not be loaded; line/column are 1-based and absolute in the source."""

    code: str
    message: str
    line: int | None = None
    column: int | None = None
    path: FieldPath = ()


def load_paths(paths: Sequence[str], *, stdin: TextIO | None = None,
               max_size: int = DEFAULT_MAX_INPUT_SIZE) -> LoadResult:
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


def read_text(path: str, what: str, *, max_size: int = DEFAULT_MAX_INPUT_SIZE) -> str:
    """The text of one file that is no manifest (an intent file, the lint configuration), read
    with the same limits as manifests; InputError (exit code 2) with the reason otherwise."""
    loader = _Loader(max_size)
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
        return LoadResult(tuple(self.objects), tuple(self.diagnostics),
                          MappingProxyType(dict(sorted(self.skipped.items()))), self.locator,
                          tuple(sorted(s for s in self.seen if s != "-")))

    def error(self, code: str, message: str, location: Location) -> None:
        self.diagnostics.append(Diagnostic(Severity.ERROR, code, message, location))

    def warn(self, code: str, message: str, location: Location) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, code, message, location))

    def too_large(self, source: str, size: int | None) -> None:
        what = "more than" if size is None else f"{_size(size)}, over"
        self.error("too-large", f"{what} the input size limit of {_size(self.max_size)}; "
                   "refused (raise it with --max-input-size)", Location(source))

    def load_stream(self, stream: TextIO) -> None:
        if "-" in self.seen:
            return
        self.seen.add("-")
        source = "<stdin>"
        try:
            buffer = getattr(stream, "buffer", None)
            raw: str | bytes = (stream.read(self.max_size + 1) if buffer is None
                                else buffer.read(self.max_size + 1))
        except (OSError, ValueError) as exc:
            self.error("unreadable", f"cannot read standard input: {exc}", Location(source))
            return
        if len(raw) > self.max_size:
            self.too_large(source, None)
            return
        text = raw if isinstance(raw, str) else self.decode(raw, source)
        if text is not None:
            self.load_source(text, source, is_json=None)

    def load_path(self, path: str) -> None:
        if not os.path.isdir(path):
            self.load_file(path)
            return

        def unreadable_folder(exc: OSError) -> None:
            reason = (exc.strerror or str(exc)).lower()
            self.error("unreadable", f"cannot read folder: {reason}",
                       Location(exc.filename or path))

        found: list[str] = []
        for folder, dirs, files in os.walk(path, onerror=unreadable_folder):
            kept = []
            for d in dirs:
                if d.startswith("."):
                    continue
                if os.path.islink(os.path.join(folder, d)):
                    self.warn("symlink-not-followed", "a symlinked folder; not followed (give it "
                              "as an input of its own to read it)", Location(os.path.join(folder, d)))
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
            self.error("unreadable", f"the file is {encoding} text; save it as UTF-8 (e.g. "
                       f"iconv -f {encoding.split()[0]} -t UTF-8)", Location(source))
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line_start = data.rfind(b"\n", 0, exc.start) + 1
            line_end = data.find(b"\n", exc.start)
            raw_line = data[line_start:] if line_end < 0 else data[line_start:line_end]
            column = len(data[line_start:exc.start].decode("utf-8", "replace")) + 1
            self.error("unreadable",
                       f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded",
                       Location(source, line=data.count(b"\n", 0, exc.start) + 1, column=column,
                                snippet=raw_line.decode("utf-8", "replace").rstrip("\r")))
            return None

    def load_source(self, text: str, source: str, *, is_json: bool | None) -> None:
        """``is_json``: True for a ``.json`` file, None to try JSON if the text starts like it."""
        text = _normalise(text)
        first = _skip_space(text, 0)
        if is_json or (is_json is None and text[first:first + 1] in ("{", "[")):
            parsed, failure = _parse_json_stream(text)
            if is_json or failure is None:
                self.locator._add(source, text, [chunk for _, chunk in parsed], is_json=True)
                for index, (value, _) in enumerate(parsed, 1):
                    self.add_document(value, source, index)
                if failure is not None:
                    self.add_document(failure, source, len(parsed) + 1)
                return
        chunks = _split_documents(text)
        self.locator._add(source, text, chunks, is_json=False)
        forbidden = _FORBIDDEN.search(text) is not None
        for index, chunk in enumerate(chunks, 1):
            bad = _FORBIDDEN.search(text, chunk.start, chunk.end) if forbidden else None
            value = _parse_yaml(text, chunk) if bad is None else _forbidden_failure(text, bad)
            self.add_document(value, source, index)

    def add_document(self, value: Any, source: str, document: int) -> None:
        if isinstance(value, _Failure):
            if value.line is None:
                location = self.locator.locate(source, document, value.path)
            else:
                location = Location(source, document, value.path, value.line, value.column,
                                    self.locator._line_text(source, value.line))
            self.error(value.code, value.message, location)
        elif value is not None:  # an empty document (comments only, or null) is no object
            self.add_object(value, source, document, ())

    def add_object(self, value: Any, source: str, document: int, path: FieldPath) -> None:
        kind = value.get("kind") if isinstance(value, dict) else None
        api_version = value.get("apiVersion") if isinstance(value, dict) else None
        if not (isinstance(kind, str) and kind and isinstance(api_version, str) and api_version):
            self.skipped[NOT_AN_OBJECT] += 1
            if isinstance(kind, str) and kind and not api_version:
                self.diagnostics.append(Diagnostic(
                    Severity.WARNING, "missing-api-version",
                    f"this {kind} has no apiVersion, so it is not a Kubernetes object; skipped",
                    self.locator.locate(source, document, path)))
            return
        if kind.endswith("List"):
            items = value.get("items")
            if isinstance(items, list) or (kind == "List" and items is None):
                for i, item in enumerate(items or ()):
                    self.add_object(_fill_in(item, kind, api_version), source, document,
                                    (*path, "items", i))
                return
            if kind == "List":
                self.error("invalid-list", "the items of a List must be a list",
                           self.locator.locate(source, document, (*path, "items")))
                return
        self.objects.append(RawObject(value, kind, source, document, path))


class _DocumentLoader(_Loader):
    """Keeps every document's value, whatever it is, instead of Kubernetes objects."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[Any] = []

    def add_object(self, value: Any, source: str, document: int, path: FieldPath) -> None:
        self.values.append(value)


def _normalise(text: str) -> str:
    """A text as its documents are split and parsed: byte-order marks at the start of the text
    and of each document dropped, line breaks made LF (YAML normalises them in scalars too)."""
    text = text.removeprefix("\ufeff")
    if "\ufeff" in text:
        text = _DOCUMENT_BOM.sub(r"\1", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


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
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32LE"), (codecs.BOM_UTF32_BE, "UTF-32BE"),
                      (codecs.BOM_UTF16_LE, "UTF-16LE"), (codecs.BOM_UTF16_BE, "UTF-16BE")):
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


def _forbidden_failure(text: str, found: re.Match[str]) -> _Failure:
    char = found.group()
    code = ord(char)
    name = _UNICODE_NAMES.get(code, "a control character" if code < 0xa0 else "a non-character")
    line_start = text.rfind("\n", 0, found.start()) + 1
    return _Failure("control-character",
                    f"{name} (U+{code:04X}) is not allowed in YAML; the document is refused "
                    "(a parser could silently stop or guess here)",
                    text.count("\n", 0, found.start()) + 1, found.start() - line_start + 1)


def alias_budget(length: int) -> int:
    """Parser events that alias expansion may replay in a document of ``length`` characters.

    go-yaml bounds the share of decoded nodes that come from aliases (see ``_ALIAS_RATIO_LOW``);
    the document's own nodes are bounded by its length, so this allows at least what go-yaml
    allows, while billion laughs (a few hundred bytes, 10**10 nodes) stops within a second. Two
    events per node: a collection has a start and an end.
    """
    # The ratio falls as documents grow, so a longer text may hold fewer aliases than a shorter
    # one with the same nodes: take the best case over every node count up to ``length``.
    return max(_aliased_nodes(min(length, _ALIAS_PEAK_OWN)), _aliased_nodes(length)) * 2


_ALIAS_PEAK_OWN = 1_003_200
"""The own-node count at which go-yaml admits the most aliased nodes (1.2 M): where
d/dT (ratio(T) * T) = 0 in the sliding range, T = (0.99 * 3.6 M + 0.89 * 0.4 M) / 1.78."""


def _aliased_nodes(own: int) -> int:
    """The most aliased nodes go-yaml decodes beside ``own`` nodes of a document's own."""
    own = max(own, 1)

    def allowed(aliased: int) -> bool:
        total = aliased + own
        if total <= _ALIAS_RATIO_LOW:
            ratio = 0.99
        elif total >= _ALIAS_RATIO_HIGH:
            ratio = 0.10
        else:
            ratio = 0.99 - 0.89 * (total - _ALIAS_RATIO_LOW) / (_ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW)
        return aliased <= ratio * total

    lo, hi = 0, 99 * own
    while lo < hi:  # the largest number of aliased nodes the ratio admits (monotone in it)
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if allowed(mid) else (lo, mid - 1)
    return max(lo, _ALIAS_FLOOR)


def _is_json_name(path: str) -> bool:
    return path.lower().endswith(".json")


# --- splitting and parsing (the fast path) ---


def _split_documents(text: str) -> list[Chunk]:
    """Documents start at a ``---`` line and end before the next one or after a ``...`` line.

    These markers at column 0 end a document wherever they are (YAML 1.2, 9.1.4), even inside a
    block scalar. Comments, blank lines and directives before a document belong to it.
    """
    markers = [(m.start() + 1, m.group(1)) for m in _DOC_MARKER.finditer(text)]
    if text[:3] in ("---", "...") and text[3:4] in ("", " ", "\t", "\n"):
        markers.insert(0, (0, text[:3]))
    segments: list[tuple[int, int, bool]] = []
    start, explicit = 0, False
    for offset, marker in markers:
        if marker == "---":
            segments.append((start, offset, explicit))
            start, explicit = offset, True
        else:
            eol = text.find("\n", offset)
            end = len(text) if eol < 0 else eol + 1
            segments.append((start, end, explicit))
            start, explicit = end, False
    segments.append((start, len(text), explicit))

    chunks: list[Chunk] = []
    prefix: int | None = None
    line, counted = 1, 0
    for seg_start, seg_end, seg_explicit in segments:
        if not seg_explicit and _is_blank(text, seg_start, seg_end):
            prefix = seg_start if prefix is None else prefix
            continue
        chunk_start = seg_start if prefix is None else prefix
        prefix = None
        line += text.count("\n", counted, chunk_start)
        counted = chunk_start
        chunks.append(Chunk(chunk_start, seg_end, line))
    return chunks


def _is_blank(text: str, start: int, end: int) -> bool:
    """Only blank lines, comments, directives and ``...`` markers: not a document of its own."""
    pos = start
    while pos < end:
        eol = text.find("\n", pos, end)
        line_end = end if eol < 0 else eol
        line = text[pos:line_end].strip()
        if line and not line.startswith(("#", "%")) and line != "..." and not line.startswith(
                ("... ", "...\t")):
            return False
        pos = line_end + 1
    return True


def _parse_yaml(text: str, chunk: Chunk) -> Any:
    """One document's value, or a :class:`_Failure`."""
    body = text[chunk.start:chunk.end]
    if _TOO_DEEP.search(body) or _TOO_DEEP_AT_START.match(body):
        return _Failure("yaml-too-deep",
                        f"the document is indented by {_MAX_INDENT} columns or more; refused as "
                        "nested too deeply", chunk.line, 1)
    if yaml_rs is None:
        return _parse_with_pyyaml(body, chunk)
    try:
        value = yaml_rs.loads(body, parse_datetime=False,
                              alias_limits=yaml_rs.AliasLimits(
                                  max_total_replayed_events=alias_budget(len(body))))
    except Exception as exc:
        failure = _yaml_rs_failure(str(exc), body, chunk)
        if not needs_goyaml(body):
            return failure
        # Kubernetes may read what yaml-rs refuses (tags, keys true and 1); if not, yaml-rs's
        # message says where the document breaks.
        slow = _parse_with_pyyaml(body, chunk)
        return failure if isinstance(slow, _Failure) else slow
    if needs_goyaml(body):  # Kubernetes might read the document otherwise than yaml-rs
        return _parse_with_pyyaml(body, chunk)
    if "<<" in body:  # YAML 1.1 merge keys: sigs.k8s.io/yaml (go-yaml) honours them; yaml-rs not
        try:
            return _merge_keys(value, ())
        except _MergeError as exc:
            return _Failure("yaml-syntax", "a '<<' merge key needs a mapping or a list of mappings",
                            path=exc.path)
        except RecursionError:
            return _Failure("yaml-too-deep", "the document nests too deeply", chunk.line, 1)
    return value


def _yaml_rs_failure(message: str, body: str, chunk: Chunk) -> _Failure:
    if message.startswith("duplicate mapping key"):
        match = _YAML_RS_DUPLICATE.match(message)
        return _duplicate_key_failure(body, chunk, match.group(1) if match else None)
    if "alias" in message and "exceeded" in message:
        return _alias_bomb_failure(chunk, len(body))
    lines = message.splitlines()
    problem = next((ln for ln in reversed(lines[1:]) if ln.strip()
                    and not _YAML_RS_GUTTER.match(ln)), lines[0] if lines else "")
    position = _YAML_RS_POSITION.search(lines[0] if lines else "")
    if position is None:
        return _Failure("yaml-syntax", _human(problem), chunk.line, 1)
    line, column = int(position.group(1)), int(position.group(2))
    return _Failure("yaml-syntax", _human(problem), chunk.line + line - 1, column)


def _human(problem: str) -> str:
    problem = problem.strip().rstrip(".")
    hint = next((h for key, h in _HINTS.items() if key in problem), None)
    return f"malformed YAML: {problem}" + (f" ({hint})" if hint else "")


def _alias_bomb_failure(chunk: Chunk, length: int) -> _Failure:
    return _Failure("yaml-alias-limit",
                    f"YAML aliases expand this document by more than {alias_budget(length) // 2} "
                    "nodes, more than Kubernetes' YAML reader allows for its size (an alias bomb?); "
                    "refused", chunk.line, 1)


def _duplicate_key_failure(body: str, chunk: Chunk, key: str | None) -> _Failure:
    # Kubernetes decodes manifests strictly (sigs.k8s.io/yaml): a repeated key is an error.
    found = find_duplicate_key(body)
    if found is None:
        name = "a key" if key is None else f"key '{key}'"
        return _Failure("duplicate-key", f"{name} appears twice in one mapping", chunk.line, 1)
    path, (line0, col0), first_line0 = found
    return _Failure("duplicate-key",
                    f"key '{path[-1]}' appears twice in one mapping (first on line "
                    f"{chunk.line + first_line0})", chunk.line + line0, col0 + 1, path)


class _MergeError(Exception):
    def __init__(self, path: FieldPath) -> None:
        super().__init__(path)
        self.path = path


def _merge_keys(value: Any, path: FieldPath) -> Any:
    """Resolve ``<<`` (YAML 1.1): the mapping's own keys win, then earlier merged mappings."""
    if isinstance(value, list):
        return [_merge_keys(v, (*path, i)) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    own = {k: _merge_keys(v, (*path, k)) for k, v in value.items() if k != "<<"}
    if "<<" not in value:
        return own
    merged = _merge_keys(value["<<"], (*path, "<<"))
    sources = merged if isinstance(merged, list) else [merged]
    if not all(isinstance(m, dict) for m in sources):
        raise _MergeError((*path, "<<"))
    result: dict[Any, Any] = {}
    for m in reversed(sources):
        result.update(m)
    result.update(own)
    return result


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise DuplicateKeyError
    return result


def _json_int(digits: str) -> int | float:
    """A JSON integer; one too long for Python's int() (4,300 digits) is a float, as Go's JSON
    decoding gives numbers that fit no int64: the model then refuses it where it wants a number."""
    return int(digits) if len(digits) <= 4000 else float(digits)


def _parse_json_stream(text: str) -> tuple[list[tuple[Any, Chunk]], _Failure | None]:
    """Consecutive JSON values (usually one), each a document; and the failure that ended them."""
    strict = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_int=_json_int)
    lenient = json.JSONDecoder(parse_int=_json_int)
    parsed: list[tuple[Any, Chunk]] = []
    pos = _skip_space(text, 0)
    line, counted = 1, 0
    while pos < len(text):
        line += text.count("\n", counted, pos)
        counted = pos
        column = pos - (text.rfind("\n", 0, pos) + 1)
        try:
            value, end = strict.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            message = exc.msg[:1].lower() + exc.msg[1:]
            return parsed, _Failure("json-syntax", f"malformed JSON: {message}", exc.lineno,
                                    exc.colno)
        except RecursionError:
            return parsed, _Failure("json-syntax", "malformed JSON: nested too deeply", line,
                                    column + 1)
        except DuplicateKeyError:
            try:
                _, end = lenient.raw_decode(text, pos)
            except (json.JSONDecodeError, RecursionError):
                return parsed, _Failure("json-syntax", "malformed JSON", line, column + 1)
            chunk = Chunk(pos, end, line, column)
            body = (" " * column + text[pos:end]).replace("\t", " ")
            value = _duplicate_key_failure(body, chunk, None)
        parsed.append((value, Chunk(pos, end, line, column)))
        pos = _skip_space(text, end)
    return parsed, None


def _skip_space(text: str, pos: int) -> int:
    match = _JSON_SPACE.match(text, pos)
    return pos if match is None else match.end()


# --- the PyYAML path: go-yaml v2's reading (netpol/yamlcompat.py), strict keys, merge keys ---


_PYYAML_RECURSION = 20_000
"""Python frames PyYAML may use: constructing is recursive, about four frames a level, and
nesting is bounded before (512 columns of indentation, libyaml's 1,000 flow levels). go-yaml
takes 10,000 levels; without the headroom PyYAML would refuse ~250 levels that Kubernetes reads."""


def _parse_with_pyyaml(body: str, chunk: Chunk) -> Any:
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, _PYYAML_RECURSION))
        value = yaml.load(body, Loader=GoYamlLoader)
    except DuplicateKeyError:
        return _duplicate_key_failure(body, chunk, None)
    except RecursionError:
        return _Failure("yaml-too-deep", "the document nests too deeply", chunk.line, 1)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "cannot parse").replace(
            "'<stream end>'", "the end of the document")
        if mark is None:
            return _Failure("yaml-syntax", _human(problem), chunk.line, 1)
        if exc.context_mark is not None and mark.index >= len(body.rstrip()):
            # "expected ']' but got the end": the opening bracket is what the reader must see.
            problem = f"{exc.context}: {problem}" if exc.context else problem
            mark = exc.context_mark
        return _Failure("yaml-syntax", _human(problem), chunk.line + mark.line, mark.column + 1)
    except Exception as exc:  # a YAMLError without a mark, or a value no constructor accepts
        first = (str(exc).splitlines() or ["cannot parse"])[0]
        return _Failure("yaml-syntax", _human(first), chunk.line, 1)
    finally:
        sys.setrecursionlimit(limit)
    # PyYAML shares aliased nodes instead of copying them: count what a consumer would walk.
    if "*" in body and _expands_beyond(value, alias_budget(len(body)) // 2 + len(body)):
        return _alias_bomb_failure(chunk, len(body))
    return value


def _expands_beyond(value: Any, limit: int) -> bool:
    stack, count = [value], 0
    while stack:
        item = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# --- positions (the error path) ---

