#!/usr/bin/env bash
# Builds llama.cpp's own llama-bench from the source that matches the prebuilt libraries (eng/llama-src.sh:
# node-llama-cpp@3.22.1's bundle, release v0.5.0) and links it against those prebuilt libraries in
# $NATIVE/llama (libllama-common.so, libllama.v0.5.0.so, libggml.v0.5.0.so, libggml-base.so), so every
# timed instruction runs in the same library code our binding calls; only the tool's own two files
# (tools/llama-bench/llama-bench.cpp, main.cpp) are compiled, with llama.cpp's Release flags (-O3 -DNDEBUG).
# The CPU variant (libggml-cpu-<arch>.so) is picked at run time by ggml's loader, as for the binding: run it
# from $NATIVE/llama (the loader scans the working folder). Into $NATIVE/llama-bench; only when missing or
# stale (a stamp names the libraries, the source and the flags). Prints the executable's path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NATIVE="${MEDIATAGGER_NATIVE_DIR:-$ROOT/.native}"
LIBS="$NATIVE/llama"
OUT="$NATIVE/llama-bench"
[ -f "$LIBS/libllama-common.so" ] || { echo "build-llama-bench: $LIBS has no prebuilt llama.cpp libraries (run eng/setup-native.sh)" >&2; exit 1; }
SRC="$(bash "$ROOT/eng/llama-src.sh")"
FLAGS="-O3 -DNDEBUG -std=c++17 -pthread"
KEY="$(cat "$LIBS/.stamp") $(cat "$SRC/.stamp") $FLAGS v1"
if [ -x "$OUT/llama-bench" ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$KEY" ]; then echo "$OUT/llama-bench"; exit 0; fi
rm -rf "$OUT"; mkdir -p "$OUT"
echo "[bench] building llama-bench against the prebuilt llama.cpp libraries (about a minute on 2 cores)" >&2
# The headers are the same commit's (include/, ggml/include, common/ for arg.h, common.h, build-info.h ...);
# build-info comes from libllama-common.so, so the tool reports the prebuilt library's build, not this compile.
# shellcheck disable=SC2086
g++ $FLAGS -I"$SRC/include" -I"$SRC/ggml/include" -I"$SRC/common" -I"$SRC/vendor" -I"$SRC/tools/llama-bench" \
  "$SRC/tools/llama-bench/llama-bench.cpp" "$SRC/tools/llama-bench/main.cpp" \
  -L"$LIBS" -l:libllama-common.so -l:libllama.v0.5.0.so -l:libggml.v0.5.0.so -l:libggml-base.so \
  -Wl,-rpath,'$ORIGIN/../llama' -o "$OUT/llama-bench" 2>"$OUT/build.log" \
  || { tail -n 30 "$OUT/build.log" >&2; exit 1; }
# The timed calls must be imports from the prebuilt libraries, not code compiled into the tool.
for sym in llama_decode llama_init_from_model ggml_backend_load_all; do
  nm -D --undefined-only "$OUT/llama-bench" | grep -qw "$sym" || { echo "build-llama-bench: $sym is not imported from the prebuilt libraries" >&2; exit 1; }
done
echo "$KEY" >"$OUT/.stamp"
echo "$OUT/llama-bench"
