"""Which language an article is in, so that a non-English one gets a warning.

langdetect (a port of Google's language-detection, MIT, profiles in its
wheel) reads the first characters of the text.  On the development data it
flagged none of 1,145 English articles and missed none of 26 non-English news
paragraphs in 13 languages, where a stop-word share flagged one and missed 12.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

#: Characters read: enough for a stable answer, at about 5 ms an article.
SAMPLE_CHARS = 1000
#: Fewer words than this are not judged: on single short lines of English news
#: ("By Sarah Fitzmaurice", "Advertisement") every wrong guess had at most 7.
MIN_WORDS = 12

_WORD = re.compile(r"[^\W\d_]{2,}")
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _factory():
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)  # langdetect samples at random; a seed makes it deterministic
    return factory


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s most likely language, or ``None`` if it has no letters to go on."""
    from langdetect.lang_detect_exception import LangDetectException

    with _lock:  # a detector's random state is not shared safely between threads
        detector = _factory().create()
        detector.append(text[:SAMPLE_CHARS])
        try:
            return detector.detect()
        except LangDetectException:
            return None


def looks_non_english(text: str) -> bool:
    """Whether ``text`` is, most likely, not English; too short a text is given the benefit of the doubt."""
    if len(_WORD.findall(text[:SAMPLE_CHARS])) < MIN_WORDS:
        return False
    language = detect_language(text)
    return language is not None and language != "en"
