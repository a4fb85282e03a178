"""Voice profiles: data files that name an engine, its voice, speed, pauses and lexicons.

The shipped profiles live in the repository's top-level `voices/` folder, installed inside the
package as `narrator.voice_data` (pyproject.toml maps the one onto the other), so `pip install .`
carries them. An operator adds profiles in a folder of their own (HOME/voices, or NARRATOR_VOICES_DIR:
`Settings.voices`), in the same format: they are read after the shipped ones, and one with a shipped
profile's name replaces it. A profile that cannot be used is a VoiceError naming its file and line.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib.resources import files
from pathlib import Path

from ..errors import VoiceError

DEFAULT_DIR = Path(str(files("narrator.voice_data")))
"""The shipped profiles (the repository's voices/ folder, or its installed copy)."""


@dataclass(frozen=True)
class Voice:
    """A voice profile."""

    name: str
    """The profile's name, as given to --voice."""
    engine: str
    """Engine adapter name: 'piper', 'pyttsx3' or 'openai' (narrator.speech.engines.ENGINES)."""
    engine_voice: str = ""
    """The engine's own voice id: a Python package carrying a Piper model, an espeak voice id, the
    voice a remote server is asked for."""
    language: str = "en"
    """Language the profile speaks."""
    description: str = ""
    """One line for listings."""
    default_for: tuple[str, ...] = ()
    """Languages for which this profile is the default."""
    fallback: bool = False
    """Whether this profile reads languages that no other profile is the default for."""
    rate: float = 1.0
    """Speed multiplier (1.0 is the engine's normal speed)."""
    sentence_pause_ms: int = 150
    """Silence after a sentence."""
    paragraph_pause_ms: int = 600
    """Silence after a paragraph."""
    heading_pause_ms: int = 1000
    """Silence before and after a heading."""
    min_words_per_second: float = 1.0
    """Truncation guard: a clip slower than this is suspect."""
    max_words_per_second: float = 7.0
    """Truncation guard: a clip faster than this is suspect (cut short)."""
    gain_db: float = 0.0
    """The loudness gain that brings this voice's speech near the target (-16 LUFS), for audio played
    before a narration is complete and measured (the live stream, narrator.audio.stream)."""
    ms_per_char: float = 55.0
    """Milliseconds of speech per spoken character, for the estimated length of a narration (both
    shipped voices measure about 55: bench/bench_voice_pace.py), and for the pace check of clips."""
    pace_measured: bool = False
    """Whether `ms_per_char` was measured for what this profile speaks (its file gives it; not when a
    fallback profile reads another language): only then is a clip's pace checked before it is cached."""
    lexicon: str = ""
    """Pronunciation lexicon file (respellings), relative to the voices folder."""
    phoneme_lexicon: str = ""
    """This voice's own entries, which may give phonemes in its engine's notation."""
    model: str = ""
    """A Piper voice file (PATH.onnx, its PATH.onnx.json beside it), relative to the profile's folder;
    for engine 'openai', the model the server is asked for."""
    base_url: str = ""
    """Engine 'openai': the server's API root, e.g. https://api.openai.com/v1."""
    api_key_env: str = ""
    """Engine 'openai': the name of the environment variable that holds the server's key (empty: none)."""
    folder: Path = field(default=DEFAULT_DIR, compare=False)
    """The folder the profile was read from."""
    source: Path | None = field(default=None, compare=False, repr=False)
    """The profile's file (for errors that name its line)."""

    @property
    def lexicon_path(self) -> Path | None:
        """Absolute path of the lexicon file, if the profile names one."""
        return self.folder / self.lexicon if self.lexicon else None

    @property
    def phoneme_lexicon_path(self) -> Path | None:
        """Absolute path of the voice's own lexicon file, if the profile names one."""
        return self.folder / self.phoneme_lexicon if self.phoneme_lexicon else None

    @property
    def scripts(self) -> frozenset[str]:
        """The scripts this profile reads (a respelling in another is not said by it)."""
        return scripts_for(self.language)

    @property
    def model_path(self) -> Path:
        """The model file, as a path from the profile's folder (for a Piper voice file)."""
        return self.folder / Path(self.model).expanduser()

    def error(self, key: str, message: str) -> VoiceError:
        """A VoiceError about this profile's `key`, naming its file and the key's line."""
        if self.source is None:
            return VoiceError(f"voice '{self.name}': {message}")
        return VoiceError(f"{self.source}, line {_line_of(self.source, key)}: {message}")

    def for_language(self, language: str) -> Voice:
        """This profile speaking `language` (only fallback profiles change their engine voice)."""
        if language_base(language) == language_base(self.language) or not self.fallback:
            return self
        return replace(self, language=language, engine_voice=language, lexicon="", phoneme_lexicon="",
                       pace_measured=False)


SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "mn", "tt", "ba", "cv"),
                    frozenset({"Cyrillic"})),
    "el": frozenset({"Greek"}),
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ug", "sd"), frozenset({"Arabic"})),
    **dict.fromkeys(("he", "yi"), frozenset({"Hebrew"})),
    **dict.fromkeys(("hi", "mr", "ne", "sa", "kok"), frozenset({"Devanagari"})),
    **dict.fromkeys(("bn", "as"), frozenset({"Bengali"})),
    "pa": frozenset({"Gurmukhi"}), "gu": frozenset({"Gujarati"}), "or": frozenset({"Oriya"}),
    "ta": frozenset({"Tamil"}), "te": frozenset({"Telugu"}), "kn": frozenset({"Kannada"}),
    "ml": frozenset({"Malayalam"}), "si": frozenset({"Sinhala"}), "th": frozenset({"Thai"}),
    "lo": frozenset({"Lao"}), "my": frozenset({"Myanmar"}), "km": frozenset({"Khmer"}),
    "ka": frozenset({"Georgian"}), "hy": frozenset({"Armenian"}), "am": frozenset({"Ethiopic"}),
    "zh": frozenset({"Han"}), "yue": frozenset({"Han"}), "ja": frozenset({"Han", "Hiragana", "Katakana"}),
    "ko": frozenset({"Hangul", "Han"}),
}
"""The scripts a language is written in (as Unicode names its letters: narrator.speech.lexicon.script_of),
for languages not written in Latin letters; every other language is Latin. From CLDR's likely scripts."""


def scripts_for(language: str) -> frozenset[str]:
    """The scripts a voice speaking `language` reads (Latin unless SCRIPTS says otherwise)."""
    return SCRIPTS.get(language_base(language), frozenset({"Latin"}))


def language_base(tag: str) -> str:
    """'pt-BR' -> 'pt'."""
    return tag.replace("_", "-").split("-")[0].lower()


_KINDS = {"str": (str,), "float": (int, float), "int": (int,), "bool": (bool,)}
"""What a TOML value of each field type may be (a whole number is a float too)."""
PROFILE_KEYS = tuple(f.name for f in fields(Voice) if f.name not in ("folder", "source", "pace_measured"))
"""The keys a profile may have."""


def _line_of(path: Path, key: str) -> int:
    """The line of `path` where `key` is given (1 when it is not: a key that is missing)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 1
    found = re.search(rf'^[ \t]*["\']?{re.escape(key)}["\']?[ \t]*=', text, re.M)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _error(path: Path, key: str, message: str) -> VoiceError:
    return VoiceError(f"{path}, line {_line_of(path, key)}: {message}")


def _checked(path: Path, key: str, value: object, kind: str) -> object:
    """`value` if it is of the field's type (a list of strings for a tuple), else VoiceError."""
    if kind.startswith("tuple"):
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise _error(path, key, f"'{key}' must be a list of strings")
        return tuple(value)
    allowed = _KINDS[kind]
    if not isinstance(value, allowed) or (bool not in allowed and isinstance(value, bool)):
        name = {"str": "a string", "float": "a number", "int": "a whole number",
                "bool": "true or false"}[kind]
        raise _error(path, key, f"'{key}' must be {name}, not {value!r}")
    return value


def _parse(path: Path) -> Voice:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:  # its message ends "(at line N, column M)"
        found = re.search(r"\(at line (\d+), column \d+\)", str(e))
        line = found.group(1) if found else "1"
        raise VoiceError(f"{path}, line {line}: not TOML: {str(e).split(' (at ')[0]}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise VoiceError(f"{path}: unreadable: {e}") from None
    types = {f.name: str(f.type) for f in fields(Voice)}
    for key, value in data.items():
        if key not in PROFILE_KEYS:
            raise _error(path, key, f"unknown key '{key}' (known: {', '.join(PROFILE_KEYS)})")
        data[key] = _checked(path, key, value, types[key])
    for key in ("name", "engine"):
        if not data.get(key):
            raise _error(path, key, f"the profile needs a '{key}'")
    for key in ("rate", "min_words_per_second", "max_words_per_second", "ms_per_char"):
        if key in data and not data[key] > 0:
            raise _error(path, key, f"'{key}' must be above 0")
    data["pace_measured"] = "ms_per_char" in data  # else the pace is a guess, not checked against
    return Voice(**data, folder=path.parent, source=path)


def all_voices(extra: str | Path | None = None) -> dict[str, Voice]:
    """Every profile by name: the shipped ones, then those in the operator's `extra` folder (which win;
    `Settings.voices`). VoiceError naming the file and line of a profile that cannot be read."""
    voices = {}
    for folder in (DEFAULT_DIR, *([Path(extra)] if extra else [])):
        if extra and not folder.is_dir():
            raise VoiceError(f"the voices folder {folder} does not exist (NARRATOR_VOICES_DIR)")
        for path in sorted(folder.glob("*.toml")):
            voice = _parse(path)
            voices[voice.name] = voice
    return voices


def get_voice(name: str | None, language: str = "en", extra: str | Path | None = None) -> Voice:
    """The named profile, or the default for `language`; VoiceError when there is none. `extra` is
    the operator's folder of profiles (`Settings.voices`), read after the shipped ones."""
    voices = all_voices(extra)
    if name:
        if name not in voices:
            known = ", ".join(sorted(voices)) or "none"
            raise VoiceError(f"unknown voice '{name}' (known: {known})")
        return voices[name].for_language(language)
    base = language_base(language)
    for voice in voices.values():
        if base in (language_base(x) for x in voice.default_for):
            return voice
    for voice in voices.values():
        if voice.fallback:
            return voice.for_language(language)
    raise VoiceError(f"no voice speaks '{language}'")
