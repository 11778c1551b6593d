"""The command line, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer.cli import build_batch_parser, build_parser, build_watch_parser, main
from summarizer.examples import example_text
from summarizer.inputs import parse_articles

ROOT = Path(__file__).resolve().parents[1]


def test_parse_articles_reads_headers_and_separators():
    articles = parse_articles(
        "Source: Harbour Herald\nTitle: Quake\nURL: https://example.org/q\nDate: 2026-03-14\n\n"
        "A quake hit Port Alden.\n---\nNo header here.\n---\n\n"
    )
    assert len(articles) == 2
    assert (articles[0].source, articles[0].title, articles[0].url, articles[0].published) == (
        "Harbour Herald", "Quake", "https://example.org/q", "2026-03-14",
    )
    assert articles[0].text == "A quake hit Port Alden."
    assert articles[1].source is None and articles[1].text == "No header here."


def test_cli_markdown_on_examples(tmp_path, capsys):
    path = tmp_path / "stories.txt"
    path.write_text(example_text(), encoding="utf-8")
    assert main([str(path), "--model", "extractive", "--words", "40"]) == 0
    out = capsys.readouterr().out
    assert "## Story 1" in out and "## Story 3" in out
    assert "[1]" in out and "Sources:" in out


def test_cli_lists_inputs_not_used_once_after_every_story(tmp_path, capsys):
    path = tmp_path / "stories.txt"
    appeal = "Let's help the Moreno family through this hard time; thank you for your support."
    path.write_text(example_text() + "\n---\n" + appeal, encoding="utf-8")
    assert main([str(path), "--model", "extractive"]) == 0
    out = capsys.readouterr().out
    assert out.count("Not used:") == 1
    assert out.rstrip().endswith("- input 7: no news sentences left after cleaning (1 boilerplate line removed)")


def test_cli_one_story_briefs_all_articles_together(tmp_path, capsys):
    path = tmp_path / "stories.txt"
    path.write_text(example_text(), encoding="utf-8")
    assert main([str(path), "--model", "extractive", "--one-story"]) == 0
    out = capsys.readouterr().out
    assert "## Story" not in out  # one brief, so no story headings
    assert "6. " in out.split("Sources:")[1]  # all six articles are its sources


def test_cli_json_from_stdin():
    result = subprocess.run(
        [sys.executable, "-m", "summarizer", "-", "--json", "--model", "extractive"],
        input=example_text(), capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    briefs = json.loads(result.stdout)
    assert len(briefs) == 3
    for brief in briefs:  # extractive: every sentence is a pool sentence, cited to the articles that carried it
        pool = {p["text"]: p for p in brief["pool"]}
        ids = {a["id"] for a in brief["articles"]}
        for sentence in brief["sentences"]:
            assert sentence["text"] in pool and sentence["sources"] and set(sentence["sources"]) <= ids
            assert sentence["sources"] == list(dict.fromkeys(o[0] for o in pool[sentence["text"]]["occurrences"]))


def test_cli_default_model_is_extractive_and_embedded_is_one_flag_away(tmp_path, capsys):
    # Issue #15: the extractive mode scores level with the embedded SmolLM2 and is faster, so it is every command's default.
    assert build_parser().parse_args(["x.txt"]).model is None  # NewsBriefer's default: extractive
    assert build_watch_parser().parse_args(["feed.xml"]).model is None
    assert build_batch_parser().parse_args(["a.jsonl", "--output", "out"]).model == "extractive"
    assert build_parser().parse_args(["x.txt", "--model", "embedded"]).model == "embedded"
    for parser in (build_parser(), build_watch_parser(), build_batch_parser()):
        help_text = " ".join(parser.format_help().split())
        assert "'extractive' (the default" in help_text and "'embedded' (SmolLM2" in help_text
    path = tmp_path / "stories.txt"
    path.write_text(example_text(), encoding="utf-8")
    assert main([str(path), "--json", "--words", "40"]) == 0
    briefs = json.loads(capsys.readouterr().out)
    assert len(briefs) == 3
    for brief in briefs:
        pool = {p["text"] for p in brief["pool"]}
        assert brief["model"] == "extractive"
        assert all(s["text"] in pool and not s["rewritten"] for s in brief["sentences"])


@pytest.mark.parametrize(
    "content, message",
    [("", "No articles"), ("\n---\n   \n", "No articles")],
)
def test_cli_errors_are_one_line_not_a_traceback(tmp_path, capsys, content, message):
    path = tmp_path / "empty.txt"
    path.write_text(content)
    assert main([str(path), "--model", "extractive"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_rejects_binary_files(tmp_path, capsys):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert main([str(path), "--model", "extractive"]) == 2
    assert "not a text file" in capsys.readouterr().err


def test_cli_missing_file(capsys):
    assert main(["/no/such/file.txt", "--model", "extractive"]) == 2
    assert "No such file" in capsys.readouterr().err
