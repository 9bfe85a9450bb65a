#!/usr/bin/env bash
# Money benchmark: durable postings per second through the API (each one a committed,
# hash-chained transaction), then a ledger filled to 100,000 transactions and the time
# of its monthly statement and of the full chain check. Usage:
#   bash bench/money.sh                    # SQLite (synchronous=NORMAL, the default)
#   LINLI_SQLITE_SYNC=full bash bench/money.sh   # SQLite, synchronous=FULL
#   BENCH_DB=postgres bash bench/money.sh  # PostgreSQL at 127.0.0.1:5432
# Env: POSTINGS (8000: a fixed number, each answered, see bench/post.lua), CONNECTIONS (16),
#      THREADS (2), MAX_DURATION (300s: wrk's cap), TIMEOUT (2s: slower answers are errors),
#      COUNT (100000: the fill), DURATION (5s: each page run), PORT (18081).
# The script exits 1 if any posting is answered other than 201, if any socket error occurs,
# if the ledger did not grow by exactly the number of 201 answers, if a page run has an
# answer other than a gzip-encoded 200, or if the chain check is not intact.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
POSTINGS=${POSTINGS:-8000}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
MAX_DURATION=${MAX_DURATION:-300s}
TIMEOUT=${TIMEOUT:-2s}
COUNT=${COUNT:-100000}
DURATION=${DURATION:-5s}
PORT=${PORT:-18081}
BASE="http://127.0.0.1:$PORT"
[ "$POSTINGS" -ge "$THREADS" ] || { echo "POSTINGS must be at least THREADS" >&2; exit 2; }
command -v wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p linli --locked
BIN=target/release/linli
DATA=$(mktemp -d /tmp/linli-bench-money.XXXXXX)
export LINLI_LOG=warn
if [ "${BENCH_DB:-sqlite}" = postgres ]; then
  NAME="linli_bench_money_$$"
  psql postgres://postgres@127.0.0.1:5432/test -qtAc "CREATE DATABASE $NAME" >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$NAME"
  BACKEND=PostgreSQL
  sql() { psql "$DATABASE_URL" -qtAc "$1"; }
else
  unset DATABASE_URL || true
  BACKEND=SQLite
  command -v sqlite3 >/dev/null 2>&1 || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
  sql() { sqlite3 "$DATA/linli.db" "$1"; }
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
echo "Linli money benchmark · $BACKEND · $(nproc) cores · load average $(cut -d' ' -f1-3 /proc/loadavg)"
durability "$DATA/server.log"

# The ledger's head and the rows the harness posts (memo "bench"), before and after: the
# database must hold exactly one new transaction per 201 answer, no more, no fewer.
head_seq() { curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/organizations/$CLUB/ledger?per_page=1" | python3 -c 'import sys,json; print(json.load(sys.stdin)["ledger"]["head_seq"])'; }
bench_rows() { sql "SELECT COUNT(*) FROM ledger_txns t JOIN ledgers l ON l.id = t.ledger_id WHERE l.org_id = $CLUB AND t.memo = 'bench'"; }
HEAD0=$(head_seq); ROWS0=$(bench_rows)
rm -f "$DATA/wrk-done"
out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$MAX_DURATION" --timeout "$TIMEOUT" --latency -s bench/post.lua \
  -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/organizations/$CLUB/ledger/transactions" \
  -- "$POSTINGS" "$THREADS" "$DATA/wrk-done")
HEAD1=$(head_seq); ROWS1=$(bench_rows)
OK=$(wrk_val "$out" ok_201)
NON=$(wrk_rest "$out" non_201)
UNANSWERED=$(wrk_val "$out" unanswered)
SOCK=$(socket_total "$out")
echo "postings (API, one commit each, wrk -t$THREADS -c$CONNECTIONS --timeout $TIMEOUT, $(wrk_val "$out" postings_sent) of $(wrk_val "$out" postings_planned) sent):"
echo "  $(wrk_val "$out" rate_201) postings/s answered 201: $OK in $(wrk_val "$out" seconds) s; p50 $(wrk_val "$out" p50_ms) ms, p90 $(wrk_val "$out" p90_ms) ms, p99 $(wrk_val "$out" p99_ms) ms, max $(wrk_val "$out" max_ms) ms"
echo "  durability: $DURABLE"
echo "  non-201: $NON; unanswered: $UNANSWERED; $(echo "$out" | grep '^socket_errors')"
echo "  ledger head $HEAD0 → $HEAD1 (+$((HEAD1 - HEAD0))); rows with memo 'bench' $ROWS0 → $ROWS1 (+$((ROWS1 - ROWS0))); 201 answers: $OK"
[ "$OK" = "$POSTINGS" ] || fail "postings: $OK answered 201 of $POSTINGS planned"
[ "${NON%% *}" = 0 ] || fail "postings: non-201 answers: $NON"
[ "$UNANSWERED" = 0 ] || fail "postings: $UNANSWERED sent and never answered"
[ "$SOCK" = 0 ] || fail "postings: socket errors: $(echo "$out" | grep '^socket_errors')"
[ $((HEAD1 - HEAD0)) = "$OK" ] || fail "postings: ledger head grew by $((HEAD1 - HEAD0)), 201 answers: $OK"
[ $((ROWS1 - ROWS0)) = "$OK" ] || fail "postings: $((ROWS1 - ROWS0)) new 'bench' rows in the database, 201 answers: $OK"
echo "  server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)"
stop
echo "filling the club's ledger with $COUNT transactions:"
"$BIN" --data "$DATA" fill-ledger --org "$CLUB" --count "$COUNT"
start
TOTAL=$(head_seq)
echo "ledger now holds $TOTAL transactions"
# page CONNECTIONS PATH: one wrk run through bench/page.lua (Accept-Encoding: gzip; only a
# gzip-encoded 200 counts); prints "p50 … p99 … req/s", records a failure on any error.
page() {
  local c=$1 path=$2 out requests ok sock
  preflight "$path" "$BASE$path" -H "Cookie: linli_session=$TOKEN"
  out=$(wrk -t"$(( c < THREADS ? c : THREADS ))" -c"$c" -d"$DURATION" --timeout "$TIMEOUT" --latency \
    -s bench/page.lua -H "Cookie: linli_session=$TOKEN" "$BASE$path")
  requests=$(wrk_val "$out" requests); requests=${requests:-0}
  ok=$(wrk_val "$out" ok_200); ok=${ok:-0}
  sock=$(socket_total "$out"); sock=${sock:-0}
  echo "p50 $(wrk_val "$out" p50_ms) ms, p99 $(wrk_val "$out" p99_ms) ms, $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s, errors $(( requests - ok + sock ))"
  if [ "$requests" -eq 0 ] || [ "$ok" -ne "$requests" ] || [ "$sock" -ne 0 ]; then
    fail "$path (-c$c): $requests answers, $ok gzip 200; other statuses: $(wrk_rest "$out" non_200); 200 but not gzip: $(wrk_val "$out" not_gzip); $(echo "$out" | grep '^socket_errors')"
  fi
}
# (page is called directly, not inside $(…), so that its fail() is not lost in a subshell.)
for path in "/api/v1/organizations/$CLUB/ledger/statement?month=$MONTH" "/orgs/$CLUB/statement?month=$MONTH" "/orgs/$CLUB/ledger"; do
  printf '%s (one connection): ' "$path"; page 1 "$path"
done
printf 'statement page, 16 connections: '; page 16 "/orgs/$CLUB/statement?month=$MONTH"
start_v=$(date +%s.%N)
VERIFY=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/organizations/$CLUB/ledger/verify")
secs=$(python3 -c "import time; print(round(time.time()-$start_v, 2))")
read -r V_OK V_CHECKED < <(echo "$VERIFY" | python3 -c 'import sys,json; r=json.load(sys.stdin); print("intact" if r["ok"] else "BROKEN", r["checked"])') || true
echo "chain check: $V_OK, $V_CHECKED transactions in $secs s"
[ "$V_OK" = intact ] || fail "chain check: $V_OK"
[ "$V_CHECKED" = "$TOTAL" ] || fail "chain check read $V_CHECKED transactions, the ledger's head is $TOTAL"
echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)"
finish
