"""The transformers backend of the generation stage: hub models and de-quantised GGUF files.

Seq2seq summarisers (BART, DistilBART, PEGASUS, LED/PRIMERA, T5) run through
``AutoModelForSeq2SeqLM``; instruction-tuned causal LMs through
``AutoModelForCausalLM`` and the tokenizer's chat template, drafting as every
:class:`~summarizer.generation.ChatGenerator` does.  A GGUF file that
llama.cpp (:mod:`summarizer.llamacpp`) cannot run is de-quantised once and
cached as safetensors.  :func:`~summarizer.generation.load_generator` picks
the backend; this module imports torch and transformers only when a model
loads.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from .cache import cached_ok, model_copy_folder, staged_folder
from .config import BriefConfig
from .document import PoolSentence
from .generation import (
    SYSTEM_PROMPT,
    ChatGenerator,
    Draft,
    FirstTokenClock,
    Generator,
    answer_tokens,
    check_deadline,
    deadline_for,
)
from .selection import story_position
from .splitting import split_sentences

logger = logging.getLogger(__name__)


def _convert_gguf(gguf: Path, folder: Path) -> None:
    """De-quantise ``gguf`` once and save it as safetensors in ``folder``, atomically."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logger.info("Converting %s to safetensors once (about 30 s); later loads take about 1 s", gguf.name)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # The weights are already de-quantised to float32; only the GGUF marker
    # stops save_pretrained, so drop it and save a plain checkpoint.
    model.hf_quantizer = None
    model.config.__dict__.pop("quantization_config", None)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with staged_folder(folder, {"source": str(gguf)}) as staging:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)


def _load_causal(path: str, **kwargs: Any):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(path, dtype="float32", **kwargs)
    return model, tokenizer


def load_gguf(gguf: str | Path) -> tuple[Any, Any]:
    """Load a GGUF causal LM through transformers, via a cached safetensors copy."""
    gguf = Path(gguf)
    folder = model_copy_folder(gguf)
    if cached_ok(folder):
        try:
            return _load_causal(str(folder))
        except Exception as exc:  # a damaged cache is rebuilt, not fatal
            logger.warning("The cached conversion in %s is damaged (%s); rebuilding it", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
    try:
        _convert_gguf(gguf, folder)
        return _load_causal(str(folder))
    except OSError as exc:
        logger.warning("Cannot write the model cache in %s (%s); loading from GGUF each time", folder, exc)
        return _load_causal(str(gguf.parent), gguf_file=gguf.name)


def hub_generator(name: str, config: BriefConfig) -> Generator:
    """A Hugging Face hub id or local model folder: a seq2seq summariser, or a causal LM with its chat template."""
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer

    model_config = AutoConfig.from_pretrained(name)
    if getattr(model_config, "is_encoder_decoder", False):
        tokenizer = AutoTokenizer.from_pretrained(name)
        hf_model = AutoModelForSeq2SeqLM.from_pretrained(name, dtype="float32")
        return Seq2SeqGenerator(hf_model, tokenizer, name, config)
    hf_model, tokenizer = _load_causal(name)
    return CausalGenerator(hf_model, tokenizer, name, config)


def gguf_generator(gguf: Path, name: str, config: BriefConfig) -> Generator:
    """A GGUF causal LM through transformers (:func:`load_gguf`)."""
    hf_model, tokenizer = load_gguf(gguf)
    return CausalGenerator(hf_model, tokenizer, name, config)


class _TransformersGenerator(Generator):
    """Shared plumbing for models run through transformers."""

    def __init__(self, model: Any, tokenizer: Any, name: str, config: BriefConfig) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.config = config
        # generate() is not re-entrant on one model object across threads.
        self._lock = threading.Lock()
        special = [t for t in getattr(tokenizer, "all_special_tokens", []) if t and len(t) > 1]
        self._special = re.compile("|".join(re.escape(t) for t in special)) if special else None

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def window(self) -> int:
        """Tokens the model reads at once."""
        cfg = self.model.config
        for attr in ("max_encoder_position_embeddings", "max_position_embeddings", "n_positions"):
            value = getattr(cfg, attr, None)
            if isinstance(value, int) and value > 0:
                return value
        limit = getattr(self.tokenizer, "model_max_length", 512)
        return limit if isinstance(limit, int) and limit < 1_000_000 else 512

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def as_data(self, text: str) -> str:
        """Article text as inert data: no chat-template control tokens survive."""
        return self._special.sub(" ", text) if self._special else text

    def generate(self, inputs: dict[str, Any], max_new_tokens: int, deadline: float, config: BriefConfig) -> Any:
        """``model.generate``, greedy or beam search, stopped at ``deadline`` (``time.monotonic()``).

        transformers' ``max_time`` stops generation silently, mid-sentence; a
        story whose time ran out must get the extractive brief with the reason
        instead, so running out raises :class:`GenerationTimeout`.
        """
        import torch

        pad = self.tokenizer.pad_token_id
        if pad is None:
            pad = self.tokenizer.eos_token_id
        with self._lock, torch.inference_mode():
            check_deadline(deadline, config)
            clock = FirstTokenClock()
            output = self.model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                num_beams=config.num_beams,
                pad_token_id=pad,
                max_time=deadline - time.monotonic(),
                streamer=clock if config.num_beams == 1 else None,  # beam search takes no streamer
            )
            prompt = int(inputs["input_ids"].shape[1])
            # A decoder-only model's output starts with its prompt; a seq2seq one's does not.
            written = int(output.shape[1]) - (0 if self.model.config.is_encoder_decoder else prompt)
            self.usage.add(prompt, written, time.perf_counter() - clock.start, clock.first)
        check_deadline(deadline, config)
        return output


class Seq2SeqGenerator(_TransformersGenerator):
    """BART, DistilBART, PEGASUS, LED/PRIMERA, T5: the ranked pool in, a summary out."""

    def draft(self, pool: list[PoolSentence], config: BriefConfig) -> list[Draft]:
        deadline = deadline_for(config)
        budget = self.window() - 8
        chosen = self._fit(pool, list(range(len(pool))), budget)
        chosen.sort(key=lambda i: story_position(pool[i]))
        source = self.as_data(" ".join(pool[i].text for i in chosen))
        if getattr(self.model.config, "model_type", "") in {"t5", "mt5", "umt5", "longt5"}:
            source = "summarize: " + source
        inputs = self.tokenizer(source, return_tensors="pt", truncation=True, max_length=budget)
        max_new = answer_tokens(config)
        # A decoder with learned positions (BART, PEGASUS, LED) cannot write past them.
        cfg = self.model.config
        positions = getattr(cfg, "max_decoder_position_embeddings", None) or getattr(cfg, "max_position_embeddings", None)
        if isinstance(positions, int) and positions > 2:
            max_new = min(max_new, positions - 2)
        output = self.generate(inputs, max_new, deadline, config)
        text = self.tokenizer.decode(output[0], skip_special_tokens=True)
        return [Draft(s, chosen) for s in split_sentences(text)]


class CausalGenerator(_TransformersGenerator, ChatGenerator):
    """Instruction-tuned causal LMs through transformers and the tokenizer's chat template."""

    def chat(
        self, user: str, max_new_tokens: int, deadline: float | None = None, config: BriefConfig | None = None
    ) -> str:
        """The model's answer to ``user`` under the system prompt, by ``deadline`` if given."""
        config = config or self.config
        if deadline is None:
            deadline = deadline_for(config)
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
        if getattr(self.tokenizer, "chat_template", None):
            inputs = self.tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
        else:  # a base model with no template: plain text prompt
            inputs = self.tokenizer(f"{SYSTEM_PROMPT}\n\n{user}\n\nAnswer:", return_tensors="pt")
        output = self.generate(inputs, max_new_tokens, deadline, config)
        prompt_length = inputs["input_ids"].shape[1]
        return self.tokenizer.decode(output[0][prompt_length:], skip_special_tokens=True).strip()
