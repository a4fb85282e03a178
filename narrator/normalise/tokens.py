"""Tokenizer: clean the text (NFKC, invisible characters out) keeping a map back to the input,
then cut it once into atoms (words, digit runs, spaces, emoji, single other characters)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

WORD, NUM, SPACE, EMOJI, SYM = "word", "num", "space", "emoji", "sym"

# Characters kept as they are rather than NFKC-folded, because the rules read them as such:
# vulgar fractions ("4½"), the ordinal indicator used as a degree sign, marks dropped or named by
# the symbol table (NFKC would turn "™" into "TM" and "№" into "No").
_KEEP = frozenset("º™℠©®№")
# Pictographs and dingbats (emoji, stars, arrows): the old normaliser's ranges.
_PICTO_RANGES = ((0x2190, 0x21FF), (0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF),
                 (0x1F000, 0x1FAFF))
_APOSTROPHES = "'\u2019"


def _invisible(ch: str) -> bool:
    """Format characters, variation selectors, emoji modifiers and unassigned code points."""
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Co", "Cs", "Cn"):
        return True
    if cat == "Cc":
        return not ch.isspace()
    o = ord(ch)
    return 0xFE00 <= o <= 0xFE0F or o == 0x20E3 or 0x1F3FB <= o <= 0x1F3FF


def is_picto(ch: str) -> bool:
    """A pictograph (emoji, dingbat, star, arrow) or another decorative symbol."""
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _PICTO_RANGES)


def is_vulgar_fraction(ch: str) -> bool:
    """'½', '¾', '⅓'...: a character that is a fraction on its own."""
    return len(ch) == 1 and unicodedata.decomposition(ch).startswith("<fraction>")


@dataclass(frozen=True)
class Cleaned:
    """Text made regular for the rules, with where each of its characters came from."""

    text: str
    """The cleaned text."""
    starts: tuple[int, ...]
    """For each character of `text`, the offset in the input where it came from."""
    ends: tuple[int, ...]
    """For each character of `text`, the end offset in the input of what it came from."""

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The input span of text[start:end] (a non-empty range)."""
        return self.starts[start], self.ends[end - 1]


def clean(text: str) -> Cleaned:
    """NFKC per character cluster (a character with its combining marks), '``' and "''" as '"',
    invisible characters dropped; one pass, so linear in the text."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        j = i + 1
        if ch in "`'" and j < n and text[j] == ch:  # TeX-style quotes
            out.append('"')
            starts.append(i)
            ends.append(j + 1)
            i = j + 1
            continue
        if _invisible(ch):
            i = j
            continue
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        if ch in _KEEP or is_vulgar_fraction(ch):
            folded = cluster
        else:
            folded = unicodedata.normalize("NFKC", cluster)
        for c in folded:
            if not _invisible(c):
                out.append(c)
                starts.append(i)
                ends.append(j)
        i = j
    return Cleaned("".join(out), tuple(starts), tuple(ends))


@dataclass(frozen=True)
class Atom:
    """The smallest piece the tagger works with."""

    kind: str
    """WORD (letters, with apostrophes between letters), NUM (decimal digits), SPACE, EMOJI or SYM."""
    text: str
    """The atom's text."""
    start: int
    """Offset in the cleaned text."""
    end: int
    """End offset in the cleaned text."""


def _kind(ch: str) -> str:
    if ch.isspace():
        return SPACE
    if ch == "º":  # a letter to Unicode, but typed for a degree sign
        return SYM
    if ch.isalpha() or unicodedata.combining(ch):
        return WORD
    if ch.isdecimal():
        return NUM
    if is_picto(ch) or (unicodedata.category(ch) == "So" and not is_vulgar_fraction(ch)):
        return EMOJI
    return SYM


def atoms(text: str, cuts: frozenset[int] = frozenset()) -> list[Atom]:
    """Cut `text` into atoms in one scan; no atom crosses an offset in `cuts`."""
    out: list[Atom] = []
    i, n = 0, len(text)
    while i < n:
        kind = _kind(text[i])
        j = i + 1
        if kind in (WORD, NUM, SPACE):
            while j < n and j not in cuts:
                k = _kind(text[j])
                if k == kind:
                    j += 1
                elif (kind == WORD and text[j] in _APOSTROPHES and j + 1 < n and j + 1 not in cuts
                      and _kind(text[j + 1]) == WORD):
                    j += 2
                else:
                    break
        out.append(Atom(kind, text[i:j], i, j))
        i = j
    return out
