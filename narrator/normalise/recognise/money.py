"""Money: a currency symbol or code and an amount, with a magnitude, a range and a rate ("$5", "US$1.2
billion", "€3-4m", "$3.49/gal.", "EUR 20", "20 USD")."""
from __future__ import annotations

import re
from functools import cache

from ..scan import NUM, Scan, Token, fragments
from .measure import unit_key


@cache
def _patterns(dashes: str) -> dict[str, re.Pattern[str]]:
    f = fragments(dashes)
    return {
        "money": re.compile(
            rf"(?P<cur>{f.cur_sym})\s?(?P<num>{NUM})(?:[\s-]?(?P<mag>{f.mag})(?![A-Za-z])(?P<magdot>\.(?!\d))?)?"
            rf"(?:\s?{f.dash}\s?(?P<cur2>{f.cur_sym})?\s?(?P<num2>{NUM})(?:\s?(?P<mag2>{f.mag})(?![A-Za-z]))?)?"
            rf"(?:\s?/\s?(?P<per>{f.per}|{f.units})(?![A-Za-z])(?P<perdot>\.)?)?"),
        "code": re.compile(rf"(?P<cur>{f.cur_code})\s?(?P<num>{NUM})(?:\s?(?P<mag>{f.mag})(?![A-Za-z]))?"),
        "code_after": re.compile(
            rf"(?P<num>{NUM})(?:\s?(?P<mag>{f.mag}))?\s(?P<cur>{f.cur_code})(?![A-Za-z])"),
    }


def money(s: Scan, pos: int) -> Token | None:
    """A currency written before its amount, as a symbol or as letters."""
    if s.prev_char(pos).isalnum() or s.prev_char(pos) == "$":
        return None
    p = _patterns(s.var.range_dashes)
    m = s.match(p["money"], pos) or s.match(p["code"], pos)
    if not m:
        return None
    g = m.groupdict()
    if g["mag"] and len(g["mag"]) == 1 and not s.text[m.start("mag") - 1].isdecimal() and (
            s.next_char(m.end("mag")) == "-"):  # "a $5 T-shirt": a letter that starts a word
        return s.tok("money", pos, m.end("num"), cur=g["cur"], num=g["num"], mag=None)
    per = unit_key(s, g.get("per"))
    end, dot = m.end(), bool(g.get("perdot"))
    if dot and not (per in s.t.units and s.t.units[per].dot):
        end, dot = end - 1, False  # "$4/kg." : the full stop is the sentence's
    if g.get("magdot") and m.end("magdot") == m.end():  # "$1.4 bil. and": only "mil." and "bil."
        dot = g["mag"] in ("mil", "bil")
        if not dot:
            end -= 1  # "$5m.": the full stop is the sentence's
    return s.tok("money", pos, end, cur=g["cur"], num=g["num"], mag=g.get("mag"),
                 cur2=g.get("cur2"), num2=g.get("num2"), mag2=g.get("mag2"), per=per, dot=dot)


def code_after(s: Scan, pos: int) -> Token | None:
    """An amount, then a currency code ("20 USD", "1.5 million EUR")."""
    m = s.match(_patterns(s.var.range_dashes)["code_after"], pos)
    if m:
        return s.tok("money", pos, m.end(), cur=m["cur"], num=m["num"], mag=m["mag"])
    return None
