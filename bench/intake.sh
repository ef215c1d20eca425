#!/usr/bin/env bash
# Queue intake benchmark: match results sent to the match-intake queue through the AWS SDK (batches of 10
# messages, one result each) at a fixed rate for DURATION seconds, against a fresh AppHost per rate (Release,
# DynamoDB Local in memory). The bench creates its players, waits for the machine to settle (≥ 60 % idle over a
# second), then sends. Reports send → stored latency (overall and by 5 s of sending), what was stored each second,
# the queue's drain time after the senders stop, results never stored and dead letters.
#
#   bench/intake.sh
#   RATES="500 250" DURATION=30 bench/intake.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD
RATES=${RATES:-500 250}
DURATION=${DURATION:-30}
RESULTS=$ROOT/bench/results/intake-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"

stop_apphost_on_exit

dotnet_build "$RESULTS/build.log" -c Release AppHost/AppHost/AppHost.csproj
dotnet_build "$RESULTS/build.log" -c Release bench/PlatformBench/PlatformBench.csproj

for rate in $RATES; do
  start_apphost "$RESULTS/apphost-$rate.log" --no-build -c Release --project AppHost/AppHost -- --DynamoDb:InMemory=true
  say "$rate results/s for $DURATION s"
  run dotnet bench/PlatformBench/bin/Release/net10.0/PlatformBench.dll intake \
    --gateway=http://127.0.0.1:3000/ --dynamodb=http://127.0.0.1:8000 --queue-url=http://127.0.0.1:9324/000000000000/match-intake \
    --rate="$rate" --duration="$DURATION" --board="intake$rate" --out="$RESULTS/intake-$rate.json" | tee -a "$RESULTS/summary.txt" || true
  stop_apphost
  while ss -ltn | grep -qE ":(8000|3000|3001|3002|3003|9324|18888) "; do sleep 0.5; done
done
say "results in $RESULTS"
