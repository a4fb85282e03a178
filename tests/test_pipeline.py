"""The whole pipeline on the seed article, with both real engines."""
import html
import json
import re
import subprocess
import sys
from itertools import pairwise

import numpy as np
import pytest
from audio_tools import decode, integrated_lufs, lag_ms, probe, tone_file

from narrator.audio import export
from narrator.audio.jingles import load_jingles
from narrator.config import Settings
from narrator.errors import InputError
from narrator.extract import extract_text, load
from narrator.pipeline import narrate
from narrator.speech.voices import get_voice

DISCLAIMER = "Voice is AI-generated. Inconsistencies may occur."
"""The notice every narration opens with, as the product promises it (written out, not read from the code)."""


@pytest.fixture(scope="module", params=["joe", "espeak"])
def seed_narration(request, seed_path, tmp_path_factory):
    """The seed narrated by narrate(), as the CLI does it, plus the PCM it encoded."""
    voice, engine = request.getfixturevalue(request.param)
    article = load(str(seed_path))
    out = tmp_path_factory.mktemp(request.param) / "seed.mp3"
    encoded = {}
    original = export.encode_mp3

    def keep_pcm(narration, path, tags, bitrate_kbps=64):
        encoded["pcm"] = np.frombuffer(b"".join(narration.pcm_chunks()), dtype=np.int16)
        original(narration, path, tags, bitrate_kbps)

    export.encode_mp3 = keep_pcm
    try:
        result = narrate(article, voice, out, Settings(publication="Test Times"), engine=engine)
    finally:
        export.encode_mp3 = original
    return article, result, encoded["pcm"]


def test_files_and_tags(seed_narration):
    article, result, _ = seed_narration
    info = probe(result.outputs.audio)
    stream = info["streams"][0]
    assert stream["codec_name"] == "mp3" and stream["channels"] == 1
    assert int(stream["sample_rate"]) == 22050
    assert 56_000 <= int(info["format"]["bit_rate"]) <= 72_000
    tags = info["format"]["tags"]
    assert tags["title"] == article.title
    assert tags["artist"] == "Test Times"
    assert tags["comment"] == DISCLAIMER
    headings = [s.heading for s in article.sections if s.heading]
    assert [c["tags"]["title"] for c in info["chapters"]] == headings


def test_timing_map_covers_the_audio_in_order(seed_narration):
    article, result, _ = seed_narration
    timing = json.loads(result.outputs.timing.read_text())
    paragraphs = timing["paragraphs"]
    assert paragraphs[0]["kind"] == "disclaimer" and paragraphs[0]["start"] == 0
    assert paragraphs[0]["text"] == DISCLAIMER
    assert [p["kind"] for p in paragraphs[1:2]] == ["title"]
    body = [p for p in paragraphs if p["kind"] in ("p", "li", "quote")]
    expected = [p.text for p in article.paragraphs if DISCLAIMER not in p.text]
    assert [p["text"] for p in body] == expected  # one entry per paragraph, original text
    ends = 0
    for p in paragraphs:
        assert p["start"] >= ends and p["end"] > p["start"]
        assert p["sentences"][0]["start"] == p["start"] and p["sentences"][-1]["end"] == p["end"]
        for s in p["sentences"]:
            assert s["start"] >= ends and s["end"] > s["start"]
            ends = s["end"]
    assert timing["duration_ms"] - 2000 <= ends <= timing["duration_ms"]

    decoded = decode(result.outputs.audio)
    assert abs(decoded.size / 22.05 - timing["duration_ms"]) <= 50


def test_timing_matches_the_decoded_mp3_within_50_ms(seed_narration):
    # The timing map is exact on the PCM by construction (clip sample counts, see
    # test_assemble); what remains is that the MP3 a player decodes lines up with that PCM.
    _, result, pcm = seed_narration
    decoded = decode(result.outputs.audio)
    assert abs(decoded.size - pcm.size) <= 22050 * 0.05
    assert abs(lag_ms(pcm, decoded, 22050)) <= 50
    timing = json.loads(result.outputs.timing.read_text())
    spans = [(s["start"], s["end"]) for p in timing["paragraphs"] for s in p["sentences"]]
    # Speech sits inside the sentence spans; the gaps between them are quiet.
    at = lambda ms: round(ms * 22.05)  # noqa: E731
    voiced = np.concatenate([decoded[at(a + 60): at(b - 60)] for a, b in spans if b - a > 300])
    gaps = np.concatenate([decoded[at(e + 60): at(s - 60)] for (_, e), (s, _) in pairwise(spans)
                           if s - e > 300])
    rms = lambda x: np.sqrt((x.astype(float) ** 2).mean())  # noqa: E731
    assert rms(voiced) > 20 * (rms(gaps) + 1)


def test_webvtt_has_one_cue_per_sentence(seed_narration):
    _, result, _ = seed_narration
    vtt = result.outputs.vtt.read_text()
    assert vtt.startswith("WEBVTT\n")
    cues = re.findall(r"^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})$", vtt, re.M)
    assert len(cues) == sum(len(b.sentences) for b in result.narration.blocks)
    assert cues[0][0] == "00:00:00.000"


def test_every_sentence_has_its_written_words_timed(seed_narration):
    """Word timings (docs/words.md): each sentence's words are the written spans the normaliser read
    (every one with something said for it), in order, each inside its sentence, none overlapping."""
    _, result, _ = seed_narration
    timing = json.loads(result.outputs.timing.read_text())
    assert timing["word_timing"] == "words"
    sentences = [s for p in timing["paragraphs"] for s in p["sentences"]]
    assert len(sentences) == len(result.script.units)
    timed = 0
    for s, unit in zip(sentences, result.script.units, strict=True):
        said = [w for w in unit.words if any(ch.isalnum() for ch in unit.spoken[w.said_from:w.said_to])]
        expected = [(w.written_from, w.written_to) for w in said]
        assert [(w["from"], w["to"]) for w in s["words"]] == expected, s["text"]
        end = s["start"]
        for w in s["words"]:
            assert end <= w["start"] < w["end"] <= s["end"], (s["text"], w)
            assert any(ch.isalnum() for ch in s["text"][w["from"]:w["to"]])
            end = w["end"]
        timed += len(s["words"])
    assert timed >= 550  # the seed has 588 written words (a span such as "Jan. 6" holds several)


def test_webvtt_cues_hold_each_word_time(seed_narration):
    """Inside each cue a timestamp before every word said after the cue starts, later than the one
    before and before the cue ends (WebVTT's rule); the cue's text is the sentence's."""
    _, result, _ = seed_narration
    vtt = result.outputs.vtt.read_text()
    cues = re.findall(r"^\d+-\d+\n(\S+) --> (\S+)\n(.*)$", vtt, re.M)
    sentences = [s for b in result.narration.blocks for s in b.sentences]
    assert len(cues) == len(sentences)
    seconds = lambda stamp: sum(float(x) * 60 ** k for k, x in enumerate(reversed(stamp.split(":"))))  # noqa: E731
    stamped = 0
    for (start, end, text), s in zip(cues, sentences, strict=True):
        times = [seconds(t) for t in re.findall(r"<(\d\d:\d\d:\d\d\.\d{3})>", text)]
        assert all(seconds(start) < t < seconds(end) for t in times)
        assert times == sorted(set(times))
        assert html.unescape(re.sub(r"<[^>]*>", "", text)) == " ".join(s.text.split())
        stamped += len(times)
    assert stamped >= sum(len(s.words or ()) for s in sentences) - len(sentences)  # all but a cue's first


def test_word_timings_can_be_turned_off(tmp_path):
    """NARRATOR_WORD_TIMINGS=0: the engine is not asked, the map says it times sentences only."""
    article = extract_text("Harbour news\n\nThe bridge opened again on Monday.\n")
    voice = get_voice("espeak")
    result = narrate(article, voice, tmp_path / "a.mp3", Settings(word_timings=0))
    timing = json.loads(result.outputs.timing.read_text())
    assert timing["word_timing"] == "sentences"
    assert all(s["words"] is None for p in timing["paragraphs"] for s in p["sentences"])
    assert not result.model_id.endswith(":words")
    assert "<00:" not in result.outputs.vtt.read_text()


def test_loudness_is_minus_16_lufs(seed_narration):
    _, result, _ = seed_narration
    assert -17.0 <= integrated_lufs(result.outputs.audio) <= -15.0


@pytest.mark.parametrize("target", [-23.0, -12.0])
def test_loudness_target_is_the_setting(espeak, tmp_path, target):
    voice, engine = espeak
    article = extract_text("Loud and quiet\n\nThe band played until midnight. The neighbours complained.\n")
    result = narrate(article, voice, tmp_path / "out.mp3", Settings(loudness_lufs=target), engine=engine)
    assert abs(integrated_lufs(result.outputs.audio) - target) <= 1.0


def test_intro_and_outro_jingles(espeak, tmp_path):
    """A publisher's ident (44.1 kHz stereo MP3) and sign-off (OGG) are joined around the narration at
    the voice's format, with their own kinds in the timing map."""
    voice, engine = espeak
    intro = tone_file(tmp_path / "ident.mp3", 1.5, 880)
    outro = tone_file(tmp_path / "signoff.ogg", 1.0, 440, rate=48000, channels=1)
    article = extract_text("Harbour news\n\nThe ferry left at dawn. It came back at noon.\n")
    settings = Settings(intro=str(intro), outro=str(outro))
    result = narrate(article, voice, tmp_path / "out.mp3", settings, engine=engine)
    blocks = json.loads(result.outputs.timing.read_text())["paragraphs"]
    assert [b["kind"] for b in blocks] == ["intro", "disclaimer", "title", "p", "outro"]
    first, last = blocks[0], blocks[-1]
    assert first["start"] == 0 and abs(first["end"] - 1500) <= 30
    assert blocks[1]["start"] == first["end"] + 500  # a breath between the ident and the voice
    assert abs((last["end"] - last["start"]) - 1000) <= 30 and last["end"] == result.narration.duration_ms
    pcm = decode(result.outputs.audio)
    head = pcm[: 22050].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(head))
    assert abs(np.argmax(spectrum) * 22050 / head.size - 880) < 5  # the ident's tone, at 22,050 Hz
    assert info_rate(result) == 22050


def info_rate(result) -> int:  # noqa: ANN001
    return int(probe(result.outputs.audio)["streams"][0]["sample_rate"])


def test_a_jingle_that_is_not_audio_is_one_clear_error(tmp_path):
    bad = tmp_path / "intro.mp3"
    bad.write_text("not audio")
    with pytest.raises(InputError, match="NARRATOR_INTRO .*intro.mp3"):
        load_jingles(Settings(intro=str(bad)))
    with pytest.raises(InputError, match="NARRATOR_OUTRO .*missing.ogg"):
        load_jingles(Settings(outro=str(tmp_path / "missing.ogg")))


def test_disclaimer_is_heard_first(seed_narration, shared, tmp_path):
    _, result, _ = seed_narration
    end = result.narration.blocks[0].span.end_ms
    clip = tmp_path / "disclaimer.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(result.outputs.audio), "-t", f"{end / 1000 + 0.2}",
                    str(clip)], check=True)
    asr = subprocess.run([sys.executable, str(shared / "bench" / "asr_roundtrip.py"), str(clip),
                          "voice is a i generated inconsistencies may occur"], capture_output=True, text=True)
    heard = re.search(r"^hyp: (.*)$", asr.stdout, re.M).group(1).split()
    # pocketsphinx's general model hears "generated" and "(in)consistency" reliably on both
    # voices (six runs each); "AI" and "may occur" vary from run to run with Piper's noise.
    assert "generated" in heard
    assert any("consisten" in w for w in heard)
