"""Load stage: YAML texts split into documents and parsed, as Kubernetes reads them.

Documents are split on ``---`` / ``...`` lines here, not by the parser, so one malformed document
does not lose the others and every document's first line is known. Each is parsed by yaml-rs;
a document yaml-rs could read otherwise than Kubernetes (go-yaml v2) does, and every document when
yaml-rs is missing, is read by PyYAML with go-yaml's rules (:mod:`netpol.load.compat`). Characters
YAML forbids are refused before any parser sees them.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

from netpol.load.compat import DuplicateKeyError, GoYamlLoader, needs_goyaml
from netpol.load.locate import Chunk, Failure, FieldPath, find_duplicate_key

try:
    import yaml_rs
except ImportError:  # pragma: no cover - no wheel for this platform (PyPy, ...)
    yaml_rs = None  # type: ignore[assignment]

__all__ = [
    "FORBIDDEN",
    "alias_budget",
    "duplicate_key_failure",
    "forbidden_failure",
    "normalise",
    "parse_document",
    "parse_with_pyyaml",
    "read_documents",
    "split_documents",
]

# go-yaml's limit on alias expansion (yaml.v2/v3 decode.go, allowedAliasRatio), which
# sigs.k8s.io/yaml applies to every manifest the API server and kubectl read:
#   "allow 99% to come from alias expansion for small-to-medium documents" (<= 400,000 nodes
#   decoded), "allow 10% to come from alias expansion for very large documents" (>= 4,000,000),
#   "scale smoothly from 99% down to 10% over the range";
#   and it fails only when aliasCount > 100 && decodeCount > 1000.
_ALIAS_RATIO_LOW, _ALIAS_RATIO_HIGH = 400_000, 4_000_000
_ALIAS_FLOOR = 1000
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
"""What YAML's c-printable set leaves out (YAML 1.2, 5.1) and go-yaml refuses ("control characters
are not allowed"): C0 but tab, LF and CR; DEL; C1 (go-yaml refuses NEL too); surrogates; U+FFFE/F;
and a byte-order mark anywhere but at the start of a document. yaml-rs silently stops at a NUL
and reads a BOM into a key, so they are refused before any parser sees them."""
_DOCUMENT_BOM = re.compile("((?:^|\n)---[^\n]*\n)\ufeff")
"""A BOM at the start of a document: kubectl decodes each document on its own, where it is one."""
_UNICODE_NAMES = {0: "NUL", 0x1B: "ESC", 0x7F: "DEL", 0x85: "NEL", 0xFEFF: "a byte-order mark"}
_MAX_INDENT = 512
"""yaml-rs overflows the C stack on ~11,000 levels of block nesting; a line indented by 512 columns
(or ``- - - ...``) means the document nests far deeper than any manifest, so it is refused first."""
_DOC_MARKER = re.compile(r"\n(---|\.\.\.)(?=[ \t\n]|\Z)")
_TOO_DEEP = re.compile(rf"\n[ \t?:-]{{{_MAX_INDENT}}}")
_TOO_DEEP_AT_START = re.compile(rf"[ \t?:-]{{{_MAX_INDENT}}}")
_YAML_RS_POSITION = re.compile(r"at line (\d+), column (\d+)")
_YAML_RS_GUTTER = re.compile(r"\s*\d*\s*\|")
_YAML_RS_DUPLICATE = re.compile(r"duplicate mapping key: '(.*)'", re.DOTALL)
_HINTS = {
    "tabs disallowed": "indent YAML with spaces, not tabs",
    "found character '\\t'": "indent YAML with spaces, not tabs",
    "mapping values are not allowed": "a ': ' inside a plain value needs quotes, or the indentation is wrong",
    "unknown anchor": "an alias *name needs an anchor &name earlier in the same document",
    "found undefined alias": "an alias *name needs an anchor &name earlier in the same document",
}


def normalise(text: str) -> str:
    """A text as its documents are split and parsed: byte-order marks at the start of the text
    and of each document dropped, line breaks made LF (YAML normalises them in scalars too)."""
    text = text.removeprefix("\ufeff")
    if "\ufeff" in text:
        text = _DOCUMENT_BOM.sub(r"\1", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def forbidden_failure(text: str, found: re.Match[str]) -> Failure:
    char = found.group()
    code = ord(char)
    name = _UNICODE_NAMES.get(code, "a control character" if code < 0xA0 else "a non-character")
    line_start = text.rfind("\n", 0, found.start()) + 1
    return Failure(
        "control-character",
        f"{name} (U+{code:04X}) is not allowed in YAML; the document is refused "
        "(a parser could silently stop or guess here)",
        text.count("\n", 0, found.start()) + 1,
        found.start() - line_start + 1,
    )


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


def split_documents(text: str) -> list[Chunk]:
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
        if (
            line
            and not line.startswith(("#", "%"))
            and line != "..."
            and not line.startswith(("... ", "...\t"))
        ):
            return False
        pos = line_end + 1
    return True


def parse_document(text: str, chunk: Chunk) -> Any:
    """One document's value, or a :class:`Failure`."""
    body = text[chunk.start : chunk.end]
    if _TOO_DEEP.search(body) or _TOO_DEEP_AT_START.match(body):
        return Failure(
            "yaml-too-deep",
            f"the document is indented by {_MAX_INDENT} columns or more; refused as nested too deeply",
            chunk.line,
            1,
        )
    if yaml_rs is None:
        return parse_with_pyyaml(body, chunk)
    try:
        value = yaml_rs.loads(
            body,
            parse_datetime=False,
            alias_limits=yaml_rs.AliasLimits(max_total_replayed_events=alias_budget(len(body))),
        )
    except Exception as exc:
        failure = _yaml_rs_failure(str(exc), body, chunk)
        if not needs_goyaml(body):
            return failure
        # Kubernetes may read what yaml-rs refuses (tags, keys true and 1); if not, yaml-rs's
        # message says where the document breaks.
        slow = parse_with_pyyaml(body, chunk)
        return failure if isinstance(slow, Failure) else slow
    if needs_goyaml(body):  # Kubernetes might read the document otherwise than yaml-rs
        return parse_with_pyyaml(body, chunk)
    if "<<" in body:  # YAML 1.1 merge keys: sigs.k8s.io/yaml (go-yaml) honours them; yaml-rs not
        try:
            return _merge_keys(value, ())
        except _MergeError as exc:
            return Failure(
                "yaml-syntax", "a '<<' merge key needs a mapping or a list of mappings", path=exc.path
            )
        except RecursionError:
            return Failure("yaml-too-deep", "the document nests too deeply", chunk.line, 1)
    return value


def _yaml_rs_failure(message: str, body: str, chunk: Chunk) -> Failure:
    if message.startswith("duplicate mapping key"):
        match = _YAML_RS_DUPLICATE.match(message)
        return duplicate_key_failure(body, chunk, match.group(1) if match else None)
    if "alias" in message and "exceeded" in message:
        return _alias_bomb_failure(chunk, len(body))
    lines = message.splitlines()
    problem = next(
        (ln for ln in reversed(lines[1:]) if ln.strip() and not _YAML_RS_GUTTER.match(ln)),
        lines[0] if lines else "",
    )
    position = _YAML_RS_POSITION.search(lines[0] if lines else "")
    if position is None:
        return Failure("yaml-syntax", _human(problem), chunk.line, 1)
    line, column = int(position.group(1)), int(position.group(2))
    return Failure("yaml-syntax", _human(problem), chunk.line + line - 1, column)


def _human(problem: str) -> str:
    problem = problem.strip().rstrip(".")
    hint = next((h for key, h in _HINTS.items() if key in problem), None)
    return f"malformed YAML: {problem}" + (f" ({hint})" if hint else "")


def _alias_bomb_failure(chunk: Chunk, length: int) -> Failure:
    return Failure(
        "yaml-alias-limit",
        f"YAML aliases expand this document by more than {alias_budget(length) // 2} "
        "nodes, more than Kubernetes' YAML reader allows for its size (an alias bomb?); "
        "refused",
        chunk.line,
        1,
    )


def duplicate_key_failure(body: str, chunk: Chunk, key: str | None) -> Failure:
    # Kubernetes decodes manifests strictly (sigs.k8s.io/yaml): a repeated key is an error.
    found = find_duplicate_key(body)
    if found is None:
        name = "a key" if key is None else f"key '{key}'"
        return Failure("duplicate-key", f"{name} appears twice in one mapping", chunk.line, 1)
    path, (line0, col0), first_line0 = found
    return Failure(
        "duplicate-key",
        f"key '{path[-1]}' appears twice in one mapping (first on line {chunk.line + first_line0})",
        chunk.line + line0,
        col0 + 1,
        path,
    )


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


_PYYAML_RECURSION = 20_000
"""Python frames PyYAML may use: constructing is recursive, about four frames a level, and
nesting is bounded before (512 columns of indentation, libyaml's 1,000 flow levels). go-yaml
takes 10,000 levels; without the headroom PyYAML would refuse ~250 levels that Kubernetes reads."""


def parse_with_pyyaml(body: str, chunk: Chunk) -> Any:
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, _PYYAML_RECURSION))
        value = yaml.load(body, Loader=GoYamlLoader)
    except DuplicateKeyError:
        return duplicate_key_failure(body, chunk, None)
    except RecursionError:
        return Failure("yaml-too-deep", "the document nests too deeply", chunk.line, 1)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "cannot parse").replace(
            "'<stream end>'", "the end of the document"
        )
        if mark is None:
            return Failure("yaml-syntax", _human(problem), chunk.line, 1)
        if exc.context_mark is not None and mark.index >= len(body.rstrip()):
            # "expected ']' but got the end": the opening bracket is what the reader must see.
            problem = f"{exc.context}: {problem}" if exc.context else problem
            mark = exc.context_mark
        return Failure("yaml-syntax", _human(problem), chunk.line + mark.line, mark.column + 1)
    except Exception as exc:  # a YAMLError without a mark, or a value no constructor accepts
        first = (str(exc).splitlines() or ["cannot parse"])[0]
        return Failure("yaml-syntax", _human(first), chunk.line, 1)
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


def read_documents(text: str) -> list[tuple[Chunk, Any]]:
    """Every document of a normalised YAML text: its chunk, and its value or a :class:`Failure`."""
    chunks = split_documents(text)
    forbidden = FORBIDDEN.search(text) is not None
    out: list[tuple[Chunk, Any]] = []
    for chunk in chunks:
        bad = FORBIDDEN.search(text, chunk.start, chunk.end) if forbidden else None
        out.append((chunk, parse_document(text, chunk) if bad is None else forbidden_failure(text, bad)))
    return out
