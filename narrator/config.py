"""Settings: what an operator configures, read from NARRATOR_* environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import InputError
from .segment import DISCLAIMER


@dataclass(frozen=True)
class Settings:
    """Narration settings; each field can be set by the environment variable NARRATOR_<FIELD>."""

    disclaimer: str = DISCLAIMER
    """Spoken first in every narration (empty: none)."""
    publication: str = ""
    """Written into the MP3's artist tag (empty: the article's site)."""
    bitrate_kbps: int = 64
    """MP3 bit rate (mono CBR)."""
    loudness_lufs: float = -16.0
    """Integrated loudness target."""
    lexicon: str = ""
    """The publication's pronunciation lexicon file (its entries win over the voice's)."""
    home: str = "./data"
    """Folder holding all state: database, audio, synthesis cache (NARRATOR_HOME)."""
    cache_max_mb: int = 1024
    """Size limit of the synthesis cache; least recently used clips go first."""

    @property
    def cache_dir(self) -> Path:
        """Where synthesised clips are kept."""
        return Path(self.home) / "cache"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Settings with NARRATOR_* overrides from `env` (default: os.environ)."""
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get("NARRATOR_" + f.name.upper())
            if raw is None:
                continue
            kind = type(getattr(cls(), f.name))
            try:
                values[f.name] = kind(raw)
            except ValueError:
                name = "NARRATOR_" + f.name.upper()
                raise InputError(f"{name} must be a {kind.__name__}, not {raw!r}") from None
        return cls(**values)
