"""Verbalisers: the spoken form of each tagged token, per semiotic class and language variety."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from .capitals import reading, spelled_letters, usual_case
from .data import Tables, Variety, tables
from .numbers import (
    cardinal,
    decimal,
    digits,
    fraction,
    number,
    ordinal,
    ordinal_suffix,
    pairs,
    plural_words,
    roman_value,
    written_cardinal,
    year,
)
from .scan import Token
from .verbalise_codes import CodeVerbaliser


def _units(n: int, word: str) -> str:
    """'3', 'minute' -> 'three minutes'."""
    return f"{cardinal(n)} {word}{'' if n == 1 else 's'}"


class Verbaliser:
    """Says tokens for one variety."""

    def __init__(self, variety: Variety):
        self.var = variety
        self.t: Tables = tables()
        self.and_ = variety.and_in_numbers
        self.and_years = variety.and_in_years
        codes = CodeVerbaliser(variety)
        self.by_class: dict[str, Callable[[Token], str | None]] = {
            "plain": lambda tok: tok.text, "space": lambda tok: None, "punct": self.punct,
            "drop": lambda tok: "", "cardinal": self.cardinal, "decimal": self.decimal,
            "ordinal": self.ordinal, "fraction": self.fraction, "money": self.money,
            "measure": self.measure, "date": self.date, "time": self.time, "range": self.range,
            "decade": self.decade, "telephone": codes.telephone, "electronic": codes.electronic,
            "abbreviation": self.abbreviation, "letters": self.letters, "roman": self.roman,
            "serial": codes.serial, "instrument": codes.instrument, "math": codes.math,
            "symbol": lambda tok: tok.fields["spoken"],
            "address": codes.address, "party": lambda tok: f"{tok.fields['party']} of {tok.fields['state']}",
            "state": lambda tok: tok.fields["state"], "state_code": lambda tok: tok.fields["state"],
            "month": lambda tok: self.t.months[tok.fields["month"] - 1], "special": self.special,
            "lexicon": lambda tok: tok.fields["spoken"], "fixed": lambda tok: tok.fields["spoken"],
            "emoji": self.emoji,
        }

    def say(self, tok: Token) -> str | None:
        """The token's spoken form: words, "" for nothing, None for punctuation (kept as written)."""
        return self.by_class[tok.cls](tok)

    # numbers -----------------------------------------------------------------------------------
    def _sign(self, sign: str | None) -> str:
        return {"-": "minus ", "−": "minus ", "+": "plus "}.get(sign or "", "")

    def cardinal(self, tok: Token) -> str:
        words = self._cardinal(tok)
        if tok.fields.get("agent"):  # "49ers" -> "forty niners", "76ers" -> "seventy sixers"
            return words + ("rs" if words.endswith("e") else "ers")
        if not tok.fields.get("plural"):
            return words
        if words.startswith("one ") and " " not in words[4:]:
            words = words[4:]  # "100s", "1,000s" -> "hundreds", "thousands"
        return plural_words(words)

    def _cardinal(self, tok: Token) -> str:
        f = tok.fields
        s = f["num"]
        reading = f.get("reading", "cardinal")
        if "," in s or reading == "cardinal":
            return self._sign(f.get("sign")) + number(s, self.and_)
        if reading == "digits":
            return digits(s)
        if reading == "pairs":
            return pairs(s)
        if reading == "short_year":  # "'03", "'98"
            return f"oh {cardinal(int(s))}" if s.startswith("0") else cardinal(int(s))
        return self._sign(f.get("sign")) + year(int(s), self.and_years)

    def decimal(self, tok: Token) -> str:
        num = tok.fields["num"]
        if self.var.average_decimals and re.fullmatch(r"\.[1-9]\d\d", num) and not tok.fields.get("sign"):
            return pairs(num[1:])  # ".287" -> "two eighty seven", ".300" -> "three hundred"
        after = tok.fields.get("said_after")  # "40M" -> "million", "2x" -> "times"
        return (self._sign(tok.fields.get("sign")) + number(tok.fields["num"], self.and_)
                + (f" {after}" if after else ""))

    def ordinal(self, tok: Token) -> str:
        s, suffix = tok.fields["n"], tok.fields["suffix"]
        n = int(s.replace(",", ""))
        ending = "'s" if tok.fields.get("possessive") else ""
        if suffix == ordinal_suffix(n):
            return ordinal(n) + ending
        spoken = digits(s) if len(s) >= 3 else cardinal(n, self.and_)
        return f"{spoken} {suffix}{ending}"

    def fraction(self, tok: Token) -> str:
        f = tok.fields
        if "vulgar" in f:
            num, den = _vulgar(f["vulgar"])
        else:
            num, den = f["num"], f["den"]
        whole = int(f["whole"]) if f.get("whole") else None
        out = self._sign(f.get("sign")) + self._fraction(int(num), int(den), whole)
        if f.get("after_a") and whole is None and num == 1 and out.startswith("one "):
            return out[4:]  # "a 1/4-mile stretch" -> "a quarter mile"
        return out

    def decade(self, tok: Token) -> str:
        n = tok.fields["value"]
        if n >= 1000:
            if n % 100 == 0:
                return (year(n) if n % 1000 else cardinal(n, False)) + "s"
            return plural_words(year(n))
        return plural_words(cardinal(n))

    def _fraction(self, num: int, den: int, whole: int | None = None) -> str:
        if self.var.slash_over and whole is None and num > den >= 10:
            return f"{cardinal(num, self.and_)} over {cardinal(den, self.and_)}"  # "120/80"
        return fraction(num, den, whole, self.and_)

    def _amount(self, s: str) -> str:
        mixed = re.fullmatch(r"(\d+)[\s-](\d+)/(\d+)", s)
        if mixed:
            return self._fraction(int(mixed.group(2)), int(mixed.group(3)), int(mixed.group(1)))
        fm = re.fullmatch(r"(\d+)/(\d+)", s)
        if fm and int(fm.group(2)):
            return self._fraction(int(fm.group(1)), int(fm.group(2)))
        return number(s, self.and_)

    # money and measures ------------------------------------------------------------------------
    def _money_amount(self, num: str, mag: str | None, cur: str, adjectival: bool) -> str:
        """'3.50', '$' -> 'three dollars fifty cents'; with a magnitude '2.4', 'm' -> 'two point four
        million dollars'; more than two decimals are read as a decimal ('1.111' pounds)."""
        c = self.t.currencies[cur]
        unit = c.singular if adjectival else c.plural
        if mag:
            return f"{number(num, False)} {self.t.magnitudes[mag]} {unit}"
        whole, _, frac = num.partition(".")
        whole_n = int(whole.replace(",", "")) if whole else 0
        if len(frac) > 2:
            frac = frac[:2] + frac[2:].rstrip("0")  # "$20.010" is twenty dollars one cent
        if len(frac) > 2:
            return f"{decimal(whole, frac, self.and_)} {c.plural}"
        cents = int(frac.ljust(2, "0")) if frac else 0
        if whole_n == 0 and cents:
            return f"{cardinal(cents, self.and_)} {c.minor if cents == 1 else c.minor_plural}"
        said = written_cardinal(whole, self.and_) if whole else "zero"
        out = f"{said} {c.singular if whole_n == 1 or adjectival else c.plural}"
        if cents:
            out += f" {cardinal(cents, self.and_)} {c.minor if cents == 1 else c.minor_plural}"
        return out

    def money(self, tok: Token) -> str:
        f = tok.fields
        cur = f["cur"]
        if f.get("shared_magnitude"):
            return number(f["num"], self.and_)  # "between $2 and $3 billion": "between two and ..."
        adj = bool(f.get("adjectival"))
        if f.get("num2"):
            if f.get("mag2") and not f.get("mag") and not f.get("cur2"):
                out = f"{number(f['num'], False)} to {self._money_amount(f['num2'], f['mag2'], cur, adj)}"
            else:
                first = self._money_amount(f["num"], f.get("mag"), cur, False)
                out = f"{first} to {self._money_amount(f['num2'], f.get('mag2'), f.get('cur2') or cur, adj)}"
        else:
            out = self._money_amount(f["num"], f.get("mag"), cur, adj)
        unit = self.t.currencies[cur].singular
        if adj and self.var.adjectival_units and out.endswith(f" {unit}") and " " not in unit:
            out = f"{out[:-len(unit) - 1]}-{unit}"  # "a $10 gift card" -> "a ten-dollar gift card"
        per = f.get("per")
        if per:  # "£10/wk", "$3.99/lb"
            out += f" per {self.t.periods[per] if per in self.t.periods else self.t.units[per].singular}"
        return out

    def measure(self, tok: Token) -> str:
        f = tok.fields
        out = ("minus " if f.get("sign") else "") + self._amount(f["num"])
        if f.get("num2"):
            joiner = f["join"].strip()
            out += (" to " if joiner in "-–" else " by ") + self._amount(f["num2"])
        if f["unit"] == "%":
            return out + " percent"
        if f.get("mag"):  # "100 million kg" -> "one hundred million kilograms"
            out += " " + self.t.magnitudes[f["mag"]]
        unit = self.t.units[f["unit"]]
        one = f["num"] == "1" and not f.get("num2") and not f.get("mag")
        out += " " + (unit.singular if one or f.get("adjectival") else unit.plural)
        if f.get("inches"):  # "5'10"" -> "five feet ten inches", before a noun "six foot two"
            inches = self.t.units["in"]
            inch = int(f["inches"])
            out += f" {cardinal(inch)}" + ("" if f.get("adjectival") else
                                           f" {inches.singular if inch == 1 else inches.plural}")
        if f.get("per"):
            per = f["per"]
            out += " per " + (self.t.units[per].singular if per in self.t.units else self.t.periods[per])
        return out

    # dates and times ---------------------------------------------------------------------------
    def _year(self, y: str) -> str:
        if len(y) == 2:
            return digits(y) if y[0] == "0" else cardinal(int(y), self.and_)
        return year(int(y), self.and_years)

    def date(self, tok: Token) -> str:
        f = tok.fields
        style = f.get("style")
        if style == "quarter":
            return f"the {ordinal(f['quarter'])} quarter of {self._year(f['year'])}"
        if style == "era":
            return f"{year(int(f['year']), self.and_years)} {self._initialism(f['era'])}"
        if style == "era_before":
            return f"{self._initialism('AD')} {year(int(f['year']), self.and_years)}"
        if style == "prefix":
            return f"{f['prefix']} {self._year(f['year'])}"
        month = self.t.months[f["month"] - 1]
        day = f.get("day")
        y = f.get("year")
        comma = "," if f.get("comma") else ""
        if day is None:
            return f"{month}{comma} {self._year(y or '')}"
        if f["order"] == "dmy":
            out = f"{'' if f.get('after_the') else 'the '}{ordinal(day)}"
            if f.get("day2"):  # "18-24 November" -> "the eighteenth to the twenty fourth of November"
                out += f" to the {ordinal(f['day2'])}"
            out += f" of {month}"
        else:
            out = f"{month} {ordinal(day)}"
            if f.get("day2"):
                out += f" to {ordinal(f['day2'])}"
        if y:
            out += f"{comma} {self._year(y)}"
        return out

    def time(self, tok: Token) -> str:
        f = tok.fields
        h, m, s, ap = f["h"], f["m"], f["s"], f["ap"]
        names = self.t.cardinals
        if f.get("military"):  # hour, then minutes: "0912" is "oh nine twelve", "0600" "oh six hundred"
            hour = "zero" if h == 0 else digits(f["military"][:2], "oh") if h < 10 else cardinal(h)
            minutes = "hundred" if m == 0 else cardinal(m) if m >= 10 else f"oh {names[m]}"
            out = f"{hour} {minutes}"
        elif f.get("fraction"):  # "3:59.8" -> "three minutes fifty nine point eight seconds"
            parts = [_units(h, "hour")] if h else []
            parts += [_units(m, "minute")] if m else []
            out = " ".join(parts + [f"{cardinal(s)} point {digits(f['fraction'])} seconds"])
        elif s is not None:
            out = f"{_units(h, 'hour')} {_units(m, 'minute')} and {_units(s, 'second')}"
        elif m is None:
            out = cardinal(h) + (f" to {cardinal(f['h2'])}" if f.get("h2") is not None else "")
        else:
            leading_zero = str(f.get("raw_h", "")).startswith("0") and len(str(f.get("raw_h"))) == 2
            military = self.var.clock_hundreds and not ap and (h >= 13 or leading_zero)
            hour = f"oh {names[h]}" if military and leading_zero and h else cardinal(h)
            if military and h == 0:
                hour = "zero"
            if m == 0:
                out = hour + (" hundred" if military else "" if ap else " o'clock")
            elif m < 10:
                out = f"{hour} oh {names[m]}"
            else:
                out = f"{hour} {cardinal(m)}"
        if ap:
            out += f" {self._initialism(ap.upper() + 'M')}"
        if f.get("zone"):
            out += " " + self._zone(f["zone"])
            if f.get("zone2"):
                out += " and " + self._zone(f["zone2"])
        return out

    def _zone(self, zone: str) -> str:
        zone = zone.replace(".", "").upper()
        if self.var.zone_names:
            return self.t.time_zones.get(zone, zone)
        return zone

    def range(self, tok: Token) -> str:
        f = tok.fields
        if f["kind"] in ("ratio", "verse"):
            joiner = " to " if f["kind"] == "ratio" else " "
            return f"{cardinal(int(f['a']), self.and_)}{joiner}{cardinal(int(f['b']))}"
        if f["kind"] == "number":
            a, b = f["a"], f["b"]
            if self.var.plain_range != "to":
                to = " - "
            else:  # a range or a score ("eighteen to thirty four", "sixty one to thirty nine"), a record
                to = " and " if f.get("record") else " to "  # "improved to ten and seven"
            return number(a, self.and_) + to + number(b, self.and_)
        a = int(f["a"])
        b = f["b"]
        yb = int(b) if len(b) == 4 else a // 100 * 100 + int(b)
        if len(b) == 4:
            second = year(yb, self.and_years)
        else:  # "2019-20" -> "to twenty", "2000-01" -> "to oh one"
            second = cardinal(int(b)) if b[0] != "0" else digits(b, self.var.zero_digit)
        return f"{year(a, self.and_years)} to {second}"

    # words -------------------------------------------------------------------------------------
    def abbreviation(self, tok: Token) -> str:
        reading = tok.fields.get("reading")
        if reading is None and tok.text.endswith(".") and self.var.one_sentence_per_unit:
            return tok.text[:-1]  # a word, not the abbreviation ("Just Say No."): its dot only as a full stop
        return tok.text if reading is None else reading

    def letters(self, tok: Token) -> str:
        """Capitals and initials. In NeMo's conventions as written; for a newsreader, by what the
        capitals are (capitals.reading): a word in its usual case ("NASA" -> "Nasa"), else spelled for
        the engine (spelled_letters)."""
        f = tok.fields
        kind = f.get("kind")
        if kind == "ampm":
            return self._initialism(f["letters"])
        if kind == "initials":
            return f["letters"]
        word = f["letters"] if kind == "dotted" else tok.text
        if not self.var.spell_initialisms:
            return word
        base, suffix = word, ""
        if word.endswith(("'s", "’s")):
            base, suffix = word[:-2], "'s"
        elif word.endswith("s") and not word.isupper():
            base, suffix = word[:-1], "'s"  # "CEOs": the ending said as in "O's" (espeak-ng: "Os" is "O S")
        if kind in ("initial", "letter", "spelled") and base.isalpha():
            return spelled_letters(base, suffix)
        if not base.isupper() or not base.isalpha() or len(base) < 2:
            return word
        if reading(base) == "word":
            return usual_case(base) + word[len(base):]
        return spelled_letters(base, suffix)

    def _initialism(self, letters: str) -> str:
        """Letters the rules write ("AM", "BC"), as the variety writes spelled capitals."""
        return spelled_letters(letters) if self.var.spell_initialisms else letters

    def roman(self, tok: Token) -> str:
        value = roman_value(tok.text) or 0
        if tok.fields.get("reading") == "ordinal":
            return f"the {ordinal(value)}"
        return cardinal(value, self.and_)

    def special(self, tok: Token) -> str:
        if tok.fields.get("inner") is not None:
            return tok.fields["inner"]
        return tok.text if tok.fields.get("keep") else ""

    def emoji(self, tok: Token) -> str:
        if not tok.fields.get("word_position"):
            return ""
        return self.t.emoji.get(tok.text, "")

    def punct(self, tok: Token) -> str | None:
        return tok.fields.get("spoken")


def _vulgar(ch: str) -> tuple[int, int]:
    """'¾' -> (3, 4), from the character's Unicode decomposition."""
    parts = unicodedata.decomposition(ch).split()[1:]
    text = "".join(chr(int(p, 16)) for p in parts)
    num, _, den = text.partition("\u2044")
    return int(num or 1), int(den or 1)
