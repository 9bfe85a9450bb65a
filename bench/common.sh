# Shared by bench/run.sh, bench/money.sh and bench/votes.sh (sourced, not run).
# The harness must tell the truth: every check that fails is recorded with fail(), the
# run goes on so the whole report is printed, and finish() exits 1 if anything failed.

FAILURES=()
fail() {
  FAILURES+=("$1")
  echo "  FAIL: $1"
}
finish() {
  if [ "${#FAILURES[@]}" -gt 0 ]; then
    echo "HARNESS FAILED: ${#FAILURES[@]} check(s) did not hold; the figures above do not count:"
    printf '  - %s\n' "${FAILURES[@]}"
    exit 1
  fi
  echo "all checks held"
}

# wrk_val OUTPUT KEY: the value after KEY in a script's "key value" lines (first field).
wrk_val() { echo "$1" | awk -v k="$2" '$1==k {print $2}'; }
# wrk_rest OUTPUT KEY: everything after KEY (e.g. "3 303×3" for non_200).
wrk_rest() { echo "$1" | awk -v k="$2" '$1==k {$1=""; print substr($0, 2)}'; }
# socket_total OUTPUT: connect+read+write+timeout from a script's socket_errors line.
socket_total() {
  echo "$1" | awk '$1=="socket_errors" {n=0; for (i=2;i<=NF;i++) {split($i,a,"="); n+=a[2]}; print n}'
}

# durability LOGFILE: sets DURABLE to what a committed write survives on this run, stated
# beside every write figure (a global, not printed, so that fail() here is not lost in a
# $(…) subshell). On SQLite it reads the server's start-up line ("synchronous=NORMAL" or
# "FULL", as the pool reports it) and fails if that is not what LINLI_SQLITE_SYNC asked for.
durability() {
  if [ "${BENCH_DB:-sqlite}" = postgres ]; then
    local f s
    f=$(psql "$DATABASE_URL" -qtAc "SHOW fsync")
    s=$(psql "$DATABASE_URL" -qtAc "SHOW synchronous_commit")
    if [ "$f" = on ] && [ "$s" = on ]; then
      DURABLE="PostgreSQL fsync=on synchronous_commit=on (WAL flushed at every commit): survives a power loss as far as the disk honours fsync"
    else
      DURABLE="PostgreSQL fsync=$f synchronous_commit=$s: the WAL is NOT flushed at every commit"
    fi
    return
  fi
  local got want
  got=$(grep -o 'synchronous=[A-Z]*' "$1" | tail -1 | cut -d= -f2)
  want=$(echo "${LINLI_SQLITE_SYNC:-normal}" | tr '[:lower:]' '[:upper:]')
  [ "$got" = "$want" ] || fail "server runs SQLite synchronous=${got:-unknown}, LINLI_SQLITE_SYNC asked for $want"
  case "$got" in
    NORMAL) DURABLE="SQLite synchronous=NORMAL (WAL not synced at each commit): survives a crash of the server process, NOT a power loss or OS crash" ;;
    FULL) DURABLE="SQLite synchronous=FULL (WAL synced at every commit): survives a power loss as far as the disk honours fsync" ;;
    *) DURABLE="SQLite synchronous=${got:-unknown}" ;;
  esac
}

# preflight LABEL URL [CURL_ARGS…]: one request with the benchmark's headers (and
# Accept-Encoding: gzip) before a page run. It must answer a gzip-encoded 200 and, for an
# HTML page, be the logged-in page (it carries the logout form). Why: the logged-out home
# page also answers 200, so the per-request status check in bench/page.lua cannot tell a
# lost session there, and wrk cannot look into gzip bodies.
preflight() {
  local label=$1 url=$2; shift 2
  local body code enc
  body=$(mktemp)
  read -r code enc < <(curl -s --compressed -H 'Accept-Encoding: gzip' "$@" -o "$body" \
    -w '%{http_code} %header{content-encoding}\n' "$url") || true
  if [ "$code" != 200 ] || [ "$enc" != gzip ]; then
    fail "$label: preflight answered HTTP ${code:-none}, content-encoding ${enc:-none}"
  elif [[ "$url" != */api/* ]] && ! grep -q 'action="/logout"' "$body"; then
    fail "$label: preflight page is not the logged-in page (no logout form)"
  fi
  rm -f "$body"
}
