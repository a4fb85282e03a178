"""Shared fixtures: real engines loaded once per session, paths to fixtures and ../shared."""
from __future__ import annotations

from pathlib import Path

import pytest

from narrator.engines import open_engine
from narrator.voices import get_voice

# app, client, engine_pool, live_server, wait_for; redis_server; browser: for every test module
pytest_plugins = ["web_fixtures", "services", "browser"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return FIXTURES / "seed_article.txt"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The workplace's shared folder (corpora, scorers); the test is skipped without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the project (corpus gates run in CI only)")
    return SHARED


@pytest.fixture(scope="session")
def joe():
    voice = get_voice("joe")
    engine = open_engine(voice)
    yield voice, engine
    engine.close()


@pytest.fixture(scope="session")
def espeak():
    voice = get_voice("espeak")
    engine = open_engine(voice)
    yield voice, engine
    engine.close()
