"""Articles from web pages, URLs and RSS/Atom feeds.

Every page is fetched through :func:`summarizer.fetching.fetch_page`, which
refuses private and local addresses unless ``allow_private=True`` (see
:mod:`summarizer.fetching`).
"""

from __future__ import annotations

import calendar
import logging
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .document import Article
from .fetching import FetchError, fetch_page

logger = logging.getLogger(__name__)

#: Content types read as an HTML page.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Pages of a feed fetched at the same time; few, to be polite to the site.
FEED_WORKERS = 4

_URL_LINE = re.compile(r"^\s*(?:[-*•]\s+)?<?(https?://[^\s<>]+?)>?\s*$", re.IGNORECASE)


# --- pages to articles ------------------------------------------------------------


def _page_text(html: str | bytes, charset: str | None = None) -> str:
    if isinstance(html, str):
        return html
    if charset:
        try:
            return html.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name: let detection decide
            pass
    from trafilatura.utils import decode_file

    return decode_file(html)


def _metadata(page: str, url: str | None) -> dict[str, str | None]:
    try:
        from trafilatura import extract_metadata

        meta = extract_metadata(page, default_url=url)
    except Exception:  # metadata is a bonus: a page that breaks its parser still has text
        logger.warning("metadata extraction failed on %s", url or "a page", exc_info=True)
        meta = None
    host = urlsplit(url).hostname if url else None
    if host and host.startswith("www."):
        host = host[4:]
    return {
        "title": getattr(meta, "title", None) or None,
        "source": getattr(meta, "sitename", None) or host or None,
        "published": getattr(meta, "date", None) or None,
        "url": url or getattr(meta, "url", None) or None,
    }


#: What the article says when its text did not come from a main-text extractor,
#: by the extraction path (see :func:`summarizer.html.extract_text`).
FALLBACK_WARNINGS = {
    "body": "the page's main text could not be found; using the visible text of <body> "
            "(may include menus and footers)",
}


def article_from_html(html: str | bytes, url: str | None = None, *, charset: str | None = None) -> Article:
    """An :class:`Article` from an HTML page: its main text and metadata.

    The text comes from :func:`summarizer.html.extract_text`, which falls back
    step by step down to the visible text of ``<body>``, so a page with
    readable text never gives an empty article; when that last resort was
    needed the article's ``warnings`` say so.  A page with no readable text at
    all gives an article with empty text (which :func:`article_from_url`
    refuses and the pipeline skips as empty).

    Title, outlet (``source``, the site name or else the host name) and date
    (``published``) come from trafilatura's metadata; ``url`` is the one given,
    else the page's canonical URL.  ``charset`` decodes ``html`` bytes (the
    HTTP header's); without it the encoding is detected.
    """
    from .html import extract_text

    if not isinstance(html, (str, bytes)):
        raise TypeError(f"html must be str or bytes, got {type(html).__name__}")
    page = _page_text(html, charset)
    text, path = extract_text(page, url)
    warnings = [FALLBACK_WARNINGS[path]] if path in FALLBACK_WARNINGS else []
    # Debug only: the warning travels with the article, and a user's links stay out of the logs.
    if warnings:
        logger.debug("%s: %s", url or "a page", warnings[0])
    elif path == "empty":
        logger.debug("%s has no readable text", url or "a page")
    return Article(text, warnings=warnings, **_metadata(page, url))


def article_from_url(url: str, *, timeout: float = 10, max_bytes: int = 5_000_000, allow_private: bool = False) -> Article:
    """Fetch an http(s) page and read it as an article (see :func:`article_from_html`).

    The fetch goes through the address guard (see :func:`fetch_page`).  Raises
    :class:`FetchError` for another scheme, a private, loopback or otherwise
    non-public address (unless ``allow_private``), a network error, a timeout,
    an HTTP error status, a page over ``max_bytes``, a response that is not an
    HTML page, or a page with no readable text.
    """
    page = fetch_page(url, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)
    sniffed = page.body.lstrip()[:1] == b"<" and page.content_type in {"text/plain", "application/octet-stream"}
    if page.content_type not in HTML_TYPES and not sniffed:
        raise FetchError(f"{page.url} is not an article page (content type {page.content_type})")
    article = article_from_html(page.body, page.url, charset=page.charset)
    if not article.text.strip():
        raise FetchError(f"no article text found at {page.url}")
    logger.debug("fetched %s: %d characters of text", page.url, len(article.text))
    return article


# --- feeds ---------------------------------------------------------------------------


@dataclass
class FeedFailure:
    """A feed item that could not be read, with why."""

    link: str | None
    title: str | None
    reason: str


class FeedArticles(list):
    """The articles of a feed (a ``list[Article]``) with what went wrong on the way.

    ``fallbacks`` are items whose page could not be fetched and whose feed
    summary stands in; ``failures`` are items with neither.
    """

    def __init__(self, articles: Iterable[Article] = (), feed_title: str | None = None) -> None:
        super().__init__(articles)
        self.feed_title = feed_title
        self.fallbacks: list[FeedFailure] = []
        self.failures: list[FeedFailure] = []


def _looks_like_url(value: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://", value.strip(), re.IGNORECASE))


def _entry_date(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:  # feedparser normalises to UTC
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed)))
    return entry.get("published") or entry.get("updated") or None


def _entry_text(entry: Any) -> str:
    from .html import html_to_text

    candidates = [c.get("value", "") for c in entry.get("content", []) or []]
    candidates.append(entry.get("summary", "") or "")
    for value in candidates:
        if value and value.strip():
            text = html_to_text(value) if "<" in value else value.strip()
            if text.strip():
                return text
    return ""


def _feed_item(entry: Any, feed_title: str | None, fetch_pages: bool, allow_private: bool, timeout: float) -> tuple[Article | None, FeedFailure | None]:
    """The item's article (its page, else its feed text) and the failure to report, if any."""
    link = entry.get("link") or None
    title = entry.get("title") or None
    published = _entry_date(entry)
    source = (entry.get("source") or {}).get("title") or feed_title
    problem = None if link else "the item has no link"
    if link and fetch_pages:
        try:
            page = article_from_url(link, timeout=timeout, allow_private=allow_private)
            # The feed's date carries the time of day; the page's often only the day.
            return Article(
                page.text, title=page.title or title, source=page.source or source,
                url=page.url, published=published or page.published, warnings=page.warnings,
            ), None
        except FetchError as exc:
            problem = str(exc)
    text = _entry_text(entry)
    if not text:
        reason = f"{problem}; the feed has no text for it either" if problem else "the feed has no text for it"
        return None, FeedFailure(link, title, reason)
    article = Article(text, title=title, source=source, url=link, published=published)
    return article, FeedFailure(link, title, problem) if problem and fetch_pages else None


def articles_from_feed(
    url_or_xml: str | bytes,
    *,
    limit: int = 20,
    allow_private: bool = False,
    fetch: bool = True,
    timeout: float = 10,
) -> FeedArticles:
    """The articles of an RSS or Atom feed, newest items as the feed lists them.

    ``url_or_xml`` is the feed's http(s) URL (fetched through the address guard)
    or its XML.  With ``fetch`` each item's page is fetched as by
    :func:`article_from_url`; when that fails the item's feed text stands in
    (logged, and listed in the result's ``fallbacks``).  Items with no text at
    all are logged and listed in ``failures``.  At most ``limit`` items are read.
    Raises :class:`FetchError` when the feed cannot be read or no item can.
    """
    import feedparser

    name = "the feed"
    if isinstance(url_or_xml, str) and _looks_like_url(url_or_xml):
        name = url_or_xml.strip()
        page = fetch_page(name, timeout=timeout, allow_private=allow_private,
                         accept="application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5")
        data: str | bytes = page.body
    elif isinstance(url_or_xml, (str, bytes)) and url_or_xml.strip():
        data = url_or_xml
    else:
        raise FetchError("no feed given: pass a feed URL or its XML")
    # Handing feedparser bytes or a string, never a URL or a path, keeps it off the network and the disk.
    parsed = feedparser.parse(data if isinstance(data, bytes) else data.encode("utf-8"))
    entries = list(parsed.entries)[: max(0, limit)]
    if not entries:
        why = f": {parsed.bozo_exception}" if parsed.get("bozo") else ""
        raise FetchError(f"{name} is not an RSS or Atom feed with items{why}")
    feed_title = parsed.feed.get("title") or None

    def read(entry: Any) -> tuple[Article | None, FeedFailure | None]:
        return _feed_item(entry, feed_title, fetch, allow_private, timeout)

    with ThreadPoolExecutor(max_workers=FEED_WORKERS) as pool:
        results = list(pool.map(read, entries))
    result = FeedArticles(feed_title=feed_title)
    for article, failure in results:
        if article is not None:
            result.append(article)
            if failure is not None:
                logger.warning("feed item %s: %s; using the feed's text instead", failure.link, failure.reason)
                result.fallbacks.append(failure)
        elif failure is not None:
            logger.warning("feed item %s not read: %s", failure.link or failure.title, failure.reason)
            result.failures.append(failure)
    if not result:
        reasons = "; ".join(f"{f.link or f.title}: {f.reason}" for f in result.failures[:5])
        raise FetchError(f"no item of {name} could be read ({reasons})")
    logger.info("read %d items of %s (%d from feed text, %d failed)", len(result), name, len(result.fallbacks), len(result.failures))
    return result



# --- pasted URL lists (the web app) ---------------------------------------------------


def is_url_list(text: str) -> bool:
    """Whether ``text`` is only http(s) URLs, one per line (blank lines allowed)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and all(_URL_LINE.match(line) for line in lines)


def articles_from_pasted_urls(text: str, allow_private: bool = False, *, timeout: float = 10) -> tuple[list[Article], list[str]]:
    """Fetch every URL of a pasted list (one per line): the articles and one error line per failed URL.

    Repeated URLs are fetched once.  Never raises :class:`FetchError`; the
    caller decides what to do when the article list is empty.
    """
    urls = []
    errors = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _URL_LINE.match(line)
        if match:
            urls.append(match.group(1))
        else:
            errors.append(f"not a URL: {line.strip()[:80]}")
    urls = list(dict.fromkeys(urls))

    def read(url: str) -> Article | str:
        try:
            return article_from_url(url, timeout=timeout, allow_private=allow_private)
        except FetchError as exc:
            logger.debug("%s", exc)  # returned to the caller; a user's links stay out of the logs
            return str(exc)

    with ThreadPoolExecutor(max_workers=FEED_WORKERS) as pool:
        results = list(pool.map(read, urls)) if urls else []
    articles = [r for r in results if isinstance(r, Article)]
    errors += [r for r in results if isinstance(r, str)]
    return articles, errors
