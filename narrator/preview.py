"""What a regeneration would cost: which paragraphs of a script the synthesis cache lacks.

The cache keys a clip by the engine's identity and the spoken text (narrator.cache), so the
paragraphs to re-synthesise are those with a sentence whose key is not stored. The engine's
identity is taken from the versions it has already spoken (the store's `voices` table), so no
engine is loaded to answer; a voice that has never spoken yet re-synthesises everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cache import UnitCache
from .config import Settings
from .model import Article
from .pipeline import prepare
from .synthesise import spoken_words
from .voices import get_voice


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


def preview(article: Article, voice_name: str | None, settings: Settings, known_models: dict[str, str],
            cache: UnitCache | None) -> Preview:
    """The script for `article`, each paragraph marked changed if the cache lacks one of its sentences.
    `known_models` maps voice profile names to the engine identity that last spoke them."""
    voice = get_voice(voice_name, article.language)
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


__all__ = ["BlockPreview", "Preview", "preview"]
