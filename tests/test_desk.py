"""The editor's desk through the Flask test client, with a real worker and engine: a lexicon entry tried
before it is saved (and checked as saving would check it), the preview compared with the current
version, rollback refused under a job, what changed between two versions, who made each, one time
format, and nothing of the server's file system shown to editors."""

from __future__ import annotations

import io
import re
import wave

import pytest
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, narrated, version_ready

from narrator.errors import InputError
from narrator.service.pronunciations import entry

LISTEN = "/api/lexicon/listen"
LONG = "mare mare mare mare mare mare"
"""A respelling far longer than the word it respells, so hearing it is measurable."""
EDITED = SHORT_TEXT.replace("two steel cables over the summer", "four steel cables before the autumn storms")


def wav_ms(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return 1000 * w.getnframes() / w.getframerate()


def signed_in(app):  # noqa: ANN001, ANN201
    """A browser-like client with an editor's session (cookie + CSRF token)."""
    app.extensions["narrator"].accounts.create_user("ed", "correct horse")
    browser = app.test_client(role=None)
    page = browser.get("/editor/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = browser.post("/editor/signin", data={"name": "ed", "password": "correct horse", "csrf_token": token})
    assert r.status_code == 302
    return browser


@pytest.mark.parametrize(("written", "spoken", "why"), [
    ("Kyiv", "", "spoken form must be"),
    ("Kyiv", "kee\rev", "spoken form must be"),
    ("Kyiv", "[[kɪ]]jɪv]]", "respelling"),  # the loader would refuse the file
    ("Kyiv", "[[kɪjɪv]]", "respelling"),  # phonemes are one voice's; this lexicon is all voices'
    ("Kyiv", "kee\x00ev", "cannot be saved: a control character"),  # a NUL broke every article with the word
    ("#Kyiv", "keev", "cannot hold"),  # the file would read it as a comment
    ("Ky\tiv", "keev", "written form must be"),
])
def test_an_entry_is_checked_as_the_file_would_hold_it(written: str, spoken: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        entry(written, spoken)


def test_an_entry_round_trips_through_the_file() -> None:
    tried = entry(" Kyiv ", " KEE-iv ", nocase=True)
    assert (tried.entries, tried.nocase) == ((("Kyiv", "KEE-iv"),), frozenset({"Kyiv"}))


def test_listen_tries_an_entry_before_it_is_saved(client) -> None:  # noqa: ANN001
    plain = wav_ms(client.post(LISTEN, json={"written": "mayor", "voice": "espeak"}).data)
    respelt = wav_ms(client.post(LISTEN, json={"written": LONG, "voice": "espeak"}).data)
    assert respelt > 2 * plain
    tried = client.post(LISTEN, json={"written": "Mayor", "voice": "espeak", "spoken": LONG, "nocase": True})
    assert tried.status_code == 200 and tried.mimetype == "audio/wav"
    assert abs(wav_ms(tried.data) - respelt) < 0.2 * respelt  # espeak's clips vary by a few ms
    cased = client.post(LISTEN, json={"written": "Mayor", "voice": "espeak", "spoken": LONG})
    assert abs(wav_ms(cased.data) - respelt) < 0.2 * respelt  # the entry is the written text itself
    assert client.get("/api/lexicon").json["entries"] == []  # nothing saved

    for body, words in (({"spoken": "[[a]]b]]"}, "respelling"),
                        ({"spoken": "  "}, "spoken form must be"),
                        ({"spoken": 5}, "'spoken' must be a string"),
                        ({"spoken": "x", "nocase": "yes"}, "'nocase' must be a boolean")):
        r = client.post(LISTEN, json={"written": "mayor", "voice": "espeak", **body})
        assert r.status_code == 400 and words in r.json["message"], (body, r.json)
    # The same checks keep a bad entry out of the file (it would have broken the lexicon for everyone).
    assert client.put("/api/lexicon/mayor", json={"spoken": "[[a]]b]]"}).status_code == 400
    assert client.put("/api/lexicon/%23mayor", json={"spoken": "mare"}).status_code == 400
    assert client.get("/api/lexicon").status_code == 200


def test_the_preview_compares_with_the_current_version(app, client) -> None:  # noqa: ANN001
    narrated(client)
    assert client.put("/api/articles/a1", json={"text": EDITED, "voice": "espeak"}).status_code == 202
    version_ready(client, 2)
    rolled = client.post("/api/articles/a1/rollback", json={"version": 1})
    assert rolled.status_code == 200 and "two steel cables" in str(rolled.json["content"])

    same = client.post("/api/articles/a1/preview", json={}).json
    assert (same["version"], same["changed"], same["synthesise"]) == (1, 0, 0)
    assert all(b["was"] == b["text"] and not b["changed"] for b in same["blocks"])

    third = next(b for b in same["blocks"] if "steel cables" in b["text"])
    four = third["text"].replace("two", "four").replace("over the summer", "before the autumn storms")
    back = {"paragraphs": [{"block": third["index"], "text": four}]}
    again = client.post("/api/articles/a1/preview", json=back).json
    assert (again["changed"], again["synthesise"]) == (1, 0)  # version 2's clip is in the cache
    changed = [b for b in again["blocks"] if b["changed"]]
    assert [(b["index"], b["was"]) for b in changed] == [(third["index"], third["text"])]

    fresh = {"paragraphs": [{"block": third["index"], "text": "Engineers painted the towers green."}]}
    new = client.post("/api/articles/a1/preview", json=fresh).json
    assert (new["changed"], new["synthesise"]) == (1, 1)

    # Under a job, rollback is refused (the job would make a version from other content).
    app.extensions["narrator"].runner.close()
    assert client.put("/api/articles/a1", json={"text": EDITED, "voice": "espeak"}).status_code == 202
    refused = client.post("/api/articles/a1/rollback", json={"version": 2})
    assert refused.status_code == 409 and "being narrated" in refused.json["message"]


def test_versions_show_what_changed_who_made_them_and_when(app, client) -> None:  # noqa: ANN001
    narrated(client)
    assert client.put("/api/articles/a1", json={"text": EDITED, "voice": "espeak"}).status_code == 202
    version_ready(client, 2)
    store = app.extensions["narrator"].store
    key = app.extensions["narrator"].accounts.list_keys()[0]
    with store._write() as db:  # what the job's requester leaves on the version it makes
        db.execute("UPDATE versions SET made_by = 'user:ed' WHERE version = 1")
        db.execute("UPDATE versions SET made_by = ? WHERE version = 2", (f"key:{key.id}",))
    assert [v["made_by"] for v in client.get("/api/articles/a1/versions").json["versions"]] == [
        f"key:{key.id}", "user:ed"]
    desk = signed_in(app)

    diff = desk.get("/editor/articles/a1/diff?from=1&to=2").json
    assert (diff["from"], diff["to"], diff["voices"]) == (1, 2, ["espeak", "espeak"])
    assert [(c["op"], c["old"], c["new"]) for c in diff["changes"] if c["op"] != "same"] == [
        ("changed", "Engineers replaced two steel cables over the summer.",
         "Engineers replaced four steel cables before the autumn storms.")]
    assert [c["op"] for c in diff["changes"]].count("same") == 4
    assert desk.get("/editor/articles/a1/diff?from=1&to=9").status_code == 404
    assert desk.get("/editor/articles/a1/diff?from=x&to=2").status_code == 400
    assert desk.get("/editor/articles/zz/diff?from=1&to=2").status_code == 404

    page = desk.get("/editor/articles/a1").text
    makers = re.findall(r'<td data-label="By" class="ed-maker">([^<]*)</td>', page)
    assert makers == [f"API key “{key.name}”", "ed"]
    made = store.versions.get("a1", 2).created
    times = re.findall(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>', page)
    listed_first = client.get("/api/articles/a1/versions").json["versions"][0]
    assert len(times) == 2 and times[0][0] == listed_first["created"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", times[0][1])
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC", times[0][2])
    assert times[0][2].endswith(f"{int(made // 3600 % 24):02d}:{int(made // 60 % 60):02d} UTC")
    listed = desk.get("/editor/").text
    assert re.search(r'<td data-label="Last generated"><time datetime="[^"]+Z" title="[^"]+ UTC">', listed)
    assert not re.search(r">\s*\d{4}-\d\d-\d\dT", page + listed)  # no raw ISO text


def test_the_desk_shows_no_server_paths_and_listens_in_the_default_voice(app) -> None:  # noqa: ANN001
    desk = signed_in(app)
    home = str(app.extensions["narrator"].store.home)
    for url in ("/editor/", "/editor/pronunciations"):
        assert home not in desk.get(url).text
    page = desk.get("/editor/pronunciations").text
    default = app.test_client().get("/api/voices").json["default"]
    assert f'<option value="{default}" selected>{default} (default)</option>' in page


def test_the_article_list_shows_the_seconds_heard_of_each_article(app, client) -> None:  # noqa: ANN001
    """Heard seconds from the listening figures, summed per article over every day and report."""
    narrated(client)
    narrated(client, article_id="b2")
    listener = app.test_client(role=None)
    for value in (30, 30, 5):  # what players report in batches
        assert listener.post("/api/events", json={"article": "a1", "event": "seconds", "value": value}
                             ).status_code == 204
    assert listener.post("/api/events", json={"article": "a1", "event": "play"}).status_code == 204
    with app.extensions["narrator"].store.db.write() as db:  # an earlier day's listening counts too
        db.execute("INSERT INTO listen_events (article_id, day, event, count) VALUES ('a1', '2026-01-01', "
                   "'seconds', 3600)")
    page = signed_in(app).get("/editor/").text
    heard = {a: (int(n), shown) for a, n, shown in re.findall(
        r'<tr data-article="(\w+)".*?<td data-label="Heard" class="ed-heard" data-seconds="(\d+)">'
        r'([^<]*)</td>', page, re.S)}
    assert heard == {"a1": (3665, "1 h 1 min"), "b2": (0, "–")}
    assert "<th>Heard</th>" in page


def test_the_submit_form_is_for_editors_only(app) -> None:  # noqa: ANN001
    """Editors get the form that sends a new article to POST /api/articles; readers do not."""
    desk = signed_in(app)
    page = desk.get("/editor/").text
    assert 'class="ed-submit" data-api="/api/articles"' in page
    assert all(f'name="kind" value="{kind}"' in page for kind in ("url", "html", "text"))
    app.extensions["narrator"].accounts.create_user("rita", "correct horse", role="reader")
    reader = app.test_client(role=None)
    token = re.search(r'name="csrf_token" value="([^"]+)"', reader.get("/editor/signin").text).group(1)
    reader.post("/editor/signin", data={"name": "rita", "password": "correct horse", "csrf_token": token})
    listed = reader.get("/editor/")
    assert listed.status_code == 200 and "ed-submit" not in listed.text and "<th>Heard</th>" in listed.text
