#!/usr/bin/env bash
# The hot path beside the physical limit, in one run: starts `linli serve --demo` (release
# build) on a fresh database, logs in as the demo resident, and runs
# ../shared/bench/limit.sh over the pages a resident opens most, which prints each page's
# req/s, p99 and ratio to the bare askama + SQLite probe page measured in the same run.
#   bash bench/hot.sh                      # embedded SQLite
#   BENCH_DB=postgres bash bench/hot.sh    # PostgreSQL at 127.0.0.1:5432 (fresh database)
# Env: DURATION (10s), CONNECTIONS (64), PORT (18100). Quote the ratios, not the req/s.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18100}
BASE="http://127.0.0.1:$PORT"
LIMIT=${LIMIT:-../shared/bench/limit.sh}
[ -x "$LIMIT" ] || [ -f "$LIMIT" ] || { echo "no limit probe at $LIMIT"; exit 1; }
cargo build --release -q -p linli --locked
DATA=$(mktemp -d /tmp/linli-hot.XXXXXX)
export LINLI_LOG=warn
if [ "${BENCH_DB:-sqlite}" = postgres ]; then
  NAME="linli_hot_$$"
  psql postgres://postgres@127.0.0.1:5432/test -qtAc "CREATE DATABASE $NAME" >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$NAME"
else
  unset DATABASE_URL || true
fi
target/release/linli --data "$DATA" serve --demo --listen "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$DATA"
  if [ -n "${NAME:-}" ]; then
    psql postgres://postgres@127.0.0.1:5432/test -qtAc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null || true
  fi
}
trap cleanup EXIT
for _ in $(seq 300); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
head -3 "$DATA/server.log" | grep -o 'database: [^)]*' || true
token=$(curl -s -X POST -H 'content-type: application/json' \
  -d '{"phone":"13800000007","password":"linli2026"}' "$BASE/api/v1/sessions" |
  python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
PAGES=(/ /regions/7 "/regions/5/orgs?kind=club" /orgs/5 /orgs/5/ledger /regions/6/issues /regions/6/votes /notifications "/search?q=%E5%B9%BF%E5%9C%BA%E8%88%9E")
# Each page must be the logged-in one before it is measured.
for p in "${PAGES[@]}"; do
  code=$(curl -s -o "$DATA/page.html" -w '%{http_code}' -H "Authorization: Bearer $token" "$BASE$p")
  [ "$code" = 200 ] || { echo "FAIL: $p answers $code"; exit 1; }
  grep -q '/logout' "$DATA/page.html" || { echo "FAIL: $p is not the logged-in page"; exit 1; }
done
LINLI_AUTH="Bearer $token" bash "$LIMIT" "$BASE" "${PAGES[@]}"
