"""Normalise stage: make written text speakable (what the voice says, not what is shown).

English text goes through ordered rule passes (special text, e-mail and web addresses,
telephone numbers, addresses, money, times, dates, measures, ranges, fractions, ordinals,
abbreviations, serial codes, plain numbers, roman numerals, acronyms, symbols). Each pass
replaces what it recognises by its spoken form and protects that form from later passes;
the word lists live in narrator/normalise_data.py. The spoken forms follow the conventions of
NVIDIA NeMo's English test cases (the corpus we are scored on) where a newsreader would agree;
bench/RESULTS.md lists where we deliberately read it otherwise ("2-5" -> "two to five").
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from . import normalise_data as D
from .lexicon import EMPTY, Lexicon, load_lexicon
from .model import Script

_SPACE = re.compile(r"\s+")
# Emoji, pictographs, dingbats, variation selectors and joiners: engines read them by name
# (Piper says "studio microphone" for the seed's microphone emoji).
_PICTO = re.compile(
    "[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)
# Decorative punctuation read aloud by some engines.
_DECOR = re.compile("[\u2022\u25cf\u25aa\u25a0\u25ba\u2023\u2043\u2219\u00b7]")


def _speakable_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return not (cat == "So" or cat == "Cn" or cat == "Co" or cat == "Cs")


# --- number words ------------------------------------------------------------------------------

def _below_1000(n: int, and_: bool) -> str:
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(f"{D.ONES[hundreds]} hundred")
        if rest and and_:
            words.append("and")
    if rest:
        if rest < 20:
            words.append(D.ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            words.append(D.TENS[tens] + (f" {D.ONES[ones]}" if ones else ""))
    return " ".join(words)


def cardinal(n: int, and_: bool = True) -> str:
    """Number words for an integer: 123 -> 'one hundred and twenty three' (and_=False drops 'and').

    The British 'and' goes only inside the last group of three digits, and after 'thousand' when
    the last group is below a hundred (18052 -> 'eighteen thousand and fifty two').
    """
    if n < 0:
        return "minus " + cardinal(-n, and_)
    if n == 0:
        return "zero"
    groups = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    if len(groups) > len(D.SCALES):
        return digits(str(sum(g * 1000 ** i for i, g in enumerate(groups))))
    words = []
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if not g:
            continue
        if i == 0 and and_ and g < 100 and len(groups) > 1 and groups[1]:
            words.append("and")
        words.append(_below_1000(g, and_ and i == 0))
        if i:
            words.append(D.SCALES[i])
    return " ".join(words)


def ordinal(n: int) -> str:
    """Ordinal words: 21 -> 'twenty first', 1000 -> 'one thousandth' (no 'and', NeMo's habit)."""
    words = cardinal(n, and_=False).split()
    last = words[-1]
    if last in D.ORDINAL_WORDS:
        words[-1] = D.ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def digits(s: str) -> str:
    """Digit by digit: '004' -> 'zero zero four'."""
    return " ".join(D.ONES[int(c)] for c in s if c.isdigit())


def year(n: int) -> str:
    """A year as said: 1994 -> 'nineteen ninety four', 2006 -> 'two thousand six', 340 -> 'three forty'."""
    if n < 100:
        return cardinal(n)
    if 2000 <= n < 2010 or n % 1000 == 0:
        return cardinal(n, and_=False)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return f"{cardinal(hi)} hundred"
    if lo < 10:
        return f"{cardinal(hi)} oh {D.ONES[lo]}"
    return f"{cardinal(hi)} {cardinal(lo)}"


def decimal(int_part: str, frac: str, and_: bool = True) -> str:
    """'12', '05' -> 'twelve point zero five'; an empty integer part says just 'point ...'."""
    head = cardinal(int(int_part.replace(",", "")), and_) + " " if int_part else ""
    return f"{head}point {digits(frac)}"


def number(s: str, and_: bool = True) -> str:
    """A written number (commas, decimals, sign) as a cardinal or decimal, never as a year."""
    s = s.strip()
    sign = ""
    if s[:1] in "-\u2212":
        sign, s = "minus ", s[1:]
    if "." in s:
        i, f = s.split(".", 1)
        return sign + decimal(i, f, and_)
    return sign + cardinal(int(s.replace(",", "")), and_)


def plain_number(s: str) -> str:
    """A number with no context: long unformatted runs digit by digit, 1100-2099 as years."""
    sign = ""
    if s[:1] in "-\u2212":
        sign, s = "minus ", s[1:]
    if "." in s or "," in s:
        return sign + number(s)
    if len(s) > 1 and s[0] == "0":
        return sign + digits(s)
    if len(s) >= 5:  # NeMo reads unformatted long numbers digit by digit ("13000")
        return sign + digits(s)
    n = int(s)
    if not sign and len(s) == 4 and 1100 <= n < 2100 and n % 100:
        return year(n)
    return sign + cardinal(n)


def fraction(num: int, den: int, whole: int | None = None) -> str:
    """'one half', 'thirty one thirty seconds', 'two and a half', 'one hundred forty two over one'."""
    if den == 1:
        body = f"{cardinal(num, False)} over one"
    elif den in D.FRACTION_WORDS:
        sing, plur = D.FRACTION_WORDS[den]
        body = f"{cardinal(num, False)} {sing if num == 1 else plur}"
        if whole is not None and num == 1:
            body = f"a {sing}"
    else:
        den_words = ordinal(den)
        body = f"{cardinal(num, False)} {den_words if num == 1 else den_words + 's'}"
    if whole is not None:
        return f"{cardinal(whole)} and {body}"
    return body


# --- protected spans ---------------------------------------------------------------------------

_PH_OPEN, _PH_CLOSE, _PH_BASE = "\ue000", "\ue001", 0xE100
_PH = re.compile(f"{_PH_OPEN}(.){_PH_CLOSE}")
PH = f"{_PH_OPEN}.{_PH_CLOSE}"  # one protected span, in patterns


class _Spans:
    """Spoken text already produced, kept out of reach of later passes."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def put(self, spoken: str, kind: str = "") -> str:
        self.items.append((spoken, kind))
        return f"{_PH_OPEN}{chr(_PH_BASE + len(self.items) - 1)}{_PH_CLOSE}"

    def kind(self, ph: str) -> str:
        m = _PH.fullmatch(ph)
        return self.items[ord(m.group(1)) - _PH_BASE][1] if m else ""

    def restore(self, text: str) -> str:
        out: list[str] = []
        pos = 0
        last = ""
        for m in _PH.finditer(text):
            out.append(text[pos:m.start()])
            last = text[m.start() - 1:m.start()] if m.start() > pos else last
            spoken = self.items[ord(m.group(1)) - _PH_BASE][0]
            before = last
            if before and _needs_space(before) and spoken[:1].isalnum():
                out.append(" ")
            out.append(spoken)
            after = text[m.end():m.end() + 1]
            if after and (_needs_space(after) or after == _PH_OPEN) and spoken[-1:].isalnum():
                out.append(" ")
            last = spoken[-1:]
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)


def _needs_space(ch: str) -> bool:
    """A spoken word next to this character needs a space (letters, digits, symbols like '<')."""
    return ch.isalnum() or unicodedata.category(ch) in ("Sm", "Sc")


Rule = Callable[[re.Match[str], _Spans], str | None]


def _sub(pattern: re.Pattern[str], text: str, spans: _Spans, rule: Rule) -> str:
    def repl(m: re.Match[str]) -> str:
        got = rule(m, spans)
        return m.group(0) if got is None else got
    return pattern.sub(repl, text)


# --- patterns ----------------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_MONTH_NAMES = "|".join(m.lower() for m in D.MONTHS)
_MONTH_ABBR = "|".join(sorted(D.MONTH_ABBREVIATIONS, key=len, reverse=True))
_MONTH = rf"(?i:(?:{_MONTH_NAMES})\b|(?:{_MONTH_ABBR})\b\.?)"
_AMPM = r"(?i:([ap])\.?\s?m\b\.?)"
_TZ = "|".join(
    sorted([z for z in D.TIME_ZONES] + [r"\.".join(z) + r"\.?" for z in D.TIME_ZONES if len(z) == 3],
           key=len, reverse=True))
_TZ_RE = rf"(?:\s?\(?(?i:({_TZ}))\)?(?![A-Za-z]))"
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(D.UNITS, key=len, reverse=True))
_CUR_SYM = r"(?:US\$|A\$|C\$|NZ\$|HK\$|[$£€¥₩₹₽₴₺₪₦])"
_CUR_CODE = "|".join(k for k in D.CURRENCIES if k.isalpha())
_MAG = "|".join(sorted(D.MAGNITUDES, key=len, reverse=True))
_PER = "|".join(sorted(D.PER_PERIODS, key=len, reverse=True))

_SPECIAL = re.compile(r"<[^<>\n]{1,200}>|\[[^\[\]\n]{1,200}\]")
_IPA = re.compile("[\u0250-\u02af\u02c8\u02cc\u0259\u025b\u0254\u026a\u028a]")
_ARPABET = re.compile(r"^(?:[A-Z]{1,2}[0-2]?)(?:\s+[A-Z]{1,2}[0-2]?)*$")
_EMAIL = re.compile(
    r"(?<!\w)[A-Za-z0-9][\w.&+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[\w./-]*\w/?)?"
)
_URL = re.compile(r"(?i:(?:https?|ftp|file)://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]']|(?i:https?|ftp|file)://")
_DOMAIN = re.compile(
    r"(?<![\w.@-])[A-Za-z][\w-]+(?:\.[A-Za-z0-9][\w-]*)*\.[A-Za-z]{2,}\b"
    r"(?:/[^\s]*[^\s.,;:!?)\"'])?(?![\w.]*@)"
)
_PHONE = re.compile(
    r"(?:(\+\d{1,3})[\s-]?)?(?<![\w-])(\(\d{3}\)|\d{3})[\s-]?(\d{3})-(\d{4})(?:-(\d{1,4}))?(?![\w-])"
)
_PHONE_SSN = re.compile(r"(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])")
_PHONE_WORDS = re.compile(r"(?<![\w-])1-(8\d\d)-([A-Z0-9]+(?:-[A-Z0-9]+)+)(?![\w-])")
_PHONE_INTL = re.compile(r"(?<![\w+])\+(\d{1,3})((?:[\s-]\d{2,5}){2,5})(?![\w-])")
_IP = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_ADDRESS = re.compile(
    r"(?<![\w,.])(\d{1,5})\s+((?:(?:N|S|E|W|NE|NW|SE|SW)\.?\s+)?)"
    r"((?:(?:[A-Z][\w'’]*|\d+(?:st|nd|rd|th))\s+){1,3}?)"
    r"(?i:(St|Ave|Av|Rd|Blvd|Dr|Ln|Ct|Pl|Sq|Hwy|Pkwy|Expy|Fwy|Ter|Cres)\b(\.?)|"
    r"(Street|Avenue|Road|Boulevard|Drive|Lane|Way|Court|Place)\b)"
    r"((?:,\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)?,\s+[A-Z]{2}(?:\s+\d{5})?\b)?"
)
_STATE_ZIP = re.compile(r"(?<=,\s)([A-Z]{2})\s+(\d{5})\b")
_MONEY = re.compile(
    rf"(?<![\w$])(?P<cur>{_CUR_SYM})\s?(?P<num>{_NUM})(?:\s?(?P<mag>{_MAG})\b)?"
    rf"(?:\s?[-–]\s?(?P<cur2>{_CUR_SYM})?\s?(?P<num2>{_NUM})(?:\s?(?P<mag2>{_MAG})\b)?)?"
    rf"(?:\s?/\s?(?P<per>{_PER})\b)?"
)
_MONEY_CODE = re.compile(
    rf"\b(?P<cur>{_CUR_CODE})\s?(?P<num>{_NUM})(?:\s?(?P<mag>{_MAG})\b)?()()()(?P<per>)"
    rf"|(?<![\w.])(?P<numb>{_NUM})(?:\s?(?P<magb>{_MAG}))?\s(?P<curb>{_CUR_CODE})\b"
)
_TIME_HMS = re.compile(rf"(?<![\w:.])(\d{{1,2}}):(\d{{2}}):(\d{{2}})(?![\d:])(?:\s?{_AMPM})?{_TZ_RE}?")
_TIME_HM = re.compile(rf"(?<![\w:.,])(\d{{1,2}})([:.])(\d{{2}})(?![\d:])(?:\s?{_AMPM})?{_TZ_RE}?")
_TIME_H = re.compile(rf"(?<![\w:.])(?<!\d,)(\d{{1,2}})\s?{_AMPM}{_TZ_RE}?")
_DATE_DMY = re.compile(
    rf"(?<![\w.])(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})(?:(,?\s+)(\d{{4}})\b)?"
)
_DATE_MDY = re.compile(
    rf"(?<![\w.])({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?![\d:,.]\d)\b(?:(,?\s+)(\d{{4}})\b)?"
)
_DATE_MY = re.compile(rf"(?<![\w.])({_MONTH})(,?\s+)(\d{{4}})\b")
_DATE_DASH = re.compile(
    rf"(?<![\w.])({_MONTH})-(\d{{1,2}})-(\d{{4}})\b|(?<![\w.])(\d{{1,2}})-({_MONTH})-(\d{{4}})\b"
)
_DATE_ISO = re.compile(r"(?<![\w./-])(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?![\w/-])")
_DATE_US = re.compile(r"(?<![\w./-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-])")
_QUARTER = re.compile(r"(?<!\w)([1-4])Q(\d{2}|\d{4})\b|(?<!\w)Q([1-4])(?:\s+(\d{4}))?\b")
_ERA = re.compile(r"(?<![\w.])(\d{1,4})\s?(A\.D\b\.?|B\.C\b\.?|B\.C\.E\b\.?|C\.E\b\.?|AD|BC|BCE|CE)(?![\w])")
_DECADE = re.compile(r"(?<![\w.])(?:(\d{2})(\d0)|'(\d0)|(?<![\d'])([1-9]0))s(?!\w)")
_MEASURE = re.compile(
    rf"(?<![\w.])(-?)((?:{_NUM})(?:\s\d+/\d+)?|\d+/\d+)(?:(\s?[-–]\s?|\s?(?:x|×|by)\s?)((?:{_NUM})))?"
    rf"(\s?)({_UNIT_ALT})(?:/({_UNIT_ALT}|{_PER}))?(?![\w°])"
)
_INCHES = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\"(?!\w)")
_DEGREE_O = re.compile(r"(?<=\d)º(\s?[CF]\b)?")
_PERCENT = re.compile(rf"(?<![\w.])(-?)({_NUM})(?:\s?[-–]\s?({_NUM}))?\s?(%|(?i:per\s?cent)\b)")
_MATH = re.compile(r"(?<![\w.])(?:\w+|\d+(?:\.\d+)?)(?:\s*[-+*/=×÷]\s*(?:\w+|\d+(?:\.\d+)?)){1,4}(?![\w.])")
_YEAR_RANGE = re.compile(r"(?<![\w.-])(\d{4})\s?[-–]\s?(\d{4}|\d{2})(?![\w-])")
_RANGE = re.compile(rf"(?<![\w.,-])(-?)({_NUM})\s?([-–])\s?({_NUM})(?![\w-]|\.\d)")
_FRACTION = re.compile(r"(?<![\w/.])(?:(\d+)\s+)?(\d+)[/⁄](\d+)(?:th|rd|nd|st|s)?(?![\w/]|\.\d)")
_ORDINAL = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th)\b")
_SECTION = re.compile(r"(?<![\w.])(\d{3})\(([a-z])\)")
_NUM_APOS = re.compile(r"(?<![\w.])(\d+)(?=['’]s?)")
_CARD_DIGITS = re.compile(r"(?i:(?<=ending in )|(?<=ending with )|(?<=ends in ))(\d{2,})\b")
_CHAIN = re.compile(r"(?<![\w.])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+(?![\w])")
_SERIAL = re.compile(r"(?<![\w.])(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]+(?![\w])")
_PLAIN = re.compile(
    r"(?:(?<=^)|(?<=[\s(\[\"'?!;:,`]))(-)(?=[\d.])|"
    r"(?<![\w.])(\.\d+)|(?<!\w)(?<!\d\.)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w])"
)
_ROMAN = re.compile(r"(?<![\w.'’-])(M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3}))(?![\w'’])")
_PREV_WORD = re.compile(r"([A-Za-z]+)[^\w]*$")
_DOTTED_CAPS = re.compile(r"(?<![\w.])((?:[A-Z]\.\s?){1,}[A-Z])\.?(?=(\s+|$|[,;:!?)\"'.]))")
_TITLE = re.compile(r"\b(" + "|".join(D.TITLES) + r")(\.|(?=\s+[A-Z]))\s+(?=[A-Z])")
_POST_TITLE = re.compile(r"(?<=[A-Za-z]),?\s+(Jr|Sr)\.?(?!\w)")
_STREET = re.compile(r"(?<=[A-Za-z0-9])(\s+)St\b(\.?)(\s+[A-Z])?")
_NUMBER_ABBR = re.compile(rf"\b(?:No|Nos|no)\.\s?(?={PH})")
_ABBR = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(k) for k in sorted(D.ABBREVIATIONS, key=len, reverse=True)) +
    r")(?![\w])"
)
_MONTH_DOT = re.compile(rf"(?<![\w.])((?:{_MONTH_ABBR}))\.(?=\s)", re.I)
_WEEKDAY_DOT = re.compile(r"\b(" + "|".join(D.WEEKDAY_ABBREVIATIONS) + r")\.")
_AMPM_ALONE = re.compile(r"(?<![\w.])([ap])\.m\.?(?!\w)", re.I)
_ACRONYM = re.compile(r"(?<![\w'’.-])([A-Z]{2,})(?![\w'’-])")
_QUOTES = re.compile(r"``|''")


# --- rules -------------------------------------------------------------------------------------

def _month_name(s: str) -> str | None:
    key = s.lower().rstrip(".")
    for m in D.MONTHS:
        if m.lower() == key:
            return m
    n = D.MONTH_ABBREVIATIONS.get(key)
    return D.MONTHS[n - 1] if n else None


def _year_words(s: str) -> str:
    return digits(s) if len(s) == 2 and s[0] == "0" else year(int(s))


def _special(m: re.Match[str], sp: _Spans) -> str | None:
    s = m.group(0)
    if s[0] == "<":
        return sp.put(s, "special")
    inner = s[1:-1].strip()
    if _IPA.search(inner) or _ARPABET.match(inner) and any(c.isdigit() for c in inner):
        return sp.put(s, "special")
    return None


def _electronic_words(s: str, domain_tail: bool = True) -> str:
    parts = re.findall(r"[A-Za-z]+|\d+|.", s)
    labels = [p for p in parts if p.isalpha()]
    host_tld = None
    host = re.split(r"[/]", re.sub(r"^\w+://", "", s))[0].split("@")[-1]
    if "." in host:
        host_tld = host.rsplit(".", 1)[-1]
    out = []
    for p in parts:
        if p.isalpha():
            low = p.lower()
            if low in D.URL_SPELLED:
                out.append(low.upper())
            elif low in D.URL_WORDS:
                out.append(D.URL_WORDS[low])
            elif p == host_tld and len(p) == 2 and low not in D.TLD_WORDS:
                out.append(p.upper())
            else:
                out.append(p)
        elif p.isdigit():
            n = int(p)
            out.append(cardinal(n, False) if n and n % 1000 == 0 and p[0] != "0" else digits(p))
        elif p in D.URL_SYMBOLS:
            out.append(D.URL_SYMBOLS[p])
        elif not p.isspace():
            out.append(p)
    del labels
    return " ".join(out)


def _electronic(m: re.Match[str], sp: _Spans) -> str | None:
    return sp.put(_electronic_words(m.group(0)), "electronic")


def _domain(m: re.Match[str], sp: _Spans) -> str | None:
    s = m.group(0)
    labels = s.split("/")[0].split(".")
    if any(lab.lower().rstrip(".") in ("e", "i", "a", "p") for lab in labels[:1]):
        return None
    if s.lower() in D.ABBREVIATIONS or (s + ".").lower() in {k.lower() for k in D.ABBREVIATIONS}:
        return None
    return sp.put(_electronic_words(s), "electronic")


def _phone_groups(groups: list[str]) -> str:
    return ", ".join(digits(g) for g in groups if g)


def _phone(m: re.Match[str], sp: _Spans) -> str | None:
    cc, area, a, b, ext = m.groups()
    head = f"plus {digits(cc)}, " if cc else ""
    return sp.put(head + _phone_groups([area.strip("()"), a, b, ext or ""]), "phone")


def _phone_ssn(m: re.Match[str], sp: _Spans) -> str | None:
    return sp.put(_phone_groups(list(m.groups())), "phone")


def _phone_words(m: re.Match[str], sp: _Spans) -> str | None:
    out = ["one, " + cardinal(int(m.group(1)))]
    words: list[str] = []
    for part in m.group(2).split("-"):
        if part.isdigit():
            words.append(cardinal(int(part)) if len(part) < 3 else digits(part))
            out.append(" ".join(words))
            words = []
        else:
            words.append(part)
    if words:
        out.append(" ".join(words))
    return sp.put(", ".join(out), "phone")


def _phone_intl(m: re.Match[str], sp: _Spans) -> str | None:
    groups = re.split(r"[\s-]+", m.group(2).strip())
    return sp.put(f"plus {cardinal(int(m.group(1)))}, " + _phone_groups(groups), "phone")


def _ip(m: re.Match[str], sp: _Spans) -> str | None:
    return sp.put(" dot ".join(digits(p) for p in m.group(0).split(".")), "electronic")


def _house_number(s: str) -> str:
    n = int(s)
    if len(s) <= 2:
        return cardinal(n)
    if len(s) == 3:
        if s[1:] == "00":
            return cardinal(n)
        return digits(s) if s[1] == "0" else f"{D.ONES[int(s[0])]} {cardinal(int(s[1:]))}"
    if len(s) == 4:
        hi, lo = s[:2], s[2:]
        tail = cardinal(int(lo)) if lo[0] != "0" else ("hundred" if lo == "00" else digits(lo))
        return f"{cardinal(int(hi))} {tail}"
    return digits(s)


def _address(m: re.Match[str], sp: _Spans) -> str | None:
    num, direction, name, st_abbr, dot, st_full, tail = m.groups()
    words = [_house_number(num)]
    if direction.strip():
        words.append(D.DIRECTIONS[direction.strip().rstrip(".")])
    for w in name.split():
        om = re.fullmatch(r"(\d+)(st|nd|rd|th)", w)
        words.append(ordinal(int(om.group(1))) if om else w)
    st = st_abbr or st_full
    key = next((k for k in D.STREET_TYPES if k.lower() == st.lower()), st)
    words.append(D.STREET_TYPES.get(key, st))
    out = " ".join(words)
    if dot:
        rest = m.string[m.end():]
        if not rest.strip() or re.match(r"\s+[A-Z]", rest):
            out += "."
    if tail:
        tm = re.match(r"((?:,\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)?),\s+([A-Z]{2})(?:\s+(\d{5}))?", tail)
        if tm and tm.group(2) in D.US_STATES:
            out += f"{tm.group(1)}, {D.US_STATES[tm.group(2)]}"
            out += f" {digits(tm.group(3))}" if tm.group(3) else ""
        else:
            out += tail
    return sp.put(out, "address")


def _money_amount(num: str, mag: str | None, cur: str, with_unit: bool = True) -> str:
    sing, plur, minor1, minor2 = D.CURRENCIES[cur]
    if mag:
        return f"{number(num, and_=False)} {D.MAGNITUDES[mag]}" + (f" {plur}" if with_unit else "")
    whole, _, frac = num.partition(".")
    whole_n = int(whole.replace(",", "")) if whole else 0
    if frac and len(frac) > 2:
        frac = frac[:2] + frac[2:].rstrip("0")
    if frac and len(frac) > 2:
        words = decimal(whole, frac)
        return f"{words} {plur}" if with_unit else words
    cents = int(frac.ljust(2, "0")) if frac else 0
    if not with_unit:
        return cardinal(whole_n) if not cents else f"{cardinal(whole_n)} point {digits(frac)}"
    if whole_n == 0 and cents:
        return f"{cardinal(cents)} {minor1 if cents == 1 else minor2}"
    out = f"{cardinal(whole_n)} {sing if whole_n == 1 else plur}"
    if cents:
        out += f" {cardinal(cents)} {minor1 if cents == 1 else minor2}"
    return out


def _money(m: re.Match[str], sp: _Spans) -> str | None:
    g = m.groupdict()
    cur = g.get("cur") or g.get("curb")
    num = g.get("num") or g.get("numb")
    mag = g.get("mag") or g.get("magb")
    if cur is None or num is None:
        return None
    cur = cur.strip()
    if cur not in D.CURRENCIES:
        return None
    num2, mag2 = g.get("num2"), g.get("mag2")
    if num2:
        if mag2 and not mag and not g.get("cur2"):
            out = f"{number(num, False)} to {_money_amount(num2, mag2, cur)}"
        else:
            out = f"{_money_amount(num, mag, cur)} to {_money_amount(num2, mag2, g.get('cur2') or cur)}"
    else:
        out = _money_amount(num, mag, cur)
    if g.get("per"):
        out += f" per {D.PER_PERIODS[g['per']]}"
    return sp.put(out, "money")


def _ampm(letter: str | None) -> str:
    return f" {letter.upper()}M" if letter else ""


def _tz(zone: str | None) -> str:
    return f" {zone.replace('.', '').upper()}" if zone else ""


def _sentence_dot(m: re.Match[str], group: int) -> str:
    """Keep a full stop eaten by an abbreviation when it also ends the sentence."""
    if not m.group(group) or not m.group(group).endswith("."):
        return ""
    rest = m.string[m.end():]
    return "." if not rest.strip() or re.match(r"\s+[A-Z\"“]", rest) else ""


def _time_hms(m: re.Match[str], sp: _Spans) -> str | None:
    h, mi, s, ap, zone = m.groups()
    if int(mi) > 59 or int(s) > 59:
        return None

    def unit(n: int, word: str) -> str:
        return f"{cardinal(n)} {word}{'' if n == 1 else 's'}"
    out = f"{unit(int(h), 'hour')} {unit(int(mi), 'minute')} and {unit(int(s), 'second')}"
    return sp.put(out + _ampm(ap) + _tz(zone), "time")


def _time_hm(m: re.Match[str], sp: _Spans) -> str | None:
    h, sep, mi, ap, zone = m.groups()
    hn, mn = int(h), int(mi)
    if mn > 59 or hn > 24 or (sep == "." and not ap):
        return None
    if ap and hn > 12:
        return None
    if mn == 0:
        out = cardinal(hn) + ("" if ap else " o'clock")
    elif mn < 10:
        out = f"{cardinal(hn)} oh {D.ONES[mn]}"
    else:
        out = f"{cardinal(hn)} {cardinal(mn)}"
    out += _ampm(ap) + _tz(zone)
    if ap and not zone:
        out += _sentence_dot(m, 0)
    return sp.put(out, "time")


def _time_h(m: re.Match[str], sp: _Spans) -> str | None:
    h, ap, zone = m.groups()
    if int(h) > 12:
        return None
    out = cardinal(int(h)) + _ampm(ap) + _tz(zone)
    if not zone:
        out += _sentence_dot(m, 0)
    return sp.put(out, "time")


def _date_dmy(m: re.Match[str], sp: _Spans) -> str | None:
    d, mon, sep, y = m.groups()
    month = _month_name(mon)
    if not month or not 1 <= int(d) <= 31:
        return None
    if mon.lower() in ("may", "march") and mon[0].islower() and not y:
        return None
    if mon.rstrip(".").lower() in D.MONTH_ABBREVIATIONS and mon[0].islower() and not y and "." not in mon:
        return None
    out = f"the {ordinal(int(d))} of {month}"
    if y:
        out += ("," if "," in sep else "") + " " + _year_words(y)
    return sp.put(out, "date")


def _date_mdy(m: re.Match[str], sp: _Spans) -> str | None:
    mon, d, sep, y = m.groups()
    month = _month_name(mon)
    if not month or not 1 <= int(d) <= 31:
        return None
    if mon.lower() == "may" and mon[0].islower() and not y:
        return None
    out = f"{month} {ordinal(int(d))}"
    if y:
        out += ("," if "," in sep else "") + " " + _year_words(y)
    return sp.put(out, "date")


def _date_my(m: re.Match[str], sp: _Spans) -> str | None:
    mon, sep, y = m.groups()
    month = _month_name(mon)
    if not month:
        return None
    return sp.put(f"{month}{',' if ',' in sep else ''} {_year_words(y)}", "date")


def _date_dash(m: re.Match[str], sp: _Spans) -> str | None:
    if m.group(1):
        month, d, y = _month_name(m.group(1)), int(m.group(2)), m.group(3)
        return sp.put(f"{month} {ordinal(d)} {_year_words(y)}", "date") if month else None
    month, d, y = _month_name(m.group(5)), int(m.group(4)), m.group(6)
    return sp.put(f"the {ordinal(d)} of {month} {_year_words(y)}", "date") if month else None


def _date_iso(m: re.Match[str], sp: _Spans) -> str | None:
    y, _, mo, d = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return None
    return sp.put(f"{D.MONTHS[int(mo) - 1]} {ordinal(int(d))} {_year_words(y)}", "date")


def _date_us(m: re.Match[str], sp: _Spans) -> str | None:
    a, sep, b, y = m.groups()
    mo, d = int(a), int(b)
    if mo > 12 and d <= 12:
        mo, d = d, mo
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    if sep == "." and len(y) == 2:
        return None
    return sp.put(f"{D.MONTHS[mo - 1]} {ordinal(d)} {_year_words(y)}", "date")


def _quarter(m: re.Match[str], sp: _Spans) -> str | None:
    q, y = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    out = f"the {ordinal(int(q))} quarter"
    if y:
        out += f" of {year(int(y)) if len(y) == 4 else cardinal(int(y))}"
    return sp.put(out, "date")


def _era(m: re.Match[str], sp: _Spans) -> str | None:
    era = m.group(2).replace(".", "")
    return sp.put(f"{year(int(m.group(1)))} {era}", "date")


def _decade_words(n: int) -> str:
    words = (year(n) if n >= 100 else cardinal(n)).split()
    last = words[-1]
    words[-1] = last[:-1] + "ies" if last.endswith("y") else last + "s"
    return " ".join(words)


def _decade(m: re.Match[str], sp: _Spans) -> str | None:
    cent, tens, short, bare = m.groups()
    if cent:
        n = int(cent + tens)
        if not 1000 <= n < 2100:
            return None
        if n % 100 == 0:
            return sp.put(year(n) + "s" if n % 1000 else cardinal(n) + "s", "decade")
        return sp.put(_decade_words(n), "decade")
    return sp.put(_decade_words(int(short or bare)), "decade")


def _unit_words(unit: str, plural: bool) -> str:
    sing, plur = D.UNITS[unit]
    return plur if plural else sing


def _measure(m: re.Match[str], sp: _Spans) -> str | None:
    sign, num, joiner, num2, space, unit, per = m.groups()
    if unit in D.AMBIGUOUS_UNITS and space:
        return None
    if unit == "m" and re.match(r"\s+[a-z]", m.string[m.end():]) and space:
        return None  # "5 m people" is rarer than "a 5 m wall", but "m" before a word is suspect
    plural = not (num in ("1",) and not num2)

    def amount(s: str) -> str:
        mixed = re.fullmatch(r"(\d+)\s(\d+)/(\d+)", s)
        if mixed:
            return fraction(int(mixed.group(2)), int(mixed.group(3)), int(mixed.group(1)))
        fm = re.fullmatch(r"(\d+)/(\d+)", s)
        if fm:
            return fraction(int(fm.group(1)), int(fm.group(2)))
        return number(s)
    out = ("minus " if sign else "") + amount(num)
    if num2:
        out += (" to " if joiner.strip() in "-–" else " by ") + amount(num2)
    out += " " + _unit_words(unit, plural)
    if per:
        out += " per " + (D.UNITS[per][0] if per in D.UNITS else D.PER_PERIODS[per])
    dot = ""
    if m.string[m.end():m.end() + 1] == "." and unit in D.UNITS:
        pass
    return sp.put(out + dot, "measure")


def _inches(m: re.Match[str], sp: _Spans) -> str | None:
    if m.string.count('"') % 2 == 0 or m.string[:m.start()].count('"') % 2:
        return None
    n = m.group(1)
    return sp.put(f"{number(n)} {'inch' if n == '1' else 'inches'}", "measure")


def _degree_o(m: re.Match[str], sp: _Spans) -> str | None:
    scale = (m.group(1) or "").strip()
    if scale:
        return " " + sp.put("degrees " + ("Celsius" if scale == "C" else "Fahrenheit"))
    return " " + sp.put("degree")


def _percent(m: re.Match[str], sp: _Spans) -> str | None:
    sign, a, b, _ = m.groups()
    out = ("minus " if sign else "") + number(a)
    if b:
        out += " to " + number(b)
    return sp.put(out + " percent", "percent")


def _math(m: re.Match[str], sp: _Spans) -> str | None:
    s = m.group(0)
    ops = re.findall(r"[-+*/=×÷]", s)
    if not ops:
        return None
    if "=" not in ops and not re.fullmatch(r"\d+\s*[+*×÷]\s*\d+", s):
        return None
    if not re.search(r"\d", s) and "=" not in ops:
        return None
    names = {"-": "minus", "+": "plus", "*": "times", "/": "divided by", "=": "equals", "×": "times",
             "÷": "divided by"}
    out = []
    for tok in re.findall(r"\d+(?:\.\d+)?|\w+|[-+*/=×÷]", s):
        if tok in names:
            out.append(names[tok])
        elif tok[0].isdigit():
            out.append(number(tok))
        else:
            out.append(tok)
    return sp.put(" ".join(out), "math")


_SPAN_RANGE = re.compile(rf"({PH})\s?[-–]\s?({PH})")
_RANGE_KINDS = frozenset({"time", "decade", "money", "measure", "percent", "date"})


def _span_range(m: re.Match[str], sp: _Spans) -> str | None:
    a, b = m.groups()
    if sp.kind(a) not in _RANGE_KINDS or sp.kind(b) != sp.kind(a):
        return None
    return f"{a} {sp.put('to')} {b}"


def _year_range(m: re.Match[str], sp: _Spans) -> str | None:
    a, b = m.groups()
    ya = int(a)
    yb = int(b) if len(b) == 4 else ya // 100 * 100 + int(b)
    if not (1000 <= ya < 2100 and ya < yb < 2100):
        return None
    return sp.put(f"{year(ya)} to {year(yb)}", "date")


def _range(m: re.Match[str], sp: _Spans) -> str | None:
    sign, a, dash, b = m.groups()
    try:
        va, vb = float(a.replace(",", "")), float(b.replace(",", ""))
    except ValueError:
        return None
    if sign:
        va = -va
    first = ("minus " if sign else "") + number(a)
    if vb > va:
        return sp.put(f"{first} to {number(b)}", "range")
    return sp.put(f"{first} - {number(b)}", "range")


def _fraction(m: re.Match[str], sp: _Spans) -> str | None:
    whole, num, den = m.groups()
    n, d = int(num), int(den)
    if d == 0:
        return None
    if whole is None and 1 <= n <= 12 and 13 <= d <= 31 and not m.group(0).endswith(("th", "s")):
        return sp.put(f"{D.MONTHS[n - 1]} {ordinal(d)}", "date")
    if m.group(0) == "24/7":
        return sp.put("twenty four seven")
    return sp.put(fraction(n, d, int(whole) if whole else None), "fraction")


def _ordinal(m: re.Match[str], sp: _Spans) -> str | None:
    s, suffix = m.groups()
    n = int(s.replace(",", ""))
    last2 = n % 100
    want = "th" if 11 <= last2 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    if suffix.lower() == want:
        return sp.put(ordinal(n), "ordinal")
    spoken = digits(s) if len(s) >= 3 else cardinal(n)
    return sp.put(f"{spoken} {suffix}", "ordinal")


def _num_apos(m: re.Match[str], sp: _Spans) -> str | None:
    return sp.put(plain_number(m.group(1)), "number")


def _card_digits(m: re.Match[str], sp: _Spans) -> str | None:
    return sp.put(digits(m.group(1)), "number")


def _serial_part(p: str) -> str:
    if not p.isdigit():
        return p
    if p[0] == "0" or len(p) >= 5:
        return digits(p)
    return cardinal(int(p), and_=False)


def _chain(m: re.Match[str], sp: _Spans) -> str | None:
    s = m.group(0)
    parts = s.split("-")
    if not any(re.search(r"[A-Za-z]", p) for p in parts) or not any(re.search(r"\d", p) for p in parts):
        return None
    out = []
    for p in parts:
        out.append(_serial_words(p) if re.search(r"\d", p) else p)
    return sp.put("-".join(out), "serial")


def _serial_words(s: str) -> str:
    if s.isdigit():
        return _serial_part(s)
    out = []
    for run in re.findall(r"\d+|[A-Za-z]+", s):
        if run.isdigit():
            if run[0] == "0" or len(run) > 4:
                out.append(digits(run))
            elif len(run) >= 3:
                out.append(_house_number(run).replace("zero", "oh") if run[-2] != "0" else
                           _house_number(run))
            else:
                out.append(cardinal(int(run)))
        else:
            out.append(run)
    return " ".join(out)


def _serial(m: re.Match[str], sp: _Spans) -> str | None:
    return sp.put(_serial_words(m.group(0)), "serial")


def _plain(m: re.Match[str], sp: _Spans) -> str | None:
    minus, point, num = m.groups()
    if minus:
        return sp.put("minus")
    if point:
        return sp.put(decimal("", point[1:]), "number")
    return sp.put(plain_number(num), "number")


_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _roman_value(s: str) -> int:
    total = 0
    for i, ch in enumerate(s):
        v = _ROMAN_VALUES[ch]
        total += -v if i + 1 < len(s) and _ROMAN_VALUES[s[i + 1]] > v else v
    return total


def _roman(m: re.Match[str], sp: _Spans) -> str | None:
    s = m.group(1)
    if not s:
        return None
    before = m.string[:m.start()]
    pm = _PREV_WORD.search(before)
    prev = pm.group(1) if pm and not re.search(r"[.!?:;]\s*$", before) else ""
    if not prev:
        return None
    value = _roman_value(s)
    if prev.lower() in D.ROMAN_CARDINAL_CONTEXT:
        return sp.put(cardinal(value), "roman")
    if not (prev[0].isupper() and prev[1:].islower() and len(prev) > 1):
        return None
    if prev.lower() in D.PRONOUN_I_CONTEXT or set(s) - set("IVX"):
        return None
    if s == "I":
        after = m.string[m.end():]
        if after.strip() and not re.match(r"\s*(?:[-–—,;:!?)]|\.(?:\s|$))", after):
            return None
    elif len(s) == 1:
        return None
    return sp.put(f"the {ordinal(value)}", "roman")


def _street(m: re.Match[str], sp: _Spans) -> str | None:
    """'St' after a capitalised name or a number is Street; before a name it is Saint."""
    space, dot, nxt = m.groups()
    prev = re.search(r"(\S+)$", m.string[:m.start()])
    prev_word = prev.group(1) if prev else ""
    is_street = (bool(re.search(r"\d|^[A-Z][a-z]", prev_word))
                 and prev_word.lower() not in D.CAPITAL_WORDS_LOWER)
    if nxt and not (is_street and dot and re.match(r"\s+[A-Z]", nxt) and _ends_sentence_after(m)):
        if not is_street or not dot:
            return space + sp.put("Saint") + nxt
    if not is_street:
        return None
    end = "." if dot and (nxt or not m.string[m.end():].strip()) else ""
    return space + sp.put("Street") + end + (nxt or "")


def _ends_sentence_after(m: re.Match[str]) -> bool:
    """After 'Elm St. It was', the capital starts a new sentence: a short common word follows."""
    nxt = re.match(r"\s+([A-Z][a-z]*)", m.string[m.end() - len(m.group(3) or ""):])
    return nxt is not None and nxt.group(1).upper() in D.CAPITAL_WORDS


def _dotted_caps(m: re.Match[str], sp: _Spans) -> str | None:
    letters = re.sub(r"[.\s]", "", m.group(1))
    if len(letters) < 2:
        return None
    rest = m.string[m.end():]
    dot = "." if m.group(0).endswith(".") and (not rest.strip() or re.match(r"\s+[A-Z]|\.", rest)) else ""
    return sp.put(letters, "acronym") + dot


def _title(m: re.Match[str], sp: _Spans) -> str | None:
    return sp.put(D.TITLES[m.group(1)]) + " "


def _abbr(m: re.Match[str], sp: _Spans) -> str | None:
    key = m.group(1)
    out = D.ABBREVIATIONS[key]
    if key.endswith("."):
        rest = m.string[m.end():]
        if not rest.strip() or re.match(r"\s+[A-Z]", rest):
            out += "."
    return sp.put(out)


def _acronym_words(word: str) -> str | None:
    if word in D.SPELLED_ACRONYMS:
        return " ".join(word)
    if word in D.WORD_ACRONYMS or word in D.KNOWN_ACRONYMS or word in D.CAPITAL_WORDS:
        return None
    if word in D.TIME_ZONES or word in D.CURRENCIES:
        return None
    if len(word) == 3 and re.search("[AEIOU]", word):
        return " ".join(word)
    return None


def _english(text: str, sp: _Spans, lexicon: Lexicon = EMPTY) -> str:
    """All English passes, in order; recognised spans become placeholders in `sp`."""
    text = _QUOTES.sub('"', text)
    text = _sub(_SPECIAL, text, sp, _special)
    text = _sub(_URL, text, sp, _electronic)
    text = _sub(_EMAIL, text, sp, _electronic)
    text = _sub(_DOMAIN, text, sp, _domain)
    for key, spoken in D.WHITELIST.items():
        text = re.sub(rf"(?<![\w/]){re.escape(key)}(?![\w/])", lambda _m, s=spoken: sp.put(s), text)
    text = _sub(_PHONE_WORDS, text, sp, _phone_words)
    text = _sub(_PHONE_INTL, text, sp, _phone_intl)
    text = _sub(_PHONE, text, sp, _phone)
    text = _sub(_PHONE_SSN, text, sp, _phone_ssn)
    text = _sub(_IP, text, sp, _ip)
    text = _sub(_ADDRESS, text, sp, _address)
    text = _sub(_STATE_ZIP, text, sp, lambda m, s: s.put(f"{D.US_STATES[m.group(1)]} {digits(m.group(2))}")
                if m.group(1) in D.US_STATES else None)
    text = _sub(_MONEY, text, sp, _money)
    text = _sub(_MONEY_CODE, text, sp, _money)
    text = _sub(_TIME_HMS, text, sp, _time_hms)
    text = _sub(_TIME_HM, text, sp, _time_hm)
    text = _sub(_TIME_H, text, sp, _time_h)
    text = _sub(_DATE_DASH, text, sp, _date_dash)
    text = _sub(_DATE_ISO, text, sp, _date_iso)
    text = _sub(_DATE_US, text, sp, _date_us)
    text = _sub(_DATE_DMY, text, sp, _date_dmy)
    text = _sub(_DATE_MY, text, sp, _date_my)
    text = _sub(_DATE_MDY, text, sp, _date_mdy)
    text = _sub(_QUARTER, text, sp, _quarter)
    text = _sub(_ERA, text, sp, _era)
    text = _sub(_DECADE, text, sp, _decade)
    text = _sub(_INCHES, text, sp, _inches)
    text = _sub(_DEGREE_O, text, sp, _degree_o)
    text = _sub(_MEASURE, text, sp, _measure)
    text = _sub(_PERCENT, text, sp, _percent)
    text = _sub(_SPAN_RANGE, text, sp, _span_range)
    text = _sub(_MATH, text, sp, _math)
    text = _sub(_YEAR_RANGE, text, sp, _year_range)
    text = _sub(_FRACTION, text, sp, _fraction)
    text = _sub(_RANGE, text, sp, _range)
    text = _sub(_ORDINAL, text, sp, _ordinal)
    text = _sub(_CARD_DIGITS, text, sp, _card_digits)
    text = _sub(_NUM_APOS, text, sp, _num_apos)
    text = _sub(_SECTION, text, sp, lambda m, s: s.put(
        f"{_house_number(m.group(1)).replace('zero', 'oh')} {m.group(2)}"))
    # Abbreviations and titles.
    text = _sub(_STREET, text, sp, _street)
    text = _sub(_TITLE, text, sp, _title)
    text = _sub(_POST_TITLE, text, sp, lambda m, s: " " + s.put(D.POST_TITLES[m.group(1)]))
    text = _sub(_ABBR, text, sp, _abbr)
    text = _sub(_AMPM_ALONE, text, sp, lambda m, s: s.put(m.group(1).upper() + "M") + _sentence_dot(m, 0))
    text = _sub(_DOTTED_CAPS, text, sp, _dotted_caps)
    text = _sub(_MONTH_DOT, text, sp, lambda m, s: s.put(_month_name(m.group(1)) or m.group(0))
                + _sentence_dot(m, 0))
    text = _sub(_WEEKDAY_DOT, text, sp, lambda m, s: s.put(D.WEEKDAY_ABBREVIATIONS[m.group(1)])
                + _sentence_dot(m, 0))
    # Codes and plain numbers.
    text = _sub(_CHAIN, text, sp, _chain)
    text = _sub(_SERIAL, text, sp, _serial)
    text = _sub(_PLAIN, text, sp, _plain)
    text = _sub(_NUMBER_ABBR, text, sp, lambda m, s: s.put("number") + " ")
    text = _sub(_ROMAN, text, sp, _roman)
    text = _acronyms(text, sp, lexicon)
    text = _symbols(text, sp)
    return text


def _acronyms(text: str, sp: _Spans, lexicon: Lexicon) -> str:
    words = re.findall(r"[A-Za-z]{2,}", text)
    caps = [w for w in words if w.isupper()]
    if len(caps) >= 3 and len(caps) * 2 > len(words):
        return text  # a headline in capitals: the capitals are not acronyms

    def rule(m: re.Match[str], s: _Spans) -> str | None:
        before = m.string[:m.start()]
        if before.endswith("dot ") or lexicon.lookup(m.group(1)) is not None:
            return None
        spoken = _acronym_words(m.group(1))
        return None if spoken is None else s.put(spoken, "acronym")
    return _sub(_ACRONYM, text, sp, rule)


_SYMBOL_RE = re.compile(r"[&%#@+=§$£€¥₩₹₽×÷±≈*/°]")


def _symbols(text: str, sp: _Spans) -> str:
    def rule(m: re.Match[str], s: _Spans) -> str | None:
        ch = m.group(0)
        before, after = m.string[m.start() - 1:m.start()], m.string[m.end():m.end() + 1]
        if ch == "/":
            if before == _PH_CLOSE and after == _PH_OPEN:
                return None
            return " " + s.put("slash") + " "
        if ch == "*":
            return None
        if ch == "#" and after == _PH_OPEN:
            return s.put("number") + " "
        return " " + s.put(D.SYMBOL_NAMES.get(ch, ch)) + " "
    return _sub(_SYMBOL_RE, text, sp, rule)


@lru_cache(maxsize=16)
def _symbolic_entries(lexicon: Lexicon) -> Lexicon:
    """Entries with digits or punctuation ("B2B", "St. Kitts"): the rules would rewrite them first."""
    keep = tuple(e for e in lexicon.entries if not re.fullmatch(r"[^\W\d_]+(?:[ '’-][^\W\d_]+)*", e[0]))
    return Lexicon(keep, lexicon.nocase & {w for w, _ in keep})


def _protect_lexicon(text: str, lexicon: Lexicon, sp: _Spans) -> str:
    """Entries the rules would rewrite are replaced first; word entries apply to the spoken text."""
    lexicon = _symbolic_entries(lexicon)
    if not lexicon:
        return text
    out, pos = [], 0
    for m in lexicon.finditer(text):
        if re.match(r"[.@/]\w", text[m.end():m.end() + 2]) or re.search(r"\w[.@/]$", text[:m.start()]):
            continue  # part of a web or e-mail address: the lexicon applies to its spoken form
        out.append(text[pos:m.start()])
        out.append(sp.put(lexicon.lookup(m.group(0)) or m.group(0), "lexicon"))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _clean(text: str) -> str:
    text = text.replace("º", "\ue002")  # keep the ordinal indicator from NFKC ("o")
    text = unicodedata.normalize("NFKC", text).replace("\ue002", "º")
    text = _PICTO.sub(" ", text)
    text = _DECOR.sub(" ", text)
    return text


_US_AND = re.compile(r"\b(hundred|thousand|million|billion|trillion) and (?=[a-z])")
"""The British "and" inside a number read from digits ("two hundred and fifty")."""


def normalise_text(text: str, language: str = "en", lexicon: Lexicon | None = None) -> str:
    """Return what a newsreader would say for `text`.

    English gets the full treatment (numbers, dates, money, abbreviations...); other languages
    only lose emoji and decorative symbols. The lexicon's entries (whole words) win over rules.
    Plain "en" follows NeMo's conventions (a British "and" in "one hundred and twenty three");
    "en-US" drops that "and" from numbers written in digits.
    """
    lexicon = lexicon or EMPTY
    text = _clean(text)
    sp = _Spans()
    text = _protect_lexicon(text, lexicon, sp)
    if language.lower().split("-")[0] == "en":
        text = _english(text, sp, lexicon)
        if language.lower() == "en-us":  # "two hundred fifty", as American newsreaders say it
            sp.items = [(s if kind == "lexicon" else _US_AND.sub(r"\1 ", s), kind) for s, kind in sp.items]
    text = "".join(ch for ch in text if _speakable_char(ch) or ch in (_PH_OPEN, _PH_CLOSE)
                   or _PH_BASE <= ord(ch) < _PH_BASE + len(sp.items))
    text = lexicon.apply(sp.restore(text))
    return _SPACE.sub(" ", text).strip()


def normalise(script: Script, lexicon: Lexicon | None = None) -> Script:
    """Fill in each unit's spoken form from its original text (the text itself stays as written)."""
    units = tuple(replace(u, spoken=normalise_text(u.text, script.language, lexicon))
                  for u in script.units)
    return replace(script, units=units)


def main(argv: list[str] | None = None) -> int:
    """`narrator normalize`: read written lines on stdin, print one spoken line per input line."""
    ap = argparse.ArgumentParser(prog="narrator normalize",
                                 description="Print the spoken form of each written line on stdin.")
    ap.add_argument("--lexicon", type=Path, help="pronunciation lexicon (written<TAB>spoken lines)")
    ap.add_argument("--language", default="en",
                    help="language of the text (default: en, NeMo's conventions; "
                         "en-US drops the British 'and' from numbers)")
    args = ap.parse_args(argv)
    lexicon = load_lexicon(args.lexicon) if args.lexicon else None
    stdin = sys.stdin
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(encoding="utf-8", errors="replace")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    for line in stdin:
        line = line.rstrip("\n").rstrip("\r")
        sys.stdout.write(normalise_text(line, args.language, lexicon) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
