"""Benchmark section: local models side by side, through llama.cpp and transformers.

Every system briefs the same first clusters of Multi-News dev, with the
reference summary's length as its target, exactly as in the quality section
(ROUGE-1/2/L F1 of the brief cut to the reference's length):

* **extractive**: ``NewsBriefer(model="extractive")``, no model;
* **SmolLM2-135M, transformers**: the embedded GGUF de-quantised to float32
  and run through transformers (``NEWSBRIEF_GGUF_BACKEND=transformers``; the
  conversion is cached, as it is for a user without llama-cpp-python);
* **SmolLM2-135M, llama.cpp**: the same GGUF through llama-cpp-python, the
  default when it is installed (run from its cached Q8_0 copy, as a user's is);
* **Qwen2.5-Coder 0.5B and 1.5B, llama.cpp**: the benchmark-only GGUFs of
  :mod:`benchmarks.models`, each with the strategy given in :data:`SYSTEMS`.

Each system runs in its own Python process, one after another, so that its
peak RSS (``VmHWM``) is its own and no two compete for the 2 cores.  Per
system: ROUGE, seconds per cluster, the model's calls, prompt tokens and
written tokens (:class:`summarizer.generation.GenerationUsage`), tokens
written per second of model time (reading the prompt included), faithfulness
(the guard's counts and invented names/numbers before and after it, as in the
faithfulness section) and the process's peak RSS.

The SmolLM2 runs also time the speed section's Multi-News story (cluster 1,
80 words) warm, and a new process's cold start to the first brief of the Port
Alden example, so that the issue's ratios are measured side by side.

Run alone: ``python -m benchmarks --sections backends --update``.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, SectionResult, markdown_table, read_jsonl

logger = logging.getLogger(__name__)

DATA = ("multinews", "multinews_dev.jsonl")
#: Clusters every system briefs: the first of the file (the 1.5B model needs about a minute each).
CLUSTERS_FULL = 20
CLUSTERS_QUICK = 2
#: New processes per path for the cold start, the two paths alternating.
COLD_ROUNDS = 5
METRICS = ("rouge1", "rouge2", "rougeL")
#: Issue 16's targets.
TARGET_TOKENS_RATIO = 5.0
TARGET_WARM_RATIO = 1 / 3
TARGET_QWEN_SECONDS = 30.0


@dataclass(frozen=True)
class System:
    """One row of the table: a model, the GGUF backend that runs it, and the drafting strategy."""

    label: str
    model: str  # "extractive", "embedded" or "qwen-0.5b"/"qwen-1.5b": a benchmark GGUF
    backend: str | None = None
    strategy: str = "auto"
    speed: bool = False  # also time the warm story and the cold start


#: Each Qwen model runs both strategies; its targets are read off the one that
#: scores best (ROUGE-1 plus ROUGE-2).
SYSTEMS = [
    System("extractive", "extractive"),
    System("SmolLM2-135M, transformers", "embedded", "transformers", speed=True),
    System("SmolLM2-135M, llama.cpp", "embedded", "llama.cpp", speed=True),
    System("Qwen2.5-Coder-0.5B, llama.cpp, chunked", "qwen-0.5b", "llama.cpp", "chunked"),
    System("Qwen2.5-Coder-0.5B, llama.cpp, whole", "qwen-0.5b", "llama.cpp", "whole"),
    System("Qwen2.5-Coder-1.5B, llama.cpp, chunked", "qwen-1.5b", "llama.cpp", "chunked"),
    System("Qwen2.5-Coder-1.5B, llama.cpp, whole", "qwen-1.5b", "llama.cpp", "whole"),
]
#: Where each system's raw model sentences and pools are kept for labelling the
#: guard (outside the project: the dev data is research-only).
OUTPUTS = "bench-outputs"


# --- the child process: one system ---------------------------------------------------------------


def _model_path(model: str) -> str:
    if model in ("embedded", "extractive"):
        return model
    from benchmarks.models import fetch

    return str(fetch(model))


def brief_clusters(system: System, clusters: list[dict[str, Any]]) -> dict[str, Any]:
    """Brief every cluster with ``system`` in this process and return what was measured."""
    from benchmarks.common import peak_rss_mib
    from benchmarks.faithfulness import brief_figures, guard_totals
    from benchmarks.quality import articles_of, reference_words
    from summarizer import NewsBriefer

    start = time.perf_counter()
    shared = NewsBriefer(model=_model_path(system.model), strategy=system.strategy).load()
    load_s = time.perf_counter() - start
    generator = shared.generator
    out: dict[str, Any] = {"generator": generator.name, "load_s": load_s, "clusters": []}
    all_briefs = []
    for cluster in clusters:
        briefer = shared.with_settings(target_words=reference_words(cluster))
        before = generator.usage.copy()
        clock = time.perf_counter()
        briefs = briefer.summarize(articles_of(cluster))
        seconds = time.perf_counter() - clock
        usage = generator.usage.since(before)
        all_briefs += [(cluster.get("id"), b) for b in briefs]
        out["clusters"].append({
            "summary": " ".join(b.text for b in briefs),
            "seconds": seconds,
            "stories": len(briefs),
            "fallback": sum(b.model != generator.name for b in briefs),
            "calls": usage.calls, "prompt_tokens": usage.prompt_tokens,
            "new_tokens": usage.new_tokens, "model_seconds": usage.seconds,
            "first_token_seconds": usage.first_token_seconds,
            "figures": [brief_figures(b) for b in briefs if b.model == generator.name],
        })
    out["guard"] = guard_totals([b for _, b in all_briefs])
    _keep_outputs(system, all_briefs)
    if system.speed:
        out["warm_story"] = _warm_story(shared)
    out["peak_rss_mib"] = peak_rss_mib()
    return out


def _keep_outputs(system: System, briefs: list[tuple[str | None, Any]]) -> None:
    from benchmarks.faithfulness import raw_output
    from summarizer.cache import cache_dir

    folder = cache_dir() / OUTPUTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (system.label.replace(", ", "_").replace(" ", "-") + ".jsonl")
    with path.open("w", encoding="utf-8") as handle:
        for cluster, brief in briefs:
            pool = [p.text for p in brief.pool]
            pool_texts = set(pool)
            raw = [s for s in raw_output(brief) if s not in pool_texts]
            handle.write(json.dumps({"cluster": cluster, "model": brief.model, "raw": raw, "pool": pool}) + "\n")


def _warm_story(shared: Any, repeats: int = 3) -> dict[str, Any]:
    """The speed section's case: Multi-News dev cluster 1 at 80 words, after one warm-up."""
    from benchmarks.quality import articles_of

    articles = articles_of(read_jsonl(*DATA)[0])
    briefer = shared.with_settings(target_words=80)
    briefer.summarize(articles)
    times, generation = [], []
    for _ in range(repeats):
        clock = time.perf_counter()
        briefs = briefer.summarize(articles)
        times.append(time.perf_counter() - clock)
        generation.append(sum(b.stats["seconds"].get("generation", 0.0) for b in briefs))
    return {"median_s": statistics.median(times), "generation_s": statistics.median(generation), "runs": times,
            "articles": len(articles)}


def _child(spec_path: str, out_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    system = System(**spec["system"])
    result = brief_clusters(system, read_jsonl(*DATA)[: spec["clusters"]])
    Path(out_path).write_text(json.dumps(result), encoding="utf-8")


def _environment(system: System) -> dict[str, str]:
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
    if system.backend:
        env["NEWSBRIEF_GGUF_BACKEND"] = system.backend
    return env


def run_system(system: System, clusters: int) -> dict[str, Any]:
    """Run ``system`` on the first ``clusters`` clusters in a new Python process."""
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp, "spec.json"), Path(tmp, "out.json")
        spec.write_text(json.dumps({"system": system.__dict__, "clusters": clusters}), encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.backends", str(spec), str(out)],
            cwd=ROOT, env=_environment(system), capture_output=True, text=True,
        )
        if proc.returncode or not out.exists():
            raise RuntimeError(f"{system.label} failed ({proc.returncode}): {proc.stderr[-3000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def cold_starts(systems: list[System], rounds: int) -> dict[str, dict[str, Any]]:
    """The speed section's cold start (Port Alden, 80 words, a new process) under each system's backend.

    The systems take turns, one process each per round, so that a slower spell
    of the machine (or a colder disk cache) falls on both rather than on
    whichever ran its processes in it.
    """
    from benchmarks import speed

    runs: dict[str, list[dict[str, Any]]] = {s.label: [] for s in systems}
    for _ in range(rounds):
        for system in systems:
            runs[system.label].append(speed.cold_start("embedded", env=_environment(system)))
    result = {label: {"first_brief_s": statistics.median(r["first_brief"] for r in done),
                      "peak_rss_mib": max(r["peak_rss_mib"] for r in done), "runs": done}
              for label, done in runs.items()}
    # A user's very first brief, with an empty cache: the llama.cpp path
    # re-encodes the Q4_1 file to Q8_0 in it (the transformers path would
    # convert to safetensors, about 30 s; its figure above is with the cache).
    for system in systems:
        if system.backend == "llama.cpp":
            with tempfile.TemporaryDirectory() as cache:
                first = speed.cold_start("embedded", env=dict(_environment(system), NEWSBRIEF_CACHE=cache))
            result[system.label]["empty_cache_first_brief_s"] = first["first_brief"]
    return result


# --- the section ------------------------------------------------------------------------------


def _rouge(summaries: list[str], clusters: list[dict[str, Any]]) -> dict[str, list[float]]:
    """ROUGE F1 x 100 of each summary against its cluster's reference, per metric."""
    from rouge_score import rouge_scorer

    from benchmarks.quality import cut, reference_words

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    per = [scorer.score(c["summary"], cut(s, reference_words(c))) for s, c in zip(summaries, clusters)]
    return {m: [100 * p[m].fmeasure for p in per] for m in METRICS}


def paired_interval(a: list[float], b: list[float]) -> tuple[float, float]:
    """95% bootstrap interval of the mean of ``a - b`` over the same clusters (10,000 resamples, seed 0)."""
    import numpy as np
    from scipy.stats import bootstrap

    differences = np.asarray(a) - np.asarray(b)
    result = bootstrap((differences,), np.mean, n_resamples=10_000, confidence_level=0.95, method="percentile",
                       random_state=0)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def summarise_run(result: dict[str, Any], clusters: list[dict[str, Any]]) -> dict[str, Any]:
    """The table's figures of one system's run."""
    per = result["clusters"]
    figures = [f for c in per for f in c["figures"]]
    model_seconds = sum(c["model_seconds"] for c in per)
    new_tokens = sum(c["new_tokens"] for c in per)
    first = sum(c["first_token_seconds"] for c in per)
    calls = sum(c["calls"] for c in per)
    final = sum(f["final_sentences"] for f in figures)
    rouge = _rouge([c["summary"] for c in per], clusters)
    return {
        "generator": result["generator"],
        "rouge": {m: statistics.mean(v) for m, v in rouge.items()},
        "rouge_per_cluster": rouge,
        "seconds_per_cluster": statistics.mean(c["seconds"] for c in per),
        "max_seconds_per_cluster": max(c["seconds"] for c in per),
        "load_s": result["load_s"],
        "calls": sum(c["calls"] for c in per),
        "prompt_tokens": sum(c["prompt_tokens"] for c in per),
        "new_tokens": new_tokens,
        "model_seconds": model_seconds,
        "first_token_seconds": first,
        "tokens_per_second": new_tokens / model_seconds if model_seconds else None,
        "prompt_tokens_per_second": sum(c["prompt_tokens"] for c in per) / first if first else None,
        "decode_tokens_per_second": (new_tokens - calls) / (model_seconds - first) if model_seconds > first else None,
        "briefs": sum(c["stories"] for c in per),
        "fallback": sum(c["fallback"] for c in per),
        "guard": result["guard"],
        "final_supported_share": sum(f["final_supported"] for f in figures) / final if final else None,
        "invented_raw": sum(len(f["invented_raw"]) for f in figures),
        "invented_final": sum(len(f["invented_final"]) for f in figures),
        "invented_final_examples": sorted({x for f in figures for x in f["invented_final"]})[:20],
        "peak_rss_mib": result["peak_rss_mib"],
        "warm_story": result.get("warm_story"),
    }


def run(quick: bool = False) -> SectionResult:
    n = CLUSTERS_QUICK if quick else CLUSTERS_FULL
    clusters = read_jsonl(*DATA)[:n]
    load_before = os.getloadavg()
    runs: dict[str, dict[str, Any]] = {}
    for system in SYSTEMS:
        logger.warning("backends: %s on %d clusters", system.label, n)
        runs[system.label] = summarise_run(run_system(system, n), clusters)
    cold = cold_starts([s for s in SYSTEMS if s.speed], 1 if quick else COLD_ROUNDS)

    def fmt(value: float | None, pattern: str = "{:.1f}") -> str:
        return "-" if value is None else pattern.format(value)

    rows = []
    for label, r in runs.items():
        g = r["guard"]
        rows.append([
            label, *(fmt(r["rouge"][m], "{:.2f}") for m in METRICS), fmt(r["seconds_per_cluster"]),
            fmt(r["tokens_per_second"]), fmt(r["prompt_tokens_per_second"], "{:.0f}"), fmt(r["decode_tokens_per_second"]),
            f"{r['new_tokens']} / {r['prompt_tokens']} ({r['calls']} calls)",
            f"{100 * g['drafted_supported_share']:.1f}% of {g['drafted']}" if r["calls"] else "-",
            r["invented_raw"] if r["calls"] else "-", r["invented_final"] if r["calls"] else "-",
            r["fallback"], fmt(r["peak_rss_mib"], "{:.0f}"),
        ])
    header = ["system", "ROUGE-1", "ROUGE-2", "ROUGE-L", "s / cluster", "tokens / s", "prompt tokens / s",
              "decode tokens / s", "tokens written / read",
              "model sentences supported as written", "invented raw", "invented after guard",
              "briefs fallen back", "peak RSS (MiB)"]

    trans, fast = runs["SmolLM2-135M, transformers"], runs["SmolLM2-135M, llama.cpp"]
    ext, ext_per = runs["extractive"]["rouge"], runs["extractive"]["rouge_per_cluster"]
    qwen_label = max((label for label in runs if label.startswith("Qwen2.5-Coder-1.5B")),
                     key=lambda label: runs[label]["rouge"]["rouge1"] + runs[label]["rouge"]["rouge2"])
    qwen = runs[qwen_label]
    qwen_strategy = qwen_label.rsplit(", ", 1)[1]
    tokens_ratio = fast["tokens_per_second"] / trans["tokens_per_second"]
    decode_ratio = fast["decode_tokens_per_second"] / trans["decode_tokens_per_second"]
    warm_ratio = fast["warm_story"]["median_s"] / trans["warm_story"]["median_s"]
    generation_ratio = fast["warm_story"]["generation_s"] / trans["warm_story"]["generation_s"]
    cold_fast = cold["SmolLM2-135M, llama.cpp"]["first_brief_s"]
    cold_trans = cold["SmolLM2-135M, transformers"]["first_brief_s"]
    cold_fast_empty = cold["SmolLM2-135M, llama.cpp"]["empty_cache_first_brief_s"]

    def check(ok: bool, text: str) -> str:
        return f"{'met' if ok else 'MISSED'} ({text})"

    def qwen_rouge_target(name: str, metric: str) -> list[str]:
        # The 20 clusters vary far more than the systems do: the interval says
        # whether a gap is more than the choice of clusters.
        low, high = paired_interval(qwen["rouge_per_cluster"][metric], ext_per[metric])
        score, base = qwen["rouge"][metric], ext[metric]
        return [f"Qwen 1.5B {name} above extractive",
                check(score > base, f"{qwen_strategy}: {score:.2f} vs {base:.2f}, {score - base:+.2f}; 95% interval "
                      f"of the gap over these clusters {low:+.2f} to {high:+.2f}")]

    targets = [
        ["embedded model via llama.cpp >= 5x the tokens/s of transformers",
         check(tokens_ratio >= TARGET_TOKENS_RATIO, f"{tokens_ratio:.2f}x: {fast['tokens_per_second']:.1f} against "
               f"{trans['tokens_per_second']:.1f} tokens/s; decoding alone {decode_ratio:.2f}x")],
        ["warm Multi-News story (cluster 1, 80 words) <= 1/3 of the transformers time",
         check(warm_ratio <= TARGET_WARM_RATIO, f"{warm_ratio:.2f}: {fast['warm_story']['median_s']:.2f} s against "
               f"{trans['warm_story']['median_s']:.2f} s; the generation stage alone {generation_ratio:.2f}: "
               f"{fast['warm_story']['generation_s']:.2f} s against {trans['warm_story']['generation_s']:.2f} s")],
        ["cold start to the first brief no slower than transformers (conversion cached)",
         check(cold_fast <= cold_trans, f"{cold_fast:.1f} s against {cold_trans:.1f} s; llama.cpp with an empty "
               f"cache, re-encoding to Q8_0 included, {cold_fast_empty:.1f} s")],
        *[qwen_rouge_target(name, m) for name, m in (("ROUGE-1", "rouge1"), ("ROUGE-2", "rouge2"))],
        ["Qwen 1.5B at most 30 s per cluster",
         check(qwen["seconds_per_cluster"] <= TARGET_QWEN_SECONDS, f"{qwen_strategy}: {qwen['seconds_per_cluster']:.1f} s, "
               f"slowest {qwen['max_seconds_per_cluster']:.1f} s")],
        ["Qwen 1.5B: zero invented names/numbers after the guard",
         check(qwen["invented_final"] == 0, f"{qwen_strategy}: {qwen['invented_final']}, raw {qwen['invented_raw']}")],
    ]
    speed_rows = [
        [label, fmt(runs[label]["warm_story"]["median_s"], "{:.2f}"), fmt(runs[label]["warm_story"]["generation_s"], "{:.2f}"),
         fmt(cold[label]["first_brief_s"], "{:.2f}"),
         fmt(cold[label]["peak_rss_mib"], "{:.0f}"), fmt(runs[label]["load_s"], "{:.2f}")]
        for label in cold
    ]
    cpus = os.cpu_count()
    markdown = "\n\n".join([
        f"The first {n} clusters of Multi-News dev, briefed by each system in its own process, one after another, on "
        f"{cpus} CPUs (load average {load_before[0]:.2f} at the start).  Each brief's target is the reference's "
        "length; ROUGE F1 x 100 of the brief cut to that length, as in the quality section.  Tokens/s = tokens the "
        "model wrote per second of model time, reading the prompt included (the issue's measure); prompt tokens/s "
        "= tokens read per second up to each call's first written token; decode tokens/s = the tokens after the "
        "first per second after it.  \"Supported as written\": the model's "
        "own sentences that the guard let stand; invented = names, numbers and dates found in no source article, in "
        "the model's raw sentences and in the final brief.  Peak RSS is the system's own process.\n\n"
        + markdown_table(header, rows),
        "**SmolLM2 speed, side by side**: the speed section's Multi-News story warm (median of 3 after a warm-up) and "
        f"a new process's cold start to the first Port Alden brief (median of {COLD_ROUNDS}, the two paths taking turns; the transformers path's conversion "
        "and the llama.cpp path's Q8_0 copy were cached by their runs above; one more llama.cpp process with an empty "
        f"cache, re-encoding included: {cold_fast_empty:.2f} s)\n\n"
        + markdown_table(["system", "warm story (s)", "of it generation (s)", "cold start (s)", "cold peak RSS (MiB)", "model load in run (s)"],
                         speed_rows),
        f"**Targets** (Qwen 1.5B: its best-scoring strategy, {qwen_strategy})\n\n"
        + markdown_table(["target", "result"], targets),
    ])
    for label, r in runs.items():
        if r["invented_final_examples"]:
            markdown += f"\n\nLeft after the guard in {label}: " + ", ".join(r["invented_final_examples"])
    metrics = {"clusters": n, "systems": {s.label: s.__dict__ for s in SYSTEMS}, "runs": runs, "cold": cold,
               "qwen_best": qwen_label,
               "load_average": [round(x, 2) for x in load_before], "targets": {t: r for t, r in targets}}
    return SectionResult("Local models side by side (llama.cpp and transformers)", markdown, metrics, [])


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _child(sys.argv[1], sys.argv[2])
