"""Benchmark section: speed and memory of one brief on this machine.

* **Cold start**: a new Python process (the converted model already cached)
  imports the library, loads both models and briefs the three-article Port
  Alden story of ``summarizer.examples`` (about 80 words).  Reported: seconds
  until generation starts (the pipeline's "Writing the brief" progress call)
  and until the first brief is back, both from just before the process was
  started, and the process's peak RSS.
* **Warm brief**: the same story again in a process whose models are loaded;
  the median of several runs, seconds per stage from ``Brief.stats``, and
  briefs per minute at that rate.

Timings depend on the load of the machine: the load average is reported with them.
The 10,000-article scaling curve is in the clustering section.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import ROOT, SectionResult, markdown_table

TARGET_WARM = 8.0
TARGET_COLD = 15.0
STAGES = ("cleaning", "clustering", "embedding", "pooling", "generation", "attribution")

_CHILD = r"""
import json, resource, sys, time
start = float(sys.argv[1])
model = sys.argv[2]
marks = {}
def progress(fraction, message):
    if message.startswith("Writing the brief") and "generation_start" not in marks:
        marks["generation_start"] = time.time() - start
from summarizer import NewsBriefer
from summarizer.examples import EXAMPLE_ARTICLES
marks["imported"] = time.time() - start
briefs = NewsBriefer(model=model, target_words=80).summarize(EXAMPLE_ARTICLES[:3], progress=progress)
marks["first_brief"] = time.time() - start
marks["stories"] = len(briefs)
marks["words"] = len(briefs[0].text.split())
marks["model"] = briefs[0].model
from benchmarks.common import peak_rss_mib
marks["peak_rss_mib"] = peak_rss_mib()
print("RESULT " + json.dumps(marks))
"""


def cold_start(model: str = "embedded", env: dict[str, str] | None = None) -> dict[str, Any]:
    """A new process briefs the Port Alden story: its marks in seconds from just before it started."""
    env = env or dict(os.environ, TOKENIZERS_PARALLELISM="false")
    start = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, repr(start), model], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    wall = time.time() - start
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"the cold-start process failed ({proc.returncode}): {proc.stderr[-2000:]}")
    marks = json.loads(line[len("RESULT "):])
    marks["process_wall"] = wall
    return marks


def _model_work(briefer: Any, briefs: list[Any], before: Any) -> dict[str, int]:
    """The model's calls for ``briefs`` (its usage since ``before``) and the sentences in its own wording they kept."""
    return {"model_calls": briefer.generator.usage.since(before).calls,
            "model_written_sentences": sum(s.rewritten for b in briefs for s in b.sentences)}


def warm_runs(model: str | None, repeats: int) -> tuple[list[float], list[dict[str, float]], Any, dict[str, int]]:
    from summarizer import NewsBriefer
    from summarizer.examples import EXAMPLE_ARTICLES

    briefer = NewsBriefer(model=model, target_words=80).load()
    briefer.summarize(EXAMPLE_ARTICLES[:3])  # first call warms caches
    times, stages, brief, work = [], [], None, {}
    for _ in range(repeats):
        before = briefer.generator.usage.copy()
        start = time.perf_counter()
        brief = briefer.summarize(EXAMPLE_ARTICLES[:3])[0]
        times.append(time.perf_counter() - start)
        stages.append(brief.stats["seconds"])
        work = _model_work(briefer, [brief], before)
    return times, stages, brief, work


def _model_work_text(who: str, work: dict[str, Any]) -> str:
    calls, kept = work["model_calls"], work["model_written_sentences"]
    return (f"{who} was called {calls} time{'s' * (calls != 1)} and {kept} sentence{'s' * (kept != 1)} "
            f"in its own wording {'was' if kept == 1 else 'were'} kept")


def warm_multinews(repeats: int) -> dict[str, Any] | None:
    """The embedded model on the first Multi-News dev cluster, 80 words: a longer story than Port Alden."""
    from benchmarks.common import DataMissing, read_jsonl
    from summarizer import Article, NewsBriefer

    try:
        cluster = read_jsonl("multinews", "multinews_dev.jsonl")[0]
    except DataMissing:
        return None
    articles = [Article(d) for d in cluster["documents"] if d.strip()]
    briefer = NewsBriefer(model="embedded", target_words=80).load()
    briefer.summarize(articles)
    times, generation, work = [], [], {}
    for _ in range(repeats):
        before = briefer.generator.usage.copy()
        start = time.perf_counter()
        briefs = briefer.summarize(articles)
        times.append(time.perf_counter() - start)
        generation.append(sum(b.stats["seconds"].get("generation", 0.0) for b in briefs))
        work = _model_work(briefer, briefs, before)
    return {
        "median_s": statistics.median(times), "generation_s": statistics.median(generation),
        "articles": len(articles), "words_in": sum(len(a.text.split()) for a in articles),
        "stories": len(briefs), **work,
    }


def run(quick: bool = False, model: str | None = None) -> SectionResult:
    repeats = 3 if quick else 7
    cold_repeats = 1 if quick else 3
    load_before = os.getloadavg()
    cold = [cold_start("embedded") for _ in range(cold_repeats)]
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    cold_ext = cold_start("extractive")

    rows = []
    metrics: dict[str, Any] = {}
    warm_table = []
    for label, m in [("embedded", "embedded"), ("extractive", "extractive")] + ([(model, model)] if model else []):
        times, stages, brief, work = warm_runs(m, repeats)
        median = statistics.median(times)
        stage_median = {s: statistics.median(x.get(s, 0.0) for x in stages) for s in STAGES}
        metrics[f"warm_{label}"] = {
            "median_s": median, "min_s": min(times), "max_s": max(times), "runs": len(times),
            "briefs_per_minute": 60 / median, "stages_s": stage_median, "words": len(brief.text.split()), **work,
        }
        warm_table.append([label, median, min(times), max(times), 60 / median, len(brief.text.split()),
                           *(stage_median[s] for s in STAGES)])
    mn = warm_multinews(2 if quick else 5)
    if mn:
        metrics["warm_multinews_embedded"] = mn
    cold_first = statistics.median(c["first_brief"] for c in cold)
    cold_gen = statistics.median(c["generation_start"] for c in cold)
    metrics["cold_embedded"] = {
        "runs": cold, "first_brief_s": cold_first, "generation_start_s": cold_gen,
        "peak_rss_mib": max(c["peak_rss_mib"] for c in cold),
    }
    metrics["cold_extractive"] = cold_ext
    metrics["peak_rss_children_mib"] = children_rss
    metrics["load_average"] = [round(x, 2) for x in load_before]
    warm = metrics["warm_embedded"]["median_s"]
    targets = [
        ["warm brief (embedded, 3 articles, 80 words) <= 8 s",
         f"{'met' if warm <= TARGET_WARM else 'MISSED'} ({warm:.2f} s)"],
        ["cold start with cached model <= 15 s (to the first brief)",
         f"{'met' if cold_first <= TARGET_COLD else 'MISSED'} ({cold_first:.2f} s)"],
    ]
    if mn:
        targets.append(["warm brief with generation (Multi-News cluster 1, 80 words) <= 8 s",
                        f"{'met' if mn['median_s'] <= TARGET_WARM else 'MISSED'} ({mn['median_s']:.2f} s)"])
    metrics["targets"] = {t: r for t, r in targets}
    rows = [
        ["embedded", cold_gen, cold_first, statistics.median(c["imported"] for c in cold), max(c["peak_rss_mib"] for c in cold)],
        ["extractive", cold_ext["generation_start"], cold_ext["first_brief"], cold_ext["imported"], cold_ext["peak_rss_mib"]],
    ]
    cpus = os.cpu_count()
    markdown = "\n\n".join([
        f"The Port Alden story (first three articles of `summarizer.examples`, target 80 words) on {cpus} CPUs, "
        f"load average {load_before[0]:.2f} at the start of this section (other work on the machine slows every figure).",
        f"**Cold start** (a new Python process, converted model cached; median of {cold_repeats}; seconds from "
        "just before the process starts)\n\n"
        + markdown_table(["model", "generation starts", "first brief", "imports done", "peak RSS (MiB)"], rows),
        f"**Warm brief** ({repeats} runs after one warm-up; seconds; stages are medians from `Brief.stats`)\n\n"
        + markdown_table(["model", "median", "min", "max", "briefs / min", "words", *STAGES], warm_table),
        f"{_model_work_text('The embedded model', metrics['warm_embedded'])} for each warm Port Alden brief "
        "above.  " + (
            f"A longer story: the first Multi-News dev cluster ({mn['articles']} articles, "
            f"{mn['words_in']} words, {mn['stories']} stories, target 80 words; "
            f"{_model_work_text('the model', mn)}): median warm brief "
            f"**{mn['median_s']:.2f} s**, of which generation {mn['generation_s']:.2f} s."
            if mn else "Multi-News data absent: no warm figure for a longer story."
        ),
        "**Targets**\n\n" + markdown_table(["target", "result"], targets),
    ])
    return SectionResult("Speed and memory", markdown, metrics, [])
