"""Helpers for tests that look inside the MP3s we write (through ffprobe and ffmpeg)."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np


def probe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters",
                          "-of", "json", str(path)], capture_output=True, check=True, text=True)
    return json.loads(out.stdout)


def decode(path: Path, rate: int = 22050) -> np.ndarray:
    """The MP3's samples as a decoder (honouring the encoder delay) gives them."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(rate), "-"], capture_output=True, check=True)
    return np.frombuffer(out.stdout, dtype=np.int16)


def envelope(samples: np.ndarray, rate: int, step_ms: int = 5) -> np.ndarray:
    step = rate * step_ms // 1000
    n = samples.size // step
    return np.sqrt((samples[: n * step].astype(np.float64) ** 2).reshape(n, step).mean(axis=1))


def lag_ms(reference: np.ndarray, other: np.ndarray, rate: int, step_ms: int = 5,
           window_ms: int = 200) -> int:
    """How many ms `other` is behind `reference`, by cross-correlating loudness envelopes."""
    a, b = envelope(reference, rate, step_ms), envelope(other, rate, step_ms)
    n = min(a.size, b.size)
    a, b = a[:n] - a[:n].mean(), b[:n] - b[:n].mean()
    shifts = range(-window_ms // step_ms, window_ms // step_ms + 1)
    scores = [float(np.dot(a[max(0, -s): n - max(0, s)], b[max(0, s): n - max(0, -s)])) for s in shifts]
    return shifts[int(np.argmax(scores))] * step_ms


def integrated_lufs(path: Path) -> float:
    """The file's integrated loudness as ffmpeg's EBU R128 meter measures it."""
    out = subprocess.run(["ffmpeg", "-nostdin", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", out)[-1])


def tone_file(path: Path, seconds: float, freq: int, rate: int = 44100, channels: int = 2) -> Path:
    """A sine tone written by ffmpeg in the format `path`'s suffix names (a publisher's jingle)."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={freq}:sample_rate={rate}:duration={seconds}", "-ac", str(channels),
                    str(path)], check=True)
    return path


def forced_alignment(pcm: bytes, rate: int, words: list[str]) -> list[tuple[str, float, float]]:
    """(word, start s, end s) of each of `words` in 16-bit mono `pcm`, as pocketsphinx's forced
    alignment places them (an independent judge of word timings; the words must be in its US English
    dictionary). A faint seeded noise floor goes in first: pocketsphinx's front end does badly on
    perfectly clean synthetic speech (the same floor as ../shared/bench/asr_roundtrip.py)."""
    from pocketsphinx import Decoder

    out = subprocess.run(["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "-",
                          "-f", "s16le", "-ar", "16000", "-"], input=pcm, capture_output=True, check=True)
    audio = np.frombuffer(out.stdout, dtype=np.int16).astype(np.float64)
    audio += np.random.default_rng(0).normal(0.0, 100.0, audio.size)
    decoder = Decoder(samprate=16000, bestpath=False, loglevel="FATAL")
    decoder.set_align_text(" ".join(words))
    decoder.start_utt()
    decoder.process_raw(audio.clip(-32768, 32767).astype(np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    return [(re.sub(r"\(\d+\)$", "", s.word), s.start_frame / 100, (s.end_frame + 1) / 100)
            for s in decoder.seg() if s.word not in ("<s>", "</s>", "<sil>", "(NULL)")]
