"""FieldReader's typed reads (netpol.load.fields): for each, the good value, a wrong type and null,
with the message, the code and the field path a problem is reported at."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from netpol.errors import InputError
from netpol.load.fields import FieldPath, FieldReader, Problems, read_yaml

Report = tuple[tuple[str | int, ...], str, str]


class Recorder(FieldReader):
    """Keeps each problem as (path, message, code)."""

    def __init__(self) -> None:
        self.found: list[Report] = []

    def report(self, path: FieldPath, message: str, code: str) -> None:
        self.found.append((tuple(path), message, code))


class Lower(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


class Upper(StrEnum):
    TCP = "TCP"
    SCTP = "SCTP"


@pytest.fixture
def r() -> Recorder:
    return Recorder()


# -- the message: what, got ------------------------------------------------------------------------


def test_a_wrong_type_is_named_after_what_the_field_must_be(r: Recorder) -> None:
    assert r.mapping(5, ("a",)) is None
    assert r.mapping(5, ("b",), what="b must be a mapping") is None
    assert r.mapping([], ("c",), what="c is a mapping with x, y and z", got="; got") is None
    assert r.mapping("x", ("d",), what="d must be a mapping with x", got=None) is None
    assert r.found == [
        (("a",), "expected a mapping, got an integer", "wrong-type"),
        (("b",), "b must be a mapping, got an integer", "wrong-type"),
        (("c",), "c is a mapping with x, y and z; got a list", "wrong-type"),
        (("d",), "d must be a mapping with x", "wrong-type"),
    ]
    assert r.failed


# -- mapping, sequence ---------------------------------------------------------------------------


def test_mapping(r: Recorder) -> None:
    assert r.mapping({"k": 1}, ("m",)) == {"k": 1}
    assert r.mapping(None, ("m",)) is None
    assert not r.found and not r.failed
    assert r.mapping(None, ("m",), null=False) is None
    assert r.mapping({}, ("m",), empty=False) is None
    assert r.mapping({}, ("m",)) == {}
    assert r.found == [
        (("m",), "expected a mapping, got null", "wrong-type"),
        (("m",), "expected a mapping, got a mapping", "wrong-type"),
    ]


def test_mapping_reports_unknown_keys_sorted(r: Recorder) -> None:
    assert r.mapping({"b": 1, "x": 2}, ("m",), allowed=("b", "a")) == {"b": 1, "x": 2}
    assert r.found == [(("m", "x"), "unknown field 'x' (expected one of: a, b)", "unknown-field")]


def test_sequence(r: Recorder) -> None:
    assert r.sequence([1], ("s",)) == [1]
    assert r.sequence(None, ("s",)) is None
    assert not r.found
    assert r.sequence("x", ("s",), what="s must be a list") is None
    assert r.sequence(None, ("s",), null=False) is None
    assert r.found == [
        (("s",), "s must be a list, got a string", "wrong-type"),
        (("s",), "expected a list, got null", "wrong-type"),
    ]


# -- unknown_keys, has ---------------------------------------------------------------------------


def test_unknown_keys_in_their_order(r: Recorder) -> None:
    r.unknown_keys({"b": 1, "z": 2}, ("m",), ("b", "a"))
    r.unknown_keys({"y": 1}, (), ("b", "a"), noun="setting", listed="b or a")
    assert r.found == [
        (("m", "z"), "unknown field 'z' (expected one of: b, a)", "unknown-field"),
        (("y",), "unknown setting 'y' (expected b or a)", "unknown-field"),
    ]


def test_unknown_keys_path_holds_the_key_as_text_or_as_typed(r: Recorder) -> None:
    r.unknown_keys({1: "x"}, (0,), ("a",))
    r.unknown_keys({1: "x"}, (0,), ("a",), typed_keys=True)
    assert [path for path, _, _ in r.found] == [(0, "1"), (0, 1)]
    assert {message for _, message, _ in r.found} == {"unknown field 1 (expected one of: a)"}


def test_has(r: Recorder) -> None:
    item: dict[str, Any] = {"a": 1, "n": None}
    assert r.has(item, "a", (3,), "no a")
    assert r.has(item, "n", (3,), "no n", null=False)  # given: the value's read judges the null
    assert not r.found
    assert not r.has(item, "n", (3,), "no n")
    assert not r.has(item, "b", (3,), "no b", null=False)
    assert r.found == [((3,), "no n", "required"), ((3,), "no b", "required")]


# -- mappings: a list of mappings ----------------------------------------------------------------


def test_mappings(r: Recorder) -> None:
    value = [{"a": 1}, 5, None, {"b": 2}]
    items = list(r.mappings(value, ("l",), each="an item is a mapping with a, b", each_got="; got"))
    assert items == [(0, ("l", 0), {"a": 1}), (3, ("l", 3), {"b": 2})]
    assert r.found == [
        (("l", 1), "an item is a mapping with a, b; got an integer", "wrong-type"),
        (("l", 2), "an item is a mapping with a, b; got null", "wrong-type"),
    ]


def test_mappings_of_a_wrong_or_null_list(r: Recorder) -> None:
    assert list(r.mappings(None, ("l",))) == []
    assert not r.found
    assert list(r.mappings({"a": 1}, ("l",), what="l is a list")) == []
    assert list(r.mappings(None, ("l",), what="l is a list", null=False)) == []
    assert r.found == [
        (("l",), "l is a list, got a mapping", "wrong-type"),
        (("l",), "l is a list, got null", "wrong-type"),
    ]


# -- string, string_map, string_or_mapping -------------------------------------------------------


def test_string(r: Recorder) -> None:
    assert r.string("x", ("s",)) == "x"
    assert r.string("", ("s",)) == ""
    assert r.string(None, ("s",)) is None
    assert not r.found
    assert r.string(5, ("s",), what="s must be a string") is None
    assert r.string(None, ("s",), null=False) is None
    assert r.string("", ("s",), what="s must be a name", got=None, empty=False) is None
    assert r.found == [
        (("s",), "s must be a string, got an integer", "wrong-type"),
        (("s",), "expected a string, got null", "wrong-type"),
        (("s",), "s must be a name", "wrong-type"),
    ]


def test_string_map(r: Recorder) -> None:
    what = "labels must map label keys to string values"
    assert r.string_map({"app": "db"}, ("l",), what=what) == {"app": "db"}
    assert r.string_map(None, ("l",), what=what) is None
    assert not r.found
    assert r.string_map({"app": 5}, ("l",), what=what) is None
    assert r.string_map({1: "db"}, ("l",), what=what) is None
    assert r.string_map(["app"], ("l",), what=what) is None
    assert r.string_map(None, ("l",), what=what, null=False) is None
    assert r.found == [(("l",), what, "wrong-type")] * 4


def test_string_or_mapping(r: Recorder) -> None:
    assert r.string_or_mapping("a/b", ("s",)) == "a/b"
    assert r.string_or_mapping({"k": "v"}, ("s",)) == {"k": "v"}
    assert not r.found
    assert r.string_or_mapping(None, ("s",)) is None  # given, so a null is wrong
    assert r.string_or_mapping([1], ("s",), what="an endpoint, or a mapping", got="; got") is None
    assert r.string_or_mapping({}, ("s",), empty=False) is None
    assert r.found == [
        (("s",), "expected a string or a mapping, got null", "wrong-type"),
        (("s",), "an endpoint, or a mapping; got a list", "wrong-type"),
        (("s",), "expected a string or a mapping, got a mapping", "wrong-type"),
    ]


# -- choice, parsed ------------------------------------------------------------------------------


def test_choice_in_any_case(r: Recorder) -> None:
    assert r.choice("Deny", ("c",), Lower, what="c must be allow or deny") is Lower.DENY
    assert r.choice("tcp", ("p",), Upper, what="p must be TCP or SCTP") is Upper.TCP
    long_s = "\N{LATIN SMALL LETTER LONG S}ctp"  # folded as str.upper() folds it: "SCTP"
    assert r.choice(long_s, ("p",), Upper, what="p must be TCP or SCTP") is Upper.SCTP
    assert r.choice(None, ("p",), Upper, what="p must be TCP or SCTP", null=True) is None
    assert not r.found


def test_choice_wrong_values(r: Recorder) -> None:
    assert r.choice("maybe", ("c",), Lower, what="c must be allow or deny") is None
    assert r.choice(1, ("c",), Lower, what="c must be allow or deny") is None
    assert r.choice(None, ("c",), Lower, what="c must be allow or deny") is None  # the key was given
    assert r.choice("icmp", ("p",), Upper, what="p must be TCP or SCTP", code="bad-protocol") is None
    assert r.found == [
        (("c",), "c must be allow or deny, got 'maybe'", "bad-value"),
        (("c",), "c must be allow or deny, got 1", "bad-value"),
        (("c",), "c must be allow or deny, got None", "bad-value"),
        (("p",), "p must be TCP or SCTP, got 'icmp'", "bad-protocol"),
    ]


def _even(value: int | str) -> int:
    number = int(value)
    if number % 2:
        raise ValueError(f"{number} is odd")
    return number


def test_parsed(r: Recorder) -> None:
    assert r.parsed(4, ("n",), _even, (int, str), what="n must be even", code="bad-n") == 4
    assert r.parsed("6", ("n",), _even, (int, str), what="n must be even", code="bad-n") == 6
    assert r.parsed(None, ("n",), _even, (int, str), what="n must be even", code="bad-n") is None
    assert not r.found
    assert r.parsed(3, ("n",), _even, (int, str), what="n must be even", code="bad-n") is None
    assert r.parsed([4], ("n",), _even, (int, str), what="n must be even", code="bad-n") is None
    assert r.found == [
        (("n",), "n must be even: 3 is odd", "bad-n"),
        (("n",), "n must be even: got [4]", "bad-n"),
    ]


# -- Problems: each problem at its line ----------------------------------------------------------


def test_problems_locate_each_read_and_raise_together(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("- a: 1\n  b: [x]\n- 7\n")
    p = Problems(read_yaml(str(path), "test file"), "test file")
    for _, at, item in p.mappings(p.file.value, (), each="an item is a mapping"):
        p.string(item.get("b"), (*at, "b"), what="b must be a string")
    with pytest.raises(InputError, match=r"^2 error\(s\) in test file ") as caught:
        p.raise_if_any()
    assert [(str(d.location), d.message) for d in caught.value.diagnostics] == [
        (f"{path}:2:6, document 1, [0].b", "b must be a string, got a list"),
        (f"{path}:3:3, document 1, [1]", "an item is a mapping, got an integer"),
    ]
