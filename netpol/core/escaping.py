"""Escaping by output format: text read from manifests stays data wherever netpol writes it.

Layer 0: pure functions, no netpol imports. Each takes any string and returns text that its format
reads as plain data. Characters that could hide or forge text (controls, bidi and other invisible
format characters, line separators, lone surrogates) are shown as ``\\x1b``, ``\\u202e``,
``\\U000e0041``, the same way in every format that people read. Backslashes are not doubled: an
escape is there to be seen, not decoded, and a Windows path stays readable.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["csv_cell", "md_code", "md_text", "mermaid", "terminal", "xml"]

# Cc: C0, DEL and C1 controls (ESC, and CSI U+009B, start terminal sequences). Cf: bidi controls
# (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C: "Trojan Source"), zero-width characters,
# tag characters. Zl/Zp: U+2028/U+2029 break lines. Cs: lone surrogates (from undecodable file
# names) cannot be encoded at all.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NONCHARACTERS = frozenset("\ufffe\uffff")  # not characters; XML 1.0 forbids them too
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _code(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    n = ord(ch)
    if n <= 0xFF:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n <= 0xFFFF else f"\\U{n:08x}"


def _visible(text: str, keep: str) -> str:
    """``text`` with every hidden character except those in ``keep`` shown as an escape."""
    if text.isprintable():  # False for every hidden character: the common case costs one scan
        return text
    return "".join(
        _code(ch)
        if ch not in keep and (unicodedata.category(ch) in _HIDDEN_CATEGORIES or ch in _NONCHARACTERS)
        else ch
        for ch in text
    )


def terminal(text: str, *, newlines: bool = False) -> str:
    """Text for a terminal: no escape sequence, bidi override or invisible character gets through.

    Tabs pass. Line feeds pass only with ``newlines=True`` (a multi-line message); by default a
    value stays on the line it is embedded in, so it cannot forge an output line of its own.
    """
    return _visible(text, "\t\n" if newlines else "\t")


def xml(text: str) -> str:
    """Text for an XML 1.0 element or attribute (ElementTree escapes ``<>&"`` itself).

    XML 1.0 allows only ``#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]``;
    ElementTree writes the others raw and the file no longer parses. They are shown escaped, as
    is what :func:`terminal` escapes (JUnit reports end up in logs and dashboards).
    """
    return _visible(text, "\t\n")


def md_code(text: str, *, table: bool = True) -> str:
    """A GitHub Markdown code span holding ``text`` literally ("" for an empty text).

    CommonMark: "A backtick string is a string of one or more backtick characters that is neither
    preceded nor followed by a backtick"; the span ends at the first backtick string as long as the
    opening one, so the fence is one backtick longer than the longest run inside. "If the resulting
    string both begins and ends with a space character, but does not consist entirely of space
    characters, a single space character is removed from the front and back", so a text that
    starts or ends with a backtick or a space is padded with one space on each side.

    Line breaks become spaces (a table row is one line). ``table``: ``|`` is written ``\\|``, which
    GitHub's table parser turns back into ``|`` before it reads the code span; outside a table the
    backslash would show, so list items pass ``table=False``.
    """
    text = _visible(_LINE_BREAKS.sub(" ", text), "\t")
    if not text:
        return ""
    if table:
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    if text.strip(" ") and (text[0] in "` " or text[-1] in "` "):
        text = f" {text} "
    return f"{fence}{text}{fence}"


_MD_TEXT = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "~": "\\~",
        "|": "\\|",
        "$": "\\$",
        # Entities, not backslashes, for what HTML reads: they also work inside an HTML block.
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
        # GitHub links @name after rendering, so an entity or a backslash would not stop it.
        "@": "@\u2060",
    }
)
# A link or an image needs "]" right before "(" (inline) or "[" (full or collapsed reference);
# a shortcut reference needs a definition at the start of a line, which no output of md_text
# can start. So "]" is escaped there only, and "shop/api[Deployment]" stays as it reads.
_LINK_CLOSE = re.compile(r"\](?=[(\[])")


def md_text(text: str) -> str:
    """``text`` as Markdown prose (a table cell, a list item) that renders literally.

    Emphasis, strikethrough, math, code, raw HTML, entities, links, ``|`` (a table cell) and
    @mentions are neutralised; line breaks become spaces. Callers must not follow it with ``(``.
    """
    text = _visible(_LINE_BREAKS.sub(" ", text), "\t")
    return _LINK_CLOSE.sub(r"\\]", text.translate(_MD_TEXT))


# OWASP, "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection): "ensure that no
# cells begin with any of the following characters: Equals to (=), Plus (+), Minus (-), At (@),
# Tab (0x09), Carriage return (0x0D)"; a cell that does is prefixed with a single quote, which
# spreadsheets read as "this is text". (Quoting fields and doubling '"' is the csv module's job.)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SURROGATE = re.compile("[\ud800-\udfff]")


def csv_cell(text: str) -> str:
    """A CSV cell that a spreadsheet cannot run as a formula, and that a terminal showing the
    CSV (``netpol list -o csv``) shows as it is: hidden characters as escapes, line breaks kept
    (the csv module quotes the cell)."""
    text = _visible(text, "\t\n")
    return "'" + text if text.startswith(_FORMULA_START) else text


_MERMAID = str.maketrans(
    {
        "#": "#35;",
        '"': "#quot;",
        "<": "#lt;",
        ">": "#gt;",
        "&": "#amp;",
        "|": "#124;",
        "`": "#96;",
    }
)


def mermaid(text: str) -> str:
    """Text inside a double-quoted Mermaid label, with Mermaid's ``#name;`` entity codes.

    ``"`` cannot end the label, ``|`` an edge label, a line break the statement (so no ``click``
    or ``style`` line can follow); ``<>&`` are no HTML, a backtick no Markdown string.
    """
    return _visible(text, "").translate(_MERMAID)
