"""Measures: an amount with a unit ("5 km", "12-inch", "3.5kg/m"), percentages ("5%", "3-4%"), inches
written with a double quote ('22"') and heights in feet and inches ("5'10\"")."""
from __future__ import annotations

import bisect
import re
from functools import cache

from ..scan import NUM, WORD_AFTER, Scan, Token, fragments


@cache
def _patterns(dashes: str) -> dict[str, re.Pattern[str]]:
    f = fragments(dashes)
    return {
        "measure": re.compile(
            rf"(?P<sign>[-−])?(?P<num>(?:{NUM})(?:\s\d{{1,3}}/\d{{1,3}})?|\d{{1,3}}/\d{{1,3}})"
            rf"(?:(?P<join>\s?{f.dash}\s?|\s?(?:x|×|by)\s?)(?P<num2>{NUM}))?"
            rf"(?P<space>\s?|-)(?P<unit>{f.units})(?P<unitdot>\.)?(?:/(?P<per>{f.units}|{f.per}))?(?![\w°])"),
        "percent": re.compile(rf"(?P<sign>[-−])?(?P<num>{NUM})(?:\s?{f.dash}\s?(?P<num2>{NUM}))?\s?%"),
        "height": re.compile(r"(?P<ft>\d{1,2})['′]\s?(?P<inch>\d{1,2})(?:\"|''|″|′′)(?![\w])"),
        "inches": re.compile(r"(?P<num>\d{1,4}(?:\.\d{1,3})?)\"(?![\w])"),
    }


def _p(s: Scan) -> dict[str, re.Pattern[str]]:
    return _patterns(s.var.range_dashes)


def unit_key(s: Scan, written: str | None) -> str | None:
    """The units.tsv key of a unit or period as matched: "KG" -> "kg" (see scan.fragments)."""
    if written is None or written in s.t.units or written in s.t.periods:
        return written
    return written.lower()


def measure(s: Scan, pos: int) -> Token | None:
    """An amount and its unit, a range or a size of two amounts ("3-5 km", "4 x 8 ft"), a unit per
    unit or period ("60 km/h", "5 mg/day")."""
    m = s.match(_p(s)["measure"], pos)
    if not m:
        return None
    if m["sign"] and s.prev_char(pos).isalnum():
        return None
    key = unit_key(s, m["unit"])
    assert key is not None  # the measure pattern always has a unit
    unit = s.t.units[key]
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
    if m["unit"] == "m" and m["space"] and after and (
            after.group(1).endswith("s") or after.group(1) in s.t.context["plural"]):
        return None  # "5 m people": rather million than meters
    return s.tok("measure", pos, end, sign=bool(m["sign"]), num=m["num"], join=m["join"],
                 num2=m["num2"], unit=key, per=unit_key(s, m["per"]), dot=dot, hyphen=m["space"] == "-")


def percent(s: Scan, pos: int) -> Token | None:
    """"5%", "-0.3%", "3-4%"."""
    m = s.match(_p(s)["percent"], pos)
    if not m or (m["sign"] and s.prev_char(pos).isalnum()):
        return None
    return s.tok("measure", pos, m.end(), sign=bool(m["sign"]), num=m["num"],
                 join="-" if m["num2"] else None, num2=m["num2"], unit="%", per=None, dot=False)


def inches(s: Scan, pos: int) -> Token | None:
    """'12"' is twelve inches when that '"' does not close or open a quotation (an odd count
    of quotes in the text, and an even count before it)."""
    m = s.match(_p(s)["inches"], pos)
    if not m:
        return None
    if s.quotes is None:
        s.quotes = [k for k, ch in enumerate(s.text) if ch == '"']
    before = bisect.bisect_left(s.quotes, m.end() - 1)
    if len(s.quotes) % 2 == 0 or before % 2:
        return None
    return s.tok("measure", pos, m.end(), sign=False, num=m["num"], join=None, num2=None,
                 unit="in", per=None, dot=False)


def height(s: Scan, pos: int) -> Token | None:
    """Feet and inches: "5'10\"", "6′2″"."""
    m = s.match(_p(s)["height"], pos)
    if m and int(m["inch"]) < 12:
        return s.tok("measure", pos, m.end(), sign=False, num=m["ft"], join=None, num2=None,
                     unit="ft", per=None, dot=False, inches=m["inch"])
    return None
