"""The `narrator` command line."""
from __future__ import annotations

import argparse
import getpass
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import NoReturn

from . import extract, logs, normalise
from .audio.cache import UnitCache
from .config import Settings
from .errors import InputError, NarratorError
from .extract import extract_html, load
from .model import Article, Paragraph, Section
from .net.guard import NetGuard
from .normalise import normalise_text
from .pipeline import lexicon_for, narrate, prepare
from .speech.engines import checked_voices
from .speech.voices import Voice, get_voice, language_base


def _default_out(source: str) -> Path:
    name = Path(source.rstrip("/")).stem if "://" not in source else source.rstrip("/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.-]+", "-", Path(name).stem or "article").strip("-.") or "article"
    return Path("out") / f"{name}.mp3"


class _Progress:
    """A one-line progress bar over paragraphs, drawn only on a terminal."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        self.stream = stream
        self.active = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.active:
            return
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} paragraphs")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _output(out: Path) -> Path:
    """`out`, an MP3 to write, once its folder exists and takes a new file; InputError otherwise (a
    file where a folder should be, a folder that cannot be made or written to, such as /proc)."""
    if out.suffix.lower() != ".mp3":
        raise InputError(f"output must be an .mp3 path: {out}")
    if out.is_dir():
        raise InputError(f"cannot write {out}: it is a folder")
    found = next((p for p in out.parents if p.exists()), None)
    if found is not None and not found.is_dir():
        raise InputError(f"cannot write {out}: {found} is a file, not a folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out.parent):
            pass
    except OSError as e:
        why = e.strerror or str(e)
        raise InputError(f"cannot write {out}: no file can be made in {out.parent} ({why})") from None
    return out


def cmd_narrate(args: argparse.Namespace, settings: Settings) -> int:
    article = load(args.source, NetGuard(allow_private=bool(settings.allow_private_urls)))
    out = _output(Path(args.output) if args.output else _default_out(args.source))
    voice = get_voice(args.voice, article.language, settings.voices)
    cache = None if args.no_cache else UnitCache.from_settings(settings)
    result = narrate(article, voice, out, settings, progress=_Progress(sys.stderr), cache=cache)
    for flag in result.left_out:  # read plainly instead; the narration is made all the same
        print(f"narrator: the pronunciation of {flag.written!r} is not used: {flag.problem}", file=sys.stderr)
    for path in (result.outputs.audio, result.outputs.timing, result.outputs.vtt):
        print(path)
    return 0


def cmd_script(args: argparse.Namespace, settings: Settings) -> int:
    """Print what will be said: per sentence, its block kind, the pause after it and the exact text the
    engine receives (normalised, lexicons applied). With --json, one object per sentence per line."""
    article = load(args.source, NetGuard(allow_private=bool(settings.allow_private_urls)))
    voice = get_voice(args.voice, article.language, settings.voices)
    script = prepare(article, voice, settings)
    for unit in script.units:
        kind = script.blocks[unit.block].kind
        if args.json:
            print(json.dumps({"block": unit.block, "kind": kind, "pause_ms": unit.pause_after_ms,
                              "text": unit.text, "spoken": unit.spoken}, ensure_ascii=False))
        else:
            print(f"{kind:<10} {unit.pause_after_ms:>5} ms  {unit.spoken}")
    return 0


def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    """Speak a word or phrase as an article would (normaliser and lexicons applied): to try an entry."""
    if not args.text.strip():
        raise InputError("nothing to say")
    out = _output(Path(args.output))
    settings = settings.replace(disclaimer="", intro="", outro="")
    voice = get_voice(args.voice, args.language, settings.voices)
    print(normalise_text(args.text, voice.language, lexicon_for(voice, settings)), file=sys.stderr)
    article = Article(title="", sections=(Section(None, (Paragraph(args.text),)),), language=args.language)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        result = narrate(article, voice, Path(tmp) / "say.mp3", settings)
        os.replace(result.outputs.audio, out)
    print(out)
    return 0


def cmd_cache(args: argparse.Namespace, settings: Settings) -> int:
    cache = UnitCache(settings.cache_dir, settings.cache_max_mb << 20)
    if args.action == "prune":
        limit = None if args.max_mb is None else args.max_mb << 20
        print(f"removed {cache.prune(limit)} clips")
    stats = cache.stats()
    print(f"{stats.units} clips, {stats.bytes / 2**20:.1f} MB of {stats.max_bytes / 2**20:.0f} MB "
          f"in {cache.folder}")
    return 0


def cmd_voices(args: argparse.Namespace, settings: Settings) -> int:
    voices = checked_voices(settings.voices)  # a broken profile: its file and line, exit code 2
    if args.action == "measure":
        return measure_voice(args, settings, voices)
    if args.name:
        raise InputError("`narrator voices` lists the profiles; `narrator voices measure NAME` measures one")
    for voice in voices.values():
        default = f" (default for {', '.join(voice.default_for)})" if voice.default_for else ""
        fallback = " (other languages)" if voice.fallback else ""
        print(f"{voice.name:<12} {voice.engine:<8} {voice.language:<5} "
              f"{voice.description}{default}{fallback}")
    return 0


def measure_voice(args: argparse.Namespace, settings: Settings, voices: dict[str, Voice]) -> int:
    """Narrate a standard text in a voice (synthesis cache off, no jingles) and print its profile lines:
    `gain_db`, the gain that brings its speech to the loudness target (for the live stream), and
    `ms_per_char`, its milliseconds of speech per spoken character (for estimated lengths)."""
    if not args.name:
        raise InputError("give the voice to measure: narrator voices measure NAME")
    voice = get_voice(args.name, "en", settings.voices)
    if args.text:
        article = load(args.text, NetGuard(allow_private=bool(settings.allow_private_urls)))
        article = replace(article, language=voice.language)
        what = args.text
    elif language_base(voice.language) == "en":
        article = extract_html((files("narrator.web") / "demo" / "article.html").read_text(encoding="utf-8"))
        what = "the demo article"
    else:
        raise InputError(f"the standard text is English: give one in {voice.language} with --text FILE "
                         "(a .txt or .html article of a few paragraphs)")
    with tempfile.TemporaryDirectory(prefix="narrator-measure-") as home:
        quiet = settings.replace(home=home, cache_max_mb=0, intro="", outro="")
        result = narrate(article, voice, Path(home) / "measure.mp3", quiet)
    speech = sum(s.end_ms - s.start_ms for b in result.narration.blocks for s in b.sentences)
    chars = sum(len(u.spoken) for u in result.script.units)
    if not chars or not speech:
        raise InputError(f"{what} gave the voice nothing to say")
    print(f"# measured by `narrator voices measure {voice.name}` on {what}: {chars} spoken characters, "
          f"{speech / 1000:.1f} s of speech, loudness target {settings.loudness_lufs:g} LUFS")
    print(f"gain_db = {result.narration.gain_db:.1f}")
    print(f"ms_per_char = {speech / chars:.1f}")
    return 0


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    return extract.main((["--body"] if args.body else []) + [args.path])


def cmd_normalize(args: argparse.Namespace, settings: Settings) -> int:
    return normalise.main(args.rest)


def _note(settings: Settings, message: str) -> None:
    """A line for the operator on standard error: plain, or a JSON log line with NARRATOR_LOG_FORMAT=json
    (so the stream stays one JSON object a line)."""
    if settings.log_format == "json":
        logging.getLogger("narrator").info(message)
    else:
        print(f"narrator: {message}", file=sys.stderr, flush=True)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the web service with Flask's server (for production: gunicorn, see deploy/)."""
    from narrator.web import create_app  # Flask is loaded only to serve
    from narrator.web.demo import ensure_demo

    if settings.log_format == "json":  # a line per request (the app's own, with its id), and the jobs' lines
        logging.getLogger().setLevel(logging.INFO)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # its request lines would say it twice
    app = create_app()
    if settings.runner == "inprocess":
        app.extensions["narrator"].runner.warm_up()
    path = "/"
    if args.demo:
        path = f"/articles/{ensure_demo(app, args.voice)}"
    host = f"[{args.host}]" if ":" in args.host else args.host
    _note(settings, f"data in {app.extensions['narrator'].store.home}")
    print(f"Open http://{host}:{args.port}{path}", flush=True)
    _note(settings, f"Editors: `narrator users create NAME`, then http://{host}:{args.port}/editor; "
          "API keys: `narrator keys create NAME`")
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Consume the job queue (SQLite under NARRATOR_HOME, or Redis with NARRATOR_REDIS_URL)."""
    from .service.jobs import JobQueue  # the service (queue, database drivers) is loaded only to serve
    from .service.store import Store

    checked_voices(settings.voices)  # a broken profile stops the start, with its file and line
    logging.getLogger().setLevel(logging.INFO)
    queue = JobQueue(Store.from_settings(settings), settings)
    where = settings.redis_url or f"{settings.home_path}/queue.db"
    _note(settings, f"worker consuming {where}")
    try:
        queue.warm_up()
        queue.start_listening()  # the dashboard's listen requests, in a thread of their own
        queue.start_watching()  # watched feeds and sitemaps, in another
        queue.start_heartbeat("worker")  # in the database, for /readyz
        queue.consumer(workers=args.workers).run()  # SIGINT/SIGTERM: finish the job in hand, then stop
    finally:
        queue.close()
    return 0


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    """API keys for machines (a CMS): create (the token is printed once), list, revoke."""
    from .service.accounts import Accounts
    from .service.store import Store

    accounts = Accounts(Store.from_settings(settings))
    if args.action == "create":
        key, token = accounts.create_key(args.name or "key", args.role)
        print(token)
        print(f"narrator: key {key.id} ({key.role}) created; send it as 'Authorization: Bearer <token>'. "
              "It is not shown again.", file=sys.stderr)
    elif args.action == "revoke":
        if not args.name:
            raise InputError("give the id of the key to revoke (see `narrator keys list`)")
        accounts.revoke_key(args.name)
        print(f"narrator: key {args.name} revoked", file=sys.stderr)
    else:
        for k in accounts.list_keys():
            state = "revoked" if k.revoked else "active"
            print(f"{k.id}\t{k.role}\t{state}\t{k.name}")
    return 0


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    """Editor accounts for the dashboard (/editor): create, list, delete, passwd."""
    from .service.accounts import Accounts
    from .service.store import Store

    accounts = Accounts(Store.from_settings(settings))
    if args.action == "list":
        for name, role in accounts.list_users():
            print(f"{name}\t{role}")
        return 0
    if not args.name:
        raise InputError(f"give the user's name: narrator users {args.action} NAME")
    if args.action == "delete":
        accounts.delete_user(args.name)
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            raise InputError("the passwords differ")
    if args.action == "create":
        accounts.create_user(args.name, password, args.role)
        print(f"narrator: user {args.name} ({args.role}) created; sign in at /editor", file=sys.stderr)
    else:
        accounts.set_password(args.name, password)
    return 0


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    """Watch feeds and sitemaps: new pages become articles, edited pages new versions (their jobs are
    run by `narrator serve` or `narrator worker`)."""
    from .service.generation import WORKER
    from .service.jobs import JobQueue
    from .service.store import Store
    from .service.submissions import check_url

    if settings.log_format == "json":
        logging.getLogger().setLevel(logging.INFO)
    if args.interval is not None:
        settings = settings.replace(watch_interval_s=args.interval)
    store = Store.from_settings(settings)
    queue = JobQueue(store, settings)
    if args.voice:
        get_voice(args.voice, "en", settings.voices)  # VoiceError now, not on every page
    limit = settings.watch_max_sources
    sources = [store.sources.add(check_url(url), args.voice, limit) for url in args.sources]
    if not sources and not store.sources.all():
        raise InputError("no sources: give feed or sitemap URLs (they are remembered) or add some on the "
                         "dashboard")
    watcher = queue.watching.watcher
    failed = False
    try:
        while True:
            for source in sources or store.sources.all():
                if not store.sources.claim(source.id, WORKER, watcher.lease_s, due_only=not args.once):
                    continue  # another watcher has it, or it is not due
                outcome = watcher.run(store.sources.get(source.id))
                source = store.sources.get(source.id)
                failed = failed or bool(source.error and not outcome.entries)
                print(f"{source.url}: {outcome.entries} entries, {outcome.created} new, {outcome.updated} "
                      f"updated, {outcome.unchanged} unchanged, {outcome.failed} failed"
                      + (f", {outcome.held} held" if outcome.held else "")
                      + (f"; {source.error}" if source.error else ""), flush=True)
            if args.once:
                return 1 if failed else 0
            time.sleep(min(settings.watch_interval_s, 30))
    finally:
        queue.close()


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    """Create or update the PostgreSQL tables (Alembic migrations); SQLite needs no step."""
    from .service import migrations
    from .service.database import is_postgres

    if not is_postgres(settings.database_url):
        print("narrator: SQLite (the default) migrates its tables itself; nothing to do", file=sys.stderr)
        return 0
    if args.action == "upgrade":
        migrations.upgrade(settings.database_url)
    print(f"revision {migrations.current(settings.database_url)}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors are one line (and exit code 2), naming the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _name(text: str) -> str:
    """A voice or language name given on the command line: not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high` (no upper bound: None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"of {low} or more"
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number {bounds}")
        return value

    return parse


def _seconds(text: str) -> float:
    """An argparse type: a number of seconds above 0 (not infinite, not NaN)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


PORT = _number(1, 65535)
"""A TCP port."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="narrator", description="Narrate news articles.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("narrate", help="narrate an article (path or URL) to an MP3")
    p.add_argument("source", help="a .html, .htm or .txt file, or an http(s) URL")
    p.add_argument("-o", "--output", help="the MP3 to write (default: out/<source name>.mp3)")
    p.add_argument("--voice", type=_name,
                   help="voice profile (default: the default voice for the article's language)")
    p.add_argument("--no-cache", action="store_true",
                   help="synthesise every sentence (default: reuse clips from $NARRATOR_HOME/cache)")
    p.set_defaults(func=cmd_narrate)

    p = sub.add_parser("script", help="print what will be said: per sentence, block kind, pause and "
                                      "the spoken text the engine receives")
    p.add_argument("source", help="a .html, .htm or .txt file, or an http(s) URL")
    p.add_argument("--voice", type=_name,
                   help="voice profile (its lexicons apply; default: the language's default)")
    p.add_argument("--json", action="store_true", help="one JSON object per sentence per line")
    p.set_defaults(func=cmd_script)

    p = sub.add_parser("say", help="speak a word or phrase to an MP3, to try a pronunciation")
    p.add_argument("text")
    p.add_argument("--voice", type=_name, help="voice profile (default: the default voice for --language)")
    p.add_argument("--language", type=_name, default="en", help="language of the text (default en)")
    p.add_argument("-o", "--output", default="say.mp3", help="the MP3 to write (default say.mp3)")
    p.set_defaults(func=cmd_say)

    p = sub.add_parser("cache", help="synthesis cache: stats, or prune to its size limit")
    p.add_argument("action", choices=["stats", "prune"])
    p.add_argument("--max-mb", type=_number(0), help="with prune: the size to prune to (default: the limit)")
    p.set_defaults(func=cmd_cache)

    p = sub.add_parser("worker", help="run queued narration jobs (SQLite queue, or Redis if configured)")
    p.add_argument("--workers", type=_number(1), default=1,
                   help="jobs run at once (default 1: an engine already uses both cores)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("keys", help="API keys for the web API: create (printed once), list, revoke ID")
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("name", nargs="?", help="create: what the key is for; revoke: the key's id")
    p.add_argument("--role", choices=["editor", "reader", "speech"], default="editor",
                   help="editor (default): may change articles and the lexicon; reader: may not; speech: "
                        "may only ask for speech (POST /v1/audio/speech)")
    p.set_defaults(func=cmd_keys)

    p = sub.add_parser("users", help="editor accounts for the dashboard: create NAME, list, delete, passwd")
    p.add_argument("action", choices=["create", "list", "delete", "passwd"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["editor", "reader"], default="editor", help="default: editor")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("db", help="PostgreSQL schema: upgrade to the newest migration, or show the current")
    p.add_argument("action", choices=["upgrade", "current"])
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("voices", help="list voice profiles, or measure one: voices measure NAME")
    p.add_argument("action", nargs="?", choices=["list", "measure"], default="list",
                   help="list (default) the profiles; measure NAME: print its gain_db and ms_per_char lines")
    p.add_argument("name", nargs="?", help="with measure: the voice profile")
    p.add_argument("--text", help="with measure: the text to read (.txt, .html or URL; default: the demo "
                                  "article, for an English voice)")
    p.set_defaults(func=cmd_voices)

    p = sub.add_parser("extract", help="print the article extracted from a page")
    p.add_argument("--body", action="store_true", help="print only the body text, for scoring")
    p.add_argument("path")
    p.set_defaults(func=cmd_extract)

    # Every argument (--language, --lexicon, --help) belongs to normalise.main: with no option prefix
    # of its own, this parser hands them all over (with "-" it refused them as unknown options).
    p = sub.add_parser("normalize", help="read written lines on stdin, print spoken lines",
                       prefix_chars="\0", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_normalize)

    p = sub.add_parser("watch", help="watch RSS/Atom feeds and sitemaps: new pages become articles, "
                                     "edited pages new versions")
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="feed or sitemap URLs (remembered; default: the sources already watched)")
    p.add_argument("--once", action="store_true", help="one pass over the sources, then exit (for cron)")
    p.add_argument("--interval", type=_seconds, metavar="SECONDS",
                   help="seconds between passes over a source (default NARRATOR_WATCH_INTERVAL_S)")
    p.add_argument("--voice", type=_name,
                   help="voice for the sources' articles (default: the language's default)")
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("serve", help="run the web service (state in $NARRATOR_HOME)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=PORT, default=8000, help="port (default 8000)")
    p.add_argument("--demo", action="store_true", help="narrate the bundled demo article on first start")
    p.add_argument("--voice", type=_name, help="voice for the demo article (default: the language's default)")
    p.set_defaults(func=cmd_serve)
    for command in sub.choices.values():
        command.set_defaults(command_parser=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:  # said by the command's own parser (`narrate --speed`: narrate has no --speed)
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if not sys.warnoptions:  # library warnings are for developers (python -W shows them), not users
        warnings.simplefilter("ignore")
    try:
        settings = Settings.from_env()
        if settings.log_format == "json" or not sys.warnoptions:
            logs.configure(settings.log_format, logging.ERROR)
        return args.func(args, settings)
    except InputError as e:
        print(f"narrator: {e}", file=sys.stderr)
        return 2
    except NarratorError as e:
        print(f"narrator: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # the system refused (a full disk, a port in use): one line, not a traceback
        where = f": {e.filename}" if e.filename else ""
        print(f"narrator: {e.strerror or e}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
