#!/usr/bin/env bash
# Live push benchmark: how long after a match is accepted (202) its board's new standings reach the
# WebSocket subscribers, against the stream's apply lag of the same matches (202 → processed), the part
# of the path a push cannot beat. Runs against a freshly started AppHost (as `dotnet run` starts it),
# with SUBSCRIBERS watching one board and MATCHES matches, one every INTERVAL_MS: one run per
# (subscribers, interval) pair, by default 1 and 100 subscribers at 2 matches/s and 10 matches/s.
#
#   bench/live.sh
#   SUBSCRIBERS="1 10 100" INTERVALS_MS="500" MATCHES=60 bench/live.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD
SUBSCRIBERS=${SUBSCRIBERS:-1 100}
MATCHES=${MATCHES:-100}
INTERVALS_MS=${INTERVALS_MS:-500 100}
RESULTS=$ROOT/bench/results/live-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"

stop_apphost_on_exit

dotnet_build "$RESULTS/build.log" AppHost/AppHost/AppHost.csproj
dotnet_build "$RESULTS/build.log" -c Release bench/PlatformBench/PlatformBench.csproj

APPHOST_READY_URLS="http://127.0.0.1:3003/config.json http://127.0.0.1:3000/health" \
  start_apphost "$RESULTS/apphost.log" --no-build --project AppHost/AppHost -- --DynamoDb:InMemory=true

for interval in $INTERVALS_MS; do
  for subscribers in $SUBSCRIBERS; do
    say "$subscribers subscriber(s), $MATCHES matches every $interval ms"
    run dotnet bench/PlatformBench/bin/Release/net10.0/PlatformBench.dll live-push \
      --gateway=http://127.0.0.1:3000/ --websocket=ws://127.0.0.1:3002/live --dynamodb=http://127.0.0.1:8000 \
      --subscribers="$subscribers" --matches="$MATCHES" --interval-ms="$interval" --out="$RESULTS/live-$subscribers-$interval.json" \
      | tee -a "$RESULTS/summary.txt"
  done
done
say "results in $RESULTS"
