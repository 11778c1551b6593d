"""What a request gives the page: pasted text and links, uploaded files, and the brief length."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from .. import Article, Brief, Skipped
from ..ingest import articles_from_pasted_urls, is_url_list
from ..inputs import parse_articles, read_articles_file
from .messages import page_error

logger = logging.getLogger(__name__)

#: The range of the brief-length slider, in words per story.
MIN_WORDS, MAX_WORDS = 20, 250


@dataclasses.dataclass
class Inputs:
    """The articles of one request, and every pasted link or uploaded file that gave none."""

    articles: list[Article]
    #: Why each pasted link that was not used could not be fetched.
    failed_links: list[str] = dataclasses.field(default_factory=list)
    #: One line per uploaded file that was not used, and why.
    file_notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def count(self) -> int:
        """The articles given: those read, and one per link that could not be."""
        return len(self.articles) + len(self.failed_links)

    @property
    def notes(self) -> list[str]:
        """One line per link or file that was not used."""
        return [f"A link was not used: {error}" for error in self.failed_links] + self.file_notes

    def link_skips(self) -> list[Skipped]:
        """The failed links as skipped inputs, numbered on from the articles that were read."""
        first = len(self.articles)
        return [Skipped(first + k, f"the link could not be read: {error}") for k, error in enumerate(self.failed_links)]


def upload_folder() -> Path:
    """Where Gradio keeps uploaded files (``$GRADIO_TEMP_DIR`` or the temp folder's ``gradio``)."""
    return Path(gr.utils.get_upload_folder())


def inside_folder(path: Path, folder: Path) -> bool:
    """Whether ``path``, links and ``..`` resolved, is a regular file inside ``folder``."""
    try:
        real = path.resolve(strict=True)
        return real.is_file() and real.is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # missing, unreadable, or a symlink loop
        return False


def read_inputs(
    text: str | None,
    files: Sequence[Any] | None,
    upload_root: str | os.PathLike[str] | None = None,
    *,
    allow_private_urls: bool = False,
) -> Inputs:
    """The articles of the paste box and the uploaded files, and each link or file that was not used.

    A pasted block that holds only http(s) links, one per line, is fetched
    (:func:`summarizer.ingest.articles_from_pasted_urls`): loopback, private
    and link-local addresses are refused unless ``allow_private_urls``, so the
    server cannot be turned on its own network.

    With ``upload_root`` (the page passes Gradio's upload folder) a path that
    resolves outside it, through ``..``, an absolute path or a symlink, is never
    read: Gradio checks this too, but the page does not rely on it.
    """
    inputs = Inputs([])
    for article in parse_articles(text or ""):
        if is_url_list(article.text):
            fetched, errors = articles_from_pasted_urls(article.text, allow_private=allow_private_urls)
            inputs.articles.extend(fetched)
            inputs.failed_links.extend(errors)
        else:
            inputs.articles.append(article)
    root = Path(upload_root) if upload_root is not None else None
    for item in files or []:
        path = Path(item if isinstance(item, (str, os.PathLike)) else getattr(item, "name", str(item)))
        if root is not None and not inside_folder(path, root):
            logger.warning("Refused to read %s: not a file in the upload folder", path)
            inputs.file_notes.append(f"{path.name} was not used: it is not an uploaded file")
            continue
        try:
            found = read_articles_file(path)
        except (OSError, ValueError, UnicodeError) as exc:
            inputs.file_notes.append(f"{path.name} was not used: {exc}")
            continue
        if not found:
            inputs.file_notes.append(f"{path.name} was not used: it holds no article text")
        inputs.articles.extend(found)
    return inputs


def collect_articles(
    text: str | None,
    files: Sequence[Any] | None,
    upload_root: str | os.PathLike[str] | None = None,
    *,
    allow_private_urls: bool = False,
) -> tuple[list[Article], list[str]]:
    """Articles from the paste box and the uploaded files, with a note per link or file that was not used.

    :func:`read_inputs` as a pair; the arguments are the same.
    """
    inputs = read_inputs(text, files, upload_root, allow_private_urls=allow_private_urls)
    return inputs.articles, inputs.notes


def add_failed_links(briefs: Sequence[Brief], inputs: Inputs, *, warn: bool = True) -> list[Brief]:
    """``briefs`` with every link of ``inputs`` that could not be fetched among their ``skipped`` inputs.

    With ``warn`` each also becomes one of the brief's ``warnings``, for API
    callers that read only those; the page lists skipped inputs once, in its
    overview, and passes ``warn=False``.
    """
    skips = inputs.link_skips()
    warnings = [f"input {s.index + 1} was not used: {s.reason}" for s in skips] if warn else []
    return [dataclasses.replace(b, skipped=[*b.skipped, *skips], warnings=[*b.warnings, *warnings]) for b in briefs]


def check_words(words: Any) -> int:
    """The brief length as an int in the allowed range; raises ``gr.Error`` otherwise."""
    try:
        value = round(float(words))
    except (TypeError, ValueError, OverflowError):
        raise page_error(f"The brief length must be a number of words, got {words!r}.") from None
    return min(MAX_WORDS, max(MIN_WORDS, value))
