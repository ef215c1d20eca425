# Shared by the bench scripts; source it after defining CHILD_PID.

# Runs a command in the background and waits, so a signal reaches the caller's cleanup without delay.
run() {
  "$@" &
  CHILD_PID=$!
  local status=0
  wait "$CHILD_PID" || status=$?
  CHILD_PID=""
  return "$status"
}
