#!/usr/bin/env bash
# Unpacks the llama.cpp source that matches the prebuilt libraries in .native/llama, once, into
# $MEDIATAGGER_NATIVE_DIR/llama-src, and prints that path. The source is node-llama-cpp@3.22.1's
# llama/gitRelease.bundle (a git bundle of one commit); node-llama-cpp records its release in
# llama/llama.cpp.info.json ("tag") and llama/binariesGithubRelease.json ("release"), and the prebuilt
# @node-llama-cpp/linux-x64@3.22.1 records the same release in _nlcBuildMetadata.json. This script checks
# that all three name the release the binding pins (v0.5.0) and that the bundle's commit is the pinned one.
# Used by bench/build-llama-bench.sh (llama-bench) and tests/tools/make_tiny_llama.sh (gguf-py, vocab GGUFs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NATIVE="${MEDIATAGGER_NATIVE_DIR:-$ROOT/.native}"
SPEC="node-llama-cpp@3.22.1"
SHA="a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f"
RELEASE="v0.5.0"
COMMIT="de3ff815ea7d559ee917f063901b8986f038abc6"
OUT="$NATIVE/llama-src"
KEY="$SPEC $SHA $RELEASE $COMMIT"
die() { printf '[llama-src] ERROR: %s\n' "$*" >&2; exit 1; }
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$KEY" ]; then echo "$OUT"; exit 0; fi

tgz="$NATIVE/cache/node-llama-cpp-3.22.1.tgz"
if ! [ -f "$tgz" ] || [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$SHA" ]; then
  printf '[llama-src] downloading %s (npm pack)\n' "$SPEC" >&2
  mkdir -p "$NATIVE/cache"
  tmp="$(mktemp -d "$NATIVE/cache/pack.XXXXXX")"
  (cd "$tmp" && npm pack --silent --ignore-scripts "$SPEC" >/dev/null) || { rm -rf "$tmp"; die "npm pack $SPEC failed"; }
  got="$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n1)"
  [ -n "$got" ] && [ "$(sha256sum "$got" | cut -d' ' -f1)" = "$SHA" ] || { rm -rf "$tmp"; die "$SPEC: missing or checksum mismatch (expected sha256 $SHA)"; }
  mv "$got" "$tgz"; rm -rf "$tmp"
fi

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
tar -xzf "$tgz" -C "$work" package/llama/gitRelease.bundle package/llama/llama.cpp.info.json package/llama/binariesGithubRelease.json
tag="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tag"])' "$work/package/llama/llama.cpp.info.json")"
release="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["release"])' "$work/package/llama/binariesGithubRelease.json")"
[ "$tag" = "$RELEASE" ] && [ "$release" = "$RELEASE" ] || die "$SPEC names llama.cpp $tag (binaries $release), expected $RELEASE"
prebuilt="$NATIVE/llama/_nlcBuildMetadata.json"
if [ -f "$prebuilt" ]; then
  built="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["buildOptions"]["llamaCpp"]["release"])' "$prebuilt")"
  [ "$built" = "$RELEASE" ] || die "the prebuilt libraries in $NATIVE/llama are release $built, the source is $RELEASE"
fi

rm -rf "$OUT"
git clone -q "$work/package/llama/gitRelease.bundle" "$OUT" 2>/dev/null || die "could not clone the llama.cpp bundle of $SPEC"
head="$(git -C "$OUT" rev-parse HEAD)"
[ "$head" = "$COMMIT" ] || { rm -rf "$OUT"; die "the bundle's commit is $head, expected $COMMIT"; }
echo "$KEY" >"$OUT/.stamp"
echo "$OUT"
