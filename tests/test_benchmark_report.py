"""The benchmark report: an updated run keeps the sections it did not re-run, word for word."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed; plain `pytest` does not put the root on the path
    sys.path.insert(0, str(ROOT))

from benchmarks.run import previous_report, render  # noqa: E402

HEADER = {
    "date": "2026-12-01T06:41:34+00:00",
    "mode": "full",
    "model": None,
    "machine": {"cpus": 2, "cpu_model": "Test CPU", "ram_gib": 24, "load_average": [0.5, 0.5, 0.5]},
    "versions": {"python": "3.11"},
    "seconds": 12.0,
    "load_average_end": [0.4, 0.4, 0.4],
}


def _section(name: str, title: str, markdown: str, plots: list[str]) -> dict:
    return {"name": name, "title": title, "markdown": markdown, "metrics": {"n": 1}, "plots": plots,
            "error": None, "seconds": 1.5}


SECTIONS = [
    _section("clustering", "Story clustering", "| a | b |\n|---|---|\n| 1 | 2 |\n\n### Scaling\n\nText ## not a heading.",
             ["clustering_scaling.png"]),
    _section("speed", "Speed and memory", "**Cold start** 12.3 s", []),
]


def test_sections_are_read_back_from_a_report_whose_json_has_no_markdown(tmp_path: Path) -> None:
    # Reports written before --update existed kept the markdown only in the .md file.
    stem = tmp_path / "latest"
    stem.with_suffix(".md").write_text(render(HEADER, SECTIONS), encoding="utf-8")
    old_json = {**HEADER, "results": [{k: v for k, v in s.items() if k != "markdown"} for s in SECTIONS]}
    stem.with_suffix(".json").write_text(json.dumps(old_json), encoding="utf-8")
    mode, sections = previous_report(stem)
    assert mode == "full"
    assert [s["markdown"] for s in sections] == [s["markdown"] for s in SECTIONS]
    assert all(s["date"] == HEADER["date"] for s in sections)
    assert render(HEADER, sections) == stem.with_suffix(".md").read_text(encoding="utf-8")


def test_an_updated_report_gives_each_section_its_own_date(tmp_path: Path) -> None:
    kept = {**SECTIONS[0], "date": "2026-11-30T09:00:00+00:00"}
    rerun = {**SECTIONS[1], "date": "2026-12-01T11:03:17+00:00"}
    header = {**HEADER, "date": rerun["date"], "updated_sections": ["speed"]}
    report = render(header, [kept, rerun])
    assert "| Story clustering | ok | 1.5 | 2026-11-30T09:00:00+00:00 |" in report
    assert "| Speed and memory | ok | 1.5 | 2026-12-01T11:03:17+00:00 |" in report
    assert "only speed ran on this date" in report


def test_update_without_an_earlier_report_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--update needs an earlier report"):
        previous_report(tmp_path / "latest")
