#!/usr/bin/env bash
# Code swap benchmark: how long from saving an edit of a function's source to the first response with
# the new behaviour through the gateway, in a running AppHost (the watch rebuilds and swaps the
# function), against stopping the AppHost and running it again (the loop it replaces).
#
#   bench/code-swap.sh                 # 5 edits of Leaderboard.Api, 5 of Leaderboard.Core, 2 full restarts
#   EDITS=5 RESTARTS=2 bench/code-swap.sh
#   SETTLE=0 bench/code-swap.sh        # each edit right after the previous one is served
#
# By default each edit waits until the previous one has settled (the machine at least 60 % idle over a
# second, the load included): the other functions' swaps and the orchestrated environments' relaunches
# have ended, as when a developer looks at the result before the next edit. SETTLE=0 edits back to back.
#
# The edits add a response header (x-bench) to Leaderboard.Api, whose value lives in Leaderboard.Core;
# both files are restored when the script ends, however it ends. During the swaps hey sends 5 requests a
# second and counts the answers that are not 200. Needs: the .NET SDK, Java 17+, curl, hey.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD
EDITS=${EDITS:-5}
RESTARTS=${RESTARTS:-2}
SETTLE=${SETTLE:-1}
RESULTS=$ROOT/bench/results/code-swap-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"
API=Functions/Leaderboard.Api/Program.cs
MARKER=Functions/Leaderboard.Core/BenchMarker.cs
URL=http://127.0.0.1:3000/health

# The edited files as they were, put back however the script ends.
cp "$API" "$RESULTS/Program.cs.original"
[[ -e $MARKER ]] && { echo "error: $MARKER exists already" >&2; exit 1; }
restore() {
  cp "$RESULTS/Program.cs.original" "$API"
  rm -f "$MARKER"
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  alive "${LOAD_PID:-}" && kill -TERM "$LOAD_PID" 2>/dev/null || true
  stop_apphost
  restore
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }

# Waits until ten requests in a row answer with x-bench: $1; prints the seconds since $2.
wait_for_marker() {
  local expected=$1 since=$2 in_a_row=0
  for _ in $(seq 1 4000); do
    if [[ $(curl -s -D - -o /dev/null "$URL" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-bench"{print $2}') == "$expected" ]]; then
      in_a_row=$((in_a_row + 1))
      if [[ $in_a_row == 1 ]]; then first=$(now); fi
      [[ $in_a_row == 10 ]] && { echo "$first - $since" | bc; return 0; }
    else
      in_a_row=0
    fi
    sleep 0.05
  done
  echo "error: x-bench: $expected was never served" >&2
  exit 1
}

# The value of x-bench, in Leaderboard.Core (read at run time, so an edit there changes only Core).
write_marker() {
  printf 'namespace Leaderboard.Core;\n\n/// <summary>The benchmark'"'"'s marker.</summary>\npublic static class BenchMarker\n{\n    public static readonly string Value = "%s";\n}\n' "$1" >"$MARKER"
}

# Waits (at most 60 s) until at least 60 % of the CPU was idle over a second; returns at once with SETTLE=0.
settle() {
  [[ $SETTLE == 1 ]] || return 0
  local user nice system idle iowait irq softirq steal before_idle before_total
  for _ in $(seq 1 60); do
    read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
    before_idle=$((idle + iowait)); before_total=$((user + nice + system + idle + iowait + irq + softirq + steal))
    sleep 1
    read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
    (( (idle + iowait - before_idle) * 100 >= 60 * (user + nice + system + idle + iowait + irq + softirq + steal - before_total) )) && return 0
  done
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

write_marker start
sed -i 's/^app.UseApiConventions();$/app.UseApiConventions();\napp.Use((context, next) => { context.Response.Headers["x-bench"] = Leaderboard.Core.BenchMarker.Value; return next(); });/' "$API"
say "building with the benchmark's header"
dotnet_build "$RESULTS/build.log" AppHost/AppHost/AppHost.csproj
say "starting the AppHost (watch on, the default)"
start_apphost "$RESULTS/apphost.log" --no-build --project AppHost/AppHost -- --DynamoDb:InMemory=true
wait_for_marker start "$(now)" >/dev/null

hey -z 100000s -q 5 -c 1 "$URL" >"$RESULTS/hey.txt" 2>&1 &
LOAD_PID=$!

: >"$RESULTS/api.txt"
: >"$RESULTS/core.txt"
for edit in $(seq 1 "$EDITS"); do
  settle
  # An edit of the API: a second header line, new each time.
  sed -i "s/^app.UseApiConventions();\$/app.UseApiConventions();\n\/\/ edit $edit/" "$API"
  sed -i "s/\"x-bench\"\] = Leaderboard.Core.BenchMarker.Value[^;]*;/\"x-bench\"] = Leaderboard.Core.BenchMarker.Value + \"-api$edit\";/" "$API"
  seconds=$(wait_for_marker "start-api$edit" "$(now)")
  say "Leaderboard.Api edit $edit served after $seconds s"
  echo "$seconds" >>"$RESULTS/api.txt"
done
sed -i "s/\"x-bench\"\] = Leaderboard.Core.BenchMarker.Value[^;]*;/\"x-bench\"] = Leaderboard.Core.BenchMarker.Value;/" "$API"
wait_for_marker start "$(now)" >/dev/null
for edit in $(seq 1 "$EDITS"); do
  settle
  write_marker "core$edit"
  seconds=$(wait_for_marker "core$edit" "$(now)")
  say "Leaderboard.Core edit $edit served after $seconds s"
  echo "$seconds" >>"$RESULTS/core.txt"
done
kill -INT "$LOAD_PID"; wait "$LOAD_PID" || true
LOAD_PID=""
processes_before=$(pgrep -fc 'Leaderboard\.(Api|Processor|Live|Intake)' || true)
stop_apphost
left=$(pgrep -fa "$ROOT/(Functions|.localcloud)" | grep -v pgrep | wc -l || true)

: >"$RESULTS/restart.txt"
for restart in $(seq 1 "$RESTARTS"); do
  write_marker "restart$restart"
  start=$(now)
  start_apphost "$RESULTS/apphost-restart$restart.log" --project AppHost/AppHost -- --DynamoDb:InMemory=true
  seconds=$(wait_for_marker "restart$restart" "$start")
  say "full restart $restart (build, start, serve) after $seconds s"
  echo "$seconds" >>"$RESULTS/restart.txt"
  stop_apphost
done

api=$(median <"$RESULTS/api.txt")
core=$(median <"$RESULTS/core.txt")
restart=$(median <"$RESULTS/restart.txt")
status_lines=$(grep -A20 'Status code distribution' "$RESULTS/hey.txt" | grep -E '^\s+\[' || true)
{
  echo "edits $([[ $SETTLE == 1 ]] && echo "each after the previous settled" || echo "back to back")"
  echo "edit → served, median of $EDITS: Leaderboard.Api $api s, Leaderboard.Core $core s; full restart (median of $RESTARTS): $restart s"
  echo "ratio swap / restart: Api $(echo "scale=2; $api / $restart" | bc), Core $(echo "scale=2; $core / $restart" | bc)"
  echo "requests during the swaps (5/s): ${status_lines:-none}"
  echo "function processes while running: $processes_before; processes of the app left after stop: $left"
} | tee "$RESULTS/summary.txt"
