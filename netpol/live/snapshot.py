"""``netpol snapshot``: what a live read gave, as one YAML ``List`` that file mode reads back to
exactly the same analysis.

Items are written one by one (memory stays that of the objects read, not of the text), by
:func:`netpol.core.yamlout.dump_yaml`, whose strings every reader reads back as strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from netpol.core.yamlout import dump_yaml, yaml_comment

__all__ = ["write_snapshot"]


def write_snapshot(out: TextIO, objects: Iterable[Mapping[str, Any]], header: Iterable[str]) -> int:
    """Write ``objects`` as a ``v1`` ``List`` to ``out``, after ``header`` as comment lines;
    the number of objects written."""
    out.write(yaml_comment(header))
    out.write("apiVersion: v1\nkind: List\nmetadata: {}\n")
    count = 0
    for obj in objects:
        if count == 0:
            out.write("items:\n")
        out.write(dump_yaml([obj]))
        count += 1
    if count == 0:
        out.write("items: []\n")
    return count
