"""The load stage: documents, Lists, folders, stdin, and positions recovered on the error path."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import netpol.load.files as load_module
import netpol.load.yaml as yaml_module
from netpol.errors import Severity
from netpol.load.files import NOT_AN_OBJECT, LoadResult, RawObject, load_paths, load_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "load"

POD = "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: x}}\n"


@pytest.fixture(params=["yaml_rs", "pyyaml"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run a test with the fast parser and again with the PyYAML fallback."""
    if request.param == "pyyaml":
        monkeypatch.setattr(yaml_module, "yaml_rs", None)
    elif vars(yaml_module)["yaml_rs"] is None:  # pragma: no cover - no yaml-rs wheel
        pytest.skip("yaml-rs is not installed")
    yield str(request.param)


def names(result: LoadResult) -> list[str]:
    return [o.data["metadata"]["name"] for o in result.objects]


def codes(result: LoadResult) -> list[str]:
    return [d.code for d in result.diagnostics]


# --- documents ---------------------------------------------------------------------------------


def test_malformed_middle_document_keeps_the_others(parser: str) -> None:
    path = str(FIXTURES / "multi.yaml")
    result = load_paths([path])
    assert names(result) == ["first", "third"]
    assert [(o.source, o.document, o.path) for o in result.objects] == [(path, 1, ()), (path, 3, ())]
    [diag] = result.diagnostics
    assert (diag.severity, diag.code) == (Severity.ERROR, "yaml-syntax")
    assert diag.message.startswith("malformed YAML: ")
    loc = diag.location
    assert loc is not None and loc.source == path and loc.document == 2
    # Absolute in the file (the second document starts on line 4), not within the document.
    assert loc.line == 9
    assert loc.snippet == "  labels: {app: [unclosed"
    assert loc.column is not None and 1 <= loc.column <= len(loc.snippet) + 1
    assert f"{path}:9:" in diag.format()


BLOCK_POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: x\n"


def test_markers_split_documents_only_at_column_zero() -> None:
    text = (
        BLOCK_POD.format(name="a")
        + "  annotations:\n"
        + "    quoted: '--- not a marker'\n"
        + "    plain: a --- b\n"
        + "    # --- a comment\n"
        + "    block: |\n"
        + "      ---\n"
        + "      ... \n"
        + "---x: 1\n"  # not a marker: no space after the dashes
        + "----: 2\n"
        + "...x: 3\n"
    )
    result = load_text(text)
    assert names(result) == ["a"] and result.diagnostics == ()
    data = result.objects[0].data
    assert data["metadata"]["annotations"] == {
        "quoted": "--- not a marker",
        "plain": "a --- b",
        "block": "---\n... \n",
    }
    assert (data["---x"], data["----"], data["...x"]) == (1, 2, 3)

    # '--- ' with content on the marker line starts a document whose first line is that line.
    result = load_text(
        BLOCK_POD.format(name="a") + "--- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n---\tnull\n"
    )
    assert names(result) == ["a", "b"]
    assert result.locator.locate("<string>", 2, ("metadata",)).line == 6


def test_marker_at_column_zero_ends_a_document_even_inside_a_block_scalar() -> None:
    # YAML 1.2, 9.1.4: '---' and '...' lines at column 0 always end the document.
    result = load_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"
        "  script: |\n    echo one\n---\n    echo two\n"
    )
    assert [o.kind for o in result.objects] == ["ConfigMap"]
    assert result.objects[0].data["data"]["script"] == "echo one\n"
    assert result.skipped == {NOT_AN_OBJECT: 1}  # the rest is the string 'echo two'


def test_document_numbers_comments_and_empty_documents() -> None:
    text = (
        "# Copyright header, then directives: not a document of their own.\n"
        "%YAML 1.2\n"
        "---\n" + POD.format(name="a") + "---\n"  # an empty document: ignored, but it has a number
        "# only a comment\n"
        "--- null\n"
        "---\n" + POD.format(name="b") + "...\n"
        "# trailing comment after the end marker\n"
    )
    result = load_text(text)
    assert names(result) == ["a", "b"]
    assert [o.document for o in result.objects] == [1, 4]
    assert result.diagnostics == () and result.skipped == {}
    loc = result.locator.locate("<string>", 4, ("metadata", "name"))
    assert loc.line == 13 and loc.snippet == "metadata: {name: b, namespace: x}"


def test_bare_document_after_end_marker() -> None:
    result = load_text(POD.format(name="a") + "...\n" + POD.format(name="b"))
    assert names(result) == ["a", "b"]
    assert [o.document for o in result.objects] == [1, 2]


def test_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    text = POD.format(name="a") + "---\n" + "apiVersion: v1\nkind: Pod\nmetadata: {name: [b\n"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    result = load_paths([str(path)])
    assert names(result) == ["a"]
    [diag] = result.diagnostics
    assert diag.location is not None and diag.location.line == 7
    assert diag.location.snippet == "metadata: {name: [b"  # no stray '\r'
    loc = result.locator.locate(str(path), 1, ("metadata", "name"))
    assert (loc.line, loc.snippet) == (3, "metadata: {name: a, namespace: x}")


def test_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + POD.format(name="a").encode())
    result = load_paths([str(path)])
    assert names(result) == ["a"]
    assert "apiVersion" in result.objects[0].data  # not '\ufeffapiVersion'
    assert result.locator.locate(str(path), 1, ("kind",)).column == 7
    # The same in a string, and in JSON.
    assert names(load_text("\ufeff" + POD.format(name="b"))) == ["b"]
    assert names(
        load_text('\ufeff{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c"}}', "c.json")
    ) == ["c"]


def test_plain_scalars_are_read_as_kubernetes_reads_them(parser: str) -> None:
    # sigs.k8s.io/yaml runs go-yaml v2: YAML 1.1 booleans and octal, timestamps kept as strings.
    result = load_text(
        "apiVersion: v1\nkind: ConfigMap\nv: [yes, on, 0o17, 0x1f, 1_000, 0755, "
        "2020-01-01, ~, TRUE, 1e3, '1', !custom x, _8080, 'yes', N, Off, .1_1, "
        "+0x10, 08]\n"
    )
    assert result.objects[0].data["v"] == [
        True,
        True,
        15,
        31,
        1000,
        493,
        "2020-01-01",
        None,
        True,
        1000.0,
        "1",
        "x",
        "_8080",
        "yes",
        False,
        False,
        ".1_1",
        16,
        8.0,
    ]


def test_merge_keys_are_resolved(parser: str) -> None:
    # sigs.k8s.io/yaml (go-yaml) honours YAML 1.1 merge keys; so does netpol.
    result = load_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
        "  annotations: &common {team: web, tier: front}\n"
        "  labels:\n    <<: *common\n    tier: back\n"
    )
    assert result.objects[0].data["metadata"]["labels"] == {"team": "web", "tier": "back"}
    bad = load_text("apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    <<: 5\n")
    assert codes(bad) == ["yaml-syntax"]
    assert bad.diagnostics[0].location is not None and bad.diagnostics[0].location.line == 5


# --- JSON --------------------------------------------------------------------------------------


def test_json_file_with_a_kubectl_list() -> None:
    path = str(FIXTURES / "kubectl-list.json")
    result = load_paths([path])
    assert [(o.kind, o.document, o.path) for o in result.objects] == [
        ("Namespace", 1, ("items", 0)),
        ("NetworkPolicy", 1, ("items", 1)),
    ]
    assert result.diagnostics == ()
    np = result.objects[1]
    loc = result.locator.locate_object(np, ("spec", "ingress", 0, "from", 0, "ipBlock", "cidr"))
    assert loc.line == 15
    assert loc.snippet is not None and loc.snippet.strip().startswith('"ingress"')
    assert loc.column is not None
    assert loc.snippet[loc.column - 1 :].startswith('"10.0.0.0/33"')


def test_json_syntax_error_has_line_and_column() -> None:
    result = load_text('{"apiVersion": "v1", "kind": "Pod",\n "metadata": {"name": "a",}}', "pod.json")
    [diag] = result.diagnostics
    assert diag.code == "json-syntax"
    assert diag.message == "malformed JSON: expecting property name enclosed in double quotes"
    assert diag.location is not None
    assert (diag.location.document, diag.location.line, diag.location.column) == (1, 2, 27)
    assert diag.location.snippet == ' "metadata": {"name": "a",}}'


def test_json_stream_and_json_on_stdin() -> None:
    stream = (
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}\n'
        '{"apiVersion": "v1", "kind": "Pod",\n\t"metadata": {"name": "b", "name": "c"}}\n'
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"}}\n'
    )
    result = load_paths(["-"], stdin=io.StringIO(stream))
    assert names(result) == ["a", "d"]
    assert [o.document for o in result.objects] == [1, 3]
    [diag] = result.diagnostics
    assert diag.code == "duplicate-key"
    assert diag.location is not None
    assert (diag.location.source, diag.location.document) == ("<stdin>", 2)
    assert (diag.location.line, diag.location.path) == (3, ("metadata", "name"))
    assert diag.location.column == 28  # a tab is one column


def test_text_that_only_looks_like_json_is_yaml() -> None:
    result = load_text(
        '{"apiVersion": "v1", "kind": "Pod", metadata: {name: a}}\n---\n' + POD.format(name="b")
    )
    assert names(result) == ["a", "b"]


# --- Lists -------------------------------------------------------------------------------------


def test_typed_list_items_get_kind_and_api_version() -> None:
    path = str(FIXTURES / "podlist.yaml")
    result = load_paths([path])
    assert [(o.kind, o.path) for o in result.objects] == [("Pod", ("items", 0)), ("Pod", ("items", 1))]
    first = result.objects[0]
    assert first.data["kind"] == "Pod" and first.data["apiVersion"] == "v1"
    assert first.data["spec"]["containers"][0]["ports"][0]["name"] == "http"
    loc = result.locator.locate_object(first, ("spec", "containers", 0, "ports", 0, "name"))
    assert (loc.line, loc.column, loc.snippet) == (15, 15, "        name: http")


def test_v1_list_keeps_item_kinds_and_nests() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: Namespace, metadata: {name: x}}\n"
        "- {kind: Pod, metadata: {name: no-api-version}}\n"
        "- {metadata: {name: no-kind}}\n"
        "- [not, a, mapping]\n"
        "- apiVersion: v1\n  kind: PodList\n  items:\n  - {metadata: {name: nested}}\n"
    )
    result = load_text(text)
    assert [(o.kind, o.path) for o in result.objects] == [
        ("Namespace", ("items", 0)),
        ("Pod", ("items", 4, "items", 0)),
    ]
    assert result.skipped == {NOT_AN_OBJECT: 3}
    # A kind without apiVersion is almost surely a mistake worth a warning; it is still skipped.
    [warning] = result.diagnostics
    assert (warning.severity, warning.code) == (Severity.WARNING, "missing-api-version")
    assert warning.location is not None
    assert (warning.location.path, warning.location.line) == (("items", 1), 5)


def test_empty_and_malformed_lists() -> None:
    assert load_text("apiVersion: v1\nkind: List\nitems: []\n").objects == ()
    assert load_text("apiVersion: v1\nkind: List\nitems:\n").objects == ()
    bad = load_text("apiVersion: v1\nkind: List\nitems: {a: 1}\n")
    assert codes(bad) == ["invalid-list"] and bad.objects == ()
    assert bad.diagnostics[0].location is not None and bad.diagnostics[0].location.line == 3
    # A kind that merely ends in 'List' and has no items is left to the model stage.
    crd = load_text("apiVersion: example.com/v1\nkind: AllowList\nspec: {}\n")
    assert [o.kind for o in crd.objects] == ["AllowList"]


def test_list_items_are_not_mutated_in_place() -> None:
    result = load_text(
        "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n"
        "- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n"
    )
    a, b = result.objects
    assert dict(a.data) == {"metadata": {"name": "a"}, "kind": "Pod", "apiVersion": "v1"}
    assert dict(b.data) == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}


def test_non_kubernetes_documents_are_counted_as_skipped() -> None:
    text = (
        "replicaCount: 3\nimage: {tag: x}\n"  # Helm values
        "---\n- apiVersion: v1\n  kind: Pod\n"  # a top-level list: Kubernetes rejects it
        "---\njust a string\n"
        "---\napiVersion: v2\nname: chart\n"  # Chart.yaml: apiVersion but no kind
        "---\n" + POD.format(name="a") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    )
    result = load_text(text)
    assert [o.kind for o in result.objects] == ["Pod", "ConfigMap"]  # kinds: the model's business
    assert result.skipped == {NOT_AN_OBJECT: 4}
    assert result.diagnostics == ()


# --- paths, folders, stdin ---------------------------------------------------------------------


def test_folder_recursion_order_and_hidden_entries(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    shutil.copytree(FIXTURES / "tree", root)
    (root / ".git").mkdir()
    (root / ".git" / "pod.yaml").write_text(POD.format(name="in-dot-git"))
    result = load_paths([str(root)])
    sources = [os.path.relpath(o.source, root) for o in result.objects]
    assert sources == [
        "10-namespace.yaml",
        os.path.join("apps", "db.json"),
        os.path.join("apps", "web.yml"),
        "b.yaml",
        os.path.join("zz", "Policy.YAML"),
    ]
    assert all(o.source.startswith(str(root) + os.sep) for o in result.objects)
    assert [o.kind for o in result.objects] == [
        "Namespace",
        "Pod",
        "Deployment",
        "NetworkPolicy",
        "NetworkPolicy",
    ]
    assert result.objects[2].document == 1  # the comment before '---' is not a document
    assert result.skipped == {NOT_AN_OBJECT: 1}  # helm/values.yaml
    assert result.diagnostics == ()


def test_the_same_file_twice_is_loaded_once() -> None:
    tree = str(FIXTURES / "tree")
    result = load_paths([os.path.join(tree, "b.yaml"), tree])
    assert [o.kind for o in result.objects].count("NetworkPolicy") == 2  # b.yaml + zz/Policy.YAML
    assert result.objects[0].source == os.path.join(tree, "b.yaml")


def test_nonexistent_path_is_reported_and_the_rest_loads(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    result = load_paths([missing, str(FIXTURES / "tree" / "b.yaml")])
    assert [o.kind for o in result.objects] == ["NetworkPolicy"]
    [diag] = result.diagnostics
    assert (diag.severity, diag.code) == (Severity.ERROR, "unreadable")
    assert diag.location is not None and diag.location.source == missing
    assert "no such file" in diag.message


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions and a non-root user"
)
def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(POD.format(name="a"))
    path.chmod(0)
    try:
        result = load_paths([str(path)])
    finally:
        path.chmod(0o600)
    assert codes(result) == ["unreadable"] and "permission denied" in result.diagnostics[0].message


def test_permission_error_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The same as above, but also when the tests run as root.
    def refuse(path: str, mode: str = "r") -> io.BufferedReader:
        raise PermissionError(13, "Permission denied", path)

    (tmp_path / "secret.yaml").write_text(POD.format(name="a"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(load_module, "open", refuse, raising=False)
    result = load_paths(["secret.yaml"])
    assert result.objects == ()
    [diag] = result.diagnostics
    assert diag.code == "unreadable" and diag.message == "cannot read: permission denied"
    assert diag.location is not None and diag.location.source == "secret.yaml"


def test_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\n")
    utf16 = tmp_path / "utf16.yaml"
    utf16.write_bytes(POD.format(name="a").encode("utf-16"))
    result = load_paths([str(latin1), str(utf16), str(FIXTURES / "tree" / "b.yaml")])
    assert [o.kind for o in result.objects] == ["NetworkPolicy"]
    first, second = result.diagnostics
    assert (first.code, second.code) == ("unreadable", "unreadable")
    assert "not UTF-8" in first.message and "0xe9" in first.message
    assert first.location is not None
    assert (first.location.line, first.location.column) == (3, 21)
    assert "UTF-16" in second.message


def test_empty_folder_warns(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing to see")
    result = load_paths([str(tmp_path)])
    assert result.objects == () and codes(result) == ["no-manifests"]
    assert result.diagnostics[0].severity is Severity.WARNING


def test_stdin_text_and_bytes() -> None:
    result = load_paths(["-"], stdin=io.StringIO(POD.format(name="a") + "---\nkind: [\n"))
    assert [(o.source, o.document) for o in result.objects] == [("<stdin>", 1)]
    [diag] = result.diagnostics
    assert diag.location is not None and diag.location.source == "<stdin>"
    assert (diag.location.document, diag.location.line) == (2, 5)
    loc = result.locator.locate("<stdin>", 1, ("metadata", "namespace"))
    assert (loc.line, loc.snippet) == (3, "metadata: {name: a, namespace: x}")

    binary = io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbf" + POD.format(name="b").encode()))
    both = load_paths(["-", str(FIXTURES / "tree" / "b.yaml"), "-"], stdin=binary)
    assert [o.source for o in both.objects] == ["<stdin>", str(FIXTURES / "tree" / "b.yaml")]


def test_load_text_behaves_like_a_file(tmp_path: Path) -> None:
    text = (FIXTURES / "multi.yaml").read_text()
    path = tmp_path / "multi.yaml"
    path.write_text(text)
    from_file, from_text = load_paths([str(path)]), load_text(text, str(path))
    assert from_file.objects == from_text.objects
    assert from_file.diagnostics == from_text.diagnostics


# --- duplicate keys, alias bombs, deep nesting -------------------------------------------------


def test_duplicate_keys_reject_the_document(parser: str) -> None:
    text = (
        POD.format(name="a") + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n"
        "  labels:\n    app: x\n    tier: y\n    app: z\n---\n" + POD.format(name="c")
    )
    result = load_text(text)
    assert names(result) == ["a", "c"]
    [diag] = result.diagnostics
    assert (diag.severity, diag.code) == (Severity.ERROR, "duplicate-key")
    assert "'app'" in diag.message and "line 10" in diag.message
    loc = diag.location
    assert loc is not None
    assert (loc.document, loc.path, loc.line, loc.column) == (2, ("metadata", "labels", "app"), 12, 5)
    assert loc.snippet == "    app: z"


def test_alias_bomb_is_rejected_quickly(parser: str) -> None:
    lines = [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata: {name: lol}",
        "data:",
        "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    text = "\n".join(lines) + "\n---\n" + POD.format(name="ok")  # 10**10 nodes expanded
    started = time.perf_counter()
    result = load_text(text)
    assert time.perf_counter() - started < 5
    assert names(result) == ["ok"]
    assert codes(result) == ["yaml-alias-limit"]
    assert result.diagnostics[0].location is not None
    assert result.diagnostics[0].location.document == 1


def test_a_few_aliases_are_fine(parser: str) -> None:
    result = load_text("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: &l {app: a}\n  annotations: *l\n")
    assert result.objects[0].data["metadata"]["annotations"] == {"app": "a"}


def test_deep_nesting_is_refused_without_crashing() -> None:
    # yaml-rs overflows the C stack near 11,000 levels: run in a child so a regression cannot
    # take the test session down with it.
    code = (
        "import netpol.load as m\n"
        "r = m.load_text('apiVersion: v1\\nkind: Pod\\nx:\\n' + '- ' * 30000 + 'x\\n')\n"
        "print([d.code for d in r.diagnostics])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['yaml-too-deep']"


# --- the locator -------------------------------------------------------------------------------

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: a}}
    - ipBlock:
        cidr: 10.0.0.0/33
    ports:
    - port: 80
"""


def test_locator_on_a_nested_path() -> None:
    result = load_text("# leading comment\n---\n" + POLICY, "np.yaml")
    loc = result.locator.locate("np.yaml", 1, ("spec", "ingress", 0, "from", 1, "ipBlock", "cidr"))
    assert (loc.source, loc.document, loc.line, loc.column) == ("np.yaml", 1, 14, 15)
    assert loc.snippet == "        cidr: 10.0.0.0/33"
    assert loc.path == ("spec", "ingress", 0, "from", 1, "ipBlock", "cidr")
    # Flow mappings point at the value; block collections at their key.
    assert (
        result.locator.locate(
            "np.yaml", 1, ("spec", "ingress", 0, "from", 0, "podSelector", "matchLabels", "app")
        ).column
        == 40
    )
    assert result.locator.locate("np.yaml", 1, ("spec", "ingress")).line == 10
    assert result.locator.locate("np.yaml", 1, ("spec", "ingress", 0)).line == 11
    assert result.locator.locate("np.yaml", 1, ()).line == 3


def test_locator_falls_back_to_the_nearest_ancestor() -> None:
    result = load_text(POLICY, "np.yaml")
    locate = result.locator.locate
    # A missing key: the ipBlock mapping, at its key.
    assert locate("np.yaml", 1, ("spec", "ingress", 0, "from", 1, "ipBlock", "except", 0)).line == 11
    # An index past the end: the list.
    loc = locate("np.yaml", 1, ("spec", "ingress", 0, "ports", 3, "port"))
    assert (loc.line, loc.snippet) == (13, "    ports:")
    # Wrong type of step (an index into a mapping): the mapping.
    assert locate("np.yaml", 1, ("metadata", 0)).line == 3
    assert locate("np.yaml", 1, ("nope",)).line == 1


def test_locator_inside_list_items_small_and_large() -> None:
    item = (
        "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    namespace: x\n"
        "  status:\n    podIP: 10.0.{hi}.{lo}\n"
    )
    for count in (3, 2000):  # 2000 items are over the size where items are indexed, not composed
        text = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
            item.format(i=i, hi=i // 256, lo=i % 256) for i in range(count)
        )
        result = load_text(text, "dump.yaml")
        assert len(result.objects) == count
        last = result.objects[-1]
        loc = result.locator.locate_object(last, ("status", "podIP"))
        assert loc.line == 3 + 7 * (count - 1) + 7
        assert loc.snippet == f"    podIP: 10.0.{(count - 1) // 256}.{(count - 1) % 256}"
        assert loc.column == 12
        assert result.locator.locate("dump.yaml", 1, ("items", count - 1)).line == 4 + 7 * (count - 1)
        assert result.locator.locate("dump.yaml", 1, ("items", count + 5, "x")).line == 3
        assert result.locator.locate("dump.yaml", 1, ("kind",)).snippet == "kind: List"
        assert result.locator.locate_object(last, ("status", "nope")).snippet == "  status:"


def test_locator_never_raises() -> None:
    result = load_text(POD.format(name="a") + "---\nkind: [\n", "x.yaml")
    locator = result.locator
    assert locator.locate("other.yaml", 1, ("a",)).line is None
    assert locator.locate("x.yaml", None, ("a",)).line is None
    assert locator.locate("x.yaml", 99, ()).line is None
    # The malformed document: its first line.
    assert locator.locate("x.yaml", 2, ("kind",)).line == 4
    assert locator.locate("x.yaml", 1, (object(),)).line == 1  # type: ignore[arg-type]


# --- records -----------------------------------------------------------------------------------


def test_records_are_frozen() -> None:
    result = load_text(POD.format(name="a"))
    obj = result.objects[0]
    assert isinstance(obj, RawObject)
    with pytest.raises(AttributeError):
        obj.kind = "Service"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.skipped["x"] = 1  # type: ignore[index]
