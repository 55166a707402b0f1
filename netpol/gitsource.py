"""Load stage, from git: manifests as they were at a revision, for ``netpol diff --git REV``.

The files under the given paths at REV are listed with ``git ls-tree`` and read with one
``git cat-file --batch``, written to a temporary folder with the same layout, and loaded by
:func:`netpol.load.load_paths`, so folder walking and file selection are exactly those of the
working tree. Sources are then named ``REV:path`` (the spelling of ``git show``), in the objects
and in every diagnostic.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from netpol.diagnostics import Diagnostic, InputError, Location, Severity
from netpol.load import LoadResult, Locator, load_paths

__all__ = ["GitError", "load_revision"]

_FILE_MODES = ("100644", "100755")


class GitError(InputError):
    """git is missing, the folder is not in a repository, or the revision is unknown."""


def _git(args: Sequence[str], cwd: str, *, data: bytes | None = None) -> bytes:
    if shutil.which("git") is None:
        raise GitError("--git needs the git program, which is not on PATH")
    try:
        result = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True,
                                check=False)
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
        raise GitError(f"--git {rev}: unknown revision (not a commit, branch or tag of this "
                       "repository)") from exc
    return prefix.decode("utf-8").strip()


def _read_blobs(rev: str, paths: Sequence[str], cwd: str) -> dict[str, bytes]:
    """Repository-relative path -> content, for every file under ``paths`` at ``rev``."""
    listing = _git(["ls-tree", "-r", "-z", "--full-name", rev, "--", *paths], cwd)
    entries: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_name = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind == "blob" and mode in _FILE_MODES:  # symlinks and submodules are left out
            entries.append((raw_name.decode("utf-8", "surrogateescape"), sha))
    if not entries:
        return {}
    out = _git(["cat-file", "--batch"], cwd, data="".join(f"{sha}\n" for _, sha in entries).encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for name, _ in entries:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        start = header_end + 1
        blobs[name] = out[start:start + size]
        pos = start + size + 1
    return blobs


def load_revision(rev: str, paths: Sequence[str], cwd: str | None = None) -> LoadResult:
    """Load ``paths`` (relative to ``cwd``, as for the working tree) as they were at ``rev``.

    A path that did not exist at ``rev`` contributes nothing (and a warning): the change adds it.
    Raises :class:`GitError` when ``cwd`` is not in a repository or ``rev`` is unknown.
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
    blobs = _read_blobs(rev, paths, cwd)
    with tempfile.TemporaryDirectory(prefix="netpol-git-") as tmp:
        for name, data in blobs.items():
            target = os.path.join(tmp, *name.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
        present: list[str] = []
        renames: dict[str, str] = {}
        missing: list[Diagnostic] = []
        for path, full in rooted.items():
            inside = [n for n in blobs if not full or n == full or n.startswith(full + "/")]
            if not inside:
                missing.append(Diagnostic(Severity.WARNING, "not-at-revision",
                                          f"{path} does not exist at {rev}: nothing to compare "
                                          "it with", Location(f"{rev}:{path}")))
                continue
            local = os.path.join(tmp, *full.split("/")) if full else tmp
            present.append(local)
            renames[local] = f"{rev}:{path}"
        loaded = load_paths(present)
    return _renamed(loaded, renames, tuple(missing))


def _rename(source: str, renames: Mapping[str, str]) -> str:
    for local, shown in renames.items():
        if source == local:
            return shown
        if source.startswith(local + os.sep):
            rest = source[len(local) + 1:].replace(os.sep, "/")
            return f"{shown.rstrip('/')}/{rest}"
    return source


class _RenamedLocator(Locator):
    """Locates ``REV:path`` sources in the texts that were read from the temporary folder."""

    __slots__ = ("_inner", "_local")

    def __init__(self, inner: Locator, local: Mapping[str, str]) -> None:
        super().__init__()
        self._inner = inner
        self._local = local

    def locate(self, source: str, document: int | None, path: tuple[str | int, ...] = ()
               ) -> Location:
        found = self._inner.locate(self._local.get(source, source), document, path)
        return replace(found, source=source)


def _renamed(loaded: LoadResult, renames: Mapping[str, str], extra: tuple[Diagnostic, ...]
             ) -> LoadResult:
    shown: dict[str, str] = {}

    def name(source: str) -> str:
        new = _rename(source, renames)
        shown[new] = source
        return new

    objects = tuple(replace(o, source=name(o.source)) for o in loaded.objects)
    diagnostics = tuple(
        d if d.location is None else replace(d, location=replace(d.location,
                                                                 source=name(d.location.source)))
        for d in loaded.diagnostics)
    return LoadResult(objects, (*extra, *diagnostics), loaded.skipped,
                      _RenamedLocator(loaded.locator, shown))
