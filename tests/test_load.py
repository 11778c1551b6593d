"""The web app under load, and uploads that try to leave the upload folder.

The load test starts ``app.py`` in its own process on 127.0.0.1 (extractive
model, one brief at a time, a queue of 2) and has five ``gradio_client``
clients send the example, an empty paste, too many articles and a large legal
paste at the same moment, for three rounds.  Every request must get briefs,
its plain input error or a clear 'busy' refusal; briefs under load must equal
the briefs of the same input sent alone; the server must live, answer
afterwards, and not grow in memory.  The machinery is shared with
``benchmarks/robustness.py``, which reports the same figures.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import gradio as gr
import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed; plain `pytest` does not put the root on the path
    sys.path.insert(0, str(ROOT))

from benchmarks.robustness import AppServer, load_inputs, load_run
from summarizer import webapp
from summarizer.examples import example_text

#: Resident memory the server may gain between the first and the last round.
RSS_GROWTH_MB = 150


@pytest.fixture(scope="module")
def load_report():
    pytest.importorskip("psutil", reason="pip install psutil")
    return load_run(clients=5, rounds=3, per_round=1, queue_size=2, timeout=60)


def test_every_request_is_answered_or_refused_clearly(load_report):
    statuses = {o.status for o in load_report.outcomes}
    assert len(load_report.outcomes) == 5 * 3
    assert statuses <= {"brief", "input error", "busy"}, [o.message for o in load_report.outcomes if o.status == "error"]
    assert load_report.count("brief") >= 1
    for outcome in load_report.outcomes:
        if outcome.status == "busy":
            assert "Queue is full" in outcome.message
        if outcome.status == "input error":
            assert outcome.kind in {"empty", "too_many"}
        assert outcome.seconds < 60


def test_briefs_under_load_equal_briefs_alone_and_lose_no_article(load_report):
    briefs = [o for o in load_report.outcomes if o.status == "brief"]
    assert briefs and load_report.mismatches == 0
    # Every raw article of every answered paste is found once, by its marker, in a brief or in skipped.
    accounting = load_report.accounting
    assert accounting.articles >= 6 * len(briefs) and accounting.ok, vars(accounting)


def test_server_survives_and_memory_stays_flat(load_report):
    assert load_report.alive_after, load_report.log_tail
    assert load_report.answers_after
    first, last = load_report.rss_mb[0], load_report.rss_mb[-1]
    assert last - first < RSS_GROWTH_MB, load_report.rss_mb
    assert "Traceback" not in load_report.log_tail, load_report.log_tail


def test_load_inputs_are_within_the_limits():
    from summarizer import BriefConfig
    from summarizer.inputs import parse_articles

    inputs = load_inputs()
    limits = BriefConfig()
    large = parse_articles(inputs["large"].text)
    assert len(large) == len(inputs["large"].identities) <= limits.max_articles
    assert len(inputs["large"].text) <= limits.max_total_chars
    assert len(parse_articles(inputs["too_many"].text)) == limits.max_articles + 1


# --------------------------------------------------------------------------- uploads


def test_collect_articles_reads_only_files_inside_the_upload_folder(tmp_path):
    uploads = tmp_path / "uploads"
    inside = uploads / "abc123"
    inside.mkdir(parents=True)
    good = inside / "story.txt"
    good.write_text(example_text().split("\n---\n")[-1], encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("Source: Secret\n\nThe launch codes are 1234.", encoding="utf-8")
    link = inside / "link.txt"
    link.symlink_to(secret)
    tries = [
        str(good),
        str(inside / ".." / ".." / "secret.txt"),  # climbs out with ..
        str(secret),  # an absolute path elsewhere
        str(link),  # a symlink inside that points outside
        "..\\secret.txt",  # a Windows-style name: relative to the working directory, never in the folder
        str(inside / "missing.txt"),
    ]
    articles, notes = webapp.collect_articles("", tries, upload_root=uploads)
    assert len(articles) == 1 and "1234" not in articles[0].text
    assert len(notes) == 5 and all("not an uploaded file" in n for n in notes)
    # Without a root (the Python API, the CLI) a caller's own path is read as given.
    articles, _ = webapp.collect_articles("", [str(secret)])
    assert "1234" in articles[0].text


@pytest.fixture(scope="module")
def upload_server():
    with AppServer("--model", "extractive", "--no-preload") as server:
        yield server


def _upload(url: str, name: str, data: bytes) -> list[str]:
    response = httpx.post(f"{url}/gradio_api/upload", files=[("files", (name, data, "text/plain"))], timeout=30)
    response.raise_for_status()
    return response.json()


@pytest.mark.parametrize("name", ["../../etc/passwd.txt", "..\\..\\x.txt", "/etc/passwd.txt", "a/../../b.txt", ".."])
def test_uploaded_names_cannot_leave_the_upload_folder(upload_server, name):
    folder = Path(gr.utils.get_upload_folder()).resolve()
    marker = f"newsbrief-upload-test-{os.getpid()}-{time.monotonic_ns()}"
    try:
        paths = _upload(upload_server.url, name, marker.encode())
    except httpx.HTTPStatusError as exc:  # refusing the name outright is fine too
        assert exc.response.status_code == 400
        return
    assert len(paths) == 1
    saved = Path(paths[0]).resolve()
    assert saved.is_relative_to(folder) and saved.read_text() == marker
    assert saved.name not in {"", "..", "passwd"} and "/" not in saved.name and "\\" not in saved.name


def _queue_call(url: str, fn_index: int, data: list, timeout: float = 60) -> dict:
    """Call an event the way the page does (``/queue/join``, then its event stream); the final message."""
    session = f"test{time.monotonic_ns()}"
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None, "trigger_id": None}
    with httpx.Client(timeout=timeout) as http:
        joined = http.post(f"{url}/gradio_api/queue/join", json=body)
        if joined.status_code != 200:
            return {"msg": "refused", "status": joined.status_code, "detail": joined.text}
        with http.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        return message
    raise AssertionError("no process_completed message")


def test_the_page_event_refuses_a_path_that_was_not_uploaded(upload_server, tmp_path):
    """A client that skips the upload and names a server file directly gets nothing from it."""
    config = httpx.get(f"{upload_server.url}/config", timeout=30).json()
    fn_index = next(i for i, d in enumerate(config["dependencies"]) if d.get("api_name") == "brief_page")
    secret = tmp_path / "secret.txt"
    secret.write_text("Source: Secret\n\nThe launch codes are 1234 and the vault is in Brandvik.", encoding="utf-8")
    upload = Path(gr.utils.get_upload_folder())
    for path in (str(secret), str(upload / ".." / secret.name), "/etc/passwd"):
        file_data = {"path": path, "orig_name": "../../etc/passwd.txt", "meta": {"_type": "gradio.FileData"}}
        result = _queue_call(upload_server.url, fn_index, ["", [file_data], "extractive", 80, False])
        text = json.dumps(result)
        assert "1234" not in text and "root:" not in text
        assert result.get("success") is False or result.get("msg") == "refused", text
