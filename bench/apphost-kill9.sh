#!/usr/bin/env bash
# kill -9 of the AppHost's whole process group (what a CI cancellation or an IDE killing the tree does):
# starts `dotnet run -c Release --project AppHost/AppHost` in a session of its own, waits until a request
# through the gateway answers, lists the app's processes, kills the group, then counts the app's live
# processes each second and checks that DynamoDB Local's port is free again.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
log=bench/results/apphost-kill9.log
setsid dotnet run -c Release --project AppHost/AppHost -- --DynamoDb:InMemory=true >"$log" 2>&1 </dev/null &
leader=$!
for i in $(seq 1 240); do curl -fsS -o /dev/null http://127.0.0.1:3000/health 2>/dev/null && break; sleep 0.5; done
echo "every resource runs after about $((i / 2)) s"
ps -eo pid,pgid,sid,comm | grep -E "AppHost|dcp|java|Leaderboard|dotnet|Aspire"
[[ $(ps -o pgid= -p "$leader" | tr -d ' ') == "$leader" ]] || { echo "error: the AppHost does not lead its group" >&2; exit 1; }
kill -9 -- "-$leader"
echo "killed process group $leader"
for t in $(seq 1 30); do
  alive=$(ps -eo stat,comm | grep -vE '^Z' | grep -cE "dcp|java|Leaderboard|AppHost|Aspire")
  echo "after ${t} s: $alive of the app's processes alive"
  [[ $alive == 0 ]] && break
  sleep 1
done
if (echo >/dev/tcp/127.0.0.1/8000) 2>/dev/null; then echo "port 8000 is still taken"; exit 1; else echo "port 8000 is free"; fi
