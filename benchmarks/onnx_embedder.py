"""Issue #17, part 2b: all-MiniLM-L6-v2 in float32 (torch) against an int8 ONNX Runtime copy.

Three measurements, both embedders on the same inputs in the same process:

* **Batch encode**: seconds per sentence of :func:`summarizer.embedding.embed`
  (batch size 64, as the pipeline calls it) on a few thousand distinct
  sentences of the first Multi-News dev clusters, warm, best of two runs.
* **Pooling per distinct sentence**: those clusters as stories, every distinct
  sentence embedded once and each story's pool built, best of two, as the
  clustering benchmark's pooling figure is taken (there the sentences' named
  entities are already cached by clustering; here one untimed pass fills those
  caches, so that neither embedder is timed with them cold).  Issue #17's
  target for int8 ONNX: at most half the float32 figure.
* **Dedup**: MSRP train precision and recall of
  :func:`summarizer.pooling.sentences_match` at the shipped ``dedup_threshold``
  (``BriefConfig`` defaults), on the whole file and on the held-out half of the
  dedup benchmark's split.  The issue keeps int8 only if they move by at most
  0.005.

The int8 copy is made with the ``"avx2"`` preset (runs on any x86-64 CPU with
AVX2), the one ``load_embedder(backend="onnx-int8")`` uses and the verdicts
judge; the ``"avx512_vnni"`` preset is measured beside it for CPUs that have
VNNI.

Clustering is not measured: ``cluster_embedding_weight`` is 0 by default, so
``cluster_articles`` never calls the embedder and its figures cannot move.

Run: ``python -m benchmarks.onnx_embedder`` (``--sentences N`` for another
sample size).  Without ../shared/data it says so and exits cleanly.
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

import numpy as np

from benchmarks.common import DataMissing, halves, markdown_table, read_jsonl
from benchmarks.dedup import _pair_cosines, prf
from summarizer.clustering import article_sentences
from summarizer.config import BriefConfig
from summarizer.document import Article
from summarizer.embedding import INT8_PRESETS, Embedder, embed, embed_distinct, load_embedder, load_onnx_int8
from summarizer.pooling import build_pool, sentences_match

logger = logging.getLogger(__name__)

DEV = ("multinews", "multinews_dev.jsonl")
SENTENCES = 3000
#: The issue's limits: dedup precision and recall may move this much, and pooling must at least halve.
MAX_DEDUP_SHIFT = 0.005
TARGET_POOL_RATIO = 0.5


def dev_stories(limit: int) -> tuple[list[list[Article]], list[list[list[str]]], list[str]]:
    """The first Multi-News dev clusters (one story each) until they hold ``limit`` distinct sentences."""
    stories, splits, distinct = [], [], {}
    for row in read_jsonl(*DEV):
        articles = [Article(text) for text in row["documents"] if text.strip()]
        split = [article_sentences(a) for a in articles]
        stories.append(articles)
        splits.append(split)
        distinct.update(dict.fromkeys(s for sentences in split for s in sentences))
        if len(distinct) >= limit:
            break
    return stories, splits, list(distinct)


def encode_seconds(embedder: Embedder, texts: list[str], repeats: int = 2) -> float:
    """Best wall time of ``embed`` over ``texts`` after a warm-up batch."""
    embed(embedder, texts[:128])
    best = float("inf")
    for _ in range(repeats):
        clock = time.perf_counter()
        embed(embedder, texts)
        best = min(best, time.perf_counter() - clock)
    return best


def pool_seconds(
    embedder: Embedder, stories: list[list[Article]], splits: list[list[list[str]]], repeats: int = 1
) -> tuple[float, int]:
    """Best seconds to embed every distinct sentence once and build each story's pool, and the pool sentences."""
    best, pooled = float("inf"), 0
    for _ in range(repeats):
        clock = time.perf_counter()
        vectors = embed_distinct(embedder, (s for split in splits for sentences in split for s in sentences))
        pooled = sum(
            len(build_pool(articles, embedder, sentences=split, vectors=vectors))
            for articles, split in zip(stories, splits)
        )
        best = min(best, time.perf_counter() - clock)
    return best, pooled


def dedup_figures(embedder: Embedder, pairs: list[dict[str, Any]], config: BriefConfig) -> dict[str, tuple[float, float]]:
    """MSRP precision and recall of ``sentences_match`` at ``config.dedup_threshold``: whole file and held-out half."""
    gold = np.array([p["label"] == 1 for p in pairs])
    cosine = _pair_cosines(embedder, pairs)
    predicted = np.array([sentences_match(p["s1"], p["s2"], float(c), config) for p, c in zip(pairs, cosine)])
    _, held = halves(list(range(len(pairs))))
    figures = {}
    for part, idx in (("whole", list(range(len(pairs)))), ("held out", held)):
        precision, recall, _ = prf(predicted[idx], gold[idx])
        figures[part] = (precision, recall)
    return figures


def run(sentences: int = SENTENCES) -> str:
    """Measure both embedders; the report as markdown."""
    import torch

    stories, splits, texts = dev_stories(sentences)
    pairs = read_jsonl("msrp", "msrp_train.jsonl")
    config = BriefConfig()
    threads = torch.get_num_threads()

    clock = time.perf_counter()
    for preset in INT8_PRESETS:  # exports on the first run; the timed load below reads the cache
        load_onnx_int8(preset=preset, threads=threads)
    first_load = time.perf_counter() - clock
    clock = time.perf_counter()
    embedders: dict[str, Embedder] = {"float32 (torch)": load_embedder()}
    embedders["int8 ONNX (avx2 preset)"] = load_onnx_int8(threads=threads)
    cached_load = time.perf_counter() - clock
    embedders["int8 ONNX (avx512_vnni preset)"] = load_onnx_int8(preset="avx512_vnni", threads=threads)
    pool_seconds(embedders["float32 (torch)"], stories, splits)  # fills the text caches (named entities, words)

    rows, measured = [], {}
    for name, embedder in embedders.items():
        logger.info("Measuring %s", name)
        encode = encode_seconds(embedder, texts) / len(texts)
        pool, pooled = pool_seconds(embedder, stories, splits, repeats=2)
        measured[name] = {"encode": encode, "pool": pool / len(texts), "pooled": pooled,
                          "dedup": dedup_figures(embedder, pairs, config),
                          "vectors": embed(embedder, texts)}
    base = measured["float32 (torch)"]
    largest_shift = {}
    for name, m in measured.items():
        shifts = [m["dedup"][part][k] - base["dedup"][part][k] for part in m["dedup"] for k in (0, 1)]
        largest_shift[name] = max(abs(s) for s in shifts)
        rows.append([
            name, f"{m['encode'] * 1000:.2f}", f"{base['encode'] / m['encode']:.2f}x",
            f"{m['pool'] * 1000:.2f}", f"{m['pool'] / base['pool']:.2f}", m["pooled"],
            *(f"{m['dedup'][part][0]:.4f} / {m['dedup'][part][1]:.4f}" for part in ("whole", "held out")),
            f"{largest_shift[name]:.4f}",
        ])
    int8 = measured["int8 ONNX (avx2 preset)"]
    agreement = (base["vectors"] * int8["vectors"]).sum(axis=1)
    held = len(halves(list(range(len(pairs))))[1])
    table = markdown_table(
        ["embedder", "encode ms / sentence", "speed-up", "pooling ms / distinct sentence", "pooling vs float32",
         "pool sentences", f"MSRP P / R, whole ({len(pairs)})", f"MSRP P / R, held out ({held})",
         "largest P/R shift"],
        rows,
    )
    shift = largest_shift["int8 ONNX (avx2 preset)"]
    pool_ratio = int8["pool"] / base["pool"]
    speed = base["encode"] / int8["encode"]
    return "\n".join([
        f"**MiniLM float32 against int8 ONNX** ({len(texts)} distinct sentences of the first {len(stories)} "
        f"Multi-News dev clusters, batch size 64, {threads} threads each, warm, best of 2; MSRP train at "
        f"dedup_threshold {config.dedup_threshold})",
        "",
        table,
        "",
        f"Cosine of each sentence's int8 vector with its float32 one: min {agreement.min():.4f}, "
        f"1st percentile {np.percentile(agreement, 1):.4f}, mean {agreement.mean():.4f}.  "
        f"int8 load: {first_load:.1f} s for both presets the first time (exports included, or cached copies from "
        f"an earlier run); float32 and the avx2 copy from the cache {cached_load:.1f} s.  The verdicts are the "
        "avx2 preset's.",
        "",
        f"* dedup P and R move by at most {MAX_DEDUP_SHIFT}: {'met' if shift <= MAX_DEDUP_SHIFT else 'MISSED'} "
        f"({shift:.4f})",
        f"* encode at least 2x faster: {'met' if speed >= 2 else 'MISSED'} ({speed:.2f}x)",
        f"* pooling per distinct sentence at most {TARGET_POOL_RATIO} of float32: "
        f"{'met' if pool_ratio <= TARGET_POOL_RATIO else 'MISSED'} ({pool_ratio:.2f})",
        "* clustering: not measured; `cluster_embedding_weight` is 0, so clustering never embeds",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=SENTENCES, help="distinct dev sentences to encode")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        print(run(args.sentences))
    except DataMissing as exc:
        logger.warning("Skipped: %s", exc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
