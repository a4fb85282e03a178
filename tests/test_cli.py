"""The narrator command as a user runs it: a real process, exit codes and one-line errors."""
import json
import os
import subprocess
import sys

import pytest
from audio_tools import probe

from narrator.config import Settings
from narrator.extract import extract_html
from narrator.pipeline import narrate
from narrator.speech.voices import get_voice


def run(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "narrator.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env=None if env is None else {**os.environ, **env})


def one_line_exit_2(result, *phrases: str) -> str:
    """The run was refused as bad input: exit code 2, nothing on stdout, one line on stderr holding
    every phrase (and no traceback); that line."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert all(p in lines[0] for p in phrases), lines[0]
    return lines[0]


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


# Issue 23, item 13 -------------------------------------------------------------------------------


@pytest.fixture
def story(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("A short story\n\nIt was a quiet day.\n")
    return path


def test_an_output_inside_a_file_is_refused_in_one_line(tmp_path, story):
    line = one_line_exit_2(run("narrate", str(story), "-o", f"{story}/x.mp3", cwd=tmp_path),
                           f"cannot write {story}/x.mp3", f"{story} is a file")
    assert line.startswith("narrator: ")
    deeper = run("say", "hello", "-o", f"{story}/a/b/x.mp3", cwd=tmp_path)
    one_line_exit_2(deeper, f"{story} is a file")


def test_an_output_where_no_file_can_be_made_is_refused_in_one_line(tmp_path, story):
    one_line_exit_2(run("narrate", str(story), "-o", "/proc/x.mp3", cwd=tmp_path),
                    "cannot write /proc/x.mp3", "no file can be made in /proc")
    (tmp_path / "folder.mp3").mkdir()
    folder = run("narrate", str(story), "-o", "folder.mp3", cwd=tmp_path)
    one_line_exit_2(folder, "folder.mp3: it is a folder")


@pytest.mark.parametrize("args", [["narrate", "story.txt"], ["cache", "stats"], ["keys", "list"]])
@pytest.mark.parametrize("home", ["home-file", "home-file/inside"])
def test_narrator_home_that_is_a_file_is_refused_in_one_line(tmp_path, story, args, home):
    (tmp_path / "home-file").write_text("not a folder")
    result = run(*args, cwd=tmp_path, env={"NARRATOR_HOME": str(tmp_path / home)})
    one_line_exit_2(result, "NARRATOR_HOME must be a folder", f"{tmp_path / 'home-file'} is a file")


@pytest.mark.parametrize("port", ["99999", "65536", "0", "-1", "http"])
def test_serve_refuses_a_port_out_of_range(tmp_path, port):
    """It took 99999 and listened on 34463 (99999 mod 65536); refused before anything starts."""
    one_line_exit_2(run("serve", "--port", port, cwd=tmp_path), "narrator serve", "--port",
                    f"'{port}' is not a whole number from 1 to 65535")


@pytest.mark.parametrize(("args", "said"), [
    (["worker", "--workers", "0"], "argument --workers: '0' is not a whole number of 1 or more"),
    (["cache", "prune", "--max-mb", "-1"], "argument --max-mb: '-1' is not a whole number of 0 or more"),
    *((["watch", "--once", "--interval", v], f"argument --interval: '{v}' is not a number of seconds above 0")
      for v in ("0", "-5", "nan", "inf", "soon"))])
def test_other_numbers_out_of_range_are_refused_in_one_line(tmp_path, args, said):
    one_line_exit_2(run(*args, cwd=tmp_path), f"narrator {args[0]}: {said}")


@pytest.mark.parametrize("args", [
    ["narrate", "story.txt", "--voice", ""], ["script", "story.txt", "--voice", ""],
    ["say", "hello", "--voice", ""], ["say", "hello", "--language", " "], ["serve", "--voice", ""],
    ["watch", "--once", "--voice", ""]])
def test_an_empty_voice_is_refused_not_taken_for_the_default(tmp_path, story, args):
    line = one_line_exit_2(run(*args, cwd=tmp_path), f"narrator {args[0]}", "must not be empty")
    assert "--voice" in line or "--language" in line
    assert not (tmp_path / "out").exists() and not (tmp_path / "say.mp3").exists()


@pytest.mark.parametrize("args", [["narrate", "--speed"], ["narrate", "story.txt", "--speed"],
                                  ["narrate", "story.txt", "--voice"], ["serve", "--port"]])
def test_a_bad_option_is_explained_by_its_command(tmp_path, story, args):
    """`narrate --speed` printed the top-level usage (every command's name) for an option of narrate: the
    command's own parser says what is wrong (an unknown option, a missing source or value)."""
    line = one_line_exit_2(run(*args, cwd=tmp_path), f"narrator {args[0]}: ", f"`narrator {args[0]} --help`")
    assert "{narrate,script" not in line
    if args[1:] == ["story.txt", "--speed"]:
        assert "unrecognized arguments: --speed" in line
    elif args == ["narrate", "--speed"]:
        assert "required: source" in line
    else:
        assert f"argument {args[-1]}: expected one argument" in line
