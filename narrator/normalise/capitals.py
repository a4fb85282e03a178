"""Words in capitals: which are said as words and which letter by letter, and capitals that only shout.

Two decisions, both general rules over the letters and their neighbours, with a small table of
exceptions as data (data/en/acronyms.tsv), never a list of known acronyms:

- `pronounceable`: can an English reader say the letters as one word? They must split into syllables
  whose onsets begin English words, whose codas end them and whose vowels are English vowel spellings
  (data/en/phonotactics.tsv): NASA, NATO, UNICEF, CHICAGO can; FBI (no English word begins "FB"), IMF
  (none ends "MF"), NCAA, IAEA cannot. A word that opens on a lone vowel keeps its next consonants
  simple, as English words do (UNICEF, OPEC, OSHA; but not ACLU, USDA, UCLA, which are spelled).
- `shouted`: capitals inside mixed-case text that are not acronyms but emphasis: a dateline ("CHICAGO
  (AP) —", "LOS ANGELES, Calif. —"), a byline ("By JANE DOE"), a run of capitals ("CONCERNED SISTER"),
  a headline set in capitals. Their pronounceable words are said in their usual case ("Chicago",
  "Jane Doe"); an initialism among them ("FBI RAIDS HOME") is still spelled.

An isolated word in capitals of four letters or more is a word when pronounceable (NASA, FEMA), else
spelled; of two or three letters it is an initialism (AP, EPA, GOP: short capitals are spelled far
more often than said), unless the exceptions table says it is a word (NOT, DID: emphasis).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .data import rows

_VOWELS = "AEIOU"
_DIGRAPHS = ("CH", "SH", "TH", "PH", "WH")
"""Two letters that spell one consonant: after a lone first vowel they count as one ("OSHA")."""
_FIRST_CODAS = frozenset("LMNRSFPX")
"""What may close a first syllable that is a lone vowel ("UN-ICEF", "IN-TERPOL", "OF-COM", "UP-DATE",
"EX-CLUSIVE"); S only before a stop ("AS-PEN"). Not C, D, G, K, T: "AC-LU", "US-DA" are spelled."""
_STOPS = "CKPT"


@dataclass(frozen=True)
class Phonotactics:
    """English syllable parts as spelled (data/en/phonotactics.tsv)."""

    onsets: frozenset[str]
    """Consonant clusters that begin English words (single consonants are onsets by rule)."""
    codas: frozenset[str]
    """Consonants and clusters that end English words."""
    nuclei: frozenset[str]
    """Vowel letters and pairs that make one vowel sound."""


@cache
def phonotactics() -> Phonotactics:
    """The table, read once."""
    kinds: dict[str, set[str]] = {"onset": set(), "coda": set(), "nucleus": set()}
    for kind, letters in rows("phonotactics.tsv", 2):
        kinds[kind].add(letters)
    return Phonotactics(frozenset(kinds["onset"]), frozenset(kinds["coda"]), frozenset(kinds["nucleus"]))


@cache
def exceptions() -> dict[str, str]:
    """Capitals the rule reads wrongly -> "word" or "spell" (data/en/acronyms.tsv); time zones are
    letters even among other capitals ("5 PM EST", data/en/time_zones.tsv)."""
    return {**{zone: "spell" for zone, _ in rows("time_zones.tsv", 2)}, **dict(rows("acronyms.tsv", 2))}


def _vowel_at(w: str, i: int) -> bool:
    """Whether letter i is (part of) a vowel: A E I O U; Y after a consonant ("NYLON") or closing a
    vowel pair ("BAY"), and W closing one ("SHOW"), unless a vowel follows ("BAYER", "OWEN")."""
    ch = w[i]
    if ch in _VOWELS:
        return True
    if ch not in "WY" or i == 0 or (i + 1 < len(w) and w[i + 1] in _VOWELS):
        return False
    return ch == "Y" or w[i - 1] in _VOWELS


def _groups(word: str) -> list[tuple[str, bool]]:
    """The letters cut into runs of vowels and runs of consonants, each with whether it is vowels."""
    out: list[tuple[str, bool]] = []
    for i, ch in enumerate(word):
        vowel = _vowel_at(word, i)
        if out and out[-1][1] == vowel:
            out[-1] = (out[-1][0] + ch, vowel)
        else:
            out.append((ch, vowel))
    return out


def _onset(cluster: str, p: Phonotactics) -> bool:
    if len(cluster) == 1:
        return cluster != "Q"
    return cluster in p.onsets


def _nucleus(group: str, long_word: bool, p: Phonotactics) -> bool:
    """One vowel sound, or two vowels said apart ("VIDEO", "IDEA") in a word of four letters or more
    (not the same vowel twice: "AARP")."""
    if group in p.nuclei:
        return True
    return long_word and len(group) == 2 and group[0] != group[1] and all(v in p.nuclei for v in group)


def _medial(cluster: str, first: bool, p: Phonotactics) -> bool:
    """Consonants between two vowels split into a coda and an onset; after a first syllable that is
    a lone vowel, only a sonorant (or S before a stop) closes it, else one consonant follows it."""
    for k in range(len(cluster) + 1):
        coda, onset = cluster[:k], cluster[k:]
        if coda and coda not in p.codas:
            continue
        if onset and not _onset(onset, p):
            continue
        if first and not (coda and onset[:1] == coda):  # a doubled consonant is one: "ATTEND"
            if not coda and len(onset) > 1 and onset not in _DIGRAPHS:
                continue
            if coda and not (coda in _FIRST_CODAS and (coda != "S" or onset[:1] in _STOPS)):
                continue
        return True
    return False


def pronounceable(word: str) -> bool:
    """Whether letters in capitals can be said as one English word (see the module docstring)."""
    w = word.upper()
    if len(w) < 2 or not w.isascii() or not w.isalpha():
        return False
    p = phonotactics()
    groups = _groups(w)
    if not any(vowel for _, vowel in groups):
        return False
    if len(w) <= 3 and w[0] in _VOWELS and w[-1] in _VOWELS and w[-1] != "E" and len(groups) > 1:
        return False  # "USA", "EPA", "UFO": short words that open and end on a vowel end in a silent E
    long_word = len(w) >= 4
    for k, (g, vowel) in enumerate(groups):
        if vowel:
            if not _nucleus(g, long_word, p):
                return False
        elif k == 0:
            if not _onset(g, p):
                return False
        elif k == len(groups) - 1:
            if g not in p.codas:
                return False
        elif not _medial(g, k == 1 and groups[0][1] and len(groups[0][0]) == 1, p):
            return False
    return True


def reading(word: str, shouted: bool = False) -> str:
    """"word" or "spell" for a word in capitals: the exceptions table first, then the rule. Two
    letters are spelled unless the table says otherwise; three letters too unless `shouted` (in a run
    of capitals, a dateline or a headline, where "DOE" and "LOS" are words)."""
    known = exceptions().get(word)
    if known:
        return known
    if len(word) <= 2 or (len(word) == 3 and not shouted):
        return "spell"
    return "word" if pronounceable(word) else "spell"


def usual_case(word: str) -> str:
    """'CHICAGO' -> 'Chicago', "DON'T" -> "Don't" (same length: every letter maps to one letter)."""
    out = [word[0]]
    for ch in word[1:]:
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)


LETTER_A = "A-"
"""The letter A said alone, as written for the engine: espeak-ng (Piper's phonemizer too) reads a lone
"A" as the article ("Elizabeth A Burton", "M and A"), and "A." ends its sentence ("Elizabeth A.
Burton" is cut in two); "A-" is read as the letter, with no pause (checked with PiperVoice.phonemize)."""


def spelled_letters(letters: str, suffix: str = "") -> str:
    """Capitals written so that espeak-ng spells them and never ends a sentence in them: "E.P.A" (its
    full stop only where the sentence ends, added by the assembler: ". " before a capital ends a
    sentence for the engine); with an ending, letters apart and the ending on the last ("F B I's",
    "C E O's": "F.B.I's" is read "F B dot I's"); a lone letter as itself, A as LETTER_A."""
    if len(letters) == 1:
        return (LETTER_A if letters == "A" else letters) + suffix
    if suffix:
        return " ".join(LETTER_A if ch == "A" else ch for ch in letters[:-1]) + f" {letters[-1]}{suffix}"
    return ".".join(letters)


# --- capitals that only shout ---------------------------------------------------------------------

_CAPS_WORD = re.compile(r"(?<![\w.&’'-])[A-Z][A-Z’']*[A-Z](?![\w&]|\.\w|['’]\w)")
"""A word in capitals of two letters or more, not part of a dotted, hyphenated or mixed word, nor
followed by a possessive or a plural ending (an initialism's: "FBI's", "CEOs")."""
_BYLINE = re.compile(r"\s*By\s+(?:(?:[A-Z][\w'’.-]*|and|&)\s+)*[A-Z][\w'’.-]*")
"""A byline's names: "By " and the capitalised words (and "and") that follow ("By ANA LOPEZ and TOM
LEE, Reuters"; not "the FBI" in "By JANE DOE and the FBI")."""
_DATELINE_END = re.compile(r"\s*(?:,|\(|—|–|-{1,2}\s)")
"""What follows the place of a dateline: a comma, the agency in brackets, a dash."""


def shouted_spans(text: str, abbreviations: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """(start, end) of each word in capitals of `text` that shouts rather than names an acronym:
    in mixed-case text, a word in a run of two or more words in capitals ("By JANE DOE", "LOS
    ANGELES"), or the opening words of a dateline ("CHICAGO (AP) —", "ST. JOSEPH, Mich. —"); in a
    text mostly in capitals (a headline), every one. `abbreviations` are the dotted abbreviations
    whose usual case the tables know ("St", "Ft"), which may sit in a run with their dot."""
    words = [(m.start(), m.end()) for m in _CAPS_WORD.finditer(text)]
    if not words:
        return []
    letters = sum(ch.isalpha() for ch in text)
    capitals = sum(ch.isupper() for ch in text)
    if capitals * 4 >= letters * 3:
        return words  # a headline or a label set in capitals: nothing stands out
    shouted: set[int] = set()
    for k, (_, e) in enumerate(words):
        if k + 1 < len(words) and _joined(text, e, words[k + 1][0], abbreviations):
            shouted.update((k, k + 1))
    shouted.update(range(_dateline(text, words, abbreviations)))
    return [words[k] for k in sorted(shouted)]


def _dateline(text: str, words: list[tuple[int, int]], abbreviations: frozenset[str]) -> int:
    """How many of `words` (in capitals) are the place of a dateline: the text opens with them,
    then a comma, a bracket or a dash ("KYIV, Ukraine (AP) —"); 0 if it opens no dateline."""
    k = 0
    while k < len(words) and (words[k][0] == 0 or _joined(text, words[k - 1][1], words[k][0], abbreviations)):
        end = words[k][1]
        if _DATELINE_END.match(text, end + (text.startswith(".", end))):
            return k + 1
        k += 1
    return 0


def _joined(text: str, end: int, start: int, abbreviations: frozenset[str]) -> bool:
    """The word ending at `end` and the one starting at `start` stand side by side: only a space
    between them, or a dotted abbreviation's dot and a space ("ST. JOSEPH")."""
    gap = text[end:start]
    if gap == " ":
        return True
    if gap == ". ":
        word = re.search(r"[A-Z]+$", text[:end])
        return word is not None and usual_case(word.group()) in abbreviations
    return False


def recase(text: str, abbreviations: frozenset[str] = frozenset()) -> str:
    """`text` with every shouted word (`shouted_spans`) that can be said as a word in its usual
    case, and so are the names of a byline and the place of a dateline ("By ANA NG", "KYIV, Ukraine");
    the others (initialisms, "FBI") stay in capitals to be spelled. Same length as `text`."""
    spans = shouted_spans(text, abbreviations)
    if not spans:
        return text
    byline = _BYLINE.match(text)
    words = [(m.start(), m.end()) for m in _CAPS_WORD.finditer(text)]
    place = _dateline(text, words, abbreviations)
    names_end = byline.end() if byline else words[place - 1][1] if place else 0
    out = []
    at = 0
    for s, e in spans:
        word = text[s:e]
        bare = word.replace("'", "").replace("’", "")
        name = s < names_end  # a byline's names and a dateline's place are names ("ANA", "KYIV")
        if name or reading(bare, shouted=True) == "word" or usual_case(word) in abbreviations:
            out.append(text[at:s])
            out.append(usual_case(word))
            at = e
    out.append(text[at:])
    return "".join(out)
