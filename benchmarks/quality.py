"""Benchmark section: brief quality (ROUGE) on the Multi-News dev sample.

Every system writes a summary of each cluster with the human summary's length
as its target; the summary is then cut to exactly that many words and scored
with ``rouge-score`` (ROUGE-1, ROUGE-2 and ROUGE-L F1, Porter stemmer; ROUGE-L
is the plain longest common subsequence over the whole text, ``rougeL``).

Systems, all in one run on the same clusters:

* **lead (round robin)**: the first sentence of every article, then the
  second of every article, and so on (the multi-document lead, Multi-News's
  "First-k" run to the reference length).  **lead (first article)** is the lead
  of the first article alone, for reference.
* **LexRank** and **TextRank** from ``sumy`` over the sentences of
  ``split_sentences(clean_text(article))``: the same cleaning and splitting as
  ours, so only the selection differs.  The top-rated sentences up to the
  target length, in document order.
* **newsbrief extractive**: ``NewsBriefer(model="extractive")``, the default
  (``NewsBriefer()``): level with the embedded model here, and faster.
* **newsbrief extractive, all one story**: the same with ``one_story=True``,
  what a user gets who ticks "All one story": no clustering, one brief.
* **newsbrief embedded**: ``NewsBriefer(model="embedded")``, the embedded
  SmolLM2-135M-Instruct.
* **newsbrief --model M** when the runner is given one.

A Multi-News cluster is one story, but the pipeline may split its articles
into several stories; then the briefs are joined in the pipeline's order
(largest story first) before the cut, and the count of such clusters is
reported.

The embedded model is slow on a CPU, so it runs on a fixed subset: the first
``EMBEDDED_FULL`` clusters of the file (``EMBEDDED_QUICK`` in quick mode); the
other systems are also scored on that subset so that the comparison is like
for like.  The briefs of the model runs are kept for the faithfulness section
(:func:`model_runs`), which therefore generates nothing itself.

Run alone: ``python -c "from benchmarks.quality import run; print(run(quick=True).markdown)"``.
"""

from __future__ import annotations

import logging
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from benchmarks.common import RESULTS, SPLIT_SEED, SectionResult, halves, markdown_table, read_jsonl
from summarizer import Article, NewsBriefer, clean_text, split_sentences
from summarizer.document import Brief
from summarizer.selection import REPEAT_SHARE, repeated_pairs

logger = logging.getLogger(__name__)

DATA = ("multinews", "multinews_dev.jsonl")
#: Clusters every system is scored on in quick mode (the first of the file).
QUICK_CLUSTERS = 15
#: Clusters the language models run on: the first of the file, a fixed subset.
#: All of them would take hours on a 2-core CPU (see the seconds per cluster).
EMBEDDED_FULL = 60
EMBEDDED_QUICK = 5
METRICS = ("rouge1", "rouge2", "rougeL")
#: Targets from issue 4, in ROUGE F1 x 100, for the embedded model (SmolLM2-135M).
TARGET_ROUGE1 = 45.0
TARGET_ROUGE2 = 15.0

EXTRACTIVE = "newsbrief extractive"
EMBEDDED = "newsbrief embedded"
#: The ``model`` of the embedded SmolLM2, always run beside ``--model M``.
EMBEDDED_MODEL = "embedded"
#: The extractive mode as it chose sentences before the repeat check (issue 15's "before").
UNCHECKED = "newsbrief extractive, repeat check off"
#: The extractive mode told that each cluster is one story (``one_story=True``, the page's "All one story").
ONE_STORY = "newsbrief extractive, all one story"
#: The systems the two-halves table also gives on the model subset, beside the models.
HALF_TABLE_SUBSET = ("lead (round robin)", "LexRank (sumy)", EXTRACTIVE)
#: Briefs with a pair of sentences that repeat a fact: at most 1 in 20.
TARGET_REPEATS = 0.05


@dataclass
class ModelRun:
    """One language model's briefs on the subset, kept for the faithfulness section."""

    label: str
    model: str
    clusters: list[dict[str, Any]]
    briefs: list[list[Brief]]
    seconds: list[float]
    quick: bool


@dataclass
class _System:
    label: str
    summaries: dict[int, str] = field(default_factory=dict)
    seconds: dict[int, float] = field(default_factory=dict)
    split: dict[int, int] = field(default_factory=dict)  # cluster -> number of briefs
    fallback: int = 0
    #: cluster -> for each brief (a baseline's summary is one), its pairs of sentences that repeat a fact
    repeats: dict[int, list[int]] = field(default_factory=dict)


_RUNS: dict[tuple[bool, str], ModelRun] = {}


def _models(model: str | None) -> list[str]:
    """The language models of a run: the embedded one, and ``model`` when given."""
    return [EMBEDDED_MODEL] + ([model] if model and model != EMBEDDED_MODEL else [])


def cut(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def reference_words(cluster: dict[str, Any]) -> int:
    return len(cluster["summary"].split())


def articles_of(cluster: dict[str, Any]) -> list[Article]:
    return [Article(d) for d in cluster["documents"] if d.strip()]


def _sentences(cluster: dict[str, Any]) -> list[list[str]]:
    return [split_sentences(clean_text(d)) for d in cluster["documents"] if d.strip()]


# --- baselines -----------------------------------------------------------------


def lead_round_robin(cluster: dict[str, Any], words: int) -> str:
    docs = _sentences(cluster)
    out: list[str] = []
    total, k = 0, 0
    while total < words and any(k < len(d) for d in docs):
        for d in docs:
            if k < len(d) and total < words:
                out.append(d[k])
                total += len(d[k].split())
        k += 1
    return " ".join(out)


def lead_first(cluster: dict[str, Any], words: int) -> str:
    docs = _sentences(cluster)
    return " ".join(docs[0]) if docs else ""


class _Tokenizer:
    """Words for sumy without NLTK's downloadable data."""

    _WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")

    def to_words(self, sentence: str) -> list[str]:
        return self._WORD.findall(sentence)

    def to_sentences(self, paragraph: str) -> list[str]:  # pragma: no cover - not used
        return split_sentences(paragraph)


def _sumy(kind: str) -> Callable[[dict[str, Any], int], str]:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = _Tokenizer()
    summarizer = (LexRankSummarizer if kind == "lexrank" else TextRankSummarizer)(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def summarise(cluster: dict[str, Any], words: int) -> str:
        paragraphs = [Paragraph([Sentence(s, tokenizer) for s in doc]) for doc in _sentences(cluster) if doc]
        document = ObjectDocumentModel(paragraphs)

        def up_to_length(infos):  # best rated first; keep them until the length is reached
            chosen, total = [], 0
            for info in infos:
                if total >= words:
                    break
                chosen.append(info)
                total += len(str(info.sentence).split())
            return chosen

        return " ".join(str(s) for s in summarizer(document, up_to_length))

    return summarise


# --- running ----------------------------------------------------------------------


def _run_baseline(label: str, fn: Callable[[dict[str, Any], int], str], clusters: list[dict[str, Any]]) -> _System:
    system = _System(label)
    for i, cluster in enumerate(tqdm(clusters, desc=label, leave=False)):
        start = time.perf_counter()
        system.summaries[i] = fn(cluster, reference_words(cluster))
        system.seconds[i] = time.perf_counter() - start
        system.repeats[i] = [len(repeated_pairs(split_sentences(system.summaries[i])))]
    return system


def _run_briefer(
    label: str, model: str | None, clusters: list[dict[str, Any]], keep: list[list[Brief]] | None = None,
    **settings: Any,
) -> _System:
    system = _System(label)
    shared = NewsBriefer(model=model).load()
    name = shared.generator.name
    for i, cluster in enumerate(tqdm(clusters, desc=label, leave=False)):
        briefer = NewsBriefer(model=model, target_words=reference_words(cluster), **settings)
        briefer._embedder, briefer._generator = shared.embedder, shared.generator  # loaded once
        start = time.perf_counter()
        briefs = briefer.summarize(articles_of(cluster))
        system.seconds[i] = time.perf_counter() - start
        system.summaries[i] = " ".join(b.text for b in briefs)
        system.split[i] = len(briefs)
        system.repeats[i] = [len(repeated_pairs([s.text for s in b.sentences])) for b in briefs]
        system.fallback += sum(b.model != name for b in briefs)
        if keep is not None:
            keep.append(briefs)
    return system


def _scores(system: _System, clusters: list[dict[str, Any]], indices: list[int]) -> dict[str, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    per = [
        scorer.score(clusters[i]["summary"], cut(system.summaries[i], reference_words(clusters[i]))) for i in indices
    ]
    return {m: 100 * statistics.mean(p[m].fmeasure for p in per) for m in METRICS}


def model_runs(quick: bool, model: str | None = None) -> list[ModelRun]:
    """The language-model briefs of the quality run for ``quick``/``model``, generating them if needed."""
    wanted = _models(model)
    missing = [m for m in wanted if (quick, m) not in _RUNS]
    if missing:
        clusters = read_jsonl(*DATA)[: EMBEDDED_QUICK if quick else EMBEDDED_FULL]
        for m in missing:
            _generate_model_run(m, clusters, quick)
    return [_RUNS[(quick, m)] for m in wanted]


def _generate_model_run(model: str, clusters: list[dict[str, Any]], quick: bool) -> _System:
    label = EMBEDDED if model == EMBEDDED_MODEL else f"newsbrief {model}"
    briefs: list[list[Brief]] = []
    system = _run_briefer(label, model, clusters, briefs)
    _RUNS[(quick, model)] = ModelRun(label, model, clusters, briefs, [system.seconds[i] for i in range(len(clusters))], quick)
    return system


def _plot(table: dict[str, dict[str, float]], subset: int) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    RESULTS.mkdir(parents=True, exist_ok=True)
    labels = list(table)
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    width = 0.26
    for k, metric in enumerate(METRICS):
        xs = [i + (k - 1) * width for i in range(len(labels))]
        ax.bar(xs, [table[l][metric] for l in labels], width, label=metric.upper().replace("ROUGE", "ROUGE-"))
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([l.replace("newsbrief ", "nb ") for l in labels], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("F1 x 100")
    ax.set_title(f"Multi-News dev, first {subset} clusters (cut to the reference length)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = RESULTS / "quality_rouge.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return str(path)


def run(quick: bool = False, model: str | None = None) -> SectionResult:
    """Score every system; ``quick`` uses the first 15 clusters and the models on 5."""
    clusters = read_jsonl(*DATA)
    in_file = len(clusters)
    if quick:
        clusters = clusters[:QUICK_CLUSTERS]
    subset = min(len(clusters), EMBEDDED_QUICK if quick else EMBEDDED_FULL)
    all_idx, sub_idx = list(range(len(clusters))), list(range(subset))
    # Two halves by cluster (fixed seed).  REDUNDANT_OVERLAP and the rank weights are
    # module constants tuned on the whole file, so neither half is truly held out;
    # the halves show how far the figures move between two sets of stories.
    tune_idx, held_idx = halves(all_idx)
    parts = {"tuned on": tune_idx, "held out": held_idx}

    systems = [
        _run_baseline("lead (round robin)", lead_round_robin, clusters),
        _run_baseline("lead (first article)", lead_first, clusters),
        _run_baseline("LexRank (sumy)", _sumy("lexrank"), clusters),
        _run_baseline("TextRank (sumy)", _sumy("textrank"), clusters),
        _run_briefer(EXTRACTIVE, "extractive", clusters),
        # After the default, so that the default's seconds are not helped by caches this run warms.
        _run_briefer(ONE_STORY, "extractive", clusters, one_story=True),
    ]
    model_systems = []
    for m in _models(model):
        model_systems.append(_generate_model_run(m, clusters[:subset], quick))
    # Before the repeat check: only sentences wholly inside another (share 1.0) count as repeats.
    unchecked = _run_briefer(UNCHECKED, "extractive", clusters[:subset], fuse_overlap=1.0)

    full = {s.label: _scores(s, clusters, all_idx) for s in systems}
    sub = {s.label: _scores(s, clusters, sub_idx) for s in systems + model_systems + [unchecked]}
    by_half = {part: {s.label: _scores(s, clusters, idx) for s in systems} for part, idx in parts.items()}
    sub_parts = {part: [i for i in idx if i < subset] for part, idx in parts.items()}
    sub_by_half = {
        part: {s.label: _scores(s, clusters, idx) for s in systems + model_systems} if idx else {}
        for part, idx in sub_parts.items()
    }

    def secs(s: _System, idx: list[int]) -> float:
        return statistics.mean(s.seconds[i] for i in idx)

    def split_note(s: _System, idx: list[int]) -> str:
        if not s.split:
            return "-"
        n = sum(s.split[i] > 1 for i in idx)
        return f"{n}/{len(idx)} (mean {statistics.mean(s.split[i] for i in idx):.2f} briefs)"

    rows_full = [[s.label, *(full[s.label][m] for m in METRICS), secs(s, all_idx), split_note(s, all_idx)] for s in systems]
    rows_sub = [
        [s.label, *(sub[s.label][m] for m in METRICS), secs(s, sub_idx), split_note(s, sub_idx)]
        for s in systems + model_systems + [unchecked]
    ]
    header = ["system", "ROUGE-1", "ROUGE-2", "ROUGE-L", "s / cluster", "clusters split into several stories"]

    # Targets: the embedded model on the subset, the extractive mode (the default) on all clusters.
    emb = sub[EMBEDDED]
    best_base_sub = max(sub["lead (round robin)"]["rouge1"], sub["LexRank (sumy)"]["rouge1"])
    best_base_sub2 = max(sub["lead (round robin)"]["rouge2"], sub["LexRank (sumy)"]["rouge2"])
    ext = full[EXTRACTIVE]
    best_base = max(full["lead (round robin)"]["rouge1"], full["LexRank (sumy)"]["rouge1"])
    best_base2 = max(full["lead (round robin)"]["rouge2"], full["LexRank (sumy)"]["rouge2"])
    held = by_half["held out"]
    held_base = max(held["lead (round robin)"]["rouge1"], held["LexRank (sumy)"]["rouge1"])
    held_base2 = max(held["lead (round robin)"]["rouge2"], held["LexRank (sumy)"]["rouge2"])

    def verdict(value: float, target: float) -> str:
        return f"{'met' if value >= target else 'MISSED'} ({value:.2f} vs {target:.2f}, {value - target:+.2f})"

    def repeat_counts(system: _System, idx: list[int]) -> dict[str, int]:
        """Briefs, briefs with a repeated fact, and repeated pairs, over the clusters ``idx``."""
        per_brief = [n for i in idx for n in system.repeats[i]]
        return {"briefs": len(per_brief), "briefs_with_repeat": sum(n > 0 for n in per_brief), "pairs": sum(per_brief)}

    repeat_rows, repeat_figures = [], {}
    for system in systems + model_systems + [unchecked]:
        # The model runs and the check-off run cover only the subset.
        parts_run = {"subset": sub_idx} if system in model_systems + [unchecked] else {"all": all_idx, "subset": sub_idx}
        for part, idx in parts_run.items():
            found = repeat_counts(system, idx)
            repeat_figures.setdefault(system.label, {})[part] = found
            repeat_rows.append([system.label, f"{'all' if part == 'all' else 'first'} {len(idx)}", found["briefs"],
                                found["briefs_with_repeat"], f"{found['briefs_with_repeat'] / max(found['briefs'], 1):.1%}",
                                found["pairs"]])
    emb_rep = repeat_figures[EMBEDDED]["subset"]
    ext_rep = repeat_figures[EXTRACTIVE]["all"]

    def at_most(found: dict[str, int], share: float) -> str:
        value = found["briefs_with_repeat"] / max(found["briefs"], 1)
        return (f"{'met' if value <= share else 'MISSED'} ({found['briefs_with_repeat']} of {found['briefs']} briefs, "
                f"{value:.1%})")

    targets = [
        ["embedded ROUGE-1 above extractive (subset, same run)", verdict(emb["rouge1"], sub[EXTRACTIVE]["rouge1"])],
        ["embedded ROUGE-2 above extractive (subset, same run)", verdict(emb["rouge2"], sub[EXTRACTIVE]["rouge2"])],
        [f"embedded briefs with a repeated fact <= 1 in 20 (share {REPEAT_SHARE})", at_most(emb_rep, TARGET_REPEATS)],
        ["extractive briefs with a repeated fact <= 1 in 20 (all clusters)", at_most(ext_rep, TARGET_REPEATS)],
        ["embedded ROUGE-1 >= 45", verdict(emb["rouge1"], TARGET_ROUGE1)],
        ["embedded ROUGE-2 >= 15", verdict(emb["rouge2"], TARGET_ROUGE2)],
        ["embedded ROUGE-1 above lead and LexRank (subset)", verdict(emb["rouge1"], best_base_sub)],
        ["embedded ROUGE-2 above lead and LexRank (subset)", verdict(emb["rouge2"], best_base_sub2)],
        ["extractive ROUGE-1 above lead and LexRank (all clusters)", verdict(ext["rouge1"], best_base)],
        ["extractive ROUGE-2 above lead and LexRank (all clusters)", verdict(ext["rouge2"], best_base2)],
        ["extractive ROUGE-1 above lead and LexRank (held-out half)", verdict(held[EXTRACTIVE]["rouge1"], held_base)],
        ["extractive ROUGE-2 above lead and LexRank (held-out half)", verdict(held[EXTRACTIVE]["rouge2"], held_base2)],
    ]
    plot = _plot(sub if len(sub_idx) else full, subset)

    emb_sys = model_systems[0]
    per_cluster = secs(emb_sys, sub_idx)
    est_full = per_cluster * in_file / 60
    half_header = ["system", *(f"ROUGE-1/2/L, {part} ({len(idx)} clusters)" for part, idx in parts.items())]

    def half_row(name: str, label: str, table: dict[str, dict[str, dict[str, float]]]) -> list[str]:
        return [name, *(" / ".join(f"{table[p][label][m]:.2f}" for m in METRICS) if label in table[p] else "-"
                        for p in parts)]

    half_rows = [half_row(s.label, s.label, by_half) for s in systems]
    half_rows += [half_row(f"{s.label} (first {subset} clusters: {len(sub_parts['tuned on'])} / "
                           f"{len(sub_parts['held out'])})", s.label, sub_by_half)
                  for s in [*(s for s in systems if s.label in HALF_TABLE_SUBSET), *model_systems]]
    markdown = "\n\n".join([
        f"Multi-News dev sample ({len(clusters)} clusters{', quick mode: the first ' + str(QUICK_CLUSTERS) if quick else ''}); "
        "every summary is cut to its reference's length in words (mean "
        f"{statistics.mean(reference_words(c) for c in clusters):.0f}) and scored with rouge-score "
        "(F1 x 100, Porter stemmer, ROUGE-L = `rougeL`).  Lead is the multi-document round robin (first sentence "
        "of every article, then the second, ...).  LexRank/TextRank are sumy's, fed by our cleaning and splitting.",
        f"**All {len(clusters)} clusters**\n\n" + markdown_table(header, rows_full),
        f"**First {subset} clusters, language models included** (the embedded model takes "
        f"{per_cluster:.0f} s per cluster here, about {est_full:.0f} min for all {in_file}, so it runs on this fixed subset)\n\n"
        + markdown_table(header, rows_sub),
        f"**Two halves** (the clusters split at random in two, seed {SPLIT_SEED}).  The selection's overlap "
        "(`summarizer.selection.REDUNDANT_OVERLAP`) and the rank weights (in `summarizer.pooling._rank`) are "
        "constants in the code, tuned on the whole of Multi-News dev; sweeping them on one half needs them as "
        "`BriefConfig` fields, so they are not re-tuned here and the \"held out\" half is not truly unseen: the "
        "halves show how far the figures move between two sets of stories.\n\n" + markdown_table(half_header, half_rows),
        f"**Repeated facts** (issue 15's redundancy measure, `summarizer.selection.repeated_pairs`): two sentences "
        f"of one brief repeat a fact when {REPEAT_SHARE:.0%} or more of the shorter one's content words (Porter "
        "stems) are in the other.  Counted per brief as written, before the cut to the reference length; a "
        "baseline's summary is one brief.  The selection leaves out (extractive) or fuses (a model) exactly such "
        "pairs, with the same share (`BriefConfig.fuse_overlap`), so for newsbrief the figure is partly by "
        f"construction; \"{UNCHECKED}\" is the extractive mode with `fuse_overlap=1.0`, close to the selection "
        "before the check (only a sentence wholly inside another counts as a repeat).\n\n"
        + markdown_table(["system", "clusters", "briefs", "briefs with a repeated fact", "share", "repeated pairs"],
                         repeat_rows),
        "**Targets**\n\n" + markdown_table(["target", "result"], targets),
        "Briefs that fell back to the extractive mode (model failure, timeout or nothing supported): "
        + ", ".join(f"{s.label} {s.fallback}" for s in model_systems) + ".",
    ])
    metrics: dict[str, Any] = {
        "clusters": len(clusters),
        "model_subset": subset,
        "all_clusters": full,
        "subset": sub,
        "halves": {
            "seed": SPLIT_SEED,
            "tuned_on_whole_file": ["summarizer.selection.REDUNDANT_OVERLAP", "rank weights of summarizer.pooling._rank"],
            "clusters": {p: len(idx) for p, idx in parts.items()},
            "subset_clusters": {p: len(idx) for p, idx in sub_parts.items()},
            "all_clusters": by_half,
            "subset": sub_by_half,
        },
        "seconds_per_cluster": {s.label: secs(s, sub_idx) for s in systems + model_systems},
        "repeats": {"share": REPEAT_SHARE, **repeat_figures},
        "split_clusters": {s.label: sum(v > 1 for v in s.split.values()) for s in systems + model_systems if s.split},
        "targets": {t: r for t, r in targets},
    }
    return SectionResult("Brief quality (ROUGE, Multi-News dev)", markdown, metrics, [plot])
