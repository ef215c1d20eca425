#!/usr/bin/env bash
# Stream lag benchmark: match accepted (202) → standings applied by leaderboard-processor, while matches
# (2 players each) are posted through the gateway at a fixed rate for DURATION seconds after a WARMUP,
# against a fresh AppHost per rate (Release, as `dotnet run -c Release` starts it: telemetry to the
# dashboard on; DynamoDB Local in memory, so every rate starts from an empty table).
#
#   bench/stream.sh
#   RATES="50 40 30" DURATION=60 bench/stream.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD
RATES=${RATES:-50 30 20}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-10}
RESULTS=$ROOT/bench/results/stream-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"

stop_apphost_on_exit

dotnet_build "$RESULTS/build.log" -c Release AppHost/AppHost/AppHost.csproj
dotnet_build "$RESULTS/build.log" -c Release bench/PlatformBench/PlatformBench.csproj

for rate in $RATES; do
  start_apphost "$RESULTS/apphost-$rate.log" --no-build -c Release --project AppHost/AppHost -- --DynamoDb:InMemory=true
  say "$rate matches/s for $DURATION s (2 players each) after $WARMUP s"
  run dotnet bench/PlatformBench/bin/Release/net10.0/PlatformBench.dll stream-lag \
    --gateway=http://127.0.0.1:3000/ --dynamodb=http://127.0.0.1:8000 --rate="$rate" --duration="$DURATION" --warmup="$WARMUP" \
    --per-match=2 --board="stream$rate" --out="$RESULTS/stream-$rate.json" | tee -a "$RESULTS/summary.txt"
  stop_apphost
  while ss -ltn | grep -qE ":(8000|3000|3001|3002|3003|18888) "; do sleep 0.5; done
done
say "results in $RESULTS"
