"""Settings: everything an operator configures, in one typed object read once from NARRATOR_* variables.

Each field of `Settings` is set by the environment variable ``NARRATOR_<FIELD>`` (upper case);
its default is given here and nowhere else. The command line reads the environment once
(`Settings.from_env()`), the web app once in `create_app`, and both pass the object down.
README's configuration table is checked against these fields by a test.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .errors import InputError


def default_home() -> str:
    """Where state lives unless NARRATOR_HOME says: the user's data folder (XDG), never the current
    folder, so a command run from `/` or from a read-only checkout does not write beside it."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "narrator")


LOG_FORMATS = ("text", "json")
"""How narrator writes its log lines: plain text, or one JSON object a line (docs/operations.md)."""

RUNNERS = ("inprocess", "none")
"""Who runs queued jobs for `narrator serve`: the web process itself, or only `narrator worker`s."""

MIN_WEBHOOK_SECRET = 32
"""Shortest webhook signing key accepted: 32 characters of `openssl rand -hex 16` carry 128 bits."""

DISCLAIMER = "Voice is AI-generated. Inconsistencies may occur."
"""The spoken AI-voice disclaimer every narration opens with, by default."""
ALIASES = {"voices_dir": "NARRATOR_VOICES"}
"""Older names of settings, read when the setting's own variable is not set."""

LABEL = DISCLAIMER
"""The player's AI-voice notice (the tooltip of its "AI voice" badge): by default the spoken disclaimer."""


@dataclass(frozen=True)
class Settings:
    """What an operator configures; each field from the environment variable NARRATOR_<FIELD>."""

    # Narration ------------------------------------------------------------------------------------
    disclaimer: str = DISCLAIMER
    """Spoken first in every narration (empty: none)."""
    publication: str = ""
    """Written into the MP3's artist tag and shown by the player (empty: the article's site)."""
    bitrate_kbps: int = 64
    """MP3 bit rate (mono CBR)."""
    loudness_lufs: float = -16.0
    """Integrated loudness target."""
    voices_dir: str = ""
    """A folder of the operator's voice profiles (and their lexicons and model files), read after the
    shipped ones: a profile with a shipped profile's name replaces it. Empty: HOME/voices, when that
    folder exists. NARRATOR_VOICES is an older name for it."""
    lexicon: str = ""
    """The publication's pronunciation lexicon file (default: HOME/lexicon.tsv, edited on the dashboard)."""
    intro: str = ""
    """An audio file (any format ffmpeg reads) played before the disclaimer, e.g. a station ident."""
    outro: str = ""
    """An audio file played after the last paragraph."""
    word_timings: int = 1
    """1: the timing map says when each word is said (the player highlights the word being read);
    0: by sentence only, and engines skip the alignment work (docs/words.md)."""
    synthesis_lanes: int = 0
    """Sentences a Piper voice synthesises side by side, in one model, each run on one core's worth of
    threads (0: one per core; 1: one at a time, onnxruntime's own threading, as Piper's command does)."""
    remote_concurrency: int = 4
    """Sentences in flight at once to the server of a remote voice (engine = "openai")."""
    remote_timeout_s: float = 60.0
    """Longest wait for one answer of a remote voice's server; a request is tried again (with backoff)
    on a timeout, a 429 or a 5xx, three times in all."""

    # State ----------------------------------------------------------------------------------------
    home: str = ""
    """Folder holding all state: database, audio, queue, synthesis cache (default: the user's data
    folder, ~/.local/share/narrator)."""
    cache_max_mb: int = 1024
    """Size limit of the synthesis cache; least recently used clips go first (0: no cache)."""
    keep_versions: int = 5
    """Versions kept per article (older ones are deleted; 0 keeps all)."""
    database_url: str = ""
    """Metadata database: empty for SQLite under home; postgresql://user:pass@host/db for PostgreSQL
    (create its tables with `narrator db upgrade`)."""
    db_timeout_s: float = 30.0
    """How long a database call waits for a lock held elsewhere before failing (503 in the API)."""
    s3_bucket: str = ""
    """With a bucket name, published audio lives in S3-compatible object storage instead of home/audio."""
    s3_endpoint_url: str = ""
    """The S3 API endpoint for services other than AWS (MinIO, Ceph, R2...); empty: AWS."""
    s3_region: str = "us-east-1"
    """The bucket's region."""
    s3_prefix: str = ""
    """Key prefix in the bucket (e.g. 'audio/')."""
    s3_public_url: str = ""
    """Base URL of the public bucket or its CDN, for listeners' links; empty: presigned URLs."""
    s3_presign_s: int = 3600
    """Lifetime of a presigned URL (private bucket)."""
    s3_timeout_s: float = 10.0
    """How long a call to the S3 endpoint waits to connect, and then for each answer, before it is tried
    again (three tries in all) and fails as 'the audio storage cannot be reached' (503 in the API; a job
    retries). A stalled endpoint holds a request at most about three times this."""

    # Jobs -----------------------------------------------------------------------------------------
    redis_url: str = ""
    """With a redis:// URL, the job queue lives in Redis and workers on several machines share it."""
    runner: str = "inprocess"
    """'inprocess': `narrator serve` also runs queued jobs; 'none': it only enqueues them, for
    `narrator worker`s to run."""
    job_attempts: int = 3
    """Times a job is tried (with backoff) before it is marked failed."""
    job_lease_s: float = 60.0
    """A running job's worker renews its claim this often; a job whose claim lapses runs again."""
    heartbeat_s: float = 10.0
    """How often each worker (`narrator worker`, and the in-process runner of `narrator serve`) records in
    the database that it is alive; /readyz fails when none has done so for three times this long."""
    listen_timeout_s: float = 30.0
    """Longest wait for a worker to speak a pronunciation on the dashboard (503 beyond)."""
    speech_timeout_s: float = 120.0
    """Longest wait for a worker to speak the input of a POST /v1/audio/speech (504 beyond); a request
    still waiting then is dropped by the worker, not spoken."""
    speech_chars_per_minute: int = 10_000
    """Characters of input one credential may have spoken by POST /v1/audio/speech a minute (about ten
    minutes of speech; a request of up to 4,096 characters is always possible after a wait), per web
    process; 429 with Retry-After beyond. Speech is made on the listening lane, which listeners' presses
    share. 0: no limit."""
    max_queued_chars: int = 600_000
    """Characters of narration one API key or editor may have queued or running at once (three of the
    longest articles, or about a hundred ordinary ones); beyond, 429 with Retry-After. 0: no limit.
    An article counts its written or its spoken characters (after lexicons and normalisation),
    whichever is more."""
    job_timeout_s: float = 3600.0
    """Longest a job may work on one narration (time it lets more urgent jobs run first not counted);
    beyond, it stops and fails saying so. The longest article (200,000 spoken characters) takes about
    25 minutes with the default voice on a busy 2-core machine. 0: no limit."""

    # Watching feeds and sitemaps (narrator watch) ----------------------------------------------------
    watch_interval_s: float = 300.0
    """How often each watched feed or sitemap is read (a news site's feed changes every few minutes)."""
    watch_delay_s: float = 1.0
    """Pause between two requests to the same host while watching (one request at a time)."""
    watch_max_entries: int = 50
    """Entries looked at per pass, newest first (a feed of 10,000 entries costs no more)."""
    watch_max_sources: int = 20
    """Most feeds and sitemaps watched at once (adding another is refused; 0: no limit). Each source may
    keep max_queued_chars of narration queued, so this bounds what watching can queue in all."""
    watch_parse_s: float = 30.0
    """Time (wall-clock and CPU) a feed or sitemap may take to be read, in a child process; beyond, the
    pass fails and says so. A 5 MB feed takes 2 to 5 s."""
    watch_parse_mb: int = 512
    """Address space of the child process that reads a feed or sitemap (a 5 MB feed needs 100 to 230 MB);
    beyond, the pass fails and says so."""

    # Webhook --------------------------------------------------------------------------------------
    webhook_url: str = ""
    """Called with a signed POST (JSON) when a version is ready or a job failed; empty: no webhook."""
    webhook_secret: str = ""
    """Key of the webhook's HMAC-SHA256 signature (header X-Narrator-Signature: sha256=...); at least
    32 characters, required with a webhook URL (`openssl rand -hex 32` makes one)."""
    webhook_attempts: int = 5
    """Deliveries tried per event (a non-2xx answer or no answer is retried with backoff)."""
    webhook_retry_s: float = 2.0
    """Wait before the first retry of a webhook; it doubles with each further try."""

    # Web service ----------------------------------------------------------------------------------
    public_url: str = ""
    """Absolute base URL of the service (https://audio.example.com), for links in the podcast feed;
    empty: the request's own host."""
    player_label: str = LABEL
    """The AI-voice notice the player's "AI voice" badge shows (its tooltip; also in the podcast feed)."""
    publisher_logo: str = ""
    """The publisher's logo in the player's bar, beside its name: an http(s) URL, or an image file (PNG,
    JPEG, GIF, WebP or SVG) that narrator serves itself; empty: no logo."""
    feed_title: str = "narrator"
    """Title of the podcast feed."""
    feed_author: str = ""
    """The podcast's author (itunes:author; empty: the publication, else the feed's title)."""
    feed_email: str = ""
    """The podcast owner's e-mail (itunes:owner), which podcast directories write to to verify who owns
    the feed (empty: no owner is given)."""
    feed_artwork: str = ""
    """The podcast's artwork: a square PNG or JPEG of 1400 to 3000 px (empty: narrator's own)."""
    feed_category: str = "News"
    """The podcast's Apple Podcasts category, optionally with a subcategory: 'News' or 'News/Politics'."""
    accel_redirect: str = ""
    """If set (e.g. '/_narrator_audio/'), audio is answered with X-Accel-Redirect to this nginx prefix."""
    max_upload_mb: float = 5.0
    """Largest request body accepted (413 above it)."""
    max_article_chars: int = 200_000
    """Longest article accepted (422 above it): about 33,000 words, three and a half hours of speech.
    Both what is written and what will be spoken (after lexicons and normalisation) are measured."""
    max_pronunciations: int = 100
    """Entries an article's own "pronunciations" may hold (400 beyond). 0: no limit."""
    max_lexicon_entries: int = 5000
    """Entries the publication's lexicon may hold: saving one more is refused (400), and a file edited
    by hand to hold more is read as broken (its last good entries stay in force). 0: no limit."""
    allow_private_urls: int = 0
    """1: articles may be fetched from loopback and private networks (development, tests); 0 refuses them."""
    embed_ancestors: str = "*"
    """Sites that may frame the embed player (CSP frame-ancestors sources, e.g. 'https://news.example')."""
    secret_key: str = ""
    """Signs the editors' session cookies; empty: one is generated once and kept in HOME/secret_key."""
    secure_cookies: int = 0
    """1: the session cookie is sent over https only (on by itself when public_url is https)."""
    events_per_minute: int = 60
    """Listening events (POST /api/events) and presses on articles still being made (POST
    /api/articles/<id>/listen) accepted per client address per minute; 429 beyond."""
    editor_requests_per_minute: int = 120
    """State-changing editor requests (API writes, dashboard sign-in and form posts) accepted per
    client address per minute and process; 429 with Retry-After beyond. 0: no limit."""
    proxy_count: int = 0
    """Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (1 behind
    deploy/nginx.conf); 0: the app is reached directly and those headers are ignored."""

    # Operations (docs/operations.md) ----------------------------------------------------------------
    metrics_token: str = ""
    """With a value, /metrics answers any client that sends 'Authorization: Bearer <value>'; empty: only
    clients on this machine (a loopback address, not forwarded by a proxy)."""
    log_format: str = "text"
    """'text': plain log lines; 'json': one JSON object a line, with the request id (X-Request-ID) and the
    job id of the work it is about."""

    def __post_init__(self) -> None:
        if not self.home:
            object.__setattr__(self, "home", default_home())
        home = Path(self.home).expanduser()
        found = next((p for p in (home, *home.parents) if p.exists()), None)  # made on first use if missing
        if found is not None and not found.is_dir():
            raise InputError(f"NARRATOR_HOME must be a folder: {found} is a file")
        if self.runner not in RUNNERS:
            raise InputError(f"NARRATOR_RUNNER must be one of {', '.join(RUNNERS)}, not {self.runner!r}")
        if self.log_format not in LOG_FORMATS:
            raise InputError(f"NARRATOR_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, "
                             f"not {self.log_format!r}")
        for name in ("remote_concurrency", "remote_timeout_s", "speech_timeout_s"):
            if getattr(self, name) <= 0:
                raise InputError(f"{env_name(name)} must be above 0, not {getattr(self, name):g}")
        if self.synthesis_lanes < 0:
            raise InputError("NARRATOR_SYNTHESIS_LANES must be 0 (one per core) or more, "
                             f"not {self.synthesis_lanes}")
        if self.heartbeat_s <= 0:
            raise InputError(f"NARRATOR_HEARTBEAT_S must be above 0, not {self.heartbeat_s:g}")
        if self.webhook_url and len(self.webhook_secret) < MIN_WEBHOOK_SECRET:
            raise InputError(f"NARRATOR_WEBHOOK_URL is set: NARRATOR_WEBHOOK_SECRET must be at least "
                             f"{MIN_WEBHOOK_SECRET} characters (deliveries signed with a short or empty key "
                             "can be forged)")

    @property
    def home_path(self) -> Path:
        """The state folder, absolute."""
        return Path(self.home).expanduser().resolve()

    @property
    def voices(self) -> Path | None:
        """The operator's folder of voice profiles in force: NARRATOR_VOICES_DIR, else HOME/voices when it
        exists; None: the shipped profiles only."""
        if self.voices_dir:
            return Path(self.voices_dir).expanduser()
        home = self.home_path / "voices"
        return home if home.is_dir() else None

    @property
    def lanes(self) -> int:
        """Sentences a local engine synthesises side by side (`synthesis_lanes`, 0: one per core)."""
        return self.synthesis_lanes if self.synthesis_lanes > 0 else os.cpu_count() or 1

    @property
    def publication_lexicon(self) -> Path:
        """The publication's lexicon file: `lexicon` if set, else HOME/lexicon.tsv."""
        return Path(self.lexicon) if self.lexicon else self.home_path / "lexicon.tsv"

    @property
    def cache_dir(self) -> Path:
        """Where synthesised clips are kept."""
        return self.home_path / "cache"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings with each field overridden by NARRATOR_<FIELD> in `env` (default: os.environ);
        InputError naming the variable when a value does not parse."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            name = env_name(f.name)
            raw = env.get(name)
            if raw is None and f.name in ALIASES:
                name = ALIASES[f.name]
                raw = env.get(name)
            if raw is None:
                continue
            kind: type = type(f.default)
            try:
                values[f.name] = kind(raw.strip()) if kind is not str else raw
            except ValueError:
                raise InputError(f"{name} must be a {kind.__name__}, not {raw!r}") from None
        return cls(**values)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def env_name(field_name: str) -> str:
    """The environment variable of a settings field: home -> NARRATOR_HOME."""
    return "NARRATOR_" + field_name.upper()


__all__ = ["ALIASES", "LABEL", "LOG_FORMATS", "RUNNERS", "Settings", "default_home", "env_name"]
