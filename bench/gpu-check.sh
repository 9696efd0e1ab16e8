#!/usr/bin/env bash
# whisper.cpp's CUDA build on a GPU machine, checked in one short run: builds whisper/cuda from the pinned source with
# nvcc, then loads the empty tiny.en test model with the GPU asked for and transcribes jfk.wav, through the binding and
# (where ffmpeg is there) the whisper stage, and prints the device whisper.cpp reported and llama.cpp's devices
# (LlamaBackend.Devices). Exit 0 only when whisper.cpp ran on a device that is not the CPU.
#
# The GPU machine (H100, CUDA 13) has nvcc and cmake but no network, and perhaps no .NET or ../shared. So, two steps:
#   1. here, with dotnet and a native folder set up:   bash bench/gpu-check.sh --prepare
#      packs .gpu-check/ (ignored by git, about 45 MiB): the bench app published self-contained, the whisper.cpp source
#      tarball and avx2 build, llama.cpp's libraries, jfk.wav and the empty test model.
#   2. there, from the repository root, with .gpu-check carried along:   bash bench/gpu-check.sh
#      (the device tool: run with carry [".gpu-check"], timeout_s 600). The CUDA build takes most of the run; where
#      dotnet is on PATH there and .gpu-check has no app, the bench is built there instead.
# Environment: MEDIATAGGER_WHISPER_CUDA_ARCHS (90, the H100's), GPU_CHECK_OUT (results folder; $OUT, else /tmp).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
PACK="$ROOT/.gpu-check"
say() { printf '[gpu-check] %s\n' "$*" >&2; }
die() { printf '[gpu-check] ERROR: %s\n' "$*" >&2; exit 1; }
WHISPER_TGZ=nodejs-whisper-0.3.1.tgz
MODEL_REL=models/whisper/for-tests-ggml-tiny.en.bin
WAV_REL=media/audio/jfk.wav

if [ "${1:-}" = "--prepare" ]; then
  NATIVE="${MEDIATAGGER_NATIVE_DIR:-$ROOT/.native}"
  SHARED="${MEDIATAGGER_SHARED_DIR:-$ROOT/../shared}"
  for f in "$NATIVE/cache/$WHISPER_TGZ" "$NATIVE/whisper/avx2/libwhisper.so" "$NATIVE/llama/.stamp" "$SHARED/$MODEL_REL" "$SHARED/$WAV_REL"; do
    [ -e "$f" ] || die "$f is missing: run eng/setup-native.sh (and set MEDIATAGGER_SHARED_DIR) first"
  done
  command -v dotnet >/dev/null || die "--prepare needs dotnet"
  rm -rf "$PACK"; mkdir -p "$PACK/shared/models/whisper" "$PACK/shared/media/audio"
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
  say "publishing the bench self-contained for linux-x64 (a minute)"
  dotnet publish bench/MediaTagger.Bench -c Release -r linux-x64 --self-contained -nologo -clp:ErrorsOnly -o "$work/app" >&2
  tar -C "$work/app" -cf - . | xz -6 -T0 >"$PACK/app.tar.xz"
  mkdir -p "$work/native/whisper" "$work/native/cache"
  cp -a "$NATIVE/llama" "$work/native/"
  cp -a "$NATIVE/whisper/avx2" "$work/native/whisper/"
  tar -C "$work/native" -cf - . | xz -6 -T0 >"$PACK/native.tar.xz"
  cp "$NATIVE/cache/$WHISPER_TGZ" "$PACK/"
  cp "$SHARED/$MODEL_REL" "$SHARED/$MODEL_REL.sha256" "$PACK/shared/models/whisper/" 2>/dev/null || cp "$SHARED/$MODEL_REL" "$PACK/shared/models/whisper/"
  cp "$SHARED/$WAV_REL" "$PACK/shared/media/audio/"
  say "ready: $(du -sh "$PACK" | cut -f1) in .gpu-check; on the GPU machine run: bash bench/gpu-check.sh (carry .gpu-check)"
  exit 0
fi
[ $# -eq 0 ] || die "usage: bench/gpu-check.sh [--prepare]"

OUT_DIR="${GPU_CHECK_OUT:-${OUT:-/tmp}}"
mkdir -p "$OUT_DIR"
started=$SECONDS
phase() { say "$1 (+$((SECONDS - started)) s)"; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 \
  || die "nvidia-smi not found: this is not a GPU machine"
for t in cmake g++ make; do command -v "$t" >/dev/null || die "$t is needed to build whisper.cpp"; done
if ! command -v nvcc >/dev/null; then
  for c in "${CUDA_HOME:-}/bin" /usr/local/cuda/bin; do [ -x "$c/nvcc" ] && export PATH="$c:$PATH" && break; done
fi
command -v nvcc >/dev/null || die "nvcc not found (PATH, \$CUDA_HOME/bin, /usr/local/cuda/bin)"
nvcc --version | tail -n 2 >&2

# A writable native folder outside the tree: the carried CPU builds, the source tarball, and the CUDA build made here.
NATIVE=/tmp/mt-gpu-check/native
rm -rf /tmp/mt-gpu-check; mkdir -p "$NATIVE/cache"
if [ -f "$PACK/native.tar.xz" ]; then
  xz -dc "$PACK/native.tar.xz" | tar -C "$NATIVE" -xf -
  cp "$PACK/$WHISPER_TGZ" "$NATIVE/cache/"
  SHARED="$PACK/shared"
else
  [ -d "$ROOT/.native/whisper-src" ] || [ -f "$ROOT/.native/cache/$WHISPER_TGZ" ] || die "no .gpu-check/native.tar.xz and no .native: run bash bench/gpu-check.sh --prepare where the native folder is, and carry .gpu-check"
  cp -a "$ROOT/.native/." "$NATIVE/"
  SHARED="${MEDIATAGGER_SHARED_DIR:-$ROOT/../shared}"
fi
export MEDIATAGGER_NATIVE_DIR="$NATIVE"

phase "building whisper.cpp's CUDA variant"
MEDIATAGGER_WHISPER_CUDA=1 MEDIATAGGER_WHISPER_CUDA_ARCHS="${MEDIATAGGER_WHISPER_CUDA_ARCHS:-90}" \
  bash eng/setup-native.sh --whisper-only
ls -la "$NATIVE/whisper/cuda/libwhisper.so" >&2
ldd "$NATIVE/whisper/cuda/libwhisper.so" | grep -Ei 'cuda|cublas|not found' >&2 || true

phase "running the check"
if [ -f "$PACK/app.tar.xz" ]; then
  mkdir -p /tmp/mt-gpu-check/app
  xz -dc "$PACK/app.tar.xz" | tar -C /tmp/mt-gpu-check/app -xf -
  bench=(/tmp/mt-gpu-check/app/MediaTagger.Bench)
elif command -v dotnet >/dev/null; then
  dotnet build bench/MediaTagger.Bench -c Release -nologo -clp:ErrorsOnly >&2
  bench=(dotnet bench/MediaTagger.Bench/bin/Release/net10.0/MediaTagger.Bench.dll)
else
  die "no .gpu-check/app.tar.xz and no dotnet here: run bash bench/gpu-check.sh --prepare on a machine with dotnet, and carry .gpu-check"
fi
set +e
MEDIATAGGER_MODEL_MIRROR="$SHARED/models" "${bench[@]}" gpu-check "$SHARED/$MODEL_REL" "$SHARED/$WAV_REL" "$OUT_DIR/gpu-check.json"
rc=$?
set -e
phase "done (exit $rc; report in $OUT_DIR/gpu-check.json)"
exit $rc
