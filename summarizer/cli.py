"""``newsbrief`` / ``python -m summarizer``: briefs from article files, URLs and feeds on the command line.

``newsbrief watch FEED...`` follows feeds over time (see :mod:`summarizer.tracking`);
``newsbrief batch FILE... --output DIR`` briefs a large collection on Ray
(see :mod:`summarizer.distributed`).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .config import EMBEDDER_BACKENDS
from .document import Article, skipped_markdown
from .embedding import EmbedderError
from .generation import ModelLoadError
from .ingest import FetchError, article_from_url, articles_from_feed
from .inputs import parse_articles, read_articles_file
from .pipeline import InputError, NewsBriefer

if TYPE_CHECKING:
    from .tracking import StoryTracker, TrackerUpdate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbrief",
        description=(
            "Write one short attributed brief per story from news articles. A file may hold "
            "several articles separated by a line '---', each with optional 'Source:', 'Title:', "
            "'URL:' and 'Date:' header lines. 'newsbrief watch --help' follows feeds over time; "
            "'newsbrief batch --help' briefs large collections on Ray."
        ),
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="article files (.txt, .md, .json, .html); '-' reads stdin")
    parser.add_argument("--url", action="append", default=[], metavar="URL", help="an article page to fetch (repeatable)")
    parser.add_argument("--feed", action="append", default=[], metavar="URL", help="an RSS or Atom feed whose items to fetch (repeatable)")
    parser.add_argument(
        "--allow-private", action="store_true",
        help="allow fetching from private, loopback and link-local addresses (refused by default)",
    )
    parser.add_argument("--json", action="store_true", help="print the briefs as JSON")
    parser.add_argument(
        "--model", default=None,
        help="'extractive' (the default: the outlets' own sentences, no language model; level with the "
        "embedded model on ROUGE and faster), 'embedded' (SmolLM2-135M-Instruct, shipped: rewrites and fuses sentences, "
        "checked by the guard and marked with a dagger), a Hugging Face model id, a local model folder or a .gguf file",
    )
    parser.add_argument("--embedder", default=None, help="a sentence-transformers model id or path")
    add_embedder_backend(parser)
    parser.add_argument("--words", type=int, default=80, help="brief length in words (default 80)")
    parser.add_argument(
        "--one-story", action="store_true",
        help="brief all the articles as one story, without grouping them (for coverage of one event that the "
        "grouping would part, such as a study beside the report)",
    )
    parser.add_argument("--max-articles", type=int, default=None, help="most articles accepted (default 100)")
    parser.add_argument("--max-article-chars", type=int, default=None, help="longest article in characters (default 100,000)")
    parser.add_argument("--max-total-chars", type=int, default=None, help="most characters in all (default 1,000,000)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv for debug)")
    parser.add_argument("--version", action="version", version=f"newsbrief {__version__}")
    return parser


#: Help of ``--embedder-backend``, here and on the page's command line.
EMBEDDER_BACKEND_HELP = (
    "what runs the sentence embedder: 'torch' (float32, the default) or 'onnx-int8' (an int8 copy made "
    "once and cached; pools in about half the time on a CPU with VNNI; needs the 'onnx' extra)"
)


def add_embedder_backend(parser: argparse.ArgumentParser, default: str = "torch", help_suffix: str = "") -> None:
    """The ``--embedder-backend`` option, shared by every command and the page."""
    parser.add_argument(
        "--embedder-backend", choices=EMBEDDER_BACKENDS, default=default, help=EMBEDDER_BACKEND_HELP + help_suffix
    )


def configure_logging(verbose: int) -> None:
    """Warnings only; ``-v`` adds progress, ``-vv`` debug output."""
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def read_inputs(files: list[str]) -> list[Article]:
    articles: list[Article] = []
    for name in files:
        if name == "-":
            articles.extend(parse_articles(sys.stdin.read()))
        else:
            articles.extend(read_articles_file(name))
    return articles


def fetch_inputs(urls: list[str], feeds: list[str], allow_private: bool) -> list[Article]:
    """Articles from ``--url`` and ``--feed``; what cannot be read is reported on stderr."""
    articles: list[Article] = []
    for url in urls:
        try:
            articles.append(article_from_url(url, allow_private=allow_private))
        except FetchError as exc:
            print(f"newsbrief: warning: {exc}", file=sys.stderr)
    for feed in feeds:
        try:
            items = articles_from_feed(feed, allow_private=allow_private)
        except FetchError as exc:
            print(f"newsbrief: warning: {exc}", file=sys.stderr)
            continue
        articles.extend(items)  # items read from the feed's text or not at all are logged as warnings
    return articles


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["watch"]:  # a file named "watch" can be given as ./watch
        return watch_main(argv[1:])
    if argv[:1] == ["batch"]:
        return batch_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.files or args.url or args.feed):
        parser.error("give at least one FILE, --url or --feed")
    configure_logging(args.verbose)
    settings = {"target_words": args.words, "embedder_backend": args.embedder_backend, "one_story": args.one_story}
    for name in ("max_articles", "max_article_chars", "max_total_chars"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    try:
        articles = read_inputs(args.files) + fetch_inputs(args.url, args.feed, args.allow_private)
        briefer = NewsBriefer(model=args.model, embedder=args.embedder, **settings)
        briefs = briefer.summarize(articles)
    except (OSError, ValueError, InputError, ModelLoadError, EmbedderError) as exc:
        print(f"newsbrief: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump([b.to_dict() for b in briefs], sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        several = len(briefs) > 1
        for n, brief in enumerate(briefs, start=1):
            if several:
                print(f"## Story {n}\n")
            print(brief.to_markdown(with_skipped=not several))
            for warning in brief.warnings:
                print(f"\nWarning: {warning}")
            print()
        if several and briefs[0].skipped:
            print(skipped_markdown(briefs[0].skipped))
            print()
    return 0


# --- newsbrief watch ----------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in ``30s``, ``10m``, ``1.5h``, ``2d`` or a bare number of seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 10m, 1h, 2d)")
    return float(match.group(1)) * _SECONDS[match.group(2).lower()]


def _duration(text: str) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the duration must be positive")
    return seconds


def build_watch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbrief watch",
        description=(
            "Follow RSS/Atom feeds: every round, read new items, add them to the stories they belong to, "
            "and print what is new in each story's brief. State is kept in a SQLite file, or in a PostgreSQL "
            "database that several watchers may share, so a restart carries on."
        ),
    )
    parser.add_argument("feeds", nargs="+", metavar="FEED", help="feed URLs (or local feed files)")
    parser.add_argument(
        "--db", default="briefs.sqlite", metavar="FILE_OR_URL",
        help="where the stories are kept: a SQLite file, or a PostgreSQL database as postgresql://user:pass@host/dbname "
        "(needs the 'postgres' extra; several watchers may share it) (default briefs.sqlite)",
    )
    parser.add_argument("--every", type=_duration, default=600.0, metavar="DURATION", help="time between rounds: 30s, 10m, 1h (default 10m)")
    parser.add_argument("--once", action="store_true", help="do one round and exit")
    parser.add_argument("--quiet-hours", type=float, default=48.0, help="a story with no new article for this long expires (default 48)")
    parser.add_argument("--limit", type=int, default=20, help="most items read per feed per round (default 20)")
    parser.add_argument("--model", default=None,
                        help="as for newsbrief: 'extractive' (the default), 'embedded' (SmolLM2), a Hugging Face id, "
                        "a folder or a .gguf file")
    parser.add_argument("--embedder", default=None, help="a sentence-transformers model id or path")
    add_embedder_backend(parser)
    parser.add_argument("--words", type=int, default=80, help="brief length in words (default 80)")
    parser.add_argument("--allow-private", action="store_true", help="allow fetching from private and loopback addresses")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv for debug)")
    return parser


def _read_feed(feed: str, args: argparse.Namespace) -> list[Article]:
    source = feed
    if not re.match(r"^https?://", feed, re.IGNORECASE) and Path(feed).is_file():
        source = Path(feed).read_bytes().decode("utf-8", errors="replace")
    # Items read from the feed's text, or not at all, are logged as warnings.
    return list(articles_from_feed(source, limit=args.limit, allow_private=args.allow_private))


def _print_round(update: TrackerUpdate, tracker: StoryTracker) -> None:
    """What one round of ``watch`` found: counts, new stories' briefs, and what is new in the others."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(
        f"[{stamp}] {len(update.assigned)} new articles, {len(update.new_stories)} new stories, "
        f"{len(update.grown_stories)} updated, {len(update.duplicates)} duplicates, "
        f"{len(update.expired)} expired",
        flush=True,
    )
    for story_update in update.refreshed:
        story = tracker.store.story(story_update.story_id)
        name = (story.title if story else None) or story_update.story_id
        if story_update.error:
            print(f"\n## Story {story_update.story_id}: {name}\nNo brief: {story_update.error}")
            continue
        if story_update.first:
            print(f"\n## New story {story_update.story_id}: {name}\n")
            print(story_update.brief.to_markdown())
            continue
        print(f"\n## Updated story {story_update.story_id}: {name}")
        print("New articles:")
        for article in story_update.new_articles:
            print(f"- {article.label}: {article.title or article.id}" + (f" ({article.url})" if article.url else ""))
        if story_update.new_sentences:
            print("New in the brief:")
            for sentence in story_update.new_sentences:
                print(f"- {sentence}")
        else:
            print("The brief says nothing new.")
    print(flush=True)


def watch_main(argv: list[str]) -> int:
    """``newsbrief watch``: follow feeds, one round every ``--every``."""
    from .tracking import StoryTracker

    args = build_watch_parser().parse_args(argv)
    configure_logging(args.verbose)
    try:
        briefer = NewsBriefer(
            model=args.model, embedder=args.embedder, target_words=args.words, embedder_backend=args.embedder_backend
        )
        tracker = StoryTracker(args.db, briefer=briefer, quiet_hours=args.quiet_hours)
    except (OSError, ValueError, ImportError) as exc:  # ImportError: a postgresql:// --db without psycopg
        print(f"newsbrief: error: {exc}", file=sys.stderr)
        return 2
    try:
        while True:
            started = time.monotonic()
            articles: list[Article] = []
            for feed in args.feeds:
                try:
                    articles.extend(_read_feed(feed, args))
                except (FetchError, OSError) as exc:  # one feed down must not stop the others
                    print(f"newsbrief: warning: {exc}", file=sys.stderr)
            try:
                _print_round(tracker.add(articles), tracker)
            except (ModelLoadError, EmbedderError) as exc:
                print(f"newsbrief: error: {exc}", file=sys.stderr)
                return 2
            except tracker.store.unavailable as exc:
                # The round's placement is one transaction, rolled back; its articles are
                # read again next round and stories left unbriefed stay due.
                if args.once:
                    print(f"newsbrief: error: the story database is unreachable: {exc}", file=sys.stderr)
                    return 1
                print(f"newsbrief: warning: the story database is unreachable ({exc}); trying again next round",
                      file=sys.stderr)
            if args.once:
                return 0
            time.sleep(max(0.0, args.every - (time.monotonic() - started)))
    except KeyboardInterrupt:
        return 0
    finally:
        tracker.close()


# --- newsbrief batch ----------------------------------------------------------------


def build_batch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbrief batch",
        description=(
            "Brief a large collection on Ray: JSON lines or Parquet files with a 'text' field (and optional "
            "'title', 'source', 'url', 'published'). Writes one Brief.to_dict() per line to OUTPUT/briefs.jsonl. "
            "Needs the 'distributed' extra: pip install 'newsbrief[distributed]'."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE",
                        help="JSONL or Parquet files, or folders of them (local, or any path Ray Data reads, e.g. s3://)")
    parser.add_argument("--output", required=True, metavar="DIR", help="folder for briefs.jsonl")
    parser.add_argument("--address", default=None,
                        help="Ray cluster to join: 'auto' or ray://HOST:10001 (default: start or join a local Ray)")
    parser.add_argument("--workers", type=int, default=2, help="actors preparing articles and writing briefs (default 2)")
    parser.add_argument("--model", default="extractive",
                        help="as for newsbrief: 'extractive' (the default), 'embedded' (SmolLM2), a Hugging Face id, "
                        "a folder or a .gguf file; each worker loads its own copy of a model")
    parser.add_argument("--embedder", default=None, help="a sentence-transformers model id or path")
    add_embedder_backend(parser)
    parser.add_argument("--words", type=int, default=80, help="brief length in words (default 80)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv for debug)")
    return parser


def batch_main(argv: list[str]) -> int:
    """``newsbrief batch``: one brief per story of a collection, on Ray."""
    from .config import BriefConfig
    from .distributed import StageTimes, summarize_dataset  # Ray itself is imported when used

    parser = build_batch_parser()
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    configure_logging(args.verbose)
    # Remote paths (s3://, gs://...) are Ray Data's to read; local ones are checked here for a plain message.
    missing = [name for name in args.inputs if "://" not in name and not Path(name).exists()]
    if missing:
        print(f"newsbrief: error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    times = StageTimes()
    try:
        briefs = summarize_dataset(
            args.inputs, model=args.model, embedder=args.embedder,
            config=BriefConfig(target_words=args.words, embedder_backend=args.embedder_backend),
            num_workers=args.workers, address=args.address, output=args.output, times=times,
        )
    except ImportError as exc:  # ray or faiss missing
        print(f"newsbrief: error: {exc}; install the extra: pip install 'newsbrief[distributed]'", file=sys.stderr)
        return 2
    except (OSError, ValueError, InputError, ModelLoadError, EmbedderError) as exc:
        print(f"newsbrief: error: {exc}", file=sys.stderr)
        return 2
    seconds = ", ".join(f"{k} {v:.1f} s" for k, v in times.seconds.items())
    print(f"{len(briefs)} briefs written to {Path(args.output) / 'briefs.jsonl'} ({seconds})")
    return 0
