#!/usr/bin/env bash
# Runs make_tiny_llama.py with what it needs, installing it when missing (idempotent):
#   gguf-py from the pinned llama.cpp source (eng/llama-src.sh unpacks node-llama-cpp@3.22.1's bundle once),
#   numpy: the first python3 that has it; else Debian's python3-numpy for /usr/bin/python3 (apt-get, as root).
# Usage: tests/tools/make_tiny_llama.sh OUT.gguf [make_tiny_llama.py options]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(bash "$HERE/../../eng/llama-src.sh")"
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' 2>/dev/null; then PY="$p"; break; fi
done
if [ -z "$PY" ]; then
  [ -x /usr/bin/python3 ] || { echo "make_tiny_llama: no python3 with numpy, and no /usr/bin/python3" >&2; exit 1; }
  cmd="apt-get install -y --no-install-recommends python3-numpy"
  if [ "$(id -u)" -eq 0 ]; then
    echo "make_tiny_llama: installing python3-numpy (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive $cmd >/dev/null 2>&1 \
      || { DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $cmd >/dev/null; } \
      || { echo "make_tiny_llama: apt-get could not install python3-numpy" >&2; exit 1; }
  else
    echo "make_tiny_llama: numpy is missing; install it with: sudo $cmd" >&2; exit 1
  fi
  PY=/usr/bin/python3
fi
LLAMA_SRC="$SRC" PYTHONPATH="$SRC/gguf-py${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" "$HERE/make_tiny_llama.py" "$@"
