"""The web demo: ``python app.py``, ``newsbrief-app`` or ``python -m summarizer.webapp``.

A Gradio page around the public API: paste or upload articles, pick a model
and a length, and get one attributed brief per story with its sources, the
deduplicated pool and the guard's work.  The same function is exposed as the
API endpoint ``/brief`` for ``gradio_client``.

The modules, in the order a request meets them:

- :mod:`.cli`: the flags and ``NEWSBRIEF_*`` variables, :func:`launch` and :func:`main`;
- :mod:`.layout`: the theme, the style sheet and the Blocks page (:func:`build_app`);
- :mod:`.inputs`: pasted text and links, uploaded files, the brief length;
- :mod:`.service`: one shared briefer per model (:class:`BriefService`), :func:`run_briefs`;
- :mod:`.render`: the result as HTML, from the Jinja2 templates in ``templates/``;
- :mod:`.export`: the result as Markdown and as a JSON download;
- :mod:`.messages`: errors and warnings as Gradio toasts.
"""

from .cli import build_parser, launch, main
from .export import briefs_markdown, write_json
from .inputs import (
    MAX_WORDS,
    MIN_WORDS,
    Inputs,
    add_failed_links,
    check_words,
    collect_articles,
    inside_folder,
    read_inputs,
    upload_folder,
)
from .layout import build_app, page_css, theme
from .render import (
    format_seconds,
    render_overview,
    render_results,
    render_story,
    safe_url,
    source_tooltip,
    status_html,
    story_title,
    total_stats,
)
from .service import EMBEDDED, EXTRACTIVE, MODEL_CHOICES, BriefService, model_argument, model_display_name, run_briefs

__all__ = [
    "EMBEDDED",
    "EXTRACTIVE",
    "MAX_WORDS",
    "MIN_WORDS",
    "MODEL_CHOICES",
    "BriefService",
    "Inputs",
    "add_failed_links",
    "briefs_markdown",
    "build_app",
    "build_parser",
    "check_words",
    "collect_articles",
    "format_seconds",
    "inside_folder",
    "launch",
    "main",
    "model_argument",
    "model_display_name",
    "page_css",
    "read_inputs",
    "render_overview",
    "render_results",
    "render_story",
    "run_briefs",
    "safe_url",
    "source_tooltip",
    "status_html",
    "story_title",
    "theme",
    "total_stats",
    "upload_folder",
    "write_json",
]
