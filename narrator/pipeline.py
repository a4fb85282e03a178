"""The whole pipeline in one call: article in, narrated MP3 and timing map out."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .audio import export
from .audio.assemble import Narration, assemble
from .audio.cache import UnitCache
from .audio.jingles import Jingles, load_jingles, with_jingles
from .audio.stream import LiveSink, LiveStream
from .audio.synthesise import synthesise, synthesise_unit
from .config import Settings
from .errors import SynthesisError
from .model import Article, Script, Unit
from .normalise import normalise, normalise_text
from .segment import segment, split_long
from .speech.engines import Engine, EngineOptions, open_engine, phoneme_checker
from .speech.lexicon import (
    PUBLICATION,
    Flag,
    Lexicon,
    as_phonemes,
    bounds_problem,
    load_kept,
    load_lexicon,
    merge,
    script_of,
    script_problem,
)
from .speech.voices import Voice


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
    left_out: tuple[Flag, ...] = ()
    """Pronunciations of the article's words that the voice could not say, read plainly instead."""

    @property
    def duration_ms(self) -> int:
        """Length of the audio."""
        return self.narration.duration_ms


def voice_label(voice: Voice) -> str:
    """How flags name a voice: its profile and the language it spoke ("espeak (de)")."""
    return f"{voice.name} ({voice.language})"


def lexicon_in_force(voice: Voice, settings: Settings,
                     article: Article | None = None) -> tuple[Lexicon, list[Flag]]:
    """The lexicons in force for `voice`, later ones winning: the voice's respellings, the voice's own
    entries (which may be phonemes in its engine's notation), the publication's, the article's; and
    the entries left out because the voice cannot say them (a respelling not in its script, or out of
    bounds: narrator.speech.lexicon.bounds_problem) or a narration in it flagged them (the publication's)."""
    # A broken file: its last good entries.
    kept = load_kept(settings.publication_lexicon, PUBLICATION, settings.max_lexicon_entries)
    publication = kept.lexicon.without(kept.flagged(voice_label(voice)))
    own = load_lexicon(voice.phoneme_lexicon_path, phoneme_checker(voice)) if voice.phoneme_lexicon else None
    pronunciations = dict(article.pronunciations[:settings.max_pronunciations or None]) if article else {}
    entries = Lexicon.from_dict(pronunciations) if pronunciations else None
    lexicon = merge(load_lexicon(voice.lexicon_path), own, publication, entries)
    left_out = []
    for written, spoken in lexicon.entries:
        phonemes = as_phonemes(spoken)  # checked against the engine's symbols when its file was read
        problem = bounds_problem(written, spoken if phonemes is None else phonemes) or (
            script_problem(spoken, voice.scripts) if phonemes is None else None)
        if problem:
            left_out.append(Flag(written, spoken, voice_label(voice), problem))
    return lexicon.without({f.written for f in left_out}), left_out


def lexicon_for(voice: Voice, settings: Settings, article: Article | None = None) -> Lexicon:
    """The entries in force for `voice` (`lexicon_in_force`)."""
    return lexicon_in_force(voice, settings, article)[0]


def prepare(article: Article, voice: Voice, settings: Settings, jingles: Jingles | None = None,
            lexicon: Lexicon | None = None, used: set[str] | None = None) -> Script:
    """Segment and normalise (with `lexicon`, by default the one in force): the script the engine will
    read, a long sentence in parts (narrator.segment.split_long), with the publisher's intro and
    outro as blocks of their own when there are any. The lexicon entries applied go in `used`."""
    lexicon = lexicon_for(voice, settings, article) if lexicon is None else lexicon
    script = split_long(normalise(segment(article, voice, settings.disclaimer), lexicon, used))
    return with_jingles(script, jingles) if jingles else script


def spoken_chars(article: Article, voice: Voice, settings: Settings) -> int:
    """How many characters a narration of `article` in `voice` will speak: after the lexicons in force
    and normalisation (numbers said in words, junk dropped), the disclaimer included."""
    return sum(len(u.spoken) for u in prepare(article, voice, settings).units)


def tried(lexicon: Lexicon, written: set[str], engine: Engine, voice: Voice, language: str,
          cache: UnitCache | None = None) -> list[Flag]:
    """Each entry of `lexicon` for the `written` forms said on its own by `engine`, as an article
    would say it (cached like any sentence): the entries the voice could not say (the engine failed,
    or the clip's length does not fit the words, twice: narrator.audio.synthesise.synthesise_unit)."""
    broken = []
    for word in sorted(written):
        spoken = lexicon.lookup(word)
        if spoken is None:
            continue
        alone = Lexicon(((word, spoken),), lexicon.nocase & {word})
        said = normalise_text(word, language, alone)
        where = f"the pronunciation of {word!r}"
        try:
            synthesise_unit(Unit(word, said, 0), engine, voice, where, cache)
        except SynthesisError as e:
            why = str(e).removeprefix(f"{where} ({word[:60]!r}): ")
            broken.append(Flag(word, spoken, voice_label(voice), f"{voice.name} could not say it: {why}"))
    return broken


def _in_text(flags: list[Flag], article: Article, voice: Voice) -> list[Flag]:
    """The flags of entries whose written form is in the voice's script and occurs in the article."""
    mine = [f for f in flags if all(script_of(ch) in voice.scripts for ch in f.written if ch.isalpha())]
    if not mine:
        return []
    probe = Lexicon(tuple((f.written, f.spoken) for f in mine))
    text = "\n".join([article.title, article.byline, article.body_text()])
    found = {m.group(0) for m in probe.finditer(text)}
    return [f for f in mine if f.written in found]


def narrate(article: Article, voice: Voice, out: Path, settings: Settings, *, engine: Engine | None = None,
            progress: Callable[[int, int], None] | None = None, cache: UnitCache | None = None,
            between: Callable[[Unit], None] | None = None, live: LiveSink | None = None) -> Result:
    """Narrate `article` in `voice` to `out` (an .mp3 path), with .timing.json and .vtt beside it.

    Pass an open `engine` to reuse a loaded model across articles; otherwise one is opened
    for this call and closed after it. With a `cache`, only sentences it lacks are synthesised.
    `between(unit)` is called before each sentence (a job queue stops or yields there). With a `live` sink,
    the audio is also streamed there as it is made (narrator.audio.stream), indexed against the MP3 at the
    end.
    """
    jingles = load_jingles(settings)
    lexicon, left_out = lexicon_in_force(voice, settings, article)
    used: set[str] = set()
    script = prepare(article, voice, settings, jingles, lexicon, used)
    own = engine is None
    engine = engine or open_engine(voice, options=EngineOptions.from_settings(settings))
    try:
        # A pronunciation the voice cannot say never fails the narration: it is tried alone first, and
        # the article is read without the ones that fail (plainly, as if there were no entry).
        broken = tried(lexicon, used, engine, voice, script.language, cache)
        if broken:
            script = prepare(article, voice, settings, jingles, lexicon.without({f.written for f in broken}))
        before = (cache.hits, cache.misses) if cache else (0, 0)
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
    return Result(outputs, narration, script, voice, engine.model_id, synthesised, reused,
                  tuple(_in_text(left_out, article, voice) + broken))
