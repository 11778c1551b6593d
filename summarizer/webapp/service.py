"""The models behind the page: one shared :class:`NewsBriefer` per model, loaded once per process."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from .. import Article, Brief, BriefConfig, EmbedderError, InputError, InputLimitError, ModelLoadError, NewsBriefer
from ..generation import DEFAULT_MODEL, EMBEDDED, EMBEDDED_NAME, EXTRACTIVE
from .inputs import check_words
from .messages import page_error

logger = logging.getLogger(__name__)

#: The model menu, the default first: the extractive mode scores level with the
#: embedded SmolLM2 on ROUGE in less time (issue #15); SmolLM2 stays one choice away.
MODEL_CHOICES: list[tuple[str, str]] = [
    ("Extractive (the outlets' own sentences, no language model, fastest)", EXTRACTIVE),
    ("SmolLM2-135M-Instruct, embedded (rewrites; its sentences are underlined)", EMBEDDED),
]

Progress = Callable[[float, str], None]


def model_argument(choice: str | None) -> str:
    """The ``model`` argument of :class:`NewsBriefer` for a value of the model menu.

    Empty, ``"default"`` and ``"none"`` are the default (``"extractive"``);
    ``"embedded"`` and ``"extractive"`` are read in any case; anything else (a
    hub id, a path) is kept as typed.
    """
    value = (choice or "").strip()
    if value.lower() in {"", "default", "none"}:
        return DEFAULT_MODEL
    if value.lower() in {EMBEDDED, EXTRACTIVE}:
        return value.lower()
    return value


def model_display_name(choice: str | None) -> str:
    """A short human name for a model menu value."""
    model = model_argument(choice)
    if model == EMBEDDED:
        return EMBEDDED_NAME
    return "Extractive" if model == EXTRACTIVE else model


@dataclasses.dataclass
class _Slot:
    """One shared briefer and its loading state."""

    briefer: NewsBriefer
    state: str = "idle"  # idle | loading | ready | failed
    error: str = ""
    load_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


class BriefService:
    """One shared :class:`NewsBriefer` per model, loaded once per process.

    At most ``max_models`` briefers are kept; the least recently used other
    than the default is forgotten first, so typing many model ids cannot fill
    the memory.
    """

    def __init__(
        self,
        config: BriefConfig | None = None,
        embedder: str | None = None,
        default_model: str | None = None,
        max_models: int = 3,
    ) -> None:
        self.config = config or BriefConfig()
        self.embedder = embedder
        self.default_model = model_argument(default_model)
        self.max_models = max(1, max_models)
        self._slots: OrderedDict[str, _Slot] = OrderedDict()
        # Why a model failed to load, kept after its slot is forgotten so the page can say so.
        self._failures: dict[str, str] = {}
        self._lock = threading.Lock()

    def _slot(self, model: str) -> _Slot:
        with self._lock:
            slot = self._slots.get(model)
            if slot is None:
                briefer = NewsBriefer(model=model, embedder=self.embedder, config=self.config)
                slot = self._slots[model] = _Slot(briefer)
            self._slots.move_to_end(model)
            while len(self._slots) > self.max_models:
                victim = next((k for k in self._slots if k != self.default_model and k != model), None)
                if victim is None:
                    break
                logger.info("Forgetting the briefer of %r to keep at most %d models", victim, self.max_models)
                del self._slots[victim]
            return slot

    def _forget(self, model: str, error: str) -> None:
        with self._lock:
            self._slots.pop(model, None)
            self._failures[model] = error

    def state(self, choice: str | None) -> tuple[str, str]:
        """``(state, error)`` of a model: idle, loading, ready or failed."""
        model = model_argument(choice)
        with self._lock:
            slot = self._slots.get(model)
            if slot is None:
                return ("failed", self._failures[model]) if model in self._failures else ("idle", "")
            return slot.state, slot.error

    def load(self, choice: str | None) -> NewsBriefer:
        """Load a model now (or wait for the load under way); raises ``ModelLoadError``/``EmbedderError``."""
        return self._load(choice).briefer

    def _load(self, choice: str | None) -> _Slot:
        model = model_argument(choice)
        slot = self._slot(model)
        with slot.load_lock:
            if slot.state != "ready":
                slot.state, slot.error = "loading", ""
                started = time.perf_counter()
                try:
                    slot.briefer.load()
                except Exception as exc:
                    slot.state, slot.error = "failed", str(exc)
                    self._forget(model, str(exc))  # a later request tries again
                    raise
                slot.state = "ready"
                with self._lock:
                    self._failures.pop(model, None)
                logger.info("Loaded %s in %.1f s", model_display_name(choice), time.perf_counter() - started)
        return slot

    def preload(self, choice: str | None) -> None:
        """Start loading a model in the background, so the page is usable meanwhile."""
        if self.state(choice)[0] in {"loading", "ready"}:
            return

        def work() -> None:
            try:
                self.load(choice)
            except Exception as exc:  # reported on the page and again on use
                logger.warning("Could not load %s: %s", model_display_name(choice), exc)

        self._slot(model_argument(choice)).state = "loading"
        threading.Thread(target=work, name="newsbrief-preload", daemon=True).start()

    def summarize(
        self, articles: list[Article], choice: str | None, words: int, progress: Progress, one_story: bool = False
    ) -> list[Brief]:
        """Briefs of ``articles`` with the shared briefer of ``choice``, ``words`` long; one brief with ``one_story``."""
        if self.state(choice)[0] != "ready":
            progress(0.01, f"Loading {model_display_name(choice)} (first use)")
        slot = self._load(choice)
        briefer = slot.briefer.with_settings(target_words=words, one_story=bool(one_story))
        return briefer.summarize(articles, progress=progress)


def run_briefs(
    service: BriefService,
    articles: list[Article],
    choice: str | None,
    words: Any,
    progress: Progress,
    *,
    not_used: Sequence[str] = (),
    one_story: bool = False,
) -> list[Brief]:
    """Run the pipeline, turning every expected failure into a ``gr.Error`` with a plain message.

    ``not_used`` are lines about inputs that never reached the pipeline (links
    that could not be fetched): when none of ``articles`` can be used either,
    the error ends with them, so a caller that gets no brief still learns of them.
    """
    if not articles:
        raise page_error("Nothing to summarise: give at least one article (several are separated by a line '---').")
    words = check_words(words)
    try:
        return service.summarize(articles, choice, words, progress, one_story)
    except InputLimitError as exc:
        raise page_error(str(exc), title="Input too large") from None
    except InputError as exc:
        raise page_error("; ".join([str(exc), *not_used])) from None
    except ModelLoadError as exc:
        raise page_error(str(exc), title="The model could not be loaded") from None
    except EmbedderError as exc:
        raise page_error(str(exc), title="The sentence embedder could not be loaded") from None
    except Exception as exc:  # never a traceback on the page
        logger.exception("Brief failed")
        raise page_error(f"Something went wrong ({type(exc).__name__}: {exc}).", title="Unexpected error") from None
