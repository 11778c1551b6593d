"""Where arriving articles go among the stories a :class:`~summarizer.tracking.StoryTracker` follows.

The tracker makes the batch clustering's decisions one arrival at a time, with
the same pair model (:mod:`summarizer.pairs`), its odds raised for the live
articles as :func:`~summarizer.clustering.input_model` raises a batch's:

1. each new article joins the live story whose articles it most probably
   shares on average, when that average reaches ``cluster_probability``;
2. the rest are clustered among themselves
   (:func:`~summarizer.clustering.cluster_articles`) into new stories;
3. two stories that the new articles bring that close are merged, as
   average linkage would, unless average linkage with the seam split would
   cut them straight back into the same two;
4. a story that average linkage would now cut, or split at a seam
   (``cluster_split_ratio``), is split, so that early arrivals cannot glue
   two incidents together for good.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Set
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .clustering import cluster_articles, input_model
from .config import BriefConfig
from .linkage import average_linkage
from .pairs import StoryModel, pair_matrices, probabilities
from .stores import Store, Story, TrackedArticle

if TYPE_CHECKING:
    from .tracking import TrackerUpdate

logger = logging.getLogger(__name__)


@dataclass
class Placement:
    """The stories after placing, their members (indices into ``everything``) and every live record, old then new."""

    stories: dict[str, Story]
    members: dict[str, list[int]]
    everything: list[TrackedArticle]


def place_articles(
    store: Store, config: BriefConfig, records: list[TrackedArticle], now: float, update: TrackerUpdate
) -> Placement:
    """Give each new record a story: join, new, merge or split, as the steps above say.

    The records' ``story_id`` and ``update`` are set; stored articles that a
    merge or a split moves are moved in ``store`` now, the new records are
    the caller's to save.
    """
    stories = {s.id: s for s in store.stories()}
    old = store.articles(list(stories))
    everything = old + records
    matrices = pair_matrices([r.facts for r in everything])
    # The odds of a batch of the live articles (input_model), in every step;
    # the leftovers' own clustering must not raise them again.
    model = input_model(matrices, StoryModel.bundled(), config)

    def probability(rows: list[int], cols: list[int]) -> np.ndarray:
        return probabilities(matrices, model, np.asarray(rows), np.asarray(cols))

    members: dict[str, list[int]] = {}
    for i, r in enumerate(old):
        members.setdefault(r.story_id, []).append(i)
    min_similarity = config.cluster_probability

    # 1. Each new article joins the live story it most probably shares, if probably enough.
    new = np.arange(len(old), len(everything))
    to_all = probability(list(new), list(range(len(everything))))
    leftovers: list[int] = []
    for row, i in enumerate(new):
        best, best_similarity = None, -1.0
        for story_id, indices in members.items():
            mean = float(to_all[row, indices].mean())
            if mean > best_similarity:
                best, best_similarity = story_id, mean
        if best is not None and best_similarity >= min_similarity:
            everything[i].story_id = best
            members[best].append(int(i))
        else:
            leftovers.append(int(i))

    # 2. The rest cluster among themselves into new stories.
    if leftovers:
        labels = cluster_articles(
            [everything[i].article for i in leftovers], config=replace(config, cluster_prior_max_articles=0), model=model
        )
        groups: dict[int, list[int]] = {}
        for label, i in zip(labels, leftovers):
            groups.setdefault(label, []).append(i)
        for indices in groups.values():
            story_id = "s" + everything[indices[0]].article.id[1:]
            stories[story_id] = Story(story_id, now, 0.0)
            members[story_id] = list(indices)
            update.new_stories.append(story_id)
            for i in indices:
                everything[i].story_id = story_id

    # 3. Stories that the new articles bring close enough are merged, as average linkage would.
    touched = {everything[i].story_id for i in range(len(old), len(everything))}
    refused: set[frozenset[str]] = set()
    while True:
        pair = _closest_pair(probability, members, touched, min_similarity, refused)
        if pair is None:
            break
        if _splits_back(members[pair[0]], members[pair[1]], probability, config):
            # Step 4 would cut the merged story into these same two: no merge,
            # rather than a merge and a split reported on every arrival.
            refused.add(frozenset(pair))
            continue
        keep, gone = sorted(pair, key=lambda s: (stories[s].created, s))
        logger.info("story %s merges into %s", gone, keep)
        moved = members.pop(gone)
        for i in moved:
            everything[i].story_id = keep
        members[keep] = sorted(members[keep] + moved)
        update.merged[gone] = keep
        touched.discard(gone)
        touched.add(keep)
        if gone in update.new_stories:
            update.new_stories.remove(gone)
        else:
            store.move_articles(gone, keep)
            store.delete_story(gone)
        stories.pop(gone)
    for gone, keep in list(update.merged.items()):  # chains: a merged into b, b into c
        while keep in update.merged:
            keep = update.merged[keep]
        update.merged[gone] = keep

    # 4. A story that average linkage would now cut in two is split, so
    #    that early arrivals cannot glue two incidents together for good.
    for story_id in sorted(touched):
        _split_story(story_id, members, stories, everything, probability, now, update, len(old), store, config)
    return Placement(stories, members, everything)


def _closest_pair(
    probability: Callable[[list[int], list[int]], np.ndarray],
    members: dict[str, list[int]],
    touched: set[str],
    cut: float,
    refused: Set[frozenset[str]] = frozenset(),
) -> tuple[str, str] | None:
    """The two stories, one of them ``touched`` and not ``refused``, with the highest mean pair probability at or above ``cut``."""
    best, best_similarity = None, cut
    for a in sorted(touched):
        if a not in members:
            continue
        for b, indices in members.items():
            if b == a or (b in touched and b < a) or frozenset((a, b)) in refused:  # each touched pair once
                continue
            mean = float(probability(members[a], indices).mean())
            if mean >= best_similarity:
                best, best_similarity = (a, b), mean
    return best


def _linked_parts(
    indices: list[int], probability: Callable[[list[int], list[int]], np.ndarray], config: BriefConfig
) -> list[list[int]]:
    """The stories average linkage with the seam split makes of ``indices``, each in the order of ``indices``."""
    labels = average_linkage(probability(indices, indices), config.cluster_probability, config.cluster_split_ratio)
    parts: dict[int, list[int]] = {}
    for label, i in zip(labels, indices):
        parts.setdefault(int(label), []).append(i)
    return list(parts.values())


def _splits_back(
    first: list[int], second: list[int], probability: Callable[[list[int], list[int]], np.ndarray], config: BriefConfig
) -> bool:
    """Whether average linkage with the seam split cuts the union of two stories into exactly those two."""
    parts = _linked_parts(first + second, probability, config)
    return sorted(map(sorted, parts)) == sorted([sorted(first), sorted(second)])


def _split_story(
    story_id: str,
    members: dict[str, list[int]],
    stories: dict[str, Story],
    everything: list[TrackedArticle],
    probability: Callable[[list[int], list[int]], np.ndarray],
    now: float,
    update: TrackerUpdate,
    n_old: int,
    store: Store,
    config: BriefConfig,
) -> None:
    """Cut ``story_id`` where average linkage over its articles would; the part with its first article keeps it."""
    indices = members.get(story_id, [])
    if len(indices) < 3:
        return
    parts = _linked_parts(indices, probability, config)
    if len(parts) == 1:
        return

    def story_of(i: int) -> str:
        return "s" + everything[i].article.id[1:]

    # The part with the article the story is named after keeps the name.
    keep = max(parts, key=lambda part: (any(story_of(i) == story_id for i in part), len(part)))
    members[story_id] = sorted(keep)
    for part in (p for p in parts if p is not keep):
        part = sorted(part, key=lambda i: (everything[i].arrived, i))
        new_id = next((story_of(i) for i in part if story_of(i) not in stories and store.story(story_of(i)) is None), None)
        if new_id is None:  # every name is taken (a story split and merged before): stay together
            members[story_id] = sorted(members[story_id] + part)
            continue
        logger.info("story %s splits off %d articles as %s", story_id, len(part), new_id)
        stories[new_id] = Story(new_id, now, 0.0)
        members[new_id] = sorted(part)
        update.new_stories.append(new_id)
        update.split[new_id] = story_id
        for i in part:
            everything[i].story_id = new_id
        # New records are saved with their story by the tracker; stored ones move now.
        store.save_story(stories[new_id])
        store.assign_articles([everything[i].article.id for i in part if i < n_old], new_id)
