#!/usr/bin/env python3
"""Writes a tiny random-weight llama GGUF that llama.cpp loads and runs as a real llama-architecture model.

stories260K (shared/models/llm) is a real trained llama, but with 0.29 M parameters a token takes well under a
millisecond, so per-call overheads dominate any timing of it. This model has the shape of a small modern llama
at a size where the matrix work dominates, and a real tokenizer, so prompt processing and generation can be
measured (bench/run.sh --only llm). It generates nonsense by design; it is a benchmark fixture, not a model.

Shape (defaults):
  vocabulary   32000 tokens: the Llama 2 SentencePiece vocabulary (tokens, scores, types, BOS/EOS/UNK ids and
               add-BOS flag copied from a vocab-only GGUF, by default llama.cpp's models/ggml-vocab-llama-spm.gguf)
  n_embd 384, 6 layers, 6 attention heads of 64, 2 KV heads (grouped-query attention), feed-forward 1024 (SwiGLU),
  RMS norm eps 1e-5, RoPE base 10000, context length 2048, output projection tied to the token embedding
  (no output.weight, as llama.cpp allows): 21.7 M parameters.
Weights: normal(0, 0.02) from a seeded generator (the same seed gives the same file), norms 1. Matrices are
stored as Q8_0 by default (real deployments run quantized models; f16 or f32 with --type). The embedding rows of
the end-of-generation tokens are zero, so with the tied output their logit is always 0 while some of the 32000
others is almost surely larger: greedy decoding never stops early, and a fixed token count is generated.

Needs numpy and gguf-py (llama.cpp's gguf-py folder on PYTHONPATH); tests/tools/make_tiny_llama.sh provides both.
Usage: make_tiny_llama.py OUT.gguf [--vocab VOCAB.gguf] [--seed N] [--type q8_0|f16|f32]
       [--embd N] [--layers N] [--heads N] [--kv-heads N] [--ff N]
"""
import argparse
import os
import sys

import numpy as np
import gguf

# The vocab GGUF's keys that are copied: the whole tokenizer.
KEEP_KEYS_PREFIX = "tokenizer."


def copy_tokenizer(reader, writer):
    """Every tokenizer.* key of the vocab GGUF, with its own value type."""
    copied = []
    for name, field in reader.fields.items():
        if not name.startswith(KEEP_KEYS_PREFIX):
            continue
        main = field.types[0]
        value = field.contents()
        sub = field.types[-1] if main == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, value, main, sub_type=sub)
        copied.append(name)
    return copied


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--vocab", default=None, help="vocab-only GGUF with a llama (SentencePiece) tokenizer")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--type", choices=["q8_0", "f16", "f32"], default="q8_0")
    ap.add_argument("--embd", type=int, default=384)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ff", type=int, default=1024)
    ap.add_argument("--context", type=int, default=2048)
    a = ap.parse_args()
    if a.vocab is None:
        src = os.environ.get("LLAMA_SRC")
        if not src:
            sys.exit("pass --vocab or set LLAMA_SRC to the llama.cpp source (eng/llama-src.sh prints it)")
        a.vocab = os.path.join(src, "models", "ggml-vocab-llama-spm.gguf")
    if a.embd % a.heads or a.heads % a.kv_heads:
        sys.exit("--embd must be a multiple of --heads, and --heads of --kv-heads")
    head_dim = a.embd // a.heads

    reader = gguf.GGUFReader(a.vocab)
    if reader.fields["tokenizer.ggml.model"].contents() != "llama":
        sys.exit(f"{a.vocab} has no llama (SentencePiece) tokenizer")
    n_vocab = len(reader.fields["tokenizer.ggml.tokens"].data)
    eog = {int(reader.fields[k].contents()) for k in ("tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                                                       "tokenizer.ggml.eom_token_id") if k in reader.fields}

    qtype = {"q8_0": gguf.GGMLQuantizationType.Q8_0, "f16": gguf.GGMLQuantizationType.F16,
             "f32": gguf.GGMLQuantizationType.F32}[a.type]
    ftype = {"q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "f16": gguf.LlamaFileType.MOSTLY_F16,
             "f32": gguf.LlamaFileType.ALL_F32}[a.type]

    w = gguf.GGUFWriter(a.out, "llama")
    w.add_name("tiny-random-llama")
    w.add_context_length(a.context)
    w.add_embedding_length(a.embd)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(a.ff)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.kv_heads)
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)
    w.add_file_type(int(ftype))
    copy_tokenizer(reader, w)

    rng = np.random.default_rng(a.seed)
    params = 0

    def matrix(name, rows, cols, zero_rows=()):
        # numpy (rows, cols) is ggml's [cols, rows]: each row is one output feature (one token for the embedding).
        nonlocal params
        data = rng.normal(0.0, 0.02, size=(rows, cols)).astype(np.float32)
        for r in zero_rows:
            data[r] = 0.0
        params += data.size
        if qtype == gguf.GGMLQuantizationType.F32:
            w.add_tensor(name, data)
        elif qtype == gguf.GGMLQuantizationType.F16:
            w.add_tensor(name, data.astype(np.float16))
        else:
            w.add_tensor(name, gguf.quants.quantize(data, qtype), raw_dtype=qtype)

    def norm(name):
        nonlocal params
        params += a.embd
        w.add_tensor(name, np.ones(a.embd, dtype=np.float32))

    matrix("token_embd.weight", n_vocab, a.embd, zero_rows=sorted(eog))
    norm("output_norm.weight")
    for i in range(a.layers):
        b = f"blk.{i}."
        norm(b + "attn_norm.weight")
        matrix(b + "attn_q.weight", a.heads * head_dim, a.embd)
        matrix(b + "attn_k.weight", a.kv_heads * head_dim, a.embd)
        matrix(b + "attn_v.weight", a.kv_heads * head_dim, a.embd)
        matrix(b + "attn_output.weight", a.embd, a.heads * head_dim)
        norm(b + "ffn_norm.weight")
        matrix(b + "ffn_gate.weight", a.ff, a.embd)
        matrix(b + "ffn_up.weight", a.ff, a.embd)
        matrix(b + "ffn_down.weight", a.embd, a.ff)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"{a.out}: llama, vocab {n_vocab}, n_embd {a.embd}, {a.layers} layers, {a.heads} heads ({a.kv_heads} KV) of {head_dim}, "
          f"ff {a.ff}, {a.type}, tied output, {params / 1e6:.1f} M parameters, seed {a.seed}; end-of-generation token(s) "
          f"{', '.join(map(str, sorted(eog)))} with a zero embedding row")


if __name__ == "__main__":
    main()
