import html
import re
import tempfile
from dataclasses import replace

import numpy as np
import pyloudnorm
import pytest
from audio_tools import probe

from narrator.audio.assemble import (
    PEAK_CEILING,
    Narration,
    assemble,
    gained,
    integrated_loudness,
    loudness_gain,
)
from narrator.audio.export import Tags, encode_mp3, timing_map, webvtt
from narrator.config import Settings
from narrator.model import Block, Script, Unit
from narrator.normalise import normalise
from narrator.speech.engines import AudioChunk
from narrator.speech.words import WordMark

RATE = 22050


def tone(ms, amplitude=8000, freq=440):
    t = np.arange(RATE * ms // 1000) / RATE
    return AudioChunk((np.sin(2 * np.pi * freq * t) * amplitude).astype(np.int16).tobytes(), RATE)


def test_loudness_matches_pyloudnorm_reference():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(RATE * 30) * 2500 * (1 + np.sin(np.arange(RATE * 30) / RATE))).astype(np.int16)
    chunks = [x[i:i + 50_001] for i in range(0, x.size, 50_001)]  # steps straddle chunk boundaries
    ours = integrated_loudness(chunks, RATE)
    reference = pyloudnorm.Meter(RATE).integrated_loudness(x / 32768.0)
    assert abs(ours - reference) < 0.01


def test_loudness_gain_corrects_for_heavy_limiting(tmp_path):
    # Dense spikes on a quiet tone: the gain that brings it to -16 LUFS drives every spike deep
    # into the limiter, which takes more than the 0.2 LU tolerance off.
    original = np.frombuffer(tone(10_000, amplitude=1875).pcm, np.int16).copy()
    original[::1100], original[1::1100] = 14500, -14500
    with open(tmp_path / "pcm", "w+b") as audio:
        audio.write(original.tobytes())
        gain = loudness_gain(audio, RATE, -16.0)
    naive = -16.0 - integrated_loudness([original], RATE)
    assert integrated_loudness(list(gained([original], naive)), RATE) < -16.3
    assert abs(integrated_loudness(list(gained([original], gain)), RATE) - -16.0) < 0.3


@pytest.mark.parametrize("clicks", [0, 8000])  # 8000: the gain takes the clicks into the limiter
def test_loudness_gain_reaches_target_in_chunks(tmp_path, clicks):
    original = np.frombuffer(tone(20_000, amplitude=2000).pcm, np.int16).copy()
    original[::RATE // 4] = clicks or original[::RATE // 4]
    with open(tmp_path / "pcm", "w+b") as audio:
        audio.write(original.tobytes())
        gain = loudness_gain(audio, RATE, -16.0, chunk=30_000)
    limited = np.abs(original).max() * 10 ** (gain / 20) > PEAK_CEILING * 32767
    assert limited == bool(clicks)
    samples = np.concatenate(list(gained([original[:70_000], original[70_000:]], gain)))
    assert samples.size == RATE * 20
    assert abs(integrated_loudness([samples], RATE) - -16.0) < 0.3
    # Peaks past -1 dBFS are bent softly towards full scale, never clipped.
    assert np.abs(samples).max() < (32767 if clicks else 32767 * 0.95)
    assert np.abs(samples).max() < np.abs(original).max() * 10 ** (gain / 20)


def test_timing_map_is_exact_from_sample_counts(request):
    blocks = (Block("disclaimer", "D."), Block("title", "T"), Block("heading", "H", 1),
              Block("p", "A. B.", 1))
    units = (Unit("D.", "D.", 0, 100), Unit("T", "T", 1, 200), Unit("H", "H", 2, 300),
             Unit("A.", "A.", 3, 50), Unit("B.", "B.", 3, 0))
    script = Script(blocks=blocks, units=units)
    clips = [tone(1000), tone(500), tone(250), tone(700), tone(300)]
    n = assemble(script, clips, loudness=None)
    request.addfinalizer(n.close)
    starts = [b.span.start_ms for b in n.blocks]
    assert starts == [0, 1100, 1800, 2350]
    assert [(s.start_ms, s.end_ms) for s in n.blocks[3].sentences] == [(2350, 3050), (3100, 3400)]
    assert n.duration_ms == 3400
    assert n.chapters == ((1800, "H"),)
    pauses = sum(RATE * u.pause_after_ms // 1000 for u in units)
    assert n.samples == sum(len(c.pcm) // 2 for c in clips) + pauses
    assert len(b"".join(n.pcm_chunks())) == 2 * n.samples


@pytest.mark.parametrize("chapters", [0, 3, 300])  # more than 255: no table of contents, still chapters
def test_mp3_tags_and_chapters_in_order(tmp_path, chapters):
    audio = tempfile.TemporaryFile()
    audio.write(tone(3000).pcm)
    marks = tuple((10 * k, f"Chapter {k} – ü") for k in range(chapters))
    narration = Narration(audio, RATE * 3, RATE, (), marks)
    tags = Tags("Title – é", "The Paper", "Voice is AI-generated.")
    encode_mp3(narration, tmp_path / "a.mp3", tags, Settings().bitrate_kbps)
    narration.close()
    info = probe(tmp_path / "a.mp3")
    assert info["format"]["tags"] == {"title": tags.title, "artist": tags.artist, "comment": tags.comment}
    found = [(round(float(c["start_time"]) * 1000), c["tags"]["title"]) for c in info["chapters"]]
    assert found == list(marks)
    assert abs(float(info["format"]["duration"]) - 3.0) < 0.1


HOSTILE_TITLES = [
    "Title --> with an arrow",
    "Three dashes ---> and more",
    "A <b>bold</b> <c.yellow>cue tag</c> & <00:00:01.000> timestamp",
    "Blank lines\n\n00:00:00.000 --> 00:09:59.000\nInjected cue\n\nend",
    "&amp; already escaped &lt;",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_webvtt_escapes_what_a_cue_text_may_not_hold(request, title):
    """A title (from a page or the API) can open no cue tag and no new cue block (WebVTT 4.2.2)."""
    blocks = (Block("title", title), Block("p", "Body."))
    script = Script(blocks=blocks, units=(Unit(title, title, 0, 100), Unit("Body.", "Body.", 1, 0)))
    n = assemble(script, [tone(400), tone(300)], loudness=None)
    request.addfinalizer(n.close)
    vtt = webvtt(n)
    blocks_out = vtt.split("\n\n")
    assert blocks_out[0] == "WEBVTT" and len([b for b in blocks_out[1:] if b.strip()]) == 2  # 2 cues only
    first = blocks_out[1].split("\n")
    assert len(first) == 3 and first[0] == "0-0" and " --> " in first[1]
    payload = first[2]
    assert "-->" not in payload and "<" not in payload and ">" not in payload
    assert re.sub(r"&(amp|lt|gt);", "", payload).count("&") == 0
    assert html.unescape(payload) == " ".join(title.split())  # nothing lost, only escaped
    assert vtt.count("-->") == 2


def test_timing_map_says_what_each_sentence_was_spoken_as(request):
    unit = Unit("It cost $5.", "It cost five dollars.", 0)
    script = Script(blocks=(Block("p", "It cost $5."),), units=(unit,))
    n = assemble(script, [tone(900)], loudness=None)
    request.addfinalizer(n.close)
    sentence = timing_map(n)["paragraphs"][0]["sentences"][0]
    assert sentence["text"] == "It cost $5." and sentence["spoken"] == "It cost five dollars."


def _said_by_tones(text: str, rest: int = 0):  # noqa: ANN202
    """`text` normalised into one unit, and a clip of 200 ms a spoken word (after `rest` ms of quiet)
    with a mark on each spoken word."""
    script = normalise(Script(blocks=(Block("p", text),), units=(Unit(text, text, 0),)))
    unit = script.units[0]
    step = RATE // 5
    lead = rest * RATE // 1000
    marks = tuple(WordMark(lead + k * step, lead + (k + 1) * step, m.start(), m.end())
                  for k, m in enumerate(re.finditer(r"\S+", unit.spoken)))
    pcm = bytes(2 * rest * RATE // 1000) + tone(200 * len(marks)).pcm
    return script, AudioChunk(pcm, RATE, marks)


def test_the_timing_map_gives_each_written_span_the_time_of_its_spoken_words(request):
    script, clip = _said_by_tones("It cost $2.4 million, officials said.")
    n = assemble(script, [clip], loudness=None)
    request.addfinalizer(n.close)
    timing = timing_map(n)
    sentence = timing["paragraphs"][0]["sentences"][0]
    assert timing["word_timing"] == "words"
    # "It cost two point four million dollars, officials said." : 200 ms a spoken word
    assert sentence["words"] == [{"start": 0, "end": 200, "from": 0, "to": 2},
                                 {"start": 200, "end": 400, "from": 3, "to": 7},
                                 {"start": 400, "end": 1400, "from": 8, "to": 20},
                                 {"start": 1400, "end": 1600, "from": 22, "to": 31},
                                 {"start": 1600, "end": 1800, "from": 32, "to": 36}]
    assert [sentence["text"][w["from"]:w["to"]] for w in sentence["words"]] == [
        "It", "cost", "$2.4 million", "officials", "said"]


def test_without_marks_the_map_says_it_times_sentences_only(request):
    script, clip = _said_by_tones("Traffic moved slowly.")
    blocks = (Block("p", "A."), Block("p", "B."))
    two = Script(blocks=blocks, units=(replace(script.units[0], block=0), replace(script.units[0], block=1)))
    unmarked = AudioChunk(clip.pcm, RATE)
    for clips, expected in (([clip, unmarked], "partial"), ([unmarked, unmarked], "sentences")):
        n = assemble(two, clips, loudness=None)
        request.addfinalizer(n.close)
        timing = timing_map(n)
        assert timing["word_timing"] == expected
        assert timing["paragraphs"][1]["sentences"][0]["words"] is None


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_webvtt_word_timestamps_stay_inside_escaped_cues(request, title):
    script, clip = _said_by_tones(title, rest=100)
    n = assemble(script, [clip], loudness=None)
    request.addfinalizer(n.close)
    cues = webvtt(n).split("\n\n")[1:]
    assert len([c for c in cues if c.strip()]) == 1  # the text opens no other cue
    _, times, payload = cues[0].strip().split("\n")
    stamps = re.findall(r"<(\d\d:\d\d:\d\d\.\d{3})>", payload)
    assert stamps and stamps == sorted(set(stamps)) and times.split(" --> ")[0] < stamps[0]
    text = re.sub(r"<\d\d:\d\d:\d\d\.\d{3}>", "", payload)
    assert "<" not in text and ">" not in text and "-->" not in text
    assert html.unescape(text) == " ".join(title.split())  # nothing lost, only escaped
