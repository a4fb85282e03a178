"""Speech engines behind one small Protocol, chosen by name from a registry."""
from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
import tempfile
import threading
import wave
from dataclasses import dataclass
from typing import Callable, Protocol

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


class PiperEngine:
    """Piper neural TTS; the model comes from a Python voice package, loaded once."""

    def __init__(self, voice: Voice):
        try:
            from piper import PiperVoice, SynthesisConfig
        except ImportError:
            raise VoiceError("the piper engine needs the piper-tts package") from None
        try:
            package = importlib.import_module(voice.engine_voice)
            model, config = package.model_path(), package.config_path()
        except (ImportError, AttributeError):
            raise VoiceError(f"Piper voice package '{voice.engine_voice}' is not installed") from None
        try:
            self._voice = PiperVoice.load(str(model), config_path=str(config))
        except Exception as e:  # onnxruntime raises its own types for a corrupt model
            raise VoiceError(f"Piper model {model} cannot be loaded: {e}") from None
        self._config = SynthesisConfig(length_scale=1.0 / voice.rate)
        version = getattr(package, "__version__", "") or _dist_version(voice.engine_voice)
        self.model_id = f"piper:{voice.engine_voice}:{version}:rate={voice.rate}"

    def synthesize(self, text: str) -> AudioChunk:
        try:
            chunks = list(self._voice.synthesize(text, syn_config=self._config))
        except Exception as e:
            raise SynthesisError(f"piper failed: {e}") from None
        rate = chunks[0].sample_rate if chunks else self._voice.config.sample_rate
        return AudioChunk(b"".join(c.audio_int16_bytes for c in chunks), rate)

    def close(self) -> None:
        self._voice = None


def _dist_version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package.replace("_", "-"))
    except PackageNotFoundError:
        return "unknown"


def _pyttsx3_worker(conn, voice_id: str, rate_wpm: int) -> None:  # noqa: ANN001
    """Owns the process-wide pyttsx3 engine; answers ('ok', pcm, rate) or ('error', message)."""
    sys.stdout = open(os.devnull, "w")  # the espeak driver prints "Audio saved to ..."
    try:
        import pyttsx3

        engine = pyttsx3.init("espeak" if sys.platform.startswith("linux") else None)
    except Exception as e:  # a missing libespeak-ng surfaces as OSError or RuntimeError
        conn.send(("error", f"pyttsx3 cannot start: {e} (install espeak-ng: apt-get install espeak-ng)"))
        return
    ids = {v.id: v for v in engine.getProperty("voices")}
    chosen = voice_id if voice_id in ids else None
    if chosen is None:  # a language tag: find espeak's voice for it
        want = voice_id.lower()
        for base in (want, want.split("-")[0]):
            chosen = next((i for i, v in ids.items()
                           if any(str(lang).lower() == base for lang in v.languages)), None)
            if chosen:
                break
    if chosen is None:
        conn.send(("error", f"no system voice for '{voice_id}'"))
        return
    engine.setProperty("voice", chosen)
    engine.setProperty("rate", rate_wpm)  # set before the first utterance: later changes can be lost
    finished = threading.Event()
    engine.connect("finished-utterance", lambda name, completed: finished.set())
    conn.send(("ready", chosen))
    with tempfile.TemporaryDirectory(prefix="narrator-tts-") as tmp:
        path = os.path.join(tmp, "clip.wav")
        while True:
            text = conn.recv()
            if text is None:
                return
            finished.clear()
            try:
                engine.save_to_file(text, path)
                engine.runAndWait()
                # runAndWait can return before the file is written: wait for the event.
                if not finished.wait(60):
                    conn.send(("error", "no finished-utterance event"))
                    continue
                with wave.open(path, "rb") as w:
                    conn.send(("ok", w.readframes(w.getnframes()), w.getframerate()))
                os.unlink(path)
            except Exception as e:
                conn.send(("error", str(e)))


class Pyttsx3Engine:
    """System voices through pyttsx3 (espeak-ng on Linux), run in a dedicated worker process.

    pyttsx3's engine is process-wide and may hang or deadlock on a second call, so it lives
    in a child process; every call is bounded by a timeout, and a stuck worker is replaced.
    """

    START_TIMEOUT_S = 20.0
    """Time allowed for the worker to import pyttsx3 and list voices."""

    def __init__(self, voice: Voice):
        self._voice_id = voice.engine_voice
        self._rate = round(175 * voice.rate)  # espeak's normal speed is 175 words per minute
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn = None
        self._start()
        self.model_id = f"pyttsx3:{self._resolved}:{_dist_version('pyttsx3')}:rate={self._rate}"

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_pyttsx3_worker, args=(child, self._voice_id, self._rate),
                                 daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        kind, detail = self._receive(self.START_TIMEOUT_S, "starting pyttsx3")
        if kind != "ready":
            self.close()
            raise VoiceError(detail)
        self._resolved = detail

    def _receive(self, timeout: float, what: str) -> tuple:
        assert self._conn is not None
        try:
            if self._conn.poll(timeout):
                return self._conn.recv()
        except (EOFError, OSError):
            self.close()
            raise SynthesisError(f"pyttsx3 worker died while {what}") from None
        self.close()
        raise SynthesisError(f"pyttsx3 timed out after {timeout:.0f} s while {what}")

    def synthesize(self, text: str) -> AudioChunk:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        assert self._conn is not None
        self._conn.send(text)
        reply = self._receive(10 + len(text) / 20, f"speaking {text[:40]!r}")
        if reply[0] != "ok":
            raise SynthesisError(f"pyttsx3 failed: {reply[1]}")
        return AudioChunk(reply[1], reply[2])

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(2)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()
            self._proc = None


ENGINES: dict[str, Callable[[Voice], Engine]] = {
    "piper": PiperEngine,
    "pyttsx3": Pyttsx3Engine,
}
"""Engine adapters by the name a voice profile gives."""


def open_engine(voice: Voice) -> Engine:
    """Start the engine a voice profile names."""
    try:
        factory = ENGINES[voice.engine]
    except KeyError:
        raise VoiceError(f"voice '{voice.name}' names unknown engine '{voice.engine}' "
                         f"(known: {', '.join(sorted(ENGINES))})") from None
    return factory(voice)
