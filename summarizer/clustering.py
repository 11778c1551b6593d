"""Stage 4: group articles into stories.

Two reports of one incident share its particulars: the names, places, numbers
and dates that tell it apart from another incident of the same kind (two
earthquakes, two title fights of one boxer).  Each article becomes a binary
TF-IDF vector of these "fact tokens" (see :mod:`summarizer.facts`), and
average-linkage agglomerative clustering over their cosine similarity, cut at
a distance threshold, finds the number of stories itself.  Word TF-IDF and
sentence embeddings can be blended in (``cluster_tfidf_weight``,
``cluster_embedding_weight``) but measured worse on ECB+ (see
``benchmarks/clustering.py``), so their default weight is 0.

Scale: average linkage never joins two groups whose every cross pair is below
the similarity threshold, so the connected components of the graph of pairs at
or above it are exact blocks.  The graph comes from chunked sparse products;
each block is then clustered exactly, so the result is the same as one dense
clustering at any input size, in memory that grows with the block sizes
rather than with n squared.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from .config import BriefConfig
from .document import Article
from .embedding import embed, load_embedder
from .facts import content_words, extract_facts
from .splitting import split_sentences

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

#: Sentences from the top of an article that stand for it: the lead carries the event.
LEAD_SENTENCES = 8

#: Numbers that recur in every kind of story ("two people", "$3 million", "5th")
#: and so link unrelated incidents; years, counts and scores above a dozen stay.
_SMALL_NUMBER = re.compile(r"(\d|1[0-2])(st|nd|rd|th)?")
_GENERIC_NUMBERS = frozenset({"0", "00", "000", "100", "1000", "million", "billion", "trillion", "half"})

#: Most pair similarities held in memory at once while the candidate graph is built.
_PAIRS_PER_CHUNK = 4_000_000


def article_sentences(article: Article) -> list[str]:
    """The article's cleaned sentences, as every stage numbers them."""
    from .cleaning import clean_text

    return split_sentences(clean_text(article.text))


def split_articles(
    articles: Sequence[Article], sentences: Sequence[Sequence[str]] | None = None
) -> Sequence[Sequence[str]]:
    """Each article's :func:`article_sentences`: ``sentences`` when the caller has them, checked to match."""
    if sentences is None:
        return [article_sentences(a) for a in articles]
    if len(sentences) != len(articles):
        raise ValueError(f"{len(articles)} articles but {len(sentences)} sentence lists")
    return sentences


def article_vectors(
    sentences_per_article: Sequence[Sequence[str]],
    titles: Sequence[str | None],
    embedder: SentenceTransformer,
    show_progress: bool = False,
) -> np.ndarray:
    """One unit vector per article: the mean embedding of its title and lead."""
    texts: list[str] = []
    owners: list[int] = []
    for i, (sentences, title) in enumerate(zip(sentences_per_article, titles)):
        lead = ([title] if title else []) + list(sentences[:LEAD_SENTENCES])
        texts.extend(lead)
        owners.extend([i] * len(lead))
    vectors = embed(embedder, texts, show_progress=show_progress)
    result = np.zeros((len(sentences_per_article), vectors.shape[1]), dtype=np.float32)
    np.add.at(result, np.asarray(owners, dtype=np.int64), vectors)
    norms = np.linalg.norm(result, axis=1, keepdims=True)
    return result / np.where(norms == 0, 1, norms)


#: Articles with fewer fact tokens than this are compared by their words too.
MIN_FACTS = 3


def _specific_number(number: str) -> bool:
    return not (_SMALL_NUMBER.fullmatch(number) or number in _GENERIC_NUMBERS)


def fact_tokens(sentences: Sequence[str]) -> list[str]:
    """The distinct names, specific numbers and dates of an article, as tokens.

    Facts are read sentence by sentence so that a capitalised sentence opener
    is judged as one (see :func:`~summarizer.facts.extract_facts`).
    """
    tokens: set[str] = set()
    for sentence in sentences:
        facts = extract_facts(sentence)
        tokens.update(f"n:{x}" for x in facts.names)
        tokens.update(f"#:{x}" for x in facts.numbers if _specific_number(x))
        tokens.update(f"d:{x}" for x in facts.dates)
    if len(tokens) < MIN_FACTS:
        # Text without capitals or numbers (pasted in lower case, say) has no
        # facts to go on: its content words stand in, so such articles can
        # still find each other.
        tokens.update(f"w:{w}" for s in sentences for w in content_words(s))
    return sorted(tokens)


def fact_matrix(token_lists: Sequence[Sequence[str]], unshared_n: float) -> sp.csr_matrix:
    """Unit-length binary TF-IDF rows of fact tokens, one per article.

    A fact that only one article carries links it to no other, yet in a long
    article such facts crowd the vector and pull its cosine to its own story
    down.  In a large input they are discounted by ``unshared_n / n``; in a
    small one a fact can be unshared merely because few articles came in, so
    the discount fades out (weight 1 for ``n <= unshared_n``).
    """
    n = len(token_lists)
    vocabulary: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for tokens in token_lists:
        indices.extend(vocabulary.setdefault(t, len(vocabulary)) for t in tokens)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    matrix = sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), indptr), shape=(n, max(1, len(vocabulary))))
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    idf = np.log((1 + n) / (1 + df)) + 1.0  # sklearn's smoothed idf
    idf *= np.where(df <= 1, min(1.0, unshared_n / max(n, 1)), 1.0)
    return normalize(matrix @ sp.diags(idf), copy=False).tocsr()


def word_matrix(texts: Sequence[str]) -> sp.csr_matrix | None:
    """Unit-length sublinear TF-IDF rows of words; ``None`` if no word is left."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float64)
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # every word is a stop word
        return None


def _sparse_similarity(parts: Sequence[tuple[float, sp.csr_matrix]], rows: slice | np.ndarray, cols=None) -> sp.csr_matrix:
    """Weighted sum of cosine blocks ``rows x cols`` of the sparse parts."""
    total = None
    for weight, matrix in parts:
        other = matrix if cols is None else matrix[cols]
        block = weight * (matrix[rows] @ other.T)
        total = block if total is None else total + block
    return sp.csr_matrix(total)


def candidate_pairs(parts: Sequence[tuple[float, sp.csr_matrix]], n: int, min_similarity: float) -> sp.coo_matrix:
    """Pairs ``i < j`` whose sparse similarity is at least ``min_similarity``.

    Rows are taken in chunks so that no more than a few million similarities
    are in memory at once, whatever ``n`` is.
    """
    chunk = max(1, _PAIRS_PER_CHUNK // max(n, 1))
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, n, chunk):
        block = _sparse_similarity(parts, slice(start, min(n, start + chunk))).tocoo()
        keep = (block.data >= min_similarity) & (block.col > block.row + start)
        rows.append(block.row[keep] + start)
        cols.append(block.col[keep])
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.coo_matrix((np.ones(len(row), dtype=np.int8), (row, col)), shape=(n, n))


def _block_similarity(
    parts: Sequence[tuple[float, sp.csr_matrix]],
    members: np.ndarray,
    vectors: np.ndarray | None,
    embedding_weight: float,
) -> np.ndarray:
    similarity = _sparse_similarity(parts, members, members).toarray() if parts else np.zeros((len(members),) * 2)
    if vectors is not None and embedding_weight > 0:
        block = vectors[members]
        similarity += embedding_weight * np.clip(block @ block.T, 0, 1)
    return similarity


def _average_linkage(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """Flat clusters of average linkage on ``1 - similarity``, cut at ``threshold``."""
    distance = np.clip(1.0 - similarity, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    distance = np.maximum(distance, distance.T)  # symmetric up to rounding
    tree = linkage(squareform(distance, checks=False), method="average")
    return fcluster(tree, t=threshold, criterion="distance")


def cluster_articles(
    articles: Sequence[Article],
    embedder: SentenceTransformer | None = None,
    config: BriefConfig = BriefConfig(),
    vectors: np.ndarray | None = None,
    timings: dict[str, float] | None = None,
    sentences: Sequence[Sequence[str]] | None = None,
) -> list[int]:
    """Return a story label per article: equal labels, same story.

    Labels are numbered from 0 in the order stories first appear.  ``vectors``
    (see :func:`article_vectors`) and ``embedder`` are only used when
    ``config.cluster_embedding_weight`` is above 0; then missing vectors are
    computed with ``embedder`` (default: the bundled one).  ``timings``, when
    given, receives the seconds spent in each step.  ``sentences``, one list
    per article, are the articles' :func:`article_sentences` when the caller
    has them already (cleaning and splitting cost more than the clustering).
    """
    if not articles:
        return []
    if len(articles) == 1:
        return [0]
    n = len(articles)
    clock = _Clock(timings)
    split = split_articles(articles, sentences)
    sentences = [([a.title] if a.title else []) + list(s) for a, s in zip(articles, split)]
    clock.lap("split")

    parts: list[tuple[float, sp.csr_matrix]] = []
    if config.cluster_facts_weight > 0:
        tokens = [fact_tokens(s) for s in sentences]
        clock.lap("facts")
        parts.append((config.cluster_facts_weight, fact_matrix(tokens, config.cluster_unshared_fact_n)))
    if config.cluster_tfidf_weight > 0:
        words = word_matrix([" ".join(s) for s in sentences])
        if words is not None:
            parts.append((config.cluster_tfidf_weight, words))
    embedding_weight = config.cluster_embedding_weight
    if embedding_weight > 0 and vectors is None:
        embedder = embedder if embedder is not None else load_embedder()
        vectors = article_vectors(sentences, [None] * n, embedder, config.show_progress)
    clock.lap("vectors")

    # Average linkage cannot merge across pairs that are all below this
    # similarity; an embedding cosine adds at most its weight to any pair.
    min_similarity = 1.0 - config.cluster_threshold - (embedding_weight if vectors is not None else 0.0)
    if min_similarity <= 0 or not parts:
        blocks = np.zeros(n, dtype=np.int64)
    else:
        _, blocks = connected_components(candidate_pairs(parts, n, min_similarity), directed=False)
    clock.lap("graph")

    labels, sizes = link_blocks(blocks, parts, vectors, embedding_weight, config.cluster_threshold)
    clock.lap("linkage")
    logger.debug("clustered %d articles: %d blocks, largest %d, %d stories", n, len(sizes), max(sizes), max(labels) + 1)
    return labels


def link_blocks(
    blocks: np.ndarray,
    parts: list[tuple[float, sp.csr_matrix]],
    vectors: np.ndarray | None,
    embedding_weight: float,
    threshold: float,
) -> tuple[list[int], list[int]]:
    """Story labels from exact average linkage inside each block, and the block sizes.

    ``blocks[i]`` is article i's connected component of candidate pairs: no
    two articles of different blocks can be linked, so each block is clustered
    alone.  Labels are numbered from 0 in the order stories first appear.
    """
    labels = np.empty(len(blocks), dtype=np.int64)
    next_label = 0
    order = np.argsort(blocks, kind="stable")
    sizes = []
    for members in np.split(order, np.flatnonzero(np.diff(blocks[order])) + 1):
        sizes.append(len(members))
        if len(members) == 1:
            labels[members] = next_label
            next_label += 1
            continue
        similarity = _block_similarity(parts, members, vectors, embedding_weight)
        local = _average_linkage(similarity, threshold)
        labels[members] = local + next_label
        next_label += int(local.max()) + 1
    renumber: dict[int, int] = {}
    return [renumber.setdefault(int(label), len(renumber)) for label in labels], sizes


class _Clock:
    """Adds the seconds since the last lap to ``timings[name]``, if timings are wanted."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now
