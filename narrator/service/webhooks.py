"""The webhook: a signed POST to the publisher's URL when a version is ready or a job failed.

The body is JSON; the header ``X-Narrator-Signature: sha256=<hex>`` is the HMAC-SHA256 of the
exact body bytes under NARRATOR_WEBHOOK_SECRET, so the receiver can check it came from us (the
body carries its own time and a delivery id, against replays). Delivery runs as a task of the
job queue, which retries a failed attempt (no answer, or not 2xx) with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid

SIGNATURE_HEADER = "X-Narrator-Signature"
TIMEOUT_S = 10
"""Longest wait for the receiver's answer."""


class DeliveryError(Exception):
    """The receiver did not accept the delivery (the queue will try again)."""


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """Whether `signature` is ours for `body` (for receivers; constant time)."""
    return hmac.compare_digest(sign(body, secret), signature or "")


def event(kind: str, **fields: object) -> dict:
    """A delivery's payload: the event name, a delivery id, the time, and the event's fields."""
    return {"event": kind, "delivery": uuid.uuid4().hex, "time": int(time.time()), **fields}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None  # a redirect is an answer that is not 2xx: the delivery failed


def deliver(url: str, secret: str, payload: dict) -> int:
    """POST `payload` to `url`, signed; the status, or DeliveryError unless it is 2xx."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "narrator-webhook/1",
        "X-Narrator-Event": str(payload.get("event", "")), SIGNATURE_HEADER: sign(body, secret)})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            status = response.status
    except urllib.error.HTTPError as e:
        e.close()
        raise DeliveryError(f"webhook {url} answered {e.code}") from None
    except OSError as e:
        raise DeliveryError(f"webhook {url} unreachable: {e}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook {url} answered {status}")
    return status


__all__ = ["DeliveryError", "SIGNATURE_HEADER", "deliver", "event", "sign", "verify"]
