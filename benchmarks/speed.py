"""Speed and memory: cold start, warm brief time, briefs per minute, peak RSS.

Each measurement runs in a fresh Python process so that cold start is real and
peak RSS belongs to one job.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from .common import ROOT, SectionResult, markdown_table

_PROBE = r"""
import json, resource, time
t0 = time.perf_counter()
from summarizer import NewsBriefer
from summarizer.examples import EXAMPLE_ARTICLES
story = EXAMPLE_ARTICLES[:3]
briefer = NewsBriefer(model={model!r})
briefer.load()
loaded = time.perf_counter() - t0
first = briefer.summarize(story)[0]
cold = time.perf_counter() - t0
warm = []
for _ in range({rounds}):
    clock = time.perf_counter()
    brief = briefer.summarize(story)[0]
    warm.append(time.perf_counter() - clock)
print(json.dumps({{
    "load_s": loaded, "cold_first_brief_s": cold, "warm_s": warm, "stages": brief.stats["seconds"],
    "words": brief.stats["words"], "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}}))
"""


def _probe(model: str | None, rounds: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(model=model, rounds=rounds)],
        capture_output=True, text=True, cwd=ROOT, timeout=1800,
    )
    if result.returncode:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> SectionResult:
    rounds = 3 if quick else 10
    rows, metrics = [], {}
    for name, model in (("embedded SmolLM2-135M", None), ("extractive", "extractive")):
        _probe(model, 0)  # the first ever run converts the model; time the cached start
        clock = time.perf_counter()
        probe = _probe(model, rounds)
        probe["process_s"] = time.perf_counter() - clock
        warm = sorted(probe["warm_s"])
        median = warm[len(warm) // 2]
        metrics[name] = {**probe, "warm_median_s": median, "briefs_per_minute": 60 / median}
        stages = ", ".join(f"{k} {v:.2f}" for k, v in probe["stages"].items() if k not in {"cleaning"})
        rows.append([name, probe["load_s"], probe["cold_first_brief_s"], median, 60 / median, probe["peak_rss_mb"], stages])
    markdown = "\n\n".join([
        "The 3-article Port Alden story from `summarizer.examples` (about 80 words of brief), "
        f"{rounds} warm runs each, every system in a fresh process with the model cache already built.",
        markdown_table(
            ["system", "load s", "cold: process start to first brief s", "warm brief s (median)", "briefs / min",
             "peak RSS MB", "seconds per stage (last warm run)"],
            rows,
        ),
        "Targets: warm brief <= 8 s, cold start with a cached model <= 15 s.",
    ])
    return SectionResult("Speed and memory", markdown, metrics)
