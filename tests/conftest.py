"""Shared fixtures: the offline embedder, data paths, and tiny models built from configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.embedding import load_embedder

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEEDS = SHARED_DATA / "seeds"


@pytest.fixture(scope="session")
def embedder():
    return load_embedder()


@pytest.fixture(scope="session")
def seed_articles():
    if not SEEDS.exists():
        pytest.skip("../shared/data/seeds is absent (a user's clone has no shared data)")
    from summarizer import Article

    return [
        Article((SEEDS / "000_9a9b4538368fa231.txt").read_text(encoding="utf-8"), source="Seed outlet 000"),
        Article((SEEDS / "001_9145991e4788ad70.txt").read_text(encoding="utf-8"), source="The Moscow Times"),
    ]
