"""Articles submitted for narration: the checks every submission passes, and submissions by URL,
whose page is fetched by the job (never by the request that made it: a slow or huge page must hold
a worker, which has a deadline, not a web thread)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from ..audio.jingles import load_jingles
from ..config import Settings
from ..errors import ExtractionError, InputError
from ..extract import from_page
from ..model import Article
from ..net.fetch import fetch
from ..net.guard import NetGuard
from ..pipeline import lexicon_for, spoken_chars
from ..safetext import has_unsafe
from ..speech.voices import Voice, get_voice
from .store import ArticleRecord, JobRecord, JobRequest, Store, content_hash

URL_CHARS_ESTIMATE = 20_000
"""What a submission by URL counts against its requester's queue limit until its page is fetched
(a long news feature; the limit is corrected to the article's true size once it is known)."""

MAX_URL = 2048
"""Longest URL accepted (browsers and servers commonly stop near 2,000 characters)."""


def check_size(article: Article, settings: Settings) -> Article:
    """`article`, or ExtractionError (422) if it is longer than NARRATOR_MAX_ARTICLE_CHARS."""
    limit = settings.max_article_chars
    if limit and article.chars > limit:
        raise ExtractionError(f"the article is {article.chars:,} characters long; the limit is {limit:,} "
                              "(NARRATOR_MAX_ARTICLE_CHARS)")
    return article


# How a narration is counted: one function for the size limit and the queue quota -------------------


def narration_size(article: Article, voice: Voice, settings: Settings) -> int:
    """What narrating `article` in `voice` counts against NARRATOR_MAX_ARTICLE_CHARS and the requester's
    NARRATOR_MAX_QUEUED_CHARS: its written characters or the characters that will be spoken (after the
    lexicons in force and normalisation), whichever is more, since pronunciations and numbers said in
    words can make the spoken text far longer than the written one (2,000 times "a" with a 495-character
    pronunciation were a million). ExtractionError (422) when either is over the limit; the written
    text is measured first, so no more than the limit is ever normalised here (about 1 s for 200,000
    characters)."""
    check_size(article, settings)
    spoken = spoken_chars(article, voice, settings)
    limit = settings.max_article_chars
    if limit and spoken > limit:
        raise ExtractionError(f"the article would be {spoken:,} characters long when spoken (after "
                              f"pronunciations and numbers said in words); the limit is {limit:,} "
                              "(NARRATOR_MAX_ARTICLE_CHARS)")
    return max(article.chars, spoken)


def check_url(url: str) -> str:
    """`url` if it can be fetched at all (http or https, a host, no spaces, control characters or other
    characters narrator.safetext removes);
    InputError otherwise. Whether its address may be fetched is decided when it is fetched."""
    if len(url) > MAX_URL:
        raise InputError(f"the URL is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for a port that is not a number in range
    except ValueError:
        raise InputError("the URL is not valid") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError("url must be an http or https URL with a host")
    if any(ch.isspace() for ch in url) or has_unsafe(url) or port == 0:  # controls, surrogates...
        raise InputError("the URL is not valid")
    return url


@dataclass(frozen=True)
class PageRequest:
    """A submission by URL, as its job fetches it: the page and the submission's own fields."""

    url: str
    """The page to fetch."""
    title: str = ""
    """The submission's title, which wins over the page's (empty: the page's)."""
    pronunciations: tuple[tuple[str, str], ...] = ()
    """The submission's own lexicon entries."""

    def to_json(self) -> str:
        """What the job records (jobs.fetch)."""
        return json.dumps({"url": self.url, "title": self.title,
                           "pronunciations": [list(p) for p in self.pronunciations]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> PageRequest:
        """The inverse of to_json."""
        data = json.loads(text)
        entries = tuple((w, s) for w, s in data.get("pronunciations", ()))
        return cls(data["url"], data.get("title", ""), entries)

    def placeholder(self) -> Article:
        """What a new article holds until its page is fetched: no body, the URL it comes from."""
        return Article(title=self.title, sections=(), url=self.url, pronunciations=self.pronunciations)

    def fetched(self, settings: Settings, guard: Callable[[], NetGuard]) -> Article:
        """Fetch and extract the page (through a fresh `guard`), with the submission's own fields;
        ExtractionError for a page that cannot be fetched or read, or is too long."""
        article = from_page(fetch(self.url, guard()))
        if self.title:
            article = replace(article, title=self.title)
        return check_size(replace(article, pronunciations=self.pronunciations), settings)


def fingerprint(article: Article, voice_name: str | None, voice: Voice, settings: Settings) -> str:
    """Hash of everything that decides a narration: content, the voice asked for (`voice_name`,
    None for the language's default) and the one it resolves to, the lexicon in force, and the
    publisher's intro and outro."""
    jingles = load_jingles(settings)
    extra = hashlib.sha256(f"{voice}\0{jingles.identity if jingles else ''}".encode()).hexdigest()[:8]
    return f"{content_hash(article, voice_name)}:{lexicon_for(voice, settings, article).version[:16]}:{extra}"


def store_article(store: Store, settings: Settings, article: Article, requested: str | None,
                  request: JobRequest, article_id: str | None = None,
                  existing: bool = False) -> tuple[ArticleRecord, JobRecord | None, bool]:
    """Store a submitted article (new, or `existing` under `article_id`) with its fingerprint, and
    queue its narration when anything that decides it changed: the article, its job (None when
    nothing is to be done) and whether the job is new (to be submitted to the queue). The one way in
    for the API and `narrator watch`. VoiceError for a voice that does not exist or speak it."""
    voice = get_voice(requested, article.language, settings.voices)
    made = fingerprint(article, requested, voice, settings)
    request = replace(request, chars=narration_size(article, voice, settings))
    if existing:
        assert article_id is not None
        return store.articles.update(article_id, article, requested, made, request)
    record, job = store.articles.create(article, requested, article_id, made, request)
    return record, job, True


def default_guard(settings: Settings) -> Callable[[], NetGuard]:
    """The guard jobs fetch through: public addresses only, unless NARRATOR_ALLOW_PRIVATE_URLS=1."""
    return lambda: NetGuard(allow_private=bool(settings.allow_private_urls))


__all__ = ["MAX_URL", "PageRequest", "URL_CHARS_ESTIMATE", "check_size", "check_url", "default_guard",
           "fingerprint", "narration_size", "store_article"]
