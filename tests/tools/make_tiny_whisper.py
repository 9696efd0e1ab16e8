#!/usr/bin/env python3
"""Writes a tiny random-weight Whisper model in whisper.cpp's ggml file format.

The real Whisper weights are not available offline, and whisper.cpp's official "empty" test model has no weights
at all, so it never emits a token. This model has the interface of tiny.en (the English-only vocabulary size
51864, so the special and timestamp tokens sit where whisper.cpp expects them; 80 mel bands; a 1500-frame audio
context; a 448-token text context) with one encoder and one decoder layer of width 64 and seeded random weights.
whisper.cpp loads it as a real model and decodes real tokens from it, which exercises the segment, token and
timestamp plumbing. It transcribes nonsense by design; it is a test fixture, not a model.

File layout (whisper.cpp src/whisper.cpp, whisper_model_load): magic 0x67676d6c; 11 int32 hyper-parameters;
mel filters (int32 n_mel, int32 n_fft, float32[n_mel * n_fft]); vocabulary (int32 n, then per token uint32
length and bytes); tensors (int32 n_dims, int32 name length, int32 type (0 f32, 1 f16), int32 ne[n_dims]
innermost first, name bytes, data).

Usage: make_tiny_whisper.py OUT.bin [--seed N]
"""
import argparse
import math
import random
import struct
import sys

N_VOCAB = 51864          # tiny.en: English-only, no extra language tokens
N_AUDIO_CTX = 1500       # 30 s of 10 ms mel frames, halved by the second convolution
N_TEXT_CTX = 448
N_MELS = 80
N_FFT = 201              # 400-point FFT: 201 frequency bins
STATE = 64
HEADS = 2
LAYERS = 1
F32, F16 = 0, 1


def mel_filters():
    """Slaney-style triangular mel filters, as Whisper's own mel_filters.npz (librosa.filters.mel(16000, 400, 80))."""
    sr, n_fft = 16000, 400

    def hz_to_mel(f):
        f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, math.log(6.4) / 27.0
        return f / f_sp if f < min_log_hz else min_log_hz / f_sp + math.log(f / min_log_hz) / logstep

    def mel_to_hz(m):
        f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, math.log(6.4) / 27.0
        min_log_mel = min_log_hz / f_sp
        return f_sp * m if m < min_log_mel else min_log_hz * math.exp(logstep * (m - min_log_mel))

    fft_freqs = [i * sr / n_fft for i in range(N_FFT)]
    lo, hi = hz_to_mel(0.0), hz_to_mel(sr / 2)
    mel_f = [mel_to_hz(lo + (hi - lo) * i / (N_MELS + 1)) for i in range(N_MELS + 2)]
    weights = []
    for m in range(N_MELS):
        left, centre, right = mel_f[m], mel_f[m + 1], mel_f[m + 2]
        norm = 2.0 / (right - left)
        for f in fft_freqs:
            w = max(0.0, min((f - left) / (centre - left), (right - f) / (right - centre)))
            weights.append(w * norm)
    return weights


def vocabulary():
    """Byte tokens first (so every byte is representable), then short synthetic words; the special tokens'
    strings are set by whisper.cpp itself from their positions."""
    tokens = [bytes([b]) for b in range(256)]
    syllables = ["ka", "lo", "mi", "ne", "su", "ta", "re", "po", "vi", "da", "go", "fu"]
    i = 0
    while len(tokens) < 50256:
        a, b, c = syllables[i % 12], syllables[(i // 12) % 12], syllables[(i // 144) % 12]
        tokens.append((" " + a + b + c + str(i // 1728)).encode())
        i += 1
    return tokens  # 50256 text tokens; the rest up to N_VOCAB are special and timestamp tokens


def write_tensor(out, rng, name, dims, ttype, kind):
    """dims innermost first (ggml ne order). kind: 'w' random N(0, 0.02), 'one', 'zero', 'pe' sinusoid."""
    count = 1
    for d in dims:
        count *= d
    if kind == "w":
        values = [rng.gauss(0.0, 0.02) for _ in range(count)]
    elif kind == "one":
        values = [1.0] * count
    elif kind == "zero":
        values = [0.0] * count
    else:  # sinusoidal positions: dims = (width, positions)
        width, positions = dims
        values = []
        for p in range(positions):
            for j in range(width):
                angle = p / (10000 ** ((2 * (j // 2)) / width))
                values.append(math.sin(angle) if j % 2 == 0 else math.cos(angle))
    encoded = name.encode()
    out.write(struct.pack("<iii", len(dims), len(encoded), ttype))
    out.write(struct.pack(f"<{len(dims)}i", *dims))
    out.write(encoded)
    out.write(struct.pack(f"<{count}{'f' if ttype == F32 else 'e'}", *values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with open(args.out, "wb") as out:
        out.write(struct.pack("<I", 0x67676D6C))
        out.write(struct.pack("<11i", N_VOCAB, N_AUDIO_CTX, STATE, HEADS, LAYERS, N_TEXT_CTX, STATE, HEADS, LAYERS, N_MELS, F16))
        filters = mel_filters()
        out.write(struct.pack("<ii", N_MELS, N_FFT))
        out.write(struct.pack(f"<{len(filters)}f", *filters))
        tokens = vocabulary()
        out.write(struct.pack("<i", len(tokens)))
        for t in tokens:
            out.write(struct.pack("<I", len(t)))
            out.write(t)

        def t(name, dims, ttype=F32, kind="w"):
            write_tensor(out, rng, name, dims, ttype, kind)

        t("encoder.positional_embedding", (STATE, N_AUDIO_CTX), F32, "pe")
        t("encoder.conv1.weight", (3, N_MELS, STATE), F16)
        t("encoder.conv1.bias", (1, STATE), F32, "zero")
        t("encoder.conv2.weight", (3, STATE, STATE), F16)
        t("encoder.conv2.bias", (1, STATE), F32, "zero")
        for i in range(LAYERS):
            p = f"encoder.blocks.{i}."
            block(t, p, cross=False)
        t("encoder.ln_post.weight", (STATE,), F32, "one")
        t("encoder.ln_post.bias", (STATE,), F32, "zero")

        t("decoder.positional_embedding", (STATE, N_TEXT_CTX), F32, "pe")
        t("decoder.token_embedding.weight", (STATE, N_VOCAB), F16)
        for i in range(LAYERS):
            block(t, f"decoder.blocks.{i}.", cross=True)
        t("decoder.ln.weight", (STATE,), F32, "one")
        t("decoder.ln.bias", (STATE,), F32, "zero")
    return 0


def block(t, p, cross):
    t(p + "mlp_ln.weight", (STATE,), F32, "one")
    t(p + "mlp_ln.bias", (STATE,), F32, "zero")
    t(p + "mlp.0.weight", (STATE, 4 * STATE), F16)
    t(p + "mlp.0.bias", (4 * STATE,), F32, "zero")
    t(p + "mlp.2.weight", (4 * STATE, STATE), F16)
    t(p + "mlp.2.bias", (STATE,), F32, "zero")
    attentions = ["attn", "cross_attn"] if cross else ["attn"]
    for a in attentions:
        t(p + a + "_ln.weight", (STATE,), F32, "one")
        t(p + a + "_ln.bias", (STATE,), F32, "zero")
        t(p + a + ".query.weight", (STATE, STATE), F16)
        t(p + a + ".query.bias", (STATE,), F32, "zero")
        t(p + a + ".key.weight", (STATE, STATE), F16)
        t(p + a + ".value.weight", (STATE, STATE), F16)
        t(p + a + ".value.bias", (STATE,), F32, "zero")
        t(p + a + ".out.weight", (STATE, STATE), F16)
        t(p + a + ".out.bias", (STATE,), F32, "zero")


if __name__ == "__main__":
    sys.exit(main())
