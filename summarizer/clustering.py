"""Stage 4: group articles into stories.

Two reports of one incident share its particulars: the names, places, numbers
and dates that tell it apart from another incident of the same kind (two
earthquakes, two title fights of one boxer), and words rarer than a story's
kind.  :mod:`summarizer.pairs` turns that into a calibrated probability that
two articles tell one story, which means the same for two articles as for
two thousand.  Average-linkage agglomerative clustering over ``1 -
probability``, cut at ``1 - cluster_probability``, finds the number of stories
itself.  A pairwise cut cannot tell two incidents of one kind whose coverage
shares most of its names (two title fights of one champion) from one story, so
each cluster is then split where it falls into two groups that hold together
far better than with each other (see :mod:`summarizer.linkage`).

The pair probabilities assume the share of same-story pairs of the model's
training data, about 3%.  A paste of three reports of one story is all one
story, and there the weak link of an analysis piece to the news report is
evidence enough.  So for inputs of up to ``cluster_prior_max_articles``
articles every pair's odds rise by how much more often the input's own pairs
look like one story than the training pairs did, except pairs whose leads
name different days (:func:`input_model`); a feed of hundreds of articles
keeps the model as it is.

Scale: average linkage never joins two groups whose every cross pair is below
the cut, and a pair's conflicts only lower its probability, so the connected
components of the graph of pairs whose facts-and-words score alone reaches
the cut are exact blocks.  The graph comes from chunked sparse products; each
block is then clustered exactly, so the result is the same as one dense
clustering at any input size, in memory that grows with the block sizes
rather than with n squared.  A block of more than ``cluster_max_block``
articles is first split where no pair's probability (conflicts counted)
reaches the cut, which is exact too; a part still over the cap is linked on
its candidate pairs alone (every other pair counted as probability 0), so
that its memory grows with those pairs instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .config import BriefConfig
from .document import Article
from .embedding import embed, load_embedder
from .linkage import flat_clusters, linked_stories, sparse_average_linkage
from .pairs import (
    CONFLICTS,
    PairMatrices,
    StoryModel,
    article_tokens,
    log_odds,
    logit,
    pair_matrices,
    probabilities,
    same_story_share,
    sigmoid,
    sparse_parts,
)
from .splitting import split_sentences

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

#: Sentences from the top of an article that stand for it: the lead carries the event.
LEAD_SENTENCES = 8

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


def with_transposes(parts: Sequence[tuple[float, sp.csr_matrix]]) -> list[tuple[float, sp.csr_matrix, sp.csr_matrix]]:
    """Each weighted part with its transpose in CSR, made once for many row chunks.

    A product against ``matrix.T`` converts the transpose anew each time: once
    per chunk of rows, which made the chunked products quadratic in the rows.
    """
    return [(weight, matrix, matrix.T.tocsr()) for weight, matrix in parts]


def _sparse_similarity(parts: Sequence[tuple[float, sp.csr_matrix, sp.csr_matrix]], rows: slice | np.ndarray) -> sp.csr_matrix:
    """Weighted sum of the cosine blocks ``rows x all`` of the sparse parts (from :func:`with_transposes`)."""
    total = None
    for weight, matrix, transposed in parts:
        block = weight * (matrix[rows] @ transposed)
        total = block if total is None else total + block
    return sp.csr_matrix(total)


def row_chunks(parts: Sequence[tuple[float, sp.csr_matrix, sp.csr_matrix]], budget: int = _PAIRS_PER_CHUNK) -> list[slice]:
    """Runs of rows whose products with all rows hold at most about ``budget`` entries each.

    A row's product has at most the sum of its tokens' article counts entries
    (and at most one per row), so chunks are sized by that bound rather than
    by assuming every row meets every other: with thousands of rows sharing
    little, a chunk holds thousands of rows, not ``budget / n``, and the fixed
    cost of each sparse product (arrays as long as a row) is paid rarely.
    """
    n = parts[0][1].shape[0] if parts else 0
    if n == 0:
        return []
    bound = np.zeros(n)
    for _, matrix, transposed in parts:
        ones = sp.csr_matrix((np.ones(len(matrix.indices)), matrix.indices, matrix.indptr), shape=matrix.shape)
        bound += ones @ np.diff(transposed.indptr).astype(np.float64)  # a column's entries: its article count
    cumulative = np.cumsum(np.minimum(bound, n) + 1)
    stops = np.searchsorted(cumulative, np.arange(budget, cumulative[-1], budget), side="right")
    edges = np.unique(np.concatenate([[0], stops, [n]]))
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def candidate_pairs(parts: Sequence[tuple[float, sp.csr_matrix]], n: int, min_similarity: float) -> sp.coo_matrix:
    """Pairs ``i < j`` whose sparse similarity is at least ``min_similarity``.

    Rows are taken in chunks (:func:`row_chunks`) so that no more than a few
    million similarities are in memory at once, whatever ``n`` is.
    """
    parts = with_transposes(parts)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for chunk in row_chunks(parts):
        start = chunk.start
        block = _sparse_similarity(parts, chunk).tocoo()
        keep = (block.data >= min_similarity) & (block.col > block.row + start)
        rows.append(block.row[keep] + start)
        cols.append(block.col[keep])
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.coo_matrix((np.ones(len(row), dtype=np.int8), (row, col)), shape=(n, n))


def block_probabilities(
    matrices: PairMatrices,
    model: StoryModel,
    members: np.ndarray,
    vectors: np.ndarray | None = None,
    embedding_weight: float = 0.0,
    cols: np.ndarray | None = None,
) -> np.ndarray:
    """The probability of one story for every pair of ``members`` x ``cols`` (default ``members``), embeddings blended in."""
    cols = members if cols is None else cols
    score = log_odds(matrices, model, members, cols)
    if vectors is not None and embedding_weight > 0:
        score += embedding_weight * np.clip(vectors[members] @ vectors[cols].T, 0, 1)
    return sigmoid(score)


def block_distances(
    matrices: PairMatrices,
    model: StoryModel,
    members: np.ndarray,
    vectors: np.ndarray | None = None,
    embedding_weight: float = 0.0,
) -> np.ndarray:
    """``1 - probability`` of every pair ``i < j`` of ``members``, condensed as scipy's linkage takes it.

    Built a chunk of rows at a time, so that no square array of the block is
    ever held: the condensed vector is half a square, and exact linkage needs
    it and one copy.
    """
    m = len(members)
    distance = np.empty(m * (m - 1) // 2)
    chunk = max(1, _PAIRS_PER_CHUNK // max(m, 1))
    offset = 0
    for start in range(0, m - 1, chunk):
        stop = min(m - 1, start + chunk)
        probability = block_probabilities(matrices, model, members[start:stop], vectors, embedding_weight, members)
        for row, i in enumerate(range(start, stop)):
            distance[offset : offset + m - i - 1] = probability[row, i + 1 :]
            offset += m - i - 1
    return np.subtract(1.0, distance, out=distance)


def candidate_probabilities(
    matrices: PairMatrices,
    model: StoryModel,
    members: np.ndarray,
    min_score: float,
    vectors: np.ndarray | None = None,
    embedding_weight: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs ``a < b`` of ``members`` whose facts-and-words score reaches ``min_score``, and their probabilities.

    The same probability as :func:`block_probabilities` for each pair, built
    from sparse products a chunk of rows at a time: no square array of the
    block is ever held.  Returns positions into ``members`` and the probabilities.
    """
    m = len(members)
    parts = with_transposes([(w, matrix[members]) for w, matrix in sparse_parts(matrices, model)])
    leads = {prefix: matrix[members].tocsr() for prefix, matrix in matrices.conflicts.items()}
    named = {prefix: np.diff(matrix.indptr) > 0 for prefix, matrix in leads.items()}
    lead_transposes = {prefix: matrix.T.tocsr() for prefix, matrix in leads.items()}
    firsts, seconds, probabilities = [], [], []
    # The lead products are taken per chunk too: they join the bound.
    for rows in row_chunks(parts + [(1.0, leads[p], lead_transposes[p]) for p in leads]):
        start = rows.start
        block = _sparse_similarity(parts, rows).tocoo()
        keep = (block.col > block.row + start) & (block.data >= min_score)
        first, second = block.row[keep].astype(np.int64) + start, block.col[keep].astype(np.int64)
        score = block.data[keep] + model.bias
        for prefix, matrix in leads.items():
            shared = (matrix[rows] @ lead_transposes[prefix]).tocoo()
            shared_keys = (shared.row.astype(np.int64) + start) * m + shared.col
            conflict = named[prefix][first] & named[prefix][second] & ~np.isin(first * m + second, shared_keys)
            score[conflict] += getattr(model, CONFLICTS[prefix])
        if vectors is not None and embedding_weight > 0:
            cosine = np.einsum("ij,ij->i", vectors[members[first]], vectors[members[second]])
            score += embedding_weight * np.clip(cosine, 0, 1)
        firsts.append(first)
        seconds.append(second)
        probabilities.append(sigmoid(score))
    if not firsts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(firsts), np.concatenate(seconds), np.concatenate(probabilities)


def cluster_articles(
    articles: Sequence[Article],
    embedder: SentenceTransformer | None = None,
    config: BriefConfig = BriefConfig(),
    vectors: np.ndarray | None = None,
    timings: dict[str, float] | None = None,
    sentences: Sequence[Sequence[str]] | None = None,
    model: StoryModel | None = None,
) -> list[int]:
    """Return a story label per article: equal labels, same story.

    Labels are numbered from 0 in the order stories first appear.  ``model``
    is the pair model (default: the bundled one, see :mod:`summarizer.pairs`).
    ``vectors`` (see :func:`article_vectors`) and ``embedder`` are only used
    when ``config.cluster_embedding_weight`` is above 0; then missing vectors
    are computed with ``embedder`` (default: the bundled one).  ``timings``,
    when given, receives the seconds spent in each step.  ``sentences``, one
    list per article, are the articles' :func:`article_sentences` when the
    caller has them already (cleaning and splitting cost more than the
    clustering).
    """
    if not articles:
        return []
    if len(articles) == 1:
        return [0]
    n = len(articles)
    model = model or StoryModel.bundled()
    clock = _Clock(timings)
    split = split_articles(articles, sentences)
    sentences = [([a.title] if a.title else []) + list(s) for a, s in zip(articles, split)]
    clock.lap("split")

    tokens = [article_tokens(s) for s in sentences]
    clock.lap("facts")
    matrices = pair_matrices(tokens)
    model = input_model(matrices, model, config)
    embedding_weight = config.cluster_embedding_weight
    if embedding_weight > 0 and vectors is None:
        embedder = embedder if embedder is not None else load_embedder(backend=config.embedder_backend)
        vectors = article_vectors(sentences, [None] * n, embedder, config.show_progress)
    clock.lap("vectors")

    blocks = candidate_blocks(matrices, model, config, vectors is not None)
    clock.lap("graph")

    labels, sizes = link_blocks(blocks, matrices, model, config, vectors)
    clock.lap("linkage")
    logger.debug("clustered %d articles: %d blocks, largest %d, %d stories", n, len(sizes), max(sizes), max(labels) + 1)
    return labels


def input_model(matrices: PairMatrices, model: StoryModel, config: BriefConfig) -> StoryModel:
    """The pair ``model`` with its odds raised for these articles when they are few and mostly one story.

    For up to ``config.cluster_prior_max_articles`` articles the share of
    same-story pairs among all their pairs is estimated
    (:func:`summarizer.pairs.same_story_share`).  Where it is above the
    model's training share, every pair's log-odds rise by the difference of
    the two shares' log-odds, except a pair whose leads name different days
    (weekdays or calendar days, ``StoryModel.day_conflict``): reports of one
    event agree on its day, and two incidents of one kind pasted together
    (two bridge collapses, two quakes) must not be joined by the evidence of
    the other pairs.  Years and spans ("last year", "a decade") do not count:
    background dates differ between reports of one story.  A feed of many
    stories keeps the model as it is.
    """
    n = len(matrices)
    if model.prior is None or not 2 <= n <= config.cluster_prior_max_articles:
        return model
    pairs = probabilities(matrices, model, np.arange(n))[np.triu_indices(n, 1)]
    share = same_story_share(pairs, model.prior)
    if share <= model.prior:
        return model
    shift = logit(share) - logit(model.prior)
    logger.debug("%d articles, %.3f of their pairs one story by the model: log-odds %+.2f", n, share, shift)
    return replace(model, bias=model.bias + shift, day_conflict=model.day_conflict - shift)


def min_candidate_score(model: StoryModel, config: BriefConfig, with_vectors: bool) -> float:
    """The facts-and-words score under which a pair cannot reach ``config.cluster_probability``.

    An embedding cosine adds at most its weight to the log-odds, and the
    conflicts only subtract.
    """
    bound = model.min_score(config.cluster_probability)
    return bound - (config.cluster_embedding_weight if with_vectors else 0.0)


def candidate_blocks(matrices: PairMatrices, model: StoryModel, config: BriefConfig, with_vectors: bool) -> np.ndarray:
    """Each article's block: the connected component of the pairs that may reach the cut."""
    n = len(matrices)
    min_score = min_candidate_score(model, config, with_vectors)
    parts = sparse_parts(matrices, model)
    if min_score <= 0 or not parts:
        return np.zeros(n, dtype=np.int64)
    _, blocks = connected_components(candidate_pairs(parts, n, min_score), directed=False)
    return blocks


def link_blocks(
    blocks: np.ndarray,
    matrices: PairMatrices,
    model: StoryModel,
    config: BriefConfig,
    vectors: np.ndarray | None = None,
) -> tuple[list[int], list[int]]:
    """Story labels from exact average linkage inside each block, and the block sizes.

    ``blocks[i]`` is article i's connected component of candidate pairs: no
    two articles of different blocks can be linked, so each block is clustered
    alone.  Labels are numbered from 0 in the order stories first appear.
    """
    labels = np.empty(len(blocks), dtype=np.int64)
    next_label = 0
    sizes = []
    min_score = min_candidate_score(model, config, vectors is not None)
    for members in _groups(blocks):
        sizes.append(len(members))
        # At a bound of zero every pair may link, and a pair left out would not count as 0.
        if len(members) > config.cluster_max_block and min_score > 0:
            local = _link_large_block(matrices, model, config, vectors, members, min_score)
        else:
            local = _link_exactly(matrices, model, config, vectors, members)
        labels[members] = local + next_label
        next_label += int(local.max()) + 1
    renumber: dict[int, int] = {}
    return [renumber.setdefault(int(label), len(renumber)) for label in labels], sizes


def _groups(group_of: np.ndarray) -> list[np.ndarray]:
    """The positions of each group of ``group_of`` (one group number per position), group by group."""
    order = np.argsort(group_of, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(group_of[order])) + 1)


def _link_exactly(
    matrices: PairMatrices, model: StoryModel, config: BriefConfig, vectors: np.ndarray | None, members: np.ndarray
) -> np.ndarray:
    """Stories of ``members`` (labels from 1) by average linkage on every pair."""
    if len(members) == 1:
        return np.ones(1, dtype=np.int64)
    distance = block_distances(matrices, model, members, vectors, config.cluster_embedding_weight)
    return linked_stories(distance, len(members), config.cluster_probability, config.cluster_split_ratio)


def _link_large_block(
    matrices: PairMatrices,
    model: StoryModel,
    config: BriefConfig,
    vectors: np.ndarray | None,
    members: np.ndarray,
    min_score: float,
) -> np.ndarray:
    """Stories of a block over ``cluster_max_block`` articles (labels from 1), without its square matrix.

    The block is a component of pairs whose bound reaches the cut; the pairs
    whose probability does (conflicts counted) split it further, and those
    parts are exact blocks too: average linkage never joins two groups whose
    every cross pair is below the cut.  A part within the cap is linked on all
    its pairs, exactly; only a part still over it is linked on its candidate
    pairs alone.
    """
    m = len(members)
    first, second, probability = candidate_probabilities(
        matrices, model, members, min_score, vectors, config.cluster_embedding_weight
    )
    linked = probability >= config.cluster_probability
    graph = sp.coo_matrix((np.ones(int(linked.sum()), dtype=np.int8), (first[linked], second[linked])), shape=(m, m))
    _, part_of = connected_components(graph, directed=False)
    local = np.empty(m, dtype=np.int64)
    next_label = 0
    for part in _groups(part_of):
        if len(part) <= config.cluster_max_block:
            stories = _link_exactly(matrices, model, config, vectors, members[part])
        else:
            inside = (part_of[first] == part_of[part[0]]) & (part_of[second] == part_of[part[0]])
            position = np.full(m, -1, dtype=np.int64)
            position[part] = np.arange(len(part))
            tree = sparse_average_linkage(
                len(part), position[first[inside]], position[second[inside]], probability[inside],
                config.cluster_probability,
            )
            stories = flat_clusters(tree, len(part), 1.0 - config.cluster_probability, config.cluster_split_ratio)
        local[part] = stories + next_label
        next_label += int(stories.max())
    logger.debug("a block of %d articles over the cap: %d exact parts, largest %d", m, part_of.max() + 1,
                 np.bincount(part_of).max())
    return local


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
