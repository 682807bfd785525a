#!/usr/bin/env bash
# Runs every test of the solution and prints one closing line: "tests: N passed, N failed, N skipped".
# Installs what the tests need (NuGet restore, Debian's chromium for the dashboard's browser tests) by itself.
set -uo pipefail
cd "$(dirname "$0")"

results="${TEST_RESULTS_DIR:-$(mktemp -d)}"
mkdir -p "$results"
configuration="${CONFIGURATION:-Release}"

# The dashboard's browser tests (tests/AgentBus.Dashboard.Tests) drive the system's chromium, never a downloaded browser.
if [ ! -x /usr/bin/chromium ]; then
  as_root=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then as_root="sudo"; fi
  $as_root apt-get update -qq && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "test.sh: could not install chromium; the dashboard's browser tests will fail"
fi

dotnet build AgentBus.sln -c "$configuration" -warnaserror --nologo -v:minimal
build_status=$?
if [ $build_status -ne 0 ]; then
  echo "build failed"
  echo "tests: 0 passed, 1 failed, 0 skipped"
  exit 1
fi

# One test assembly at a time: the suites start real brokers and Node clients, and timing-sensitive
# tests should not compete with each other for the two cores.
dotnet test AgentBus.sln -c "$configuration" --no-build --nologo -m:1 \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 5m -- RunConfiguration.TestSessionTimeout=1500000
test_status=$?

# The client and agent suites once more over the MessagingService calls alone (clients use the broker's message
# stream by default), so both paths of every send and ack stay tested.
AGENTBUS_TEST_MESSAGE_STREAM=off dotnet test tests/AgentBus.Client.Tests/AgentBus.Client.Tests.csproj -c "$configuration" --no-build --nologo \
  --logger "trx;LogFilePrefix=calls-client" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 5m -- RunConfiguration.TestSessionTimeout=600000 || test_status=1
AGENTBUS_TEST_MESSAGE_STREAM=off dotnet test tests/AgentBus.Tests/AgentBus.Tests.csproj -c "$configuration" --no-build --nologo \
  --logger "trx;LogFilePrefix=calls-agents" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 5m -- RunConfiguration.TestSessionTimeout=600000 || test_status=1

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  # A skipped test is counted in "total" but not in "executed"; the notExecuted counter stays 0 for them.
  skipped=$((skipped + $(get total) - $(get executed)))
done

if [ $files -eq 0 ] || { [ $test_status -ne 0 ] && [ $failed -eq 0 ]; }; then
  # The runner failed without reporting a failed test (crash, hang, no results): count it as a failure.
  failed=$((failed + 1))
fi

# Name each failed test and its message next to the closing line, where a truncated log still shows them.
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  if ! command -v python3 >/dev/null 2>&1; then
    grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | sed -n 's/.* testName="\([^"]*\)".*/FAILED: \1/p'
  else
    python3 - "$trx" <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
for result in ET.parse(sys.argv[1]).getroot().iter(ns + "UnitTestResult"):
    if result.get("outcome") == "Failed":
        message = result.find(f"{ns}Output/{ns}ErrorInfo/{ns}Message")
        trace = result.find(f"{ns}Output/{ns}ErrorInfo/{ns}StackTrace")
        print(f"FAILED: {result.get('testName')}: {(message.text if message is not None else '').strip()[:2000]}")
        print("    " + "\n    ".join((trace.text if trace is not None else "").strip().splitlines()[:8]))
PY
  fi
done

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
