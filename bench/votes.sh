#!/usr/bin/env bash
# Deliberation benchmark (issue 5): durable ballots per second through the API (each one
# its own committed transaction: participation row + ballot row + audit row), then an
# owners' vote of 100,000 units and the time of its art. 278 recount (`linli tally`).
# Usage:
#   bash bench/votes.sh                    # SQLite (synchronous=NORMAL, the default)
#   LINLI_SQLITE_SYNC=full bash bench/votes.sh   # SQLite, synchronous=FULL
#   BENCH_DB=postgres bash bench/votes.sh  # PostgreSQL at 127.0.0.1:5432
# Env: BALLOTS (20000: voters, one token and one ballot each), CONNECTIONS (16),
#      THREADS (2), MAX_DURATION (300s: wrk's cap; the run ends when every ballot is
#      answered), TIMEOUT (2s: slower answers are errors), UNITS (100000), TALLIES (3
#      recounts), PORT (18082).
# The script exits 1 (after printing everything) if any ballot is answered other than 201,
# is left unanswered or meets a socket error, if the database or `linli tally` holds a
# different count or a different yes/no split than was sent, or if the owners' tally differs
# from the ballots fill-owners-vote loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
BALLOTS=${BALLOTS:-20000}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
MAX_DURATION=${MAX_DURATION:-300s}
TIMEOUT=${TIMEOUT:-2s}
UNITS=${UNITS:-100000}
TALLIES=${TALLIES:-3}
PORT=${PORT:-18082}
BASE="http://127.0.0.1:$PORT"
command -v wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p linli --locked
BIN=target/release/linli
DATA=$(mktemp -d /tmp/linli-bench-votes.XXXXXX)
export LINLI_LOG=warn
if [ "${BENCH_DB:-sqlite}" = postgres ]; then
  NAME="linli_bench_votes_$$"
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

echo "Linli deliberation benchmark · $BACKEND · $(nproc) cores · load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" --data "$DATA" demo >/dev/null

# 1. Durable ballots through the API: one synthetic resident (and token) per ballot.
t=$(date +%s%N)
out=$("$BIN" --data "$DATA" fill-voters --count "$BALLOTS" --tokens "$DATA/tokens.txt" | grep -v '^{')
VOTE=$(echo "$out" | awk '/^vote [0-9]+:/ {sub(":", "", $2); print $2}')
echo "fill-voters: $out ($(ms_since "$t") ms with start-up and ANALYZE)"
[ "$(grep -c . "$DATA/tokens.txt")" -ge "$BALLOTS" ] || { echo "fewer tokens than voters" >&2; exit 1; }
start
rm -f "$DATA/wrk-done"
durability "$DATA/server.log"
out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$MAX_DURATION" --timeout "$TIMEOUT" --latency -s bench/ballot.lua \
  "$BASE/api/v1/votes/$VOTE/ballots" -- "$DATA/tokens.txt" "$THREADS" "$DATA/wrk-done")
val() { echo "$out" | awk -v k="$1" '$1==k {print $2}'; }
OK=$(val ok_201)
NON=$(echo "$out" | awk '$1=="non_201" {$1=""; print substr($0, 2)}')
SOCK=$(socket_total "$out")
echo "ballots (API, one commit each, wrk -t$THREADS -c$CONNECTIONS --timeout $TIMEOUT, $(val ballots_sent) of $(val ballots_planned) sent, each token once):"
echo "  $(val rate_201) ballots/s answered 201: $OK in $(val seconds) s; p50 $(val p50_ms) ms, p90 $(val p90_ms) ms, p99 $(val p99_ms) ms, max $(val max_ms) ms"
echo "  durability: $DURABLE"
echo "  non-201: $NON; unanswered: $(val unanswered); $(echo "$out" | grep '^socket_errors')"
echo "  server peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)"
stop
IN_DB=$(sql "SELECT COUNT(*) FROM ballots WHERE vote_id = $VOTE")
PART=$(sql "SELECT COUNT(*) FROM vote_participation WHERE vote_id = $VOTE")
AUDIT=$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'vote.ballot' AND target = 'vote:$VOTE'")
TALLY=$("$BIN" --data "$DATA" tally "$VOTE") || fail "linli tally $VOTE exited non-zero"
COUNTED=$(echo "$TALLY" | awk '/^ballots counted:/ {print $3}')
# "yes N · no M · abstain K", as `linli tally` prints it.
read -r T_YES T_NO < <(echo "$TALLY" | awk '$1=="yes" {print $2, $5}') || true
echo "  in the database: $IN_DB ballots, $PART participation rows, $AUDIT audit rows; linli tally: $COUNTED counted, yes $T_YES, no $T_NO (sent: $(val sent_yes) yes, $(val sent_no) no)"
before=${#FAILURES[@]}
# ballot.lua gives each thread floor(BALLOTS / THREADS) tokens: that many are planned.
[ "$OK" = "$(val ballots_planned)" ] || fail "ballots: $OK answered 201 of $(val ballots_planned) planned"
[ "${NON%% *}" = 0 ] || fail "ballots: non-201 answers: $NON"
[ "$(val unanswered)" = 0 ] || fail "ballots: $(val unanswered) sent and never answered"
[ "$SOCK" = 0 ] || fail "ballots: $(echo "$out" | grep '^socket_errors')"
[ "$IN_DB" = "$OK" ] || fail "ballots: $IN_DB in the database, $OK answered 201"
[ "$PART" = "$OK" ] || fail "ballots: $PART participation rows, $OK answered 201"
[ "$AUDIT" = "$OK" ] || fail "ballots: $AUDIT vote.ballot audit rows, $OK answered 201"
[ "$COUNTED" = "$OK" ] || fail "ballots: linli tally counted $COUNTED, $OK answered 201"
[ "$T_YES" = "$(val sent_yes)" ] && [ "$T_NO" = "$(val sent_no)" ] \
  || fail "ballots: linli tally says yes $T_YES no $T_NO, the harness sent yes $(val sent_yes) no $(val sent_no)"
if [ "${#FAILURES[@]}" = "$before" ]; then
  echo "  VALID: every ballot answered 201, no socket error, and the database and the recount hold exactly the 201 count with the split sent"
else
  echo "  INVALID: see FAIL lines above"
fi

# 2. The owners' vote: UNITS units, ballots for ~80%, recounted under art. 278.
t=$(date +%s%N)
out=$("$BIN" --data "$DATA" fill-owners-vote --units "$UNITS" | grep -v '^{')
OVOTE=$(echo "$out" | awk '/^vote [0-9]+:/ {sub(":", "", $2); print $2}')
echo "fill-owners-vote: $out ($(ms_since "$t") ms with start-up and ANALYZE)"
STORED=$(sql "SELECT COUNT(*) FROM ballots WHERE vote_id = $OVOTE")
# What fill-owners-vote loads (crates/demo/src/fill.rs): unit k of 0..UNITS-1 belongs to
# owner k, except that unit k with k % 50 == 1 belongs to owner k-1 (one buyer in fifty
# holds two units) and the units with k % 100 == 99 are the developer's (one owner). Each
# owner casts one ballot (owners vote as owners) as their first unit k with k % 5 != 4
# would: no when k % 7 == 3, else yes. If the filler's rule changes, this fails loudly
# rather than pass unchecked.
read -r E_BALLOTS E_YES E_NO < <(python3 -c "
u = $UNITS
seen, yes, no = set(), 0, 0
for k in range(u):
    key = 'developer' if k % 100 == 99 else (k - 1 if k % 50 == 1 else k)
    if k % 5 != 4 and key not in seen:
        seen.add(key)
        if k % 7 == 3:
            no += 1
        else:
            yes += 1
print(yes + no, yes, no)") || true
echo "owners' vote $OVOTE: $STORED ballots stored (the filler's rule: $E_BALLOTS, $E_YES yes, $E_NO no)"
[ "$STORED" = "$E_BALLOTS" ] || fail "owners' vote: $STORED ballots stored, the filler's rule gives $E_BALLOTS"
for i in $(seq 1 "$TALLIES"); do
  t=$(date +%s%N)
  TALLY=$("$BIN" --data "$DATA" tally "$OVOTE") || fail "linli tally $OVOTE exited non-zero"
  wall=$(ms_since "$t")
  [ "$i" = 1 ] && echo "$TALLY" | sed 's/^/  /'
  echo "  tally $i: recount $(echo "$TALLY" | awk '/^counted in/ {print $3, $4}'), whole command (start-up, migration check, recount, print) $wall ms"
  read -r T_YES T_NO < <(echo "$TALLY" | awk '$1=="yes" {print $2, $5}') || true
  COUNTED=$(echo "$TALLY" | awk '/^ballots counted:/ {print $3}')
  [ "$COUNTED" = "$E_BALLOTS" ] && [ "$T_YES" = "$E_YES" ] && [ "$T_NO" = "$E_NO" ] \
    || fail "owners' tally $i: $COUNTED counted, yes $T_YES no $T_NO; loaded $E_BALLOTS, yes $E_YES no $E_NO"
done
finish
