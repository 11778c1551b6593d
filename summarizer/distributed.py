"""The pipeline on Ray, for collections larger than one process should hold.

``summarize_dataset`` runs the stages of :class:`~summarizer.pipeline.NewsBriefer`
as three Ray steps and gives the same stories and briefs:

1. **Prepare** (Ray Data ``map_batches`` on an actor pool): read JSONL or
   Parquet articles (fields ``text``, ``title``, ``source``, ``url``,
   ``published``), clean and split each one exactly as the single-process
   pipeline does, and extract its fact tokens (and, when the configuration
   weighs embeddings, its lead embedding).
2. **Cluster** (on the driver, light columns only: tokens and vectors, never
   text): drop duplicates in input order, then
   :func:`~summarizer.clustering_at_scale.cluster_distributed`, which gives
   the labels :func:`~summarizer.clustering.cluster_articles` would without
   ever forming all pairs.
3. **Brief** (Ray Data ``groupby(story)`` packs each story into one row, then
   ``map_batches`` on an actor pool): each actor loads one :class:`NewsBriefer` (embedder and generator) once and writes
   the brief of each story it is handed through the same per-story code as the
   single-process pipeline.

The same code runs on a laptop (``address=None`` starts or joins a local Ray)
and on a cluster (``address="ray://head:10001"`` or ``"auto"``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .clustering_at_scale import cluster_distributed
from .config import BriefConfig
from .document import Article, Brief, Skipped
from .pairs import article_tokens
from .ray_io import FIELDS, field_value, init_ray, number_rows, prepared_schema, read_articles, write_briefs

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

logger = logging.getLogger(__name__)


@dataclass
class StageTimes:
    """Seconds of each step of one :func:`summarize_dataset` run, and counts."""

    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


# -- stage 1: prepare ----------------------------------------------------------


class _Preparer:
    """Ray Data actor: clean, split and extract fact tokens; embed leads if asked.

    One instance lives per actor, so the embedder loads once per worker.
    """

    def __init__(self, config: BriefConfig, embedder_name: str | None, use_embeddings: bool) -> None:
        self.config = config
        self.embedder = None
        if use_embeddings:
            from .embedding import load_embedder

            self.embedder = load_embedder(embedder_name, backend=config.embedder_backend)

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        from .clustering import article_vectors
        from .pipeline import _prepare, _Prepared

        rows = batch.to_pylist()
        out: dict[str, list[Any]] = {name: [] for name in prepared_schema(None).names}
        leads: list[list[str]] = []
        for row in rows:
            fields = {name: field_value(row.get(name)) for name in FIELDS}
            out["row"].append(int(row["row"]))
            for name, value in fields.items():
                out[name].append(value)
            article = Article(**fields) if fields["text"] is not None else None
            # A row without text (which NewsBriefer refuses outright) is skipped
            # here: one bad row should not sink a large collection.
            prepared = _prepare(article, int(row["row"]), self.config) if article else None
            out["article_id"].append(article.id if article else None)
            if not isinstance(prepared, _Prepared):
                out["skip_reason"].append(prepared.reason if prepared else "the input has no 'text' string")
                out["dedup_key"].append(None)
                for name in ("sentences", "removed", "warnings", "tokens"):
                    out[name].append([])
                leads.append([])
                continue
            # Clustering reads the title before the cleaned sentences (see cluster_articles).
            cluster_sentences = ([article.title] if article.title else []) + prepared.sentences
            key = " ".join(prepared.sentences).lower()
            out["skip_reason"].append(None)
            out["dedup_key"].append(hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest())
            out["sentences"].append(prepared.sentences)
            out["removed"].append(prepared.removed)
            out["warnings"].append(prepared.warnings)
            out["tokens"].append(article_tokens(cluster_sentences))
            leads.append(cluster_sentences)
        if self.embedder is None:
            return pa.Table.from_pydict(out, schema=prepared_schema(None))
        vectors = article_vectors(leads, [None] * len(leads), self.embedder)
        dim = vectors.shape[1]
        out["vector"] = list(vectors)
        return pa.Table.from_pydict(out, schema=prepared_schema(dim))


# -- stage 3: briefs -------------------------------------------------------------


class _BriefWriter:
    """Ray Data actor holding one :class:`NewsBriefer`: models load once per actor."""

    def __init__(self, model: str | None, embedder: str | None, config: BriefConfig, skipped: Any, timings: dict[str, float]) -> None:
        import ray

        from .pipeline import NewsBriefer

        self.briefer = NewsBriefer(model, embedder, config=config).load()
        self.skipped = ray.get(skipped) if isinstance(skipped, ray.ObjectRef) else skipped
        self.timings = timings

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        from .embedding import embed_distinct

        stories, sizes, briefs = [], [], []
        rows = batch.to_pylist()
        unpacked = [_unpack_story(packed["payload"]) for packed in rows]
        briefer = self.briefer
        # The batch's stories embedded together, in full batches, as the pipeline embeds a call's.
        vectors = embed_distinct(briefer.embedder, (s for story in unpacked for p in story for s in p.sentences))
        for packed, story in zip(rows, unpacked):
            # The per-story half of NewsBriefer.summarize, so that a brief is the
            # one the single-process pipeline writes for the same story.
            brief = briefer._brief(
                story, briefer.embedder, vectors, briefer.generator, self.skipped, self.timings,
                lambda f, m: None, 0.0, 1.0,
            )
            stories.append(packed["story"])
            sizes.append(len(story))
            briefs.append(pickle.dumps(brief))
        return pa.table(
            {
                "story": pa.array(stories, pa.int64()),
                "articles": pa.array(sizes, pa.int64()),
                "brief": pa.array(briefs, pa.binary()),
            }
        )


def _pack_story(group: pa.Table) -> pa.Table:
    """One row per story: its rank and its articles as Arrow IPC bytes, so no batch splits a story."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, group.schema) as writer:
        writer.write_table(group.sort_by("row"))
    story = group.column("story")[0].as_py()
    return pa.table({"story": pa.array([story], pa.int64()), "payload": pa.array([sink.getvalue().to_pybytes()], pa.binary())})


def _unpack_story(payload: bytes) -> list[Any]:
    """The prepared articles of a packed story, in input order."""
    import pyarrow as pa

    from .pipeline import _Prepared

    rows = pa.ipc.open_stream(payload).read_all().to_pylist()
    return [
        _Prepared(
            Article(**{name: r[name] for name in FIELDS}),
            r["row"],
            list(r["sentences"]),
            list(r["removed"]),
            list(r["warnings"]),
        )
        for r in rows
    ]


def _attach_story(batch: pa.Table, stories: Any) -> pa.Table:
    """Add each row's story rank and drop rows in none (skipped or duplicate)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import ray

    stories = ray.get(stories) if isinstance(stories, ray.ObjectRef) else stories
    rank = stories[batch.column("row").to_numpy()]
    table = batch.append_column("story", pa.array(rank, pa.int64()))
    return table.filter(pc.greater_equal(table.column("story"), 0))


# -- the whole run -------------------------------------------------------------


def _light_rows(prepared: ray.data.Dataset, with_vectors: bool) -> dict[str, Any]:
    """The columns stage 2 needs, in input order, pulled to the driver."""
    columns = ["row", "article_id", "skip_reason", "dedup_key", "tokens"]
    columns += ["vector"] if with_vectors else []
    tables = list(prepared.select_columns(columns).iter_batches(batch_format="pyarrow", batch_size=None))
    import pyarrow as pa

    table = pa.concat_tables(tables) if tables else None
    if table is None or table.num_rows == 0:
        return {"row": np.zeros(0, dtype=np.int64)}
    table = table.sort_by("row")
    out: dict[str, Any] = {name: table.column(name).to_pylist() for name in columns if name != "vector"}
    out["row"] = np.asarray(out["row"], dtype=np.int64)
    if with_vectors:
        out["vector"] = np.asarray(table.column("vector").combine_chunks().flatten().to_numpy(), dtype=np.float32).reshape(
            table.num_rows, -1
        )
    return out


def _skipped_articles(prepared: ray.data.Dataset, rows: set[int]) -> dict[int, Article]:
    """The articles of the given rows (the few that are skipped), pulled to the driver."""
    if not rows:
        return {}
    wanted = sorted(rows)

    def keep(batch: pa.Table) -> pa.Table:
        import pyarrow as pa
        import pyarrow.compute as pc

        return batch.filter(pc.is_in(batch.column("row"), value_set=pa.array(wanted, pa.int64())))

    found = prepared.select_columns(["row", *FIELDS]).map_batches(keep, batch_format="pyarrow").take_all()
    return {
        int(r["row"]): Article(**{name: r[name] for name in FIELDS}) if r["text"] is not None else Article("")
        for r in found
    }


@dataclass
class Stories:
    """The outcome of stages 1 and 2: prepared articles on Ray, stories on the driver.

    ``stories`` lists each story's input positions (0-based), the story with
    the most articles first, ties by first input, as ``NewsBriefer`` orders
    them; ``skipped`` the articles set aside, with the reason.
    """

    prepared: Any
    stories: list[list[int]]
    skipped: list[Skipped]
    total: int
    times: StageTimes


def cluster_dataset(
    source: Any,
    *,
    embedder: str | None = None,
    config: BriefConfig | None = None,
    num_workers: int = 2,
    address: str | None = None,
    batch_size: int = 256,
    knn: int = 30,
    times: StageTimes | None = None,
) -> Stories:
    """Stages 1 and 2: read, clean and split the articles on Ray, and group them into stories.

    The stories are those of :func:`~summarizer.clustering.cluster_articles`
    on the usable articles (see :func:`cluster_distributed`).  Raises
    :class:`~summarizer.pipeline.InputError` when no article can be used.
    """
    config = config or BriefConfig()
    import ray.data

    from .pipeline import InputError

    init_ray(address, num_cpus=None)
    times = times if times is not None else StageTimes()
    use_embeddings = config.cluster_embedding_weight > 0

    clock = time.perf_counter()
    # Each actor stage reads a materialized input: on a small machine an actor
    # pool holding every CPU would otherwise starve the tasks that feed it.
    numbered = number_rows(read_articles(source), batch_size)
    total = numbered.count()
    if total == 0:
        raise InputError("No articles given: pass at least one article.")
    prepared = numbered.map_batches(
        _Preparer,
        fn_constructor_kwargs={"config": config, "embedder_name": embedder, "use_embeddings": use_embeddings},
        batch_format="pyarrow",
        batch_size=None,
        compute=ray.data.ActorPoolStrategy(size=num_workers),
        num_cpus=1,
    ).materialize()
    times.seconds["prepare"] = time.perf_counter() - clock

    clock = time.perf_counter()
    light = _light_rows(prepared, use_embeddings)
    times.seconds["collect"] = time.perf_counter() - clock
    clock = time.perf_counter()
    # Duplicates in input order, as NewsBriefer.summarize drops them.
    kept: list[int] = []
    skipped_reason: dict[int, str] = {}
    seen: dict[str, int] = {}
    for k, row in enumerate(light["row"].tolist()):
        reason = light["skip_reason"][k]
        if reason is not None:
            skipped_reason[row] = reason
            continue
        article_id, key = light["article_id"][k], light["dedup_key"][k]
        if article_id in seen or key in seen:
            first = seen.get(article_id, seen.get(key, 0))
            skipped_reason[row] = f"duplicate of input {first + 1}"
            continue
        seen[article_id] = seen[key] = row
        kept.append(k)
    skipped_articles = _skipped_articles(prepared, set(skipped_reason))
    skipped = [Skipped(row, reason, skipped_articles[row]) for row, reason in sorted(skipped_reason.items())]
    for s in skipped:
        logger.warning("Input %d not used: %s", s.index + 1, s.reason)
    if not kept:
        reasons = "; ".join(f"input {s.index + 1}: {s.reason}" for s in skipped[:20])
        raise InputError(f"None of the articles can be summarised ({reasons}).", skipped)

    cluster_times: dict[str, float] = {}
    labels = cluster_distributed(
        [light["tokens"][k] for k in kept],
        config,
        vectors=light["vector"][kept] if use_embeddings else None,
        knn=knn,
        timings=cluster_times,
    )
    # Stories in NewsBriefer's order: most articles first, then first input.
    members: dict[int, list[int]] = {}
    for label, k in zip(labels, kept):
        members.setdefault(label, []).append(int(light["row"][k]))
    ordered = sorted(members.values(), key=lambda rows: (-len(rows), rows[0]))
    times.seconds["cluster"] = time.perf_counter() - clock
    counts = {"largest_block", "blocks", "sparse_pairs"}
    times.seconds.update({f"cluster.{k}": v for k, v in cluster_times.items() if k not in counts})
    times.counts.update(
        articles=total,
        usable=len(kept),
        skipped=len(skipped),
        stories=len(ordered),
        blocks=int(cluster_times.get("blocks", 0)),
        largest_block=int(cluster_times.get("largest_block", 0)),
        candidate_pairs=int(cluster_times.get("sparse_pairs", 0)),
    )
    logger.info("%d usable articles in %d stories (%d skipped)", len(kept), len(ordered), len(skipped))
    return Stories(prepared, ordered, skipped, total, times)


def brief_dataset(
    source: Any,
    *,
    model: str | None = "extractive",
    embedder: str | None = None,
    config: BriefConfig | None = None,
    num_workers: int = 2,
    address: str | None = None,
    batch_size: int = 256,
    knn: int = 30,
    stories_per_batch: int = 4,
    times: StageTimes | None = None,
) -> ray.data.Dataset:
    """Run stages 1 and 2 now (:func:`cluster_dataset`) and return stage 3 as a lazy Ray Dataset.

    Its rows are ``story`` (0 for the story with the most articles, ties by
    first input), ``articles`` (their number) and ``brief`` (a pickled
    :class:`~summarizer.document.Brief`).  Write it with ``write_parquet`` or
    collect it with :func:`collect_briefs`.  ``times``, when given, receives
    the seconds of each step and the counts.
    """
    config = config or BriefConfig()
    import ray
    import ray.data

    found = cluster_dataset(
        source,
        embedder=embedder,
        config=config,
        num_workers=num_workers,
        address=address,
        batch_size=batch_size,
        knn=knn,
        times=times,
    )
    times = found.times
    story_of_row = np.full(found.total, -1, dtype=np.int64)
    for rank, rows in enumerate(found.stories):
        story_of_row[rows] = rank
    shared_timings = {"cleaning": times.seconds["prepare"], "clustering": times.seconds["cluster"]}
    stories_ref = ray.put(story_of_row)
    clock = time.perf_counter()
    packed = (
        found.prepared.map_batches(_attach_story, fn_args=(stories_ref,), batch_format="pyarrow")
        # Few partitions: each is a task, and a story is small.
        .groupby("story", num_partitions=max(1, min(200, len(found.stories) // 100 + num_workers)))
        .map_groups(_pack_story, batch_format="pyarrow")
        .materialize()
    )
    times.seconds["group"] = time.perf_counter() - clock
    return packed.map_batches(
        _BriefWriter,
        fn_constructor_kwargs={
            "model": model,
            "embedder": embedder,
            "config": config,
            "skipped": ray.put(found.skipped),
            "timings": shared_timings,
        },
        batch_format="pyarrow",
        batch_size=stories_per_batch,
        compute=ray.data.ActorPoolStrategy(size=num_workers),
        num_cpus=1,
    )


def collect_briefs(briefs: ray.data.Dataset) -> list[Brief]:
    """The briefs of a :func:`brief_dataset`, in story order, on the driver."""
    rows = briefs.select_columns(["story", "brief"]).take_all()
    return [pickle.loads(r["brief"]) for r in sorted(rows, key=lambda r: r["story"])]


def summarize_dataset(
    source: Any,
    *,
    model: str | None = "extractive",
    embedder: str | None = None,
    config: BriefConfig | None = None,
    num_workers: int = 2,
    address: str | None = None,
    batch_size: int = 256,
    output: str | os.PathLike[str] | None = None,
    times: StageTimes | None = None,
) -> list[Brief]:
    """One brief per story of a collection, computed on Ray; the story with the most articles first.

    ``source`` is a JSONL or Parquet file, a folder or list of them, a Ray
    Dataset, or a list of :class:`Article` objects or dicts, with the fields
    ``text`` (required), ``title``, ``source``, ``url`` and ``published``.
    ``model`` and ``embedder`` are those of :class:`NewsBriefer` (default, as
    there: the extractive brief, which needs no language model);  ``num_workers`` actors
    prepare the articles and as many write the briefs, each holding one copy of
    the models.  ``address`` is ``None`` for a local Ray (started if needed)
    or a cluster address.  ``output``, when given, is a folder where the briefs
    are also written as JSON lines (``Brief.to_dict()`` per line).

    The per-call input limits of ``config`` (``max_articles``,
    ``max_total_chars``) do not apply here; ``max_article_chars`` does.
    Stories and briefs are those of ``NewsBriefer(model, config=config).summarize``
    on the same articles in the same order.
    """
    config = config or BriefConfig()
    times = times if times is not None else StageTimes()
    dataset = brief_dataset(
        source,
        model=model,
        embedder=embedder,
        config=config,
        num_workers=num_workers,
        address=address,
        batch_size=batch_size,
        times=times,
    )
    clock = time.perf_counter()
    briefs = collect_briefs(dataset.materialize() if output is not None else dataset)
    times.seconds["briefs"] = time.perf_counter() - clock
    if output is not None:
        write_briefs(briefs, output)
    return briefs
