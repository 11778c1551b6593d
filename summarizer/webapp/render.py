"""The page's HTML: the results of a run, the model status, and the fixed parts of the page.

The markup lives in Jinja2 templates beside this module (``templates/``), with
autoescaping on: everything user-supplied that reaches the page (article text,
titles, outlets, URLs, model names, error messages) is escaped by the template
engine, so nothing pasted into an article is ever rendered or run.  Only
http(s) addresses become links (:func:`safe_url`).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from .. import Article, Brief, BriefConfig, BriefSentence, __version__
from .service import EMBEDDED, BriefService, model_argument, model_display_name

#: Stage keys of ``Brief.stats["seconds"]`` with the names the page shows.
STAGES = {
    "cleaning": "Cleaning",
    "clustering": "Grouping stories",
    "embedding": "Embedding sentences",
    "pooling": "Merging duplicates",
    "generation": "Writing",
    "attribution": "Checking sources",
}
#: Cleaning, clustering and embedding run once for all stories; every brief carries the same figure.
SHARED_STAGES = ("cleaning", "clustering", "embedding")
#: The counts of ``Brief.stats`` that the overview sums over the stories.
COUNTS = (
    "articles", "sentences", "pool_sentences", "multi_source_sentences", "boilerplate_lines_removed",
    "unsupported_caught", "words",
)


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


def short_url(url: str) -> str:
    """A link's text: host and path, cut to 48 characters."""
    parts = urllib.parse.urlsplit(url)
    text = parts.netloc + parts.path.rstrip("/")
    return text if len(text) <= 48 else text[:47] + "…"


def format_seconds(seconds: float) -> str:
    """Seconds as the page shows them."""
    return f"{seconds:.2f} s"


def guard_reason(reason: str | None) -> str:
    """The guard's reason for a sentence, without its opening word (the table says what it did)."""
    text = reason or "no reason given"
    for prefix in ("replaced: ", "dropped: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


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


def guard_actions(brief: Brief) -> list[tuple[str, BriefSentence]]:
    """What the guard did to each sentence it caught: ``("replaced" | "kept" | "dropped", sentence)``."""
    actions = []
    for sentence in brief.sentences:
        if sentence.generated is not None:
            actions.append(("replaced", sentence))
        elif not sentence.supported:
            actions.append(("kept", sentence))
    return actions + [("dropped", sentence) for sentence in brief.dropped]


def total_stats(briefs: Sequence[Brief]) -> dict[str, Any]:
    """Figures over all stories: counts summed; shared stages once, per-story stages summed."""
    totals: dict[str, Any] = {k: sum(int(b.stats.get(k, 0)) for b in briefs) for k in COUNTS}
    seconds: dict[str, float] = {}
    for stage in STAGES:
        values = [b.stats.get("seconds", {}).get(stage) for b in briefs]
        values = [v for v in values if v is not None]
        if values:
            seconds[stage] = values[0] if stage in SHARED_STAGES else sum(values)
    totals["seconds"] = seconds
    totals["stories"] = len(briefs)
    return totals


_templates = jinja2.Environment(
    loader=jinja2.PackageLoader(__package__, "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters.update(
    seconds=format_seconds, short_url=short_url, guard_reason=guard_reason, thousands=lambda n: f"{n:,}",
)
_templates.globals.update(STAGES=STAGES, SHARED_STAGES=SHARED_STAGES, safe_url=safe_url, source_tooltip=source_tooltip)


def _render(template: str, **context: Any) -> str:
    return _templates.get_template(template).render(**context)


def render_overview(briefs: Sequence[Brief], inputs: int, notes: Sequence[str] = ()) -> str:
    """The figures of the whole run, the inputs that were not used, and ``notes`` (one line each)."""
    return _render(
        "overview.html", totals=total_stats(briefs), inputs=inputs, notes=notes,
        skipped=briefs[0].skipped if briefs else [], models=list(dict.fromkeys(b.model for b in briefs)),
    )


def render_story(brief: Brief, number: int) -> str:
    """One story: heading, the brief with citations, sources, figures, guard and pool."""
    return _render(
        "story.html", brief=brief, number=number, title=story_title(brief),
        numbers=brief.citation_numbers(), by_id={a.id: a for a in brief.articles},
        cited={a for s in brief.sentences for a in s.sources},
        used={i for s in brief.sentences for i in s.support},
        replacements={i for s in brief.sentences if s.generated is not None for i in s.support},
        guard=guard_actions(brief),
    )


def render_results(briefs: Sequence[Brief], inputs: int, notes: Sequence[str] = ()) -> str:
    """The whole result: overview, then one section per story, largest first."""
    # Both parts are rendered (and escaped) by their own templates already.
    overview = Markup(render_overview(briefs, inputs, notes))
    stories = [Markup(render_story(b, n)) for n, b in enumerate(briefs, start=1)]
    return _render("results.html", overview=overview, stories=stories)


def status_html(service: BriefService, choice: str | None) -> str:
    """One line on the chosen model: loading, ready, failed, or loads on first use."""
    state, error = service.state(choice)
    return _render("status.html", state=state, error=error, name=model_display_name(choice),
                   embedded=model_argument(choice) == EMBEDDED)


def header_html() -> str:
    """The page's title, what it does, and the version."""
    return _render("header.html", version=__version__)


def empty_html() -> str:
    """What the results area shows before the first run."""
    return _render("empty.html")


def help_html(config: BriefConfig) -> str:
    """The input limits and formats, under the buttons."""
    return _render("help.html", config=config)
