"""Editing and previewing an article: where each script block's text lives, edits applied to it,
what a regeneration would change (compared with the current version) and cost (which paragraphs
the synthesis cache lacks).

The cache keys a clip by the engine's identity and the spoken text (narrator.audio.cache), so the
paragraphs to re-synthesise are those with a sentence whose key is not stored. The engine's
identity is taken from the versions it has already spoken (the store's `voices` table), so no
engine is loaded to answer; a voice that has never spoken yet re-synthesises everything.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass

from .audio.cache import UnitCache
from .audio.synthesise import spoken_words
from .config import Settings
from .errors import InputError
from .model import Article, Block, Script, Unit
from .pipeline import prepare
from .safetext import one_line
from .segment import segment
from .speech.voices import Voice


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
    """Whether narrating now would change it: it differs from the current version (words, voice or
    engine; everything differs when there is no current version) or will be synthesised again."""
    synthesise: bool
    """Whether some sentence of it is not in the synthesis cache (it will be synthesised)."""
    was: str | None
    """Its text in the current version (None: no counterpart there)."""


@dataclass(frozen=True)
class Baseline:
    """The current version, as a preview compares with it."""

    voice: str
    """The voice profile that spoke it."""
    model_id: str
    """The engine identity that spoke it."""
    script: Script
    """The content it was made from, prepared as it would be now."""


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
        """Paragraphs that narrating now would change."""
        return sum(b.changed for b in self.blocks)

    @property
    def synthesise(self) -> int:
        """Paragraphs that would be synthesised again."""
        return sum(b.synthesise for b in self.blocks)


def _spoken_blocks(script: Script) -> list[tuple[int, Block, list[Unit]]]:
    """The blocks that say something, with their units."""
    units: dict[int, list[Unit]] = {}
    for u in script.units:
        if spoken_words(u.spoken):
            units.setdefault(u.block, []).append(u)
    return [(i, block, units[i]) for i, block in enumerate(script.blocks) if i in units]


def _counterparts(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> dict[int, tuple[int, bool]]:
    """New block position -> (old block position, same) for blocks aligned with the old script:
    longest common runs of (kind, spoken) are the same; a replaced run pairs off in order."""
    found: dict[int, tuple[int, bool]] = {}
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("equal", "replace"):
            for k in range(min(i2 - i1, j2 - j1)):
                found[j1 + k] = (i1 + k, op == "equal")
    return found


def preview(article: Article, voice: Voice, settings: Settings, known_models: dict[str, str],
            cache: UnitCache | None, baseline: Baseline | None = None) -> Preview:
    """The script for `article`, each paragraph compared with `baseline` (the current version) and
    checked against the cache. `known_models` maps voice profile names to the engine identity that
    last spoke them."""
    script = prepare(article, voice, settings)
    model_id = known_models.get(voice.name, "")
    new = _spoken_blocks(script)
    old = _spoken_blocks(baseline.script) if baseline else []
    pairs = _counterparts([(b.kind, " ".join(u.spoken for u in us)) for _, b, us in old],
                          [(b.kind, " ".join(u.spoken for u in us)) for _, b, us in new])
    same_voice = baseline is not None and (baseline.voice, baseline.model_id) == (voice.name, model_id)
    blocks = []
    for position, (i, block, units) in enumerate(new):
        synthesise = not (model_id and cache) or any(
            not cache.contains(UnitCache.key(model_id, u.spoken)) for u in units)  # type: ignore[union-attr]
        old_position, same = pairs.get(position, (None, False))
        was = old[old_position][1].text if old_position is not None else None
        blocks.append(BlockPreview(i, block.kind, block.section, block.text,
                                   " ".join(u.spoken for u in units),
                                   synthesise or not (same and same_voice), synthesise, was))
    return Preview(voice.name, model_id, tuple(blocks))


@dataclass(frozen=True)
class Change:
    """One step of the difference between two versions of an article, paragraph by paragraph."""

    op: str
    """'same', 'changed', 'added' or 'removed'."""
    old: str | None
    """The paragraph in the older version (None if added)."""
    new: str | None
    """The paragraph in the newer version (None if removed)."""


def _paragraphs(article: Article) -> list[str]:
    """The article's texts in reading order: title, then each section's heading and paragraphs."""
    texts = [article.title]
    for section in article.sections:
        texts += ([section.heading] if section.heading else []) + [p.text for p in section.paragraphs]
    return [t for t in texts if t.strip()]


def compare(old: Article, new: Article) -> list[Change]:
    """What changed from `old` to `new`, paragraph by paragraph (a replaced run pairs off in order;
    the rest of it is added or removed)."""
    a, b = _paragraphs(old), _paragraphs(new)
    changes = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            changes += [Change("same", t, t) for t in a[i1:i2]]
            continue
        paired = min(i2 - i1, j2 - j1)
        changes += [Change("changed", a[i1 + k], b[j1 + k]) for k in range(paired)]
        changes += [Change("removed", t, None) for t in a[i1 + paired:i2]]
        changes += [Change("added", None, t) for t in b[j1 + paired:j2]]
    return changes


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
        text = one_line(edit["text"])  # no control characters reach the pages, the feed or the cues
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


__all__ = ["Baseline", "BlockPreview", "Change", "Locator", "Preview", "apply_edits", "compare", "locators",
           "preview"]
