#!/usr/bin/env bash
# SQS emulator throughput: messages sent, received and deleted per second through the AWS SDK, with
# PRODUCERS producers (SendMessage, one message each) and CONSUMERS consumers (ReceiveMessage of up to 10,
# then DeleteMessageBatch), against the emulator alone in its own process (Release), for each store:
# in memory (the baseline), on disk (the AppHost's default), on disk waiting for the disk on every change.
# RUNS rounds of DURATION seconds per store, the stores taking turns; medians and ratios to in memory go to the summary.
#
#   bench/sqs.sh
#   RUNS=5 DURATION=20 PRODUCERS=4 CONSUMERS=4 bench/sqs.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$PWD
RUNS=${RUNS:-5}
DURATION=${DURATION:-20}
PRODUCERS=${PRODUCERS:-4}
CONSUMERS=${CONSUMERS:-4}
PORT=${PORT:-29324}
RESULTS=$ROOT/bench/results/sqs-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"
BENCH=bench/PlatformBench/bin/Release/net10.0/PlatformBench.dll

SERVER_PID=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_process "$SERVER_PID"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

dotnet_build "$RESULTS/build.log" -c Release bench/PlatformBench/PlatformBench.csproj

declare -A STORE_ARGS=(
  [memory]=""
  [disk]="--data-dir=$RESULTS/data"
  [disk-fsync]="--data-dir=$RESULTS/data --flush-to-disk"
)
STORES=(memory disk disk-fsync)

for round in $(seq 1 "$RUNS"); do
  for store in "${STORES[@]}"; do
    rm -rf "$RESULTS/data"
    # shellcheck disable=SC2086
    dotnet "$BENCH" sqs-serve --port="$PORT" ${STORE_ARGS[$store]} >"$RESULTS/server-$store-$round.log" 2>&1 &
    SERVER_PID=$!
    until grep -qs listening "$RESULTS/server-$store-$round.log"; do alive "$SERVER_PID" || { cat "$RESULTS/server-$store-$round.log"; exit 1; }; sleep 0.1; done
    printf '%s: ' "$store" | tee -a "$RESULTS/summary.txt"
    run dotnet "$BENCH" sqs-throughput --endpoint="http://127.0.0.1:$PORT" --producers="$PRODUCERS" --consumers="$CONSUMERS" \
      --duration="$DURATION" --out="$RESULTS/$store-$round.json" | tee -a "$RESULTS/summary.txt"
    grep -o '"messagesPerSecond":[0-9.]*' "$RESULTS/$store-$round.json" | cut -d: -f2 >>"$RESULTS/$store.txt"
    stop_process "$SERVER_PID"
    SERVER_PID=""
  done
done

median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
baseline=$(median "$RESULTS/memory.txt")
for store in "${STORES[@]}"; do
  value=$(median "$RESULTS/$store.txt")
  printf '%s: median of %s rounds %.0f messages/s, %.2fx in memory (%s producers, %s consumers)\n' \
    "$store" "$RUNS" "$value" "$(echo "$value / $baseline" | bc -l)" "$PRODUCERS" "$CONSUMERS" | tee -a "$RESULTS/summary.txt"
done
say "results in $RESULTS"
