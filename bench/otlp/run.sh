#!/usr/bin/env bash
# OTLP intake benchmark (issue 6): spans/s into the dashboard's store through the OpenTelemetry .NET
# exporter (HTTP/protobuf, default batching), against a discard-the-body Kestrel baseline, and the
# dashboard process's working set at 1x, 5x and 10x its span cap. See bench/README.md.
# Usage: bench/otlp/run.sh [--cap N] [--seconds S] [--windows K] [--warmup W]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
dotnet build -c Release bench/otlp/OtlpBench -nologo -v quiet
mkdir -p bench/otlp/results
out="bench/otlp/results/otlp-$(date -u +%Y%m%dT%H%M%SZ).md"
# Defaults: a 100,000-span cap (10x the dashboard's default) so 10x the cap is reached during the
# measured windows rather than in the first second; 3 s warm-up, 3 x 10 s windows.
bench/otlp/OtlpBench/bin/Release/net10.0/OtlpBench run --cap 100000 --seconds 10 --windows 3 --warmup 3 "$@" --out "$out"
echo "report: $out"
