#!/usr/bin/env bash
# Runs the commands of the deployment guide (docs/deployment.zh-CN.md, docs/deployment.md)
# as written, on SQLite, in a scratch folder instead of /var/lib/linli and /etc/linli:
# settings file, first migration, `linli config`, the server as the unit starts it, health
# and metrics, the nightly backup script with retention, SIGTERM, restore, the checks.
# Usage: deploy/check-guide.sh path/to/linli   (the suite runs it: operations.rs)
set -euo pipefail
bin="$(realpath "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "check-guide: $*" >&2; exit 1; }
step() { echo "check-guide: $*"; }
export LINLI_LOG=warn
unset DATABASE_URL LINLI_DATA LINLI_CONFIG

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cfg="$work/etc/linli.toml"
mkdir -p "$work/etc"
# Guide step 2: the settings file, from deploy/linli.toml.
sed -e "s|^data = .*|data = \"$work/lib/linli\"|" \
    -e "s|^listen = .*|listen = \"127.0.0.1:$port\"|" \
    "$here/linli.toml" >"$cfg"
chmod 0640 "$cfg"

step "linli config"
out="$("$bin" --config "$cfg" config)" || fail "linli config refused the example settings: $out"
grep -q "settings are valid" <<<"$out" || fail "no 'settings are valid': $out"
grep -q "^secure_cookies .*true .*(configuration file)" <<<"$out" || fail "secure_cookies not from the file: $out"

step "linli migrate (first install) and demo data (rehearsal)"
"$bin" --config "$cfg" migrate >/dev/null
[ "$(stat -c %a "$work/lib/linli")" = 700 ] || fail "data folder is not 0700"
[ "$(stat -c %a "$work/lib/linli/linli.db")" = 600 ] || fail "database is not 0600"
"$bin" --config "$cfg" demo >/dev/null

step "serve as the unit does (LINLI_CONFIG)"
LINLI_CONFIG="$cfg" "$bin" serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
[ "$(curl -fsS "http://127.0.0.1:$port/healthz")" = ok ] || fail "healthz: $(cat "$work/serve.log")"
metrics="$(curl -fsS "http://127.0.0.1:$port/metrics")"
for m in linli_db_size_bytes linli_jobs_due linli_sms_failed_total linli_login_failures_total; do
  grep -q "^$m " <<<"$metrics" || fail "/metrics has no $m"
done

step "nightly backup script, three nights, keeping two"
for _ in 1 2 3; do
  LINLI_BIN="$bin" LINLI_CONFIG="$cfg" LINLI_BACKUP_DIR="$work/backups" LINLI_BACKUP_KEEP=2 \
    "$here/linli-backup.sh" >"$work/backup.log" 2>&1 || fail "linli-backup.sh: $(cat "$work/backup.log")"
  sleep 1.1
done
n="$(ls "$work/backups" | wc -l)"   # the copies alone: checking one leaves no -wal/-shm
[ "$n" = 2 ] || fail "retention kept $n copies, not 2: $(ls -la "$work/backups"; cat "$work/backup.log")"
[ "$(stat -c %a "$work/backups")" = 700 ] || fail "backup folder is not 0700"
for f in "$work"/backups/*; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f is not 0600"
done

step "systemctl stop (SIGTERM)"
kill -TERM "$server"
wait "$server" || fail "SIGTERM did not stop cleanly: $(cat "$work/serve.log")"
server=""
wal="$work/lib/linli/linli.db-wal"
[ ! -s "$wal" ] || fail "a write-ahead log was left behind"

step "restore the newest backup, then check"
newest="$(ls -1t "$work"/backups/linli-*.db | head -n1)"
"$bin" --config "$cfg" restore "$newest" >/dev/null
"$bin" --config "$cfg" verify-ledger | grep -q "ledgers intact" || fail "verify-ledger after restore"
"$bin" --config "$cfg" migrate --check | grep -q "up to date" || fail "migrate --check"
step "all guide commands ran as written"
