"""Rewrite the README's benchmark section from ``results/latest.json``.

Usage::

    python -m benchmarks.readme [--check]

The section lies between ``<!-- benchmarks:start -->`` and
``<!-- benchmarks:end -->`` in README.md and is rendered from the template
``readme.md.j2`` beside this module: every figure and verdict in it is read
from the report (the verdicts from each section's own ``targets``), none is
typed.  ``python -m benchmarks`` calls this after writing the report;
``--check`` only says whether the README is up to date (exit status 1 if not).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, ROOT, SPLIT_SEED

README = ROOT / "README.md"
REPORT = RESULTS / "latest.json"
TEMPLATE = Path(__file__).with_name("readme.md.j2")
START = "<!-- benchmarks:start -->"
END = "<!-- benchmarks:end -->"
#: The quality section's labels of the two newsbrief systems (``benchmarks.quality``,
#: not imported here: it loads the whole library).
EMBEDDED = "newsbrief embedded"
EXTRACTIVE = "newsbrief extractive"
#: What a verdict reads when the report's section did not check that target.
UNCHECKED = "not checked in this report"


def _target(entry: dict[str, Any] | None, prefix: str) -> str:
    """The verdict of the first target of ``entry`` whose name starts with ``prefix``."""
    targets = (entry or {}).get("metrics", {}).get("targets", {})
    return next((verdict for name, verdict in targets.items() if name.startswith(prefix)), UNCHECKED)


def render(report: dict[str, Any]) -> str:
    """The section's text (without the markers) for ``report``, a parsed latest.json."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent), undefined=jinja2.ChainableUndefined,
        keep_trailing_newline=True, autoescape=False,
    )
    env.filters.update({"r1": lambda x: f"{x:.1f}", "f2": lambda x: f"{x:.2f}", "f3": lambda x: f"{x:.3f}"})
    ok = {r["name"]: r for r in report["results"] if not r.get("error")}
    runs: dict[str, dict[str, Any]] = {}
    for r in report["results"]:
        date = str(r.get("date") or report["date"])
        run = runs.setdefault(date, {"date": date[:16].replace("T", " "), "names": [], "loads": [],
                                     "machine": r.get("machine") or report["machine"]})
        run["names"].append(r["name"])
        if r.get("load_average"):
            run["loads"].append(f"{r['name']} {r['load_average'][0]}")
    context = {
        **ok,
        "mode": report["mode"],
        "total_seconds": sum(r.get("seconds", 0.0) for r in report["results"]),
        "runs": sorted(runs.values(), key=lambda run: run["date"]),
        "failed": [r["name"] for r in report["results"] if r.get("error")],
        "seed": SPLIT_SEED,
        "target": _target,
        "EMB": EMBEDDED,
        "EXT": EXTRACTIVE,
    }
    return env.get_template(TEMPLATE.name).render(context).strip() + "\n"


def replace_section(readme: str, section: str) -> str:
    """``readme`` with the text between the markers replaced by ``section``."""
    if readme.count(START) != 1 or readme.count(END) != 1 or readme.index(START) > readme.index(END):
        raise ValueError(f"README.md needs exactly one {START} followed by one {END}")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{section}{END}{tail}"


def current_section(readme: str) -> str:
    """The text between the markers of ``readme``."""
    return readme.split(START, 1)[1].split(END, 1)[0].removeprefix("\n")


def update(readme_path: Path = README, report_path: Path = REPORT) -> bool:
    """Rewrite the section of ``readme_path`` from ``report_path``; whether it changed."""
    report = json.loads(report_path.read_text(encoding="utf-8"))
    old = readme_path.read_text(encoding="utf-8")
    new = replace_section(old, render(report))
    if new != old:
        readme_path.write_text(new, encoding="utf-8")
    return new != old


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readme", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the README section is up to date")
    parser.add_argument("--report", default=str(REPORT), help="the latest.json to render")
    args = parser.parse_args(argv)
    if args.check:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
        stale = current_section(README.read_text(encoding="utf-8")) != render(report)
        print("README benchmark section is " + ("STALE: run python -m benchmarks.readme" if stale else "up to date"))
        return int(stale)
    changed = update(README, Path(args.report))
    print(f"README benchmark section {'rewritten' if changed else 'already up to date'} from {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
