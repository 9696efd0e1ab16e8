#!/usr/bin/env bash
# Runs a Python script that builds synthetic ONNX models (or reference tensors) with what it needs, installing it
# when missing (idempotent): Debian's python3-onnx, python3-numpy and python3-pil for /usr/bin/python3 (apt-get,
# as root). Any python3 that already has onnx, numpy and PIL is used as it is.
# Usage: tests/tools/onnx-python.sh SCRIPT.py [script arguments]
set -euo pipefail
need='import onnx, numpy, PIL'
PY=""
find_python() {
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c "$need" 2>/dev/null; then PY="$p"; return 0; fi
  done
  return 1
}
find_python || true
if [ -z "$PY" ]; then
  [ -x /usr/bin/python3 ] || { echo "onnx-python: no python3 with onnx, numpy and PIL, and no /usr/bin/python3" >&2; exit 1; }
  cmd="apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 python3-onnx python3-numpy python3-pil"
  if [ "$(id -u)" -eq 0 ]; then
    # Tests run in parallel and each may get here first: one installs, the others wait for it and then find it.
    exec 9>"${TMPDIR:-/tmp}/mediatagger-onnx-python.lock"
    flock 9
    if ! find_python; then
      echo "onnx-python: installing python3-onnx python3-numpy python3-pil (apt-get)" >&2
      DEBIAN_FRONTEND=noninteractive $cmd >/dev/null 2>&1 \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -o DPkg::Lock::Timeout=600 >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $cmd >/dev/null; } \
        || { echo "onnx-python: apt-get could not install python3-onnx python3-numpy python3-pil" >&2; exit 1; }
      PY=/usr/bin/python3
    fi
    flock -u 9
    exec 9>&-
  else
    echo "onnx-python: onnx, numpy or PIL is missing; install them with: sudo $cmd" >&2; exit 1
  fi
fi
exec "$PY" "$@"
