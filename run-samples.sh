#!/usr/bin/env bash
# The quick start's main job: sets up the native engines if missing (idempotent), checks them with `doctor`,
# then runs the worker once over the bundled samples (pipelines.json) and shows the sidecars it wrote to
# samples/out/. Run it again: unchanged files are skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash eng/setup-native.sh
dotnet build src/MediaTagger -c Release -nologo -clp:ErrorsOnly
run() { dotnet run --project src/MediaTagger -c Release --no-build -- "$@"; }
run doctor
# The default pipeline transcribes with whisper-base. Where no real Whisper model is installed (this demo must run
# without downloads), say so and use whisper.cpp's empty test model instead: the whole path runs, the transcript is
# empty. Test-only models are never used unless asked for, as here.
whisper=()
if ! run models list --json | python3 -c 'import json, sys; sys.exit(0 if any(m["id"] == "whisper-base" and m["installed"] for m in json.load(sys.stdin)) else 1)'; then
  echo "No Whisper model installed: the demo transcribes with the empty test model (empty transcripts). For real ones: mediatagger models pull whisper-base"
  whisper=(--set pipelines:default:audio:2:with:model=whisper-tiny.en-empty --set pipelines:default:video:2:with:model=whisper-tiny.en-empty)
fi
run tag samples --set outputs:sidecar=mirror --set outputs:mirrorRoot=samples/out "${whisper[@]}" "$@"
for f in samples/out/*.json; do
  echo "== $f"
  cat "$f"
done
