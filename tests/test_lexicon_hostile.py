"""The publication's lexicon under hostile edits: an entry is taken only as the loader will read it,
and a file broken by hand never takes the service down (its last good entries stay in force)."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import quote

import pytest
from test_desk import signed_in
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, narrated, wait_for

from narrator.errors import InputError
from narrator.speech.lexicon import MAX_PHONEMES, parse_lexicon


@pytest.mark.parametrize(("written", "spoken"), [
    ("brk", "[[]]"),  # phonemes by the back door: the file would hold an empty phoneme entry
    ("brk", "[[b r k]]"),
    ("nul", "a\x00b"),  # a NUL broke every article with the word
    ("esc", "e\x1bscape"),
    ("#hash", "hash"),  # the line would be a comment: the entry silently lost
    ("tab", "a\tb"),
    ("line", "a\u2028b"),
])
def test_an_entry_the_loader_would_not_read_back_is_refused(app, client, written: str, spoken: str) -> None:  # noqa: ANN001
    before = client.get("/api/lexicon").json
    r = client.put(f"/api/lexicon/{quote(written)}", json={"spoken": spoken})
    assert r.status_code == 400 and r.is_json, r.data
    assert str(app.extensions["narrator"].settings.home) not in r.json["message"]  # no server path
    after = client.get("/api/lexicon")
    assert after.status_code == 200 and after.json == before  # nothing written
    narrated(client)  # and articles are still narrated


def test_a_lexicon_broken_by_hand_keeps_its_last_good_entries_in_force(app, client) -> None:  # noqa: ANN001
    settings = app.extensions["narrator"].settings
    assert client.put("/api/lexicon/harbour", json={"spoken": "HAR-bor"}).status_code == 200
    path = settings.publication_lexicon
    path.write_text(path.read_text(encoding="utf-8") + "broken line without a tab\n", encoding="utf-8")
    r = client.get("/api/lexicon")
    assert r.status_code == 200 and [e["written"] for e in r.json["entries"]] == ["harbour"]
    assert "line 3" in r.json["problem"] and str(path) not in r.json["problem"]  # told, without the path
    data = narrated(client)  # articles still narrate, with the good entries
    spoken = client.get(data["timing_url"]).json["paragraphs"]
    assert any("HAR-bor" in s["spoken"] for p in spoken for s in p["sentences"])
    page = client.get("/editor/pronunciations", headers={"Accept": "text/html"})
    assert page.status_code in (200, 302)  # (signed-in pages are tested in the browser tests)
    # Deleting or saving an entry mends the file from the good entries.
    assert client.delete("/api/lexicon/harbour").status_code == 200
    fixed = client.get("/api/lexicon").json
    assert fixed["entries"] == [] and fixed["problem"] is None


def test_phonemes_longer_than_the_cap_are_refused_when_read() -> None:
    name = "Brynjulf Risnesson"  # long enough that only the phoneme cap binds (not the bound on its length)
    ok = parse_lexicon(f"{name}\t{'a' * MAX_PHONEMES}\tphonemes\n")
    assert ok.lookup(name) == f"[[{'a' * MAX_PHONEMES}]]"
    with pytest.raises(InputError, match=f"longer than {MAX_PHONEMES}"):
        parse_lexicon(f"{name}\t{'a' * (MAX_PHONEMES + 1)}\tphonemes\n")


def test_article_text_in_double_brackets_is_read_as_text(client) -> None:  # noqa: ANN001
    """[[...]] in an article is text, never phonemes (a long one crashed espeak-ng)."""
    brackets = "Traffic moved [[" + "a" * 1000 + "]] slowly."
    text = SHORT_TEXT.replace("Traffic moved slowly at first.", brackets)
    data = narrated(client, text=text)
    spoken = [s["spoken"] for p in client.get(data["timing_url"]).json["paragraphs"] for s in p["sentences"]]
    assert not any("[[" in s or "]]" in s for s in spoken)
    assert any("slowly" in s for s in spoken)


# --- a poisoned entry (issue 23, item 5) -------------------------------------------------------------------

BUZZ = "z" * 40
"""A respelling within bounds and in Latin letters that no voice can say as one word: espeak-ng and Piper
spell it out for 6 s, which fails the length check of every sentence it is in."""


@pytest.mark.parametrize(("spoken", "why"), [
    ("\U0001F600" * 100, "at most 60"),  # the attack: every article with "the" failed after 70 s
    ("\U0001F600\U0001F389", "cannot say"),  # emoji within the length bound: not the voice's script
    ("\u0437\u0435", "Latin"),  # Cyrillic letters for an English voice
    ("th\u2192e", "cannot say"),  # a symbol
])
def test_an_entry_not_in_the_voice_script_is_refused(client, spoken: str, why: str) -> None:  # noqa: ANN001
    before = client.get("/api/lexicon").json
    r = client.put("/api/lexicon/the", json={"spoken": spoken, "voice": "espeak"})
    assert r.status_code == 400 and r.is_json and why in r.json["message"], r.json
    assert client.get("/api/lexicon").json == before
    listen = client.post("/api/lexicon/listen", json={"written": "the", "spoken": spoken, "voice": "espeak"})
    assert listen.status_code == 400  # listening checks it as saving would


@pytest.mark.parametrize("voice", ["espeak", "joe"])
def test_an_entry_the_voice_cannot_say_is_refused_when_tried(client, voice: str) -> None:  # noqa: ANN001
    r = client.put("/api/lexicon/the", json={"spoken": BUZZ, "voice": voice})
    assert r.status_code == 400 and r.is_json, r.data
    assert r.json["message"].startswith(f"{voice} cannot say 'the'") and "too long" in r.json["message"]
    assert client.get("/api/lexicon").json["entries"] == []  # not saved
    ok = client.put("/api/lexicon/the", json={"spoken": "thee", "voice": voice})  # a sayable one is
    assert ok.status_code == 200 and ok.json["entry"] == {"written": "the", "spoken": "thee", "nocase": False,
                                                          "problem": None}


def _spoken(client, data: dict) -> list[str]:  # noqa: ANN001
    return [s["spoken"] for p in client.get(data["timing_url"]).json["paragraphs"] for s in p["sentences"]]


def test_a_broken_entry_never_fails_a_narration_and_is_flagged(app, client) -> None:  # noqa: ANN001
    """Entries put in the file by hand (nothing tried them): the voice's plain reading is used instead, and
    the desk shows what went wrong until the entry changes."""
    path = app.extensions["narrator"].settings.publication_lexicon
    path.write_text(f"the\t{BUZZ}\nharbour\t\U0001F600\U0001F600\nbridge\tbrij\n", encoding="utf-8")
    data = narrated(client)  # SHORT_TEXT has "the" and "harbour"
    assert data["status"] == "ready"
    spoken = " ".join(_spoken(client, data))
    assert "zzz" not in spoken and "the summer" in spoken and "harbour" in spoken  # read plainly
    assert "brij" in spoken  # the good entry is used
    entries = {e["written"]: e for e in client.get("/api/lexicon").json["entries"]}
    assert "espeak (en-US)" in entries["the"]["problem"] and "too long" in entries["the"]["problem"]
    assert "cannot say" in entries["harbour"]["problem"]
    assert entries["bridge"]["problem"] is None
    page = signed_in(app).get("/editor/pronunciations")
    assert page.status_code == 200 and page.text.count("Not used, read plainly: espeak (en-US)") == 2
    # A flagged entry is not tried again: the next narration reads the word plainly at once.
    data = narrated(client, text=SHORT_TEXT.replace("Monday", "Sunday"), article_id="a2")
    assert "zzz" not in " ".join(_spoken(client, data))
    # Changing the entry clears its flag.
    assert client.put("/api/lexicon/the", json={"spoken": "thuh", "voice": "espeak"}).status_code == 200
    entries = {e["written"]: e for e in client.get("/api/lexicon").json["entries"]}
    assert entries["the"]["problem"] is None and entries["harbour"]["problem"]


def test_an_article_own_broken_pronunciation_never_fails_it(client) -> None:  # noqa: ANN001
    r = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "own", "voice": "espeak",
                                           "pronunciations": {"the": BUZZ, "harbour": "harbor"}})
    assert r.status_code == 202
    data = wait_for(lambda: (a := client.get("/api/articles/own").json)["status"] in ("ready", "failed")
                    and a, 90, what="the narration")
    assert data["status"] == "ready", data["job"]
    spoken = " ".join(_spoken(client, data))
    assert "zzz" not in spoken and "the summer" in spoken and "harbor" in spoken


def test_the_command_line_narrates_without_a_broken_entry_and_says_so(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    lexicon = tmp_path / "lexicon.tsv"
    lexicon.write_text(f"the\t{BUZZ}\n", encoding="utf-8")
    monkeypatch.setenv("NARRATOR_LEXICON", str(lexicon))
    src = tmp_path / "story.txt"
    src.write_text("A short story\n\nIt was the quietest day of the year.\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "narrator.cli", "narrate", str(src), "--voice", "espeak"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "the pronunciation of 'the' is not used: espeak could not say it" in result.stderr
    timing = json.loads((tmp_path / "out" / "story.timing.json").read_text(encoding="utf-8"))
    spoken = [s["spoken"] for p in timing["paragraphs"] for s in p["sentences"]]
    assert "It was the quietest day of the year." in spoken
