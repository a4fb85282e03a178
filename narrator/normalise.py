"""Normalise stage: make written text speakable (what the voice says, not what is shown)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from .model import Script

_SPACE = re.compile(r"\s+")
# Emoji, pictographs, dingbats, variation selectors and joiners: engines read them by name
# (Piper says "studio microphone" for the seed's microphone emoji).
_PICTO = re.compile(
    "[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)


def _speakable_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return not (cat == "So" or cat == "Cn" or cat == "Co" or cat == "Cs")


def normalise_text(text: str, language: str = "en") -> str:
    """Return what a newsreader would say for `text`: emoji and symbols gone, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _PICTO.sub(" ", text)
    text = "".join(ch for ch in text if _speakable_char(ch))
    return _SPACE.sub(" ", text).strip()


def normalise(script: Script) -> Script:
    """Fill in each unit's spoken form from its original text."""
    units = tuple(replace(u, spoken=normalise_text(u.text, script.language)) for u in script.units)
    return replace(script, units=units)
