"""YAML that every reader reads back as written: Kubernetes' go-yaml v2 (YAML 1.1 rules),
yaml-rs (YAML 1.2) and PyYAML.

PyYAML writes the text. A string is left plain only when it is plainly a string to all of them:
it starts with a letter, holds only letters, digits and ``_./-``, and is no YAML 1.1 boolean or
null word. Anything else is double-quoted, so ``"on"``, ``"0o17"``, ``"1e3"`` and ``"y"`` stay
strings wherever they are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

from netpol.core.escaping import terminal

try:
    from yaml import CSafeDumper as _BaseDumper
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]

__all__ = ["dump_yaml", "yaml_comment"]

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


def dump_yaml(value: Any) -> str:
    """``value`` (JSON-like: dicts, lists, strings, numbers, booleans, None) as block YAML, keys
    in their order."""
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 16)


def yaml_comment(lines: Iterable[str]) -> str:
    """Comment lines, each escaped for a terminal: no newline or control character read from
    input can end the comment and start YAML."""
    return "".join(f"# {terminal(line)}\n" for line in lines)
