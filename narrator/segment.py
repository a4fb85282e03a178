"""Segment stage: an Article becomes a Script of blocks and sentences with their pauses."""
from __future__ import annotations

import re

from .model import Article, Block, Script, Unit
from .voices import Voice, language_base

DISCLAIMER = "Voice is AI-generated. Inconsistencies may occur."
"""Spoken first in every narration unless configured otherwise."""

# Words ending in a period that do not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "sgt", "capt", "cmdr", "adm", "gov",
    "sen", "rep", "rev", "st", "ave", "blvd", "jr", "sr", "vs", "etc", "e.g", "i.e", "a.m", "p.m",
    "u.s", "u.k", "u.n", "no", "nos", "fig", "vol", "approx", "inc", "ltd", "co", "corp", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft",
}
_CANDIDATE = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations and initials together."""
    sentences: list[str] = []
    start = 0
    for m in _CANDIDATE.finditer(text):
        before = text[start:m.start() + 1]
        last = before.split()[-1].rstrip(".").lower() if before.split() else ""
        if text[m.start()] == "." and (last in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last)):
            continue
        sentences.append(text[start:m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _same_words(a: str, b: str) -> bool:
    return re.findall(r"\w+", a.lower()) == re.findall(r"\w+", b.lower())


def segment(article: Article, voice: Voice, disclaimer: str = DISCLAIMER) -> Script:
    """Lay out what is said, in order: disclaimer, title, byline, then each section's heading and body.

    A body paragraph that repeats the disclaimer (pages often print the label) is not read twice.
    """
    blocks: list[Block] = []
    if disclaimer.strip():
        blocks.append(Block("disclaimer", disclaimer.strip()))
    if article.title:
        blocks.append(Block("title", article.title))
    if article.byline:
        blocks.append(Block("byline", f"By {article.byline}"))
    for number, section in enumerate(article.sections, start=1):
        if section.heading:
            blocks.append(Block("heading", section.heading, number))
        for p in section.paragraphs:
            if not _same_words(p.text, disclaimer):
                blocks.append(Block(p.kind, p.text, number))

    units: list[Unit] = []
    for i, block in enumerate(blocks):
        sentences = split_sentences(block.text) or [block.text]
        following = blocks[i + 1].kind if i + 1 < len(blocks) else None
        for j, sentence in enumerate(sentences):
            if j < len(sentences) - 1:
                pause = voice.sentence_pause_ms
            elif block.kind == "heading" or following == "heading":
                pause = voice.heading_pause_ms
            else:
                pause = voice.paragraph_pause_ms
            units.append(Unit(text=sentence, spoken=sentence, block=i, pause_after_ms=pause))
    chapters = tuple((i, b.text) for i, b in enumerate(blocks) if b.kind == "heading")
    # The voice's own variety of the article's language ("en-US") decides how numbers are said.
    same = language_base(voice.language) == language_base(article.language)
    language = voice.language if same else article.language
    return Script(blocks=tuple(blocks), units=tuple(units), language=language,
                  title=article.title, chapters=chapters)
