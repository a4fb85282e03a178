"""Synthesise stage: each sentence of a Script through an engine, checked against its text."""
from __future__ import annotations

import logging
import math
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np

from ..errors import SynthesisError
from ..model import Script, Unit
from ..speech.engines import AudioChunk, Engine
from ..speech.voices import Voice
from ..speech.words import QUIET, WordMark
from .cache import UnitCache

log = logging.getLogger(__name__)

EDGE_MS = 40
"""Quiet kept at each trimmed edge so that consonants are not clipped."""


def spoken_words(text: str) -> int:
    """Words a voice will say: letter runs, plus about one word per two digits."""
    words = len(re.findall(r"[^\W\d_]+", text))
    return words + sum(math.ceil(len(d) / 2) for d in re.findall(r"\d+", text))


def trim(chunk: AudioChunk) -> AudioChunk:
    """Cut leading and trailing near-silence, keeping EDGE_MS of it (the word marks move with the
    samples, and stay inside what is kept)."""
    samples = np.frombuffer(chunk.pcm, dtype=np.int16)
    loud = np.flatnonzero(np.abs(samples) > QUIET * 32767)
    if loud.size == 0:
        return AudioChunk(b"", chunk.sample_rate, () if chunk.words is not None else None)
    edge = chunk.sample_rate * EDGE_MS // 1000
    start, end = int(max(0, loud[0] - edge)), int(min(samples.size, loud[-1] + 1 + edge))
    words = None
    if chunk.words is not None:
        words = tuple(WordMark(max(m.start, start) - start, min(m.end, end) - start, m.text_from, m.text_to)
                      for m in chunk.words if min(m.end, end) > max(m.start, start))
    return AudioChunk(samples[start:end].tobytes(), chunk.sample_rate, words)


def check_duration(chunk: AudioChunk, text: str, voice: Voice) -> str | None:
    """Why the clip cannot be a full reading of `text`, or None when its length is plausible."""
    words = spoken_words(text)
    seconds = chunk.duration_ms / 1000
    shortest = words / voice.max_words_per_second - 0.3
    longest = words / voice.min_words_per_second + 1.5
    if seconds < shortest:
        return f"{seconds:.2f} s of audio for {words} words is too short (cut off?)"
    if seconds > longest:
        return f"{seconds:.2f} s of audio for {words} words is too long"
    return None


PACE_FASTER, PACE_SLOWER = 0.75, 1.8
"""How far a clip's length may stray from its spoken characters at the voice's `ms_per_char` (as
factors, each with PACE_SLACK_MS more) before its pace is taken to disagree with the speed its cache
identity names. Per sentence of news text, both shipped voices speak at 0.80-1.25 times their
ms_per_char, and punctuation-heavy fragments (the normaliser's test lines) up to 1.7 times slower,
never faster (bench/bench_voice_pace.py --clips); so a clip outside is read about 45 % faster, or
80 % slower, than its identity says."""
PACE_SLACK_MS = 300
"""Added to both bounds: a short clip's length is mostly its edges (EDGE_MS) and pauses."""


def check_pace(chunk: AudioChunk, spoken: str, voice: Voice) -> str | None:
    """Why the clip's pace disagrees with its voice's `ms_per_char`, or None when it agrees (or the
    voice's pace was not measured for what it speaks: Voice.pace_measured)."""
    if not voice.pace_measured:
        return None
    expected = len(spoken) * voice.ms_per_char
    if chunk.duration_ms < expected * PACE_FASTER - PACE_SLACK_MS:
        return f"{chunk.duration_ms / len(spoken):.0f} ms a character is too fast for {voice.name}"
    if chunk.duration_ms > expected * PACE_SLOWER + PACE_SLACK_MS:
        return f"{chunk.duration_ms / len(spoken):.0f} ms a character is too slow for {voice.name}"
    return None


def synthesise_unit(unit: Unit, engine: Engine, voice: Voice, where: str = "",
                    cache: UnitCache | None = None) -> AudioChunk:
    """One unit's clip, trimmed, from the cache or the engine; tried again once when its length
    does not match the text or the engine failed (a crashed engine process is started anew for
    the second try). Then SynthesisError names the sentence.

    Only clips that pass are cached, and only those whose pace agrees with the voice's (`check_pace`):
    a clip at another speed than its identity names would make every later narration of that
    sentence wrong. One off pace is synthesised again (an engine that lost its rate for a moment
    speaks at the right one then); if the second try is off pace too, or fails, the clip is used,
    since it is a full reading of the sentence (its length matches the words), but not cached, so
    the next narration tries anew."""
    if spoken_words(unit.spoken) == 0:
        return AudioChunk(b"", 0)
    key = UnitCache.key(engine.model_id, unit.spoken) if cache else ""
    if cache and (cached := cache.get(key)) is not None:
        return cached
    problem = ""
    off_pace: AudioChunk | None = None  # a full reading at a pace that disagrees: used, never cached
    for _attempt in range(2):
        try:
            chunk = trim(engine.synthesize(unit.spoken))
        except SynthesisError as e:
            problem = str(e)
            continue
        problem = check_duration(chunk, unit.spoken, voice) or ""
        if problem:
            continue
        pace = check_pace(chunk, unit.spoken, voice)
        if pace is None:
            if cache:
                cache.put(key, chunk)
            return chunk
        log.warning("%s (%r): %s; not cached", where or "a sentence", unit.text[:60], pace)
        off_pace = chunk
    if off_pace is not None:
        return off_pace
    raise SynthesisError(f"{where or 'a sentence'} ({unit.text[:60]!r}): {problem}")


def synthesise(script: Script, engine: Engine, voice: Voice,
               progress: Callable[[int, int], None] | None = None,
               cache: UnitCache | None = None,
               between: Callable[[Unit], None] | None = None) -> Iterator[AudioChunk]:
    """Yield one clip per unit of the script, in order (lazily, so memory stays flat).

    An engine with several lanes (`Engine.lanes`) is given that many sentences at once, from as many
    threads; the clips still come out in order, each as soon as it and those before it are made. The
    first sentence goes alone, with the engine to itself, so the first audio is not later than one
    sentence at a time makes it; from the second on, sentences run ahead by at most the lanes.

    `progress(blocks_done, blocks_total)` is called after each block's last sentence, and
    `between(unit)` before each sentence is given to the engine (it may raise to stop the narration:
    the sentences in flight are finished and dropped).
    """
    total = len(script.blocks)
    units = script.units

    def make(unit: Unit) -> AudioChunk:
        kind = script.blocks[unit.block].kind
        return synthesise_unit(unit, engine, voice, f"{kind} {unit.block + 1} of {total}", cache)

    lanes = max(1, getattr(engine, "lanes", 1))
    threads = ThreadPoolExecutor(lanes, thread_name_prefix="narrator-lane") if lanes > 1 else nullcontext()
    with threads as pool:
        ahead: deque[Future[AudioChunk]] = deque()
        given = 0
        try:
            for i, unit in enumerate(units):
                while given < len(units) and (given <= i or (i > 0 and len(ahead) < lanes)):
                    if between:
                        between(units[given])
                    ahead.append(pool.submit(make, units[given]) if pool else _done(make, units[given]))
                    given += 1
                yield ahead.popleft().result()
                if progress and (i + 1 == len(units) or units[i + 1].block != unit.block):
                    progress(unit.block + 1, total)
        finally:  # stopped or failed: what has not started is not started (the pool waits for the rest)
            for future in ahead:
                future.cancel()


def _done(make: Callable[[Unit], AudioChunk], unit: Unit) -> Future[AudioChunk]:
    """`make(unit)` run here and now, as a finished future (one lane: no threads)."""
    future: Future[AudioChunk] = Future()
    try:
        future.set_result(make(unit))
    except BaseException as e:
        future.set_exception(e)
    return future
