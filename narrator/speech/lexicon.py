"""Pronunciation lexicons: editor entries mapping a written word or phrase to what is said.

A lexicon file in voices/lexicons/ has one entry a line, ``written<TAB>spoken[<TAB>flags]``;
'#' starts a comment. Entries match whole words only and are case-sensitive unless the flags
column says ``nocase``. The publication lexicon and a voice's lexicon are combined with
`merge` (later wins), and `Lexicon.version` changes whenever an entry does, so caches can
key on it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import InputError

NOCASE = "nocase"
PHONEMES = "phonemes"
"""Flag of an entry whose spoken form is phonemes in the voice engine's own notation (IPA for
Piper, espeak-ng's ASCII mnemonics for espeak); it reaches the engine inside [[ ]]."""
FLAGS = (NOCASE, PHONEMES)

PUBLICATION = "the publication's lexicon"
"""How messages name the publication's lexicon file (never by its path on the server)."""

MAX_PHONEMES = 200
"""Longest phoneme string an entry may give: a long word is ~20 phonemes; espeak-ng 1.51 crashed on
a thousand. Checked when a lexicon is read, so no longer one reaches an engine."""

MAX_WRITTEN = 200
"""Longest written form: a word or a phrase."""
MAX_SPOKEN = 500
"""Longest spoken form, whatever the written one."""
SPOKEN_PER_WRITTEN = 10
SPOKEN_SLACK = 30
"""A spoken form may be at most SPOKEN_PER_WRITTEN times as long as its written form, plus SPOKEN_SLACK
characters (and never over MAX_SPOKEN). Every real expansion we know fits: "NAACP" -> "the National
Association for the Advancement of Colored People" (5 -> 63, the tightest), "WHO" -> "the World Health
Organization", "&" -> "and", a respelling or IPA about as long as its word. A pronunciation can no
longer multiply the text: 2,000 times "a" with {"a": "word " * 99} (495 characters) made a million
spoken characters from 4 KB; at most 40 a word now, and what is spoken is counted against the size
limit and the queue quota (narrator.service.submissions.narration_size)."""

SPOKEN_PUNCTUATION = frozenset(" .,;:!?'’-‐")
"""What a respelling may hold besides letters of the voice's script, their combining marks and digits:
spaces, the punctuation a reader phrases by, apostrophes and hyphens. Symbols and emoji are not said
by a voice ("the" spoken as 100 emoji made every article with "the" fail after 70 s of synthesis)."""

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
"""Characters no entry may hold: controls (a NUL broke every article with its word), lone
surrogates and noncharacters. Tabs separate the fields; line breaks end the line."""


def longest_spoken(written: str) -> int:
    """The longest spoken form `written` may have (SPOKEN_PER_WRITTEN, SPOKEN_SLACK, MAX_SPOKEN)."""
    return min(MAX_SPOKEN, SPOKEN_PER_WRITTEN * len(written) + SPOKEN_SLACK)


def bounds_problem(written: str, spoken: str) -> str | None:
    """Why an entry is out of bounds, or None: a written form over MAX_WRITTEN characters, a spoken form
    (respelling or bare phonemes) longer than `longest_spoken` allows for its written form."""
    if len(written) > MAX_WRITTEN:
        return f"the written form is longer than {MAX_WRITTEN} characters"
    most = longest_spoken(written)
    if len(spoken) > most:
        return (f"the spoken form of {written!r} is {len(spoken):,} characters long; a written form of "
                f"{len(written)} may be said in at most {most}")
    return None


def script_of(ch: str) -> str:
    """The script of a letter as its Unicode name starts ("Latin", "Cyrillic", "Greek", "Han"...)."""
    first = unicodedata.name(ch, "").partition(" ")[0]
    return "Han" if first == "CJK" else first.capitalize()


def script_problem(spoken: str, scripts: frozenset[str]) -> str | None:
    """Why a voice that reads `scripts` cannot say the respelling `spoken` (letters of another script,
    symbols, emoji, controls), or None. Letters, their combining marks, digits and SPOKEN_PUNCTUATION
    pass."""
    def sayable(ch: str) -> bool:
        kind = unicodedata.category(ch)
        return (ch in SPOKEN_PUNCTUATION or kind == "Nd" and ch.isascii() or kind[0] == "M"
                or kind[0] == "L" and script_of(ch) in scripts)

    bad = sorted({ch for ch in spoken if not sayable(ch)})
    if not bad:
        return None
    shown = " ".join(bad[:8]) + (" ..." if len(bad) > 8 else "")
    marks = " ".join(sorted(SPOKEN_PUNCTUATION - {" "}))
    return (f"a voice reading {'/'.join(sorted(scripts))} script cannot say {shown} (a respelling holds "
            f"letters of the voice's script, digits, spaces and {marks})")


def as_phonemes(spoken: str) -> str | None:
    """The phonemes of a spoken form written as [[...]], or None for a plain respelling."""
    return spoken[2:-2] if spoken.startswith("[[") and spoken.endswith("]]") else None


@dataclass(frozen=True)
class Lexicon:
    """Written -> spoken entries, applied to whole words after normalisation."""

    entries: tuple[tuple[str, str], ...] = ()
    """(written, spoken) pairs in file order; each written form appears once."""
    nocase: frozenset[str] = frozenset()
    """Written forms matched regardless of case (all others are case-sensitive)."""
    source: str = field(default="", compare=False)
    """Where the entries came from (file paths), for messages only."""

    @classmethod
    def from_dict(cls, entries: dict[str, str], nocase: frozenset[str] = frozenset()) -> Lexicon:
        """A lexicon from a plain mapping (the shape the editor dashboard stores)."""
        return cls(tuple(entries.items()), frozenset(nocase))

    def as_dict(self) -> dict[str, str]:
        """The entries as a plain mapping."""
        return dict(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)

    @cached_property
    def version(self) -> str:
        """A short hash of the entries: equal content, equal version; empty lexicon -> "empty"."""
        if not self.entries:
            return "empty"
        h = hashlib.sha256()
        for written, spoken in sorted(self.entries):
            flag = "i" if written in self.nocase else "c"
            h.update(f"{written}\t{spoken}\t{flag}\n".encode())
        return h.hexdigest()[:16]

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        # Longest first so a phrase wins over a word it contains.
        alts = []
        for written, _ in sorted(self.entries, key=lambda e: -len(e[0])):
            alt = re.escape(written)
            alts.append(f"(?i:{alt})" if written in self.nocase else alt)
        # Whole words: not inside a longer word, but "Prigozhin's" still matches "Prigozhin".
        return re.compile(r"(?<![\w'’])(?:" + "|".join(alts) + r")(?!\w|['’](?![sS]\b)\w)")

    @cached_property
    def _tables(self) -> tuple[dict[str, str], dict[str, str]]:
        exact = {w: s for w, s in self.entries if w not in self.nocase}
        folded = {w.lower(): s for w, s in self.entries if w in self.nocase}
        return exact, folded

    def lookup(self, word: str) -> str | None:
        """The spoken form for an exact written form, or None."""
        exact, folded = self._tables
        return exact.get(word, folded.get(word.lower()))

    def written_of(self, word: str) -> str | None:
        """The written form of the entry that matches `word` (itself, or the entry's own spelling of a
        `nocase` one), or None."""
        exact, _ = self._tables
        if word in exact:
            return word
        return next((w for w in self.nocase if w.lower() == word.lower()), None)

    def without(self, written: set[str] | frozenset[str]) -> Lexicon:
        """This lexicon without the entries for `written`."""
        if not written:
            return self
        return Lexicon(tuple(e for e in self.entries if e[0] not in written), self.nocase - set(written),
                       self.source)

    def finditer(self, text: str):
        """Matches of the entries in `text` (for callers that protect replaced spans)."""
        pattern = self._pattern
        return iter(()) if pattern is None else pattern.finditer(text)


EMPTY = Lexicon()


def parse_lexicon(text: str, name: str = "<lexicon>",
                  check_phonemes: Callable[[str], str | None] | None = None, max_entries: int = 0) -> Lexicon:
    """Parse lexicon file content; a bad line raises InputError naming `name` and the line.

    Flags (third column, comma-separated): `nocase`, and `phonemes` for a spoken form in the
    engine's phoneme notation, which `check_phonemes` (given by the voice) may reject with a reason.
    Every entry is bounded (`bounds_problem`); with `max_entries`, so is their number.
    """
    entries: dict[str, str] = {}
    nocase: set[str] = set()
    first_line: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{name}, line {number}"
        parts = line.split("\t")
        if len(parts) < 2:
            raise InputError(f"{where}: expected 'written<TAB>spoken', got {line.strip()!r}")
        if len(parts) > 3:
            raise InputError(f"{where}: too many tab-separated fields ({len(parts)})")
        written, spoken = parts[0].strip(), parts[1].strip()
        flags = {f.strip() for f in parts[2].lower().split(",") if f.strip()} if len(parts) == 3 else set()
        if _UNSAFE.search(line):
            raise InputError(f"{where}: a control character or noncharacter in the entry")
        if not written:
            raise InputError(f"{where}: empty written form")
        if not spoken:
            raise InputError(f"{where}: empty spoken form for {written!r}")
        if flags - set(FLAGS):
            raise InputError(f"{where}: unknown flag {', '.join(sorted(flags - set(FLAGS)))!r} "
                             f"(known: {', '.join(FLAGS)})")
        if problem := bounds_problem(written, spoken):
            raise InputError(f"{where}: {problem}")
        if "[[" in spoken or "]]" in spoken:  # [[...]] reaches the engine as phonemes: only by the flag
            if PHONEMES in flags:
                raise InputError(f"{where}: write the phonemes of {written!r} without [[ ]]")
            raise InputError(f"{where}: a respelling of {written!r} cannot contain [[ or ]] "
                             f"(for phonemes, write them bare and add the flag '{PHONEMES}')")
        if PHONEMES in flags:
            if len(spoken) > MAX_PHONEMES:
                raise InputError(f"{where}: the phonemes of {written!r} are longer than {MAX_PHONEMES} "
                                 "characters")
            problem = check_phonemes(spoken) if check_phonemes else None
            if problem:
                raise InputError(f"{where}: invalid phonemes for {written!r}: {problem}")
            spoken = f"[[{spoken}]]"
        if written in entries and entries[written] != spoken:
            raise InputError(f"{where}: {written!r} is already read {entries[written]!r} "
                             f"on line {first_line[written]}")
        entries[written] = spoken
        if max_entries and len(entries) > max_entries:
            raise InputError(f"{where}: more than {max_entries:,} entries (NARRATOR_MAX_LEXICON_ENTRIES)")
        first_line.setdefault(written, number)
        if NOCASE in flags:
            nocase.add(written)
    return Lexicon(tuple(entries.items()), frozenset(nocase), source=name)


def load_lexicon(path: Path | None, check_phonemes: Callable[[str], str | None] | None = None) -> Lexicon:
    """Read a lexicon file; None or a missing file gives the empty lexicon."""
    if path is None:
        return EMPTY
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return EMPTY
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read lexicon {path}: {exc}")
    return parse_lexicon(text, str(path), check_phonemes)


@dataclass(frozen=True)
class Flag:
    """An entry a narration did not use because its voice could not say it (the plain reading was used
    instead), as the editors' desk shows it."""

    written: str
    """The entry's written form."""
    spoken: str
    """Its spoken form when it failed (a changed entry is no longer flagged)."""
    voice: str
    """The voice profile that could not say it."""
    problem: str
    """What went wrong."""


def flags_path(path: Path) -> Path:
    """Where the flags of the lexicon file `path` are kept (beside it: PATH.flags.json)."""
    return path.with_name(path.name + ".flags.json")


def load_flags(path: Path) -> tuple[Flag, ...]:
    """The flags kept for the lexicon file `path` (none if the flags file is missing or unreadable:
    flags only inform, they never stop a narration)."""
    try:
        data = json.loads(flags_path(path).read_text(encoding="utf-8"))
        return tuple(Flag(str(f["written"]), str(f["spoken"]), str(f["voice"]), str(f["problem"]))
                     for f in data)
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError):
        return ()


def save_flags(flags: tuple[Flag, ...], path: Path) -> None:
    """Keep `flags` for the lexicon file `path` (written aside, then renamed)."""
    data = [{"written": f.written, "spoken": f.spoken, "voice": f.voice, "problem": f.problem} for f in flags]
    _write_atomic(flags_path(path), json.dumps(data, ensure_ascii=False, indent=1) + "\n")


@dataclass(frozen=True)
class Kept:
    """A lexicon file as it is in force: its entries, or the last good ones while it is broken."""

    lexicon: Lexicon
    """The entries in force."""
    problem: str = ""
    """Why the file itself is not in force (empty when it is): its first bad line."""
    flags: tuple[Flag, ...] = ()
    """Entries narrations could not use in some voice, while they still read as they did then."""

    def flagged(self, voice: str) -> frozenset[str]:
        """The written forms of entries `voice` could not say (not used in it until they change)."""
        return frozenset(f.written for f in self.current_flags() if f.voice == voice)

    def current_flags(self) -> list[Flag]:
        """The flags of entries that still read as they did when they failed."""
        return [f for f in self.flags if self.lexicon.as_dict().get(f.written) == f.spoken]


def load_kept(path: Path, name: str, max_entries: int = 0) -> Kept:
    """Read a lexicon file that people edit by hand too, keeping a copy of its last good content
    beside it (PATH.good). While the file is broken its last good entries stay in force and the
    problem is told (messages say `name`, never the server's path); a missing file is empty.
    With `max_entries`, a file of more entries is broken too. The flags kept beside it come along."""
    path = Path(path)
    good = path.with_name(path.name + ".good")
    flags = load_flags(path)
    try:
        text = path.read_text(encoding="utf-8")
        lexicon = parse_lexicon(text, name, max_entries=max_entries)
    except FileNotFoundError:
        return Kept(EMPTY)
    except (OSError, UnicodeDecodeError, InputError) as e:
        problem = str(e) if isinstance(e, InputError) else f"{name} cannot be read ({type(e).__name__})"
        try:
            return Kept(parse_lexicon(good.read_text(encoding="utf-8"), name, max_entries=max_entries),
                        problem, flags)
        except (OSError, UnicodeDecodeError, InputError):
            return Kept(EMPTY, problem)
    try:
        if not good.exists() or good.read_text(encoding="utf-8") != text:
            _write_atomic(good, text)
    except OSError:
        pass  # a read-only folder: the file itself is in force all the same
    return Kept(lexicon, "", flags)


def dump_lexicon(lexicon: Lexicon) -> str:
    """The file content for `lexicon` (entries in order, flags where needed)."""
    lines = ["# Pronunciation lexicon: written<TAB>spoken[<TAB>nocase,phonemes], whole words only."]
    for written, spoken in lexicon.entries:
        phonemes = as_phonemes(spoken)
        flags = [NOCASE] * (written in lexicon.nocase) + [PHONEMES] * (phonemes is not None)
        line = f"{written}\t{spoken if phonemes is None else phonemes}"
        lines.append(f"{line}\t{','.join(flags)}" if flags else line)
    return "\n".join(lines) + "\n"


def save_lexicon(lexicon: Lexicon, path: Path) -> None:
    """Write `lexicon` to `path`: to a temporary file beside it first, then renamed over it."""
    _write_atomic(Path(path), dump_lexicon(lexicon))


def save_kept(lexicon: Lexicon, path: Path) -> None:
    """Write `lexicon` to a file read with `load_kept`, and as its last good copy."""
    path = Path(path)
    save_lexicon(lexicon, path)
    _write_atomic(path.with_name(path.name + ".good"), dump_lexicon(lexicon))


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def merge(*lexicons: Lexicon | None) -> Lexicon:
    """Combine lexicons; for a word in several, the later one wins (publication, then voice)."""
    entries: dict[str, str] = {}
    nocase: set[str] = set()
    sources = []
    for lex in lexicons:
        if not lex:
            continue
        for written, spoken in lex.entries:
            entries.pop(written, None)  # re-insert so the order reflects the winner
            entries[written] = spoken
            nocase.discard(written)
            if written in lex.nocase:
                nocase.add(written)
        if lex.source:
            sources.append(lex.source)
    return Lexicon(tuple(entries.items()), frozenset(nocase), source=" + ".join(sources))
