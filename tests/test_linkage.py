"""Average linkage: the sparse graph version against scipy's exact one, and the cap on dense blocks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from summarizer.clustering import cluster_articles
from summarizer.config import BriefConfig
from summarizer.document import Article
from summarizer.linkage import average_linkage, flat_clusters, sparse_average_linkage


def _groups(labels) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), set()).add(i)
    return {frozenset(g) for g in groups.values()}


def _planted(seed: int, n: int = 60) -> np.ndarray:
    """Pair probabilities of planted stories: strong inside, a few weak links across, most pairs 0."""
    rng = np.random.default_rng(seed)
    story = rng.integers(0, 12, n)
    same = story[:, None] == story[None, :]
    probability = np.where(same, rng.uniform(0.2, 0.95, (n, n)), 0.0)
    across = rng.random((n, n)) < 0.04
    probability = np.where(~same & across, rng.uniform(0.05, 0.6, (n, n)), probability)
    probability = np.triu(probability, 1)
    probability = probability + probability.T
    np.fill_diagonal(probability, 1.0)
    return probability


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("ratio", [0.0, 0.6])
def test_sparse_linkage_equals_exact_linkage_when_absent_pairs_are_zero(seed, ratio) -> None:
    probability = _planted(seed)
    n = len(probability)
    first, second = np.nonzero(np.triu(probability, 1))
    tree = sparse_average_linkage(n, first, second, probability[first, second], 0.1)
    sparse = flat_clusters(tree, n, 0.9, ratio)
    exact = average_linkage(probability.copy(), 0.1, ratio)
    assert _groups(sparse) == _groups(exact)
    assert len(tree) < n - 1  # a forest: stories apart are never merged
    assert np.all(np.diff(tree[:, 2]) >= -1e-12)  # average linkage merges never go back down


def test_sparse_linkage_merges_groups_on_their_mean_not_their_best_pair() -> None:
    # 0-1 and 2-3 are tight; one strong cross pair (1-2) is not enough when the other three are absent.
    first, second = np.array([0, 2, 1]), np.array([1, 3, 2])
    tree = sparse_average_linkage(4, first, second, np.array([0.9, 0.9, 0.3]), 0.1)
    assert _groups(flat_clusters(tree, 4, 0.9)) == {frozenset({0, 1}), frozenset({2, 3})}
    tree = sparse_average_linkage(4, first, second, np.array([0.9, 0.9, 0.5]), 0.1)
    assert _groups(flat_clusters(tree, 4, 0.9)) == {frozenset({0, 1, 2, 3})}  # mean 0.125 >= 0.1


def test_flat_clusters_without_a_split_equal_scipys_cut() -> None:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    probability = _planted(3)
    tree = linkage(squareform(1.0 - probability, checks=False), method="average")
    assert _groups(flat_clusters(tree, len(probability), 0.9)) == _groups(fcluster(tree, t=0.9, criterion="distance"))


def test_large_blocks_are_never_held_as_a_square(monkeypatch) -> None:
    """Over cluster_max_block the block is linked on its candidate pairs, with the same stories here."""
    import summarizer.clustering as clustering
    from tests.test_clustering import (
        BRIDGE_BRAYFORD, BRIDGE_ELKTON, ELECTION, FIGHT_NEWYORK_A, FIGHT_NEWYORK_B, FIGHT_SHEFFIELD_A,
        FIGHT_SHEFFIELD_B, FIRE_CHIEF, FIRE_WORKER, QUAKE_CHILE_A, QUAKE_CHILE_B, QUAKE_IRAN_A, QUAKE_IRAN_B,
    )

    texts = [QUAKE_IRAN_A, FIGHT_SHEFFIELD_A, QUAKE_CHILE_A, FIRE_CHIEF, BRIDGE_ELKTON, FIGHT_NEWYORK_A, ELECTION,
             QUAKE_IRAN_B, FIGHT_SHEFFIELD_B, FIRE_WORKER, BRIDGE_BRAYFORD, QUAKE_CHILE_B, FIGHT_NEWYORK_B]
    articles = [Article(text=t) for t in texts]
    exact = cluster_articles(articles)

    def square(matrices, model, members, *args, **kwargs):
        assert len(members) <= 2, f"a matrix of {len(members)} articles over the cap"
        return real(matrices, model, members, *args, **kwargs)

    real = clustering.block_distances
    monkeypatch.setattr(clustering, "block_distances", square)
    capped = cluster_articles(articles, config=BriefConfig(cluster_max_block=2))
    assert capped == exact
    assert _groups(exact) >= {frozenset({0, 7}), frozenset({1, 8}), frozenset({5, 12}), frozenset({3, 9})}


def test_large_blocks_fall_apart_into_exact_parts(monkeypatch) -> None:
    """A block over the cap splits where no pair reaches the cut, and parts within the cap are linked exactly."""
    import summarizer.clustering as clustering
    from tests.test_clustering import BRIDGE_BRAYFORD, BRIDGE_ELKTON

    # Two bridge closures of one kind share enough words to be one candidate block, but their
    # places conflict: no pair of Brayford and Elkton reaches the cut.  A second Elkton report
    # makes the block 3 articles, over a cap of 2.  Large blocks come from large inputs, which
    # keep the model's odds (cluster_prior_max_articles=0 makes these 3 articles such an input).
    elkton_again = "\n".join(BRIDGE_ELKTON.splitlines()[:-1])
    articles = [Article(text=t) for t in (BRIDGE_BRAYFORD, BRIDGE_ELKTON, elkton_again)]
    config = BriefConfig(cluster_prior_max_articles=0)
    exact = cluster_articles(articles, config=config)
    sparse_sizes, square_sizes = [], []

    def sparse(n, *args, **kwargs):
        sparse_sizes.append(n)
        return real_sparse(n, *args, **kwargs)

    def square(matrices, model, members, *args, **kwargs):
        square_sizes.append(len(members))
        return real_square(matrices, model, members, *args, **kwargs)

    real_sparse, real_square = clustering.sparse_average_linkage, clustering.block_distances
    monkeypatch.setattr(clustering, "sparse_average_linkage", sparse)
    monkeypatch.setattr(clustering, "block_distances", square)
    capped = cluster_articles(articles, config=replace(config, cluster_max_block=2))
    assert capped == exact == [0, 1, 1]
    assert square_sizes == [2]  # the Elkton pair, on every pair; Brayford alone needs no linkage
    assert sparse_sizes == []


def test_max_block_is_validated() -> None:
    with pytest.raises(ValueError, match="cluster_max_block"):
        BriefConfig(cluster_max_block=1)
