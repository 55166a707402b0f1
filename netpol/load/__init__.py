"""Load stage: files, folders, stdin and git revisions -> RawObjects that know where they came from."""

from __future__ import annotations

from netpol.load.files import (
    DEFAULT_MAX_INPUT_SIZE,
    NOT_AN_OBJECT,
    LoadResult,
    Locator,
    RawObject,
    alias_budget,
    is_manifest_name,
    load_paths,
    load_sources,
    load_text,
    parse_documents,
    read_text,
)
from netpol.load.git import (
    GitError,
    load_revision,
)
from netpol.load.locate import (
    Chunk,
    FieldPath,
    find_duplicate_key,
)

__all__ = [
    "DEFAULT_MAX_INPUT_SIZE",
    "NOT_AN_OBJECT",
    "Chunk",
    "FieldPath",
    "GitError",
    "LoadResult",
    "Locator",
    "RawObject",
    "alias_budget",
    "find_duplicate_key",
    "is_manifest_name",
    "load_paths",
    "load_revision",
    "load_sources",
    "load_text",
    "parse_documents",
    "read_text",
]
