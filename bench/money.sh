#!/usr/bin/env bash
# Money benchmark: durable postings per second through the API (each one a committed,
# hash-chained transaction), then a ledger filled to 100,000 transactions and the time
# of its monthly statement and of the full chain check. Usage:
#   bash bench/money.sh                    # SQLite
#   BENCH_DB=postgres bash bench/money.sh  # PostgreSQL at 127.0.0.1:5432
# Env: DURATION (10s), CONNECTIONS (16), COUNT (100000), PORT (18081).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
COUNT=${COUNT:-100000}
PORT=${PORT:-18081}
BASE="http://127.0.0.1:$PORT"
command -v wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p linli
BIN=target/release/linli
DATA=$(mktemp -d /tmp/linli-bench-money.XXXXXX)
export LINLI_LOG=warn
if [ "${BENCH_DB:-sqlite}" = postgres ]; then
  NAME="linli_bench_money_$$"
  psql postgres://postgres@127.0.0.1:5432/test -qtAc "CREATE DATABASE $NAME" >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$NAME"
  BACKEND=PostgreSQL
else
  unset DATABASE_URL || true
  BACKEND=SQLite
fi
PID=""
start() {
  "$BIN" --data "$DATA" serve --demo --listen "127.0.0.1:$PORT" >>"$DATA/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && return; sleep 0.2; done
  echo "server did not start" >&2; exit 1
}
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; PID=""; }
cleanup() {
  stop
  if [ "${BENCH_DB:-sqlite}" = postgres ]; then
    psql postgres://postgres@127.0.0.1:5432/test -qtAc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null || true
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT
start
TOKEN=$(curl -sf -H 'content-type: application/json' -d '{"phone":"13800000005","password":"linli2026"}' "$BASE/api/v1/sessions" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
CLUB=$(python3 - "$BASE" "$TOKEN" <<'PY'
import sys, json, urllib.request
base, token = sys.argv[1], sys.argv[2]
def get(p):
    r = urllib.request.Request(base + p, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(r))
me = get("/api/v1/me")
b = get("/api/v1/regions/%d" % me["household"]["building_id"])
community = [a["id"] for a in b["ancestors"] if a["kind"] == "community"][0]
orgs = get("/api/v1/regions/%d/organizations?kind=club&per_page=50" % community)["organizations"]
print([o["id"] for o in orgs if o["name"] == "翠竹园读书会"][0])
PY
)
export BENCH_DAY=$(python3 -c 'import datetime; print((datetime.datetime.utcnow()+datetime.timedelta(hours=8)).strftime("%Y-%m-%d"))')
MONTH=${BENCH_DAY:0:7}
echo "Linli money benchmark · $BACKEND · $(nproc) cores"
out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/post.lua -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/organizations/$CLUB/ledger/transactions")
echo "postings (API, one commit each, wrk -c$CONNECTIONS -d$DURATION): $(echo "$out" | awk '/Requests\/sec/ {print $2}') /s, p50 $(echo "$out" | awk '$1=="50%" {print $2}'), p99 $(echo "$out" | awk '$1=="99%" {print $2}'), non-2xx: $(echo "$out" | awk '/Non-2xx/ {print $4}' | grep . || echo 0)"
stop
echo "filling the club's ledger with $COUNT transactions:"
"$BIN" --data "$DATA" fill-ledger --org "$CLUB" --count "$COUNT"
start
TOTAL=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/organizations/$CLUB/ledger?per_page=1" | python3 -c 'import sys,json; print(json.load(sys.stdin)["ledger"]["head_seq"])')
echo "ledger now holds $TOTAL transactions"
for path in "/api/v1/organizations/$CLUB/ledger/statement?month=$MONTH" "/orgs/$CLUB/statement?month=$MONTH" "/orgs/$CLUB/ledger"; do
  out=$(wrk -t1 -c1 -d5s --latency -H "Cookie: linli_session=$TOKEN" "$BASE$path")
  echo "$path: p50 $(echo "$out" | awk '$1=="50%" {print $2}'), p99 $(echo "$out" | awk '$1=="99%" {print $2}'), $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s (one connection)"
done
out=$(wrk -t2 -c16 -d5s --latency -H "Cookie: linli_session=$TOKEN" "$BASE/orgs/$CLUB/statement?month=$MONTH")
echo "statement page, 16 connections: $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s, p99 $(echo "$out" | awk '$1=="99%" {print $2}')"
start_v=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/organizations/$CLUB/ledger/verify" | python3 -c 'import sys,json; r=json.load(sys.stdin); print("chain check:", "intact" if r["ok"] else "BROKEN", r["checked"], "transactions", end=" ")'
echo "in $(python3 -c "import time; print(round(time.time()-$start_v, 2))") s"
echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)"
