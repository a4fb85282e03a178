"""The publication's pronunciation lexicon: one file (HOME/lexicon.tsv or NARRATOR_LEXICON) that
editors change one entry at a time, from the dashboard or the API.

The file is what `narrator.pipeline.lexicon_for` reads for every narration, so an entry changes
the fingerprint of every article that contains its word, and regenerating such an article makes
a new version. Changes are serialised across processes by an advisory lock beside the file, and
the new file is written aside and renamed into place.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from ..model import Article
from ..speech.lexicon import (
    MAX_SPOKEN,
    MAX_WRITTEN,
    PUBLICATION,
    Flag,
    Kept,
    Lexicon,
    bounds_problem,
    dump_lexicon,
    load_flags,
    load_kept,
    merge,
    parse_lexicon,
    save_flags,
    save_kept,
    script_problem,
)
from ..speech.voices import Voice
from .store import ArticleRecord, NotFound, Store


def _one_line(text: str) -> bool:
    """No tab and nothing the lexicon file's reader would take for a line break (\\r, \\x0b, \\x85,
    U+2028...: str.splitlines), so one entry stays one line of the file (fuzzing found '\\r')."""
    return "\t" not in text and len(text.splitlines()) == 1


class PublicationLexicon:
    """The publication's lexicon file."""

    def __init__(self, path: Path, max_entries: int = 0):
        self.path = path
        self.max_entries = max_entries
        """The most entries the file may hold (NARRATOR_MAX_LEXICON_ENTRIES; 0: no limit)."""

    def kept(self) -> Kept:
        """The entries in force, and what is wrong with the file if it was broken by hand (its last
        good entries are in force meanwhile), with the flags of entries narrations could not use."""
        return load_kept(self.path, PUBLICATION, self.max_entries)

    def load(self) -> Lexicon:
        """The entries in force."""
        return self.kept().lexicon

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def set(self, written: str, spoken: str | None, nocase: bool = False) -> Lexicon:
        """Add or change (`spoken`) or remove (None) an entry; the new lexicon. InputError for an
        entry the file cannot hold (see `entry`), NotFound when removing one that is not there."""
        written = _written(written)
        added = entry(written, spoken, nocase) if spoken is not None else None
        with self._locked():
            lexicon = self.load()
            entries = dict(lexicon.entries)
            flags = set(lexicon.nocase)
            if added is None:
                if written not in entries:
                    raise NotFound(f"no lexicon entry for {written!r}")
                del entries[written]
                flags.discard(written)
            else:
                if written not in entries and self.max_entries and len(entries) >= self.max_entries:
                    raise InputError(f"the lexicon holds {len(entries):,} entries, the most it may "
                                     "(NARRATOR_MAX_LEXICON_ENTRIES)")
                entries[written] = added.entries[0][1]
                flags.discard(written)
                flags |= added.nocase
            new = Lexicon.from_dict(entries, frozenset(flags))
            save_kept(new, self.path)  # also mends a file broken by hand: from its last good entries
            self._unflag(written)
        return new

    def flag(self, flags: list[Flag]) -> None:
        """Tell the desk that narrations could not use these entries (in the flags' voices); a newer flag
        of an entry in a voice replaces an older one."""
        if not flags:
            return
        with self._locked():
            new = {(f.written, f.voice) for f in flags}
            kept = [f for f in load_flags(self.path) if (f.written, f.voice) not in new]
            save_flags(tuple(kept + flags), self.path)

    def _unflag(self, written: str) -> None:
        """Forget the flags of `written` (its entry was changed or removed); the lock is held."""
        flags = load_flags(self.path)
        if any(f.written == written for f in flags):
            save_flags(tuple(f for f in flags if f.written != written), self.path)


def _written(written: str) -> str:
    written = written.strip()
    if not written or not _one_line(written) or len(written) > MAX_WRITTEN:
        raise InputError(f"the written form must be 1-{MAX_WRITTEN} characters on one line, without tabs")
    return written


def entry(written: str, spoken: str, nocase: bool = False, voice: Voice | None = None) -> Lexicon:
    """One entry as a lexicon, exactly as saving it to the file and loading the file would give it
    (so an entry can be tried before it is saved); InputError for one the file cannot hold or its
    loader would refuse (a written form read as a comment, phonemes with stray brackets, a spoken form
    too long for its written one...) or, given the `voice` it is for, one not in the voice's script."""
    written = _written(written)
    spoken = spoken.strip()
    if not spoken or not _one_line(spoken) or len(spoken) > MAX_SPOKEN:
        raise InputError(f"the spoken form must be 1-{MAX_SPOKEN} characters on one line, without tabs")
    if "[[" in spoken or "]]" in spoken:
        raise InputError("a pronunciation here is a respelling; [[ ]] (phonemes) belong in a voice's own "
                         "lexicon file")
    if problem := bounds_problem(written, spoken):
        raise InputError(f"this entry cannot be saved: {problem}")
    if voice is not None and (problem := script_problem(spoken, voice.scripts)):
        raise InputError(f"{voice.name} cannot say {written!r} that way: {problem}")
    wanted = Lexicon(((written, spoken),), frozenset({written}) if nocase else frozenset())
    try:
        loaded = parse_lexicon(dump_lexicon(wanted))
    except InputError as e:  # "<lexicon>, line 2: why": the line is the dump's, not the editor's
        raise InputError(f"this entry cannot be saved: {str(e).partition(': ')[2]}") from None
    if loaded != wanted:  # e.g. '#...' is a comment line to the loader
        raise InputError(f"the lexicon file cannot hold {written!r} read as {spoken!r}")
    return loaded


def _readable_text(article: Article) -> str:
    return "\n".join([article.title, article.byline] + [
        text for section in article.sections
        for text in ([section.heading] if section.heading else []) + [p.text for p in section.paragraphs]])


def articles_containing(store: Store, written: str, nocase: bool = False) -> list[ArticleRecord]:
    """The articles whose text contains `written` as a whole word (as the lexicon would match it)."""
    probe = merge(Lexicon(((written, written),), frozenset({written}) if nocase else frozenset()))
    return [r for r in store.articles.all() if next(probe.finditer(_readable_text(r.article)), None)]


__all__ = ["MAX_SPOKEN", "MAX_WRITTEN", "PublicationLexicon", "articles_containing", "entry"]
