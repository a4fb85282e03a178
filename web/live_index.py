"""The live streams as one web process holds them, so that a listener's poll costs what is new to that
listener, not the article and the whole manifest (a long article's manifest is 1.45 MB of JSON; 50 ms
to load and parse at every poll made 200 listeners wait seconds: issue 23).

A stream's manifest is read again only when the audio storage says it changed (its stamp: the file's
inode, size and time on disk, the object's ETag in a bucket), by one thread of the process whatever the
number of listeners (meanwhile the others answer from the manifest before: one change late, never
wrong, since the answer's ETag says which it is), and kept in pieces: its segments, and the text of
each paragraph of the timing map, so an answer is the pieces after the listener's cursor joined
together. Reading it again parses only what is new: the worker writes the paragraphs last, each
finished one once and never again (narrator.audio.stream.LiveStream.manifest_json), so the paragraphs that
were finished at the last read are found again by comparing bytes, and only the rest is decoded (a
manifest laid out otherwise is parsed whole). The estimated length of an article not yet streaming is
kept the same way, per content (the article's `updated` time). Both are bounded (least recently used
go first).
"""

from __future__ import annotations

import bisect
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from narrator.service.audio_storage import LIVE_MANIFEST, AudioStorage

PARAGRAPHS = ', "paragraphs": ['
"""Where a manifest's timing map starts: last, after the segments
(narrator.audio.stream.LiveStream.manifest_json)."""
_SEPARATOR = re.compile(r"\s*,?\s*")
"""Between two paragraphs of the list (', '), or after the last (nothing)."""
STREAMS_KEPT = 64
"""Streams held per process: the articles being listened to while they are made (a few at a time)."""
ESTIMATES_KEPT = 1024
"""Estimated lengths held per process (an int each)."""


@dataclass(frozen=True)
class StreamIndex:
    """One live stream's manifest as of `stamp`, in the pieces a poll's answer is made of."""

    stream: str
    """The stream's name ('<job>-<attempt>')."""
    stamp: str
    """The storage's stamp of the manifest this was read from (it changes with every rewrite)."""
    complete: bool
    """Whether the stream has all the audio (the job has synthesised its last sentence)."""
    estimated_ms: int
    """The whole narration's length: known once complete, else estimated by the worker."""
    sample_rate: int
    """Samples a second of the stream's audio."""
    segments: tuple[dict, ...]
    """The segments as the manifest has them (with their byte ranges in the published file once the
    worker has indexed it). Callers copy before they change one."""
    paragraph_index: tuple[int, ...]
    """The timing map's paragraph numbers so far, ascending."""
    paragraphs: tuple[str, ...]
    """Those paragraphs, each as its JSON text."""
    finished: str = ""
    """The manifest's text of its paragraphs but the last (which may still grow), as read: a later
    manifest that starts its paragraphs with it holds these unchanged."""

    @classmethod
    def parse(cls, stream: str, stamp: str, raw: bytes, before: StreamIndex | None = None) -> StreamIndex:
        """The index of a manifest (narrator.audio.stream.LiveStream.manifest_json), decoding only the
        paragraphs
        `before` (the same stream's index, read earlier) does not hold finished."""
        text = raw.decode()
        at = text.find(PARAGRAPHS)
        if at < 0 or not text.endswith("]}"):  # laid out otherwise: parse it whole
            return cls._whole(stream, stamp, json.loads(text))
        head = json.loads(text[:at] + "}")
        listed = text[at + len(PARAGRAPHS):-2]
        pieces: list[str] = []
        numbers: list[int] = []
        position = 0
        if before is not None and before.finished and listed.startswith(before.finished):
            pieces, numbers = list(before.paragraphs[:-1]), list(before.paragraph_index[:-1])
            position = len(before.finished)
        decoder, last = json.JSONDecoder(), position
        while position < len(listed):
            paragraph, end = decoder.raw_decode(listed, position)
            pieces.append(listed[position:end])
            numbers.append(paragraph["index"])
            last, position = position, _SEPARATOR.match(listed, end).end()  # type: ignore[union-attr]
        if numbers != sorted(numbers):  # written out of order: parse it whole
            return cls._whole(stream, stamp, json.loads(text))
        return cls(stream=stream, stamp=stamp, complete=bool(head["complete"]),
                   estimated_ms=head["estimated_ms"], sample_rate=head["sample_rate"],
                   segments=tuple(head["segments"]), paragraph_index=tuple(numbers), paragraphs=tuple(pieces),
                   finished=listed[:last])

    @classmethod
    def _whole(cls, stream: str, stamp: str, manifest: dict) -> StreamIndex:
        paragraphs = sorted(manifest["paragraphs"], key=lambda p: p["index"])
        return cls(stream=stream, stamp=stamp, complete=bool(manifest["complete"]),
                   estimated_ms=manifest["estimated_ms"], sample_rate=manifest["sample_rate"],
                   segments=tuple(manifest["segments"]),
                   paragraph_index=tuple(p["index"] for p in paragraphs),
                   paragraphs=tuple(json.dumps(p, ensure_ascii=False) for p in paragraphs))

    def paragraphs_from(self, index: int) -> str:
        """The paragraphs numbered `index` and after, as the JSON array's inside."""
        return ", ".join(self.paragraphs[bisect.bisect_left(self.paragraph_index, index):])


class LiveIndex:
    """Each live stream's manifest, read from the audio storage only when it changed (see the module).
    Safe to share between a process's request threads."""

    def __init__(self, storage: AudioStorage, streams: int = STREAMS_KEPT, estimates: int = ESTIMATES_KEPT):
        self.storage = storage
        self._streams: OrderedDict[tuple[str, str], StreamIndex] = OrderedDict()
        self._reading: dict[tuple[str, str], threading.Lock] = {}
        self._estimates: OrderedDict[tuple, int | None] = OrderedDict()
        self._limits = (streams, estimates)
        self._lock = threading.Lock()
        self.reads = 0
        """Manifests read from storage so far (tests check that polls share them)."""

    def stream(self, article_id: str, stream: str) -> StreamIndex | None:
        """The stream's manifest as it is now in storage, in pieces; None if there is none (yet, or now)."""
        stamp = self.storage.live_stamp(article_id, stream, LIVE_MANIFEST)
        if stamp is None:
            return None
        key = (article_id, stream)
        with self._lock:
            kept = self._streams.get(key)
            if kept is not None:
                self._streams.move_to_end(key)
            reading = self._reading.setdefault(key, threading.Lock())
        if kept is not None and kept.stamp == stamp:
            return kept
        # One thread reads the change; the others answer from the manifest before it meanwhile (or, the
        # first time, wait for the read).
        if not reading.acquire(blocking=kept is None):
            return kept
        try:
            with self._lock:
                kept = self._streams.get(key)
            if kept is not None and kept.stamp == stamp:
                return kept
            raw = self.storage.read_live(article_id, stream, LIVE_MANIFEST)
            if raw is None:  # removed since the stamp was taken
                return None
            index = StreamIndex.parse(stream, stamp, raw, kept)  # a newer file than the stamp: read again
            with self._lock:
                self.reads += 1
                self._streams[key] = index
                while len(self._streams) > self._limits[0]:
                    gone, _ = self._streams.popitem(last=False)
                    self._reading.pop(gone, None)
        finally:
            reading.release()
        return index

    def estimate(self, key: tuple, compute: Callable[[], int | None]) -> int | None:
        """The estimated length kept under `key` (what decides it: the article, its `updated` time, its
        voice), computed once by `compute`."""
        with self._lock:
            if key in self._estimates:
                self._estimates.move_to_end(key)
                return self._estimates[key]
        value = compute()
        with self._lock:
            self._estimates[key] = value
            while len(self._estimates) > self._limits[1]:
                self._estimates.popitem(last=False)
        return value


__all__ = ["ESTIMATES_KEPT", "LiveIndex", "STREAMS_KEPT", "StreamIndex"]
