"""Average linkage for story clustering: exact on a dense block, or on a sparse graph for large ones.

Both produce a merge tree in scipy's linkage format (rows ``[a, b, height,
size]``, the new node numbered ``n + row``), and :func:`flat_clusters` reads
the stories off it: the groups merged no higher than the cut, each split again
where it falls into two groups that hold together far better than with each
other (the seam, see :func:`flat_clusters`).

A block of many thousand linked articles (wire copy, a live blog, one big
story told by every outlet) would need its square matrix of pair
probabilities for exact linkage.  :func:`sparse_average_linkage` takes only
the pairs that the candidate bound lets through and counts every other pair of
the block as probability 0, so memory grows with the pairs, not with the
square of the block.  Those pairs are below the cut each, so the stories come
out as exact linkage's up to merges decided by the sum of many such pairs.
"""

from __future__ import annotations

import heapq

import numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import squareform


def average_linkage(probability: np.ndarray, cut: float, split_ratio: float = 0.0) -> np.ndarray:
    """Stories of exact average linkage on ``1 - probability``, cut where the mean probability is ``cut``.

    With ``split_ratio`` above 0, each story is split at a seam (see
    :func:`flat_clusters`).  Labels are numbered from 1.  ``probability`` is
    overwritten (a block of thousands of articles holds few n-by-n arrays).
    """
    n = len(probability)
    distance = np.subtract(1.0, probability, out=probability)
    # The upper triangle, as squareform takes it: pair scores are symmetric
    # up to rounding, and both stores of one pair must not disagree.
    return linked_stories(squareform(distance, checks=False), n, cut, split_ratio)


def linked_stories(distance: np.ndarray, n: int, cut: float, split_ratio: float = 0.0) -> np.ndarray:
    """Stories of exact average linkage on condensed distances (``1 - probability`` of each pair ``i < j``).

    The condensed form is half the square's memory, and scipy copies it once.
    """
    if n == 1:
        return np.ones(1, dtype=np.int64)
    np.clip(distance, 0.0, None, out=distance)
    tree = linkage(distance, method="average")
    return flat_clusters(tree, n, 1.0 - cut, split_ratio)


def sparse_average_linkage(
    n: int, first: np.ndarray, second: np.ndarray, probability: np.ndarray, cut: float
) -> np.ndarray:
    """The merges of average linkage over ``n`` articles down to the cut, from the given pairs only.

    ``first[k]``, ``second[k]`` and ``probability[k]`` give one pair each;
    every pair not given counts as probability 0.  Two groups merge, highest
    mean probability first, while that mean is at least ``cut``.  Returns the
    merges as linkage rows (fewer than ``n - 1`` when stories remain apart).
    """
    links: list[dict[int, float] | None] = [{} for _ in range(n)]
    for a, b, p in zip(first.tolist(), second.tolist(), probability.tolist()):
        if a == b:
            continue
        row = links[a]
        row[b] = row.get(b, 0.0) + p
        links[b][a] = row[b]
    size = [1] * n
    heap = [(-sum_, a, b) for a, row in enumerate(links) for b, sum_ in row.items() if a < b and sum_ >= cut]
    heapq.heapify(heap)
    alive = [True] * n
    merges: list[tuple[int, int, float, int]] = []
    while heap:
        negative_mean, a, b = heapq.heappop(heap)
        if not (alive[a] and alive[b]):
            continue  # a group of this entry has merged since; its new links were pushed then
        new = n + len(merges)
        merges.append((a, b, 1.0 + negative_mean, size[a] + size[b]))
        alive[a] = alive[b] = False
        alive.append(True)
        size.append(size[a] + size[b])
        kept, other = links[a], links[b]
        if len(kept) < len(other):  # fold the smaller neighbourhood into the larger
            kept, other = other, kept
        for x, sum_ in other.items():
            kept[x] = kept.get(x, 0.0) + sum_
        kept.pop(a, None)
        kept.pop(b, None)
        links[a] = links[b] = None
        links.append(kept)
        for x, sum_ in kept.items():
            neighbour = links[x]
            neighbour.pop(a, None)
            neighbour.pop(b, None)
            neighbour[new] = sum_
            mean = sum_ / (size[new] * size[x])
            if mean >= cut:
                heapq.heappush(heap, (-mean, x, new))
    return np.asarray(merges, dtype=np.float64).reshape(-1, 4)


def flat_clusters(tree: np.ndarray, n: int, max_distance: float, split_ratio: float = 0.0) -> np.ndarray:
    """Stories from an average-linkage ``tree`` over ``n`` articles, cut at ``max_distance``; labels from 1.

    ``tree`` holds linkage rows and may stop short of one root (a forest).

    With ``split_ratio`` above 0, a story is split into the two groups of its
    last merge when both hold at least two articles and their mean cross
    probability is below ``split_ratio`` times the mean probability within the
    looser of the two; each part is checked again the same way.  A pairwise
    cut cannot tell two incidents of one kind (two title fights of one
    boxer: every cross pair shares the boxer, the belts, the kind of story)
    from one story whose reports differ; the shape of the group can, and one
    story pasted alone has no such seam.

    Everything is read off the tree: in average linkage a merge's height is
    the mean cross distance of its two groups, so the sum of distances within
    every node follows from its children's.
    """
    nodes = n + len(tree)
    children = tree[:, :2].astype(np.int64)
    height = np.concatenate([np.zeros(n), tree[:, 2]])
    size = np.concatenate([np.ones(n), tree[:, 3]])
    within = np.zeros(nodes)  # the sum of the distances of the pairs inside each node
    for k, (a, b) in enumerate(children.tolist()):
        within[n + k] = within[a] + within[b] + size[a] * size[b] * height[n + k]

    def mean_probability(node: int) -> float:
        return 1.0 - within[node] / (size[node] * (size[node] - 1) / 2)

    def seam(node: int) -> bool:
        if split_ratio <= 0 or node < n:
            return False
        a, b = children[node - n]
        if size[a] < 2 or size[b] < 2:
            return False
        return 1.0 - height[node] < split_ratio * min(mean_probability(a), mean_probability(b))

    parent = np.full(nodes, -1, dtype=np.int64)
    parent[children[:, 0]] = parent[children[:, 1]] = np.arange(n, nodes)
    low = height <= max_distance
    # The roots of the plain cut: nodes at most max_distance high whose parent is higher or absent.
    stack = [int(v) for v in np.flatnonzero(low & ((parent < 0) | ~low[np.maximum(parent, 0)]))][::-1]
    labels = np.zeros(n, dtype=np.int64)
    stories = 0
    while stack:
        node = stack.pop()
        if seam(node):
            stack.extend(children[node - n].tolist()[::-1])
            continue
        stories += 1
        under = [node]
        while under:
            v = under.pop()
            if v < n:
                labels[v] = stories
            else:
                under.extend(children[v - n].tolist())
    return labels
