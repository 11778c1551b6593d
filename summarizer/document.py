"""The small dataclasses that travel through the pipeline."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


#: Marks a brief sentence in markdown that a model wrote in its own words.
REWRITTEN_MARK = "\u2020"


@dataclass
class Article:
    """One news article as the user gave it.

    ``id`` is derived from the content, so the same article gets the same id in
    every run and process, and an article pasted twice is recognised.
    ``warnings`` say what the reader should know about how the text was
    obtained (say, a page whose main text could not be found); they are not
    content and do not change the id.
    """

    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    warnings: list[str] = field(default_factory=list)
    id: str = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError(f"Article text must be str, got {type(self.text).__name__}")
        for name in ("title", "source", "url", "published"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                setattr(self, name, str(value))
        if isinstance(self.warnings, str):  # iterated, one warning would become one per character
            raise TypeError("Article warnings must be a list of str, not a str")
        self.warnings = [str(warning) for warning in self.warnings]
        digest = hashlib.sha1()
        for part in (self.source, self.url, self.title, self.text):
            digest.update((part or "").encode("utf-8", "surrogatepass"))
            digest.update(b"\x1f")
        self.id = "a" + digest.hexdigest()[:10]

    @property
    def label(self) -> str:
        """A short human name: the outlet, else the title, else the id."""
        return self.source or self.title or self.url or self.id

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PoolSentence:
    """One deduplicated sentence of a story and every place it was found.

    ``occurrences`` holds ``(article id, sentence index)`` pairs, the index
    counting the article's sentences after cleaning and splitting.
    """

    text: str
    occurrences: list[tuple[str, int]]
    score: float = 0.0
    variants: list[str] = field(default_factory=list)

    @property
    def article_ids(self) -> list[str]:
        """The articles that carried this sentence, each once, in order."""
        return list(dict.fromkeys(article_id for article_id, _ in self.occurrences))

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "occurrences": [list(o) for o in self.occurrences],
            "score": round(self.score, 4),
            "variants": list(self.variants),
        }


@dataclass
class BriefSentence:
    """A sentence of a brief with what supports it.

    ``support`` indexes into the brief's ``pool``; ``sources`` are the ids of the
    articles behind that support.  ``generated`` keeps the model's own sentence
    when the guard replaced it; ``rewritten`` says that ``text`` is the model's
    own wording (the guard found it supported), not a sentence of the sources.
    """

    text: str
    sources: list[str]
    support: list[int]
    supported: bool
    generated: str | None = None
    reason: str | None = None
    rewritten: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Skipped:
    """An input that no brief uses, and why."""

    index: int
    reason: str
    article: Article | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "reason": self.reason,
            "article": self.article.to_dict() if self.article else None,
        }


@dataclass
class Brief:
    """The brief of one story."""

    text: str
    sentences: list[BriefSentence]
    articles: list[Article]
    pool: list[PoolSentence]
    skipped: list[Skipped] = field(default_factory=list)
    dropped: list[BriefSentence] = field(default_factory=list)
    model: str = ""
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def citation_numbers(self) -> dict[str, int]:
        """Article id to its 1-based citation number in this brief."""
        return {article.id: n for n, article in enumerate(self.articles, start=1)}

    def citations(self, sentence: BriefSentence) -> list[tuple[int, Article]]:
        """The articles ``sentence`` cites with their citation numbers, lowest number first."""
        numbers = self.citation_numbers()
        by_id = {article.id: article for article in self.articles}
        return sorted(((numbers[s], by_id[s]) for s in set(sentence.sources) if s in numbers), key=lambda c: c[0])

    def to_dict(self) -> dict[str, Any]:
        """Everything in the brief as JSON-serialisable data."""
        return {
            "text": self.text,
            "sentences": [s.to_dict() for s in self.sentences],
            "articles": [a.to_dict() for a in self.articles],
            "pool": [p.to_dict() for p in self.pool],
            "skipped": [s.to_dict() for s in self.skipped],
            "dropped": [s.to_dict() for s in self.dropped],
            "model": self.model,
            "warnings": list(self.warnings),
            "stats": dict(self.stats),
        }

    def to_markdown(self, with_skipped: bool = True) -> str:
        """The brief with ``[n]`` citations and a numbered source list.

        ``with_skipped=False`` leaves out the inputs that were not used: every
        brief of one run lists the same ones, so a caller printing several
        briefs prints them once (see :func:`skipped_markdown`).
        """
        numbers = self.citation_numbers()
        lines = []
        for sentence in self.sentences:
            marks = "".join(f"[{n}]" for n, _ in self.citations(sentence))
            lines.append(f"{sentence.text}{REWRITTEN_MARK if sentence.rewritten else ''} {marks}".rstrip())
        body = " ".join(lines)
        sources = []
        for article in self.articles:
            name = article.source or article.title or article.id
            if article.title and article.source:
                name = f"{article.source}: {article.title}"
            if article.url and article.url.lower().startswith(("http://", "https://")):
                # Only web links: a "javascript:" URL pasted into an article must not become one.
                name = f"[{name}]({article.url.replace(')', '%29').replace(' ', '%20')})"
            sources.append(f"{numbers[article.id]}. {name}")
        parts = [body]
        if any(s.rewritten for s in self.sentences):
            parts += ["", f"{REWRITTEN_MARK} rewritten by {self.model}, checked against the sources cited"]
        parts += ["", "Sources:", *sources]
        if with_skipped and self.skipped:
            parts += ["", skipped_markdown(self.skipped)]
        return "\n".join(parts)


def skipped_markdown(skipped: list[Skipped]) -> str:
    """The inputs a run did not use, one line each with the reason."""
    return "\n".join(["Not used:", *(f"- input {s.index + 1}: {s.reason}" for s in skipped)])
