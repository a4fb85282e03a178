"""What is spoken, bounded (issue 23, item 2): pronunciation entries from every source are bounded (how
many, how long, spoken against written); an article is measured as it will be spoken for the size limit
and the queue quota; a run-on sentence is said in units of bounded size, so each clip held in memory is
small; a job has a time budget."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, BufferedClient, configure, wait_for

from narrator.audio.synthesise import synthesise
from narrator.config import Settings
from narrator.errors import InputError
from narrator.model import Article, Paragraph, Section
from narrator.normalise import normalise_text
from narrator.pipeline import prepare
from narrator.segment import segment
from narrator.service.pronunciations import PublicationLexicon
from narrator.speech.lexicon import load_kept, parse_lexicon
from narrator.speech.voices import get_voice
from narrator.web import close_app, create_app

MULTIPLIED = {"text": "Many\n\n" + "a " * 2000, "pronunciations": {"a": "word " * 99}}
"""The attack: 4.6 KB that a 495-character pronunciation made a million spoken characters."""
FIGURES = "Sales were 7,777,777 dollars. "
"""Thirty written characters said in about a hundred ("seven million seven hundred seventy seven...")."""
RUN_ON = "and then the rain came "
"""A clause with no punctuation: repeated, one sentence of any length."""


@pytest.fixture
def idle(tmp_path: Path, engine_pool):  # noqa: ANN001, ANN201
    """An app whose narration queue nobody consumes (jobs stay queued and count against the quota)."""
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none",
                      "ENGINE_POOL": engine_pool, "MAX_QUEUED_CHARS": 150_000})
    app.test_client_class = BufferedClient
    yield app
    close_app(app)


# --- pronunciation entries are bounded, whatever their source ------------------------------------------

def test_pronunciations_that_multiply_the_text_are_refused(idle) -> None:  # noqa: ANN001
    client = idle.test_client()
    r = client.post("/api/articles", json=MULTIPLIED)
    assert r.status_code == 400 and r.is_json
    assert "at most 40" in r.json["message"]  # a one-letter word: ten times its length plus thirty
    assert client.get("/api/articles").json["articles"] == []  # nothing stored, nothing queued
    fitting = {"text": MULTIPLIED["text"], "pronunciations": {"a": "x" * 40}}
    assert client.post("/api/articles", json=fitting).status_code == 202


def test_an_article_may_carry_only_so_many_pronunciations(idle) -> None:  # noqa: ANN001
    client = idle.test_client()
    words = {f"Name{i}": f"name {i}" for i in range(101)}
    r = client.post("/api/articles", json={"text": SHORT_TEXT, "pronunciations": words})
    assert r.status_code == 400 and "NARRATOR_MAX_PRONUNCIATIONS" in r.json["message"]
    del words["Name100"]
    assert client.post("/api/articles", json={"text": SHORT_TEXT, "pronunciations": words}).status_code == 202


def test_the_publication_lexicon_is_bounded_on_every_way_in(idle) -> None:  # noqa: ANN001
    client = idle.test_client()
    r = client.put("/api/lexicon/a", json={"spoken": "word " * 99})  # the API and the dashboard
    assert r.status_code == 400 and "at most 40" in r.json["message"]
    assert client.get("/api/lexicon").json["entries"] == []
    # The file edited by hand: the line is refused, the last good entries stay in force and editors are told.
    path = idle.extensions["narrator"].settings.publication_lexicon
    path.write_text("Kyiv\tkeev\n", encoding="utf-8")
    assert client.get("/api/lexicon").json["problem"] is None
    path.write_text("Kyiv\tkeev\na\t" + "word " * 20 + "\n", encoding="utf-8")
    listed = client.get("/api/lexicon").json
    assert [e["written"] for e in listed["entries"]] == ["Kyiv"] and "line 2" in listed["problem"]


def test_a_voice_lexicon_is_bounded_too(tmp_path: Path) -> None:
    """Voice lexicons (NARRATOR_VOICES, the shipped ones) are read by the same parser: a line out of
    bounds is an error naming the file and the line."""
    with pytest.raises(InputError, match="voice.tsv, line 2: .*at most 60"):
        parse_lexicon("UDI\tU D I\nthe\t" + "thuh " * 13 + "\n", "voice.tsv")  # 65 characters for 3
    assert parse_lexicon("the\t" + "thuh " * 12 + "\n").lookup("the") == ("thuh " * 12).strip()
    with pytest.raises(InputError, match="longer than 200"):
        parse_lexicon("x" * 201 + "\tx\n")


def test_the_publication_lexicon_holds_at_most_so_many_entries(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    lexicon = PublicationLexicon(path, max_entries=2)
    lexicon.set("Kyiv", "keev")
    lexicon.set("Lviv", "luh veev")
    lexicon.set("Kyiv", "kee iv")  # changing an entry is not adding one
    with pytest.raises(InputError, match="NARRATOR_MAX_LEXICON_ENTRIES"):
        lexicon.set("Odesa", "oh deh sah")
    path.write_text("Kyiv\tkeev\nLviv\tluh veev\nOdesa\toh deh sah\n", encoding="utf-8")  # by hand
    kept = load_kept(path, "the lexicon", max_entries=2)
    assert "more than 2 entries" in kept.problem and len(kept.lexicon) == 2


# --- an article counts what will be spoken --------------------------------------------------------------

def test_an_article_is_measured_as_it_will_be_spoken(idle) -> None:  # noqa: ANN001
    client = idle.test_client()
    configure(idle, max_article_chars=50_000)
    figures = "Figures\n\n" + FIGURES * 1000  # 30,000 written characters, about 100,000 spoken
    r = client.post("/api/articles", json={"text": figures})
    assert r.status_code == 422 and "when spoken" in r.json["message"]
    assert "NARRATOR_MAX_ARTICLE_CHARS" in r.json["message"]
    # Bounded pronunciations add up too: 2,000 words of 1 character said in 27.
    expanded = {"text": MULTIPLIED["text"], "pronunciations": {"a": "the first letter of alphabet"}}
    r = client.post("/api/articles", json=expanded)
    assert r.status_code == 422 and "when spoken" in r.json["message"]
    plain = client.post("/api/articles", json={"text": "Figures\n\n" + FIGURES * 300})  # ~30,000 spoken
    assert plain.status_code == 202


def test_the_queue_quota_counts_spoken_characters(idle) -> None:  # noqa: ANN001
    client = idle.test_client()
    figures = "Figures\n\n" + FIGURES * 1000  # 30,000 written characters, about 100,000 spoken
    r = client.post("/api/articles", json={"text": figures, "id": "one"})
    assert r.status_code == 202
    job = idle.extensions["narrator"].store.jobs.get(r.json["job"]["id"])
    assert 90_000 < job.chars < 120_000  # what will be spoken, not the 30,000 written
    # Written, the two would be 60,000 of the 150,000 allowed; spoken, they are 200,000.
    again = client.post("/api/articles", json={"text": figures, "id": "two"})
    assert again.status_code == 429 and "NARRATOR_MAX_QUEUED_CHARS" in again.json["message"]
    # A regeneration is counted the same way (the first job is still queued, so it is folded into it).
    assert client.post("/api/articles/one/regenerate").status_code in (200, 202)


# --- a run-on sentence is said in units of bounded size ---------------------------------------------------

def _article(text: str) -> Article:
    return Article("Run on", (Section(None, (Paragraph(text),)),))


def test_a_run_on_sentence_is_said_in_bounded_units(tmp_path: Path) -> None:
    settings = Settings(home=str(tmp_path / "home"))
    voice = get_voice("espeak")
    sentence = (RUN_ON * 6600).strip()  # 151,000 characters, one sentence
    script = prepare(_article(sentence), voice, settings)
    body = [u for u in script.units if script.blocks[u.block].kind == "p"]
    assert len(body) > 300
    assert max(len(u.spoken) for u in body) <= 400  # what one unit asks of an engine
    # Cut between words, nothing lost or added: the parts are the sentence, as written and as said.
    assert " ".join(u.text for u in body) == sentence
    assert " ".join(u.spoken for u in body) == normalise_text(sentence, voice.language)
    for unit in body:  # each part's words still point at what they were read from
        for w in unit.words:
            assert unit.spoken[w.said_from:w.said_to] == unit.text[w.written_from:w.written_to]
    assert all(u.pause_after_ms == 0 for u in body[:-1])  # no clause punctuation: it runs on
    assert body[-1].pause_after_ms == segment(_article(sentence), voice, "").units[-1].pause_after_ms


def test_a_long_sentence_is_cut_after_its_clauses(tmp_path: Path) -> None:
    voice = get_voice("espeak")
    sentence = ("In the north the rain came early, and in the south the wind stayed dry; " * 40).strip()
    script = prepare(_article(sentence), voice, Settings(home=str(tmp_path / "home")))
    body = [u for u in script.units if script.blocks[u.block].kind == "p"]
    assert len(body) > 5 and max(len(u.spoken) for u in body) <= 400
    assert all(u.text.endswith((",", ";")) and u.pause_after_ms > 0 for u in body[:-1])
    assert " ".join(u.text for u in body) == sentence
    # An ordinary sentence is one unit, as before.
    ordinary = prepare(_article("The old harbour bridge opened again on Monday."), voice,
                       Settings(home=str(tmp_path / "home")))
    assert [u.text for u in ordinary.units if ordinary.blocks[u.block].kind == "p"] == [
        "The old harbour bridge opened again on Monday."]


def test_each_clip_of_a_run_on_sentence_is_small(tmp_path: Path, espeak) -> None:  # noqa: ANN001
    """The audio held in memory at once is one unit's: a 20,000-character sentence (about 20 minutes of
    speech, 50 MB as one clip) comes out in clips of at most a minute (2.6 MB at 22,050 Hz)."""
    voice, engine = espeak
    script = prepare(_article((RUN_ON * 870).strip()), voice, Settings(home=str(tmp_path / "home")))
    clips = list(synthesise(script, engine, voice))
    assert len(clips) == len(script.units) > 40
    assert max(len(c.pcm) / 2 / c.sample_rate for c in clips) <= 60
    assert sum(len(c.pcm) / 2 / c.sample_rate for c in clips) > 15 * 60


# --- a job has a time budget ------------------------------------------------------------------------------

def test_a_job_over_its_time_budget_fails_saying_so(tmp_path: Path, engine_pool) -> None:  # noqa: ANN001
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "inprocess",
                      "ENGINE_POOL": engine_pool, "JOB_TIMEOUT_S": 2.0})
    app.test_client_class = BufferedClient
    try:
        client = app.test_client()
        long = "A long one\n\n" + (RUN_ON * 300).strip() + "."  # minutes of work for Piper
        r = client.post("/api/articles", json={"text": long, "id": "long", "voice": "joe"})
        assert r.status_code == 202
        job = wait_for(lambda: (j := client.get(f"/api/jobs/{r.json['job']['id']}").json)["status"]
                       in ("failed", "done") and j, 120, what="the job to end")
        assert job["status"] == "failed" and "NARRATOR_JOB_TIMEOUT_S" in job["error"], job
        assert job["attempts"] == 1  # not tried again: it would run out of time again
        assert client.get("/api/articles/long").json["current_version"] is None
        # The worker is free again: the next article's job starts.
        r = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "next", "voice": "espeak"})
        wait_for(lambda: client.get("/api/articles/next").json["job"]["status"] != "queued", 60,
                 what="the next article's job to start")
    finally:
        close_app(app)

