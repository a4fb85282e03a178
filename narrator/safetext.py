"""Text every consumer accepts: without the characters XML, WebVTT, HTML pages, databases and strict
JSON/UTF-8 readers refuse or show as garbage (controls, lone surrogates, noncharacters)."""
from __future__ import annotations

import re

SPACE = re.compile(r"[\s\u200b\ufeff]+")
"""A run of whitespace; the zero-width space and the BOM too: invisible, not words."""
_UNSAFE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\ufffd]")
"""What XML 1.0, WebVTT and strict JSON/UTF-8 consumers refuse: C0 and C1 controls (tab, line
feed, carriage return, vertical tab and form feed are whitespace: _BREAKS, _TABS, SPACE),
surrogates (a str can hold them lone, from JSON's "\\ud800" or a caller) and the Basic
Multilingual Plane's noncharacters; and U+FFFD, which a decoder or libxml2 leaves where it met
such a character (`&#xD800;`): nothing a listener can be read. NEL (U+0085) is a line break."""
_ASTRAL_TAIL = re.compile("[\U0001fffe-\U0010ffff]")
"""Where the other planes' noncharacters (U+1FFFE, U+1FFFF ... U+10FFFF) are; one character
class of 34 of them makes the regex engine test each character of a page one by one (a page
took 8 ms), a range it tests at once."""
_BREAKS = re.compile("[\r\x85\u2028\u2029]")
_TABS = re.compile("[\x0b\x0c]")  # vertical tab and form feed: whitespace, refused by XML


def _noncharacter(m: re.Match[str]) -> str:
    return "" if ord(m.group()) & 0xFFFE == 0xFFFE else m.group()


def remove_unsafe(text: str) -> str:
    """`text` without the unsafe characters (see _UNSAFE); whitespace left as it is."""
    return _ASTRAL_TAIL.sub(_noncharacter, _UNSAFE.sub("", text))


def has_unsafe(text: str) -> bool:
    """Whether `text` holds any character `remove_unsafe` would remove."""
    return remove_unsafe(text) != text


def strip_unsafe(text: str) -> str:
    """`text` without the characters XML, WebVTT and JSON consumers refuse (see _UNSAFE);
    every line break becomes "\\n", a vertical tab or form feed a space."""
    return remove_unsafe(_TABS.sub(" ", _BREAKS.sub("\n", text.replace("\r\n", "\n"))))


def one_line(text: str) -> str:
    """One line of safe text (a title, a name): unsafe characters removed, whitespace runs (line
    breaks too) made one space, none at either end."""
    return SPACE.sub(" ", remove_unsafe(text)).strip()


__all__ = ["SPACE", "has_unsafe", "one_line", "remove_unsafe", "strip_unsafe"]
