"""Stage 5: merge a story's articles into one deduplicated, ranked sentence pool.

Sentences from different outlets that say the same thing collapse into one
pool sentence that remembers every place it was found.  A merge must not lose
a fact: the sentence that stands for a group carries every name, number and
date of the group and most of each member's content words, or the sentences
stay apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .clustering import article_sentences
from .config import BriefConfig
from .document import Article, PoolSentence
from .embedding import embed, load_embedder
from .facts import Facts, content_words, extract_facts, missing_facts

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


@dataclass
class _Candidate:
    text: str
    article: int
    index: int
    facts: Facts
    words: set[str]


def covers(representative: str, member: str, min_coverage: float = BriefConfig.dedup_min_coverage) -> bool:
    """Whether ``representative`` says all that ``member`` says, as far as facts and words show."""
    rep_facts, member_facts = extract_facts(representative), extract_facts(member)
    if missing_facts(member_facts, rep_facts):
        return False
    words = content_words(member)
    if not words:
        return True
    return len(words & content_words(representative)) / len(words) >= min_coverage


def _richness(candidate: _Candidate) -> tuple[int, int, int, int]:
    # The representative keeps the most facts, then the most words; ties go to
    # the earliest article so the pool reads like the first outlet.
    return (len(candidate.facts.all), len(candidate.words), -candidate.article, -candidate.index)


def _group_covered(members: list[_Candidate], min_coverage: float) -> _Candidate | None:
    representative = max(members, key=_richness)
    for member in members:
        if member is representative:
            continue
        if missing_facts(member.facts, representative.facts):
            return None
        if member.words and len(member.words & representative.words) / len(member.words) < min_coverage:
            return None
    return representative


def build_pool(
    articles: Sequence[Article],
    embedder: SentenceTransformer | None = None,
    config: BriefConfig = BriefConfig(),
) -> list[PoolSentence]:
    """Merge the sentences of ``articles`` (one story) into a ranked pool.

    Each :class:`PoolSentence` keeps every ``(article id, sentence index)`` it
    stands for.  The pool is ordered for the generator: the most important
    sentences first (carried by more outlets, closer to the story's centre,
    nearer the top of an article), ties in the original order.
    """
    candidates: list[_Candidate] = []
    for a, article in enumerate(articles):
        for i, sentence in enumerate(article_sentences(article)):
            candidates.append(_Candidate(sentence, a, i, extract_facts(sentence), content_words(sentence)))
    if not candidates:
        return []
    embedder = embedder if embedder is not None else load_embedder()
    vectors = embed(embedder, [c.text for c in candidates], show_progress=config.show_progress)
    similarity = vectors @ vectors.T

    # Greedy single-link merging from the most similar pair down, each merge
    # checked against the group's representative so no fact is lost.
    groups: list[list[int]] = [[i] for i in range(len(candidates))]
    group_of = list(range(len(candidates)))
    upper = np.triu(similarity, k=1)
    pairs = np.argwhere(upper >= config.dedup_threshold)
    order = np.argsort(-upper[pairs[:, 0], pairs[:, 1]], kind="stable") if len(pairs) else []
    for k in order:
        i, j = (int(x) for x in pairs[k])
        gi, gj = group_of[i], group_of[j]
        if gi == gj:
            continue
        members = [candidates[m] for m in groups[gi] + groups[gj]]
        if len({m.article for m in members}) < len(members) and candidates[i].text != candidates[j].text:
            continue  # one article does not say the same thing twice in other words
        if _group_covered(members, config.dedup_min_coverage) is None:
            continue
        groups[gi].extend(groups[gj])
        for m in groups[gj]:
            group_of[m] = gi
        groups[gj] = []

    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    pool: list[tuple[tuple[float, int, int], PoolSentence]] = []
    for members_idx in groups:
        if not members_idx:
            continue
        members = [candidates[m] for m in sorted(members_idx, key=lambda m: (candidates[m].article, candidates[m].index))]
        representative = max(members, key=_richness)
        outlets = len({m.article for m in members})
        first_index = min(m.index for m in members)
        group_vector = vectors[members_idx].mean(axis=0)
        centrality = float(group_vector @ centroid / (np.linalg.norm(group_vector) or 1.0))
        score = outlets / len(articles) + 0.5 * centrality + 0.5 / (1 + first_index)
        occurrences = [(articles[m.article].id, m.index) for m in members]
        variants = list(dict.fromkeys(m.text for m in members if m.text != representative.text))
        first = min((m.article, m.index) for m in members)
        pool.append(((-score, first[1], first[0]), PoolSentence(representative.text, occurrences, score, variants)))
    pool.sort(key=lambda item: item[0])
    return [p for _, p in pool]
