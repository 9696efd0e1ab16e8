#!/usr/bin/env bash
# Runs every test: sets up the native engines if missing (idempotent), builds, runs unit and integration
# tests, and ends with one summary line: "Total: N passed, N failed, N skipped".
# Integration tests skip (with the reason) when ../shared or the engines are absent; with
# MEDIATAGGER_REQUIRE_ASSETS=1 (CI) a missing asset fails instead.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash eng/setup-native.sh || exit 1
dotnet build MediaTagger.sln -c Release -nologo -clp:ErrorsOnly || exit 1

results=artifacts/test-results
rm -rf "$results"
dotnet test MediaTagger.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?

python3 - "$results" <<'PY' || { echo "Total: 0 passed, 1 failed, 0 skipped"; exit 1; }
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
counts = {"Passed": 0, "Failed": 0, "NotExecuted": 0}
skips = []
for path in glob.glob(sys.argv[1] + "/*.trx"):
    for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        outcome = r.get("outcome")
        counts[outcome if outcome in counts else "Failed"] += 1
        if outcome == "NotExecuted":
            msg = r.find(".//t:Output/t:ErrorInfo/t:Message", ns)
            skips.append(f"  {r.get('testName')}: {msg.text.strip() if msg is not None and msg.text else 'skipped'}")
if skips:
    print("Skipped tests and why:")
    print("\n".join(sorted(skips)))
print(f"Total: {counts['Passed']} passed, {counts['Failed']} failed, {counts['NotExecuted']} skipped")
PY
exit $status
