"""The language check behind the "does not look like English" warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.examples import EXAMPLE_ARTICLES
from summarizer.language import detect_language, looks_non_english

MULTINEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "multinews" / "multinews_dev.jsonl"

# One quake report in several languages; the stop-word share used before missed
# Spanish and Portuguese, and every one of them cut to two sentences.
FOREIGN = {
    "de": "Ein Erdbeben der Stärke 6,1 hat am Samstag die Küstenstadt Port Alden erschüttert. Zwei Menschen kamen ums Leben, teilten die Behörden mit.",
    "fr": "Un séisme de magnitude 6,1 a frappé samedi la ville côtière de Port Alden. Deux personnes ont été tuées, selon les autorités.",
    "es": "Un terremoto de magnitud 6,1 sacudió el sábado la ciudad costera de Port Alden. Dos personas murieron, según las autoridades.",
    "pt": "Um terremoto de magnitude 6,1 atingiu no sábado a cidade costeira de Port Alden. Duas pessoas morreram, segundo as autoridades.",
    "pl": "Trzęsienie ziemi o sile 6,1 nawiedziło w sobotę nadmorskie miasto Port Alden. Zginęły dwie osoby, poinformowały władze.",
    "id": "Gempa berkekuatan 6,1 mengguncang kota pesisir Port Alden pada hari Sabtu. Dua orang tewas, kata pihak berwenang setempat kepada wartawan.",
    "tr": "Cumartesi günü 6,1 büyüklüğündeki deprem kıyı kenti Port Alden'i sarstı. Yetkililere göre iki kişi hayatını kaybetti ve onlarca bina hasar gördü.",
    "ru": "Землетрясение магнитудой 6,1 произошло в субботу в прибрежном городе Порт-Олден. Погибли два человека, сообщили власти.",
}


@pytest.mark.parametrize("language", sorted(FOREIGN))
def test_news_in_other_languages_is_recognised(language):
    assert detect_language(FOREIGN[language]) == language
    assert looks_non_english(FOREIGN[language])


def test_english_news_is_not_flagged():
    for article in EXAMPLE_ARTICLES:
        assert not looks_non_english(article.text), article.label


def test_short_lines_are_not_judged():
    # langdetect guesses wildly on a few words: these read as Swahili, Danish, Portuguese.
    for line in ("By Maria Lenz", "Remind me later.", "Photo: Ana Ruiz/Metro Wire"):
        assert not looks_non_english(line)
    assert detect_language("2026 12 01 !!!") is None


def test_the_answer_is_the_same_every_time():
    mixed = FOREIGN["de"] + " The mayor said the harbour will reopen on Monday after an inspection."
    assert len({detect_language(mixed) for _ in range(5)}) == 1


@pytest.mark.skipif(not MULTINEWS.exists(), reason="needs ../shared/data (Multi-News dev)")
def test_no_multinews_article_is_flagged():
    articles = [d for line in MULTINEWS.open() for d in json.loads(line)["documents"] if len(d.split()) >= 30]
    flagged = [a[:80] for a in articles if looks_non_english(a)]
    assert not flagged
