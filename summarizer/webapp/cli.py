"""``newsbrief-app`` (and ``python app.py``, ``python -m summarizer.webapp``): flags, environment, launch."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

import gradio as gr

from .. import BriefConfig, __version__
from ..cli import add_embedder_backend
from .inputs import MAX_WORDS, MIN_WORDS
from .layout import build_app, page_css, theme
from .service import EXTRACTIVE, BriefService, model_display_name

logger = logging.getLogger(__name__)


def launch(
    demo: gr.Blocks,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    share: bool = False,
    max_file_size: str | int | None = "10mb",
    **kwargs: Any,
) -> tuple[Any, str, str | None]:
    """Launch the page with its theme and CSS; returns Gradio's ``(app, local_url, share_url)``."""
    return demo.launch(
        server_name=host, server_port=port, share=share, max_file_size=max_file_size, theme=theme(), css=page_css(),
        ssr_mode=False, show_error=False, footer_links=["api", "gradio"], **kwargs,
    )


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"newsbrief-app: error: ${name} must be an integer, got {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """Flags of ``newsbrief-app``; each default can also come from a ``NEWSBRIEF_*`` variable."""
    defaults = BriefConfig()
    parser = argparse.ArgumentParser(
        prog="newsbrief-app",
        description="The newsbrief web demo: paste news articles, get attributed briefs.",
    )
    parser.add_argument("--host", default=os.environ.get("NEWSBRIEF_HOST") or "127.0.0.1",
                        help="address to listen on (default 127.0.0.1, $NEWSBRIEF_HOST); 0.0.0.0 for every interface")
    parser.add_argument("--port", type=int, default=_env_int("NEWSBRIEF_PORT", 7860),
                        help="port (default 7860, $NEWSBRIEF_PORT)")
    parser.add_argument("--model", default=os.environ.get("NEWSBRIEF_MODEL") or EXTRACTIVE,
                        help="the page's default model: 'extractive' (the default: the outlets' own sentences, "
                        "no language model; level with SmolLM2 on ROUGE and faster), 'embedded' (SmolLM2-135M-Instruct: "
                        "rewrites sentences, checked by the guard and underlined on the page), a Hugging Face id, "
                        "a folder or a .gguf file ($NEWSBRIEF_MODEL)")
    parser.add_argument("--embedder", default=os.environ.get("NEWSBRIEF_EMBEDDER") or None,
                        help="sentence-transformers model id or path ($NEWSBRIEF_EMBEDDER)")
    add_embedder_backend(parser, os.environ.get("NEWSBRIEF_EMBEDDER_BACKEND") or defaults.embedder_backend,
                         " ($NEWSBRIEF_EMBEDDER_BACKEND)")
    parser.add_argument("--words", type=int, default=_env_int("NEWSBRIEF_WORDS", defaults.target_words),
                        help=f"default brief length in words (default {defaults.target_words})")
    parser.add_argument("--max-articles", type=int, default=_env_int("NEWSBRIEF_MAX_ARTICLES", defaults.max_articles),
                        help=f"most articles per request (default {defaults.max_articles}, $NEWSBRIEF_MAX_ARTICLES)")
    parser.add_argument("--max-article-chars", type=int,
                        default=_env_int("NEWSBRIEF_MAX_ARTICLE_CHARS", defaults.max_article_chars),
                        help=f"longest article in characters (default {defaults.max_article_chars:,})")
    parser.add_argument("--max-total-chars", type=int,
                        default=_env_int("NEWSBRIEF_MAX_TOTAL_CHARS", defaults.max_total_chars),
                        help=f"most characters per request (default {defaults.max_total_chars:,})")
    parser.add_argument("--max-file-size", default=os.environ.get("NEWSBRIEF_MAX_FILE_SIZE") or "10mb",
                        help="largest upload, e.g. 10mb ($NEWSBRIEF_MAX_FILE_SIZE)")
    parser.add_argument("--concurrency", type=int, default=_env_int("NEWSBRIEF_CONCURRENCY", 1),
                        help="briefs computed at once (default 1; one model runs one request at a time anyway)")
    parser.add_argument("--queue-size", type=int, default=_env_int("NEWSBRIEF_QUEUE_SIZE", 16),
                        help="most requests waiting in the queue (default 16); more are refused with a 'busy' message")
    parser.add_argument("--max-models", type=int, default=_env_int("NEWSBRIEF_MAX_MODELS", 3),
                        help="most models kept loaded at once (default 3)")
    parser.add_argument("--allow-private-urls", action="store_true",
                        default=os.environ.get("NEWSBRIEF_ALLOW_PRIVATE_URLS", "").lower() in {"1", "true", "yes"},
                        help="fetch pasted links to loopback, private and link-local addresses too (off by default: "
                        "a server that fetches links for its users must not reach its own network)")
    parser.add_argument("--no-preload", action="store_true", help="load the default model on first use, not at start")
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link (off by default)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv for debug)")
    parser.add_argument("--version", action="version", version=f"newsbrief {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Start the web demo; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The app's own progress (model loading, the address) is worth seeing without -v.
    logging.getLogger("summarizer").setLevel(min(level, logging.INFO))
    try:
        config = BriefConfig(
            target_words=max(MIN_WORDS, min(MAX_WORDS, args.words)), max_articles=args.max_articles,
            max_article_chars=args.max_article_chars, max_total_chars=args.max_total_chars,
            embedder_backend=args.embedder_backend,
        )
    except ValueError as exc:
        parser.error(str(exc))
    service = BriefService(config, args.embedder, default_model=args.model, max_models=args.max_models)
    demo = build_app(
        args.model, config=config, service=service, preload=not args.no_preload,
        concurrency=args.concurrency, queue_size=args.queue_size, allow_private_urls=args.allow_private_urls,
    )
    logger.info("Starting newsbrief on http://%s:%d (model %s)", args.host, args.port, model_display_name(args.model))
    try:
        _, local_url, share_url = launch(
            demo, args.host, args.port, share=args.share, max_file_size=args.max_file_size,
            prevent_thread_lock=True, quiet=True,
        )
    except OSError as exc:
        print(f"newsbrief-app: error: cannot listen on {args.host}:{args.port} ({exc}); "
              "choose another port with --port or $NEWSBRIEF_PORT", file=sys.stderr)
        return 2
    print(f"newsbrief is running at {local_url}" + (f" and {share_url}" if share_url else ""), flush=True)
    print("Press Ctrl+C to stop." + ("" if args.share else " (--share opens a public link.)"), flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    return 0
