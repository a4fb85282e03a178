"""Words that are not read as written: abbreviations ("Gov.", "e.g.", "et al."), states ("Calif."),
months and weekdays abbreviated ("Sept.", "Fri"), letters ("FBI", "U.S.", "a.m.", "C. S. Lewis"),
roman numerals, and fixed expressions from the table ("w/o", "24/7")."""
from __future__ import annotations

import re
from functools import cache

from ..data import tables
from ..scan import Scan, Token
from .date import month_words

_INITIALS = re.compile(r"(?:[A-Z]\.\s){1,4}[A-Z]\.(?=\s[A-Z][a-z])")
_DOTTED = re.compile(r"[A-Za-z]{1,3}\.(?:[A-Za-z]\.){0,4}[A-Za-z]?\.?")  # "U.S.", "Ph.D."
_SPELLED = re.compile(r"(?:[A-Z]\.)+[A-Z]")
_COMMA_WORD = re.compile(r"(?:,\s|\s\()(\w+)")


@cache
def _fixed_longest_first() -> list[tuple[str, str]]:
    return sorted(tables().fixed.items(), key=lambda e: -len(e[0]))  # "w/o" before "w/"


def fixed(s: Scan, pos: int) -> Token | None:
    """An expression of the fixed table, written as it is listed ("w/o", "24/7", "No.")."""
    first = s.text[pos]
    for written, spoken in _fixed_longest_first():
        if written[0] != first or not s.text.startswith(written, pos):
            continue
        end = pos + len(written)
        if end not in s.index or (s.next_char(end).isalnum() and written[-1].isalnum()):
            continue
        if written[-1].isdecimal() and s.next_char(end) in "/-." and s.next_char(end + 1).isdecimal():
            continue  # "9/11/2001" is a date, "24/7/365" no "24/7"
        if s.prev_char(pos).isalnum() or s.prev_char(pos) in "/-":
            continue
        if written.isalpha() and written.isupper():  # a prefix before a year: "FY2025"
            continue
        return s.tok("fixed", pos, end, spoken=spoken)
    return None


def word(s: Scan, pos: int) -> Token | None:
    """A word atom that is an abbreviation, initials, a state, a weekday, a roman numeral or letters."""
    text = s.atoms[s.index[pos]].text
    end = pos + len(text)
    if text == "et" and s.text.startswith(" al.", end):
        return s.tok("abbreviation", pos, end + 4, written="et al.", dot=True)
    # initials of a name: "C. S. Lewis"
    initial = len(text) == 1 and text.isupper() and s.text.startswith(". ", end)
    if initial and s.var.join_initials:
        m = s.match(_INITIALS, pos)
        if m:
            return s.tok("letters", pos, m.end(), letters=re.sub(r"[.\s]", "", m.group(0)), kind="initials")
    # dotted forms: "U.S.", "e.g.", "a.m.", "N.Y.", "Gov."
    if s.next_char(end) == ".":
        tok = _dotted(s, pos, text)
        if tok:
            return tok
    if text in s.t.weekday_abbreviations and _before_date(s, end):  # "Fri, Sept. 9"
        return s.tok("abbreviation", pos, end, written=text, dot=False,
                     spoken=s.t.weekday_abbreviations[text])
    abbr = s.t.abbreviations.get(text)
    if abbr is not None and not s.prev_char(pos).isalnum():
        return s.tok("abbreviation", pos, end, written=text, dot=False)
    if text.isupper() and len(text) == 2 and text in s.t.postal_codes:
        return s.tok("state_code", pos, end)
    if all(ch in "IVXLCDM" for ch in text) and not s.next_char(end).isalnum():
        return s.tok("roman", pos, end)
    possessive = text[-2:] in ("'s", "’s") and len(text) > 3 and text[:-2].isupper()
    plural = text.endswith("s") and len(text) > 2 and text[:-1].isupper()
    if text.isupper() or possessive or plural:
        return s.tok("letters", pos, end)
    return None


def _dotted(s: Scan, pos: int, text: str) -> Token | None:
    """"U.S.", "e.g.", "a.m.", "D-N.Y." and table abbreviations with their dot."""
    m = s.match(_DOTTED, pos)
    written = m.group(0) if m else ""
    if s.prev_char(pos).isalnum():
        return None
    # longest table entry first: "a.k.a.", "e.g.", then "Gov."
    for cand in (written, written.rstrip(".") + "." if written else "", text + "."):
        if not cand:
            continue
        end = pos + len(cand)
        if end not in s.index or not s.text.startswith(cand, pos):
            continue
        if cand in s.t.abbreviations:
            return s.tok("abbreviation", pos, end, written=cand, dot=True)
        lower = cand[0].lower() + cand[1:]  # "E.g." opening a sentence is "e.g."
        if lower != cand and any(a.kind == "anywhere" for a in s.t.abbreviations.get(lower, ())):
            return s.tok("abbreviation", pos, end, written=lower, dot=True)
        if cand in s.t.states and (_after_place(s, pos) or s.next_char(end) == "-"
                                   or _after_word(s, ("in", "from", "across", "throughout"))):
            return s.tok("state", pos, end, state=s.t.states[cand], dot=True)
    if _SPELLED.fullmatch(written) and written.count(".") == 1:  # "U.S-led", "A.M": the normaliser's own
        letters = written.replace(".", "")
        kind = "ampm" if letters in ("AM", "PM") else "dotted"
        return s.tok("letters", pos, pos + len(written), letters=letters, dot=False, kind=kind)
    if written.count(".") >= 2 and len(written) <= 12:
        letters = written.replace(".", "")
        if letters.lower() in ("am", "pm"):
            return s.tok("letters", pos, pos + len(written), letters=letters.upper(), dot=True, kind="ampm")
        if letters.isalpha() and (letters.isupper() or len(letters) <= 3):
            if written.endswith("."):
                return s.tok("letters", pos, pos + len(written), letters=letters, dot=True, kind="dotted")
            if _SPELLED.fullmatch(written):  # "U.S-led", "E.P.A" as the normaliser writes it
                return s.tok("letters", pos, pos + len(written), letters=letters, dot=False, kind="dotted")
            return None
    end = pos + len(text)
    if text.lower() in s.t.month_abbreviations and text[0].isupper():
        return s.tok("month", pos, end + 1, month=s.t.month_abbreviations[text.lower()], dot=True)
    if text in s.t.weekday_abbreviations:
        return s.tok("abbreviation", pos, end + 1, written=text + ".", dot=True,
                     spoken=s.t.weekday_abbreviations[text])
    return None


def _before_date(s: Scan, end: int) -> bool:
    """", Sept. 9", ", 9 Sept." or " (2/22" follows: the word before it is a weekday."""
    m = _COMMA_WORD.match(s.text, end, end + 16)
    return m is not None and (m.group(1).isdecimal() or m.group(1).lower() in month_words())


def _after_place(s: Scan, pos: int) -> bool:
    """After "Place, " : a state abbreviation in a dateline or an address (or before a hyphen,
    "Calif.-based", tested by the caller)."""
    return s.text[max(0, pos - 2):pos] == ", " and pos > 2 and _last_word_capitalised(s)


def _after_word(s: Scan, words: tuple[str, ...]) -> bool:
    """The word before is one of `words` ("in N.C.": after a preposition of place, a state), or
    "and"/"or" after a state ("in N.C. and S.C.")."""
    before = [tok for tok in s.out[-4:] if tok.cls != "space"]
    if not before or before[-1].cls != "plain":
        return False
    last = before[-1].text.lower()
    return last in words or (last in ("and", "or") and len(before) > 1 and before[-2].cls == "state")


def _last_word_capitalised(s: Scan) -> bool:
    for tok in reversed(s.out[-4:]):
        if tok.cls in ("plain", "letters", "abbreviation"):
            return tok.text[:1].isupper()
    return False
