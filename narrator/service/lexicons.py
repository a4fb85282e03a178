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
from ..lexicon import PUBLICATION, Kept, Lexicon, dump_lexicon, load_kept, merge, parse_lexicon, save_kept
from ..model import Article
from .store import ArticleRecord, NotFound, Store

MAX_WRITTEN = 200
"""Longest written form: a word or a phrase."""
MAX_SPOKEN = 500
"""Longest spoken form."""


def _one_line(text: str) -> bool:
    """No tab and nothing the lexicon file's reader would take for a line break (\\r, \\x0b, \\x85,
    U+2028...: str.splitlines), so one entry stays one line of the file (fuzzing found '\\r')."""
    return "\t" not in text and len(text.splitlines()) == 1


class PublicationLexicon:
    """The publication's lexicon file."""

    def __init__(self, path: Path):
        self.path = path

    def kept(self) -> Kept:
        """The entries in force, and what is wrong with the file if it was broken by hand (its last
        good entries are in force meanwhile)."""
        return load_kept(self.path, PUBLICATION)

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
        entry the file cannot hold, NotFound when removing one that is not there."""
        written = written.strip()
        if not written or not _one_line(written) or len(written) > MAX_WRITTEN:
            raise InputError(f"the written form must be 1-{MAX_WRITTEN} characters on one line, without tabs")
        with self._locked():
            lexicon = self.load()
            entries = dict(lexicon.entries)
            flags = set(lexicon.nocase)
            if spoken is None:
                if written not in entries:
                    raise NotFound(f"no lexicon entry for {written!r}")
                del entries[written]
                flags.discard(written)
            else:
                spoken = spoken.strip()
                if "[[" in spoken or "]]" in spoken:
                    raise InputError("a pronunciation here is a respelling; [[ ]] (phonemes) belong in a "
                                     "voice's own lexicon file")
                if not spoken or not _one_line(spoken) or len(spoken) > MAX_SPOKEN:
                    raise InputError(f"the spoken form must be 1-{MAX_SPOKEN} characters on one line, "
                                     "without tabs")
                entries[written] = spoken
                flags.discard(written)
                if nocase:
                    flags.add(written)
            new = Lexicon.from_dict(entries, frozenset(flags))
            _check_round_trip(new, written)
            save_kept(new, self.path)
        return new


def _check_round_trip(lexicon: Lexicon, written: str) -> None:
    """InputError unless the file `lexicon` makes reads back as exactly `lexicon`: an entry is taken
    only as the loader will read it (a '#' that would start a comment, a NUL, '[[ ]]' in a respelling,
    an empty phoneme string are refused, not written to break the file or vanish from it)."""
    try:
        back = parse_lexicon(dump_lexicon(lexicon), PUBLICATION)
    except InputError as e:
        raise InputError(str(e).replace(f"{PUBLICATION}, ", "", 1)) from None
    if back != lexicon or back.nocase != lexicon.nocase:
        raise InputError(f"the entry for {written!r} cannot be kept as written: a written form may not start "
                         "with '#' (that line would be a comment)")


def _readable_text(article: Article) -> str:
    return "\n".join([article.title, article.byline] + [
        text for section in article.sections
        for text in ([section.heading] if section.heading else []) + [p.text for p in section.paragraphs]])


def articles_containing(store: Store, written: str, nocase: bool = False) -> list[ArticleRecord]:
    """The articles whose text contains `written` as a whole word (as the lexicon would match it)."""
    probe = merge(Lexicon(((written, written),), frozenset({written}) if nocase else frozenset()))
    return [r for r in store.list_articles() if next(probe.finditer(_readable_text(r.article)), None)]


__all__ = ["MAX_SPOKEN", "MAX_WRITTEN", "PublicationLexicon", "articles_containing"]
