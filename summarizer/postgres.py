"""A tracker's store in a PostgreSQL database, which several watchers may share (``pip install "newsbrief[postgres]"``).

Watchers sharing a PostgreSQL database do not store an article twice or lose
one, for two reasons:

- every transaction of a :class:`PostgresStore` first takes one
  transaction-scoped advisory lock, so the tracker's read-decide-write steps
  (the duplicate checks and the placing, merging and splitting of stories in
  :meth:`StoryTracker.add <summarizer.tracking.StoryTracker.add>`, the saving
  of a brief) run one watcher at a time, each seeing what the one before it
  committed;
- the article id, URL key and text key are unique keys and articles are
  inserted with ``ON CONFLICT DO NOTHING``, so even a writer that bypasses the
  lock cannot store one article twice: :meth:`Store.add_article` then returns
  ``False`` and the tracker places its articles again, finding that one a
  duplicate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .stores import (
    ARTICLE_COLUMNS, SQLStore, Story, TrackedArticle, article_values, brief_json, record_from_row, redact_url,
)

logger = logging.getLogger(__name__)

# DOUBLE PRECISION, not REAL: PostgreSQL's REAL is 4 bytes and would round the times.
# The foreign key is checked at commit because the tracker stores a new story's
# articles before the story itself, in one transaction.
_POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    created DOUBLE PRECISION NOT NULL,
    last_event DOUBLE PRECISION NOT NULL,
    expired BOOLEAN NOT NULL DEFAULT FALSE,
    dirty BOOLEAN NOT NULL DEFAULT TRUE,
    brief TEXT,
    brief_at DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS articles (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    story_id TEXT NOT NULL REFERENCES stories(id) DEFERRABLE INITIALLY DEFERRED,
    text TEXT NOT NULL,
    title TEXT,
    source TEXT,
    url TEXT,
    published TEXT,
    arrived DOUBLE PRECISION NOT NULL,
    event_time DOUBLE PRECISION NOT NULL,
    facts TEXT NOT NULL,
    text_key TEXT NOT NULL UNIQUE,
    sentence_keys TEXT NOT NULL,
    url_key TEXT UNIQUE,
    briefed BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
"""

#: The advisory lock every PostgresStore transaction takes (advisory locks are per database).
ADVISORY_LOCK_KEY = int.from_bytes(b"nwsbrief", "big") & 0x7FFF_FFFF_FFFF_FFFF


class PostgresStore(SQLStore):
    """A :class:`Store` in a PostgreSQL database, which several trackers may share.

    ``url`` is a libpq connection URL, ``postgresql://user:password@host:port/dbname``
    (query parameters such as ``sslmode`` or ``options=-csearch_path=briefs``
    pass through).  The tables ``meta``, ``stories`` and ``articles`` are
    created if missing, so the database (or the schema on the search path)
    should be the tracker's own.  Every transaction takes one advisory lock
    (see the module docstring); reads outside a transaction see what has been
    committed.  One connection, guarded by a lock, as for :class:`SQLiteStore`;
    it is opened again on the next call if it broke.  Needs psycopg 3:
    ``pip install "newsbrief[postgres]"``.
    """

    _mark = "%s"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:
            raise ImportError(
                f"a PostgreSQL database ({redact_url(url)}) needs psycopg 3, which is not installed: "
                "pip install 'newsbrief[postgres]'"
            ) from exc
        self.url = url
        self._psycopg = psycopg
        # A broken connection fails the call that finds it; one that cannot be opened again, the next.
        self.unavailable = (psycopg.OperationalError, ConnectionError)
        self._lock = threading.RLock()
        self._depth = 0
        self.name = redact_url(url)
        self._conn = self._connect()
        self._create_schema(_POSTGRES_SCHEMA)

    def __repr__(self) -> str:
        return f"PostgresStore({redact_url(self.url)!r})"

    def _connect(self) -> Any:
        from psycopg.rows import dict_row

        try:
            # Autocommit: a read outside transaction() must not leave a transaction
            # open that would hide other watchers' commits from later reads.
            conn = self._psycopg.connect(self.url, autocommit=True, row_factory=dict_row)
        except self._psycopg.OperationalError as exc:
            raise ConnectionError(f"cannot connect to {redact_url(self.url)}: {exc}") from exc
        logger.info("tracker store: PostgreSQL %s", redact_url(self.url))
        return conn

    def _connection(self) -> Any:
        """The connection, opened again if it broke (a server restart, a dropped network) since the last call."""
        if self._conn.broken:
            logger.warning("connection to %s was lost; connecting again", redact_url(self.url))
            self._conn = self._connect()
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit the writes inside together, holding the tracker's advisory lock; nested uses join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            conn = self._connection()
            self._depth = 1
            try:
                with conn.transaction():
                    # Taken first, so everything this transaction reads was committed
                    # by the previous holder and nobody changes it before we commit.
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
                    yield
            finally:
                self._depth = 0

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            # Inside a transaction a broken connection must fail it, not be replaced.
            conn = self._conn if self._depth else self._connection()
            return conn.execute(sql, params)

    def save_story(self, story: Story) -> None:
        """Insert or replace ``story``."""
        with self.transaction():
            self._execute(
                "INSERT INTO stories (id, created, last_event, expired, dirty, brief, brief_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
                "created = EXCLUDED.created, last_event = EXCLUDED.last_event, expired = EXCLUDED.expired, "
                "dirty = EXCLUDED.dirty, brief = EXCLUDED.brief, brief_at = EXCLUDED.brief_at",
                (story.id, story.created, story.last_event, story.expired, story.dirty, brief_json(story), story.brief_at),
            )

    def add_article(self, record: TrackedArticle) -> bool:
        """Store ``record``; ``False`` (and nothing stored) if its id, URL key or text key is stored already.

        PostgreSQL text cannot hold a NUL character, so each is stored as U+FFFD.
        """
        values = tuple(v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in article_values(record))
        with self.transaction():
            cursor = self._execute(
                f"INSERT INTO articles ({ARTICLE_COLUMNS}) VALUES ({', '.join(['%s'] * len(values))}) "
                "ON CONFLICT DO NOTHING",
                values,
            )
            return cursor.rowcount == 1

    def articles(self, story_ids: Iterable[str] | None = None) -> list[TrackedArticle]:
        """The articles of ``story_ids`` (all if ``None``) in the order they were stored."""
        sql = f"SELECT {ARTICLE_COLUMNS} FROM articles"
        params: list[Any] = []
        if story_ids is not None:
            ids = list(story_ids)
            if not ids:
                return []
            sql += " WHERE story_id = ANY(%s)"
            params = [ids]
        return [record_from_row(r) for r in self._query(sql + " ORDER BY seq", params)]

    def assign_articles(self, article_ids: Iterable[str], to_story: str) -> None:
        """Move the articles ``article_ids`` to ``to_story``, to be briefed again."""
        with self.transaction():
            self._execute(
                "UPDATE articles SET story_id = %s, briefed = FALSE WHERE id = ANY(%s)", (to_story, list(article_ids))
            )

    def mark_briefed(self, article_ids: Iterable[str]) -> None:
        """Mark the articles ``article_ids`` as in their story's brief."""
        with self.transaction():
            self._execute("UPDATE articles SET briefed = TRUE WHERE id = ANY(%s)", (list(article_ids),))

    def close(self) -> None:
        """Close the connection; everything is already committed."""
        with self._lock:
            self._conn.close()
