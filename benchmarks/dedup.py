"""Benchmark section: the deduplicated sentence pool.

Three measurements:

* **MSRP** (Microsoft Research Paraphrase Corpus, train split, label 1 = same
  meaning): precision, recall and F1 of :func:`summarizer.pooling.sentences_match`,
  the very decision the pool merges on for pairs out of context, against two
  baselines at their operating point with recall >= 0.5: a plain embedding
  cosine threshold and a token Jaccard threshold.  The target is precision
  >= 0.90 at recall >= 0.50.
* **STS Benchmark, news** (score 0-5): how often pairs scored >= 4.5 (the same
  meaning) merge, and how often pairs scored <= 2 (different meanings) wrongly
  merge.
* **Seeds**: the two seed articles (one story, two outlets): sentences before
  and after merging, whether the reworded pair "But Ukraine has complicated
  ties." / "But the war has complicated relations." merged, whether the Rostec
  facts that only one outlet has stay in the pool, and that no donation appeal
  text is in it.

The weights and ``dedup_threshold`` were tuned on the whole of MSRP train, so
the figures on the whole file are development figures.  Beside them: the MSRP
pairs split in two halves (fixed seed), ``dedup_threshold`` swept on one half
for the highest recall at precision >= 0.90, and the default's and the tuned
value's figures on the other half.

Run alone: ``python -c "from benchmarks.dedup import run; print(run(quick=True).markdown)"``.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from typing import Any

import numpy as np
from tqdm import tqdm

from benchmarks.common import RESULTS, SPLIT_SEED, SectionResult, data_path, halves, markdown_table, read_jsonl
from summarizer.clustering import article_sentences
from summarizer.config import BriefConfig
from summarizer.document import Article
from summarizer.embedding import embed, load_embedder
from summarizer.pooling import build_pool, match_score, pair_evidence, sentences_match

QUICK_PAIRS = 1000
TARGET_RECALL = 0.5
TARGET_PRECISION = 0.9
#: Issue #15's operating point: this precision at this recall on the half not tuned on.
PARAPHRASE_RECALL = 0.55
PARAPHRASE_PRECISION = 0.92
#: ``dedup_threshold`` values swept on the tuning half.
SWEEP = np.round(np.arange(0.45, 0.851, 0.01), 2)
_TOKEN = re.compile(r"\w+")
SEEDS = ("000_9a9b4538368fa231.txt", "001_9145991e4788ad70.txt")
UKRAINE_PAIR = ("But Ukraine has complicated ties.", "But the war has complicated relations.")


def _pair_cosines(embedder: Any, pairs: list[dict[str, Any]]) -> np.ndarray:
    # Each distinct sentence is embedded once, in batches.
    texts = list(dict.fromkeys([p["s1"] for p in pairs] + [p["s2"] for p in pairs]))
    vectors = embed(embedder, texts, show_progress=True)
    row = {t: i for i, t in enumerate(texts)}
    a = vectors[[row[p["s1"]] for p in pairs]]
    b = vectors[[row[p["s2"]] for p in pairs]]
    return (a * b).sum(axis=1)


def jaccard(a: str, b: str) -> float:
    """Token Jaccard similarity of two sentences, lower-cased word tokens."""
    ta, tb = set(_TOKEN.findall(a.lower())), set(_TOKEN.findall(b.lower()))
    return len(ta & tb) / len(ta | tb) if ta | tb else 1.0


def prf(predicted: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 of boolean predictions."""
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        gold, predicted, average="binary", zero_division=0.0
    )
    return float(precision), float(recall), float(f1)


def _finite(scores: np.ndarray) -> np.ndarray:
    """``-inf`` (a pair that never merges) as a finite score below every other, for sklearn."""
    finite = scores[np.isfinite(scores)]
    floor = (finite.min() if finite.size else 0.0) - 1.0
    return np.where(np.isfinite(scores), scores, floor)


def threshold_at_recall(scores: np.ndarray, gold: np.ndarray, recall: float = TARGET_RECALL) -> float:
    """The highest score threshold whose recall reaches ``recall``."""
    from sklearn.metrics import precision_recall_curve

    _, recalls, thresholds = precision_recall_curve(gold, scores)
    return float(thresholds[recalls[:-1] >= recall].max())


def _pr_curve(scores: np.ndarray, gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(gold, _finite(scores))
    return precision, recall


def _tuning(pairs: list[dict[str, Any]], cosine: np.ndarray, gold: np.ndarray, jac: np.ndarray,
            config: BriefConfig) -> tuple[str, dict[str, Any]]:
    """``dedup_threshold`` swept on one half of the pairs; default and tuned figures on the other half."""
    tune, held = halves(list(range(len(pairs))))
    parts = {"tuned on": tune, "held out": held, "whole": list(range(len(pairs)))}

    def ours(idx: list[int], threshold: float) -> tuple[float, float, float]:
        c = replace(config, dedup_threshold=threshold)
        predicted = np.array([sentences_match(pairs[i]["s1"], pairs[i]["s2"], float(cosine[i]), c) for i in idx])
        return prf(predicted, gold[idx])

    def swept(idx: list[int], desc: str) -> dict[float, tuple[float, float, float]]:
        return {float(t): ours(idx, float(t)) for t in tqdm(SWEEP, desc=desc, leave=False)}

    # The operating point: the highest recall on the tuning half at precision >= 0.90.
    sweep = swept(tune, "dedup_threshold sweep")
    good = [t for t, (p, _, _) in sweep.items() if p >= TARGET_PRECISION]
    tuned = max(good, key=lambda t: sweep[t][1]) if good else max(sweep, key=lambda t: sweep[t][0])
    # Issue #15's point: the highest precision on the tuning half at recall >= 0.55.
    paraphrase = _paraphrase_threshold(sweep)
    # The same choice the other way round, made on the held-out half and scored on the tuning half: with the
    # figure above, each half scored once by a threshold not chosen on it (a two-fold check).
    other_sweep = swept(held, "dedup_threshold sweep, halves swapped")
    paraphrase_swapped = _paraphrase_threshold(other_sweep)
    cos_t = threshold_at_recall(cosine[tune], gold[tune])
    jac_t = threshold_at_recall(jac[tune], gold[tune])
    names = {"default": f"sentences_match, default dedup_threshold {config.dedup_threshold}",
             "tuned": f"sentences_match, dedup_threshold tuned on the tuning half ({tuned:.2f})",
             "paraphrase": f"sentences_match, dedup_threshold for recall >= {PARAPHRASE_RECALL} on the tuning half "
                           f"({paraphrase:.2f})",
             "cosine": f"cosine >= {cos_t:.3f} (recall 0.50 on the tuning half)",
             "jaccard": f"Jaccard >= {jac_t:.3f} (recall 0.50 on the tuning half)"}
    thresholds = {"default": config.dedup_threshold, "tuned": tuned, "paraphrase": paraphrase}
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for key in names:
        figures[key] = {}
        for part, idx in parts.items():
            if key in thresholds:
                p, r, f = ours(idx, thresholds[key])
            else:
                scores, t = (cosine, cos_t) if key == "cosine" else (jac, jac_t)
                p, r, f = prf(scores[idx] >= t, gold[idx])
            figures[key][part] = {"precision": p, "recall": r, "f1": f}
    # The tuning half's sweep holds it already: the threshold is one of the swept values.
    swapped = dict(zip(("precision", "recall", "f1"), sweep[paraphrase_swapped]))
    held_paraphrase = figures["paraphrase"]["held out"]
    two_fold = {k: (held_paraphrase[k] + swapped[k]) / 2 for k in ("precision", "recall")}
    metrics = {
        "paraphrase_swapped": {"threshold": paraphrase_swapped, "tuned on half": swapped, "two_fold_mean": two_fold},
        "seed": SPLIT_SEED, "pairs": {k: len(v) for k, v in parts.items()},
        "default_threshold": config.dedup_threshold, "tuned_threshold": tuned, "paraphrase_threshold": paraphrase,
        "cosine_threshold": cos_t, "jaccard_threshold": jac_t,
        "sweep": {t: {"precision": p, "recall": r} for t, (p, r, _) in sweep.items()},
        **figures,
    }
    rows = [[names[k], *(f"{figures[k][p]['precision']:.3f} / {figures[k][p]['recall']:.3f}" for p in parts)] for k in names]
    markdown = "\n".join([
        f"**Tuned on one half, reported on the other** (MSRP pairs split in two, seed {SPLIT_SEED}; "
        f"`dedup_threshold` swept from {SWEEP[0]:.2f} to {SWEEP[-1]:.2f} on the tuning half for the highest recall "
        f"at precision >= {TARGET_PRECISION:.2f}; the default {config.dedup_threshold} was tuned on the whole file, "
        "held-out half included).  Precision / recall:",
        "",
        markdown_table(["method", *(f"{p} ({len(idx)} pairs)" for p, idx in parts.items())], rows),
        "",
        f"The halves swapped: the threshold with the highest precision at recall >= {PARAPHRASE_RECALL} on the "
        f"held-out half ({paraphrase_swapped:.2f}) gives {swapped['precision']:.3f} / {swapped['recall']:.3f} on the "
        f"tuning half; with the held-out figure above, each half scored by a threshold chosen on the other: mean "
        f"precision {two_fold['precision']:.3f} at recall {two_fold['recall']:.3f}.",
    ])
    return markdown, metrics


def _paraphrase_threshold(sweep: dict[float, tuple[float, float, float]]) -> float:
    """The swept threshold with the highest precision at recall >= :data:`PARAPHRASE_RECALL` (issue #15's point)."""
    reach = [t for t, (_, r, _) in sweep.items() if r >= PARAPHRASE_RECALL]
    return max(reach, key=lambda t: (sweep[t][0], t)) if reach else min(sweep)


def _msrp_section(embedder: Any, quick: bool, config: BriefConfig) -> tuple[str, dict[str, Any], list[str], float, float]:
    pairs = read_jsonl("msrp", "msrp_train.jsonl")
    if quick:
        pairs = random.Random(0).sample(pairs, QUICK_PAIRS)
    gold = np.array([p["label"] == 1 for p in pairs])
    cosine = _pair_cosines(embedder, pairs)
    ours = np.array([
        sentences_match(p["s1"], p["s2"], float(s), config) for p, s in tqdm(zip(pairs, cosine), total=len(pairs), desc="MSRP pairs")
    ])
    # The pool's score, with pairs that would lose a fact never merging: the
    # curve our threshold moves along.
    evidence = [pair_evidence(p["s1"], p["s2"], float(s)) for p, s in zip(pairs, cosine)]
    our_scores = np.array([match_score(e, config) if e.facts_kept else -np.inf for e in evidence])
    jac = np.array([jaccard(p["s1"], p["s2"]) for p in pairs])
    cos_t = threshold_at_recall(cosine, gold)
    jac_t = threshold_at_recall(jac, gold)

    rows, metrics = [], {"msrp_pairs": len(pairs), "msrp_positive_share": float(gold.mean())}
    for name, key, predicted, setting in [
        ("sentences_match (ours)", "ours", ours, f"score >= {config.dedup_threshold}"),
        ("cosine threshold", "cosine", cosine >= cos_t, f"cosine >= {cos_t:.3f}"),
        ("token Jaccard threshold", "jaccard", jac >= jac_t, f"Jaccard >= {jac_t:.3f}"),
        ("cosine, the old pool threshold", "cosine_082", cosine >= 0.82, "cosine >= 0.82"),
    ]:
        p, r, f = prf(predicted, gold)
        rows.append([name, setting, p, r, f])
        metrics.update({f"msrp_{key}_precision": p, f"msrp_{key}_recall": r, f"msrp_{key}_f1": f})
    recall_cap = prf(our_scores > -np.inf, gold)[1]
    metrics["msrp_fact_check_recall_cap"] = recall_cap
    ok = metrics["msrp_ours_precision"] >= TARGET_PRECISION and metrics["msrp_ours_recall"] >= TARGET_RECALL
    metrics["msrp_target_met"] = ok
    tuning_md, metrics["tuning"] = _tuning(pairs, cosine, gold, jac, config)
    held = metrics["tuning"]["default"]["held out"]
    tuned_held = metrics["tuning"]["tuned"]["held out"]

    def at_recall(f: dict[str, float], precision: float = TARGET_PRECISION, recall: float = TARGET_RECALL) -> str:
        met = f["precision"] >= precision and f["recall"] >= recall
        return f"{'met' if met else 'MISSED'} (precision {f['precision']:.3f} at recall {f['recall']:.3f})"

    metrics["targets"] = {
        "precision >= 0.90 at recall >= 0.50 (whole MSRP train, default threshold)": at_recall(
            {"precision": metrics["msrp_ours_precision"], "recall": metrics["msrp_ours_recall"]}),
        "precision >= 0.90 at recall >= 0.50 (held-out half, default threshold)": at_recall(held),
        "precision >= 0.90 at recall >= 0.50 (held-out half, threshold tuned on the other half)": at_recall(tuned_held),
        "precision >= 0.92 at recall >= 0.55 (held-out half, threshold tuned on the other half; issue #15)": at_recall(
            metrics["tuning"]["paraphrase"]["held out"], PARAPHRASE_PRECISION, PARAPHRASE_RECALL),
    }
    markdown = "\n".join([
        f"**MSRP** train, {len(pairs)} pairs{' (quick sample)' if quick else ''}, "
        f"{gold.mean():.0%} labelled same meaning.  Target: precision >= 0.90 at recall >= 0.50 "
        f"({'met' if ok else 'NOT met'}{' on this sample; the full set decides' if quick else ''}).  "
        "Baselines at their highest threshold with recall >= 0.50.",
        "",
        markdown_table(["method", "setting", "precision", "recall", "F1"], rows),
        "",
        f"The fact check alone (one sentence carries every name, number and date of the other) "
        f"keeps {recall_cap:.1%} of the same-meaning pairs: MSRP counts \"$9.99\" and \"$9.95\", or "
        "\"Tuesday\" and no day, as the same meaning, the pool never does.",
        "",
        tuning_md,
        "",
        "**Targets**",
        "",
        markdown_table(["target", "result"], [[k, v] for k, v in metrics["targets"].items()]),
    ])
    plots = _plot(cosine, jac, our_scores, gold, metrics)
    return markdown, metrics, plots, cos_t, jac_t


def _plot(cosine: np.ndarray, jac: np.ndarray, ours: np.ndarray, gold: np.ndarray, metrics: dict[str, Any]) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the plot is a nicety
        return []
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for name, scores in [("cosine", cosine), ("token Jaccard", jac), ("match score + fact check (ours)", ours)]:
        precision, recall = _pr_curve(scores, gold)
        ax.plot(recall, precision, label=name)
    ax.plot([metrics["msrp_ours_recall"]], [metrics["msrp_ours_precision"]], "ko", label="our threshold")
    ax.axhline(0.9, color="grey", lw=0.5, ls="--")
    ax.axvline(TARGET_RECALL, color="grey", lw=0.5, ls="--")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0.6, 1.0), title="MSRP: sentence pairs that merge")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    path = RESULTS / "dedup_msrp_pr.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [str(path)]


def _sts_section(embedder: Any, quick: bool, config: BriefConfig, cos_t: float, jac_t: float) -> tuple[str, dict[str, Any]]:
    pairs = [p for p in read_jsonl("sts", "sts_news_train_dev.jsonl") if p["score"] >= 4.5 or p["score"] <= 2]
    if quick:
        pairs = random.Random(0).sample(pairs, min(QUICK_PAIRS, len(pairs)))
    score = np.array([p["score"] for p in pairs])
    cosine = _pair_cosines(embedder, pairs)
    ours = np.array([
        sentences_match(p["s1"], p["s2"], float(s), config) for p, s in tqdm(zip(pairs, cosine), total=len(pairs), desc="STS pairs")
    ])
    jac = np.array([jaccard(p["s1"], p["s2"]) for p in pairs])
    same, different = score >= 4.5, score <= 2
    rows, metrics = [], {"sts_same_pairs": int(same.sum()), "sts_different_pairs": int(different.sum())}
    for name, key, merged in [
        ("sentences_match (ours)", "ours", ours),
        (f"cosine >= {cos_t:.3f}", "cosine", cosine >= cos_t),
        (f"Jaccard >= {jac_t:.3f}", "jaccard", jac >= jac_t),
    ]:
        hit, wrong = float(merged[same].mean()), float(merged[different].mean())
        rows.append([name, hit, wrong])
        metrics.update({f"sts_{key}_same_merged": hit, f"sts_{key}_different_merged": wrong})
    markdown = "\n".join([
        f"**STS Benchmark, news** ({int(same.sum())} pairs scored >= 4.5, {int(different.sum())} scored <= 2"
        f"{', quick sample' if quick else ''}); baselines at their MSRP thresholds.",
        "",
        markdown_table(["method", "score >= 4.5 merged", "score <= 2 merged (wrong)"], rows),
    ])
    return markdown, metrics


def _seed_section(embedder: Any, config: BriefConfig) -> tuple[str, dict[str, Any]]:
    articles = [Article(data_path("seeds", name).read_text(encoding="utf-8"), source=name) for name in SEEDS]
    before = sum(len(article_sentences(a)) for a in articles)
    pool = build_pool(articles, embedder, config)
    ukraine = any({pool_sentence.text, *pool_sentence.variants} >= set(UKRAINE_PAIR) for pool_sentence in pool)
    texts = [t for p in pool for t in (p.text, *p.variants)]
    rostec = any("Rostec" in t for t in texts)
    appeal = any("Moscow Times" in t or "Dear readers" in t for t in texts)
    merged = sum(1 for p in pool if len(p.article_ids) > 1)
    metrics = {
        "seed_sentences": before,
        "seed_pool_sentences": len(pool),
        "seed_pool_shared": merged,
        "seed_ukraine_pair_merged": ukraine,
        "seed_rostec_kept": rostec,
        "seed_appeal_in_pool": appeal,
    }
    rows = [
        ["sentences in both articles", before],
        ["pool sentences", len(pool)],
        ["pool sentences carried by both outlets", merged],
        ["\"Ukraine has complicated ties\" / \"the war has complicated relations\" merged", "yes" if ukraine else "NO"],
        ["Rostec facts (one outlet only) in the pool", "yes" if rostec else "NO"],
        ["donation appeal text in the pool", "YES" if appeal else "no"],
    ]
    return "**Seeds** (one story, two outlets)\n\n" + markdown_table(["", ""], rows), metrics


def run(quick: bool = False) -> SectionResult:
    """Measure sentence deduplication; ``quick`` samples 1,000 MSRP and STS pairs."""
    config = BriefConfig()
    embedder = load_embedder()
    msrp_md, msrp_metrics, plots, cos_t, jac_t = _msrp_section(embedder, quick, config)
    sts_md, sts_metrics = _sts_section(embedder, quick, config, cos_t, jac_t)
    seed_md, seed_metrics = _seed_section(embedder, config)
    method = (
        "Two sentences from different articles merge when one carries every name, number and date of "
        "the other and the match score (embedding cosine + "
        f"{config.dedup_coverage_weight} x shared content words - {config.dedup_gap_weight} x longest run of "
        f"words only one has - {config.dedup_length_weight} x length difference) reaches "
        f"{config.dedup_threshold}; then pairs whose neighbours merged merge at cosine >= "
        f"{config.dedup_context_threshold} with the fact check alone.  The defaults were tuned on the whole of "
        "MSRP train: the held-out half below is the figure that was not."
    )
    markdown = "\n\n".join([method, msrp_md, sts_md, seed_md])
    return SectionResult("Sentence deduplication", markdown, {**msrp_metrics, **sts_metrics, **seed_metrics}, plots)
