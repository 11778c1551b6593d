"""One frozen dataclass holds every tunable of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

#: What can run the sentence embedder (:attr:`BriefConfig.embedder_backend`).
EMBEDDER_BACKENDS = ("torch", "onnx-int8")


@dataclass(frozen=True)
class BriefConfig:
    """Settings for :class:`~summarizer.pipeline.NewsBriefer`.

    Every field has a default that was tuned on the development data in
    ``../shared/data`` (see ``benchmarks/``); change them only with a measurement.
    """

    #: Rough length of each brief, in words.
    target_words: int = 80

    # --- input limits -------------------------------------------------------
    #: Most articles one ``summarize`` call takes; more raises ``InputLimitError``.
    max_articles: int = 100
    #: Longest article, in characters; a longer one is skipped with that reason.
    max_article_chars: int = 100_000
    #: Most characters over all articles of one call.
    max_total_chars: int = 1_000_000
    #: Articles with fewer sentences than this after cleaning are skipped.
    min_sentences: int = 1

    # --- story clustering ---------------------------------------------------
    #: Brief every usable article of a call as one story, without clustering:
    #: for a paste known to be one event's coverage, where the clustering would
    #: set apart a piece with little in common (a study beside the report, an
    #: op-ed).  The tracker's briefs of a story it has grouped use it too.
    one_story: bool = False
    #: Average linkage joins two groups of articles into one story when the
    #: mean probability of one story over their pairs (the pair model of
    #: :mod:`summarizer.pairs`) is at least this.  Tuned on the tuning halves of
    #: ECB+ dev and Multi-News dev (``benchmarks/train_story_model.py``).
    cluster_probability: float = 0.1
    #: Inputs of up to this many articles have their pairs' odds raised by how
    #: much more often their own pairs look like one story than the pair
    #: model's training pairs (``clustering.input_model``): a few reports
    #: pasted together are mostly one story.  Larger inputs, and 0, keep the
    #: model's odds.
    cluster_prior_max_articles: int = 100
    #: A story is split in two when its two halves (the last merge, each of at
    #: least two articles) have a mean cross probability below this share of
    #: the mean probability within the looser half: two incidents of one kind,
    #: each told by several outlets.  0 turns the check off.  Tuned with
    #: ``cluster_probability`` on the same halves.
    cluster_split_ratio: float = 0.6
    #: Blocks of linked articles (connected by pairs that may reach the cut)
    #: of up to this many are linked exactly, which takes 8 bytes times the
    #: block size squared (800 MB at 10,000); a larger one is split where no
    #: pair reaches the cut (exactly), and a part still larger is linked on its
    #: candidate pairs alone, every other pair counted as probability 0.
    cluster_max_block: int = 10_000
    #: Added to a pair's log-odds times the cosine of the two articles' mean
    #: lead embeddings.  The bundled model was trained without it and measured
    #: no better with it, so it is 0; above 0 the embedder runs on every article.
    cluster_embedding_weight: float = 0.0

    # --- deduplicated pool --------------------------------------------------
    #: Match score (see ``pooling.match_score``) at or above which two sentences
    #: from different articles may be one pool sentence.  The score is the
    #: embedding cosine, plus ``dedup_coverage_weight`` times the share of
    #: content words each carries of the other, less ``dedup_gap_weight`` per
    #: word of the longest run only one of them has, less ``dedup_length_weight``
    #: per word of length difference.  Tuned on MSRP train for precision >= 0.9.
    dedup_threshold: float = 0.61
    dedup_coverage_weight: float = 0.2
    dedup_gap_weight: float = 0.05
    dedup_length_weight: float = 0.04
    #: Cosine similarity at or above which two sentences whose neighbours are
    #: already merged with each other (the same report, reworded) are merged too.
    dedup_context_threshold: float = 0.5
    #: Share of a merged sentence's content words that its representative must
    #: carry in the first pass; guards chains of merges against losing a clause.
    dedup_min_coverage: float = 0.6

    # --- generation ---------------------------------------------------------
    #: ``"auto"``: the embedded and other causal models under ``small_model_params``
    #: rewrite a few pool sentences at a time (chunked); larger ones write the whole brief
    #: from the best-ranked sentences for twice ``target_words``, and a brief they
    #: leave short is filled to the target with those sentences as written
    #: (whole); seq2seq models read the whole ranked pool.
    #: ``"chunked"`` or ``"whole"`` force one way for causal models.
    strategy: str = "auto"
    #: Chunked strategy: a pool sentence longer than this many words is compressed.
    #: Compressing costs ROUGE: on the tuning half of the first 60 Multi-News dev
    #: clusters the embedded model scored ROUGE-1/2 46.78 / 15.55 at 28 words,
    #: 46.89 / 15.83 at 40 and 46.98 / 15.83 at 60 (no compression: 46.96 /
    #: 15.81), so only run-on sentences are sent.
    compress_words: int = 60
    #: Two pool sentences repeat a fact when this share of the shorter one's
    #: content words (stemmed) is in the other ("most of their words"): a brief
    #: never holds both.  A model fuses the second into the first when it adds
    #: a name, number or date; otherwise, and without a model, it is left out.
    fuse_overlap: float = 0.5
    #: Beam width; 1 is greedy.  Both are deterministic.
    num_beams: int = 1
    #: Tokens of the model's window kept free for the answer: at least this
    #: many, and for a whole brief enough for ``target_words`` (1.6 a word).
    max_new_tokens: int = 160
    #: Causal models with fewer parameters than this use the chunked strategy.
    #: Qwen2.5-Coder-1.5B (1.5 billion) scored higher chunked than whole on
    #: Multi-News dev: ROUGE-1/2 +2.17 / +1.69 on the first 20 clusters (the
    #: backends section) and +0.42 / +0.82 on clusters 20-39, in a fifth of the
    #: time; nothing larger was measured, so from 2 billion models write whole.
    small_model_params: int = 2_000_000_000
    #: Seconds one story's generation may take; past it the story gets the
    #: extractive brief, with the reason in its warnings.
    generation_timeout: float = 120.0

    # --- attribution and guard ---------------------------------------------
    #: Cosine similarity at or above which a pool sentence supports a brief sentence.
    support_threshold: float = 0.55
    #: Share of a brief sentence's content words that its support must carry.
    support_min_coverage: float = 0.5
    #: Also compare the claim's dependency parse with its support's: swapped
    #: subject and object, a negation added or dropped, a number on another
    #: noun, a clause the sources lack (:mod:`summarizer.structure`).
    guard_structure: bool = True
    #: A natural-language-inference model (hub id or folder) that must find the
    #: claim entailed by its support; ``None``: none (none ships offline).
    guard_model: str | None = None
    #: Entailment probability below which the guard model rejects a claim.
    guard_entailment: float = 0.5
    #: What to do with an unsupported sentence: ``"replace"`` it with the best
    #: supported pool sentence, ``"drop"`` it, or ``"keep"`` it marked unsupported.
    guard: str = "replace"

    #: What runs the sentence embedder: ``"torch"`` (sentence-transformers,
    #: float32) or ``"onnx-int8"``, an int8 ONNX Runtime copy made once and
    #: cached (needs the ``onnx`` extra): pooling in about half the time on a
    #: CPU with VNNI, MSRP dedup figures within 0.005 (the embedder benchmark).
    embedder_backend: str = "torch"

    #: Show tqdm progress bars on the slow stages.
    show_progress: bool = False

    def __post_init__(self) -> None:
        if self.target_words < 10:
            raise ValueError(f"target_words must be at least 10, got {self.target_words}")
        if self.strategy not in {"auto", "chunked", "whole"}:
            raise ValueError(f"strategy must be 'auto', 'chunked' or 'whole', got {self.strategy!r}")
        if self.embedder_backend not in EMBEDDER_BACKENDS:
            choices = " or ".join(repr(b) for b in EMBEDDER_BACKENDS)
            raise ValueError(f"embedder_backend must be {choices}, got {self.embedder_backend!r}")
        if self.guard not in {"replace", "drop", "keep"}:
            raise ValueError(f"guard must be 'replace', 'drop' or 'keep', got {self.guard!r}")
        if not 0.0 <= self.guard_entailment <= 1.0:
            raise ValueError(f"guard_entailment must be between 0 and 1, got {self.guard_entailment}")
        if not 0.0 < self.fuse_overlap <= 1.0:
            raise ValueError(f"fuse_overlap must be above 0 and at most 1, got {self.fuse_overlap}")
        if not 0.0 < self.cluster_probability < 1.0:
            raise ValueError(f"cluster_probability must be between 0 and 1, got {self.cluster_probability}")
        if not 0.0 <= self.cluster_split_ratio < 1.0:
            raise ValueError(f"cluster_split_ratio must be at least 0 and below 1, got {self.cluster_split_ratio}")
        if self.cluster_prior_max_articles < 0:
            raise ValueError(f"cluster_prior_max_articles must not be negative, got {self.cluster_prior_max_articles}")
        if self.cluster_max_block < 2:
            raise ValueError(f"cluster_max_block must be at least 2, got {self.cluster_max_block}")
        for name in ("max_articles", "max_article_chars", "max_total_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
