"""Measures: an amount with a unit ("5 km", "12-inch", "3.5kg/m"), percentages ("5%", "3-4%"), inches
written with a double quote ('22"') and heights in feet and inches ("5'10\"")."""
from __future__ import annotations

import re
from functools import cache

from ..data import tables
from ..scan import NUM, WORD_AFTER, Scan, Token, alt, fragments, plural_noun


@cache
def _patterns(dashes: str) -> dict[str, re.Pattern[str]]:
    f = fragments(dashes)
    return {
        "measure": re.compile(
            rf"(?P<sign>[-−])?(?P<num>(?:{NUM})(?:[\s-]\d{{1,3}}/\d{{1,3}})?|\d{{1,3}}/\d{{1,3}})"
            rf"(?:(?P<join>\s?{f.dash}\s?|\s?(?:x|×|by)\s?)(?P<num2>{NUM}))?"
            rf"(?:\s?(?P<mag>{_magnitude_words()})(?=\s))?"
            rf"(?P<space>\s?|-)(?P<unit>{f.units})(?P<unitdot>\.)?(?:/(?P<per>{f.units}|{f.per}))?(?![\w°])"),
        "percent": re.compile(rf"(?P<sign>[-−])?(?P<num>{NUM})(?:\s?{f.dash}\s?(?P<num2>{NUM}))?\s?%"),
        "height": re.compile(r"(?P<ft>\d{1,2})['′]\s?(?P<inch>\d{1,2})(?:\"|''|″|′′)(?![\w])"),
        "inches": re.compile(r"(?P<num>\d{1,4}(?:\.\d{1,3})?)(?P<mark>\"|”|″|′′)(?![\w])"),
    }


@cache
def _magnitude_words() -> str:
    """The magnitudes written as words or as letters no unit has ("million", "bn", "lakh"): "100
    million kg", "1.5bn tonnes"."""
    t = tables()
    return alt(w for w in t.magnitudes if w.islower() and len(w) >= 2 and w not in t.units)


def _p(s: Scan) -> dict[str, re.Pattern[str]]:
    return _patterns(s.var.range_dashes)


def unit_key(s: Scan, written: str | None) -> str | None:
    """The units.tsv key of a unit or period as matched: "KG" -> "kg" (see scan.fragments)."""
    if written is None or written in s.t.units or written in s.t.periods:
        return written
    return written.lower()


def measure(s: Scan, pos: int) -> Token | None:
    """An amount and its unit, a range or a size of two amounts ("3-5 km", "4 x 8 ft"), a unit per
    unit or period ("60 km/h", "5 mg/day"), a magnitude between them ("100 million kg")."""
    m = s.match(_p(s)["measure"], pos)
    if not m:
        return None
    if m["sign"] and s.prev_char(pos).isalnum():
        return None
    written = m["unit"]
    if written not in s.t.units and sum(c.isupper() for c in written) >= 2 and not written.isupper():
        return None  # an initialism's plural ("25 HRs" are home runs); "KM", "HRS" and "Tbsp" are units
    key = unit_key(s, m["unit"])
    assert key is not None  # the measure pattern always has a unit
    unit = s.t.units[key]
    if unit.decimal and "." not in m["num"]:
        return None
    end = m.end()
    dot = bool(m["unitdot"])
    if dot and not unit.dot:
        end -= 1  # "5 m." : the full stop is the sentence's
        dot = False
        if end not in s.index:
            return None
    if unit.attached and m["space"] and not dot and (unit.word or not s.var.spaced_units):
        return None
    if m["space"] == "-" and (unit.word or unit.attached) and not dot:
        return None  # "a 12-km race", "a 2-in. pipe"; but not "3-in-1", "4-H"
    after = WORD_AFTER.match(s.text, end, end + 24)
    if m["unit"] == "m" and (m["space"] or "." in m["num"] and not m["join"]) and after and \
            plural_noun(after.group(1), s.t):
        return None  # "5 m people", "8.3m viewers": a count; "2.35m as the crowd cheered" is a length
    return s.tok("measure", pos, end, sign=bool(m["sign"]), num=m["num"], join=m["join"],
                 num2=m["num2"], unit=key, per=unit_key(s, m["per"]), dot=dot, hyphen=m["space"] == "-",
                 mag=m["mag"])


def percent(s: Scan, pos: int) -> Token | None:
    """"5%", "-0.3%", "3-4%"."""
    m = s.match(_p(s)["percent"], pos)
    if not m or (m["sign"] and s.prev_char(pos).isalnum()):
        return None
    return s.tok("measure", pos, m.end(), sign=bool(m["sign"]), num=m["num"],
                 join="-" if m["num2"] else None, num2=m["num2"], unit="%", per=None, dot=False)


def inches(s: Scan, pos: int) -> Token | None:
    """'22"' is twenty-two inches unless that '"' closes a quotation (inch_marks); so is '22”' unless
    it closes a “quotation” (_curly_inch_mark); a double prime ('22″') always is."""
    m = s.match(_p(s)["inches"], pos)
    if not m:
        return None
    mark = m["mark"]
    if mark == '"':
        if s.quotes is None:
            s.quotes = inch_marks(s.text)
        if m.end() - 1 not in s.quotes:
            return None
    elif mark == "”" and not _curly_inch_mark(s.text, m.start("mark")):
        return None
    return s.tok("measure", pos, m.end(), sign=False, num=m["num"], join=None, num2=None,
                 unit="in", per=None, dot=False)


_AFTER_DIGITS = re.compile(r"(?<=\d)\"")


def _curly_inch_mark(text: str, k: int) -> bool:
    """Whether the closing quote at `k` (after digits) is an inch mark: no “quotation” is open there,
    or the open one closes later, before another opens ('a 27” screen', '“buy the 40” set” today')."""
    if text.rfind("“", 0, k) <= text.rfind("”", 0, k):
        return True
    closes, opens = text.find("”", k + 1), text.find("“", k + 1)
    return closes != -1 and (opens == -1 or closes < opens)



def inch_marks(text: str) -> list[int]:
    """Offsets of the straight double quotes that are inch marks: a '"' after digits, unless it
    closes a quotation. Each other '"' opens a quotation (after a space or an opening bracket, before
    a word) or closes one, in one pass: a '"' after digits inside a quotation closes it only when no
    other quote could ('the "22" model"' keeps both; 'a 22" TV and a 27" one' has no quotation, and
    'he said "buy the 40" set" today' closes on the last)."""
    quotes = [k for k, ch in enumerate(text) if ch == '"']
    marks: list[int] = []
    open_at: int | None = None
    for n, k in enumerate(quotes):
        before = text[k - 1] if k else " "
        after = text[k + 1] if k + 1 < len(text) else " "
        if _AFTER_DIGITS.match(text, k):
            if open_at is None:
                marks.append(k)
                continue
            later = quotes[n + 1] if n + 1 < len(quotes) else None
            closing_later = later is not None and not text[later - 1].isspace() and (
                later + 1 >= len(text) or not text[later + 1].isalnum())
            if closing_later and not (before.isdecimal() and text[open_at + 1:k].strip().isdecimal()):
                marks.append(k)  # the quotation closes later; this is an inch mark inside it
                continue
            open_at = None
            continue
        if open_at is None and (before.isspace() or before in "([{—–-") and not after.isspace():
            open_at = k
        else:
            open_at = None
    return marks


def height(s: Scan, pos: int) -> Token | None:
    """Feet and inches: "5'10\"", "6′2″"."""
    m = s.match(_p(s)["height"], pos)
    if m and int(m["inch"]) < 12:
        return s.tok("measure", pos, m.end(), sign=False, num=m["ft"], join=None, num2=None,
                     unit="ft", per=None, dot=False, inches=m["inch"])
    return None
