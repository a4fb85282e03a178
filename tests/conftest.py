"""Shared fixtures: real engines loaded once per session, paths to fixtures and ../shared; every test
isolated from the developer's own narrator settings and data; with CI=true a skipped test fails."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from narrator.speech.engines import open_engine
from narrator.speech.voices import get_voice

# app, client, engine_pool, live_server, wait_for; redis_server; browser: for every test module
pytest_plugins = ["web_fixtures", "services", "browser"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"


CI = os.environ.get("CI", "").lower() == "true"
"""CI installs everything the suite needs, so there a skipped test hides a missing package or tool."""


def _fail_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, and CI=true allows no skips: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ANN201
    """Under CI=true a skipped test is a failure (its reason kept in the report)."""
    outcome = yield
    _fail_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # noqa: ANN201
    """The same for a module skipped whole (pytest.importorskip at its top)."""
    outcome = yield
    _fail_skip(outcome.get_result())


@pytest.fixture(autouse=True)
def _own_settings(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No NARRATOR_* variable of the developer's shell reaches a test, and the default home (the
    user's data folder) is a temporary one, for this process and the processes tests start."""
    for name in [n for n in os.environ if n.startswith("NARRATOR_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg")))


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
