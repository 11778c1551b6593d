"""The web demo: ``python app.py`` or ``newsbrief-app``.

A Gradio page around the public API: paste or upload articles, pick a model
and a length, and get one attributed brief per story with its sources, the
deduplicated pool and the guard's work.  The same function is exposed as the
API endpoint ``/brief`` for ``gradio_client``.

Everything user-supplied that reaches the page (article text, titles, outlets,
URLs, model names, error messages) goes through :func:`html.escape`; the HTML
is built here rather than by a Markdown renderer so that nothing pasted into an
article is ever rendered or run.
"""

import argparse
import dataclasses
import html
import json
import logging
import os
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from . import (
    Article,
    Brief,
    BriefConfig,
    EmbedderError,
    InputError,
    InputLimitError,
    ModelLoadError,
    NewsBriefer,
    __version__,
)
from .examples import example_text
from .ingest import articles_from_pasted_urls, is_url_list
from .inputs import parse_articles, read_articles_file

logger = logging.getLogger(__name__)

#: The model menu's value for the embedded SmolLM2 (``model=None``).
EMBEDDED = "embedded"
EXTRACTIVE = "extractive"
MODEL_CHOICES: list[tuple[str, str]] = [
    ("SmolLM2-135M-Instruct, embedded (rewrites)", EMBEDDED),
    ("Extractive (no language model, fastest)", EXTRACTIVE),
]
FILE_TYPES = [".txt", ".md", ".json", ".html", ".htm"]
MIN_WORDS, MAX_WORDS = 20, 250
#: Stage keys of ``Brief.stats["seconds"]`` with the names the page shows.
STAGES = {
    "cleaning": "Cleaning",
    "clustering": "Grouping stories",
    "pooling": "Merging duplicates",
    "generation": "Writing",
    "attribution": "Checking sources",
}
#: Cleaning and clustering run once for all stories; every brief carries the same figure.
SHARED_STAGES = ("cleaning", "clustering")
RESULT_DIR = Path(tempfile.gettempdir()) / "newsbrief-web"
RESULT_MAX_AGE_S = 3600

Progress = Callable[[float, str], None]


# --------------------------------------------------------------------------- models


def model_argument(choice: str | None) -> str | None:
    """The ``model`` argument of :class:`NewsBriefer` for a value of the model menu."""
    value = (choice or "").strip()
    if value.lower() in {"", EMBEDDED, "default", "none"}:
        return None
    return value


def model_display_name(choice: str | None) -> str:
    """A short human name for a model menu value."""
    model = model_argument(choice)
    if model is None:
        return "SmolLM2-135M-Instruct (embedded)"
    return "Extractive" if model == EXTRACTIVE else model


@dataclasses.dataclass
class _Slot:
    """One shared briefer and its loading state."""

    briefer: NewsBriefer
    state: str = "idle"  # idle | loading | ready | failed
    error: str = ""
    load_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


class BriefService:
    """One shared :class:`NewsBriefer` per model, loaded once per process.

    At most ``max_models`` briefers are kept; the least recently used other
    than the default is forgotten first, so typing many model ids cannot fill
    the memory.
    """

    def __init__(
        self,
        config: BriefConfig | None = None,
        embedder: str | None = None,
        default_model: str | None = None,
        max_models: int = 3,
    ) -> None:
        self.config = config or BriefConfig()
        self.embedder = embedder
        self.default_model = model_argument(default_model)
        self.max_models = max(1, max_models)
        self._slots: OrderedDict[str | None, _Slot] = OrderedDict()
        # Why a model failed to load, kept after its slot is forgotten so the page can say so.
        self._failures: dict[str | None, str] = {}
        self._lock = threading.Lock()

    def _slot(self, model: str | None) -> _Slot:
        with self._lock:
            slot = self._slots.get(model)
            if slot is None:
                briefer = NewsBriefer(model=model, embedder=self.embedder, config=self.config)
                slot = self._slots[model] = _Slot(briefer)
            self._slots.move_to_end(model)
            while len(self._slots) > self.max_models:
                victim = next((k for k in self._slots if k != self.default_model and k != model), None)
                if victim is None:
                    break
                logger.info("Forgetting the briefer of %r to keep at most %d models", victim, self.max_models)
                del self._slots[victim]
            return slot

    def _forget(self, model: str | None, error: str) -> None:
        with self._lock:
            self._slots.pop(model, None)
            self._failures[model] = error

    def state(self, choice: str | None) -> tuple[str, str]:
        """``(state, error)`` of a model: idle, loading, ready or failed."""
        model = model_argument(choice)
        with self._lock:
            slot = self._slots.get(model)
            if slot is None:
                return ("failed", self._failures[model]) if model in self._failures else ("idle", "")
            return slot.state, slot.error

    def load(self, choice: str | None) -> NewsBriefer:
        """Load a model now (or wait for the load under way); raises ``ModelLoadError``/``EmbedderError``."""
        return self._load(choice).briefer

    def _load(self, choice: str | None) -> _Slot:
        model = model_argument(choice)
        slot = self._slot(model)
        with slot.load_lock:
            if slot.state != "ready":
                slot.state, slot.error = "loading", ""
                started = time.perf_counter()
                try:
                    slot.briefer.load()
                except Exception as exc:
                    slot.state, slot.error = "failed", str(exc)
                    self._forget(model, str(exc))  # a later request tries again
                    raise
                slot.state = "ready"
                with self._lock:
                    self._failures.pop(model, None)
                logger.info("Loaded %s in %.1f s", model_display_name(choice), time.perf_counter() - started)
        return slot

    def preload(self, choice: str | None) -> None:
        """Start loading a model in the background, so the page is usable meanwhile."""
        if self.state(choice)[0] in {"loading", "ready"}:
            return

        def work() -> None:
            try:
                self.load(choice)
            except Exception as exc:  # reported on the page and again on use
                logger.warning("Could not load %s: %s", model_display_name(choice), exc)

        self._slot(model_argument(choice)).state = "loading"
        threading.Thread(target=work, name="newsbrief-preload", daemon=True).start()

    def summarize(self, articles: list[Article], choice: str | None, words: int, progress: Progress) -> list[Brief]:
        """Briefs of ``articles`` with the shared briefer of ``choice``, ``words`` long."""
        if self.state(choice)[0] != "ready":
            progress(0.01, f"Loading {model_display_name(choice)} (first use)")
        slot = self._load(choice)
        return slot.briefer.with_settings(target_words=words).summarize(articles, progress=progress)


# --------------------------------------------------------------------------- input


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


def collect_articles(
    text: str | None,
    files: Sequence[Any] | None,
    upload_root: str | os.PathLike[str] | None = None,
    *,
    allow_private_urls: bool = False,
) -> tuple[list[Article], list[str]]:
    """Articles from the paste box and the uploaded files, with a note per link or file that was not used.

    A pasted block that holds only http(s) links, one per line, is fetched
    (:func:`summarizer.ingest.articles_from_pasted_urls`): loopback, private
    and link-local addresses are refused unless ``allow_private_urls``, so the
    server cannot be turned on its own network.

    With ``upload_root`` (the page passes Gradio's upload folder) a path that
    resolves outside it, through ``..``, an absolute path or a symlink, is never
    read: Gradio checks this too, but the page does not rely on it.
    """
    articles: list[Article] = []
    notes: list[str] = []
    for article in parse_articles(text or ""):
        if is_url_list(article.text):
            fetched, errors = articles_from_pasted_urls(article.text, allow_private=allow_private_urls)
            articles.extend(fetched)
            notes.extend(f"A link was not used: {error}" for error in errors)
        else:
            articles.append(article)
    root = Path(upload_root) if upload_root is not None else None
    for item in files or []:
        path = Path(item if isinstance(item, (str, os.PathLike)) else getattr(item, "name", str(item)))
        if root is not None and not inside_folder(path, root):
            logger.warning("Refused to read %s: not a file in the upload folder", path)
            notes.append(f"{path.name} was not used: it is not an uploaded file")
            continue
        try:
            found = read_articles_file(path)
        except (OSError, ValueError, UnicodeError) as exc:
            notes.append(f"{path.name} was not used: {exc}")
            continue
        if not found:
            notes.append(f"{path.name} was not used: it holds no article text")
        articles.extend(found)
    return articles, notes


def check_words(words: Any) -> int:
    """The brief length as an int in the allowed range; raises ``gr.Error`` otherwise."""
    try:
        value = round(float(words))
    except (TypeError, ValueError, OverflowError):
        raise _error(f"The brief length must be a number of words, got {words!r}.") from None
    return min(MAX_WORDS, max(MIN_WORDS, value))


def _error(message: str, title: str = "Cannot write the briefs") -> gr.Error:
    # Gradio renders error messages as HTML: escape them, they may quote user input.
    return gr.Error(html.escape(message, quote=False), title=title, print_exception=False)


def run_briefs(
    service: BriefService, articles: list[Article], choice: str | None, words: Any, progress: Progress
) -> list[Brief]:
    """Run the pipeline, turning every expected failure into a ``gr.Error`` with a plain message."""
    if not articles:
        raise _error("Nothing to summarise: give at least one article (several are separated by a line '---').")
    words = check_words(words)
    try:
        return service.summarize(articles, choice, words, progress)
    except InputLimitError as exc:
        raise _error(str(exc), title="Input too large") from None
    except InputError as exc:
        raise _error(str(exc)) from None
    except ModelLoadError as exc:
        raise _error(str(exc), title="The model could not be loaded") from None
    except EmbedderError as exc:
        raise _error(str(exc), title="The sentence embedder could not be loaded") from None
    except Exception as exc:  # never a traceback on the page
        logger.exception("Brief failed")
        raise _error(f"Something went wrong ({type(exc).__name__}: {exc}).", title="Unexpected error") from None


# --------------------------------------------------------------------------- rendering


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) address; anything else (``javascript:``...) is never a link."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in {"http", "https"} and parts.netloc else None


def _short_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    text = parts.netloc + parts.path.rstrip("/")
    return text if len(text) <= 48 else text[:47] + "…"


def format_seconds(seconds: float) -> str:
    """Seconds as the page shows them."""
    return f"{seconds:.2f} s"


def story_title(brief: Brief) -> str:
    """A heading for a story: its first source's title, else its first sentence."""
    for article in brief.articles:
        if article.title:
            return article.title
    text = brief.sentences[0].text if brief.sentences else brief.text
    return text if len(text) <= 90 else text[:89] + "…"


def source_tooltip(article: Article, number: int) -> str:
    """What a citation marker says on hover: number, outlet, title, date and link."""
    parts = [f"[{number}] {article.label}"]
    if article.title and article.title != article.label:
        parts.append(article.title)
    if article.published:
        parts.append(article.published)
    if safe_url(article.url):
        parts.append(str(article.url).strip())
    return " — ".join(parts)


def cite_marker(article: Article, number: int) -> str:
    """An inline ``[n]``: the source on hover (title attribute) and a popover with the link on click."""
    url = safe_url(article.url)
    link = (
        f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer nofollow">{_e(_short_url(url))}</a>'
        if url
        else '<span class="nb-muted">no link given</span>'
    )
    title = f'<span class="nb-pop-title">{_e(article.title)}</span>' if article.title and article.title != article.label else ""
    return (
        f'<span class="nb-cite" tabindex="0" role="button" data-source="{number}" '
        f'title="{_e(source_tooltip(article, number))}" aria-label="Source {number}: {_e(article.label)}">'
        f"[{number}]"
        f'<span class="nb-pop" role="tooltip"><b>[{number}] {_e(article.label)}</b>{title}{link}</span>'
        "</span>"
    )


def _figure(value: Any, label: str, key: str, hint: str = "") -> str:
    hint_attr = f' title="{_e(hint)}"' if hint else ""
    return (
        f'<div class="nb-figure"{hint_attr}><div class="nb-num" data-stat="{_e(key)}">{_e(value)}</div>'
        f'<div class="nb-lbl">{_e(label)}</div></div>'
    )


def _seconds_line(seconds: dict[str, float], stages: Sequence[str]) -> str:
    items = [
        f'<span data-seconds="{_e(stage)}">{_e(STAGES.get(stage, stage))} <b>{_e(format_seconds(seconds[stage]))}</b></span>'
        for stage in stages
        if stage in seconds
    ]
    return '<div class="nb-seconds"><span class="nb-muted">Seconds:</span> ' + " · ".join(items) + "</div>" if items else ""


def total_stats(briefs: Sequence[Brief]) -> dict[str, Any]:
    """Figures over all stories: counts summed; shared stages once, per-story stages summed."""
    keys = ("articles", "sentences", "pool_sentences", "multi_source_sentences", "boilerplate_lines_removed", "unsupported_caught", "words")
    totals: dict[str, Any] = {k: sum(int(b.stats.get(k, 0)) for b in briefs) for k in keys}
    seconds: dict[str, float] = {}
    for stage in STAGES:
        values = [b.stats.get("seconds", {}).get(stage) for b in briefs]
        values = [v for v in values if v is not None]
        if values:
            seconds[stage] = values[0] if stage in SHARED_STAGES else sum(values)
    totals["seconds"] = seconds
    totals["stories"] = len(briefs)
    return totals


def render_overview(briefs: Sequence[Brief], inputs: int, notes: Sequence[str] = ()) -> str:
    """The figures of the whole run, what was not used, and the file notes."""
    totals = total_stats(briefs)
    skipped = briefs[0].skipped if briefs else []
    models = list(dict.fromkeys(b.model for b in briefs))
    figures = [
        _figure(inputs, "articles given", "inputs"),
        _figure(totals["stories"], "stories", "stories"),
        _figure(totals["articles"], "articles used", "articles"),
        _figure(f'{totals["sentences"]} → {totals["pool_sentences"]}', "sentences before → after dedup", "sentences",
                "Sentences after cleaning, and distinct sentences once duplicates across outlets are merged"),
        _figure(totals["multi_source_sentences"], "carried by several sources", "multi_source_sentences"),
        _figure(totals["boilerplate_lines_removed"], "boilerplate lines removed", "boilerplate_lines_removed",
                "Bylines, share buttons, donation appeals and the like"),
        _figure(totals["unsupported_caught"], "unsupported sentences caught", "unsupported_caught",
                "Sentences the model wrote that the sources do not support, replaced or dropped by the guard"),
    ]
    parts = ['<div class="nb-overview">', '<div class="nb-overview-title">This run</div>', '<div class="nb-figures">', *figures, "</div>"]
    parts.append(_seconds_line(totals["seconds"], list(STAGES)))
    parts.append(f'<div class="nb-model">Model: {_e(", ".join(models))}</div>')
    notices = [_e(n) for n in notes]
    for s in skipped:
        label = f" ({_e(s.article.label)})" if s.article is not None and (s.article.source or s.article.title) else ""
        notices.append(f"Input {s.index + 1}{label} was not used: {_e(s.reason)}")
    if notices:
        items = "".join(f"<li>{n}</li>" for n in notices)
        parts.append(f'<div class="nb-notice nb-skipped"><b>Not used</b><ul>{items}</ul></div>')
    parts.append("</div>")
    return "".join(parts)


def _brief_paragraph(brief: Brief, numbers: dict[str, int], by_id: dict[str, Article]) -> str:
    parts = []
    for sentence in brief.sentences:
        classes, hint = "nb-sent", ""
        if sentence.generated is not None:
            classes += " nb-replaced"
            hint = ("The model's own sentence was not supported by the sources, so the guard put this "
                    f"source sentence in its place ({sentence.reason}).")
        elif not sentence.supported:
            classes += " nb-unsupported"
            hint = f"Not supported by the sources: {sentence.reason}"
        hint_attr = f' title="{_e(hint)}"' if hint else ""
        marks = "".join(cite_marker(by_id[a], numbers[a]) for a in sentence.sources if a in numbers)
        parts.append(f'<span class="{classes}"{hint_attr}>{_e(sentence.text)}</span>{marks}')
    return '<p class="nb-brief">' + " ".join(parts) + "</p>"


def _source_list(brief: Brief, numbers: dict[str, int], anchor: str) -> str:
    cited = {a for s in brief.sentences for a in s.sources}
    items = []
    for article in brief.articles:
        n = numbers[article.id]
        bits = [f'<span class="nb-src-outlet">{_e(article.label)}</span>']
        if article.title and article.title != article.label:
            bits.append(f'<span class="nb-src-title">{_e(article.title)}</span>')
        if article.published:
            bits.append(f'<span class="nb-muted">{_e(article.published)}</span>')
        url = safe_url(article.url)
        if url:
            bits.append(f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer nofollow">{_e(_short_url(url))}</a>')
        elif article.url:  # shown, never linked: not an http(s) address
            bits.append(f'<span class="nb-muted">{_e(article.url)}</span>')
        if article.id not in cited:
            bits.append('<span class="nb-muted">(not cited in the brief)</span>')
        items.append(
            f'<li id="{anchor}-src{n}" data-source="{n}"><span class="nb-src-num">[{n}]</span> ' + " · ".join(bits) + "</li>"
        )
    return '<ol class="nb-sources">' + "".join(items) + "</ol>"


def _guard_table(brief: Brief) -> str:
    rows = []
    for sentence in brief.sentences:
        if sentence.generated is not None:
            pool = ", ".join(f"#{i + 1}" for i in sentence.support)
            rows.append(
                f'<tr class="nb-guard-replaced"><td><s>{_e(sentence.generated)}</s></td>'
                f"<td><b>Replaced</b> by pool sentence {_e(pool)}<div class=\"nb-reason\">{_e(_reason(sentence.reason))}</div></td></tr>"
            )
        elif not sentence.supported:
            rows.append(
                f'<tr class="nb-guard-kept"><td>{_e(sentence.text)}</td>'
                f"<td><b>Kept, unsupported</b><div class=\"nb-reason\">{_e(_reason(sentence.reason))}</div></td></tr>"
            )
    for sentence in brief.dropped:
        rows.append(
            f'<tr class="nb-guard-dropped"><td><s>{_e(sentence.text)}</s></td>'
            f"<td><b>Dropped</b><div class=\"nb-reason\">{_e(_reason(sentence.reason))}</div></td></tr>"
        )
    if not rows:
        return '<p class="nb-muted nb-guard-ok">✓ The guard found every sentence of the brief in the sources.</p>'
    return (
        '<table class="nb-table nb-guard"><thead><tr><th>What the model wrote</th><th>What the guard did</th></tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )


def _reason(reason: str | None) -> str:
    # The guard's reasons open with what it did, which the table already says.
    text = reason or "no reason given"
    for prefix in ("replaced: ", "dropped: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def _pool_table(brief: Brief, numbers: dict[str, int], by_id: dict[str, Article]) -> str:
    used = {i for s in brief.sentences for i in s.support}
    replacements = {i for s in brief.sentences if s.generated is not None for i in s.support}
    rows = []
    for i, sentence in enumerate(brief.pool):
        carriers = [a for a in sentence.article_ids if a in numbers]
        multi = len(carriers) > 1
        chips = "".join(
            f'<span class="nb-chip" title="{_e(source_tooltip(by_id[a], numbers[a]))}">[{numbers[a]}] {_e(by_id[a].label)}</span>'
            for a in carriers
        )
        badge = f'<span class="nb-badge" title="Reported by several sources">{len(carriers)} sources</span>' if multi else ""
        variants = ""
        if sentence.variants:
            quoted = " ".join(f"<q>{_e(v)}</q>" for v in sentence.variants)
            variants = f'<div class="nb-variants">Also worded as: {quoted}</div>'
        mark = ""
        if i in used:
            mark = '<span class="nb-used" title="Supports a sentence of the brief">✓</span>'
            if i in replacements:
                mark += '<div class="nb-muted">replaces a model sentence</div>'
        row_class = "nb-multi" if multi else ""
        rows.append(
            f'<tr class="{row_class}" data-pool="{i}"><td class="nb-idx">{i + 1}</td>'
            f'<td>{_e(sentence.text)}{variants}</td><td><div class="nb-carriers">{badge}{chips}</div></td>'
            f'<td class="nb-in-brief">{mark}</td></tr>'
        )
    return (
        '<table class="nb-table nb-pool"><thead><tr><th>#</th><th>Sentence</th><th>Carried by</th><th>In brief</th></tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )


def render_story(brief: Brief, number: int) -> str:
    """One story: heading, the brief with citations, sources, figures, guard and pool."""
    numbers = brief.citation_numbers()
    by_id = {a.id: a for a in brief.articles}
    stats = brief.stats
    anchor = f"nb-story{number}"
    seconds = stats.get("seconds", {})
    figures = [
        _figure(stats.get("articles", 0), "articles", "articles"),
        _figure(f'{stats.get("sentences", 0)} → {stats.get("pool_sentences", 0)}', "sentences before → after dedup", "sentences"),
        _figure(stats.get("multi_source_sentences", 0), "carried by several sources", "multi_source_sentences"),
        _figure(stats.get("boilerplate_lines_removed", 0), "boilerplate lines removed", "boilerplate_lines_removed"),
        _figure(stats.get("unsupported_caught", 0), "unsupported sentences caught", "unsupported_caught"),
        _figure(stats.get("words", 0), "words", "words"),
    ]
    warnings = ""
    if brief.warnings:
        items = "".join(f"<li>{_e(w)}</li>" for w in brief.warnings)
        warnings = f'<div class="nb-notice nb-warnings"><b>Warnings</b><ul>{items}</ul></div>'
    guarded = stats.get("unsupported_caught", 0)
    return (
        f'<section class="nb-story" id="{anchor}" data-story="{number}">'
        f'<div class="nb-story-head"><span class="nb-story-num">Story {number}</span>'
        f'<h3>{_e(story_title(brief))}</h3>'
        f'<span class="nb-muted nb-story-meta">{len(brief.articles)} article{"s" if len(brief.articles) != 1 else ""}'
        f" · {_e(brief.model)}</span></div>"
        f"{warnings}"
        f"{_brief_paragraph(brief, numbers, by_id)}"
        f'<h4>Sources</h4>{_source_list(brief, numbers, anchor)}'
        f'<div class="nb-figures nb-story-figures">{"".join(figures)}</div>'
        f"{_seconds_line(seconds, [s for s in STAGES if s not in SHARED_STAGES])}"
        f'<details class="nb-details"{" open" if guarded else ""}><summary>Guard: {guarded} unsupported sentence'
        f'{"s" if guarded != 1 else ""} caught</summary>{_guard_table(brief)}</details>'
        f'<details class="nb-details" open><summary>Deduplicated pool: {len(brief.pool)} sentences, '
        f'{stats.get("multi_source_sentences", 0)} carried by several sources</summary>{_pool_table(brief, numbers, by_id)}</details>'
        "</section>"
    )


def render_results(briefs: Sequence[Brief], inputs: int, notes: Sequence[str] = ()) -> str:
    """The whole result: overview, then one section per story, largest first."""
    stories = "".join(render_story(b, n) for n, b in enumerate(briefs, start=1))
    return f'<div class="nb-results">{render_overview(briefs, inputs, notes)}{stories}</div>'


# A newspaper icon drawn inline: emoji fonts are not everywhere, and nothing is fetched.
LOGO_SVG = (
    '<svg class="nb-logo" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" fill="none" '
    'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">'
    '<path d="M4 5h13v13a2 2 0 0 0 2 2H6a2 2 0 0 1-2-2z"/><path d="M17 9h3v9a2 2 0 0 1-2 2"/>'
    '<path d="M7 9h7M7 12.5h7M7 16h4"/></svg>'
)

EMPTY_HTML = (
    f'<div class="nb-empty"><div class="nb-empty-icon">{LOGO_SVG}</div>'
    "<p><b>Your briefs will appear here.</b></p>"
    "<p>Paste a few articles about the same events, or click <b>Add example</b>, then <b>Write briefs</b>.</p></div>"
)


def briefs_markdown(briefs: Sequence[Brief]) -> str:
    """All briefs as Markdown, for the copy button."""
    parts = []
    for n, brief in enumerate(briefs, start=1):
        text = f"## Story {n}: {story_title(brief)}\n\n{brief.to_markdown()}"
        if brief.warnings:
            text += "\n\n" + "\n".join(f"Warning: {w}" for w in brief.warnings)
        parts.append(text)
    return "\n\n".join(parts)


def write_json(briefs: Sequence[Brief]) -> str:
    """The full result as a JSON file for the download button; old files are removed."""
    RESULT_DIR.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - RESULT_MAX_AGE_S
    for old in RESULT_DIR.glob("newsbrief-*.json"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    path = RESULT_DIR / f"newsbrief-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps([b.to_dict() for b in briefs], ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)


def status_html(service: BriefService, choice: str | None) -> str:
    """One line on the chosen model: loading, ready, failed, or loads on first use."""
    state, error = service.state(choice)
    name = _e(model_display_name(choice))
    if state == "ready":
        return f'<div class="nb-status nb-ready">● {name} is ready</div>'
    if state == "loading":
        return (f'<div class="nb-status nb-loading"><span class="nb-spinner"></span>Loading {name} in the background… '
                "the page works meanwhile (the first start of the embedded model takes about 30 s)</div>")
    if state == "failed":
        return f'<div class="nb-status nb-failed">✕ {name} could not be loaded: {_e(error)}</div>'
    return f'<div class="nb-status nb-idle">○ {name} loads on first use</div>'


# --------------------------------------------------------------------------- the page

HEADER_HTML = (
    f'<div class="nb-header"><div><h1>{LOGO_SVG} newsbrief</h1>'
    "<p>Paste several news articles. newsbrief groups them into stories, merges what the outlets "
    "repeat, and writes one short brief per story in which <b>every sentence is cited</b> and "
    "checked against the sources. Runs offline on a CPU.</p></div>"
    f'<span class="nb-version">v{_e(__version__)}</span></div>'
)

PLACEHOLDER = (
    "Paste one or more articles. Separate articles with a line holding only ---\n"
    "Each may start with header lines:\n\n"
    "Source: Harbour Herald\nTitle: Earthquake shakes Port Alden\nURL: https://example.org/quake\nDate: 2026-03-14\n\n"
    "A magnitude 6.1 earthquake struck…\n---\nSource: Coastline Daily\n…\n\n"
    "Or paste links to articles, one per line."
)


def _help_html(config: BriefConfig) -> str:
    return (
        '<div class="nb-help">'
        f"Up to <b>{config.max_articles:,}</b> articles, <b>{config.max_article_chars:,}</b> characters each, "
        f"<b>{config.max_total_chars:,}</b> in all. Files: .txt and .md (articles separated by <code>---</code>), "
        ".json (a list of articles with <code>text</code>, <code>title</code>, <code>source</code>, <code>url</code>), "
        "or a saved .html page. Or paste links to articles, one per line: each page is fetched. "
        "Hover over a citation <b>[1]</b> to see its source; click it for the link."
        "</div>"
    )


CSS = """
.gradio-container { max-width: 1180px !important; margin: 0 auto !important; }
.nb-header { display: flex; justify-content: space-between; align-items: flex-start; gap: 1rem; padding: .4rem 0 .2rem; }
.nb-header h1 { font-size: 2rem; margin: 0 0 .3rem; letter-spacing: -.02em; display: flex; align-items: center; gap: .45rem; }
.nb-header h1 .nb-logo { color: var(--color-accent); }
.nb-header p { margin: 0; max-width: 62rem; color: var(--body-text-color-subdued); font-size: 1rem; line-height: 1.5; }
.nb-version { font-size: .8rem; color: var(--body-text-color-subdued); border: 1px solid var(--border-color-primary);
  border-radius: 999px; padding: .1rem .6rem; white-space: nowrap; }
.nb-help { font-size: .85rem; color: var(--body-text-color-subdued); line-height: 1.5; }
.nb-status { font-size: .88rem; padding: .45rem .7rem; border-radius: 8px; background: var(--background-fill-secondary); }
.nb-ready { color: #15803d; } .nb-failed { color: #b91c1c; } .nb-loading { color: #b45309; } .nb-idle { color: var(--body-text-color-subdued); }
.nb-spinner { display: inline-block; width: .8em; height: .8em; margin-right: .45em; border: 2px solid currentColor;
  border-right-color: transparent; border-radius: 50%; animation: nb-spin .8s linear infinite; vertical-align: -.1em; }
@keyframes nb-spin { to { transform: rotate(360deg); } }
.nb-empty { text-align: center; padding: 2.2rem 1rem; color: var(--body-text-color-subdued);
  border: 2px dashed var(--border-color-primary); border-radius: 14px; }
.nb-empty-icon { font-size: 2.6rem; color: var(--color-accent); line-height: 1; }
.nb-empty-icon .nb-logo { display: block; margin: 0 auto .3rem; } .nb-empty p { margin: .3rem 0; }
.nb-overview { border: 1px solid var(--border-color-primary); border-radius: 14px; padding: .8rem 1.35rem .7rem;
  background: var(--background-fill-secondary); }
.nb-overview .nb-figure { background: var(--background-fill-primary); }
.nb-overview-title { font-size: .78rem; font-weight: 700; text-transform: uppercase; letter-spacing: .06em;
  color: var(--body-text-color-subdued); }
.nb-results { display: flex; flex-direction: column; gap: 1rem; }
.nb-figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(128px, 1fr)); gap: .55rem; margin: .6rem 0; }
.nb-figure { background: var(--background-fill-secondary); border-radius: 10px; padding: .55rem .75rem; }
.nb-num { font-size: 1.35rem; font-weight: 700; line-height: 1.2; font-variant-numeric: tabular-nums; }
.nb-lbl { font-size: .76rem; color: var(--body-text-color-subdued); line-height: 1.25; }
.nb-story-figures .nb-num { font-size: 1.1rem; }
.nb-seconds, .nb-model { font-size: .82rem; color: var(--body-text-color-subdued); margin: .2rem 0; }
.nb-notice { border-left: 4px solid #d97706; background: rgba(217, 119, 6, .09); padding: .55rem .9rem;
  border-radius: 6px; font-size: .9rem; margin: .5rem 0; }
.nb-notice ul { margin: .25rem 0 0 1.1rem; padding: 0; }
.nb-story { border: 1px solid var(--border-color-primary); border-radius: 14px; padding: 1.1rem 1.35rem;
  background: var(--background-fill-primary); box-shadow: 0 1px 3px rgba(0, 0, 0, .05); }
.nb-story-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .35rem .7rem; }
.nb-story-head h3 { margin: 0; font-size: 1.25rem; flex: 1 1 20rem; }
.nb-story-num { font-size: .72rem; font-weight: 700; text-transform: uppercase; letter-spacing: .06em;
  color: var(--color-accent); background: var(--color-accent-soft); border-radius: 6px; padding: .15rem .5rem; }
.nb-story-meta { font-size: .82rem; }
.nb-story h4 { margin: .9rem 0 .3rem; font-size: .8rem; text-transform: uppercase; letter-spacing: .05em;
  color: var(--body-text-color-subdued); }
.nb-brief { font-size: 1.08rem; line-height: 1.75; margin: .7rem 0 .2rem; }
.nb-replaced { text-decoration: underline dotted #d97706; text-underline-offset: 3px; }
.nb-unsupported { text-decoration: underline wavy #dc2626; text-underline-offset: 3px; }
.nb-cite { position: relative; display: inline-block; margin-left: .12em; font-size: .72em; font-weight: 700;
  vertical-align: .45em; line-height: 1; color: var(--color-accent); cursor: pointer; border-radius: 4px; padding: 0 .08em; }
.nb-cite:hover, .nb-cite:focus { background: var(--color-accent-soft); outline: none; }
.nb-pop { display: none; position: absolute; z-index: 50; left: 50%; top: 1.6em; transform: translateX(-50%);
  width: 18rem; padding: .55rem .7rem; font-size: .88rem; font-weight: 400; line-height: 1.4;
  color: var(--body-text-color); background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  border-radius: 8px; box-shadow: 0 6px 20px rgba(0, 0, 0, .15); white-space: normal; text-align: left; }
.nb-cite:focus .nb-pop, .nb-cite:focus-within .nb-pop { display: block; }
.nb-pop b, .nb-pop-title, .nb-pop a, .nb-pop .nb-muted { display: block; }
.nb-pop-title { margin: .15rem 0; }
/* Gradio pads and centres links inside HTML blocks; these are inline text links. */
.nb-results a { padding: 0 !important; text-align: left; }
.nb-pop a { margin-top: .2rem; overflow-wrap: anywhere; }
.nb-sources { margin: 0; padding-left: 0; list-style: none; font-size: .92rem; }
.nb-sources li { margin: .2rem 0; }
.nb-src-num { font-weight: 700; color: var(--color-accent); }
.nb-src-outlet { font-weight: 600; }
.nb-muted { color: var(--body-text-color-subdued); }
.nb-details { margin-top: .7rem; border-top: 1px solid var(--border-color-primary); padding-top: .5rem; }
.nb-details summary { cursor: pointer; font-weight: 600; font-size: .92rem; }
.nb-results table.nb-table { width: 100%; border-collapse: collapse; margin-top: .5rem; font-size: .88rem; border: none; }
.nb-results .nb-table tr, .nb-results .nb-table th, .nb-results .nb-table td { border: none !important; background: none; }
.nb-table th { text-align: left; font-size: .75rem; text-transform: uppercase; letter-spacing: .04em;
  color: var(--body-text-color-subdued); border-bottom: 1px solid var(--border-color-primary); padding: .35rem .5rem; }
.nb-results .nb-table td { vertical-align: top; padding: .45rem .5rem; border-bottom: 1px solid var(--border-color-primary) !important;
  line-height: 1.45; }
.nb-results .nb-table th { border-bottom: 2px solid var(--border-color-primary) !important; }
.nb-pool td:nth-child(3) { width: 15rem; } .nb-pool td:nth-child(4) { width: 4.5rem; text-align: center; }
.nb-idx { color: var(--body-text-color-subdued); width: 2rem; }
.nb-results .nb-pool tr.nb-multi td { background: rgba(99, 102, 241, .07); }
.nb-carriers { display: flex; flex-direction: column; gap: .25rem; align-items: flex-start; }
.nb-badge { display: inline-block; font-size: .72rem; font-weight: 700; color: #fff; background: var(--color-accent);
  border-radius: 999px; padding: .05rem .5rem; }
.nb-chip { display: inline-block; font-size: .78rem; border: 1px solid var(--border-color-primary); border-radius: 6px;
  padding: 0 .35rem; white-space: nowrap; background: var(--background-fill-primary); }
.nb-variants { font-size: .8rem; color: var(--body-text-color-subdued); margin-top: .2rem; }
.nb-variants q { font-style: italic; }
.nb-used { color: #15803d; font-weight: 700; font-size: 1.05rem; }
.nb-guard s { color: #b91c1c; text-decoration-thickness: 1.5px; }
.nb-reason { font-size: .8rem; color: var(--body-text-color-subdued); margin-top: .15rem; }
.nb-guard-ok { font-size: .88rem; margin: .4rem 0; }
#nb-run { min-height: 3rem; font-size: 1.05rem; }
"""


def theme() -> gr.themes.Base:
    """The page's theme: system fonts, so nothing is fetched from the internet."""
    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


def build_app(
    model: str | None = None,
    *,
    config: BriefConfig | None = None,
    embedder: str | None = None,
    service: BriefService | None = None,
    preload: bool = True,
    concurrency: int = 1,
    queue_size: int = 16,
    allow_private_urls: bool = False,
) -> gr.Blocks:
    """The Gradio page; ``model`` is the menu's default (None: the embedded model).

    Pasted links to loopback, private or link-local addresses are refused
    unless ``allow_private_urls``.

    Launch it with :func:`launch`, which adds the theme and the CSS (Gradio 6
    takes them in ``launch``).  With ``preload`` the default model starts
    loading in the background at once, so the page is usable immediately.
    """
    config = config or BriefConfig()
    service = service or BriefService(config, embedder, default_model=model)
    default_choice = EMBEDDED if model_argument(model) is None else str(model)
    choices = list(MODEL_CHOICES)
    if default_choice not in {value for _, value in choices}:
        choices.append((default_choice, default_choice))
    builtin = {value for _, value in choices}
    if preload:
        service.preload(default_choice)

    def brief_page(text: str, files: list[str] | None, choice: str, words: float, progress=gr.Progress()):
        progress(0.0, desc="Reading the input")
        articles, notes = collect_articles(text, files, upload_folder(), allow_private_urls=allow_private_urls)
        for note in notes:
            gr.Warning(html.escape(note, quote=False), title="Input not used")
        if not articles and not notes:
            raise _error("Nothing to summarise: paste articles (separated by a line '---'), upload files, "
                         "or click 'Add example'.")
        briefs = run_briefs(service, articles, choice, words, lambda f, m: progress(f, desc=m))
        for warning in dict.fromkeys(w for b in briefs for w in b.warnings):
            gr.Warning(html.escape(warning, quote=False))
        return (
            render_results(briefs, len(articles), notes),
            briefs_markdown(briefs),
            gr.DownloadButton(value=write_json(briefs), visible=True),
            gr.Column(visible=True),
        )

    def brief_api(text: str, model: str = default_choice, words: int = config.target_words) -> list[dict]:
        """Briefs of pasted articles (separated by a line '---', optional Source:/Title:/URL:/Date: headers).

        A block of http(s) links, one per line, is fetched as the page does.
        ``model``: 'embedded', 'extractive', a Hugging Face id or a local path
        (default: the server's model); ``words``: brief length per story.
        Returns the list of ``Brief.to_dict()``, the largest story first.
        """
        articles, notes = collect_articles(text, None, allow_private_urls=allow_private_urls)
        if not articles and notes:
            raise _error("Nothing to summarise: " + "; ".join(notes))
        return [b.to_dict() for b in run_briefs(service, articles, model, words, lambda f, m: None)]

    def add_example(text: str) -> str:
        example = example_text()
        if example in (text or ""):
            return text
        return f"{text.rstrip()}\n---\n{example}" if (text or "").strip() else example

    def model_changed(choice: str):
        if choice in builtin:  # typed ids and paths load on first use, not on every edit
            service.preload(choice)
        return status_html(service, choice), gr.Timer(active=service.state(choice)[0] == "loading")

    def tick(choice: str):
        return status_html(service, choice), gr.Timer(active=service.state(choice)[0] == "loading")

    with gr.Blocks(title="newsbrief: attributed news briefs", analytics_enabled=False) as demo:
        gr.HTML(HEADER_HTML, padding=False)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                text = gr.Textbox(
                    label="Articles", lines=15, max_lines=30, placeholder=PLACEHOLDER, elem_id="nb-input",
                    max_length=config.max_total_chars + 100_000,
                )
                files = gr.File(
                    label="…or upload articles (.txt, .md, .json, .html)", file_count="multiple",
                    file_types=FILE_TYPES, type="filepath", height=150, elem_id="nb-files",
                )
            with gr.Column(scale=2, min_width=300):
                model_box = gr.Dropdown(
                    choices, value=default_choice, allow_custom_value=True, label="Model", elem_id="nb-model",
                    info="Or type a Hugging Face model id or a local model folder / .gguf file",
                )
                status = gr.HTML(status_html(service, default_choice), elem_id="nb-status")
                words = gr.Slider(
                    MIN_WORDS, MAX_WORDS, value=min(MAX_WORDS, max(MIN_WORDS, config.target_words)), step=10,
                    label="Brief length (words per story)", elem_id="nb-words",
                )
                with gr.Row():
                    example_btn = gr.Button("Add example", elem_id="nb-example", icon=None)
                    clear_btn = gr.Button("Clear all", elem_id="nb-clear", variant="secondary")
                run_btn = gr.Button("Write briefs", variant="primary", size="lg", elem_id="nb-run")
                gr.HTML(_help_html(config))
        results = gr.HTML(EMPTY_HTML, elem_id="nb-results")
        with gr.Column(visible=False) as export:
            with gr.Row(equal_height=False):
                markdown = gr.Textbox(
                    label="Markdown (copy button at the top right)", buttons=["copy"], interactive=False,
                    lines=6, max_lines=14, elem_id="nb-markdown", scale=4,
                )
                download = gr.DownloadButton("⬇ Download JSON", visible=False, elem_id="nb-download", scale=1)
        timer = gr.Timer(1.0, active=service.state(default_choice)[0] == "loading")

        run_btn.click(
            brief_page, [text, files, model_box, words], [results, markdown, download, export],
            api_visibility="private", concurrency_id="brief", scroll_to_output=True,
        ).then(  # a model loaded on first use is now ready (or failed): say so
            tick, model_box, [status, timer], api_visibility="private", show_progress="hidden", concurrency_limit=None,
        )
        gr.api(brief_api, api_name="brief", concurrency_id="brief")
        example_btn.click(add_example, text, text, api_visibility="private", queue=False)
        clear_btn.click(
            lambda: ("", None, EMPTY_HTML, "", gr.DownloadButton(visible=False), gr.Column(visible=False)),
            None, [text, files, results, markdown, download, export], api_visibility="private", queue=False,
        )
        model_box.change(model_changed, model_box, [status, timer], api_visibility="private", show_progress="hidden",
                         concurrency_limit=None)
        timer.tick(tick, model_box, [status, timer], api_visibility="private", show_progress="hidden",
                   concurrency_limit=None)
    demo.queue(default_concurrency_limit=max(1, concurrency), max_size=max(1, queue_size))
    return demo


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
        server_name=host, server_port=port, share=share, max_file_size=max_file_size, theme=theme(), css=CSS,
        ssr_mode=False, show_error=False, footer_links=["api", "gradio"], **kwargs,
    )


# --------------------------------------------------------------------------- command line


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
    parser.add_argument("--model", default=os.environ.get("NEWSBRIEF_MODEL") or EMBEDDED,
                        help="default model: 'embedded' (SmolLM2), 'extractive', a Hugging Face id, a folder "
                        "or a .gguf file ($NEWSBRIEF_MODEL)")
    parser.add_argument("--embedder", default=os.environ.get("NEWSBRIEF_EMBEDDER") or None,
                        help="sentence-transformers model id or path ($NEWSBRIEF_EMBEDDER)")
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
