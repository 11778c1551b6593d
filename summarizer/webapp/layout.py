"""The page: its theme and style, the Gradio Blocks layout, and what each button does.

The function behind **Write briefs** is also the API endpoint ``/brief`` for
``gradio_client``.
"""

import functools
from importlib import resources

import gradio as gr

from .. import BriefConfig
from ..examples import example_text
from .export import briefs_markdown, write_json
from .inputs import MAX_WORDS, MIN_WORDS, add_failed_links, read_inputs, upload_folder
from .messages import page_error, page_warning
from .render import empty_html, header_html, help_html, render_results, status_html
from .service import MODEL_CHOICES, BriefService, model_argument, run_briefs

FILE_TYPES = [".txt", ".md", ".json", ".html", ".htm"]
PLACEHOLDER = (
    "Paste one or more articles. Separate articles with a line holding only ---\n"
    "Each may start with header lines:\n\n"
    "Source: Harbour Herald\nTitle: Earthquake shakes Port Alden\nURL: https://example.org/quake\nDate: 2026-03-14\n\n"
    "A magnitude 6.1 earthquake struck…\n---\nSource: Coastline Daily\n…\n\n"
    "Or paste links to articles, one per line."
)


def theme() -> gr.themes.Base:
    """The page's theme: system fonts, so nothing is fetched from the internet."""
    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


@functools.cache
def page_css() -> str:
    """The page's style sheet, ``style.css`` beside this module."""
    return resources.files(__package__).joinpath("style.css").read_text(encoding="utf-8")


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
    """The Gradio page; ``model`` is the menu's default (None: the extractive mode, the default).

    Pasted links to loopback, private or link-local addresses are refused
    unless ``allow_private_urls``.

    Launch it with :func:`summarizer.webapp.launch`, which adds the theme and
    the CSS (Gradio 6 takes them in ``launch``).  With ``preload`` the default
    model starts loading in the background at once, so the page is usable
    immediately.
    """
    config = config or BriefConfig()
    service = service or BriefService(config, embedder, default_model=model)
    default_choice = model_argument(model)
    choices = list(MODEL_CHOICES)
    if default_choice not in {value for _, value in choices}:
        choices.append((default_choice, default_choice))
    builtin = {value for _, value in choices}
    empty = empty_html()
    if preload:
        service.preload(default_choice)

    def brief_page(
        text: str, files: list[str] | None, choice: str, words: float, one_story: bool, progress=gr.Progress()
    ):
        progress(0.0, desc="Reading the input")
        inputs = read_inputs(text, files, upload_folder(), allow_private_urls=allow_private_urls)
        for note in inputs.notes:
            page_warning(note, title="Input not used")
        if not inputs.articles and not inputs.notes:
            raise page_error("Nothing to summarise: paste articles (separated by a line '---'), upload files, "
                             "or click 'Add example'.")
        briefs = run_briefs(service, inputs.articles, choice, words, lambda f, m: progress(f, desc=m),
                            one_story=one_story)
        # Failed links join the skipped inputs, which the overview lists: only the file notes go beside them.
        briefs = add_failed_links(briefs, inputs, warn=False)
        for warning in dict.fromkeys(w for b in briefs for w in b.warnings):
            page_warning(warning)
        return (
            render_results(briefs, inputs.count, inputs.file_notes),
            briefs_markdown(briefs),
            gr.DownloadButton(value=write_json(briefs), visible=True),
            gr.Column(visible=True),
        )

    def brief_api(
        text: str, model: str = default_choice, words: int = config.target_words, one_story: bool = False
    ) -> list[dict]:
        """Briefs of pasted articles (separated by a line '---', optional Source:/Title:/URL:/Date: headers).

        A block of http(s) links, one per line, is fetched as the page does.
        ``model``: 'extractive', 'embedded' (SmolLM2), a Hugging Face id or a
        local path (default: the server's model, which is 'extractive' unless
        it was started with another); ``words``: brief length per story;
        ``one_story``: brief every article as one story, without grouping.
        Returns the list of ``Brief.to_dict()``, the largest story first; a
        link that could not be fetched is in every brief's ``skipped`` and
        ``warnings``, with the reason.
        """
        inputs = read_inputs(text, None, allow_private_urls=allow_private_urls)
        if not inputs.articles and inputs.notes:
            raise page_error("Nothing to summarise: " + "; ".join(inputs.notes))
        briefs = run_briefs(service, inputs.articles, model, words, lambda f, m: None, not_used=inputs.notes,
                            one_story=one_story)
        return [b.to_dict() for b in add_failed_links(briefs, inputs)]

    def add_example(text: str) -> str:
        example = example_text()
        if example in (text or ""):
            return text
        return f"{text.rstrip()}\n---\n{example}" if (text or "").strip() else example

    def model_changed(choice: str):
        if choice in builtin:  # typed ids and paths load on first use, not on every edit
            service.preload(choice)
        return tick(choice)

    def tick(choice: str):
        return status_html(service, choice), gr.Timer(active=service.state(choice)[0] == "loading")

    with gr.Blocks(title="newsbrief: attributed news briefs", analytics_enabled=False) as demo:
        gr.HTML(header_html(), padding=False)
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
                one_story = gr.Checkbox(
                    False, label="All one story", elem_id="nb-one-story",
                    info="Brief every article together, without grouping them into stories",
                )
                with gr.Row():
                    example_btn = gr.Button("Add example", elem_id="nb-example", icon=None)
                    clear_btn = gr.Button("Clear all", elem_id="nb-clear", variant="secondary")
                run_btn = gr.Button("Write briefs", variant="primary", size="lg", elem_id="nb-run")
                gr.HTML(help_html(config))
        results = gr.HTML(empty, elem_id="nb-results")
        with gr.Column(visible=False) as export:
            with gr.Row(equal_height=False):
                markdown = gr.Textbox(
                    label="Markdown (copy button at the top right)", buttons=["copy"], interactive=False,
                    lines=6, max_lines=14, elem_id="nb-markdown", scale=4,
                )
                download = gr.DownloadButton("⬇ Download JSON", visible=False, elem_id="nb-download", scale=1)
        timer = gr.Timer(1.0, active=service.state(default_choice)[0] == "loading")

        run_btn.click(
            brief_page, [text, files, model_box, words, one_story], [results, markdown, download, export],
            api_visibility="private", concurrency_id="brief", scroll_to_output=True,
        ).then(  # a model loaded on first use is now ready (or failed): say so
            tick, model_box, [status, timer], api_visibility="private", show_progress="hidden", concurrency_limit=None,
        )
        gr.api(brief_api, api_name="brief", concurrency_id="brief")
        example_btn.click(add_example, text, text, api_visibility="private", queue=False)
        clear_btn.click(
            lambda: ("", None, empty, "", gr.DownloadButton(visible=False), gr.Column(visible=False)),
            None, [text, files, results, markdown, download, export], api_visibility="private", queue=False,
        )
        model_box.change(model_changed, model_box, [status, timer], api_visibility="private", show_progress="hidden",
                         concurrency_limit=None)
        timer.tick(tick, model_box, [status, timer], api_visibility="private", show_progress="hidden",
                   concurrency_limit=None)
    demo.queue(default_concurrency_limit=max(1, concurrency), max_size=max(1, queue_size))
    return demo
