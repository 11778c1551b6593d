"""Stories followed over time: articles arrive, stories grow, briefs refresh.

:class:`StoryTracker` takes articles as they come (from a feed every few
minutes, say) and puts each into a story it already follows or into a new one.
It uses the clustering stage's own pair model (the probability that two
articles tell one story, see :mod:`summarizer.pairs`): a new article joins the
story whose articles it most probably shares on average when that average
reaches ``cluster_probability``, the same cut average linkage makes in a batch; the
articles that join no story are clustered among themselves with
:func:`~summarizer.clustering.cluster_articles` and become new stories.  Two
stories that an article later bridges are merged, as average linkage would,
and a story that average linkage would now cut, or split at a seam
(``cluster_split_ratio``), is split (:mod:`summarizer.placement`).

Only stories that changed get a new brief, and each refresh says what is new:
the articles since the last brief and the brief sentences the last brief did
not have.  A story with no new article for ``quiet_hours`` (by the articles'
publication times where they parse, else their arrival) expires: it is kept
but no longer matched or refreshed.

State is in a :class:`~summarizer.stores.Store`: :class:`SQLiteStore` keeps it
in one SQLite file, so a tracker stopped and started again on the same file
carries on; :class:`PostgresStore` keeps it in a PostgreSQL database that
several trackers (several watchers) may share.  Each :meth:`StoryTracker.add`
checks for duplicates and places its articles in one store transaction, which
on PostgreSQL holds a lock all trackers take, so that watchers sharing a
database place articles one after another, as one tracker would.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .clustering import article_sentences
from .pairs import article_tokens
from .config import BriefConfig
from .document import Article, Brief, Skipped
from .placement import place_articles

# The stores and their records lived here first; code and tests import them from this module.
from .postgres import PostgresStore  # noqa: F401
from .stores import SQLiteStore, Store, Story, TrackedArticle, open_store  # noqa: F401

logger = logging.getLogger(__name__)

#: Share of sentences two articles must have in common (Jaccard) to be one article.
NEAR_DUPLICATE = 0.9

# --- the records ------------------------------------------------------------------


@dataclass
class Rejected:
    """An article not added, with why (and the stored article it repeats, for a duplicate)."""

    article: Article
    reason: str
    existing_id: str | None = None


@dataclass
class StoryUpdate:
    """One refreshed brief and what is new in it."""

    story_id: str
    brief: Brief | None
    new_articles: list[Article]
    new_sentences: list[str]
    first: bool
    error: str | None = None


@dataclass
class TrackerUpdate:
    """What one :meth:`StoryTracker.add` did."""

    #: Article id to the id of the story it joined.
    assigned: dict[str, str] = field(default_factory=dict)
    new_stories: list[str] = field(default_factory=list)
    grown_stories: list[str] = field(default_factory=list)
    #: Story id merged away to the story it became part of.
    merged: dict[str, str] = field(default_factory=dict)
    #: New story id to the story it was split from (it is in ``new_stories`` too).
    split: dict[str, str] = field(default_factory=dict)
    duplicates: list[Rejected] = field(default_factory=list)
    unusable: list[Rejected] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    refreshed: list[StoryUpdate] = field(default_factory=list)


# --- small helpers ------------------------------------------------------------------------


def parse_time(value: str | None) -> float | None:
    """Seconds since the epoch of an ISO 8601 or RFC 822 date; ``None`` if it does not parse.

    A time without a zone is taken as UTC, a bare date as its midnight UTC.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    moment = None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)


def url_key(url: str | None) -> str | None:
    """One key for the URLs of one page.

    w3lib's ``canonicalize_url`` sorts the query, normalises percent-escapes and
    drops the fragment; tracking parameters (``utm_*``, ``fbclid``, ...) and a
    trailing slash are removed here too, since they do not change the page.
    """
    from w3lib.url import canonicalize_url

    if not url or not url.strip():
        return None
    parts = urlsplit(canonicalize_url(url.strip()))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def _sentence_key(sentence: str) -> str:
    normal = " ".join(re.findall(r"\w+", sentence.lower()))
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()[:12]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


# --- the tracker ---------------------------------------------------------------------------


class _StoredMeanwhile(Exception):
    """An article was stored by another writer between this tracker's duplicate check and its insert."""


class StoryTracker:
    """Follow stories over time in a :class:`Store` (by default a SQLite file).

    ``db`` names the store (see :func:`~summarizer.stores.open_store`): a
    SQLite file (``":memory:"`` for none), or a ``postgresql://`` /
    ``postgres://`` URL for a PostgreSQL database that several trackers may
    share (``pip install "newsbrief[postgres]"``); ``store`` passes one in
    instead.  ``briefer`` writes the briefs (default: ``NewsBriefer()``, the extractive
    mode; its embedder loads on the first refresh); ``config`` sets the clustering
    threshold (default: the briefer's config).  A story with no article newer
    than ``quiet_hours`` expires.  ``clock`` returns the time in seconds since
    the epoch (tests inject one).  Calls are serialised by a lock.
    """

    def __init__(
        self,
        db: str | Path = "briefs.sqlite",
        briefer: Any = None,
        config: BriefConfig | None = None,
        quiet_hours: float = 48.0,
        *,
        store: Store | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if quiet_hours <= 0:
            raise ValueError(f"quiet_hours must be positive, got {quiet_hours}")
        self.store: Store = store if store is not None else open_store(db)
        self._briefer = briefer
        self._config = config
        self.quiet_hours = quiet_hours
        self.clock = clock
        self._story_briefer: Any = None
        self._lock = threading.RLock()

    # -- context and plumbing --------------------------------------------------

    def __enter__(self) -> StoryTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store; the state is already saved."""
        self.store.close()

    @property
    def briefer(self) -> Any:
        """The :class:`~summarizer.pipeline.NewsBriefer` that writes the briefs."""
        if self._briefer is None:
            from .pipeline import NewsBriefer

            self._briefer = NewsBriefer(config=self._config)
        return self._briefer

    @property
    def config(self) -> BriefConfig:
        if self._config is not None:
            return self._config
        return self._briefer.config if self._briefer is not None else BriefConfig()

    # -- reading the state ----------------------------------------------------------

    def stories(self, include_expired: bool = False) -> list[Story]:
        """The stories followed, oldest first (expired ones too if asked)."""
        return self.store.stories(include_expired)

    def story_articles(self, story_id: str) -> list[Article]:
        """The articles of a story in arrival order."""
        return [r.article for r in self.store.articles([story_id])]

    def labels(self, include_expired: bool = True) -> dict[str, str]:
        """Article id to story id, for every stored article."""
        wanted = None if include_expired else [s.id for s in self.store.stories()]
        return {r.article.id: r.story_id for r in self.store.articles(wanted)}

    # -- adding ------------------------------------------------------------------------------

    def expire(self) -> list[str]:
        """Expire the stories quiet for longer than ``quiet_hours``; return their ids."""
        with self._lock:
            cutoff = self.clock() - self.quiet_hours * 3600
            expired = []
            with self.store.transaction():
                for story in self.store.stories():
                    if story.last_event < cutoff:
                        self.store.save_story(replace(story, expired=True))
                        expired.append(story.id)
            if expired:
                logger.info("%d stories expired", len(expired))
            return expired

    def add(self, articles: Iterable[Article] | Article, refresh: bool = True) -> TrackerUpdate:
        """Add arriving articles to their stories; with ``refresh``, rebrief the stories that changed.

        Duplicates (the same id, URL or cleaned text as a stored article, or
        nearly the same sentences as an article of a live story) and articles
        with no sentence left after cleaning are not added; the update lists
        them with the reason.
        """
        items = [articles] if isinstance(articles, Article) else list(articles)
        with self._lock:
            expired = self.expire()
            now = self.clock()
            # Each conflict means one more article is stored, so a retry finds it a duplicate.
            for _ in range(len(items) + 1):
                update = TrackerUpdate(expired=expired)
                try:
                    # One transaction for checking and placing: on a shared store nobody
                    # can store an article or change a story between the two.
                    with self.store.transaction():
                        records = self._new_records(items, now, update)
                        if records:
                            self._place(records, now, update)
                    break
                except _StoredMeanwhile as exc:
                    logger.info("article %s was stored by another writer meanwhile; placing the batch again", exc)
            else:
                raise RuntimeError("another writer kept storing this batch's articles; nothing was added")
            logger.info(
                "added %d articles: %d new stories, %d grown, %d duplicates, %d unusable",
                len(update.assigned), len(update.new_stories), len(update.grown_stories),
                len(update.duplicates), len(update.unusable),
            )
            if refresh:
                update.refreshed = self.refresh()
            return update

    def _new_records(self, items: list[Article], now: float, update: TrackerUpdate) -> list[TrackedArticle]:
        """Records for the usable, new articles of ``items``; the rest go into ``update``."""
        live = self.store.articles([s.id for s in self.store.stories()])
        seen: dict[str, str] = {}  # key -> article id, for duplicates within this batch
        records: list[TrackedArticle] = []
        for article in items:
            if not isinstance(article, Article):
                raise TypeError(f"StoryTracker.add takes Article objects, got {type(article).__name__}")
            sentences = article_sentences(article)
            if not sentences:
                update.unusable.append(Rejected(article, "no news sentences left after cleaning"))
                continue
            keys = [_sentence_key(s) for s in sentences]
            text_key = hashlib.sha1("\n".join(keys).encode()).hexdigest()
            ukey = url_key(article.url)
            found = self.store.find_duplicate(article, text_key, ukey)
            if found is None:
                for value, reason in ((article.id, "the same article"), (ukey, "the same URL"), (text_key, "the same text")):
                    if value and value in seen:
                        found = (seen[value], reason)
                        break
            if found is None:
                key_set = set(keys)
                for other in live + records:
                    if _jaccard(key_set, set(other.sentence_keys)) >= NEAR_DUPLICATE:
                        found = (other.article.id, "nearly the same sentences")
                        break
            if found is not None:
                logger.info("article %s is a duplicate of %s (%s)", article.id, found[0], found[1])
                update.duplicates.append(Rejected(article, f"duplicate: {found[1]} as {found[0]}", found[0]))
                continue
            published = parse_time(article.published)
            # A date in the future (a wrong zone, a typo) must not keep a story alive.
            event_time = min(published, now) if published is not None else now
            title_and_text = ([article.title] if article.title else []) + sentences
            record = TrackedArticle(article, "", now, event_time, article_tokens(title_and_text), text_key, keys, ukey)
            for value in (article.id, ukey, text_key):
                if value:
                    seen[value] = article.id
            records.append(record)
        return records

    def _place(self, records: list[TrackedArticle], now: float, update: TrackerUpdate) -> None:
        """Give the new records their stories (:func:`~summarizer.placement.place_articles`) and save them."""
        placed = place_articles(self.store, self.config, records, now, update)
        stories, members, everything = placed.stories, placed.members, placed.everything
        # The new articles and the stories they changed.
        changed = set()
        for record in records:
            if not self.store.add_article(record):
                raise _StoredMeanwhile(record.article.id)
            update.assigned[record.article.id] = record.story_id
            changed.add(record.story_id)
        changed |= set(update.merged.values()) | set(update.split) | set(update.split.values())
        for story_id in changed:
            story = stories[story_id]
            story.last_event = max([story.last_event] + [everything[i].event_time for i in members[story_id]])
            story.dirty = True
            self.store.save_story(story)
        update.grown_stories = sorted(changed - set(update.new_stories), key=lambda s: stories[s].created)

    # -- briefs --------------------------------------------------------------------------------

    def refresh(self) -> list[StoryUpdate]:
        """Write new briefs for the live stories that changed since their last brief."""
        with self._lock:
            updates = []
            for story in self.store.stories():
                if story.dirty:
                    update = self._refresh_story(story)
                    if update is not None:
                        updates.append(update)
            return updates

    def _refresh_story(self, story: Story) -> StoryUpdate | None:
        """A new brief of ``story``; ``None`` if another tracker merged it away while the brief was written."""
        from .pipeline import InputError

        records = self.store.articles([story.id])
        new_articles = [r.article for r in records if not r.briefed]
        try:
            brief = self._summarize_story([r.article for r in records])
        except InputError as exc:
            logger.warning("story %s: no brief (%s)", story.id, exc)
            if not self._save_brief(story.id, records, None):
                return None
            return StoryUpdate(story.id, None, new_articles, [], story.brief is None, error=str(exc))
        before = {s.get("text") for s in (story.brief or {}).get("sentences", [])}
        new_sentences = [s.text for s in brief.sentences if s.text not in before]
        if not self._save_brief(story.id, records, brief):
            return None
        logger.info("story %s refreshed: %d new articles, %d new sentences", story.id, len(new_articles), len(new_sentences))
        return StoryUpdate(story.id, brief, new_articles, new_sentences, story.brief is None)

    def _save_brief(self, story_id: str, records: list[TrackedArticle], brief: Brief | None) -> bool:
        """Save ``brief`` (``None``: keep the old one) of ``records``, the articles ``story_id`` had; ``False`` if it is gone.

        The brief took a while, and on a shared store another tracker may have
        changed the story meanwhile: the story is read again, and it stays
        dirty if its articles are no longer the ones briefed.
        """
        with self.store.transaction():
            story = self.store.story(story_id)
            if story is None:
                logger.info("story %s was merged into another while its brief was written; brief dropped", story_id)
                return False
            current = [r.article.id for r in self.store.articles([story_id])]
            briefed = [r.article.id for r in records]
            changed = current != briefed
            if changed:
                logger.info("story %s changed while its brief was written; it stays due for a new one", story_id)
            if brief is None:
                self.store.save_story(replace(story, dirty=changed))
                return True
            self.store.save_story(replace(story, dirty=changed, brief=brief.to_dict(), brief_at=self.clock()))
            # An article split off meanwhile is due in its new story's brief, not marked as briefed.
            self.store.mark_briefed(set(briefed) & set(current))
        return True

    def _summarize_story(self, articles: list[Article]) -> Brief:
        """One brief of ``articles``, never split into stories.

        A story larger than the briefer's limits is briefed from its newest
        articles; the older ones are listed in the brief's ``skipped`` with the
        reason, so that no article leaves the story unaccounted for.
        """
        config = self.briefer.config
        kept: list[Article] = []
        total = 0
        for article in reversed(articles):  # the newest articles matter most
            if len(kept) >= config.max_articles or total + len(article.text) > config.max_total_chars:
                break
            kept.append(article)
            total += len(article.text)
        kept = kept[::-1] or articles[-1:]
        left_out = len(articles) - len(kept)
        brief = self._one_story_briefer().summarize(kept)[0]
        # The briefer numbers its inputs from 0; in the story they come after the left-out ones.
        brief.skipped = [replace(s, index=s.index + left_out) for s in brief.skipped]
        if left_out:
            reason = (
                f"left out of the brief: the story has {len(articles)} articles and the brief takes the newest "
                f"{len(kept)} within max_articles={config.max_articles} and max_total_chars={config.max_total_chars:,}"
            )
            brief.skipped[:0] = [Skipped(i, reason, article) for i, article in enumerate(articles[:left_out])]
            brief.warnings.append(f"{left_out} older articles of the story are not in this brief (see skipped)")
        return brief

    def _one_story_briefer(self) -> Any:
        # The tracker has decided what the story is; a briefer that clusters
        # everything into one story writes its brief.  Loading first lets it
        # share the user's models (and lock), so nothing loads twice.
        base = self.briefer
        if not hasattr(base, "with_settings"):
            return base  # not a NewsBriefer: trust it with the story as it is
        if self._story_briefer is None:
            self._story_briefer = base.load().with_settings(one_story=True)
        return self._story_briefer
