#!/usr/bin/env bash
# Foundation benchmark: the API as the AppHost serves it (API gateway emulator -> Lambda emulator ->
# the leaderboard-api function, DynamoDB Local in memory) against the ceiling of the same
# data-layer work sent straight to DynamoDB Local, at the same concurrency.
#
#   bench/foundation.sh                       # build, start, seed, measure, update bench/README.md
#   CONNECTIONS=16 DURATION=10 WARMUP=5 PLAYERS=2000 MATCHES=600 bench/foundation.sh
#
# Needs: the .NET SDK, Java 17+, wrk, hey, curl, openssl, GNU time (/usr/bin/time). Everything listens on
# loopback, on free ports; every process it starts is stopped when it ends, also on error or Ctrl+C.
# Raw results: bench/results/<run>/. See bench/README.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD

CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
QUIESCE=${QUIESCE:-30}   # longest wait for the stream processor's backlog before a measured phase
PLAYERS=${PLAYERS:-2000}
MATCHES=${MATCHES:-600}
BOARD=${BOARD:-hot}
UPDATE_README=${UPDATE_README:-1}

RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$ROOT/bench/results/$RUN_ID
mkdir -p "$RESULTS"
LOG=$RESULTS/apphost.log
BENCH_DLL=$ROOT/bench/LeaderboardBench/bin/Release/net10.0/LeaderboardBench.dll


for tool in dotnet java wrk hey curl ss setsid openssl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is not on PATH (see bench/README.md)" >&2; exit 1; }
done

# ---- process bookkeeping: everything started here is stopped by cleanup, by process id --------
APPHOST_PID=""   # `dotnet run` (own session via setsid; forwards SIGTERM to the AppHost)
APPHOST_EXE=""   # the AppHost process `dotnet run` started
DYNAMO_PID=""    # DynamoDB Local's java
CHILD_PID=""     # the build, load generator or tool currently running


wait_gone() { # PID TENTHS_OF_A_SECOND
  for _ in $(seq 1 "$2"); do alive "$1" || return 0; sleep 0.1; done
  ! alive "$1"
}

descendants() { # PID: its children, grandchildren, ...
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$child"; descendants "$child"; done
}

cleanup() {
  local status=$? pid leftovers=()
  trap - EXIT INT TERM
  if alive "$CHILD_PID"; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" 2>/dev/null || true
  fi
  if alive "$APPHOST_PID"; then
    # Everything the AppHost runs (DynamoDB Local, function environments, their watchdogs), to
    # check afterwards. The signal goes to `dotnet run` only: it forwards it to the AppHost, which
    # stops its resources in order. (A SIGTERM to the whole process group would also hit the
    # watchdog shells and orphan java and the functions; see bench/README.md.)
    if [[ -n $APPHOST_EXE ]]; then mapfile -t leftovers < <(descendants "$APPHOST_EXE"); fi
    say "stopping the AppHost (SIGTERM to dotnet run, pid $APPHOST_PID)"
    kill -TERM "$APPHOST_PID" 2>/dev/null || true
    if ! wait_gone "$APPHOST_PID" 200; then
      say "dotnet run did not stop within 20 s; killing it and the AppHost"
      kill -KILL "$APPHOST_PID" "$APPHOST_EXE" 2>/dev/null || true
    fi
    wait "$APPHOST_PID" 2>/dev/null || true
  fi
  for pid in "$APPHOST_EXE" "$DYNAMO_PID" "${leftovers[@]}"; do
    if [[ -n $pid ]] && ! wait_gone "$pid" 30; then
      say "process $pid ($(ps -o comm= -p "$pid" 2>/dev/null)) still running after the AppHost stopped; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


free_port() { # [PORTS TO AVOID...]
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768+)
    if [[ -z $(ss -Htln "sport = :$port") && " $* " != *" $port "* ]]; then echo "$port"; return; fi
  done
  echo "error: no free port found" >&2
  return 1
}

listener_pid() { ss -Htlnp "sport = :$1" | grep -o "pid=[0-9]*" | head -1 | cut -d= -f2 || true; }

# ---- 1. build and start ----------------------------------------------------------------------
say "building (Release)"
dotnet_build "$RESULTS/build.log" -c Release AppHost/AppHost/AppHost.csproj
dotnet_build "$RESULTS/build.log" -c Release bench/LeaderboardBench/LeaderboardBench.csproj

DYNAMO_PORT=$(free_port)
GATEWAY_PORT=$(free_port "$DYNAMO_PORT")
LAMBDA_PORT=$(free_port "$DYNAMO_PORT" "$GATEWAY_PORT")
API=http://127.0.0.1:$GATEWAY_PORT
DYNAMO=http://127.0.0.1:$DYNAMO_PORT

# One execution environment per connection, so the API is measured, not Lambda's throttling.
say "starting the AppHost: DynamoDB Local (in memory) on $DYNAMO_PORT, API gateway on $GATEWAY_PORT, Lambda emulator on $LAMBDA_PORT"
setsid env "$SIGNING_KEY_PARAMETER" dotnet run -c Release --no-build --project AppHost/AppHost -- \
  --DynamoDb:InMemory=true --Ports:dynamodb="$DYNAMO_PORT" --Ports:api-gateway="$GATEWAY_PORT" \
  --Ports:lambda-emulator="$LAMBDA_PORT" --Lambda:MaxEnvironments="$CONNECTIONS" \
  >"$LOG" 2>&1 </dev/null &
APPHOST_PID=$!

# The AppHost prints its resource table once every resource is healthy or has failed (it builds a
# function first when its output is older than its sources).
for i in $(seq 1 360); do
  if curl -fsS -o /dev/null "$API/health" 2>/dev/null; then break; fi
  if ! alive "$APPHOST_PID"; then
    echo "error: the AppHost exited before the API was healthy:" >&2; tail -30 "$LOG" >&2; exit 1
  fi
  if grep -q "FailedToStart" "$LOG"; then
    echo "error: a resource of the AppHost failed to start:" >&2; grep -v '^dynamodb ' "$LOG" | tail -30 >&2; exit 1
  fi
  if [[ $i == 360 ]]; then echo "error: $API/health did not answer within 180 s:" >&2; tail -30 "$LOG" >&2; exit 1; fi
  sleep 0.5
done
APPHOST_EXE=$(ps -o pid= --ppid "$APPHOST_PID" | head -1 | xargs || true)
DYNAMO_PID=$(listener_pid "$DYNAMO_PORT")
say "healthy: $API/health (AppHost ${APPHOST_EXE:-?}, DynamoDB Local ${DYNAMO_PID:-?})"

# POST /matches needs a token with matches:write; the gateway's local issuer mints one.
TOKEN=$(curl -fsS "$API/_auth/dev-token?scope=matches:write" | sed -n 's/.*"accessToken" *: *"\([^"]*\)".*/\1/p')
[[ -n $TOKEN ]] || { echo "error: no development token from $API/_auth/dev-token" >&2; exit 1; }

export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
bench_tool() { run dotnet "$BENCH_DLL" "$@"; }

# CPU accounting, read by LeaderboardBench report (its CpuUsage writes the same line):
# "machineBusyTicks machineTotalTicks dynamoDbTicks appHostTicks pid:ticks ...", listing after the
# AppHost itself every process under it except DynamoDB Local (function environments, processor).
cpu_snapshot() {
  local f line rest pid p functions="" fields=()
  local -A parent=() ticks=()
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    pid=${line%% *}
    rest=${line##*) }
    read -r -a fields <<<"$rest"
    parent[$pid]=${fields[1]}
    ticks[$pid]=$((fields[11] + fields[12]))
  done
  for pid in "${!ticks[@]}"; do
    [[ $pid != "$APPHOST_EXE" ]] || continue
    p=$pid
    while [[ -n $p && $p -gt 1 && $p != "$DYNAMO_PID" && $p != "$APPHOST_EXE" ]]; do p=${parent[$p]:-}; done
    if [[ $p == "$APPHOST_EXE" ]]; then functions+=" $pid:${ticks[$pid]}"; fi
  done
  echo "$(awk '/^cpu / {t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t}' /proc/stat)" \
    "${ticks[${DYNAMO_PID:-0}]:-0} ${ticks[${APPHOST_EXE:-0}]:-0}$functions"
}

# Waits until DynamoDB Local is idle (under 10 % of a core for a second), at most QUIESCE seconds:
# the stream processor aggregates every accepted match in the background.
quiesce() {
  local last now idle=0 started=$SECONDS
  if ! alive "$DYNAMO_PID"; then say "warning: DynamoDB Local's process is unknown; not waiting for it"; return; fi
  last=$(awk '{print $14 + $15}' "/proc/$DYNAMO_PID/stat")
  while ((SECONDS - started < QUIESCE)); do
    sleep 0.5
    now=$(awk '{print $14 + $15}' "/proc/$DYNAMO_PID/stat")
    if ((now - last < 5)); then idle=$((idle + 1)); else idle=0; fi
    last=$now
    if ((idle >= 2)); then say "DynamoDB Local idle after $((SECONDS - started)) s"; return; fi
  done
  say "warning: DynamoDB Local still busy after $QUIESCE s (stream processor backlog); measuring anyway"
}

# ---- 2. seed ---------------------------------------------------------------------------------
PLAYERS_FILE=$RESULTS/players.txt
say "seeding $PLAYERS players and $MATCHES matches on board '$BOARD'"
bench_tool seed --api="$API" --token="$TOKEN" --dynamodb="$DYNAMO" --board="$BOARD" --players="$PLAYERS" \
  --matches="$MATCHES" --players-file="$PLAYERS_FILE"
quiesce

# ---- 3 + 4. measure: each operation through the API, and its ceiling (SDK) ------------------
# The gateway emulator discards the Lambda environment behind a request whose client hangs up (see
# bench/README.md), and wrk hangs up on the requests in flight when its time is up. So everything
# that precedes a measured run uses hey, which lets those requests finish: the warm-ups and the
# top-10 run (a fixed URL). POST /matches needs a fresh matchId per request, which only wrk's Lua
# can do; it runs last against the API, and its timeout is above the function's (15 s), so it never
# abandons a request mid-run.

# Lambda cold starts of the API function so far (REPORT lines with an init duration).
cold_starts() { grep -c 'leaderboard-api .*REPORT RequestId.*Init Duration' "$LOG" || true; }

# measure_api NAME TOOL ARGS...: one measured run with TOOL (hey or wrk); NAME.json in
# LeaderboardBench's Measurement shape, CPU ticks in NAME.cpu, cold starts in NAME.coldstarts.
measure_api() {
  local name=$1 tool=$2 before cpu
  shift 2
  before=$(cold_starts)
  cpu_snapshot >"$RESULTS/$name.cpu"
  if [[ $tool == hey ]]; then
    run /usr/bin/time -f '%U %S' -o "$RESULTS/$name.time" \
      hey -z "${DURATION}s" -c "$CONNECTIONS" -t 30 -o csv "$@" >"$RESULTS/$name.csv" 2>"$RESULTS/$name.txt"
    cpu_snapshot >>"$RESULTS/$name.cpu"
    cpu=$(awk '{print $1 + $2}' "$RESULTS/$name.time")
    bench_tool from-hey --csv="$RESULTS/$name.csv" --out="$RESULTS/$name.json" --cpu-seconds="$cpu"
  else
    run wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s --latency "$@" >"$RESULTS/$name.txt" 2>&1
    cpu_snapshot >>"$RESULTS/$name.cpu"
    grep '^{' "$RESULTS/$name.txt" | tail -1 >"$RESULTS/$name.json"
  fi
  echo $(($(cold_starts) - before)) >"$RESULTS/$name.coldstarts"
  say "$name ($tool): $(cat "$RESULTS/$name.json"), $(cat "$RESULTS/$name.coldstarts") cold starts"
}

warm_up() { # NAME hey options...
  local name=$1
  shift
  run hey -z "${WARMUP}s" -c "$CONNECTIONS" -t 30 "$@" >"$RESULTS/$name.warmup.txt" 2>&1 || say "warning: the warm-up failed"
  say "$name warm-up (hey): $(grep -m1 'Requests/sec' "$RESULTS/$name.warmup.txt" | xargs)"
}

ceiling() { # OP [--quiesce=SECONDS]
  bench_tool ceiling --dynamodb="$DYNAMO" --ops="$1" --board="$BOARD" --players-file="$PLAYERS_FILE" \
    --connections="$CONNECTIONS" --warmup="$WARMUP" --duration="$DURATION" --out-dir="$RESULTS" \
    --dynamodb-pid="${DYNAMO_PID:-0}" --apphost-pid="${APPHOST_EXE:-0}" "${@:2}"
}

TOP10_URL="$API/leaderboards/$BOARD?limit=10"
say "GET /leaderboards/$BOARD?limit=10 through the API (hey, $CONNECTIONS connections)"
warm_up api-top10 "$TOP10_URL"
measure_api api-top10 hey "$TOP10_URL"
say "the same query straight to DynamoDB Local (StandingsRepository.GetTopAsync, $CONNECTIONS workers)"
ceiling top10

say "POST /matches through the API (wrk, $THREADS threads, $CONNECTIONS connections)"
# The warm-up resubmits one match (answered 200 after the first 202), which leaves the stream
# processor no work; the measured run submits a new match every request.
mapfile -t lineup < <(head -4 "$PLAYERS_FILE")
warm_match="{\"matchId\":\"warm-$RUN_ID\",\"boardId\":\"$BOARD\",\"results\":[{\"playerId\":\"${lineup[0]}\",\"score\":90,\"outcome\":\"win\"},{\"playerId\":\"${lineup[1]}\",\"score\":60,\"outcome\":\"loss\"},{\"playerId\":\"${lineup[2]}\",\"score\":30,\"outcome\":\"loss\"},{\"playerId\":\"${lineup[3]}\",\"score\":10,\"outcome\":\"loss\"}]}"
warm_up api-match -m POST -T application/json -H "Authorization: Bearer $TOKEN" \
  -H "X-Leaderboard-Signature: $(match_signature "$warm_match")" -d "$warm_match" "$API/matches"
# submit_match.lua signs each body with LEADERBOARD_SIGNING_KEY (bench/lib.sh).
measure_api api-match wrk -s bench/wrk/submit_match.lua -H "Authorization: Bearer $TOKEN" "$API" -- "$PLAYERS_FILE" "$BOARD" "$RUN_ID"
say "the same writes straight to DynamoDB Local (PlayerRepository.GetManyAsync + MatchRepository.AddAsync)"
# Its warm-up also resubmits; then it waits for the processor to finish the API run's matches.
ceiling match --quiesce="$QUIESCE"

# ---- 5. report -------------------------------------------------------------------------------
first_line() { { "$@" 2>&1 || true; } | head -1; }
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || true)
MEMORY_GB=$(awk '/^MemTotal:/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)
MACHINE="$(nproc) cores (${CPU:-unknown CPU}), $MEMORY_GB GB RAM, Linux $(uname -r | cut -d- -f1), shared with the load generator"
RUNTIME=".NET SDK $(dotnet --version), Java $(first_line java -version | cut -d'"' -f2), wrk $(first_line wrk --version | awk '{print $2}')"
DESCRIPTION="Run \`$RUN_ID\` on $(date -u +%F): $MACHINE; $RUNTIME. Board \`$BOARD\` seeded with $PLAYERS players / $MATCHES matches \
(4 players each). Through the API gateway: $CONNECTIONS connections (hey for the top 10, wrk with $THREADS threads for matches), \
$CONNECTIONS Lambda environments allowed; ceiling: $CONNECTIONS SDK workers. ${WARMUP} s warm-up + ${DURATION} s measured per phase."
readme_args=()
[[ $UPDATE_README == 1 ]] || readme_args=(--readme="$RESULTS/no-readme.md")
bench_tool report --results="$RESULTS" --run="$DESCRIPTION" "${readme_args[@]}"
say "done; raw results in ${RESULTS#"$ROOT"/}"
