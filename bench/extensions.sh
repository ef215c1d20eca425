#!/usr/bin/env bash
# What the local Parameters and Secrets extension costs: the test function's cold start with and without it
# (RUNS runs each, taking turns), an environment's shutdown with it, and a cached secret read (READS reads).
#
#   bench/extensions.sh
#   RUNS=20 READS=5000 bench/extensions.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
RUNS=${RUNS:-10}
READS=${READS:-2000}
RESULTS=$PWD/bench/results/extensions-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"

dotnet_build "$RESULTS/build.log" -c Release bench/PlatformBench/PlatformBench.csproj
dotnet_build "$RESULTS/build-function.log" -c Release Tests/Lambda.TestFunction/Lambda.TestFunction.csproj
dotnet bench/PlatformBench/bin/Release/net10.0/PlatformBench.dll extensions \
  --function=Tests/Lambda.TestFunction/bin/Release/net10.0/Lambda.TestFunction.dll \
  --runs="$RUNS" --reads="$READS" --out="$RESULTS/summary.txt"
