"""Hostile and odd input at the load stage: control characters, UTF-16/32, alias expansion,
special files, the size limit and symlinked folders. Each is refused or reported, never guessed."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import SafeDumper

import netpol
import netpol.load.files as load_module
import netpol.load.yaml as yaml_module
from netpol.cli import main
from netpol.errors import InputError, Severity
from netpol.load.files import alias_budget, load_paths, load_text, read_text

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: x\n"
POLICY = (
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n"
    "  namespace: x\nspec:\n  podSelector: {}\n"
)


@pytest.fixture(params=["yaml_rs", "pyyaml"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "pyyaml":
        monkeypatch.setattr(yaml_module, "yaml_rs", None)
    yield str(request.param)


def codes(result: load_module.LoadResult) -> list[str]:
    return [d.code for d in result.diagnostics]


# -- characters YAML forbids ----------------------------------------------------------------------


def test_a_nul_byte_refuses_its_document_and_keeps_the_others(parser: str) -> None:
    # yaml-rs stops at a NUL: the policy below would lose its namespace and rules, silently.
    bad = POLICY.replace("  namespace: x", "\0  namespace: x")
    result = load_text(POD.format(name="a") + "---\n" + bad + "---\n" + POD.format(name="b"))
    assert [o.data["metadata"]["name"] for o in result.objects] == ["a", "b"]
    [diag] = result.diagnostics
    assert (diag.severity, diag.code) == (Severity.ERROR, "control-character")
    assert "NUL (U+0000)" in diag.message
    assert diag.location is not None
    assert (diag.location.document, diag.location.line, diag.location.column) == (2, 11, 1)


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\x1b", "ESC"),
        ("\x7f", "DEL"),
        ("\x85", "NEL"),
        ("\x08", "U+0008"),
        ("\x9b", "U+009B"),
        ("\ufffe", "U+FFFE"),
    ],
)
def test_other_forbidden_characters_are_refused_with_their_position(char: str, name: str) -> None:
    result = load_text(POD.format(name=f"a{char}b"))
    assert codes(result) == ["control-character"] and result.objects == ()
    diag = result.diagnostics[0]
    assert name in diag.message
    assert diag.location is not None and (diag.location.line, diag.location.column) == (4, 10)


def test_tab_cr_and_unicode_text_are_allowed() -> None:
    text = POD.format(name='"a\tb"').replace("\n", "\r\n") + "  labels: {city: Zürich-日本}\n"
    result = load_text(text)
    assert codes(result) == []
    assert result.objects[0].data["metadata"]["name"] == "a\tb"


def test_the_cli_refuses_a_nul_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(POLICY.replace("spec:", "spec:\0").encode())
    result = CliRunner().invoke(main, ["list", str(path)])
    assert result.exit_code == 2
    assert f"{path}:6:6, document 1: error[control-character]" in result.stderr


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_byte_order_mark_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "wide.yaml"
    path.write_bytes(POD.format(name="a").encode(encoding))
    result = load_paths([str(path)])
    [diag] = result.diagnostics
    assert diag.code == "unreadable" and result.objects == ()
    name = encoding.upper()[:-3] + encoding.upper()[-2:]  # utf-16-le -> UTF-16LE
    assert f"{name} (no byte-order mark)" in diag.message
    assert "no byte-order mark" in diag.message and "iconv" in diag.message


# -- alias expansion: Kubernetes' ratio rule, not an absolute count ---------------------------------


def test_a_pyyaml_dump_with_thousands_of_benign_aliases_loads(parser: str) -> None:
    # PyYAML writes an anchor for every object it meets twice: 3,350 shared label maps here. Each
    # alias replays its map's 34 parser events (start, 16 keys and values, end): 113,900 in all,
    # past an absolute cap of 100,000 (netpol's before go-yaml's ratio rule), which refused this.
    common = {"tier": "web", "team": "shop", "env": "prod", **{f"example.com/l{j}": "x" for j in range(12)}}
    shared = [{"app": f"a{i}", **common} for i in range(50)]
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"p{i}",
                "namespace": "x",
                "labels": shared[i % 50],
                "annotations": shared[(i + 1) % 50],
            },
        }
        for i in range(1700)
    ]
    text = yaml.dump({"apiVersion": "v1", "kind": "List", "items": pods}, Dumper=SafeDumper)
    aliases = text.count("*id")
    assert aliases > 3_000 and aliases * (2 + 2 * len(shared[0])) > 100_000
    result = load_text(text)
    assert codes(result) == [] and len(result.objects) == 1700
    assert result.objects[-1].data["metadata"]["labels"] == shared[1699 % 50]


def test_billion_laughs_is_still_refused_quickly(parser: str) -> None:
    lines = [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata: {name: lol}",
        "data:",
        "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    started = time.process_time()
    result = load_text("\n".join(lines) + "\n")
    assert time.process_time() - started < 5  # a hang guard, not a benchmark
    assert codes(result) == ["yaml-alias-limit"]
    assert "Kubernetes" in result.diagnostics[0].message


def test_the_alias_budget_follows_go_yaml_ratio() -> None:
    # Small documents: 99% of the decoded nodes may come from aliases (99 per own node).
    assert alias_budget(1000) == 2 * 99 * 1000
    # Never below go-yaml's floor (it checks only past 1,000 decoded nodes).
    assert alias_budget(1) == 2 * 1000
    # Very large documents: 10%, i.e. one aliased node per nine own nodes.
    assert alias_budget(90_000_000) == 2 * 10_000_000
    # Never smaller for a longer text (the ratio falls, the text only bounds the own nodes).
    sizes = [10**3, 10**4, 10**5, 10**6, 2 * 10**6, 4 * 10**6, 10**7, 10**8]
    budgets = [alias_budget(n) for n in sizes]
    assert budgets == sorted(budgets)


# -- special files, size limit, symlinked folders --------------------------------------------------


@pytest.fixture
def never_opens_fifos(monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = open

    def guarded(path: str, *args: object, **kwargs: object) -> object:
        if os.path.exists(path) and not os.path.isfile(path):
            raise AssertionError(f"opened {path}, which is no regular file")
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(load_module, "open", guarded, raising=False)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_a_fifo_in_a_folder_is_skipped_unopened(tmp_path: Path, never_opens_fifos: None) -> None:
    (tmp_path / "pod.yaml").write_text(POD.format(name="a"))
    os.mkfifo(tmp_path / "pipe.yaml")
    result = load_paths([str(tmp_path)])
    assert [o.data["metadata"]["name"] for o in result.objects] == ["a"]
    [diag] = result.diagnostics
    assert (diag.severity, diag.code) == (Severity.WARNING, "not-a-file")
    assert "FIFO" in diag.message
    assert diag.location is not None and diag.location.source.endswith("pipe.yaml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_a_fifo_given_by_name_is_read(tmp_path: Path) -> None:
    # `netpol list <(helm template ...)` hands netpol a pipe.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w") as f:
            f.write(POD.format(name="piped"))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result = load_paths([str(fifo)])
    writer.join(5)
    assert [o.data["metadata"]["name"] for o in result.objects] == ["piped"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_given_by_name_is_refused(device: str, never_opens_fifos: None) -> None:
    result = load_paths([device])
    [diag] = result.diagnostics
    assert (diag.severity, diag.code) == (Severity.ERROR, "not-a-file")
    assert "character device" in diag.message
    cli = CliRunner().invoke(main, ["list", device])
    assert cli.exit_code == 2 and "not-a-file" in cli.stderr
    with pytest.raises(InputError):
        read_text(device, "intent file")


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(POD.format(name="a") + "#" * 5000 + "\n")
    small = tmp_path / "small.yaml"
    small.write_text(POD.format(name="b"))
    result = load_paths([str(big), str(small)], max_size=4096)
    assert [o.data["metadata"]["name"] for o in result.objects] == ["b"]
    [diag] = result.diagnostics
    assert diag.code == "too-large" and "4 KiB" in diag.message
    assert "--max-input-size" in diag.message
    stdin = load_paths(["-"], stdin=io.StringIO(big.read_text()), max_size=4096)
    assert codes(stdin) == ["too-large"]
    cli = CliRunner().invoke(main, ["list", str(big), "--max-input-size", "4K"])
    assert cli.exit_code == 2 and "too-large" in cli.stderr
    assert CliRunner().invoke(main, ["list", str(big), "--max-input-size", "1M"]).exit_code == 0
    bad = CliRunner().invoke(main, ["list", str(big), "--max-input-size", "lots"])
    assert bad.exit_code == 2 and "lots" in bad.stderr


def test_a_symlinked_folder_is_reported_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "pod.yaml").write_text(POD.format(name="a"))
    (tmp_path / "scan").mkdir()
    (tmp_path / "scan" / "pod.yaml").write_text(POD.format(name="b"))
    (tmp_path / "scan" / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    result = load_paths([str(tmp_path / "scan")])
    assert [o.data["metadata"]["name"] for o in result.objects] == ["b"]
    [diag] = result.diagnostics
    assert (diag.severity, diag.code) == (Severity.WARNING, "symlink-not-followed")
    assert diag.location is not None and diag.location.source.endswith("linked")


def test_the_files_read_are_recorded(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(POD.format(name="a"))
    graph_input = load_paths([str(tmp_path)])
    assert graph_input.files == (os.path.realpath(tmp_path / "a.yaml"),)
    assert netpol.analyze([str(tmp_path)]).endpoint_ids()[0] == "x/a[Pod]"


@pytest.mark.parametrize("source", ["p.yaml", "p.json"])
def test_numbers_too_long_to_print_are_input_errors(source: str) -> None:
    # Python refuses int() and str() of integers over 4,300 digits; Go's decoders refuse them too.
    big = "9" * 5000
    text = (
        '{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": '
        '{"name": "a", "namespace": "x"}, "spec": {"podSelector": {}, "ingress": [{"ports": '
        f'[{{"port": {big}}}, {{"port": 80, "endPort": {big}}}]}}]}}}}'
    )
    graph = netpol.analyze_text(text, source=source)
    errors = [d for d in graph.diagnostics if d.severity is Severity.ERROR]
    assert errors and graph.cluster.policies == ()
    assert all(len(d.message) < 300 for d in errors)
    with pytest.raises(ValueError, match="not between 1 and 65535"):
        from netpol.core.ports import parse_port

        parse_port(big)
