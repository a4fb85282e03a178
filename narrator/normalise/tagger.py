"""Tagger: cut the atoms of a text into tokens, each tagged with its semiotic class.

Recognisers (one module per family of classes in recognise/, each with its patterns beside it) are
tried in order at the start of each atom; the first that matches takes the span. The order is data:
the tables below, one per kind of atom, pair each recogniser with the cheap test on the characters
after the atom that says whether it can match at all (a table lookup instead of twenty regular
expressions per number). A recogniser reads a bounded window after its atom (scan.Scan.match), so
tagging is linear in the text however long a token is. Whole-chunk classes (web and e-mail
addresses, handles, hashtags) are found by a single scan of each whitespace-delimited chunk before
the recognisers run (electronic.py).

The classes, as in NeMo's and Sparrowhawk's taggers: plain (a word as written), punct, cardinal,
decimal, ordinal, fraction, money, measure, date, time, range, telephone, electronic,
abbreviation, letters, roman, serial, instrument (a market code), symbol, address, special (kept
verbatim), lexicon, drop.
The context decisions (which reading a tagged token gets) are in context.py.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from .data import Tables
from .recognise import address, cardinal, date, measure, money, serial, symbols, telephone, time, words
from .scan import Scan, Token
from .tokens import EMOJI, NUM, SPACE, WORD, Atom, is_vulgar_fraction


@dataclass(frozen=True)
class At:
    """What the order's tests look at: an atom and the characters around it."""

    text: str
    """The atom."""
    prev: str
    """The character before it (a space at the start of the text)."""
    nxt: str
    """The character after it (a space at the end of the text)."""
    window: str
    """The 48 characters from its start."""
    t: Tables
    """The word lists."""

    @property
    def size(self) -> int:
        return len(self.text)

    @cached_property
    def letters(self) -> bool:
        """A letter follows in the window."""
        return _LETTER.search(self.window) is not None

    @property
    def clock(self) -> bool:
        """What follows can make a time: "9:30", "9.30 a.m.", "5-6 p.m.", "0700 GMT"."""
        return self.nxt in ":." or (self.letters and self.size <= 2 and self.nxt in "-– aApP") or (
            self.size == 4 and self.nxt == " ")

    @property
    def joined(self) -> bool:
        """The atom continues a letter or digit run (inside an alphanumeric chunk)."""
        return self.prev.isalnum()

    @property
    def signed(self) -> bool:
        """A sign before a number, after a space or an opening mark ("-3", "(+5%")."""
        return self.text in "-−+" and (self.nxt.isdecimal() or self.nxt == ".") and (
            self.prev.isspace() or self.prev in "([\"'“‘/=:;,?!`")

    @property
    def decimal_point(self) -> bool:
        """A point that opens a number (".5"), not one inside a number or a word."""
        return self.text == "." and self.nxt.isdecimal() and not (self.prev.isalnum() or self.prev == ".")


_LETTER = re.compile(r"[^\W\d_]")

Recogniser = Callable[[Scan, int], Token | None]
Order = tuple[tuple[Recogniser, Callable[[At], bool]], ...]


def _always(a: At) -> bool:
    return True


def _vulgar(s: Scan, pos: int) -> Token | None:
    return s.tok("fraction", pos, pos + 1, vulgar=s.text[pos], whole=None)


NUMBER_ORDER: Order = (
    (telephone.telephone, lambda a: a.size in (1, 3) and a.nxt in "-. "),
    (telephone.ip, lambda a: a.size <= 3 and a.nxt == "."),
    (time.time, lambda a: a.clock),
    (cardinal.ratio, lambda a: a.nxt == ":"),
    (date.numeric, lambda a: a.nxt in "/.-" and a.size in (1, 2, 4)),
    (serial.version, lambda a: a.nxt == "." and a.size <= 4),
    (serial.instrument, lambda a: a.nxt in ".=" and a.letters),
    (address.address, lambda a: a.nxt == " " and a.size <= 5),
    (money.code_after, lambda a: a.nxt in " ,."),
    (measure.measure, lambda a: a.nxt != ":"),
    (measure.percent, lambda a: "%" in a.window),
    (cardinal.year_range, lambda a: a.size == 4 and a.nxt in "-– /"),
    (cardinal.math, lambda a: any(op in a.window for op in "=+*×÷")),
    (date.day_month, lambda a: a.size <= 2 and a.nxt in " snrt-–"),
    (cardinal.number_range, lambda a: a.nxt in "-– ,"),
    (date.quarter, lambda a: a.nxt == "Q"),
    (date.era_after, lambda a: a.size <= 4 and a.nxt in " ABC"),
    (date.decade, lambda a: a.nxt in "0s'’‘`´ "),
    (serial.section, lambda a: a.size == 3 and a.nxt == "("),
    (measure.inches, lambda a: a.nxt in '."”″′'),
    (measure.height, lambda a: a.nxt in "'′"),
    (cardinal.fraction, lambda a: a.nxt in "/⁄ -"),
    (cardinal.ordinal, lambda a: a.nxt in "snrtSNRT,"),
    (cardinal.count, lambda a: a.letters and a.nxt in "MBbmtKk.,x× "),
    (cardinal.agents, lambda a: a.nxt == "e"),
    (serial.chain, lambda a: a.nxt.isalpha() or (a.nxt == "-" and a.letters)),
    (cardinal.number, _always),
)
"""Digits: from the most specific shape to the plainest (a telephone number before a range, a time
before a ratio, a measure before a bare number). Inside an alphanumeric chunk none is tried."""

WORD_ORDER: Order = (
    (words.fixed, _always),
    (serial.instrument, lambda a: not a.joined and a.text[:1].isupper() and (
        a.text.endswith("c") and a.nxt.isdecimal() or "=" in a.window[:14] or a.nxt == ".")),
    (money.money, lambda a: not a.joined and (a.text in a.t.currency_prefixes and a.nxt == "$"
                                              or a.text in a.t.currencies)),
    (date.month_first, lambda a: not a.joined and a.text.lower() in date.month_words()),
    (date.era_before, lambda a: not a.joined and a.text in ("AD", "A")),
    (date.q_year, lambda a: not a.joined and a.text == "Q"),
    (date.prefix_year, lambda a: not a.joined and a.text.isupper() and a.text in a.t.fixed),
    (address.party, lambda a: not a.joined and a.text in a.t.parties and a.nxt == "-"),
    (serial.chain, lambda a: not a.joined),
    (words.word, _always),
)
"""Letters: the words that open a number class (currencies, months, eras, Q3, FY2025, a party
letter), codes, then the word classes (abbreviations, letters, roman numerals)."""

SYMBOL_ORDER: Order = (
    (words.fixed, _always),
    (serial.instrument, lambda a: a.text in ".<=" and (a.nxt.isupper() or (a.nxt == "." and a.text != "="))),
    (date.decade_short, lambda a: a.text in "'’‘`´" and (a.nxt.isdecimal() or a.nxt == " ")),
    (date.year_short, lambda a: a.text in "'’‘`´" and a.nxt.isdecimal()),
    (money.money, lambda a: a.text in a.t.currencies and not a.text.isalpha()),
    (telephone.telephone, lambda a: a.text in "(+" and a.nxt.isdecimal()),
    (measure.measure, lambda a: a.signed),
    (measure.percent, lambda a: a.signed),
    (cardinal.fraction, lambda a: a.signed),
    (cardinal.number, lambda a: a.signed),
    (measure.measure, lambda a: a.decimal_point),
    (cardinal.number, lambda a: a.decimal_point),
    (_vulgar, lambda a: is_vulgar_fraction(a.text)),
)
"""Symbols that open a number: a decade's apostrophe, a currency, a telephone's bracket or plus, a
sign, a decimal point, a vulgar fraction. Any other symbol is said, is punctuation, or is dropped
(recognise/symbols.py)."""


class Tagger(Scan):
    """Tags one text (cleaned and cut into atoms) for one variety."""

    def run(self) -> list[Token]:
        """Tag every atom; returns the tokens in order, covering the whole text."""
        k = 0
        n = len(self.atoms)
        while k < n:
            atom = self.atoms[k]
            tok = self.protected.get(atom.start)
            if tok is None:
                tok = self._recognise(atom)
            self.out.append(tok)
            k = self.index[tok.end]
        return self.out

    def _first(self, order: Order, atom: Atom) -> Token | None:
        at = At(atom.text, self.prev_char(atom.start), self.next_char(atom.end),
                self.text[atom.start:atom.start + 48], self.t)
        for recognise, wanted in order:
            if wanted(at):
                tok = recognise(self, atom.start)
                if tok:
                    return tok
        return None

    def _recognise(self, atom: Atom) -> Token:
        if atom.kind == SPACE:
            return self.tok("space", atom.start, atom.end)
        if atom.kind == NUM:
            tok = words.fixed(self, atom.start)
            if tok is None and not self.prev_char(atom.start).isalnum():  # else the chain took it
                tok = self._first(NUMBER_ORDER, atom)
            return tok or self.tok("cardinal", atom.start, atom.end, num=atom.text, sign="")
        if atom.kind == WORD:
            return self._first(WORD_ORDER, atom) or self.tok("plain", atom.start, atom.end)
        if atom.kind == EMOJI:
            return self.tok("emoji", atom.start, atom.end)
        return self._first(SYMBOL_ORDER, atom) or symbols.symbol(self, atom.start)


__all__ = ["NUMBER_ORDER", "SYMBOL_ORDER", "WORD_ORDER", "At", "Tagger", "Token"]
