"""Stage 6, fast path: GGUF chat models through llama.cpp (``pip install "newsbrief[fast]"``).

A GGUF file runs here quantised, faster on a CPU than
de-quantised through transformers (the embedded SmolLM2 wrote 5.35 and 5.93
times as many tokens a second in two runs on 2 AMD EPYC cores, and a warm
3-article brief took a quarter to a third of the time: the backends benchmark
section).  How a brief is drafted (chunked or
whole, the prompts, the answer cleaning) is shared with the transformers path
through :class:`~summarizer.generation.ChatGenerator`; this module only
answers one chat turn: the GGUF's own chat template, rendered by
llama-cpp-python's ``Jinja2ChatFormatter``, and greedy decoding (there is no
beam search here: ``BriefConfig.num_beams`` applies to transformers only).

A GGUF whose weights are Q4_1 or Q5_1 (the embedded SmolLM2 is Q4_1) runs
from a Q8_0 copy that :func:`load_llama` makes once, in a second or two, and
caches (:func:`~summarizer.cache.model_copy_folder`): ggml's CPU backend has
batched matrix kernels for Q8_0 but multiplies Q4_1 and Q5_1 one row at a
time, so the copy reads prompts about twice as fast.  Q8_0 keeps each weight
within 1/254 of its block's largest, far finer than Q4_1's own 16 steps.
``$NEWSBRIEF_GGUF_REENCODE=0`` runs the file as it is.

Importing this module needs llama-cpp-python; :func:`~summarizer.generation.load_generator`
imports it only for a GGUF file, and falls back to transformers without it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import llama_cpp
from llama_cpp import Llama, StoppingCriteriaList
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from .cache import cached_ok, model_copy_folder, staged_folder
from .config import BriefConfig
from .generation import SYSTEM_PROMPT, ChatGenerator, FirstTokenClock, ModelLoadError, check_deadline, deadline_for

logger = logging.getLogger(__name__)

#: Most tokens of context allocated, whatever the model was trained on: briefs
#: read at most a few thousand tokens, and the KV cache grows with the context.
CONTEXT_CAP = 4096
#: Decoding is greedy, so the seed changes nothing; it is fixed so that no
#: sampler state depends on the clock.
SEED = 0
#: Where the quoted news starts in every prompt: what comes before is the same for each call.
NEWS_OPENING = "<news>\n"
#: Shorter heads are read with the news rather than kept.
MIN_HEAD_TOKENS = 16
#: Heads kept in memory (one per instruction and brief length; a few MB each).
HEADS_KEPT = 8
#: File types that ggml's CPU backend multiplies one weight row at a time
#: (llamafile's tinyBLAS and the repacked layouts take neither): their Q8_0
#: copy reads prompts faster.  The embedded SmolLM2 on 2 AMD EPYC cores: Q4_1
#: read 236 prompt tokens/s and decoded 93 a second, its Q8_0 copy 511 and 117.
SLOW_FILE_TYPES = {llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_1: "Q4_1", llama_cpp.LLAMA_FTYPE_MOSTLY_Q5_1: "Q5_1"}
#: The cache folder suffix of a Q8_0 copy.
Q8_0_COPY = "-q8_0"


def _cpus() -> set[int]:
    """The logical CPUs this process may run on."""
    try:
        return set(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return set(range(os.cpu_count() or 1))


def physical_cores(cpus: set[int], sysfs: Path = Path("/sys/devices/system/cpu")) -> int:
    """How many physical cores the logical CPUs ``cpus`` sit on (hyper-threads counted once).

    Read from Linux's CPU topology under ``sysfs``; where it cannot be read,
    half the CPUs, as llama-cpp-python assumes (two hyper-threads per core).
    """
    cores = set()
    for cpu in cpus:
        topology = sysfs / f"cpu{cpu}" / "topology"
        try:
            cores.add((topology.joinpath("physical_package_id").read_text().strip(),
                       topology.joinpath("core_id").read_text().strip()))
        except OSError:
            return max(1, len(cpus) // 2)
    return max(1, len(cores))


def _threads() -> tuple[int, int]:
    """Threads for llama.cpp's decoding and prompt reading.

    Decoding gets one thread per physical core, llama.cpp's own default (and
    torch's, so the transformers path gets as many): llama.cpp's threads wait
    for each other by spinning, and a second thread on one core's
    hyper-thread slows them all.  llama-cpp-python's default, half the logical
    CPUs, assumes hyper-threads; on a machine without them (2 cores of 1
    thread each here) it leaves a core idle, and the embedded model decoded
    50 tokens/s on 1 thread against about 90 on 2.  Reading the prompt is one
    large batch per layer and gains from every logical CPU.

    ``$NEWSBRIEF_LLAMA_THREADS`` sets the decoding threads: on a host where
    other processes keep the cores busy, fewer threads than cores decode faster.
    """
    cpus = _cpus()
    setting = os.environ.get("NEWSBRIEF_LLAMA_THREADS", "").strip()
    if setting:
        try:
            threads = int(setting)
        except ValueError:
            raise ModelLoadError(f"NEWSBRIEF_LLAMA_THREADS must be a whole number of threads, not {setting!r}") from None
        if threads < 1:
            raise ModelLoadError(f"NEWSBRIEF_LLAMA_THREADS must be at least 1, not {threads}")
    else:
        threads = physical_cores(cpus)
    return threads, max(threads, len(cpus))


def _open(path: Path, threads: int, batch_threads: int) -> Llama:
    try:
        # The context is allocated at the cap; window() keeps prompts within
        # the training context too, which llama.cpp knows only once loaded.
        return Llama(
            model_path=str(path), n_ctx=CONTEXT_CAP, n_threads=threads, n_threads_batch=batch_threads,
            seed=SEED, verbose=False,
        )
    except (ValueError, RuntimeError) as exc:
        raise ModelLoadError(f"llama.cpp could not load {path}: {exc}") from exc


def _q8_0_copy(source: Path) -> Path:
    """Where the Q8_0 copy of the GGUF file ``source`` is cached."""
    return model_copy_folder(source, Q8_0_COPY) / f"{source.stem}{Q8_0_COPY}.gguf"


def reencode_q8_0(source: Path, threads: int = 2) -> Path:
    """Re-encode the GGUF file ``source`` to Q8_0 with llama.cpp, cache the copy and return its path.

    Raises ``OSError`` where the cache cannot be written and ``RuntimeError``
    where llama.cpp fails; the copy is then absent, never half-written.
    """
    target = _q8_0_copy(source)
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0
    params.allow_requantize = True
    params.nthread = threads
    target.parent.parent.mkdir(parents=True, exist_ok=True)
    with staged_folder(target.parent, {"source": str(source), "type": "Q8_0"}) as staging:
        status = llama_cpp.llama_model_quantize(
            str(source).encode(), str(staging / target.name).encode(), ctypes.byref(params)
        )
        if status != 0:
            raise RuntimeError(f"llama.cpp could not re-encode {source.name} to Q8_0 (status {status})")
    return target


def _reencoding_wanted() -> bool:
    return os.environ.get("NEWSBRIEF_GGUF_REENCODE", "1").strip().lower() not in {"0", "false", "no", "off"}


def load_llama(path: Path) -> Llama:
    """The GGUF file at ``path`` in llama.cpp, through its cached Q8_0 copy where its weights are Q4_1 or Q5_1.

    The copy is made on first use; where it cannot be (a read-only cache, a
    failed re-encoding) the file runs as it is, with a warning.
    """
    threads, batch_threads = _threads()
    if not _reencoding_wanted():
        return _open(path, threads, batch_threads)
    copy = _q8_0_copy(path)
    if cached_ok(copy.parent):
        return _open(copy, threads, batch_threads)
    llm = _open(path, threads, batch_threads)
    file_type = SLOW_FILE_TYPES.get(int(llm.metadata.get("general.file_type", -1)))
    if file_type is None:
        return llm
    logger.info("Re-encoding %s from %s to Q8_0 once, for llama.cpp's faster kernels", path.name, file_type)
    try:
        copy = reencode_q8_0(path, batch_threads)
    except (OSError, RuntimeError) as exc:
        logger.warning("Running %s as %s: no Q8_0 copy (%s); prompts are read about half as fast", path.name,
                       file_type, exc)
        return llm
    llm.close()
    return _open(copy, threads, batch_threads)


def _token_text(llm: Llama, token: int) -> str:
    if token < 0:
        return ""
    text = llama_cpp.llama_vocab_get_text(llama_cpp.llama_model_get_vocab(llm.model), token)
    return (text or b"").decode("utf-8", errors="ignore")


def _special_token_pattern(llm: Llama) -> re.Pattern[str] | None:
    """A pattern matching every token text that llama.cpp would read as a special token.

    The chat prompt is tokenised with special-token parsing on, so that the
    template's ``<|im_start|>`` becomes the control token; article text with
    the same characters in it would then open a new turn.  The attributes come
    from llama.cpp itself, after its own fix-ups of the GGUF's token types.
    """
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    # The attributes llama.cpp's tokenizer splits special tokens out of text by.
    special = (
        llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED | llama_cpp.LLAMA_TOKEN_ATTR_UNKNOWN
    )
    texts = set()
    for token in range(llama_cpp.llama_vocab_n_tokens(vocab)):
        if llama_cpp.llama_vocab_get_attr(vocab, token) & special:
            text = _token_text(llm, token)
            if len(text) > 1 and not text.isspace():
                texts.add(text)
    if not texts:
        return None
    # Longest first: "<|im_start|>" must not be cut short by a shorter token that prefixes it.
    return re.compile("|".join(re.escape(t) for t in sorted(texts, key=len, reverse=True)))


class LlamaCppGenerator(ChatGenerator):
    """A GGUF chat model run by llama.cpp, one call at a time, greedy and deterministic."""

    def __init__(self, llm: Llama, name: str, config: BriefConfig) -> None:
        self.llm = llm
        self.name = name
        self.config = config
        # A llama.cpp context holds one sequence's state: calls must not interleave.
        self._lock = threading.Lock()
        self._special = _special_token_pattern(llm)
        # The system prompt and instruction before the quoted news, read once per instruction.
        self._heads: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        template = llm.metadata.get("tokenizer.chat_template")
        self._formatter = None
        if template:  # set up as llama-cpp-python does for the GGUF's own template
            eos, bos = llm.token_eos(), llm.token_bos()
            self._formatter = Jinja2ChatFormatter(
                template=template,
                eos_token=_token_text(llm, eos),
                bos_token=_token_text(llm, bos),
                stop_token_ids=[eos],
            )

    @classmethod
    def load(cls, path: str | os.PathLike[str], name: str, config: BriefConfig = BriefConfig()) -> LlamaCppGenerator:
        """Load the GGUF file at ``path``; ``name`` is shown in briefs, with "via llama.cpp" added."""
        path = Path(path)
        llm = load_llama(path)
        logger.info("Loaded %s with llama.cpp (%d threads, %d reading prompts)", Path(llm.model_path).name,
                    llm.n_threads, llm.n_threads_batch)
        return cls(llm, f"{name} via llama.cpp", config)

    @property
    def parameters(self) -> int:
        return int(llama_cpp.llama_model_n_params(self.llm.model))

    def window(self) -> int:
        """Tokens the model reads at once: its training context, capped at :data:`CONTEXT_CAP`."""
        return min(int(llama_cpp.llama_model_n_ctx_train(self.llm.model)), self.llm.n_ctx())

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def as_data(self, text: str) -> str:
        """Article text as inert data: no text that llama.cpp reads as a control token survives."""
        return self._special.sub(" ", text) if self._special else text

    def prompt_tokens(self, user: str) -> tuple[list[int], list[str]]:
        """The tokens of ``user`` under the system prompt in the model's chat template, and its stop strings."""
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
        if self._formatter is None:  # a base model with no template: plain text prompt, no special tokens
            text = f"{SYSTEM_PROMPT}\n\n{user}\n\nAnswer:"
            return self.llm.tokenize(text.encode("utf-8"), add_bos=True, special=False), []
        result = self._formatter(messages=messages)
        # As llama-cpp-python's own chat handler does: special tokens in the
        # template are parsed; the article text in it went through as_data.
        tokens = self.llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return tokens, stop

    def _head(self, user: str, tokens: list[int]) -> tuple[int, ...] | None:
        """The prompt's tokens before the news it quotes: the same for every call of one instruction."""
        marker = user.find(NEWS_OPENING)
        if marker < 0:
            return None
        head, _ = self.prompt_tokens(user[: marker + len(NEWS_OPENING)])
        length = 0
        for a, b in zip(head, tokens[:-1]):  # at least one token is left to read
            if a != b:
                break
            length += 1
        return tuple(tokens[:length]) if length >= MIN_HEAD_TOKENS else None

    def _start_from_head(self, user: str, tokens: list[int]) -> int:
        """Put the context at the end of the prompt's head, read once and kept; the tokens it covers.

        Each call starts from a context that is always made the same way (the
        head read alone into a fresh context), never from whatever the previous
        call left: the same input gets the same greedy answer whatever ran before.
        """
        head = self._head(user, tokens)
        if head is None:
            self.llm.reset()
            return 0
        state = self._heads.get(head)
        if state is None:
            self.llm.reset()
            self.llm.eval(list(head))
            state = self.llm.save_state()
            self._heads[head] = state
            if len(self._heads) > HEADS_KEPT:
                self._heads.popitem(last=False)
        self._heads.move_to_end(head)
        self.llm.load_state(state)
        return len(head)

    def chat(
        self, user: str, max_new_tokens: int, deadline: float | None = None, config: BriefConfig | None = None
    ) -> str:
        """The model's greedy answer to ``user`` under the system prompt, by ``deadline`` (``time.monotonic()``).

        Decoding stops at the first token past ``deadline`` and raises
        :class:`GenerationTimeout`, so that the story gets the extractive
        brief with the reason rather than a sentence cut short.  Reading the
        prompt is one llama.cpp call, checked before and after, not during;
        its head (system prompt and instruction) is read once and kept.
        """
        config = config or self.config
        if deadline is None:
            deadline = deadline_for(config)

        def past_deadline(_tokens: Any, _logits: Any) -> bool:
            return time.monotonic() >= deadline

        with self._lock:
            check_deadline(deadline, config)
            tokens, stop = self.prompt_tokens(user)
            clock = FirstTokenClock(skip_first_put=False)  # stopping criteria see only new tokens
            cached = self._start_from_head(user, tokens)
            result = self.llm.create_completion(
                tokens,
                max_tokens=max_new_tokens,
                temperature=0.0,
                repeat_penalty=1.0,  # plain greedy, as on the transformers path
                seed=SEED,
                stop=stop,
                stopping_criteria=StoppingCriteriaList([clock, past_deadline]),
            )
            written = int(result["usage"]["completion_tokens"])
            self.usage.add(len(tokens) - cached, written, time.perf_counter() - clock.start, clock.first if written else None)
        check_deadline(deadline, config)
        return result["choices"][0]["text"].strip()
