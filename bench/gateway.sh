#!/usr/bin/env bash
# Gateway benchmark: GET /leaderboards/{boardId}?limit=10 through the API Gateway emulator and the
# Lambda emulator (the AppHost as users run it: Release, dashboard and telemetry on) against the same
# leaderboard-api build on Kestrel (no Lambda), with the same DynamoDB Local, telemetry on too,
# alternating rounds in the same run. Reports requests/s, p50 and CPU milliseconds per request of each
# process group.
#
#   bench/gateway.sh                          # 16 connections, the AppHost's default environment cap
#   CONNECTIONS=16 ENVIRONMENTS=4 ROUNDS=3 DURATION=10 bench/gateway.sh
#   CLIENT=hey bench/gateway.sh               # hey -T application/json as the client instead of wrk
#   PROFILE=1 bench/gateway.sh                # then one more round of each under `perf record` (CPU
#                                             # samples of every process, .NET frames named by perf maps)
#
# Needs: the .NET SDK, Java 17+, wrk or hey, curl (and perf for PROFILE=1). The dashboard's ports (18888-18890) must be free; the
# other services listen on free loopback ports. Every process it starts is stopped when it ends.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD
CONNECTIONS=${CONNECTIONS:-16}
ENVIRONMENTS=${ENVIRONMENTS:-}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-20}
PROFILE=${PROFILE:-0}
CLIENT=${CLIENT:-wrk}
[[ $CLIENT == wrk || $CLIENT == hey ]] || { echo "error: CLIENT is wrk or hey" >&2; exit 1; }
RESULTS=$ROOT/bench/results/gateway-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"

APPHOST_PID=""
KESTREL_PID=""
CHILD_PID=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  alive "$CHILD_PID" && kill -TERM "$CHILD_PID" 2>/dev/null || true
  alive "$KESTREL_PID" && kill -TERM "$KESTREL_PID" 2>/dev/null || true
  if alive "$APPHOST_PID"; then
    say "stopping the AppHost"
    kill -TERM "$APPHOST_PID" 2>/dev/null || true
    for _ in $(seq 1 200); do alive "$APPHOST_PID" || break; sleep 0.1; done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    if [[ -z $(ss -Htln "sport = :$port") && " $* " != *" $port "* ]]; then echo "$port"; return; fi
  done
  return 1
}

if [[ $PROFILE == 1 ]]; then
  command -v perf >/dev/null || { echo "error: PROFILE=1 needs perf (apt-get install linux-perf)" >&2; exit 1; }
  # Every .NET process started from here on (AppHost, dashboard, functions) writes /tmp/perf-<pid>.map,
  # and keeps its JIT code in anonymous memory, where perf looks those names up.
  export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
fi

say "building (Release)"
dotnet_build "$RESULTS/build.log" -c Release AppHost/AppHost/AppHost.csproj

DYNAMO_PORT=$(free_port); GATEWAY_PORT=$(free_port "$DYNAMO_PORT"); LAMBDA_PORT=$(free_port "$DYNAMO_PORT" "$GATEWAY_PORT")
KESTREL_PORT=$(free_port "$DYNAMO_PORT" "$GATEWAY_PORT" "$LAMBDA_PORT")
say "starting the AppHost (DynamoDB Local in memory on $DYNAMO_PORT, gateway on $GATEWAY_PORT)"
setsid dotnet run -c Release --no-build --project AppHost/AppHost -- \
  --DynamoDb:InMemory=true --Ports:dynamodb="$DYNAMO_PORT" --Ports:api-gateway="$GATEWAY_PORT" \
  --Ports:lambda-emulator="$LAMBDA_PORT" ${ENVIRONMENTS:+--Lambda:MaxEnvironments=$ENVIRONMENTS} \
  >"$RESULTS/apphost.log" 2>&1 </dev/null &
APPHOST_PID=$!
for i in $(seq 1 240); do
  curl -fsS -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/health" 2>/dev/null && break
  alive "$APPHOST_PID" || { tail -30 "$RESULTS/apphost.log"; exit 1; }
  [[ $i == 240 ]] && { echo "error: the gateway did not answer within 120 s" >&2; exit 1; }
  sleep 0.5
done

# The same build on Kestrel, run as an Aspire project would be: the telemetry settings the AppHost
# gave its functions (OTLP endpoint and key, export intervals, exemplars) and the Development environment.
API_DIR=$ROOT/Functions/Leaderboard.Api/bin/Release/net10.0
ORCHESTRATED=$(pgrep -f "$API_DIR/Leaderboard.Api\$" | head -1)
mapfile -t PROJECT_SETTINGS < <(tr '\0' '\n' <"/proc/$ORCHESTRATED/environ" \
  | grep -E '^(OTEL_|ASPNETCORE_ENVIRONMENT=|DOTNET_ENVIRONMENT=)' | grep -vE '^OTEL_(SERVICE_NAME|RESOURCE_ATTRIBUTES)=')
(cd "$API_DIR" && exec env "${PROJECT_SETTINGS[@]}" AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNAMO_PORT" \
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 Leaderboard__TableName=leaderboard \
  Leaderboard__MatchSigningSecretId=match-signing-key \
  OTEL_SERVICE_NAME=leaderboard-api-kestrel ASPNETCORE_URLS="http://127.0.0.1:$KESTREL_PORT" \
  dotnet Leaderboard.Api.dll) >"$RESULTS/kestrel.log" 2>&1 &
KESTREL_PID=$!
printf '%s\n' "${PROJECT_SETTINGS[@]}" | sed 's/\(HEADERS=\).*/\1(the key)/' >"$RESULTS/kestrel-settings.txt"
for _ in $(seq 1 60); do curl -fsS -o /dev/null "http://127.0.0.1:$KESTREL_PORT/health" 2>/dev/null && break; sleep 0.5; done

APPHOST_EXE=$(pgrep -f "AppHost/bin/Release/net10.0/AppHost " | head -1)
ticks() { local sum=0 p; for p in "$@"; do [[ -r /proc/$p/stat ]] && sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$sum"; }
process_groups() { # the process ids of: apphost, lambda environments, kestrel, dynamodb, dashboard
  echo "$APPHOST_EXE"
  pgrep -f "$API_DIR/Leaderboard.Api(\.dll)?\$" | grep -vx "$KESTREL_PID" | tr '\n' ' '; echo
  echo "$KESTREL_PID"
  pgrep -f DynamoDBLocal.jar | head -1
  pgrep -f Aspire.Dashboard | head -1
}

load() { # PORT SECONDS: the client's report of GET /leaderboards/bench?limit=10 for SECONDS
  local url="http://127.0.0.1:$1/leaderboards/bench?limit=10"
  if [[ $CLIENT == wrk ]]; then
    run wrk -t2 -c"$CONNECTIONS" -d"$2s" --timeout 30s --latency "$url" 2>&1
  else
    run hey -z "$2s" -c "$CONNECTIONS" -t 30 -T application/json "$url" 2>&1
  fi
}

# From a client's report, on one line: requests answered, requests/s, p50, answers other than 2xx.
report() {
  if [[ $CLIENT == wrk ]]; then
    awk '/requests in/ {n = $1} /Requests\/sec/ {r = $2} $1 == "50%" {p = $2} /Non-2xx/ {e = $5} END {print n, r, p, e + 0}' "$1"
  else
    awk '/Requests\/sec:/ {r = $2} $1 == "50%" && $2 == "in" {p = sprintf("%.2fms", $3 * 1000)}
      /^ +\[[0-9]+\]/ {n += $2; if ($1 !~ /^\[2/) e += $2} END {print n + 0, r, p, e + 0}' "$1"
  fi
}

measure() { # NAME PORT
  local name=$1 port=$2 before=() after=() requests rate p50 errors i
  mapfile -t pids < <(process_groups)
  for i in 0 1 2 3 4; do before[i]=$(ticks ${pids[i]}); done
  load "$port" "$DURATION" >"$RESULTS/$name.txt"
  mapfile -t pids < <(process_groups)
  for i in 0 1 2 3 4; do after[i]=$(ticks ${pids[i]}); done
  read -r requests rate p50 errors < <(report "$RESULTS/$name.txt")
  printf '%s %s %s %s' "$name" "$rate" "$p50" "$errors"
  for i in 0 1 2 3 4; do printf ' %.2f' "$(echo "(${after[i]} - ${before[i]}) * 10 / $requests" | bc -l)"; done
  echo
}

say "warming both for ${WARMUP} s each ($CLIENT)"
load "$GATEWAY_PORT" "$WARMUP" >/dev/null
load "$KESTREL_PORT" "$WARMUP" >/dev/null
echo "# $CLIENT: run req/s p50 non-2xx | CPU ms per request: apphost lambda-environments kestrel dynamodb dashboard" >"$RESULTS/summary.txt"
for round in $(seq 1 "$ROUNDS"); do
  measure "gateway-$round" "$GATEWAY_PORT" | tee -a "$RESULTS/summary.txt"
  measure "kestrel-$round" "$KESTREL_PORT" | tee -a "$RESULTS/summary.txt"
done
profile() { # NAME PORT: CPU samples of the whole machine during one round, then a report per process
  local name=$1 port=$2
  ps -eo pid,args >"$RESULTS/$name.processes.txt"
  perf record -F 999 -a -g -o "$RESULTS/$name.perf" -- \
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s "http://127.0.0.1:$port/leaderboards/bench?limit=10" \
    >"$RESULTS/$name.txt" 2>"$RESULTS/$name.perf.log"
  perf script -F pid,tid,comm,ip,sym,dso -i "$RESULTS/$name.perf" 2>/dev/null >"$RESULTS/$name.script"
  python3 bench/perf_by_process.py "$RESULTS/$name.script" "$RESULTS/$name.processes.txt" >"$RESULTS/$name.profile.txt"
  say "profile of $name: $RESULTS/$name.profile.txt"
}
if [[ $PROFILE == 1 ]]; then
  profile gateway-profile "$GATEWAY_PORT"
  profile kestrel-profile "$KESTREL_PORT"
fi
say "median ratio (gateway / Kestrel requests/s):"
awk '/^gateway/ {g[n++] = $2} /^kestrel/ {k[m++] = $2} END {for (i = 0; i < n; i++) printf "%.2f\n", g[i] / k[i]}' "$RESULTS/summary.txt" \
  | sort -n | awk '{r[NR] = $1} END {print r[int((NR + 1) / 2)]}' | tee -a "$RESULTS/summary.txt"
say "results in $RESULTS"
