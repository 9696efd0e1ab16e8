#!/usr/bin/env bash
# Builds whisper.cpp's own CLI (whisper-cli) from the source eng/setup-native.sh unpacked, with the same
# cmake flags as its avx2 libwhisper.so (static, PIC, hidden visibility, no OpenMP, no -march=native),
# into $NATIVE/whisper-cli/avx2. Only when missing: a stamp names the source and flags.
set -euo pipefail
NATIVE="${MEDIATAGGER_NATIVE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.native}"
SRC="$NATIVE/whisper-src"
OUT="$NATIVE/whisper-cli/avx2"
ISA="-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
FLAGS="-fvisibility=hidden -DWHISPER_SHARED -DWHISPER_BUILD"
KEY="$(cat "$SRC/.stamp") $ISA $FLAGS v1"
if [ -x "$OUT/whisper-cli" ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$KEY" ]; then echo "$OUT/whisper-cli"; exit 0; fi
B="$NATIVE/whisper-cli-build"
rm -rf "$B" "$OUT"; mkdir -p "$B" "$OUT"
echo "[bench] building whisper-cli (same flags as libwhisper.so avx2), a few minutes on 2 cores" >&2
# shellcheck disable=SC2086
cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DCMAKE_C_FLAGS="$FLAGS" -DCMAKE_CXX_FLAGS="$FLAGS -fvisibility-inlines-hidden" \
  -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_BUILD_SERVER=OFF -DWHISPER_SDL2=OFF -DWHISPER_FFMPEG=OFF \
  -DGGML_OPENMP=OFF -DGGML_NATIVE=OFF $ISA >"$B/cmake.log" 2>&1 || { tail -n 30 "$B/cmake.log" >&2; exit 1; }
cmake --build "$B" -j "$(nproc)" --target whisper-cli >"$B/build.log" 2>&1 || { tail -n 30 "$B/build.log" >&2; exit 1; }
cp "$(find "$B" -name whisper-cli -type f | head -n1)" "$OUT/whisper-cli"
rm -rf "$B"
echo "$KEY" >"$OUT/.stamp"
echo "$OUT/whisper-cli"
