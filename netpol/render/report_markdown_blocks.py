"""Markdown blocks of the review report: escaped cells, tables, notes and legends.

Every input-derived string goes through :func:`code` (a code span in a table cell), :func:`item`
(outside a table) or, inside netpol's own sentences, :func:`lines` (escaped prose); a cell is
written escaped once and never escaped again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from netpol.core.escaping import md_code, md_text
from netpol.render.report_wording import stand_in_note
from netpol.report import StandInSection

__all__ = ["code", "endpoint", "item", "legend", "lines", "note", "share", "table"]


def code(text: str) -> str:
    """An input-derived name in a table cell."""
    return md_code(text)


def item(text: str) -> str:
    """An input-derived name outside a table."""
    return md_code(text, table=False)


def lines(*texts: str) -> str:
    """Prose lines in one table cell."""
    return "<br>".join(md_text(text) for text in texts)


def table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A table of cells that are Markdown already (escaped by :func:`code` or :func:`lines`)."""
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return [*out, ""]


def note(text: str) -> list[str]:
    return [f"_{md_text(text)}_", ""] if text else []


def endpoint(stand_ins: StandInSection, endpoint: str) -> str:
    """An endpoint in a table cell; a stand-in says what it stands for."""
    meaning = stand_ins.of(endpoint)
    return code(endpoint) + (f"<br>{lines(stand_in_note(meaning))}" if meaning else "")


def legend(pairs: Iterable[tuple[str, str]], head: str = "Stand-ins") -> list[str]:
    """``_Stand-ins:_ `x`: what it stands for; ...`` under a matrix or a table."""
    items = [f"{item(name)}: {md_text(meaning)}" for name, meaning in pairs]
    return [f"_{md_text(head)}:_ " + "; ".join(items), ""] if items else []


def share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({round(100 * part / whole)}%)" if whole else "n/a"
