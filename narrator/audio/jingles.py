"""Jingles: a publisher's intro and outro clips (NARRATOR_INTRO, NARRATOR_OUTRO) around the narration.

Any format ffmpeg reads is accepted; pydub decodes it and converts it to the voice's format (mono,
16-bit, the voice's sample rate), which is what pydub is good at. The intro plays before the
disclaimer and the outro after the last paragraph; each is a block of its own in the script, so
the timing map shows them as kinds 'intro' and 'outro' and the player can skip them.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import Settings
from ..errors import InputError
from ..model import Block, Script, Unit
from ..speech.engines import AudioChunk

KINDS = ("intro", "outro")
"""Block kinds of the jingles."""
PAUSE_MS = 500
"""Silence between the intro and the first words: a breath, as between a station ident and a reader."""
DEFAULT_RATE = 22050
"""The rate used when a narration has no speech at all to take the voice's rate from."""


@dataclass(frozen=True)
class Jingles:
    """The decoded intro and outro (either may be missing)."""

    clips: dict[str, object] = field(default_factory=dict)
    """Block kind -> pydub AudioSegment."""
    identity: str = ""
    """What the files are (paths, sizes, times): part of a narration's fingerprint."""

    def __bool__(self) -> bool:
        return bool(self.clips)

    def clip(self, kind: str, rate: int) -> AudioChunk:
        """A jingle as the voice's clips are: mono 16-bit PCM at `rate`."""
        segment = self.clips[kind].set_channels(1).set_sample_width(2).set_frame_rate(rate)  # type: ignore[attr-defined]
        return AudioChunk(segment.raw_data, rate)

    def fill(self, script: Script, clips: Iterable[AudioChunk]) -> Iterator[AudioChunk]:
        """The script's clips in order, the jingle blocks' (silent) clips replaced by the jingles at
        the voice's sample rate, which is known from the first clip with speech."""
        kinds = [script.blocks[u.block].kind for u in script.units]
        waiting: list[tuple[str, AudioChunk]] = []
        rate = 0
        for kind, chunk in zip(kinds, clips, strict=True):
            waiting.append((kind, chunk))
            rate = rate or (0 if kind in self.clips else chunk.sample_rate)
            if rate:
                yield from (self.clip(k, rate) if k in self.clips else c for k, c in waiting)
                waiting.clear()
        yield from (self.clip(k, rate or DEFAULT_RATE) if k in self.clips else c for k, c in waiting)


def _decode(path: str, what: str):  # noqa: ANN202 - pydub.AudioSegment
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    try:
        return AudioSegment.from_file(path)
    except (OSError, CouldntDecodeError, IndexError) as e:  # IndexError: pydub on a file with no audio
        reason = e.strerror if isinstance(e, OSError) and e.strerror else "not an audio file ffmpeg can read"
        raise InputError(f"{what} {path}: {reason}") from None


def load_jingles(settings: Settings) -> Jingles | None:
    """The configured intro and outro, decoded; None when there are none. InputError naming the
    setting for a file that is missing or not audio."""
    clips, identity = {}, []
    for kind, path in (("intro", settings.intro), ("outro", settings.outro)):
        if path:
            clips[kind] = _decode(path, f"NARRATOR_{kind.upper()}")
            st = os.stat(path)
            identity.append(f"{kind}={Path(path).resolve()}:{st.st_size}:{st.st_mtime_ns}")
    return Jingles(clips, ";".join(identity)) if clips else None


def with_jingles(script: Script, jingles: Jingles) -> Script:
    """The script with an 'intro' block first and an 'outro' block last (for the jingles there are),
    each holding one silent unit whose clip `Jingles.fill` provides."""
    blocks, units = list(script.blocks), list(script.units)
    if "intro" in jingles.clips:
        blocks.insert(0, Block("intro", ""))
        units = [Unit("", "", 0, PAUSE_MS)] + [replace(u, block=u.block + 1) for u in units]
    if "outro" in jingles.clips:
        blocks.append(Block("outro", "", blocks[-1].section if blocks else 0))
        units.append(Unit("", "", len(blocks) - 1, 0))
    shift = 1 if "intro" in jingles.clips else 0
    chapters = tuple((i + shift, title) for i, title in script.chapters)
    return replace(script, blocks=tuple(blocks), units=tuple(units), chapters=chapters)


__all__ = ["KINDS", "Jingles", "load_jingles", "with_jingles"]
