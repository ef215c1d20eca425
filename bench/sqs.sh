#!/usr/bin/env bash
# SQS emulator throughput: messages sent, received and deleted per second through the AWS SDK, with
# PRODUCERS producers (SendMessage, one message each) and CONSUMERS consumers (ReceiveMessage of up to 10,
# then DeleteMessageBatch), against the emulator alone in its own process (Release). RUNS rounds of
# DURATION seconds; the median goes to the summary.
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

: >"$RESULTS/rates.txt"
for round in $(seq 1 "$RUNS"); do
  dotnet "$BENCH" sqs-serve --port="$PORT" >"$RESULTS/server-$round.log" 2>&1 &
  SERVER_PID=$!
  until grep -qs listening "$RESULTS/server-$round.log"; do alive "$SERVER_PID" || { cat "$RESULTS/server-$round.log"; exit 1; }; sleep 0.1; done
  run dotnet "$BENCH" sqs-throughput --endpoint="http://127.0.0.1:$PORT" --producers="$PRODUCERS" --consumers="$CONSUMERS" \
    --duration="$DURATION" --out="$RESULTS/round-$round.json" | tee -a "$RESULTS/summary.txt"
  grep -o '"messagesPerSecond":[0-9.]*' "$RESULTS/round-$round.json" | cut -d: -f2 >>"$RESULTS/rates.txt"
  stop_process "$SERVER_PID"
  SERVER_PID=""
done
median=$(sort -g "$RESULTS/rates.txt" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
printf 'median of %s rounds: %.0f messages/s (%s producers, %s consumers)\n' "$RUNS" "$median" "$PRODUCERS" "$CONSUMERS" | tee -a "$RESULTS/summary.txt"
say "results in $RESULTS"
