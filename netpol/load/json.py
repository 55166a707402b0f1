"""Load stage: JSON texts, one or more values in a row, each a document of its own."""

from __future__ import annotations

import json
import re
from typing import Any

from netpol.load.compat import DuplicateKeyError
from netpol.load.locate import Chunk, Failure
from netpol.load.yaml import duplicate_key_failure

__all__ = ["parse_json_stream", "skip_space"]

_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise DuplicateKeyError
    return result


def _json_int(digits: str) -> int | float:
    """A JSON integer; one too long for Python's int() (4,300 digits) is a float, as Go's JSON
    decoding gives numbers that fit no int64: the model then refuses it where it wants a number."""
    return int(digits) if len(digits) <= 4000 else float(digits)


def parse_json_stream(text: str) -> tuple[list[tuple[Any, Chunk]], Failure | None]:
    """Consecutive JSON values (usually one), each a document; and the failure that ended them."""
    strict = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_int=_json_int)
    lenient = json.JSONDecoder(parse_int=_json_int)
    parsed: list[tuple[Any, Chunk]] = []
    pos = skip_space(text, 0)
    line, counted = 1, 0
    while pos < len(text):
        line += text.count("\n", counted, pos)
        counted = pos
        column = pos - (text.rfind("\n", 0, pos) + 1)
        try:
            value, end = strict.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            message = exc.msg[:1].lower() + exc.msg[1:]
            return parsed, Failure("json-syntax", f"malformed JSON: {message}", exc.lineno, exc.colno)
        except RecursionError:
            return parsed, Failure("json-syntax", "malformed JSON: nested too deeply", line, column + 1)
        except DuplicateKeyError:
            try:
                _, end = lenient.raw_decode(text, pos)
            except (json.JSONDecodeError, RecursionError):
                return parsed, Failure("json-syntax", "malformed JSON", line, column + 1)
            chunk = Chunk(pos, end, line, column)
            body = (" " * column + text[pos:end]).replace("\t", " ")
            value = duplicate_key_failure(body, chunk, None)
        parsed.append((value, Chunk(pos, end, line, column)))
        pos = skip_space(text, end)
    return parsed, None


def skip_space(text: str, pos: int) -> int:
    match = _JSON_SPACE.match(text, pos)
    return pos if match is None else match.end()
