"""Errors and warnings shown to the user as Gradio toasts."""

from __future__ import annotations

import html

import gradio as gr


def page_error(message: str, title: str = "Cannot write the briefs") -> gr.Error:
    """A ``gr.Error`` to raise from an event: a plain message, never a traceback."""
    # Gradio renders toast text as HTML: escape it, it may quote user input.
    return gr.Error(html.escape(message, quote=False), title=title, print_exception=False)


def page_warning(message: str, title: str = "Warning") -> None:
    """Show ``message`` as a warning toast beside the result."""
    gr.Warning(html.escape(message, quote=False), title=title)
