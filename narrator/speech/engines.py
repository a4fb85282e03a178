"""Speech engines behind one small Protocol, chosen by name from a registry."""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import re
import select
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from ..config import Settings
from ..errors import SynthesisError, VoiceError
from .align import Aligner
from .onnx_outputs import with_output_of
from .pieces import MAX_WORD_CHARS, cut
from .remote import SpeechClient
from .voices import Voice, all_voices
from .words import WordMark, even_timeline, marks_from_phonemes, marks_from_starts


@dataclass(frozen=True)
class AudioChunk:
    """Synthesised speech: mono signed 16-bit little-endian PCM."""

    pcm: bytes
    """The samples."""
    sample_rate: int
    """Samples per second."""
    words: tuple[WordMark, ...] | None = None
    """When each word of the text was said, in order; None when the engine does not say."""

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
    lanes: int
    """Texts it may be given at once, from as many threads (1: one at a time)."""

    def synthesize(self, text: str) -> AudioChunk:
        """Speak `text` (with its words' marks, if the engine gives them); raise SynthesisError on failure."""
        ...

    def close(self) -> None:
        """Release the engine (processes, models)."""
        ...


@dataclass(frozen=True)
class EngineOptions:
    """How engines are opened: what the operator set (narrator.config.Settings) that engines use."""

    words: bool = True
    """Ask when each word is said (Settings.word_timings); an engine that cannot say gives no marks."""
    lanes: int = 1
    """Sentences a Piper voice synthesises side by side (Settings.lanes)."""
    remote_concurrency: int = 4
    """Sentences in flight at once to a remote voice's server (Settings.remote_concurrency)."""
    remote_timeout_s: float = 60.0
    """Longest wait for one answer of a remote voice's server (Settings.remote_timeout_s)."""

    @classmethod
    def from_settings(cls, settings: Settings, words: bool | None = None) -> EngineOptions:
        """The options `settings` give (`words` overrides Settings.word_timings)."""
        return cls(bool(settings.word_timings) if words is None else words, settings.lanes,
                   settings.remote_concurrency, settings.remote_timeout_s)


class PiperEngine:
    """Piper neural TTS: a model from a Python voice package (`engine_voice`) or a Piper voice file
    (`model = "PATH.onnx"`, its .onnx.json beside it), loaded once.

    With lanes, several sentences are synthesised at once, from as many threads, in the one model
    (onnxruntime's sessions may be run concurrently; Piper's phonemiser has its own lock)."""

    MAX_CHARS = 150
    """Longer sentences are spoken clause by clause (then word group by word group: `cut`):
    onnxruntime's memory grows with the input,
    and the seed's 213-character sentence alone takes the process from 340 to 440 MB."""

    def __init__(self, voice: Voice, options: EngineOptions | None = None):
        options = options or EngineOptions()
        words = options.words
        try:
            import onnxruntime
            from piper import PiperVoice, SynthesisConfig
            from piper.config import PiperConfig
        except ImportError:
            raise VoiceError("the piper engine needs the piper-tts package") from None
        model, config = self.files(voice)
        self.lanes = max(1, options.lanes)
        try:
            session_options = onnxruntime.SessionOptions()
            # Memory patterns pre-plan buffers per input shape; with sentences of every length
            # they only grow the peak: off, the seed article peaks at 447 MB instead of 533 MB.
            session_options.enable_mem_pattern = False
            if self.lanes > 1:
                # Sentences side by side: each run on one thread, so the lanes share the cores instead
                # of every run's threads spinning for all of them (bench/bench_parallel.py).
                session_options.intra_op_num_threads = 1
                session_options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            # With words, the model's phoneme durations (its Ceil node) are made an output: Piper's
            # alignments. A model without them is read by sentence (narrator.speech.onnx_outputs).
            with with_output_of(Path(model), "Ceil") if words else nullcontext() as aligned:
                self._words = aligned is not None
                session = onnxruntime.InferenceSession(str(aligned or model), sess_options=session_options,
                                                       providers=["CPUExecutionProvider"])
            piper_config = PiperConfig.from_dict(json.loads(Path(config).read_text(encoding="utf-8")))
            self._voice = PiperVoice(config=piper_config, session=session)
        except Exception as e:  # onnxruntime raises its own types for a corrupt model
            raise VoiceError(f"Piper model {model} cannot be loaded: {e}") from None
        self._config = SynthesisConfig(length_scale=1.0 / voice.rate)
        self._phonemes: dict[str, list[str]] = {}
        self.model_id = (f"piper:{self._identity(voice, model, config)}:rate={voice.rate}"
                         f":pieces={self.MAX_CHARS}/{MAX_WORD_CHARS}" + (":words" if self._words else ""))

    @staticmethod
    def files(voice: Voice) -> tuple[Path, Path]:
        """The model and its config: the profile's voice file, or its voice package's; VoiceError."""
        if voice.model:
            model = voice.model_path
            config = model.with_name(model.name + ".json")
            for path in (model, config):
                if not path.is_file():
                    raise voice.error("model", f"the Piper voice file {path} does not exist")
            return model, config
        if not voice.engine_voice:
            raise voice.error("engine", "a piper profile needs a 'model' (a Piper voice file, PATH.onnx) "
                                        "or an 'engine_voice' (a Python voice package)")
        try:
            package = importlib.import_module(voice.engine_voice)
            return Path(package.model_path()), Path(package.config_path())
        except (ImportError, AttributeError):
            raise VoiceError(f"Piper voice package '{voice.engine_voice}' is not installed") from None

    @staticmethod
    def _identity(voice: Voice, model: Path, config: Path) -> str:
        """A voice package by name and version; a voice file by its content (its name can be reused)."""
        if not voice.model:
            package = importlib.import_module(voice.engine_voice)
            version = getattr(package, "__version__", "") or _dist_version(voice.engine_voice)
            return f"{voice.engine_voice}:{version}"
        digest = hashlib.sha256(config.read_bytes())
        with open(model, "rb") as f:  # 60 MB in about 0.1 s
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return f"file:{model.name}:{digest.hexdigest()[:16]}"

    @staticmethod
    def check(voice: Voice) -> None:
        """VoiceError naming the profile's line if it cannot work: its voice file or package missing, a
        config that is not a Piper voice's, or one for another language than the profile's."""
        if not voice.model:
            if not voice.engine_voice:
                PiperEngine.files(voice)  # says what is missing
            if importlib.util.find_spec(voice.engine_voice) is None:
                raise voice.error("engine_voice",
                                  f"the Piper voice package '{voice.engine_voice}' is not installed")
            return
        _, config = PiperEngine.files(voice)
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
            data["phoneme_id_map"], data["audio"]["sample_rate"]  # noqa: B018 - what Piper reads
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            raise voice.error("model", f"{config} is not a Piper voice's config") from None
        spoken = (data.get("language") or {}).get("code") or (data.get("espeak") or {}).get("voice") or ""
        if spoken and _base(spoken) != _base(voice.language):
            raise voice.error("language", f"the voice file speaks '{spoken}' (its .onnx.json), the profile "
                                          f"says language = '{voice.language}'")

    @staticmethod
    def phoneme_checker(voice: Voice) -> PhonemeCheck:
        """Phonemes (inside [[ ]]) must be symbols of the voice model's inventory (IPA)."""
        try:
            config = json.loads(PiperEngine.files(voice)[1].read_text(encoding="utf-8"))
            known = set(config["phoneme_id_map"])
        except (OSError, KeyError, ValueError, VoiceError):
            what = voice.model or voice.engine_voice
            raise VoiceError(f"Piper voice '{what}' is missing or broken") from None

        def check(phonemes: str) -> str | None:
            unknown = sorted({ch for ch in phonemes if ch not in known and not ch.isspace()})
            return f"not in the voice's phoneme set: {' '.join(unknown)}" if unknown else None

        return check

    def synthesize(self, text: str) -> AudioChunk:
        audio: list[bytes] = []
        marks: list[WordMark] = []
        samples = 0
        try:
            for piece in cut(text, self.MAX_CHARS):
                timeline: list[tuple[str, int, int]] = []
                start = samples
                for chunk in self._voice.synthesize(piece.text, syn_config=self._config,
                                                    include_alignments=self._words):
                    pcm = chunk.audio_int16_bytes
                    audio.append(pcm)
                    if self._words:
                        timeline += _timeline(chunk, samples - start, len(pcm) // 2)
                    samples += len(pcm) // 2
                if self._words:
                    tokens = [(a, b, self._said_alone(piece.text[a:b])) for a, b, _, _ in piece.tokens]
                    marks += piece.to_text(marks_from_phonemes(tokens, timeline), start)
        except Exception as e:
            raise SynthesisError(f"piper failed: {e}") from None
        return AudioChunk(b"".join(audio), self._voice.config.sample_rate,
                          tuple(marks) if self._words else None)

    def _said_alone(self, word: str) -> list[str]:
        """The phonemes of `word` said on its own (remembered: the same words come back)."""
        phonemes = self._phonemes.get(word)
        if phonemes is None:
            if len(self._phonemes) >= 50_000:  # a bound on the memory: about 10 MB
                self._phonemes.clear()
            phonemes = self._phonemes[word] = [p for s in self._voice.phonemize(word) for p in s]
        return phonemes

    def close(self) -> None:
        """Nothing to release: the model goes with the object (onnxruntime frees it)."""


def _timeline(chunk, offset: int, samples: int) -> list[tuple[str, int, int]]:  # noqa: ANN001 - piper.AudioChunk
    """(phoneme, first sample, end sample) of each phoneme Piper said for one chunk, `offset` samples
    into the piece; evenly spread over the chunk when Piper could not align it (a phoneme missing from
    the voice's inventory)."""
    if not chunk.phoneme_alignments:
        timeline = even_timeline(chunk.phonemes, samples)
    else:
        timeline, at = [], 0
        for a in chunk.phoneme_alignments:
            timeline.append((a.phoneme, at, at + int(a.num_samples)))
            at += int(a.num_samples)
    return [(p, offset + start, offset + end) for p, start, end in timeline]


def _base(language: str) -> str:
    """'de_DE' -> 'de'."""
    return language.replace("_", "-").split("-")[0].lower()


def _dist_version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package.replace("_", "-"))
    except PackageNotFoundError:
        return "unknown"


def _readable(fd: int, seconds: float) -> bool:
    """Whether `fd` has something to read within `seconds`. poll, not select: select fails on a
    descriptor numbered 1024 or more, which a long-running server with many connections reaches."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(max(seconds, 0) * 1000))


class Pyttsx3Engine:
    """System voices through pyttsx3 (espeak-ng on Linux), run in a dedicated worker process.

    pyttsx3's engine is process-wide and may hang or deadlock on a second call, so it lives
    in a child process (narrator.speech.pyttsx3_worker); every call is bounded by a timeout, and a
    stuck or dead worker is replaced on the next call.
    """

    START_TIMEOUT_S = 20.0
    """Time allowed for the worker to import pyttsx3 and list voices."""
    lanes = 1
    """One utterance at a time: the worker process speaks them in turn."""
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

    @staticmethod
    def check(voice: Voice) -> None:
        """VoiceError naming the profile's line without an espeak voice id (whether espeak-ng knows it
        is found when the engine starts)."""
        if not voice.engine_voice:
            raise voice.error("engine_voice",
                              "a pyttsx3 profile needs an 'engine_voice' (an espeak-ng voice id)")

    def __init__(self, voice: Voice, options: EngineOptions | None = None):
        words = (options or EngineOptions()).words
        self._voice_id = voice.engine_voice
        self._rate = round(175 * voice.rate)  # espeak's normal speed is 175 words per minute
        self._words = words
        self._proc: subprocess.Popen | None = None
        self._start()
        self.model_id = (f"pyttsx3:{self._resolved}:{_dist_version('pyttsx3')}:rate={self._rate}"
                         f":pieces={self.MAX_CHARS}/{MAX_WORD_CHARS}" + (":words" if words else ""))

    def _start(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "narrator.speech.pyttsx3_worker", self._voice_id, str(self._rate)],
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
        if left <= 0 or not _readable(fd, left):
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
        """Speak `text` in pieces of at most MAX_CHARS (`cut`), one utterance each; the words' marks
        come from espeak-ng's word events (pyttsx3 reports no other engine's here)."""
        audio: list[bytes] = []
        marks: list[WordMark] = []
        samples, rate, known = 0, 0, self._words
        for piece in cut(text, self.MAX_CHARS):
            clip, starts = self._utter(piece.text)
            rate = rate or clip.sample_rate
            audio.append(clip.pcm)
            known = known and starts is not None  # None: a driver without word events (not espeak-ng)
            if known and starts is not None:
                tokens = [(a, b) for a, b, _, _ in piece.tokens]
                said = marks_from_starts(piece.text, tokens, starts, clip.pcm, clip.sample_rate)
                marks += piece.to_text(said, samples)
            samples += len(clip.pcm) // 2
        return AudioChunk(b"".join(audio), rate or 22050, tuple(marks) if known else None)

    def _utter(self, text: str) -> tuple[AudioChunk, list[tuple[int, int]] | None]:
        if self._proc is None or self._proc.poll() is not None:
            self.close()  # a worker that died: its pipes go with it
            self._start()
        assert self._proc is not None and self._proc.stdin is not None
        what = f"speaking {text[:40]!r}"
        try:
            self._proc.stdin.write(json.dumps({"text": text, "wpm": self._rate}).encode() + b"\n")
            self._proc.stdin.flush()
        except OSError:
            self.close()
            raise SynthesisError(f"pyttsx3 worker died before {what}") from None
        deadline = time.monotonic() + 10 + len(text) / 20
        header = self._read_header(deadline, what)
        if not header.get("ok"):
            raise SynthesisError(f"pyttsx3 failed: {header.get('error')}")
        words = header.get("words")
        starts = [(int(at), int(sample)) for at, sample in words] if words is not None else None
        pcm = self._read_exact(header["bytes"], deadline, what)
        if header.get("wpm") != self._rate:  # a clip at another speed than model_id says: never kept
            self.close()  # the next utterance gets a worker started anew
            raise SynthesisError(f"pyttsx3 spoke at {header.get('wpm')} words a minute instead of "
                                 f"{self._rate} (its rate was lost)")
        return AudioChunk(pcm, header["rate"]), starts

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


class OpenAIEngine:
    """A remote voice: any server that speaks the OpenAI speech API (narrator.speech.remote), asked for the
    profile's `model` and `engine_voice` at its `base_url`, with the key in the variable `api_key_env`.
    Such servers say nothing of when words are said: English words are placed by forced alignment
    (narrator.speech.align); in other languages the clips have no word marks (timed by sentence)."""

    MAX_CHARS = 4096
    """OpenAI's limit on one request's input; sentences are far shorter, a longer one is cut (`cut`)."""
    _PHONEMES = re.compile(r"\[\[[^\[\]]*\]\]\S*")
    """A [[phonemes]] entry of a lexicon: no remote server reads them, so they are not sent."""

    def __init__(self, voice: Voice, options: EngineOptions | None = None):
        options = options or EngineOptions()
        self.check(voice)
        key = os.environ.get(voice.api_key_env, "") if voice.api_key_env else None
        self._client = SpeechClient(voice.base_url, voice.model, voice.engine_voice, key,
                                    options.remote_timeout_s, voice.rate)
        self._aligner = Aligner.for_language(voice.language) if options.words else None
        self.lanes = max(1, options.remote_concurrency)
        self.model_id = (f"openai:{voice.base_url.rstrip('/')}:{voice.model}:{voice.engine_voice}"
                         f":speed={voice.rate}:pieces={self.MAX_CHARS}/{MAX_WORD_CHARS}"
                         + (":aligned" if self._aligner else ""))

    @staticmethod
    def check(voice: Voice) -> None:
        """VoiceError naming the profile's line for a missing server, model or voice, or a key variable
        that is not set."""
        if not voice.base_url.startswith(("http://", "https://")):
            raise voice.error("base_url", "an openai profile needs a 'base_url' (http:// or https://, the "
                                          "API root, e.g. https://api.openai.com/v1)")
        for key in ("model", "engine_voice"):
            if not getattr(voice, key):
                raise voice.error(key, f"an openai profile needs '{key}' (what the server is asked for)")
        if voice.api_key_env and not os.environ.get(voice.api_key_env):
            raise voice.error("api_key_env", f"the variable {voice.api_key_env} (api_key_env) is not set")

    @staticmethod
    def phoneme_checker(voice: Voice) -> PhonemeCheck:
        """A remote server reads no phonemes: every [[ ]] entry is refused."""
        return lambda phonemes: "a remote voice (engine openai) reads no phonemes; give a respelling"

    def synthesize(self, text: str) -> AudioChunk:
        text = self._PHONEMES.sub(lambda m: " " * len(m.group()), text)  # offsets kept
        audio: list[bytes] = []
        marks: list[WordMark] = []
        samples, rate = 0, 0
        for piece in cut(text, self.MAX_CHARS):
            clip = self._client.speech(piece.text)
            if rate and clip.sample_rate != rate:
                raise SynthesisError(f"the server changed its sample rate ({rate} -> {clip.sample_rate} Hz)")
            rate = clip.sample_rate
            audio.append(clip.pcm)
            if self._aligner is not None:
                tokens = [(a, b) for a, b, _, _ in piece.tokens]
                said = self._aligner.align(clip.pcm, rate, piece.text, tokens)
                marks += piece.to_text(said, samples) if said is not None else []
            samples += len(clip.pcm) // 2
        return AudioChunk(b"".join(audio), rate or 24000, tuple(marks) if self._aligner and marks else None)

    def close(self) -> None:
        """Nothing to release: each request opens and closes its own connection."""


ENGINES: dict[str, type[PiperEngine] | type[Pyttsx3Engine] | type[OpenAIEngine]] = {
    "piper": PiperEngine,
    "pyttsx3": Pyttsx3Engine,
    "openai": OpenAIEngine,
}
"""Engine adapters by the name a voice profile gives."""


def phoneme_checker(voice: Voice) -> PhonemeCheck:
    """The check a voice's phoneme entries must pass, without starting its engine."""
    return _engine_class(voice).phoneme_checker(voice)


def check_voice(voice: Voice) -> None:
    """VoiceError naming the profile's file and line if its engine could not use it, found without
    starting the engine (for the start of `narrator serve`, `worker` and `voices`)."""
    _engine_class(voice).check(voice)


def checked_voices(folder: str | Path | None = None) -> dict[str, Voice]:
    """Every profile (the shipped ones, then the operator's `folder`: Settings.voices), each checked as
    its engine would use it. A profile that cannot work stops the start of `narrator serve` (and the
    app under gunicorn), `narrator worker` and `narrator voices` with its file and line (VoiceError)."""
    voices = all_voices(folder)
    for voice in voices.values():
        check_voice(voice)
    return voices


def _engine_class(voice: Voice):  # noqa: ANN202
    try:
        return ENGINES[voice.engine]
    except KeyError:
        known = ", ".join(sorted(ENGINES))
        if voice.source is not None:
            raise voice.error("engine", f"unknown engine '{voice.engine}' (known: {known})") from None
        raise VoiceError(f"voice '{voice.name}' names unknown engine '{voice.engine}' "
                         f"(known: {known})") from None


def open_engine(voice: Voice, words: bool = True, options: EngineOptions | None = None) -> Engine:
    """Start the engine a voice profile names; with `words`, asking it when each word is said (an
    engine that cannot say gives clips without word marks). `options` (which hold `words` too) say
    how many sentences it may take at once."""
    return _engine_class(voice)(voice, options or EngineOptions(words=words))
