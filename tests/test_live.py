"""The live stream (narrator.audio.stream): segments on the published file's exact time axis, cut in
silence, with the
timing map so far; a splice onto the published MP3 is silent and then plays the published audio."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import lameenc
import numpy as np
import pytest
from audio_tools import tone_file

from narrator.audio.stream import (
    ENCODER_DELAY,
    MIN_SEGMENT_S,
    PRIMER_FRAMES,
    FolderSink,
    audio_frame_offsets,
    estimate_article_ms,
    frame_length,
)
from narrator.config import Settings
from narrator.extract import extract_html, extract_text
from narrator.pipeline import narrate

TEXT = (
    "Harbour bridge reopens after repairs\n\n"
    "The old harbour bridge opened again on Monday. Traffic moved slowly at first.\n\n"
    "Engineers replaced two steel cables over the summer.\n\n"
    "The mayor thanked the crews for working through the heat. She cut a ribbon at noon.\n\n"
    "Buses return to the bridge next week.\n"
)
RATE = 22050
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FRAME = 576


def decode(data: bytes) -> np.ndarray:
    """MP3 bytes decoded by ffmpeg, as they are (an Info frame's delay is trimmed; raw frames are not)."""
    command = ["ffmpeg", "-v", "error", "-f", "mp3", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "pipe:1"]
    out = subprocess.run(command, input=data, capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype=np.int16).astype(np.float64)


def lag(reference: np.ndarray, shifted: np.ndarray, most: int = 3000) -> int:
    """How many samples `shifted` runs behind `reference` (cross-correlation over the first seconds)."""
    a, b = reference[:RATE * 4], shifted[:RATE * 4 + most]
    scores = [float(a @ b[k:k + a.size]) for k in range(most)]
    return int(np.argmax(scores))


def test_lame_output_lags_its_input_by_the_encoder_delay() -> None:
    """ENCODER_DELAY is what lameenc and ffmpeg's libmp3lame (the published files) both add."""
    t = np.arange(RATE * 5)
    tone = (6000 * np.sin(2 * np.pi * 330 * t / RATE) * (t % 9000 < 3000)).astype(np.int16)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    live = bytes(encoder.encode(tone.tobytes())) + bytes(encoder.flush())
    published = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
         "-c:a", "libmp3lame", "-b:a", "64k", "-compression_level", "7", "-id3v2_version", "0",
         "-f", "mp3", "pipe:1"],
        input=tone.tobytes(), capture_output=True, check=True).stdout  # to a pipe: no Info frame, no trimming
    assert lag(tone.astype(np.float64), decode(live)) == ENCODER_DELAY
    assert lag(tone.astype(np.float64), decode(published)) == ENCODER_DELAY


def test_frame_headers() -> None:
    assert frame_length(bytes([0xFF, 0xF3, 0x80, 0xC4])) == 208  # MPEG-2 layer III, 64 kb/s, 22,050 Hz
    assert frame_length(bytes([0xFF, 0xF3, 0x82, 0xC4])) == 209  # the same with padding
    assert frame_length(bytes([0xFF, 0xFB, 0x90, 0x64])) == 417  # MPEG-1, 128 kb/s, 44,100 Hz
    assert frame_length(b"ID3\x03") == 0 and frame_length(bytes([0xFF, 0xF3, 0xF0, 0xC4])) == 0  # bad bitrate


@pytest.fixture(scope="module")
def narrated(tmp_path_factory, espeak) -> dict:  # noqa: ANN001
    """One narration with its live stream: the manifest, the stream's bytes, the published files."""
    voice, engine = espeak
    home = tmp_path_factory.mktemp("live")
    settings = Settings(home=str(home), cache_max_mb=0)
    result = narrate(extract_text(TEXT), voice, home / "out" / "a.mp3", settings, engine=engine,
                     live=FolderSink(home / "live"))
    manifest = json.loads((home / "live" / "live.json").read_text())
    stream = b"".join((home / "live" / f"{s['n']}.mp3").read_bytes() for s in manifest["segments"])
    return {"manifest": manifest, "stream": stream, "mp3": result.outputs.audio, "result": result,
            "timing": json.loads(result.outputs.timing.read_text()), "voice": voice}


def test_the_manifest_has_the_published_timing_map_and_length(narrated) -> None:  # noqa: ANN001
    m = narrated["manifest"]
    assert m["paragraphs"] == narrated["timing"]["paragraphs"]  # the same read-along, sentence by sentence
    assert m["complete"] is True
    assert m["duration_ms"] == m["estimated_ms"] == narrated["timing"]["duration_ms"]
    assert (m["sample_rate"], m["frame_samples"], m["encoder_delay"]) == (RATE, FRAME, ENCODER_DELAY)


def test_segments_are_the_published_frames_on_the_same_time_axis(narrated) -> None:  # noqa: ANN001
    segments = narrated["manifest"]["segments"]
    assert segments[0]["frames"][0] == 0 and segments[0]["start"] == round(-ENCODER_DELAY / RATE, 6)
    for before, after in zip(segments, segments[1:], strict=False):
        assert before["frames"][1] == after["frames"][0] and before["end"] == after["start"]  # contiguous
    for s in segments:
        assert s["start"] == round((s["frames"][0] * FRAME - ENCODER_DELAY) / RATE, 6)
    offsets = audio_frame_offsets(narrated["mp3"])
    assert len(offsets) - 1 == segments[-1]["frames"][1]  # as many frames as the published file
    published = narrated["mp3"].read_bytes()
    for s in segments:
        final = s["final"]
        first, end = s["frames"]
        primer = max(first - PRIMER_FRAMES, 0) if first else 0
        assert (final["primer"], final["start"]) == (offsets[primer], offsets[first])
        assert final["end"] == offsets[end]
        assert final["primer_start"] == round((primer * FRAME - ENCODER_DELAY) / RATE, 6)
        data, count, at = published[final["start"]:final["end"]], 0, 0
        while at < len(data):  # the byte range holds exactly the segment's frames
            at += frame_length(data[at:at + 4])
            count += 1
        assert at == len(data) and count == end - first
    # The live stream decodes to the published audio, sample for sample in time (levels differ a little).
    live, final = decode(narrated["stream"]), decode(published)
    assert lag(final, live) == ENCODER_DELAY  # raw frames: the delay shows; the published file's is trimmed
    assert abs(live.size - ENCODER_DELAY - final.size) < FRAME


def _in_pause(timing: dict, first: int, last: int) -> bool:
    """Whether input samples first..last lie between one sentence's end and the next one's start (or the
    end of the narration)."""
    sentences = [s for p in timing["paragraphs"] for s in p["sentences"]]
    ends = [s["end"] for s in sentences]
    starts = [s["start"] for s in sentences[1:]] + [timing["duration_ms"]]
    return any(end * RATE / 1000 <= first and last <= start * RATE / 1000 for end, start in zip(ends, starts,
                                                                                               strict=True))


def test_cuts_lie_in_silence_and_a_splice_there_plays_the_published_audio(narrated) -> None:  # noqa: ANN001
    timing, segments = narrated["timing"], narrated["manifest"]["segments"]
    cuts = [s for s in segments[1:] if s["silent_cut"]]
    assert len(cuts) >= 4  # one after each block: disclaimer, title and the paragraphs
    published = narrated["mp3"].read_bytes()
    for s in cuts:
        k = s["frames"][0]
        # The primer and the first frame hear only silence (each frame's window reaches two frames out).
        window = ((k - PRIMER_FRAMES - 2) * FRAME - ENCODER_DELAY, (k + 2) * FRAME - ENCODER_DELAY)
        assert _in_pause(timing, *window)
    # What a player's decoder meets at a splice: the live stream up to the primer, the published file from it.
    s = cuts[len(cuts) // 2]
    k, primer = s["frames"][0], s["frames"][0] - PRIMER_FRAMES
    live_bytes = narrated["stream"]
    live_offsets, at = [], 0
    while at < len(live_bytes):
        live_offsets.append(at)
        at += frame_length(live_bytes[at:at + 4])
    spliced = decode(live_bytes[:live_offsets[primer]] + published[s["final"]["primer"]:])
    final = decode(published)
    position = k * FRAME - ENCODER_DELAY  # where the published file plays alone, in input samples
    around = spliced[(primer - 1) * FRAME:(k + 1) * FRAME]
    assert np.abs(around).max() < 200  # silence across the splice: no click
    after = spliced[k * FRAME + FRAME:k * FRAME + RATE * 3]
    reference = final[position + FRAME:position + RATE * 3]
    assert np.abs(after - reference).max() <= 2  # then the published audio itself


def test_each_sentence_streams_as_soon_as_it_is_made(tmp_path, espeak) -> None:  # noqa: ANN001
    """A paragraph without long pauses is not held back until its end: a segment ends at each sentence
    (once it holds MIN_SEGMENT_S), where no splice is possible."""
    voice, engine = espeak
    sentences = " ".join(f"Sentence {n} of the paragraph goes on for a while longer." for n in range(8))
    text = f"One long paragraph\n\n{sentences}"
    narrate(extract_text(text), voice, tmp_path / "a.mp3", Settings(home=str(tmp_path), cache_max_mb=0),
            engine=engine, live=FolderSink(tmp_path / "live"))
    manifest = json.loads((tmp_path / "live" / "live.json").read_text())
    said = manifest["paragraphs"][-1]["sentences"]
    assert len(said) == 8 and all(s["end"] - s["start"] > 1500 for s in said)  # each over MIN_SEGMENT_S
    first, last = said[0]["start"] / 1000, said[-1]["end"] / 1000
    inside = [s for s in manifest["segments"] if first < s["start"] < last]
    assert len(inside) == 7 and not any(s["silent_cut"] for s in inside)  # one per sentence: no splice there
    for segment, sentence in zip(inside, said[1:], strict=True):  # it starts just before its sentence
        assert sentence["start"] / 1000 - 0.3 < segment["start"] <= sentence["start"] / 1000 + 0.01
    assert MIN_SEGMENT_S == 1.0


def test_jingles_stream_too(tmp_path, espeak) -> None:  # noqa: ANN001
    """With a publisher's intro, the stream starts with it and its timing matches the published map."""
    voice, engine = espeak
    intro = tone_file(tmp_path / "ident.mp3", 1.5, 880)
    settings = Settings(home=str(tmp_path), cache_max_mb=0, intro=str(intro))
    result = narrate(extract_text(TEXT), voice, tmp_path / "a.mp3", settings, engine=engine,
                     live=FolderSink(tmp_path / "live"))
    manifest = json.loads((tmp_path / "live" / "live.json").read_text())
    timing = json.loads(result.outputs.timing.read_text())
    assert manifest["paragraphs"] == timing["paragraphs"] and manifest["paragraphs"][0]["kind"] == "intro"
    assert all("final" in s for s in manifest["segments"])


def test_estimates_are_near_the_length(narrated) -> None:  # noqa: ANN001
    """Before the first clip the estimate comes from the text alone (the voice's measured pace)."""
    duration = narrated["timing"]["duration_ms"]
    estimate = estimate_article_ms(extract_text(TEXT), narrated["voice"], Settings().disclaimer)
    assert 0.85 < estimate / duration < 1.15, (estimate, duration)


class Manifests:
    """A LiveSink that keeps every manifest written (what players polling the stream were told)."""

    def __init__(self) -> None:
        self.estimates: list[int] = []

    def write(self, name: str, data: bytes) -> None:
        if name == "live.json":
            self.estimates.append(json.loads(data)["estimated_ms"])


def test_the_estimate_stays_within_ten_percent_from_the_first_moment(tmp_path, joe) -> None:  # noqa: ANN001
    """A saved news page (with figures) in the default voice: the estimate on the page before the job
    starts, and every estimate the stream gives while it is made, within 10 % of the final length (the
    disclaimer and the title are slower than the body: the pace so far alone was 20 % off at first)."""
    voice, engine = joe
    article = extract_html((FIXTURES / "pages" / "barrons_paywall.html").read_text(encoding="utf-8"))
    assert sum(c.isdigit() for c in article.body_text()) > 20  # figures, said longer than written
    settings = Settings(home=str(tmp_path), cache_max_mb=0)
    sink = Manifests()
    result = narrate(article, voice, tmp_path / "a.mp3", settings, engine=engine, live=sink)
    final = result.duration_ms
    first = estimate_article_ms(article, voice, settings.disclaimer)
    errors = [abs(e - final) / final for e in [first, *sink.estimates]]
    assert len(errors) > 10 and max(errors) < 0.10, ([first, *sink.estimates], final)
    assert sink.estimates[-1] == final  # once complete, the length itself
