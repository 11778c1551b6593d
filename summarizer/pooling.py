"""Stage 5: merge a story's articles into one deduplicated, ranked sentence pool.

Sentences from different outlets that say the same thing collapse into one
pool sentence that remembers every place it was found.  A merge must not lose
a fact: the sentence that stands for a group carries every name, number and
date of the group, or the sentences stay apart.

Two passes find the groups:

1. *Pairs on their own.*  :func:`sentences_match` decides whether two
   sentences say the same thing from the sentences alone: their embedding
   similarity, how much of each one's content words the other carries, and the
   longest stretch of words one has that the other lacks (an added clause, the
   usual way two near-identical news sentences differ in meaning).
2. *Pairs in context.*  Two outlets that share a report (wire copy, a press
   release) keep its order, so a sentence whose neighbours are already merged
   with the neighbours of a sentence in the other article is the same sentence
   reworded, even when the rewording is too free for the first pass ("But
   Ukraine has complicated ties." / "But the war has complicated relations.").
   Such pairs merge at a much lower similarity, still only when no fact is lost.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .clustering import split_articles
from .config import BriefConfig
from .document import Article, PoolSentence
from .embedding import load_embedder, lookup
from .facts import _NUMBER_WORDS, content_words, extract_facts, missing_facts

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"[a-z0-9]+(?:[.,]\d+)*")
_ALNUM = re.compile(r"[a-z0-9]+")
#: Words of this many letters or more compare by their first letters only, a
#: cheap stemmer: "economy"/"economic", "payment"/"payments".
_STEM = 5


# --- evidence about one pair -------------------------------------------------


@dataclass(frozen=True)
class _Words:
    """One sentence as the pair features see it."""

    tokens: tuple[str, ...]  # stems of every word, stop words included, in order
    token_set: frozenset[str]
    content: frozenset[str]  # stems of the content words
    lower_words: frozenset[str]  # every alphanumeric word, for finding a name written otherwise


def _stem(word: str) -> str:
    word = _NUMBER_WORDS.get(word, word)
    if word[0].isdigit():
        return word.replace(",", "")
    return word[:_STEM]


@lru_cache(maxsize=65536)
def _words(sentence: str) -> _Words:
    low = sentence.lower().replace("\u2019", "'")
    low = re.sub(r"'s\b", "", low)
    raw = _TOKEN.findall(low)
    tokens = tuple(_stem(w) for w in raw)
    content = frozenset(_stem(w) for w in raw if w not in ENGLISH_STOP_WORDS and len(w) > 1)
    lower_words = frozenset(_ALNUM.findall(low)) | frozenset(_ALNUM.findall(low.replace(".", "")))
    return _Words(tokens, frozenset(tokens), content, lower_words)


#: Names that news copy writes in more than one way.  Each entry lists the
#: words any one of which stands for the name.
_ALIASES: dict[str, frozenset[str]] = {
    "us": frozenset({"us", "america", "american", "americans", "united"}),
    "united": frozenset({"us", "united"}),
    "states": frozenset({"us", "states"}),
    "america": frozenset({"us", "america", "american"}),
    "american": frozenset({"us", "america", "american", "americans"}),
    "uk": frozenset({"uk", "britain", "british", "united"}),
    "britain": frozenset({"uk", "britain", "british"}),
    "british": frozenset({"uk", "britain", "british"}),
    "un": frozenset({"un", "united", "nations"}),
    "nations": frozenset({"un", "nations"}),
    "eu": frozenset({"eu", "european"}),
    "european": frozenset({"eu", "european", "europe"}),
}


def _name_written_out(name: str, words: frozenset[str]) -> bool:
    # "Revenue" that opens one sentence is "revenue" inside the other, and
    # "DVD-CCA" is "DVD CCA": the name is there, only cased or split otherwise.
    parts = _ALNUM.findall(name)
    if not parts or "".join(parts) in words:
        return True
    if words & _ALIASES.get("".join(parts), frozenset()):
        return True
    long_parts = [p for p in parts if len(p) > 1]
    return bool(long_parts) and all(p in words for p in long_parts)


def lost_facts(member: str, representative: str, common_words: frozenset[str] = frozenset()) -> list[str]:
    """The names, numbers and dates of ``member`` that ``representative`` lacks.

    Names are looked up leniently (any case, hyphens and dots ignored), numbers
    and dates exactly: "killed 12" never stands for "killed 15".  A capitalised
    first word that is in ``common_words`` (words seen in lower case elsewhere,
    see :func:`story_common_words`) is no name: "Emergency crews" opens a
    sentence, "a state of emergency" ends another.
    """
    member_facts = extract_facts(member)
    missing = missing_facts(member_facts, extract_facts(representative))
    if not missing:
        return []
    words = _words(representative).lower_words
    first = _ALNUM.findall(member.lower())[:1]
    return [
        m for m in missing
        if not (m in member_facts.names and (_name_written_out(m, words) or ([m] == first and m in common_words)))
    ]


def story_common_words(sentences: Sequence[str]) -> frozenset[str]:
    """Words that some sentence writes in lower case after its first word: not names."""
    common: set[str] = set()
    for sentence in sentences:
        common.update(w for w in re.findall(r"(?<=\s)[a-z][a-z-]*", sentence))
    return frozenset(common)


def _longest_gap(tokens: Sequence[str], other: frozenset[str]) -> int:
    best = current = 0
    for token in tokens:  # the pair checks' innermost loop: kept free of calls
        if token in other:
            current = 0
        else:
            current += 1
            if current > best:
                best = current
    return best


@dataclass(frozen=True)
class PairEvidence:
    """What :func:`sentences_match` weighs about two sentences."""

    #: Cosine similarity of the sentence embeddings.
    similarity: float
    #: The smaller of the two shares of one sentence's content words found in the other.
    coverage: float
    #: The longest run of words in either sentence that the other does not have.
    longest_gap: int
    #: Difference in length, in words.
    length_gap: int
    #: Whether one of the two carries every name, number and date of the other.
    facts_kept: bool


def _word_overlap(a: str, b: str) -> tuple[float, int, int]:
    """Coverage, longest gap and length gap of two sentences (see :class:`PairEvidence`)."""
    wa, wb = _words(a), _words(b)
    shared = len(wa.content & wb.content)
    coverage = min(shared / len(wa.content) if wa.content else 1.0, shared / len(wb.content) if wb.content else 1.0)
    gap = max(_longest_gap(wa.tokens, wb.token_set), _longest_gap(wb.tokens, wa.token_set))
    return coverage, gap, abs(len(wa.tokens) - len(wb.tokens))


def _keeps_facts(a: str, b: str, common_words: frozenset[str]) -> bool:
    return not lost_facts(a, b, common_words) or not lost_facts(b, a, common_words)


def pair_evidence(a: str, b: str, similarity: float, common_words: frozenset[str] = frozenset()) -> PairEvidence:
    """Measure what two sentences share; ``similarity`` is their embedding cosine.

    ``common_words`` are words known not to be names (see :func:`lost_facts`).
    """
    return PairEvidence(float(similarity), *_word_overlap(a, b), _keeps_facts(a, b, common_words))


def _score(similarity: float, coverage: float, longest_gap: int, length_gap: int, config: BriefConfig) -> float:
    return (
        similarity
        + config.dedup_coverage_weight * coverage
        - config.dedup_gap_weight * longest_gap
        - config.dedup_length_weight * length_gap
    )


def match_score(evidence: PairEvidence, config: BriefConfig = BriefConfig()) -> float:
    """How surely two sentences say the same thing; they merge at ``config.dedup_threshold``.

    Embedding similarity alone cannot tell a paraphrase from a sentence with a
    clause added (both read alike), so shared content words count for it and a
    long run of words only one sentence has counts against it.
    """
    return _score(evidence.similarity, evidence.coverage, evidence.longest_gap, evidence.length_gap, config)


def sentences_match(
    a: str,
    b: str,
    similarity: float,
    config: BriefConfig = BriefConfig(),
    common_words: frozenset[str] = frozenset(),
) -> bool:
    """Whether sentences ``a`` and ``b`` may be one pool sentence, judged on their own.

    ``similarity`` is the cosine of their embeddings.  They match when one of
    them carries every fact of the other and :func:`match_score` reaches
    ``config.dedup_threshold``.  :func:`build_pool` merges on exactly this
    decision (and, in context, on a looser one); there ``common_words`` are
    the story's lower-case words, which no first word of a sentence names.
    """
    if a == b:
        return True
    return _matched_score(a, b, similarity, config, common_words) is not None


def _matched_score(
    a: str, b: str, similarity: float, config: BriefConfig, common_words: frozenset[str]
) -> float | None:
    """The :func:`match_score` of two different sentences that match on their own, else ``None``."""
    score = _score(float(similarity), *_word_overlap(a, b), config)
    # Comparing facts costs the most, so it waits until the words score high enough.
    if score >= config.dedup_threshold and _keeps_facts(a, b, common_words):
        return score
    return None


def covers(
    representative: str,
    member: str,
    min_coverage: float = BriefConfig.dedup_min_coverage,
    common_words: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``representative`` says all that ``member`` says, as far as facts and words show."""
    if lost_facts(member, representative, common_words):
        return False
    words = content_words(member)
    if not words:
        return True
    return len(words & content_words(representative)) / len(words) >= min_coverage


# --- the pool ----------------------------------------------------------------


@dataclass
class _Candidate:
    text: str
    article: int
    index: int
    richness: tuple[int, int]


@lru_cache(maxsize=65536)
def _richness(sentence: str) -> tuple[int, int]:
    return (len(extract_facts(sentence).all), len(content_words(sentence)))


class _Groups:
    """Union of sentences into groups, each merge checked so no fact is lost."""

    def __init__(self, candidates: list[_Candidate], min_coverage: float, common_words: frozenset[str]) -> None:
        self.candidates = candidates
        self.common_words = common_words
        self.min_coverage = min_coverage
        self.members: list[list[int]] = [[i] for i in range(len(candidates))]
        self.group_of = list(range(len(candidates)))
        self._carried: dict[tuple[str, str, bool], bool] = {}

    def _union(self, gi: int, gj: int) -> None:
        self.members[gi] = self.members[gi] + self.members[gj]
        for m in self.members[gj]:
            self.group_of[m] = gi
        self.members[gj] = []

    def join(self, members: list[int]) -> None:
        """Put candidates with one and the same wording into one group (no check needed)."""
        for m in members[1:]:
            if not self.same(members[0], m):
                self._union(self.group_of[members[0]], self.group_of[m])

    def same(self, i: int, j: int) -> bool:
        return self.group_of[i] == self.group_of[j]

    def representative(self, members: list[int], check_words: bool) -> int | None:
        """The member that carries every other member's facts, else ``None``.

        The richest such member wins (most facts, then most words); ties go to
        the earliest article so the pool reads like the first outlet.
        """
        ranked = sorted(
            members,
            key=lambda m: (self.candidates[m].richness, -self.candidates[m].article, -self.candidates[m].index),
            reverse=True,
        )
        wordings = {self.candidates[m].text for m in members}
        tried: set[str] = set()
        for rep in ranked:
            rep_text = self.candidates[rep].text
            if rep_text in tried:  # a copy of a wording already found wanting
                continue
            tried.add(rep_text)
            if all(self._carries(rep_text, text, check_words) for text in wordings):
                return rep
        return None

    def _carries(self, rep: str, member: str, check_words: bool) -> bool:
        if rep == member:
            return True
        # A group is re-checked each time it grows, mostly on pairs seen before.
        key = (rep, member, check_words)
        if key not in self._carried:
            if check_words:
                self._carried[key] = covers(rep, member, self.min_coverage, self.common_words)
            else:
                self._carried[key] = not lost_facts(member, rep, self.common_words)
        return self._carried[key]

    def try_merge(self, i: int, j: int, check_words: bool) -> bool:
        gi, gj = self.group_of[i], self.group_of[j]
        if gi == gj:
            return False
        members = self.members[gi] + self.members[gj]
        texts = {self.candidates[m].text for m in members}
        articles = [self.candidates[m].article for m in members]
        # One article does not say the same thing twice in other words: two of
        # its sentences in one group means the group has drifted.
        if len(set(articles)) < len(articles) and len(texts) > 1:
            return False
        if self.representative(members, check_words) is None:
            return False
        self._union(gi, gj)
        return True


def _context_pairs(
    candidates: list[_Candidate],
    copies: list[list[int]],
    groups: _Groups,
    similarity: np.ndarray,
    floor: float,
) -> list[tuple[float, int, int]]:
    """Unmerged cross-article pairs whose previous or next sentences are merged with each other.

    ``similarity`` is between distinct wordings and ``copies`` lists the
    candidates of each wording.  All copies of a wording are in one group, so
    one pair per two wordings stands for all their copies.
    """
    position = {(c.article, c.index): n for n, c in enumerate(candidates)}

    def merged_neighbours(members: list[int]) -> dict[tuple[int, int], set[int]]:
        # (step, group of the neighbour) -> the articles whose copy has that neighbour
        found: dict[tuple[int, int], set[int]] = {}
        for m in members:
            c = candidates[m]
            for step in (-1, 1):
                n = position.get((c.article, c.index + step))
                if n is not None and len(groups.members[groups.group_of[n]]) > 1:
                    found.setdefault((step, groups.group_of[n]), set()).add(c.article)
        return found

    neighbours = [merged_neighbours(members) for members in copies]
    pairs = []
    for p, q in zip(*np.nonzero(np.triu(similarity >= floor, k=1))):
        if groups.same(copies[p][0], copies[q][0]):
            continue
        shared = neighbours[p].keys() & neighbours[q].keys()
        # Aligned when two copies in different articles have neighbours in one group.
        if any(len(neighbours[p][key] | neighbours[q][key]) > 1 for key in shared):
            pairs.append((float(similarity[p, q]), copies[p][0], copies[q][0]))
    pairs.sort(key=lambda p: -p[0])
    return pairs


def build_pool(
    articles: Sequence[Article],
    embedder: SentenceTransformer | None = None,
    config: BriefConfig = BriefConfig(),
    sentences: Sequence[Sequence[str]] | None = None,
    vectors: Mapping[str, np.ndarray] | None = None,
) -> list[PoolSentence]:
    """Merge the sentences of ``articles`` (one story) into a ranked pool.

    Each :class:`PoolSentence` keeps every ``(article id, sentence index)`` it
    stands for.  The pool is ordered for the generator: the most important
    sentences first (carried by more outlets, closer to the story's centre,
    nearer the top of an article), ties in the original order.  ``sentences``,
    one list per article, are the articles'
    :func:`~summarizer.clustering.article_sentences` when the caller has them
    already, and ``vectors`` their embeddings by text
    (:func:`~summarizer.embedding.embed_distinct`), when the caller embedded
    several stories' sentences in one batch; sentences missing from it are
    embedded here.
    """
    # The same article twice (equal ids) would put each sentence in the pool twice.
    unique = {article.id: (article, s) for article, s in zip(articles, split_articles(articles, sentences))}
    articles = [article for article, _ in unique.values()]
    candidates: list[_Candidate] = []
    for a, (_, article_split) in enumerate(unique.values()):
        for i, sentence in enumerate(article_split):
            candidates.append(_Candidate(sentence, a, i, _richness(sentence)))
    if not candidates:
        return []
    embedder = embedder if embedder is not None else load_embedder(backend=config.embedder_backend)
    # Wire copy repeats sentences word for word across outlets: each wording is
    # embedded and compared once, and its copies start as one group.
    wordings = list(dict.fromkeys(c.text for c in candidates))
    slot = {text: k for k, text in enumerate(wordings)}
    copies: list[list[int]] = [[] for _ in wordings]
    for n, candidate in enumerate(candidates):
        copies[slot[candidate.text]].append(n)
    wording_vectors = lookup(embedder, wordings, vectors, show_progress=config.show_progress)
    similarity = wording_vectors @ wording_vectors.T
    common_words = story_common_words(wordings)
    groups = _Groups(candidates, config.dedup_min_coverage, common_words)
    for members in copies:
        groups.join(members)

    # Pass 1: pairs judged on their own, surest first.  Only pairs near enough
    # to possibly match are scored; the score never exceeds similarity plus the
    # coverage weight.
    floor = config.dedup_threshold - config.dedup_coverage_weight
    scored = []
    for p, q in zip(*np.nonzero(np.triu(similarity >= floor, k=1))):
        score = _matched_score(wordings[p], wordings[q], similarity[p, q], config, common_words)
        if score is not None:
            scored.append((score, copies[p][0], copies[q][0]))
    scored.sort(key=lambda p: -p[0])
    for _, i, j in scored:
        groups.try_merge(i, j, check_words=True)

    # Pass 2: pairs aligned by their neighbours.  Each merge can align the next
    # pair down the article, so repeat until nothing changes.
    for _ in range(len(candidates)):
        merged = [groups.try_merge(i, j, check_words=False) for _, i, j in
                  _context_pairs(candidates, copies, groups, similarity, config.dedup_context_threshold)]
        if not any(merged):
            break

    vectors = wording_vectors[[slot[c.text] for c in candidates]]
    return _rank(articles, candidates, groups, vectors)


def _rank(
    articles: Sequence[Article], candidates: list[_Candidate], groups: _Groups, vectors: np.ndarray
) -> list[PoolSentence]:
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    pool: list[tuple[tuple[float, int, int], PoolSentence]] = []
    for members_idx in groups.members:
        if not members_idx:
            continue
        members_idx = sorted(members_idx, key=lambda m: (candidates[m].article, candidates[m].index))
        rep = groups.representative(members_idx, check_words=False)
        representative = candidates[rep if rep is not None else members_idx[0]]
        members = [candidates[m] for m in members_idx]
        outlets = len({m.article for m in members})
        first_index = min(m.index for m in members)
        group_vector = vectors[members_idx].mean(axis=0)
        centrality = float(group_vector @ centroid / (np.linalg.norm(group_vector) or 1.0))
        # Position weighs less than outlets and centrality: on Multi-News dev a weight of
        # 0.25 (was 0.5) let more widely reported, central sentences in (ROUGE-1 +0.3).
        score = outlets / len(articles) + 0.5 * centrality + 0.25 / (1 + first_index)
        occurrences = [(articles[m.article].id, m.index) for m in members]
        variants = list(dict.fromkeys(m.text for m in members if m.text != representative.text))
        first = min((m.article, m.index) for m in members)
        pool.append(((-score, first[1], first[0]), PoolSentence(representative.text, occurrences, score, variants)))
    pool.sort(key=lambda item: item[0])
    logger.debug("pool: %d sentences from %d", len(pool), len(candidates))
    return [p for _, p in pool]
