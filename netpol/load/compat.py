"""Load stage: YAML read the way Kubernetes reads it, where the fast parser would read it otherwise.

Kubernetes decodes manifests with sigs.k8s.io/yaml, which runs go-yaml v2: plain scalars resolve
by YAML 1.1 rules (``yes``, ``on``, ``y`` are booleans, ``0755`` is octal, ``_8080`` is a string)
and the result is converted to JSON (map keys become strings). yaml-rs, netpol's fast parser,
resolves by YAML 1.2 core and differs on such scalars, on empty block scalars, on U+2028/U+2029 and
on tags. A divergence is a silent wrong answer (``hostNetwork: yes`` is a host-network pod to the
API server), so :func:`needs_goyaml` finds the documents where one can occur and they are read by
:class:`GoYamlLoader`, PyYAML with go-yaml v2's resolution, instead. Real manifests rarely hold
one: kubectl and Helm quote such strings.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import re
import struct
from collections.abc import Hashable
from typing import Any

import yaml

try:
    import yaml_rs
except ImportError:  # pragma: no cover - no wheel for this platform (PyPy, ...)
    yaml_rs = None  # type: ignore[assignment]

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

__all__ = ["DuplicateKeyError", "GoYamlLoader", "goyaml_scalar", "json_key", "needs_goyaml"]

# go-yaml v2, resolve.go: resolveMapList, the plain scalars looked up by their text.
_WORDS: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
# resolveTable: the first character says what a plain scalar may be ("yYnNtTfFoO~" are looked up
# in the map, digits and signs may be numbers, "." may be a float); anything else is a string.
_LOOKED_UP = frozenset("yYnNtTfFoO~")
_NUMERIC_START = frozenset("+-0123456789")
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_INT64 = (-(1 << 63), (1 << 64) - 1)  # ParseInt, then ParseUint
_DIGITS = {16: "0123456789abcdefABCDEF", 8: "01234567", 2: "01", 10: "0123456789"}


def _go_parse_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 0, 64)`` (or ParseUint): sign, ``0x``/``0o``/``0b``/``0``
    prefix; None when it fails (syntax or range)."""
    sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text[1:] if text[:1] == "+" else text)
    base = 10
    if digits[:2].lower() in ("0x", "0o", "0b"):
        base, digits = {"x": 16, "o": 8, "b": 2}[digits[1].lower()], digits[2:]
    elif len(digits) > 1 and digits[0] == "0":
        base, digits = 8, digits[1:]
    if not digits or len(digits) > 70 or any(ch not in _DIGITS[base] for ch in digits):
        return None
    value = sign * int(digits, base)
    return value if _INT64[0] <= value <= _INT64[1] else None


def goyaml_scalar(text: str) -> Any:
    """What go-yaml v2 makes of an untagged plain scalar when decoding into ``interface{}``
    (resolve.go ``resolve``; timestamps stay strings there "for backward compatibility")."""
    if text in _WORDS:
        return _WORDS[text]
    first = text[:1]
    if first == ".":
        # "Not in the map, so maybe a normal float": strconv.ParseFloat(in, 64).
        return float(text) if _GO_FLOAT.fullmatch(text) else text
    if first not in _NUMERIC_START or first in _LOOKED_UP:
        return text
    plain = text.replace("_", "")
    number = _go_parse_int(plain)
    if number is not None:
        return number
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        return float(plain)  # beyond float64: inf, as strconv.ParseFloat's ErrRange value
    return text  # ("0b" and "-0b" are ParseInt prefixes already)


# -- where yaml-rs could read a document otherwise ---------------------------------------------------

# Where yaml-rs and go-yaml may part, looked for in the document's whitespace-separated words
# (one C-speed split) and confirmed by a regular expression for that word only:
# - YAML 1.1 boolean words (``yes``, ``on``); ``true``/``null`` as keys (JSON makes them strings);
# - numbers with a leading zero (octal to go-yaml), a base prefix, an underscore, a "+" or "."
#   start, or 19 digits and more (plain decimals, IP addresses and other words read alike:
#   tests/test_yaml_compat.py checks the claim with hypothesis);
# - tags, directives, explicit and flow-collection keys, quoted "<<", empty block scalars.
_BOOL_WORDS = frozenset(
    ("y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF")
)
_KEY_WORDS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~"))
_NUMBER_START = frozenset("0+.-_")
_PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_FLOW = re.compile(r"[\[\]{},]")
_FLOW_CHARS = frozenset("[]{},")
_WORTH_A_LOOK = frozenset("yYnNoOtTfF~0+.-_")
_WORTH_A_LOOK_WORDS = re.compile(r"^(?:[yYnNoOtTfF~0+.\-_].*|.*[_\[\]{},!?|>%].*|.{19,})$", re.MULTILINE)
"""The words ``needs_goyaml`` looks at; one pass of the regular-expression engine picks them."""
_INDICATORS = frozenset(("-", "?", ":", "--", "---", "...", "-:"))
_STRUCTURE = frozenset("!?|>%")
_END = r"(?=[ \t]*(?:$|#|[,\]}]|:(?:[ \t]|$)))"
_BEFORE_PLAIN = re.compile(r"(?:^|[:\-\[{,?])[ \t]*(?:[&!][^\s]*[ \t]+)*\Z", re.MULTILINE)
"""What may stand before a plain scalar on its line: nothing, an indicator, anchors and tags."""
_EMPTY_KEY = re.compile(r"(?:^|\n)[ \t]*(?:-[ \t]+)*:(?:[ \t]|$)", re.MULTILINE)
_FLOW_BLOCK = re.compile(r"[\[{,][ \t]*[|>]|:[ \t]+[|>][ \t]*[\]},]")
"""A "|" or ">" standing in a flow: yaml-rs reads it as a plain scalar, libyaml refuses it."""
_MULTILINE_FLOW = re.compile(r"[\[{][^\[\]{}\n]*\n")  # linear: no scan crosses a bracket
_EMPTY_ANCHOR = re.compile(r"&[^\s,\[\]{}&]+[ \t]*(?:[,\]}]|$)", re.MULTILINE)
"""An empty key: yaml-rs accepts it, libyaml and go-yaml do not."""
_TAG = re.compile(r"(?:^|[\s\[{,:-])!")
_EXPLICIT_KEY = re.compile(r"(?:^|\n)[ \t]*(?:-[ \t]+)*\?[ \t\n]")
_FLOW_KEY = re.compile(r"[\]}][ \t]*:(?:[ \t]|$)", re.MULTILINE)
_BLOCK_HEADER = re.compile(r"[|>][-+1-9]{0,2}(?:[ \t]*$|[ \t]+#)", re.MULTILINE)


@functools.lru_cache(maxsize=4096)
def _fast_reads_alike(token: str) -> bool:
    """Whether yaml-rs reads ``token`` as go-yaml does (type and value)."""
    if yaml_rs is None:  # pragma: no cover - no wheel
        return False
    try:
        loaded = yaml_rs.loads(f"v: {token}\n", parse_datetime=False)
        fast = loaded["v"] if isinstance(loaded, dict) else None
    except Exception:
        return False
    slow = goyaml_scalar(token)
    if type(fast) is not type(slow):
        return False
    if isinstance(fast, float):
        return fast == slow or (math.isnan(fast) and isinstance(slow, float) and math.isnan(slow))
    return bool(fast == slow)


def needs_goyaml(body: str) -> bool:
    """Whether yaml-rs might read this document otherwise than Kubernetes does (a document that
    needs it is read by :class:`GoYamlLoader`). One split into words, substring tests, and a
    regular expression only where a word shows the construct it looks for."""
    if "\u2028" in body or "\u2029" in body:  # line breaks to go-yaml, not to yaml-rs
        return True
    if body.startswith("%") or "\n%" in body or '"<<"' in body or "'<<'" in body:
        return True  # a directive (go-yaml refuses %YAML 2.0); a quoted "<<" is no merge key
    if (
        "\t" in body
        or body.startswith("...")
        or "\n..." in body
        or ":}" in body
        or ":]" in body
        or ":," in body
        or ("&" in body and _EMPTY_ANCHOR.search(body))
    ):
        return True  # where yaml-rs accepts what libyaml's descendants refuse (tabs, "{e:}")
    words = set(body.split())
    if (":" in words and _EMPTY_KEY.search(body)) or ("?" in words and _EXPLICIT_KEY.search(body)):
        return True  # an empty key (a line starting with ":"); an explicit, maybe complex, key
    seen = _Seen()
    for word in _WORTH_A_LOOK_WORDS.findall("\n".join(words)):  # in C: most words are names
        if not _STRUCTURE.isdisjoint(word):
            seen.note(word)
        if not _FLOW_CHARS.isdisjoint(word):
            seen.note_flow(word)
            if any(piece and _differs(body, piece) for piece in _FLOW.split(word)):
                return True
        elif (word[0] in _WORTH_A_LOOK or "_" in word or len(word) >= 19) and _differs(body, word):
            return True
    if seen.tag and _TAG.search(body):
        return True  # a tag: yaml-rs ignores it, go-yaml does not
    if seen.open_flow and (_MULTILINE_FLOW.search(body) or _flow_open_at_line_end(body)):
        return True  # a flow collection across lines (a key broken over a line break)
    if seen.flow_key and _FLOW_KEY.search(body):
        return True  # a flow collection as a key
    if seen.open_flow and ("{{" in body or "{[" in body):
        return True  # a flow collection as a key in a flow mapping ({{}}): no JSON key
    # "|" or ">" in a flow; an empty block scalar, or one ending the text
    return seen.block and bool(_FLOW_BLOCK.search(body) or _block_scalar_differs(body))


def _flow_open_at_line_end(body: str) -> bool:
    """Whether some line ends inside a flow collection, nested ones included (brackets in
    quotes count too: a false alarm only sends the document to the slower, faithful reader)."""
    depth = 0
    for line in body.splitlines():
        depth += line.count("[") + line.count("{") - line.count("]") - line.count("}")
        if depth > 0:
            return True
        depth = max(depth, 0)
    return False


class _Seen:
    """What the words of a document show, to run a regular expression only where it can match."""

    __slots__ = ("block", "flow_key", "open_flow", "tag")

    def __init__(self) -> None:
        self.tag = self.block = self.open_flow = self.flow_key = False

    def note(self, word: str) -> None:
        self.tag = self.tag or word.startswith("!") or any(f"{c}!" in word for c in "[{,:")
        self.block = self.block or "|" in word or ">" in word

    def note_flow(self, word: str) -> None:
        self.flow_key = self.flow_key or word.endswith(("]:", "}:")) or "]:" in word
        opened = word.count("[") + word.count("{")
        self.open_flow = self.open_flow or opened > word.count("]") + word.count("}")


def _differs(body: str, piece: str) -> bool:
    """Whether a word of the document, standing as a plain scalar, reads otherwise in yaml-rs."""
    key = piece.endswith(":")
    token = piece.rstrip(":") if key else piece
    if not token or piece in _INDICATORS:
        return False
    if token in _BOOL_WORDS:
        suspect = True
    elif token in _KEY_WORDS:
        suspect = key
    elif token[0] in _NUMBER_START or "_" in token or (len(token) >= 19 and token[0].isdigit()):
        suspect = not _PLAIN_DECIMAL.fullmatch(token) and (
            not _fast_reads_alike(token) or (key and not isinstance(goyaml_scalar(token), str))
        )
    else:
        return False
    return suspect and _plain_somewhere(body, token, key=token in _KEY_WORDS)


def _plain_somewhere(body: str, token: str, *, key: bool) -> bool:
    """Whether ``token`` stands as a whole plain scalar somewhere (a value, a list item, a key
    first on its line or in a flow), not only inside a longer one or a comment."""
    if key:
        pattern = re.compile(rf"(?<![^\s\[{{,]){re.escape(token)}[ \t]*:(?:[ \t]|$)", re.MULTILINE)
        return any(_key_at(body, m.start()) for m in pattern.finditer(body))
    pattern = re.compile(rf"(?<![^\s\[{{,]){re.escape(token)}{_END}", re.MULTILINE)
    for match in pattern.finditer(body):
        line_start = body.rfind("\n", 0, match.start()) + 1
        if _BEFORE_PLAIN.search(body, line_start, match.start()):
            return True
    return False


def _key_at(body: str, pos: int) -> bool:
    """Whether the word at ``pos`` starts a key: first on its line (after ``- ``), or in a flow."""
    line_start = body.rfind("\n", 0, pos) + 1
    before = body[line_start:pos].replace("- ", "").strip(" \t-")
    return before == "" or before.endswith(("{", ","))


def _block_scalar_differs(body: str) -> bool:
    """A block scalar with no content line (yaml-rs gives "\\n", YAML and go-yaml ""), or one
    ending a text without a final line break (yaml-rs adds one)."""
    if "|" not in body and ">" not in body:
        return False
    for header in _BLOCK_HEADER.finditer(body):
        line_start = body.rfind("\n", 0, header.start()) + 1
        line = body[line_start : header.start()]
        if line.strip(" \t-") and not line.rstrip().endswith(":") and line.strip() != "":
            stripped = line.rstrip()
            if not (stripped.endswith((":", "-")) or stripped == ""):
                continue  # a ">" or "|" inside a plain scalar, not a block scalar header
        if not body.endswith("\n"):
            return True
        indent = len(line) - len(line.lstrip(" \t"))
        pos = header.end() + 1
        while True:
            if pos >= len(body):
                return True
            eol = body.find("\n", pos)
            text = body[pos:] if eol < 0 else body[pos:eol]
            if text.strip():
                if len(text) - len(text.lstrip(" \t")) <= indent:
                    return True
                break
            if eol < 0:
                return True
            pos = eol + 1
    return False


# -- the loader ---------------------------------------------------------------------------------------


class DuplicateKeyError(Exception):
    """A mapping repeats a key (Kubernetes decodes manifests strictly)."""


_PLAIN = "tag:netpol,2026:plain"
"""The tag an untagged plain scalar gets here: go-yaml's resolution runs in its constructor."""


class GoYamlLoader(_BaseLoader):
    """PyYAML's loader with go-yaml v2's scalar resolution, strict keys, merge keys, and keys
    turned into strings as sigs.k8s.io/yaml turns them for JSON."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level registry

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return "tag:yaml.org,2002:merge" if value == "<<" else _PLAIN
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        own = sum(k.tag != "tag:yaml.org,2002:merge" for k, _ in node.value)
        self.flatten_mapping(node)  # merged pairs first, then the mapping's own: those win
        merged = len(node.value) - own
        mapping: dict[Hashable, Any] = {}
        seen: set[str] = set()
        for i, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a string, not a collection", key_node.start_mark
                )
            try:
                key = json_key(key)
            except ValueError as exc:
                raise yaml.constructor.ConstructorError(None, None, str(exc), key_node.start_mark) from exc
            if i >= merged:
                if key in seen:
                    raise DuplicateKeyError
                seen.add(key)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def json_key(key: Any) -> str:
    """A key as sigs.k8s.io/yaml makes it for JSON (convertToJSONableObject): ints in decimal,
    floats by ``strconv.FormatFloat(f, 'g', -1, 32)`` (``.inf``, ``.nan``), booleans as
    ``true``/``false``; a null key is "Unsupported map key" (ValueError)."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return _go_float32(key)
    raise ValueError(f"a mapping key cannot be {'null' if key is None else type(key).__name__}")


def _go_float32(x: float) -> str:
    """Go's ``strconv.FormatFloat(x, 'g', -1, 32)``: the shortest digits that give back the same
    float32; an exponent below 1e-4 or from 1e6 ("%e is used if the exponent ... is less than -4
    or greater than or equal to the precision. if precision was the shortest possible, use
    precision 6 for this decision", strconv/ftoa.go)."""
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".inf" if x > 0 else "-.inf"
    if x == 0:
        return "-0" if math.copysign(1, x) < 0 else "0"
    single = struct.unpack("f", struct.pack("f", x))[0]
    text = next(
        t
        for t in (f"{single:.{p}e}" for p in range(9))
        if struct.unpack("f", struct.pack("f", float(t)))[0] == single
    )
    mantissa, _, exp_text = text.partition("e")
    exp = int(exp_text)
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    sign = "-" if x < 0 else ""
    if exp < -4 or exp >= 6:
        body = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    whole, frac = digits[: exp + 1].ljust(exp + 1, "0"), digits[exp + 1 :]
    return f"{sign}{whole}{'.' + frac if frac else ''}"


def _plain(loader: GoYamlLoader, node: yaml.ScalarNode) -> Any:
    return goyaml_scalar(loader.construct_scalar(node))


def _tagged(loader: GoYamlLoader, node: yaml.Node) -> Any:
    """An explicit tag: the standard ones as go-yaml gives them, any other one ignored (its value
    as if untagged, but a scalar stays a string, as go-yaml keeps it)."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    text = loader.construct_scalar(node)  # type: ignore[arg-type]
    tag = node.tag.removeprefix("tag:yaml.org,2002:")
    if tag in ("bool", "int", "float", "null"):
        value = goyaml_scalar(text)
        fits = {
            "bool": isinstance(value, bool),
            "null": value is None,
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, int | float) and not isinstance(value, bool),
        }[tag]
        if not fits:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot decode {text!r} as a !!{tag}", node.start_mark
            )
        return float(value) if tag == "float" else value
    if tag == "str":
        return text
    if tag == "binary":
        try:
            return base64.b64decode("".join(text.split()), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, "!!binary holds no base64", node.start_mark
            ) from exc
    return text


GoYamlLoader.add_constructor(_PLAIN, _plain)
GoYamlLoader.add_constructor("tag:yaml.org,2002:str", _tagged)
for _tag in ("bool", "int", "float", "null", "binary", "timestamp", "set", "omap", "pairs", "seq", "map"):
    GoYamlLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _tagged)
GoYamlLoader.add_constructor(None, _tagged)
