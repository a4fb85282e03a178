"""Normalise stage: make written text speakable (what the voice says, not what is shown).

Built as production normalisers are (NeMo's and Sparrowhawk's tagger -> verbaliser design):
  tokens.py     clean the text (keeping a map to the input) and cut it into atoms in one scan;
  electronic.py find web and e-mail addresses, handles and hashtags, one scan per chunk;
  tagger.py     tag each span with its semiotic class (cardinal, money, date, abbreviation...);
  context.py    decide readings from the neighbouring tokens (adjectival amounts, years, roman
                numerals, St. saint or street, whether an abbreviation's period ends a sentence);
  verbalise.py  say each token for the language variety;
  then the spoken pieces are joined into SpokenWords that keep the input span they came from.
Word lists are data (data/en/*.tsv), the variety conventions too (data/varieties.toml): plain
"en" follows NeMo's English conventions, "en-US" and "en-GB" a newsreader's.
"""
from __future__ import annotations

import argparse
import bisect
import re
import sys
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from ..errors import InputError, VoiceError
from ..model import Script, WordSpan
from ..speech.lexicon import EMPTY, Lexicon, as_phonemes, load_lexicon
from ..speech.voices import get_voice
from . import electronic
from .capitals import recase
from .context import resolve
from .data import Variety, number_marks, ordinal_dot, tables, variety
from .neighbours import WORD_CLASSES
from .numbers import cardinal, ordinal, year
from .scan import Token
from .tagger import Tagger
from .tokens import EMOJI, NUM, SPACE, WORD, Atom, Cleaned, atoms, clean
from .verbalise import Verbaliser

__all__ = ["SpokenWord", "normalise_words", "normalise_text", "normalise", "main", "cardinal", "ordinal",
           "year"]


@dataclass(frozen=True)
class SpokenWord:
    """What is said for one written span of the input."""

    text: str
    """The spoken word or words ("two point four million dollars"), with the punctuation around
    them kept for the voice's phrasing ("Medvedev,")."""
    start: int
    """Offset in the input text where the written span that is read starts (punctuation that clings
    to it is in `text` for the phrasing, but not in the span: it is not said)."""
    end: int
    """Offset in the input text where that span ends."""


_OPENING = "([{“‘«¿¡"
_QUOTES = "\"'`"
_JOINERS = "-‐‑'’—–"


def _no_brackets(s: str) -> str:
    """Text is text: square brackets never reach an engine, which reads [[...]] as phonemes."""
    return s.replace("[", "").replace("]", "")


@lru_cache(maxsize=16)
def _symbolic_entries(lexicon: Lexicon) -> Lexicon:
    """Entries with digits or punctuation ("B2B", "St. Kitts"): the rules would rewrite them first,
    so they are matched in the written text; word entries apply to the spoken words."""
    keep = tuple(e for e in lexicon.entries
                 if not all(ch.isalpha() or ch in " '’-" for ch in e[0]))
    return Lexicon(keep, lexicon.nocase & {w for w, _ in keep})


_JOINED_NUMBER = re.compile(r"(?<![\d.,'’])\d+(?:[.,'’]\d+)+")
"""Digits joined by dots, commas or apostrophes with no space ("12.03.2024", "2.5"): one word for
the engine, never cut at the mark (a cut "40. 000" ends a sentence)."""


@lru_cache(maxsize=64)
def _local_number(language: str) -> re.Pattern[str] | None:
    """A number as the language writes it: thousands in groups of three after the same group mark
    ("40.000", "1 250 000"), then its decimal mark and digits ("3,5"); None for a language whose
    marks are not known."""
    decimal, groups = number_marks(language)
    if not decimal:
        return None
    grouped = rf"(?:([{re.escape(groups)}])\d{{3}}(?:\1\d{{3}})*)?" if groups else ""
    return re.compile(rf"(?<![\d.,'’])\d{{1,3}}{grouped}(?:{re.escape(decimal)}\d+)?(?![\d.,'’]\d|\d)"
                      rf"|(?<![\d.,'’])\d+{re.escape(decimal)}\d+(?![\d.,'’]\d|\d)")


_ORDINAL = re.compile(r"(?<![\w.,'’])\d{1,3}\.[ \u00a0]+([^\W\d_]\w*)")
"""A number, its full stop and the word after it ("3. März", "2. Weltkrieg")."""


def _numbers(text: str, language: str) -> list[tuple[int, int, str]]:
    """(start, end, what the engine gets) for each number written with marks in a language the English
    rules do not read: in the language's own way, its group marks dropped ("40.000" in German and
    "40 000" in French are "40000", which espeak-ng says as one number where "40 000" is "forty, zero
    zero zero"); any other digits joined by marks as written. In a language that writes ordinals with
    a full stop, an ordinal before a capitalised word ("am 3. März") reaches the engine with that
    word's first letter in lower case: espeak-ng then reads an ordinal ("dritten"), where a stop
    before a capital ends its sentence ("drei." and a new sentence)."""
    out: list[tuple[int, int, str]] = []

    def add(start: int, end: int, said: str) -> None:
        if not any(s < end and start < e for s, e, _ in out):
            out.append((start, end, said))

    if ordinal_dot(language):
        for m in _ORDINAL.finditer(text):
            word = m.group(1)
            if word[0].isupper():
                add(m.start(), m.end(), text[m.start():m.start(1)] + word[0].lower() + word[1:])
    local = _local_number(language)
    decimal = number_marks(language)[0]
    if local is not None:
        for m in local.finditer(text):
            if not any(ch in m.group() for ch in ".,'’ \u00a0\u202f\u2009"):
                continue  # plain digits: as written
            whole, _, fraction = m.group().partition(decimal) if decimal else (m.group(), "", "")
            digits = "".join(ch for ch in whole if ch.isdecimal())
            add(m.start(), m.end(), digits + (decimal + fraction if fraction else ""))
    for m in _JOINED_NUMBER.finditer(text):
        add(m.start(), m.end(), m.group())
    return sorted(out)


def _protected(cleaned: str, var: Variety | None, lexicon: Lexicon, language: str = "") -> dict[int, Token]:
    """Spans found before tagging: addresses (English only), numbers written with thousands marks
    (other languages: said as plain digits, one number for the engine) and lexicon entries the
    rules would rewrite, each one token."""
    spans: list[tuple[int, int, Token]] = []
    if var is not None:
        for s, e, kind in electronic.find(cleaned):
            spans.append((s, e, Token("electronic", s, e, cleaned[s:e], {"kind": kind})))
    else:
        for s, e, said in _numbers(cleaned, language):
            spans.append((s, e, Token("number", s, e, cleaned[s:e], {"spoken": said})))
    starts = [s for s, _, _ in spans]  # in order, not overlapping
    symbolic = _symbolic_entries(lexicon)
    if symbolic:
        for m in symbolic.finditer(cleaned):
            k = bisect.bisect_left(starts, m.end()) - 1  # the last address starting before the match ends
            if k >= 0 and spans[k][1] > m.start():
                continue  # inside an address: the entry applies to its spoken form
            spoken = symbolic.lookup(m.group(0)) or m.group(0)
            spans.append((m.start(), m.end(), Token("lexicon", m.start(), m.end(), m.group(0),
                                                    {"spoken": spoken})))
    return {s: tok for s, _, tok in spans}


def _simple_tokens(parts: list[Atom], protected: dict[int, Token]) -> list[Token]:
    """Other languages: words as written, emoji and decoration dropped, punctuation kept."""
    out: list[Token] = []
    for a in parts:
        if out and a.start < out[-1].end:
            continue
        if a.start in protected:
            out.append(protected[a.start])
            continue
        if a.kind == SPACE:
            cls = "space"
        elif a.kind == EMOJI:
            cls = "drop"
        elif a.kind in (WORD, NUM) or a.text.isalnum():
            cls = "plain"
        elif a.text in "[]":
            cls = "drop"
        else:
            cls = "punct"
        out.append(Token(cls, a.start, a.end, a.text))
    return out


@lru_cache(maxsize=1)
def _dotted_abbreviations() -> frozenset[str]:
    """The abbreviations written with a dot, without it ("St", "Gov"): in a dateline in capitals
    ("ST. JOSEPH, Mich. —") they take their usual case to be read as abbreviations."""
    return frozenset(w[:-1] for w in tables().abbreviations if w.endswith("."))


def _verbalised(language: str, lexicon: Lexicon, cleaned: Cleaned) -> list[Token]:
    var = variety(language)
    protected = _protected(cleaned.text, var, lexicon, language)
    cuts = frozenset(k for tok in protected.values() for k in (tok.start, tok.end))
    parts = atoms(cleaned.text, cuts)
    if var is None:
        tokens = _simple_tokens(parts, protected)
        for tok in tokens:
            if tok.cls in ("lexicon", "number"):
                tok.spoken = tok.fields["spoken"]
            elif tok.cls in ("punct", "space"):
                tok.spoken = None
            else:
                tok.spoken = "" if tok.cls == "drop" else tok.text
        return tokens
    # Capitals that shout (a dateline, a byline) take their usual case before tagging: the same length,
    # so offsets stay offsets into the cleaned text.
    text = recase(cleaned.text, _dotted_abbreviations()) if var.spell_initialisms else cleaned.text
    tokens = Tagger(text, parts, var, protected).run()
    for tok in tokens:
        if tok.cls in WORD_CLASSES and lexicon.lookup(cleaned.text[tok.start:tok.end]) is not None:
            tok.cls = "plain"  # the lexicon says it (applied to the spoken words)
            tok.text = cleaned.text[tok.start:tok.end]
    resolve(tokens, var)
    say = Verbaliser(var)
    for tok in tokens:
        tok.spoken = say.say(tok)
    return tokens


def _drop_empty_brackets(tokens: list[Token]) -> None:
    """Parentheses left with nothing to say inside ("(@FEMA)", "(doi:10.1016/...)") go too."""
    opened: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.cls != "punct":
            if tok.cls != "space" and tok.spoken != "":
                opened = []
            continue
        if tok.text == "(":
            opened = [i]
        elif tok.text == ")" and opened:
            tokens[opened[0]].spoken = ""
            tok.spoken = ""
            opened = []


def _assemble(tokens: list[Token], cleaned: Cleaned) -> list[SpokenWord]:
    """Join the spoken tokens into words with spans: punctuation clings to its word (opening
    marks to the next, others to the previous), a hyphen or an apostrophe between two tokens
    joins them, and tokens written without a space between them make one SpokenWord."""
    _drop_empty_brackets(tokens)
    words: list[SpokenWord] = []
    parts: list[str] = []
    span: list[int] = []  # what the word's pieces came from, punctuation included
    said: list[int] = []  # what its spoken pieces came from (and the joiners between them)
    prefix: list[str] = []
    prefix_start = -1
    last = ""  # role of the last piece in `parts`: word, close, join
    space = True

    def flush() -> None:
        nonlocal parts, span, said, last
        if parts:
            start, end = cleaned.span(*(said or span))
            words.append(SpokenWord("".join(parts), start, end))
        parts, span, said, last = [], [], [], ""

    n = len(tokens)
    for i, tok in enumerate(tokens):
        if tok.cls == "space":
            space = True
            continue
        spoken = tok.spoken
        if spoken == "":
            space = False  # what followed the dropped piece decides the spacing
            continue
        if spoken is None or (tok.cls == "punct" and not any(c.isalnum() for c in spoken)):
            ch = _no_brackets(tok.text if spoken is None else spoken)  # punctuation, as written or not
            if not ch:
                space = False
                continue
            nxt_space = i + 1 >= n or tokens[i + 1].cls == "space"
            if ch in _OPENING or (ch in _QUOTES and space and not nxt_space):
                if space:
                    flush()
                if not prefix:
                    prefix_start = tok.start
                prefix.append(ch)
            elif (ch in _JOINERS or tok.fields.get("join")) and not space and not nxt_space and parts:
                parts.append(ch)
                span[1] = tok.end
                last = "join"
            elif parts:
                if not (ch == "." and last == "word" and parts[-1].endswith(".")):  # "E.P.A." ends it too
                    parts.append((" " if space else "") + ch)
                span[1] = tok.end
                last = "close"
            else:
                if not prefix:
                    prefix_start = tok.start
                prefix.append(ch)
            space = False
            continue
        spoken = _no_brackets(spoken).strip()
        if not spoken:
            continue
        if space or not parts:
            flush()
            start = prefix_start if prefix else tok.start
            parts = ["".join(prefix) + spoken]
            span = [start, tok.end]
            said = [tok.start, tok.end]
        else:
            parts.append(("" if last == "join" or prefix else " ") + "".join(prefix) + spoken)
            span[1] = tok.end
            said = [said[0] if said else tok.start, tok.end]
        prefix, prefix_start = [], -1
        last = "word"
        if tok.fields.get("stop") and not parts[-1].endswith("."):
            parts.append(".")
            last = "close"
        space = False
    if prefix:
        if parts:
            parts.append(" " + "".join(prefix))
        else:
            parts, span = ["".join(prefix)], [prefix_start, tokens[-1].end]
    flush()
    return words


def _apply_lexicon(words: list[SpokenWord], lexicon: Lexicon,
                   used: set[str] | None = None) -> list[SpokenWord]:
    """Word entries replace whole words of the spoken text; a match across several SpokenWords
    merges them into one (one written span, one spoken form). Phoneme entries arrive as [[...]],
    every other replacement without brackets. The written forms of the entries applied go in `used`."""
    if not lexicon or not words:
        return words
    joined = " ".join(w.text for w in words)
    starts = []
    pos = 0
    for w in words:
        starts.append(pos)
        pos += len(w.text) + 1
    out: list[SpokenWord] = []
    k = 0
    for m in lexicon.finditer(joined):
        first = k
        while first < len(words) and starts[first] + len(words[first].text) <= m.start():
            first += 1
        if first >= len(words) or starts[first] > m.start():
            continue
        last = first
        while last + 1 < len(words) and starts[last + 1] < m.end():
            last += 1
        out.extend(words[k:first])
        spoken = lexicon.lookup(m.group(0)) or m.group(0)
        if used is not None:
            used.add(lexicon.written_of(m.group(0)) or m.group(0))
        phonemes = as_phonemes(spoken)
        spoken = f"[[{_no_brackets(phonemes)}]]" if phonemes is not None else _no_brackets(spoken)
        text = joined[starts[first]:m.start()] + spoken + joined[m.end():starts[last] + len(words[last].text)]
        out.append(SpokenWord(text, words[first].start, words[last].end))
        k = last + 1
    out.extend(words[k:])
    return out


def normalise_words(text: str, language: str = "en", lexicon: Lexicon | None = None,
                    used: set[str] | None = None) -> list[SpokenWord]:
    """What is said for `text`, word by word, each with the span of the input it was read from.

    "$2.4 million" is one span read as several words; a lexicon entry is one span; what is not
    read (emoji, decoration, a DOI) has no word. `normalise_text` is these words joined by spaces.
    The written forms of the lexicon entries that were applied are added to `used`.
    """
    lexicon = lexicon or EMPTY
    cleaned = clean(_without_junk(text))
    if not cleaned.text.strip():
        return []
    tokens = _verbalised(language, lexicon, cleaned)
    if used is not None:
        used.update(lexicon.written_of(t.text) or t.text for t in tokens if t.cls == "lexicon")
    return _apply_lexicon(_assemble(tokens, cleaned), lexicon, used)


JUNK_CHARS = 100
"""A run of characters without a space this long that is no web or e-mail address is not said: no
word is that long (the longest in English and German dictionaries stay under 70 letters), and a
listener gains nothing from minutes of spelled letters, digits and dots (a 6,000-character dotted
token made 150 s of audio). Addresses are read by their own rule (their domain)."""
_LONG_RUN = re.compile(rf"\S{{{JUNK_CHARS + 1},}}")


def _without_junk(text: str) -> str:
    """`text` with each junk run (see JUNK_CHARS) blanked out, so offsets into it stay offsets into
    the input."""
    def blank(m: re.Match[str]) -> str:
        return m.group() if electronic.classify(m.group()) else " " * len(m.group())

    return _LONG_RUN.sub(blank, text)


def normalise_text(text: str, language: str = "en", lexicon: Lexicon | None = None) -> str:
    """Return what a newsreader would say for `text`.

    English gets the full treatment (numbers, dates, money, abbreviations...) in the conventions
    of its variety (data/varieties.toml: plain "en" follows NeMo, "en-US" and "en-GB" a
    newsreader); other languages only lose emoji and decoration. The lexicon's entries win over
    the rules.
    """
    return " ".join(w.text for w in normalise_words(text, language, lexicon))


def normalise(script: Script, lexicon: Lexicon | None = None, used: set[str] | None = None) -> Script:
    """Fill in each unit's spoken form from its original text (the text itself stays as written),
    with the written span of each spoken word (for word timings); the written forms of the lexicon
    entries applied go in `used`."""
    units = []
    for u in script.units:
        words = normalise_words(u.text, script.language, lexicon, used)
        spans, at = [], 0
        for w in words:
            spans.append(WordSpan(at, at + len(w.text), w.start, w.end))
            at += len(w.text) + 1
        units.append(replace(u, spoken=" ".join(w.text for w in words), words=tuple(spans)))
    return replace(script, units=tuple(units))


def default_language() -> str:
    """The default voice's variety of English ("en-US" for the shipped voices); "en" when no
    voice profiles can be read."""
    try:
        return get_voice(None, "en").language
    except VoiceError:
        return "en"


def main(argv: list[str] | None = None) -> int:
    """`narrator normalize`: read written lines on stdin, print one spoken line per input line."""
    ap = argparse.ArgumentParser(prog="narrator normalize",
                                 description="Print the spoken form of each written line on stdin.")
    ap.add_argument("--lexicon", type=Path, help="pronunciation lexicon (written<TAB>spoken lines)")
    ap.add_argument("--language", default=None,
                    help="language variety of the text: en (NeMo's conventions), en-US, en-GB, or another "
                         "language (only emoji are dropped); default: the default voice's variety")
    args = ap.parse_args(argv)
    language = args.language or default_language()
    try:
        if args.lexicon is not None and not args.lexicon.is_file():
            raise InputError(f"no lexicon file {args.lexicon}")
        lexicon = load_lexicon(args.lexicon) if args.lexicon else None
    except InputError as e:
        print(f"narrator normalize: {e}", file=sys.stderr)
        return 2
    stdin = sys.stdin
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(encoding="utf-8", errors="replace")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    for line in stdin:
        line = line.rstrip("\n").rstrip("\r")
        sys.stdout.write(normalise_text(line, language, lexicon) + "\n")
        sys.stdout.flush()
    return 0
