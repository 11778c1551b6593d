"""Run the benchmarks and write ``results/latest.md`` and ``results/latest.json``.

``python -m benchmarks [--quick] [--model M] [--sections quality,speed,...]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import logging
import os
import platform
import time
import traceback
from importlib import metadata

from .common import RESULTS, SectionResult

SECTIONS = ["quality", "clustering", "dedup", "cleaning", "speed"]


def machine() -> str:
    cpu = platform.processor() or "cpu"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPU ({cpu}), {memory:.0f} GiB RAM, no GPU, Python {platform.python_version()}"


def versions() -> str:
    names = ["newsbrief", "torch", "transformers", "sentence-transformers", "scikit-learn", "trafilatura"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def run_section(name: str, quick: bool, model: str | None) -> SectionResult:
    module = importlib.import_module(f"benchmarks.{name}")
    clock = time.perf_counter()
    try:
        result = module.run(quick=quick, model=model) if name == "quality" else module.run(quick=quick)
    except Exception as exc:  # one broken section must not hide the others
        logging.exception("section %s failed", name)
        result = SectionResult(name, f"**Failed:** `{type(exc).__name__}: {exc}`\n\n```\n{traceback.format_exc()[-1500:]}\n```")
    result.metrics["section_seconds"] = time.perf_counter() - clock
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few minutes instead of the full run")
    parser.add_argument("--model", default=None, help="also score this model (hub id or path)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, from {SECTIONS}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    RESULTS.mkdir(parents=True, exist_ok=True)
    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    results = {name: run_section(name, args.quick, args.model) for name in chosen}
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# newsbrief benchmarks",
        "",
        f"- date: {stamp}",
        f"- mode: {'quick' if args.quick else 'full'}",
        f"- machine: {machine()}",
        f"- versions: {versions()}",
        "",
    ]
    body = []
    for name, result in results.items():
        body += [f"## {result.title}", "", result.markdown, ""]
        body += [f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in result.plots]
        body += [f"_section time: {result.metrics['section_seconds']:.0f} s_", ""]
    (RESULTS / "latest.md").write_text("\n".join(header + body), encoding="utf-8")
    data = {"date": stamp, "mode": "quick" if args.quick else "full", "machine": machine(),
            "sections": {name: r.metrics for name, r in results.items()}}
    (RESULTS / "latest.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    print(f"wrote {RESULTS / 'latest.md'}")
    return 0
