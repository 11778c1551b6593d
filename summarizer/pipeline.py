"""The story of a brief: articles in, one attributed brief per story out.

``NewsBriefer.summarize`` reads top to bottom as the pipeline runs:
take the input, clean and split each article, set aside what cannot be used,
cluster the rest into stories, and for each story build the pool, draft the
brief, and attribute and guard every sentence.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any


from .attribution import attribute_sentences
from .cleaning import clean_lines
from .clustering import cluster_articles
from .config import BriefConfig
from .document import Article, Brief, BriefSentence, Skipped
from .embedding import embed_distinct, load_embedder, lookup
from .generation import EXTRACTIVE, Generator, load_generator
from .language import looks_non_english
from .pooling import build_pool
from .splitting import split_sentences

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


class InputError(ValueError):
    """The input cannot be summarised; the message says why."""

    def __init__(self, message: str, skipped: list[Skipped] | None = None) -> None:
        super().__init__(message)
        self.skipped = skipped or []


class InputLimitError(InputError):
    """The input is over one of the configured limits; the message names it."""


# Text that is mostly not letters, or full of replacement and control characters,
# is a binary file or a wrong encoding, not an article.
_JUNK = re.compile(r"[\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class _Prepared:
    """An article after cleaning, with what cleaning removed."""

    article: Article
    index: int
    sentences: list[str]
    removed: list[str]
    warnings: list[str] = field(default_factory=list)


def _as_article(item: Any, index: int) -> Article:
    if isinstance(item, Article):
        return item
    if isinstance(item, str):
        return Article(item)
    if isinstance(item, Mapping) and isinstance(item.get("text"), str):
        fields = {k: item.get(k) for k in ("text", "title", "source", "url", "published")}
        return Article(**fields)
    raise InputError(
        f"Input {index + 1} is a {type(item).__name__}; pass Article objects, strings, "
        "or dicts with a 'text' string."
    )


def _prepare(article: Article, index: int, config: BriefConfig) -> _Prepared | Skipped:
    text = article.text
    if not text.strip():
        return Skipped(index, "the article is empty", article)
    if len(text) > config.max_article_chars:
        return Skipped(
            index,
            f"the article has {len(text):,} characters, over the limit "
            f"max_article_chars={config.max_article_chars:,}",
            article,
        )
    junk = len(_JUNK.findall(text)) / len(text)
    letters = len(_LETTER.findall(text)) / len(text)
    if junk > 0.05 or letters < 0.4:
        return Skipped(index, "the input does not look like text (binary data or a wrong encoding)", article)
    cleaned = clean_lines(text)
    if cleaned.not_an_article is not None:
        return Skipped(index, f"the page is not an article (it says: \"{cleaned.not_an_article[:120]}\")", article)
    sentences = split_sentences(cleaned.text)
    if len(sentences) < config.min_sentences:
        return Skipped(
            index,
            f"no news sentences left after cleaning ({len(cleaned.removed)} boilerplate "
            f"line{'' if len(cleaned.removed) == 1 else 's'} removed)",
            article,
        )
    # Warnings that reading the article raised (a page read by a fallback) travel to its brief.
    prepared = _Prepared(article, index, sentences, cleaned.removed, [f"{article.label}: {w}" for w in article.warnings])
    if looks_non_english(" ".join(sentences)):
        prepared.warnings.append(
            f"{article.label} does not look like English; the models are English-only, so expect a weak brief"
        )
    return prepared


class NewsBriefer:
    """Summarise news articles into one attributed brief per story.

    ``model`` is ``None`` for the default, the extractive mode (``"extractive"``:
    the outlets' own pool sentences, no language model), which measured level
    with the embedded model on ROUGE-1 and ROUGE-2 and is faster (issue #15);
    ``"embedded"`` for the embedded SmolLM2-135M-Instruct, which rewrites and
    fuses pool sentences (each checked by the guard, and marked ``rewritten``
    in the brief); or a Hugging Face hub id, a local model folder, or a
    ``.gguf`` file.  ``embedder`` is ``None`` for the bundled all-MiniLM-L6-v2
    or any sentence-transformers model id or path, or a loaded
    ``SentenceTransformer`` to share between briefers.  Other keyword
    arguments set fields of :class:`BriefConfig`.

    One briefer can be shared between threads: its calls run one at a time.
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        embedder: str | os.PathLike[str] | Any | None = None,
        target_words: int | None = None,
        config: BriefConfig | None = None,
        **settings: Any,
    ) -> None:
        config = config or BriefConfig()
        if target_words is not None:
            settings["target_words"] = target_words
        self.config = replace(config, **settings) if settings else config
        self.model_name = model
        self.embedder_name = embedder
        self._embedder = None
        self._generator: Generator | None = None
        self._lock = threading.RLock()

    # -- models -------------------------------------------------------------

    @property
    def embedder(self):
        """The sentence embedder, loaded on first use."""
        with self._lock:
            if self._embedder is None:
                if self.embedder_name is None or isinstance(self.embedder_name, (str, os.PathLike)):
                    self._embedder = load_embedder(self.embedder_name, backend=self.config.embedder_backend)
                else:  # an embedder object already loaded elsewhere, shared
                    self._embedder = self.embedder_name
            return self._embedder

    @property
    def generator(self) -> Generator:
        """The brief writer, loaded on first use."""
        with self._lock:
            if self._generator is None:
                self._generator = load_generator(self.model_name, self.config)
            return self._generator

    def with_settings(self, **settings: Any) -> NewsBriefer:
        """A briefer with other :class:`BriefConfig` settings that shares this one's loaded models.

        ``briefer.with_settings(target_words=120).summarize(articles)`` changes
        the length for one call without loading anything again.  The two share
        one lock, so they still run one at a time.
        """
        sibling = NewsBriefer(self.model_name, self.embedder_name, config=replace(self.config, **settings))
        with self._lock:
            sibling._generator = self._generator
            if sibling.config.embedder_backend == self.config.embedder_backend:
                sibling._embedder = self._embedder
        sibling._lock = self._lock
        return sibling

    def load(self) -> NewsBriefer:
        """Load both models now rather than on the first ``summarize``."""
        _ = self.embedder, self.generator
        return self

    # -- the pipeline -------------------------------------------------------

    def summarize(self, articles: Iterable[Article | str] | Article | str, progress: Progress | None = None) -> list[Brief]:
        """One brief per story, the story with the most articles first.

        Raises :class:`InputError` when nothing can be summarised (no articles,
        a wrong type, or every article unusable, with the reasons) and
        :class:`InputLimitError` when the input is over a configured limit.
        Articles that cannot be used are listed in each brief's ``skipped``.
        """
        with self._lock:
            return self._summarize(articles, progress or (lambda fraction, message: None))

    def _summarize(self, articles: Any, progress: Progress) -> list[Brief]:
        config = self.config
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        # 1. Take the input and check it against the limits.
        items = [articles] if isinstance(articles, (str, Article)) else list(articles)
        if not items:
            raise InputError("No articles given: pass at least one article.")
        if len(items) > config.max_articles:
            raise InputLimitError(
                f"{len(items)} articles given; the limit is max_articles={config.max_articles}. "
                "Split the input or raise the limit."
            )
        inputs = [_as_article(item, i) for i, item in enumerate(items)]
        total = sum(len(a.text) for a in inputs)
        if total > config.max_total_chars:
            raise InputLimitError(
                f"The articles hold {total:,} characters; the limit is max_total_chars={config.max_total_chars:,}."
            )

        # 2. Clean and split each article; set aside what cannot be used.
        progress(0.05, "Cleaning articles")
        prepared: list[_Prepared] = []
        skipped: list[Skipped] = []
        seen: dict[str, int] = {}
        for i, article in enumerate(inputs):
            result = _prepare(article, i, config)
            if isinstance(result, Skipped):
                skipped.append(result)
                continue
            key = " ".join(result.sentences).lower()
            if article.id in seen or key in seen:
                first = seen.get(article.id, seen.get(key, 0))
                skipped.append(Skipped(i, f"duplicate of input {first + 1}", article))
                continue
            seen[article.id] = seen[key] = i
            prepared.append(result)
        for s in skipped:
            logger.warning("Input %d not used: %s", s.index + 1, s.reason)
        if not prepared:
            reasons = "; ".join(f"input {s.index + 1}: {s.reason}" for s in skipped)
            raise InputError(f"None of the articles can be summarised ({reasons}).", skipped)
        timings["cleaning"] = time.perf_counter() - clock

        # 3. Cluster the articles into stories.
        progress(0.15, "Loading models" if self._embedder is None else "Grouping articles into stories")
        embedder = self.embedder
        clock = time.perf_counter()
        usable = [p.article for p in prepared]
        if config.one_story:
            labels = [0] * len(usable)
        else:
            labels = cluster_articles(usable, embedder, config, sentences=[p.sentences for p in prepared])
        stories: dict[int, list[_Prepared]] = {}
        for label, p in zip(labels, prepared):
            stories.setdefault(label, []).append(p)
        ordered = sorted(stories.values(), key=lambda group: (-len(group), group[0].index))
        logger.info("%d usable articles in %d stories (%d skipped)", len(prepared), len(ordered), len(skipped))
        timings["clustering"] = time.perf_counter() - clock

        # 4. Embed every sentence of every story once, in full batches: the
        # pools and the guard look them up instead of encoding story by story.
        progress(0.2, "Embedding sentences")
        clock = time.perf_counter()
        vectors = embed_distinct(embedder, (s for p in prepared for s in p.sentences), config.show_progress)
        timings["embedding"] = time.perf_counter() - clock

        generator = self.generator
        briefs = []
        for n, story in enumerate(ordered):
            base = 0.25 + 0.7 * n / len(ordered)
            step = 0.7 / len(ordered)
            progress(base, f"Story {n + 1} of {len(ordered)}: merging sentences")
            briefs.append(self._brief(story, embedder, vectors, generator, skipped, timings, progress, base, step))
        progress(1.0, "Done")
        return briefs

    def _brief(
        self,
        story: list[_Prepared],
        embedder: Any,
        vectors: Mapping[str, Any],
        generator: Generator,
        skipped: list[Skipped],
        shared_timings: dict[str, float],
        progress: Progress,
        base: float,
        step: float,
    ) -> Brief:
        config = self.config
        # A story's articles in a canonical order (their content ids), so that its
        # pool, and hence its brief, does not depend on the order of the input.
        story = sorted(story, key=lambda p: p.article.id)
        articles = [p.article for p in story]
        timings = dict(shared_timings)

        # 5. Merge the story's sentences into one ranked pool.
        clock = time.perf_counter()
        pool = build_pool(articles, embedder, config, sentences=[p.sentences for p in story], vectors=vectors)
        pool_vectors = lookup(embedder, [p.text for p in pool], vectors)
        timings["pooling"] = time.perf_counter() - clock

        # 6. Draft the brief.
        progress(base + step * 0.3, f"Writing the brief with {generator.name}")
        logger.info("Story of %d articles: %d pool sentences; generating with %s", len(story), len(pool), generator.name)
        clock = time.perf_counter()
        warnings = [w for p in story for w in p.warnings]
        try:
            drafts = generator.draft(pool, config)
            model_name = generator.name
        except Exception as exc:  # one story's failure must not sink the others
            logger.warning("Generation failed (%s: %s); using the extractive brief", type(exc).__name__, exc)
            warnings.append(f"the model failed ({type(exc).__name__}: {exc}); this brief is extractive")
            drafts = load_generator(EXTRACTIVE).draft(pool, config)
            model_name = EXTRACTIVE
        timings["generation"] = time.perf_counter() - clock

        # 7. Attribute every sentence and guard against inventions.
        progress(base + step * 0.8, "Checking every sentence against the sources")
        clock = time.perf_counter()
        kept, dropped = attribute_sentences(
            [d.text for d in drafts], pool, embedder, config, pool_vectors, [d.inputs for d in drafts]
        )
        guard = guard_counts(len(drafts), kept, dropped)
        if not kept:  # the model wrote nothing the sources support
            warnings.append(f"{model_name} wrote no supported sentence; this brief is extractive")
            drafts = load_generator(EXTRACTIVE).draft(pool, config)
            kept, more_dropped = attribute_sentences(
                [d.text for d in drafts], pool, embedder, config, pool_vectors, [d.inputs for d in drafts]
            )
            dropped += more_dropped
            model_name = EXTRACTIVE
        timings["attribution"] = time.perf_counter() - clock

        # Cite articles in the order the brief first relies on them; uncited ones follow.
        cited = list(dict.fromkeys(a for s in kept for a in s.sources))
        by_id = {a.id: a for a in articles}
        articles = [by_id[a] for a in cited] + [a for a in articles if a.id not in cited]
        stats = {
            "articles": len(articles),
            "sentences": sum(len(p.sentences) for p in story),
            "pool_sentences": len(pool),
            "multi_source_sentences": sum(len(p.article_ids) > 1 for p in pool),
            "boilerplate_lines_removed": sum(len(p.removed) for p in story),
            # What the guard did to the generator's own sentences (before any
            # extractive fallback): a replacement is pool text, supported by
            # construction, so it is not counted as a supported sentence.
            **guard,
            "words": sum(len(s.text.split()) for s in kept),
            "seconds": {k: round(v, 3) for k, v in timings.items()},
        }
        return Brief(
            text=" ".join(s.text for s in kept),
            sentences=kept,
            articles=articles,
            pool=pool,
            skipped=list(skipped),
            dropped=dropped,
            model=model_name,
            warnings=warnings,
            stats=stats,
        )


def guard_counts(drafted: int, kept: Sequence[BriefSentence], dropped: Sequence[BriefSentence]) -> dict[str, int]:
    """What the guard did to ``drafted`` sentences of the generator.

    ``drafted_supported`` counts the generator's sentences that stood as written;
    ``unsupported_caught`` those it replaced with pool text or dropped.
    """
    replaced = sum(s.generated is not None for s in kept)
    unsupported_dropped = sum(not s.supported for s in dropped)
    repeats = sum(s.supported for s in dropped)
    return {
        "drafted": drafted,
        "drafted_supported": sum(s.supported and s.generated is None for s in kept) + repeats,
        "replaced": replaced,
        "dropped": unsupported_dropped,
        "repeats_dropped": repeats,
        "kept_unsupported": sum(not s.supported for s in kept),  # guard="keep"
        "unsupported_caught": replaced + unsupported_dropped,
    }


_default_briefers: dict[tuple, NewsBriefer] = {}
_default_lock = threading.Lock()


def summarize(articles: Iterable[Article | str] | Article | str, **settings: Any) -> list[Brief]:
    """Summarise ``articles`` with a shared :class:`NewsBriefer`.

    Keyword arguments are those of :class:`NewsBriefer`; briefers are reused
    across calls with the same arguments, so models load once per process.
    """
    key = tuple(sorted((k, repr(v)) for k, v in settings.items()))
    with _default_lock:
        briefer = _default_briefers.get(key)
        if briefer is None:
            briefer = _default_briefers[key] = NewsBriefer(**settings)
    return briefer.summarize(articles)
