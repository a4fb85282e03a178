"""Numbers: cardinals and decimals ("1,200", "-3.5", "the 747s"), counts with a magnitude ("40M
borrowers", "2x faster"), ordinals ("21st"), fractions ("3/4", "1 1/2"), ranges, scores and ratios
("18-34", "1990-95", "3:1"), "49ers", and simple arithmetic ("2 + 2 = 4")."""
from __future__ import annotations

import re
from functools import cache

from ..data import tables
from ..scan import NUM, ORD, WORD_AFTER, Scan, Token, alt, fragments, plural_noun
from ..tokens import is_vulgar_fraction


@cache
def _patterns(dashes: str) -> dict[str, re.Pattern[str]]:
    f = fragments(dashes)
    t = tables()
    return {
        "number": re.compile(rf"(?P<sign>[-−+])?(?P<num>{NUM})"),
        "fraction": re.compile(r"(?P<sign>[-−])?(?:(?P<whole>\d{1,6})[\s-])?"
                               r"(?P<num>\d{1,6})[/⁄](?P<den>\d{1,6})(?P<suf>(?:th|rd|nd|st)s?|s)?(?![\w/]|\.\d)"),
        "math": re.compile(r"(?:[A-Za-z]|\d{1,9}(?:\.\d{1,9})?)(?:\s{0,3}[-+*/=×÷]\s{0,3}"
                           r"(?:[A-Za-z]|\d{1,9}(?:\.\d{1,9})?)){1,4}(?![\w.])"),
        "range": re.compile(rf"(?P<a>\d{{1,3}}(?:,\d{{3}}){{1,6}}|\d{{1,9}})(?P<dash>\s?{f.dash}\s?)"
                            r"(?P<b>\d{1,3}(?:,\d{3}){1,6}|\d{1,9})(?![\w-]|[.,/⁄]\d)"),
        "year_range": re.compile(rf"(?P<a>\d{{4}})(?:\s?(?P<dash>{f.dash})\s?|(?P<slash>/))"
                                 r"(?P<b>\d{4}|\d{2})(?![\w/-])"),
        "ordinal": re.compile(
            rf"(?P<n>\d{{1,3}}(?:,\d{{3}}){{1,6}}|\d{{1,9}})(?P<suf>{ORD}|ST|ND|RD|TH)(?P<pos>['’]s)?(?![A-Za-z])"),
        "ratio": re.compile(r"(?P<a>\d{1,3}):(?P<b>\d)(?![\d:]|[.,]\d)"),
        "times": re.compile(r"[x×](?=[\s,;.!?)])(?!\s?\d)"),
        # a magnitude against a bare count ("40M borrowers", "3bn people", "300K homes"); a lone m or b
        # is also a unit or a letter ("5m", "4b"), so they do not count (K after one digit: see count)
        "spaced_magnitude": re.compile(r"(?:bn|mn|tn)(?![\w.])"),  # no word, so also after a space
        # after a decimal, m and b are magnitudes too before a plural noun: "8.3m viewers", "1.2b people"
        # (a decimal of meters counts no viewers; integers name events: "the 400m hurdles")
        "decimal_magnitude": re.compile(r"[mb](?![\w.])"),
        # letters no unit, name or word shares: a magnitude whatever follows ("1.2bn worldwide."); not
        # "tn" and "mn", which also write tons and minutes ("a 40tn truck", "90mn")
        "sure_magnitude": re.compile(r"(?:bn|bln|mln)(?!\w|\.\w)"),
        "count_magnitude": re.compile(
            rf"(?:{alt(w for w, spoken in t.magnitudes.items() if w != spoken and w not in 'mb')})"
            r"(?![\w.])"),
    }


def _p(s: Scan) -> dict[str, re.Pattern[str]]:
    return _patterns(s.var.range_dashes)


def number(s: Scan, pos: int) -> Token | None:
    """A cardinal or a decimal, signed or not; with a vulgar fraction after it ("2½"); a plural of a
    number where the variety reads one ("the 747s")."""
    m = s.match(_p(s)["number"], pos)
    if not m:
        return None
    sign = m["sign"] or ""
    if sign and (s.prev_char(pos).isalnum() or s.prev_char(pos) in ".,"):
        return None
    end = m.end()
    num = m["num"]
    if num.endswith(".") or (num.startswith(".") and s.prev_char(pos).isdecimal()):
        return None
    if is_vulgar_fraction(s.next_char(end)) and num.isdecimal() and not sign:
        return s.tok("fraction", pos, end + 1, vulgar=s.text[end], whole=num)
    plural = s.next_char(end) == "s" and not s.next_char(end + 1).isalnum()
    if s.var.plural_numbers and plural and num.replace(",", "").isdecimal():
        return s.tok("cardinal", pos, end + 1, num=num, sign=sign, plural=True)  # "the 747s"
    return s.tok("cardinal" if "." not in num else "decimal", pos, end, num=num, sign=sign)


def agents(s: Scan, pos: int) -> Token | None:
    """A number with "ers": the people of that number, "the 49ers", "the 76ers" (read "forty
    niners", "seventy sixers"): a number's word takes the ending as any word does."""
    m = s.match(_p(s)["number"], pos)
    end = m.end() + 3 if m else 0
    if not m or m["sign"] or not m["num"].isdecimal() or s.text[m.end():end] != "ers":
        return None
    if s.next_char(end).isalnum() or end not in s.index:
        return None
    return s.tok("cardinal", pos, end, num=m["num"], sign="", agent=True)


def count(s: Scan, pos: int) -> Token | None:
    """A count with a magnitude, before a plural noun: "40M borrowers", "1.5bn people", "300K
    customers" ("3M said" and "Plan 2B" are names, so are "4K TVs" and "5K races"); a multiple:
    "2x faster", "a 10x zoom" ("4x4" is a size)."""
    p = _p(s)
    m = s.match(p["number"], pos)
    times = m and s.match(p["times"], m.end())
    if m and times:
        return s.tok("decimal", pos, times.end(), num=m["num"], sign=m["sign"] or "", said_after="times")
    if not m or m["sign"]:
        return None
    sure = s.match(p["sure_magnitude"], m.end())
    mag = sure or s.match(p["count_magnitude"], m.end())
    if not mag and s.text.startswith(" ", m.end()):
        mag = s.match(p["spaced_magnitude"], m.end() + 1)  # "1.3 bn people"
    if not mag and "." in m["num"]:
        mag = s.match(p["decimal_magnitude"], m.end())
    if not mag:
        return None
    if not sure:  # the others count only before a plural noun
        after = WORD_AFTER.match(s.text, mag.end(), mag.end() + 24)
        word = after[1] if after else ""
        if not plural_noun(word, s.t):
            return None  # "2.35m as the crowd cheered": a length
        if mag.group(0) in "kK" and len(m["num"]) == 1:
            return None  # one digit and K names a thing: "4K TVs", "5K races"; "300K customers" counts
    return s.tok("decimal", pos, mag.end(), num=m["num"], sign="", said_after=s.t.magnitudes[mag.group(0)])


def ordinal(s: Scan, pos: int) -> Token | None:
    """"21st", "3RD", "the 29th's game" (a straight or a typographic apostrophe)."""
    m = s.match(_p(s)["ordinal"], pos)
    if m:
        return s.tok("ordinal", pos, m.end(), n=m["n"], suffix=m["suf"].lower(), possessive=bool(m["pos"]))
    return None


def fraction(s: Scan, pos: int) -> Token | None:
    """"3/4", "1 1/2", "1-1/2", "2/3rds"; "2/22" is a date where the variety reads short numeric dates."""
    if s.prev_char(pos) in "/⁄.":
        return None
    m = s.match(_p(s)["fraction"], pos)
    if not m:
        return None
    num, den = int(m["num"]), int(m["den"])
    if den == 0:
        return None
    if (s.var.short_numeric_dates and m["whole"] is None and not m["suf"] and 1 <= num <= 12
            and 13 <= den <= 31):  # "2/22"
        return s.tok("date", pos, m.end(), month=num, day=den, year=None, order="mdy", style="numeric")
    return s.tok("fraction", pos, m.end(), whole=m["whole"], num=num, den=den, sign=m["sign"])


def ratio(s: Scan, pos: int) -> Token | None:
    """"3:1" (a clock always has two digits of minutes): a ratio or a score, said "three to one";
    after a name, a chapter and verse ("Psalm 23:1", said "twenty three one")."""
    m = s.match(_p(s)["ratio"], pos)
    if not m or s.prev_char(pos) == ":":
        return None
    before = re.search(r"([A-Za-z]+)\s$", s.text[max(0, pos - 24):pos])
    name = (before is not None and before[1][0].isupper()
            and before[1].lower() not in s.t.context["determiner"])
    return s.tok("range", pos, m.end(), kind="verse" if name else "ratio", a=m["a"], b=m["b"])


def year_range(s: Scan, pos: int) -> Token | None:
    """"1990-95", "2019–2021"; a season of two years, "2022/23"."""
    m = s.match(_p(s)["year_range"], pos)
    if not m or s.prev_char(pos) in "-–":
        return None
    a, b = int(m["a"]), m["b"]
    yb = int(b) if len(b) == 4 else a // 100 * 100 + int(b)
    if not (1000 <= a < 2100 and a < yb < 2100) or (m["slash"] and yb != a + 1):
        return None
    return s.tok("range", pos, m.end(), kind="year", a=m["a"], b=b)


def number_range(s: Scan, pos: int) -> Token | None:
    """Two bare numbers joined by a dash: a range ("ages 18-34") or a score ("24-17")."""
    if s.prev_char(pos) in "-–.,/":
        return None
    m = s.match(_p(s)["range"], pos)
    if not m or (m["dash"].strip() != m["dash"] and m["dash"][0] != m["dash"][-1]):
        return None
    return s.tok("range", pos, m.end(), kind="number", a=m["a"], b=m["b"])


def math(s: Scan, pos: int) -> Token | None:
    """An equation or a sum of two numbers ("2 + 2 = 4", "3 × 4")."""
    m = s.match(_p(s)["math"], pos)
    if not m:
        return None
    text = m.group(0)
    ops = re.findall(r"[-+*/=×÷]", text)
    if "=" not in ops and not re.fullmatch(r"\d+\s*[+*×÷]\s*\d+", text):
        return None
    return s.tok("math", pos, m.end())
