"""Dates: numeric ("2025-03-15", "3/15/2025"), with month names ("Oct. 15, 2025", "15 March",
"Aug. 12-18", "May 2019"), quarters ("Q3 2025", "3Q24"), fiscal prefixes ("FY2025"), eras ("300 BC",
"AD 79") and decades ("the 1960s", "the '80s")."""
from __future__ import annotations

import re
from functools import cache

from ..data import tables
from ..scan import ORD, Scan, Token, fragments


@cache
def _patterns(dashes: str) -> dict[str, re.Pattern[str]]:
    f = fragments(dashes)
    month = f.month
    return {
        "iso": re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<mo>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\w/-])"),
        "num": re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\w/-])"),
        "dmy": re.compile(
            rf"(?P<d>\d{{1,2}}){ORD}?(?:\s?{f.dash}\s?(?P<d2>\d{{1,2}}){ORD}?)?\s+(?:of\s+)?(?P<mon>{month})"
            rf"(?:(?P<sep>,?\s+)(?P<y>\d{{4}})(?!\d))?"),
        "mdy": re.compile(
            rf"(?P<mon>{month})\s+(?P<d>\d{{1,2}})(?P<ord>{ORD})?(?![\d:])"
            rf"(?:(?P<dash>\s?{f.dash}\s?)(?P<d2>\d{{1,2}})(?P<ord2>{ORD})?(?![\d:]))?"
            rf"(?:(?P<sep>,?\s+|,)(?P<y>\d{{4}})(?![\d:]))?(?![\w,.]\d)"),
        "my": re.compile(rf"(?P<mon>{month})(?P<sep>,?\s+)(?P<y>\d{{4}})(?![\d:])"),
        "dash": re.compile(rf"(?P<mon>{month})-(?P<d>\d{{1,2}})-(?P<y>\d{{4}})(?!\d)"),
        "quarter": re.compile(r"(?P<q>[1-4])Q(?P<y>\d{2}|\d{4})(?![\w])"),
        "q_year": re.compile(r"Q(?P<q>[1-4])(?:\s(?P<y>\d{4}))?(?![\w])"),
        "prefix_year": re.compile(r"(?P<pre>[A-Z]{2})\s?(?P<y>\d{4}|\d{2})(?!\d)"),
        "era_after": re.compile(r"(?P<y>\d{1,4})\s?(?P<era>A\.D\.?|B\.C\.E\.?|B\.C\.?|C\.E\.?|AD|BCE|BC|CE)"
                                r"(?![\w])"),
        "era_before": re.compile(r"(?P<era>A\.D\.|AD)\s?(?P<y>\d{1,4})(?![\w.,]\d)(?!\d)"),
        "decade": re.compile(r"(?P<full>(?:1\d|20)\d0|[1-9]0)"
                             r"(?:(?P<apos>\s?['’‘`´])|(?<=\d{4})(?P<space>\s))?s(?![\w'’])"),
        "decade_short": re.compile(r"['’‘`´]\s?(?P<short>\d0)(?:\s?['’])?s(?![\w])"),
        "year_short": re.compile(r"['’‘`´](?P<yy>\d{2})(?![\w'’‘`´%]|[.,:/\-–—]?\d)"),

    }


def _p(s: Scan) -> dict[str, re.Pattern[str]]:
    return _patterns(s.var.range_dashes)


@cache
def month_words() -> frozenset[str]:
    """Month names and abbreviations in lower case: the words a date may start with."""
    t = tables()
    return frozenset({m.lower() for m in t.months} | set(t.month_abbreviations))


def numeric(s: Scan, pos: int) -> Token | None:
    """"2025-03-15", "3/15/2025", "15.03.21" (in the variety's order unless the first number is above 12)."""
    if s.prev_char(pos) in "/.-" or s.prev_char(pos).isalnum():
        return None
    m = s.match(_p(s)["iso"], pos)
    if m and 1 <= int(m["mo"]) <= 12 and 1 <= int(m["d"]) <= 31:
        return s.tok("date", pos, m.end(), month=int(m["mo"]), day=int(m["d"]), year=m["y"],
                     order="mdy", style="numeric")
    m = s.match(_p(s)["num"], pos)
    if m and not (m["sep"] == "." and len(m["y"]) == 2):
        a, b = int(m["a"]), int(m["b"])
        order = s.var.numeric_dates
        if (a if order == "mdy" else b) > 12:  # "15/03/2021": a first number above 12 is the day
            order = "dmy" if order == "mdy" else "mdy"
        mo, d = (b, a) if order == "dmy" else (a, b)
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return s.tok("date", pos, m.end(), month=mo, day=d, year=m["y"], order=order, style="numeric")
    return None


def day_month(s: Scan, pos: int) -> Token | None:
    """"15 March", "3rd of May 2024", "18-24 November"."""
    m = s.match(_p(s)["dmy"], pos)
    if not m:
        return None
    month = _month(s, m["mon"], bool(m["y"]), day_first=True)
    d2 = int(m["d2"]) if m["d2"] else None
    if month is None or not 1 <= int(m["d"]) <= 31 or (d2 is not None and not int(m["d"]) < d2 <= 31):
        return None
    return s.tok("date", pos, m.end(), month=month, day=int(m["d"]), day2=d2, year=m["y"], order="dmy",
                 comma="," in (m["sep"] or ""), style="words")


def _month(s: Scan, written: str, with_year: bool, day_first: bool = False) -> int | None:
    """The month a written month name or abbreviation stands for, where it is one: a lower-case
    "may" ("we may 3"), a lower-case "march" after a day ("3 march"), or a dotless lower-case
    abbreviation is a month only with a year (or, in NeMo's conventions, before a day too:
    "dec 31")."""
    key = written.rstrip(".").lower()
    names = [m.lower() for m in s.t.months]
    number = names.index(key) + 1 if key in names else s.t.month_abbreviations.get(key)
    if number is None:
        return None
    if written[0].islower() and not with_year:
        if key == "may" or (key == "march" and day_first) or (
                key in s.t.month_abbreviations and not written.endswith(".")
                and not (s.var.lowercase_month_abbreviations and not day_first)):
            return None
    return number


def month_first(s: Scan, pos: int) -> Token | None:
    """Dates that start with the month: "Jan. 6", "Oct. 15, 2025", "Aug. 12-18", "May 2019"."""
    p = _p(s)
    m = s.match(p["dash"], pos)
    if m:
        month = _month(s, m["mon"], True)
        if month:
            return s.tok("date", pos, m.end(), month=month, day=int(m["d"]), year=m["y"], order="mdy",
                         style="words")
    m = s.match(p["mdy"], pos)
    if m:
        month = _month(s, m["mon"], bool(m["y"]))
        d = int(m["d"])
        d2 = int(m["d2"]) if m["d2"] else None
        if month and 1 <= d <= 31 and (d2 is None or d < d2 <= 31):
            return s.tok("date", pos, m.end(), month=month, day=d, day2=d2, year=m["y"], order="mdy",
                         comma="," in (m["sep"] or ""), style="words")
    m = s.match(p["my"], pos)
    if m:
        month = _month(s, m["mon"], True)
        if month and (m["mon"][0].isupper() or m["mon"].lower() not in ("may", "march")):
            return s.tok("date", pos, m.end(), month=month, day=None, year=m["y"], order="my",
                         comma="," in m["sep"], style="words")
    return None


def quarter(s: Scan, pos: int) -> Token | None:
    """"3Q24": the third quarter of 2024."""
    m = s.match(_p(s)["quarter"], pos)
    if m:
        return s.tok("date", pos, m.end(), quarter=int(m["q"]), year=m["y"], style="quarter")
    return None


def q_year(s: Scan, pos: int) -> Token | None:
    """"Q3 2025"."""
    m = s.match(_p(s)["q_year"], pos)
    if m and m["y"]:
        return s.tok("date", pos, m.end(), quarter=int(m["q"]), year=m["y"], style="quarter")
    return None


def prefix_year(s: Scan, pos: int) -> Token | None:
    """A year after a prefix in capitals that the fixed expressions say ("FY2025")."""
    word = s.atoms[s.index[pos]].text
    m = s.match(_p(s)["prefix_year"], pos) if word.isupper() and word in s.t.fixed else None
    if m and m["pre"] == word:
        return s.tok("date", pos, m.end(), prefix=s.t.fixed[word], year=m["y"], style="prefix")
    return None


def era_after(s: Scan, pos: int) -> Token | None:
    """"300 BC", "79 A.D."."""
    m = s.match(_p(s)["era_after"], pos)
    if m:
        era = m["era"]
        if era.endswith(".") and era.replace(".", "") not in ("AD", "BC", "BCE", "CE"):
            return None
        return s.tok("date", pos, m.end(), year=m["y"], era=era.replace(".", ""), style="era",
                     dot=era.endswith("."))
    return None


def era_before(s: Scan, pos: int) -> Token | None:
    """"AD 79", "A.D. 1066"."""
    m = s.match(_p(s)["era_before"], pos)
    if m:
        return s.tok("date", pos, m.end(), year=m["y"], era="AD", style="era_before")
    return None


def decade(s: Scan, pos: int) -> Token | None:
    """"the 1960s", "the 80s" ("80's", "1980 ’s" and "1980 s" where the variety reads them so)."""
    m = s.match(_p(s)["decade"], pos)
    if not m or ((m["apos"] or m["space"]) and not s.var.decade_apostrophe):
        return None
    return s.tok("decade", pos, m.end(), value=int(m["full"]))


_QUOTE = re.compile(r"(?<![A-Za-z])['’‘`´]|['’‘`´](?![A-Za-z])")
"""A single quote that is no apostrophe inside a word ("don't")."""


def _opens_quotation(text: str, end: int) -> bool:
    """Whether, after a quote and digits ending at `end`, the next single quote within 40 characters
    on the line closes a quotation (it follows a non-space), rather than opening another or none."""
    stop = text.find("\n", end, end + 40)
    found = _QUOTE.search(text, end, stop if stop >= 0 else end + 40)
    return found is not None and not text[found.start() - 1].isspace()


def year_short(s: Scan, pos: int) -> Token | None:
    """"in '03", "the '98 season": a year by its last two digits after an apostrophe, "oh three",
    "ninety eight" (not inside a word, not a number in single quotes: "'42'"; "'00" is left as written,
    said both "oh oh" and "two thousand")."""
    if s.prev_char(pos).isalnum():
        return None
    p = _p(s)
    m = s.match(p["year_short"], pos)
    if m and _opens_quotation(s.text, m.end()):
        return None  # "he said '50 mph' was safe": the quote opens a quotation
    if m and m["yy"] != "00":
        return s.tok("cardinal", pos, m.end(), num=m["yy"], sign="", reading="short_year")
    return None


def decade_short(s: Scan, pos: int) -> Token | None:
    """"the '80s", "the ‘80s" (an opening quote typed for the apostrophe), "the ' 80s"."""
    m = s.match(_p(s)["decade_short"], pos)
    if m:
        return s.tok("decade", pos, m.end(), value=int(m["short"]), short=True)
    return None
