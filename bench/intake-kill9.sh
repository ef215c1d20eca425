#!/usr/bin/env bash
# The intake across a kill -9: match results are sent to the match-intake queue at RATE/s for DURATION s while,
# KILL_AT s in, the AppHost's whole process group is killed with SIGKILL and started again on the same data
# (DynamoDB Local and the SQS queues on disk, the defaults). Then every result SQS acknowledged must be stored and
# applied once: the board's points must equal a recomputation from every match stored for it.
#
#   bench/intake-kill9.sh
#   RATE=200 DURATION=40 KILL_AT=15 bench/intake-kill9.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD
RATE=${RATE:-100}
DURATION=${DURATION:-30}
KILL_AT=${KILL_AT:-10}
RESULTS=$ROOT/bench/results/intake-kill9-$(date -u +%Y%m%dT%H%M%SZ)
STATE=$RESULTS/state
mkdir -p "$RESULTS" "$STATE"

stop_apphost_on_exit

dotnet_build "$RESULTS/build.log" -c Release AppHost/AppHost/AppHost.csproj
dotnet_build "$RESULTS/build.log" -c Release bench/PlatformBench/PlatformBench.csproj

# A state directory of its own: the run starts from empty, and the restart finds what the kill left.
APPHOST_ARGS=(--no-build -c Release --project AppHost/AppHost -- "--StateDirectory=$STATE")
start_apphost "$RESULTS/apphost-1.log" "${APPHOST_ARGS[@]}"
say "sending $RATE results/s for $DURATION s; kill -9 at $KILL_AT s"
dotnet bench/PlatformBench/bin/Release/net10.0/PlatformBench.dll intake-send \
  --gateway=http://127.0.0.1:3000/ --queue-url=http://127.0.0.1:9324/000000000000/match-intake \
  --rate="$RATE" --duration="$DURATION" --out-dir="$RESULTS" | tee -a "$RESULTS/summary.txt" &
SENDER=$!
sleep "$KILL_AT"
kill -9 -- "-$APPHOST_PID"
say "killed the AppHost's process group"
APPHOST_PID=""
while ss -ltn | grep -qE ":(8000|3000|3001|9324) "; do sleep 0.2; done
start_apphost "$RESULTS/apphost-2.log" "${APPHOST_ARGS[@]}"
say "started again"
wait "$SENDER"
run dotnet bench/PlatformBench/bin/Release/net10.0/PlatformBench.dll intake-verify \
  --gateway=http://127.0.0.1:3000/ --dynamodb=http://127.0.0.1:8000 --out-dir="$RESULTS" | tee -a "$RESULTS/summary.txt"
say "results in $RESULTS"
