"""``netpol snapshot``: what a live read gave, as one YAML ``List`` that file mode reads back to
exactly the same analysis.

Items are written one by one (memory stays that of the objects read, not of the text). Strings
are written plain only where every YAML reader, Kubernetes' go-yaml v2 included, reads them back
as the same string; any other string is double-quoted, so ``"on"``, ``"0o17"`` or ``"1e3"`` stay
strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

import yaml

from netpol.core.escaping import terminal

__all__ = ["write_snapshot"]

try:
    from yaml import CSafeDumper as _BaseDumper
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*")
_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
"""Plain words a YAML 1.1 reader (go-yaml v2) takes for a boolean or null, in any case."""


class _Dumper(_BaseDumper):
    """PyYAML's safe dumper, strings quoted unless plainly strings to every reader."""


def _string(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    if _PLAIN.fullmatch(value) and value.lower() not in _WORDS:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')


_Dumper.add_representer(str, _string)


def write_snapshot(out: TextIO, objects: Iterable[Mapping[str, Any]], header: Iterable[str]) -> int:
    """Write ``objects`` as a ``v1`` ``List`` to ``out``, after ``header`` as comment lines;
    the number of objects written."""
    for line in header:
        out.write(f"# {terminal(line)}\n")
    out.write("apiVersion: v1\nkind: List\nmetadata: {}\n")
    count = 0
    for obj in objects:
        if count == 0:
            out.write("items:\n")
        out.write(yaml.dump([obj], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 16))
        count += 1
    if count == 0:
        out.write("items: []\n")
    return count
