"""A mutation fuzzer over the load stage, the model and every command (issue 9, "Hardening").

The cases come from tests/fuzz_mutations.py: the bundled manifests changed by byte-level and
structure-aware mutations, deterministically from ``(seed, index)``. The oracles, per case:

- the library: ``netpol.analyze_text`` (load and model) and a few queries on its graph never raise,
  whatever the input: bad input becomes diagnostics;
- every command through click's CliRunner (list, query, graph, lint, check, diff, report, in their
  formats): exit code 0, 1 or 2, never 3; no traceback; JSON and SARIF that parse, JUnit and SVG
  that parse as XML; CSV rows as wide as their header and no cell a spreadsheet runs as a formula;
  Markdown table rows as wide as their header and no @mention outside code; no raw ESC in any
  output (nor on stderr, netpol's own colours aside), and no other hidden character (C0/C1
  controls, bidi overrides, line separators) in text written for people; no raw HTML from the
  input in HTML, SVG, Markdown or Mermaid; every step within a time budget;
- the parser differential: every YAML document is parsed as netpol's fast path parses it
  (``netpol.load.yaml.parse_document``: yaml-rs, or PyYAML where yaml-rs could read the document
  otherwise than Kubernetes) and by netpol's PyYAML path (``netpol.load.compat.GoYamlLoader``:
  go-yaml v2's reading, as sigs.k8s.io/yaml applies it). When both succeed the values must be
  equal, types included (``1`` is not ``1.0`` nor ``True``; keys compared as JSON strings), or
  netpol must report an error for that document. yaml-rs returning a value that
  lacks the document's last line (the way a NUL byte once cut documents short) fails too.
  yaml-rs accepting what PyYAML refuses fails too (``fast-only``): PyYAML stands in for libyaml's
  descendant go-yaml, and a document kubectl refuses must not be analysed as if it existed.

``tests/test_fuzz.py`` runs a short budget in CI; ``bench/fuzz.py`` runs for as long as you like.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import random
import re
import signal
import threading
import time
import traceback
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from fuzz_mutations import (
    BYTE_MUTATORS,
    MARKER_HTML,
    MARKER_MENTION,
    Case,
    Corpus,
    FieldPath,
    dotted,
    generate,
    load_corpus,
    short_value,
)

import netpol
from netpol.cli import main
from netpol.errors import NetpolError, Severity
from netpol.load import json as _json
from netpol.load import yaml as _yaml
from netpol.load.compat import json_key
from netpol.load.locate import Failure as LoadFailure
from netpol.model.resources import Options

__all__ = [
    "HARD_KINDS",
    "SOFT_KINDS",
    "Case",
    "Corpus",
    "Failure",
    "Hang",
    "Stats",
    "check_case",
    "describe",
    "generate",
    "literal",
    "load_corpus",
    "minimise",
    "output_problems",
    "recheck",
    "run",
    "same_value",
]

HARD_KINDS = frozenset(
    {
        "exception",  # an exception escaped the library or click
        "exit-3",  # a command said "internal error"
        "bad-exit",  # an exit code outside 0..3
        "traceback",  # "Traceback" in stdout or stderr
        "hang",  # a step overran its time budget
        "crash",  # the process died (bench/fuzz.py only)
        "bad-json",  # -o json / sarif that does not parse
        "bad-xml",  # -o junit / svg that does not parse
        "bad-csv",  # CSV rows not as wide as the header
        "csv-formula",  # a CSV cell a spreadsheet runs as a formula
        "bad-markdown",  # a Markdown table row not as wide as the header
        "raw-escape",  # ESC from the input in text output or on stderr
        "raw-control",  # another hidden character (C0/C1, bidi, line separator) in text for people
        "injection",  # raw HTML from the input in HTML, SVG, Markdown or Mermaid
        "md-mention",  # an @mention from the input outside a code span in Markdown
        "divergence",  # yaml-rs and PyYAML disagree and netpol reports no error
        "truncated",  # yaml-rs left out the end of a document and netpol reports no error
        "fast-only",  # yaml-rs accepts what PyYAML (as libyaml and go-yaml) refuses, silently
    }
)
"""The kinds of failure that fail tests/test_fuzz.py."""
SOFT_KINDS: frozenset[str] = frozenset()
"""Recorded for review (bench/fuzz.py), not failed on: either parser may be the one that is right."""


# --- oracles ---


@dataclass(frozen=True, slots=True)
class Failure:
    kind: str
    step: str
    """``library``, ``differential`` or the command line (with {case}, {orig}... as given)."""
    detail: str
    data: bytes
    """The input that shows it: the case file, or the one document for a divergence."""
    argv: tuple[str, ...] = ()
    files: Mapping[str, bytes] = field(default_factory=dict)
    """The other files the command reads (``orig.yaml``, ``intent.yaml``, ``config.yaml``)."""
    stdin: bool = False
    suffix: str = ".yaml"
    case: str = ""
    klass: str = ""
    """What tells this bug from others of its kind: an exception's type and place, the stream,
    the types that differ..."""

    @property
    def signature(self) -> str:
        """What two failures share when they are the same bug, for deduplication: a crash is
        told by its exception and place, whatever the command; an output problem by command."""
        if self.kind in ("exception", "exit-3", "hang", "crash"):
            return f"{self.kind} | {self.klass}"
        command = self.argv[0] if self.argv else self.step
        return f"{self.kind} | {command} | {self.klass}"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["data"] = self.data.decode("latin-1")
        out["files"] = {k: v.decode("latin-1") for k, v in self.files.items()}
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Failure:
        fields = dict(raw)
        fields["data"] = fields["data"].encode("latin-1")
        fields["files"] = {k: v.encode("latin-1") for k, v in fields["files"].items()}
        fields["argv"] = tuple(fields["argv"])
        return cls(**fields)


class Hang(BaseException):  # not an Exception: nothing in netpol may catch it
    """A step overran its time budget (raised from SIGALRM)."""


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds`` (no limit elsewhere)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _where(exc: BaseException, *, line: bool = True) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if "/netpol/" in f.filename or "yaml" in f.filename]
    if not (inside or frames):
        return ""
    frame = (inside or frames)[-1]
    where = f"{Path(frame.filename).name}:{frame.lineno}" if line else Path(frame.filename).name
    return f" at {where} ({frame.name})"


def check_library(
    data: bytes, suffix: str, rng: random.Random, *, budget: float | None
) -> tuple[list[Failure], list[str]]:
    """``analyze_text`` and a few queries on its graph: nothing may raise. Also returns the
    endpoint ids, for the commands' arguments."""
    text = data.decode("utf-8", "replace")
    options = Options(ipblock_matches_pods=rng.random() < 0.8, host_network_as_pods=rng.random() < 0.2)
    try:
        with deadline(budget):
            graph = netpol.analyze_text(text, options, source=f"fuzz{suffix}")
            ids = list(graph.endpoint_ids())
            graph.connections()
            for d in graph.diagnostics:
                d.format()
            if ids:
                with contextlib.suppress(NetpolError):
                    netpol.explain(graph, rng.choice(ids), rng.choice(ids))
            if rng.random() < 0.1:
                graph.to_networkx()
    except Hang as exc:
        return [
            Failure(
                "hang",
                "library",
                f"analyze_text {exc}{_where(exc)}",
                data,
                suffix=suffix,
                klass=_where(exc, line=False),
            )
        ], []
    except Exception as exc:
        return [
            Failure(
                "exception",
                "library",
                f"{type(exc).__name__}: {exc}{_where(exc)}"[:2000],
                data,
                suffix=suffix,
                klass=type(exc).__name__ + _where(exc, line=False),
            )
        ], []
    return [], ids


def same_value(a: Any, b: Any) -> bool:
    """Equal values of equal types, all the way down (1 is not 1.0 nor True; NaN is NaN).

    Iterative: documents nest up to 512 levels (go-yaml's limit), deeper than Python's stack."""
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, dict):  # keys as JSON has them: Kubernetes makes every key a string
            keys_x = {json_key(k): v for k, v in x.items()}
            keys_y = {json_key(k): v for k, v in y.items()}
            if keys_x.keys() != keys_y.keys():
                return False
            pending += [(v, keys_y[k]) for k, v in keys_x.items()]
        elif isinstance(x, list | tuple):
            if len(x) != len(y):
                return False
            pending += list(zip(x, y, strict=True))
        elif isinstance(x, float):
            if not (
                (math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y))
            ):
                return False
        elif x != y:
            return False
    return True


def _normalise(text: str) -> str:
    """What netpol's loader does to a text before it splits it into documents."""
    return _yaml.normalise(text)


def check_differential(data: bytes, suffix: str, *, budget: float | None) -> list[Failure]:
    """yaml-rs (netpol's fast path) against PyYAML (netpol's fallback), document by document."""
    if suffix == ".json":
        return []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []  # netpol refuses the file before any parser sees it
    raw, text = text, _normalise(text)
    first = _json.skip_space(text, 0)
    if text[first : first + 1] in ("{", "[") and _json.parse_json_stream(text)[1] is None:
        return []  # read as JSON
    failures: list[Failure] = []
    errors: set[int] | None = None
    try:
        with deadline(budget):
            for index, chunk in enumerate(_yaml.split_documents(text), 1):
                body = text[chunk.start : chunk.end]
                fast = _yaml.parse_document(text, chunk)
                slow = _yaml.parse_with_pyyaml(body, chunk)
                fast_ok = not isinstance(fast, LoadFailure)
                slow_ok = not isinstance(slow, LoadFailure)
                if not fast_ok or (slow_ok and same_value(fast, slow)):
                    continue
                if errors is None:
                    errors = _documents_with_errors(raw)  # what netpol itself is given
                if index in errors:
                    continue
                lost = _lost_end(body, fast)
                if lost is not None:
                    failures.append(
                        Failure(
                            "truncated",
                            "differential",
                            f"the value has no {lost!r}, from the last "
                            f"line of the document\nyaml-rs: {short_value(fast)}",
                            body.encode("utf-8", "replace"),
                            suffix=suffix,
                            klass="the end of the document is lost",
                        )
                    )
                    continue
                if slow_ok:
                    where, a, b = _first_difference(fast, slow)
                    detail = (
                        f"at {dotted(where) or 'the top'}: yaml-rs {short_value(a, 200)} "
                        f"({type(a).__name__}), PyYAML {short_value(b, 200)} "
                        f"({type(b).__name__})\n"
                        f"yaml-rs: {short_value(fast)}\nPyYAML:  {short_value(slow)}"
                    )
                    kind = "divergence"
                    klass = (
                        f"{type(a).__name__} vs {type(b).__name__}: "
                        f"{re.sub(r'[0-9]+', 'N', short_value(b, 60))[:24]}"
                    )
                else:
                    detail = f"PyYAML refuses: {slow.message}\nyaml-rs: {short_value(fast)}"
                    kind = "fast-only"
                    klass = re.sub(r"[0-9]+", "N", slow.message)[:60]
                failures.append(
                    Failure(
                        kind,
                        "differential",
                        detail,
                        body.encode("utf-8", "replace"),
                        suffix=suffix,
                        klass=klass,
                    )
                )
    except Hang as exc:
        failures.append(
            Failure(
                "hang",
                "differential",
                f"parsing {exc}{_where(exc)}",
                data,
                suffix=suffix,
                klass=_where(exc, line=False),
            )
        )
    except Exception as exc:
        failures.append(
            Failure(
                "exception",
                "differential",
                f"{type(exc).__name__}: {exc}{_where(exc)}"[:2000],
                data,
                suffix=suffix,
                klass=type(exc).__name__ + _where(exc, line=False),
            )
        )
    return failures


def _first_difference(a: Any, b: Any, path: FieldPath = ()) -> tuple[FieldPath, Any, Any]:
    """Where two values first differ, and the two values there."""
    if type(a) is type(b) and isinstance(a, dict):
        for k in a:
            if k in b and not same_value(a[k], b[k]):
                return _first_difference(a[k], b[k], (*path, k))
        return path, sorted(map(repr, a)), sorted(map(repr, b))
    if type(a) is type(b) and isinstance(a, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if not same_value(x, y):
                return _first_difference(x, y, (*path, i))
    return path, a, b


_LAST_TOKEN = re.compile(r"^[\s?:-]*([A-Za-z0-9][\w.-]*)(?::(?:\s|$)|\s*$)")


def _lost_end(body: str, value: Any) -> str | None:
    """The plain word that starts the document's last line, when the parsed value holds it
    nowhere (neither as a key nor inside a string): the parser stopped before the end."""
    lines = [
        ln
        for ln in body.splitlines()
        if ln.strip() and not ln.lstrip().startswith("#") and not ln.startswith(("---", "...", "%"))
    ]
    match = _LAST_TOKEN.match(lines[-1]) if lines else None
    if match is None:
        return None
    word = match.group(1)
    stack: list[Any] = [value]
    texts: list[str] = []
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            texts.extend(str(k) for k in item)
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str):
            texts.append(item)
        elif not isinstance(item, int):  # an int may have more digits than str() accepts
            texts.append(str(item))
    return None if any(word in t for t in texts) or word.lstrip("-").isdigit() else word


def _documents_with_errors(text: str) -> set[int]:
    try:
        graph = netpol.analyze_text(text, source="fuzz.yaml")
    except Exception:  # the library oracle reports it
        return set()
    return {
        d.location.document
        for d in graph.diagnostics
        if d.severity is Severity.ERROR and d.location is not None and d.location.document is not None
    }


# --- commands ---

_SGR = re.compile(rb"\x1b\[[0-9;]*m")
_FORMATS_FOR_PEOPLE = frozenset({"text", "md", "mermaid"})
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_ALLOWED_HIDDEN = frozenset("\t\n\u2060")  # md_text writes "@\u2060" to stop a mention
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_PIPE = re.compile(r"(?<!\\)\|")


def _format(argv: Sequence[str]) -> str:
    for flag in ("-o", "--output"):
        if flag in argv[:-1]:
            return argv[list(argv).index(flag) + 1]
    return {"graph": "dot", "report": "html"}.get(argv[0], "text")


def plan_commands(
    rng: random.Random, ids: Sequence[str], corpus: Corpus, *, families: int, heavy: float
) -> list[tuple[tuple[str, ...], dict[str, bytes], bool]]:
    """``families`` commands (list, query, graph, lint, check, diff, report), each with its
    format and switches, as (argv, extra files, whether the case comes on stdin)."""

    def endpoint() -> str:
        if ids and rng.random() < 0.85:
            return rng.choice(ids)
        return rng.choice(
            (
                "10.0.0.1",
                "203.0.113.7",
                "::1",
                "0.0.0.0/0",
                "nope/nothing",
                "x",
                "",
                MARKER_HTML,
                "\x1b[31m",
                "a/b[Pod",
                "a/b[Nope]",
            )
        )

    def extra() -> list[str]:
        flags: list[str] = []
        if rng.random() < 0.15 and ids:
            flags += ["-n", rng.choice(ids).split("/")[0]]
        if rng.random() < 0.1:
            flags.append("--ipblock-ignores-pods")
        if rng.random() < 0.1:
            flags.append("--host-network-as-pods")
        if rng.random() < 0.2:
            flags.append("-v")
        return flags

    chosen = rng.sample(("list", "query", "graph", "lint", "check", "diff", "report"), families)
    plans: list[tuple[tuple[str, ...], dict[str, bytes], bool]] = []
    for family in chosen:
        stdin = family != "diff" and rng.random() < 0.1
        case = "-" if stdin else "{case}"
        files: dict[str, bytes] = {}
        if family == "list":
            argv = ["list", case, "-o", rng.choice(("text", "json", "csv", "md"))]
        elif family == "query":
            argv = [
                "query",
                case,
                "--from",
                endpoint(),
                "--to",
                endpoint(),
                "-o",
                rng.choice(("text", "json")),
            ]
            if rng.random() < 0.5:
                argv += [
                    "--port",
                    str(
                        rng.choice(
                            (
                                80,
                                53,
                                8080,
                                5432,
                                "http",
                                "dns",
                                "8080x",
                                "0",
                                "-1",
                                "65536",
                                "",
                                "\u00b2",
                                "\u0663",
                                " 80",
                                "1e3",
                            )
                        )
                    ),
                ]
            if rng.random() < 0.3:
                argv += ["--protocol", rng.choice(("TCP", "udp", "SCTP"))]
        elif family == "graph":
            fmt = "svg" if rng.random() < heavy else rng.choice(("dot", "mermaid"))
            fmt = "html" if fmt == "svg" and rng.random() < 0.3 else fmt
            argv = ["graph", case, "-o", fmt]
            if rng.random() < 0.3:
                argv += ["--focus", endpoint()]
            if rng.random() < 0.2:
                argv += ["--level", "namespace"]
            if rng.random() < 0.1:
                argv += ["--port", str(rng.choice((80, 53, 443)))]
            if rng.random() < 0.1:
                argv.append("--exclude-external")
        elif family == "lint" or family == "check":
            argv = [family, case, "-o", rng.choice(("text", "json", "sarif", "junit"))]
            if family == "check":
                files["intent.yaml"] = _intent(rng, endpoint, corpus)
                argv += ["--expect", "{intent}"]
            if rng.random() < 0.2:
                config = rng.choice(corpus.configs) if corpus.configs else b""
                if rng.random() < 0.5:
                    config, _ = rng.choice(BYTE_MUTATORS)(rng, config, corpus)
                files["config.yaml"] = config
                argv += ["--config", "{config}"]
            if rng.random() < 0.2:
                argv += ["--fail-on", rng.choice(("error", "warning", "never"))]
        elif family == "diff":
            sides = ["{orig}", "{case}"] if rng.random() < 0.7 else ["{case}", "{orig}"]
            if rng.random() < 0.1:
                sides[rng.randrange(2)] = "-"
                stdin = True
            argv = ["diff", *sides, "-o", rng.choice(("text", "json", "csv", "md", "dot"))]
            if rng.random() < 0.2:
                argv += ["--fail-on", rng.choice(("added", "removed", "changed", "any"))]
        else:
            fmt = "html" if rng.random() < heavy else "md"
            argv = ["report", case, "-o", fmt]
            if rng.random() < 0.3:
                argv += ["--sensitive", endpoint()]
            if rng.random() < 0.2:
                argv += ["--sensitive", rng.choice(("tier=data", "a=b,c=d", "=", "a", ","))]
            if fmt == "html" and rng.random() < 0.5:
                argv.append("--no-diagrams")
        plans.append(((*argv, *extra()), files, stdin))
    return plans


def _intent(rng: random.Random, endpoint: Callable[[], str], corpus: Corpus) -> bytes:
    if corpus.intents and rng.random() < 0.2:
        data = rng.choice(corpus.intents)
    else:
        items = []
        for _ in range(rng.randint(1, 3)):
            item: dict[str, Any] = {
                "from": endpoint(),
                "to": endpoint(),
                "expect": rng.choice(("allow", "deny")),
            }
            if rng.random() < 0.2:
                item["from"] = "internet"
            if rng.random() < 0.2:
                item["to"] = {"namespace": item["to"].split("/")[0]}
            if rng.random() < 0.5:
                item["port"] = rng.choice((80, 53, 8080, "http", 0, 70000))
            if rng.random() < 0.2:
                item["protocol"] = rng.choice(("TCP", "UDP", "ICMP"))
            items.append(item)
        data = yaml.safe_dump(items, allow_unicode=True).encode("utf-8", "surrogatepass")
    if rng.random() < 0.2:
        data, _ = rng.choice(BYTE_MUTATORS)(rng, data, corpus)
    return data


def run_command(
    argv: Sequence[str],
    data: bytes,
    files: Mapping[str, bytes],
    *,
    stdin: bool,
    original: bytes,
    suffix: str,
    workdir: Path,
    budget: float | None,
) -> list[Failure]:
    """One command through CliRunner, and every oracle on its result."""
    names = {
        "{case}": f"case{suffix}",
        "{orig}": f"orig{suffix}",
        "{intent}": "intent.yaml",
        "{config}": "config.yaml",
    }
    contents = {f"case{suffix}": data, f"orig{suffix}": original, **files}
    for name, content in contents.items():
        (workdir / name).write_bytes(content)
    args = [str(workdir / names[a]) if a in names else a for a in argv]

    def failure(kind: str, detail: str, klass: str) -> Failure:
        return Failure(
            kind, " ".join(argv), detail[:2000], data, tuple(argv), dict(files), stdin, suffix, klass=klass
        )

    def invoke(extra: Sequence[str] = ()) -> Any:
        with deadline(budget):
            return CliRunner().invoke(
                main, [*args, *extra], input=data if stdin else None, color=True, catch_exceptions=True
            )

    try:
        result = invoke()
    except Hang as exc:
        return [failure("hang", f"{exc}{_where(exc)}", _where(exc, line=False))]
    out, err = result.stdout_bytes, result.stderr_bytes
    found: list[Failure] = []
    error = result.exception
    if error is not None and not isinstance(error, SystemExit):
        found.append(
            failure(
                "exception",
                f"{type(error).__name__}: {error}{_where(error)}",
                type(error).__name__ + _where(error, line=False),
            )
        )
    code = result.exit_code
    if code == 3:
        line = next(
            (ln for ln in err.decode("utf-8", "replace").splitlines() if "internal error" in ln), "exit 3"
        )
        where = _debug_frame(invoke)
        error = re.search(r"internal error: (\w+)", line)
        found.append(
            failure("exit-3", line + where, (error.group(1) if error else "") + re.sub(r":\d+", "", where))
        )
    elif code not in (0, 1, 2):
        found.append(failure("bad-exit", f"exit code {code}", str(code)))
    if b"Traceback (most recent call last)" in out + err:
        found.append(failure("traceback", err.decode("utf-8", "replace")[-1500:], ""))
    fmt = _format(argv)
    found += [failure(kind, detail, klass) for kind, detail, klass in output_problems(fmt, code, out, err)]
    return found


_FRAME = re.compile(r'File "([^"]*)", line (\d+), in (\S+)')


def _debug_frame(invoke: Callable[[Sequence[str]], Any]) -> str:
    """Where an internal error comes from, by running the command again with --debug."""
    try:
        again = invoke(["--debug"])
    except Hang:
        return ""
    frames = [m for m in _FRAME.finditer(again.stderr) if "/netpol/" in m.group(1)]
    if not frames:
        return ""
    path, line, func = frames[-1].groups()
    return f" at {Path(path).name}:{line} ({func})"


def output_problems(fmt: str, code: int, out: bytes, err: bytes) -> Iterator[tuple[str, str, str]]:
    """(kind, detail, class) of each problem with a command's output."""
    text = out.decode("utf-8", "replace")
    if b"\x1b" in out:
        yield "raw-escape", f"stdout: {_around(text, text.index(chr(27)))}", f"stdout {fmt}"
    err_plain = _SGR.sub(b"", err).decode("utf-8", "replace")
    if "\x1b" in err_plain:
        yield "raw-escape", f"stderr: {_around(err_plain, err_plain.index(chr(27)))}", "stderr"
    hidden = _hidden(err_plain)
    if hidden is not None:
        yield "raw-control", f"stderr: {_around(err_plain, hidden)}", f"stderr U+{ord(err_plain[hidden]):04X}"
    if fmt in _FORMATS_FOR_PEOPLE:
        hidden = _hidden(text)
        if hidden is not None:
            yield "raw-control", f"stdout: {_around(text, hidden)}", f"stdout {fmt} U+{ord(text[hidden]):04X}"
    if fmt in ("json", "sarif"):
        if not out.strip() and code in (0, 1):
            yield "bad-json", f"no output with exit code {code}", fmt
        elif out.strip():
            try:
                json.loads(out)
            except ValueError as exc:
                yield "bad-json", f"{exc}: {_around(text, getattr(exc, 'pos', 0))}", fmt
    if fmt in ("junit", "svg") and out.strip():
        try:
            ET.fromstring(out)
        except ET.ParseError as exc:
            yield "bad-xml", f"{exc}", fmt
    if fmt == "csv":
        yield from _csv_problems(text)
    if fmt == "md":
        yield from _markdown_problems(text)
    if fmt in ("html", "svg", "mermaid") and "<img src=x onerror" in text:
        yield "injection", f"{fmt}: {_around(text, text.index('<img src=x onerror'))}", fmt


def _hidden(text: str) -> int | None:
    if text.isprintable():
        return None
    for i, ch in enumerate(text):
        if ch not in _ALLOWED_HIDDEN and unicodedata.category(ch) in _HIDDEN:
            return i
    return None


def _around(text: str, pos: int) -> str:
    return repr(text[max(0, pos - 60) : pos + 60])


def _csv_problems(text: str) -> Iterator[tuple[str, str, str]]:
    if not text.strip():
        return
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        yield "bad-csv", str(exc), "csv"
        return
    width = len(rows[0])
    for row in rows[1:]:
        if len(row) != width:
            yield "bad-csv", f"a row of {len(row)} cells under a header of {width}: {row!r:.300}", "width"
            return
        for cell in row:
            if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                yield "csv-formula", f"cell {cell!r:.200}", repr(cell[:1])
                return


def _markdown_problems(text: str) -> Iterator[tuple[str, str, str]]:
    width: int | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        cells = len(_PIPE.findall(line))
        if width is None:
            width = cells
        elif cells != width:
            yield "bad-markdown", f"a table row with {cells} pipes under {width}: {line!r:.300}", "table"
            return
    bare = _CODE_SPAN.sub("", text)  # Markdown reads no HTML and links no @mention in code
    if MARKER_MENTION in bare:
        yield "md-mention", _around(bare, bare.index(MARKER_MENTION)), "md"
    if "<img src=x onerror" in bare:
        yield "injection", f"md: {_around(bare, bare.index('<img src=x onerror'))}", "md"


# --- one case, minimising, and a run ---


def check_case(
    case: Case,
    corpus: Corpus,
    workdir: Path,
    *,
    families: int = 7,
    heavy: float = 0.1,
    budget: float | None = 10.0,
) -> list[Failure]:
    """Every oracle on one case; the failures found (none for a passing case)."""
    rng = random.Random(f"netpol-fuzz-commands/{case.seed}/{case.index}")
    found, ids = check_library(case.data, case.suffix, rng, budget=budget)
    found += check_differential(case.data, case.suffix, budget=budget)
    for argv, files, stdin in plan_commands(rng, ids, corpus, families=families, heavy=heavy):
        found += run_command(
            argv,
            case.data,
            files,
            stdin=stdin,
            original=case.original,
            suffix=case.suffix,
            workdir=workdir,
            budget=budget,
        )
    return [_tagged(f, case) for f in found]


def _tagged(failure: Failure, case: Case) -> Failure:
    return replace(failure, case=f"{case.label}, from {case.base}: {'; '.join(case.mutations)}")


def recheck(
    failure: Failure, data: bytes, *, original: bytes, workdir: Path, budget: float | None = 10.0
) -> list[Failure]:
    """The failure's own step again, on other bytes."""
    if failure.step == "library":
        return check_library(data, failure.suffix, random.Random(0), budget=budget)[0]
    if failure.step == "differential":
        return check_differential(data, failure.suffix, budget=budget)
    return run_command(
        failure.argv,
        data,
        failure.files,
        stdin=failure.stdin,
        original=original,
        suffix=failure.suffix,
        workdir=workdir,
        budget=budget,
    )


def minimise(
    failure: Failure, *, original: bytes, workdir: Path, seconds: float = 20.0, budget: float | None = 10.0
) -> Failure:
    """The smallest input that still fails the same way (ddmin by lines, then bytes): the case
    file first, then each other file the command reads (intent, configuration)."""
    stop = time.monotonic() + seconds
    best = failure

    def holds(data: bytes, files: Mapping[str, bytes]) -> bool:
        nonlocal best
        probe = replace(failure, files=dict(files))
        for f in recheck(probe, data, original=original, workdir=workdir, budget=budget):
            if f.signature == failure.signature:
                best = replace(f, case=failure.case)
                return True
        return False

    data = _ddmin(failure.data, lambda d: holds(d, failure.files), stop)
    files = dict(failure.files)
    for name in files:

        def holds_file(candidate: bytes, name: str = name) -> bool:
            return holds(data, {**files, name: candidate})

        files[name] = _ddmin(files[name], holds_file, stop)
    return best


def _ddmin(data: bytes, holds: Callable[[bytes], bool], stop: float) -> bytes:
    for unit in ("lines", "bytes"):
        parts = data.splitlines(keepends=True) if unit == "lines" else [bytes([b]) for b in data]
        n = 2
        while len(parts) >= 2 and time.monotonic() < stop:
            size = math.ceil(len(parts) / n)
            for start in range(0, len(parts), size):
                candidate = parts[:start] + parts[start + size :]
                if time.monotonic() >= stop:
                    break
                if holds(b"".join(candidate)):
                    parts = candidate
                    n = max(n - 1, 2)
                    break
            else:
                if n >= len(parts):
                    break
                n = min(len(parts), n * 2)
        data = b"".join(parts)
    return data


@dataclass(slots=True)
class Stats:
    cases: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    signatures: dict[str, int] = field(default_factory=dict)


def run(
    corpus: Corpus,
    seed: int,
    indexes: Sequence[int],
    workdir: Path,
    *,
    families: int = 7,
    heavy: float = 0.1,
    budget: float | None = 10.0,
    minimise_seconds: float = 20.0,
    keep: int = 3,
    on_case: Callable[[Case, list[Failure]], None] | None = None,
) -> Stats:
    """Check the cases ``indexes`` of ``seed``; minimise the first ``keep`` failures of each
    signature."""
    stats = Stats()
    start = time.monotonic()
    for index in indexes:
        case = generate(corpus, seed, index)
        failures = check_case(case, corpus, workdir, families=families, heavy=heavy, budget=budget)
        kept = []
        for f in failures:
            stats.by_kind[f.kind] = stats.by_kind.get(f.kind, 0) + 1
            seen = stats.signatures.get(f.signature, 0)
            stats.signatures[f.signature] = seen + 1
            if seen < keep:
                if minimise_seconds > 0 and f.kind != "hang":
                    f = minimise(
                        f, original=case.original, workdir=workdir, seconds=minimise_seconds, budget=budget
                    )
                kept.append(f)
        stats.failures += kept
        stats.cases += 1
        if on_case is not None:
            on_case(case, kept)
    stats.seconds = time.monotonic() - start
    return stats


_RUN = re.compile(rb"(.)\1{39,}", re.DOTALL)


def literal(data: bytes, limit: int = 3000) -> str:
    """``data`` as a Python expression, long runs of one byte written ``b"0" * 4400``."""
    parts: list[str] = []
    pos = 0
    for m in _RUN.finditer(data):
        if m.start() > pos:
            parts.append(repr(data[pos : m.start()]))
        parts.append(f"{m.group(1)!r} * {len(m.group())}")
        pos = m.end()
    if pos < len(data) or not parts:
        parts.append(repr(data[pos:]))
    text = " + ".join(parts)
    return text if len(text) <= limit else text[:limit] + f" ... ({len(data)} bytes)"


def describe(failure: Failure) -> str:
    """A failure as a person reads it: kind, command, detail, and the input as a bytes literal."""
    data = failure.data
    shown = literal(data)
    lines = [f"{failure.kind}: {failure.step}", f"  case: {failure.case}"]
    lines += [f"  {ln}" for ln in failure.detail.splitlines()[:12]]
    if failure.stdin:
        lines.append("  (the case is read from stdin)")
    for name, content in failure.files.items():
        lines.append(f"  {name}: {literal(content, 500)}")
    lines.append(f"  input ({len(data)} bytes): {shown}")
    return "\n".join(lines)
