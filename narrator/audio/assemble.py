"""Assemble stage: clips and pauses joined once, loudness-normalised, with an exact timing map."""
from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from ..model import Script, Unit
from ..speech.engines import AudioChunk
from ..speech.words import WordMark, timed_words

PEAK_CEILING = 0.891
"""-1 dBFS: samples above it are softly limited after the loudness gain."""


@dataclass(frozen=True)
class WordTime:
    """When one written span of a sentence was said (narrator.speech.words)."""

    start_ms: int
    """Start, in milliseconds from the beginning of the file."""
    end_ms: int
    """End of its speech."""
    written_from: int
    """Offset in the sentence's text where the span starts (in characters: Unicode code points)."""
    written_to: int
    """Offset in the sentence's text where it ends."""


@dataclass(frozen=True)
class Span:
    """Where a piece of text sits in the audio."""

    start_ms: int
    """Start, in milliseconds from the beginning of the file."""
    end_ms: int
    """End of its speech (pauses after it excluded)."""
    text: str
    """The original text (not the spoken form)."""
    spoken: str = ""
    """What the engine was asked to say for it (a sentence's; empty for a whole block)."""
    words: tuple[WordTime, ...] | None = None
    """A sentence's words, in order, each a written span with its time; None when they are not known
    (an engine that does not say when it speaks each word)."""


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
    """A finished narration: PCM audio (in an unnamed temporary file) and its timing map.

    The audio lives on disk, not in memory, so a 50-minute narration costs no more memory
    than a 5-minute one.
    """

    audio: BinaryIO
    """Mono signed 16-bit little-endian samples, in a temporary file deleted when closed."""
    samples: int
    """Number of samples in `audio`."""
    sample_rate: int
    """Samples per second."""
    blocks: tuple[BlockTiming, ...]
    """Timing of every block, in reading order."""
    chapters: tuple[tuple[int, str], ...]
    """(start ms, title) of each heading."""
    gain_db: float = 0.0
    """Loudness gain, applied (with the peak limiter) as the samples are read out."""

    @property
    def duration_ms(self) -> int:
        """Length of the audio."""
        return _ms(self.samples, self.sample_rate)

    def pcm_chunks(self, size: int = 1 << 18) -> Iterator[bytes]:
        """The finished samples, `size` at a time: the file's, at the loudness gain."""
        for samples in gained(_chunks(self.audio, size), self.gain_db):
            yield samples.tobytes()

    def close(self) -> None:
        """Delete the audio."""
        self.audio.close()


def _ms(samples: int, rate: int) -> int:
    return round(samples * 1000 / rate) if rate else 0


def sentence_span(unit: Unit, marks: tuple[WordMark, ...] | None, start: int, end: int, rate: int) -> Span:
    """A sentence's place in the audio from its clip's (samples `start` to `end`), with its written
    words timed by the clip's word marks (narrator.speech.words.timed_words)."""
    words = None
    if marks is not None and unit.words:
        words = tuple(WordTime(_ms(start + a, rate), _ms(start + b, rate), written_from, written_to)
                      for a, b, written_from, written_to in timed_words(unit.words, marks))
    return Span(_ms(start, rate), _ms(end, rate), unit.text, unit.spoken, words)


def assemble(script: Script, clips: Iterable[AudioChunk], loudness: float | None) -> Narration:
    """Write each unit's clip and its pause once, in order (linear time), and map where each sits."""
    audio = tempfile.TemporaryFile(prefix="narrator-pcm-")
    rate = 0
    position = 0  # in samples
    placed: list[list[tuple[Unit, tuple[WordMark, ...] | None, int, int]]] = [[] for _ in script.blocks]
    try:
        for unit, clip in zip(script.units, clips, strict=True):
            if clip.sample_rate:
                if rate and clip.sample_rate != rate:
                    raise ValueError(f"clips at {clip.sample_rate} Hz and {rate} Hz cannot be joined")
                rate = clip.sample_rate
            audio.write(clip.pcm)
            end = position + len(clip.pcm) // 2
            placed[unit.block].append((unit, clip.words, position, end))  # timed once the rate is known
            pause = (rate or 22050) * unit.pause_after_ms // 1000
            audio.write(bytes(2 * pause))
            position = end + pause
        rate = rate or 22050
        audio.flush()
        gain = loudness_gain(audio, rate, loudness) if loudness is not None else 0.0
    except BaseException:  # a clip failed, or the job was cancelled: the samples so far go
        audio.close()
        raise

    blocks: list[BlockTiming] = []
    chapters: list[tuple[int, str]] = []
    for block, units in zip(script.blocks, placed, strict=True):
        if not units:
            continue
        sentences = tuple(sentence_span(unit, marks, start, end, rate) for unit, marks, start, end in units)
        span = Span(sentences[0].start_ms, sentences[-1].end_ms, block.text)
        blocks.append(BlockTiming(block.kind, block.section, span, sentences))
        if block.kind == "heading":
            chapters.append((span.start_ms, block.text))
    return Narration(audio, position, rate, tuple(blocks), tuple(chapters), gain)


def _chunks(audio: BinaryIO, size: int) -> Iterator[np.ndarray]:
    """The file's int16 samples, `size` at a time, from the start."""
    audio.seek(0)
    while data := audio.read(2 * size):
        yield np.frombuffer(data, dtype=np.int16)


def _biquad_response(b: list[float], a: list[float], freqs: np.ndarray, rate: int) -> np.ndarray:
    """|H(f)|^2 of a biquad at the given frequencies."""
    z = np.exp(-2j * np.pi * freqs / rate)
    return np.abs((b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)) ** 2


def k_weighting_power(freqs: np.ndarray, rate: int) -> np.ndarray:
    """Power response of the BS.1770 K-weighting filter (a 1.5 kHz +4 dB shelf and a 38 Hz
    high-pass), built for any sample rate with the cookbook formulas pyloudnorm uses."""
    gain, q_shelf, f_shelf = 4.0, 1 / np.sqrt(2), 1500.0
    big_a = 10 ** (gain / 40)
    w0 = 2 * np.pi * f_shelf / rate
    alpha, cos = np.sin(w0) / (2 * q_shelf), np.cos(w0)
    root = 2 * np.sqrt(big_a) * alpha
    shelf_b = [big_a * ((big_a + 1) + (big_a - 1) * cos + root),
               -2 * big_a * ((big_a - 1) + (big_a + 1) * cos),
               big_a * ((big_a + 1) + (big_a - 1) * cos - root)]
    shelf_a = [(big_a + 1) - (big_a - 1) * cos + root, 2 * ((big_a - 1) - (big_a + 1) * cos),
               (big_a + 1) - (big_a - 1) * cos - root]
    w0 = 2 * np.pi * 38.0 / rate
    alpha, cos = np.sin(w0) / (2 * 0.5), np.cos(w0)
    pass_b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
    pass_a = [1 + alpha, -2 * cos, 1 - alpha]
    return _biquad_response(shelf_b, shelf_a, freqs, rate) * _biquad_response(pass_b, pass_a, freqs, rate)


def integrated_loudness(chunks: Iterable[np.ndarray], rate: int) -> float:
    """BS.1770-4 integrated loudness (LUFS) of mono int16 samples given in chunks.

    The K-weighted energy of each 100 ms step is taken in the frequency domain (Parseval:
    the spectrum times the filter's power response), chunk by chunk, so memory stays flat and
    no filtering library is needed; it agrees with pyloudnorm's time-domain filter to 0.01 LU.
    """
    step = int(rate * 0.1)  # 100 ms steps; gating blocks are 400 ms with 75 % overlap
    weights = k_weighting_power(np.fft.rfftfreq(step, 1 / rate), rate)
    weights[1:(step + 1) // 2] *= 2  # rfft holds each positive frequency once: count its mirror
    energies = []
    carry = np.zeros(0, dtype=np.int16)
    for chunk in chunks:
        x = np.concatenate([carry, chunk])
        whole = x.size - x.size % step
        carry = x[whole:]
        spectra = np.fft.rfft(x[:whole].reshape(-1, step).astype(np.float32) / 32768.0, axis=1)
        energies.append((np.abs(spectra) ** 2 * weights).sum(axis=1) / step**2)
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


def _limit(x: np.ndarray) -> np.ndarray:
    """Bend float samples (full scale 1.0) that pass PEAK_CEILING softly towards full scale."""
    ceiling = PEAK_CEILING
    over = np.abs(x) > ceiling
    if over.any():
        excess = (np.abs(x[over]) - ceiling) / (1 - ceiling)
        x[over] = np.sign(x[over]) * (ceiling + (1 - ceiling) * np.tanh(excess))
    return x


def gained(chunks: Iterable[np.ndarray], gain_db: float) -> Iterator[np.ndarray]:
    """int16 samples scaled by `gain_db`, softly limiting what would pass PEAK_CEILING."""
    if gain_db == 0.0:
        yield from chunks
        return
    scale = 10 ** (gain_db / 20) / 32768.0
    for samples in chunks:
        x = _limit(samples.astype(np.float32) * scale)
        yield np.clip(np.round(x * 32767), -32768, 32767).astype("<i2")


def loudness_gain(audio: BinaryIO, rate: int, target: float, chunk: int = 1 << 20) -> float:
    """The gain (dB) that brings the int16 PCM file to `target` LUFS, the limiter included.

    When the gain pushes peaks past -1 dBFS, the limiter takes a little loudness off. The energy
    it removes is a close estimate of that loss (0.16 dB against 0.17 LU measured on the seed
    narration); only when it is over the 0.2 LU tolerance is the limited result measured and
    the gain corrected. The file is only read; the gain is applied as the samples are read out.
    """
    peak = 0
    energy = 0.0

    def tracking() -> Iterator[np.ndarray]:
        nonlocal peak, energy
        for samples in _chunks(audio, chunk):
            wide = samples.astype(np.float64)
            peak = max(peak, int(np.abs(wide).max(initial=0)))
            energy += float(wide @ wide)
            yield samples

    measured = integrated_loudness(tracking(), rate)
    if measured <= -70.0 or abs(target - measured) <= 0.2:
        return 0.0
    gain = target - measured
    scale = 10 ** (gain / 20) / 32768.0
    if peak * scale <= PEAK_CEILING:
        return gain  # nothing reaches the limiter: loudness moves by exactly the gain
    removed = 0.0
    for samples in _chunks(audio, chunk):
        loud = samples[np.abs(samples.astype(np.int32)) * scale > PEAK_CEILING].astype(np.float64) * scale
        bent = _limit(loud.copy())
        removed += float(loud @ loud - bent @ bent)
    if removed <= energy * scale**2 * (1 - 10 ** (-0.2 / 10)):
        return gain  # the limiter takes at most 0.2 dB of the energy: within tolerance
    limited = integrated_loudness(gained(_chunks(audio, chunk), gain), rate)
    return gain + (target - limited if abs(target - limited) > 0.2 else 0.0)
