"""``newsbrief`` / ``python -m summarizer``: briefs from article files on the command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from . import __version__
from .document import Article
from .embedding import EmbedderError
from .generation import ModelLoadError
from .inputs import parse_articles, read_articles_file
from .pipeline import InputError, NewsBriefer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbrief",
        description=(
            "Write one short attributed brief per story from news articles. A file may hold "
            "several articles separated by a line '---', each with optional 'Source:', 'Title:', "
            "'URL:' and 'Date:' header lines."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="article files (.txt, .md, .json, .html); '-' reads stdin")
    parser.add_argument("--json", action="store_true", help="print the briefs as JSON")
    parser.add_argument(
        "--model", default=None,
        help="'extractive', a Hugging Face model id, a local model folder or a .gguf file "
        "(default: the embedded SmolLM2-135M-Instruct)",
    )
    parser.add_argument("--embedder", default=None, help="a sentence-transformers model id or path")
    parser.add_argument("--words", type=int, default=80, help="brief length in words (default 80)")
    parser.add_argument("--max-articles", type=int, default=None, help="most articles accepted (default 100)")
    parser.add_argument("--max-article-chars", type=int, default=None, help="longest article in characters (default 100,000)")
    parser.add_argument("--max-total-chars", type=int, default=None, help="most characters in all (default 1,000,000)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv for debug)")
    parser.add_argument("--version", action="version", version=f"newsbrief {__version__}")
    return parser


def read_inputs(files: list[str]) -> list[Article]:
    articles: list[Article] = []
    for name in files:
        if name == "-":
            articles.extend(parse_articles(sys.stdin.read()))
        else:
            articles.extend(read_articles_file(name))
    return articles


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    settings = {"target_words": args.words}
    for name in ("max_articles", "max_article_chars", "max_total_chars"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    try:
        articles = read_inputs(args.files)
        briefer = NewsBriefer(model=args.model, embedder=args.embedder, **settings)
        briefs = briefer.summarize(articles)
    except (OSError, ValueError, InputError, ModelLoadError, EmbedderError) as exc:
        print(f"newsbrief: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump([b.to_dict() for b in briefs], sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for n, brief in enumerate(briefs, start=1):
            if len(briefs) > 1:
                print(f"## Story {n}\n")
            print(brief.to_markdown())
            for warning in brief.warnings:
                print(f"\nWarning: {warning}")
            print()
    return 0
