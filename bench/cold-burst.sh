#!/usr/bin/env bash
# Load from the first second: start the AppHost as a user does (Debug, dashboard on), and the moment
# the gateway's /health first answers, run the load test's virtual players at a constant rate for 20 s
# (loadtest/leaderboard.yml, environments burst-5 and burst-8). Then, on the same app now warm, the
# same run again: the baseline. Each rate gets a fresh AppHost with DynamoDB Local in memory.
#
#   bench/cold-burst.sh               # 5 and 8 players/s
#   RATES="8" bench/cold-burst.sh
#
# Needs: the .NET SDK, Java 17+, curl, jq, and Artillery (cd loadtest && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci).
# Uses the app's fixed ports (3000-3003, the dashboard's 18888).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
RATES=${RATES:-"5 8"}
RESULTS=$PWD/bench/results/cold-burst-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"
ARTILLERY=$PWD/loadtest/node_modules/.bin/artillery
[[ -x $ARTILLERY ]] || { echo "error: Artillery is missing: cd loadtest && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci" >&2; exit 1; }
stop_apphost_on_exit

say "building (Debug)"
dotnet_build "$RESULTS/build.log" AppHost/AppHost/AppHost.csproj

# One Artillery run: burst NAME RATE → its JSON report in $RESULTS/NAME.json, the Lambda emulator's
# samples (environments, running and waiting invocations) beside it, and both drawn in NAME.html.
burst() {
  node loadtest/lambda-sampler.mjs "$RESULTS/$1.lambda.jsonl" &
  local sampler=$!
  (cd loadtest && run "$ARTILLERY" run --environment "burst-$2" --output "$RESULTS/$1.json" leaderboard.yml >"$RESULTS/$1.log" 2>&1) || true
  stop_process "$sampler"
  node loadtest/report.mjs "$RESULTS/$1.json" "$RESULTS/$1.lambda.jsonl" "$RESULTS/$1.html" >/dev/null
}

# One line from a report: requests, 429s, 5xx, p50/p95/p99/max in ms.
summarize() {
  jq -r --arg name "$1" '.aggregate as $a
    | ($a.counters | to_entries | map(select(.key | test("^http.codes.5"))) | map(.value) | add // 0) as $server
    | "\($name): \($a.counters["http.requests"] // 0) requests, \($a.counters["http.codes.429"] // 0) x 429, \($server) x 5xx, "
      + "p50 \($a.summaries["http.response_time"].median) ms, p95 \($a.summaries["http.response_time"].p95) ms, "
      + "p99 \($a.summaries["http.response_time"].p99) ms, max \($a.summaries["http.response_time"].max) ms"' "$RESULTS/$1.json"
}

for rate in $RATES; do
  say "$rate players/s: starting the AppHost"
  start_apphost "$RESULTS/apphost-$rate.log" --no-build --project AppHost/AppHost -- --DynamoDb:InMemory=true
  say "$rate players/s: /health answers; load now"
  burst "cold-$rate" "$rate"
  say "$rate players/s: the same on the warm app"
  burst "warm-$rate" "$rate"
  stop_apphost
  summarize "cold-$rate" | tee -a "$RESULTS/summary.txt"
  summarize "warm-$rate" | tee -a "$RESULTS/summary.txt"
  jq -r --arg rate "$rate" --slurpfile warm "$RESULTS/warm-$rate.json" \
    '"\($rate)/s cold p99 / warm p99: \((.aggregate.summaries["http.response_time"].p99 / $warm[0].aggregate.summaries["http.response_time"].p99 * 100 | round) / 100)"' \
    "$RESULTS/cold-$rate.json" | tee -a "$RESULTS/summary.txt"
done
say "results in $RESULTS"
