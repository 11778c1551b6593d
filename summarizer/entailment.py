"""An optional natural-language-inference model for the guard: does the support entail the claim?

No entailment model ships offline with newsbrief, so the guard reads meaning
from the dependency parse (:mod:`summarizer.structure`) by default.  A user
with one (``BriefConfig(guard_model="cross-encoder/nli-deberta-v3-small")``,
any transformers sequence-classification model whose labels include an
"entailment" class, or a local folder of one) gets a second opinion: a claim
whose support does not entail it with at least ``guard_entailment`` probability
is unsupported.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)


class EntailmentModelError(ValueError):
    """The ``guard_model`` cannot be loaded or has no entailment label."""


@dataclass
class EntailmentModel:
    """A sequence-classification model and its tokenizer, with the index of its entailment label."""

    name: str
    model: Any
    tokenizer: Any
    entailment: int
    lock: threading.Lock

    def probability(self, premise: str, hypothesis: str) -> float:
        """P(``premise`` entails ``hypothesis``): the softmax over the model's labels."""
        import torch

        inputs = self.tokenizer(premise, hypothesis, return_tensors="pt", truncation=True)
        with self.lock, torch.inference_mode():
            logits = self.model(**inputs).logits[0]
        return float(torch.softmax(logits, dim=-1)[self.entailment])


@lru_cache(maxsize=2)
def load_entailment(name: str) -> EntailmentModel:
    """The NLI model ``name`` (hub id or folder), loaded once per process."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = AutoModelForSequenceClassification.from_pretrained(name).eval()
    except (OSError, ValueError) as error:
        raise EntailmentModelError(
            f"Could not load the guard model {name!r}: {error}. It must be a transformers sequence-classification "
            "model (a hub id, which needs the internet once, or a local folder)."
        ) from error
    labels = {int(i): str(label).lower() for i, label in model.config.id2label.items()}
    entailment = [i for i, label in labels.items() if label.startswith("entail")]
    if len(entailment) != 1:
        raise EntailmentModelError(
            f"The guard model {name!r} has labels {sorted(labels.values())}: it needs exactly one 'entailment' label."
        )
    logger.info("Guard model %s loaded (entailment is label %d)", name, entailment[0])
    return EntailmentModel(name, model, tokenizer, entailment[0], threading.Lock())


def entailment_problem(claim: str, support: Sequence[str], name: str, threshold: float) -> str | None:
    """Why ``claim`` fails the NLI model ``name`` against its ``support``, or ``None`` when entailed."""
    if not support:
        return None
    p = load_entailment(name).probability(" ".join(support), claim)
    if p < threshold:
        return f"the sources do not entail it (guard model: {p:.2f})"
    return None
