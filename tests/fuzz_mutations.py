"""The inputs of the fuzzer (tests/fuzzing.py): the corpus, hostile values and the mutations.

A case is one of the bundled manifests (every ``policies/`` folder as one file, every manifest
under ``tests/fixtures/``) changed by a few mutations, chosen from ``(seed, index)`` alone, so the
same case has the same bytes on every machine: byte-level mutations (bits, bytes, NUL and other
controls, invalid UTF-8, truncation, lines duplicated, dropped and swapped, indentation, tabs,
``---`` and ``...``, spliced lines and documents, anchors, aliases and alias bombs, merge keys,
BOMs, UTF-16/UTF-32, CR line ends, directives, tags, YAML 1.1/1.2 scalars, complex keys, huge
numbers, deep nesting, very long lines, stray quotes) and structure-aware ones (parse a document,
put a hostile value at a field, rename or delete a field, add an unknown one, change the kind,
wrap it in a List, then write it back as YAML in one of several styles, or as JSON).
"""

from __future__ import annotations

import copy
import json
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from netpol.load.compat import GoYamlLoader

__all__ = [
    "BYTE_MUTATORS",
    "MARKER_HTML",
    "MARKER_MENTION",
    "Case",
    "Corpus",
    "FieldPath",
    "dotted",
    "generate",
    "hostile_for",
    "load_corpus",
    "mutate_structure",
    "short_value",
]

ROOT = Path(__file__).resolve().parent.parent


# --- the corpus ---


@dataclass(frozen=True, slots=True)
class Corpus:
    manifests: tuple[tuple[str, bytes], ...]
    """(name, content): every policies/ folder as one file, and every manifest fixture."""
    intents: tuple[bytes, ...]
    configs: tuple[bytes, ...]


def load_corpus(root: Path = ROOT) -> Corpus:
    manifests: list[tuple[str, bytes]] = []
    for folder in sorted(p for p in (root / "policies").iterdir() if p.is_dir() and p.name != "flows"):
        files = sorted(folder.rglob("*.yaml"))
        joined = b"---\n".join(f.read_bytes().rstrip(b"\n") + b"\n" for f in files)
        manifests.append((f"policies/{folder.name}", joined))
    fixtures = root / "tests" / "fixtures"
    for f in sorted(fixtures.rglob("*")):
        if (
            f.is_file()
            and f.suffix.lower() in (".yaml", ".yml", ".json")
            and f.relative_to(fixtures).parts[0] not in ("check", "ci")
        ):
            manifests.append((f.relative_to(root).as_posix(), f.read_bytes()))
    intents = tuple(f.read_bytes() for f in sorted((fixtures / "check").glob("*.yaml")))
    configs = tuple(f.read_bytes() for f in sorted((fixtures / "ci").glob("*.yaml")))
    return Corpus(tuple(manifests), intents, configs)


# --- hostile values ---

MARKER_HTML = "</script><img src=x onerror=alert(1)>"
MARKER_MENTION = "@fuzzuser"

NAMES: tuple[str, ...] = (
    "a_b",
    "a b",
    "a\nb",
    "A",
    "a.b",
    "a:b",
    "a=b",
    "a;b",
    "a|b",
    "a,b",
    'a"b',
    "a'b",
    "a]b",
    "x/y",
    "x/y[Pod]",
    "*",
    "#",
    "-",
    ".",
    "..",
    "",
    " ",
    "default",
    "kube-system",
    "null",
    "true",
    "0",
    "[]",
    "{}",
    MARKER_HTML,
    "<b>bold</b>",
    "&amp;",
    "<!--",
    "]]>",
    "-->",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[2J",
    "\x1b",
    "\u202eevil",
    "\u2066x\u2069",
    "\u200bzero",
    "\ufeffbom",
    "\u2028sep",
    "\x85nel",
    "\x9b31m",
    "\x07bell",
    "\x00nul",
    "\x7fdel",
    "\t",
    "\r\n",
    "\\",
    "`id`",
    "$(id)",
    "${x}",
    "{{x}}",
    MARKER_MENTION,
    "=cmd|' /C calc'!A0",
    "+SUM(1)",
    "-2+3",
    "@SUM(1)",
    "\tcell",
    "*bold*",
    "_em_",
    "~~s~~",
    "[link](https://evil.example)",
    "![i](x)",
    "$x$",
    "a" * 300,
    "é",
    "\U0001f642",
    "\u0301",
    "\U000e0041",
    "subgraph",
    "end",
    "click a href",
    "%%{init}%%",
    "graph LR",
    "-->",
    "--",
    '"];x["',
    "};digraph{",
    "\\l",
    "\\N",
)
PORTS: tuple[Any, ...] = (
    0,
    -1,
    1,
    65535,
    65536,
    2**31,
    2**63,
    10**30,
    "8080x",
    "80",
    "",
    " 80",
    "http",
    "HTTP",
    "a" * 16,
    "-http",
    "ht--tp",
    "1234",
    "\u00b2",
    "\u0663",
    "0x50",
    "1e3",
    "*",
    80.0,
    8080.5,
    True,
    None,
    [],
    {},
    [80],
    float("nan"),
    float("inf"),
)
CIDRS: tuple[Any, ...] = (
    "10.0.0.0/33",
    "10.0.0.300/8",
    "10.0.0.1",
    "0.0.0.0/0",
    "::/0",
    "::/129",
    "10.0.0.0/-1",
    "10.0.0.0/08",
    "010.0.0.0/8",
    "10.0.0.0/8/8",
    "10.0.0.5/8",
    "fe80::1%eth0/64",
    "::ffff:10.0.0.0/104",
    "2001:db8::/32",
    "10.0.0.0 /8",
    "",
    "10.0.0.0/8\n",
    "1.2.3.4/32",
    "255.255.255.255/32",
    "0.0.0.0/32",
    "10.0.0.0/\u0668",
    "\uff11\uff10.0.0.0/8",
    "10.0.0.0/8 ",
    "::/0x",
    "[::1]/128",
    "10/8",
    "10.0/16",
    10,
    None,
    [],
    {},
    ["10.0.0.0/8"],
)
TYPES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    float("nan"),
    float("-inf"),
    "",
    "x",
    [],
    {},
    [None],
    [[]],
    [{}],
    {"": None},
    "null",
    "~",
    "yes",
    "0755",
    "1e3",
    10**400,
    [[[[[[[[[[[]]]]]]]]]]],
)
CONTEXT: dict[str, tuple[Any, ...]] = {
    "port": PORTS,
    "endPort": PORTS,
    "containerPort": PORTS,
    "targetPort": PORTS,
    "cidr": CIDRS,
    "except": (*CIDRS, ["10.0.0.0/8", "10.0.0.0/8"], ["0.0.0.0/0"]),
    "podIP": ("10.0.0.1", "::1", "not-an-ip", "10.0.0.1/32", "999.1.1.1", "", None, 1),
    "hostIP": ("10.0.0.1", "::1", "x", None),
    "podIPs": ([], [{"ip": "10.0.0.1"}, {"ip": "10.0.0.1"}], [{"ip": "x"}], [{}], "10.0.0.1"),
    "name": NAMES,
    "namespace": NAMES,
    "generateName": NAMES,
    "nodeName": NAMES,
    "key": NAMES,
    "app": NAMES,
    "values": ([], [""], ["a", "a"], [None], "a", [MARKER_HTML], [1]),
    "protocol": ("TCP", "tcp", "UDP", "SCTP", "ICMP", "", "Tcp", 6, None),
    "operator": ("In", "NotIn", "Exists", "DoesNotExist", "in", "Equals", "", None, 1),
    "policyTypes": (
        ["Ingress"],
        ["Egress"],
        [],
        ["ingress"],
        ["Ingress", "Ingress"],
        ["Both"],
        "Ingress",
        None,
        [None],
        ["Ingress", "Egress", "Egress"],
    ),
    "kind": (
        "Pod",
        "Deployment",
        "NetworkPolicy",
        "Namespace",
        "List",
        "PodList",
        "NetworkPolicyList",
        "DeploymentList",
        "Service",
        "",
        "pod",
        "CronJob",
        "Job",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "ReplicationController",
        "NamespaceList",
        None,
        1,
    ),
    "apiVersion": (
        "v1",
        "apps/v1",
        "networking.k8s.io/v1",
        "networking.k8s.io/v1beta1",
        "extensions/v1beta1",
        "batch/v1",
        "",
        "v2",
        None,
        1,
    ),
    "hostNetwork": (True, False, "true", 1, None),
    "replicas": (0, -1, 10**6, 10**9, "3", None, 1.5),
    "ports": ([], None, {}, [{}], [{"port": 80}, {"port": 80}], [{"port": 1, "endPort": 65535}]),
    "ingress": ([], None, [{}], [{"from": []}], [{"from": [{}]}], {}, [None]),
    "egress": ([], None, [{}], [{"to": []}], [{"to": [{}]}], {}, [None]),
    "from": ([], None, [{}], [{"ipBlock": {"cidr": "0.0.0.0/0"}}], {}),
    "to": ([], None, [{}], [{"ipBlock": {"cidr": "::/0"}}], {}),
    "podSelector": (
        {},
        None,
        [],
        {"matchLabels": {}},
        {"matchLabels": {"a": MARKER_HTML}},
        {"matchExpressions": [{"key": "a", "operator": "Exists"}]},
    ),
    "namespaceSelector": ({}, None, [], {"matchLabels": {"kubernetes.io/metadata.name": "x"}}),
    "labels": ({}, None, [], {"a": 1}, {"": "x"}, {MARKER_HTML: MARKER_HTML}, {"a": None}),
    "matchLabels": ({}, None, [], {"a": 1}, {"": "x"}, {"\x1b[31m": "\u202e"}, {"a": None}),
    "annotations": (
        {"netpol.io/ignore": "NP001,NP999"},
        {"netpol.io/ignore": ""},
        {"netpol.io/ignore": 1},
        {"netpol.io/ignore": "*"},
        None,
        [],
    ),
    "items": ([], None, {}, [None], [1], [{}]),
    "ownerReferences": (
        [],
        None,
        [{}],
        [{"kind": "ReplicaSet", "name": "x-5d8f"}],
        [{"kind": "Deployment", "name": MARKER_HTML, "controller": True}],
    ),
}
UNKNOWN_KEYS: tuple[str, ...] = (
    "podSelecter",
    "ingres",
    "form",
    "tO",
    "metdata",
    "Spec",
    "spec ",
    "",
    " ",
    "<<",
    "x-extra",
    "status",
    "matchlabels",
    "ipblock",
    "cidrs",
    "namespaceselector",
    MARKER_HTML,
    "\x1b[31m",
)
REQUIRED_KEYS = frozenset(
    {
        "kind",
        "apiVersion",
        "metadata",
        "name",
        "spec",
        "podSelector",
        "cidr",
        "port",
        "key",
        "operator",
        "selector",
        "template",
        "containers",
        "items",
        "namespace",
        "labels",
        "ingress",
        "egress",
        "from",
        "to",
        "policyTypes",
        "matchLabels",
        "ipBlock",
        "values",
    }
)
INTERESTING_KEYS = REQUIRED_KEYS | CONTEXT.keys()

SCALARS: tuple[str, ...] = (
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "0755",
    "0o755",
    "0x1F",
    "0X1F",
    "0O7",
    "0b101",
    "1_000",
    "_1",
    "1_",
    "+1",
    "-0",
    "0.",
    "1.",
    "1e3",
    "1E3",
    "1e+3",
    ".5",
    "+.5",
    ".1_1",
    "0.1e1_0",
    "-.inf",
    ".NaN",
    ".nan",
    "1:20",
    "12:30:45",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "=",
    "<<",
    "!",
    "|",
    "|-",
    ">",
    '"\\e[31m"',
    '"\\x00"',
    '"\\N"',
    '"\\_"',
    '"\\L"',
    '"\\P"',
    '"\\/"',
    '"\\u202e"',
    '"\\U0001F600"',
    "'a''b'",
    "0x",
    "0o",
    "0b",
    "00",
    "1e999",
    "-1e999",
    "1e-999",
    "9" * 30,
    "0x" + "f" * 40,
    "+0x10",
    "-0x10",
    "+0o7",
    "-0b1",
    "1.0e",
    "1.e5",
    "e5",
    "inf",
    ".Inf",
    "+.inf",
    "nan",
    "0o8",
    "0x_1",
    "-.5",
    "+0.0",
    "-0.0",
    "0e0",
    ".",
    "+",
    "-",
    "-1_0",
    "1_000.5",
    "!!int 0755",
    "!!int 1_0",
    "!!float 1",
    "!!bool yes",
    "!!str",
    "!!binary aGk=",
    "!!timestamp 2001-01-01",
    '!!int "12"',
    "!!set {a, b}",
    "!!omap [a: 1]",
    "&a 1",
    "*a",
    "? a",
    "a #b",
    "a#b",
    "@x",
    "`x",
    "%x",
    "[a, b]",
    "{a: 1}",
    "[",
    "{",
    "]",
    "'",
    '"',
    '"a\\',
    "'''",
    '"\\"',
    "a: b",
    "- a",
)
TAGS: tuple[str, ...] = (
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "!!binary ",
    "!!timestamp ",
    "!!set ",
    "!!omap ",
    "!!pairs ",
    "!!map ",
    "!!seq ",
    "!!python/object/apply:os.system ",
    "!custom ",
    "!<tag:yaml.org,2002:str> ",
    "!<!> ",
    "! ",
    "!!merge ",
    "!!value ",
)
CONTROLS: tuple[bytes, ...] = (
    b"\x00",
    b"\x01",
    b"\x07",
    b"\x08",
    b"\x0b",
    b"\x0c",
    b"\x1b",
    b"\x1b[31m",
    b"\x7f",
    b"\r",
    b"\t",
    b"\xc2\x85",
    b"\xc2\x9b",
    b"\xe2\x80\xa8",
    b"\xe2\x80\xa9",
    b"\xe2\x80\xae",
    b"\xef\xbb\xbf",
    b"\xef\xbf\xbe",
    b"\xf3\xa0\x80\x81",
)
BAD_UTF8: tuple[bytes, ...] = (
    b"\xff",
    b"\xfe",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\x80",
    b"\xe2\x82",
)
PUNCTUATION = b":-?|>#&*!%@`'\"{}[], \n\\"


# --- cases ---


@dataclass(frozen=True, slots=True)
class Case:
    seed: int
    index: int
    base: str
    """The corpus entry it started from."""
    mutations: tuple[str, ...]
    data: bytes
    original: bytes
    suffix: str
    """``.yaml`` or ``.json``: the name of the case file decides how netpol reads it."""

    @property
    def label(self) -> str:
        return f"seed {self.seed} case {self.index}"


Mutator = Callable[[random.Random, bytes, Corpus], tuple[bytes, str]]


def generate(corpus: Corpus, seed: int, index: int) -> Case:
    """Case ``index`` of ``seed``: the same bytes on every machine and every run."""
    rng = random.Random(f"netpol-fuzz/{seed}/{index}")
    name, original = rng.choice(corpus.manifests)
    suffix = ".json" if name.endswith(".json") else ".yaml"
    data = original
    done: list[str] = []
    if rng.random() < 0.1:
        data, what = _splice_documents(rng, data, corpus)
        done.append(what)
    if rng.random() < 0.5:
        data, what = mutate_structure(rng, data, is_json=suffix == ".json")
        done.append(what)
    for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3)) if done else rng.choice((1, 1, 2, 3))):
        op = rng.choice(BYTE_MUTATORS)
        data, what = op(rng, data, corpus)
        done.append(what)
    return Case(seed, index, name, tuple(done), data, original, suffix)


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _pos(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def _indent(line: bytes) -> bytes:
    return line[: len(line) - len(line.lstrip(b" -"))]


_VALUE_LINE = re.compile(rb"^(\s*(?:- )?[^\s:#][^:#]*:) (\S.*)$")


def _value_lines(lines: list[bytes]) -> list[int]:
    return [i for i, line in enumerate(lines) if _VALUE_LINE.match(line)]


def _flip(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    if not data:
        return data, "flip: empty"
    buf = bytearray(data)
    pos = rng.randrange(len(buf))
    buf[pos] ^= 1 << rng.randrange(8)
    return bytes(buf), f"flip a bit at {pos}"


def _insert_byte(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    pos = _pos(rng, data)
    token = bytes([rng.choice(PUNCTUATION)]) if rng.random() < 0.7 else bytes([rng.randrange(256)])
    return data[:pos] + token * rng.choice((1, 1, 2, 8)) + data[pos:], f"insert {token!r} at {pos}"


def _insert_control(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    pos = _pos(rng, data)
    token = rng.choice(CONTROLS)
    return data[:pos] + token + data[pos:], f"insert {token!r} at {pos}"


def _insert_bad_utf8(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    pos = _pos(rng, data)
    token = rng.choice(BAD_UTF8)
    return data[:pos] + token + data[pos:], f"insert {token!r} at {pos}"


def _delete(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    pos = _pos(rng, data)
    n = rng.choice((1, 1, 2, 4, 16, 64))
    return data[:pos] + data[pos + n :], f"delete {n} bytes at {pos}"


def _truncate(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    pos = _pos(rng, data)
    return data[:pos], f"truncate at {pos}"


def _duplicate_line(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]), f"duplicate line {i + 1}"


def _drop_line(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    return b"\n".join(lines[:i] + lines[i + 1 :]), f"drop line {i + 1}"


def _swap_lines(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines), f"swap lines {i + 1} and {j + 1}"


def _reindent(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    how = rng.choice(("+1", "+2", "-1", "-2", "tab", "tab-all", "double-all"))
    if how == "tab-all":
        return b"\n".join(
            re.sub(rb"^(  )+", lambda m: b"\t" * (len(m.group()) // 2), ln) for ln in lines
        ), "indent every line with tabs"
    if how == "double-all":
        return b"\n".join(
            re.sub(rb"^ +", lambda m: m.group() * 2, ln) for ln in lines
        ), "double every indentation"
    line = lines[i]
    if how == "tab":
        line = b"\t" + line.lstrip(b" ") if line.startswith(b" ") else b"\t" + line
    elif how.startswith("+"):
        line = b" " * int(how[1:]) + line
    else:
        line = line[min(int(how[1:]), len(line) - len(line.lstrip(b" "))) :]
    lines[i] = line
    return b"\n".join(lines), f"indent line {i + 1} {how}"


def _tab_after_colon(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    candidates = _value_lines(lines)
    if not candidates:
        return data, "tab after colon: none"
    i = rng.choice(candidates)
    lines[i] = lines[i].replace(b": ", b":\t", 1)
    return b"\n".join(lines), f"tab after the colon on line {i + 1}"


def _doc_marker(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    if rng.random() < 0.15:
        return b"\n".join(ln for ln in lines if not ln.startswith(b"---")), "drop every ---"
    i = rng.randrange(len(lines) + 1)
    marker = rng.choice(
        (
            b"---",
            b"---",
            b"...",
            b"--- |",
            b"--- !x",
            b"--- # c",
            b"---\t",
            b"----",
            b"--- a: b",
            b"---\n---",
            b"... #",
            b"--- >\n  x",
        )
    )
    return b"\n".join([*lines[:i], marker, *lines[i:]]), f"insert {marker!r} before line {i + 1}"


def _splice(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    name, other = rng.choice(corpus.manifests)
    src = _lines(other)
    a = rng.randrange(len(src))
    b = min(len(src), a + rng.choice((1, 2, 5, 20)))
    lines = _lines(data)
    i = rng.randrange(len(lines) + 1)
    return b"\n".join(
        [*lines[:i], *src[a:b], *lines[i:]]
    ), f"splice lines {a + 1}-{b} of {name} before line {i + 1}"


def _splice_documents(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    name, other = rng.choice(corpus.manifests)
    docs = [d for d in re.split(rb"(?m)^---.*\n", other) if d.strip()]
    if not docs:
        return data, "splice documents: none"
    picked = rng.sample(docs, min(len(docs), rng.randint(1, 3)))
    return data.rstrip(b"\n") + b"\n---\n" + b"---\n".join(
        picked
    ), f"append {len(picked)} document(s) of {name}"


def _anchor_alias(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    how = rng.choice(("scalar", "mapping", "undefined", "bomb", "self"))
    if how == "bomb":
        levels = [b"l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
        for n in range(1, rng.choice((4, 6, 9))):
            levels.append(b"l%d: &l%d [" % (n, n) + b", ".join([b"*l%d" % (n - 1)] * 10) + b"]")
        return data.rstrip(b"\n") + b"\n---\n" + b"\n".join(
            levels
        ) + b"\n", f"append an alias bomb of {len(levels)} levels"
    values = _value_lines(lines)
    if how == "undefined" and values:
        i = rng.choice(values)
        lines[i] = _VALUE_LINE.sub(rb"\1 *nope", lines[i])
        return b"\n".join(lines), f"undefined alias on line {i + 1}"
    if how == "scalar" and len(values) >= 2:
        i, j = sorted(rng.sample(values, 2))
        if rng.random() < 0.2:
            i, j = j, i  # the alias before its anchor
        lines[i] = _VALUE_LINE.sub(rb"\1 &a \2", lines[i])
        lines[j] = _VALUE_LINE.sub(rb"\1 *a", lines[j])
        return b"\n".join(lines), f"anchor line {i + 1}, alias it on line {j + 1}"
    starts = [i for i, ln in enumerate(lines) if re.match(rb"^\s*[\w.-]+:\s*$", ln)]
    if not starts:
        return data, "anchor: no mapping"
    i = rng.choice(starts)
    lines[i] = lines[i].rstrip() + b" &m"
    indent = _indent(lines[i]).replace(b"-", b" ")
    later = [j for j in range(i + 1, len(lines)) if _indent(lines[j]) == indent]
    j = rng.choice(later) if later and how == "mapping" else i + 1
    key = b"extra" if how == "mapping" else b"self"
    lines.insert(j, indent + key + b": *m")
    return b"\n".join(lines), f"anchor the mapping on line {i + 1}, alias it on line {j + 1}"


def _merge_key(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    keyed = [i for i, ln in enumerate(lines) if re.match(rb"^\s*[\w.-]+:", ln)]
    if not keyed:
        return data, "merge key: no mapping"
    i = rng.choice(keyed)
    indent = re.match(rb"^\s*", lines[i]).group()  # type: ignore[union-attr]
    value = rng.choice(
        (
            b"{x: 1}",
            b"[{a: 1}, {b: 2}]",
            b"5",
            b"null",
            b"[]",
            b"{}",
            b"*a",
            b"[*a]",
            b"{kind: Pod}",
            b"{name: merged}",
            b"{podSelector: {}}",
            b"{apiVersion: v1}",
            b"[1, {a: 1}]",
            b"{<<: {deep: 1}}",
            b"&a {x: 1}",
        )
    )
    lines.insert(i, indent + b"<<: " + value)
    return b"\n".join(lines), f"merge key <<: {value.decode()} before line {i + 1}"


def _bom(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    if rng.random() < 0.5:
        return b"\xef\xbb\xbf" + data, "BOM at the start"
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = b"\xef\xbb\xbf" + lines[i]
    return b"\n".join(lines), f"BOM at the start of line {i + 1}"


def _reencode(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    encoding = rng.choice(("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "latin-1", "cp1252"))
    text = data.decode("utf-8", "replace")
    return text.encode(encoding, "replace"), f"re-encode as {encoding}"


def _crlf(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    how = rng.choice(("crlf", "cr", "lone"))
    if how == "crlf":
        return data.replace(b"\n", b"\r\n"), "CRLF line ends"
    if how == "cr":
        return data.replace(b"\n", b"\r"), "CR line ends"
    pos = _pos(rng, data)
    return data[:pos] + b"\r" + data[pos:], f"a lone CR at {pos}"


def _directive(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    head = rng.choice(
        (
            b"%YAML 1.1\n---\n",
            b"%YAML 1.2\n---\n",
            b"%YAML 2.0\n---\n",
            b"%TAG ! tag:example.com,2000:\n---\n",
            b"%FOO bar\n---\n",
            b"%YAML 1.1\n",
            b"%YAML 1.1\n%YAML 1.1\n---\n",
        )
    )
    return head + data, f"directive {head!r}"


def _tag(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    values = _value_lines(lines)
    if not values:
        return data, "tag: no value"
    i = rng.choice(values)
    tag = rng.choice(TAGS).encode()
    lines[i] = _VALUE_LINE.sub(lambda m: m.group(1) + b" " + tag + m.group(2), lines[i])
    return b"\n".join(lines), f"tag {tag.decode().strip()} on line {i + 1}"


def _scalar(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    values = _value_lines(lines)
    if not values:
        return data, "scalar: no value"
    i = rng.choice(values)
    token = rng.choice(SCALARS).encode()
    lines[i] = _VALUE_LINE.sub(lambda m: m.group(1) + b" " + token, lines[i])
    return b"\n".join(lines), f"value {token.decode()} on line {i + 1}"


def _odd_key(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    lines = _lines(data)
    keyed = [i for i, ln in enumerate(lines) if re.match(rb"^\s*[\w.-]+:", ln)]
    if not keyed:
        return data, "odd key: no mapping"
    i = rng.choice(keyed)
    indent = re.match(rb"^\s*", lines[i]).group()  # type: ignore[union-attr]
    key = rng.choice(
        (
            b"? [a, b]\n: c",
            b"[a, b]: c",
            b"{a: 1}: c",
            b"1: a",
            b"null: a",
            b"~: a",
            b"true: a",
            b"1.5: a",
            b"'': a",
            b"? |\n  block\n: a",
            b"? a",
            b": a",
            b"? \n: x",
            b"!!binary aGk=: x",
            b".nan: x",
            b"? [a]\n: [b]",
            b"*nope: x",
        )
    )
    lines[i:i] = [indent + part for part in key.split(b"\n")]
    return b"\n".join(lines), f"key {key!r} before line {i + 1}"


def _huge_number(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    numbers = list(re.finditer(rb"(?<=[\s:\[,])\d+\b", data))
    n = rng.choice((20, 400, 4400, 50_000))
    token = rng.choice(
        (
            b"9" * n,
            b"1" + b"0" * n,
            b"1e999",
            b"-1e999",
            b"0x" + b"f" * n,
            b"1e-999",
            b"0." + b"0" * n + b"1",
            b"18446744073709551616",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"4294967296",
            b"2147483648",
            b"65536",
            b"4.0",
            b"80.0",
            b"8e1",
            b"-" + b"9" * n,
        )
    )
    if not numbers:
        return data + b"\nn: " + token + b"\n", f"append a number of {len(token)} characters"
    m = rng.choice(numbers)
    return data[: m.start()] + token + data[
        m.end() :
    ], f"number {token[:24]!r}... ({len(token)} characters) at {m.start()}"


def _deep_nesting(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    n = rng.choice((10, 100, 600, 1000, 10_000, 100_000))
    how = rng.choice(("flow-list", "flow-map", "block", "dashes", "unclosed"))
    if how == "flow-list":
        value = b"[" * n + b"]" * n
    elif how == "flow-map":
        value = b"{a: " * n + b"1" + b"}" * n
    elif how == "unclosed":
        value = b"[" * n
    elif how == "dashes":
        value = b"\n" + b"- " * min(n, 5000) + b"x"
    else:
        n = min(n, 1000)
        value = b"\n" + b"\n".join(b" " * (i + 1) + b"a:" for i in range(n)) + b" 1"
    lines = _lines(data)
    values = _value_lines(lines)
    if values and how != "block" and how != "dashes":
        i = rng.choice(values)
        lines[i] = _VALUE_LINE.sub(lambda m: m.group(1) + b" " + value, lines[i])
        return b"\n".join(lines), f"{how} nesting {n} deep on line {i + 1}"
    return data.rstrip(b"\n") + b"\n---\nx:" + value + b"\n", f"append {how} nesting {n} deep"


def _long_line(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    n = rng.choice((5_000, 100_000, 1_000_000))
    lines = _lines(data)
    i = rng.randrange(len(lines) + 1)
    indent = _indent(lines[i - 1]).replace(b"-", b" ") if i else b""
    filler = rng.choice((b"x", b"a b ", b"\xc3\xa9", b"#"))
    line = indent + rng.choice((b"k: ", b"", b"- ")) + filler * (n // len(filler))
    return b"\n".join([*lines[:i], line, *lines[i:]]), f"a line of {n} bytes before line {i + 1}"


def _quote(rng: random.Random, data: bytes, corpus: Corpus) -> tuple[bytes, str]:
    pos = _pos(rng, data)
    token = rng.choice((b'"', b"'", b'"\\', b'\\"', b"\\u", b'"\\x', b"'''"))
    return data[:pos] + token + data[pos:], f"insert {token!r} at {pos}"


BYTE_MUTATORS: tuple[Mutator, ...] = (
    _flip,
    _insert_byte,
    _insert_control,
    _insert_bad_utf8,
    _delete,
    _truncate,
    _duplicate_line,
    _drop_line,
    _swap_lines,
    _reindent,
    _tab_after_colon,
    _doc_marker,
    _splice,
    _anchor_alias,
    _merge_key,
    _bom,
    _reencode,
    _crlf,
    _directive,
    _tag,
    _scalar,
    _scalar,
    _odd_key,
    _huge_number,
    _deep_nesting,
    _long_line,
    _quote,
)


# --- structure-aware mutations ---

FieldPath = tuple[str | int, ...]


def _nodes(value: Any, path: FieldPath = ()) -> Iterator[FieldPath]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str | int):
                yield from _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nodes(v, (*path, i))


def _get(root: Any, path: FieldPath) -> Any:
    for step in path:
        root = root[step]
    return root


def _pick_path(rng: random.Random, paths: list[FieldPath], keys: frozenset[str]) -> FieldPath:
    interesting = [p for p in paths if p and p[-1] in keys]
    return rng.choice(interesting if interesting and rng.random() < 0.7 else paths)


def hostile_for(rng: random.Random, key: str | int | None) -> Any:
    pool = CONTEXT.get(key) if isinstance(key, str) else None
    if pool is None or rng.random() < 0.25:
        pool = rng.choice((TYPES, NAMES, NAMES, PORTS, CIDRS))
    return copy.deepcopy(rng.choice(pool))


def _tree_op(rng: random.Random, doc: Any) -> tuple[Any, str]:
    paths = [p for p in _nodes(doc) if p]
    if not paths:
        return hostile_for(rng, None), "replace the document"
    op = rng.choice(
        (
            "replace",
            "replace",
            "replace",
            "name",
            "delete",
            "add",
            "rename",
            "kind",
            "wrap",
            "duplicate",
            "swap",
        )
    )
    if op == "name" and isinstance(doc, dict):
        meta = doc.setdefault("metadata", {})
        if isinstance(meta, dict):
            where = rng.choice(("name", "namespace", "labels"))
            value = copy.deepcopy(rng.choice(NAMES))
            if where == "labels":
                labels = meta.setdefault("labels", {})
                if isinstance(labels, dict):
                    key = rng.choice(("app", rng.choice(NAMES)))
                    labels[key] = value
                    return doc, f"metadata.labels[{key!r}] = {value!r}"
            meta[where] = value
            return doc, f"metadata.{where} = {value!r}"
    if op == "kind" and isinstance(doc, dict):
        key = rng.choice(("kind", "apiVersion"))
        doc[key] = copy.deepcopy(rng.choice(CONTEXT[key]))
        return doc, f"{key} = {doc[key]!r}"
    if op == "wrap":
        kind = rng.choice(("List", "PodList", "NetworkPolicyList", "List"))
        items = [doc] * rng.choice((1, 1, 2))
        return {
            "apiVersion": "v1",
            "kind": kind,
            "items": copy.deepcopy(items),
        }, f"wrap in a {kind} of {len(items)}"
    if op == "swap":
        a, b = rng.choice(paths), rng.choice(paths)
        if a[: len(b)] != b and b[: len(a)] != a:
            va, vb = _get(doc, a), _get(doc, b)
            _get(doc, a[:-1])[a[-1]], _get(doc, b[:-1])[b[-1]] = copy.deepcopy(vb), copy.deepcopy(va)
            return doc, f"swap {dotted(a)} and {dotted(b)}"
    if op in ("delete", "rename"):
        members = [p for p in paths if isinstance(_get(doc, p[:-1]), dict)]
        if members:
            path = _pick_path(rng, members, REQUIRED_KEYS)
            parent = _get(doc, path[:-1])
            value = parent.pop(path[-1])
            if op == "delete":
                return doc, f"delete {dotted(path)}"
            new = rng.choice(UNKNOWN_KEYS + NAMES)
            parent[new] = value
            return doc, f"rename {dotted(path)} to {new!r}"
    if op == "add":
        maps = [p for p in [(), *paths] if isinstance(_get(doc, p), dict)]
        path = rng.choice(maps)
        key = rng.choice(UNKNOWN_KEYS)
        _get(doc, path)[key] = hostile_for(rng, key)
        return doc, f"add {dotted((*path, key))}"
    if op == "duplicate":
        lists = [p for p in paths if isinstance(_get(doc, p), list) and _get(doc, p)]
        if lists:
            path = rng.choice(lists)
            items = _get(doc, path)
            items.append(copy.deepcopy(rng.choice(items)))
            return doc, f"duplicate an item of {dotted(path)}"
    path = _pick_path(rng, paths, INTERESTING_KEYS)
    value = hostile_for(rng, path[-1] if isinstance(path[-1], str) else (path[-2] if len(path) > 1 else None))
    _get(doc, path[:-1])[path[-1]] = value
    return doc, f"{dotted(path)} = {short_value(value, 60)}"


def dotted(path: FieldPath) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def mutate_structure(rng: random.Random, data: bytes, *, is_json: bool) -> tuple[bytes, str]:
    """Parse, change one or two things, write back (YAML in one of several styles, or JSON)."""
    text = data.decode("utf-8", "replace")
    try:
        if is_json:
            docs: list[Any] = [json.loads(text)]
        else:
            docs = list(yaml.load_all(text, Loader=GoYamlLoader))
    except Exception:
        return data, "structure: the seed does not parse"
    candidates = [i for i, d in enumerate(docs) if d is not None] or list(range(len(docs)))
    if not candidates:
        return data, "structure: no document"
    done = []
    for _ in range(rng.choice((1, 1, 2))):
        i = rng.choice(candidates)
        docs[i], what = _tree_op(rng, docs[i])
        done.append(f"document {i + 1}: {what}")
    if not is_json and rng.random() < 0.1:
        docs.append(copy.deepcopy(docs[rng.choice(candidates)]))
        done.append("duplicate a document")
    try:
        out = _dump(rng, docs, is_json=is_json)
    except Exception as exc:
        return data, f"structure: cannot write back ({type(exc).__name__})"
    return out, "structure: " + "; ".join(done)


def _dump(rng: random.Random, docs: list[Any], *, is_json: bool) -> bytes:
    if is_json:
        value = docs[0] if len(docs) == 1 else docs
        return json.dumps(value, ensure_ascii=rng.random() < 0.5, indent=rng.choice((None, 2))).encode(
            "utf-8", "surrogatepass"
        )
    flow = rng.choice((False, False, None, True))
    unicode = rng.random() < 0.5
    width = rng.choice((80, 20, 10**6))
    parts = [
        yaml.safe_dump(d, default_flow_style=flow, allow_unicode=unicode, sort_keys=False, width=width)
        for d in docs
    ]
    if rng.random() < 0.2:  # JSON is YAML too
        parts = [json.dumps(d, ensure_ascii=False) + "\n" for d in docs]
    return "---\n".join(parts).encode("utf-8", "surrogatepass")


def short_value(value: Any, limit: int = 400) -> str:
    """``repr``, cut short; also of ints with more digits than ``str()`` accepts by default."""
    saved = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        text = repr(value)
    finally:
        sys.set_int_max_str_digits(saved)
    return text if len(text) <= limit else text[: limit - 3] + "..."
