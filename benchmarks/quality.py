"""Brief quality and faithfulness on Multi-News dev, with the usual baselines in the same run.

Each Multi-News cluster is one story with one human summary (~230 words).
Every system's output is cut to the reference's length in words and scored
with ROUGE-1/2/L F1 (rouge-score, stemming on).  Faithfulness comes from the
same runs: the share of brief sentences the guard counts as supported, and the
names and numbers of each brief that occur in no source article, before and
after the guard.
"""

from __future__ import annotations

import logging
import re
import statistics
import time
from typing import Any

from tqdm import tqdm

from summarizer import Article, NewsBriefer, clean_text, split_sentences
from summarizer.facts import extract_facts

from .common import SectionResult, markdown_table, read_jsonl

logger = logging.getLogger(__name__)

QUICK_CLUSTERS = 15
#: The embedded model takes seconds per cluster on a 2-core CPU; the full run
#: scores it on this fixed first part of the 250 clusters.
EMBEDDED_CLUSTERS = 60


def _cut(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


class _Words:
    """The word tokenizer sumy asks for (its own needs NLTK data we cannot download)."""

    @staticmethod
    def to_words(sentence: str) -> list[str]:
        return re.findall(r"[^\W_]+(?:'[^\W_]+)?", sentence)

    @staticmethod
    def to_sentences(paragraph: str) -> list[str]:
        return split_sentences(paragraph)


def _sumy(documents: list[str], words: int, method: str) -> str:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = _Words()
    sentences = [s for d in documents for s in split_sentences(clean_text(d))]
    model = ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in sentences])])
    summarizer = (LexRankSummarizer if method == "lexrank" else TextRankSummarizer)(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    ranked = summarizer(model, min(len(sentences), 30))
    chosen, total = [], 0
    for sentence in ranked:  # sumy returns them in document order; keep until the length is reached
        chosen.append(str(sentence))
        total += len(str(sentence).split())
        if total >= words:
            break
    return " ".join(chosen)


def _lead(documents: list[str], words: int) -> str:
    """Multi-document lead: the first sentences of each article in turn."""
    leads = [split_sentences(clean_text(d)) for d in documents]
    chosen, total, k = [], 0, 0
    while total < words and any(k < len(s) for s in leads):
        for sentences in leads:
            if k < len(sentences) and total < words:
                chosen.append(sentences[k])
                total += len(sentences[k].split())
        k += 1
    return " ".join(chosen)


def _invented(text: str, sources: str) -> list[str]:
    """Names and numbers of ``text`` that no source article has."""
    source_facts = extract_facts(sources)
    lowered = sources.lower()
    found = []
    for sentence in split_sentences(text):
        facts = extract_facts(sentence)
        found += [n for n in facts.names if n not in source_facts.names and n not in lowered]
        found += [n for n in facts.numbers if n not in source_facts.numbers and n not in lowered]
    return found


def _brief_text(briefer: NewsBriefer, documents: list[str], words: int) -> tuple[str, dict[str, Any]]:
    briefs = briefer.with_settings(target_words=words).summarize([Article(d) for d in documents])
    text = " ".join(b.text for b in briefs)
    sentences = [s for b in briefs for s in b.sentences]
    raw = [s.generated or s.text for s in sentences] + [s.text for b in briefs for s in b.dropped]
    info = {
        "stories": len(briefs),
        "sentences": len(sentences),
        "supported": sum(s.supported for s in sentences),
        "replaced": sum(s.generated is not None for s in sentences),
        "dropped": sum(len(b.dropped) for b in briefs),
        "raw": " ".join(raw),
    }
    return text, info


def run(quick: bool = False, model: str | None = None) -> SectionResult:
    from rouge_score import rouge_scorer

    rows = read_jsonl("multinews", "multinews_dev.jsonl")
    rows = rows[:QUICK_CLUSTERS] if quick else rows
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    systems: dict[str, Any] = {
        "lead (round-robin first sentences)": lambda docs, w: (_lead(docs, w), None),
        "LexRank (sumy)": lambda docs, w: (_sumy(docs, w, "lexrank"), None),
        "TextRank (sumy)": lambda docs, w: (_sumy(docs, w, "textrank"), None),
    }
    extractive = NewsBriefer(model="extractive")
    systems["newsbrief extractive"] = lambda docs, w: _brief_text(extractive, docs, w)
    embedded = NewsBriefer()
    systems["newsbrief embedded SmolLM2-135M"] = lambda docs, w: _brief_text(embedded, docs, w)
    if model:
        other = NewsBriefer(model=model)
        systems[f"newsbrief {model}"] = lambda docs, w: _brief_text(other, docs, w)

    table, metrics = [], {}
    faith_rows = []
    for name, system in systems.items():
        limit = len(rows) if quick or "embedded" not in name else min(len(rows), EMBEDDED_CLUSTERS)
        scores = {"rouge1": [], "rouge2": [], "rougeLsum": []}
        infos, seconds = [], []
        for row in tqdm(rows[:limit], desc=name, leave=False):
            documents = [d for d in row["documents"] if d.strip()]
            words = len(row["summary"].split())
            clock = time.perf_counter()
            text, info = system(documents, words)
            seconds.append(time.perf_counter() - clock)
            result = scorer.score(row["summary"], "\n".join(split_sentences(_cut(text, words))))
            for key in scores:
                scores[key].append(result[key].fmeasure * 100)
            if info:
                info["invented_after"] = len(_invented(text, " ".join(documents)))
                info["invented_before"] = len(_invented(info.pop("raw"), " ".join(documents)))
                infos.append(info)
        means = {k: statistics.mean(v) for k, v in scores.items()}
        table.append([name, limit, means["rouge1"], means["rouge2"], means["rougeLsum"], statistics.mean(seconds)])
        metrics[name] = {**means, "clusters": limit, "seconds_per_cluster": statistics.mean(seconds)}
        if infos:
            sentences = sum(i["sentences"] for i in infos)
            faith = {
                "sentences": sentences,
                "supported_share": sum(i["supported"] for i in infos) / max(1, sentences),
                "replaced": sum(i["replaced"] for i in infos),
                "dropped": sum(i["dropped"] for i in infos),
                "invented_per_brief_before": statistics.mean(i["invented_before"] for i in infos),
                "invented_per_brief_after": statistics.mean(i["invented_after"] for i in infos),
                "split_clusters": sum(i["stories"] > 1 for i in infos),
            }
            metrics[name]["faithfulness"] = faith
            faith_rows.append([
                name, sentences, f"{faith['supported_share']:.1%}", faith["replaced"], faith["dropped"],
                faith["invented_per_brief_before"], faith["invented_per_brief_after"], faith["split_clusters"],
            ])

    markdown = "\n\n".join([
        f"Multi-News dev, {len(rows)} clusters{' (quick)' if quick else ''}; each output cut to its reference's "
        f"length; ROUGE F1 x100 with stemming (rougeLsum, sentence-split). The embedded model is scored on the "
        f"first {min(len(rows), EMBEDDED_CLUSTERS) if not quick else len(rows)} clusters in the full run.",
        markdown_table(["system", "clusters", "ROUGE-1", "ROUGE-2", "ROUGE-L", "s / cluster"], table),
        "Faithfulness (same runs). 'Invented' counts names and numbers of a brief found in no source article "
        "(capitalisation-based, so a few are capitalised common words); 'before' is the model's own text, "
        "'after' what the guard let through. 'Split' counts clusters our clustering split into several stories "
        "(their briefs are joined, largest first).",
        markdown_table(
            ["system", "sentences", "supported", "replaced", "dropped", "invented / brief before",
             "invented / brief after", "split clusters"],
            faith_rows,
        ),
    ])
    return SectionResult("Brief quality and faithfulness (Multi-News)", markdown, metrics)
