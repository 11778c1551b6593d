"""``generation_timeout`` holds on every generation path, the same way.

transformers' ``max_time`` stops ``generate`` silently and leaves a cut-off
answer; every path must instead raise ``GenerationTimeout``, and the pipeline
must then give the story its extractive brief with the reason.  A model that is
slower than the limit is made here by delaying the real ``generate`` call.
"""

from __future__ import annotations

import time

import pytest
import torch

from summarizer import NewsBriefer
from summarizer.config import BriefConfig
from summarizer.document import PoolSentence
from summarizer.generation import GenerationTimeout, load_generator
from summarizer.examples import EXAMPLE_ARTICLES
from tiny_models import save_tiny_bart, save_tiny_causal

# Long sentences (30 words); with compress_words=5 the chunked strategy asks the model
# to compress them (by default only sentences over 60 words are sent).
POOL = [
    PoolSentence(
        "A magnitude 6.1 earthquake struck the coastal city of Port Alden early on Saturday, killing two people, "
        "injuring dozens more and cutting power to thousands of homes across the harbour district.",
        [("a1", 0), ("a2", 0)],
    ),
    PoolSentence(
        "Rescue teams pulled 14 people from collapsed homes overnight and were still searching the old town "
        "on Sunday morning, Mayor Ines Okafor told reporters outside the city hall.",
        [("a1", 2)],
    ),
]
QUAKE = [a for a in EXAMPLE_ARTICLES if "Port Alden" in a.text]
LIMIT = 0.5


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    torch.manual_seed(0)
    return {
        "causal": save_tiny_causal(tmp_path_factory.mktemp("llama")),
        "seq2seq": save_tiny_bart(tmp_path_factory.mktemp("bart")),
    }


def _slow(model, calls: list[dict]):
    """The model's real ``generate``, called only after the time limit has passed."""
    real = model.generate

    def generate(**kwargs):
        calls.append(kwargs)
        time.sleep(LIMIT * 1.5)
        return real(**kwargs)

    return generate


PATHS = [("causal", "chunked"), ("causal", "whole"), ("seq2seq", "auto")]


@pytest.mark.parametrize("kind,strategy", PATHS)
def test_a_generate_call_past_the_limit_raises(folders, kind, strategy, monkeypatch):
    config = BriefConfig(strategy=strategy, generation_timeout=LIMIT, compress_words=5)
    generator = load_generator(str(folders[kind]), config)
    calls: list[dict] = []
    monkeypatch.setattr(generator.model, "generate", _slow(generator.model, calls))
    with pytest.raises(GenerationTimeout, match=f"over {LIMIT:g} s"):
        generator.draft(POOL, config)
    # The call was given the time left, so it stops too; but its cut-off answer is not used.
    assert len(calls) == 1 and 0 < calls[0]["max_time"] <= LIMIT


@pytest.mark.parametrize("kind,strategy", PATHS)
def test_within_the_limit_nothing_is_raised(folders, kind, strategy):
    config = BriefConfig(strategy=strategy, generation_timeout=120, compress_words=5)
    drafts = load_generator(str(folders[kind]), config).draft(POOL, config)
    assert drafts and all(d.inputs for d in drafts)


@pytest.mark.parametrize("kind,strategy", PATHS)
def test_the_story_gets_the_extractive_brief_with_the_reason(folders, kind, strategy, embedder, monkeypatch):
    # compress_words=5: the chunked strategy asks the model about every example sentence.
    briefer = NewsBriefer(
        str(folders[kind]), embedder=embedder, strategy=strategy, generation_timeout=LIMIT, compress_words=5
    ).load()
    monkeypatch.setattr(briefer.generator.model, "generate", _slow(briefer.generator.model, []))
    [brief] = briefer.summarize(QUAKE)
    assert brief.model == "extractive"
    assert brief.sentences and all(s.generated is None for s in brief.sentences)
    assert any("GenerationTimeout" in w and f"over {LIMIT:g} s" in w for w in brief.warnings)
