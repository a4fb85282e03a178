"""Speech engines behind one small Protocol, chosen by name from a registry."""
from __future__ import annotations

import importlib
import json
import os
import re
import select
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from .errors import SynthesisError, VoiceError
from .voices import Voice


@dataclass(frozen=True)
class AudioChunk:
    """Synthesised speech: mono signed 16-bit little-endian PCM."""

    pcm: bytes
    """The samples."""
    sample_rate: int
    """Samples per second."""

    @property
    def duration_ms(self) -> float:
        """Length in milliseconds."""
        return len(self.pcm) / 2 / self.sample_rate * 1000

    def write_wav(self, f: BinaryIO) -> None:
        """Write the clip as a WAV file (mono, 16-bit) to an open binary file."""
        with wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.sample_rate or 22050)
            w.writeframes(self.pcm)

    @classmethod
    def read_wav(cls, f: BinaryIO | str) -> AudioChunk:
        """A clip from a mono 16-bit WAV file (wave.Error or EOFError if it is not one)."""
        with wave.open(f, "rb") as w:
            return cls(w.readframes(w.getnframes()), w.getframerate())


PhonemeCheck = Callable[[str], "str | None"]
"""Says why a phoneme string is not valid for an engine, or None when it is."""


class Engine(Protocol):
    """What every engine adapter offers."""

    model_id: str
    """Identifies exactly what makes the sound (engine, voice, model version), for caching."""

    def synthesize(self, text: str) -> AudioChunk:
        """Speak `text`; raise SynthesisError on failure."""
        ...

    def close(self) -> None:
        """Release the engine (processes, models)."""
        ...


MAX_WORD_CHARS = 100
"""A token (letters without a space, or one [[phonemes]] entry) longer than this is not something a
voice can say: it is dropped, never handed to an engine. The longest words of English and German
dictionaries stay under 70 letters; a 6,000-character run of dotted letters or a pasted blob is
not read for minutes, nor can it grow an engine's memory."""

_TOKEN = re.compile(r"\[\[[^\[\]]*\]\]\S*|\S+")
"""A word with what clings to it, or a whole [[phonemes]] entry (its spaces are not word breaks)."""


def pieces(text: str, max_chars: int) -> list[str]:
    """`text` cut into pieces of at most `max_chars` characters for an engine: after clause
    punctuation (`,` `;` `:`) where it can be, so the voice pauses where a reader would, else
    between words; a token longer than MAX_WORD_CHARS is dropped. Linear in the text's length.
    """
    if len(text) <= max_chars and not any(len(t) > MAX_WORD_CHARS for t in text.split()):
        return [text] if text.strip() else []
    out: list[str] = []
    clause: list[str] = []  # words of the clause being gathered
    size = 0

    def flush() -> None:
        nonlocal size
        if not clause:
            return
        joined = " ".join(clause)
        if out and len(out[-1]) + 1 + len(joined) <= max_chars and out[-1][-1] in ",;:":
            out[-1] += " " + joined  # short clauses travel together
        else:
            out.append(joined)
        clause.clear()
        size = 0

    for token in _TOKEN.findall(text):
        if len(token) > MAX_WORD_CHARS or len(token) > max_chars:
            continue
        if size and size + 1 + len(token) > max_chars:
            flush()  # a clause too long for one piece is cut between words
        clause.append(token)
        size += len(token) + (1 if size else 0)
        if token[-1] in ",;:" and not token.endswith("]]"):
            flush()
    flush()
    return out


class PiperEngine:
    """Piper neural TTS; the model comes from a Python voice package, loaded once."""

    MAX_CHARS = 150
    """Longer sentences are spoken clause by clause (then word group by word group: `pieces`):
    onnxruntime's memory grows with the input,
    and the seed's 213-character sentence alone takes the process from 340 to 440 MB."""

    def __init__(self, voice: Voice):
        try:
            import onnxruntime
            from piper import PiperVoice, SynthesisConfig
            from piper.config import PiperConfig
        except ImportError:
            raise VoiceError("the piper engine needs the piper-tts package") from None
        try:
            package = importlib.import_module(voice.engine_voice)
            model, config = package.model_path(), package.config_path()
        except (ImportError, AttributeError):
            raise VoiceError(f"Piper voice package '{voice.engine_voice}' is not installed") from None
        try:
            options = onnxruntime.SessionOptions()
            # Memory patterns pre-plan buffers per input shape; with sentences of every length
            # they only grow the peak: off, the seed article peaks at 447 MB instead of 533 MB.
            options.enable_mem_pattern = False
            session = onnxruntime.InferenceSession(str(model), sess_options=options,
                                                   providers=["CPUExecutionProvider"])
            piper_config = PiperConfig.from_dict(json.loads(Path(config).read_text(encoding="utf-8")))
            self._voice = PiperVoice(config=piper_config, session=session)
        except Exception as e:  # onnxruntime raises its own types for a corrupt model
            raise VoiceError(f"Piper model {model} cannot be loaded: {e}") from None
        self._config = SynthesisConfig(length_scale=1.0 / voice.rate)
        version = getattr(package, "__version__", "") or _dist_version(voice.engine_voice)
        self.model_id = (f"piper:{voice.engine_voice}:{version}:rate={voice.rate}"
                         f":pieces={self.MAX_CHARS}/{MAX_WORD_CHARS}")

    @staticmethod
    def phoneme_checker(voice: Voice) -> PhonemeCheck:
        """Phonemes (inside [[ ]]) must be symbols of the voice model's inventory (IPA)."""
        try:
            package = importlib.import_module(voice.engine_voice)
            config = json.loads(Path(package.config_path()).read_text(encoding="utf-8"))
            known = set(config["phoneme_id_map"])
        except (ImportError, AttributeError, OSError, KeyError, ValueError):
            raise VoiceError(f"Piper voice package '{voice.engine_voice}' is missing or broken") from None

        def check(phonemes: str) -> str | None:
            unknown = sorted({ch for ch in phonemes if ch not in known and not ch.isspace()})
            return f"not in the voice's phoneme set: {' '.join(unknown)}" if unknown else None

        return check

    def synthesize(self, text: str) -> AudioChunk:
        chunks: list = []  # piper.AudioChunk
        try:
            for part in pieces(text, self.MAX_CHARS):
                chunks.extend(self._voice.synthesize(part, syn_config=self._config))
        except Exception as e:
            raise SynthesisError(f"piper failed: {e}") from None
        rate = chunks[0].sample_rate if chunks else self._voice.config.sample_rate
        return AudioChunk(b"".join(c.audio_int16_bytes for c in chunks), rate)

    def close(self) -> None:
        """Nothing to release: the model goes with the object (onnxruntime frees it)."""


def _dist_version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package.replace("_", "-"))
    except PackageNotFoundError:
        return "unknown"


class Pyttsx3Engine:
    """System voices through pyttsx3 (espeak-ng on Linux), run in a dedicated worker process.

    pyttsx3's engine is process-wide and may hang or deadlock on a second call, so it lives
    in a child process (narrator.pyttsx3_worker); every call is bounded by a timeout, and a
    stuck or dead worker is replaced on the next call.
    """

    START_TIMEOUT_S = 20.0
    """Time allowed for the worker to import pyttsx3 and list voices."""
    MAX_CHARS = 400
    """Longest piece handed to espeak-ng in one utterance: a bound on what one call can cost (a
    sentence is rarely longer; a longer one is cut after clause punctuation, then between words)."""

    @staticmethod
    def phoneme_checker(voice: Voice) -> PhonemeCheck:
        """espeak-ng phoneme mnemonics (inside [[ ]]) are printable ASCII."""

        def check(phonemes: str) -> str | None:
            bad = sorted({ch for ch in phonemes if not (" " <= ch <= "~")})
            return f"espeak-ng phoneme mnemonics are ASCII, not {' '.join(bad)}" if bad else None

        return check

    def __init__(self, voice: Voice):
        self._voice_id = voice.engine_voice
        self._rate = round(175 * voice.rate)  # espeak's normal speed is 175 words per minute
        self._proc: subprocess.Popen | None = None
        self._start()
        self.model_id = (f"pyttsx3:{self._resolved}:{_dist_version('pyttsx3')}:rate={self._rate}"
                         f":pieces={self.MAX_CHARS}/{MAX_WORD_CHARS}")

    def _start(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "narrator.pyttsx3_worker", self._voice_id, str(self._rate)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._buffer = bytearray()
        header = self._read_header(time.monotonic() + self.START_TIMEOUT_S, "starting pyttsx3")
        if not header.get("ok"):
            self.close()
            raise VoiceError(header.get("error", "pyttsx3 failed to start"))
        self._resolved = header["ready"]

    def _fill(self, deadline: float, what: str) -> None:
        """Read what the worker has sent into the buffer, waiting until `deadline` at most."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            self.close()
            raise SynthesisError(f"pyttsx3 timed out while {what}")
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            self.close()
            raise SynthesisError(f"pyttsx3 worker died while {what}")
        self._buffer += chunk

    def _read_header(self, deadline: float, what: str) -> dict:
        while b"\n" not in self._buffer:
            self._fill(deadline, what)
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        return json.loads(line)

    def _read_exact(self, size: int, deadline: float, what: str) -> bytes:
        while len(self._buffer) < size:
            self._fill(deadline, what)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def synthesize(self, text: str) -> AudioChunk:
        """Speak `text` in pieces of at most MAX_CHARS (`pieces`), one utterance each."""
        clips = [self._utter(part) for part in pieces(text, self.MAX_CHARS)]
        rate = next((c.sample_rate for c in clips), 22050)
        return AudioChunk(b"".join(c.pcm for c in clips), rate)

    def _utter(self, text: str) -> AudioChunk:
        if self._proc is None or self._proc.poll() is not None:
            self.close()  # a worker that died: its pipes go with it
            self._start()
        assert self._proc is not None and self._proc.stdin is not None
        what = f"speaking {text[:40]!r}"
        try:
            self._proc.stdin.write(json.dumps({"text": text}).encode() + b"\n")
            self._proc.stdin.flush()
        except OSError:
            self.close()
            raise SynthesisError(f"pyttsx3 worker died before {what}") from None
        deadline = time.monotonic() + 10 + len(text) / 20
        header = self._read_header(deadline, what)
        if not header.get("ok"):
            raise SynthesisError(f"pyttsx3 failed: {header.get('error')}")
        return AudioChunk(self._read_exact(header["bytes"], deadline, what), header["rate"])

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


ENGINES: dict[str, type[PiperEngine] | type[Pyttsx3Engine]] = {
    "piper": PiperEngine,
    "pyttsx3": Pyttsx3Engine,
}
"""Engine adapters by the name a voice profile gives."""


def phoneme_checker(voice: Voice) -> PhonemeCheck:
    """The check a voice's phoneme entries must pass, without starting its engine."""
    return _engine_class(voice).phoneme_checker(voice)


def _engine_class(voice: Voice):  # noqa: ANN202
    try:
        return ENGINES[voice.engine]
    except KeyError:
        raise VoiceError(f"voice '{voice.name}' names unknown engine '{voice.engine}' "
                         f"(known: {', '.join(sorted(ENGINES))})") from None


def open_engine(voice: Voice) -> Engine:
    """Start the engine a voice profile names."""
    return _engine_class(voice)(voice)
