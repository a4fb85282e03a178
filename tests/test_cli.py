"""The narrator command as a user runs it: a real process, exit codes and one-line errors."""
import json
import subprocess
import sys

import pytest
from audio_tools import probe

from narrator.config import Settings
from narrator.extract import extract_html
from narrator.pipeline import narrate
from narrator.voices import get_voice


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "narrator.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_narrate_writes_three_files_and_prints_their_paths(tmp_path):
    src = tmp_path / "story.txt"
    src.write_text("A short story\n\nIt was a quiet day. Nothing happened.\n\nThe end came soon.\n")
    result = run("narrate", str(src), "--voice", "espeak", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    paths = result.stdout.split()
    assert paths == ["out/story.mp3", "out/story.timing.json", "out/story.vtt"]
    timing = json.loads((tmp_path / paths[1]).read_text())
    assert [p["kind"] for p in timing["paragraphs"]] == ["disclaimer", "title", "p", "p"]
    assert (tmp_path / paths[0]).stat().st_size > 10_000


@pytest.mark.parametrize("setup, args, message", [
    (None, ["narrate", "missing.txt"], "cannot read missing.txt"),
    ("empty.txt", ["narrate", "empty.txt"], "empty"),
    ("a.txt", ["narrate", "a.txt", "--voice", "nope"], "unknown voice 'nope'"),
    ("a.pdf", ["narrate", "a.pdf"], "unsupported file type .pdf"),
    (None, ["narrate", "ftp://example.com/a"], "only http and https"),
    ("a.txt", ["narrate", "a.txt", "-o", "a.wav"], "output must be an .mp3"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, setup, args, message):
    if setup:
        (tmp_path / setup).write_text("" if setup == "empty.txt" else "Title\n\nBody.\n")
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("narrator: ")


def test_voices_lists_profiles():
    result = run("voices")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert "joe" in names and "espeak" in names


def test_german_article_is_read_in_german(tmp_path):
    html = ("<html lang='de'><head><title>Nachrichten</title></head><body><article><h1>Das Wetter</h1>"
            "<p>Morgen wird es in Berlin regnen und am Abend kalt.</p></article></body></html>")
    article = extract_html(html)
    assert article.language == "de"
    result = narrate(article, get_voice(None, article.language), tmp_path / "de.mp3", Settings())
    assert result.voice.engine == "pyttsx3" and result.voice.engine_voice == "de"
    assert result.narration.duration_ms > 2000


def test_say_speaks_a_word_with_the_lexicon(tmp_path):
    result = run("say", "Prigozhin", "--voice", "espeak", "-o", "word.mp3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "word.mp3"
    spoken = result.stderr.strip().splitlines()[-1]
    assert spoken != "Prigozhin" and "zhin" in spoken  # the starter lexicon's respelling
    info = probe(tmp_path / "word.mp3")
    assert 0.3 < float(info["format"]["duration"]) < 3.0
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob("*.vtt"))


def test_say_refuses_empty_text(tmp_path):
    result = run("say", "  ", cwd=tmp_path)
    assert result.returncode == 2 and "nothing to say" in result.stderr


def test_script_prints_what_the_narration_then_says(tmp_path):
    src = tmp_path / "story.txt"
    src.write_text("A short story\n\nIt cost $2.4 million. Prigozhin spoke.\n\nThe end came soon.\n")
    result = run("script", "--json", "--voice", "espeak", str(src), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    story = [line for line in lines if line["kind"] != "disclaimer"]
    assert [(line["kind"], line["text"]) for line in story] == [
        ("title", "A short story"), ("p", "It cost $2.4 million."), ("p", "Prigozhin spoke."),
        ("p", "The end came soon.")]
    assert story[1]["spoken"] == "It cost two point four million dollars."
    assert "zhin" in story[2]["spoken"] and story[2]["spoken"] != "Prigozhin spoke."  # the lexicon applied
    assert story[1]["pause_ms"] < story[2]["pause_ms"]  # a sentence pause, then a paragraph pause

    narrated = run("narrate", str(src), "--voice", "espeak", cwd=tmp_path)
    assert narrated.returncode == 0, narrated.stderr
    timing = json.loads((tmp_path / "out/story.timing.json").read_text())
    said = [s["spoken"] for p in timing["paragraphs"] for s in p["sentences"]]
    assert said == [line["spoken"] for line in lines]

    plain = run("script", "--voice", "espeak", str(src), cwd=tmp_path)
    assert plain.stdout.splitlines()[-1].split(None, 3) == ["p", str(story[3]["pause_ms"]), "ms",
                                                            "The end came soon."]


def test_script_refuses_a_missing_source(tmp_path):
    result = run("script", "missing.html", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "narrator: cannot read missing.html: No such file or directory"
