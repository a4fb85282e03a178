"""Forced alignment: when each word of a text was said in a clip, for engines that do not say.

pocketsphinx (its US English acoustic model and dictionary ship in the wheel) aligns the words of the
text to the audio, the judge the tests already use for word timings. A word its dictionary lacks
(a name) is given a pronunciation first: espeak-ng's IPA (the `espeak-ng` command, installed with
narrator's system packages), mapped onto the dictionary's phone set (IPA_TO_ARPABET). Only English
can be aligned this way; `Aligner.for_language` says None for other languages, whose clips are then
timed by sentence.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Sequence

import numpy as np

from .words import WordMark

ALIGN_RATE = 16000
"""pocketsphinx's acoustic model is trained on 16 kHz audio."""
NOISE_FLOOR = 100.0
"""A faint seeded noise (about -50 dBFS) is mixed in first: pocketsphinx's front end does badly on
perfectly clean synthetic speech, whose digital silence it cannot normalise (the same floor as the
tests' aligner and ../shared/bench/asr_roundtrip.py)."""
MAX_ADDED_WORDS = 20_000
"""Words added to the dictionary before the decoder is made anew (a bound on its memory)."""
FRAME_S = 0.01
"""pocketsphinx's frames are 10 ms."""

IPA_TO_ARPABET = {
    # Diphthongs and affricates first: the longest symbol wins.
    "aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "əʊ": "OW", "ɔɪ": "OY", "tʃ": "CH", "dʒ": "JH",
    "ɑː": "AA", "ɑ": "AA", "ɒ": "AA", "æ": "AE", "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɔː": "AO", "ɔ": "AO",
    "ɛ": "EH", "e": "EH", "ɜː": "ER", "ɜ": "ER", "ɝ": "ER", "ɚ": "ER", "ɪ": "IH", "ᵻ": "IH", "iː": "IY",
    "i": "IY", "ʊ": "UH", "uː": "UW", "u": "UW", "a": "AA", "o": "OW",
    "b": "B", "d": "D", "ð": "DH", "f": "F", "ɡ": "G", "g": "G", "h": "HH", "k": "K", "l": "L", "m": "M",
    "n": "N", "ŋ": "NG", "p": "P", "ɹ": "R", "r": "R", "s": "S", "ʃ": "SH", "t": "T", "θ": "TH", "v": "V",
    "w": "W", "j": "Y", "z": "Z", "ʒ": "ZH", "ɾ": "D", "ʔ": "T", "x": "HH", "ç": "HH", "ɬ": "L",
}
"""espeak-ng's US English IPA onto the CMU dictionary's 39 phones (stress and length marks dropped)."""

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
"""What the dictionary can hold: letters, with an apostrophe inside ("don't")."""


class Aligner:
    """A pocketsphinx decoder in forced-alignment mode; one alignment at a time (it is locked)."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder  # a large import, made only by voices that need it

        self._make = lambda: Decoder(samprate=ALIGN_RATE, bestpath=False, loglevel="FATAL")
        self._decoder = self._make()
        self._added = 0
        self._lock = threading.Lock()
        self._rng = np.random.default_rng(0)

    @classmethod
    def for_language(cls, language: str) -> Aligner | None:
        """An aligner for `language`, or None when there is none (only English has one)."""
        return cls() if language.replace("_", "-").split("-")[0].lower() == "en" else None

    def align(self, pcm: bytes, rate: int, text: str,
              tokens: Sequence[tuple[int, int]]) -> list[WordMark] | None:
        """Word marks for the `tokens` ((start, end) offsets in `text`) said in `pcm` (mono 16-bit at
        `rate`), or None when the words could not be aligned. A token without letters, or a
        [[phonemes]] entry, gets no mark of its own: the marks around it take its time."""
        words: list[tuple[int, str]] = []  # (token index, dictionary word)
        for k, (a, b) in enumerate(tokens):
            token = text[a:b]
            if token.startswith("[["):
                continue
            words += [(k, w) for w in _WORD.findall(token.lower().replace("’", "'"))]
        if not words or not pcm:
            return None
        audio = _resampled(pcm, rate)
        with self._lock:
            self._learn({w for _, w in words})
            decoder = self._decoder
            decoder.set_align_text(" ".join(w for _, w in words))
            decoder.start_utt()
            noisy = audio + self._rng.normal(0.0, NOISE_FLOOR, audio.size)
            decoder.process_raw(noisy.clip(-32768, 32767).astype(np.int16).tobytes(), full_utt=True)
            decoder.end_utt()
            said = [(s.start_frame, s.end_frame + 1) for s in decoder.seg()
                    if s.word not in ("<s>", "</s>", "<sil>", "(NULL)")]
        if len(said) != len(words):
            return None  # the alignment failed (too little audio for the words): timed by sentence
        spans: dict[int, tuple[int, int]] = {}
        for (k, _), (first, end) in zip(words, said, strict=True):
            start, stop = spans.get(k, (first, end))
            spans[k] = (min(start, first), max(stop, end))
        per_frame = rate * FRAME_S
        samples = len(pcm) // 2
        return [WordMark(min(round(first * per_frame), samples), min(round(end * per_frame), samples),
                         tokens[k][0], tokens[k][1]) for k, (first, end) in sorted(spans.items())
                if end > first]

    def _learn(self, words: set[str]) -> None:
        """Add the words the dictionary lacks, with espeak-ng's pronunciation (under the lock)."""
        missing = sorted(w for w in words if self._decoder.lookup_word(w) is None)
        if not missing:
            return
        if self._added + len(missing) > MAX_ADDED_WORDS:
            self._decoder, self._added = self._make(), 0
        for word, phones in zip(missing, pronounce(missing), strict=True):
            self._decoder.add_word(word, phones or "AH", True)
            self._added += 1


def pronounce(words: Sequence[str]) -> list[str]:
    """CMU phones for each word, from espeak-ng's US English IPA ('' where it gave none)."""
    espeak = shutil.which("espeak-ng")
    if not espeak:
        return [""] * len(words)
    try:
        out = subprocess.run([espeak, "-q", "--ipa", "-v", "en-us"], input="".join(f"{w}.\n" for w in words),
                             capture_output=True, text=True, timeout=30).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return [""] * len(words)
    lines = [line.strip() for line in out if line.strip()]
    if len(lines) != len(words):
        return [""] * len(words)
    return [arpabet(line) for line in lines]


def arpabet(ipa: str) -> str:
    """IPA as CMU phones, longest symbol first; stress, length and unknown symbols dropped."""
    ipa = ipa.replace("ˈ", "").replace("ˌ", "").replace("ˑ", "").replace(" ", "")
    phones: list[str] = []
    at = 0
    while at < len(ipa):
        for size in (2, 1):
            phone = IPA_TO_ARPABET.get(ipa[at:at + size])
            if phone:
                phones.append(phone)
                at += size
                break
        else:
            at += 1
    return " ".join(phones)


def _resampled(pcm: bytes, rate: int) -> np.ndarray:
    """The samples at ALIGN_RATE, as floats (linear interpolation: the aligner needs the words, not
    the highs)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    if rate == ALIGN_RATE or samples.size == 0:
        return samples
    n = int(samples.size * ALIGN_RATE / rate)
    return np.interp(np.arange(n) * (rate / ALIGN_RATE), np.arange(samples.size), samples)


__all__ = ["ALIGN_RATE", "Aligner", "IPA_TO_ARPABET", "arpabet", "pronounce"]
