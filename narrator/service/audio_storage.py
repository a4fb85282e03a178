"""Audio storage: where published versions' files live, a local folder or an S3-compatible bucket.

Both keep the same immutable, versioned names, ``<id>/<version>.mp3|.timing.json|.vtt``. A
narration is always written into a local staging folder first. Publishing it takes two steps:
`upload` brings the files into storage under a name of their own, before the version has a number
(three uploads to a bucket, which take a while; nothing on disk), then, in the transaction that
takes the number and records the version, `put_version` gives them their version's names (a rename
on disk, copies inside the bucket: quick, while the article is locked). So no version is current
until all its files are complete, and no number is taken before its files are there.

`url()` is None for local storage (the app serves the file with byte ranges, or hands it to nginx)
and the bucket or CDN URL for S3 (public, or presigned when the bucket is private); range requests
work there by nature.

A job also stores its live stream there while it narrates (narrator.audio.stream): MP3 segments and a manifest
under ``<id>/live/<stream>/`` (stream: '<job>-<attempt>'), so a web node on any machine can serve
them (from its disk, or by a redirect to the bucket). Segments never change once written; the
manifest is rewritten after each segment (a web node reads it again only when its `live_stamp` changed).
The job queue deletes a stream a while after its job ends.

The backend is chosen by configuration alone (`open_storage`): NARRATOR_S3_BUCKET selects S3. An S3
endpoint that cannot be reached in time (NARRATOR_S3_TIMEOUT_S, three tries) raises `StorageUnavailable`:
the API answers 503, a job retries.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from ..audio.export import Outputs
from ..config import Settings

SUFFIXES = {".mp3": "audio/mpeg", ".timing.json": "application/json", ".vtt": "text/vtt; charset=utf-8"}
"""A version's files: name suffix -> Content-Type."""

IMMUTABLE = "public, max-age=31536000, immutable"
"""Cache-Control of a version's files: their bytes never change."""
PROBE_TIMEOUT_S = 2
"""Time limits (connect, read) of the bucket check of /readyz: one try, no retries, so a bucket out of
reach is reported within the check's deadline, while uploads keep their patient client."""
LIVE_MANIFEST = "live.json"
"""The name of a live stream's manifest (its segments are '<n>.mp3')."""


class StorageUnavailable(Exception):
    """The audio storage cannot be reached: its S3 endpoint is down, or too slow to answer in time."""


def live_type(name: str) -> tuple[str, str]:
    """Content-Type and Cache-Control of a live stream's file: segments never change, the manifest does."""
    if name == LIVE_MANIFEST:
        return "application/json", "no-cache"
    return "audio/mpeg", IMMUTABLE


def _staged(staged: Outputs) -> dict[str, Path]:
    # Timing files first, audio last: a version's audio never exists before its timing map.
    return {".timing.json": staged.timing, ".vtt": staged.vtt, ".mp3": staged.audio}


class AudioStorage(Protocol):
    """What the store and the web app need from wherever published audio lives."""

    def upload(self, article_id: str, staged: Outputs) -> str:
        """Bring a finished narration's three files into storage under a fresh name of their own (no
        listener sees them); that name, for `put_version` and `discard`."""

    def put_version(self, article_id: str, version: int, staged: Outputs, uploaded: str) -> int:
        """Give the files `upload` stored (from `staged`) their version's names; the MP3's size in bytes."""

    def discard(self, article_id: str, uploaded: str) -> None:
        """Remove what `upload` stored under `uploaded` (what `put_version` made stays)."""

    def read(self, article_id: str, version: int, suffix: str) -> bytes | None:
        """A published file's bytes (None if missing)."""

    def delete_version(self, article_id: str, version: int) -> None:
        """Remove a version's files (missing ones are fine)."""

    def delete_article(self, article_id: str) -> None:
        """Remove every file of an article."""

    def path(self, article_id: str, version: int, suffix: str) -> Path | None:
        """The local file, for storage on this machine's disk (None for remote storage)."""

    def url(self, article_id: str, version: int, suffix: str) -> str | None:
        """Where listeners fetch the file directly (None: the app serves it)."""

    def put_live(self, article_id: str, stream: str, name: str, data: bytes) -> None:
        """Store one file of a live stream (replacing one of that name)."""

    def read_live(self, article_id: str, stream: str, name: str) -> bytes | None:
        """A live stream's file (None if missing)."""

    def live_stamp(self, article_id: str, stream: str, name: str) -> str | None:
        """A token that changes whenever the live stream's file is written again (None if missing): a web
        node reads a manifest again only when it changed."""

    def live_path(self, article_id: str, stream: str, name: str) -> Path | None:
        """The local file of a live stream (None for remote storage)."""

    def live_url(self, article_id: str, stream: str, name: str) -> str | None:
        """Where listeners fetch a live segment directly (None: the app serves it)."""

    def delete_live(self, article_id: str, stream: str) -> None:
        """Remove a live stream (missing is fine)."""

    @property
    def redirect_max_age(self) -> int:
        """How long a client may cache the app's redirect to `url()`."""

    def check(self) -> str:
        """Raise if files cannot be stored now (a folder not writable, a bucket out of reach); else say
        what was checked (for /readyz)."""


class LocalStorage:
    """Files under a folder on this machine: ``ROOT/<id>/<version><suffix>``, renamed into place."""

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, article_id: str, version: int, suffix: str) -> Path:
        return self.root / article_id / f"{version}{suffix}"

    def upload(self, article_id: str, staged: Outputs) -> str:
        return ""  # the staging folder is on this disk already (under the root: a rename away)

    def put_version(self, article_id: str, version: int, staged: Outputs, uploaded: str) -> int:
        for suffix, source in _staged(staged).items():
            os.replace(source, self.path(article_id, version, suffix))
        return self.path(article_id, version, ".mp3").stat().st_size

    def discard(self, article_id: str, uploaded: str) -> None:
        pass  # the job removes its staging folder

    def read(self, article_id: str, version: int, suffix: str) -> bytes | None:
        try:
            return self.path(article_id, version, suffix).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def delete_version(self, article_id: str, version: int) -> None:
        for suffix in SUFFIXES:
            self.path(article_id, version, suffix).unlink(missing_ok=True)

    def delete_article(self, article_id: str) -> None:
        shutil.rmtree(self.root / article_id, ignore_errors=True)

    def url(self, article_id: str, version: int, suffix: str) -> None:
        return None

    def live_path(self, article_id: str, stream: str, name: str) -> Path:
        return self.root / article_id / "live" / stream / name

    def put_live(self, article_id: str, stream: str, name: str, data: bytes) -> None:
        path = self.live_path(article_id, stream, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers see the old manifest or the new one, never half of one

    def read_live(self, article_id: str, stream: str, name: str) -> bytes | None:
        try:
            return self.live_path(article_id, stream, name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def live_stamp(self, article_id: str, stream: str, name: str) -> str | None:
        try:
            st = os.stat(self.live_path(article_id, stream, name))
        except (FileNotFoundError, NotADirectoryError):
            return None
        # A manifest's size changes at every rewrite (its segments and timing map only grow, its head says
        # when it is complete); put_live renames a new file (inode) into place, with its own time.
        return f"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}"

    def live_url(self, article_id: str, stream: str, name: str) -> None:
        return None

    def delete_live(self, article_id: str, stream: str) -> None:
        shutil.rmtree(self.root / article_id / "live" / stream, ignore_errors=True)

    redirect_max_age = 0

    def check(self) -> str:
        probe = self.root / f".ready-{os.getpid()}-{threading.get_ident()}"
        try:
            probe.write_bytes(b"ready")
        finally:
            probe.unlink(missing_ok=True)
        return f"{self.root} is writable"


@dataclass(frozen=True)
class S3Settings:
    """Where an S3-compatible bucket is and how listeners reach it."""

    bucket: str
    """Bucket name (NARRATOR_S3_BUCKET)."""
    endpoint_url: str = ""
    """The S3 API endpoint, for services other than AWS (MinIO, Ceph, R2...); empty: AWS."""
    region: str = "us-east-1"
    """The bucket's region."""
    prefix: str = ""
    """Key prefix inside the bucket, e.g. 'audio/' (several services can share one bucket)."""
    public_url: str = ""
    """Base URL of a public bucket or CDN in front of it (the key is appended); empty: presigned URLs."""
    presign_s: int = 3600
    """How long a presigned URL stays valid."""
    timeout_s: float = Settings.s3_timeout_s
    """How long a call waits to connect, and then for each answer, before it is tried again (three tries)."""


class S3Storage:
    """Objects in an S3-compatible bucket, uploaded with their Content-Type and an immutable Cache-Control.

    Credentials come from boto3's usual sources (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a
    profile, an instance role). Every call that goes to the endpoint raises StorageUnavailable when it
    cannot be reached in time."""

    def __init__(self, settings: S3Settings):
        import boto3  # only the S3 mode needs it
        from botocore.config import Config
        from botocore.exceptions import ConnectionError, HTTPClientError

        self.settings = settings
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.endpoint_url or None,
            region_name=settings.region,
            config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"},
                          connect_timeout=settings.timeout_s, read_timeout=settings.timeout_s),
        )
        self._probe: Any = None  # the client of `check` (boto3): one try, short time limits
        self._lock = threading.Lock()
        self._unreachable = (ConnectionError, HTTPClientError)  # refused, timed out, cut mid-answer

    def check(self) -> str:
        with self._lock:  # boto3 makes clients from one shared session: not from two threads at once
            if self._probe is None:
                import boto3
                from botocore.config import Config

                self._probe = boto3.client(
                    "s3", endpoint_url=self.settings.endpoint_url or None, region_name=self.settings.region,
                    config=Config(signature_version="s3v4", connect_timeout=PROBE_TIMEOUT_S,
                                  read_timeout=PROBE_TIMEOUT_S, retries={"max_attempts": 1}))
        self._probe.head_bucket(Bucket=self.settings.bucket)
        return f"bucket {self.settings.bucket} answers"

    @contextmanager
    def _reaching(self, what: str) -> Iterator[None]:
        """Turn the endpoint's being out of reach, in the calls made inside, into StorageUnavailable."""
        try:
            yield
        except self._unreachable as e:
            where = self.settings.endpoint_url or "AWS"
            raise StorageUnavailable(f"the audio storage (S3, {where}) cannot be reached to {what}: {e}"
                                     ) from e

    def key(self, article_id: str, version: int, suffix: str) -> str:
        """The object key of one file."""
        return f"{self.settings.prefix}{article_id}/{version}{suffix}"

    def path(self, article_id: str, version: int, suffix: str) -> None:
        return None

    def live_key(self, article_id: str, stream: str, name: str) -> str:
        """The object key of a live stream's file."""
        return f"{self.settings.prefix}{article_id}/live/{stream}/{name}"

    def live_path(self, article_id: str, stream: str, name: str) -> None:
        return None

    def put_live(self, article_id: str, stream: str, name: str, data: bytes) -> None:
        with self._reaching("store a live segment"):
            content_type, cache = live_type(name)
            self.client.put_object(Bucket=self.settings.bucket, Key=self.live_key(article_id, stream, name),
                                   Body=data, ContentType=content_type, CacheControl=cache)

    def read_live(self, article_id: str, stream: str, name: str) -> bytes | None:
        return self._get(self.live_key(article_id, stream, name), "read a live stream")

    def live_stamp(self, article_id: str, stream: str, name: str) -> str | None:
        try:
            answer = self.client.head_object(Bucket=self.settings.bucket,
                                             Key=self.live_key(article_id, stream, name))
        except self.client.exceptions.ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return str(answer["ETag"])

    def live_url(self, article_id: str, stream: str, name: str) -> str:
        return self._link(self.live_key(article_id, stream, name))

    def delete_live(self, article_id: str, stream: str) -> None:
        with self._reaching("delete a live stream"):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.settings.bucket,
                                           Prefix=self.live_key(article_id, stream, "")):
                keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if keys:
                    self.client.delete_objects(Bucket=self.settings.bucket,
                                               Delete={"Objects": keys, "Quiet": True})

    def upload(self, article_id: str, staged: Outputs) -> str:
        uploaded = f".upload-{uuid.uuid4().hex}"
        with self._reaching("store a new version"):
            for suffix, source in _staged(staged).items():
                self.client.upload_file(
                    str(source), self.settings.bucket, self._uploaded_key(article_id, uploaded, suffix),
                    ExtraArgs={"ContentType": SUFFIXES[suffix], "CacheControl": IMMUTABLE},
                )
        return uploaded

    def _uploaded_key(self, article_id: str, uploaded: str, suffix: str) -> str:
        return f"{self.settings.prefix}{article_id}/{uploaded}{suffix}"

    def put_version(self, article_id: str, version: int, staged: Outputs, uploaded: str) -> int:
        # A copy inside the bucket keeps the uploaded objects' Content-Type and Cache-Control (one
        # request each: an object up to 5 GB, hours of MP3).
        with self._reaching("store a new version"):
            for suffix in _staged(staged):
                key = self._uploaded_key(article_id, uploaded, suffix)
                source = {"Bucket": self.settings.bucket, "Key": key}
                self.client.copy_object(Bucket=self.settings.bucket, CopySource=source,
                                        Key=self.key(article_id, version, suffix))
        return staged.audio.stat().st_size

    def discard(self, article_id: str, uploaded: str) -> None:
        keys = [{"Key": self._uploaded_key(article_id, uploaded, s)} for s in SUFFIXES]
        with self._reaching("remove an upload"):
            self.client.delete_objects(Bucket=self.settings.bucket, Delete={"Objects": keys, "Quiet": True})

    def read(self, article_id: str, version: int, suffix: str) -> bytes | None:
        return self._get(self.key(article_id, version, suffix), "read a version")

    def _get(self, key: str, doing: str) -> bytes | None:
        """An object's bytes, None if there is none (StorageUnavailable, saying what it was `doing`, if
        the bucket cannot be reached)."""
        with self._reaching(doing):
            try:
                answer = self.client.get_object(Bucket=self.settings.bucket, Key=key)
            except self.client.exceptions.NoSuchKey:
                return None
            return answer["Body"].read()

    def delete_version(self, article_id: str, version: int) -> None:
        with self._reaching("delete a version"):
            self.client.delete_objects(Bucket=self.settings.bucket, Delete={
                "Objects": [{"Key": self.key(article_id, version, s)} for s in SUFFIXES], "Quiet": True})

    def delete_article(self, article_id: str) -> None:
        with self._reaching("delete an article's audio"):
            paginator = self.client.get_paginator("list_objects_v2")
            prefix = f"{self.settings.prefix}{article_id}/"
            for page in paginator.paginate(Bucket=self.settings.bucket, Prefix=prefix):
                keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                if keys:
                    self.client.delete_objects(Bucket=self.settings.bucket,
                                               Delete={"Objects": keys, "Quiet": True})

    @property
    def redirect_max_age(self) -> int:
        # A public URL never changes; a presigned one is cached for half its life, so it still works
        return 86400 if self.settings.public_url else self.settings.presign_s // 2

    def url(self, article_id: str, version: int, suffix: str) -> str:
        return self._link(self.key(article_id, version, suffix))

    def _link(self, key: str) -> str:
        """The listeners' URL of an object: under the public URL, or presigned."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/") + "/" + quote(key)
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.settings.bucket, "Key": key},
            ExpiresIn=self.settings.presign_s)


def open_storage(settings: Settings, home: Path) -> AudioStorage:
    """S3 when a bucket is configured, else the local folder HOME/audio."""
    if settings.s3_bucket:
        return S3Storage(S3Settings(
            bucket=settings.s3_bucket, endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
            prefix=settings.s3_prefix, public_url=settings.s3_public_url, presign_s=settings.s3_presign_s,
            timeout_s=settings.s3_timeout_s))
    return LocalStorage(home / "audio")


__all__ = ["LIVE_MANIFEST", "AudioStorage", "LocalStorage", "S3Settings", "S3Storage", "SUFFIXES",
           "StorageUnavailable", "live_type", "open_storage"]
