"""Benchmark section: article cleaning and HTML extraction.

Three measurements:

* **HTML path** on the article-extraction benchmark (``aeb``: real pages with
  the gold article body): token precision, recall and F1 of the text that
  ``html_to_text`` keeps, against trafilatura's default and readability-lxml
  alone.  Tokens are lowercased word tokens of the unicode-normalised text,
  compared as multisets, averaged over pages.  The same pages with their
  closing tags stripped test the fallback on malformed markup.
* **Gold-body survival**: ``clean_text`` applied to each gold body should
  remove nothing but the odd credit line; every removed line is listed.
* **Seeds**: the donation appeal at the end of one seed article goes, every
  news line of both seeds stays.

Run alone: ``python -c "from benchmarks.cleaning import run; print(run(quick=True).markdown)"``.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from benchmarks.common import SectionResult, data_path, markdown_table, verdict
from summarizer.cleaning import boilerplate_kind, clean_lines, clean_text, normalize_text
from summarizer.html import deep_tree, extract_text, readability_text
from summarizer.splitting import split_sentences


QUICK_PAGES = 60
#: Issue 4's target: mean token F1 of ``html_to_text`` on the aeb pages.
TARGET_HTML_F1 = 0.95
_WORD = re.compile(r"\w+")
#: Closing tags of block elements: stripping them makes the malformed pages
#: on which extractors give up.
_CLOSING_BLOCK_TAG = re.compile(r"</(div|p|span|section|article)\s*>", re.IGNORECASE)
#: The seed whose last lines are a donation appeal, and where the appeal begins.
APPEAL_SEED = "001_9145991e4788ad70.txt"
APPEAL_OPENER = "A Message from"


def _tokens(text: str) -> Counter[str]:
    return Counter(_WORD.findall(normalize_text(text).lower()))


def token_prf(predicted: str, gold: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall and F1 of ``predicted`` against ``gold``."""
    pred, ref = _tokens(predicted), _tokens(gold)
    overlap = sum((pred & ref).values())
    precision = overlap / sum(pred.values()) if pred else 0.0
    recall = overlap / sum(ref.values()) if ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _load_aeb(quick: bool) -> list[tuple[str, bytes, dict[str, str]]]:
    gold = json.loads(data_path("aeb", "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(gold)[:QUICK_PAGES] if quick else sorted(gold)
    return [(key, gzip.decompress(data_path("aeb", "html", f"{key}.html.gz").read_bytes()), gold[key]) for key in keys]


def _trafilatura_default(html: bytes, url: str | None) -> str:
    import trafilatura

    try:
        return trafilatura.extract(html, url=url) or ""
    except Exception:  # a baseline that crashes scores as empty
        return ""


def _readability_alone(html: bytes, url: str | None) -> str:
    from trafilatura.utils import decode_file

    return readability_text(decode_file(html), url)


def _ours(paths: Counter[str]) -> Callable[[bytes, str | None], str]:
    """``html_to_text``, counting the extraction path each page took."""

    def extract(html: bytes, url: str | None) -> str:
        text, path = extract_text(html, url)
        paths[path] += 1
        return text

    return extract


def _score(
    pages: list[tuple[str, bytes, dict[str, str]]], extractors: dict[str, Callable[[bytes, str | None], str]], label: str
) -> dict[str, dict[str, Any]]:
    """Run every extractor on every page: mean P/R/F1, empty outputs, per-page F1."""
    scores: dict[str, dict[str, Any]] = {name: {"prf": [], "empty": [], "seconds": 0.0} for name in extractors}
    for key, html, gold in tqdm(pages, desc=f"cleaning: {label}", leave=False):
        for name, extract in extractors.items():
            clock = time.perf_counter()
            text = extract(html, gold.get("url"))
            scores[name]["seconds"] += time.perf_counter() - clock
            scores[name]["prf"].append(token_prf(text, gold["articleBody"]))
            if not text.strip():
                scores[name]["empty"].append(key)
    for result in scores.values():
        result["p"], result["r"], result["f1"] = (statistics.mean(column) for column in zip(*result["prf"]))
    return scores


def _html_section(pages: list[tuple[str, bytes, dict[str, str]]]) -> tuple[str, dict[str, Any]]:
    paths: Counter[str] = Counter()
    extractors = {
        "ours: html_to_text (trafilatura + readability, cleaned)": _ours(paths),
        "trafilatura default": _trafilatura_default,
        "readability-lxml": _readability_alone,
    }
    scores = _score(pages, extractors, "aeb pages")
    rows = [
        [name, s["p"], s["r"], s["f1"], sum(f < 0.8 for *_, f in s["prf"]), len(s["empty"]), f"{s['seconds']:.1f}"]
        for name, s in scores.items()
    ]
    header = ["extractor", "P", "R", "F1", "pages F1 < 0.8", "empty pages", "seconds"]
    markdown = [f"**HTML path on aeb** ({len(pages)} real pages, token bag P/R/F1 against the gold body, mean over pages)", ""]
    markdown += [markdown_table(header, rows), ""]
    markdown.append(f"Path taken by `html_to_text`: {', '.join(f'{k} {v}' for k, v in paths.most_common())}.")

    # The same pages with their closing block tags stripped: extractors give
    # up on such markup, and the fallback must still find the article.
    broken = [(key, _CLOSING_BLOCK_TAG.sub("", html.decode("utf-8", "replace")).encode("utf-8"), gold) for key, html, gold in pages]
    broken_paths: Counter[str] = Counter()
    extractors[next(iter(extractors))] = _ours(broken_paths)
    broken_scores = _score(broken, extractors, "malformed pages")
    names = list(extractors)
    ours, baseline = broken_scores[names[0]], broken_scores[names[1]]
    lost = baseline["empty"]
    rescued = [f for (key, *_), (*_, f) in zip(broken, ours["prf"]) if key in lost]
    # Unclosed tags nest the page past libxml2's depth limit, below which the parser drops the text.
    too_deep = sum(deep_tree(html.decode("utf-8")) is not None for _, html, _ in broken)
    rows = [[name, s["p"], s["r"], s["f1"], len(s["empty"])] for name, s in broken_scores.items()]
    markdown += [
        "",
        "**Malformed markup** (the same pages with `</div>`, `</p>`, `</span>`, `</section>`, `</article>` removed)",
        "",
        markdown_table(["extractor", "P", "R", "F1", "empty pages"], rows),
        "",
        f"trafilatura's default returned nothing on {len(lost)} of {len(broken)} malformed pages"
        + (f"; on those `html_to_text` reached a mean F1 of {statistics.mean(rescued):.3f}" if rescued else "")
        + f". Path taken by `html_to_text`: {', '.join(f'{k} {v}' for k, v in broken_paths.most_common())}. "
        f"{too_deep} malformed pages nest deeper than libxml2's default limit of 256 elements, below which "
        "the parser drops the rest of the page; when the extractors find nothing on one, the fallbacks read it "
        "without the limit.",
    ]
    metrics: dict[str, Any] = {"aeb_pages": len(pages), "aeb_paths": dict(paths), "malformed_paths": dict(broken_paths)}
    for tag, name in zip(("ours", "trafilatura", "readability"), names):
        for measure in ("p", "r", "f1"):
            metrics[f"aeb_{tag}_{measure}"] = round(scores[name][measure], 4)
            metrics[f"malformed_{tag}_{measure}"] = round(broken_scores[name][measure], 4)
        metrics[f"aeb_{tag}_empty"] = len(scores[name]["empty"])
        metrics[f"malformed_{tag}_empty"] = len(broken_scores[name]["empty"])
    metrics["malformed_fallback_f1"] = round(statistics.mean(rescued), 4) if rescued else None
    metrics["malformed_too_deep"] = too_deep
    return "\n".join(markdown), metrics


def _sentence_key(sentence: str) -> str:
    return " ".join(_WORD.findall(sentence.lower()))


def _survival_section(pages: list[tuple[str, bytes, dict[str, str]]]) -> tuple[str, dict[str, Any]]:
    """Apply ``clean_text`` to each gold body: which gold sentences and tokens are lost."""
    sentences = removed_sentences = 0
    tokens_before = tokens_after = 0
    removed_lines: list[tuple[str, str, str]] = []
    for key, _, gold in pages:
        body = gold["articleBody"]
        cleaned = clean_lines(body)
        kept = _sentence_key(cleaned.text)
        gold_sentences = split_sentences(normalize_text(body))
        sentences += len(gold_sentences)
        # A sentence survives when its words are still there in order; a
        # dateline prefix cut from it does not count as a loss.
        removed_sentences += sum(1 for s in gold_sentences if _sentence_key(s) and _sentence_key(s) not in kept and
                                 _sentence_key(clean_text(s)) not in kept)
        tokens_before += sum(_tokens(body).values())
        tokens_after += sum((_tokens(cleaned.text) & _tokens(body)).values())
        removed_lines += [(key[:8], boilerplate_kind(line) or "appeal", line) for line in cleaned.removed]
    rows = [[key, kind, line if len(line) <= 110 else line[:107] + "..."] for key, kind, line in removed_lines]
    markdown = [
        f"**Gold-body survival** (`clean_text` on the {len(pages)} gold article bodies): "
        f"{removed_sentences} of {sentences} gold sentences removed "
        f"({removed_sentences / max(1, sentences):.2%}), token survival {tokens_after / max(1, tokens_before):.2%}. "
        f"Every removed line ({len(removed_lines)}), for review: a line of news here is a bug.",
        "",
        markdown_table(["page", "kind", "removed line"], rows) if rows else "(none)",
    ]
    metrics = {
        "gold_sentences": sentences,
        "gold_sentences_removed": removed_sentences,
        "gold_lines_removed": len(removed_lines),
        "gold_token_survival": round(tokens_after / max(1, tokens_before), 4),
    }
    return "\n".join(markdown), metrics


def _seed_section() -> tuple[str, dict[str, Any]]:
    rows = []
    metrics: dict[str, Any] = {}
    for path in sorted(data_path("seeds").glob("*.txt")):
        raw = normalize_text(path.read_text(encoding="utf-8"))
        news_part, _, appeal_part = raw.partition(APPEAL_OPENER)
        appeal_lines = [line.strip() for line in (APPEAL_OPENER + appeal_part).splitlines() if line.strip()] if appeal_part else []
        news_lines = [" ".join(line.split()) for line in news_part.splitlines() if line.strip()]
        cleaned = clean_lines(raw)
        out_lines = set(cleaned.text.splitlines())
        appeal_removed = sum(1 for line in appeal_lines if " ".join(line.split()) not in out_lines)
        news_kept = sum(1 for line in news_lines if line in out_lines)
        rows.append([path.name, len(news_lines), news_kept, len(appeal_lines), appeal_removed, len(cleaned.removed)])
        metrics[f"seed_{path.stem[:3]}_news_kept"] = f"{news_kept}/{len(news_lines)}"
        metrics[f"seed_{path.stem[:3]}_appeal_removed"] = f"{appeal_removed}/{len(appeal_lines)}"
    header = ["seed", "news lines", "news lines kept", "appeal lines", "appeal lines removed", "lines removed"]
    return "**Seeds**\n\n" + markdown_table(header, rows), metrics


def run(quick: bool = False) -> SectionResult:
    """Measure cleaning and HTML extraction; ``quick`` uses the first 60 aeb pages."""
    # Extractors log a warning for every page they find odd; the scores say more.
    for name in ("trafilatura", "readability", "summarizer.html"):
        logging.getLogger(name).setLevel(logging.ERROR)
    pages = _load_aeb(quick)
    html_md, html_metrics = _html_section(pages)
    survival_md, survival_metrics = _survival_section(pages)
    seed_md, seed_metrics = _seed_section()
    targets = {f"HTML to article, token F1 >= {TARGET_HTML_F1} (aeb)": verdict(html_metrics["aeb_ours_f1"], TARGET_HTML_F1)}
    target_md = "**Targets**\n\n" + markdown_table(["target", "result"], [[k, v] for k, v in targets.items()])
    markdown = "\n\n".join([html_md, survival_md, seed_md, target_md])
    return SectionResult("Cleaning and HTML extraction", markdown,
                         {**html_metrics, **survival_metrics, **seed_metrics, "targets": targets})
