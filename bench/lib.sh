# Shared by the bench scripts (sourced first; a script defines CHILD_PID before it calls run).

# The key game servers sign match results with. Every AppHost a bench script starts gets it as its
# parameter match-signing-key (the variable Parameters__match-signing-key, which `export` cannot name:
# pass "$SIGNING_KEY_PARAMETER" with env); the bench tools, wrk scripts and the load test sign with
# LEADERBOARD_SIGNING_KEY.
export LEADERBOARD_SIGNING_KEY=${LEADERBOARD_SIGNING_KEY:-bench-match-signing-key}
SIGNING_KEY_PARAMETER="Parameters__match-signing-key=$LEADERBOARD_SIGNING_KEY"

# The X-Leaderboard-Signature of a request body: match_signature BODY prints sha256=<lowercase hex>.
match_signature() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$LEADERBOARD_SIGNING_KEY" -r | sed 's/ .*//; s/^/sha256=/'; }

# Runs a command in the background and waits, so a signal reaches the caller's cleanup without delay.
run() {
  "$@" &
  CHILD_PID=$!
  local status=0
  wait "$CHILD_PID" || status=$?
  CHILD_PID=""
  return "$status"
}

# Builds quietly, appending the output to LOG; on failure shows its end and exits:
# dotnet_build LOG ARGS... (ARGS go to `dotnet build`, e.g. -c Release AppHost/AppHost/AppHost.csproj).
dotnet_build() {
  local log=$1
  shift
  run dotnet build -v quiet -nologo "$@" >>"$log" 2>&1 || { tail -30 "$log"; exit 1; }
}

# Prints a line with the time.
say() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# True while the process runs.
alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }

# Asks a process to stop (SIGTERM) and waits up to 20 s for it to go.
stop_process() {
  alive "$1" || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 200); do alive "$1" || break; sleep 0.1; done
}

# The AppHost a script starts in the background; its EXIT trap calls stop_apphost.
APPHOST_PID=""
stop_apphost() {
  stop_process "$APPHOST_PID"
  APPHOST_PID=""
}

# Stops the script's AppHost however the script ends (done, failed, Ctrl+C or SIGTERM).
stop_apphost_on_exit() {
  CHILD_PID=""
  trap stop_apphost EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Starts the AppHost in its own session, with the bench's match signing key: start_apphost LOG ARGS...
# (ARGS go to `dotnet run`, e.g. --no-build -c Release --project AppHost/AppHost -- --DynamoDb:InMemory=true),
# then waits up to 2 minutes until every URL in APPHOST_READY_URLS answers (default: the gateway's /health).
start_apphost() {
  local log=$1
  shift
  setsid env "$SIGNING_KEY_PARAMETER" dotnet run "$@" >"$log" 2>&1 </dev/null &
  APPHOST_PID=$!
  local url ready
  for _ in $(seq 1 240); do
    ready=yes
    for url in ${APPHOST_READY_URLS:-http://127.0.0.1:3000/health}; do
      curl -fsS -o /dev/null "$url" 2>/dev/null || { ready=""; break; }
    done
    [[ -n $ready ]] && return 0
    sleep 0.5
  done
  echo "error: the app did not start; see $log" >&2
  exit 1
}
