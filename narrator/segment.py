"""Segment stage: an Article becomes a Script of blocks and sentences with their pauses."""
from __future__ import annotations

import re
from dataclasses import replace

from .model import Article, Block, Script, Unit, WordSpan
from .normalise.context import period_ends_sentence, speaker_follows
from .normalise.data import abbreviation_periods, ordinal_dot, tables
from .speech.voices import Voice, language_base

MAX_UNIT_CHARS = 400
"""Longest spoken text synthesised as one unit. A longer sentence is said in parts, each a unit of its
own, cut after clause punctuation where it can be, else between words (`split_long`). Between two units
a job looks whether it was cancelled and whether more urgent work waits, and a unit's audio is held in
memory whole until it is written: one run-on sentence of 150,000 characters held the worker for
minutes and peaked at 3.7 GB. 400 characters take the default voice (Piper) about 2.5 s on a busy
2-core machine (150 characters a second measured at load 7) and espeak-ng 0.1 s; 1 % of the
sentences of the extraction corpus are longer (mostly lists and paragraphs left unsplit)."""
PART_PAUSE_MS = 120
"""Silence after a part of a long sentence cut at clause punctuation (with the 40 ms kept at each edge
of a clip, about a reader's comma); a part cut between words runs on with none."""

_STOPS = ".!?…\u037e"
"""Sentence ends of scripts that put a space after them: Latin, Cyrillic, Greek (with its own question
mark), and the scripts without capitals that borrow the Latin ones (Arabic, Hebrew)."""
_STOPS_NO_SPACE = "。！？｡︒।॥؟۔։።။།។៕"
"""Sentence ends that need no space after them: CJK full stops and full-width ! and ?, the Devanagari
danda, the Arabic question mark and full stop, the Armenian, Ethiopic, Myanmar, Tibetan and Khmer ends."""
_GREEK = "\u0370-\u03ff\u1f00-\u1fff"
"""Greek letters: after one, ";" is the Greek question mark (Unicode folds its own, U+037E, into it)."""
_SPACED_SCRIPTS = "\u0e00-\u0e7f\u0e80-\u0eff"
"""Thai and Lao: no sentence-end mark; a space between two of their letters ends a sentence."""
_CLOSING = "\"'”’»)]」』）"
"""Closing quotes and brackets that stay with the sentence they close."""
_OPENING = "\"'“‘«„‚([¿¡*#_「『（-–—"
"""Opening quotes, brackets, dashes and decoration that may come before a sentence's first word
("*Sharks", "#Today", a quote with a space after it, "-- CONCERNED SISTER")."""
_CLOSERS = f"[{re.escape(_CLOSING)}]"
_CLOSERS_ONLY = f"[{re.escape(_CLOSING[2:])}]"  # not the straight quotes: apart, they may open the next
_CANDIDATE = re.compile(rf"[{re.escape(_STOPS)}]+{_CLOSERS}*(?:\s+{_CLOSERS_ONLY}+)*(?=\s)\s+"
                        rf"|[{re.escape(_STOPS_NO_SPACE)}]+{_CLOSERS}*\s*"
                        r"|(?:(?<=[a-z][a-z]\.)|(?<=\d\d\.)|(?<=%\.)|(?<=[.!?][\"”]))(?=[A-Z][a-z])"
                        rf"|(?<=[{_GREEK}]);{_CLOSERS}*\s+"
                        rf"|(?<=[{_SPACED_SCRIPTS}])\s+(?=[{_SPACED_SCRIPTS}])")
"""A sentence end and the spaces after it: closing marks may stand apart (`culture.’ ” Instead`); a
full stop between a lower-case word, a year or a percentage and a capitalised word with no space
(`physician.Police`, `2019.The`, `5%.Analysts`: text run together), or a sentence's end and its
closing quote before one (`done."Then`), ends a sentence too; so do a Greek question mark and a
space in Thai or Lao."""
_NEXT_WORD = re.compile(rf"[{re.escape(_OPENING)}]*\s?([^\W_]+)")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")
"""A word that is a single letter or letters joined by dots ("J", "U.S", "a.m", "W.Va")."""


def _opens_sentence(text: str, at: int) -> bool:
    """What starts at `at` can start a sentence: after opening marks (and a space after one), a
    capital in a script with capitals, a digit, or a letter of a script without capitals (Arabic,
    Devanagari, CJK...)."""
    n, k = len(text), at
    while k < n and text[k] in _OPENING:
        k += 1
    if k > at and k < n and text[k] == " ":  # a quote typed with a space after it: "“ I love"
        k += 1
    if k >= n:
        return False
    ch = text[k]
    return ch.isdecimal() or ch.isupper() or (ch.isalpha() and not ch.islower())


def _period_rule(before: str, after: str) -> str | None:
    """How the period closing `before` (the text up to it) may end a sentence, from the
    normaliser's abbreviation data: "never", "number", "opener", "time"; None for a plain word.
    A word in capitals is an abbreviation only among capitals ("ST. JOSEPH, Mich."), and a postal
    code never is: "MD." is "MD" and a full stop, as the normaliser reads it."""
    words = before.split()
    if not words:
        return None
    last = words[-1].rstrip(".").lstrip("\"'“‘([")
    if len(last) >= 2 and last.isalpha() and last.isupper() and (
            not after.isupper() or last in tables().postal_codes):
        return None
    key = last.lower()
    if key == "al" and len(words) > 1 and words[-2].lower() == "et":
        key = "et al"
    rule = abbreviation_periods().get(key)
    if rule is not None:
        return rule
    if all(_DOTTED.fullmatch(part.rstrip(".")) for part in last.split("-")):
        return "opener"  # an initial ("J. R. Tolkien") or a dotted initialism ("U.N.", "A.F.L.-C.I.O.")
    return None


_ORDINAL_BEFORE = re.compile(r"(?<![\w.,'’])\d{1,3}$")
"""Text that ends in a bare number of one to three digits (the full stop after it comes next)."""


def split_sentences(text: str, language: str = "") -> list[str]:
    """Split a paragraph into sentences. A period after an abbreviation is a sentence end only
    where the normaliser also reads it as one (narrator/normalise/context.py,
    period_ends_sentence): never after a title ("Gov. Hale"), not before a number after "No.",
    and after "U.S.", "Inc.", "a.m." or an initial only before a word that commonly opens a
    sentence ("... in the U.S. The next day" splits, "U.S. Attorney" and "a.m. Friday" do not).
    In a `language` that writes ordinals with a full stop, the stop after a number of up to three
    digits is an ordinal's ("am 3. März", "der 2. Weltkrieg"), never a sentence end: a sentence
    that ends in a bare small number is far rarer in copy than a date or a rank. A quotation's end
    before who said it (`"Why now?" Smith asked.`) is no sentence end either."""
    ordinals = ordinal_dot(language)
    sentences: list[str] = []
    start = 0
    for m in _CANDIDATE.finditer(text):
        if m.end() >= len(text):
            break
        if text[m.start()] in _STOPS + ";":
            if not _opens_sentence(text, m.end()):
                continue
            at = m.start()
            if ordinals and text[at] == "." and _ORDINAL_BEFORE.search(text, max(0, at - 3), at):
                continue
            quoted = any(ch in _CLOSING for ch in m.group())
            if text[at] in "!?" and quoted and speaker_follows(text[m.end():]):
                continue  # `"Why now?" Smith asked.`: who said the quotation closes its sentence
            if text[m.start()] == "." and text[m.start():m.start() + 2] != "..":  # not an ellipsis
                nxt = _NEXT_WORD.match(text, m.end())
                rule = _period_rule(text[start:m.start() + 1], nxt.group(1) if nxt else "")
                if rule is not None and not period_ends_sentence(rule, nxt.group(1) if nxt else None):
                    continue
        sentences.append(text[start:m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _same_words(a: str, b: str) -> bool:
    return re.findall(r"\w+", a.lower()) == re.findall(r"\w+", b.lower())


def segment(article: Article, voice: Voice, disclaimer: str) -> Script:
    """Lay out what is said, in order: disclaimer, title, byline, then each section's heading and body.

    A body paragraph that repeats the disclaimer (pages often print the label) is not read twice.
    """
    blocks: list[Block] = []
    if disclaimer.strip():
        blocks.append(Block("disclaimer", disclaimer.strip()))
    if article.title:
        blocks.append(Block("title", article.title))
    if article.byline:
        blocks.append(Block("byline", f"By {article.byline}"))
    for number, section in enumerate(article.sections, start=1):
        if section.heading:
            blocks.append(Block("heading", section.heading, number))
        for p in section.paragraphs:
            if not _same_words(p.text, disclaimer):
                blocks.append(Block(p.kind, p.text, number))

    units: list[Unit] = []
    for i, block in enumerate(blocks):
        sentences = split_sentences(block.text, article.language) or [block.text]
        following = blocks[i + 1].kind if i + 1 < len(blocks) else None
        for j, sentence in enumerate(sentences):
            if j < len(sentences) - 1:
                pause = voice.sentence_pause_ms
            elif block.kind == "heading" or following == "heading":
                pause = voice.heading_pause_ms
            else:
                pause = voice.paragraph_pause_ms
            units.append(Unit(text=sentence, spoken=sentence, block=i, pause_after_ms=pause))
    chapters = tuple((i, b.text) for i, b in enumerate(blocks) if b.kind == "heading")
    # The voice's own variety of the article's language ("en-US") decides how numbers are said.
    same = language_base(voice.language) == language_base(article.language)
    language = voice.language if same else article.language
    return Script(blocks=tuple(blocks), units=tuple(units), language=language,
                  title=article.title, chapters=chapters)


def split_long(script: Script, max_chars: int = MAX_UNIT_CHARS) -> Script:
    """`script` with every normalised unit whose spoken form is longer than `max_chars` said as several
    units (see MAX_UNIT_CHARS); the parts' texts and spoken forms, joined by spaces, are the unit's."""
    if all(len(u.spoken) <= max_chars for u in script.units):
        return script
    units: list[Unit] = []
    for unit in script.units:
        units.extend(_parts(unit, max_chars) if len(unit.spoken) > max_chars and unit.words else [unit])
    return replace(script, units=tuple(units))


def _parts(unit: Unit, max_chars: int) -> list[Unit]:
    """`unit` cut into parts of at most `max_chars` spoken characters (a single longer word is a part
    of its own), after the last clause punctuation that leaves a part a quarter as long or more, else
    between words. Linear in the number of words."""
    words, spoken = unit.words, unit.spoken
    groups: list[tuple[int, int, bool]] = []  # first word, last word, cut at clause punctuation
    start, clause = 0, -1
    for i, word in enumerate(words):
        while i > start and word.said_to - words[start].said_from > max_chars:
            at_clause = clause >= start and words[clause].said_to - words[start].said_from >= max_chars // 4
            end = clause if at_clause else i - 1
            groups.append((start, end, at_clause))
            start, clause = end + 1, -1
        if spoken[word.said_to - 1] in ",;:":
            clause = i
    groups.append((start, len(words) - 1, False))
    # Each part's written text runs from where its first word was read to where the next part's starts.
    cuts = [0]
    for first, _, _ in groups[1:]:
        cuts.append(max(words[first].written_from, cuts[-1]))
    cuts.append(len(unit.text))
    parts = []
    for k, (first, last, at_clause) in enumerate(groups):
        raw = unit.text[cuts[k]:cuts[k + 1]]
        text = raw.strip()
        offset = cuts[k] + len(raw) - len(raw.lstrip())
        said = words[first].said_from

        def written(at: int, text: str = text, offset: int = offset) -> int:
            return min(max(at - offset, 0), len(text))

        spans = tuple(WordSpan(w.said_from - said, w.said_to - said, written(w.written_from),
                               written(w.written_to)) for w in words[first:last + 1])
        last_part = k == len(groups) - 1
        pause = unit.pause_after_ms if last_part else PART_PAUSE_MS if at_clause else 0
        parts.append(replace(unit, text=text, spoken=spoken[said:words[last].said_to], pause_after_ms=pause,
                             words=spans))
    return parts
