"""Where newsbrief keeps what it makes once and reuses: converted models and exported embedders.

Every cached copy is written into a staging folder and renamed into place in
one step, with a completion mark that lists its files and their sizes; a copy
whose mark is missing or whose files differ from it is treated as absent and
rebuilt.  A reader therefore never loads a half-written copy, and an
interrupted write or a damaged file costs one rebuild, not a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The completion mark's file name inside a cached copy.
COMPLETE_MARK = "newsbrief-complete.json"


def cache_dir() -> Path:
    """The cache's root: ``$NEWSBRIEF_CACHE``, else ``$XDG_CACHE_HOME/newsbrief`` or ``~/.cache/newsbrief``."""
    root = os.environ.get("NEWSBRIEF_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "newsbrief"
    )
    return Path(root)


def model_copy_folder(source: Path, kind: str = "") -> Path:
    """Where a copy made from the model file ``source`` is cached, keyed on its path, size and time.

    ``kind`` tells apart the copies made from one file (a safetensors
    conversion, a re-encoded GGUF); a changed file gets a new folder.
    """
    stat = source.stat()
    key = hashlib.sha1(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    return cache_dir() / "models" / f"{source.stem}-{key}{kind}"


@contextmanager
def staged_folder(folder: Path, record: dict[str, Any]) -> Iterator[Path]:
    """A staging folder beside ``folder`` to write a cached copy into.

    On a clean exit its files' sizes join ``record`` (which the body may
    still add to) in the completion mark that :func:`cached_ok` checks, and it
    replaces ``folder`` in one rename; on an error it is removed.
    """
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder.parent))
    try:
        yield staging
        files = {p.name: p.stat().st_size for p in staging.iterdir() if p.is_file()}
        (staging / COMPLETE_MARK).write_text(json.dumps({**record, "files": files}))
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def completion_record(folder: Path) -> dict[str, Any]:
    """What :func:`staged_folder` recorded for the copy in ``folder``; raises ``OSError`` or ``ValueError``."""
    return json.loads((folder / COMPLETE_MARK).read_text())


def cached_ok(folder: Path) -> bool:
    """Whether ``folder`` holds a complete copy: its mark readable and every file at its recorded size."""
    try:
        expected = completion_record(folder)
    except (OSError, ValueError):
        return False
    for name, size in expected.get("files", {}).items():
        path = folder / name
        if not path.exists() or path.stat().st_size != size:
            return False
    return bool(expected.get("files"))
