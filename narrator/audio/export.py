"""Write a Narration to disk: MP3 with ID3 tags and chapters, timing map as JSON and WebVTT."""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import SynthesisError
from ..safetext import remove_unsafe
from .assemble import Narration, Span


@dataclass(frozen=True)
class Tags:
    """What goes into the MP3's ID3 tags."""

    title: str = ""
    """The article's headline."""
    artist: str = ""
    """The publication."""
    comment: str = ""
    """The AI-voice disclaimer."""


@dataclass(frozen=True)
class Outputs:
    """The three files a narration produces."""

    audio: Path
    """The MP3."""
    timing: Path
    """The timing map as JSON."""
    vtt: Path
    """The timing map as WebVTT."""


def outputs_for(mp3: Path) -> Outputs:
    """OUT.mp3 -> OUT.mp3, OUT.timing.json, OUT.vtt."""
    stem = mp3.with_suffix("")
    return Outputs(mp3, stem.with_name(stem.name + ".timing.json"), stem.with_suffix(".vtt"))


def sentence_entry(s: Span) -> dict:
    """A sentence in the timing map: start/end in ms, its text and what was said, and its words (each
    a written span of the text, `from` and `to` in characters, with start/end in ms), or `"words":
    null when they are not known. The live stream's timing map has the same entries
    (narrator.audio.stream)."""
    words = None if s.words is None else [
        {"start": w.start_ms, "end": w.end_ms, "from": w.written_from, "to": w.written_to} for w in s.words]
    return {"start": s.start_ms, "end": s.end_ms, "text": s.text, "spoken": s.spoken, "words": words}


def word_timing(sentences: list[Span]) -> str:
    """How the read-along of these sentences can follow the voice: 'words' when every sentence that
    was spoken has word timings, 'sentences' when none has (its voice's engine does not say when it
    speaks each word), 'partial' when some have."""
    spoken = [s for s in sentences if s.spoken.strip() and s.end_ms > s.start_ms]
    timed = sum(1 for s in spoken if s.words is not None)
    return "words" if timed == len(spoken) else "sentences" if timed == 0 else "partial"


def timing_map(narration: Narration) -> dict:
    """The timing map: every block (paragraph) and sentence with start/end in ms, in reading order,
    each sentence with its words' times (docs/words.md)."""
    return {
        "duration_ms": narration.duration_ms,
        "word_timing": word_timing([s for b in narration.blocks for s in b.sentences]),
        "paragraphs": [
            {"index": i, "kind": b.kind, "section": b.section, "start": b.span.start_ms,
             "end": b.span.end_ms, "text": b.span.text,
             "sentences": [sentence_entry(s) for s in b.sentences]}
            for i, b in enumerate(narration.blocks)
        ],
    }


def _stamp(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def timed_cue_text(s: Span, end_ms: int) -> str:
    """A sentence's cue text with a timestamp before each word said after the cue starts
    (`<00:00:01.250>`, karaoke-style: players that support it show the words as they are said). The
    WebVTT rules are kept: timestamps only inside the cue, each later than the one before; the text
    between them escaped (`_escape`), on one line."""
    out: list[str] = []
    at, last = 0, s.start_ms
    for w in s.words or ():
        if last < w.start_ms < end_ms and w.written_from >= at:
            out += [_escape(s.text[at:w.written_from]), f"<{_stamp(w.start_ms)}>"]
            at, last = w.written_from, w.start_ms
    out.append(_escape(s.text[at:]))
    return "".join(out).strip()


_SPACES = re.compile(r"\s+")


def _escape(text: str) -> str:
    """Text as WebVTT cue text: one line (a blank line would end the cue and start another block),
    with `&`, `<` and `>` as character references, so the text can open no cue tag and no `-->`
    (WebVTT section 4.2.2: cue text may not contain "-->", "&" or "<" but as escapes), and without
    control characters (an article stored by an older narrator may hold them: narrator.safetext)."""
    text = _SPACES.sub(" ", remove_unsafe(text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(narration: Narration) -> str:
    """One cue per sentence (the intro and outro have none); the cue id is 'paragraph-sentence'. With
    word timings, each word said after the cue starts has its timestamp before it."""
    lines = ["WEBVTT", ""]
    for i, block in enumerate(narration.blocks):
        for j, s in enumerate(block.sentences):
            end = max(s.end_ms, s.start_ms + 1)
            text = timed_cue_text(s, end)
            if text:
                lines += [f"{i}-{j}", f"{_stamp(s.start_ms)} --> {_stamp(end)}", text, ""]
    return "\n".join(lines)


def _frame(frame_id: str, data: bytes) -> bytes:
    return frame_id.encode("ascii") + struct.pack(">I", len(data)) + b"\0\0" + data


def _text(frame_id: str, text: str) -> bytes:
    return _frame(frame_id, b"\x01" + text.encode("utf-16") + b"\0\0")  # 1: UTF-16 with a BOM


def id3_tag(narration: Narration, tags: Tags) -> bytes:
    """An ID3v2.3 tag: title, artist, comment, and chapters (CHAP frames in order, listed by an
    ordered CTOC) at the headings.

    Built here rather than by ffmpeg: chapters from an ffmetadata file need a second ffmpeg
    input, which sends every packet through a queue between threads and makes the encode about
    30 % slower; mutagen writes the frames sorted by size, and ffmpeg reads chapters in file order.
    """
    frames = [_text("TIT2", tags.title), _text("TPE1", tags.artist),
              _frame("COMM", b"\x01eng" + "".encode("utf-16") + b"\0\0" + tags.comment.encode("utf-16"))]
    ids = [f"ch{k}".encode("ascii") for k in range(len(narration.chapters))]
    if 0 < len(ids) <= 255:  # the table of contents counts its entries in one byte
        frames.append(_frame("CTOC", b"toc\0" + b"\x03" + bytes([len(ids)]) + b"".join(i + b"\0" for i in ids)
                             + _text("TIT2", "Chapters")))
    ends = [start for start, _ in narration.chapters[1:]] + [narration.duration_ms] if ids else []
    for element, (start, title), end in zip(ids, narration.chapters, ends, strict=True):
        times = struct.pack(">IIII", start, max(end, start + 1), 0xFFFFFFFF, 0xFFFFFFFF)  # no byte offsets
        frames.append(_frame("CHAP", element + b"\0" + times + _text("TIT2", title)))
    body = b"".join(frames)
    size = len(body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + syncsafe + body


def encode_mp3(narration: Narration, path: Path, tags: Tags, bitrate_kbps: int) -> None:
    """Encode to MP3 (mono, CBR) through ffmpeg, writing aside then renaming into place."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise SynthesisError("ffmpeg is not installed (apt-get install ffmpeg)")
    with tempfile.TemporaryDirectory(prefix=".narrator-", dir=path.parent) as tmp:
        out = Path(tmp, "audio.mp3")
        cmd = [ffmpeg, "-nostdin", "-v", "error", "-y",
               "-f", "s16le", "-ar", str(narration.sample_rate), "-ac", "1", "-i", "pipe:0",
               "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
               "-compression_level", "7",  # LAME -q 7: 40 % faster than the default, same for speech
               "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3", str(out)]
        # The samples are streamed in as the loudness gain is applied, so the encoder runs
        # on the other core meanwhile. Its messages go to a file: a pipe could fill and stall it.
        with open(Path(tmp, "errors.txt"), "w+b") as errors:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
            stdin = proc.stdin
            assert stdin is not None  # stdin=PIPE
            try:
                for data in narration.pcm_chunks():
                    stdin.write(data)
                stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped reading: its status and message say why
            finally:
                returncode = proc.wait()
            if returncode != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip().splitlines()
                raise SynthesisError(f"ffmpeg failed: {message[-1] if message else returncode}")
        tagged = Path(tmp, "tagged.mp3")
        with open(tagged, "wb") as f, open(out, "rb") as audio:
            f.write(id3_tag(narration, tags))
            shutil.copyfileobj(audio, f)
        os.replace(tagged, path)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file aside, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(narration: Narration, mp3: Path, tags: Tags, bitrate_kbps: int) -> Outputs:
    """Write the MP3, the timing JSON and the WebVTT beside it; each appears only when complete."""
    outputs = outputs_for(mp3)
    mp3.parent.mkdir(parents=True, exist_ok=True)
    encode_mp3(narration, outputs.audio, tags, bitrate_kbps)
    write_text_atomic(outputs.timing, json.dumps(timing_map(narration), ensure_ascii=False, indent=1))
    write_text_atomic(outputs.vtt, webvtt(narration))
    return outputs
