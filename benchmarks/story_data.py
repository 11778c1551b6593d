"""The story-clustering dev sets, their halves and their scores, shared by the trainer and the benchmark.

Two dev sets, read from ``../shared/data`` (research-only, never shipped):

- **ECB+ dev**: 462 articles of 22 topics, each topic two incidents of one kind
  (two earthquakes); the story is the ``subtopic``.
- **Multi-News dev**: 250 clusters of 2-10 articles, each cluster one story.

Each is split in two halves with whole topics (clusters) on one side
(:func:`benchmarks.common.halves`, fixed seed): the pair model and the cut
are tuned on the first half only, and every figure is reported on the other
half beside the whole.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from benchmarks.common import bcubed, halves, read_jsonl

#: Multi-News articles shorter than this (words) are not counted in "pasted alone".
ALONE_MIN_WORDS = 50

Clusterer = Callable[[Sequence[int]], list[int]]


@dataclass(frozen=True)
class DevArticle:
    dataset: str  # "ecb" or "mn"
    group: str  # ECB+ topic or Multi-News cluster: what a half keeps together
    story: str  # the gold story
    text: str


@lru_cache(maxsize=1)
def dev_articles() -> tuple[DevArticle, ...]:
    """Every ECB+ dev article, then every non-empty Multi-News dev article."""
    articles = [
        DevArticle("ecb", str(r["topic"]), str(r["subtopic"]), r["text"]) for r in read_jsonl("ecbplus", "ecbplus_dev.jsonl")
    ]
    for row in read_jsonl("multinews", "multinews_dev.jsonl"):
        articles += [DevArticle("mn", row["id"], row["id"], d) for d in row["documents"] if d.strip()]
    return tuple(articles)


def split(dataset: str) -> dict[str, list[int]]:
    """Indices into :func:`dev_articles` of ``dataset``: ``tuned on``, ``held out`` and ``whole``."""
    articles = dev_articles()
    members = [i for i, a in enumerate(articles) if a.dataset == dataset]
    tune, held = halves([articles[i].group for i in members])
    return {"tuned on": [members[k] for k in tune], "held out": [members[k] for k in held], "whole": members}


def small_subsets(indices: Sequence[int], repeats: int, seed: int = 0) -> list[list[int]]:
    """Random small ECB+ inputs: whole topics (both incidents), 1-5 topics, 1-4 articles per incident."""
    articles = dev_articles()
    rng = random.Random(seed)
    topics: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i in indices:
        topics[articles[i].group][articles[i].story].append(i)
    names = sorted(topics)
    subsets = []
    for n_topics, per_story in [(1, 1), (1, 2), (2, 2), (3, 3), (5, 4)]:
        for _ in range(repeats):
            ids: list[int] = []
            for topic in rng.sample(names, min(n_topics, len(names))):
                for members in topics[topic].values():
                    ids += rng.sample(members, min(rng.randint(1, per_story), len(members)))
            subsets.append(sorted(ids))
    return subsets


def alone_clusters(indices: Sequence[int]) -> list[list[int]]:
    """Multi-News clusters of ``indices`` with at least two articles of :data:`ALONE_MIN_WORDS` words."""
    articles = dev_articles()
    clusters: dict[str, list[int]] = defaultdict(list)
    for i in indices:
        if len(articles[i].text.split()) >= ALONE_MIN_WORDS:
            clusters[articles[i].group].append(i)
    return [members for members in clusters.values() if len(members) >= 2]


def mixes(indices: Sequence[int], cluster: Clusterer, repeats: int, seed: int = 0) -> float:
    """Mean BCubed F1 over pastes of 2, 3 and 5 random Multi-News clusters of :func:`alone_clusters` together."""
    articles = dev_articles()
    rng = random.Random(seed)
    clusters = alone_clusters(indices)
    f1 = []
    for size in (2, 3, 5):
        for _ in range(repeats):
            members = sorted(i for c in rng.sample(clusters, min(size, len(clusters))) for i in c)
            f1.append(bcubed(cluster(members), [articles[i].story for i in members])[2])
    return float(np.mean(f1))


def scores(indices: Sequence[int], cluster: Clusterer) -> dict[str, float]:
    """BCubed P/R/F1 and the number of stories of one call holding all of ``indices``.

    The ``*_cleaned`` figures score the same call without the pages that
    cleaning empties (see :func:`alone`), which the pipeline skips instead of
    making them a story.
    """
    articles, sentences = dev_articles(), dev_sentences()
    labels = cluster(indices)
    gold = [articles[i].story for i in indices]
    precision, recall, f1 = bcubed(labels, gold)
    live = [k for k, i in enumerate(indices) if sentences[i]]
    cleaned = bcubed([labels[k] for k in live], [gold[k] for k in live])
    return {"bcubed_p": precision, "bcubed_r": recall, "bcubed_f1": f1, "stories": len(set(labels)),
            "gold_stories": len(set(gold)), "bcubed_p_cleaned": cleaned[0], "bcubed_r_cleaned": cleaned[1],
            "bcubed_f1_cleaned": cleaned[2], "articles": len(indices), "emptied_by_cleaning": len(indices) - len(live)}


def small_f1(indices: Sequence[int], cluster: Clusterer, repeats: int) -> float:
    """Mean BCubed F1 over :func:`small_subsets` of ``indices``."""
    articles = dev_articles()
    return float(np.mean([bcubed(cluster(s), [articles[i].story for i in s])[2] for s in small_subsets(indices, repeats)]))


def alone(indices: Sequence[int], cluster: Clusterer) -> dict[str, float]:
    """Each Multi-News cluster pasted alone: the share kept as one story, the share of articles in their largest group.

    The ``*_cleaned`` figures leave out the pages that cleaning empties (crawl
    notes and other debris, which the pipeline skips with a reason instead of
    making them a story); the issue's figures count them as standing alone.
    """
    sentences = dev_sentences()
    clusters = alone_clusters(indices)
    kept = in_largest = total = kept_cleaned = in_largest_cleaned = total_cleaned = 0
    for members in clusters:
        labels = cluster(members)
        kept += len(set(labels)) == 1
        in_largest += Counter(labels).most_common(1)[0][1]
        total += len(members)
        live = [label for i, label in zip(members, labels) if sentences[i]]
        kept_cleaned += len(set(live)) <= 1
        in_largest_cleaned += Counter(live).most_common(1)[0][1] if live else 0
        total_cleaned += len(live)
    return {"kept": kept / len(clusters), "in_largest": in_largest / total, "clusters": len(clusters), "articles": total,
            "kept_cleaned": kept_cleaned / len(clusters), "in_largest_cleaned": in_largest_cleaned / max(total_cleaned, 1),
            "emptied_by_cleaning": total - total_cleaned}


def all_scores(
    parts: dict[str, dict[str, list[int]]],
    cluster: Clusterer,
    repeats: int,
    parts_wanted: Sequence[str] = ("tuned on", "held out", "whole"),
) -> dict[str, dict[str, object]]:
    """Every figure of the clustering section for each part (``tuned on``, ``held out``, ``whole``)."""
    out: dict[str, dict[str, object]] = {}
    for part in parts_wanted:
        ecb, mn = parts["ecb"][part], parts["mn"][part]
        out[part] = {
            "ecb": scores(ecb, cluster),
            "ecb_small": small_f1(ecb, cluster, repeats),
            "mn": scores(mn, cluster),
            "mn_alone": alone(mn, cluster),
            "mn_mixes": mixes(mn, cluster, repeats),
        }
    return out


def objective(figures: dict[str, object]) -> float:
    """What the cut is tuned for: the mean of ECB+ mixed, ECB+ small, Multi-News mixed and alone."""
    return float(np.mean([figures["ecb"]["bcubed_f1"], figures["ecb_small"], figures["mn"]["bcubed_f1"],
                          figures["mn_alone"]["kept"]]))


@lru_cache(maxsize=1)
def dev_sentences() -> tuple[list[str], ...]:
    """Each dev article's cleaned sentences, as the pipeline reads them."""
    from summarizer.clustering import article_sentences
    from summarizer.document import Article

    return tuple(article_sentences(Article(text=a.text)) for a in dev_articles())


@lru_cache(maxsize=1)
def dev_tokens() -> tuple[list[str], ...]:
    """Each dev article's pair tokens (:func:`summarizer.pairs.article_tokens`), which the pair model is fitted on."""
    from summarizer.pairs import article_tokens

    return tuple(article_tokens(s) for s in dev_sentences())


def clusterer(config=None, model=None) -> Clusterer:
    """``cluster_articles`` on dev articles by index, with ``config`` and the pair ``model``."""
    from summarizer.clustering import cluster_articles
    from summarizer.config import BriefConfig
    from summarizer.document import Article

    config = config or BriefConfig()
    articles, sentences = dev_articles(), dev_sentences()

    def cluster(indices: Sequence[int]) -> list[int]:
        return cluster_articles([Article(text=articles[i].text) for i in indices], config=config,
                                sentences=[sentences[i] for i in indices], model=model)

    return cluster


def tuned_on_objective(parts: dict[str, dict[str, list[int]]], cluster: Clusterer, repeats: int = 20) -> float:
    """:func:`objective` on the tuned-on halves only: what a cut or threshold is swept by."""
    tuning = {dataset: {"tuned on": halves_of["tuned on"]} for dataset, halves_of in parts.items()}
    return objective(all_scores(tuning, cluster, repeats, parts_wanted=("tuned on",))["tuned on"])


def cut_sweep(parts: dict[str, dict[str, list[int]]], cuts: Sequence[float], model=None, config=None) -> dict[float, float]:
    """:func:`tuned_on_objective` at each ``cluster_probability`` of ``cuts``, with the pair ``model`` and ``config``."""
    from dataclasses import replace

    from summarizer.config import BriefConfig

    config = config or BriefConfig()
    return {float(cut): tuned_on_objective(parts, clusterer(replace(config, cluster_probability=float(cut)), model))
            for cut in cuts}


def tracked(indices: Sequence[int], orders: int = 3, seed: int = 0) -> dict[str, object]:
    """The articles of ``indices`` given to a :class:`~summarizer.tracking.StoryTracker` one at a time.

    In ``orders`` random orders: each order's BCubed F1 against the gold
    stories and number of stories, and the adjusted Rand index between every
    two orders.  An article
    the tracker turns away as a duplicate counts in the story of the article it
    repeats; one cleaned to nothing counts as a story of its own, as the
    batch clustering (:func:`scores`) counts it.
    """
    from sklearn.metrics import adjusted_rand_score

    from summarizer.document import Article
    from summarizer.tracking import StoryTracker

    articles = dev_articles()
    # A source per article gives two copies of one text two ids, as two pages would have.
    items = [Article(text=articles[i].text, source=f"dev-{i}") for i in indices]
    gold = [articles[i].story for i in indices]
    runs: list[list[str]] = []
    f1: list[float] = []
    for order_seed in range(seed, seed + orders):
        order = list(range(len(items)))
        random.Random(order_seed).shuffle(order)
        tracker = StoryTracker(":memory:", clock=lambda: 1.8e9)  # one moment: no story goes quiet
        repeats: dict[str, str] = {}
        for k in order:
            update = tracker.add(items[k], refresh=False)
            repeats.update({r.article.id: r.existing_id for r in update.duplicates if r.existing_id})
        stored = tracker.labels()
        labels = [stored.get(a.id) or stored.get(repeats.get(a.id, ""), f"alone-{a.id}") for a in items]
        tracker.close()
        runs.append(labels)
        f1.append(bcubed(labels, gold)[2])
    pairs = [(a, b) for a in range(len(runs)) for b in range(a + 1, len(runs))]
    return {"orders": orders, "bcubed_f1": f1, "ari_between_orders": [adjusted_rand_score(runs[a], runs[b]) for a, b in pairs],
            "articles": len(items), "stories": [len(set(r)) for r in runs]}
