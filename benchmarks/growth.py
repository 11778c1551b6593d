"""Benchmark section: how story clustering grows, to 300,000 articles.

The Ray section runs the whole pipeline to 100,000 articles.  At 300,000 its
``prepare`` stage alone (spaCy's named entities of every renamed copy) would
take about two hours on two CPUs, and it cannot grow faster than linearly: it
is one article at a time on the workers.  What can grow faster is the driver's
``cluster`` stage (:func:`summarizer.clustering_at_scale.cluster_distributed`): the
candidate search over every article's tokens, the blocks, the linkage, and the
memory of it all.  This section measures that stage alone, from 1,000 to
300,000 articles, each size in a fresh process: time, the driver's peak RSS,
stories and blocks, and the fitted growth exponent.

Its input is made without running spaCy on each copy.  The ECB+ dev articles
are prepared once, for real (cleaning, splitting, named entities:
:func:`~summarizer.pairs.article_tokens`), and copy ``k`` of an article takes
its tokens and renames them as the Ray section renames the text
(:func:`benchmarks.distributed.synthetic_rows`): every word but the sentence
openers gets copy ``k``'s suffix, every number of two or more digits or with decimals is
shifted by ``10,000,000 k``, and a tenth of the tokens are dropped (the text copies drop a
line).  A renamed token keeps its kind (a name stays a name, a date a date),
which spaCy often loses on renamed text ("Tuesdayc" is no date to it).  How
close the two inputs are is measured at 2,000 articles: the stories of each,
and the prepare time per article that the renamed tokens skip.

Run alone with ``python -m benchmarks.growth [--quick]``.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, SectionResult, markdown_table, peak_rss_mib, read_jsonl, verdict
from benchmarks.distributed import DEV, OPENERS, copy_suffix, shift_numbers, synthetic_rows

SIZES = [1000, 3000, 10_000, 30_000, 100_000, 300_000]
QUICK_SIZES = [1000, 3000, 10_000]
#: Articles at which renamed tokens are checked against spaCy's reading of renamed text.
CHECK_N = 2000
#: Share of a copy's tokens dropped, as a text copy drops one of its lines.
DROP = 0.1
TARGET_EXPONENT = 1.1
_WORD = re.compile(r"[^\W\d_]+")


def _rename_token(token: str, copy: int) -> str:
    prefix, _, body = token.partition(":")
    tag = copy_suffix(copy)
    body = _WORD.sub(lambda m: m.group(0) if m.group(0) in OPENERS else m.group(0) + tag, body)
    return f"{prefix}:{shift_numbers(body, copy)}"


def renamed_token_lists(originals: list[list[str]], n: int, seed: int = 0) -> list[list[str]]:
    """``n`` token lists: the originals', then copies renamed per copy as the Ray section's text copies are."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        copy, index = divmod(k, len(originals))
        tokens = originals[index]
        if copy:
            kept = [t for t in tokens if rng.random() >= DROP] or tokens[:1]
            tokens = sorted({_rename_token(t, copy) for t in kept})
        out.append(tokens)
    return out


def _prepared_tokens(rows: list[dict[str, Any]]) -> list[list[str] | None]:
    """Each row's clustering tokens as the Ray workers make them (None for a row the pipeline skips)."""
    from summarizer.config import BriefConfig
    from summarizer.document import Article
    from summarizer.pairs import article_tokens
    from summarizer.pipeline import _prepare, _Prepared

    config = BriefConfig()
    out: list[list[str] | None] = []
    for i, row in enumerate(rows):
        article = Article(row["text"], url=row["url"])
        prepared = _prepare(article, i, config)
        if not isinstance(prepared, _Prepared):
            out.append(None)
            continue
        out.append(article_tokens(([article.title] if article.title else []) + prepared.sentences))
    return out


def _cluster(token_lists: list[list[str]]) -> tuple[list[int], dict[str, float], float]:
    from summarizer.config import BriefConfig
    from summarizer.clustering_at_scale import cluster_distributed

    timings: dict[str, float] = {}
    clock = time.perf_counter()
    labels = cluster_distributed(token_lists, BriefConfig(), timings=timings)
    return labels, timings, time.perf_counter() - clock


def _worker(n: int, originals_path: str) -> dict[str, Any]:
    """One size in this process: renamed tokens, then the driver's clustering stage, timed.

    The originals' tokens come from a file, so this process, like the Ray
    driver, never loads spaCy: its peak memory is the driver's.
    """
    originals = json.loads(Path(originals_path).read_text(encoding="utf-8"))
    clock = time.perf_counter()
    token_lists = renamed_token_lists(originals, n)
    made = time.perf_counter() - clock
    before = peak_rss_mib()
    labels, timings, seconds = _cluster(token_lists)
    return {
        "n": n,
        "seconds": seconds,
        "tokens_seconds": made,
        "tokens_per_article": sum(map(len, token_lists)) / n,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mib(),
        "stories": len(set(labels)),
        "blocks": int(timings.get("blocks", 0)),
        "largest_block": int(timings.get("largest_block", 0)),
        "candidate_pairs": int(timings.get("sparse_pairs", 0)),
        "stages": {k: round(v, 3) for k, v in timings.items() if k not in {"blocks", "largest_block", "sparse_pairs"}},
    }


def _check(originals_path: str) -> dict[str, Any]:
    """Renamed tokens against spaCy's reading of renamed text, at :data:`CHECK_N` articles.

    The dev articles' own tokens, which every size's worker renames, are
    written to ``originals_path``: spaCy reads them once, here.
    """
    from sklearn.metrics import adjusted_rand_score

    rows = read_jsonl(*DEV)
    synthetic = synthetic_rows(rows, CHECK_N)
    originals = _prepared_tokens(synthetic[: len(rows)])
    if any(t is None for t in originals):  # a skipped original would shift the copies against the text's
        raise RuntimeError("an ECB+ dev article was skipped; the check needs every one")
    Path(originals_path).write_text(json.dumps(originals), encoding="utf-8")
    clock = time.perf_counter()
    copies = _prepared_tokens(synthetic[len(rows):])
    per_article = (time.perf_counter() - clock) / (CHECK_N - len(rows))
    from_text = originals + copies
    kept = [i for i, t in enumerate(from_text) if t is not None]
    renamed = renamed_token_lists(originals, CHECK_N)
    gold = [f"{rows[i % len(rows)]['subtopic']}#{i // len(rows)}" for i in range(CHECK_N)]
    text_labels, _, text_seconds = _cluster([from_text[i] for i in kept])
    token_labels, _, token_seconds = _cluster(renamed)
    token_kept = [token_labels[i] for i in kept]
    return {
        "n": CHECK_N,
        "prepare_seconds_per_article": per_article,
        "text": {"stories": len(set(text_labels)), "ari_gold": adjusted_rand_score([gold[i] for i in kept], text_labels),
                 "seconds": text_seconds, "tokens_per_article": sum(len(from_text[i]) for i in kept) / len(kept)},
        "tokens": {"stories": len(set(token_labels)), "ari_gold": adjusted_rand_score(gold, token_labels),
                   "seconds": token_seconds, "tokens_per_article": sum(map(len, renamed)) / CHECK_N},
        "ari_between": adjusted_rand_score(text_labels, token_kept),
    }


def _run_worker(*args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.growth", "--worker", *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=7200, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"growth worker {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> SectionResult:
    """The driver's clustering stage from 1,000 to 300,000 articles, and the check of its input."""
    from benchmarks.clustering import growth_exponent

    with tempfile.TemporaryDirectory() as folder:
        originals = str(Path(folder) / "tokens.json")
        check = _run_worker("check", originals)
        points = [_run_worker(str(n), originals) for n in (QUICK_SIZES if quick else SIZES)]
    sizes = [p["n"] for p in points]
    exponent = growth_exponent(sizes, [p["seconds"] for p in points])
    upper = [p for p in points if p["n"] >= 10_000]
    upper_exponent = growth_exponent([p["n"] for p in upper], [p["seconds"] for p in upper])
    memory_exponent = growth_exponent(sizes, [p["peak_rss_mb"] for p in points])
    largest = points[-1]
    prepare_hours = check["prepare_seconds_per_article"] * largest["n"] / 3600
    verdict_text = verdict(exponent, TARGET_EXPONENT, at_most=True, digits=2)
    rows = [
        [f"{p['n']:,}", round(p["seconds"], 1), round(1000 * p["seconds"] / p["n"], 2), round(p["peak_rss_mb"]),
         round(p["rss_before_mb"]), f"{p['candidate_pairs']:,}", f"{p['blocks']:,}", p["largest_block"], f"{p['stories']:,}",
         ", ".join(f"{k} {v:.1f}" for k, v in p["stages"].items())]
        for p in points
    ]
    text, tokens = check["text"], check["tokens"]
    markdown = "\n\n".join(
        [
            markdown_table(
                ["articles", "cluster stage, s", "ms per article", "peak RSS MB", "of it tokens held", "candidate pairs",
                 "blocks", "largest block", "stories", "stages, s"],
                rows,
            ),
            f"Fitted growth exponent of time: {exponent:.2f} over {sizes[0]:,}-{sizes[-1]:,} articles "
            + (f"({upper_exponent:.2f} from 10,000)" if len(upper) >= 2 else "(one size from 10,000)")
            + f"; of peak memory {memory_exponent:.2f}. "
            f"Target <= {TARGET_EXPONENT}: {verdict_text}.",
            f"Input check at {check['n']:,} articles: spaCy on the renamed text gives {text['stories']:,} stories "
            f"(ARI {text['ari_gold']:.3f} against the copies' ECB+ stories, {text['tokens_per_article']:.0f} tokens an article), "
            f"renamed tokens {tokens['stories']:,} (ARI {tokens['ari_gold']:.3f}, {tokens['tokens_per_article']:.0f} tokens); "
            f"ARI {check['ari_between']:.3f} between the two. Preparing a renamed copy took "
            f"{1000 * check['prepare_seconds_per_article']:.0f} ms in one process: about {prepare_hours:.1f} h of one CPU "
            f"for {largest['n']:,} articles, linear, spread over the Ray workers.",
        ]
    )
    metrics = {"points": points, "check": check, "growth_exponent": exponent, "growth_exponent_from_10k": upper_exponent,
               "memory_exponent": memory_exponent, "prepare_hours_largest": prepare_hours,
               "targets": {f"growth exponent of time <= {TARGET_EXPONENT} (clustering stage, to {largest['n']:,})": verdict_text}}
    return SectionResult("Growth of story clustering", markdown, metrics)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--worker":
        print(json.dumps(_check(sys.argv[3]) if sys.argv[2] == "check" else _worker(int(sys.argv[2]), sys.argv[3])))
    else:
        print(run(quick="--quick" in sys.argv).markdown)
