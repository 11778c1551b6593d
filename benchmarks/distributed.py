"""Benchmark section: the pipeline on a local Ray instance (``summarizer.distributed``).

Inputs are ECB+ dev articles repeated with small changes: one line dropped,
two lines swapped, numbers of two or more digits or with decimals shifted by
10,000,000 per copy.
Each repetition also renames the capitalised words that are not stop words and
the lower-case words rarer than the pair model's common-word cut (a suffix per
copy), so that a copy is a new set of incidents rather than 200 more reports
of the same 40: a large collection has many stories, and pure near-duplicates
would instead grow every story (and its linkage block) with n.  Renaming the
names alone is not enough: copies that differ only in their names share every
content word, the pair model gives them about the cut's probability, and all
copies of one topic would form one block of n / 22 articles.

Measured, each run in a fresh subprocess with its own ``ray.init`` (so its
memory is its own): throughput with 1 and 2 workers (stories and extractive
briefs), and stories alone for 10k and 100k articles.  Briefs at 10k and 100k
are extrapolated from the measured per-article brief cost: they grow linearly
with the number of stories and take hours on two cores.  Peak memory is the
largest summed RSS of the driver and every Ray process it started, sampled
every 0.2 s.  Agreement: at 10k the distributed stories are compared with
single-process ``cluster_articles`` (ARI).

Run alone with ``python -m benchmarks.distributed [--quick]``.
"""

from __future__ import annotations

import json
import logging
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, SectionResult, markdown_table, peak_rss_mib, read_jsonl, verdict
from summarizer.pairs import COMMON_ZIPF, zipf

logger = logging.getLogger(__name__)

DEV = ("ecbplus", "ecbplus_dev.jsonl")
#: Targets of the scale issue: the driver's own peak at 100,000 articles, agreement with exact at 10,000.
TARGET_DRIVER_MB = 4096
TARGET_DRIVER_N = 100_000
TARGET_ARI = 0.99
TARGET_EXPONENT = 1.1
#: Capitalised words (names, and sentence openers that are not stop words): renamed per copy.
_CAPITALISED = re.compile(r"\b([A-Z][A-Za-z]{1,})\b")
#: Every run of digits with its decimals ("117th", "1,067", "5.4"): a number a copy shares links it to the others.
_NUMBER = re.compile(r"(?<![\d.])(\d+)(\.\d+)?")
#: Copy k adds k times this to a number: more than any run of digits in the dev
#: articles, so no two copies' numbers meet (a shift of 1000 made copy 1's
#: "2023" out of "1023" and copy 2's out of "23").
_NUMBER_SHIFT = 10_000_000
#: Capitalised words kept as they are: sentence openers that name nothing.  Not
#: all stop words: "Bill", "Will", "Fire" and "MAY" are names and dates too, and
#: a copy that kept them would share them with every other copy.
OPENERS = frozenset(
    "a an and as at but by for from he her his i if in it its of on or she that the their them there these they "
    "this those to we when where which while who with you".split()
)
_LOWER = re.compile(r"\b([a-z]{3,})\b")


def copy_suffix(copy: int) -> str:
    """The letters copy ``copy`` appends to every renamed word: a different run for each copy."""
    letters = "bcdfghklmnprstvz"
    out = ""
    while True:
        out += letters[copy % len(letters)]
        copy //= len(letters)
        if copy == 0:
            return out


def shift_numbers(text: str, copy: int) -> str:
    """``text`` with every number of two or more digits, or with decimals, moved up by copy ``copy``'s shift.

    Single digits ("5 people") stay: the pair model ignores them.
    """

    def shift(match: re.Match[str]) -> str:
        whole, decimals = match.group(1), match.group(2) or ""
        if len(whole) < 2 and not decimals:
            return match.group(0)
        return f"{int(whole) + _NUMBER_SHIFT * copy}{decimals}"

    return _NUMBER.sub(shift, text)


def _rename(word: str, tag: str) -> str:
    return word if word.lower() in OPENERS else word + tag


def _rename_rare(word: str, tag: str) -> str:
    return word + tag if zipf(word) < COMMON_ZIPF else word


def synthetic_rows(rows: list[dict[str, Any]], n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` articles: the dev articles, then copies with small changes and renamed incidents."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        copy, row = divmod(k, len(rows))
        row = rows[row]
        lines = [line for line in row["text"].split("\n") if line.strip()]
        if copy:
            if len(lines) >= 3:
                lines.pop(rng.randrange(1, len(lines)))
                i = rng.randrange(0, len(lines) - 1)
                lines[i], lines[i + 1] = lines[i + 1], lines[i]
            tag = copy_suffix(copy)
            lines = [_CAPITALISED.sub(lambda m, tag=tag: _rename(m.group(1), tag), line) for line in lines]
            lines = [_LOWER.sub(lambda m, tag=tag: _rename_rare(m.group(1), tag), line) for line in lines]
            lines = [shift_numbers(line, copy) for line in lines]
        out.append({"text": "\n".join(lines), "url": f"{row['url'] or 'dev'}#{copy}", "story": f"{row['subtopic']}#{copy}"})
    return out


class _PeakRss:
    """Samples the summed RSS of this process and all its descendants (the Ray processes)."""

    def __init__(self, interval: float = 0.2) -> None:
        import psutil

        self.process = psutil.Process()
        self.peak = 0
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):  # a worker that just exited
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _worker(n: int, workers: int, briefs: bool, compare: bool) -> dict[str, Any]:
    """One measured run in this process: write the input, start Ray, run, shut Ray down."""
    import ray

    from summarizer.config import BriefConfig
    from summarizer.distributed import StageTimes, cluster_dataset, summarize_dataset

    rows = synthetic_rows(read_jsonl(*DEV), n)
    config = BriefConfig(max_articles=10**9, max_total_chars=10**12)
    result: dict[str, Any] = {"n": n, "workers": workers, "briefs": briefs}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "articles.jsonl"
        path.write_text("\n".join(json.dumps({"text": r["text"], "url": r["url"]}) for r in rows), encoding="utf-8")
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        try:
            context = ray.data.DataContext.get_current()
            context.enable_progress_bars = False
            context.print_on_execution_start = False
            times = StageTimes()
            with _PeakRss() as memory:
                clock = time.perf_counter()
                if briefs:
                    done = summarize_dataset(path, model="extractive", config=config, num_workers=workers, times=times)
                    result["briefs_written"] = len(done)
                    stories = None
                else:
                    stories = cluster_dataset(path, config=config, num_workers=workers, times=times).stories
                result["seconds"] = time.perf_counter() - clock
            result["peak_rss_mb"] = memory.peak / 2**20
            # This process is the Ray driver: its own high-water mark, Ray's workers and object store apart.
            result["driver_peak_rss_mb"] = peak_rss_mib()
            result["stages"] = {k: round(v, 3) for k, v in times.seconds.items()}
            result["counts"] = times.counts
        finally:
            ray.shutdown()
    if compare and stories is not None:
        from sklearn.metrics import adjusted_rand_score

        from summarizer.clustering import cluster_articles
        from summarizer.document import Article

        # NewsBriefer drops skipped and duplicate articles before clustering; so does the comparison.
        story_of = {row: k for k, story in enumerate(stories) for row in story}
        kept = sorted(story_of)
        clock = time.perf_counter()
        # Exact: every block linked on its square matrix, however large (the Ray run caps them).
        exact = replace(config, cluster_max_block=10**9)
        single = cluster_articles([Article(rows[i]["text"], url=rows[i]["url"]) for i in kept], config=exact)
        result["single_seconds"] = time.perf_counter() - clock
        labels = [story_of[i] for i in kept]
        result["ari_vs_single"] = adjusted_rand_score(single, labels)
        result["ari_vs_gold"] = adjusted_rand_score([rows[i]["story"] for i in kept], labels)
    return result


def _run_worker(n: int, workers: int, briefs: bool, compare: bool = False) -> dict[str, Any]:
    # Every renamed copy is a new text for the named-entity recogniser: about 35 ms an article on 2 CPUs.
    timeout = 1800 + 0.1 * n
    command = [sys.executable, "-m", "benchmarks.distributed", "--worker", str(n), str(workers), str(int(briefs)), str(int(compare))]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"worker {n}/{workers} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _stage_split(point: dict[str, Any]) -> str:
    stages = point["stages"]
    main = ["prepare", "collect", "cluster", "group", "briefs"]
    total = sum(stages.get(k, 0.0) for k in main) or 1.0
    return ", ".join(f"{k} {100 * stages[k] / total:.0f}%" for k in main if k in stages)


def _targets(scaling: list[dict[str, Any]], exponent: float) -> dict[str, str]:
    """The scale issue's targets, each with its verdict from this run (those a quick run reaches)."""
    out = {}
    largest = scaling[-1]
    driver = f"driver peak RSS at {TARGET_DRIVER_N:,} articles <= {TARGET_DRIVER_MB:,} MB"
    if largest["n"] >= TARGET_DRIVER_N:
        out[driver] = verdict(largest["driver_peak_rss_mb"], TARGET_DRIVER_MB, at_most=True, digits=0)
    else:
        out[driver] = f"not measured (largest run {largest['n']:,} articles)"
    compared = [p for p in scaling if "ari_vs_single" in p]
    if compared:
        p = compared[-1]
        out[f"ARI against exact clustering at {p['n']:,} >= {TARGET_ARI}"] = verdict(p["ari_vs_single"], TARGET_ARI, digits=4)
    out[f"growth exponent of time <= {TARGET_EXPONENT} (stories only, to {largest['n']:,} articles)"] = verdict(
        exponent, TARGET_EXPONENT, at_most=True, digits=2)
    return out


def run(quick: bool = False) -> SectionResult:
    """Throughput for 1 and 2 local workers, and stories for 10k and 100k articles."""
    brief_n = 150 if quick else 300
    sizes = [1000] if quick else [1000, 10_000, 100_000]
    throughput = [_run_worker(brief_n, w, briefs=True) for w in (1, 2)]
    scaling = [_run_worker(n, 2, briefs=False, compare=n <= 10_000) for n in sizes]

    rows = []
    for p in throughput + scaling:
        rows.append(
            [
                p["n"],
                p["workers"],
                "stories + briefs" if p["briefs"] else "stories",
                round(p["seconds"], 1),
                round(p["n"] / p["seconds"], 1),
                round(p["peak_rss_mb"]),
                round(p["driver_peak_rss_mb"]),
                p["counts"].get("stories"),
                p["counts"].get("largest_block"),
                _stage_split(p),
            ]
        )
    table = markdown_table(
        ["articles", "workers", "work", "seconds", "articles/s", "peak RSS MB, all", "driver peak RSS MB", "stories", "largest block", "where the time goes"],
        rows,
    )
    two = throughput[1]
    per_article = two["stages"]["briefs"] / two["n"]
    extrapolated = {p["n"]: p["seconds"] + per_article * p["n"] for p in scaling}
    speedup = throughput[0]["seconds"] / throughput[1]["seconds"]
    from benchmarks.clustering import growth_exponent

    exponent = growth_exponent([p["n"] for p in scaling], [p["seconds"] for p in scaling])
    memory_exponent = growth_exponent([p["n"] for p in scaling], [p["driver_peak_rss_mb"] for p in scaling])
    targets = _targets(scaling, exponent)
    agreement = [f"{p['n']:,}: ARI {p['ari_vs_single']:.4f} vs exact single-process `cluster_articles` "
                 f"({p['single_seconds']:.1f} s single-process, every block linked on its square matrix)"
                 for p in scaling if "ari_vs_single" in p]
    markdown = "\n\n".join(
        [
            table,
            f"Two workers against one: {speedup:.2f}x on {brief_n:,} articles with extractive briefs.",
            "Stories agree with the single-process pipeline: " + "; ".join(agreement) + ".",
            "Briefs were measured up to {:,} articles ({:.2f} s per article with 2 workers); with them, "
            "the larger inputs would take about {} (extrapolated, linear in the number of stories).".format(
                brief_n, per_article, ", ".join(f"{s / 3600:.1f} h for {n:,}" for n, s in extrapolated.items())
            ),
            f"Growth, stories only, {scaling[0]['n']:,} to {scaling[-1]['n']:,} articles: fitted exponent of time "
            f"{exponent:.2f}, of the driver's peak memory {memory_exponent:.2f}.",
            markdown_table(["target", "result"], [[k, v] for k, v in targets.items()]),
            "Stage split: `prepare` reads, cleans, splits and extracts facts in the actor pool; `collect` pulls "
            "the fact tokens to the driver; `cluster` is the inverted-index candidates, components and "
            "linkage on the driver (exact on blocks up to `cluster_max_block` articles, on the candidate pairs "
            "above it); `group` shuffles articles into stories; `briefs` is the actor pool writing "
            "briefs (pooling embeds every sentence of a story: the dominant cost).",
        ]
    )
    metrics = {"throughput": throughput, "scaling": scaling, "speedup_2_vs_1": speedup, "extrapolated_brief_seconds": extrapolated,
               "growth_exponent": exponent, "driver_memory_exponent": memory_exponent, "targets": targets}
    return SectionResult("Scale-out on Ray", markdown, metrics)


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "--worker":
        n, workers, briefs, compare = (int(x) for x in sys.argv[2:6])
        print(json.dumps(_worker(n, workers, bool(briefs), bool(compare))))
    else:
        print(run(quick="--quick" in sys.argv).markdown)
