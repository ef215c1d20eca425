# Shared by the bench scripts (sourced first; a script defines CHILD_PID before it calls run).

# Runs a command in the background and waits, so a signal reaches the caller's cleanup without delay.
run() {
  "$@" &
  CHILD_PID=$!
  local status=0
  wait "$CHILD_PID" || status=$?
  CHILD_PID=""
  return "$status"
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
