"""Extract stage, issue 27: the parts of a story that were lost or read wrongly. Social posts
embedded in it are read as quotations with who posted them; prose that mentions signing up is read,
calls to action are not; a ticker or a list of other stories before the story is not read; the
headline comes from the page's metadata over a site-logo heading; data tables are read row by row
with their headings, layout tables are not. Pages written for these tests in tests/fixtures/pages/."""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from narrator.extract import extract_html
from narrator.extract.embeds import read_post
from narrator.extract.furniture import call_to_action
from narrator.extract.tables import is_data_table
from narrator.model import Article

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


def unclassed(markup: str) -> str:
    """The page with every class, id and role removed, except the embed classes the platforms'
    own embed code gives a post (what any publisher pastes)."""
    keep = re.compile(r'\sclass="(?:twitter-tweet|instagram-media|bluesky-embed|text-post-media)"')
    marked = keep.sub(lambda m: m.group(0).replace("class=", "KEEPCLASS="), markup)
    return re.sub(r'\s(?:class|id|role)="[^"]*"', "", marked).replace("KEEPCLASS=", "class=")


def read(name: str, variant: str = "as saved") -> Article:
    markup = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    return extract_html(markup if variant == "as saved" else unclassed(markup))


def texts(article: Article) -> list[str]:
    return [p.text for p in article.paragraphs]


def paras(*lines: str) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html lang=en><head><meta charset=utf-8>{head}</head><body>{body}</body></html>"


PROSE = [
    "The county council approved its budget for next year on Thursday evening after a debate that "
    "lasted almost four hours and ended in a narrow vote.",
    "Councillors who opposed the plan said the rise in parking charges would hurt shops in the town "
    "centre, which have already lost trade to the retail park.",
    "The new charges take effect in April, and the council will review them after six months.",
]


# --- Social posts ----------------------------------------------------------------------------

POSTS = {
    "X council": "In a post on X, Kirkton Council wrote: Water main repairs on Harbour Road are finished and "
                 "the road is open again in both directions. Thanks for your patience.",
    "X fire officer": "In a post on X, Chief Fire Officer Alan Keir wrote: Proud of our crews tonight. "
                      "Eleven homes pumped out, nobody hurt. Please stay away from the sea front until the "
                      "tide turns. #StormAgnes",
    "Instagram ferry": "In a post on Instagram, Kirkton Ferry wrote: Back on the water this morning after "
                       "two days tied up in the harbour. Thank you for waiting, everyone.",
    "Instagram, no caption": "Kirkton Harbour Trust shared a post on Instagram.",
    "Bluesky": "In a post on Bluesky, Fiona Ross wrote: Engineers will survey the whole sea wall this week. "
               "If it needs more than patching, we will find the money.",
    "Threads, no text": "@kirktonferry shared a post on Threads.",
}


@pytest.mark.parametrize("variant", ["as saved", "without classes"])
def test_embedded_posts_are_read_as_quotations_where_they_stand(variant: str) -> None:
    """Each post is a quotation saying who posted it, between the paragraphs around it; a post
    in a box classed as a social widget ("social-embed") or in a <figure> is not dropped with it."""
    article = read("social_embeds", variant)
    quotes = [p.text for p in article.paragraphs if p.kind == "quote"]
    assert quotes == list(POSTS.values())
    body = texts(article)
    assert body.index(POSTS["X council"]) == body.index(
        "The council announced the reopening on social media shortly after 6pm.") + 1
    after = body[body.index(POSTS["Bluesky"]) + 1]
    assert after == "The ferry company also posted a short video of the first crossing."
    assert body[-1].startswith("Shore Street will stay closed to cars until Monday")
    assert [s.heading for s in article.sections] == [None, "Clean-up on Shore Street"]


def test_embedded_posts_never_read_addresses_dates_or_buttons() -> None:
    text = "\n".join(texts(read("social_embeds")))
    for junk in ("http", "t.co", "pic.twitter", "kirkton.gov.uk", "bsky", "instagram.com", "threads.net",
                 "Details:", "View this post", "View on Threads", "[image or embed]", "A post shared by",
                 "September 13, 2024", "September 11, 2024", "12:12am", "9:02 AM", "Twitter / X",
                 "(@KirktonCouncil)"):
        assert junk not in text, junk


TWEET = ('<blockquote class="twitter-tweet"><p>Budget passed 23 votes to 21 tonight in the chamber.</p>'
         '&mdash; Ann Lee (@annlee) <a href="https://twitter.com/annlee/status/1">March 1, 2024</a>'
         '</blockquote>'
         '<script async src="https://platform.twitter.com/widgets.js"></script>')
ANN_LEE = "In a post on X, Ann Lee wrote: Budget passed 23 votes to 21 tonight in the chamber."


@pytest.mark.parametrize("box", [
    "<aside>{}</aside>",
    '<aside class="embed"><span>Embedded post</span>{}</aside>',
    '<div class="social-embed twitter"><p>From Twitter</p>{}</div>',
    '<div class="related-content">{}</div>',
    "<figure>{}<figcaption>The council leader posted it minutes after the vote.</figcaption></figure>",
    '<nav class="share">{}<a href="/share">Share</a></nav>',
])
def test_a_post_in_a_box_that_is_dropped_as_furniture_is_still_read(box: str) -> None:
    """Boxes that the furniture finders drop (an <aside>, a "social" or "related" box, a figure's
    caption, a share bar) do not take the post with them: it is read where it stood."""
    article = extract_html(page(f"<article><h1>Budget</h1>{paras(PROSE[0])}{box.format(TWEET)}"
                                f"{paras(PROSE[1])}</article>"))
    assert texts(article) == [PROSE[0], ANN_LEE, PROSE[1]]


def test_a_post_beside_the_storys_own_short_line_keeps_the_line_in_order() -> None:
    article = extract_html(page(f"<article><h1>Budget</h1>{paras(PROSE[0])}<div><p>She wrote:</p>"
                                f"{TWEET}</div>{paras(PROSE[1])}</article>"))
    assert texts(article) == [PROSE[0], "She wrote:", ANN_LEE, PROSE[1]]


def test_a_post_without_an_author_line_is_credited_to_the_handle_in_its_address() -> None:
    quote = lxml.html.fromstring(
        '<blockquote class="twitter-tweet" cite="https://twitter.com/harbourmaster/status/123">'
        "<p>High water at 14:20 today, 5.9 metres. Moor with care.</p></blockquote>")
    post = read_post(quote, "X")
    assert post.author == "@harbourmaster"
    assert post.spoken() == ("In a post on X, @harbourmaster wrote: High water at 14:20 today, 5.9 metres. "
                             "Moor with care.")


def test_addresses_in_a_post_are_left_out_in_any_form() -> None:
    """A link shown as its address, a display address cut short, a bare "www." address and one
    introduced by a label are not read; a name with a dot in it is."""
    quote = lxml.html.fromstring(
        '<blockquote class="twitter-tweet"><p>Our statement on the vote: <a href="https://t.co/a">'
        'kirkton.gov.uk/news/budget-2…</a> Full report at www.kirkton.gov.uk/budget and in the Node.js '
        'app. Details: https://kirkton.gov.uk/x</p>&mdash; Kirkton Labour (@KirktonLab) '
        '<a href="https://twitter.com/KirktonLab/status/1">March 1, 2024</a></blockquote>')
    assert read_post(quote, "X").spoken() == (
        "In a post on X, Kirkton Labour wrote: Our statement on the vote: Full report at and in the "
        "Node.js app.")


def test_a_post_the_json_ld_body_lacks_is_still_read() -> None:
    """A JSON-LD articleBody holds the story's prose but not the posts shown in it: the page's
    blocks the data does not hold are dropped as furniture, the post is kept."""
    body = " ".join(f"<p>{p}</p>" for p in PROSE[:2])
    tweet = ('<blockquote class="twitter-tweet"><p lang="en">Budget passed 23 votes to 21. Parking charges '
             'rise in April. <a href="https://t.co/xYz">https://t.co/xYz</a></p>&mdash; Ann Lee (@annlee) '
             '<a href="https://twitter.com/annlee/status/1">March 1, 2024</a></blockquote>')
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget approved", '
          f'"articleBody": "{PROSE[0]}\\n{PROSE[1]}\\n{PROSE[2]}"}}</script>')
    article = extract_html(page(f"<article><h1>Budget approved</h1>{body}{tweet}{paras(PROSE[2])}</article>",
                                ld))
    assert texts(article) == [*PROSE[:2], "In a post on X, Ann Lee wrote: Budget passed 23 votes to 21. "
                              "Parking charges rise in April.", PROSE[2]]


def test_a_blockquote_of_the_story_is_no_post() -> None:
    """Only the platforms' embed markup makes a post: a quotation in the story keeps its words."""
    quote = "We will not let the ferry service end while I am in office, whatever it costs."
    article = extract_html(page(f"<article><h1>Ferry</h1>{paras(PROSE[0])}<blockquote><p>{quote}</p>"
                                f"</blockquote>{paras(PROSE[1])}</article>"))
    assert texts(article) == [PROSE[0], quote, PROSE[1]]


# --- Calls to action and prose about signing up ----------------------------------------------

SIGNUP_PROSE = [
    "More than 6,000 households have signed up for the council's garden waste collections since the "
    "scheme opened in February, far more than the 4,000 the council had planned for.",
    "Residents can sign up for the service online or at the library until 31 March. The permit costs £45 a "
    "year and covers one brown bin, emptied every fortnight from April to November.",
    "Subscribe to the scheme after the deadline, and your first collection will not come until June, the "
    "council warned.",
    "To sign up, residents need their council tax reference number and a debit or credit card. People who "
    "cannot pay online can pay by phone or at the library.",
    '"Sign up early, because the bins have to be ordered from the manufacturer," said Morag Keir, the '
    'council\'s head of waste services. "Last year some people waited six weeks."',
    "Households that subscribed last year will be reminded by letter, and can renew with the reference "
    "number printed on it.",
    "Subscribers who register two bins pay £80 instead of £90.",
]


@pytest.mark.parametrize("variant", ["as saved", "without classes"])
def test_prose_about_signing_up_is_read_and_the_calls_to_action_are_not(variant: str) -> None:
    article = read("signup_prose", variant)
    assert texts(article) == SIGNUP_PROSE
    assert [s.heading for s in article.sections] == [None, "How to sign up"]


@pytest.mark.parametrize("text", [
    "Sign up for our daily newsletter",
    "Subscribe now",
    "Get the Evening Post's politics briefing in your inbox every Friday.",
    "We'll send you an email every morning with the day's headlines.",
    "Don't miss a story: get our breaking news alerts.",
    "Stay informed. Sign up to our free newsletter here.",
    "You can also subscribe to our podcast.",
    "Abonnez-vous à notre lettre d'information",
])
def test_calls_to_action(text: str) -> None:
    assert call_to_action(text)


@pytest.mark.parametrize("text", [
    "Register to vote by October 9 at any post office.",
    "Sign up for free school meals at the school office before the end of term.",
    "More than 2,000 people signed up for the scheme in its first week.",
    "To subscribe, residents bring a utility bill to the town hall.",
    '"Join us on the march," the organisers wrote to members on Friday.',
    "The company went on to sign up 40,000 subscribers in Brazil alone.",
    "Readers who subscribe to the paper's print edition will get the magazine free.",
    "How to sign up",
])
def test_prose_that_mentions_signing_up_is_no_call_to_action(text: str) -> None:
    assert not call_to_action(text)


@pytest.mark.parametrize("text, prompt", [
    ("Subscribe to the Kirkton Courier to read every story.", True),
    ("Subscribe today for just £1 a week.", True),
    ("Register free for 30 days and read on.", True),
    ("Sign up for the bin service, which costs £45 a year, at the library.", False),
    ("Subscribe to the scheme after the deadline and pay £50 instead.", False),
])
def test_a_sign_up_verb_offering_the_site_or_a_price_is_a_call_to_action(text: str, prompt: bool) -> None:
    assert call_to_action(text, site="The Kirkton Courier") is prompt


def test_an_imperative_in_a_sign_up_box_is_a_call_to_action() -> None:
    """Beside a form, "Be the first to hear about our offers" is the box's prompt; the same words in
    the story are not dropped."""
    prompt = "Be the first to hear about the offers at the Market Hall shops this winter."
    box = f'<div><p>{prompt}</p><form action="/s"><input name=e><button>Go</button></form></div>'
    article = extract_html(page(f"<article><h1>Shops</h1><p>{PROSE[0]}</p>{box}<p>{PROSE[1]}</p></article>"))
    assert texts(article) == PROSE[:2]
    article = extract_html(page(f"<article><h1>Shops</h1><p>{PROSE[0]}</p><p>{prompt}</p><p>{PROSE[1]}</p>"
                                "</article>"))
    assert texts(article) == [PROSE[0], prompt, PROSE[1]]


# --- Tickers and teaser lists before the story; the headline ----------------------------------

SCHOOL_BUS = [
    "The contract to run school buses in the Kirkton area has been handed to a new operator, after parents "
    "complained that children were left waiting at the roadside on more than 40 mornings last term.",
    "Highland Coaches, based in Inverness, will take over the eleven routes from the start of November. The "
    "council ended its contract with Strath Travel early, citing a shortage of drivers that the firm had "
    "been unable to fix.",
    '"Parents have been patient for far too long," said councillor Anne Munro, who chairs the education '
    'committee. "Children were missing the first lesson of the day, and some were walking along the A96 in '
    'the dark."',
    "Strath Travel said it had struggled to recruit since the pandemic and had offered to run fewer routes "
    "while it trained new drivers.",
    "The new contract is worth £1.2m a year, about £150,000 more than the old one, and includes a penalty "
    "for every late or missed run.",
]


@pytest.mark.parametrize("variant", ["as saved", "without classes"])
def test_a_ticker_and_a_teaser_list_before_the_story_are_not_read(variant: str) -> None:
    article = read("ticker_teasers", variant)
    assert texts(article) == SCHOOL_BUS
    assert article.title == "School bus contract handed to new firm after driver shortages"
    assert article.byline == "Ewan Sutherland"


def test_a_row_of_headlines_in_one_line_before_the_story_is_a_ticker() -> None:
    ticker = "<p>Breaking • A96 closed at Nairn after crash • Power cut in Ardmore • Walker found safe</p>"
    article = extract_html(page(f"<main>{ticker}<h1>Budget approved</h1>{paras(*PROSE)}</main>"))
    assert texts(article) == PROSE


def test_short_lines_that_open_the_story_under_its_headline_are_read() -> None:
    """Below the headline, short unlinked lines (a box score, a list of what is new) are the story:
    only linked ones (other stories' headlines) are a teaser list."""
    lines = ["Kirkton 3", "Ardmore 1", "Attendance 1,204"]
    article = extract_html(page(f"<article><h1>Kirkton win the derby</h1>{paras(*lines, *PROSE)}</article>"))
    assert texts(article) == [*lines, *PROSE]


@pytest.mark.parametrize("meta", [
    '<meta property="og:title" content="Budget approved after four-hour debate">',
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget approved after '
    'four-hour debate"}</script>',
])
def test_the_headline_metadata_wins_over_a_site_logo_heading(meta: str) -> None:
    head = ('<title>Budget approved after four-hour debate | The Kirkton Courier</title>'
            f'<meta property="og:site_name" content="The Kirkton Courier">{meta}')
    body = ('<header><h1><a href="/">The Kirkton Courier</a></h1></header><main><h2>Budget approved after '
            'four-hour debate</h2>' + "".join(f"<p>{p}</p>" for p in PROSE) + "</main>")
    article = extract_html(page(body, head))
    assert article.title == "Budget approved after four-hour debate"
    assert texts(article) == PROSE


def test_a_site_logo_heading_named_only_in_the_title_is_not_the_headline() -> None:
    """No og:site_name: the logo <h1> is the part of "Headline | Site" beside the headline."""
    head = ('<title>Budget approved | The Kirkton Courier</title>'
            '<meta property="og:title" content="Budget approved | The Kirkton Courier">')
    body = '<header><h1><a href="/">The Kirkton Courier</a></h1></header><main>' + paras(*PROSE) + "</main>"
    assert extract_html(page(body, head)).title == "Budget approved"


def test_a_short_headline_in_the_title_is_told_from_a_longer_site_name() -> None:
    head = '<title>Budget approved | The Kirkton and Ardmore Courier</title>'
    logo = '<header><h1><a href="/">The Kirkton and Ardmore Courier</a></h1></header>'
    body = f"{logo}<main>{paras(*PROSE)}</main>"
    assert extract_html(page(body, head)).title == "Budget approved"


def test_an_h1_that_shortens_the_headline_is_still_the_title() -> None:
    head = ('<meta property="og:title" content="Budget approved after four-hour debate as parking charges '
            'rise in April">')
    body = "<h1>Budget approved after four-hour debate</h1>" + "".join(f"<p>{p}</p>" for p in PROSE)
    assert extract_html(page(body, head)).title == "Budget approved after four-hour debate"


# --- Tables ----------------------------------------------------------------------------------

STANDINGS = [
    "Highland League, top six after Saturday's games.",
    "Pos, Team, Played, Won, Drawn, Lost, Points.",
    "1, Kirkton Rovers, 14, 10, 2, 2, 32.",
    "2, Brora City, 14, 9, 4, 1, 31.",
    "3, Ardmore Thistle, 15, 9, 3, 3, 30.",
    "4, Nairn County, 14, 8, 2, 4, 26.",
    "5, Fraserburgh, 13, 7, 3, 3, 24.",
    "6, Huntly, 15, 6, 4, 5, 22.",
]
RESULTS = ["Brora City, 1-1, Nairn County.", "Fraserburgh, 3-0, Wick Academy.",
           "Huntly, 0-2, Forres Mechanics.", "Clachnacuddin, 2-2, Turriff United."]
POLL = ["Team, Votes, Share.", "Brora City, 512, 42%.", "Kirkton Rovers, 398, 33%.",
        "Ardmore Thistle, 187, 15%.", "Another team, 121, 10%."]


@pytest.mark.parametrize("variant", ["as saved", "without classes"])
def test_data_tables_are_read_row_by_row_with_their_headings(variant: str) -> None:
    """Standings (with a caption and a <thead>), results (no headings: scores) and a poll are read
    where they stand, each row a line; a sidebar's table of links to other stories is not."""
    article = read("table_standings", variant)
    body = texts(article)
    first = body.index(STANDINGS[0])
    assert body[first - 1].startswith("Thistle had led at the break")
    assert body[first:first + len(STANDINGS)] == STANDINGS
    assert body[first + len(STANDINGS)].startswith("Brora City, who had been top since August")
    results = article.sections[1]
    assert results.heading == "Saturday's other results"
    assert [p.text for p in results.paragraphs][:4] == RESULTS
    poll = article.sections[2]
    assert poll.heading == "Readers' poll"
    assert [p.text for p in poll.paragraphs][1:6] == POLL
    assert body[-1] == "Rovers travel to Huntly next Saturday, while Brora City are at home to Fraserburgh."
    assert "Most read" not in "\n".join(body) and not any("Ross County" in t for t in body)


def test_a_long_table_is_read_up_to_a_cap_and_says_how_much_is_left() -> None:
    rows = "".join(f"<tr><td>{i}</td><td>Runner {i}</td><td>3:{10 + i // 2:02d}:{i % 60:02d}</td></tr>"
                   for i in range(1, 46))
    table = ("<table><thead><tr><th>Place</th><th>Name</th><th>Time</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>")
    article = extract_html(page(f"<article><h1>Marathon results</h1>{paras(PROSE[0])}{table}{paras(PROSE[1])}"
                                "</article>"))
    body = texts(article)
    assert body[1] == "Place, Name, Time."
    assert body[2] == "1, Runner 1, 3:10:01."
    assert len([t for t in body if t.startswith(tuple("0123456789"))]) == 30
    assert body[-2] == "The table has 15 more rows, not read here."
    assert body[-1] == PROSE[1]


WARDS = "".join(f"<tr><td>Ward {i}</td><td>{900 + 37 * i}</td><td>{600 + 23 * i}</td><td>{40 + i}%</td></tr>"
                for i in range(1, 19))
WARD_TABLE = ("<table><thead><tr><th>Ward</th><th>Yes</th><th>No</th><th>Turnout</th></tr></thead>"
              f"<tbody>{WARDS}</tbody></table>")
NAV = "<nav><ul>" + "".join(f"<li><a href=/s{i}>Section {i}</a></li>" for i in range(8)) + "</ul></nav>"


def test_a_page_that_is_mostly_a_results_table_keeps_its_table() -> None:
    """A results page whose table, in a box of its own beside a one-paragraph introduction, holds
    more text than the prose: the body is found around both."""
    article = extract_html(page(f"{NAV}<main><h1>Referendum: ward by ward</h1><div class=story>"
                                f"{paras(PROSE[0])}<div class=results>{WARD_TABLE}</div></div>"
                                "<div class=share><a href=/s>Share</a></div></main>"))
    body = texts(article)
    assert body[0] == PROSE[0]
    assert body[1] == "Ward, Yes, No, Turnout."
    assert body[2] == "Ward 1, 937, 623, 41%."
    assert body[19] == "Ward 18, 1566, 1014, 58%."
    assert len(body) == 20


def test_a_data_table_in_a_side_column_is_not_the_story() -> None:
    """A table beside nothing but its heading, in a column next to the story's, does not draw the
    body out of the story's column."""
    side = f"<div><h3>Results so far</h3>{WARD_TABLE}</div>"
    article = extract_html(page(f"{NAV}<div><div><h1>Budget approved</h1>{paras(*PROSE)}</div>{side}</div>"))
    assert texts(article) == PROSE


def test_a_table_the_json_ld_body_lacks_is_still_read() -> None:
    """A JSON-LD articleBody holds the prose and not the table (data bodies leave tables out): the
    rows are kept with the paragraphs the data confirms."""
    table = ("<table><tr><th>Party</th><th>Seats</th></tr><tr><td>Green</td><td>12</td></tr>"
             "<tr><td>Labour</td><td>9</td></tr></table>")
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Budget approved", '
          f'"articleBody": "{PROSE[0]}\\n{PROSE[1]}"}}</script>')
    article = extract_html(page(f"<article><h1>Budget approved</h1>{paras(PROSE[0])}{table}{paras(PROSE[1])}"
                                "</article>", ld))
    assert texts(article) == [PROSE[0], "Party, Seats.", "Green, 12.", "Labour, 9.", PROSE[1]]


def test_a_layout_table_is_read_for_its_prose_and_not_as_rows() -> None:
    article = read("table_layout")
    assert article.title == "Village hall roof to be replaced before winter"
    body = texts(article)
    assert body[0].startswith("The roof of Glenmore village hall will be replaced in October")
    assert body[2].startswith("Committee chair Morag Fraser said the work would take about five weeks.")
    assert body[3].startswith('"We are grateful to everyone who baked')
    assert body[-1].startswith("The council's community fund paid £20,000")
    assert len(body) == 5
    assert not any(t.endswith(("Home.", "Contact us.")) or "Glenmore Gazette" in t for t in body)


@pytest.mark.parametrize("markup, data", [
    ("<table><tr><th>Ward</th><th>Votes</th></tr><tr><td>North</td><td>812</td></tr></table>", False),
    ("<table><tr><td>North</td><td>812</td></tr><tr><td>South</td><td>640</td></tr></table>", True),
    ("<table><tr><td><p>" + "A paragraph of the story in a layout cell, long enough to be prose. " * 4
     + "</p></td><td><p>" + "Another paragraph of the story beside it, in the second column. " * 4
     + "</p></td></tr><tr><td>x</td><td>y</td></tr></table>", False),
    ("<table role=presentation><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>", False),
    ("<table><tr><td><a href=/a>Fire at the mill</a></td><td><a href=/b>Road closed</a></td></tr>"
     "<tr><td><a href=/c>Vote today</a></td><td><a href=/d>New school</a></td></tr></table>", False),
    ("<table><tr><th>Party</th><th>Seats</th></tr><tr><td>Green</td><td>four</td></tr>"
     "<tr><td>Labour</td><td>six</td></tr></table>", True),
])
def test_data_tables_are_told_from_layout_by_their_structure(markup: str, data: bool) -> None:
    assert is_data_table(lxml.html.fromstring(markup)) is data
