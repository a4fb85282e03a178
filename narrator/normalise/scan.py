"""The tagger's view of one text: its atoms, the tokens tagged so far, and matching in a bounded window.

Every recogniser (narrator/normalise/recognise/) reads the text through a `Scan`: a pattern is
matched at an atom start with `endpos` at most WINDOW characters later, and a match counts only if it
ends on an atom boundary, so tagging is linear in the text however long a token is. The pattern
fragments several classes share (numbers, months, units, currencies, zones) are built here once per
set of range dashes, from the word lists.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from .data import Tables, Variety, tables
from .tokens import Atom

WINDOW = 96
"""Characters a recogniser may read after its atom. The longest span a recogniser takes is an
address with a city and ZIP code (about 70 characters); past the window nothing is matched."""


@dataclass
class Token:
    """A tagged span of the cleaned text."""

    cls: str
    """Semiotic class ("cardinal", "money", "plain", "punct"...)."""
    start: int
    """Offset of the span in the cleaned text."""
    end: int
    """End offset of the span in the cleaned text."""
    text: str
    """The span's text as written (cleaned)."""
    fields: dict = field(default_factory=dict)
    """What the tagger parsed, by name (NeMo's token fields: integer, currency, month...), and the
    context decisions added to them (context.py)."""
    spoken: str | None = None
    """What is said, filled in by the verbaliser; None for punctuation, "" for nothing."""


# --- pattern fragments several classes share (all matched at an atom start, inside a window) ----

NUM = r"(?:\d{1,2}(?:,\d\d){1,6},\d{3}|\d{1,3}(?:,\d{3}){1,8}|\d{1,40})(?:\.\d{1,30})?|\.\d{1,30}"
"""A number as written: grouped thousands (or grouped the South Asian way, "1,50,000" for one lakh
fifty thousand) or up to 40 digits, with decimals; or decimals alone."""
AMPM = r"(?P<ap>[aApP])\.?\s?[mM](?![A-Za-z])(?P<apdot>\.)?"
ORD = r"(?:st|nd|rd|th)"
WORD_AFTER = re.compile(r"\s([a-z]{2,20})\b")
"""The lower-case word after a space (what an amount or a unit is said before)."""


def plural_noun(word: str, t: Tables) -> bool:
    """Whether a lower-case word can be a noun in the plural: not a function word, an adverb in -ly or
    a participle in -ed (data/en/not_nouns.tsv), and ending in -s (not -ss, -us, -is, 's) or an irregular
    plural ("people")."""
    if word in t.not_nouns or word.endswith("ly") or (word.endswith("ed") and len(word) >= 5):
        return False
    return word in t.context["plural"] or (
        word.endswith("s") and not word.endswith(("ss", "us", "is", "'s", "’s")))


def alt(words) -> str:  # noqa: ANN001 - any iterable of strings
    """An alternation of `words`, longest first (so "mph" is tried before "m")."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class Fragments:
    """Regular-expression fragments built from the word lists, for one set of range dashes."""

    dash: str
    """A character class of the variety's range dashes."""
    month: str
    """A month name or abbreviation (dotted or not)."""
    cur_sym: str
    """A currency written as a symbol ("$", "€", "US$")."""
    cur_code: str
    """A currency written as letters ("USD", "Rs")."""
    mag: str
    """A magnitude ("million", "bn", "K")."""
    units: str
    """A unit as listed, or of two or more letters in other capitals when its lower-case form is
    listed and is not an everyday word ("KG", "Km", "MPH": NeMo's convention)."""
    per: str
    """A period after a slash ("/yr", "/mo")."""
    zone: str
    """A time zone after a time, in brackets or not, with a second zone after a slash."""


@cache
def fragments(dashes: str) -> Fragments:
    """The shared fragments, built once per set of range dashes (Variety.range_dashes)."""
    t = tables()
    month_abbr = alt({v for a in t.month_abbreviations for v in (a, a.title(), a.upper())})
    folded = {u for u, unit in t.units.items() if len(u) >= 2 and u.isalpha() and u == u.lower()
              and not unit.word}
    # Zones in capitals ("PDT"), and the three-letter ones also in lower case or dotted ("e.s.t").
    long_zones = [z for z in t.time_zones if len(z) >= 3]
    zone_forms = set(t.time_zones) | {z.lower() for z in long_zones} | {
        f(".".join(z)) + end for z in long_zones for f in (str.lower, str.upper) for end in (".", "")}
    return Fragments(
        dash=f"[{re.escape(dashes)}]",
        month=rf"(?:(?i:{alt(m.lower() for m in t.months)})(?![A-Za-z])|(?:{month_abbr})(?![A-Za-z])\.?)",
        cur_sym=alt(k for k in t.currencies if not k.isalpha()),
        cur_code=alt(k for k in t.currencies if k.isalpha()),
        mag=alt(t.magnitudes),
        units=f"{alt(t.units)}|(?i:{alt(folded)})",
        per=alt(t.periods),
        zone=rf"(?:\s?\(?(?P<zone>{alt(zone_forms)})(?:/(?P<zone2>{alt(t.time_zones)}))?\)?(?![A-Za-z]))",
    )


class Scan:
    """One text being tagged (cleaned and cut into atoms) for one variety."""

    def __init__(self, text: str, atoms: list[Atom], variety: Variety, protected: dict[int, Token]):
        self.text = text
        self.atoms = atoms
        self.var = variety
        self.t: Tables = tables()
        self.f = fragments(variety.range_dashes)
        self.protected = protected
        """Spans found before tagging (addresses, lexicon entries), by start."""
        self.index = {a.start: k for k, a in enumerate(atoms)}
        """Atom number by start offset: a match must end at one of these (or at the end)."""
        self.index[len(text)] = len(atoms)
        self.out: list[Token] = []
        """The tokens tagged so far (the recognisers look back at them for context)."""
        self.quotes: list[int] | None = None
        """Offsets of the text's straight double quotes that are inch marks, found when first needed
        (recognise/measure.inch_marks)."""

    def match(self, pattern: re.Pattern[str], pos: int) -> re.Match[str] | None:
        """`pattern` matched at `pos` inside the window, ending on an atom boundary, or None."""
        m = pattern.match(self.text, pos, min(len(self.text), pos + WINDOW))
        if m is None or m.end() == pos or m.end() not in self.index:
            return None
        return m

    def prev_char(self, pos: int) -> str:
        """The character before `pos`; a space at the start of the text."""
        return self.text[pos - 1] if pos > 0 else " "

    def next_char(self, pos: int) -> str:
        """The character at `pos`; a space at the end of the text."""
        return self.text[pos] if pos < len(self.text) else " "

    def tok(self, cls: str, start: int, end: int, **fields) -> Token:  # noqa: ANN003 - the token's fields
        """A token of class `cls` for text[start:end]."""
        return Token(cls, start, end, self.text[start:end], fields)


__all__ = ["AMPM", "NUM", "ORD", "WINDOW", "WORD_AFTER", "Fragments", "Scan", "Token", "alt", "fragments"]
