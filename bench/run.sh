#!/usr/bin/env bash
# Benchmark harness: starts `linli serve --demo` (release build) on a fresh database,
# logs in as a demo resident, loads pages with wrk, and prints req/s, p50/p99 latency
# and the server's peak RSS. Usage:
#   bash bench/run.sh            # embedded SQLite
#   BENCH_DB=postgres bash bench/run.sh   # PostgreSQL at 127.0.0.1:5432 (fresh database)
# Options (env): DURATION (10s), CONNECTIONS (32), THREADS (2), PORT (18080),
#   TIMEOUT (2s, wrk's default made explicit: slower answers count as errors),
#   BENCH_DROP_SESSION=1 (send no session cookie: the pages answer 303 to the login page,
#   the API 401, the home page its logged-out version; the harness must fail: this checks
#   the checks).
# Every request sends Accept-Encoding: gzip (as phones do) through bench/page.lua, which
# counts as served only answers 200 that are gzip-encoded. Any other status (303 to the
# login page included), any plain answer and any socket error is an error: the table shows
# them and the script exits 1. Before each run one request (common.sh's preflight) checks
# the same and that an HTML page is the logged-in one (the logged-out home page is a 200).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
TIMEOUT=${TIMEOUT:-2s}
PORT=${PORT:-18080}
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p linli --locked
BIN=target/release/linli

DATA=$(mktemp -d /tmp/linli-bench.XXXXXX)
export LINLI_LOG=warn
if [ "${BENCH_DB:-sqlite}" = postgres ]; then
  NAME="linli_bench_$$"
  psql postgres://postgres@127.0.0.1:5432/test -qtAc "CREATE DATABASE $NAME" >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$NAME"
  BACKEND=PostgreSQL
else
  unset DATABASE_URL || true
  BACKEND=SQLite
fi

"$BIN" --data "$DATA" serve --demo --listen "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  if [ "${BENCH_DB:-sqlite}" = postgres ]; then
    psql postgres://postgres@127.0.0.1:5432/test -qtAc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null || true
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done

# Log in as the demo resident (陈晓) through the API; pages accept the same token.
TOKEN=$(curl -sf -H 'content-type: application/json' -d '{"phone":"13800000007","password":"linli2026"}' \
  "$BASE/api/v1/sessions" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
ME=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/me")
BUILDING=$(echo "$ME" | python3 -c 'import sys,json; print(json.load(sys.stdin)["household"]["building_id"])')
COMMUNITY=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/regions/$BUILDING" | python3 -c 'import sys,json; print([a["id"] for a in json.load(sys.stdin)["ancestors"] if a["kind"]=="community"][0])')

SESSION=(-H "Cookie: linli_session=$TOKEN")
if [ "${BENCH_DROP_SESSION:-0}" = 1 ]; then
  SESSION=()
  echo "BENCH_DROP_SESSION=1: pages are requested without the session cookie; this run must fail"
fi

echo "Linli benchmark · $BACKEND · $(nproc) cores · load average $(cut -d' ' -f1-3 /proc/loadavg) · wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $TIMEOUT, Accept-Encoding: gzip"
printf '%-34s %10s %10s %10s %8s\n' page req/s p50 p99 errors
# run LABEL PATH: one wrk run; prints a row, records a failure unless every answer was a
# gzip-encoded 200 and no socket error occurred. "errors" = answers other than a gzip 200
# plus socket errors (connect, read, write, timeout).
run() {
  local label=$1 path=$2
  local out
  preflight "$label ($path)" "$BASE$path" "${SESSION[@]}"
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout "$TIMEOUT" --latency \
    -s bench/page.lua "${SESSION[@]}" "$BASE$path")
  local rps requests ok sock errs
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  requests=$(wrk_val "$out" requests); requests=${requests:-0}
  ok=$(wrk_val "$out" ok_200); ok=${ok:-0}
  sock=$(socket_total "$out"); sock=${sock:-0}
  errs=$(( requests - ok + sock ))
  printf '%-34s %10s %9sms %9sms %8s\n' "$label" "$rps" "$(wrk_val "$out" p50_ms)" "$(wrk_val "$out" p99_ms)" "$errs"
  if [ "$requests" -eq 0 ] || [ "$errs" -ne 0 ]; then
    fail "$label ($path): $requests answers, $ok gzip 200; other statuses: $(wrk_rest "$out" non_200); 200 but not gzip: $(wrk_val "$out" not_gzip); $(echo "$out" | grep '^socket_errors')"
  fi
}
run "home (logged in)" "/"
run "building page (24 households)" "/regions/$BUILDING"
run "community page" "/regions/$COMMUNITY"
run "API region JSON" "/api/v1/regions/$BUILDING"
# Clubs and activities (issue 4): the club list, a club page, an activity page, growth.
LEADER=$(curl -sf -H 'content-type: application/json' -d '{"phone":"13800000008","password":"linli2026"}' "$BASE/api/v1/sessions" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
CLUB=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/regions/$COMMUNITY/organizations?kind=club&per_page=50" | python3 -c 'import sys,json; print([o["id"] for o in json.load(sys.stdin)["organizations"] if o["name"]=="翠竹园读书会"][0])')
START=$(python3 -c 'import datetime; print((datetime.datetime.utcnow()+datetime.timedelta(hours=8, days=7)).strftime("%Y-%m-%dT%H:%M"))')
ACTIVITY=$(curl -sf -H "Authorization: Bearer $LEADER" -H 'content-type: application/json' \
  -d "{\"title\":\"读书分享会\",\"place\":\"活动室\",\"starts_at\":\"$START\",\"capacity\":30,\"planned_cost_fen\":30000,\"surplus_percent\":\"5\"}" \
  "$BASE/api/v1/organizations/$CLUB/activities" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
curl -sf -X POST -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/activities/$ACTIVITY/signup" >/dev/null
run "club list (32 clubs, page 1)" "/regions/$COMMUNITY/orgs?kind=club"
run "club page" "/orgs/$CLUB"
run "activity page" "/activities/$ACTIVITY"
run "growth page (12 months)" "/regions/$COMMUNITY/growth"
# Money and deliberation pages a resident opens (issue 10): the club's ledger, and the
# issues and votes of the resident's compound (翠竹园一期, where the demo's story is told).
COMPOUND=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/regions/$BUILDING" | python3 -c 'import sys,json; print([a["id"] for a in json.load(sys.stdin)["ancestors"] if a["kind"]=="compound"][0])')
run "ledger page (20 newest)" "/orgs/$CLUB/ledger"
run "issues list (compound)" "/regions/$COMPOUND/issues"
run "votes list (compound)" "/regions/$COMPOUND/votes"
echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)"
finish
