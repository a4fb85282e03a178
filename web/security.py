"""Hostile input at the web edge: the URL fetch guard the API uses, from the app's configuration."""

from __future__ import annotations

import socket

from flask import current_app

from narrator.netguard import NetGuard, system_resolve


def fetch_guard() -> NetGuard:
    """The guard for URLs submitted to the API: public addresses only unless ALLOW_PRIVATE_URLS
    (NARRATOR_ALLOW_PRIVATE_URLS=1); FETCH_RESOLVE and FETCH_CONNECT are test seams."""
    config = current_app.config
    return NetGuard(
        allow_private=bool(config.get("ALLOW_PRIVATE_URLS")),
        resolve=config.get("FETCH_RESOLVE") or system_resolve,
        connect=config.get("FETCH_CONNECT") or socket.create_connection,
    )
