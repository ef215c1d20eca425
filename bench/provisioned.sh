#!/usr/bin/env bash
# Provisioned-concurrency benchmark: the load test's ramp (loadtest/leaderboard.yml) against a freshly
# started AppHost with the definition's provisioned concurrency and without it
# (--Lambda:ProvisionedConcurrency=false), alternating; reports each run's on-demand cold starts of
# leaderboard-api during the run and its latency percentiles.
#
#   bench/provisioned.sh            # needs loadtest/ installed: cd loadtest && npm ci
#   ROUNDS=2 bench/provisioned.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD
ROUNDS=${ROUNDS:-1}
RESULTS=$ROOT/bench/results/provisioned-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"
[[ -x loadtest/node_modules/.bin/artillery ]] || { echo "error: install the load test first: cd loadtest && npm ci" >&2; exit 1; }

stop_apphost_on_exit

dotnet_build "$RESULTS/build.log" AppHost/AppHost/AppHost.csproj

measure() { # NAME PROVISIONED(true|false)
  local name=$1
  start_apphost "$RESULTS/$name-apphost.log" --no-build --project AppHost/AppHost -- --DynamoDb:InMemory=true --Lambda:ProvisionedConcurrency="$2"
  # /health answers once the API's provisioned environments have finished their init (the function is healthy only then).
  (cd loadtest && npm run --silent local >"$RESULTS/$name-artillery.log" 2>&1) || true
  cp loadtest/results/lambda.jsonl "$RESULTS/$name-lambda.jsonl"
  cp loadtest/results/local.json "$RESULTS/$name-run.json"
  stop_apphost
  node -e '
    const fs = require("fs");
    const [name, lambda, run] = process.argv.slice(1);
    const samples = fs.readFileSync(lambda, "utf8").split("\n").filter(Boolean).map(JSON.parse);
    const api = (s) => s.functions.find((f) => f.name === "leaderboard-api");
    const summary = JSON.parse(fs.readFileSync(run, "utf8")).aggregate.summaries["http.response_time"];
    const first = samples[0], last = samples[samples.length - 1];
    console.log(`${name} on-demand-cold-starts ${api(last).coldStarts - api(first).coldStarts} environments-at-start ${api(first).environments} p95 ${summary.p95} p99 ${summary.p99} max ${summary.max}`);
  ' "$name" "$RESULTS/$name-lambda.jsonl" "$RESULTS/$name-run.json" | tee -a "$RESULTS/summary.txt"
}

for round in $(seq 1 "$ROUNDS"); do
  say "round $round: with provisioned concurrency"
  measure "provisioned-$round" true
  say "round $round: without"
  measure "on-demand-$round" false
done
say "results in $RESULTS"
