"""Ray set-up and a collection's way in and out, for :mod:`summarizer.distributed`.

Reading articles from JSONL or Parquet into a Ray Dataset, numbering them by
input position (so that every later step can keep input order), the layout of
the prepared articles' table, and writing the briefs as JSON lines.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .document import Article, Brief

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

#: Article fields read from the input; missing ones are ``None``.
FIELDS = ("text", "title", "source", "url", "published")


def field_value(value: Any) -> str | None:
    """A field as the pipeline takes it: ``None`` for missing, NaN or null, else a string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value if isinstance(value, str) else str(value)


def prepared_schema(dim: int | None) -> pa.Schema:
    """The table that preparing articles gives: input fields, sentences, fact tokens, and lead vectors of ``dim``."""
    import pyarrow as pa

    text = pa.string()
    columns = [
        ("row", pa.int64()),
        *[(name, text) for name in FIELDS],
        ("article_id", text),
        ("skip_reason", text),
        ("dedup_key", text),
        ("sentences", pa.list_(text)),
        ("removed", pa.list_(text)),
        ("warnings", pa.list_(text)),
        ("tokens", pa.list_(text)),
    ]
    if dim:
        columns.append(("vector", pa.list_(pa.float32(), dim)))
    return pa.schema(columns)


def init_ray(address: str | None = None, num_cpus: int | None = None, **kwargs: Any) -> None:
    """Start or join Ray unless it is already running in this process.

    ``address=None`` joins a running local instance or starts one (with
    ``num_cpus``); ``"auto"`` or ``"ray://host:10001"`` joins a cluster.  The
    ``summarizer`` package is shipped to the workers (``py_modules``), so the
    cluster's nodes need its dependencies but not this checkout.
    """
    import ray

    if ray.is_initialized():
        return
    package = str(Path(__file__).resolve().parent)
    runtime_env = dict(kwargs.pop("runtime_env", None) or {})
    runtime_env.setdefault("py_modules", [package])
    options: dict[str, Any] = {"include_dashboard": False, "runtime_env": runtime_env, **kwargs}
    if address is None:
        options["num_cpus"] = num_cpus
    ray.init(address=address, **options)


def read_articles(source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Any) -> ray.data.Dataset:
    """A Ray Dataset of articles from JSONL/JSON or Parquet files, a folder, or a Dataset.

    A list of :class:`Article` objects or dicts is accepted too (for tests and
    small inputs).  Files ending ``.parquet`` (or a folder of them) are read
    with ``read_parquet``, anything else with ``read_json`` (JSON lines).
    """
    import ray.data

    if isinstance(source, ray.data.Dataset):
        return source
    if isinstance(source, list) and source and not isinstance(source[0], (str, os.PathLike)):
        rows = [a.to_dict() if isinstance(a, Article) else dict(a) for a in source]
        return ray.data.from_items([{k: r.get(k) for k in FIELDS} for r in rows])
    paths = [str(p) for p in source] if isinstance(source, (list, tuple)) else [str(source)]
    parquet = all(
        p.endswith(".parquet") or (Path(p).is_dir() and any(Path(p).glob("*.parquet"))) for p in paths
    )
    if parquet:
        return ray.data.read_parquet(paths)
    return ray.data.read_json(paths, lines=True) if _all_jsonl(paths) else ray.data.read_json(paths)


def _all_jsonl(paths: list[str]) -> bool:
    return all(p.endswith(".jsonl") or Path(p).is_dir() for p in paths)


def _num_rows(table: pa.Table) -> int:
    return table.num_rows


def _numbered_slices(table: pa.Table, offset: int, size: int) -> list[pa.Table]:
    """The block with a ``row`` column (its input position), cut into slices of ``size`` rows."""
    import pyarrow as pa

    table = table.append_column("row", pa.array(range(offset, offset + table.num_rows), pa.int64()))
    slices = [table.slice(start, size) for start in range(0, table.num_rows, size)]
    return slices if len(slices) > 1 else slices[0]


def number_rows(articles: ray.data.Dataset, batch_size: int) -> ray.data.MaterializedDataset:
    """The articles with their input position in a ``row`` column, in blocks of ``batch_size`` rows.

    Positions come from the block order of the materialized read (public
    ``to_arrow_refs``), not from execution order, so they are deterministic.
    Small blocks let every actor of the next stage get work.
    """
    import ray
    import ray.data

    refs = articles.materialize().to_arrow_refs()
    counts = ray.get([ray.remote(_num_rows).remote(ref) for ref in refs])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int) if counts else []
    numbered: list[Any] = []
    for ref, count, offset in zip(refs, counts, offsets):
        if count == 0:
            continue
        pieces = -(-count // batch_size)
        task = ray.remote(_numbered_slices).options(num_returns=pieces)
        result = task.remote(ref, int(offset), batch_size)
        numbered.extend(result if pieces > 1 else [result])
    return ray.data.from_arrow_refs(numbered)


def write_briefs(briefs: Iterable[Brief], folder: str | os.PathLike[str]) -> Path:
    """Write briefs as JSON lines to ``folder/briefs.jsonl``; return that path."""
    import json

    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    target = path / "briefs.jsonl"
    with target.open("w", encoding="utf-8") as handle:
        for brief in briefs:
            handle.write(json.dumps(brief.to_dict(), ensure_ascii=False) + "\n")
    return target
