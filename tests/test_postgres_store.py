"""The tracker's stores: one contract for SQLite and PostgreSQL, watchers sharing a database, restarts.

The PostgreSQL tests start a real server (Debian's ``postgresql`` package gives
``initdb`` and ``pg_ctl`` under /usr/lib/postgresql/<version>/bin) in a temporary
folder, listening on a free port of 127.0.0.1 only, once per test session.
PostgreSQL refuses to run as root, so as root the server runs as ``nobody``.
They skip, saying why, where the server binaries or psycopg are absent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from summarizer import Article, Brief, BriefConfig, BriefSentence, PoolSentence
from summarizer.cli import main
from summarizer.stores import redact_url
from summarizer.tracking import (
    PostgresStore,
    SQLiteStore,
    Story,
    StoryTracker,
    TrackedArticle,
    open_store,
    parse_time,
    url_key,
)
from test_tracking import (
    BANK,
    BRAYFORD_1,
    BRAYFORD_2,
    BRAYFORD_3,
    ELKTON_1,
    ELKTON_2,
    ELKTON_3,
    FIRST_WORD,
    KESSLING_A,
    KESSLING_B,
    QUAKE_A,
    QUAKE_B,
    QUAKE_C,
    SEPT_3,
    YEAR,
    Clock,
    _feed_xml,
)

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
SERVER_USER = "nobody"  # as root; PostgreSQL will not run as root
SEPT_6 = SEPT_3 + 3 * 24 * 3600.0  # after every article's date: no story goes quiet


# --- the server ------------------------------------------------------------------------


def _server_bindir() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's newest /usr/lib/postgresql/<version>/bin, else PATH."""
    versions = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    if versions:
        return max(versions, key=lambda bindir: int(bindir.parent.name) if bindir.parent.name.isdigit() else 0)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running PostgreSQL server for the tests."""

    port: int
    password: str

    @property
    def url(self) -> str:
        return f"postgresql://newsbrief:{self.password}@127.0.0.1:{self.port}/postgres"

    def new_schema(self) -> str:
        """The URL of a new, empty schema, through the URL's ``options`` (a schema is cheaper than a database)."""
        import psycopg

        name = "t_" + secrets.token_hex(6)
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {name}")
        return f"{self.url}?options=-csearch_path%3D{name}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'newsbrief[postgres]'")
    bindir = _server_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
    user, as_user = None, []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root and no runuser to start PostgreSQL as an unprivileged user")
        user = pwd.getpwnam(SERVER_USER)
        as_user = ["runuser", "-u", SERVER_USER, "--"]
    folder = Path(tempfile.mkdtemp(prefix="newsbrief-pg-"))
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*as_user, *command], cwd=folder, capture_output=True, text=True, timeout=60)

    data, log, pwfile = folder / "data", folder / "server.log", folder / "pwfile"
    password = secrets.token_urlsafe(12)
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o600)
    if user is not None:
        os.chown(pwfile, user.pw_uid, user.pw_gid)
    started = False
    try:
        done = run(str(bindir / "initdb"), "-D", str(data), "-U", "newsbrief", f"--pwfile={pwfile}",
                   "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
        assert done.returncode == 0, f"initdb failed:\n{done.stdout}\n{done.stderr}"
        for _ in range(3):  # another process may take the free port before the server does
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={shlex.quote(str(folder))} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            done = run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "30", "start")
            started = done.returncode == 0
            if started:
                break
        else:
            log_text = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"PostgreSQL did not start:\n{done.stdout}\n{done.stderr}\n{log_text}")
        logger.info("PostgreSQL from %s for the tests on 127.0.0.1:%d in %s", bindir, port, folder)
        yield Server(port, password)
    finally:
        if started:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(postgres: Server) -> str:
    return postgres.new_schema()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database of each kind: a SQLite file, a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "briefs.sqlite")
    return request.getfixturevalue("pg_url")


# --- the store contract, on both stores --------------------------------------------------


def _record(article: Article, story_id: str, briefed: bool = False) -> TrackedArticle:
    return TrackedArticle(
        article, story_id, arrived=SEPT_3, event_time=SEPT_3 - 0.25, facts=["port alden", "6.1", "okafor"],
        text_key=hashlib.sha1(article.text.encode()).hexdigest(), sentence_keys=["k1", "k2"],
        url_key=url_key(article.url), briefed=briefed,
    )


def test_store_keeps_stories_and_articles(db):
    store = open_store(db)
    assert isinstance(store, PostgresStore if db.startswith("postgresql://") else SQLiteStore)
    brief = {"text": "Ein Erdbeben der Stärke 6,1 – zwei Tote.", "sentences": [{"text": "x", "sources": ["a1"]}],
             "articles": [{"title": None}, {"title": "Port Alden quake"}], "stats": {"z": 1, "a": 2}}
    # Times with more digits than a 4-byte float keeps.
    quake = Story("s1", created=SEPT_3 + 0.123456789, last_event=SEPT_3 - 0.25, brief=brief, brief_at=SEPT_3 + 1.5)
    bank = Story("s2", created=SEPT_3 + 1, last_event=SEPT_3, expired=True, dirty=False)
    with store.transaction():
        store.save_story(quake)
        store.save_story(bank)
        assert store.add_article(_record(QUAKE_A, "s1")) is True
        assert store.add_article(_record(QUAKE_B, "s1")) is True
        assert store.add_article(_record(BANK, "s2", briefed=True)) is True
    store.close()

    store = open_store(db)  # everything is read back from the database
    assert store.stories() == [quake]
    assert store.stories(include_expired=True) == [quake, bank]
    assert store.story("s1") == quake and store.story("s1").title == "Port Alden quake"
    assert store.story("nothing") is None
    assert store.articles() == [_record(QUAKE_A, "s1"), _record(QUAKE_B, "s1"), _record(BANK, "s2", briefed=True)]
    assert store.articles(["s2"]) == [_record(BANK, "s2", briefed=True)]
    assert store.articles([]) == []

    same_url = Article("Port Alden harbour repairs begin.", url=QUAKE_A.url + "/?utm_source=rss#top")
    assert store.find_duplicate(QUAKE_A, "another key", None) == (QUAKE_A.id, "the same article")
    assert store.find_duplicate(same_url, "another key", url_key(same_url.url)) == (QUAKE_A.id, "the same URL")
    same_text = Article(QUAKE_B.text, source="Copycat News")
    assert store.find_duplicate(same_text, _record(QUAKE_B, "").text_key, None) == (QUAKE_B.id, "the same text")
    assert store.find_duplicate(KESSLING_A, "another key", url_key(KESSLING_A.url)) is None

    store.mark_briefed([QUAKE_A.id, QUAKE_B.id])
    assert [r.briefed for r in store.articles()] == [True, True, True]
    store.assign_articles([QUAKE_B.id], "s2")  # moved articles are due in their new story's brief
    assert [(r.article.id, r.story_id, r.briefed) for r in store.articles()] == [
        (QUAKE_A.id, "s1", True), (QUAKE_B.id, "s2", False), (BANK.id, "s2", True)
    ]
    with store.transaction():
        store.move_articles("s2", "s1")
        store.delete_story("s2")
    assert [(r.article.id, r.story_id, r.briefed) for r in store.articles()] == [
        (QUAKE_A.id, "s1", True), (QUAKE_B.id, "s1", False), (BANK.id, "s1", False)
    ]
    assert store.stories(include_expired=True) == [quake]

    with pytest.raises(RuntimeError), store.transaction():
        store.save_story(Story("s3", SEPT_3 + 2, SEPT_3))
        store.add_article(_record(KESSLING_A, "s3"))
        raise RuntimeError("boom")
    assert store.story("s3") is None and KESSLING_A.id not in {r.article.id for r in store.articles()}
    store.close()


def test_a_brief_written_while_another_watcher_adds_an_article_leaves_the_story_due(db, monkeypatch):
    """Watcher A briefs a story; meanwhile B adds an article to it. A's brief must not hide B's article."""
    a = StoryTracker(db, quiet_hours=YEAR, clock=Clock(SEPT_6))
    b = StoryTracker(db, quiet_hours=YEAR, clock=Clock(SEPT_6))
    story = a.add(QUAKE_A, refresh=False).new_stories[0]
    next_day = Article(QUAKE_B.text, title=QUAKE_B.title, source=QUAKE_B.source, url=QUAKE_B.url, published="2026-03-15")

    def brief_while_b_adds(articles: list[Article]) -> Brief:
        assert b.add(next_day, refresh=False).assigned == {next_day.id: story}
        return Brief("A brief of the first report.", [], articles, [])

    monkeypatch.setattr(a, "_summarize_story", brief_while_b_adds)
    [update] = a.refresh()
    assert [x.id for x in update.new_articles] == [QUAKE_A.id]
    saved = b.store.story(story)
    assert saved.brief["text"] == "A brief of the first report." and saved.dirty
    assert {r.article.id: r.briefed for r in b.store.articles([story])} == {QUAKE_A.id: True, next_day.id: False}
    assert saved.last_event == parse_time("2026-03-15")  # B's update of the story is kept

    monkeypatch.setattr(a, "_summarize_story", lambda articles: Brief("Both reports.", [], articles, []))
    [update] = a.refresh()
    assert [x.id for x in update.new_articles] == [next_day.id]
    assert not b.store.story(story).dirty and a.refresh() == []
    a.close()
    b.close()


# --- PostgreSQL only ----------------------------------------------------------------------


def test_postgres_stores_an_article_once_whatever_its_key(pg_url):
    store = open_store(pg_url)
    store.save_story(Story("s1", SEPT_3, SEPT_3))
    record = _record(QUAKE_A, "s1")
    assert store.add_article(record)
    same_id = _record(QUAKE_A, "s1")
    same_id.text_key, same_id.url_key = "other text", None
    same_url = _record(Article("Other words entirely.", url=QUAKE_A.url + "?utm_medium=x"), "s1")
    same_text = _record(Article(QUAKE_A.text, source="Copycat News"), "s1")
    same_text.url_key = None
    with store.transaction():
        for repeat in (same_id, same_url, same_text):
            assert store.add_article(repeat) is False
        assert store.add_article(_record(QUAKE_B, "s1"))  # a refused insert does not abort the transaction
    assert [r.article.id for r in store.articles()] == [QUAKE_A.id, QUAKE_B.id]
    store.close()


def test_postgres_store_connects_again_after_losing_its_connection(pg_url):
    import psycopg

    store = open_store(pg_url)
    store.save_story(Story("s1", SEPT_3, SEPT_3))
    with psycopg.connect(pg_url, autocommit=True) as admin:  # as a server restart would
        admin.execute("SELECT pg_terminate_backend(%s)", (store._conn.info.backend_pid,))
    with pytest.raises(psycopg.OperationalError):
        store.stories()  # the call that finds the connection gone fails ...
    assert [s.id for s in store.stories()] == ["s1"]  # ... the next one connects again
    store.save_story(Story("s2", SEPT_3 + 1, SEPT_3))
    assert [s.id for s in store.stories()] == ["s1", "s2"]
    store.close()


def _terminate_other_connections(url: str) -> int:
    """Cut every other connection to the database, as a server restart would; how many were cut."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_a_watcher_carries_on_after_losing_the_database(pg_url, tmp_path, monkeypatch, capsys):
    """A round that finds the connection gone is reported and skipped; the next round adds its articles."""
    import types

    import summarizer.cli as cli

    feed = tmp_path / "feed.xml"
    feed.write_text(_feed_xml([QUAKE_A]), encoding="utf-8")
    rounds = []

    def between_rounds(seconds: float) -> None:
        rounds.append(capsys.readouterr())
        if len(rounds) == 1:  # after the first round: the server restarts, and the feed grows
            assert _terminate_other_connections(pg_url) >= 1
            feed.write_text(_feed_xml([QUAKE_A, QUAKE_B, BANK]), encoding="utf-8")
        elif len(rounds) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli, "time", types.SimpleNamespace(monotonic=time.monotonic, strftime=time.strftime,
                                                           sleep=between_rounds))
    args = ["watch", str(feed), "--db", pg_url, "--every", "1s", "--model", "extractive", "--allow-private"]
    assert main(args) == 0
    first, lost, again = rounds
    assert "1 new articles, 1 new stories" in first.out
    assert "the story database is unreachable" in lost.err and "trying again next round" in lost.err
    assert "new articles" not in lost.out
    assert "2 new articles" in again.out and "1 duplicates" in again.out
    tracker = StoryTracker(pg_url, quiet_hours=YEAR)
    assert sorted(r.article.text for r in tracker.store.articles()) == sorted(a.text for a in (QUAKE_A, QUAKE_B, BANK))
    assert all(story.brief for story in tracker.stories())  # the stories the lost round left due were briefed
    tracker.close()


def test_watch_once_says_when_the_database_is_unreachable(pg_url, tmp_path, monkeypatch, capsys):
    import psycopg

    feed = tmp_path / "feed.xml"
    feed.write_text(_feed_xml([QUAKE_A]), encoding="utf-8")

    def gone(self, *args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(StoryTracker, "add", gone)
    assert main(["watch", str(feed), "--db", pg_url, "--once", "--model", "extractive", "--allow-private"]) == 1
    assert "the story database is unreachable: server closed the connection" in capsys.readouterr().err


def test_postgres_stores_a_nul_character_as_a_replacement_mark(pg_url):
    store = open_store(pg_url)
    text = "The 6.1 quake hit Port Alden\x00 on Tuesday, officials said."
    article = Article(text, title="Quake\x00", url="http://example.com/nul")
    store.save_story(Story("s1", SEPT_3, SEPT_3))
    assert store.add_article(_record(article, "s1")) is True
    [stored] = store.articles()
    assert stored.article.text == text.replace("\x00", "\ufffd") and stored.article.title == "Quake\ufffd"
    assert store.find_duplicate(article, _record(article, "s1").text_key, url_key(article.url)) is not None
    store.close()


def test_an_article_stored_by_another_writer_meanwhile_is_a_duplicate(pg_url, monkeypatch):
    """A writer that takes no lock stores an article between the tracker's duplicate check and its insert."""
    import psycopg

    tracker = StoryTracker(pg_url, quiet_hours=YEAR, clock=Clock(SEPT_6))
    place = tracker._place
    calls = []

    def place_after_a_rival_insert(records, now, update):
        calls.append([r.article.id for r in records])
        if len(calls) == 1:
            rival = _record(QUAKE_B, "rival")
            with psycopg.connect(pg_url, autocommit=True) as other, other.transaction():
                other.execute("INSERT INTO stories (id, created, last_event) VALUES ('rival', %s, %s)", (SEPT_3, SEPT_3))
                b = QUAKE_B
                other.execute(
                    "INSERT INTO articles (id, story_id, text, title, source, url, published, arrived, event_time, "
                    "facts, text_key, sentence_keys) VALUES (%s, 'rival', %s, %s, %s, %s, %s, %s, %s, '[]', %s, '[]')",
                    (b.id, b.text, b.title, b.source, b.url, b.published, SEPT_3, SEPT_3, rival.text_key),
                )
        return place(records, now, update)

    monkeypatch.setattr(tracker, "_place", place_after_a_rival_insert)
    update = tracker.add([QUAKE_A, QUAKE_B, BANK], refresh=False)
    assert calls == [[QUAKE_A.id, QUAKE_B.id, BANK.id], [QUAKE_A.id, BANK.id]]  # placed again without it
    assert [(r.article.id, r.reason) for r in update.duplicates] == [(QUAKE_B.id, f"duplicate: the same article as {QUAKE_B.id}")]
    assert set(update.assigned) == {QUAKE_A.id, BANK.id}
    labels = tracker.labels()
    assert sorted(labels) == sorted([QUAKE_A.id, QUAKE_B.id, BANK.id]) and labels[QUAKE_B.id] == "rival"
    tracker.close()


def test_a_watcher_places_articles_only_after_another_watchers_placement_commits(pg_url, monkeypatch):
    """Two reports of one new story, one per watcher, at once: without the lock each would start its own story."""
    a = StoryTracker(pg_url, quiet_hours=YEAR, clock=Clock(SEPT_6))
    b = StoryTracker(pg_url, quiet_hours=YEAR, clock=Clock(SEPT_6))
    placing, go_on = threading.Event(), threading.Event()
    place = a._place

    def place_slowly(records, now, update):
        placing.set()
        assert go_on.wait(30)
        return place(records, now, update)

    monkeypatch.setattr(a, "_place", place_slowly)
    with ThreadPoolExecutor(2) as pool:
        try:
            first = pool.submit(a.add, KESSLING_A, refresh=False)
            assert placing.wait(30)  # A is inside its placement transaction
            second = pool.submit(b.add, KESSLING_B, refresh=False)
            time.sleep(1.0)
            assert not second.done()  # B waits for A's lock ...
        finally:
            go_on.set()
        first_update, second_update = first.result(60), second.result(60)
    [story] = first_update.new_stories
    assert second_update.assigned == {KESSLING_B.id: story} and not second_update.new_stories  # ... and sees its story
    assert [s.id for s in b.stories()] == [story]
    a.close()
    b.close()


class LeadBriefer:
    """Briefs of each article's first line, with the shape of real ones, without loading a model."""

    config = BriefConfig()

    def summarize(self, articles: list[Article]) -> list[Brief]:
        leads = [a.text.splitlines()[0] for a in articles]
        sentences = [BriefSentence(lead, [a.id], [i], True) for i, (a, lead) in enumerate(zip(articles, leads))]
        pool = [PoolSentence(lead, [(a.id, 0)], 1 / (i + 1)) for i, (a, lead) in enumerate(zip(articles, leads))]
        return [Brief(" ".join(leads), sentences, articles, pool, model="lead", stats={"articles": len(articles)})]


def test_tracker_on_postgres_rejects_duplicates_and_keeps_briefs_across_a_restart(pg_url):
    briefer = LeadBriefer()
    tracker = StoryTracker(pg_url, briefer=briefer, quiet_hours=YEAR, clock=Clock(SEPT_6))
    update = tracker.add([QUAKE_A, KESSLING_A, BANK])
    assert len(update.new_stories) == 3 and {u.story_id for u in update.refreshed} == set(update.new_stories)
    same_url = Article("A different text entirely about Port Alden harbour repairs.", url=QUAKE_A.url + "/?utm_source=rss")
    same_text = Article(QUAKE_A.text.replace("\n", "\n\n") + "\nRead more: related stories", source="Copycat News")
    update = tracker.add([QUAKE_A, same_url, same_text, QUAKE_B])
    assert [r.reason.split(" as ")[0] for r in update.duplicates] == [
        "duplicate: the same article", "duplicate: the same URL", "duplicate: the same text"
    ]
    quake = update.assigned[QUAKE_B.id]
    assert [u.story_id for u in update.refreshed] == [quake]
    assert update.refreshed[0].new_sentences == [QUAKE_B.text.splitlines()[0]]
    briefs = {s.id: s.brief for s in tracker.stories()}
    assert all(briefs.values())
    tracker.close()

    again = StoryTracker(pg_url, briefer=briefer, quiet_hours=YEAR, clock=Clock(SEPT_6))
    assert {s.id: s.brief for s in again.stories()} == briefs
    assert [a.id for a in again.story_articles(quake)] == [QUAKE_A.id, QUAKE_B.id]
    assert again.refresh() == []  # nothing changed while it was closed
    assert again.add(QUAKE_C, refresh=False).assigned == {QUAKE_C.id: quake}
    again.close()


# --- two watchers, one database ----------------------------------------------------------------

# Twelve articles of five stories, as a wire would carry them, and a re-post of
# the first one under a tracking URL (a duplicate by URL).
STREAM = [QUAKE_A, ELKTON_1, KESSLING_A, ELKTON_2, FIRST_WORD, QUAKE_B, BRAYFORD_1, BANK, BRAYFORD_2, KESSLING_B,
          BRAYFORD_3, QUAKE_C]
REPOST = Article("Port Alden: the latest on the earthquake, updated.", title="Live updates",
                 url=QUAKE_A.url + "?utm_source=twitter")
STORIES = {
    frozenset({QUAKE_A.id, QUAKE_B.id, QUAKE_C.id}),
    frozenset({KESSLING_A.id, KESSLING_B.id}),
    frozenset({BANK.id}),
    frozenset({ELKTON_1.id, ELKTON_2.id}),
    frozenset({FIRST_WORD.id, BRAYFORD_1.id, BRAYFORD_2.id, BRAYFORD_3.id}),
}

# One watcher: it opens its tracker and warms up, says "ready", waits for "go"
# and then adds its articles one by one, as separate feed rounds would.
WATCHER = r"""
import json, logging, sys
from summarizer import Article
from summarizer.tracking import StoryTracker

logging.basicConfig(level=logging.WARNING)
url, now, articles_file = sys.argv[1], float(sys.argv[2]), sys.argv[3]
articles = [Article(**fields) for fields in json.loads(open(articles_file, encoding="utf-8").read())]
StoryTracker(":memory:", clock=lambda: now).add(articles[0], refresh=False)  # loads the pair model and parser
tracker = StoryTracker(url, quiet_hours=24 * 365.0, clock=lambda: now)
print("ready", flush=True)
sys.stdin.readline()
assigned, duplicates = {}, {}
for article in articles:
    update = tracker.add(article, refresh=False)
    assigned.update(update.assigned)
    duplicates.update({r.article.id: r.reason for r in update.duplicates})
tracker.close()
print(json.dumps({"assigned": assigned, "duplicates": duplicates}), flush=True)
"""


def _groups(labels: dict[str, str]) -> set[frozenset[str]]:
    stories: dict[str, set[str]] = {}
    for article_id, story_id in labels.items():
        stories.setdefault(story_id, set()).add(article_id)
    return {frozenset(ids) for ids in stories.values()}


def _watch(url: str, streams: list[list[Article]], folder: Path) -> list[dict]:
    """Run one watcher process per stream on ``url``, all starting to add at once; their reports."""
    watchers = []
    for n, stream in enumerate(streams):
        path = folder / f"stream{n}.json"
        fields = [{k: getattr(a, k) for k in ("text", "title", "source", "url", "published")} for a in stream]
        path.write_text(json.dumps(fields), encoding="utf-8")
        watchers.append(subprocess.Popen(
            [sys.executable, "-c", WATCHER, url, str(SEPT_6), str(path)], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))
    try:
        for watcher in watchers:
            line = watcher.stdout.readline()
            assert line.strip() == "ready", f"a watcher did not start: {line!r} {watcher.stderr.read()}"
        started = time.monotonic()
        for watcher in watchers:
            watcher.stdin.write("go\n")
            watcher.stdin.flush()
        reports = []
        for watcher in watchers:
            out, err = watcher.communicate(timeout=120)
            assert watcher.returncode == 0, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
        logger.info("%d watchers added their streams in %.1f s", len(watchers), time.monotonic() - started)
        return reports
    finally:
        for watcher in watchers:
            if watcher.poll() is None:
                watcher.kill()


def test_two_watchers_on_one_database_store_each_article_once_and_lose_none(pg_url, tmp_path):
    import psycopg

    # One tracker alone, for comparison.
    alone = StoryTracker(":memory:", quiet_hours=YEAR, clock=Clock(SEPT_6))
    for article in STREAM + [REPOST]:
        alone.add(article, refresh=False)
    assert _groups(alone.labels()) == STORIES

    # Two watchers feed the same stream at once, one of them in the opposite order
    # (the re-post last in both, so that it is always the duplicate).
    forward, backward = STREAM + [REPOST], STREAM[::-1] + [REPOST]
    reports = _watch(pg_url, [forward, backward], tmp_path)

    ids = {a.id for a in STREAM}
    first, second = (set(r["assigned"]) for r in reports)
    assert not first & second and first | second == ids  # each article placed by exactly one watcher
    for report, stream in zip(reports, (forward, backward)):
        # ... and the other saw it as a duplicate, not an error.
        assert set(report["assigned"]) | set(report["duplicates"]) == {a.id for a in stream}
        assert report["duplicates"][REPOST.id].startswith("duplicate: the same URL")
    logger.info("placed by each watcher: %d and %d", len(first), len(second))
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT id, count(*) FROM articles GROUP BY id").fetchall()
        assert dict(rows) == {i: 1 for i in ids}

    # Every story survives the watchers' end: a new tracker finds them all, with their articles.
    again = StoryTracker(pg_url, quiet_hours=YEAR, clock=Clock(SEPT_6))
    labels = again.labels()
    assert _groups(labels) == STORIES == _groups(alone.labels())
    by_id = {a.id: a for a in STREAM}
    for story in again.stories():
        articles = again.story_articles(story.id)
        assert "a" + story.id[1:] in {a.id for a in articles}  # a story is named after one of its articles
        assert story.dirty and story.last_event >= max(parse_time(a.published) for a in articles)
        for article in articles:  # the whole article came back, not only its id
            original = by_id[article.id]
            assert (article.text, article.title, article.source, article.url, article.published) == (
                original.text, original.title, original.source, original.url, original.published
            )
    assert len(again.stories()) == len(STORIES)
    update = again.add(ELKTON_3, refresh=False)
    assert update.assigned == {ELKTON_3.id: labels[ELKTON_1.id]} and not update.new_stories
    again.close()
    alone.close()


# --- choosing the store, and without psycopg -------------------------------------------------------


def test_open_store_picks_postgres_only_for_its_urls(tmp_path, monkeypatch):
    assert isinstance(open_store(tmp_path / "postgresql.sqlite"), SQLiteStore)
    assert isinstance(open_store(":memory:"), SQLiteStore)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
    for url in ("postgresql://newsbrief:secret@127.0.0.1/briefs", "postgres://newsbrief@db.example.org:5433/briefs"):
        with pytest.raises(ImportError, match=r"pip install 'newsbrief\[postgres\]'") as caught:
            StoryTracker(url)
        assert "secret" not in str(caught.value)


def test_watch_without_psycopg_says_what_to_install(tmp_path, monkeypatch, capsys):
    feed = tmp_path / "feed.xml"
    feed.write_text(_feed_xml([QUAKE_A]), encoding="utf-8")
    monkeypatch.setitem(sys.modules, "psycopg", None)
    db = "postgresql://newsbrief:secret@127.0.0.1/briefs"
    assert main(["watch", str(feed), "--db", db, "--once", "--model", "extractive", "--allow-private"]) == 2
    err = capsys.readouterr().err
    assert "newsbrief[postgres]" in err and "secret" not in err and "newsbrief:***@127.0.0.1" in err


def test_importing_the_tracker_needs_no_psycopg():
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "import summarizer.cli, summarizer.tracking\n"
        "from summarizer.tracking import SQLiteStore, Store, Story, TrackedArticle, StoryTracker\n"
        "assert isinstance(StoryTracker(':memory:').store, SQLiteStore)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_refused_connection_says_where_without_the_password():
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'newsbrief[postgres]'")
    url = f"postgresql://newsbrief:secret@127.0.0.1:{_free_port()}/briefs?connect_timeout=5"
    with pytest.raises(ConnectionError, match=r"cannot connect to postgresql://newsbrief:\*\*\*@127\.0\.0\.1") as caught:
        open_store(url)
    assert "secret" not in str(caught.value)


def test_redact_url():
    assert redact_url("postgresql://u:p%40ss@h:5432/db?sslmode=require") == "postgresql://u:***@h:5432/db?sslmode=require"
    assert redact_url("postgresql://u@h/db?password=x&sslmode=disable") == "postgresql://u@h/db?password=***&sslmode=disable"
    assert redact_url("postgres://h/db") == "postgres://h/db"
