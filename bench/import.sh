#!/usr/bin/env bash
# Import and export benchmark (issue 15): a sheet of UNITS units with owners and heads of
# household is uploaded through the API, checked (the dry run), committed ("all or
# nothing") and written by the background job; the time runs from the upload's first
# byte to the import reading "done". Then, on a freshly started server, the same list is
# exported as .xlsx (streamed) and the server's peak RSS read after it.
# Usage:
#   bash bench/import.sh                    # SQLite
#   BENCH_DB=postgres bash bench/import.sh  # PostgreSQL at 127.0.0.1:5432
# Env: UNITS (50000), PORT (18083), BIN (target/release/linli, built if absent).
# Exits 1 (after printing everything) if the database does not hold exactly the units,
# owners and residents of the sheet, or the export does not hold a row for each.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
UNITS=${UNITS:-50000}
PORT=${PORT:-18083}
BASE="http://127.0.0.1:$PORT"
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p linli --locked
  BIN=target/release/linli
fi
DATA=$(mktemp -d /tmp/linli-bench-import.XXXXXX)
# The import job's line says where its time went.
export LINLI_LOG=warn,linli_app::imports=info
if [ "${BENCH_DB:-sqlite}" = postgres ]; then
  NAME="linli_bench_import_$$"
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
  "$BIN" --data "$DATA" serve --listen "127.0.0.1:$PORT" >>"$DATA/server.log" 2>&1 &
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
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
json() { python3 -c "import sys, json; d = json.load(sys.stdin); print($1)"; }

echo "Linli import/export benchmark · $BACKEND · $(nproc) cores · load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" --data "$DATA" demo >/dev/null
"$BIN" fill-sheet --units "$UNITS" --out "$DATA/sheet.xlsx"
start
TOKEN=$(curl -sf -X POST -H 'content-type: application/json' \
  -d '{"phone":"13800000003","password":"linli2026"}' "$BASE/api/v1/sessions" | json 'd["token"]')
AUTH="authorization: Bearer $TOKEN"
COMMUNITY=$(sql "SELECT id FROM regions WHERE name = '翠竹园社区'")
COMPOUND=$(curl -sf -X POST -H "$AUTH" -H 'content-type: application/json' \
  -d '{"kind":"compound","name":"压测苑"}' "$BASE/api/v1/regions/$COMMUNITY/children" | json 'd["id"]')

t0=$(date +%s%N)
ID=$(curl -sf -X POST -H "$AUTH" -H 'content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' \
  --data-binary "@$DATA/sheet.xlsx" "$BASE/api/v1/regions/$COMPOUND/imports?filename=sheet.xlsx" | json 'd["import"]["id"]')
CHECK_MS=$(ms_since "$t0")
curl -sf -X POST -H "$AUTH" -H 'content-type: application/json' -d '{"mode":"all"}' \
  "$BASE/api/v1/imports/$ID/commit" >/dev/null
while :; do
  STATUS=$(curl -sf -H "$AUTH" "$BASE/api/v1/imports/$ID" | json 'd["import"]["status"]')
  [ "$STATUS" = done ] || [ "$STATUS" = failed ] && break
  sleep 0.05
done
TOTAL_MS=$(ms_since "$t0")
WRITE_MS=$((TOTAL_MS - CHECK_MS))
RSS_IMPORT=$(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)
stop
UNITS_IN=$(sql "SELECT COUNT(*) FROM households h JOIN regions b ON b.id = h.region_id WHERE b.parent_id = $COMPOUND")
OWNERS_IN=$(sql "SELECT COUNT(DISTINCT o.owner_key) FROM unit_owners o JOIN regions b ON b.id = o.region_id WHERE b.parent_id = $COMPOUND")
PEOPLE_IN=$(sql "SELECT COUNT(*) FROM residents x JOIN regions b ON b.id = x.region_id WHERE b.parent_id = $COMPOUND")
# One buyer in fifty owns two units (units 1, 51, 101, … share their predecessor's owner).
OWNERS_SENT=$((UNITS - (UNITS + 48) / 50))
SIZE=$(stat -c %s "$DATA/sheet.xlsx")
echo "import of $UNITS units ($SIZE bytes, $UNITS rows), upload to done: $TOTAL_MS ms = $((UNITS * 1000 / TOTAL_MS)) rows/s"
echo "  dry run (upload, read, check, keep): $CHECK_MS ms; write (queue, job, $((UNITS / 5000 + 1)) transactions of up to 5,000 units): $WRITE_MS ms"
echo "  status $STATUS; in the database: $UNITS_IN units, $OWNERS_IN owners, $PEOPLE_IN residents (sent $UNITS, $OWNERS_SENT, $UNITS)"
echo "  server peak RSS during the import: $RSS_IMPORT"
echo "  the job's own account: $(grep -o '"message":"import written"[^}]*' "$DATA/server.log" | tail -1)"
[ "$STATUS" = done ] || fail "import: status $STATUS"
[ "$UNITS_IN" = "$UNITS" ] || fail "import: $UNITS_IN units in the database, $UNITS sent"
[ "$OWNERS_IN" = "$OWNERS_SENT" ] || fail "import: $OWNERS_IN owners in the database, $OWNERS_SENT sent"
[ "$PEOPLE_IN" = "$UNITS" ] || fail "import: $PEOPLE_IN residents in the database, $UNITS sent"

start
RSS_BEFORE=$(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)
t0=$(date +%s%N)
curl -sf -H "$AUTH" -o "$DATA/export.xlsx" "$BASE/regions/$COMPOUND/units.xlsx"
EXPORT_MS=$(ms_since "$t0")
RSS_EXPORT=$(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)
stop
ROWS_OUT=$(python3 -c "import zipfile,sys; print(zipfile.ZipFile(sys.argv[1]).read('xl/worksheets/sheet1.xml').count(b'<row '))" "$DATA/export.xlsx")
echo "export of the same list: $((ROWS_OUT - 1)) rows in $EXPORT_MS ms = $(((ROWS_OUT - 1) * 1000 / EXPORT_MS)) rows/s, $(stat -c %s "$DATA/export.xlsx") bytes"
echo "  server RSS before: $RSS_BEFORE; peak after the export (fresh process): $RSS_EXPORT"
[ "$((ROWS_OUT - 1))" = "$UNITS" ] || fail "export: $((ROWS_OUT - 1)) rows, $UNITS units"
finish
