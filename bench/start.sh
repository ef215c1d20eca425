#!/usr/bin/env bash
# AppHost start with nothing to build: process start → every resource Running, measured the way the
# README runs the app (Debug, dashboard on), DynamoDB Local in memory so each run starts alike.
# "Running" is seen from outside: the gateway's /health (it starts once its functions are healthy) and
# the live board's config.json (it starts once the WebSocket API is up) both answer. Each run ends
# with SIGTERM and waits until the AppHost has exited, so the next run finds its ports free.
#
#   bench/start.sh                    # 5 runs of `dotnet run`, then 5 of `dotnet run --no-build`
#   RUNS=3 bench/start.sh
#
# Needs: the .NET SDK, Java 17+, curl. Uses the app's fixed ports (3000-3003, the dashboard's 18888).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
RUNS=${RUNS:-5}
RESULTS=$PWD/bench/results/start-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"
APPHOST_READY_URLS="http://127.0.0.1:3000/health http://127.0.0.1:3003/config.json"
stop_apphost_on_exit

say "building (Debug)"
dotnet_build "$RESULTS/build.log" AppHost/AppHost/AppHost.csproj

measure() { # NAME ARGS...: one start, in seconds with two decimals
  local name=$1 started
  shift
  started=$(date +%s.%N)
  start_apphost "$RESULTS/$name.log" "$@"
  echo "$(date +%s.%N) - $started" | bc -l | xargs printf '%.2f\n'
  stop_apphost
}

for variant in build no-build; do
  args=(--project AppHost/AppHost)
  [[ $variant == no-build ]] && args=(--no-build "${args[@]}")
  times=()
  for run_number in $(seq 1 "$RUNS"); do
    times+=("$(measure "$variant-$run_number" "${args[@]}" -- --DynamoDb:InMemory=true)")
    say "dotnet run ${args[*]}: run $run_number ${times[-1]} s"
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
  echo "dotnet run ${args[*]}: ${times[*]} s, median $median s" | tee -a "$RESULTS/summary.txt"
done
say "results in $RESULTS"
