"""Stage 4: group articles into stories.

Two articles are one story when they read alike (sentence embeddings), share
rare words (TF-IDF), and share the facts that tell incidents of one kind apart:
names, places, numbers and dates.  Two different earthquakes read alike but
differ in the last of these.  Average-linkage agglomerative clustering with a
distance threshold finds the number of stories itself.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from .config import BriefConfig
from .document import Article
from .embedding import embed, load_embedder
from .facts import extract_facts
from .splitting import split_sentences

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

#: Sentences from the top of an article that stand for it: the lead carries the event.
LEAD_SENTENCES = 8


def article_sentences(article: Article) -> list[str]:
    """The article's cleaned sentences, as every stage numbers them."""
    from .cleaning import clean_text

    return split_sentences(clean_text(article.text))


def article_vectors(
    sentences_per_article: Sequence[Sequence[str]],
    titles: Sequence[str | None],
    embedder: SentenceTransformer,
    show_progress: bool = False,
) -> np.ndarray:
    """One unit vector per article: the mean embedding of its title and lead."""
    texts: list[str] = []
    owners: list[int] = []
    for i, (sentences, title) in enumerate(zip(sentences_per_article, titles)):
        lead = ([title] if title else []) + list(sentences[:LEAD_SENTENCES])
        texts.extend(lead)
        owners.extend([i] * len(lead))
    vectors = embed(embedder, texts, show_progress=show_progress)
    result = np.zeros((len(sentences_per_article), vectors.shape[1]), dtype=np.float32)
    np.add.at(result, np.asarray(owners, dtype=np.int64), vectors)
    norms = np.linalg.norm(result, axis=1, keepdims=True)
    return result / np.where(norms == 0, 1, norms)


def _fact_tokens(text: str) -> list[str]:
    facts = extract_facts(text)
    return [f"n:{x}" for x in facts.names] + [f"#:{x}" for x in facts.numbers] + [f"d:{x}" for x in facts.dates]


def _cosine(matrix) -> np.ndarray:
    similarity = matrix @ matrix.T
    if hasattr(similarity, "toarray"):
        similarity = similarity.toarray()
    return np.asarray(similarity, dtype=np.float32)


def article_similarity(
    texts: Sequence[str],
    vectors: np.ndarray,
    config: BriefConfig = BriefConfig(),
) -> np.ndarray:
    """Pairwise story similarity of articles, in [0, 1]."""
    n = len(texts)
    words = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1, dtype=np.float32)
    facts = TfidfVectorizer(analyzer=_fact_tokens, sublinear_tf=True, dtype=np.float32)
    similarity = config.cluster_embedding_weight * np.clip(vectors @ vectors.T, 0, 1)
    try:
        similarity += config.cluster_tfidf_weight * _cosine(words.fit_transform(texts))
    except ValueError:  # no word survives stop-word removal
        logger.debug("TF-IDF vocabulary is empty; clustering on embeddings and facts only")
    try:
        similarity += config.cluster_facts_weight * _cosine(facts.fit_transform(texts))
    except ValueError:  # no article has a fact
        logger.debug("no names, numbers or dates; clustering on embeddings and words only")
    np.fill_diagonal(similarity, 1.0)
    return similarity[:n, :n]


def cluster_articles(
    articles: Sequence[Article],
    embedder: SentenceTransformer | None = None,
    config: BriefConfig = BriefConfig(),
    vectors: np.ndarray | None = None,
) -> list[int]:
    """Return a story label per article: equal labels, same story.

    Labels are numbered from 0 in the order stories first appear.  ``vectors``
    may hold precomputed article vectors (see :func:`article_vectors`).
    """
    if not articles:
        return []
    if len(articles) == 1:
        return [0]
    sentences = [article_sentences(a) for a in articles]
    if vectors is None:
        embedder = embedder if embedder is not None else load_embedder()
        vectors = article_vectors(sentences, [a.title for a in articles], embedder, config.show_progress)
    texts = [" ".join(filter(None, [a.title, *s])) for a, s in zip(articles, sentences)]
    distance = 1.0 - article_similarity(texts, vectors, config)
    np.clip(distance, 0.0, None, out=distance)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=config.cluster_threshold,
    )
    raw = model.fit_predict(distance)
    renumber: dict[int, int] = {}
    return [renumber.setdefault(int(label), len(renumber)) for label in raw]
