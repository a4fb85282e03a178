"""The whole pipeline in one call: article in, narrated MP3 and timing map out."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import export
from .assemble import Narration, assemble
from .cache import UnitCache
from .config import Settings
from .engines import Engine, EngineOptions, open_engine, phoneme_checker
from .jingles import Jingles, load_jingles, with_jingles
from .lexicon import PUBLICATION, Lexicon, load_kept, load_lexicon, merge
from .live import LiveSink, LiveStream
from .model import Article, Script, Unit
from .normalise import normalise
from .segment import segment
from .synthesise import synthesise
from .voices import Voice


@dataclass(frozen=True)
class Result:
    """What a narration run produced."""

    outputs: export.Outputs
    """The files written."""
    narration: Narration
    """The timing map (its temporary audio file is closed once the MP3 is written)."""
    script: Script
    """What was said."""
    voice: Voice
    """The voice used."""
    model_id: str
    """The engine's exact identity (engine, voice, model version, speed): what the clips were made by."""
    synthesised: int = 0
    """Sentences the engine spoke in this run."""
    reused: int = 0
    """Sentences taken from the synthesis cache."""

    @property
    def duration_ms(self) -> int:
        """Length of the audio."""
        return self.narration.duration_ms


def lexicon_for(voice: Voice, settings: Settings, article: Article | None = None) -> Lexicon:
    """The lexicons in force, later ones winning: the voice's respellings, the voice's own
    entries (which may be phonemes in its engine's notation), the publication's, the article's."""
    publication = load_kept(settings.publication_lexicon, PUBLICATION).lexicon  # a broken file: its last good
    own = load_lexicon(voice.phoneme_lexicon_path, phoneme_checker(voice)) if voice.phoneme_lexicon else None
    entries = Lexicon.from_dict(dict(article.pronunciations)) if article and article.pronunciations else None
    return merge(load_lexicon(voice.lexicon_path), own, publication, entries)


def prepare(article: Article, voice: Voice, settings: Settings, jingles: Jingles | None = None) -> Script:
    """Segment and normalise: the script the engine will read (with the publisher's intro and outro
    as blocks of their own when there are any)."""
    script = normalise(segment(article, voice, settings.disclaimer), lexicon_for(voice, settings, article))
    return with_jingles(script, jingles) if jingles else script


def narrate(article: Article, voice: Voice, out: Path, settings: Settings, *, engine: Engine | None = None,
            progress: Callable[[int, int], None] | None = None, cache: UnitCache | None = None,
            between: Callable[[Unit], None] | None = None, live: LiveSink | None = None) -> Result:
    """Narrate `article` in `voice` to `out` (an .mp3 path), with .timing.json and .vtt beside it.

    Pass an open `engine` to reuse a loaded model across articles; otherwise one is opened
    for this call and closed after it. With a `cache`, only sentences it lacks are synthesised.
    `between(unit)` is called before each sentence (a job queue stops or yields there). With a `live` sink,
    the audio is also streamed there as it is made (narrator.live), indexed against the MP3 at the end.
    """
    jingles = load_jingles(settings)
    script = prepare(article, voice, settings, jingles)
    own = engine is None
    engine = engine or open_engine(voice, options=EngineOptions.from_settings(settings))
    before = (cache.hits, cache.misses) if cache else (0, 0)
    try:
        clips = synthesise(script, engine, voice, progress, cache, between)
        if jingles:
            clips = jingles.fill(script, clips)
        stream = LiveStream(script, voice, live, settings.bitrate_kbps) if live is not None else None
        if stream is not None:
            clips = stream.tap(clips)
        narration = assemble(script, clips, settings.loudness_lufs)
        if stream is not None:
            stream.close()
    finally:
        if own:
            engine.close()
    reused, synthesised = ((cache.hits - before[0], cache.misses - before[1]) if cache
                           else (0, sum(1 for u in script.units if u.spoken.strip())))
    if cache and synthesised:
        cache.prune()
    tags = export.Tags(title=article.title,
                       artist=settings.publication or urlsplit(article.url).hostname or "narrator",
                       comment=settings.disclaimer)
    try:
        outputs = export.write(narration, out, tags, settings.bitrate_kbps)
    finally:
        narration.close()
    if stream is not None:
        stream.finish(outputs.audio)
    return Result(outputs, narration, script, voice, engine.model_id, synthesised, reused)
