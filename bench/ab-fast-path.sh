#!/bin/bash
# A/B of the non-streaming fast path between builds: bench/ab-fast-path.sh <checkout with dist/ built> <label> [extra config line]
# Starts bench/fixed-upstream.ts (core 1) and the checkout's Detour (core 0), then runs autocannon -c 64 -d 5 four times
# (the first is warm-up) and prints the request counts. Used for the A/B table in BENCHMARKS.md.
set -e
WT=$1; LABEL=$2
cd $WT
UP=47011; DT=47012
taskset -c 1 node --import tsx bench/fixed-upstream.ts $UP > ${TMPDIR:-/tmp}/detour-ab-up.log 2>&1 &
UPID=$!
sleep 2
cat > ${TMPDIR:-/tmp}/detour-ab-detour-$LABEL.yaml <<YAML
providers:
  up: { protocol: openai-chat, baseUrl: http://127.0.0.1:$UP/v1, apiKey: bench-key }
models:
  bench-model: { deployments: [ { provider: up, model: bench-model } ] }
timeouts: { firstToken: 60s, idle: 60s }
store: { sqlite: ':memory:' }
auth: { mode: off }
$3
YAML
taskset -c 0 node dist/cli/main.js start --config ${TMPDIR:-/tmp}/detour-ab-detour-$LABEL.yaml --port $DT > ${TMPDIR:-/tmp}/detour-ab-dt-$LABEL.log 2>&1 &
DTID=$!
sleep 3
BODY='{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}'
for i in 1 2 3 4; do
  taskset -c 1 npx autocannon -c 64 -d 5 -m POST -H content-type=application/json -b "$BODY" http://127.0.0.1:$DT/v1/chat/completions 2>&1 | grep -E "^Req/Sec|requests in" | tr '\n' ' '; echo
done
kill $DTID $UPID; wait 2>/dev/null || true
