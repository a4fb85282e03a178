"""Live stream: a narration's MP3 made as its sentences are synthesised, in segments a player can play
before the whole version exists.

Each clip (with its pause) is brought near the loudness target by the voice's measured gain
(`Voice.gain_db`; the published version is measured and normalised exactly), encoded at once by LAME
(lameenc, in-process and synchronous) into one continuous MP3 stream, and that stream is cut into
segments of whole frames. Every segment and a manifest (the segments, the timing map so far, an
estimate of the whole length) are handed to a `LiveSink` (the service stores them beside the
versions, narrator.service.audio_storage).

The time axis is exact and shared with the published MP3 (encoded by ffmpeg's libmp3lame, the same
LAME): frame k of either stream decodes to the input samples from ``k * FRAME - ENCODER_DELAY``
(576 samples a frame at the voices' 22,050 Hz), so a player can place every segment, and can move
from the live stream onto the published file at any segment that starts with a *silent cut*: a cut
inside a pause, far enough from speech that the frames around it decode to silence in both streams
(the one frame the decoder cannot resolve when it changes streams is silent too). `finish()` indexes
the published file's frames at those cuts. See docs/live.md.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import lameenc  # the live stream's encoder (the published file is ffmpeg's: the same LAME)
import numpy as np

from ..model import Article, Script
from ..speech.engines import AudioChunk
from ..speech.voices import Voice
from .assemble import gained, sentence_span
from .export import sentence_entry

ENCODER_DELAY = 1105
"""Samples between LAME's input and its decoded output: LAME's encoder delay (576) plus the MP3
decoder's (529). Measured by cross-correlating a decoded tone burst with its input for both lameenc
and ffmpeg's libmp3lame at 22,050 Hz (tests/test_live.py checks it)."""
PRIMER_FRAMES = 3
"""Frames of the published file appended before a splice point: the first frame a decoder meets
after changing streams may lack the bit reservoir it refers to (up to 255 bytes back, under two
64 kb/s frames), so three silent frames go first."""
MAX_SEGMENT_S = 20.0
"""A segment is cut at the next sentence once it holds this much audio, even without a long pause
(a one-paragraph article still streams); such a cut is not a splice point."""
MIN_SEGMENT_S = 1.0
"""A segment is also cut at the end of every sentence once it holds this much audio, so a listener gets
each sentence as soon as it is made, not at the end of its paragraph (such a cut is not a splice point).
Cutting only at paragraphs left a listener of a new article waiting: after the disclaimer and the title
(~9 s) the first body paragraph (often 15-20 s of speech) came out whole, after 6-10 s of synthesis on a
loaded machine (issue 25). One second keeps the files and manifest writes to about one per sentence."""
PRIOR_CHARS = 1000
"""How many spoken characters of this narration weigh as much as the voice's measured pace
(`Voice.ms_per_char`) in the estimate of what is not made yet. The pace varies little between articles
(53.9-57.4 ms a character for joe over 16 corpus articles) but much between single sentences (the
disclaimer and a title are ~20 % slower): taking the pace so far alone moved a first estimate by 20 %
in the first minute (issue 25); blended, the estimate moves by a few percent at most."""

_BITRATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 layer III
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 layer III
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def frame_samples(rate: int) -> int:
    """Samples in one layer III frame: 1152 at MPEG-1 rates (32 kHz and up), 576 below."""
    return 1152 if rate >= 32000 else 576


def frame_length(header: bytes) -> int:
    """Bytes in the MPEG audio layer III frame that starts with these four bytes (0 if they are no
    such header)."""
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xE0) != 0xE0 or ((header[1] >> 1) & 3) != 1:
        return 0
    version = (header[1] >> 3) & 3
    bitrate_index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    if version == 1 or rate_index == 3 or bitrate_index in (0, 15):
        return 0
    kbps = _BITRATES[3 if version == 3 else 2][bitrate_index]
    rate = _RATES[version][rate_index]
    return (144 if version == 3 else 72) * kbps * 1000 // rate + padding


def _is_info_frame(frame: bytes) -> bool:
    """Whether a frame is the Xing/Info header an encoder writes first (no audio; players skip it)."""
    return b"Xing" in frame[:64] or b"Info" in frame[:64]


def audio_frame_offsets(path: Path) -> list[int]:
    """Byte offset of every audio frame of an MP3 file (after its ID3v2 tag and Info frame), plus the
    file's length at the end: audio frame k is the bytes from offsets[k] to offsets[k + 1]."""
    offsets: list[int] = []
    with open(path, "rb") as f:
        head = f.read(10)
        position = 0
        if head[:3] == b"ID3":
            position = 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9])
        size = f.seek(0, 2)
        while position + 4 <= size:
            f.seek(position)
            header = f.read(64)
            length = frame_length(header)
            if not length:
                raise ValueError(f"{path.name}: no MP3 frame at byte {position}")
            if offsets or not _is_info_frame(header):
                offsets.append(position)
            position += length
    return offsets + [min(position, size)]


class LiveSink(Protocol):
    """Where a live stream's files go (the service: its audio storage; tests: a folder)."""

    def write(self, name: str, data: bytes) -> None:
        """Store one file: a segment ('<n>.mp3') or the manifest ('live.json'), replacing one of that name."""


@dataclass(frozen=True)
class Segment:
    """A piece of the live stream: whole MP3 frames, consecutive with the segment before it."""

    n: int
    """Its number, from 0."""
    first: int
    """Index of its first frame in the stream."""
    end: int
    """Index one past its last frame."""
    silent_cut: bool
    """Whether it starts inside a pause, where the published file can take over (see the module)."""
    final: tuple[int, int, int] | None = None
    """The same frames in the published MP3, once indexed: byte offsets of the primer's first frame,
    of frame `first` and of frame `end`."""


def estimate_ms(script: Script, voice: Voice) -> int:
    """How long the narration of `script` will be, from its spoken characters and pauses."""
    return round(sum(len(u.spoken) * voice.ms_per_char + u.pause_after_ms for u in script.units))


DIGIT_CHARS = 4.0
"""Spoken characters a written digit adds, on average ("2024" -> "twenty twenty-four", "$3.5m" ->
"three point five million dollars"): the spoken text of 16 corpus articles (1,500-6,300 characters) was
longer than the written by about four characters a digit, and by little else."""
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s|$)")


def estimate_article_ms(article: Article, voice: Voice, disclaimer: str = "") -> int:
    """A cheaper estimate from the article itself (before it is segmented and normalised, which takes up
    to a second): its characters and the disclaimer's, each digit said as DIGIT_CHARS more, at the
    voice's pace; a paragraph's pause after each block and a sentence's after each sentence inside one.
    Within 6 % of the narration's length on the 16 corpus articles DIGIT_CHARS was measured on."""
    texts = [article.title, article.byline, *(s.heading or "" for s in article.sections),
             *(p.text for p in article.paragraphs)]
    digits = sum(c.isdigit() for t in texts for c in t)
    blocks = 1 + bool(disclaimer.strip()) + bool(article.byline) + sum(
        len(s.paragraphs) + bool(s.heading) for s in article.sections)
    inside = sum(max(len(_SENTENCE_END.findall(p.text)) - 1, 0) for p in article.paragraphs)
    chars = article.chars + len(disclaimer.strip()) + DIGIT_CHARS * digits
    pauses = blocks * voice.paragraph_pause_ms + inside * voice.sentence_pause_ms
    return round(chars * voice.ms_per_char + pauses)


class LiveStream:
    """Encodes a narration's clips as they are made and cuts the MP3 into segments (see the module).

    `add()` each unit's clip in order, `close()` after the last, then `finish()` with the published MP3.
    """

    def __init__(self, script: Script, voice: Voice, sink: LiveSink,
                 bitrate_kbps: int):
        self.script, self.voice, self.sink, self.bitrate_kbps = script, voice, sink, bitrate_kbps
        self.rate = 0
        self.encoder: lameenc.Encoder | None = None  # opened at the first clip with a sample rate
        self.pending = bytearray()  # encoded bytes not yet in a segment
        self.pending_frames: list[int] = []  # their frame offsets within `pending`
        self.position = 0  # samples written so far
        self.segments: list[Segment] = []
        self.blocks: dict[int, dict] = {}  # block index -> its timing-map entry, so far
        self.written: list[str] = []  # JSON of blocks no longer growing
        self.spoken_chars = 0
        self.speech_samples = 0
        self.estimate = estimate_ms(script, voice)
        self.remaining_chars = sum(len(u.spoken) for u in script.units)
        self.remaining_pauses = sum(u.pause_after_ms for u in script.units)
        self.complete = False
        self.duration_ms: int | None = None
        self.lead = 0  # silent samples before the first clip with a sample rate (none encoded yet)
        self.scan = 0  # where in `pending` the next frame not yet walked starts
        self.next_silent = True  # whether the segment after the last cut starts at a silent cut

    # Encoding -------------------------------------------------------------------------------------

    def _open(self, rate: int) -> None:
        self.rate = rate
        self.encoder = lameenc.Encoder()
        self.encoder.set_bit_rate(self.bitrate_kbps)
        self.encoder.set_in_sample_rate(rate)
        self.encoder.set_channels(1)
        self.encoder.set_quality(7)  # as the published file (LAME -q 7)

    def _encode(self, pcm: bytes, flush: bool = False) -> None:
        assert self.encoder is not None
        data = self.encoder.encode(pcm) if pcm else b""
        if flush:
            data = bytes(data) + bytes(self.encoder.flush())
        self.pending += data
        while self.scan + 4 <= len(self.pending):  # LAME hands out whole frames
            length = frame_length(bytes(self.pending[self.scan:self.scan + 4]))
            if not length or self.scan + length > len(self.pending):
                break
            self.pending_frames.append(self.scan)
            self.scan += length

    @property
    def available_frames(self) -> int:
        """Frames encoded so far (in segments or pending)."""
        return (self.segments[-1].end if self.segments else 0) + len(self.pending_frames)

    def add(self, unit_index: int, clip: AudioChunk) -> None:
        """Encode one unit's clip and its pause; cut a segment where the pause allows."""
        unit = self.script.units[unit_index]
        if clip.sample_rate and not self.rate:
            self._open(clip.sample_rate)
        rate = self.rate or clip.sample_rate or 22050
        start = self.position
        samples = np.frombuffer(clip.pcm, dtype=np.int16)
        pause = rate * unit.pause_after_ms // 1000
        self.position += samples.size + pause
        self._timing(unit_index, clip, start, start + samples.size, rate)
        if self.encoder is None:  # nothing with a sample rate yet: a silent unit before any speech
            self.lead += samples.size + pause
            return
        if self.lead:
            self._encode(bytes(2 * self.lead))
            self.lead = 0
        for chunk in gained([samples], self.voice.gain_db):
            self._encode(chunk.tobytes())
        self._encode(bytes(2 * pause))
        self.spoken_chars += len(unit.spoken)
        self.speech_samples += samples.size
        self.remaining_chars -= len(unit.spoken)
        self.remaining_pauses -= unit.pause_after_ms
        cut = self._silent_cut(start + samples.size, start + samples.size + pause)
        if cut is not None:
            self._cut(cut, silent=True)
        elif self._pending_seconds() >= MIN_SEGMENT_S:
            self._cut(self.available_frames, silent=False)

    def _pending_seconds(self) -> float:
        return len(self.pending_frames) * frame_samples(self.rate) / self.rate if self.rate else 0.0

    def _silent_cut(self, quiet_from: int, quiet_to: int) -> int | None:
        """A frame inside the digital silence [quiet_from, quiet_to) (input samples) at which a segment
        can start and the published file take over: it and the PRIMER_FRAMES before it hear only
        silence (each frame's window reaches two frames either side of its samples). None if the
        pause is too short, or its frames are not encoded yet."""
        size = frame_samples(self.rate)
        lowest = math.ceil((quiet_from + ENCODER_DELAY + (PRIMER_FRAMES + 2) * size) / size)
        highest = (quiet_to + ENCODER_DELAY - 2 * size) // size
        done = self.segments[-1].end if self.segments else 0
        k = min(highest, self.available_frames)
        return k if k >= lowest and k > done else None

    def _cut(self, frame: int, silent: bool) -> None:
        """Make a segment of the pending frames before `frame` (the first segment starts at frame 0)."""
        first = self.segments[-1].end if self.segments else 0
        count = frame - first
        if count <= 0:
            return
        end_byte = self.pending_frames[count] if count < len(self.pending_frames) else self.scan
        data = bytes(self.pending[:end_byte])
        del self.pending[:end_byte]
        self.pending_frames = [o - end_byte for o in self.pending_frames[count:]]
        self.scan -= end_byte
        segment = Segment(len(self.segments), first, frame, self.next_silent)
        self.next_silent = silent
        self.sink.write(f"{segment.n}.mp3", data)
        self.segments.append(segment)
        self._write_manifest()

    # Timing ---------------------------------------------------------------------------------------

    def _timing(self, unit_index: int, clip: AudioChunk, start: int, end: int, rate: int) -> None:
        """Record the unit's sentence (with its words' times) in its block, as the published timing map
        will have it."""
        unit = self.script.units[unit_index]
        block = self.script.blocks[unit.block]
        sentence = sentence_entry(sentence_span(unit, clip.words, start, end, rate))
        entry = self.blocks.get(unit.block)
        if entry is None:  # a new block (as in narrator.audio.export.timing_map, counted among those spoken)
            for index in sorted(self.blocks):  # the blocks before this one are finished
                self.written.append(json.dumps(self.blocks.pop(index), ensure_ascii=False))
            entry = self.blocks[unit.block] = {
                "index": len(self.written), "kind": block.kind, "section": block.section,
                "start": sentence["start"], "end": sentence["end"], "text": block.text, "sentences": []}
        entry["sentences"].append(sentence)
        entry["end"] = sentence["end"]

    def estimated_ms(self) -> int:
        """The whole length: what is made, plus the rest at the pace so far blended with the voice's
        measured pace (PRIOR_CHARS)."""
        if not self.rate or not self.spoken_chars:
            return self.estimate
        made_ms = self.speech_samples * 1000 / self.rate
        pace = (made_ms + PRIOR_CHARS * self.voice.ms_per_char) / (self.spoken_chars + PRIOR_CHARS)
        return round(self.position * 1000 / self.rate + self.remaining_chars * pace + self.remaining_pauses)

    # Files ----------------------------------------------------------------------------------------

    def _segment_json(self, s: Segment) -> dict:
        data: dict = {"n": s.n, "frames": [s.first, s.end], "start": self.seconds(s.first),
                      "end": self.seconds(s.end), "silent_cut": s.silent_cut}
        if s.final is not None:
            primer = s.first - (PRIMER_FRAMES if s.first else 0)
            data["final"] = {"primer": s.final[0], "start": s.final[1], "end": s.final[2],
                             "primer_start": self.seconds(primer)}
        return data

    def seconds(self, frame: int) -> float:
        """Where frame `frame` of the stream plays, in seconds of the narration (negative before it)."""
        return round((frame * frame_samples(self.rate) - ENCODER_DELAY) / self.rate, 6)

    def manifest_json(self) -> str:
        """What players read: the segments so far, the timing map so far (finished paragraphs are
        serialised once), the estimated length."""
        head = {
            "sample_rate": self.rate,
            "frame_samples": frame_samples(self.rate) if self.rate else 0,
            "encoder_delay": ENCODER_DELAY,
            "estimated_ms": self.duration_ms if self.duration_ms is not None else self.estimated_ms(),
            "duration_ms": self.duration_ms,
            "complete": self.complete,
            "segments": [self._segment_json(s) for s in self.segments],
        }
        growing = [json.dumps(self.blocks[i], ensure_ascii=False) for i in sorted(self.blocks)]
        paragraphs = ", ".join(self.written + growing)
        return json.dumps(head, ensure_ascii=False)[:-1] + f', "paragraphs": [{paragraphs}]}}'

    def manifest(self) -> dict:
        """The manifest as a dict."""
        return json.loads(self.manifest_json())

    def _write_manifest(self) -> None:
        self.sink.write("live.json", self.manifest_json().encode())

    def close(self) -> None:
        """After the last clip: flush the encoder into the last segment; the length is now known."""
        if self.encoder is None:
            return
        self._encode(b"", flush=True)
        self._cut(self.available_frames, silent=False)
        self.duration_ms = round(self.position * 1000 / self.rate)
        self.complete = True
        self._write_manifest()

    def finish(self, published: Path) -> bool:
        """Index the published MP3 at the segments (byte ranges of the same frames) and write the
        manifest; False (and no index) if its frames do not line up with the live stream's."""
        if not self.complete:
            return False
        offsets = audio_frame_offsets(published)
        if len(offsets) - 1 != self.available_frames:
            return False
        for i, s in enumerate(self.segments):
            primer = s.first - (PRIMER_FRAMES if s.first else 0)
            self.segments[i] = Segment(s.n, s.first, s.end, s.silent_cut,
                                       (offsets[max(primer, 0)], offsets[s.first], offsets[s.end]))
        self._write_manifest()
        return True

    def tap(self, clips: Iterable[AudioChunk]) -> Iterator[AudioChunk]:
        """Pass `clips` (one per unit of the script, in order) through, encoding each on the way."""
        for i, clip in enumerate(clips):
            self.add(i, clip)
            yield clip


class FolderSink:
    """A LiveSink writing into a folder (each file written aside, then renamed into place)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def write(self, name: str, data: bytes) -> None:
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(self.folder / name)


__all__ = ["DIGIT_CHARS", "ENCODER_DELAY", "FolderSink", "LiveSink", "LiveStream", "MIN_SEGMENT_S",
           "PRIMER_FRAMES", "Segment", "audio_frame_offsets", "estimate_article_ms", "estimate_ms",
           "frame_length", "frame_samples"]
