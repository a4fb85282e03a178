"""A client of the OpenAI speech API (POST {base_url}/audio/speech), for remote voices.

Any server that speaks that API will do: OpenAI itself, Kokoro-FastAPI, a GPU box, another narrator
(web/speech.py). Each request is bounded: in time (a deadline for the whole answer, not only for
each read), in size (an answer larger than MAX_AUDIO_BYTES is refused), and it is tried again with
backoff on a timeout, a refused connection, 429 or a 5xx answer, waiting as long as the server's
Retry-After says (up to MAX_RETRY_AFTER_S). Audio is asked for as WAV, which says its own sample rate.
"""
from __future__ import annotations

import json
import random
import struct
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import numpy as np

from ..errors import SynthesisError

MAX_AUDIO_BYTES = 32 << 20
"""Largest answer read: 11 minutes of 24 kHz 16-bit mono WAV, far more than one sentence (the client
sends a sentence or a clause at a time) and still a bound on what a broken server can make us hold."""
ATTEMPTS = 3
"""Tries per request, the first included."""
BACKOFF_S = 0.5
"""Wait before the second try; it doubles with each further one (with up to 50 % random jitter, so
parallel requests refused together do not come back together)."""
MAX_RETRY_AFTER_S = 30.0
"""The longest Retry-After honoured; a server asking for more is answered by failing now."""
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
"""Answers worth trying again: timeouts, too many requests, a server's passing trouble."""


@dataclass(frozen=True)
class Clip:
    """What a server answered: mono signed 16-bit little-endian PCM."""

    pcm: bytes
    """The samples."""
    sample_rate: int
    """Samples per second."""


class SpeechClient:
    """One remote voice: a server, a model and a voice, with the key that opens it."""

    def __init__(self, base_url: str, model: str, voice: str, api_key: str | None = None,
                 timeout_s: float = 60.0, speed: float = 1.0):
        self.url = base_url.rstrip("/") + "/audio/speech"
        self.model, self.voice, self.speed = model, voice, speed
        self.timeout_s = timeout_s
        self._headers = {"Content-Type": "application/json", "Accept": "audio/wav",
                         "User-Agent": "narrator"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def speech(self, text: str) -> Clip:
        """`text` spoken by the remote voice; SynthesisError once every try failed (or at once for an
        answer that trying again cannot mend: a 4xx, a malformed WAV)."""
        body: dict[str, object] = {"model": self.model, "input": text, "voice": self.voice,
                                   "response_format": "wav"}
        if self.speed != 1.0:
            body["speed"] = self.speed
        data = json.dumps(body).encode()
        problem = ""
        for attempt in range(ATTEMPTS):
            wait = BACKOFF_S * 2 ** attempt * (1 + random.random() / 2)
            try:
                return parse_wav(self._post(data))
            except _Retry as e:
                problem = str(e)
                if e.retry_after is not None:
                    if e.retry_after > MAX_RETRY_AFTER_S:
                        break
                    wait = e.retry_after
            if attempt + 1 < ATTEMPTS:
                time.sleep(wait)
        raise SynthesisError(f"{self.url}: {problem} ({ATTEMPTS} tries)")

    def _post(self, data: bytes) -> bytes:
        deadline = time.monotonic() + self.timeout_s
        request = urllib.request.Request(self.url, data=data, headers=self._headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310 - the operator's URL
                return _read(answer, deadline)
        except urllib.error.HTTPError as e:
            with e:
                message = _error_message(e)
                if e.code in RETRY_STATUS:
                    wait = _retry_after(e.headers.get("Retry-After"))
                    raise _Retry(f"HTTP {e.code}: {message}", wait) from None
                raise SynthesisError(f"{self.url}: HTTP {e.code}: {message}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise _Retry(f"no answer ({reason})") from None


class _Retry(Exception):
    """A failure that may pass: try again (after `retry_after` seconds when the server said)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def _read(answer, deadline: float) -> bytes:  # noqa: ANN001 - an http.client.HTTPResponse
    """The answer's body, at most MAX_AUDIO_BYTES, read before `deadline`."""
    length = answer.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > MAX_AUDIO_BYTES:
        raise SynthesisError(f"the answer is {int(length) >> 20} MB, more than {MAX_AUDIO_BYTES >> 20} MB")
    parts: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise _Retry("the answer took too long")
        part = answer.read(1 << 16)
        if not part:
            return b"".join(parts)
        size += len(part)
        if size > MAX_AUDIO_BYTES:
            raise SynthesisError(f"the answer is more than {MAX_AUDIO_BYTES >> 20} MB")
        parts.append(part)


def _error_message(e: urllib.error.HTTPError) -> str:
    """The server's own words: OpenAI's {"error": {"message": ...}}, or the start of the body."""
    try:
        raw = e.read(4096)
    except OSError:
        return e.reason or ""
    try:
        found = json.loads(raw)
        error = found.get("error") if isinstance(found, dict) else None
        message = error.get("message") if isinstance(error, dict) else error or found.get("detail")
        if message:
            return str(message)[:300]
    except (ValueError, AttributeError):
        pass
    return raw.decode("utf-8", "replace").strip()[:300] or str(e.reason)


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def parse_wav(data: bytes) -> Clip:
    """Mono 16-bit PCM from a WAV answer. Servers that stream write 0xFFFFFFFF (or 0) as the sizes, so
    the data chunk runs to the end of the answer when its size says more than there is; stereo is
    mixed down. SynthesisError for anything else (a JSON error sent with 200, MP3, 8- or 24-bit)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        start = data[:60].decode("utf-8", "replace")
        raise SynthesisError(f"the answer is not a WAV file: {start!r}")
    at, fmt = 12, None
    while at + 8 <= len(data):
        name, size = data[at:at + 4], struct.unpack_from("<I", data, at + 4)[0]
        body = at + 8
        if name == b"fmt " and size >= 16:
            fmt = struct.unpack_from("<HHIIHH", data, body)
        elif name == b"data":
            if fmt is None:
                break
            kind, channels, rate, _, _, bits = fmt
            if kind not in (1, 0xFFFE) or bits != 16 or channels < 1 or not 8000 <= rate <= 192000:
                raise SynthesisError(f"the WAV answer is not 16-bit PCM ({bits} bits, format {kind})")
            end = body + size if size and body + size <= len(data) else len(data)
            end -= (end - body) % (2 * channels)
            samples = np.frombuffer(data[body:end], dtype="<i2")
            if channels > 1:
                samples = samples.reshape(-1, channels).mean(axis=1).astype("<i2")
            return Clip(samples.tobytes(), rate)
        if size == 0xFFFFFFFF:
            break
        at = body + size + (size & 1)
    raise SynthesisError("the WAV answer has no audio data")


__all__ = ["ATTEMPTS", "Clip", "MAX_AUDIO_BYTES", "SpeechClient", "parse_wav"]
