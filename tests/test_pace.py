"""A lost espeak rate never poisons the synthesis cache (issue 23, item 12): the pyttsx3 worker sets the
rate for every utterance and reports the rate in force, the engine refuses a clip spoken at another; and
a clip whose pace disagrees with its voice's ms_per_char is not cached under that voice's identity.
Real espeak-ng throughout; the faults are made in the engine process itself."""
from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from narrator.audio.cache import UnitCache
from narrator.audio.synthesise import synthesise_unit, trim
from narrator.errors import SynthesisError
from narrator.model import Unit
from narrator.speech.engines import open_engine
from narrator.speech.voices import get_voice

SENTENCE = ("The escapee's Norwegian lawyer said that he was now in the Oslo area but did not provide "
            "further details about his plans.")

LOSES_THE_RATE = '''\
"""Loaded by the pyttsx3 worker at start-up (PYTHONPATH): espeak-ng's rate can be set once, by pyttsx3's
driver when it starts (to its own 200 words a minute); every later change is lost, as under load."""
from pyttsx3.drivers import _espeak

_set = _espeak.SetParameter
_rates = []


def _lossy(parameter, value, relative=0):
    if parameter == _espeak.RATE:
        _rates.append(value)
        if len(_rates) > 1:
            return 0
    return _set(parameter, value, relative)


_espeak.SetParameter = _lossy
'''


def test_a_worker_that_loses_its_rate_makes_no_clip_and_caches_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    voice = get_voice("espeak")
    unit = Unit(SENTENCE, SENTENCE, 0)
    cache = UnitCache(tmp_path / "cache", 1 << 30)
    sound = open_engine(voice)  # before the fault: the clip at the right rate, as control
    try:
        right = trim(sound.synthesize(SENTENCE))
    finally:
        sound.close()

    (tmp_path / "lossy").mkdir()
    (tmp_path / "lossy" / "sitecustomize.py").write_text(LOSES_THE_RATE)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "lossy"))
    engine = open_engine(voice)
    try:
        with pytest.raises(SynthesisError, match="spoke at 200 words a minute instead of 175"):
            engine.synthesize(SENTENCE)
        with pytest.raises(SynthesisError, match="spoke at 200 words a minute"):
            synthesise_unit(unit, engine, voice, "p 1 of 1", cache)  # both tries: a new worker loses it too
    finally:
        engine.close()
    assert cache.stats().units == 0
    assert not cache.contains(UnitCache.key(engine.model_id, SENTENCE))

    monkeypatch.delenv("PYTHONPATH")
    engine = open_engine(voice)
    try:
        clip = synthesise_unit(unit, engine, voice, "p 1 of 1", cache)
    finally:
        engine.close()
    assert clip.pcm == right.pcm  # the rate set for every utterance is the one it was spoken at
    assert cache.contains(UnitCache.key(engine.model_id, SENTENCE))


@pytest.mark.parametrize("rate", [0.46, 1.6])  # espeak's slowest (80 words a minute), and 280
def test_a_clip_at_another_pace_than_its_identity_is_used_but_not_cached(
        rate: float, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An engine process speaking at another rate than its identity names (model_id says 175 words a
    minute): its clips are full readings (they pass the truncation guard), so they are used, but they
    are not cached under that identity; the engine at the right pace fills the cache."""
    voice = get_voice("espeak")
    unit = Unit(SENTENCE, SENTENCE, 0)
    cache = UnitCache(tmp_path / "cache", 1 << 30)
    right = open_engine(voice)
    wrong = open_engine(replace(voice, rate=rate))
    try:
        wrong.model_id = right.model_id  # the process's rate is not the one its identity names
        key = UnitCache.key(right.model_id, SENTENCE)
        with caplog.at_level(logging.WARNING, logger="narrator.audio.synthesise"):
            clip = synthesise_unit(unit, wrong, voice, "p 1 of 1", cache)
        assert clip.pcm  # used
        too = "slow" if rate < 1 else "fast"
        assert sum(f"too {too} for espeak; not cached" in r.getMessage() for r in caplog.records) == 2
        assert not cache.contains(key) and cache.stats().units == 0

        good = synthesise_unit(unit, right, voice, "p 1 of 1", cache)
        assert cache.contains(key)
        ratio = clip.duration_ms / good.duration_ms
        assert (ratio > 1.8) if rate < 1 else (ratio < 0.7)  # it really was at another pace
        assert synthesise_unit(unit, wrong, voice, "p 1 of 1", cache).pcm == good.pcm  # from the cache now
    finally:
        right.close()
        wrong.close()


def test_a_fallback_voice_reading_another_language_is_not_held_to_its_english_pace(tmp_path: Path) -> None:
    """espeak reads Korean at about 145 ms a character, 2.7 times its English pace: the pace it was
    measured at is English's, so clips in other languages are cached without that check."""
    voice = get_voice("espeak", "ko")
    assert get_voice("espeak").pace_measured and not voice.pace_measured
    text = "정부는 화요일 재생 에너지 지원을 크게 확대하기로 결정했다고 밝혔습니다."
    cache = UnitCache(tmp_path / "cache", 1 << 30)
    engine = open_engine(voice)
    try:
        clip = synthesise_unit(Unit(text, text, 0), engine, voice, "p 1 of 1", cache)
        assert cache.contains(UnitCache.key(engine.model_id, text))
    finally:
        engine.close()
    assert clip.duration_ms / len(text) > 2 * get_voice("espeak").ms_per_char
