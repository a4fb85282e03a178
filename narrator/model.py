"""The dataclasses that flow between pipeline stages."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """One block of body text, as written on the page."""

    text: str
    """The paragraph's text, whitespace collapsed."""
    kind: str = "p"
    """'p' for prose, 'li' for a list item, 'quote' for a block quote."""


@dataclass(frozen=True)
class Section:
    """An optional heading and the paragraphs under it, in reading order."""

    heading: str | None
    """The sub-heading's text, or None for the opening section."""
    paragraphs: tuple[Paragraph, ...] = ()
    """Body paragraphs of this section."""


@dataclass(frozen=True)
class Article:
    """What the Extract stage produces: the readable parts of a page."""

    title: str
    """The headline."""
    sections: tuple[Section, ...]
    """The body, in reading order."""
    byline: str = ""
    """Author names as one line ("Jane Doe and John Roe"), or empty."""
    language: str = "en"
    """BCP 47 language tag, lower case ("en", "de", "pt-br")."""
    date: str = ""
    """Publication date as ISO 8601 when the page gives one, else empty."""
    url: str = ""
    """Where the article came from, when known."""
    pronunciations: tuple[tuple[str, str], ...] = ()
    """The article's own lexicon entries (written, spoken): they win over every other lexicon."""

    @property
    def chars(self) -> int:
        """The characters a narration reads: title, byline, headings and paragraphs."""
        return len(self.title) + len(self.byline) + sum(
            len(s.heading or "") + sum(len(p.text) for p in s.paragraphs) for s in self.sections)

    @property
    def paragraphs(self) -> list[Paragraph]:
        """All body paragraphs, in reading order."""
        return [p for s in self.sections for p in s.paragraphs]

    def body_text(self) -> str:
        """The body (headings and paragraphs) as plain text, blocks separated by a blank line."""
        blocks: list[str] = []
        for s in self.sections:
            if s.heading:
                blocks.append(s.heading)
            blocks.extend(p.text for p in s.paragraphs)
        return "\n\n".join(blocks)

    def to_dict(self) -> dict:
        """A JSON-ready view."""
        return {
            "title": self.title,
            "byline": self.byline,
            "language": self.language,
            "date": self.date,
            "url": self.url,
            **({"pronunciations": [list(e) for e in self.pronunciations]} if self.pronunciations else {}),
            "sections": [
                {"heading": s.heading,
                 "paragraphs": [{"text": p.text, "kind": p.kind} for p in s.paragraphs]}
                for s in self.sections
            ],
        }


@dataclass(frozen=True)
class WordSpan:
    """One word of a unit as the normaliser said it: where it is in the spoken text, and the written
    span it was read from ("$2.4 million" is one span read as four words)."""

    said_from: int
    """Offset in the unit's spoken text where the word starts."""
    said_to: int
    """Offset in the unit's spoken text where it ends."""
    written_from: int
    """Offset in the unit's written text where the span it was read from starts."""
    written_to: int
    """Offset in the unit's written text where that span ends."""


@dataclass(frozen=True)
class Unit:
    """One synthesised unit: a sentence (or a short block) and how it is spoken."""

    text: str
    """The original text, as shown in the transcript."""
    spoken: str
    """What the engine is asked to say (normalised, lexicon applied)."""
    block: int
    """Index of the block (disclaimer, title, byline, heading or paragraph) it belongs to."""
    pause_after_ms: int = 0
    """Silence appended after this unit's clip."""
    words: tuple[WordSpan, ...] = ()
    """The spoken words with the written spans they were read from, in order (empty before the
    normaliser has run: such a unit has no word timings)."""


@dataclass(frozen=True)
class Block:
    """A block of the narration script: the disclaimer, title, byline, a heading or a paragraph."""

    kind: str
    """'disclaimer', 'title', 'byline', 'heading', 'p', 'li' or 'quote'."""
    text: str
    """The original text of the block."""
    section: int = 0
    """Index of the article section it belongs to (0 for the opening matter)."""


@dataclass(frozen=True)
class Script:
    """What the Segment stage produces and Normalise refines: everything to be said, in order."""

    blocks: tuple[Block, ...]
    """Blocks in reading order."""
    units: tuple[Unit, ...]
    """Sentences in reading order; each points at its block."""
    language: str = "en"
    """Language of the article."""
    title: str = ""
    """Headline, for the audio file's tags."""
    chapters: tuple[tuple[int, str], ...] = field(default=())
    """(block index, title) of each heading block, for chapter marks."""
