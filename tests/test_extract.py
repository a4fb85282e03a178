"""Extract stage on real saved pages: must-contain / must-not-contain, metadata, encodings,
bad input, and the quality gate on the shared dev corpus."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from narrator.errors import ExtractionError
from narrator.extract import detect_language, extract_html, extract_text, load, main
from narrator.net.fetch import MAX_BYTES

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
GOLD = json.loads((PAGES / "gold.json").read_text(encoding="utf-8"))
DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "extraction" / "dev"

# --- The benchmark's metric (scrapinghub/article-extraction-benchmark, evaluate.py) ------

TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def page_scores(gold: str, pred: str) -> tuple[float | None, float]:
    """(precision or None for an empty output, recall) of one page, on 4-token shingles."""
    g, p = shingles(gold), shingles(pred)
    tp = sum((g & p).values())
    fp, fn = sum(p.values()) - tp, sum(g.values()) - tp
    return (tp / (tp + fp) if tp + fp else None), (tp / (tp + fn) if tp + fn else 1.0)


def corpus_scores(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """(precision, recall, F1) as the benchmark averages them."""
    rows = [page_scores(gold, pred) for gold, pred in pairs]
    precisions = [p for p, _ in rows if p is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(r for _, r in rows) / len(rows)
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def test_metric_matches_hand_counts() -> None:
    assert page_scores("a b c d e", "a b c d e") == (1.0, 1.0)
    # gold shingles: abcd, bcde; output: abcd, bcdx -> tp 1, fp 1, fn 1
    assert page_scores("a b c d e", "a b c d x") == (0.5, 0.5)
    assert page_scores("a b c d e", "") == (None, 0.0)


# --- Saved pages --------------------------------------------------------------------------

def body(name: str) -> str:
    return load(str(PAGES / f"{name}.html")).body_text()


SEED_MUST_NOT = [
    "Telegram/Gulagu.Net", "A former commander of Wagner, Andrei Medvedev is seeking asylum",
    "About the writer", "Jack Dutton is a Newsweek Reporter", "j.dutton@newsweek.com", "Read more",
    "Voice is AI-generated", "Share on Facebook", "cookies", "Newsletter", "inbox", "Related Stories",
    "Who is Yevgeny Prigozhin, the businessman", "All rights reserved", "By Jack Dutton",
    "Who Is Andrei Medvedev?",  # the title is not part of the body
]


def _unclassed(markup: str) -> str:
    """The seed-like page with every class, id, role and itemprop removed: only the tags and
    the text rules are left to find the caption, the author box and the links."""
    return re.sub(r'\s(?:class|id|itemprop|role)="[^"]*"', "", markup)


@pytest.mark.parametrize("variant", ["as saved", "without classes"])
def test_seed_like_page(variant: str) -> None:
    markup = (PAGES / "seed_like_newsweek.html").read_text(encoding="utf-8")
    article = extract_html(markup if variant == "as saved" else _unclassed(markup))
    text = article.body_text()
    assert article.title == "Who Is Andrei Medvedev? Former Wagner Group Commander Who Fled Russia"
    assert article.byline == "Jack Dutton"
    assert article.language == "en"
    assert article.date == "2023-01-16T12:31:05+00:00"
    for junk in SEED_MUST_NOT:
        assert junk not in text, junk
    headings = [s.heading for s in article.sections]
    assert headings == [None, "What Andrei Medvedev Has Revealed About Wagner Group"]
    first = article.paragraphs[0].text
    assert first.startswith("Andrei Medvedev is a former commander of Russia's Wagner Group")
    assert article.paragraphs[-1].text.startswith('"Be careful, he\'s very dangerous," Prigozhin said')
    assert "He said crossed the border into Norway near the Pasvikdalen valley" in text
    assert "Newsweek has contacted Risnes for comment." in text
    assert len(article.paragraphs) == 17  # 4 + 6 before the sub-heading, 7 after


def test_paywalled_rest_of_story_is_read() -> None:
    """The story continues inside class="paywall"; the paywall prompt itself is not read."""
    text = body("barrons_paywall")
    assert "Our third-quarter results reflected broad-based growth across our business" in text
    assert "Shares of construction goods giant Home Depot are dropping" in text
    assert "Text size" not in text
    assert "Photograph by Robyn Beck/AFP/Getty Images" not in text


def test_more_links_widget_inside_the_body_is_skipped() -> None:
    text = body("aljazeera_more_links")
    assert "We have a need and saw a need to bring on some additional providers" in text
    assert "The New Space Race" not in text
    assert "Spacewalking into 'her-story'" not in text
    assert "More:" not in text


def test_body_whose_class_says_label_hidden_is_read() -> None:
    text = body("albawaba_hidden_label")
    assert text.count("Sweden has dropped its investigation into a 2010 rape allegation") == 1
    assert "Swedish prosecutors decided to reopen the investigation in May" in text
    assert "WikiLeaks founder Julian Assange (AFP)" not in text  # image caption
    assert "Copyright ©" not in text


def test_german_edition_english_story() -> None:
    article = load(str(PAGES / "businessinsider_de.html"))
    assert article.title == "10 things in tech you need to know today"
    assert article.language == "en"  # <html lang="de">, but the story is in English
    assert "The New York state attorney general is investigating WeWork" in article.body_text()


def test_korean_and_russian_pages() -> None:
    ko = load(str(PAGES / "entermedia_ko.html"))
    assert ko.language == "ko"
    assert "주말 밤 9시 MBC와 SBS는 막장극의 대결로 붙는 경우가 흔하다" in ko.body_text()
    ru = load(str(PAGES / "vse_diety_ru.html"))
    assert ru.language == "ru"
    assert ru.title.startswith("Диета Аткинса")
    assert "Эта диета пришла к нам с запада" in ru.body_text()


def test_lists_are_items() -> None:
    article = load(str(PAGES / "vse_diety_ru.html"))
    items = [p for p in article.paragraphs if p.kind == "li"]
    assert len(items) >= 5


@pytest.mark.parametrize("name", sorted(GOLD))
def test_saved_pages_score_well(name: str) -> None:
    precision, recall = page_scores(GOLD[name]["articleBody"], body(name))
    assert precision is not None and precision >= 0.85 and recall >= 0.80, (precision, recall)


# --- Structure and metadata ---------------------------------------------------------------

def test_quotes_lists_and_tables() -> None:
    html = """<html lang="en-GB"><head><title>Council votes - Gazette</title></head><body>
    <article><h1>Council votes</h1>
    <p>The council voted on three matters on Tuesday evening after a long and heated debate.</p>
    <blockquote><p>We have waited long enough for this bridge to be mended, and now it will be.</p>
    </blockquote>
    <ul><li>A new bridge over the river, at a cost of two million pounds.</li>
        <li>Longer opening hours for the library, from next spring onwards.</li></ul>
    <table><tr><th>Ward</th><th>Votes</th></tr><tr><td>North</td><td>1,204</td></tr></table>
    <p>The mayor said the decisions would be reviewed again in a year, as the law requires.</p>
    </article></body></html>"""
    article = extract_html(html)
    assert article.language == "en-gb"
    assert article.title == "Council votes"
    assert [(p.kind, p.text[:20]) for p in article.paragraphs] == [
        ("p", "The council voted on"), ("quote", "We have waited long "),
        ("li", "A new bridge over th"), ("li", "Longer opening hours"), ("p", "The mayor said the d")]
    assert "Ward" not in article.body_text() and "1,204" not in article.body_text()


def test_hidden_elements_are_not_read() -> None:
    filler = "<p>The river rose by two metres overnight and the town's bridges were closed.</p>" * 3
    html = f"""<html><body><article>{filler}
    <p hidden>A hidden paragraph that nobody sees on the page, and nobody should hear either.</p>
    <p style="display: none">A paragraph hidden with an inline style, which should stay silent too.</p>
    <div aria-hidden="true"><p>An aria-hidden block of decorative text that is repeated elsewhere.</p></div>
    <p class="sr-only">Screen reader text that repeats the headline for assistive technology.</p>
    </article></body></html>"""
    text = extract_html(html).body_text()
    assert "river rose" in text
    for junk in ("hidden paragraph", "inline style", "aria-hidden", "Screen reader"):
        assert junk not in text


def test_json_ld_article_body_is_the_fallback() -> None:
    html = """<html><head><script type="application/ld+json">{"@type": "NewsArticle",
    "headline": "Only in JSON", "author": {"@type": "Person", "name": "A. Writer"},
    "articleBody": "The first paragraph lives only in the metadata.\\nAnd so does the second one."}
    </script></head><body><div id="app"><a href="/">Home</a></div></body></html>"""
    article = extract_html(html)
    assert article.title == "Only in JSON"
    assert article.byline == "A. Writer"
    assert [p.text for p in article.paragraphs] == ["The first paragraph lives only in the metadata.",
                                                     "And so does the second one."]


def test_detect_language() -> None:
    assert detect_language("Der Hund ist nicht mit dem Mann in die Stadt gegangen, die Frau auch.") == "de"
    assert detect_language("O cão não foi com o homem para a cidade, e a mulher também não foi.") == "pt"
    assert detect_language("The dog did not go to the town with the man, and that was the end of it.") == "en"
    assert detect_language("これはテストの文章です。日本語で書かれています。") == "ja"
    assert detect_language("12 34 56") == ""


def test_extract_text_keeps_working() -> None:
    article = extract_text("A title\n\nFirst paragraph here.\n\nSecond paragraph here.")
    assert article.title == "A title"
    assert [p.text for p in article.paragraphs] == ["First paragraph here.", "Second paragraph here."]


# --- Encodings ----------------------------------------------------------------------------

WINDOWS_1252_TEXT = "Café owners said the “new rules” cost them €5,000 – and that’s not all, naïvely."


def _cp1252_page(meta: str) -> bytes:
    return (f"<html><head>{meta}<title>Prices</title></head><body><article><h1>Prices</h1>"
            f"<p>{WINDOWS_1252_TEXT}</p><p>{WINDOWS_1252_TEXT}</p></article></body></html>").encode("cp1252")


@pytest.mark.parametrize("meta, content_type", [
    ('<meta charset="windows-1252">', ""),
    ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', ""),  # means 1252
    ("", "text/html; charset=windows-1252"),
    ("", ""),  # no declaration at all: not UTF-8, so UnicodeDammit's guess
])
def test_windows_1252_comes_out_right(meta: str, content_type: str) -> None:
    article = extract_html(_cp1252_page(meta), content_type=content_type)
    assert article.paragraphs[0].text == WINDOWS_1252_TEXT


def test_boms_and_header_charset() -> None:
    page = "<html><body><p>Über die Brücke gingen die Leute, während der Fluss stieg.</p></body></html>"
    assert extract_html(b"\xef\xbb\xbf" + page.encode()).paragraphs[0].text.startswith("Über die Brücke")
    assert extract_html(page.encode("utf-16")).paragraphs[0].text.startswith("Über die Brücke")
    latin = page.replace("<html>", '<html><meta charset="utf-8">').encode("latin-1")
    # the header wins over a wrong <meta>; a wrong label that fails to decode falls through
    assert extract_html(latin, content_type="text/html; charset=ISO-8859-1").paragraphs[0].text.startswith(
        "Über die Brücke")
    assert extract_html(latin).paragraphs[0].text.startswith("Über die Brücke")


# --- Bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"   \n\t ", "empty"),
    ("", "empty"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "not HTML: the data is a PDF document"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not HTML: the data is a PNG image"),
    (bytes(range(256)) * 64, "not HTML"),
    (b"just some words with no markup at all, which a person typed into a file", "not HTML"),
    (b"<html><head><script>var a = 1;</script></head><body><script>render()</script>"
     b"<style>p { color: red }</style></body></html>", "no article body found"),
    (b"<html><body><nav><a href='/'>Home</a><a href='/news'>News</a></nav></body></html>",
     "no article body found"),
])
def test_bad_input_gets_a_clear_error(data: bytes | str, reason: str) -> None:
    with pytest.raises(ExtractionError, match=re.escape(reason)):
        extract_html(data)


def test_deep_nesting_does_not_crash() -> None:
    para = "<p>Deep inside five thousand boxes there is still a paragraph of perfectly good prose.</p>"
    html = "<html><body>" + "<div>" * 5000 + para + "</div>" * 5000 + "</body></html>"
    article = extract_html(html)
    assert article.paragraphs[0].text.startswith("Deep inside five thousand boxes")
    spans = "<html><body><p>" + "<span>" * 5000 + "Nested text in spans, a sentence long." + "</span>" * 5000
    assert "Nested text in spans" in extract_html(spans + "</p></body></html>").body_text()


def test_a_page_as_large_as_the_fetch_limit_is_extracted() -> None:
    """The largest page a URL may bring (fetch.MAX_BYTES) is read whole; its speed and memory are
    measured in bench/bench_hostile.py, not here."""
    sentence = "A sentence about the weather, which was mild for the time of year. "
    para = "<div class='x'><p>" + sentence * 3 + "</p></div>\n"
    count = (MAX_BYTES - 100) // len(para)
    html = ("<html><body><article>" + para * count + "</article></body></html>").encode()
    assert MAX_BYTES - 1000 <= len(html) <= MAX_BYTES
    article = extract_html(html)
    assert len(article.paragraphs) == count
    assert article.paragraphs[0].text == (sentence * 3).strip()


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError, match="cannot read"):
        load(str(tmp_path / "missing.html"))
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(ExtractionError, match="unsupported file type .pdf"):
        load(str(tmp_path / "a.pdf"))


def test_main_prints_body_json_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = str(PAGES / "seed_like_newsweek.html")
    assert main(["--body", page]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Andrei Medvedev is a former commander")
    assert "\n\nWhat Andrei Medvedev Has Revealed About Wagner Group\n\n" in out
    assert main([page]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"].startswith("Who Is Andrei Medvedev?")
    assert data["sections"][1]["heading"] == "What Andrei Medvedev Has Revealed About Wagner Group"
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    assert main([str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty" in err


# --- Quality gate -------------------------------------------------------------------------

F1_FLOOR = 0.980
PRECISION_FLOOR = 0.985
"""Pinned below what the extractor achieves on the dev pages (F1 0.985, precision 0.991 in
bench/RESULTS.md, "Extraction (issue 15)"); raise them in a commit of their own, and give a
reason in the message to lower them."""


@pytest.mark.slow
def test_quality_gate_on_dev_corpus() -> None:
    if not DEV.is_dir():
        pytest.skip(f"the shared dev corpus is not at {DEV} (it lives beside the repository)")
    gold = json.loads((DEV / "ground-truth.json").read_text(encoding="utf-8"))
    pairs = []
    for pid in sorted(gold):
        try:
            text = extract_html((DEV / f"{pid}.html").read_bytes()).body_text()
        except ExtractionError:
            text = ""
        pairs.append((gold[pid]["articleBody"], text))
    precision, recall, f1 = corpus_scores(pairs)
    assert f1 >= F1_FLOOR and precision >= PRECISION_FLOOR, (precision, recall, f1)
