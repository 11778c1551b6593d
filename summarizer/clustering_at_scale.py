"""Story clustering of collections too large for all pairs, from the articles' prepared tokens.

:func:`cluster_distributed` gives the labels
:func:`~summarizer.clustering.cluster_articles` gives, from the fact tokens
(and lead embeddings) that the Ray pipeline's prepare step
(:mod:`summarizer.distributed`) computed on its workers; it runs on the
driver and needs no Ray.  Candidate pairs come from an inverted index over
the tokens: a sparse product chunk by chunk, or, when a few tokens are in so
many articles that expanding them would cost most of the work, *prefix
filtering* (only each article's rarer tokens are indexed; a pair can only
reach the threshold if it shares one).  Both are exact: no pair the
single-process method links is missed, and all pairs are never formed.  When
embeddings are blended in (``cluster_embedding_weight > 0``), approximate
nearest neighbours (FAISS) add the pairs that the embeddings lift over the
threshold.  Connected components of the verified pairs are blocks; each block
is clustered by the same exact average linkage as ``cluster_articles``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .clustering import candidate_pairs, input_model, link_blocks, min_candidate_score
from .config import BriefConfig
from .pairs import StoryModel, pair_matrices, sparse_parts

#: Similarity computed in a slightly different order can differ in the last
#: bits; candidate pairs are kept down to this much under the threshold so that
#: the blocks are never smaller than the exact method's (a larger block gives
#: the same clusters: see :func:`cluster_distributed`).
_SLACK = 1e-9

#: Rows of the candidate product taken at once.
_ROWS_PER_CHUNK = 2_000

#: Below this many articles the nearest-neighbour index is exact (flat); above, HNSW.
FLAT_INDEX_MAX = 20_000


def _suffix_matrix(matrix: sp.csr_matrix, min_similarity: float) -> sp.csr_matrix:
    """Each row without its most common tokens, as far as they cannot reach ``min_similarity`` alone.

    Prefix filtering (Bayardo et al., 2007): order tokens from the most to the
    least common and take from each row the longest run of common tokens whose
    norm times the largest row norm stays under the threshold.  Their share of
    any dot product is below the threshold, so two rows that reach it share at
    least one token of the remaining suffix of one of them.
    """
    matrix = matrix.tocsr()
    n, d = matrix.shape
    if matrix.nnz == 0:
        return matrix
    df = np.bincount(matrix.indices, minlength=d)
    rank = np.empty(d, dtype=np.int64)
    rank[np.argsort(-df, kind="stable")] = np.arange(d)
    rows = np.repeat(np.arange(n), np.diff(matrix.indptr))
    order = np.lexsort((rank[matrix.indices], rows))  # by row, common tokens first
    squares = matrix.data[order] ** 2
    cumulative = np.cumsum(squares)
    starts = matrix.indptr[:-1]
    before_row = np.where(starts > 0, cumulative[np.maximum(starts - 1, 0)], 0.0)
    within = cumulative - np.repeat(before_row, np.diff(matrix.indptr))
    largest = float(np.sqrt(np.max(np.bincount(rows, weights=matrix.data**2, minlength=n))))
    prefix = np.sqrt(np.maximum(within, 0.0)) * largest < min_similarity
    keep = np.zeros(matrix.nnz, dtype=bool)
    keep[order] = ~prefix
    # Copies: eliminate_zeros works in place and must not touch the caller's matrix.
    suffix = sp.csr_matrix((matrix.data * keep, matrix.indices.copy(), matrix.indptr.copy()), shape=matrix.shape)
    suffix.eliminate_zeros()
    return suffix


def _row_squares(matrix: sp.csr_matrix) -> np.ndarray:
    return np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()


def _pair_dots(matrix: sp.csr_matrix, first: np.ndarray, second: np.ndarray, chunk: int = 1_000_000) -> np.ndarray:
    """Dot products of rows ``first[k]`` and ``second[k]`` of a sparse matrix."""
    out = np.empty(len(first), dtype=np.float64)
    for start in range(0, len(first), chunk):
        stop = start + chunk
        out[start:stop] = np.asarray(matrix[first[start:stop]].multiply(matrix[second[start:stop]]).sum(axis=1)).ravel()
    return out


def sparse_candidate_pairs(
    matrix: sp.csr_matrix, min_similarity: float, method: str = "auto"
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``i < j`` with ``matrix[i] . matrix[j] >= min_similarity``, without all pairs.

    Two exact ways, both inverted indexes (sparse products), chosen by their
    cost (``method="auto"``): ``"product"`` multiplies the whole rows chunk by
    chunk, as :func:`~summarizer.clustering.candidate_pairs` does, and costs
    the sum over tokens of their article count squared, which a token in most
    articles blows up; ``"prefix"`` multiplies only each row's suffix (see
    :func:`_suffix_matrix`), so such tokens are not expanded, and checks each
    candidate with its exact dot product.
    """
    matrix = matrix.tocsr()
    n = matrix.shape[0]
    empty = np.zeros(0, dtype=np.int64)
    if n < 2 or matrix.nnz == 0:
        return empty, empty
    suffix = _suffix_matrix(matrix, min_similarity - _SLACK)
    if method == "auto":
        df = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float64)
        suffix_df = np.bincount(suffix.indices, minlength=matrix.shape[1]).astype(np.float64)
        # The prefix path pays per candidate (exact check); worth it only when it prunes most of the work.
        method = "prefix" if (suffix_df * df).sum() < 0.25 * (df * df).sum() else "product"
    if method == "product":
        pairs = candidate_pairs([(1.0, matrix)], n, min_similarity - _SLACK)
        return pairs.row.astype(np.int64), pairs.col.astype(np.int64)
    # What a row's suffix leaves out can add at most |prefix| * |other row|
    # (Cauchy-Schwarz): pairs whose suffix product plus that bound stays under
    # the threshold are dropped before any exact product is taken.
    prefix_norm = np.sqrt(np.maximum(_row_squares(matrix) - _row_squares(suffix), 0.0))
    row_norm = np.sqrt(_row_squares(matrix))
    transposed = matrix.T.tocsr()
    first: list[np.ndarray] = []
    second: list[np.ndarray] = []
    for start in range(0, n, _ROWS_PER_CHUNK):
        block = (suffix[start : start + _ROWS_PER_CHUNK] @ transposed).tocoo()
        i = block.row.astype(np.int64) + start
        j = block.col.astype(np.int64)
        keep = (i != j) & (block.data + prefix_norm[i] * row_norm[j] >= min_similarity - _SLACK)
        first.append(np.minimum(i[keep], j[keep]))
        second.append(np.maximum(i[keep], j[keep]))
    a = np.concatenate(first) if first else empty
    b = np.concatenate(second) if second else empty
    if len(a) == 0:
        return empty, empty
    unique = np.unique(a * n + b)  # a pair can be found from both ends
    a, b = unique // n, unique % n
    similarity = _pair_dots(matrix, a, b)
    keep = similarity >= min_similarity - _SLACK
    return a[keep], b[keep]


def ann_candidate_pairs(
    vectors: np.ndarray, min_cosine: float, k: int = 30, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``i < j`` among each article's ``k`` nearest neighbours whose cosine is at least ``min_cosine``.

    FAISS inner-product search on unit vectors: an exact flat index up to
    :data:`FLAT_INDEX_MAX` articles, HNSW above it (approximate: a true
    neighbour can be missed, though its story is usually joined through
    another member).
    """
    import faiss

    if threads:
        faiss.omp_set_num_threads(threads)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    if n <= FLAT_INDEX_MAX:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = max(64, 2 * k)
    index.add(vectors)
    scores, neighbours = index.search(vectors, min(n, k + 1))
    rows = np.repeat(np.arange(n), neighbours.shape[1])
    cols = neighbours.ravel()
    keep = (cols >= 0) & (cols != rows) & (scores.ravel() >= min_cosine)
    a, b = np.minimum(rows[keep], cols[keep]), np.maximum(rows[keep], cols[keep])
    unique = np.unique(a * n + b)
    return unique // n, unique % n


def cluster_distributed(
    token_lists: Sequence[Sequence[str]],
    config: BriefConfig | None = None,
    vectors: np.ndarray | None = None,
    knn: int = 30,
    embedding_floor: float = 0.5,
    timings: dict[str, float] | None = None,
) -> list[int]:
    """Story labels, numbered from 0 in order of first appearance, as :func:`cluster_articles` gives them.

    ``token_lists`` are the articles' :func:`~summarizer.pairs.article_tokens`
    (of the title and cleaned sentences); ``vectors`` their lead embeddings
    (needed when ``config.cluster_embedding_weight > 0``).

    Why the result is the same: average linkage never joins two groups whose
    every cross pair is below the cut, so clustering each connected component
    of the graph of pairs that may reach it gives the same clusters as one
    clustering of everything, and so does any coarser partition.  The graph
    here holds every pair whose sparse facts-and-words score reaches the cut's
    score less what embeddings can add at most (exact, by prefix filtering;
    conflicts only lower a pair's log-odds), and, when embeddings are weighed,
    every nearest-neighbour pair whose cosine is at least ``embedding_floor``;
    a pair missing from both has a sparse score under ``min - weight * floor``
    and cosine under ``floor``, so it cannot reach the cut.  Only the
    nearest-neighbour search is approximate (``knn`` neighbours each).
    """
    config = config or BriefConfig()
    n = len(token_lists)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + now - clock
        clock = now

    if n == 0:
        return []
    if n == 1:
        return [0]
    model = StoryModel.bundled()
    matrices = pair_matrices(token_lists)
    model = input_model(matrices, model, config)
    parts = sparse_parts(matrices, model)
    embedding_weight = config.cluster_embedding_weight
    if embedding_weight > 0 and vectors is None:
        raise ValueError("cluster_embedding_weight > 0 needs the articles' vectors")
    lap("matrix")

    use_vectors = vectors is not None and embedding_weight > 0
    target = min_candidate_score(model, config, False)
    floor = embedding_floor if use_vectors else 0.0
    sparse_min = target - (embedding_weight * floor if use_vectors else 0.0)
    # The same bound as cluster_articles: at or under zero every pair may link.
    exact_min = min_candidate_score(model, config, use_vectors)
    if exact_min <= 0 and not use_vectors or not parts and not use_vectors:
        blocks = np.zeros(n, dtype=np.int64)
        lap("candidates")
    else:
        firsts: list[np.ndarray] = []
        seconds: list[np.ndarray] = []
        if parts and sparse_min > 0:
            # Both parts in one matrix: sqrt(weight) on each makes its dot product the weighted sum.
            combined = sp.hstack([np.sqrt(w) * m for w, m in parts]).tocsr()
            a, b = sparse_candidate_pairs(combined, sparse_min)
            firsts.append(a)
            seconds.append(b)
        elif parts:  # every pair may reach the threshold through its embedding
            a, b = np.triu_indices(n, 1)
            firsts.append(a.astype(np.int64))
            seconds.append(b.astype(np.int64))
        if timings is not None:
            timings["sparse_pairs"] = float(sum(len(a) for a in firsts))
        lap("candidates")
        if use_vectors:
            a, b = ann_candidate_pairs(vectors, floor, knn)
            # Verify with the full similarity: only pairs that can link join blocks.
            sparse = sum(w * _pair_dots(m, a, b) for w, m in parts) if parts else np.zeros(len(a))
            full = sparse + embedding_weight * np.clip(np.einsum("ij,ij->i", vectors[a], vectors[b]), 0, 1)
            keep = full >= target - _SLACK
            firsts.append(a[keep])
            seconds.append(b[keep])
            lap("ann")
        a, b = np.concatenate(firsts), np.concatenate(seconds)
        graph = sp.coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
        _, blocks = connected_components(graph, directed=False)
    lap("components")

    labels, sizes = link_blocks(blocks, matrices, model, config, vectors if use_vectors else None)
    lap("linkage")
    if timings is not None:
        timings["largest_block"] = float(max(sizes))
        timings["blocks"] = float(len(sizes))
    return labels
