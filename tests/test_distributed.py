"""The Ray pipeline gives the single-process stories and briefs (local Ray, 2 CPUs)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")
pytest.importorskip("faiss")

from summarizer import Article, BriefConfig, NewsBriefer
from summarizer.clustering import article_sentences, cluster_articles
from summarizer.pairs import article_tokens
from summarizer.clustering_at_scale import cluster_distributed, sparse_candidate_pairs
from summarizer.distributed import StageTimes, cluster_dataset, summarize_dataset
from summarizer.examples import EXAMPLE_ARTICLES

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "ecbplus" / "ecbplus_dev.jsonl"
#: Single-process NewsBriefer refuses more than max_articles per call; raise it for the comparison.
BIG = replace(BriefConfig(), max_articles=10_000, max_total_chars=100_000_000)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    yield
    ray.shutdown()


def _partition(labels) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, set()).add(i)
    return {frozenset(g) for g in groups.values()}


def _brief_key(brief) -> tuple:
    return (
        brief.text,
        [a.id for a in brief.articles],
        [(s.text, list(s.sources)) for s in brief.sentences],
        [s.index for s in brief.skipped],
        brief.model,
    )


def test_prefix_filtered_pairs_are_all_pairs_over_the_threshold():
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    rng = np.random.default_rng(0)
    # Skewed token frequencies, as names and dates are: a few tokens in most rows.
    dense = (rng.random((300, 60)) < np.linspace(0.6, 0.01, 60)).astype(float) * rng.random((300, 60))
    matrix = normalize(sp.csr_matrix(dense))
    for threshold in (0.2, 0.5, 0.8):
        similarity = (matrix @ matrix.T).toarray()
        want = {(i, j) for i, j in zip(*np.nonzero(np.triu(similarity >= threshold, 1)))}
        for method in ("prefix", "product", "auto"):
            a, b = sparse_candidate_pairs(matrix, threshold, method)
            assert {(int(i), int(j)) for i, j in zip(a, b)} == want


def test_examples_skips_and_duplicates_match_single_process(local_ray, tmp_path):
    articles = [*EXAMPLE_ARTICLES, Article(""), EXAMPLE_ARTICLES[0], Article("\x00\x01\x02" * 50)]
    path = tmp_path / "examples.jsonl"
    path.write_text("\n".join(json.dumps(a.to_dict()) for a in articles), encoding="utf-8")
    want = NewsBriefer(model="extractive").summarize(articles)
    got = summarize_dataset(path, model="extractive", num_workers=2)
    assert [_brief_key(b) for b in got] == [_brief_key(b) for b in want]
    assert [b.articles[0].published for b in got] == [b.articles[0].published for b in want]
    assert [(s.index, s.reason) for s in got[0].skipped] == [(s.index, s.reason) for s in want[0].skipped]
    assert len(got[0].skipped) == 3


@pytest.fixture(scope="module")
def dev_rows():
    if not DEV.exists():
        pytest.skip("../shared/data/ecbplus is absent (a user's clone has no shared data)")
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return random.Random(0).sample(rows, 300)


def _write(rows, path: Path) -> list[Article]:
    path.write_text("\n".join(json.dumps({"text": r["text"], "url": r["url"]}) for r in rows), encoding="utf-8")
    return [Article(r["text"], url=r["url"]) for r in rows]


def test_dev_stories_match_single_process(local_ray, dev_rows, tmp_path):
    articles = _write(dev_rows, tmp_path / "dev.jsonl")
    times = StageTimes()
    found = cluster_dataset(tmp_path / "dev.jsonl", config=BIG, num_workers=2, times=times)
    want = cluster_articles(articles, config=BIG)
    assert {frozenset(story) for story in found.stories} == _partition(want)
    assert len(found.stories) > 30 and times.counts["candidate_pairs"] < len(articles) ** 2 / 20


def test_dev_briefs_match_single_process(local_ray, dev_rows, tmp_path):
    # Briefs cost far more than stories on two cores: a smaller sample keeps the test short.
    articles = _write(dev_rows[:40], tmp_path / "dev.jsonl")
    got = summarize_dataset(tmp_path / "dev.jsonl", model="extractive", config=BIG, num_workers=2)
    want = NewsBriefer(model="extractive", config=BIG).summarize(articles)
    assert len(want) > 10
    assert [_brief_key(b) for b in got] == [_brief_key(b) for b in want]


def test_ann_candidates_with_embeddings_blended(dev_rows, embedder):
    from sklearn.metrics import adjusted_rand_score

    from summarizer.clustering import article_vectors

    config = replace(BIG, cluster_embedding_weight=0.1)
    articles = [Article(r["text"]) for r in dev_rows[:200]]
    sentences = [article_sentences(a) for a in articles]
    vectors = article_vectors(sentences, [None] * len(articles), embedder)
    want = cluster_articles(articles, config=config, vectors=vectors)
    timings: dict[str, float] = {}
    got = cluster_distributed([article_tokens(s) for s in sentences], config, vectors=vectors, timings=timings)
    assert "ann" in timings
    assert adjusted_rand_score(want, got) == 1.0


def test_batch_command_writes_the_briefs(local_ray, tmp_path, capsys):
    from summarizer.cli import main

    import pyarrow as pa
    import pyarrow.parquet as pq

    # Parquet here; the other tests read JSON lines.
    path = tmp_path / "examples.parquet"
    pq.write_table(pa.Table.from_pylist([a.to_dict() for a in EXAMPLE_ARTICLES]), path)
    assert main(["batch", str(path), "--output", str(tmp_path / "out"), "--workers", "1"]) == 0
    lines = (tmp_path / "out" / "briefs.jsonl").read_text(encoding="utf-8").splitlines()
    want = NewsBriefer(model="extractive").summarize(EXAMPLE_ARTICLES)
    assert [json.loads(line)["text"] for line in lines] == [b.text for b in want]
    assert f"{len(want)} briefs written" in capsys.readouterr().out
    assert main(["batch", str(tmp_path / "missing.jsonl"), "--output", str(tmp_path / "out")]) == 2
    assert "no such file" in capsys.readouterr().err
