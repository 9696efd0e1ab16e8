#!/usr/bin/env bash
# Obtains and builds the native engines MediaTagger binds (see docs/native.md):
#   apt:  libvips42, ffmpeg
#   npm:  onnxruntime-node@1.30.0 (libonnxruntime.so.1), @node-llama-cpp/linux-x64@3.22.1 (llama.cpp libs),
#         node-llama-cpp@3.22.1 (llama.h for ABI checks), nodejs-whisper@0.3.1 (whisper.cpp 1.9.1 source)
#   build: one self-contained libwhisper.so per CPU variant, exporting only whisper_*; and a CUDA variant
#          (whisper/cuda) when MEDIATAGGER_WHISPER_CUDA=1, or by itself when nvcc is found and an NVIDIA GPU is
#          present (MEDIATAGGER_WHISPER_CUDA=0 never builds it). The CPU variants are built either way.
# Idempotent: every step leaves a stamp naming what it produced; a second run checks the stamps and
# downloads nothing. Everything lands in $MEDIATAGGER_NATIVE_DIR (default: <repo>/.native).
#   --whisper-only   only the whisper.cpp builds, from the source or tarball already in the native folder (no apt,
#                    no downloads): for a GPU machine without network that was handed the folder.
set -euo pipefail
WHISPER_ONLY=0
case "${1:-}" in
  "") ;;
  --whisper-only) WHISPER_ONLY=1 ;;
  *) echo "usage: eng/setup-native.sh [--whisper-only]" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NATIVE_DIR="${MEDIATAGGER_NATIVE_DIR:-$ROOT/.native}"
CACHE="$NATIVE_DIR/cache"
JOBS="$(nproc 2>/dev/null || echo 2)"

# package spec | sha256 of the npm tarball
ORT_SPEC="onnxruntime-node@1.30.0"
ORT_SHA="6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75"
LLAMA_SPEC="@node-llama-cpp/linux-x64@3.22.1"
LLAMA_SHA="0d953e1503d5ab4608d8ed5b739132308c81ac05ffeb760d2a7f30e08a9f90e0"
LLAMA_SRC_SPEC="node-llama-cpp@3.22.1"
LLAMA_SRC_SHA="a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f"
WHISPER_SPEC="nodejs-whisper@0.3.1"
WHISPER_SHA="92041caf2b26c74b7f489fedf37bd093f216eebd61df512045ec2d19d0531d37"

say() { printf '[setup-native] %s\n' "$*" >&2; }
die() { printf '[setup-native] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- apt packages
APT_PACKAGES=(libvips42 ffmpeg libsqlite3-0)
BUILD_TOOLS=(cmake g++ make npm git python3)
if [ "$WHISPER_ONLY" = 1 ]; then
  APT_PACKAGES=()
  BUILD_TOOLS=()
  for t in cmake g++ make; do command -v "$t" >/dev/null 2>&1 || die "--whisper-only needs $t on PATH"; done
fi

APT_LOG="$(mktemp)"
missing_apt=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing_apt+=("$p")
done
for t in "${BUILD_TOOLS[@]}"; do
  command -v "$t" >/dev/null 2>&1 || missing_apt+=("$t")
done
if ((${#missing_apt[@]})); then
  cmd="apt-get update && apt-get install -y --no-install-recommends ${missing_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      say "installing ${missing_apt[*]} with sudo"
      sudo sh -c "$cmd" >&2 || die "apt-get failed; run as root: $cmd"
    else
      die "missing packages: ${missing_apt[*]}. Not running as root; install them with:  sudo $cmd"
    fi
  else
    say "installing ${missing_apt[*]} (apt-get, about a minute)"
    export DEBIAN_FRONTEND=noninteractive
    if ! sh -c "$cmd" >"$APT_LOG" 2>&1; then
      tail -n 20 "$APT_LOG" >&2
      die "apt-get could not install ${missing_apt[*]} (no network or no Debian mirror reachable?). Command: $cmd"
    fi
  fi
fi

mkdir -p "$CACHE"

# ---------------------------------------------------------------- npm tarballs
# fetch SPEC SHA -> prints the path of the verified tarball
fetch() {
  local spec="$1" sha="$2" name file actual log
  name="${spec#@}"; name="${name//\//-}"; name="${name/@/-}"
  file="$CACHE/$name.tgz"
  if [ -f "$file" ] && [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$sha" ]; then
    printf '%s\n' "$file"; return 0
  fi
  say "downloading $spec (npm pack)"
  local tmp; tmp="$(mktemp -d "$CACHE/pack.XXXXXX")"
  log="$tmp/npm.log"
  if ! (cd "$tmp" && npm pack --silent --ignore-scripts "$spec" >"$log" 2>&1); then
    if grep -qiE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|network' "$log"; then
      rm -rf "$tmp"; die "no network: npm could not reach its registry to download $spec. On an offline machine, place the tarball at $file (sha256 $sha) and run again."
    fi
    cat "$log" >&2; rm -rf "$tmp"; die "npm pack $spec failed (see above)"
  fi
  local got; got="$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n1)"
  [ -n "$got" ] || { rm -rf "$tmp"; die "npm pack $spec produced no tarball"; }
  actual="$(sha256sum "$got" | cut -d' ' -f1)"
  if [ "$actual" != "$sha" ]; then
    rm -rf "$tmp"
    die "checksum mismatch for $spec: expected sha256 $sha, got $actual. The download was discarded; the package may have been tampered with or republished."
  fi
  mv "$got" "$file"; rm -rf "$tmp"
  printf '%s\n' "$file"
}

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# ---------------------------------------------------------------- ONNX Runtime
ORT_DIR="$NATIVE_DIR/onnxruntime"
if [ "$WHISPER_ONLY" = 1 ]; then
  : # the other engines are left as they are
elif ! stamp_ok "$ORT_DIR/.stamp" "$ORT_SPEC $ORT_SHA"; then
  tgz="$(fetch "$ORT_SPEC" "$ORT_SHA")"
  rm -rf "$ORT_DIR"; mkdir -p "$ORT_DIR"
  tar -xzf "$tgz" -C "$ORT_DIR" --strip-components=5 package/bin/napi-v6/linux/x64/libonnxruntime.so.1
  [ -f "$ORT_DIR/libonnxruntime.so.1" ] || die "libonnxruntime.so.1 not found in $ORT_SPEC"
  echo "$ORT_SPEC $ORT_SHA" >"$ORT_DIR/.stamp"
  say "ONNX Runtime ready: $ORT_DIR"
fi

# ---------------------------------------------------------------- llama.cpp
LLAMA_DIR="$NATIVE_DIR/llama"
if [ "$WHISPER_ONLY" = 1 ]; then
  :
elif ! stamp_ok "$LLAMA_DIR/.stamp" "$LLAMA_SPEC $LLAMA_SHA"; then
  tgz="$(fetch "$LLAMA_SPEC" "$LLAMA_SHA")"
  rm -rf "$LLAMA_DIR"; mkdir -p "$LLAMA_DIR"
  tar -xzf "$tgz" -C "$LLAMA_DIR" --strip-components=3 --wildcards 'package/bins/linux-x64/*'
  ls "$LLAMA_DIR"/libllama*.so >/dev/null 2>&1 || die "libllama not found in $LLAMA_SPEC"
  echo "$LLAMA_SPEC $LLAMA_SHA" >"$LLAMA_DIR/.stamp"
  say "llama.cpp ready: $LLAMA_DIR"
fi

# ---------------------------------------------------------------- headers (ABI checks)
INC_DIR="$NATIVE_DIR/include"
if [ "$WHISPER_ONLY" = 1 ]; then
  :
elif ! stamp_ok "$INC_DIR/.stamp" "$LLAMA_SRC_SPEC $LLAMA_SRC_SHA $WHISPER_SPEC"; then
  tgz="$(fetch "$LLAMA_SRC_SPEC" "$LLAMA_SRC_SHA")"
  rm -rf "$INC_DIR"; mkdir -p "$INC_DIR/llama" "$INC_DIR/whisper"
  work="$(mktemp -d)"
  tar -xzf "$tgz" -C "$work" package/llama/gitRelease.bundle
  git clone -q "$work/package/llama/gitRelease.bundle" "$work/src" 2>/dev/null \
    || die "could not clone llama.cpp source bundle from $LLAMA_SRC_SPEC"
  cp "$work/src/include/llama.h" "$INC_DIR/llama/"
  cp "$work/src/ggml/include/"*.h "$INC_DIR/llama/"
  rm -rf "$work"
  echo "$LLAMA_SRC_SPEC $LLAMA_SRC_SHA $WHISPER_SPEC" >"$INC_DIR/.stamp.partial"
fi

# ---------------------------------------------------------------- whisper.cpp
cpu_has() { grep -qw "$1" /proc/cpuinfo; }
# Variants: avx2 (Haswell and newer) is always built; sse42 is built when this CPU lacks AVX2/FMA/F16C or
# when MEDIATAGGER_WHISPER_VARIANTS=all. The binding picks the variant for the CPU it runs on.
variants=(avx2)
if ! (cpu_has avx2 && cpu_has fma && cpu_has f16c) || [ "${MEDIATAGGER_WHISPER_VARIANTS:-}" = "all" ]; then
  variants+=(sse42)
fi

# CUDA: nvcc from PATH, CUDA_HOME or /usr/local/cuda; a GPU is present when the NVIDIA driver lists one.
find_nvcc() {
  local c
  for c in "$(command -v nvcc 2>/dev/null || true)" "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" /usr/local/cuda/bin/nvcc; do
    [ -n "$c" ] && [ -x "$c" ] && { printf '%s\n' "$c"; return 0; }
  done
  return 1
}
gpu_present() {
  { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; } \
    || [ -n "$(ls -A /proc/driver/nvidia/gpus 2>/dev/null)" ]
}
case "${MEDIATAGGER_WHISPER_CUDA:-auto}" in
  1)
    NVCC="$(find_nvcc)" || die "MEDIATAGGER_WHISPER_CUDA=1 but nvcc was not found (PATH, \$CUDA_HOME/bin, /usr/local/cuda/bin): install the CUDA toolkit or set CUDA_HOME"
    variants+=(cuda) ;;
  0) ;;
  auto)
    if NVCC="$(find_nvcc)" && gpu_present; then
      say "nvcc ($NVCC) and an NVIDIA GPU found: building the CUDA variant of whisper.cpp too (MEDIATAGGER_WHISPER_CUDA=0 skips it)"
      variants+=(cuda)
    fi ;;
  *) die "MEDIATAGGER_WHISPER_CUDA must be 1 (build the CUDA variant), 0 (never) or unset (when nvcc and a GPU are found), not '${MEDIATAGGER_WHISPER_CUDA}'" ;;
esac

# CUDA_LINK: how the CUDA variant links the toolkit's cudart, cublas and cublasLt (found next to nvcc, also in pip's
# nvidia-* layout, by their real file names so no development symlinks are needed; their folders become the library's
# run path) and the driver's libcuda (the toolkit's stubs/ where the driver's is not found).
CUDA_LINK=()
cuda_link_flags() {
  local root f lib
  root="$(readlink -f "$(dirname "$(readlink -f "$NVCC")")/..")"
  local search=("$root")
  # pip's layout keeps each library in its own nvidia/<name>/ folder beside the compiler's
  [ "$(basename "$(readlink -f "$root/..")")" = nvidia ] && search+=("$(readlink -f "$root/..")")
  for lib in cudart cublas cublasLt; do
    f="$(find "${search[@]}" -maxdepth 6 -name "lib$lib.so*" -not -path '*stubs*' 2>/dev/null | sort | head -n1 || true)"
    [ -n "$f" ] || die "the CUDA variant needs lib$lib.so (CUDA toolkit), not found under ${search[*]}"
    CUDA_LINK+=("-L$(dirname "$f")" "-Wl,-rpath,$(dirname "$f")" "-l:$(basename "$f")")
  done
  f="$(find /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib/wsl/lib -maxdepth 1 -name 'libcuda.so.1' 2>/dev/null | head -n1 || true)"
  [ -n "$f" ] || f="$(find "${search[@]}" -maxdepth 7 -path '*stubs*' -name 'libcuda.so' 2>/dev/null | head -n1 || true)"
  [ -n "$f" ] || die "the CUDA variant needs libcuda (the NVIDIA driver's libcuda.so.1, or the toolkit's stubs/libcuda.so), not found"
  CUDA_LINK+=("-L$(dirname "$f")" "-l:$(basename "$f")")
}

WHISPER_SRC="$NATIVE_DIR/whisper-src"
build_whisper() {
  local variant="$1" out="$NATIVE_DIR/whisper/$1" isa
  local key="$WHISPER_SPEC $WHISPER_SHA $variant v2"
  if [ "$variant" = cuda ]; then
    key="$key $("$NVCC" --version | grep -o 'release [0-9.]*' || true) archs ${MEDIATAGGER_WHISPER_CUDA_ARCHS:-auto}"
  fi
  stamp_ok "$out/.stamp" "$key" && return 0
  if ! stamp_ok "$WHISPER_SRC/.stamp" "$WHISPER_SPEC $WHISPER_SHA"; then
    if [ "$WHISPER_ONLY" = 1 ] && [ ! -f "$CACHE/nodejs-whisper-0.3.1.tgz" ]; then
      die "--whisper-only needs $WHISPER_SRC (stamped) or $CACHE/nodejs-whisper-0.3.1.tgz: copy one from a machine that ran eng/setup-native.sh"
    fi
    local tgz; tgz="$(fetch "$WHISPER_SPEC" "$WHISPER_SHA")"
    rm -rf "$WHISPER_SRC"; mkdir -p "$WHISPER_SRC"
    tar -xzf "$tgz" -C "$WHISPER_SRC" --strip-components=3 package/cpp/whisper.cpp
    echo "$WHISPER_SPEC $WHISPER_SHA" >"$WHISPER_SRC/.stamp"
  fi
  local avx2="-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
  local archives=(libwhisper.a libggml.a libggml-cpu.a libggml-base.a) extra=()
  case "$variant" in
    avx2)  isa="$avx2" ;;
    sse42) isa="-DGGML_SSE42=ON -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF" ;;
    cuda)
      # The CPU part as in avx2; GPU code for this machine's GPU, or for common data-centre and desktop GPUs
      # (Turing to Hopper) where none is visible. MEDIATAGGER_WHISPER_CUDA_ARCHS overrides (e.g. "90").
      local archs="${MEDIATAGGER_WHISPER_CUDA_ARCHS:-}"
      [ -n "$archs" ] || { gpu_present && archs=native || archs="75;80;86;89;90"; }
      isa="$avx2 -DGGML_CUDA=ON -DCMAKE_CUDA_COMPILER=$NVCC -DCMAKE_CUDA_ARCHITECTURES=$archs"
      isa="$isa -DCUDAToolkit_ROOT=$(readlink -f "$(dirname "$(readlink -f "$NVCC")")/..")"
      archives=(libwhisper.a libggml.a libggml-cpu.a libggml-cuda.a libggml-base.a) ;;
  esac
  say "building whisper.cpp ($variant) — about a minute on 2 cores$([ "$variant" = cuda ] && echo ', much longer for the CUDA kernels')"
  local bdir="$NATIVE_DIR/whisper-build/$variant"
  rm -rf "$bdir"; mkdir -p "$bdir"
  if [ "$variant" = cuda ]; then cuda_link_flags; extra=("${CUDA_LINK[@]}"); fi
  local flags="-fvisibility=hidden -DWHISPER_SHARED -DWHISPER_BUILD"
  # shellcheck disable=SC2086
  cmake -S "$WHISPER_SRC" -B "$bdir" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags -fvisibility-inlines-hidden" \
    -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=OFF -DWHISPER_BUILD_SERVER=OFF \
    -DGGML_OPENMP=OFF -DGGML_NATIVE=OFF $isa >"$bdir/cmake.log" 2>&1 \
    || { tail -n 30 "$bdir/cmake.log" >&2; die "cmake configure of whisper.cpp failed"; }
  cmake --build "$bdir" -j "$JOBS" >"$bdir/build.log" 2>&1 \
    || { tail -n 30 "$bdir/build.log" >&2; die "whisper.cpp build failed"; }
  local libs=()
  for a in "${archives[@]}"; do
    local f; f="$(find "$bdir" -name "$a" | head -n1)"
    [ -n "$f" ] || die "whisper build produced no $a"
    libs+=("$f")
  done
  mkdir -p "$out"
  printf '{ global: whisper_*; local: *; };\n' >"$bdir/exports.map"
  g++ -shared -o "$out/libwhisper.so" \
    -Wl,--whole-archive "${libs[0]}" -Wl,--no-whole-archive "${libs[@]:1}" \
    -Wl,--version-script="$bdir/exports.map" -Wl,-Bsymbolic -Wl,-soname,libwhisper.so "${extra[@]}" -lpthread -lm -ldl \
    || die "linking libwhisper.so ($variant) failed"
  local foreign
  foreign="$(nm -D --defined-only "$out/libwhisper.so" | awk '{print $3}' | grep -v '^whisper_' || true)"
  [ -z "$foreign" ] || die "libwhisper.so exports symbols other than whisper_*: $(echo "$foreign" | head -n 5 | tr '\n' ' ')"
  cp "$WHISPER_SRC/include/whisper.h" "$out/"
  rm -rf "$bdir"
  echo "$key" >"$out/.stamp"
  say "whisper.cpp ($variant) ready: $out/libwhisper.so"
}
for v in "${variants[@]}"; do build_whisper "$v"; done

if [ "$WHISPER_ONLY" = 0 ] && [ -f "$INC_DIR/.stamp.partial" ]; then
  cp "$WHISPER_SRC/include/whisper.h" "$INC_DIR/whisper/"
  cp "$WHISPER_SRC/ggml/include/"*.h "$INC_DIR/whisper/"
  mv "$INC_DIR/.stamp.partial" "$INC_DIR/.stamp"
fi

say "native engines ready in $NATIVE_DIR"
