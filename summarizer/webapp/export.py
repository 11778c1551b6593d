"""The result as Markdown (for the copy button) and as a JSON file (for the download button)."""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from .. import Brief
from .render import story_title

#: Where the JSON downloads are written; a file older than ``RESULT_MAX_AGE_S`` is removed on the next write.
RESULT_DIR = Path(tempfile.gettempdir()) / "newsbrief-web"
RESULT_MAX_AGE_S = 3600


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
        except OSError:  # another request removed it first
            pass
    path = RESULT_DIR / f"newsbrief-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps([b.to_dict() for b in briefs], ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)
