"""The house itself: README documents every setting, no module imports in a circle, `pip install .`
gives a `narrator` that works from any folder."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import venv
from dataclasses import fields
from pathlib import Path

import pytest

from narrator.config import Settings, env_name

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"narrator": "narrator", "web": "narrator.web"}
"""Folder -> the package it installs as (pyproject.toml's package-dir: web/ is narrator.web)."""


def _readme_settings() -> dict[str, str]:
    """The configuration table of README: variable -> default cell."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Configuration"):]
    rows = re.findall(r"^\| `(NARRATOR_[A-Z0-9_]+)` \| ([^|]*) \|", table, re.M)
    return {name: default.strip() for name, default in rows}


def test_readme_documents_every_setting_with_its_default() -> None:
    documented = _readme_settings()
    settings = {env_name(f.name): f for f in fields(Settings)}
    assert sorted(documented) == sorted(settings)  # no setting undocumented, no row for nothing
    for name, cell in documented.items():
        default = settings[name].default
        literal = re.fullmatch(r"`([^`]*)`", cell)
        if literal:  # one value in backticks: the default itself
            assert type(default)(literal.group(1)) == default, (name, cell, default)
        else:  # words: the setting is empty by default
            assert default == "", (name, cell, default)


def _imports(path: Path, module: str) -> set[str]:
    """The package modules `module` (in file `path`) imports, at any depth of its code."""
    found = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}  # `from . import api` imports a module
    return found


def _modules() -> dict[str, Path]:
    modules = {}
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT / folder).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            modules[".".join((package, *parts))] = path
    return modules


def test_no_import_circles() -> None:
    """Every import counts, inside functions too: a circle hidden there is still a circle."""
    modules = _modules()
    graph = {m: sorted(i for i in _imports(p, m) if i in modules and i != m) for m, p in modules.items()}
    for module in graph:  # importing a submodule runs its package's __init__ first, but that is no edge back
        graph[module] = [i for i in graph[module] if not module.startswith(i + ".")]
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in graph[module]:
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert "narrator.web.api" in graph and "narrator.service.store" in graph  # the walk saw the real packages


@pytest.mark.slow
def test_pip_install_gives_a_working_narrator_from_any_folder(tmp_path: Path) -> None:
    """A non-editable install into a fresh virtualenv: the voices, lexicons, templates and migrations
    ship inside the package, and a command run from another folder writes nothing there."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The dependencies come from this run's environment (a .pth file points at them): only narrator
    # itself is built and installed, as a user installs it.
    def purelib(py: str | Path) -> str:
        return subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()

    Path(purelib(python), "deps.pth").write_text(purelib(sys.executable) + "\n", encoding="utf-8")
    build = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    narrator = env_dir / "bin" / "narrator"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARRATOR_")}
    env |= {"XDG_DATA_HOME": str(tmp_path / "xdg"), "PYTHONNOUSERSITE": "1"}

    def run(*args: str, cwd: Path | str = elsewhere) -> subprocess.CompletedProcess:
        return subprocess.run([str(narrator), *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=300)

    show = "import narrator, narrator.web as web; print(narrator.__file__, web.__file__)"
    where = subprocess.run([str(python), "-c", show], cwd=elsewhere, env=env, capture_output=True, text=True,
                           check=True).stdout
    top = subprocess.run([str(python), "-c", "import web"], cwd=elsewhere, env=env, capture_output=True,
                         text=True)
    assert top.returncode == 1 and "No module named 'web'" in top.stderr  # no top-level `web` to collide
    assert str(ROOT) not in where and str(env_dir) in where  # the installed copy, not this checkout
    voices = run("voices", cwd="/")
    assert voices.returncode == 0, voices.stderr
    assert {line.split()[0] for line in voices.stdout.splitlines()} >= {"joe", "espeak"}
    story = tmp_path / "story.txt"
    story.write_text("A quiet day\n\nIt was a quiet day in the harbour. Nothing happened.\n")
    out = tmp_path / "out" / "story.mp3"
    done = run("narrate", str(story), "-o", str(out), "--voice", "espeak")
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 10_000 and (out.parent / "story.timing.json").is_file()
    assert list(elsewhere.iterdir()) == []  # no ./data beside the caller
    assert (tmp_path / "xdg" / "narrator" / "cache").is_dir()  # state is in the user's data folder
    package = Path(where.split()[1]).parent
    assert (package / "templates" / "editor" / "signin.html").is_file()
    assert (package / "static" / "player.js").is_file() and (package / "openapi.json").is_file()


def test_migrations_head_is_the_newest_revision() -> None:
    from alembic.script import ScriptDirectory

    from narrator.service.migrations import HEAD, alembic_config

    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD


@pytest.mark.slow
def test_the_code_type_checks() -> None:
    """mypy over narrator/ and web/ (the configuration in pyproject.toml)."""
    run = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:]


LAYERS = (
    ("floor", ("narrator.config", "narrator.errors", "narrator.logs", "narrator.model", "narrator.safetext")),
    ("net", ("narrator.net",)),
    ("speech", ("narrator.speech",)),
    ("text", ("narrator.extract", "narrator.normalise", "narrator.segment")),
    ("audio", ("narrator.audio",)),
    ("pipeline", ("narrator.pipeline", "narrator.preview")),
    ("service", ("narrator.service",)),
    ("web", ("narrator.web",)),
    ("cli", ("narrator.cli",)),
)
"""The rooms from the floor up (docs/architecture.md): a module imports from its own room or below."""


def _layer(module: str) -> int | None:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def test_every_import_runs_down_the_layers() -> None:
    modules = _modules()
    unplaced = sorted(m for m in modules if _layer(m) is None and m != "narrator")
    assert unplaced == []  # every module has its room
    upward = []
    for module, path in modules.items():
        rank = _layer(module)
        for target in _imports(path, module):
            if target in modules and rank is not None and (to := _layer(target)) is not None and to > rank:
                upward.append(f"{module} ({LAYERS[rank][0]}) imports {target} ({LAYERS[to][0]})")
    assert upward == []
    assert _layer("narrator.web.api") > _layer("narrator.service.store") > _layer("narrator.speech.engines")
