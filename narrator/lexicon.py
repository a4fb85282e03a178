"""Pronunciation lexicons: editor entries mapping a written word or phrase to what is said.

A lexicon file in voices/lexicons/ has one entry a line, ``written<TAB>spoken[<TAB>flags]``;
'#' starts a comment. Entries match whole words only and are case-sensitive unless the flags
column says ``nocase``. The publication lexicon and a voice's lexicon are combined with
`merge` (later wins), and `Lexicon.version` changes whenever an entry does, so caches can
key on it.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import InputError

NOCASE = "nocase"
PHONEMES = "phonemes"
"""Flag of an entry whose spoken form is phonemes in the voice engine's own notation (IPA for
Piper, espeak-ng's ASCII mnemonics for espeak); it reaches the engine inside [[ ]]."""
FLAGS = (NOCASE, PHONEMES)


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

    def apply(self, text: str) -> str:
        """Replace every whole-word occurrence of an entry in `text` by its spoken form."""
        pattern = self._pattern
        if pattern is None:
            return text
        return pattern.sub(lambda m: self.lookup(m.group(0)) or m.group(0), text)

    def finditer(self, text: str):
        """Matches of the entries in `text` (for callers that protect replaced spans)."""
        pattern = self._pattern
        return iter(()) if pattern is None else pattern.finditer(text)


EMPTY = Lexicon()


def parse_lexicon(text: str, name: str = "<lexicon>",
                  check_phonemes: Callable[[str], str | None] | None = None) -> Lexicon:
    """Parse lexicon file content; a bad line raises InputError naming `name` and the line.

    Flags (third column, comma-separated): `nocase`, and `phonemes` for a spoken form in the
    engine's phoneme notation, which `check_phonemes` (given by the voice) may reject with a reason.
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
        if not written:
            raise InputError(f"{where}: empty written form")
        if not spoken:
            raise InputError(f"{where}: empty spoken form for {written!r}")
        if flags - set(FLAGS):
            raise InputError(f"{where}: unknown flag {', '.join(sorted(flags - set(FLAGS)))!r} "
                             f"(known: {', '.join(FLAGS)})")
        if "[[" in spoken or "]]" in spoken:  # [[...]] reaches the engine as phonemes: only by the flag
            if PHONEMES in flags:
                raise InputError(f"{where}: write the phonemes of {written!r} without [[ ]]")
            raise InputError(f"{where}: a respelling of {written!r} cannot contain [[ or ]] "
                             f"(for phonemes, write them bare and add the flag '{PHONEMES}')")
        if PHONEMES in flags:
            problem = check_phonemes(spoken) if check_phonemes else None
            if problem:
                raise InputError(f"{where}: invalid phonemes for {written!r}: {problem}")
            spoken = f"[[{spoken}]]"
        if written in entries and entries[written] != spoken:
            raise InputError(f"{where}: {written!r} is already read {entries[written]!r} "
                             f"on line {first_line[written]}")
        entries[written] = spoken
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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(dump_lexicon(lexicon))
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
