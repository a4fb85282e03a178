"""Editing and previewing an article: where each script block's text lives, edits applied to it,
and what a regeneration would cost (which paragraphs the synthesis cache lacks).

The cache keys a clip by the engine's identity and the spoken text (narrator.cache), so the
paragraphs to re-synthesise are those with a sentence whose key is not stored. The engine's
identity is taken from the versions it has already spoken (the store's `voices` table), so no
engine is loaded to answer; a voice that has never spoken yet re-synthesises everything.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .cache import UnitCache
from .config import Settings
from .errors import InputError
from .model import Article
from .pipeline import prepare
from .segment import segment
from .synthesise import spoken_words
from .voices import Voice


@dataclass(frozen=True)
class BlockPreview:
    """One paragraph (title, heading or body paragraph) of the script."""

    index: int
    """Its position in the script (and in the timing map of a version made from it)."""
    kind: str
    """'disclaimer', 'title', 'byline', 'heading', 'p', 'quote', ..."""
    section: int
    """The article section it belongs to (0 before the first)."""
    text: str
    """As written."""
    spoken: str
    """What the voice will say (normalised, lexicons applied)."""
    changed: bool
    """Whether some sentence of it is not in the synthesis cache (it will be synthesised)."""


@dataclass(frozen=True)
class Preview:
    """The script of an article as it would be narrated now."""

    voice: str
    """The voice profile that would speak it."""
    model_id: str
    """The engine identity the cache was checked against ('' if the voice has not spoken yet)."""
    blocks: tuple[BlockPreview, ...]
    """Every paragraph with something to say, in reading order."""

    @property
    def total(self) -> int:
        """Paragraphs in the script."""
        return len(self.blocks)

    @property
    def changed(self) -> int:
        """Paragraphs that would be synthesised again."""
        return sum(b.changed for b in self.blocks)


def preview(article: Article, voice: Voice, settings: Settings, known_models: dict[str, str],
            cache: UnitCache | None) -> Preview:
    """The script for `article`, each paragraph marked changed if the cache lacks one of its sentences.
    `known_models` maps voice profile names to the engine identity that last spoke them."""
    script = prepare(article, voice, settings)
    model_id = known_models.get(voice.name, "")
    blocks = []
    for i, block in enumerate(script.blocks):
        units = [u for u in script.units if u.block == i and spoken_words(u.spoken)]
        if not units:
            continue
        changed = not (model_id and cache) or any(
            not cache.contains(UnitCache.key(model_id, u.spoken)) for u in units)  # type: ignore[union-attr]
        blocks.append(BlockPreview(i, block.kind, block.section, block.text,
                                   " ".join(u.spoken for u in units), changed))
    return Preview(voice.name, model_id, tuple(blocks))


Locator = tuple
"""Where a script block's text lives in its article: ('title',), ('heading', section) or
('p', section, paragraph)."""


def locators(article: Article, voice: Voice, disclaimer: str) -> dict[int, Locator]:
    """Script block index -> where its text lives in the article, for the blocks an editor may
    change (the disclaimer and byline are not editable)."""
    script = segment(article, voice, disclaimer)
    found: dict[int, Locator] = {}
    next_in: dict[int, int] = {}
    for i, block in enumerate(script.blocks):
        if block.kind == "title":
            found[i] = ("title",)
        elif block.kind == "heading":
            found[i] = ("heading", block.section - 1)
        elif block.kind not in ("disclaimer", "byline") and block.section > 0:
            s = block.section - 1
            paragraphs = article.sections[s].paragraphs
            j = next_in.get(s, 0)
            while j < len(paragraphs) and paragraphs[j].text != block.text:
                j += 1
            if j < len(paragraphs):
                found[i] = ("p", s, j)
                next_in[s] = j + 1
    return found


def apply_edits(article: Article, edits: object, where: dict[int, Locator]) -> Article:
    """`article` with paragraph edits ([{"block": N, "text": "..."}], block indices as `locators`
    gives them) applied; InputError for a malformed or impossible edit."""
    if edits is None:
        edits = []
    if not isinstance(edits, list) or not all(
            isinstance(e, dict) and isinstance(e.get("block"), int) and isinstance(e.get("text"), str)
            for e in edits):
        raise InputError('"paragraphs" must be a list of {"block": N, "text": "..."}')
    sections = [list(s.paragraphs) for s in article.sections]
    headings = [s.heading for s in article.sections]
    title = article.title
    for edit in edits:
        text = " ".join(edit["text"].split())
        place = where.get(edit["block"])
        if place is None:
            raise InputError(f"paragraph {edit['block']} cannot be edited")
        if not text:
            raise InputError(f"paragraph {edit['block']} would be empty")
        if place[0] == "title":
            title = text
        elif place[0] == "heading":
            headings[place[1]] = text
        else:
            _, s, j = place
            sections[s][j] = dataclasses.replace(sections[s][j], text=text)
    new_sections = tuple(dataclasses.replace(section, heading=headings[i], paragraphs=tuple(sections[i]))
                         for i, section in enumerate(article.sections))
    return dataclasses.replace(article, title=title, sections=new_sections)


__all__ = ["BlockPreview", "Locator", "Preview", "apply_edits", "locators", "preview"]
