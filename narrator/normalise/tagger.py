"""Tagger: cut the atoms of a text into tokens, each tagged with its semiotic class.

Recognisers are tried in order at the start of each atom; the first that matches takes the span.
A recogniser reads a bounded window after its atom (regular expressions are matched with
`endpos`, and a match must end on an atom boundary), so tagging is linear in the text however
long a token is. Whole-chunk classes (web and e-mail addresses, handles, hashtags) are found
by a single scan of each whitespace-delimited chunk before the recognisers run.

The classes, as in NeMo's and Sparrowhawk's taggers: plain (a word as written), punct, cardinal,
decimal, ordinal, fraction, money, measure, date, time, range, telephone, electronic,
abbreviation, letters, roman, serial, symbol, address, special (kept verbatim), lexicon, drop.
The context decisions (which reading a tagged token gets) are in context.py.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

from .data import Tables, Variety, tables
from .tokens import EMOJI, NUM, SPACE, WORD, Atom, is_vulgar_fraction

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


# --- patterns (all matched at an atom start, inside a window) ---------------------------------

_NUM = r"(?:\d{1,3}(?:,\d{3}){1,8}|\d{1,40})(?:\.\d{1,30})?|\.\d{1,30}"
_AMPM = r"(?P<ap>[aApP])\.?\s?[mM](?![A-Za-z])(?P<apdot>\.)?"
_ORD = r"(?:st|nd|rd|th)"


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _patterns(dashes: str) -> dict[str, re.Pattern[str]]:
    """The recognisers' patterns, built once per set of range dashes (Variety.range_dashes) from the
    word lists. Each is matched at an atom start with a bounded window; repetitions are bounded too."""
    t = tables()
    dash = f"[{re.escape(dashes)}]"
    month_abbr = _alt({v for a in t.month_abbreviations for v in (a, a.title(), a.upper())})
    month = rf"(?:(?i:{_alt(m.lower() for m in t.months)})(?![A-Za-z])|(?:{month_abbr})(?![A-Za-z])\.?)"
    cur_sym = _alt(k for k in t.currencies if not k.isalpha())
    cur_code = _alt(k for k in t.currencies if k.isalpha())
    mag = _alt(t.magnitudes)
    # Units as listed, then (NeMo's convention) a unit of two or more letters in other capitals
    # ("KG", "Km", "MPH") when its lower-case form is listed and is not an everyday word.
    folded = {u for u, unit in t.units.items() if len(u) >= 2 and u.isalpha() and u == u.lower()
              and not unit.word}
    units = f"{_alt(t.units)}|(?i:{_alt(folded)})"
    per = _alt(t.periods)
    # Zones in capitals ("PDT"), and the three-letter ones also in lower case or dotted ("e.s.t").
    long_zones = [z for z in t.time_zones if len(z) >= 3]
    zone_forms = set(t.time_zones) | {z.lower() for z in long_zones} | {
        f(".".join(z)) + end for z in long_zones for f in (str.lower, str.upper) for end in (".", "")}
    zone = rf"(?P<zone>{_alt(zone_forms)})"
    zone_part = rf"(?:\s?\(?{zone}(?:/(?P<zone2>{_alt(t.time_zones)}))?\)?(?![A-Za-z]))"
    ext = r"(?:,?\s(?:ext\.?|x|extension)\s?(?P<ext>\d{1,6}))?"
    street_abbr = _alt(k for k, full in t.street_types.items() if k != full)
    street_full = _alt({full for full in t.street_types.values()})
    ampm_hours = rf"(?:\s?{_AMPM})?{zone_part}?"
    return {
        "phone_nanp": re.compile(
            r"(?:(?P<cc>\+\d{1,3})[\s.-]?|(?P<one>1)-)?(?:\((?P<area>\d{3})\)|(?P<area2>\d{3}))[\s.-]?"
            rf"(?P<a>\d{{3}})[-.](?P<b>\d{{4}})(?:-(?P<x>\d{{1,4}}))?{ext}(?![\w-])"),
        "phone_local": re.compile(rf"(?P<a>\d{{3}})-(?P<b>\d{{4}}){ext}(?![\w-])"),
        "phone_ssn": re.compile(r"(?P<a>\d{3})-(?P<b>\d{2})-(?P<c>\d{4})(?![\w-])"),
        "phone_words": re.compile(r"1-(?P<code>8\d\d)-(?P<rest>(?=[A-Z0-9-]{0,40}[A-Z])"
                                  r"[A-Z0-9]{1,8}(?:-[A-Z0-9]{1,8}){0,5})(?![\w-])"),
        "phone_intl": re.compile(r"\+(?P<cc>\d{1,3})(?P<rest>(?:[\s-]\d{2,8}){2,5})(?![\w-])"),
        "ip": re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?![\w.])"),
        "version": re.compile(r"\d{1,4}(?:\.\d{1,4}){2,3}(?!\w|\.\d)"),
        # a time taken, to a fraction of a second: "3:59.8" (a mile), "2:01:09.35" (a marathon)
        "elapsed": re.compile(r"(?:(?P<h>\d{1,2}):(?=\d{2}:))?(?P<m>\d{1,2}):(?P<s>\d{2})\.(?P<f>\d{1,3})"
                              r"(?![\d:]|\.\d)"),
        "time_hms": re.compile(rf"(?P<h>\d{{1,2}}):(?P<m>\d{{2}}):(?P<s>\d{{2}})(?![\d:]){ampm_hours}"),
        "time_hm": re.compile(rf"(?P<h>\d{{1,2}})(?P<sep>[:.])(?P<m>\d{{2}})(?![\d:]){ampm_hours}"),
        "time_h_range": re.compile(rf"(?P<h>\d{{1,2}})\s?{dash}\s?(?P<h2>\d{{1,2}})\s?{_AMPM}{zone_part}?"),
        "time_h": re.compile(rf"(?P<h>\d{{1,2}})\s?{_AMPM}{zone_part}?"),
        "time_military": re.compile(r"(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)\s"
                                    r"(?:(?P<zone>GMT|UTC|Z)|(?P<hours>hours|hrs))(?![A-Za-z])"),
        "date_iso": re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<mo>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\w/-])"),
        "date_num": re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
                               r"(?![\w/-])"),
        "date_dmy": re.compile(
            rf"(?P<d>\d{{1,2}}){_ORD}?\s+(?:of\s+)?(?P<mon>{month})(?:(?P<sep>,?\s+)(?P<y>\d{{4}})(?!\d))?"),
        "date_mdy": re.compile(
            rf"(?P<mon>{month})\s+(?P<d>\d{{1,2}})(?P<ord>{_ORD})?(?![\d:])"
            rf"(?:(?P<dash>\s?{dash}\s?)(?P<d2>\d{{1,2}})(?P<ord2>{_ORD})?(?![\d:]))?"
            rf"(?:(?P<sep>,?\s+|,)(?P<y>\d{{4}})(?![\d:]))?(?![\w,.]\d)"),
        "date_my": re.compile(rf"(?P<mon>{month})(?P<sep>,?\s+)(?P<y>\d{{4}})(?![\d:])"),
        "date_dash": re.compile(rf"(?P<mon>{month})-(?P<d>\d{{1,2}})-(?P<y>\d{{4}})(?!\d)"),
        "quarter": re.compile(r"(?P<q>[1-4])Q(?P<y>\d{2}|\d{4})(?![\w])"),
        "q_year": re.compile(r"Q(?P<q>[1-4])(?:\s(?P<y>\d{4}))?(?![\w])"),
        "prefix_year": re.compile(r"(?P<pre>[A-Z]{2})\s?(?P<y>\d{4}|\d{2})(?!\d)"),
        "era_after": re.compile(r"(?P<y>\d{1,4})\s?(?P<era>A\.D\.?|B\.C\.E\.?|B\.C\.?|C\.E\.?|AD|BCE|BC|CE)"
                                r"(?![\w])"),
        "era_before": re.compile(r"(?P<era>A\.D\.|AD)\s?(?P<y>\d{1,4})(?![\w.,]\d)(?!\d)"),
        "decade": re.compile(r"(?P<full>(?:1\d|20)\d0|[1-9]0)(?P<apos>['’])?s(?![\w])"),
        "decade_short": re.compile(r"['’](?P<short>\d0)s(?![\w])"),
        "money": re.compile(
            rf"(?P<cur>{cur_sym})\s?(?P<num>{_NUM})(?:[\s-]?(?P<mag>{mag})(?![A-Za-z])(?P<magdot>\.(?!\d))?)?"
            rf"(?:\s?{dash}\s?(?P<cur2>{cur_sym})?\s?(?P<num2>{_NUM})(?:\s?(?P<mag2>{mag})(?![A-Za-z]))?)?"
            rf"(?:\s?/\s?(?P<per>{per}|{units})(?![A-Za-z])(?P<perdot>\.)?)?"),
        "money_code": re.compile(rf"(?P<cur>{cur_code})\s?(?P<num>{_NUM})(?:\s?(?P<mag>{mag})(?![A-Za-z]))?"),
        "money_code_after": re.compile(
            rf"(?P<num>{_NUM})(?:\s?(?P<mag>{mag}))?\s(?P<cur>{cur_code})(?![A-Za-z])"),
        "measure": re.compile(
            rf"(?P<sign>[-−])?(?P<num>(?:{_NUM})(?:\s\d{{1,3}}/\d{{1,3}})?|\d{{1,3}}/\d{{1,3}})"
            rf"(?:(?P<join>\s?{dash}\s?|\s?(?:x|×|by)\s?)(?P<num2>{_NUM}))?"
            rf"(?P<space>\s?|-)(?P<unit>{units})(?P<unitdot>\.)?(?:/(?P<per>{units}|{per}))?(?![\w°])"),
        "percent": re.compile(rf"(?P<sign>[-−])?(?P<num>{_NUM})(?:\s?{dash}\s?(?P<num2>{_NUM}))?\s?%"),
        "height": re.compile(r"(?P<ft>\d{1,2})['′]\s?(?P<inch>\d{1,2})(?:\"|''|″|′′)(?![\w])"),
        "inches": re.compile(r"(?P<num>\d{1,4}(?:\.\d{1,3})?)\"(?![\w])"),
        "fraction": re.compile(r"(?P<sign>[-−])?(?:(?P<whole>\d{1,6})\s)?(?P<num>\d{1,6})[/⁄](?P<den>\d{1,6})"
                               r"(?P<suf>(?:th|rd|nd|st)s?|s)?(?![\w/]|\.\d)"),
        "math": re.compile(r"(?:[A-Za-z]|\d{1,9}(?:\.\d{1,9})?)(?:\s{0,3}[-+*/=×÷]\s{0,3}"
                           r"(?:[A-Za-z]|\d{1,9}(?:\.\d{1,9})?)){1,4}(?![\w.])"),
        "range": re.compile(rf"(?P<a>\d{{1,3}}(?:,\d{{3}}){{1,6}}|\d{{1,9}})(?P<dash>\s?{dash}\s?)"
                            r"(?P<b>\d{1,3}(?:,\d{3}){1,6}|\d{1,9})(?![\w-]|[.,]\d)"),
        "year_range": re.compile(rf"(?P<a>\d{{4}})\s?(?P<dash>{dash})\s?(?P<b>\d{{4}}|\d{{2}})(?![\w-])"),
        "ordinal": re.compile(
            rf"(?P<n>\d{{1,3}}(?:,\d{{3}}){{1,6}}|\d{{1,9}})(?P<suf>{_ORD}|ST|ND|RD|TH)(?![A-Za-z])"),
        "section": re.compile(r"(?P<n>\d{3})\((?P<a>[a-z])\)(?:\((?P<b>[0-9a-z]{1,2})\))?"),
        "address": re.compile(
            rf"(?P<num>\d{{1,5}})\s+(?:(?P<dir>{_alt(t.directions)})\.?\s+)?"
            r"(?P<name>(?:(?:[A-Z][A-Za-z'’]{0,20}|\d{1,3}(?:st|nd|rd|th))\s+){1,3}?)"
            rf"(?:(?P<abbr>(?i:{street_abbr}))(?![A-Za-z])(?P<dot>\.?)|(?P<full>{street_full})(?![A-Za-z]))"
            r"(?:\s(?P<quad>[NS][EW]|[NS]\.[EW]\.)(?![\w]))?"
            r"(?P<tail>(?:,\s(?:[A-Z][a-z]{1,20}\s){0,2}[A-Z][a-z]{1,20})?,\s(?P<state>[A-Z]{2})"
            r"(?:\s(?P<zip>\d{5}(?:-\d{4})?))?(?![\w]))?"),
        "number": re.compile(rf"(?P<sign>[-−+])?(?P<num>{_NUM})"),
        # a magnitude against a bare count ("40M borrowers", "3bn people", "300K homes"); a lone m or b
        # is also a unit or a letter ("5m", "4b"), so they do not count (K after one digit: see _count)
        "ratio": re.compile(r"(?P<a>\d{1,3}):(?P<b>\d)(?![\d:]|[.,]\d)"),
        "times": re.compile(r"[x×](?=[\s,;.!?)])(?!\s?\d)"),
        "spaced_magnitude": re.compile(r"(?:bn|mn|tn)(?![\w.])"),  # no word, so also after a space
        "count_magnitude": re.compile(
            rf"(?:{_alt(w for w, spoken in t.magnitudes.items() if w != spoken and w not in 'mb')})"
            r"(?![\w.])"),
        "dotted": re.compile(r"[A-Za-z]{1,3}\.(?:[A-Za-z]\.){0,4}[A-Za-z]?\.?"),  # "U.S.", "Ph.D."
        "party": re.compile(r"(?P<p>[A-Z])-(?P<st>[A-Z]\.[A-Z]\.|[A-Z][a-z]{1,4}\.|[A-Z]\.[A-Z][a-z]\.|"
                            r"[A-Z]{2}(?![A-Za-z])|[A-Z][a-z]{2,13}(?:\s[A-Z][a-z]{2,13})?)"),
        "initials": re.compile(r"(?:[A-Z]\.\s){1,4}[A-Z]\.(?=\s[A-Z][a-z])"),
    }


# --- the tagger ---------------------------------------------------------------------------------

_DASHES = "-‐‑‒–—―"
_BRACKETS = "[]"
_COMMA_WORD = re.compile(r"(?:,\s|\s\()(\w+)")
_LETTER = re.compile(r"[^\W\d_]")
_WORD_AFTER = re.compile(r"\s([a-z]{2,20})\b")
_IPA = re.compile("[\u0250-\u02af\u02c8\u02cc\u0259\u025b\u0254\u026a\u028a]")
_ARPABET = re.compile(r"[A-Z]{1,2}[0-2]?(?:\s[A-Z]{1,2}[0-2]?){0,60}")


def _single_capitals(text: str, pos: int) -> bool:
    """The slash at `pos` stands between two single capital letters ("P/E")."""
    if not (0 < pos < len(text) - 1 and text[pos - 1].isupper() and text[pos + 1].isupper()):
        return False
    return (pos < 2 or not text[pos - 2].isalnum()) and (pos + 2 >= len(text) or not text[pos + 2].isalnum())


def nxt_digit(text: str, pos: int) -> bool:
    """A decimal digit at `pos`."""
    return pos < len(text) and text[pos].isdecimal()


class Tagger:
    """Tags one text (cleaned and cut into atoms) for one variety."""

    def __init__(self, text: str, atoms: list[Atom], variety: Variety,
                 protected: dict[int, Token]):
        self.text = text
        self.atoms = atoms
        self.var = variety
        self.t: Tables = tables()
        self.p = _patterns(variety.range_dashes)
        self.protected = protected
        self.index = {a.start: k for k, a in enumerate(atoms)}
        self.index[len(text)] = len(atoms)
        self.out: list[Token] = []
        self.quotes: list[int] | None = None
        self.fixed = sorted(self.t.fixed.items(), key=lambda e: -len(e[0]))  # "w/o" before "w/"
        self.month_words = {m.lower() for m in self.t.months} | set(self.t.month_abbreviations)

    # helpers -----------------------------------------------------------------------------------
    def _match(self, name: str, pos: int) -> re.Match[str] | None:
        """Pattern `name` matched at `pos` inside the window, ending on an atom boundary, or None."""
        m = self.p[name].match(self.text, pos, min(len(self.text), pos + WINDOW))
        if m is None or m.end() == pos or m.end() not in self.index:
            return None
        return m

    def _prev_char(self, pos: int) -> str:
        """The character before `pos`; a space at the start of the text."""
        return self.text[pos - 1] if pos > 0 else " "

    def _next_char(self, pos: int) -> str:
        """The character at `pos`; a space at the end of the text."""
        return self.text[pos] if pos < len(self.text) else " "

    def _tok(self, cls: str, start: int, end: int, **fields) -> Token:
        return Token(cls, start, end, self.text[start:end], fields)

    # main loop ---------------------------------------------------------------------------------
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

    def _recognise(self, atom: Atom) -> Token:
        if atom.kind == SPACE:
            return self._tok("space", atom.start, atom.end)
        if atom.kind == NUM:
            for rec in (self._fixed, self._numeric):
                tok = rec(atom)
                if tok:
                    return tok
            return self._tok("cardinal", atom.start, atom.end, num=atom.text, sign="")
        if atom.kind == WORD:
            for rec in (self._fixed, self._word_numeric, self._word):
                tok = rec(atom)
                if tok:
                    return tok
            return self._tok("plain", atom.start, atom.end)
        if atom.kind == EMOJI:
            return self._tok("emoji", atom.start, atom.end)
        tok = self._fixed(atom) or self._symbol_numeric(atom)
        return tok or self._symbol(atom)

    # fixed expressions -------------------------------------------------------------------------
    def _fixed(self, atom: Atom) -> Token | None:
        for written, spoken in self.fixed:
            if written[0] != atom.text[0] or not self.text.startswith(written, atom.start):
                continue
            end = atom.start + len(written)
            if end not in self.index or (self._next_char(end).isalnum() and written[-1].isalnum()):
                continue
            if self._prev_char(atom.start).isalnum() or self._prev_char(atom.start) in "/-":
                continue
            if written.isalpha() and written.isupper():  # a prefix before a year: "FY2025"
                continue
            return self._tok("fixed", atom.start, end, spoken=spoken)
        return None

    # numbers first ----------------------------------------------------------------------------
    def _numeric(self, atom: Atom) -> Token | None:
        """Number classes, in order; each is tried only when the character after the digits can
        start its pattern (a table lookup instead of twenty regular expressions per number)."""
        pos = atom.start
        if self._prev_char(pos).isalnum():
            return None  # inside an alphanumeric chunk: the serial recogniser took it
        nxt = self._next_char(atom.end)
        size = len(atom.text)
        window = self.text[pos:pos + 48]
        letters = _LETTER.search(window) is not None
        clock = nxt in ":." or (letters and size <= 2 and nxt in "-– aApP") or (size == 4 and nxt == " ")
        for rec, wanted in ((self._telephone, size in (1, 3) and nxt in "-. "),
                            (self._ip, size <= 3 and nxt == "."),
                            (self._time, clock),
                            (self._ratio, nxt == ":"),
                            (self._date_numeric, nxt in "/.-" and size in (1, 2, 4)),
                            (self._version, nxt == "." and size <= 4),
                            (self._address, nxt == " " and size <= 5),
                            (self._money_code_after, nxt in " ,."),
                            (self._measure, nxt != ":"),
                            (self._percent, "%" in window),
                            (self._year_range, size == 4 and nxt in "-– "),
                            (self._math, any(op in window for op in "=+*×÷")),
                            (self._range, nxt in "-– ,"),
                            (self._date_dmy, size <= 2 and nxt in " snrt"),
                            (self._quarter, nxt == "Q"),
                            (self._era_after, size <= 4 and nxt in " ABC"),
                            (self._decade, nxt in "0s'’"),
                            (self._section, size == 3 and nxt == "("),
                            (self._inches, nxt in '."'),
                            (self._height, nxt in "'′"),
                            (self._fraction, nxt in "/⁄ "),
                            (self._ordinal, nxt in "snrtSNRT,"),
                            (self._count, letters and nxt in "MBbmtKk.,x× "),
                            (self._agents, nxt == "e"),
                            (self._serial, nxt.isalpha() or (nxt == "-" and letters)),
                            (self._number, True)):
            if wanted:
                tok = rec(pos)
                if tok:
                    return tok
        return None

    def _telephone(self, pos: int) -> Token | None:
        if self._prev_char(pos) in "-/.":
            return None
        m = self._match("phone_words", pos)
        if m:
            return self._tok("telephone", pos, m.end(), shape="words", code=m["code"], rest=m["rest"])
        m = self._match("phone_nanp", pos)  # before the international shape: "+1 800-555-0100"
        if m:
            groups = [m["area"] or m["area2"], m["a"], m["b"]] + ([m["x"]] if m["x"] else [])
            return self._tok("telephone", pos, m.end(), shape="nanp", cc=(m["cc"] or "").lstrip("+"),
                             one=bool(m["one"]), groups=groups, ext=m["ext"])
        m = self._match("phone_intl", pos) if self.text[pos] == "+" else None
        if m:
            groups = [g for g in re.split(r"[\s-]+", m["rest"]) if g]
            return self._tok("telephone", pos, m.end(), shape="intl", cc=m["cc"], groups=groups)
        m = self._match("phone_ssn", pos)
        if m:
            return self._tok("telephone", pos, m.end(), shape="groups", groups=[m["a"], m["b"], m["c"]])
        m = self._match("phone_local", pos)
        if m and (m["b"][0] == "0" or m["ext"] or self._phone_context()):
            return self._tok("telephone", pos, m.end(), shape="nanp", cc="", one=False,
                             groups=[m["a"], m["b"]], ext=m["ext"])
        return None

    def _phone_context(self) -> bool:
        """One of the last three words names a telephone number ("call", "hotline", "number")."""
        words = [t.text.lower() for t in self.out[-8:] if t.cls in ("plain", "abbreviation")][-3:]
        return any(w in self.t.context["phone"] for w in words)

    def _ip(self, pos: int) -> Token | None:
        if self._prev_char(pos) in ".":
            return None
        m = self._match("ip", pos)
        if m and all(int(p) < 256 for p in m.group(0).split(".")):
            return self._tok("electronic", pos, m.end(), kind="ip")
        return None

    def _ratio(self, pos: int) -> Token | None:
        """"3:1" (a clock always has two digits of minutes): a ratio or a score, said "three to one";
        after a name, a chapter and verse ("Psalm 23:1", said "twenty three one")."""
        m = self._match("ratio", pos)
        if not m or self._prev_char(pos) == ":":
            return None
        before = re.search(r"([A-Za-z]+)\s$", self.text[max(0, pos - 24):pos])
        name = (before is not None and before[1][0].isupper()
                and before[1].lower() not in self.t.context["determiner"])
        return self._tok("range", pos, m.end(), kind="verse" if name else "ratio", a=m["a"], b=m["b"])

    def _version(self, pos: int) -> Token | None:
        """Three or four numbers joined by dots that are no address nor date: a version ("iOS
        17.4.1" -> "seventeen point four point one")."""
        if self._prev_char(pos) in ".":
            return None
        m = self._match("version", pos)
        if m:
            return self._tok("serial", pos, m.end(), kind="version", parts=m.group(0).split("."))
        return None

    def _time(self, pos: int) -> Token | None:
        if self._prev_char(pos) in ":.," and pos > 1 and self.text[pos - 2].isdecimal():
            return None
        m = self._match("elapsed", pos)
        if m and int(m["s"]) < 60 and (m["h"] is None or int(m["m"]) < 60):
            return self._tok("time", pos, m.end(), h=int(m["h"] or 0), m=int(m["m"]), s=int(m["s"]),
                             fraction=m["f"], ap=None, zone=None, zone2=None, dot=False)
        m = self._match("time_hms", pos)
        if m and int(m["m"]) < 60 and int(m["s"]) < 60:
            return self._time_tok(pos, m, int(m["h"]), int(m["m"]), int(m["s"]))
        m = self._match("time_hm", pos)
        if m:
            h, mi = int(m["h"]), int(m["m"])
            if mi < 60 and h <= 24 and (m["sep"] == ":" or m["ap"]) and not (m["ap"] and h > 12):
                return self._time_tok(pos, m, h, mi, None)
        m = self._match("time_h_range", pos)
        if m and int(m["h"]) <= 12 and int(m["h2"]) <= 12:  # "5-6 p.m."
            tok = self._time_tok(pos, m, int(m["h"]), None, None)
            tok.fields["h2"] = int(m["h2"])
            return tok
        m = self._match("time_h", pos)
        if m and int(m["h"]) <= 12 and not self._prev_char(pos) == ",":
            return self._time_tok(pos, m, int(m["h"]), None, None)
        m = self._match("time_military", pos)
        if m:
            end = m.end() - (len(m["hours"]) if m["hours"] else 0)  # "0700 hours": the word is read
            end = end - 1 if self.text[end - 1] == " " else end
            return self._tok("time", pos, end, h=int(m["h"]), m=int(m["m"]), s=None, ap=None,
                             military=m["h"] + m["m"], zone=m["zone"], zone2=None, dot=False)
        return None

    def _time_tok(self, pos: int, m: re.Match[str], h: int, mi: int | None, s: int | None) -> Token:
        g = m.groupdict()
        zone = (g.get("zone") or "").replace(".", "").upper() or None
        return self._tok("time", pos, m.end(), h=h, m=mi, s=s, ap=(g.get("ap") or "").lower() or None,
                         zone=zone, zone2=g.get("zone2"), dot=bool(g.get("apdot")) and not zone,
                         raw_h=m["h"])

    def _date_numeric(self, pos: int) -> Token | None:
        if self._prev_char(pos) in "/.-" or self._prev_char(pos).isalnum():
            return None
        m = self._match("date_iso", pos)
        if m and 1 <= int(m["mo"]) <= 12 and 1 <= int(m["d"]) <= 31:
            return self._tok("date", pos, m.end(), month=int(m["mo"]), day=int(m["d"]), year=m["y"],
                             order="mdy", style="numeric")
        m = self._match("date_num", pos)
        if m and not (m["sep"] == "." and len(m["y"]) == 2):
            a, b = int(m["a"]), int(m["b"])
            order = self.var.numeric_dates
            if (a if order == "mdy" else b) > 12:  # "15/03/2021": a first number above 12 is the day
                order = "dmy" if order == "mdy" else "mdy"
            mo, d = (b, a) if order == "dmy" else (a, b)
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return self._tok("date", pos, m.end(), month=mo, day=d, year=m["y"], order=order,
                                 style="numeric")
        return None

    def _date_dmy(self, pos: int) -> Token | None:
        m = self._match("date_dmy", pos)
        if not m:
            return None
        month = self._month(m["mon"], bool(m["y"]), day_first=True)
        if month is None or not 1 <= int(m["d"]) <= 31:
            return None
        return self._tok("date", pos, m.end(), month=month, day=int(m["d"]), year=m["y"], order="dmy",
                         comma="," in (m["sep"] or ""), style="words")

    def _month(self, written: str, with_year: bool, day_first: bool = False) -> int | None:
        """The month a written month name or abbreviation stands for, where it is one: a lower-case
        "may" ("we may 3"), a lower-case "march" after a day ("3 march"), or a dotless lower-case
        abbreviation is a month only with a year (or, in NeMo's conventions, before a day too:
        "dec 31")."""
        key = written.rstrip(".").lower()
        names = [m.lower() for m in self.t.months]
        number = names.index(key) + 1 if key in names else self.t.month_abbreviations.get(key)
        if number is None:
            return None
        if written[0].islower() and not with_year:
            if key == "may" or (key == "march" and day_first) or (
                    key in self.t.month_abbreviations and not written.endswith(".")
                    and not (self.var.lowercase_month_abbreviations and not day_first)):
                return None
        return number

    def _address(self, pos: int) -> Token | None:
        """A house number, a street name and a street word: "1428 Elm St.", "708 N 1st St, San City",
        with the city quadrant after it ("1600 Pennsylvania Ave. NW")."""
        if self._prev_char(pos) in ",." or self.text[max(0, pos - 2):pos] == ", ":
            return None
        m = self._match("address", pos)
        if not m:
            return None
        name = m["name"].split()
        if any(w.lower() in self.t.sentence_openers and w not in ("A",) for w in name):
            return None
        return self._tok("address", pos, m.end(), num=m["num"], dir=m["dir"], name=name,
                         street=m["abbr"] or m["full"], dot=bool(m["dot"]), quad=m["quad"], tail=m["tail"],
                         state=m["state"], zip=m["zip"])

    def _money_code_after(self, pos: int) -> Token | None:
        m = self._match("money_code_after", pos)
        if m:
            return self._tok("money", pos, m.end(), cur=m["cur"], num=m["num"], mag=m["mag"])
        return None

    def _measure(self, pos: int) -> Token | None:
        m = self._match("measure", pos)
        if not m:
            return None
        if m["sign"] and self._prev_char(pos).isalnum():
            return None
        key = self._unit_key(m["unit"])
        assert key is not None  # the measure pattern always has a unit
        unit = self.t.units[key]
        end = m.end()
        dot = bool(m["unitdot"])
        if dot and not unit.dot:
            end -= 1  # "5 m." : the full stop is the sentence's
            dot = False
            if end not in self.index:
                return None
        if unit.attached and m["space"] and not dot and (unit.word or not self.var.spaced_units):
            return None
        if m["space"] == "-" and (unit.word or unit.attached) and not dot:
            return None  # "a 12-km race", "a 2-in. pipe"; but not "3-in-1", "4-H"
        after = _WORD_AFTER.match(self.text, end, end + 24)
        if m["unit"] == "m" and m["space"] and after and (
                after.group(1).endswith("s") or after.group(1) in self.t.context["plural"]):
            return None  # "5 m people": rather million than meters
        return self._tok("measure", pos, end, sign=bool(m["sign"]), num=m["num"], join=m["join"],
                         num2=m["num2"], unit=key, per=self._unit_key(m["per"]), dot=dot,
                         hyphen=m["space"] == "-")

    def _unit_key(self, written: str | None) -> str | None:
        """The units.tsv key of a unit or period as matched: "KG" -> "kg" (see _patterns)."""
        if written is None or written in self.t.units or written in self.t.periods:
            return written
        return written.lower()

    def _percent(self, pos: int) -> Token | None:
        m = self._match("percent", pos)
        if not m or (m["sign"] and self._prev_char(pos).isalnum()):
            return None
        return self._tok("measure", pos, m.end(), sign=bool(m["sign"]), num=m["num"],
                         join="-" if m["num2"] else None, num2=m["num2"], unit="%", per=None, dot=False)

    def _year_range(self, pos: int) -> Token | None:
        m = self._match("year_range", pos)
        if not m or self._prev_char(pos) in "-–":
            return None
        a, b = int(m["a"]), m["b"]
        yb = int(b) if len(b) == 4 else a // 100 * 100 + int(b)
        if not (1000 <= a < 2100 and a < yb < 2100):
            return None
        return self._tok("range", pos, m.end(), kind="year", a=m["a"], b=b)

    def _range(self, pos: int) -> Token | None:
        """Two bare numbers joined by a dash: a range ("ages 18-34") or a score ("24-17")."""
        if self._prev_char(pos) in "-–.,/":
            return None
        m = self._match("range", pos)
        if not m or (m["dash"].strip() != m["dash"] and m["dash"][0] != m["dash"][-1]):
            return None
        return self._tok("range", pos, m.end(), kind="number", a=m["a"], b=m["b"])

    def _inches(self, pos: int) -> Token | None:
        """'12"' is twelve inches when that '"' does not close or open a quotation (an odd count
        of quotes in the text, and an even count before it)."""
        m = self._match("inches", pos)
        if not m:
            return None
        if self.quotes is None:
            self.quotes = [k for k, ch in enumerate(self.text) if ch == '"']
        before = bisect.bisect_left(self.quotes, m.end() - 1)
        if len(self.quotes) % 2 == 0 or before % 2:
            return None
        return self._tok("measure", pos, m.end(), sign=False, num=m["num"], join=None, num2=None,
                         unit="in", per=None, dot=False)

    def _height(self, pos: int) -> Token | None:
        """Feet and inches: "5'10"", "6′2″"."""
        m = self._match("height", pos)
        if m and int(m["inch"]) < 12:
            return self._tok("measure", pos, m.end(), sign=False, num=m["ft"], join=None, num2=None,
                             unit="ft", per=None, dot=False, inches=m["inch"])
        return None

    def _quarter(self, pos: int) -> Token | None:
        m = self._match("quarter", pos)
        if m:
            return self._tok("date", pos, m.end(), quarter=int(m["q"]), year=m["y"], style="quarter")
        return None

    def _era_after(self, pos: int) -> Token | None:
        m = self._match("era_after", pos)
        if m:
            end = m.end()
            era = m["era"]
            if era.endswith(".") and era.replace(".", "") not in ("AD", "BC", "BCE", "CE"):
                return None
            return self._tok("date", pos, end, year=m["y"], era=era.replace(".", ""), style="era",
                             dot=era.endswith("."))
        return None

    def _decade(self, pos: int) -> Token | None:
        m = self._match("decade", pos)
        if not m:
            return None
        full = m["full"]
        if m["apos"] and not self.var.decade_apostrophe:
            return None
        return self._tok("decade", pos, m.end(), value=int(full))

    def _section(self, pos: int) -> Token | None:
        m = self._match("section", pos)
        if m:
            return self._tok("serial", pos, m.end(), kind="section", n=m["n"], a=m["a"], b=m["b"])
        return None

    def _fraction(self, pos: int) -> Token | None:
        if self._prev_char(pos) in "/⁄.":
            return None
        m = self._match("fraction", pos)
        if not m:
            return None
        num, den = int(m["num"]), int(m["den"])
        if den == 0:
            return None
        if (self.var.short_numeric_dates and m["whole"] is None and not m["suf"] and 1 <= num <= 12
                and 13 <= den <= 31):  # "2/22"
            return self._tok("date", pos, m.end(), month=num, day=den, year=None, order="mdy",
                             style="numeric")
        return self._tok("fraction", pos, m.end(), whole=m["whole"], num=num, den=den, sign=m["sign"])

    def _ordinal(self, pos: int) -> Token | None:
        m = self._match("ordinal", pos)
        if m:
            return self._tok("ordinal", pos, m.end(), n=m["n"], suffix=m["suf"].lower())
        return None

    def _math(self, pos: int) -> Token | None:
        m = self._match("math", pos)
        if not m:
            return None
        s = m.group(0)
        ops = re.findall(r"[-+*/=×÷]", s)
        if "=" not in ops and not re.fullmatch(r"\d+\s*[+*×÷]\s*\d+", s):
            return None
        return self._tok("math", pos, m.end())

    def _number(self, pos: int) -> Token | None:
        m = self._match("number", pos)
        if not m:
            return None
        sign = m["sign"] or ""
        if sign and (self._prev_char(pos).isalnum() or self._prev_char(pos) in ".,"):
            return None
        end = m.end()
        num = m["num"]
        if num.endswith(".") or (num.startswith(".") and self._prev_char(pos).isdecimal()):
            return None
        if is_vulgar_fraction(self._next_char(end)) and num.isdecimal() and not sign:
            return self._tok("fraction", pos, end + 1, vulgar=self.text[end], whole=num)
        plural = self._next_char(end) == "s" and not self._next_char(end + 1).isalnum()
        if self.var.plural_numbers and plural and num.replace(",", "").isdecimal():
            return self._tok("cardinal", pos, end + 1, num=num, sign=sign, plural=True)  # "the 747s"
        return self._tok("cardinal" if "." not in num else "decimal", pos, end, num=num, sign=sign)

    def _agents(self, pos: int) -> Token | None:
        """A number with "ers": the people of that number, "the 49ers", "the 76ers" (read "forty
        niners", "seventy sixers"): a number's word takes the ending as any word does."""
        m = self._match("number", pos)
        end = m.end() + 3 if m else 0
        if not m or m["sign"] or not m["num"].isdecimal() or self.text[m.end():end] != "ers":
            return None
        if self._next_char(end).isalnum() or end not in self.index:
            return None
        return self._tok("cardinal", pos, end, num=m["num"], sign="", agent=True)

    def _count(self, pos: int) -> Token | None:
        """A count with a magnitude, before a plural noun: "40M borrowers", "1.5bn people", "300K
        customers" ("3M said" and "Plan 2B" are names, so are "4K TVs" and "5K races"); a multiple:
        "2x faster", "a 10x zoom" ("4x4" is a size)."""
        m = self._match("number", pos)
        times = m and self._match("times", m.end())
        if m and times:
            return self._tok("decimal", pos, times.end(), num=m["num"], sign=m["sign"] or "",
                             said_after="times")
        mag = self._match("count_magnitude", m.end()) if m and not m["sign"] else None
        if m and not m["sign"] and not mag and self.text.startswith(" ", m.end()):
            mag = self._match("spaced_magnitude", m.end() + 1)  # "1.3 bn people"
        after = mag and _WORD_AFTER.match(self.text, mag.end(), mag.end() + 24)
        if not (m and mag and after):
            return None
        word = after[1]
        if not (word.endswith("s") and not word.endswith("ss") or word in self.t.context["plural"]):
            return None
        if mag.group(0) in "kK" and len(m["num"]) == 1:
            return None  # one digit and K names a thing: "4K TVs", "5K races"; "300K customers" counts
        return self._tok("decimal", pos, mag.end(), num=m["num"], sign="",
                         said_after=self.t.magnitudes[mag.group(0)])

    # alphanumeric chains: COVID-19, F-35, B2B, 25d08A, t-0t25d12-f ------------------------------
    def _serial(self, pos: int) -> Token | None:
        """A chain of up to 8 hyphenated parts, each of letters and digits (up to 6 runs), with
        letters and digits somewhere in it. A chain of numbers and long lower-case words is a
        compound adjective ("45-year-old", "mid-2023"), not a code."""
        k = self.index[pos]
        atoms = self.atoms
        parts: list[list[Atom]] = [[]]
        while k < len(atoms):
            a = atoms[k]
            if a.kind in (WORD, NUM) and len(parts[-1]) < 6:
                decimal = a.kind == NUM and parts[-1] and self._decimal_after(k)
                if decimal:  # "PM2.5", "v1.5": the number's decimals belong to it
                    a = Atom(NUM, self.text[a.start:atoms[k + 2].end], a.start, atoms[k + 2].end)
                    k += 2
                parts[-1].append(a)
                k += 1
            elif (a.text == "-" and parts[-1] and len(parts) < 8 and k + 1 < len(atoms)
                  and atoms[k + 1].kind in (WORD, NUM)):
                parts.append([])
                k += 1
            else:
                break
        if not parts[-1]:
            parts.pop()
        end = parts[-1][-1].end
        flat = [a for p in parts for a in p]
        if not any(a.kind == WORD for a in flat) or not any(a.kind == NUM for a in flat):
            return None
        mixed = any(self._code_part(p) for p in parts)
        plural = len(parts[-1]) == 2 and parts[-1][1].text == "s" and parts[-1][0].kind == NUM
        if any(len(p) > 1 and not self._code_part(p) for p in parts[:-1] if not plural) or (
                len(parts[-1]) > 1 and not self._code_part(parts[-1]) and not (plural and len(parts) > 1)):
            return None  # "mid-1980s", "11th-grade", "5km-long": a number with its own ending
        if not mixed:
            words = [p[0].text for p in parts if p[0].kind == WORD]
            compound = all(w.islower() and len(w) >= 3 for w in words)
            if compound:
                return None
        return self._tok("serial", pos, end, kind="chain", parts=[[a.text for a in p] for p in parts])

    def _decimal_after(self, k: int) -> bool:
        """Atom k (digits) has decimals: ".", digits, then no further "." and digits (a version)."""
        atoms = self.atoms
        if k + 2 >= len(atoms) or atoms[k + 1].text != "." or atoms[k + 2].kind != NUM:
            return False
        return not (k + 4 < len(atoms) and atoms[k + 3].text == "." and atoms[k + 4].kind == NUM)

    def _code_part(self, part: list[Atom]) -> bool:
        """Letters and digits mixed in a way no other class reads: not a number with an ordinal
        or decade ending ("11th", "1960s") nor a number with a unit ("5km")."""
        if len(part) < 2:
            return False
        if len(part) == 2 and part[0].kind == NUM:
            suffix = part[1].text
            return suffix.lower() not in ("st", "nd", "rd", "th", "s") and suffix not in self.t.units
        return True

    # words first ------------------------------------------------------------------------------
    def _word_numeric(self, atom: Atom) -> Token | None:
        """Word atoms that open a number class: months in dates, currency letters, eras, FY, Q3."""
        pos = atom.start
        text = atom.text
        if self._prev_char(pos).isalnum():
            return None
        if text in self.t.currency_prefixes and self._next_char(atom.end) == "$" or text in self.t.currencies:
            tok = self._money(pos)
            if tok:
                return tok
        if text.lower() in self.month_words:
            tok = self._date_words(pos)
            if tok:
                return tok
        if text in ("AD", "A"):
            m = self._match("era_before", pos)
            if m:
                return self._tok("date", pos, m.end(), year=m["y"], era="AD", style="era_before")
        if text == "Q":
            m = self._match("q_year", pos)
            if m and m["y"]:
                return self._tok("date", pos, m.end(), quarter=int(m["q"]), year=m["y"], style="quarter")
        if text.isupper() and text in self.t.fixed:  # "FY2025"
            m = self._match("prefix_year", pos)
            if m and m["pre"] == text:
                return self._tok("date", pos, m.end(), prefix=self.t.fixed[text], year=m["y"], style="prefix")
        if text in self.t.parties and self._next_char(atom.end) == "-":
            tok = self._party(pos)
            if tok:
                return tok
        tok = self._serial(pos)
        if tok:
            return tok
        return None

    def _date_words(self, pos: int) -> Token | None:
        """Dates that start with the month: "Jan. 6", "Oct. 15, 2025", "Aug. 12-18", "May 2019"."""
        m = self._match("date_dash", pos)
        if m:
            month = self._month(m["mon"], True)
            if month:
                return self._tok("date", pos, m.end(), month=month, day=int(m["d"]), year=m["y"],
                                 order="mdy", style="words")
        m = self._match("date_mdy", pos)
        if m:
            month = self._month(m["mon"], bool(m["y"]))
            d = int(m["d"])
            d2 = int(m["d2"]) if m["d2"] else None
            if month and 1 <= d <= 31 and (d2 is None or d < d2 <= 31):
                end = m.end()
                return self._tok("date", pos, end, month=month, day=d, day2=d2, year=m["y"], order="mdy",
                                 comma="," in (m["sep"] or ""), style="words")
        m = self._match("date_my", pos)
        if m:
            month = self._month(m["mon"], True)
            if month and (m["mon"][0].isupper() or m["mon"].lower() not in ("may", "march")):
                return self._tok("date", pos, m.end(), month=month, day=None, year=m["y"], order="my",
                                 comma="," in m["sep"], style="words")
        return None

    def _money(self, pos: int) -> Token | None:
        if self._prev_char(pos).isalnum() or self._prev_char(pos) == "$":
            return None
        m = self._match("money", pos) or self._match("money_code", pos)
        if not m:
            return None
        g = m.groupdict()
        if g["mag"] and len(g["mag"]) == 1 and not self.text[m.start("mag") - 1].isdecimal() and (
                self._next_char(m.end("mag")) == "-"):  # "a $5 T-shirt": a letter that starts a word
            return self._tok("money", pos, m.end("num"), cur=g["cur"], num=g["num"], mag=None)
        per = self._unit_key(g.get("per"))
        end, dot = m.end(), bool(g.get("perdot"))
        if dot and not (per in self.t.units and self.t.units[per].dot):
            end, dot = end - 1, False  # "$4/kg." : the full stop is the sentence's
        if g.get("magdot") and m.end("magdot") == m.end():  # "$1.4 bil. and": only "mil." and "bil."
            dot = g["mag"] in ("mil", "bil")
            if not dot:
                end -= 1  # "$5m.": the full stop is the sentence's
        return self._tok("money", pos, end, cur=g["cur"], num=g["num"], mag=g.get("mag"),
                         cur2=g.get("cur2"), num2=g.get("num2"), mag2=g.get("mag2"), per=per, dot=dot)

    def _party(self, pos: int) -> Token | None:
        m = self._match("party", pos)
        if not m or self._prev_char(pos) in "-" or self._next_char(m.end()).isalnum():
            return None
        state = self.t.states.get(m["st"])
        if state is None or (len(m["st"]) == 2 and m["st"] not in self.t.postal_codes):
            return None
        return self._tok("party", pos, m.end(), party=self.t.parties[m["p"]], state=state)

    def _word(self, atom: Atom) -> Token | None:
        pos = atom.start
        text = atom.text
        # "et al."
        if text == "et" and self.text.startswith(" al.", atom.end):
            return self._tok("abbreviation", pos, atom.end + 4, written="et al.", dot=True)
        # initials of a name: "C. S. Lewis"
        initial = len(text) == 1 and text.isupper() and self.text.startswith(". ", atom.end)
        if initial and self.var.join_initials:
            m = self._match("initials", pos)
            if m:
                return self._tok("letters", pos, m.end(), letters=re.sub(r"[.\s]", "", m.group(0)),
                                 kind="initials")
        # dotted forms: "U.S.", "e.g.", "a.m.", "N.Y.", "Gov."
        if self._next_char(atom.end) == ".":
            tok = self._dotted(atom)
            if tok:
                return tok
        if text in self.t.weekday_abbreviations and self._before_date(atom.end):  # "Fri, Sept. 9"
            return self._tok("abbreviation", pos, atom.end, written=text, dot=False,
                             spoken=self.t.weekday_abbreviations[text])
        abbr = self.t.abbreviations.get(text)
        if abbr is not None and not self._prev_char(pos).isalnum():
            return self._tok("abbreviation", pos, atom.end, written=text, dot=False)
        if text.isupper() and len(text) == 2 and text in self.t.postal_codes:
            return self._tok("state_code", pos, atom.end)
        if all(ch in "IVXLCDM" for ch in text) and not self._next_char(atom.end).isalnum():
            return self._tok("roman", pos, atom.end)
        possessive = text[-2:] in ("'s", "’s") and len(text) > 3 and text[:-2].isupper()
        plural = text.endswith("s") and len(text) > 2 and text[:-1].isupper()
        if text.isupper() or possessive or plural:
            return self._tok("letters", pos, atom.end)
        return None

    def _dotted(self, atom: Atom) -> Token | None:
        """"U.S.", "e.g.", "a.m.", "D-N.Y." and table abbreviations with their dot."""
        pos = atom.start
        m = self._match("dotted", pos)
        written = m.group(0) if m else ""
        if self._prev_char(pos).isalnum():
            return None
        # longest table entry first: "a.k.a.", "e.g.", then "Gov."
        for cand in (written, written.rstrip(".") + "." if written else "", atom.text + "."):
            if not cand:
                continue
            end = pos + len(cand)
            if end not in self.index or not self.text.startswith(cand, pos):
                continue
            if cand in self.t.abbreviations:
                return self._tok("abbreviation", pos, end, written=cand, dot=True)
            lower = cand[0].lower() + cand[1:]  # "E.g." opening a sentence is "e.g."
            if lower != cand and any(a.kind == "anywhere" for a in self.t.abbreviations.get(lower, ())):
                return self._tok("abbreviation", pos, end, written=lower, dot=True)
            if cand in self.t.states and (self._after_place(pos) or self._next_char(end) == "-"
                                          or self._after_word(("in", "from", "across", "throughout"))):
                return self._tok("state", pos, end, state=self.t.states[cand], dot=True)
        if written.count(".") >= 2 and len(written) <= 12:
            letters = written.replace(".", "")
            if letters.lower() in ("am", "pm"):
                return self._tok("letters", pos, pos + len(written), letters=letters.upper(), dot=True,
                                 kind="ampm")
            if letters.isalpha() and (letters.isupper() or len(letters) <= 3):
                end = pos + len(written)
                if not written.endswith("."):
                    return None
                return self._tok("letters", pos, end, letters=letters, dot=True, kind="dotted")
        key = atom.text
        if key.lower() in self.t.month_abbreviations and key[0].isupper():
            month = self.t.month_abbreviations[key.lower()]
            return self._tok("month", pos, atom.end + 1, month=month, dot=True)
        if key in self.t.weekday_abbreviations:
            return self._tok("abbreviation", pos, atom.end + 1, written=key + ".", dot=True,
                             spoken=self.t.weekday_abbreviations[key])
        return None

    def _before_date(self, end: int) -> bool:
        """", Sept. 9", ", 9 Sept." or " (2/22" follows: the word before it is a weekday."""
        m = _COMMA_WORD.match(self.text, end, end + 16)
        return m is not None and (m.group(1).isdecimal() or m.group(1).lower() in self.month_words)

    def _after_place(self, pos: int) -> bool:
        """After "Place, " : a state abbreviation in a dateline or an address (or before a hyphen,
        "Calif.-based", tested by the caller)."""
        return self.text[max(0, pos - 2):pos] == ", " and pos > 2 and self._last_word_capitalised()

    def _after_word(self, words: tuple[str, ...]) -> bool:
        """The word before is one of `words` ("in N.C.": after a preposition of place, a state), or
        "and"/"or" after a state ("in N.C. and S.C.")."""
        before = [tok for tok in self.out[-4:] if tok.cls != "space"]
        if not before or before[-1].cls != "plain":
            return False
        word = before[-1].text.lower()
        return word in words or (word in ("and", "or") and len(before) > 1 and before[-2].cls == "state")

    def _last_word_capitalised(self) -> bool:
        for tok in reversed(self.out[-4:]):
            if tok.cls in ("plain", "letters", "abbreviation"):
                return tok.text[:1].isupper()
        return False

    def _special_bracket(self, pos: int) -> Token | None:
        """"[HH AH0 L OW1]", "[poʊstˌmɑɹk]": phonemes written in the text (NeMo's special text)
        are kept as written, without their brackets; any other bracket is dropped and its
        content read."""
        end = self.text.find("]", pos, pos + 200)
        if end == -1 or end + 1 not in self.index:
            return None
        inner = self.text[pos + 1:end]
        if "[" in inner or "\n" in inner or not inner.strip():
            return None
        if _IPA.search(inner) or (_ARPABET.fullmatch(inner.strip()) and any(c.isdigit() for c in inner)):
            return self._tok("special", pos, end + 1, inner=inner, keep=True)
        return None

    # symbols ----------------------------------------------------------------------------------
    def _symbol_numeric(self, atom: Atom) -> Token | None:
        ch = atom.text
        pos = atom.start
        nxt = self._next_char(atom.end)
        if ch in ("'", "’") and nxt.isdecimal():
            m = self._match("decade_short", pos)
            if m:
                return self._tok("decade", pos, m.end(), value=int(m["short"]), short=True)
        if ch in self.t.currencies and not ch.isalpha():
            tok = self._money(pos)
            if tok:
                return tok
        if ch in "(+" and nxt.isdecimal():
            tok = self._telephone(pos)
            if tok:
                return tok
        if ch in "-−+" and (nxt.isdecimal() or nxt == "."):
            prev = self._prev_char(pos)
            if prev.isspace() or prev in "([\"'“‘/=:;,?!`":
                for rec in (self._measure, self._percent, self._fraction, self._number):
                    tok = rec(pos)
                    if tok:
                        return tok
        prev = self._prev_char(pos)
        if ch == "." and nxt.isdecimal() and not (prev.isalnum() or prev == "."):
            for rec in (self._measure, self._number):
                tok = rec(pos)
                if tok:
                    return tok
        if is_vulgar_fraction(ch):
            return self._tok("fraction", pos, atom.end, vulgar=ch, whole=None)
        return None

    def _symbol(self, atom: Atom) -> Token:
        ch = atom.text
        pos = atom.start
        if ch == "[":
            tok = self._special_bracket(pos)
            if tok:
                return tok
        if ch in _BRACKETS:
            return self._tok("drop", pos, atom.end)
        if ch == "/" and self._prev_char(pos).isdecimal() and nxt_digit(self.text, atom.end):
            return self._tok("punct", pos, atom.end, join=True)
        if ch == "/" and _single_capitals(self.text, pos):
            return self._tok("drop", pos, atom.end)  # "P/E", "I/O": the letters only
        if ch == "<":
            end = self.text.find(">", pos, pos + 200)
            if end != -1 and "<" not in self.text[pos + 1:end] and "\n" not in self.text[pos:end] \
                    and re.match(r"</?[A-Za-z]", self.text[pos:pos + 3]) and end + 1 in self.index:
                return self._tok("special", pos, end + 1, keep=self.var.markup == "keep")
        nxt = self._next_char(atom.end)
        before_number = nxt.isdecimal() or (nxt == "." and self._next_char(atom.end + 1).isdecimal())
        if ch in self.t.symbols_before_number and before_number:
            spoken = self.var.symbol(ch, self.t.symbols_before_number[ch])
            return self._tok("symbol", pos, atom.end, spoken=spoken)
        if ch in self.t.symbols:
            return self._tok("symbol", pos, atom.end, spoken=self.t.symbols[ch])
        if ch in _DASHES or not ch.isalnum():
            return self._tok("punct", pos, atom.end)
        return self._tok("plain", pos, atom.end)
