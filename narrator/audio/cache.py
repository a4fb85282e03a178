"""Synthesis cache: each clip stored under a hash of exactly what determines its sound.

The key is the engine identity (engine, engine voice, speed, engine and model versions) and
the spoken text (normalised, lexicon applied). Pauses are added at assembly, so they are not
part of a clip. Clips are WAV files in a two-level folder tree; a file's modification time is
its last use, so eviction is least-recently-used without an index to keep in step. Each WAV file
also holds the clip's word marks (when each word of the spoken text was said) in a chunk of its own
after the samples, which WAV readers skip: a reused sentence keeps its word timings.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..speech.engines import AudioChunk
from ..speech.words import WordMark

STALE_TMP_S = 3600
"""A half-written clip this old belongs to a dead process (a live write takes milliseconds)."""
FORMAT = "2"
"""Bumped when what a clip holds changes (trimming, sample format): old entries stop matching, and go
as the least recently used. 2: the word marks (format 1's clips had none)."""
WORDS_CHUNK = b"nwrd"
"""The RIFF chunk that holds a clip's word marks: JSON, [[first sample, end sample, text from, text
to], ...], or null when the engine gave none."""


@dataclass(frozen=True)
class CacheStats:
    """What the cache holds."""

    units: int
    """Number of clips."""
    bytes: int
    """Their total size on disk."""
    max_bytes: int
    """The size limit."""


class UnitCache:
    """A folder of clips keyed by content, bounded in size, evicting least recently used."""

    def __init__(self, folder: Path, max_bytes: int):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._counting = threading.Lock()  # sentences of one narration may be looked up from several threads

    @classmethod
    def from_settings(cls, settings: Settings) -> UnitCache | None:
        """The cache an operator configured (HOME/cache, NARRATOR_CACHE_MAX_MB), or None when it is off."""
        return cls(settings.cache_dir, settings.cache_max_mb << 20) if settings.cache_max_mb > 0 else None

    def counting(self) -> UnitCache:
        """The same cache (folder and limit) with hit and miss counts of its own, from zero: one job's,
        even while other jobs use the cache in other threads."""
        return UnitCache(self.folder, self.max_bytes)

    @staticmethod
    def key(identity: str, spoken: str) -> str:
        """The content address of a clip."""
        return hashlib.sha256(f"{FORMAT}\0{identity}\0{spoken}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.wav"

    def contains(self, key: str) -> bool:
        """Whether a clip is stored under `key` (without counting a hit or marking it used)."""
        return self._path(key).is_file()

    def get(self, key: str) -> AudioChunk | None:
        """The clip stored under `key` (and mark it used), or None."""
        path = self._path(key)
        try:
            chunk = unpack(path.read_bytes())
            os.utime(path)
        except (FileNotFoundError, EOFError, wave.Error, ValueError, TypeError, struct.error):
            with self._counting:
                self.misses += 1
            return None
        with self._counting:
            self.hits += 1
        return chunk

    def put(self, key: str, chunk: AudioChunk) -> None:
        """Store a clip (written aside, then renamed: readers never see half a file)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.getpid()}-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(pack(chunk))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _entries(self) -> list[tuple[float, int, Path]]:
        entries = []
        for path in self.folder.glob("??/*.wav"):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            entries.append((st.st_mtime, st.st_size, path))
        return entries

    def stats(self) -> CacheStats:
        """Count and size of what is stored."""
        entries = self._entries()
        return CacheStats(len(entries), sum(size for _, size, _ in entries), self.max_bytes)

    def prune(self, max_bytes: int | None = None) -> int:
        """Delete least recently used clips until the cache fits `max_bytes`; return how many went."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        entries = sorted(self._entries())
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in entries:
            if total <= limit:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        stale = time.time() - STALE_TMP_S
        for tmp in self.folder.glob("??/.*.tmp"):  # left by a process killed mid-write
            try:
                if not _alive(tmp.name) or tmp.stat().st_mtime < stale:
                    tmp.unlink()
            except FileNotFoundError:
                pass
        return removed


def pack(chunk: AudioChunk) -> bytes:
    """A clip as a WAV file whose last chunk holds its word marks (WORDS_CHUNK)."""
    out = io.BytesIO()
    chunk.write_wav(out)
    data = bytearray(out.getvalue())
    words = None if chunk.words is None else [[m.start, m.end, m.text_from, m.text_to] for m in chunk.words]
    body = json.dumps(words, separators=(",", ":")).encode()
    body += b" " * (len(body) % 2)  # RIFF chunks are padded to an even size
    data += WORDS_CHUNK + struct.pack("<I", len(body)) + body
    struct.pack_into("<I", data, 4, len(data) - 8)  # the RIFF size
    return bytes(data)


def unpack(data: bytes) -> AudioChunk:
    """A clip from `pack`'s bytes (a WAV file without word marks gives a clip without them)."""
    chunk = AudioChunk.read_wav(io.BytesIO(data))
    position = 12  # after "RIFF", the size and "WAVE"
    while position + 8 <= len(data):
        name, size = data[position:position + 4], struct.unpack_from("<I", data, position + 4)[0]
        if name == WORDS_CHUNK:
            words = json.loads(data[position + 8:position + 8 + size])
            marks = None if words is None else tuple(WordMark(*map(int, w)) for w in words)
            return AudioChunk(chunk.pcm, chunk.sample_rate, marks)
        position += 8 + size + (size & 1)
    return chunk


def _alive(tmp_name: str) -> bool:
    """Whether the process that is writing a '.<pid>-....tmp' clip still runs (the cache folder is
    this machine's own, so the pid is one of ours)."""
    pid = tmp_name[1:].partition("-")[0]
    if not pid.isdigit():
        return True  # not named by put(): left to the age rule
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
