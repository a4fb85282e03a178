"""Settings: what an operator configures, read from NARRATOR_* environment variables."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

from .errors import InputError
from .segment import DISCLAIMER


@dataclass(frozen=True)
class Settings:
    """Narration settings; each field can be set by the environment variable NARRATOR_<FIELD>."""

    disclaimer: str = DISCLAIMER
    """Spoken first in every narration (empty: none)."""
    publication: str = ""
    """Written into the MP3's artist tag (empty: the article's site)."""
    bitrate_kbps: int = 64
    """MP3 bit rate (mono CBR)."""
    loudness_lufs: float = -16.0
    """Integrated loudness target."""
    lexicon: str = ""
    """The publication's pronunciation lexicon file (its entries win over the voice's)."""
    home: str = "./data"
    """Folder holding all state: database, audio, synthesis cache (NARRATOR_HOME)."""
    cache_max_mb: int = 1024
    """Size limit of the synthesis cache; least recently used clips go first (0: no cache)."""
    keep_versions: int = 5
    """Versions kept per article (older ones are deleted; 0 keeps all)."""
    redis_url: str = ""
    """With a redis:// URL, the job queue lives in Redis and workers on several machines share it."""
    job_attempts: int = 3
    """Times a job is tried (with backoff) before it is marked failed."""
    db_timeout_s: float = 30.0
    """How long a database call waits for a lock held elsewhere before failing (503 in the API)."""
    job_lease_s: float = 60.0
    """A running job's worker renews its claim this often; a job whose claim lapses runs again."""
    database_url: str = ""
    """Metadata database: empty for SQLite under home; postgresql://user:pass@host/db for PostgreSQL
    (create its tables with `narrator db upgrade`)."""
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

    webhook_url: str = ""
    """Called with a signed POST (JSON) when a version is ready or a job failed; empty: no webhook."""
    webhook_secret: str = ""
    """Key of the webhook's HMAC-SHA256 signature (header X-Narrator-Signature: sha256=...)."""
    webhook_attempts: int = 5
    """Deliveries tried per event (a non-2xx answer or no answer is retried with backoff)."""
    webhook_retry_s: float = 2.0
    """Wait before the first retry of a webhook; it doubles with each further try."""

    @property
    def publication_lexicon(self) -> Path:
        """The publication's lexicon file: `lexicon` if set, else HOME/lexicon.tsv (edited on the
        editor's pronunciations page)."""
        return Path(self.lexicon) if self.lexicon else Path(self.home) / "lexicon.tsv"

    @property
    def cache_dir(self) -> Path:
        """Where synthesised clips are kept."""
        return Path(self.home) / "cache"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings with NARRATOR_* overrides from `env` (default: os.environ)."""
        return from_env(cls, env)


T = TypeVar("T")


def from_env(cls: type[T], env: Mapping[str, str] | None = None) -> T:
    """An instance of the dataclass `cls` with each field overridden by NARRATOR_<FIELD> when set."""
    env = os.environ if env is None else env
    defaults = cls()
    values = {}
    for f in fields(cls):  # type: ignore[arg-type]
        name = "NARRATOR_" + f.name.upper()
        raw = env.get(name)
        if raw is None:
            continue
        kind = type(getattr(defaults, f.name))
        try:
            values[f.name] = kind(raw)
        except ValueError:
            raise InputError(f"{name} must be a {kind.__name__}, not {raw!r}") from None
    return cls(**values)
