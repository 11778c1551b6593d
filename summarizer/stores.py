"""Where a :class:`~summarizer.tracking.StoryTracker` keeps its stories, articles and briefs.

:class:`SQLiteStore` keeps them in one SQLite file (the default).
:class:`~summarizer.postgres.PostgresStore` keeps them in a PostgreSQL
database that several watchers may share; both run the statements of
:class:`SQLStore` that their SQL dialects share.  :func:`open_store` picks
one from a ``db`` value: a ``postgresql://`` or ``postgres://`` URL is
PostgreSQL, anything else the path of a SQLite file.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .document import Article

logger = logging.getLogger(__name__)

_SCHEMA_VERSION = 1
#: What a ``db`` value starts with to name a PostgreSQL database (libpq's own URI prefixes).
POSTGRES_PREFIXES = ("postgresql://", "postgres://")


# --- the records ------------------------------------------------------------------


@dataclass
class Story:
    """A story the tracker follows.

    ``last_event`` is the latest time (seconds since the epoch) of any of its
    articles; ``dirty`` means it changed since its last brief.
    """

    id: str
    created: float
    last_event: float
    expired: bool = False
    dirty: bool = True
    brief: dict[str, Any] | None = None
    brief_at: float | None = None

    @property
    def title(self) -> str | None:
        """The title of the brief's first cited article, if any."""
        articles = (self.brief or {}).get("articles") or []
        return next((a.get("title") for a in articles if a.get("title")), None)


@dataclass
class TrackedArticle:
    """An article as stored: the article, its story, and what matching needs."""

    article: Article
    story_id: str
    arrived: float
    event_time: float
    facts: list[str]
    text_key: str
    sentence_keys: list[str]
    url_key: str | None = None
    briefed: bool = False


# --- the protocol -----------------------------------------------------------------


class Store(Protocol):
    """Where a tracker keeps its stories, articles and briefs.

    Methods that change state may be grouped in :meth:`transaction`, which
    commits them together or not at all.  ``unavailable`` names the errors
    that mean the database could not be reached for now (a server restart):
    the call may be made again later.
    """

    unavailable: tuple[type[BaseException], ...]

    def transaction(self) -> Any: ...
    def stories(self, include_expired: bool = False) -> list[Story]: ...
    def story(self, story_id: str) -> Story | None: ...
    def save_story(self, story: Story) -> None: ...
    def delete_story(self, story_id: str) -> None: ...
    def add_article(self, record: TrackedArticle) -> bool:
        """Store ``record``; ``False`` if an article with its id, URL key or text key is already stored."""
        ...
    def articles(self, story_ids: Iterable[str] | None = None) -> list[TrackedArticle]: ...
    def move_articles(self, from_story: str, to_story: str) -> None: ...
    def assign_articles(self, article_ids: Iterable[str], to_story: str) -> None: ...
    def mark_briefed(self, article_ids: Iterable[str]) -> None: ...
    def find_duplicate(self, article: Article, text_key: str, url_key: str | None) -> tuple[str, str] | None: ...
    def close(self) -> None: ...


def open_store(db: str | Path = "briefs.sqlite") -> Store:
    """The store ``db`` names: a ``postgresql://`` / ``postgres://`` URL, else a SQLite file (``":memory:"`` for none)."""
    if is_postgres_url(db):
        from .postgres import PostgresStore

        return PostgresStore(str(db))
    return SQLiteStore(db)


def is_postgres_url(db: object) -> bool:
    """Whether ``db`` is a PostgreSQL connection URL rather than a SQLite path."""
    return isinstance(db, str) and db.startswith(POSTGRES_PREFIXES)


def redact_url(url: str) -> str:
    """``url`` with its password, in the user part or the query, replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{userinfo.partition(':')[0]}:***@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(key == "password" for key, _ in pairs):
            query = urlencode([(key, "***" if key == "password" else value) for key, value in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def story_from_row(row: Mapping[str, Any]) -> Story:
    return Story(
        id=row["id"], created=row["created"], last_event=row["last_event"], expired=bool(row["expired"]),
        dirty=bool(row["dirty"]), brief=json.loads(row["brief"]) if row["brief"] else None, brief_at=row["brief_at"],
    )


def record_from_row(row: Mapping[str, Any]) -> TrackedArticle:
    article = Article(row["text"], title=row["title"], source=row["source"], url=row["url"], published=row["published"])
    return TrackedArticle(
        article, row["story_id"], row["arrived"], row["event_time"], json.loads(row["facts"]), row["text_key"],
        json.loads(row["sentence_keys"]), row["url_key"], bool(row["briefed"]),
    )


def brief_json(story: Story) -> str | None:
    # Kept as JSON text, not JSONB, so a brief reads back exactly as written (key order included).
    return json.dumps(story.brief, ensure_ascii=False) if story.brief is not None else None


ARTICLE_COLUMNS = (
    "id, story_id, text, title, source, url, published, arrived, event_time, "
    "facts, text_key, sentence_keys, url_key, briefed"
)


def article_values(record: TrackedArticle) -> tuple[Any, ...]:
    """The values of ``ARTICLE_COLUMNS`` for ``record``."""
    a = record.article
    return (
        a.id, record.story_id, a.text, a.title, a.source, a.url, a.published, record.arrived, record.event_time,
        json.dumps(record.facts), record.text_key, json.dumps(record.sentence_keys), record.url_key, record.briefed,
    )


def _duplicate_checks(article: Article, text_key: str, url_key: str | None) -> list[tuple[str, str, str]]:
    """(column, value, reason) in the order a duplicate is reported."""
    checks = [("id", article.id, "the same article"), ("text_key", text_key, "the same text")]
    if url_key:
        checks.insert(1, ("url_key", url_key, "the same URL"))
    return checks


# --- what both SQL stores share ---------------------------------------------------


class SQLStore:
    """The statements both stores run alike; a subclass gives its parameter mark and how it executes one.

    Subclasses set ``_mark`` (their driver's placeholder), ``name`` (for
    messages) and ``_lock``, and implement ``_execute``, :meth:`transaction`
    and the statements whose SQL differs.
    """

    _mark = "?"
    _lock: threading.RLock
    name: str

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def transaction(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._execute(sql, params).fetchall()

    def _create_schema(self, schema: str) -> None:
        """Create the tables if missing and check that a stored schema is the one this version reads."""
        with self.transaction():
            # One statement at a time: sqlite's executescript would commit mid-transaction.
            for statement in filter(str.strip, schema.split(";")):
                self._execute(statement)
            rows = self._query("SELECT value FROM meta WHERE key = 'schema_version'")
            if not rows:
                self._execute(f"INSERT INTO meta VALUES ('schema_version', {self._mark})", (str(_SCHEMA_VERSION),))
            elif int(rows[0]["value"]) != _SCHEMA_VERSION:
                raise ValueError(f"{self.name} has tracker schema {rows[0]['value']}; this version reads {_SCHEMA_VERSION}")

    def stories(self, include_expired: bool = False) -> list[Story]:
        """The stories, oldest first; expired ones only if asked."""
        where = "" if include_expired else "WHERE NOT expired"
        return [story_from_row(r) for r in self._query(f"SELECT * FROM stories {where} ORDER BY created, id")]

    def story(self, story_id: str) -> Story | None:
        """The story ``story_id``, or ``None``."""
        rows = self._query(f"SELECT * FROM stories WHERE id = {self._mark}", (story_id,))
        return story_from_row(rows[0]) if rows else None

    def delete_story(self, story_id: str) -> None:
        """Delete the story row (its articles must have moved by the commit)."""
        with self.transaction():
            self._execute(f"DELETE FROM stories WHERE id = {self._mark}", (story_id,))

    def move_articles(self, from_story: str, to_story: str) -> None:
        """Move every article of ``from_story`` to ``to_story``, to be briefed again."""
        with self.transaction():
            self._execute(
                f"UPDATE articles SET story_id = {self._mark}, briefed = FALSE WHERE story_id = {self._mark}",
                (to_story, from_story),
            )

    def find_duplicate(self, article: Article, text_key: str, url_key: str | None) -> tuple[str, str] | None:
        """(stored article id, reason) of a stored article with ``article``'s id, URL key or text key, or ``None``."""
        for column, value, reason in _duplicate_checks(article, text_key, url_key):
            rows = self._query(f"SELECT id FROM articles WHERE {column} = {self._mark} LIMIT 1", (value,))
            if rows:
                return rows[0]["id"], reason
        return None


# --- SQLite -----------------------------------------------------------------------


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    last_event REAL NOT NULL,
    expired INTEGER NOT NULL DEFAULT 0,
    dirty INTEGER NOT NULL DEFAULT 1,
    brief TEXT,
    brief_at REAL
);
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    story_id TEXT NOT NULL REFERENCES stories(id),
    text TEXT NOT NULL,
    title TEXT,
    source TEXT,
    url TEXT,
    published TEXT,
    arrived REAL NOT NULL,
    event_time REAL NOT NULL,
    facts TEXT NOT NULL,
    text_key TEXT NOT NULL,
    sentence_keys TEXT NOT NULL,
    url_key TEXT,
    briefed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
CREATE INDEX IF NOT EXISTS articles_text_key ON articles(text_key);
CREATE INDEX IF NOT EXISTS articles_url_key ON articles(url_key);
"""


class SQLiteStore(SQLStore):
    """A :class:`Store` in one SQLite file (``":memory:"`` for none).

    One connection, guarded by a lock, so a tracker may be used from several
    threads one call at a time.  The rollback journal (not WAL) keeps the
    state in the one file between runs.
    """

    #: A file is always there to open; a locked one is waited for by sqlite itself.
    unavailable: tuple[type[BaseException], ...] = ()

    def __init__(self, path: str | Path = "briefs.sqlite") -> None:
        self.path = self.name = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        self._create_schema(_SQLITE_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit the writes inside together; nested uses join the outer one."""
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    def save_story(self, story: Story) -> None:
        """Insert or replace ``story``."""
        with self.transaction():
            self._execute(
                "INSERT OR REPLACE INTO stories VALUES (?, ?, ?, ?, ?, ?, ?)",
                (story.id, story.created, story.last_event, int(story.expired), int(story.dirty),
                 brief_json(story), story.brief_at),
            )

    def add_article(self, record: TrackedArticle) -> bool:
        """Store ``record``; the tracker has checked that it is new (a stored id raises ``IntegrityError``)."""
        values = article_values(record)
        with self.transaction():
            self._execute(f"INSERT INTO articles ({ARTICLE_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values)
        return True

    def articles(self, story_ids: Iterable[str] | None = None) -> list[TrackedArticle]:
        """The articles of ``story_ids`` (all if ``None``) in the order they were stored."""
        sql = f"SELECT {ARTICLE_COLUMNS} FROM articles"
        params: list[str] = []
        if story_ids is not None:
            params = list(story_ids)
            if not params:
                return []
            sql += f" WHERE story_id IN ({','.join('?' * len(params))})"
        return [record_from_row(r) for r in self._query(sql + " ORDER BY seq", params)]

    def assign_articles(self, article_ids: Iterable[str], to_story: str) -> None:
        """Move the articles ``article_ids`` to ``to_story``, to be briefed again."""
        with self.transaction(), self._lock:
            self._db.executemany(
                "UPDATE articles SET story_id = ?, briefed = 0 WHERE id = ?", [(to_story, i) for i in article_ids]
            )

    def mark_briefed(self, article_ids: Iterable[str]) -> None:
        """Mark the articles ``article_ids`` as in their story's brief."""
        with self.transaction(), self._lock:
            self._db.executemany("UPDATE articles SET briefed = 1 WHERE id = ?", [(i,) for i in article_ids])

    def close(self) -> None:
        """Close the file; everything is already committed."""
        with self._lock:
            self._db.close()
