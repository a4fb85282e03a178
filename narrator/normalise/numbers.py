"""Number words: cardinals, ordinals, years, digits, decimals, fractions and paired readings."""
from __future__ import annotations

import re

from .data import tables


def _below_1000(n: int, and_: bool) -> str:
    t = tables()
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(f"{t.cardinals[hundreds]} hundred")
        if rest and and_:
            words.append("and")
    if rest:
        if rest < 20:
            words.append(t.cardinals[rest])
        else:
            tens, ones = divmod(rest, 10)
            words.append(t.cardinals[tens * 10] + (f" {t.cardinals[ones]}" if ones else ""))
    return " ".join(words)


def cardinal(n: int, and_: bool = True) -> str:
    """Number words for an integer: 123 -> 'one hundred and twenty three' (and_=False drops 'and').

    The British 'and' goes only inside the last group of three digits, and after 'thousand' when
    the last group is below a hundred (18052 -> 'eighteen thousand and fifty two'), as NeMo says
    them. Numbers beyond the largest scale word are read digit by digit.
    """
    if n < 0:
        return "minus " + cardinal(-n, and_)
    if n == 0:
        return "zero"
    scales = tables().scales
    groups = []
    rest = n
    while rest:
        rest, g = divmod(rest, 1000)
        groups.append(g)
    if len(groups) > len(scales):
        return digits(str(n))
    words = []
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if not g:
            continue
        if i == 0 and and_ and g < 100 and len(groups) > 1 and groups[1]:
            words.append("and")
        words.append(_below_1000(g, and_ and i == 0))
        if i:
            words.append(scales[i])
    return " ".join(words)


def ordinal(n: int) -> str:
    """Ordinal words: 21 -> 'twenty first', 1000 -> 'one thousandth' (never with 'and')."""
    words = cardinal(n, and_=False).split()
    words[-1] = tables().ordinals.get(words[-1], words[-1] + "th")
    return " ".join(words)


def ordinal_suffix(n: int) -> str:
    """The suffix an ordinal takes in figures: 1 -> 'st', 12 -> 'th', 23 -> 'rd'."""
    if 11 <= n % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def digits(s: str, zero: str = "zero") -> str:
    """Digit by digit: '004' -> 'zero zero four' ('oh' for zero where asked)."""
    names = tables().cardinals
    return " ".join(zero if c == "0" else names[int(c)] for c in s if c.isdecimal())


def year(n: int, and_: bool = False) -> str:
    """A year as said: 1994 -> 'nineteen ninety four', 2006 -> 'two thousand six',
    1005 -> 'one thousand five', 1905 -> 'nineteen oh five', 1900 -> 'nineteen hundred',
    340 -> 'three forty'."""
    if n < 100:
        return cardinal(n)
    if n >= 1000 and n % 1000 < 10:
        return cardinal(n, and_)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return f"{cardinal(hi)} hundred"
    if lo < 10:
        return f"{cardinal(hi)} oh {tables().cardinals[lo]}"
    return f"{cardinal(hi)} {cardinal(lo)}"


def pairs(s: str, zero: str = "oh") -> str:
    """A three- or four-digit identifier as said in pairs, like a house number:
    '737' -> 'seven thirty seven', '101' -> 'one oh one', '1203' -> 'twelve oh three',
    '1600' -> 'sixteen hundred', '500' -> 'five hundred'; shorter numbers as cardinals and longer
    ones (or with a leading zero) digit by digit. zero='zero' reads a zero in the middle as a
    digit ('708' -> 'seven zero eight'), NeMo's house numbers."""
    n = int(s)
    if len(s) <= 2 and not (len(s) == 2 and s[0] == "0"):
        return cardinal(n)
    if s[0] == "0" or len(s) > 4:
        return digits(s, zero)
    names = tables().cardinals
    if len(s) == 3:
        if s[1:] == "00":
            return cardinal(n)
        if s[1] == "0":
            return f"{names[int(s[0])]} {zero} {names[int(s[2])]}"
        return f"{names[int(s[0])]} {cardinal(int(s[1:]))}"
    hi, lo = int(s[:2]), s[2:]
    if lo == "00":
        return cardinal(n) if s[1] == "0" else f"{cardinal(hi)} hundred"
    if s[1] == "0" and s[2] == "0":
        return cardinal(n, and_=False)
    tail = cardinal(int(lo)) if lo[0] != "0" else f"{zero} {names[int(lo[1])]}"
    return f"{cardinal(hi)} {tail}"


def decimal(int_part: str, frac: str, and_: bool = True) -> str:
    """'12', '05' -> 'twelve point zero five'; an empty integer part says just 'point ...'."""
    head = written_cardinal(int_part, and_) + " " if int_part else ""
    return f"{head}point {digits(frac)}"


def number(s: str, and_: bool = True) -> str:
    """A written number (thousands commas, decimals, sign) as a cardinal or a decimal."""
    sign = ""
    if s[:1] in "-\u2212":
        sign, s = "minus ", s[1:]
    if "." in s:
        i, f = s.split(".", 1)
        return sign + decimal(i, f, and_)
    return sign + written_cardinal(s, and_)


_SOUTH_ASIAN = re.compile(r"\d{1,2}(?:,\d\d)+,\d{3}")
"""Digits grouped the South Asian way: thousands, then lakhs and crores in pairs ("12,34,567")."""


def written_cardinal(s: str, and_: bool = True) -> str:
    """An integer as written: grouped the South Asian way it is said in crores, lakhs and thousands,
    as its writer counts ("12,34,567" -> "twelve lakh thirty four thousand five hundred sixty seven");
    any other way in the usual scales."""
    n = int(s.replace(",", ""))
    if not _SOUTH_ASIAN.fullmatch(s):
        return cardinal(n, and_)
    crore, rest = divmod(n, 10_000_000)
    lakh, rest = divmod(rest, 100_000)
    words = [f"{cardinal(crore, and_=False)} crore"] if crore else []
    if lakh:
        words.append(f"{cardinal(lakh, and_=False)} lakh")
    if rest:
        words.append(cardinal(rest, and_))
    return " ".join(words)


def fraction(num: int, den: int, whole: int | None = None, and_: bool = True) -> str:
    """'one half', 'thirty one thirty seconds', 'two and a half', 'one hundred forty two over one'."""
    words = tables().fraction_words
    if den == 1:
        body = f"{cardinal(num, False)} over one"
    elif den in words:
        sing, plur = words[den]
        body = f"a {sing}" if whole is not None and num == 1 else \
            f"{cardinal(num, False)} {sing if num == 1 else plur}"
    else:
        den_words = ordinal(den)
        if den >= 100 and den_words.startswith("one "):
            den_words = den_words[4:]  # "1/100" -> "one hundredth", not "one one hundredth"
        body = f"{cardinal(num, False)} {den_words if num == 1 else den_words + 's'}"
    if whole is not None:
        return f"{cardinal(whole, and_)} and {body}"
    return body


def plural_words(words: str) -> str:
    """The plural of the last number word: 'nineteen ninety' -> 'nineteen nineties'."""
    parts = words.split()
    last = parts[-1]
    parts[-1] = last[:-1] + "ies" if last.endswith("y") else last + "s"
    return " ".join(parts)


ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(s: str) -> int | None:
    """The value of a well-formed Roman numeral in capitals (1-3999), else None."""
    if not s or len(s) > 15 or any(ch not in ROMAN_VALUES for ch in s):
        return None
    total = 0
    for i, ch in enumerate(s):
        v = ROMAN_VALUES[ch]
        total += -v if i + 1 < len(s) and ROMAN_VALUES[s[i + 1]] > v else v
    return total if 0 < total < 4000 and to_roman(total) == s else None


def to_roman(n: int) -> str:
    """1994 -> 'MCMXCIV'."""
    out = []
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)
