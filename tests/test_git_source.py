"""`diff --git`: revisions are read from git in memory; a hostile tree is refused, not written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from netpol.cli import main
from netpol.errors import GitError
from netpol.load.git import load_revision

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}}
"""


def git(repo: Path, *args: str, data: str | None = None) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        input=data,
    ).stdout.strip()


def commit_tree(repo: Path, entries: dict[str, str]) -> str:
    """A commit whose tree is built by hand (``git mktree``), so names git's index refuses can be
    in it, as they can arrive by fetch. ``entries``: a path with ``/`` -> file content."""

    def tree(items: dict[str, str]) -> str:
        lines: list[str] = []
        folders: dict[str, dict[str, str]] = {}
        for name, content in items.items():
            head, sep, rest = name.partition("/")
            if sep:
                folders.setdefault(head, {})[rest] = content
            else:
                blob = git(repo, "hash-object", "-w", "--stdin", data=content)
                lines.append(f"100644 blob {blob}\t{head}")
        lines += [f"040000 tree {tree(sub)}\t{head}" for head, sub in folders.items()]
        return git(repo, "mktree", data="\n".join(lines) + "\n")

    return git(repo, "commit-tree", "-m", "crafted", tree(entries))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "work" / "repo"
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("bad", ["..", ".git", ".GIT", "."])
def test_a_tree_with_a_refused_name_is_an_input_error(repo: Path, bad: str) -> None:
    rev = commit_tree(repo, {"k8s/ok.yaml": POLICY, f"k8s/{bad}/evil.yaml": POLICY})
    with pytest.raises(GitError, match="refusing this revision") as raised:
        load_revision(rev, ["k8s"])
    assert repr(f"k8s/{bad}/evil.yaml") in str(raised.value)
    result = CliRunner().invoke(main, ["diff", "--git", rev, "--", "k8s"])
    assert result.exit_code == 2, result.output
    assert "refusing this revision" in result.stderr and "Traceback" not in result.output


def test_nothing_is_written_outside_or_inside_a_temporary_folder(repo: Path, tmp_path: Path) -> None:
    # The old way wrote the tree to a temporary folder: `..` entries landed beside it.
    rev = commit_tree(repo, {"k8s/a.yaml": POLICY, "k8s/sub/b.yaml": POLICY.replace("deny", "b")})
    before = sorted(p.name for p in tmp_path.rglob("*"))
    loaded = load_revision(rev, ["k8s"])
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert [o.source for o in loaded.objects] == [f"{rev}:k8s/a.yaml", f"{rev}:k8s/sub/b.yaml"]


def test_files_are_chosen_as_a_folder_scan_chooses_them(repo: Path) -> None:
    rev = commit_tree(
        repo,
        {
            "k8s/b.yaml": POLICY.replace("deny", "b"),
            "k8s/a.yml": POLICY.replace("deny", "a"),
            "k8s/c.JSON": '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "c"}}',
            "k8s/notes.txt": "not read",
            "k8s/.hidden.yaml": POLICY.replace("deny", "hidden"),
            "k8s/.cache/x.yaml": POLICY.replace("deny", "cached"),
            "k8s/sub/z.yaml": POLICY.replace("deny", "z"),
        },
    )
    loaded = load_revision(rev, ["k8s"])
    assert [o.data["metadata"]["name"] for o in loaded.objects] == ["a", "b", "c", "z"]
    # A file named explicitly is read whatever its extension, as in the working tree.
    one = load_revision(rev, ["k8s/notes.txt"])
    assert [d.code for d in one.diagnostics] == [] and one.objects == ()
    assert one.skipped  # "not read" is YAML, but no Kubernetes object: counted, not dropped


def test_a_symlink_at_the_revision_is_reported(repo: Path) -> None:
    (repo / "k8s").mkdir()
    (repo / "k8s" / "real.yaml").write_text(POLICY)
    (repo / "k8s" / "link.yaml").symlink_to("real.yaml")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "link")
    loaded = load_revision("HEAD", ["k8s"])
    assert len(loaded.objects) == 1
    [note] = [d for d in loaded.diagnostics if d.code == "not-a-file"]
    assert note.location is not None and note.location.source == "HEAD:k8s/link.yaml"
