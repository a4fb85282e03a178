"""Telephone numbers (North American, international, spelled with letters, local with context) and IP
addresses (class electronic)."""
from __future__ import annotations

import re
from functools import cache

from ..scan import Scan, Token

_EXT = r"(?:,?\s(?:ext\.?|x|extension)\s?(?P<ext>\d{1,6}))?"


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    return {
        "nanp": re.compile(
            r"(?:(?P<cc>\+\d{1,3})[\s.-]?|(?P<one>1)-)?(?:\((?P<area>\d{3})\)|(?P<area2>\d{3}))[\s.-]?"
            rf"(?P<a>\d{{3}})[-.](?P<b>\d{{4}})(?:-(?P<x>\d{{1,4}}))?{_EXT}(?![\w-])"),
        "local": re.compile(rf"(?P<a>\d{{3}})-(?P<b>\d{{4}}){_EXT}(?![\w-])"),
        "ssn": re.compile(r"(?P<a>\d{3})-(?P<b>\d{2})-(?P<c>\d{4})(?![\w-])"),
        "words": re.compile(r"1-(?P<code>8\d\d)-(?P<rest>(?=[A-Z0-9-]{0,40}[A-Z])"
                            r"[A-Z0-9]{1,8}(?:-[A-Z0-9]{1,8}){0,5})(?![\w-])"),
        "intl": re.compile(r"\+(?P<cc>\d{1,3})(?P<rest>(?:[\s-]\d{2,8}){2,5})(?![\w-])"),
        "ip": re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?![\w.])"),
    }


def telephone(s: Scan, pos: int) -> Token | None:
    """"1-800-FLOWERS", "+1 800-555-0100", "(212) 555-0199 ext. 4", "+44 20 7946 0958", "555-0199"
    after a word that names a number."""
    if s.prev_char(pos) in "-/.":
        return None
    p = _patterns()
    m = s.match(p["words"], pos)
    if m:
        return s.tok("telephone", pos, m.end(), shape="words", code=m["code"], rest=m["rest"])
    m = s.match(p["nanp"], pos)  # before the international shape: "+1 800-555-0100"
    if m:
        groups = [m["area"] or m["area2"], m["a"], m["b"]] + ([m["x"]] if m["x"] else [])
        return s.tok("telephone", pos, m.end(), shape="nanp", cc=(m["cc"] or "").lstrip("+"),
                     one=bool(m["one"]), groups=groups, ext=m["ext"])
    m = s.match(p["intl"], pos) if s.text[pos] == "+" else None
    if m:
        groups = [g for g in re.split(r"[\s-]+", m["rest"]) if g]
        return s.tok("telephone", pos, m.end(), shape="intl", cc=m["cc"], groups=groups)
    m = s.match(p["ssn"], pos)
    if m:
        return s.tok("telephone", pos, m.end(), shape="groups", groups=[m["a"], m["b"], m["c"]])
    m = s.match(p["local"], pos)
    if m and (m["b"][0] == "0" or m["ext"] or _phone_context(s)):
        return s.tok("telephone", pos, m.end(), shape="nanp", cc="", one=False,
                     groups=[m["a"], m["b"]], ext=m["ext"])
    return None


def _phone_context(s: Scan) -> bool:
    """One of the last three words names a telephone number ("call", "hotline", "number")."""
    words = [t.text.lower() for t in s.out[-8:] if t.cls in ("plain", "abbreviation")][-3:]
    return any(w in s.t.context["phone"] for w in words)


def ip(s: Scan, pos: int) -> Token | None:
    """Four numbers below 256 joined by dots: an IP address."""
    if s.prev_char(pos) in ".":
        return None
    m = s.match(_patterns()["ip"], pos)
    if m and all(int(p) < 256 for p in m.group(0).split(".")):
        return s.tok("electronic", pos, m.end(), kind="ip")
    return None
