"""narrator as a speech server: the OpenAI speech API (POST /v1/audio/speech, GET /v1/models).

Any tool that speaks that API gets narrator's normaliser, lexicons and voices. `voice` names a
narrator voice profile (or, when it names none, `model` may: /v1/models lists the profiles as
models); `input` is spoken as an article would say it, by the queue's workers on the listening lane
(never in the web process), and answered as mp3, wav or pcm (OpenAI's: raw 16-bit mono at 24 kHz).
Asking for speech needs an editor's credential or a key of the role 'speech'
(`narrator keys create NAME --role speech`). Errors are OpenAI's shape: {"error": {"message", "type"}}.
"""
from __future__ import annotations

import shutil
import subprocess

from flask import Blueprint, Response, g, jsonify, request

from narrator.errors import InputError
from narrator.speech.voices import all_voices

from .auth import csrf_ok, principal
from .context import service
from .ratelimit import RateLimiter

bp = Blueprint("speech", __name__, url_prefix="/v1")

MAX_INPUT_CHARS = 4096
"""OpenAI's limit on one request's input."""
SPEEDS = (0.25, 4.0)
"""The speeds OpenAI accepts."""
FORMATS = {"mp3": "audio/mpeg", "wav": "audio/wav", "pcm": "audio/pcm"}
"""The answers offered, with their content types."""
PCM_RATE = 24000
"""OpenAI's pcm is 24 kHz."""
ROLES = ("editor", "speech")
"""The roles that may ask for speech."""
ENCODE_TIMEOUT_S = 60
"""Longest an ffmpeg conversion of one answer may take."""


def limiter(chars_per_minute: int) -> RateLimiter | None:
    """The bucket of characters per credential (None: no limit); it holds at least one longest input."""
    if chars_per_minute <= 0:
        return None
    return RateLimiter(chars_per_minute, burst=max(chars_per_minute, MAX_INPUT_CHARS))


def error(status: int, message: str, kind: str = "invalid_request_error",
          headers: dict[str, str] | None = None) -> Response:
    """An error in OpenAI's shape (its clients read error.message)."""
    answer = jsonify(error={"message": message, "type": kind, "code": status})
    answer.status_code = status
    answer.headers.update(headers or {})
    return answer


@bp.get("/models")
def models():  # noqa: ANN201
    """The voice profiles, as models (each may also be given as `voice`)."""
    voices = all_voices(service().settings.voices)
    return jsonify(object="list", data=[
        {"id": v.name, "object": "model", "created": 0, "owned_by": "narrator",
         "language": v.language, "engine": v.engine, "description": v.description}
        for v in voices.values()])


@bp.post("/audio/speech")
def speech():  # noqa: ANN201
    who = principal()
    if who is None:
        return error(401, "this needs a key: Authorization: Bearer <an editor's key or a 'speech' key>",
                     "authentication_error", {"WWW-Authenticate": 'Bearer realm="narrator"'})
    if g.get("via_session") and not csrf_ok():
        return error(403, "the CSRF token is missing or wrong", "permission_error")
    if who.role not in ROLES:
        return error(403, f"the {who.kind} '{who.name}' has the role '{who.role}'; speech needs an editor's "
                          "or a 'speech' key", "permission_error")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return error(400, 'send JSON: {"model": "...", "input": "...", "voice": "...", '
                          '"response_format": "mp3", "speed": 1.0}')
    text, fmt, speed = data.get("input"), data.get("response_format", "mp3"), data.get("speed", 1.0)
    if not isinstance(text, str) or not text.strip():
        return error(400, "'input' must be a non-empty string")
    if len(text) > MAX_INPUT_CHARS:
        return error(400, f"'input' is {len(text)} characters; at most {MAX_INPUT_CHARS} are spoken at once")
    if fmt not in FORMATS:
        return error(400, f"'response_format' must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not SPEEDS[0] <= speed <= SPEEDS[1]:
        return error(400, f"'speed' must be a number from {SPEEDS[0]} to {SPEEDS[1]}, not {speed!r}")
    for key in ("model", "voice"):
        if data.get(key) is not None and not isinstance(data[key], str):
            return error(400, f"'{key}' must be a string")
    svc = service()
    voices = all_voices(svc.settings.voices)
    name = next((n for n in (data.get("voice"), data.get("model")) if n in voices), None)
    if name is None:
        return error(404, f"no voice {data.get('voice')!r}; the voices are {', '.join(voices)} "
                          "(GET /v1/models)", "not_found_error")
    limiter, who_key = svc.speech_limiter, who.requester
    if limiter is not None and not limiter.allow(who_key, cost=len(text)):
        wait = max(limiter.retry_after(who_key, cost=len(text)), 1)
        return error(429, f"more than {svc.settings.speech_chars_per_minute:,} characters a minute asked for "
                          f"by '{who.name}'; try again in {wait} s", "rate_limit_error",
                     {"Retry-After": str(wait)})
    try:
        wav = svc.runner.speak(text, name, voices[name].language, timeout=svc.settings.speech_timeout_s,
                               speed=float(speed))
    except TimeoutError as e:
        return error(504, str(e), "timeout_error", {"Retry-After": "5"})
    except InputError as e:
        return error(400, str(e))
    body = wav if fmt == "wav" else encoded(wav, fmt)
    return Response(body, mimetype=FORMATS[fmt], headers={"Cache-Control": "no-store"})


def encoded(wav: bytes, fmt: str) -> bytes:
    """A WAV as mp3 (mono, 64 kbit/s) or pcm (raw 16-bit little-endian mono at PCM_RATE), by ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise RuntimeError("ffmpeg is not installed (apt-get install ffmpeg)")
    out = ["-f", "mp3", "-b:a", "64k"] if fmt == "mp3" else ["-f", "s16le", "-acodec", "pcm_s16le", "-ar",
                                                               str(PCM_RATE)]
    done = subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-f", "wav", "-i", "pipe:0", "-ac", "1", *out,
                           "pipe:1"], input=wav, capture_output=True, timeout=ENCODE_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {done.stderr.decode('utf-8', 'replace').strip()[-300:]}")
    return done.stdout


__all__ = ["FORMATS", "MAX_INPUT_CHARS", "bp", "encoded", "error", "limiter"]
