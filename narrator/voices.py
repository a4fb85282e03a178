"""Voice profiles: data files that name an engine, its voice, speed, pauses and lexicons.

The shipped profiles live in the repository's top-level `voices/` folder, installed inside the
package as `narrator.voice_data` (pyproject.toml maps the one onto the other), so `pip install .`
carries them. An operator may add a folder of their own (NARRATOR_VOICES, `Settings.voices`):
its profiles are read after the shipped ones, and one with a shipped profile's name replaces it.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib.resources import files
from pathlib import Path

from .errors import VoiceError

DEFAULT_DIR = Path(str(files("narrator.voice_data")))
"""The shipped profiles (the repository's voices/ folder, or its installed copy)."""


@dataclass(frozen=True)
class Voice:
    """A voice profile."""

    name: str
    """The profile's name, as given to --voice."""
    engine: str
    """Engine adapter name: 'piper' or 'pyttsx3'."""
    engine_voice: str
    """The engine's own voice id (a Piper voice package, an espeak voice id)."""
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
    before a narration is complete and measured (the live stream, narrator.live)."""
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
    folder: Path = field(default=DEFAULT_DIR, compare=False)
    """The folder the profile was read from."""

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
"""The scripts a language is written in (as Unicode names its letters: narrator.lexicon.script_of),
for languages not written in Latin letters; every other language is Latin. From CLDR's likely scripts."""


def scripts_for(language: str) -> frozenset[str]:
    """The scripts a voice speaking `language` reads (Latin unless SCRIPTS says otherwise)."""
    return SCRIPTS.get(language_base(language), frozenset({"Latin"}))


def language_base(tag: str) -> str:
    """'pt-BR' -> 'pt'."""
    return tag.replace("_", "-").split("-")[0].lower()


def _parse(path: Path) -> Voice:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise VoiceError(f"voice profile {path.name} is unreadable: {e}") from None
    known = {f.name for f in fields(Voice)} - {"folder", "pace_measured"}
    unknown = set(data) - known
    if unknown:
        raise VoiceError(f"voice profile {path.name} has unknown keys: {', '.join(sorted(unknown))}")
    for key in ("name", "engine", "engine_voice"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise VoiceError(f"voice profile {path.name} needs a '{key}'")
    data["default_for"] = tuple(data.get("default_for", ()))
    data["pace_measured"] = "ms_per_char" in data
    try:
        return Voice(**data, folder=path.parent)
    except TypeError as e:
        raise VoiceError(f"voice profile {path.name} is malformed: {e}") from None


def all_voices(extra: str | Path | None = None) -> dict[str, Voice]:
    """Every profile by name: the shipped ones, then those in the `extra` folder (which win)."""
    voices = {}
    for folder in (DEFAULT_DIR, *([Path(extra)] if extra else [])):
        if extra and not folder.is_dir():
            raise VoiceError(f"the voices folder {folder} does not exist (NARRATOR_VOICES)")
        for path in sorted(folder.glob("*.toml")):
            voice = _parse(path)
            voices[voice.name] = voice
    return voices


def get_voice(name: str | None, language: str = "en", extra: str | Path | None = None) -> Voice:
    """The named profile, or the default for `language`; VoiceError when there is none. `extra` is
    an operator's folder of profiles (NARRATOR_VOICES), read after the shipped ones."""
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
