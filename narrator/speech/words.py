"""Word timings: when each written word of a sentence was said (docs/words.md).

An engine reports when it said the words of its input text as `WordMark`s, a character range of the
spoken text with a sample range of the clip: Piper from its phoneme alignments (`marks_from_phonemes`),
espeak-ng from its word events (`marks_from_starts`). `timed_words` then carries them onto the
normaliser's words (`Unit.words`), each with the written span it was read from: "$2.4 million" is one
written span said as four words, and it gets the time of the four.
"""
from __future__ import annotations

import difflib
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import WordSpan


@dataclass(frozen=True)
class WordMark:
    """When an engine said one word (or a run of words) of its input text."""

    start: int
    """First sample of the word in the clip."""
    end: int
    """The sample after its last."""
    text_from: int
    """Offset in the engine's input text where the word starts."""
    text_to: int
    """Offset in the engine's input text where it ends."""


# Piper's phonemes ----------------------------------------------------------------------------------

BREAKS = frozenset(" ,.;:!?^$_")
"""What separates words in Piper's phoneme stream: a space, the clause punctuation espeak-ng's clauses
end with, and Piper's begin, end and pad symbols. Their samples are pauses, no word's."""
STRESS = frozenset("ˈˌ")
"""Stress marks: Piper gives them samples of their own; they belong to the sound they stress, and are
left out when phonemes are compared (a word said alone is stressed differently than in a sentence)."""


@dataclass(frozen=True)
class _Sound:
    phoneme: str
    start: int
    end: int
    word_start: bool  # the first sound of one of the engine's words


def _sounds(timeline: Sequence[tuple[str, int, int]]) -> list[_Sound]:
    """The sounds of a (phoneme, first sample, end sample) timeline, each marked when it starts one of
    the engine's words; a stress mark's samples go to the sound after it."""
    out: list[_Sound] = []
    stressed_from: int | None = None
    after_break = True
    for phoneme, start, end in timeline:
        if phoneme in BREAKS or not phoneme.strip():
            after_break, stressed_from = True, None
        elif phoneme in STRESS:
            stressed_from = start if stressed_from is None else stressed_from
        else:
            out.append(_Sound(phoneme, start if stressed_from is None else stressed_from, end, after_break))
            after_break, stressed_from = False, None
    return out


def _comparable(phonemes: Sequence[str]) -> list[str]:
    return [p for p in phonemes if p not in BREAKS and p not in STRESS and p.strip()]


def marks_from_phonemes(tokens: Sequence[tuple[int, int, Sequence[str]]],
                        timeline: Sequence[tuple[str, int, int]]) -> list[WordMark]:
    """Word marks for `tokens` (text offsets and the phonemes of each token said alone) from the
    `timeline` of phonemes the engine said for all of them together ((phoneme, first sample, end
    sample), in order).

    The phonemiser does not keep the words of its input: it joins some ("in the" is one word,
    "twenty-six" too) and may split others, so words cannot be paired by count. Instead the tokens'
    own phonemes, end to end, are aligned with the timeline's (difflib's longest matching runs;
    stress marks aside). A token starts at the sound its first phoneme matched, or, when that phoneme
    matched nothing, at a position interpolated between the neighbouring matches. When some of the
    token matched, a start that can fall on one of the engine's own word breaks (a space phoneme) is
    moved onto the nearest one; a token nothing of which matched ("a" said alone is "eɪ", in a
    sentence "ɐ", joined to the word before) keeps the interpolated start, the sounds between its
    neighbours. A token ends where the next one starts, less the pause between them.
    """
    sounds = _sounds(timeline)
    said = [s.phoneme for s in sounds]
    own: list[str] = []
    firsts: list[int] = []  # where each token's phonemes start in `own`
    for _, _, phonemes in tokens:
        firsts.append(len(own))
        own.extend(_comparable(phonemes))
    if not sounds or not own:
        return []
    matched: dict[int, int] = {}  # position in `own` -> position in `said`
    for block in difflib.SequenceMatcher(None, own, said, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            matched[block.a + k] = block.b + k
    anchors = sorted(matched)
    breaks = [i for i, s in enumerate(sounds) if s.word_start] + [len(sounds)]

    def boundary(k: int, previous: float) -> float:
        """Where (a position in `said`, maybe fractional) token k starts, after `previous`."""
        q = firsts[k]
        q_end = firsts[k + 1] if k + 1 < len(firsts) else len(own)
        i = bisect_right(anchors, q - 1)  # anchors[i - 1] < q <= anchors[i]
        before = (anchors[i - 1], matched[anchors[i - 1]]) if i else (-1, -1)
        after = (anchors[i], matched[anchors[i]]) if i < len(anchors) else (len(own), len(sounds))
        lo, hi = before[1] + 1, after[1]
        if q in matched:
            guess = float(matched[q])
        else:  # between two matches: as far along the sounds as along the phonemes
            span = after[0] - (before[0] + 1)
            guess = lo + (hi - lo) * (q - (before[0] + 1)) / span if span else float(lo)
        if after[0] >= q_end:
            return guess  # nothing of the token matched: where it falls between its neighbours
        # Some of it matched (from `hi` on): it starts at an engine word start in [lo, hi] if there is one.
        near = [b for b in breaks[bisect_right(breaks, lo - 1):bisect_right(breaks, hi)] if b > previous]
        return float(min(near, key=lambda b: abs(b - guess))) if near else guess

    def time_at(x: float) -> float:
        i = int(x)
        if i >= len(sounds):
            return float(sounds[-1].end)
        return sounds[i].start + (x - i) * (sounds[i].end - sounds[i].start)

    def time_before(x: float) -> float:
        """When the sounds before position x end."""
        if x == int(x) and x >= 1:
            return float(sounds[int(x) - 1].end)
        return time_at(x)

    bounds = [0.0]
    for k in range(1, len(tokens)):
        bounds.append(max(boundary(k, bounds[-1]), bounds[-1]))
    bounds.append(float(len(sounds)))
    marks: list[WordMark] = []
    for (text_from, text_to, _), a, b in zip(tokens, bounds, bounds[1:], strict=False):
        start, end = time_at(a), time_before(b)
        if b > a and end > start:
            marks.append(WordMark(round(start), round(end), text_from, text_to))
    return marks


def even_timeline(phonemes: Sequence[str], samples: int) -> list[tuple[str, int, int]]:
    """A timeline for phonemes whose samples the engine did not give: each the same share of the
    clip (an estimate, for a chunk Piper could not align)."""
    n = len(phonemes)
    return [(p, samples * i // n, samples * (i + 1) // n) for i, p in enumerate(phonemes)] if n else []


# espeak-ng's word events -----------------------------------------------------------------------------

QUIET = 0.01
"""About -40 dBFS: below it a clip's edges are quiet (synthesise.trim cuts them: engines pad clips,
pauses are ours to set), and a word said before a pause ends at its last sample louder than this,
not where the next word starts."""
EDGE_MS = 20
"""Kept after that last loud sample: the fading end of the word."""


def marks_from_starts(text: str, tokens: Sequence[tuple[int, int]], starts: Sequence[tuple[int, int]],
                      pcm: bytes, rate: int) -> list[WordMark]:
    """Word marks for a `text` of `tokens` (their start and end offsets, in order) from the (text
    offset, first sample) of each word an engine began saying (espeak-ng's word events).

    A mark's text runs from its event to the next one. An event after nothing but punctuation of its
    token starts the token (espeak-ng places one for "[[h@l'oU]]" inside the brackets, for '"Hello'
    at the letter); one after letters of its token starts there ("percent—the": espeak-ng reports
    "the" and not "percent"), and what comes before is said with the mark before. A token without an
    event of its own was said with the one before too (espeak-ng reports "in the" as one word, and
    "twenty-six" with the length of "twenty"). A mark's sound runs until the next one starts, less
    the quiet before it; an event that goes back in time is dropped (espeak-ng reports a clause's end
    as a word of length 0, after the words that follow it)."""
    samples = np.frombuffer(pcm, dtype=np.int16)
    loud = np.abs(samples) > QUIET * 32767
    edge = rate * EDGE_MS // 1000
    firsts = [a for a, _ in tokens]
    placed: list[tuple[int, int]] = []  # (text offset, first sample)
    for at, first in sorted(set(starts)):
        k = bisect_right(firsts, at) - 1
        if k < 0 or at >= tokens[k][1]:  # between two tokens: the next one
            k += 1
        if k >= len(tokens):
            continue
        start = tokens[k][0]
        if start < at and any(ch.isalnum() for ch in text[start:at]):
            start = at  # inside a word: the word began with the mark before
        if not placed or start > placed[-1][0]:
            placed.append((start, min(first, samples.size)))
    begun = _in_time(placed)
    marks: list[WordMark] = []
    for n, (at, first) in enumerate(begun):
        text_to, until = begun[n + 1] if n + 1 < len(begun) else (tokens[-1][1], samples.size)
        while text_to > at and text[text_to - 1].isspace():
            text_to -= 1
        heard = np.flatnonzero(loud[first:until])
        end = min(first + int(heard[-1]) + 1 + edge, until) if heard.size else until
        if end > first and text_to > at:
            marks.append(WordMark(first, end, at, text_to))
    return marks


def _in_time(events: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The most events (text offset, sample), in text order, whose samples never go back: an event out
    of time is the engine's mistake, not the words'. Longest non-decreasing run, O(n^2) for the few
    dozen words of one utterance."""
    if not events:
        return []
    best = [1] * len(events)
    back = [-1] * len(events)
    for i in range(len(events)):
        for j in range(i):
            if events[j][1] <= events[i][1] and best[j] + 1 > best[i]:
                best[i], back[i] = best[j] + 1, j
    i = max(range(len(events)), key=lambda k: (best[k], -k))
    chain = []
    while i >= 0:
        chain.append(events[i])
        i = back[i]
    return chain[::-1]


# Onto the written words ------------------------------------------------------------------------------

def timed_words(words: Sequence[WordSpan], marks: Sequence[WordMark]) -> list[tuple[int, int, int, int]]:
    """(first sample, end sample, written from, written to) for each of a unit's words that the marks
    cover, in order. A mark over several words (the engine said them as one) is shared between them
    by their characters; a word over several marks takes them all. A word no mark covers (the engine
    did not say it) has no timing."""
    out: list[tuple[int, int, int, int]] = []
    marks = sorted(marks, key=lambda m: m.text_from)
    j = 0
    last_end = 0
    for w in words:
        while j < len(marks) and marks[j].text_to <= w.said_from:
            j += 1
        start = end = math.nan
        k = j
        while k < len(marks) and marks[k].text_from < w.said_to:
            m = marks[k]
            a, b = max(m.text_from, w.said_from), min(m.text_to, w.said_to)
            if b > a:
                per_char = (m.end - m.start) / (m.text_to - m.text_from)
                if math.isnan(start):
                    start = m.start + (a - m.text_from) * per_char
                end = m.start + (b - m.text_from) * per_char
            k += 1
        if math.isnan(start):
            continue
        first, last = max(round(start), last_end), round(end)
        if last > first:
            out.append((first, last, w.written_from, w.written_to))
            last_end = last
    return out


__all__ = ["BREAKS", "STRESS", "WordMark", "even_timeline", "marks_from_phonemes", "marks_from_starts",
           "timed_words"]
