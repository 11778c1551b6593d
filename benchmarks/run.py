"""Run the benchmark sections and write ``results/latest.md`` and ``results/latest.json``.

Usage::

    python -m benchmarks [--quick] [--model M] [--sections quality,faithfulness,...] [--update]

Sections run in a fixed order (quality, faithfulness, backends, clustering,
dedup, cleaning, speed, embedder, distributed, growth).  Faithfulness reads the briefs that the quality section
already wrote, so nothing is generated twice.  A section that fails is
reported with its error and the others still run.  ``--update`` re-runs only
the named sections and keeps the others from the report already written, each
with the date of its own run: after a change that only moves speed, the
quality section's hour of generation need not be repeated.  A run that writes
the default report then rewrites the README's benchmark section from it
(:mod:`benchmarks.readme`).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import inspect
import json
import logging
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, SectionResult

SECTIONS = [
    "quality", "faithfulness", "backends", "clustering", "dedup", "cleaning", "speed", "embedder", "distributed", "growth",
]


def machine() -> dict[str, Any]:
    """CPU count, CPU model, RAM and load: what the timings ran on."""
    info: dict[str, Any] = {"cpus": os.cpu_count(), "platform": platform.platform()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        info["cpu_model"] = platform.processor() or "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("newsbrief", "torch", "transformers", "sentence-transformers", "scikit-learn", "rouge-score", "sumy", "nltk"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _call(module: Any, quick: bool, model: str | None) -> SectionResult:
    params = inspect.signature(module.run).parameters
    kwargs: dict[str, Any] = {"quick": quick}
    if "model" in params:
        kwargs["model"] = model
    return module.run(**kwargs)


def run_sections(names: list[str], quick: bool, model: str | None) -> list[dict[str, Any]]:
    results = []
    for name in names:
        start = time.perf_counter()
        print(f"== {name} ==", file=sys.stderr, flush=True)
        try:
            # Imported here: a section whose module is missing or broken
            # (clustering is written separately) must not stop the others.
            module = importlib.import_module(f"benchmarks.{name}")
            result = _call(module, quick, model)
            entry = {
                "name": name,
                "title": result.title,
                "markdown": result.markdown,
                "metrics": result.metrics,
                "plots": [os.path.relpath(p, RESULTS) if os.path.isabs(str(p)) else str(p) for p in result.plots],
                "error": None,
            }
        except Exception as exc:  # noqa: BLE001 - report and go on
            logging.getLogger(__name__).exception("section %s failed", name)
            entry = {
                "name": name,
                "title": name.capitalize(),
                "markdown": "",
                "metrics": {},
                "plots": [],
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=8),
            }
        entry["seconds"] = round(time.perf_counter() - start, 1)
        entry["load_average"] = [round(x, 2) for x in os.getloadavg()]  # at the section's end
        print(f"   {name}: {entry['seconds']} s{' (FAILED)' if entry['error'] else ''}", file=sys.stderr, flush=True)
        results.append(entry)
    return results


def render(header: dict[str, Any], results: list[dict[str, Any]]) -> str:
    m, v = header["machine"], header["versions"]
    lines = [
        "# newsbrief benchmarks",
        "",
        f"- Date: {header['date']}",
        f"- Mode: **{header['mode']}**" + (" (subsets; run without --quick for the full figures)" if header["mode"] == "quick" else ""),
        "- Models under test: the extractive mode (the default) and the embedded SmolLM2-135M-Instruct"
        + (f", and {header['model']}" if header["model"] else ""),
        f"- Machine: {m.get('cpus')} CPUs, {m.get('cpu_model', 'unknown CPU')}, {m.get('ram_gib', '?')} GiB RAM; "
        f"load average at start {m.get('load_average')}, at end {header.get('load_average_end')}",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- Total time: {header['seconds']:.0f} s",
    ]
    if header.get("updated_sections"):
        lines.append(
            f"- Updated run: only {', '.join(header['updated_sections'])} ran on this date; the other sections "
            "are from the earlier run given beside each (machine and versions above are this run's)"
        )
    lines += [
        "",
        "Regenerate with `python -m benchmarks" + (" --quick" if header["mode"] == "quick" else "") + "`.",
        "",
    ]
    lines.append("| section | status | seconds | run on |")
    lines.append("|---|---|---|---|")
    for r in results:
        status = "FAILED: " + r["error"] if r["error"] else "ok"
        lines.append(f"| {r['title']} | {status} | {r['seconds']} | {r.get('date', header['date'])} |")
    for r in results:
        lines += ["", f"## {r['title']}", ""]
        if r["error"]:
            lines += [f"**This section failed:** `{r['error']}`", "", "```", r.get("traceback", "").strip(), "```"]
            continue
        lines.append(r["markdown"].strip())
        for plot in r["plots"]:
            lines += ["", f"![{Path(plot).stem}]({plot})"]
    return "\n".join(lines) + "\n"


def previous_report(stem: Path) -> tuple[str, list[dict[str, Any]]]:
    """The mode and sections of the report at ``stem`` (.json, and .md for reports whose .json kept no markdown)."""
    try:
        payload = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"--update needs an earlier report at {stem.with_suffix('.json')}: {exc}") from exc
    markdown = stem.with_suffix(".md").read_text(encoding="utf-8") if stem.with_suffix(".md").exists() else ""
    results = []
    for entry in payload.get("results", []):
        entry = dict(entry)
        entry.setdefault("date", payload.get("date"))
        entry.setdefault("machine", payload.get("machine"))
        if "markdown" not in entry:
            entry["markdown"] = _section_markdown(markdown, entry["title"])
        results.append(entry)
    return payload.get("mode", "full"), results


def _section_markdown(report: str, title: str) -> str:
    """A section's body in a rendered report: from its heading to the next one."""
    heading = f"\n## {title}\n"
    if heading not in report:
        return ""
    body = report.split(heading, 1)[1].split("\n## ", 1)[0]
    # The plots are added back by render from the entry's own list.
    return "\n".join(line for line in body.strip().splitlines() if not line.startswith("![")).strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small subsets: a few minutes in all")
    parser.add_argument("--model", default=None, help="an extra generation model to score beside the defaults")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated, from: " + ", ".join(SECTIONS))
    parser.add_argument("--output", default=str(RESULTS / "latest"), help="path stem of the .md and .json written")
    parser.add_argument("--update", action="store_true",
                        help="re-run only --sections and keep the other sections of the report at --output")
    args = parser.parse_args(argv)
    names = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in names if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    names = [s for s in SECTIONS if s in names]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("summarizer.pipeline", "transformers", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    RESULTS.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    header: dict[str, Any] = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "model": args.model,
        "sections": names,
        "machine": machine(),
        "versions": versions(),
    }
    stem = Path(args.output)
    kept = []
    if args.update:
        previous_mode, previous = previous_report(stem)
        if previous_mode != header["mode"]:
            parser.error(f"--update would mix a {header['mode']} run into the {previous_mode} report at {stem}")
        kept = [r for r in previous if r["name"] not in names]
    results = run_sections(names, args.quick, args.model)
    for r in results:
        r["date"] = header["date"]
        r["machine"] = header["machine"]
    if kept:
        header["updated_sections"] = names
        results = sorted(kept + results, key=lambda r: SECTIONS.index(r["name"]) if r["name"] in SECTIONS else len(SECTIONS))
    header["seconds"] = time.perf_counter() - start
    header["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".md").write_text(render(header, results), encoding="utf-8")
    payload = {**header, "results": results}
    stem.with_suffix(".json").write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    print(f"wrote {stem.with_suffix('.md')} and {stem.with_suffix('.json')} in {header['seconds']:.0f} s", file=sys.stderr)
    if stem.resolve() == (RESULTS / "latest").resolve():
        from benchmarks import readme

        changed = readme.update(readme.README, stem.with_suffix(".json"))
        print(f"README benchmark section {'rewritten' if changed else 'unchanged'}", file=sys.stderr)
    return 1 if any(r["error"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
