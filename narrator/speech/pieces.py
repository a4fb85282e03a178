"""What an engine is given: a sentence cut into pieces short enough to say in one utterance,
with where each word of a piece comes from in the sentence."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .words import WordMark

MAX_WORD_CHARS = 100
"""A token (letters without a space, or one [[phonemes]] entry) longer than this is not something a
voice can say: it is dropped, never handed to an engine. The longest words of English and German
dictionaries stay under 70 letters; a 6,000-character run of dotted letters or a pasted blob is
not read for minutes, nor can it grow an engine's memory."""

_TOKEN = re.compile(r"\[\[[^\[\]]*\]\]\S*|\S+")
"""A word with what clings to it, or a whole [[phonemes]] entry (its spaces are not word breaks)."""


@dataclass(frozen=True)
class Piece:
    """A piece of a text an engine says in one utterance, and where its words come from in the text."""

    text: str
    """What the engine is given: the words, one space between two."""
    tokens: tuple[tuple[int, int, int, int], ...]
    """Each word's (start, end) in `text` followed by its (start, end) in the whole text."""

    def text_offset(self, at: int) -> int:
        """The offset in the whole text of offset `at` of this piece (a space between two words: where
        the next one starts)."""
        for start, end, text_from, _ in self.tokens:
            if at < end:
                return text_from + max(at - start, 0)
        return self.tokens[-1][3] if self.tokens else 0

    def to_text(self, marks: list[WordMark], samples: int) -> list[WordMark]:
        """Marks made on this piece, as marks on the whole text `samples` later in the audio."""
        return [WordMark(m.start + samples, m.end + samples, self.text_offset(m.text_from),
                         self.text_offset(m.text_to - 1) + 1) for m in marks]


def cut(text: str, max_chars: int) -> list[Piece]:
    """`text` cut into pieces of at most `max_chars` characters for an engine: after clause
    punctuation (`,` `;` `:`) where it can be, so the voice pauses where a reader would, else
    between words; a token longer than MAX_WORD_CHARS is dropped. Linear in the text's length.
    """
    found = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    if len(text) <= max_chars and not any(b - a > MAX_WORD_CHARS for a, b in found):
        return [Piece(text, tuple((a, b, a, b) for a, b in found))] if text.strip() else []
    out: list[list[tuple[int, int]]] = []
    clause: list[tuple[int, int]] = []  # words of the clause being gathered
    size = 0

    def length(words: list[tuple[int, int]]) -> int:
        return sum(b - a for a, b in words) + len(words) - 1

    def flush() -> None:
        nonlocal size
        if not clause:
            return
        if out and length(out[-1]) + 1 + length(clause) <= max_chars and text[out[-1][-1][1] - 1] in ",;:":
            out[-1].extend(clause)  # short clauses travel together
        else:
            out.append(list(clause))
        clause.clear()
        size = 0

    for a, b in found:
        token = text[a:b]
        if len(token) > MAX_WORD_CHARS or len(token) > max_chars:
            continue
        if size and size + 1 + len(token) > max_chars:
            flush()  # a clause too long for one piece is cut between words
        clause.append((a, b))
        size += len(token) + (1 if size else 0)
        if token[-1] in ",;:" and not token.endswith("]]"):
            flush()
    flush()
    pieces = []
    for words in out:
        spans, at = [], 0
        for a, b in words:
            spans.append((at, at + b - a, a, b))
            at += b - a + 1
        pieces.append(Piece(" ".join(text[a:b] for a, b in words), tuple(spans)))
    return pieces
