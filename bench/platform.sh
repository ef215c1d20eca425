#!/usr/bin/env bash
# Platform benchmark: what the local Lambda / API Gateway / stream platform costs, each figure against
# a baseline measured in the same run.
#
#   bench/platform.sh                       # everything (about 10 minutes on 2 cores), updates bench/README.md
#   PHASES="coldstart warm" bench/platform.sh
#   BLOCKS=off PHASES="warm gateway" bench/platform.sh
#
# Phases (PHASES, in this order):
#   coldstart  leaderboard-api cold start (process start → first invocation complete), median of
#              COLD_RUNS, for COLD_VARIANTS: jit (the build output the AppHost runs), r2r (ReadyToRun),
#              r2r-rdg (+ the minimal-API Request Delegate Generator), r2r-sc (ReadyToRun, self-contained),
#              r2r-sc-trim (the same, trimmed), r2r-sc-comp-rdg (self-contained composite ReadyToRun + RDG);
#              also r2r-prod (Production environment), jit-nopgo, r2r-nopgo (DOTNET_TieredPGO=0),
#              jit-invariant, r2r-sc-comp-rdg-invariant (DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1: no ICU),
#              jit-spin (idle thread-pool workers spin, the runtime's default, which the functions turn off)
#   warm       a GET /health event through the Invoke API vs Kestrel serving /health directly:
#              p50 at 1 connection, throughput at 2 connections (= 2 execution environments)
#   gateway    GET /leaderboards/{id} through the API Gateway emulator vs Kestrel direct, GW_CONNECTIONS each
#   stream     stream lag (202 → applied to the board) while posting STREAM_RATE (and STREAM_LOW_RATE) matches/s
#   spin       two AppHosts at once (telemetry off), one with DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
#              (which its functions inherit): the Invoke API at 2 connections, alternately A B A B
#   apphost    AppHost start → every resource healthy, and SIGTERM → every process gone, APPHOST_RUNS each
#
# warm, gateway and stream run against an AppHost (and the API as a plain Kestrel app on the same
# DynamoDB Local), once per configuration in BLOCKS:
#   off      OTEL_SDK_DISABLED=true for the AppHost and the functions it starts: the platform alone
#   shipped  as `dotnet run` starts it: functions export OTLP to the dashboard, flushed every invocation
#            (SHIPPED_PHASES)
#
# Needs: the .NET SDK, Java 17+, wrk, hey, curl, jq, bc, ss, setsid. Everything listens on loopback on free ports;
# every process it starts is stopped when it ends, also on error or Ctrl+C. Raw results go to
# bench/results/platform-<run>/ (git-ignored); ReadyToRun publishes are cached in bench/results/publish/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD

PHASES=${PHASES:-coldstart warm gateway stream spin apphost}
COLD_RUNS=${COLD_RUNS:-10}
COLD_VARIANTS=${COLD_VARIANTS:-jit r2r r2r-rdg r2r-sc r2r-sc-trim r2r-sc-comp-rdg}
WARMUP=${WARMUP:-2}
DURATION=${DURATION:-8}
GW_CONNECTIONS=${GW_CONNECTIONS:-8}
GW_WARMUP=${GW_WARMUP:-16} # the gateway's 8 environments each JIT and tier up on their own: ~15 s of traffic
STREAM_RATE=${STREAM_RATE:-200}
STREAM_SECONDS=${STREAM_SECONDS:-10}
STREAM_WARMUP=${STREAM_WARMUP:-5}
STREAM_PER_MATCH=${STREAM_PER_MATCH:-4}
STREAM_LOW_RATE=${STREAM_LOW_RATE:-50} # a second, lower rate: the lag when the machine is not saturated ("" to skip)
APPHOST_RUNS=${APPHOST_RUNS:-5}         # `dotnet run --project AppHost/AppHost`
APPHOST_EXE_RUNS=${APPHOST_EXE_RUNS:-3} # runs that end with kill -9 of the AppHost's process group
BLOCKS=${BLOCKS:-off shipped}                # AppHost configurations for warm/gateway/stream (see below)
SHIPPED_PHASES=${SHIPPED_PHASES:-warm stream} # what the as-shipped configuration measures (add gateway)
UPDATE_README=${UPDATE_README:-1}

RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$ROOT/bench/results/platform-$RUN_ID
PUBLISH=$ROOT/bench/results/publish
mkdir -p "$RESULTS" "$PUBLISH"
TOOL=$ROOT/bench/PlatformBench/bin/Release/net10.0/PlatformBench.dll
API_DIR=$ROOT/Functions/Leaderboard.Api/bin/Release/net10.0
APPHOST_DLL=$ROOT/AppHost/AppHost/bin/Release/net10.0/AppHost.dll
EVENT=$ROOT/bench/platform/health-event.json
LUA=$ROOT/bench/platform/load.lua

has_phase() { [[ " $PHASES " == *" $1 "* ]]; }

for tool in dotnet java wrk hey curl jq ss setsid bc; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is not on PATH (see bench/README.md)" >&2; exit 1; }
done

# ---- process bookkeeping: everything started here is stopped by cleanup, by process id ----------
APPHOST_PID="" # the AppHost of the warm/gateway/stream phases (own session; SIGTERM stops its children)
DIRECT_PID=""  # Leaderboard.Api as a plain Kestrel app
CHILD_PID=""   # the build, load generator or tool running now

wait_gone() { # PID TENTHS
  for _ in $(seq 1 "$2"); do alive "$1" || return 0; sleep 0.1; done
  ! alive "$1"
}
stop_pid() { # PID: SIGTERM, 15 s, then SIGKILL (the AppHost's watchdogs then stop its children)
  local pid=$1
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" 150; then
    say "process $pid did not stop within 15 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if alive "$CHILD_PID"; then kill -TERM "$CHILD_PID" 2>/dev/null || true; wait "$CHILD_PID" 2>/dev/null || true; fi
  stop_pid "$DIRECT_PID"
  stop_pid "$APPHOST_PID"
  stop_pid "${SPIN_PID:-}"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


port_free() { [[ -z $(ss -Htln "sport = :$1") ]]; }
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    if port_free "$port" && [[ " ${TAKEN:-} " != *" $port "* ]]; then TAKEN="${TAKEN:-} $port"; echo "$port"; return; fi
  done
  echo "error: no free port found" >&2
  return 1
}

# CPU accounting (ticks of 10 ms from /proc): "machineBusy machineTotal appHost apiFunctions processorFunctions dynamoDb kestrelDirect".
proc_ticks() { if [[ -r /proc/$1/stat ]]; then sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; else echo 0; fi; }
cpu_snapshot() {
  local machine apphost=0 api=0 processor=0 dynamodb=0 direct=0 pid args
  machine=$(awk '/^cpu / {t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t}' /proc/stat)
  if alive "$APPHOST_PID"; then
    apphost=$(proc_ticks "$APPHOST_PID")
    for pid in $(ps -e -o pid=,ppid= | awk -v root="$APPHOST_PID" '
        { parent[$1] = $2; order[NR] = $1 }
        END { keep[root] = 1; changed = 1
              while (changed) { changed = 0; for (i in order) { p = order[i]; if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } } }
              for (p in keep) if (p != root) print p }'); do
      [[ $(cat "/proc/$pid/comm" 2>/dev/null) == sh ]] && continue
      args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
      case $args in
        *Leaderboard.Api.dll*) api=$((api + $(proc_ticks "$pid"))) ;;
        *Leaderboard.Processor.dll*) processor=$((processor + $(proc_ticks "$pid"))) ;;
        *DynamoDBLocal.jar*) dynamodb=$((dynamodb + $(proc_ticks "$pid"))) ;;
      esac
    done
  fi
  alive "$DIRECT_PID" && direct=$(proc_ticks "$DIRECT_PID")
  echo "$machine $apphost $api $processor $dynamodb $direct"
}

# Adds connections, the machine's busy share and the CPU per request of each part to a phase's JSON line.
CPU_FIELDS='
  ($before | split(" ") | map(tonumber)) as $b | ($after | split(" ") | map(tonumber)) as $a
  | (if .requests > 0 then .requests else 1 end) as $n
  | . + {connections: $c,
         machineBusyPct: ((($a[0] - $b[0]) * 100 / ($a[1] - $b[1])) | round),
         cpuMsPerRequest: {appHost: (($a[2] - $b[2]) * 10 / $n), apiFunctions: (($a[3] - $b[3]) * 10 / $n),
                           processorFunctions: (($a[4] - $b[4]) * 10 / $n), dynamoDb: (($a[5] - $b[5]) * 10 / $n),
                           kestrelDirect: (($a[6] - $b[6]) * 10 / $n)}}'

# wrk_phase NAME URL CONNECTIONS WARMUP [LUA ARGS...]: a warm-up, then DURATION s measured; writes NAME.json.
# A pause follows every wrk run: requests wrk abandons when it stops keep their execution environment
# busy until they complete, and the next run would otherwise start extra environments (or be throttled).
wrk_phase() {
  local name=$1 url=$2 connections=$3 warmup=$4 threads=1
  shift 4
  ((connections > 1)) && threads=2
  if ((warmup > 0)); then
    run wrk -t"$threads" -c"$connections" -d"${warmup}s" --timeout 5s -s "$LUA" "$url" -- "$@" >"$RESULTS/$name.warmup.txt" 2>&1
    sleep 1
  fi
  local before after
  before=$(cpu_snapshot)
  run wrk -t"$threads" -c"$connections" -d"${DURATION}s" --timeout 5s --latency -s "$LUA" "$url" -- "$@" >"$RESULTS/$name.txt" 2>&1
  after=$(cpu_snapshot)
  sleep 1
  grep '^{' "$RESULTS/$name.txt" | tail -1 | jq -c --argjson c "$connections" --arg before "$before" --arg after "$after" "$CPU_FIELDS" >"$RESULTS/$name.json"
  say "$name: $(cat "$RESULTS/$name.json")"
}

# hey_phase NAME URL CONNECTIONS WARMUP [invoke]: like wrk_phase, with hey, whose per-request times
# (-o csv) give the latency every request really had. (wrk corrects its percentiles for coordinated
# omission: each slow response adds synthetic samples, so one 1 s stall at 1 connection becomes
# hundreds of samples; its percentiles are not what a closed-loop client sees.) An invoke phase posts
# the event; its HTTP status is checked (the function's own status is checked by the wrk phases).
hey_phase() {
  local name=$1 url=$2 connections=$3 warmup=$4 mode=${5:-get}
  local body=()
  [[ $mode == invoke ]] && body=(-m POST -D "$EVENT" -T application/json)
  if ((warmup > 0)); then
    run hey -z "${warmup}s" -c "$connections" -t 5 "${body[@]}" "$url" >"$RESULTS/$name.warmup.txt" 2>&1
    sleep 1
  fi
  local before after
  before=$(cpu_snapshot)
  run hey -z "${DURATION}s" -c "$connections" -t 5 -o csv "${body[@]}" "$url" >"$RESULTS/$name.csv" 2>"$RESULTS/$name.txt"
  after=$(cpu_snapshot)
  sleep 1
  # CSV: response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset (seconds).
  tail -n +2 "$RESULTS/$name.csv" | awk -F, '{ print $1 * 1000, $7, $8 + $1 }' | sort -g -k1,1 | awk '
    { t[NR] = $1; if ($2 != 200) errors++; if ($3 > end) end = $3 }
    function pct(p) { i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; return t[i] }
    END { printf "{\"requests\":%d,\"errors\":%d,\"seconds\":%.3f,\"rps\":%.1f,\"p50Ms\":%.3f,\"p90Ms\":%.3f,\"p99Ms\":%.3f,\"client\":\"hey\"}\n",
                NR, errors, end, NR / end, pct(50), pct(90), pct(99) }' >"$RESULTS/$name.stats"
  jq -c --argjson c "$connections" --arg before "$before" --arg after "$after" "$CPU_FIELDS" "$RESULTS/$name.stats" >"$RESULTS/$name.json"
  rm -f "$RESULTS/$name.stats"
  say "$name: $(cat "$RESULTS/$name.json")"
}

# ---- builds --------------------------------------------------------------------------------------
say "building the AppHost (with the functions) and bench/PlatformBench (Release)"
dotnet_build "$RESULTS/build.log" -c Release AppHost/AppHost/AppHost.csproj
dotnet_build "$RESULTS/build.log" -c Release bench/PlatformBench/PlatformBench.csproj

# Newest source of the API and the libraries it builds from: a publish older than this is redone.
api_sources_stamp() {
  find Functions ServiceDefaults Directory.Build.props Directory.Packages.props \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' \) \
    -not -path '*/bin/*' -not -path '*/obj/*' -printf '%T@\n' | sort -n | tail -1
}

# publish VARIANT ARGS...: Leaderboard.Api published into bench/results/publish/VARIANT (cached).
publish() {
  local variant=$1
  shift
  local out=$PUBLISH/$variant stamp
  stamp="$(api_sources_stamp) $*"
  if [[ -f $out/.stamp && $(cat "$out/.stamp") == "$stamp" ]]; then return 0; fi
  rm -rf "$out" "$PUBLISH/artifacts-$variant"
  say "publishing leaderboard-api ($variant)"
  if run dotnet publish Functions/Leaderboard.Api/Leaderboard.Api.csproj -c Release -r linux-x64 -nologo -v quiet \
      --artifacts-path "$PUBLISH/artifacts-$variant" -o "$out" -p:PublishDocumentationFiles=false "$@" >"$PUBLISH/$variant.log" 2>&1; then
    echo "$stamp" >"$out/.stamp"
    rm -rf "$PUBLISH/artifacts-$variant" # intermediate files: hundreds of MB for the self-contained variants
  else
    return 1
  fi
}

# ---- 1. cold start -------------------------------------------------------------------------------
if has_phase coldstart; then
  cold_args=() cold_variants=()
  for variant in $COLD_VARIANTS; do
    command=dotnet target=""
    case $variant in
      jit) target=$API_DIR/Leaderboard.Api.dll ;;
      jit-nopgo) target=$API_DIR/Leaderboard.Api.dll; cold_args+=("--env-$variant=DOTNET_TieredPGO=0") ;;
      jit-invariant) target=$API_DIR/Leaderboard.Api.dll; cold_args+=("--env-$variant=DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1") ;;
      jit-spin) target=$API_DIR/Leaderboard.Api.dll; cold_args+=("--env-$variant=DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=70") ;;
      r2r) publish r2r --self-contained false -p:PublishReadyToRun=true || true
           target=$PUBLISH/r2r/Leaderboard.Api.dll ;;
      r2r-nopgo) publish r2r --self-contained false -p:PublishReadyToRun=true || true
                 target=$PUBLISH/r2r/Leaderboard.Api.dll; cold_args+=("--env-$variant=DOTNET_TieredPGO=0") ;;
      r2r-rdg) publish r2r-rdg --self-contained false -p:PublishReadyToRun=true -p:EnableRequestDelegateGenerator=true || true
               target=$PUBLISH/r2r-rdg/Leaderboard.Api.dll ;;
      r2r-sc) publish r2r-sc --self-contained true -p:PublishReadyToRun=true || true
              command=$PUBLISH/r2r-sc/Leaderboard.Api ;;
      r2r-sc-comp-rdg) publish r2r-sc-comp-rdg --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true \
                         -p:EnableRequestDelegateGenerator=true || true
                       command=$PUBLISH/r2r-sc-comp-rdg/Leaderboard.Api ;;
      r2r-sc-comp-rdg-invariant) publish r2r-sc-comp-rdg --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true \
                                   -p:EnableRequestDelegateGenerator=true || true
                                 command=$PUBLISH/r2r-sc-comp-rdg/Leaderboard.Api; cold_args+=("--env-$variant=DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1") ;;
      r2r-prod) publish r2r --self-contained false -p:PublishReadyToRun=true || true
                target=$PUBLISH/r2r/Leaderboard.Api.dll; cold_args+=("--env-$variant=DOTNET_ENVIRONMENT=Production,ASPNETCORE_ENVIRONMENT=Production") ;;
      # Trimming: only the assemblies that declare themselves trimmable (the framework's), reflection-based
      # JSON kept (the API's minimal-API bindings use it); its trim warnings are not errors here.
      r2r-sc-trim) publish r2r-sc-trim --self-contained true -p:PublishReadyToRun=true -p:PublishTrimmed=true -p:TrimMode=partial \
                     -p:JsonSerializerIsReflectionEnabledByDefault=true -p:TreatWarningsAsErrors=false || true
                   command=$PUBLISH/r2r-sc-trim/Leaderboard.Api ;;
      *) echo "error: unknown cold-start variant '$variant'" >&2; exit 1 ;;
    esac
    if [[ ! -e ${target:-$command} ]]; then
      log=$PUBLISH/${variant%-nopgo}.log
      reason=$(grep -m1 -oE 'error [A-Z]+[0-9]+:[^[]*' "$log" 2>/dev/null | head -c 300 || true)
      echo "${reason:-the publish failed, see bench/results/publish/${variant%-nopgo}.log}" >"$RESULTS/coldstart-$variant.skipped"
      say "cold start $variant: skipped ($(cat "$RESULTS/coldstart-$variant.skipped"))"
      continue
    fi
    cold_variants+=("$variant")
    cold_args+=("--command-$variant=$command")
    [[ -n $target ]] && cold_args+=("--args-$variant=$target")
  done
  if ((${#cold_variants[@]} > 0)); then
    say "cold start of leaderboard-api: ${cold_variants[*]}, round-robin, 1 warm-up + $COLD_RUNS runs each"
    run dotnet "$TOOL" coldstart --variants="$(IFS=,; echo "${cold_variants[*]}")" "${cold_args[@]}" --event="$EVENT" \
      --runs="$COLD_RUNS" --out-dir="$RESULTS" > >(tee "$RESULTS/coldstart.txt") || true
  fi
fi

# ---- 2-4. an AppHost, plus the API as a plain Kestrel app on the same DynamoDB Local ---------------
# Two configurations, one after the other:
#   off    (suffix "")      OTEL_SDK_DISABLED=true in the AppHost's environment, which its function
#                           processes inherit: the platform itself (emulators, runtime client, bridge)
#   shipped (suffix "-otel") as `dotnet run` starts it: every function exports OTLP to the dashboard and
#                           flushes traces, metrics and logs at the end of every invocation
# The Kestrel baseline runs without an OTLP endpoint in both (as a service would batch-export instead).
start_apphost() { # SUFFIX [ENV=VALUE...]: the AppHost with these variables (its functions inherit them)
  local suffix=$1
  shift
  DIRECT_ENV=(X_BENCH=1) # what the Kestrel baseline gets of them: runtime knobs, not the telemetry switch
  local variable
  for variable in "$@"; do
    if [[ $variable == DOTNET_* ]]; then DIRECT_ENV+=("$variable"); fi
  done
  DYNAMO_PORT=$(free_port); GATEWAY_PORT=$(free_port); LAMBDA_PORT=$(free_port); DIRECT_PORT=$(free_port)
  DYNAMO=http://127.0.0.1:$DYNAMO_PORT GATEWAY=http://127.0.0.1:$GATEWAY_PORT
  LAMBDA=http://127.0.0.1:$LAMBDA_PORT DIRECT=http://127.0.0.1:$DIRECT_PORT
  INVOKE=$LAMBDA/2015-03-31/functions/leaderboard-api/invocations
  local log=$RESULTS/apphost$suffix.log
  say "starting the AppHost${*:+ with $*}: DynamoDB Local $DYNAMO_PORT, gateway $GATEWAY_PORT, Invoke API $LAMBDA_PORT"
  # The Aspire dashboard and its OTLP endpoints on free ports (what the launch profile gives `dotnet run`).
  env "$@" "$SIGNING_KEY_PARAMETER" ASPNETCORE_URLS=http://127.0.0.1:$(free_port) ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
    ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:$(free_port) ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:$(free_port) \
    setsid dotnet "$APPHOST_DLL" --DynamoDb:InMemory=true --Ports:dynamodb="$DYNAMO_PORT" \
    --Ports:api-gateway="$GATEWAY_PORT" --Ports:lambda-emulator="$LAMBDA_PORT" \
    >"$log" 2>&1 </dev/null &
  APPHOST_PID=$!
  local started=$SECONDS
  for i in $(seq 1 240); do
    # The gateway starts last (it waits for its functions): a /health through it means every resource runs.
    curl -fsS -o /dev/null "$GATEWAY/health" 2>/dev/null && break
    alive "$APPHOST_PID" || { echo "error: the AppHost exited:" >&2; tail -30 "$log" >&2; exit 1; }
    [[ $i == 240 ]] && { echo "error: the AppHost was not healthy within 120 s:" >&2; tail -30 "$log" >&2; exit 1; }
    sleep 0.5
  done
  say "every resource runs after $((SECONDS - started)) s"

  say "starting leaderboard-api as a plain Kestrel app on $DIRECT_PORT (same build, same DynamoDB Local)"
  # It serves reads only, so the secret id it needs to start is never read (no extension runs beside it).
  env "${DIRECT_ENV[@]}" ASPNETCORE_URLS=$DIRECT AWS_ENDPOINT_URL_DYNAMODB=$DYNAMO Leaderboard__TableName=leaderboard \
    Leaderboard__MatchSigningSecretId=match-signing-key AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 \
    DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
    dotnet "$API_DIR/Leaderboard.Api.dll" >"$RESULTS/direct$suffix.log" 2>&1 </dev/null &
  DIRECT_PID=$!
  for i in $(seq 1 120); do
    curl -fsS -o /dev/null "$DIRECT/health" 2>/dev/null && break
    alive "$DIRECT_PID" || { echo "error: the Kestrel API exited:" >&2; tail -30 "$RESULTS/direct$suffix.log" >&2; exit 1; }
    [[ $i == 120 ]] && { echo "error: the Kestrel API did not answer /health:" >&2; exit 1; }
    sleep 0.5
  done
}

stop_apphost() {
  say "stopping the Kestrel API and the AppHost"
  stop_pid "$DIRECT_PID"; DIRECT_PID=""
  stop_pid "$APPHOST_PID"; APPHOST_PID=""
}

measure_block() { # SUFFIX PHASES...: the warm, gateway and stream phases against the running AppHost
  local suffix=$1
  shift
  local phases=" $* "
  if has_phase warm && [[ $phases == *" warm "* ]]; then
    say "warm Lambda path$suffix: GET /health, Kestrel direct vs the Invoke API (1 connection, then 2)"
    hey_phase "warm-kestrel-c1$suffix" "$DIRECT/health" 1 "$WARMUP"
    hey_phase "warm-invoke-c1$suffix" "$INVOKE" 1 "$WARMUP" invoke
    wrk_phase "warm-kestrel-c2$suffix" "$DIRECT/health" 2 "$WARMUP"
    wrk_phase "warm-invoke-c2$suffix" "$INVOKE" 2 $((WARMUP + 2)) invoke "$EVENT" # + the second environment's cold start
  fi
  if has_phase gateway && [[ $phases == *" gateway "* ]]; then
    say "seeding board 'bench' through the gateway"
    run dotnet "$TOOL" seed --gateway="$GATEWAY/" --dynamodb="$DYNAMO" --board=bench --players=200 --matches=100
    say "GET /leaderboards/bench?limit=10$suffix: Kestrel direct vs the gateway, $GW_CONNECTIONS connections"
    hey_phase "gw-kestrel$suffix" "$DIRECT/leaderboards/bench?limit=10" "$GW_CONNECTIONS" 6
    # Start the gateway's execution environments first, so the warm-up warms them rather than starting them.
    run wrk -t2 -c"$GW_CONNECTIONS" -d4s -s "$LUA" "$GATEWAY/health" >"$RESULTS/gw-environments$suffix.txt" 2>&1
    sleep 1
    hey_phase "gw-gateway$suffix" "$GATEWAY/leaderboards/bench?limit=10" "$GW_CONNECTIONS" "$GW_WARMUP"
  fi
  if has_phase stream && [[ $phases == *" stream "* ]]; then
    local rate
    for rate in $STREAM_RATE ${STREAM_LOW_RATE:-}; do
      [[ $rate == "$STREAM_RATE" ]] && name=stream-lag$suffix || name=stream-lag-$rate$suffix
      say "stream lag$suffix: $rate matches/s for $STREAM_SECONDS s through the gateway"
      local before after started
      before=$(cpu_snapshot); started=$(date +%s.%N)
      run dotnet "$TOOL" stream-lag --gateway="$GATEWAY/" --dynamodb="$DYNAMO" --rate="$rate" --duration="$STREAM_SECONDS" --warmup="$STREAM_WARMUP" \
        --per-match="$STREAM_PER_MATCH" --board="stream$rate" --out="$RESULTS/$name.json" > >(tee "$RESULTS/$name.txt") || true
      after=$(cpu_snapshot)
      # CPU of each part over the whole run (seeding, warm-up, the measured rate, the drain), in % of one core.
      if [[ -f $RESULTS/$name.json ]]; then
        jq -c --arg before "$before" --arg after "$after" --argjson wall "$(echo "$(date +%s.%N) - $started" | bc)" '
          ($before | split(" ") | map(tonumber)) as $b | ($after | split(" ") | map(tonumber)) as $a
          | . + {cpuPct: {machineBusy: ((($a[0] - $b[0]) * 100 / ($a[1] - $b[1])) | round),
                          appHost: (($a[2] - $b[2]) / $wall | round), apiFunctions: (($a[3] - $b[3]) / $wall | round),
                          processorFunctions: (($a[4] - $b[4]) / $wall | round), dynamoDb: (($a[5] - $b[5]) / $wall | round)}}' \
          "$RESULTS/$name.json" >"$RESULTS/$name.tmp" && mv "$RESULTS/$name.tmp" "$RESULTS/$name.json"
      fi
    done
  fi
}

if has_phase warm || has_phase gateway || has_phase stream; then
  for block in $BLOCKS; do
    case $block in
      off) start_apphost "" OTEL_SDK_DISABLED=true; measure_block "" warm gateway stream ;;
      shipped) start_apphost -otel; measure_block -otel $SHIPPED_PHASES ;;
      *) echo "error: unknown block '$block'" >&2; exit 1 ;;
    esac
    stop_apphost
  done
fi

# ---- thread-pool spinning: the same AppHost with and without it, side by side ---------------------
if has_phase spin; then
  SPIN_PID="" # the second AppHost (cleanup stops it too)
  start_apphost -spin-default OTEL_SDK_DISABLED=true
  stop_pid "$DIRECT_PID"; DIRECT_PID=""
  SPIN_PID=$APPHOST_PID DEFAULT_INVOKE=$INVOKE
  APPHOST_PID=""
  start_apphost -spin-off OTEL_SDK_DISABLED=true DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
  stop_pid "$DIRECT_PID"; DIRECT_PID=""
  for round in 1 2; do
    APPHOST_PID_SAVED=$APPHOST_PID
    APPHOST_PID=$SPIN_PID wrk_phase "spin-default-$round" "$DEFAULT_INVOKE" 2 $((WARMUP + 2)) invoke "$EVENT"
    APPHOST_PID=$APPHOST_PID_SAVED wrk_phase "spin-off-$round" "$INVOKE" 2 $((WARMUP + 2)) invoke "$EVENT"
  done
  stop_pid "$SPIN_PID"; SPIN_PID=""
  stop_apphost
fi

# ---- 5. AppHost start and stop -------------------------------------------------------------------
if has_phase apphost; then
  # "After a build": others may have changed sources since the build at the start.
  dotnet_build "$RESULTS/build.log" -c Release AppHost/AppHost/AppHost.csproj
  ports() { echo "--DynamoDb:InMemory=true,--Ports:dynamodb=$(free_port),--Ports:api-gateway=$1,--Ports:lambda-emulator=$(free_port)"; }
  GW=$(free_port)
  say "AppHost start/SIGTERM: dotnet run -c Release --project AppHost/AppHost (the launch profile: dashboard on 18888), $APPHOST_RUNS runs"
  run dotnet "$TOOL" apphost --label=apphost-run --command=setsid --workdir="$ROOT" --gateway="http://127.0.0.1:$GW/" --runs="$APPHOST_RUNS" \
    --args="dotnet,run,-c,Release,--project,AppHost/AppHost,--,$(ports "$GW")" --stop=term --log-dir="$RESULTS" --out="$RESULTS/apphost-run.json" > >(tee "$RESULTS/apphost-run.txt") || true
  GW=$(free_port)
  say "AppHost start/kill -9 of its process group, $APPHOST_EXE_RUNS runs"
  run dotnet "$TOOL" apphost --label=apphost-group-kill --command=setsid --workdir="$ROOT" --gateway="http://127.0.0.1:$GW/" --runs="$APPHOST_EXE_RUNS" \
    --args="dotnet,run,-c,Release,--project,AppHost/AppHost,--,$(ports "$GW")" --stop=group-kill --log-dir="$RESULTS" --out="$RESULTS/apphost-group-kill.json" > >(tee "$RESULTS/apphost-group-kill.txt") || true
fi

# ---- report --------------------------------------------------------------------------------------
first_line() { { "$@" 2>&1 || true; } | head -1; }
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || true)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD -- . ':!bench' 2>/dev/null || COMMIT="$COMMIT + uncommitted changes"
DESCRIPTION="Run \`platform-$RUN_ID\` on $(date -u +%F) (code at $COMMIT): $(nproc) cores (${CPU:-unknown CPU}), Linux $(uname -r | cut -d- -f1), shared and noisy (load average $LOAD at the end); \
.NET SDK $(dotnet --version), Java $(first_line java -version | cut -d'"' -f2), wrk $(first_line wrk --version | awk '{print $2}'). \
Load phases: ${DURATION} s measured after a warm-up (${WARMUP} s; the gateway's 8 environments: 4 s of \`/health\` to start them + ${GW_WARMUP} s, its Kestrel baseline 6 s; stream: ${STREAM_WARMUP} s at the rate, drained); latencies are per-request figures of one run."
readme=$ROOT/bench/README.md
[[ $UPDATE_README == 1 ]] || readme=$RESULTS/no-readme.md
run dotnet "$TOOL" report --results="$RESULTS" --readme="$readme" --run="$DESCRIPTION"
say "done; raw results in ${RESULTS#"$ROOT"/}"
