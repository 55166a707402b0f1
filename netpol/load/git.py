"""Load stage, from git: manifests as they were at a revision, for ``netpol diff --git REV``.

The files under the given paths at REV are listed with ``git ls-tree`` and read with one
``git cat-file --batch`` into memory; nothing is written to disk, so no name in a tree (git
accepts trees with entries named ``..`` on fetch) can reach outside a folder. The files are chosen
as a folder scan of the working tree chooses them (:func:`netpol.load.is_manifest_name`, in the
order of ``kubectl apply -R``) and named ``REV:path`` (the spelling of ``git show``), in the
objects and in every diagnostic.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from netpol.errors import Diagnostic, GitError, Location, Severity
from netpol.load.files import LoadResult, is_manifest_name, load_sources

__all__ = ["GitError", "load_revision"]

_FILE_MODES = ("100644", "100755")
_REFUSED_COMPONENTS = ("", ".", "..", ".git")
"""Names git itself refuses to check out (verify_path in read-cache.c: empty, ``.``, ``..`` and
``.git`` in any case); a revision holding one is refused whole."""


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    """Repository-relative path, ``/``-separated."""
    mode: str
    sha: str


def _git(args: Sequence[str], cwd: str, *, data: bytes | None = None) -> bytes:
    if shutil.which("git") is None:
        raise GitError("--git needs the git program, which is not on PATH")
    try:
        result = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from exc
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else result.returncode}")
    return result.stdout


def _check_repository(rev: str, cwd: str) -> str:
    """The repository-relative prefix of ``cwd`` (``""`` at the top); raises GitError."""
    try:
        prefix = _git(["rev-parse", "--show-prefix"], cwd)
    except GitError as exc:
        raise GitError(f"--git {rev}: {cwd} is not inside a git repository") from exc
    try:
        _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd)
    except GitError as exc:
        raise GitError(
            f"--git {rev}: unknown revision (not a commit, branch or tag of this repository)"
        ) from exc
    return prefix.decode("utf-8", "surrogateescape").strip()


def _list_tree(rev: str, paths: Sequence[str], cwd: str) -> list[_Entry]:
    """Every entry under ``paths`` at ``rev``; GitError when one has a name git would refuse."""
    listing = _git(["ls-tree", "-r", "-z", "--full-name", rev, "--", *paths], cwd)
    entries: list[_Entry] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_name = record.partition(b"\t")
        mode, _kind, sha = meta.decode("ascii", "replace").split()
        name = raw_name.decode("utf-8", "surrogateescape")
        bad = next((c for c in name.split("/") if c.lower() in _REFUSED_COMPONENTS), None)
        if bad is not None:
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            raise GitError(
                f"--git {rev}: the tree holds an entry named {shown!r}; a path "
                f"component {bad!r} is not allowed (git refuses to check it out); "
                "refusing this revision"
            )
        entries.append(_Entry(name, mode, sha))
    return entries


def _read_blobs(entries: Sequence[_Entry], cwd: str) -> list[bytes]:
    """The content of each entry's blob, in order, from one ``git cat-file --batch``."""
    if not entries:
        return []
    out = _git(["cat-file", "--batch"], cwd, data="".join(f"{e.sha}\n" for e in entries).encode())
    blobs: list[bytes] = []
    pos = 0
    for _ in entries:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        start = header_end + 1
        blobs.append(out[start : start + size])
        pos = start + size + 1
    return blobs


def _selected(full: str, entries: Sequence[_Entry]) -> list[tuple[str, _Entry]] | None:
    """``(rest, entry)`` for the files a scan of ``full`` reads (``rest`` is ``""`` when ``full``
    is a file itself), in ``kubectl apply -R`` order; None when nothing is at ``full``."""
    exact = [e for e in entries if e.name == full]
    if exact:
        return [("", exact[0])]
    prefix = f"{full}/" if full else ""
    inside = [(e.name[len(prefix) :], e) for e in entries if e.name.startswith(prefix)]
    if not inside:
        return None
    chosen = [
        (rest, e)
        for rest, e in inside
        if all(not part.startswith(".") for part in rest.split("/")[:-1])
        and is_manifest_name(rest.rsplit("/", 1)[-1])
    ]
    return sorted(chosen, key=lambda item: item[0].split("/"))


def load_revision(rev: str, paths: Sequence[str], cwd: str | None = None) -> LoadResult:
    """Load ``paths`` (relative to ``cwd``, as for the working tree) as they were at ``rev``.

    A path that did not exist at ``rev`` contributes nothing (and a warning): the change adds it.
    Raises :class:`GitError` when ``cwd`` is not in a repository, ``rev`` is unknown, or its tree
    holds a name git refuses (``..``, ``.git``).
    """
    cwd = os.path.abspath(cwd or os.getcwd())
    if not rev or rev.startswith("-"):
        raise GitError(f"--git {rev!r}: not a revision")
    prefix = _check_repository(rev, cwd)
    rooted: dict[str, str] = {}
    for path in paths:
        full = posixpath.normpath(posixpath.join(prefix, Path(path).as_posix()))
        if full == ".." or full.startswith("../") or os.path.isabs(path):
            raise GitError(f"--git {rev}: {path} is outside the repository")
        rooted[path] = "" if full == "." else full
    entries = _list_tree(rev, paths, cwd)
    notes: list[Diagnostic] = []
    wanted: list[tuple[str, _Entry]] = []
    for path, full in rooted.items():
        shown = f"{rev}:{path}"
        selected = _selected(full, entries)
        if selected is None:
            notes.append(
                Diagnostic(
                    Severity.WARNING,
                    "not-at-revision",
                    f"{path} does not exist at {rev}: nothing to compare it with",
                    Location(shown),
                )
            )
            continue
        if not selected:
            notes.append(
                Diagnostic(
                    Severity.WARNING,
                    "no-manifests",
                    "no .yaml, .yml or .json file in this folder",
                    Location(shown),
                )
            )
        for rest, entry in selected:
            name = f"{shown.rstrip('/')}/{rest}" if rest else shown
            if entry.mode not in _FILE_MODES:
                what = "a symlink" if entry.mode == "120000" else "a submodule"
                notes.append(
                    Diagnostic(
                        Severity.WARNING, "not-a-file", f"{what} at {rev}; not followed", Location(name)
                    )
                )
                continue
            wanted.append((name, entry))
    firsts: dict[str, tuple[str, _Entry]] = {}
    for name, entry in wanted:  # a file under two of the paths given is read once
        firsts.setdefault(entry.name, (name, entry))
    unique = list(firsts.values())
    blobs = _read_blobs([e for _, e in unique], cwd)
    loaded = load_sources([(name, data) for (name, _), data in zip(unique, blobs, strict=True)])
    return replace(loaded, diagnostics=(*notes, *loaded.diagnostics))
