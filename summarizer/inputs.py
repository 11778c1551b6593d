"""Reading articles from pasted text and files, as the CLI and the web app take them.

Several articles in one text are separated by a line holding only ``---``.  Each
may open with header lines ``Source:``, ``Title:``, ``URL:`` and ``Date:``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .document import Article

SEPARATOR = re.compile(r"^\s*-{3,}\s*$", re.MULTILINE)
_HEADER = re.compile(r"^(source|outlet|title|headline|url|link|date|published)\s*:\s*(.*)$", re.IGNORECASE)
_FIELD = {
    "source": "source", "outlet": "source", "title": "title", "headline": "title",
    "url": "url", "link": "url", "date": "published", "published": "published",
}


def parse_article(block: str) -> Article:
    """One article from a block of text with optional header lines on top."""
    fields: dict[str, Any] = {}
    lines = block.strip("\n").split("\n")
    body_start = 0
    for body_start, line in enumerate(lines):
        match = _HEADER.match(line.strip())
        if not match:
            break
        fields[_FIELD[match.group(1).lower()]] = match.group(2).strip() or None
    else:
        body_start = len(lines)
    return Article("\n".join(lines[body_start:]).strip(), **fields)


def parse_articles(text: str) -> list[Article]:
    """Split pasted text on ``---`` lines into articles; blank blocks are left out."""
    if not isinstance(text, str):
        raise TypeError(f"parse_articles expects str, got {type(text).__name__}")
    blocks = SEPARATOR.split(text.replace("\r\n", "\n"))
    return [parse_article(block) for block in blocks if block.strip()]


def articles_from_json(data: Any) -> list[Article]:
    """Articles from JSON: a list of strings or objects with ``text``, or ``{"articles": [...]}``."""
    if isinstance(data, dict):
        data = data.get("articles", [data])
    if not isinstance(data, list):
        raise ValueError("JSON input must be a list of articles or an object with an 'articles' list")
    articles = []
    for n, item in enumerate(data, start=1):
        if isinstance(item, str):
            articles.append(Article(item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            articles.append(Article(**{k: item.get(k) for k in ("text", "title", "source", "url", "published")}))
        else:
            raise ValueError(f"JSON article {n} has no 'text' string")
    return articles


def read_articles_file(path: str | Path, text: str | None = None) -> list[Article]:
    """Articles from a .txt, .md, .json or .html file (``text`` may hold its content)."""
    path = Path(path)
    if text is None:
        raw = path.read_bytes()
        if b"\x00" in raw[:4096]:
            raise ValueError(f"{path.name} is not a text file")
        text = raw.decode("utf-8", errors="replace")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            articles = articles_from_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name} is not valid JSON: {exc}") from exc
    elif suffix in {".html", ".htm"}:
        from .ingest import article_from_html  # a saved page reads as a fetched one: title, outlet, fallbacks

        articles = [article_from_html(text)]
    else:
        articles = parse_articles(text)
    return [_named_after(article, path.name, n, len(articles)) for n, article in enumerate(articles, start=1)]


def _named_after(article: Article, file_name: str, n: int, count: int) -> Article:
    # An article with no outlet is cited by its file name rather than an opaque id.
    if article.source or article.title:
        return article
    source = file_name if count == 1 else f"{file_name} #{n}"
    return Article(article.text, source=source, url=article.url, published=article.published, warnings=article.warnings)
