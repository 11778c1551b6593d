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


def test_readme_benchmark_section_is_rendered_from_the_committed_report() -> None:
    # Every figure and verdict in the section comes from latest.json: a hand edit or a stale README fails here.
    from benchmarks import readme

    report = json.loads(readme.REPORT.read_text(encoding="utf-8"))
    text = readme.README.read_text(encoding="utf-8")
    assert text.count(readme.START) == 1 and text.count(readme.END) == 1
    assert readme.current_section(text) == readme.render(report), "run python -m benchmarks.readme"


def test_readme_renders_a_report_with_a_failed_and_a_missing_section(tmp_path: Path) -> None:
    from benchmarks import readme

    report = json.loads(readme.REPORT.read_text(encoding="utf-8"))
    results = [r for r in report["results"] if r["name"] != "speed"]
    results[0] = {**results[0], "error": "RuntimeError: boom", "metrics": {}}
    section = readme.render({**report, "results": results})
    assert f"The {results[0]['name']} section failed" in section
    assert "cold start, cached model, to the first brief" not in section  # the speed section's row
    readme_file = tmp_path / "README.md"
    readme_file.write_text(f"# x\n\n## Benchmarks\n\n{readme.START}\nold\n{readme.END}\n\n## Next\n", encoding="utf-8")
    report_file = tmp_path / "latest.json"
    report_file.write_text(json.dumps(report), encoding="utf-8")
    assert readme.update(readme_file, report_file)
    assert readme.current_section(readme_file.read_text(encoding="utf-8")) == readme.render(report)
    assert readme_file.read_text(encoding="utf-8").endswith(f"{readme.END}\n\n## Next\n")
    assert not readme.update(readme_file, report_file)


def test_figures_in_the_section_are_the_reports() -> None:
    from benchmarks import readme

    report = json.loads(readme.REPORT.read_text(encoding="utf-8"))
    quality = next(r for r in report["results"] if r["name"] == "quality")
    altered = json.loads(json.dumps(report))
    for r in altered["results"]:
        if r["name"] == "quality":
            r["metrics"]["all_clusters"][readme.EXTRACTIVE]["rouge1"] = 12.345
    assert "extractive **12.3 /" in readme.render(altered)
    assert f"{quality['metrics']['all_clusters'][readme.EXTRACTIVE]['rouge1']:.1f}" in readme.render(report)


def test_articles_are_accounted_for_by_content_so_a_loss_and_a_double_do_not_cancel() -> None:
    from benchmarks.robustness import account, marked_paste

    paste = marked_paste(copies=2)
    articles = [
        {"text": block.split("\n\n", 1)[1], "source": block.split("\n", 1)[0].removeprefix("Source: ")}
        for block in paste.text.split("\n---\n")
    ]
    n = len(articles) // 2
    skipped = [{"index": n + i, "reason": "duplicate", "article": a} for i, a in enumerate(articles[n:])]
    whole = [{"articles": articles[:n], "skipped": skipped}]
    assert account(paste, whole).ok and account(paste, whole).articles == 2 * n
    # One article lost and another counted twice: the count is right, the content is not.
    swapped = [{"articles": [*articles[1:n], articles[2]], "skipped": skipped}]
    result = account(paste, swapped)
    assert (result.lost, result.doubled, result.unknown) == (1, 1, 0)
    # A skipped input that does not carry its article cannot be found.
    bare = [{"articles": articles[:n], "skipped": [{**s, "article": None} for s in skipped]}]
    assert account(paste, bare).lost == n


def test_the_paired_interval_tells_a_steady_gap_from_the_spread_of_the_clusters() -> None:
    pytest.importorskip("scipy")
    from benchmarks.backends import paired_interval

    # ROUGE-1 of 20 clusters: per-cluster scores spread over 30 points, as on Multi-News dev.
    base = [31.0, 52.4, 44.8, 60.1, 38.9, 47.5, 55.2, 41.3, 49.9, 36.4,
            58.7, 45.0, 50.6, 33.8, 47.1, 53.9, 42.2, 39.5, 57.3, 46.6]
    steady = [b + 1.0 + 0.2 * (i % 3) for i, b in enumerate(base)]  # better on every cluster
    low, high = paired_interval(steady, base)
    assert 1.0 <= low < high <= 1.4
    mixed = [b + (4.0 if i % 2 else -4.5) for i, b in enumerate(base)]  # better on half, worse on half
    low, high = paired_interval(mixed, base)
    assert low < -0.25 < 0 < high
