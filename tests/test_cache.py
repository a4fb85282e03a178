"""The synthesis cache: content-addressed clips, only what changed is synthesised, LRU eviction."""
import os
import subprocess
import sys
from dataclasses import replace

from narrator.audio.cache import UnitCache
from narrator.config import Settings
from narrator.extract import extract_text
from narrator.model import Article, Paragraph, Section
from narrator.pipeline import narrate
from narrator.speech.engines import AudioChunk, open_engine
from narrator.speech.voices import get_voice

ARTICLE = """The harbour story

The ferry left the harbour at dawn. Gulls followed it out to sea.

The crossing took four hours. Nobody was seasick.

In the afternoon the ferry came back. The harbour master counted the cars.
"""


def test_key_covers_engine_identity_and_spoken_text(joe, espeak):
    """The key is made from the identities real engines give: another engine, another speaking rate of
    the same voice, or another spoken text is another clip."""
    (joe_voice, joe_engine), (_, espeak_engine) = joe, espeak
    faster = open_engine(replace(joe_voice, rate=joe_voice.rate * 1.25), words=False)
    try:
        identities = {joe_engine.model_id, espeak_engine.model_id, faster.model_id}
    finally:
        faster.close()
    assert len(identities) == 3  # the rate is part of Piper's identity; the engines differ
    keys = {UnitCache.key(identity, text) for identity in identities for text in ("Hello.", "Hello!")}
    assert len(keys) == 6
    assert UnitCache.key(joe_engine.model_id, "Hello.") == UnitCache.key(joe_engine.model_id, "Hello.")


def test_voice_is_part_of_the_engine_identity(tmp_path):
    """espeak speaking US English and German is one engine with two voices: their clips of the same
    text must not share a cache entry (the German word would be read with the English clip)."""
    english, german = get_voice("espeak", "en"), get_voice("espeak", "de")
    engines = [open_engine(english), open_engine(german)]
    try:
        assert engines[0].model_id != engines[1].model_id
        cache = UnitCache(tmp_path / "cache", 1 << 30)
        article = Article("Zürich", (Section(None, (Paragraph("Wir fahren morgen nach Zürich."),)),),
                          language="de")
        settings = Settings(disclaimer="")
        first = narrate(article, english, tmp_path / "en.mp3", settings, engine=engines[0], cache=cache)
        second = narrate(article, german, tmp_path / "de.mp3", settings, engine=engines[1], cache=cache)
    finally:
        for engine in engines:
            engine.close()
    assert first.synthesised == second.synthesised == 2 and second.reused == 0
    assert cache.stats().units == 4


def test_only_changed_sentences_are_synthesised(tmp_path, espeak):
    voice, engine = espeak
    cache = UnitCache(tmp_path / "cache", 1 << 30)
    settings = Settings()
    cold = narrate(extract_text(ARTICLE), voice, tmp_path / "a.mp3", settings, engine=engine,
                   cache=cache)
    assert cold.reused == 0 and cold.synthesised == len(cold.script.units) == 9  # 2 in the disclaimer

    again = narrate(extract_text(ARTICLE), voice, tmp_path / "b.mp3", settings, engine=engine,
                    cache=cache)
    assert (again.synthesised, again.reused) == (0, 9)
    assert again.narration.blocks == cold.narration.blocks  # same timing to the millisecond
    sentences = [s for b in again.narration.blocks for s in b.sentences]
    assert all(s.words for s in sentences)  # a reused clip keeps its words' times

    edited = ARTICLE.replace("Nobody was seasick.", "Only one passenger was seasick.")
    one = narrate(extract_text(edited), voice, tmp_path / "c.mp3", settings, engine=engine, cache=cache)
    assert (one.synthesised, one.reused) == (1, 8)

    new_disclaimer = Settings(disclaimer="This audio was made by a computer.")
    d = narrate(extract_text(ARTICLE), voice, tmp_path / "d.mp3", new_disclaimer, engine=engine,
                cache=cache)
    assert (d.synthesised, d.reused) == (1, 7)


def test_lexicon_change_resynthesises_only_sentences_with_the_word(tmp_path, espeak):
    voice, engine = espeak
    cache = UnitCache(tmp_path / "cache", 1 << 30)
    narrate(extract_text(ARTICLE), voice, tmp_path / "a.mp3", Settings(), engine=engine, cache=cache)
    lexicon = tmp_path / "publication.tsv"
    lexicon.write_text("harbour\tharbor\n")
    result = narrate(extract_text(ARTICLE), voice, tmp_path / "b.mp3", Settings(lexicon=str(lexicon)),
                     engine=engine, cache=cache)
    # "harbour" is in the title, the first sentence and the last one.
    assert (result.synthesised, result.reused) == (3, 6)


def test_prune_evicts_least_recently_used(tmp_path):
    cache = UnitCache(tmp_path, max_bytes=10_000)
    clip = AudioChunk(bytes(4000), 22050)
    keys = [UnitCache.key("e", str(i)) for i in range(4)]
    for i, key in enumerate(keys):
        cache.put(key, clip)
        os.utime(cache._path(key), (1000 + i, 1000 + i))
    cache.get(keys[0])  # used now: the newest
    assert cache.stats().units == 4
    assert cache.prune() == 2
    assert cache.get(keys[0]) is not None and cache.get(keys[3]) is not None
    assert cache.get(keys[1]) is None and cache.get(keys[2]) is None
    assert cache.stats().bytes <= 10_000


def test_cache_command(tmp_path):
    cache = UnitCache(tmp_path / "cache", 1 << 30)
    for i in range(3):
        cache.put(UnitCache.key("e", str(i)), AudioChunk(bytes(2000), 22050))
    env = {**os.environ, "NARRATOR_HOME": str(tmp_path)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "narrator.cli", "cache", *a],  # noqa: E731
                                    capture_output=True, text=True, env=env)
    assert run("stats").stdout.startswith("3 clips")
    out = run("prune", "--max-mb", "0").stdout
    assert "removed 3 clips" in out and "0 clips" in out


def test_prune_removes_clips_half_written_by_a_process_that_died(tmp_path):
    """A worker killed in the middle of writing a clip leaves a hidden temporary file: the next prune
    removes it at once (its writer is gone), and keeps one whose writer still runs."""
    cache = UnitCache(tmp_path / "cache", 1 << 30)
    cache.put(UnitCache.key("m", "Hello."), AudioChunk(b"\0\0" * 100, 22050))
    folder = next((tmp_path / "cache").glob("??"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    (folder / f".{dead}-abc.tmp").write_bytes(b"RIFF half a clip")
    (folder / f".{os.getpid()}-def.tmp").write_bytes(b"RIFF being written")
    cache.prune()
    assert sorted(p.name for p in folder.glob(".*.tmp")) == [f".{os.getpid()}-def.tmp"]
    assert cache.stats().units == 1
