"""Assemble stage: clips and pauses joined once, loudness-normalised, with an exact timing map."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from .engines import AudioChunk
from .model import Script

TARGET_LUFS = -16.0
"""Integrated loudness of every narration (the podcast norm)."""
PEAK_CEILING = 0.891
"""-1 dBFS: samples above it are softly limited after the loudness gain."""


@dataclass(frozen=True)
class Span:
    """Where a piece of text sits in the audio."""

    start_ms: int
    """Start, in milliseconds from the beginning of the file."""
    end_ms: int
    """End of its speech (pauses after it excluded)."""
    text: str
    """The original text (not the spoken form)."""


@dataclass(frozen=True)
class BlockTiming:
    """A block's span and its sentences' spans."""

    kind: str
    """disclaimer, title, byline, heading, p, li or quote."""
    section: int
    """Article section index (0 for opening matter)."""
    span: Span
    """The whole block."""
    sentences: tuple[Span, ...]
    """Each sentence, in order."""


@dataclass(frozen=True)
class Narration:
    """A finished narration: PCM audio and the timing map that matches it."""

    pcm: bytes
    """Mono signed 16-bit little-endian samples."""
    sample_rate: int
    """Samples per second."""
    blocks: tuple[BlockTiming, ...]
    """Timing of every block, in reading order."""
    chapters: tuple[tuple[int, str], ...]
    """(start ms, title) of each heading."""

    @property
    def duration_ms(self) -> int:
        """Length of the audio."""
        return round(len(self.pcm) / 2 / self.sample_rate * 1000) if self.sample_rate else 0


def _ms(samples: int, rate: int) -> int:
    return round(samples * 1000 / rate)


def assemble(script: Script, clips: Iterable[AudioChunk], loudness: float | None = TARGET_LUFS) -> Narration:
    """Join each unit's clip and its pause in one buffer (linear time) and map where each sits."""
    audio = bytearray()
    rate = 0
    spans: list[Span] = []
    for unit, clip in zip(script.units, clips, strict=True):
        if clip.sample_rate:
            if rate and clip.sample_rate != rate:
                raise ValueError(f"clips at {clip.sample_rate} Hz and {rate} Hz cannot be joined")
            rate = clip.sample_rate
        start = len(audio) // 2
        audio += clip.pcm
        spans.append(Span(start, len(audio) // 2, unit.text))  # in samples for now
        audio += bytes(2 * ((rate or 22050) * unit.pause_after_ms // 1000))
    rate = rate or 22050
    if loudness is not None:
        normalise_loudness(audio, rate, loudness)

    blocks: list[BlockTiming] = []
    chapters: list[tuple[int, str]] = []
    for index, block in enumerate(script.blocks):
        sentences = tuple(Span(_ms(s.start_ms, rate), _ms(s.end_ms, rate), s.text)
                          for s, u in zip(spans, script.units, strict=True) if u.block == index)
        if not sentences:
            continue
        span = Span(sentences[0].start_ms, sentences[-1].end_ms, block.text)
        blocks.append(BlockTiming(block.kind, block.section, span, sentences))
        if block.kind == "heading":
            chapters.append((span.start_ms, block.text))
    return Narration(bytes(audio), rate, tuple(blocks), tuple(chapters))


def _k_weighting(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two BS.1770 K-weighting biquads for `rate` (coefficients as pyloudnorm derives them)."""
    from pyloudnorm import Meter

    filters = Meter(rate)._filters
    return [(filters[name].b, filters[name].a) for name in ("high_shelf", "high_pass")]


def integrated_loudness(samples: np.ndarray, rate: int, chunk: int = 1 << 20) -> float:
    """BS.1770-4 integrated loudness (LUFS) of mono int16 samples, in chunks so memory stays flat."""
    step = int(rate * 0.1)  # 100 ms steps; gating blocks are 400 ms with 75 % overlap
    filters = _k_weighting(rate)
    states = [np.zeros(2) for _ in filters]
    energies: list[np.ndarray] = []
    carry = np.zeros(0)
    chunk -= chunk % step
    for begin in range(0, samples.size, chunk):
        x = samples[begin:begin + chunk].astype(np.float64) / 32768.0
        for k, (b, a) in enumerate(filters):
            x, states[k] = lfilter(b, a, x, zi=states[k])
        x = np.concatenate([carry, x])
        whole = x.size - x.size % step
        energies.append((x[:whole] ** 2).reshape(-1, step).mean(axis=1))
        carry = x[whole:]
    steps = np.concatenate(energies) if energies else np.zeros(0)
    if steps.size < 4:
        return -70.0
    blocks = np.convolve(steps, np.ones(4) / 4, mode="valid")
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10 * np.log10(blocks)
    gated = blocks[loud > -70.0]
    if gated.size == 0:
        return -70.0
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
    with np.errstate(divide="ignore"):
        gated = gated[-0.691 + 10 * np.log10(gated) > relative]
    return float(-0.691 + 10 * np.log10(gated.mean()))


def normalise_loudness(audio: bytearray, rate: int, target: float, chunk: int = 1 << 20) -> float:
    """Scale int16 PCM in place to `target` LUFS, softly limiting peaks above -1 dBFS.

    Returns the gain applied, in dB.
    """
    samples = np.frombuffer(audio, dtype=np.int16)
    measured = integrated_loudness(samples, rate)
    if measured <= -70.0:
        return 0.0
    gain_db = target - measured
    gain = 10 ** (gain_db / 20)
    ceiling = PEAK_CEILING
    for begin in range(0, samples.size, chunk):
        x = samples[begin:begin + chunk].astype(np.float32) * (gain / 32768.0)
        over = np.abs(x) > ceiling
        if over.any():
            excess = (np.abs(x[over]) - ceiling) / (1 - ceiling)
            x[over] = np.sign(x[over]) * (ceiling + (1 - ceiling) * np.tanh(excess))
        samples[begin:begin + chunk] = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
    return gain_db
