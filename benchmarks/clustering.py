"""Benchmark section: story clustering quality on ECB+ and its scaling curve.

Quality: every ECB+ dev article (462, 40 stories, two incidents of one kind per
topic) is clustered at once and scored against the gold story (``subtopic``),
beside a word TF-IDF + average-linkage baseline whose threshold is tuned on the
same data (so the baseline is flattered, not us).  ``cluster_threshold`` was
tuned on this whole file too, so the topics are also split in two halves
(fixed seed, whole topics): the threshold is swept on one half and the
default's and the swept value's figures are given on the other half, beside
the whole, with the baseline tuned on the same half.  Small inputs: the mean BCubed
F1 over random ECB+ subsets of 2 to ~40 articles, the size a user pastes.

Scaling: 10 to 10,000 articles made by repeating dev articles with small
changes (one line dropped, two lines swapped), each size in a fresh subprocess
so that its peak RSS is its own.  Run alone with
``python -c "from benchmarks.clustering import run; print(run(quick=True).markdown)"``.
"""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

from dataclasses import replace

import numpy as np

from benchmarks.common import (
    RESULTS, ROOT, SPLIT_SEED, SectionResult, bcubed, halves, markdown_table, peak_rss_mib, read_jsonl, verdict,
)

logger = logging.getLogger(__name__)

DEV = ("ecbplus", "ecbplus_dev.jsonl")
QUICK_SIZES = [10, 100, 1000]
FULL_SIZES = [10, 100, 1000, 3000, 10_000]
#: Embedding every article is linear in n and slow on a CPU; above this size it is extrapolated.
EMBED_MAX_QUICK = 100
EMBED_MAX_FULL = 1000
#: Issue 4's scale target: 10,000 articles clustered and pooled.
TARGET_ARTICLES = 10_000
TARGET_SECONDS = 120.0
TARGET_RSS_MB = 3072
#: Issue 4's quality target: BCubed F1 on ECB+ dev.
TARGET_BCUBED = 0.93
#: ``cluster_threshold`` values swept on the tuning half.
SWEEP = np.round(np.arange(0.60, 0.951, 0.01), 2)


def _articles(rows: list[dict[str, Any]]):
    from summarizer.document import Article

    return [Article(text=r["text"]) for r in rows]


def _scores(labels: list[int], gold: list[str]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    precision, recall, f1 = bcubed(labels, gold)
    return {
        "bcubed_p": precision,
        "bcubed_r": recall,
        "bcubed_f1": f1,
        "ari": adjusted_rand_score(gold, labels),
        "nmi": normalized_mutual_info_score(gold, labels),
        "stories": len(set(labels)),
    }


def tfidf_baseline(texts: list[str], threshold: float) -> list[int]:
    """Plain word TF-IDF cosine + average-linkage agglomerative clustering."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    distance = np.clip(1.0 - (matrix @ matrix.T).toarray(), 0.0, None)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
    return [int(x) for x in model.fit_predict(distance)]


def _best_baseline(texts: list[str], gold: list[str]) -> tuple[float, list[int]]:
    """The baseline at its best threshold on ``texts`` and its labels there."""
    best: tuple[float, float, list[int]] = (-1.0, 0.0, [])
    for threshold in np.arange(0.50, 0.99, 0.01):
        labels = tfidf_baseline(texts, float(threshold))
        f1 = bcubed(labels, gold)[2]
        if f1 > best[0]:
            best = (f1, round(float(threshold), 2), labels)
    return best[1], best[2]


def _tuning(rows: list[dict[str, Any]], articles: list[Any], sentences: list[list[str]], texts: list[str]) -> dict[str, Any]:
    """``cluster_threshold`` swept on one half of the ECB+ topics, scored on the other half and the whole.

    Both incidents of a topic stay in the same half, so that the held-out half
    holds kinds of story the threshold never saw.  The baseline's threshold is
    tuned on the same half.
    """
    from summarizer.clustering import cluster_articles
    from summarizer.config import BriefConfig

    gold = [r["subtopic"] for r in rows]
    tune, held = halves([r["topic"] for r in rows])
    default = BriefConfig()

    def ours(idx: list[int], threshold: float) -> dict[str, float]:
        config = replace(default, cluster_threshold=threshold)
        labels = cluster_articles([articles[i] for i in idx], config=config, sentences=[sentences[i] for i in idx])
        return _scores(labels, [gold[i] for i in idx])

    sweep = {float(t): ours(tune, float(t))["bcubed_f1"] for t in SWEEP}
    tuned = max(sweep, key=lambda t: (sweep[t], -abs(t - default.cluster_threshold)))
    base_threshold, _ = _best_baseline([texts[i] for i in tune], [gold[i] for i in tune])
    everything = list(range(len(rows)))
    parts = {"tuned on": tune, "held out": held, "whole": everything}
    return {
        "default_threshold": default.cluster_threshold,
        "tuned_threshold": tuned,
        "baseline_threshold": base_threshold,
        "sweep": sweep,
        "seed": SPLIT_SEED,
        "topics": {k: len({rows[i]["topic"] for i in idx}) for k, idx in parts.items()},
        "articles": {k: len(idx) for k, idx in parts.items()},
        "gold_stories": {k: len({gold[i] for i in idx}) for k, idx in parts.items()},
        "default": {k: ours(idx, default.cluster_threshold) for k, idx in parts.items()},
        "tuned": {k: ours(idx, tuned) for k, idx in parts.items()},
        "baseline": {
            k: _scores(tfidf_baseline([texts[i] for i in idx], base_threshold), [gold[i] for i in idx])
            for k, idx in parts.items()
        },
    }


def _subsets(rows: list[dict[str, Any]], repeats: int, seed: int = 0) -> list[list[int]]:
    """Random small inputs: whole topics (both incidents), 1-5 topics, 1-4 articles per incident."""
    rng = random.Random(seed)
    topics: dict[Any, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, row in enumerate(rows):
        topics[row["topic"]][row["subtopic"]].append(i)
    names = sorted(topics)
    subsets = []
    for n_topics, per_story in [(1, 1), (1, 2), (2, 2), (3, 3), (5, 4)]:
        for _ in range(repeats):
            ids: list[int] = []
            for topic in rng.sample(names, n_topics):
                for members in topics[topic].values():
                    ids += rng.sample(members, min(rng.randint(1, per_story), len(members)))
            subsets.append(sorted(ids))
    return subsets


def quality(quick: bool) -> dict[str, Any]:
    """Our clustering and the TF-IDF baseline on all of ECB+ dev, and on small subsets."""
    from tqdm import tqdm

    from summarizer.clustering import article_sentences, cluster_articles

    rows = read_jsonl(*DEV)
    gold = [r["subtopic"] for r in rows]
    articles = _articles(rows)
    clock = time.perf_counter()
    ours = cluster_articles(articles)
    seconds = time.perf_counter() - clock
    sentences = [article_sentences(a) for a in articles]
    texts = [" ".join(s) for s in sentences]
    threshold, baseline = _best_baseline(texts, gold)
    tuning = _tuning(rows, articles, sentences, texts)

    subset_f1: dict[str, list[float]] = {"ours": [], "baseline": []}
    for ids in tqdm(_subsets(rows, 10 if quick else 40), desc="small inputs", leave=False):
        sub_gold = [gold[i] for i in ids]
        subset_f1["ours"].append(bcubed(cluster_articles([articles[i] for i in ids]), sub_gold)[2])
        sub_base = tfidf_baseline([texts[i] for i in ids], threshold) if len(ids) > 1 else [0]
        subset_f1["baseline"].append(bcubed(sub_base, sub_gold)[2])
    return {
        "ours": _scores(ours, gold) | {"seconds": seconds},
        "baseline": _scores(baseline, gold) | {"threshold": threshold},
        "gold_stories": len(set(gold)),
        "articles": len(rows),
        "subsets": len(subset_f1["ours"]),
        "subset_f1": {k: float(np.mean(v)) for k, v in subset_f1.items()},
        "tuning": tuning,
    }


def synthetic(rows: list[dict[str, Any]], n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` article texts made from dev articles with small changes, and their gold stories."""
    rng = random.Random(seed)
    texts, gold = [], []
    for k in range(n):
        row = rows[rng.randrange(len(rows))] if k >= len(rows) else rows[k]
        lines = [line for line in row["text"].split("\n") if line.strip()]
        if k >= len(rows) and len(lines) >= 3:
            lines.pop(rng.randrange(1, len(lines)))
            i = rng.randrange(1, len(lines) - 1) if len(lines) > 2 else 0
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        texts.append("\n".join(lines))
        gold.append(row["subtopic"])
    return texts, gold


def _worker(n: int, embed: bool) -> dict[str, Any]:
    """Cluster ``n`` synthetic articles in this process; report times and peak RSS."""
    from summarizer.clustering import article_sentences, article_vectors, cluster_articles
    from summarizer.document import Article

    texts, gold = synthetic(read_jsonl(*DEV), n)
    articles = [Article(text=t) for t in texts]
    clock = time.perf_counter()
    # Split once, as the pipeline does: clustering and pooling read the same sentences.
    per_article = [article_sentences(a) for a in articles]
    timings: dict[str, float] = {"split": time.perf_counter() - clock}
    labels = cluster_articles(articles, timings=timings, sentences=per_article)
    result: dict[str, Any] = {"n": n, "seconds": time.perf_counter() - clock, "phases": timings}
    result["bcubed_f1"] = bcubed(labels, gold)[2]
    # Before the embedder is loaded: torch alone holds several hundred MB.
    result["peak_rss_mb"] = peak_rss_mib()
    from summarizer.embedding import load_embedder
    from summarizer.pooling import build_pool

    embedder = load_embedder()
    if embed:
        clock = time.perf_counter()
        article_vectors(per_article, [None] * n, embedder)
        result["embed_seconds"] = time.perf_counter() - clock
    # Pooling every story, as a batch run does before writing briefs.
    stories: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        stories[label].append(i)
    clock = time.perf_counter()
    pool_sentences = sum(
        len(build_pool([articles[i] for i in story], embedder, sentences=[per_article[i] for i in story]))
        for story in stories.values()
    )
    result["pool_seconds"] = time.perf_counter() - clock
    result["pool_sentences"] = pool_sentences
    result["input_sentences"] = sum(len(s) for s in per_article)
    result["distinct_sentences"] = len({s for sentences in per_article for s in sentences})
    result["stories"] = len(stories)
    result["peak_rss_pool_mb"] = peak_rss_mib()
    return result


def _run_worker(n: int, embed: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.clustering", "--worker", str(n), str(int(embed))]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def scaling(quick: bool) -> list[dict[str, Any]]:
    """Time, phases and peak RSS of ``cluster_articles`` per input size."""
    from tqdm import tqdm

    sizes = QUICK_SIZES if quick else FULL_SIZES
    embed_max = EMBED_MAX_QUICK if quick else EMBED_MAX_FULL
    return [_run_worker(n, n <= embed_max) for n in tqdm(sizes, desc="scaling", leave=False)]


def growth_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Slope of log(time) over log(n), from n >= 100 (below that start-up costs dominate)."""
    points = [(np.log(n), np.log(max(s, 1e-6))) for n, s in zip(sizes, seconds) if n >= 100]
    if len(points) < 2:
        return float("nan")
    x, y = zip(*points)
    return float(np.polyfit(x, y, 1)[0])


def _embed_per_article(points: list[dict[str, Any]]) -> float:
    """Seconds per article of embedding, from the largest size that was embedded."""
    embedded = [p for p in points if "embed_seconds" in p]
    return embedded[-1]["embed_seconds"] / embedded[-1]["n"] if embedded else float("nan")


def _plot(points: list[dict[str, Any]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [p["n"] for p in points]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.loglog(sizes, [p["seconds"] for p in points], "o-", label="cluster_articles (no embedding)")
    per_article = _embed_per_article(points)
    left.loglog(sizes, [p["seconds"] + p.get("embed_seconds", per_article * p["n"]) for p in points], "s--",
                label="with embedding (measured / extrapolated)")
    left.loglog(sizes, [p["seconds"] + p["pool_seconds"] for p in points], "^-", label="clustered and pooled")
    left.axhline(TARGET_SECONDS, color="grey", linestyle=":", label=f"{TARGET_SECONDS:.0f} s budget")
    left.set_xlabel("articles")
    left.set_ylabel("seconds")
    left.legend(fontsize=8)
    right.semilogx(sizes, [p["peak_rss_mb"] for p in points], "o-", label="clustering")
    right.semilogx(sizes, [p["peak_rss_pool_mb"] for p in points], "^-", label="with pooling (torch + MiniLM loaded)")
    right.legend(fontsize=8)
    right.set_xlabel("articles")
    right.set_ylabel("peak RSS (MB)")
    figure.suptitle("Story clustering and pooling scaling")
    figure.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "clustering_scaling.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return str(path)


def run(quick: bool = False) -> SectionResult:
    """Measure clustering quality on ECB+ dev and the scaling curve."""
    q = quality(quick)
    points = scaling(quick)
    exponent = growth_exponent([p["n"] for p in points], [p["seconds"] for p in points])
    per_article = _embed_per_article(points)
    plot = _plot(points)

    def row(name: str, s: dict[str, Any]) -> list[Any]:
        return [name, s["bcubed_p"], s["bcubed_r"], s["bcubed_f1"], s["ari"], s["nmi"], f"{s['stories']} / {q['gold_stories']}"]

    quality_table = markdown_table(
        ["method", "BCubed P", "BCubed R", "BCubed F1", "ARI", "NMI", "stories (pred / gold)"],
        [row("ours: fact-token TF-IDF, average linkage", q["ours"]),
         row(f"baseline: word TF-IDF, average linkage (threshold {q['baseline']['threshold']:.2f}, tuned here)", q["baseline"])],
    )
    t = q["tuning"]
    parts = ["tuned on", "held out", "whole"]
    tuning_table = markdown_table(
        ["method", *(f"BCubed F1, {p} ({t['topics'][p]} topics, {t['articles'][p]} articles)" for p in parts)],
        [[f"ours, default threshold {t['default_threshold']:.2f}", *(t["default"][p]["bcubed_f1"] for p in parts)],
         [f"ours, threshold tuned on the tuning half ({t['tuned_threshold']:.2f})", *(t["tuned"][p]["bcubed_f1"] for p in parts)],
         [f"baseline, threshold tuned on the tuning half ({t['baseline_threshold']:.2f})",
          *(t["baseline"][p]["bcubed_f1"] for p in parts)]],
    )
    phase_names = sorted({k for p in points for k in p["phases"]})
    scale_rows = []
    for p in points:
        embedding = p.get("embed_seconds")
        with_embedding = p["seconds"] + (embedding if embedding is not None else per_article * p["n"])
        scale_rows.append(
            [p["n"], p["seconds"], *[p["phases"].get(k, 0.0) for k in phase_names],
             f"{with_embedding:.1f}" + ("" if embedding is not None else " (extrap.)"), f"{p['peak_rss_mb']:.0f}", p["bcubed_f1"],
             p["stories"], f"{p['distinct_sentences']:,} / {p['input_sentences']:,}", p["pool_seconds"],
             p["seconds"] + p["pool_seconds"], f"{p['peak_rss_pool_mb']:.0f}"]
        )
    scale_table = markdown_table(
        ["articles", "cluster s", *[f"{k} s" for k in phase_names], "with embedding s", "peak RSS MB", "BCubed F1",
         "stories", "distinct / all sentences", "pool s", "cluster + pool s", "peak RSS with pool MB"], scale_rows
    )
    pool_exponent = growth_exponent([p["n"] for p in points], [p["seconds"] + p["pool_seconds"] for p in points])
    largest = points[-1]
    per_sentence = largest["pool_seconds"] / max(largest["distinct_sentences"], 1)
    pooled_total = largest["seconds"] + largest["pool_seconds"]
    if largest["n"] < TARGET_ARTICLES:
        verdict_scale = f"not measured at {TARGET_ARTICLES:,} (a quick run)"
    elif pooled_total <= TARGET_SECONDS and largest["peak_rss_pool_mb"] <= TARGET_RSS_MB:
        verdict_scale = f"met ({pooled_total:.0f} s, {largest['peak_rss_pool_mb']:,.0f} MB)"
    else:
        verdict_scale = (f"MISSED by {pooled_total - TARGET_SECONDS:.0f} s" if pooled_total > TARGET_SECONDS
                         else f"MISSED (memory, {largest['peak_rss_pool_mb']:,.0f} MB)")
    # The sizes up to the number of dev articles hold each dev article once, so no line repeats there.
    distinct_point = max((p for p in points if p["n"] <= q["articles"]), key=lambda p: p["n"])
    split_per_article = distinct_point["phases"].get("split", 0.0) / distinct_point["n"]
    heaviest = max(largest["phases"], key=largest["phases"].get)
    targets = {
        f"BCubed F1 >= {TARGET_BCUBED} (whole ECB+ dev, default threshold)": verdict(q["ours"]["bcubed_f1"], TARGET_BCUBED),
        f"BCubed F1 >= {TARGET_BCUBED} (held-out half, default threshold)":
            verdict(t["default"]["held out"]["bcubed_f1"], TARGET_BCUBED),
        f"BCubed F1 >= {TARGET_BCUBED} (held-out half, threshold tuned on the other half)":
            verdict(t["tuned"]["held out"]["bcubed_f1"], TARGET_BCUBED),
        f"{TARGET_ARTICLES:,} articles clustered and pooled in <= {TARGET_SECONDS:.0f} s and <= {TARGET_RSS_MB:,} MB":
            verdict_scale,
    }
    share = largest["phases"][heaviest] / max(largest["seconds"], 1e-9)
    markdown = "\n\n".join([
        f"ECB+ dev: {q['articles']} articles mixed together, {q['gold_stories']} gold stories "
        "(two incidents of one kind per topic).",
        quality_table,
        f"**Tuned on one half, reported on the other.**  The ECB+ topics split in two halves (seed {t['seed']}, "
        "whole topics, so both incidents of a kind are on one side); `cluster_threshold` swept from "
        f"{SWEEP[0]:.2f} to {SWEEP[-1]:.2f} on the tuning half only (best there: {t['tuned_threshold']:.2f}; the "
        f"default is {t['default_threshold']:.2f}, which was tuned on the whole file, held-out half included), "
        "the baseline's threshold tuned on the same half.",
        tuning_table,
        f"Small inputs ({q['subsets']} random ECB+ subsets of 2-40 articles, whole topics so both incidents "
        f"of a kind are in): mean BCubed F1 ours {q['subset_f1']['ours']:.3f}, baseline {q['subset_f1']['baseline']:.3f}.",
        "Scaling (dev articles repeated with one line dropped and two swapped; each size in its own process; "
        "BCubed F1 against the source article's story):",
        scale_table,
        f"Fitted growth exponent of clustering time over n (n >= 100): {exponent:.2f} (1 is linear; n log n "
        f"reads about 1.1 over this range).  At {largest['n']:,} articles {share:.0%} of the time is `{heaviest}` "
        "(`split` is cleaning and sentence splitting, `facts` the name/number/date extraction, `graph` the chunked "
        "sparse candidate pairs, `linkage` exact average linkage per connected block).  Peak RSS is taken before "
        "any embedder is loaded; loading torch and MiniLM adds about 500 MB.  Embedding (only needed when `cluster_embedding_weight` > 0, or by later "
        f"stages) costs {per_article * 1000:.0f} ms per article on this CPU and dominates any 'with embedding' figure.",
        f"Clustered and pooled (every story's pool built, as a batch run does): {pooled_total:.0f} s and "
        f"{largest['peak_rss_pool_mb']:,.0f} MB peak RSS at {largest['n']:,} articles against the target of "
        f"{TARGET_SECONDS:.0f} s and {TARGET_RSS_MB:,} MB at {TARGET_ARTICLES:,}: **{verdict_scale}**; growth exponent "
        f"{pool_exponent:.2f}.  Each article is cleaned and split once for both stages, and a line seen before "
        "(wire copy, a site's furniture) is not judged or split again, so `split` follows distinct lines: "
        f"{split_per_article * 1000:.1f} ms per article at {distinct_point['n']:,} different dev articles, which "
        f"would be {split_per_article * largest['n']:.0f} s at {largest['n']:,} articles sharing no line.  "
        "Pooling embeds each distinct wording once per story, so its cost follows distinct "
        f"sentences, not articles: {per_sentence * 1000:.1f} ms per distinct sentence at {largest['n']:,} articles "
        "(embedding plus the pair checks).  These synthetic sets repeat dev sentences (the distinct / all column); "
        f"{largest['n']:,} articles that share no sentence (about 20 each) would cost about "
        f"{per_sentence * 20 * largest['n'] / 60:.0f} min of pooling on this CPU.",
    ])
    markdown += "\n\n**Targets**\n\n" + markdown_table(["target", "result"], [[k, v] for k, v in targets.items()])
    metrics = {
        "quality": q, "scaling": points, "growth_exponent": exponent, "pool_growth_exponent": pool_exponent,
        "embed_seconds_per_article": per_article, "pool_seconds_per_distinct_sentence": per_sentence, "targets": targets,
    }
    return SectionResult("Story clustering", markdown, metrics, [plot])


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--worker":
        embed_flag = len(sys.argv) > 3 and sys.argv[3] == "1"
        print(json.dumps(_worker(int(sys.argv[2]), embed_flag)))
    else:
        print(run(quick="--quick" in sys.argv).markdown)
