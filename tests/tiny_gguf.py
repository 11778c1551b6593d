"""A tiny random-weight llama GGUF file, written with the ``gguf`` package, for the llama.cpp tests.

The model is a real llama-architecture network (two layers, width 32, f32
tensors under the names llama.cpp expects) with a byte-level GPT-2 BPE
vocabulary: the 256 byte symbols, a few merges, and the ChatML control tokens.
Its output is noise; the tests check the loading, prompting, decoding and
timeout paths that a user's GGUF file goes through.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gguf import GGUFWriter, TokenType
from gguf.vocab import bytes_to_unicode

# ChatML, the form SmolLM2 and Qwen2.5 use.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
#: A few merges so the tokenizer does real BPE work; "Ġ" is GPT-2's space symbol.
MERGES = ["Ġ t", "h e", "Ġt he", "i n", "e r", "a n", "Ġ a", "o n", "r e", "e d"]
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def tiny_vocab() -> tuple[list[str], list[int], list[str]]:
    """Tokens, their GGUF token types, and the BPE merges."""
    symbols = bytes_to_unicode()
    tokens = [symbols[b] for b in range(256)]
    tokens += ["".join(m.split(" ")) for m in MERGES]
    types = [int(TokenType.NORMAL)] * len(tokens)
    tokens += SPECIAL
    types += [int(TokenType.CONTROL)] * len(SPECIAL)
    return tokens, types, MERGES


def write_tiny_gguf(path: Path, seed: int = 0, layers: int = 2, width: int = 32, heads: int = 2) -> Path:
    """Write a random llama model of ``layers`` blocks of ``width`` to ``path`` and return it."""
    tokens, types, merges = tiny_vocab()
    vocab, ffn, head_dim = len(tokens), 2 * width, width // heads
    rng = np.random.default_rng(seed)

    def weight(*shape: int) -> np.ndarray:
        # numpy order is (out, in); the writer reverses it to GGUF's (in, out).
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    writer = GGUFWriter(str(path), "llama")
    writer.add_name("tiny-random-llama")
    writer.add_context_length(2048)
    writer.add_embedding_length(width)
    writer.add_feed_forward_length(ffn)
    writer.add_block_count(layers)
    writer.add_head_count(heads)
    writer.add_head_count_kv(heads)
    writer.add_rope_dimension_count(head_dim)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(vocab)
    writer.add_file_type(0)  # all f32
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(tokens.index("<|endoftext|>"))
    writer.add_eos_token_id(tokens.index("<|im_end|>"))
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)

    writer.add_tensor("token_embd.weight", weight(vocab, width))
    for i in range(layers):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(width, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.attn_q.weight", weight(width, width))
        writer.add_tensor(f"blk.{i}.attn_k.weight", weight(heads * head_dim, width))
        writer.add_tensor(f"blk.{i}.attn_v.weight", weight(heads * head_dim, width))
        writer.add_tensor(f"blk.{i}.attn_output.weight", weight(width, width))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(width, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", weight(ffn, width))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", weight(ffn, width))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", weight(width, ffn))
    writer.add_tensor("output_norm.weight", np.ones(width, dtype=np.float32))
    writer.add_tensor("output.weight", weight(vocab, width))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
