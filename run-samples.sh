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
run tag samples --set outputs:sidecar=mirror --set outputs:mirrorRoot=samples/out "$@"
for f in samples/out/*.json; do
  echo "== $f"
  cat "$f"
done
