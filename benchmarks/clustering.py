"""Benchmark section: story clustering on ECB+ and Multi-News dev, and its scaling curve.

Quality, with a word TF-IDF + average-linkage baseline in the same run (its
threshold tuned on the same tuning halves as ours, for the same objective):

- **ECB+ dev mixed**: all 462 articles in one call (22 topics, each two
  incidents of one kind; the story is the ``subtopic``);
- **ECB+ small**: random subsets of 2 to ~40 articles, whole topics so both
  incidents of a kind are in, the size a user pastes;
- **Multi-News dev mixed**: all clusters' articles in one call;
- **Multi-News dev pasted alone**: each cluster with 2+ articles of 50+ words
  clustered by itself: the share kept as one story, and the share of its
  articles in its largest group.

The pair model and ``cluster_probability`` were tuned on the first half of
each dev set only (``benchmarks/train_story_model.py``; halves by topic or
cluster, fixed seed, see ``benchmarks/story_data.py``), so every figure is
given on the tuned-on half, the held-out half and the whole.

Scaling: 10 to 10,000 articles made by repeating ECB+ dev articles with small
changes (one line dropped, two lines swapped), each size in a fresh subprocess
so that its peak RSS is its own; the named-entity recogniser is included.  Run
alone with ``python -c "from benchmarks.clustering import run; print(run(quick=True).markdown)"``.
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

import numpy as np

from benchmarks.common import (
    RESULTS, ROOT, SPLIT_SEED, SectionResult, bcubed, markdown_table, peak_rss_mib, read_jsonl, verdict,
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
#: Issue 14's targets (dev): ECB+ mixed and small, Multi-News mixed, and pasted alone.
TARGET_ECB = 0.95
TARGET_MN_MIXED = 0.93
TARGET_ALONE_KEPT = 0.85
TARGET_ALONE_ARTICLES = 0.93
#: Held-out figures within this of the tuned-on ones.
TARGET_HELD_GAP = 0.02
#: Issue 14's clustering-only scale target at 10,000 articles, NER included.
TARGET_CLUSTER_SECONDS = 60.0
#: Issue 17: pooling per distinct sentence at most this many times MiniLM's own batch-encode time.
TARGET_POOL_RATIO = 1.2
#: Stories with large blocks linked on their candidate pairs against exact linkage (issue #17).
TARGET_CAPPED_ARI = 0.99
#: ``cluster_probability`` values swept on the tuning halves, and the baseline's thresholds.
SWEEP = [0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15, 0.2, 0.3]
#: The cut before inputs' own share of same-story pairs was used (2026-12-02 to 12-03), shown beside today's
#: when today's differs (the row is left out when the retrained model's sweep picks this cut again).
BEFORE_CUT = 0.1
#: ``cluster_split_ratio`` values swept on the tuning halves at the default cut (0: no seam split).
RATIO_SWEEP = [0.0, 0.4, 0.5, 0.6, 0.7]
BASELINE_SWEEP = np.round(np.arange(0.70, 0.99, 0.02), 2)


def tfidf_baseline(texts: list[str], threshold: float) -> list[int]:
    """Plain word TF-IDF cosine + average-linkage agglomerative clustering."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < 2:
        return [0] * len(texts)
    try:
        matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    except ValueError:  # no word left
        return list(range(len(texts)))
    distance = np.clip(1.0 - (matrix @ matrix.T).toarray(), 0.0, None)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
    return [int(x) for x in model.fit_predict(distance)]


def _baseline_clusterer(threshold: float):
    from benchmarks.story_data import dev_sentences

    sentences = dev_sentences()
    return lambda indices: tfidf_baseline([" ".join(sentences[i]) for i in indices], threshold)


def quality(quick: bool) -> dict[str, Any]:
    """Ours and the baseline on every dev figure, per half; the sweeps of both cuts on the tuning halves."""
    from dataclasses import replace

    from benchmarks.story_data import all_scores, clusterer, cut_sweep, dev_sentences, split, tracked, tuned_on_objective
    from summarizer.config import BriefConfig

    repeats = 10 if quick else 40
    clock = time.perf_counter()
    dev_sentences()
    parts = {"ecb": split("ecb"), "mn": split("mn")}
    default = BriefConfig()
    sweep: dict[float, float] = {}
    ratio_sweep: dict[float, float] = {}
    if not quick:
        sweep = cut_sweep(parts, SWEEP, config=default)
        for ratio in RATIO_SWEEP:
            ratio_sweep[float(ratio)] = tuned_on_objective(parts, clusterer(replace(default, cluster_split_ratio=float(ratio))))
    baseline_sweep = {
        float(threshold): tuned_on_objective(parts, _baseline_clusterer(float(threshold))) for threshold in BASELINE_SWEEP
    }
    baseline_threshold = max(baseline_sweep, key=baseline_sweep.get)
    clock_ours = time.perf_counter()
    ours = all_scores(parts, clusterer(default), repeats)
    ours_seconds = time.perf_counter() - clock_ours
    # The same cut with every input kept at the model's training share, and the defaults before that was added
    # (the same run as no_prior, and not repeated, when the cut is that of before).
    no_prior = all_scores(parts, clusterer(replace(default, cluster_prior_max_articles=0)), repeats)
    before = None if default.cluster_probability == BEFORE_CUT else all_scores(
        parts, clusterer(replace(default, cluster_prior_max_articles=0, cluster_probability=BEFORE_CUT)), repeats)
    baseline = all_scores(parts, _baseline_clusterer(baseline_threshold), repeats)
    # Every block linked on its candidate pairs (the path of blocks over cluster_max_block) against exact linkage.
    from sklearn.metrics import adjusted_rand_score

    exact, sparse = clusterer(default), clusterer(replace(default, cluster_max_block=2))
    sparse_ari = {d: adjusted_rand_score(exact(parts[d]["whole"]), sparse(parts[d]["whole"])) for d in parts}
    # The tracker on the held-out halves, one article at a time (3 orders take about 4 minutes).
    tracker = {d: tracked(parts[d]["held out"], orders=1 if quick else 3) for d in parts}
    # The model refitted the other way round (about 4 minutes: NER of the dev set is cached by now).
    swapped = None if quick else swapped_halves(parts, repeats)
    return {
        "ours": ours, "swapped": swapped, "cross_validated": cross_validated(ours, swapped) if swapped else None,
        "no_prior": no_prior, "before": before, "before_cut": BEFORE_CUT, "baseline": baseline,
        "cut": default.cluster_probability, "cut_sweep": sweep,
        "split_ratio": default.cluster_split_ratio, "ratio_sweep": ratio_sweep,
        "max_block": default.cluster_max_block, "sparse_ari": sparse_ari, "tracker": tracker,
        "baseline_threshold": baseline_threshold, "baseline_sweep": baseline_sweep, "repeats": repeats,
        "sizes": {d: {k: len(v) for k, v in parts[d].items()} for d in parts},
        "seconds": time.perf_counter() - clock, "ours_seconds": ours_seconds,
    }


def swapped_halves(parts: dict[str, dict[str, list[int]]], repeats: int) -> dict[str, Any]:
    """The split the other way round: the pair model refitted and the cut re-swept on the held-out halves.

    Each half is then scored by a model that never saw it, so the shipped
    model's held-out figures and these make a two-fold cross-validation.  A
    tuned-on-minus-held-out gap that changes sign when the halves swap comes
    from which topics fell in which half, not from fitting the tuning half.
    The seam split's ratio is kept at its default.
    """
    from dataclasses import asdict

    from benchmarks.story_data import all_scores, clusterer, cut_sweep, dev_tokens
    from benchmarks.train_story_model import fit
    from summarizer.config import BriefConfig

    other = {d: {"tuned on": p["held out"], "held out": p["tuned on"]} for d, p in parts.items()}
    model, _ = fit(dev_tokens(), other)
    sweep = cut_sweep(other, SWEEP, model)
    cut = max(sweep, key=sweep.get)
    figures = all_scores(other, clusterer(BriefConfig(cluster_probability=cut), model), repeats,
                         parts_wanted=("tuned on", "held out"))
    return {"cut": cut, "cut_sweep": sweep, "coefficients": asdict(model), **figures}


#: The figures of :func:`swapped_halves`' table: name, and how each is read off :func:`story_data.all_scores`.
CROSS_FIGURES = {
    "ECB+ mixed B3 F1": lambda f: f["ecb"]["bcubed_f1"],
    "ECB+ small B3 F1": lambda f: f["ecb_small"],
    "Multi-News mixed B3 F1": lambda f: f["mn"]["bcubed_f1"],
    "pasted alone, kept as one story": lambda f: f["mn_alone"]["kept"],
    "pasted alone, articles in largest group": lambda f: f["mn_alone"]["in_largest"],
}


def cross_validated(ours: dict[str, Any], swapped: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per figure: each half scored by the model not fitted on it, their mean, and each direction's gap."""
    out = {}
    for name, read in CROSS_FIGURES.items():
        a_held, b_held = read(ours["held out"]), read(swapped["held out"])
        out[name] = {"held_out_shipped": a_held, "held_out_swapped": b_held, "two_fold_mean": (a_held + b_held) / 2,
                     "gap_shipped": read(ours["tuned on"]) - a_held, "gap_swapped": read(swapped["tuned on"]) - b_held}
    return out


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


def _worker(n: int, embed: bool, sparse: bool = False) -> dict[str, Any]:
    """Cluster ``n`` synthetic articles in this process; report times and peak RSS.

    ``sparse`` links every block on its candidate pairs, as blocks over
    ``cluster_max_block`` are, and stops after clustering.
    """
    from summarizer.clustering import article_sentences, article_vectors, cluster_articles
    from summarizer.config import BriefConfig
    from summarizer.document import Article

    texts, gold = synthetic(read_jsonl(*DEV), n)
    articles = [Article(text=t) for t in texts]
    config = BriefConfig(cluster_max_block=2) if sparse else BriefConfig()
    clock = time.perf_counter()
    # Split once, as the pipeline does: clustering and pooling read the same sentences.
    per_article = [article_sentences(a) for a in articles]
    timings: dict[str, float] = {"split": time.perf_counter() - clock}
    labels = cluster_articles(articles, config=config, timings=timings, sentences=per_article)
    result: dict[str, Any] = {"n": n, "seconds": time.perf_counter() - clock, "phases": timings, "labels": labels}
    result["bcubed_f1"] = bcubed(labels, gold)[2]
    # Before the embedder is loaded: torch alone holds several hundred MB.
    result["peak_rss_mb"] = peak_rss_mib()
    if sparse:
        return result
    from summarizer.embedding import embed_distinct, load_embedder
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
    # As the pipeline does: every distinct sentence embedded once, in full
    # batches (MiniLM's own batch-encode time), then each story's pool merged.
    clock = time.perf_counter()
    vectors = embed_distinct(embedder, (s for sentences in per_article for s in sentences))
    result["encode_seconds"] = time.perf_counter() - clock
    pool_sentences = sum(
        len(build_pool([articles[i] for i in story], embedder, sentences=[per_article[i] for i in story],
                       vectors=vectors))
        for story in stories.values()
    )
    result["pool_seconds"] = time.perf_counter() - clock
    result["pool_sentences"] = pool_sentences
    result["input_sentences"] = sum(len(s) for s in per_article)
    result["distinct_sentences"] = len({s for sentences in per_article for s in sentences})
    result["stories"] = len(stories)
    result["peak_rss_pool_mb"] = peak_rss_mib()
    return result


def _run_worker(n: int, embed: bool, sparse: bool = False) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.clustering", "--worker", str(n), str(int(embed)), str(int(sparse))]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def scaling(quick: bool) -> list[dict[str, Any]]:
    """Time, phases and peak RSS of ``cluster_articles`` per input size."""
    from tqdm import tqdm

    sizes = QUICK_SIZES if quick else FULL_SIZES
    embed_max = EMBED_MAX_QUICK if quick else EMBED_MAX_FULL
    points = [_run_worker(n, n <= embed_max) for n in tqdm(sizes, desc="scaling", leave=False)]
    # The largest size again with every block linked on its candidate pairs, as blocks over the cap are:
    # how far that moves the stories from exact linkage, and what it saves.
    from sklearn.metrics import adjusted_rand_score

    sparse = _run_worker(sizes[-1], False, sparse=True)
    largest = points[-1]
    largest["sparse"] = {"seconds": sparse["seconds"], "peak_rss_mb": sparse["peak_rss_mb"], "phases": sparse["phases"],
                         "ari": adjusted_rand_score(largest["labels"], sparse["labels"]), "bcubed_f1": sparse["bcubed_f1"]}
    for point in points:
        point.pop("labels")
    return points


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

    parts = ["tuned on", "held out", "whole"]

    def row(name: str, figures: dict[str, Any], part: str) -> list[Any]:
        f = figures[part]
        return [name, part, f["ecb"]["bcubed_f1"], f"{f['ecb']['stories']} / {f['ecb']['gold_stories']}", f["ecb_small"],
                f["mn"]["bcubed_p"], f["mn"]["bcubed_r"], f["mn"]["bcubed_f1"],
                f"{f['mn']['stories']} / {f['mn']['gold_stories']}", f["mn_alone"]["kept"], f["mn_alone"]["in_largest"],
                f"{f['mn_alone']['clusters']}", f["mn_mixes"]]

    quality_table = markdown_table(
        ["method", "part", "ECB+ mixed B3 F1", "ECB+ stories (found / gold)", "ECB+ small, mean B3 F1",
         "Multi-News mixed B3 P", "B3 R", "B3 F1", "Multi-News stories (found / gold)",
         "pasted alone: kept as one story", "pasted alone: articles in largest group", "clusters pasted alone",
         "2-5 clusters pasted together, mean B3 F1"],
        [row(f"ours: pair model, the input's share of one-story pairs, average linkage cut at p = {q['cut']}, "
             f"seam split at {q['split_ratio']}", q["ours"], part) for part in parts]
        + [row("ours, every input at the training share (`cluster_prior_max_articles=0`)", q["no_prior"], part)
           for part in parts]
        + [row(f"ours before: cut at p = {q['before_cut']}, every input at the training share", q["before"], part)
           for part in parts if q["before"]]
        + [row(f"baseline: word TF-IDF, average linkage (threshold {q['baseline_threshold']:.2f})", q["baseline"], part)
           for part in parts],
    )
    sweep_text = ", ".join(f"{k:g}: {v:.3f}" for k, v in q["cut_sweep"].items()) or "not run in a quick run"
    cleaned_text = "; ".join(
        f"{part} {f['mn_alone']['kept_cleaned']:.3f} kept, {f['mn_alone']['in_largest_cleaned']:.3f} of articles in the "
        f"largest group ({f['mn_alone']['emptied_by_cleaning']} of {f['mn_alone']['articles']} articles emptied)"
        for part, f in q["ours"].items() if "kept_cleaned" in f["mn_alone"])
    mixed_cleaned_text = "; ".join(
        f"{part} BCubed P/R/F1 {f['mn']['bcubed_p_cleaned']:.3f} / {f['mn']['bcubed_r_cleaned']:.3f} / "
        f"{f['mn']['bcubed_f1_cleaned']:.3f} ({f['mn']['emptied_by_cleaning']} of {f['mn']['articles']} articles emptied)"
        for part, f in q["ours"].items() if "bcubed_f1_cleaned" in f["mn"])
    if q.get("cross_validated"):
        cross = q["cross_validated"]
        cross_text = "\n\n".join([
            "**The halves swapped** (a two-fold cross-check): the pair model refitted and the cut re-swept "
            f"(best {q['swapped']['cut']:g}) on the held-out halves, and scored on the halves the shipped model was "
            "tuned on.  Each half is then scored once by a model that never saw it.  Gap is tuned-on minus held-out "
            "in each direction: one that changes sign when the halves swap is the halves' topics, not overfitting.",
            markdown_table(
                ["figure", "held out, shipped model (tuned on half A, scored on B)", "held out, halves swapped (B, A)",
                 "two-fold mean", "gap, shipped", "gap, swapped"],
                [[name, f"{c['held_out_shipped']:.3f}", f"{c['held_out_swapped']:.3f}", f"**{c['two_fold_mean']:.3f}**",
                  f"{c['gap_shipped']:+.3f}", f"{c['gap_swapped']:+.3f}"] for name, c in cross.items()]),
        ])
    else:
        cross_text = "The halves were not swapped in this run (a quick run)."
    ratio_text = ", ".join(f"{k:g}: {v:.3f}" for k, v in q["ratio_sweep"].items()) or "not run in a quick run"
    ours = q["ours"]
    held, tuned = ours["held out"], ours["tuned on"]

    def gap(key: str, sub: str | None = None) -> float:
        pick = (lambda f: f[key][sub]) if sub else (lambda f: f[key])
        return pick(tuned) - pick(held)

    quality_targets = {}
    for part in ("held out", "whole"):
        f = ours[part]
        quality_targets.update({
            f"Multi-News pasted alone, kept as one story >= {TARGET_ALONE_KEPT} ({part})":
                verdict(f["mn_alone"]["kept"], TARGET_ALONE_KEPT),
            f"Multi-News pasted alone, articles in their story's largest group >= {TARGET_ALONE_ARTICLES} ({part})":
                verdict(f["mn_alone"]["in_largest"], TARGET_ALONE_ARTICLES),
            f"Multi-News mixed BCubed F1 >= {TARGET_MN_MIXED} ({part})": verdict(f["mn"]["bcubed_f1"], TARGET_MN_MIXED),
            f"ECB+ mixed BCubed F1 >= {TARGET_ECB} ({part})": verdict(f["ecb"]["bcubed_f1"], TARGET_ECB),
            f"ECB+ small subsets mean BCubed F1 >= {TARGET_ECB} ({part})": verdict(f["ecb_small"], TARGET_ECB),
        })
    gaps = {"ECB+ mixed": gap("ecb", "bcubed_f1"), "ECB+ small": gap("ecb_small"), "Multi-News mixed": gap("mn", "bcubed_f1"),
            "pasted alone, kept": gap("mn_alone", "kept"), "pasted alone, articles": gap("mn_alone", "in_largest")}
    worst_gap = max(gaps, key=lambda k: abs(gaps[k]))
    quality_targets[f"held-out figures within {TARGET_HELD_GAP} of the tuned-on half (largest gap: {worst_gap})"] = (
        f"{'met' if abs(gaps[worst_gap]) <= TARGET_HELD_GAP else 'MISSED'} ({gaps[worst_gap]:+.3f}; "
        + ", ".join(f"{k} {v:+.3f}" for k, v in gaps.items()) + ")"
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
    encode_per_sentence = largest["encode_seconds"] / max(largest["distinct_sentences"], 1)
    pool_ratio = per_sentence / max(encode_per_sentence, 1e-12)
    pooled_total = largest["seconds"] + largest["pool_seconds"]
    if largest["n"] < TARGET_ARTICLES:
        verdict_scale = f"not measured at {TARGET_ARTICLES:,} (a quick run)"
    elif pooled_total <= TARGET_SECONDS and largest["peak_rss_pool_mb"] <= TARGET_RSS_MB:
        verdict_scale = f"met ({pooled_total:.0f} s, {largest['peak_rss_pool_mb']:,.0f} MB)"
    else:
        verdict_scale = (f"MISSED by {pooled_total - TARGET_SECONDS:.0f} s" if pooled_total > TARGET_SECONDS
                         else f"MISSED (memory, {largest['peak_rss_pool_mb']:,.0f} MB)")
    # The sizes up to the number of dev articles hold each dev article once, so no line repeats there.
    distinct_point = max((p for p in points if p["n"] <= q["sizes"]["ecb"]["whole"]), key=lambda p: p["n"])
    split_per_article = distinct_point["phases"].get("split", 0.0) / distinct_point["n"]
    facts_per_article = distinct_point["phases"].get("facts", 0.0) / distinct_point["n"]
    heaviest = max(largest["phases"], key=largest["phases"].get)
    if largest["n"] < TARGET_ARTICLES:
        verdict_cluster = f"not measured at {TARGET_ARTICLES:,} (a quick run)"
    else:
        ok = largest["seconds"] <= TARGET_CLUSTER_SECONDS and largest["peak_rss_mb"] <= TARGET_RSS_MB
        verdict_cluster = f"{'met' if ok else 'MISSED'} ({largest['seconds']:.0f} s, {largest['peak_rss_mb']:,.0f} MB)"
    targets = {
        **quality_targets,
        f"{TARGET_ARTICLES:,} articles clustered (NER included) in <= {TARGET_CLUSTER_SECONDS:.0f} s and <= {TARGET_RSS_MB:,} MB":
            verdict_cluster,
        f"{TARGET_ARTICLES:,} articles clustered and pooled in <= {TARGET_SECONDS:.0f} s and <= {TARGET_RSS_MB:,} MB":
            verdict_scale,
        f"pooling per distinct sentence <= {TARGET_POOL_RATIO}x MiniLM's own batch encode (float32, same run)":
            f"{'met' if pool_ratio <= TARGET_POOL_RATIO else 'MISSED'} ({pool_ratio:.2f}x: "
            f"{per_sentence * 1000:.1f} against {encode_per_sentence * 1000:.1f} ms)",
    }
    share = largest["phases"][heaviest] / max(largest["seconds"], 1e-9)
    sparse = largest.get("sparse")
    if sparse:
        targets[f"{largest['n']:,} articles linked on candidate pairs alone (the path of blocks over the cap): "
                f"ARI >= {TARGET_CAPPED_ARI} against exact linkage"] = verdict(sparse["ari"], TARGET_CAPPED_ARI, digits=4)
        capped_text = (
            f"Blocks of up to `cluster_max_block` = {q['max_block']:,} articles are linked exactly on condensed "
            "distances built a chunk of rows at a time (8 bytes times the block size squared, scipy's copy "
            "included); larger blocks are linked on their candidate pairs alone "
            f"(`linkage.sparse_average_linkage`), never as a matrix.  At {largest['n']:,} articles "
            f", every block forced onto "
            f"candidate pairs: ARI **{sparse['ari']:.4f}** against exact linkage (BCubed F1 {sparse['bcubed_f1']:.3f} "
            f"against {largest['bcubed_f1']:.3f}); {sparse['seconds']:.1f} s and {sparse['peak_rss_mb']:,.0f} MB peak "
            f"RSS, against {largest['seconds']:.1f} s and {largest['peak_rss_mb']:,.0f} MB exact (linkage "
            f"{sparse['phases'].get('linkage', 0.0):.1f} s against {largest['phases'].get('linkage', 0.0):.1f} s)."
        )
    else:
        capped_text = "Linkage on candidate pairs was not compared with exact linkage in this run."
    if q.get("sparse_ari"):
        capped_text += ("  Every dev block linked on its candidate pairs (cap 2) against exact linkage, ARI: " +
                        ", ".join(f"{'ECB+' if d == 'ecb' else 'Multi-News'} dev {v:.4f}" for d, v in q["sparse_ari"].items())
                        + ".")
    markdown = "\n\n".join([
        f"Dev sets: ECB+ dev ({q['sizes']['ecb']['whole']} articles; halves of {q['sizes']['ecb']['tuned on']} and "
        f"{q['sizes']['ecb']['held out']}, whole topics on one side) and Multi-News dev ({q['sizes']['mn']['whole']} "
        f"non-empty articles of 250 clusters; halves of {q['sizes']['mn']['tuned on']} and {q['sizes']['mn']['held out']}, "
        f"whole clusters on one side), split with seed {SPLIT_SEED}.  The pair model (`summarizer/data/story_model.json`) "
        "was fitted on pairs of the tuned-on halves only, and `cluster_probability` chosen there; the baseline's "
        f"threshold was swept on the same halves for the same objective (best {q['baseline_threshold']:.2f}).  ECB+ small "
        f"is the mean over {q['repeats'] * 5} random subsets of 2-40 articles per part, whole topics so both incidents of "
        "a kind are in.  Pasted alone: each Multi-News cluster with 2+ articles of 50+ words clustered by itself; "
        f"2-5 clusters pasted together: the mean over {q['repeats'] * 3} random pastes of 2, 3 and 5 such clusters.  "
        "Inputs of up to `cluster_prior_max_articles` articles have their pairs' odds raised by how much more often "
        "their own pairs look like one story than the training pairs (the share estimated by EM, Saerens et al. "
        "2002), except pairs whose leads name different days (`clustering.input_model`); the mixed rows are "
        "larger inputs, which keep the model's odds.",
        quality_table,
        "Pasted alone, ours, with the pages that cleaning empties left out (Internet Archive crawl notes and other "
        "debris: the pipeline skips them with a reason rather than make them a story, and the figures above count "
        f"each as a story of its own, as the issue does): {cleaned_text}."
        + (f"  Multi-News mixed, the same call scored without those pages: {mixed_cleaned_text}."
           if mixed_cleaned_text else ""),
        cross_text,
        f"The cut swept on the tuned-on halves at split ratio {q['split_ratio']:g} (objective: mean of ECB+ mixed, ECB+ "
        f"small, Multi-News mixed and pasted-alone kept): {sweep_text}.  The seam split's ratio swept at cut "
        f"{q['cut']:g} (0 is the pairwise cut alone): {ratio_text}.  A story is split where its last merge joins "
        "two groups of 2+ articles whose cross probability is under the ratio times the looser group's own "
        "(`clustering.split_groups`).  Ours took "
        f"{q['ours_seconds']:.0f} s for all three parts, named entities included.",
        "`StoryTracker`, the held-out halves given one article at a time in "
        f"{q['tracker']['ecb']['orders']} random orders (a duplicate counted in the story it repeats), against the "
        "batch call above: " + "; ".join(
            f"{'ECB+' if d == 'ecb' else 'Multi-News'} BCubed F1 {min(t['bcubed_f1']):.3f}-{max(t['bcubed_f1']):.3f} "
            f"(batch {q['ours']['held out'][d]['bcubed_f1']:.3f}), ARI between orders "
            + (f"{min(t['ari_between_orders']):.3f} at least" if t["ari_between_orders"] else "not measured (one order)")
            for d, t in q["tracker"].items()) + ".",
        "Scaling (dev articles repeated with one line dropped and two swapped; each size in its own process; "
        "BCubed F1 against the source article's story):",
        scale_table,
        capped_text,
        f"Fitted growth exponent of clustering time over n (n >= 100): {exponent:.2f} (1 is linear; n log n "
        f"reads about 1.1 over this range).  At {largest['n']:,} articles {share:.0%} of the time is `{heaviest}` "
        "(`split` is cleaning and sentence splitting, `facts` spaCy's named-entity recogniser and the pair tokens, `graph` the chunked "
        "sparse candidate pairs, `linkage` exact average linkage per connected block).  Peak RSS is taken before "
        "any embedder is loaded; loading torch and MiniLM adds about 500 MB.  Embedding (only needed when `cluster_embedding_weight` > 0, or by later "
        f"stages) costs {per_article * 1000:.0f} ms per article on this CPU and dominates any 'with embedding' figure.",
        f"Named entities cost {facts_per_article * 1000:.0f} ms per article at {distinct_point['n']:,} different dev "
        f"articles (every sentence through spaCy's `ner` alone; each distinct sentence once), which would be "
        f"{facts_per_article * largest['n']:.0f} s at {largest['n']:,} articles sharing no sentence.  "
        f"Clustered and pooled (every story's pool built, as a batch run does): {pooled_total:.0f} s and "
        f"{largest['peak_rss_pool_mb']:,.0f} MB peak RSS at {largest['n']:,} articles against the target of "
        f"{TARGET_SECONDS:.0f} s and {TARGET_RSS_MB:,} MB at {TARGET_ARTICLES:,}: **{verdict_scale}**; growth exponent "
        f"{pool_exponent:.2f}.  Each article is cleaned and split once for both stages, and a line seen before "
        "(wire copy, a site's furniture) is not judged or split again, so `split` follows distinct lines: "
        f"{split_per_article * 1000:.1f} ms per article at {distinct_point['n']:,} different dev articles, which "
        f"would be {split_per_article * largest['n']:.0f} s at {largest['n']:,} articles sharing no line.  "
        "Pooling embeds every distinct sentence of the call once, in full batches across stories (as the pipeline "
        "does), then merges each story's pool, so its cost follows distinct sentences, not articles: "
        f"{per_sentence * 1000:.1f} ms per distinct sentence at {largest['n']:,} articles, of which MiniLM's batch "
        f"encode is {encode_per_sentence * 1000:.1f} ms ({pool_ratio:.2f}x; the rest is the pair checks and "
        "merging).  These synthetic sets repeat dev sentences (the distinct / all column); "
        f"{largest['n']:,} articles that share no sentence (about 20 each) would cost about "
        f"{per_sentence * 20 * largest['n'] / 60:.0f} min of pooling on this CPU.",
    ])
    markdown += "\n\n**Targets**\n\n" + markdown_table(["target", "result"], [[k, v] for k, v in targets.items()])
    metrics = {
        "quality": q, "scaling": points, "growth_exponent": exponent, "pool_growth_exponent": pool_exponent,
        "embed_seconds_per_article": per_article, "pool_seconds_per_distinct_sentence": per_sentence,
        "encode_seconds_per_distinct_sentence": encode_per_sentence, "pool_to_encode_ratio": pool_ratio,
        "targets": targets,
    }
    return SectionResult("Story clustering", markdown, metrics, [plot])


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--worker":
        embed_flag = len(sys.argv) > 3 and sys.argv[3] == "1"
        sparse_flag = len(sys.argv) > 4 and sys.argv[4] == "1"
        print(json.dumps(_worker(int(sys.argv[2]), embed_flag, sparse_flag)))
    else:
        print(run(quick="--quick" in sys.argv).markdown)
