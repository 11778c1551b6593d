"""HTML page -> article text: extract the main text, then clean it.

Two extractors read the page, because each fails where the other holds:

* trafilatura with ``favor_precision`` and without reader comments is the most
  precise (comment threads are not the article);
* readability-lxml (PyPI ``readability-lxml``) keeps whole articles that
  trafilatura sometimes cuts short, and drops other boilerplate.

They are combined paragraph by paragraph: trafilatura's paragraphs are kept
when readability also found them (a paragraph only one extractor wants is
usually a teaser, a caption or a footer), unless readability found far more
text, which means trafilatura missed part of the article, or the two disagree
so much that the filter cannot be trusted.  On malformed markup precision mode
often keeps a few words or nothing: trafilatura's default mode takes over, then
readability alone, then trafilatura's recall mode, then the visible text of
``<body>``, so a page with readable text never comes out empty.

libxml2, which parses the page for both extractors, stops building the tree 256
elements deep and drops everything below; old pages full of unclosed ``<div>``,
``<font>`` or ``<td>`` tags get that deep, and their article went with it.  When
the extractors find nothing on such a page, the fallbacks read it parsed
without the limit.

The options and thresholds were measured on the article-extraction benchmark
(``benchmarks/cleaning.py``).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
from functools import lru_cache
from html import unescape
from typing import TYPE_CHECKING, Any, Union

from .cleaning import clean_text

if TYPE_CHECKING:
    from lxml.html import HtmlElement

#: A page as the extractors take it: its markup, or its parsed tree.
Source = Union[str, "HtmlElement"]

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_HAS_WORD = re.compile(r"[^\W\d_]{2,}")

#: A trafilatura paragraph is kept when this share of its word 3-grams is in
#: readability's text.
SUPPORT = 0.5
#: Readability's text holding more new 3-grams than this multiple of
#: trafilatura's whole text means trafilatura missed part of the article.
GROWTH = 1.0
#: If filtering would keep less than this share of trafilatura's text, the two
#: extractors disagree on what the article is; trafilatura alone is kept.
KEEP_MIN = 0.5

#: Precision mode's text shorter than this share of the default mode's may have
#: lost the article (it does on malformed markup).
SHORT = 0.6

#: Elements whose text a reader of the page never sees (``<noscript>`` only
#: shows without JavaScript, an ``<iframe>``'s text only without frames, a
#: ``<title>`` in the body of a broken page not at all); ``<select>`` options
#: are lists of countries and dates, not text.
_INVISIBLE = ("title", "script", "style", "noscript", "template", "svg", "iframe", "object", "select", "datalist")
#: What holds no text at all; an unclosed ``<noscript>`` or ``<iframe>`` on a
#: broken page can swallow the rest of it, so only these go when the visible
#: text comes out empty.
_NEVER_TEXT = ("script", "style", "template")
#: Tags that end a line of text, so paragraphs stay on lines of their own.
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "tr", "table", "section", "article", "header", "footer", "aside", "figure", "figcaption",
    "dd", "dt", "dl", "main", "hr", "td", "th",
}


def _decode(html: str | bytes) -> str:
    if isinstance(html, str):
        return html
    from trafilatura.utils import decode_file

    return decode_file(html)


def _parse(page: str, huge: bool) -> tuple[HtmlElement, Any]:
    """The page's lxml tree, with trafilatura's parser options; ``huge`` lifts libxml2's limits."""
    import lxml.html

    parser = lxml.html.HTMLParser(
        collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=huge
    )
    return lxml.html.document_fromstring(page.encode("utf-8", "surrogatepass"), parser=parser), parser


def deep_tree(page: str) -> HtmlElement | None:
    """The page parsed without libxml2's limits, when they would cut it; else ``None``.

    Past 256 nested elements libxml2 drops the rest of the page (its
    "Excessive depth in document" error), and extractors given the markup
    never see the article.
    """
    try:
        _, parser = _parse(page, huge=False)
        if not any(e.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in e.message for e in parser.error_log):
            return None
        tree, _ = _parse(page, huge=True)
    except Exception:  # unparseable: the extractors and the last resort cope with the markup
        return None
    logger.info("the page nests deeper than libxml2's default limit: extracting from the full tree")
    return tree


def _trafilatura(source: Source, url: str | None, precise: bool = False, recall: bool = False) -> str:
    import trafilatura

    try:
        # trafilatura edits the tree it is given: each call gets its own copy.
        text = trafilatura.extract(
            source if isinstance(source, str) else copy.deepcopy(source),
            url=url, favor_precision=precise, favor_recall=recall,
            include_comments=False, include_tables=True, with_metadata=False,
        )
    except Exception:  # malformed pages make lxml and trafilatura raise many kinds of errors
        logger.warning("trafilatura failed on %s", url or "a page", exc_info=True)
        return ""
    return text or ""


@lru_cache(maxsize=1)
def _readability_available() -> bool:
    try:
        import readability  # noqa: F401  (PyPI: readability-lxml)
    except ImportError:
        logger.warning("readability-lxml is not installed: HTML extraction uses trafilatura alone")
        return False
    return True


def _block_text(root) -> str:
    """Text of an lxml tree with one line per block element."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _BLOCK:
            element.tail = "\n" + (element.tail or "")
            if element.tag != "br":
                element.text = "\n" + (element.text or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def readability_text(html: str, url: str | None = None) -> str:
    """The main text of a page by readability-lxml, one line per paragraph ("" if none)."""
    if not _readability_available():
        return ""
    import lxml.html
    from readability import Document

    try:
        summary = Document(html, url=url).summary(html_partial=True)
        if not summary.strip():
            return ""
        text = _block_text(lxml.html.fromstring(summary))
    except Exception:  # readability raises on pages it cannot parse: another extractor takes over
        logger.warning("readability failed on %s", url or "a page", exc_info=True)
        return ""
    # Raw-text containers (<noframes>, <xmp>) come back as escaped markup.
    if "&lt;" in text and "&gt;" in text:
        text = body_text(unescape(text))
    return text


def _visible_text(root: HtmlElement, drop: tuple[str, ...], drop_hidden: bool) -> str:
    """Text of the ``<body>`` of ``root`` (a copy) without the ``drop`` elements and, if asked, hidden ones."""
    root = copy.deepcopy(root)  # drop_tree and _block_text edit the tree
    body = root.find("body")
    if body is None:  # document_fromstring always makes one; a tree from elsewhere may lack it
        body = root
    hidden = body.xpath(".//*[@hidden]") if drop_hidden else []
    for element in [*body.iter(*drop), *hidden]:
        if element.getparent() is not None:
            element.drop_tree()
    return _block_text(body)


def body_text(html: Source) -> str:
    """The visible text of the page's ``<body>``, one line per block element ("" if none).

    Leaves out what a reader never sees (``<head>``, scripts, styles,
    ``<noscript>``, templates, hidden elements).  The last resort for pages on
    which the extractors find nothing: it keeps menus, footers and other page
    chrome (on broken markup a ``<nav>`` or ``<footer>`` often holds the whole
    page, so dropping them could lose the article).
    """
    try:
        root = _parse(html, huge=True)[0] if isinstance(html, str) else html
    except Exception:  # not even lxml can parse it: strip the tags by hand
        text = re.sub(r"(?is)<(head|script|style|noscript|template)\b.*?</\1\s*>", " ", html)
        text = re.sub(r"(?s)<[^>]*>", "\n", unescape(text))
        return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())
    text = _visible_text(root, _INVISIBLE, drop_hidden=True)
    if not _HAS_WORD.search(text):
        text = _visible_text(root, _NEVER_TEXT, drop_hidden=False)
    return text


def _grams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def combine(precise: str, recall: str) -> str:
    """Merge trafilatura's text (``precise``) with readability's (``recall``).

    Keeps the paragraphs of ``precise`` that ``recall`` also found; returns
    ``recall`` when it holds far more text, and ``precise`` unfiltered when the
    two disagree on what the article is.
    """
    precise_grams, recall_grams = _grams(precise), _grams(recall)
    if not precise_grams:
        return recall
    if not recall_grams:
        return precise
    if len(recall_grams - precise_grams) > GROWTH * len(precise_grams):
        return recall
    kept = []
    for paragraph in precise.split("\n"):
        grams = _grams(paragraph)
        if grams and len(grams & recall_grams) >= SUPPORT * len(grams):
            kept.append(paragraph)
    merged = "\n".join(kept)
    if len(_grams(merged)) < KEEP_MIN * len(precise_grams):
        return precise
    return merged


def _similarity(a: str, b: str) -> float:
    grams_a, grams_b = _grams(a), _grams(b)
    return len(grams_a & grams_b) / max(1, len(grams_a | grams_b))


def _trafilatura_text(precise: str, default: str, recall: str) -> str:
    """Pick trafilatura's precision-mode text unless it lost the article.

    On malformed pages precision mode often keeps a few words where the default
    mode keeps the article; when it is much shorter, the mode whose text
    readability agrees with more wins, the default mode if readability has none.
    """
    if len(precise.split()) >= SHORT * len(default.split()):
        return precise
    if recall.strip() and _similarity(precise, recall) > _similarity(default, recall):
        return precise
    return default


def _candidates(page: str, url: str | None) -> Iterator[tuple[str, str]]:
    """Texts of the page, best first, each with the name of the path that made it.

    A generator, so that a fallback is only computed when every path before it
    came out empty.  The fallbacks read the page without libxml2's depth limit
    when that limit cuts it; the main paths do not, because the full tree of a
    page of unclosed tags also nests the comments and footers into the article
    (and readability takes tens of seconds on such a tree).
    """
    precise = _trafilatura(page, url, precise=True)
    default = _trafilatura(page, url)
    recall = readability_text(page, url)
    main = _trafilatura_text(precise, default, recall)
    if main.strip() and recall.strip():
        yield "combined", combine(main, recall)
    yield "trafilatura", main
    yield "trafilatura default", default
    yield "readability", recall
    tree = deep_tree(page)
    if tree is not None:
        yield "trafilatura full tree", _trafilatura(tree, url)
    source: Source = page if tree is None else tree
    yield "trafilatura recall", _trafilatura(source, url, recall=True)
    yield "body", body_text(source)


def extract_text(html: str | bytes, url: str | None = None) -> tuple[str, str]:
    """Extract and clean the article text of a page; name the path that produced it.

    The path is ``"combined"`` (trafilatura filtered by readability),
    ``"trafilatura"``, ``"trafilatura default"``, ``"readability"``,
    ``"trafilatura full tree"`` (its default mode on the page parsed without
    libxml2's depth limit, for a page nested deeper than that),
    ``"trafilatura recall"`` (its mode that keeps more when unsure),
    ``"body"`` (:func:`body_text`, every visible text line of ``<body>``, the
    last resort for pages the extractors give up on) or ``"empty"`` when the
    page has no readable text at all.  A path whose text is empty once cleaned
    hands over to the next.
    """
    page = _decode(html)
    if page.strip():
        for path, text in _candidates(page, url):
            cleaned = clean_text(text)
            if _HAS_WORD.search(cleaned):
                if path != "combined":
                    logger.info("extractors found little in %s: using the %s text", url or "a page", path)
                return cleaned, path
    return "", "empty"


def html_to_text(html: str | bytes, url: str | None = None) -> str:
    """Return the cleaned article text of an HTML page.

    ``html`` may be bytes (its encoding is detected) or str; ``url`` helps
    trafilatura with site-specific rules.  See :func:`extract_text` for the
    extraction and :func:`summarizer.cleaning.clean_text` for the cleaning.

    >>> html_to_text("<html><body><article><p>The council approved the budget on Monday "
    ...              "after a long debate.</p><p>Share this article</p></article></body></html>")
    'The council approved the budget on Monday after a long debate.'
    """
    if not isinstance(html, (str, bytes)):
        raise TypeError(f"html_to_text expects str or bytes, got {type(html).__name__}")
    text, _ = extract_text(html, url)
    return text
