"""Stage 7: attribute each brief sentence to its support and catch inventions.

A brief sentence is supported when one or two pool sentences read like it
(embedding similarity), carry most of its content words, carry every name,
number and date it states, and state it with the same structure: the same
roles, negation and counted nouns, and no clause they lack (the dependency
parse, :mod:`summarizer.structure`).  Its sources are the articles behind that support.
An unsupported sentence is, by default, replaced by the best pool sentence it
was drawn from, or dropped when that sentence is already in the brief.  A
sentence that repeats an earlier one's fact (:func:`summarizer.selection.repeats`)
is dropped too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from .config import BriefConfig
from .document import BriefSentence, PoolSentence
from .embedding import embed
from .facts import extract_facts, missing_facts, stems, Facts
from .entailment import entailment_problem
from .selection import repeats
from .structure import structure_problems

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

#: Most pool sentences one brief sentence may draw on: a fusion of two.
MAX_SUPPORT = 2
#: Pool sentences nearest to a claim whose words its clauses may draw on.
CONTEXT = 5
#: A second support sentence must at least be this similar.
SECOND_SUPPORT_FLOOR = 0.35

@dataclass
class Verdict:
    """How one claim stands against the pool."""

    support: list[int]
    supported: bool
    reason: str | None


def judge(
    claim: str,
    claim_vector: np.ndarray,
    pool: Sequence[PoolSentence],
    pool_vectors: np.ndarray,
    config: BriefConfig = BriefConfig(),
) -> Verdict:
    """Find the support of ``claim`` in ``pool`` and say whether it holds."""
    if not len(pool):
        return Verdict([], False, "the pool is empty")
    similarity = pool_vectors @ claim_vector
    ranked = [int(i) for i in np.argsort(-similarity, kind="stable")]
    best = ranked[0]
    if similarity[best] < config.support_threshold:
        return Verdict([], False, f"no pool sentence is close enough (best similarity {similarity[best]:.2f})")
    claim_stems = stems(claim)
    claim_facts = extract_facts(claim)
    support = [best]
    covered = stems(pool[best].text)
    facts = extract_facts(pool[best].text)
    # A second sentence joins only if it adds what the claim needs: fusing two
    # pool sentences is a legitimate rewrite, a third is a stretch.
    for other in ranked[1 : 1 + 3]:
        if len(support) >= MAX_SUPPORT or similarity[other] < SECOND_SUPPORT_FLOOR:
            break
        other_stems = stems(pool[other].text)
        other_facts = extract_facts(pool[other].text)
        adds_words = (claim_stems - covered) & other_stems
        adds_facts = set(missing_facts(claim_facts, facts)) - set(missing_facts(claim_facts, _merge(facts, other_facts)))
        if adds_words or adds_facts:
            support.append(other)
            covered |= other_stems
            facts = _merge(facts, other_facts)
    missing = missing_facts(claim_facts, facts)
    if missing:
        return Verdict(support, False, "not in the sources: " + ", ".join(missing))
    if claim_stems:
        coverage = len(claim_stems & covered) / len(claim_stems)
        if coverage < config.support_min_coverage:
            return Verdict(support, False, f"only {coverage:.0%} of its words are in the sources")
    if config.guard_structure:
        context = [pool[i].text for i in ranked[:CONTEXT] if i not in support]
        problems = structure_problems(claim, [pool[i].text for i in support], context)
        if problems:
            return Verdict(support, False, "; ".join(problems))
    if config.guard_model:
        problem = entailment_problem(claim, [pool[i].text for i in support], config.guard_model, config.guard_entailment)
        if problem:
            return Verdict(support, False, problem)
    return Verdict(support, True, None)


def _merge(a: Facts, b: Facts) -> Facts:
    return Facts(a.names | b.names, a.numbers | b.numbers, a.dates | b.dates)


def _sources(pool: Sequence[PoolSentence], support: list[int]) -> list[str]:
    return list(dict.fromkeys(a for i in support for a in pool[i].article_ids))


def attribute_sentences(
    claims: Sequence[str],
    pool: Sequence[PoolSentence],
    embedder: SentenceTransformer,
    config: BriefConfig = BriefConfig(),
    pool_vectors: np.ndarray | None = None,
    fallbacks: Sequence[Sequence[int]] | None = None,
) -> tuple[list[BriefSentence], list[BriefSentence]]:
    """Attribute ``claims`` to ``pool`` and apply the guard.

    Returns ``(kept, dropped)``.  ``fallbacks[k]`` lists the pool sentences that
    claim ``k`` was written from, best first: the guard replaces an unsupported
    claim with the first of them not yet in the brief.
    """
    if pool_vectors is None:
        pool_vectors = embed(embedder, [p.text for p in pool])
    claim_vectors = embed(embedder, list(claims))
    kept: list[BriefSentence] = []
    dropped: list[BriefSentence] = []
    used: set[int] = set()
    pool_texts = {p.text for p in pool}
    for k, claim in enumerate(claims):
        verdict = judge(claim, claim_vectors[k], pool, pool_vectors, config)
        if verdict.supported:
            if any(repeats(claim, s.text, config.fuse_overlap) for s in kept):
                # A sentence that says an earlier one's fact again (the same
                # sentence, or a rewrite that shrank onto it) is dropped, and said so.
                dropped.append(
                    BriefSentence(
                        claim, _sources(pool, verdict.support), verdict.support, True,
                        reason="dropped: repeats an earlier sentence of the brief",
                    )
                )
                continue
            used.update(verdict.support)
            kept.append(BriefSentence(
                claim, _sources(pool, verdict.support), verdict.support, True, rewritten=claim not in pool_texts
            ))
            continue
        rejected = BriefSentence(claim, _sources(pool, verdict.support), verdict.support, False, reason=verdict.reason)
        if config.guard == "keep":
            kept.append(rejected)
            continue
        candidates = list(fallbacks[k]) if fallbacks else []
        candidates += verdict.support
        replacement = next(
            (i for i in candidates
             if i not in used and not any(repeats(pool[i].text, s.text, config.fuse_overlap) for s in kept)),
            None,
        )
        if config.guard == "replace" and replacement is not None:
            used.add(replacement)
            kept.append(
                BriefSentence(
                    pool[replacement].text,
                    _sources(pool, [replacement]),
                    [replacement],
                    True,
                    generated=claim,
                    reason=f"replaced: {verdict.reason}",
                )
            )
        else:
            rejected.reason = f"dropped: {verdict.reason}"
            dropped.append(rejected)
    return kept, dropped
