"""Codes: alphanumeric chains ("COVID-19", "F-35", "B2B", "PM2.5"), versions ("17.4.1"), legal
sections ("501(c)(3)") and market codes of news wires ("(.DJI)", "EUR=", "LCOc1", "<AAPL.O>")."""
from __future__ import annotations

import re

from ..scan import Scan, Token
from ..tokens import NUM, WORD, Atom

_VERSION = re.compile(r"\d{1,4}(?:\.\d{1,4}){2,3}(?!\w|\.\d)")
_INSTRUMENT = re.compile(
    r"<?(?:\.[A-Z][A-Z0-9]{1,7}"  # an index: ".DJI", ".N225"
    r"|[A-Z0-9]{2,10}=[A-Z0-9]{0,4}"  # a currency or a rate: "EUR=", "JPY=EBS", "US10YT=RR"
    r"|=[A-Z][A-Z0-9]{1,7}"  # a composite or an index: "=USD"
    r"|[A-Z]{1,5}c\d{1,2}"  # a continuous futures contract: "LCOc1", "CLc1"
    r"|[A-Z0-9]{1,6}\.(?:[A-Z]{1,2}|OQ))>?(?![\w.=])")  # a share and its exchange: "AAPL.O", "VOD.L"
"""Market codes as news wires print them (Reuters instrument codes), in brackets or not. A share's
code ("AAPL.O") counts only in brackets: "U.S" has the same shape."""
_SECTION = re.compile(r"(?P<n>\d{3})\((?P<a>[a-z])\)(?:\((?P<b>[0-9a-z]{1,2})\))?")


def version(s: Scan, pos: int) -> Token | None:
    """Three or four numbers joined by dots that are no address nor date: a version ("iOS
    17.4.1" -> "seventeen point four point one")."""
    if s.prev_char(pos) in ".":
        return None
    m = s.match(_VERSION, pos)
    if m:
        return s.tok("serial", pos, m.end(), kind="version", parts=m.group(0).split("."))
    return None


def instrument(s: Scan, pos: int) -> Token | None:
    """A market code ("(.DJI)", "(EUR=)", "LCOc1", "<AAPL.O>"): no word of it is said as one (not
    "E U R equals"); context.py leaves it out in brackets and spells it elsewhere."""
    m = s.match(_INSTRUMENT, pos)
    if not m:
        return None
    code = m.group(0)
    angled = code.startswith("<")
    if angled != code.endswith(">"):
        return None
    bare = code.strip("<>")
    if bare.startswith("=") and s.prev_char(pos).isalnum():
        return None  # "x=ABC" is no code
    share = "." in bare and not bare.startswith(".")
    if share and not (angled or (s.prev_char(pos) == "(" and s.next_char(m.end()) == ")")):
        return None
    return s.tok("instrument", pos, m.end(), code=bare, angled=angled)


def section(s: Scan, pos: int) -> Token | None:
    """"501(c)(3)"."""
    m = s.match(_SECTION, pos)
    if m:
        return s.tok("serial", pos, m.end(), kind="section", n=m["n"], a=m["a"], b=m["b"])
    return None


def chain(s: Scan, pos: int) -> Token | None:
    """A chain of up to 8 hyphenated parts, each of letters and digits (up to 6 runs), with
    letters and digits somewhere in it. A chain of numbers and long lower-case words is a
    compound adjective ("45-year-old", "mid-2023"), not a code."""
    k = s.index[pos]
    atoms = s.atoms
    parts: list[list[Atom]] = [[]]
    while k < len(atoms):
        a = atoms[k]
        if a.kind in (WORD, NUM) and len(parts[-1]) < 6:
            decimal = a.kind == NUM and parts[-1] and _decimal_after(s, k)
            if decimal:  # "PM2.5", "v1.5": the number's decimals belong to it
                a = Atom(NUM, s.text[a.start:atoms[k + 2].end], a.start, atoms[k + 2].end)
                k += 2
            parts[-1].append(a)
            k += 1
        elif (a.text == "-" and parts[-1] and len(parts) < 8 and k + 1 < len(atoms)
              and atoms[k + 1].kind in (WORD, NUM)):
            parts.append([])
            k += 1
        else:
            break
    if not parts[-1]:
        parts.pop()
    end = parts[-1][-1].end
    flat = [a for p in parts for a in p]
    if not any(a.kind == WORD for a in flat) or not any(a.kind == NUM for a in flat):
        return None
    mixed = any(_code_part(s, p) for p in parts)
    plural = len(parts[-1]) == 2 and parts[-1][1].text == "s" and parts[-1][0].kind == NUM
    if any(len(p) > 1 and not _code_part(s, p) for p in parts[:-1] if not plural) or (
            len(parts[-1]) > 1 and not _code_part(s, parts[-1]) and not (plural and len(parts) > 1)):
        return None  # "mid-1980s", "11th-grade", "5km-long": a number with its own ending
    if not mixed:
        words = [p[0].text for p in parts if p[0].kind == WORD]
        compound = all(w.islower() and len(w) >= 3 for w in words)
        if compound:
            return None
    return s.tok("serial", pos, end, kind="chain", parts=[[a.text for a in p] for p in parts])


def _decimal_after(s: Scan, k: int) -> bool:
    """Atom k (digits) has decimals: ".", digits, then no further "." and digits (a version)."""
    atoms = s.atoms
    if k + 2 >= len(atoms) or atoms[k + 1].text != "." or atoms[k + 2].kind != NUM:
        return False
    return not (k + 4 < len(atoms) and atoms[k + 3].text == "." and atoms[k + 4].kind == NUM)


def _code_part(s: Scan, part: list[Atom]) -> bool:
    """Letters and digits mixed in a way no other class reads: not a number with an ordinal
    or decade ending ("11th", "1960s") nor a number with a unit ("5km")."""
    if len(part) < 2:
        return False
    if len(part) == 2 and part[0].kind == NUM:
        suffix = part[1].text
        return suffix.lower() not in ("st", "nd", "rd", "th", "s") and suffix not in s.t.units
    return True
