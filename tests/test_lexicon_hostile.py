"""The publication's lexicon under hostile edits: an entry is taken only as the loader will read it,
and a file broken by hand never takes the service down (its last good entries stay in force)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, narrated

from narrator.errors import InputError
from narrator.lexicon import MAX_PHONEMES, parse_lexicon


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
    ok = parse_lexicon(f"Brynjulf\t{'a' * MAX_PHONEMES}\tphonemes\n")
    assert ok.lookup("Brynjulf") == f"[[{'a' * MAX_PHONEMES}]]"
    with pytest.raises(InputError, match=f"longer than {MAX_PHONEMES}"):
        parse_lexicon(f"Brynjulf\t{'a' * (MAX_PHONEMES + 1)}\tphonemes\n")


def test_article_text_in_double_brackets_is_read_as_text(client) -> None:  # noqa: ANN001
    """[[...]] in an article is text, never phonemes (a long one crashed espeak-ng)."""
    brackets = "Traffic moved [[" + "a" * 1000 + "]] slowly."
    text = SHORT_TEXT.replace("Traffic moved slowly at first.", brackets)
    data = narrated(client, text=text)
    spoken = [s["spoken"] for p in client.get(data["timing_url"]).json["paragraphs"] for s in p["sentences"]]
    assert not any("[[" in s or "]]" in s for s in spoken)
    assert any("slowly" in s for s in spoken)
