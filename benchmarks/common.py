"""Paths, data loading and metrics shared by the benchmark sections.

Each section module (``clustering``, ``dedup``, ``cleaning``, ``quality``, ...)
exposes ``run(quick: bool = False) -> SectionResult``; ``benchmarks.run``
collects them into ``results/latest.md`` and ``results/latest.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "results"
#: Seed of the tune / held-out split of every dev set.
SPLIT_SEED = 0


class DataMissing(RuntimeError):
    """The evaluation data in ../shared/data is not there."""


@dataclass
class SectionResult:
    """What one benchmark section measured."""

    title: str
    markdown: str
    metrics: dict[str, Any] = field(default_factory=dict)
    plots: list[str] = field(default_factory=list)


def data_path(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        raise DataMissing(f"{path} is missing: the benchmarks need ../shared/data beside the project")
    return path


def read_jsonl(*parts: str) -> list[dict[str, Any]]:
    with data_path(*parts).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        return str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def bcubed(predicted: list[Any], gold: list[Any]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 of a clustering against gold labels."""
    from collections import defaultdict

    by_pred: dict[Any, set[int]] = defaultdict(set)
    by_gold: dict[Any, set[int]] = defaultdict(set)
    for i, (p, g) in enumerate(zip(predicted, gold)):
        by_pred[p].add(i)
        by_gold[g].add(i)
    n = len(predicted)
    precision = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_pred[predicted[i]]) for i in range(n)) / n
    recall = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in range(n)) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def halves(groups: list[Any], seed: int = SPLIT_SEED) -> tuple[list[int], list[int]]:
    """Indices of a "tuned on" half and a "held out" half, whole groups on one side.

    Thresholds are tuned on the first half and reported on the second beside
    the whole set, so that a figure is never measured only on the data it was
    tuned on.  Items of one group (an ECB+ topic) stay in the same half.
    """
    from sklearn.model_selection import GroupShuffleSplit

    tune, held = next(GroupShuffleSplit(n_splits=1, test_size=0.5, random_state=seed).split(groups, groups=groups))
    return sorted(int(i) for i in tune), sorted(int(i) for i in held)


def verdict(value: float, target: float, *, at_most: bool = False, digits: int = 3) -> str:
    """``met (0.933 vs 0.930)`` or ``MISSED (...)``: a target checked by the section that measured it."""
    ok = value <= target if at_most else value >= target
    return f"{'met' if ok else 'MISSED'} ({value:.{digits}f} vs {target:.{digits}f})"


def peak_rss_mib() -> float:
    """This process's own peak resident memory in MiB (``VmHWM``).

    Not ``ru_maxrss``: Linux carries the parent's peak across fork and exec into
    it, so a child of a large benchmark process would report the parent's peak.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
