"""Symbols and punctuation: what a symbol says ("&", "+", "#5"), phonemes written in brackets (kept,
NeMo's special text), markup-like text, and the punctuation the voice phrases by."""
from __future__ import annotations

import re

from ..scan import Scan, Token

DASHES = "-‐‑‒–—―"
_BRACKETS = "[]"
_IPA = re.compile("[\u0250-\u02af\u02c8\u02cc\u0259\u025b\u0254\u026a\u028a]")
_ARPABET = re.compile(r"[A-Z]{1,2}[0-2]?(?:\s[A-Z]{1,2}[0-2]?){0,60}")
_TAG = re.compile(r"</?[A-Za-z]")


def _single_capitals(text: str, pos: int) -> bool:
    """The slash at `pos` stands between two single capital letters ("P/E")."""
    if not (0 < pos < len(text) - 1 and text[pos - 1].isupper() and text[pos + 1].isupper()):
        return False
    return (pos < 2 or not text[pos - 2].isalnum()) and (pos + 2 >= len(text) or not text[pos + 2].isalnum())


def _digit_at(text: str, pos: int) -> bool:
    """A decimal digit at `pos`."""
    return pos < len(text) and text[pos].isdecimal()


def special_bracket(s: Scan, pos: int) -> Token | None:
    """"[HH AH0 L OW1]", "[poʊstˌmɑɹk]": phonemes written in the text (NeMo's special text)
    are kept as written, without their brackets; any other bracket is dropped and its
    content read."""
    end = s.text.find("]", pos, pos + 200)
    if end == -1 or end + 1 not in s.index:
        return None
    inner = s.text[pos + 1:end]
    if "[" in inner or "\n" in inner or not inner.strip():
        return None
    if _IPA.search(inner) or (_ARPABET.fullmatch(inner.strip()) and any(c.isdigit() for c in inner)):
        return s.tok("special", pos, end + 1, inner=inner, keep=True)
    return None


def symbol(s: Scan, pos: int) -> Token:
    """A symbol atom no number class took: what it says, or punctuation, or dropped."""
    ch = s.text[pos]
    end = pos + 1
    if ch == "[":
        tok = special_bracket(s, pos)
        if tok:
            return tok
    if ch in _BRACKETS:
        return s.tok("drop", pos, end)
    if ch == "/" and s.prev_char(pos).isdecimal() and _digit_at(s.text, end):
        return s.tok("punct", pos, end, join=True)
    if ch == "/" and _single_capitals(s.text, pos):
        return s.tok("drop", pos, end)  # "P/E", "I/O": the letters only
    if ch == "<":
        close = s.text.find(">", pos, pos + 200)
        if close != -1 and "<" not in s.text[pos + 1:close] and "\n" not in s.text[pos:close] \
                and _TAG.match(s.text, pos) and close + 1 in s.index:
            return s.tok("special", pos, close + 1, keep=s.var.markup == "keep")
    for sym, spoken in s.t.long_symbols:  # "+/-", "§§": several atoms, one symbol
        if s.text.startswith(sym, pos) and pos + len(sym) in s.index:
            return s.tok("symbol", pos, pos + len(sym), spoken=spoken)
    nxt = s.next_char(end)
    before_number = nxt.isdecimal() or (nxt == "." and s.next_char(end + 1).isdecimal())
    if ch in s.t.symbols_before_number and before_number:
        return s.tok("symbol", pos, end, spoken=s.var.symbol(ch, s.t.symbols_before_number[ch]))
    if ch in s.t.symbols:
        return s.tok("symbol", pos, end, spoken=s.t.symbols[ch])
    if ch in DASHES or not ch.isalnum():
        return s.tok("punct", pos, end)
    return s.tok("plain", pos, end)
