"""newsbrief: attributed abstractive briefs from several news articles.

>>> from summarizer import Article, NewsBriefer
>>> briefs = NewsBriefer(model="extractive").summarize([Article(text_a), Article(text_b)])  # doctest: +SKIP
"""

from .attribution import attribute_sentences
from .cleaning import clean_text
from .clustering import cluster_articles
from .config import BriefConfig
from .document import Article, Brief, BriefSentence, PoolSentence, Skipped
from .embedding import EmbedderError
from .generation import ModelLoadError
from .ingest import FetchError, article_from_html, article_from_url, articles_from_feed
from .pipeline import InputError, InputLimitError, NewsBriefer, summarize
from .pooling import build_pool
from .splitting import split_sentences

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Brief",
    "BriefConfig",
    "BriefSentence",
    "EmbedderError",
    "FetchError",
    "InputError",
    "InputLimitError",
    "ModelLoadError",
    "NewsBriefer",
    "PoolSentence",
    "Skipped",
    "article_from_html",
    "article_from_url",
    "articles_from_feed",
    "attribute_sentences",
    "build_pool",
    "clean_text",
    "cluster_articles",
    "split_sentences",
    "summarize",
]
