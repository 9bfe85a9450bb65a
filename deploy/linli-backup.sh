#!/usr/bin/env bash
# Linli 邻里 nightly backup: writes a consistent copy while the server runs, checks it on
# its own (every ledger's chain), and keeps the newest LINLI_BACKUP_KEEP copies (default
# 14). Run by deploy/linli-backup.timer; by hand: `sudo -u linli linli-backup.sh`.
#   LINLI_BIN          the binary (default: linli on the PATH)
#   LINLI_CONFIG       the settings file (data folder or DATABASE_URL come from it)
#   LINLI_BACKUP_DIR   where copies go (default /var/backups/linli, created 0700)
#   LINLI_BACKUP_KEEP  how many copies to keep (default 14: two weeks of nightly copies)
set -euo pipefail
umask 077
bin="${LINLI_BIN:-linli}"
dir="${LINLI_BACKUP_DIR:-/var/backups/linli}"
keep="${LINLI_BACKUP_KEEP:-14}"
mkdir -p "$dir"
chmod 700 "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
if [ -n "${DATABASE_URL:-}" ] || grep -qs '^database_url *= *"postgres' "${LINLI_CONFIG:-/dev/null}"; then
  file="$dir/linli-$stamp.pgdump"
else
  file="$dir/linli-$stamp.db"
fi
"$bin" backup "$file"
if [ "${file##*.}" = db ]; then
  # The copy is a database of its own: check it, not the live one.
  DATABASE_URL="sqlite://$file" "$bin" verify-ledger >/dev/null
fi
echo "backup: $file ($(du -h "$file" | cut -f1)) checked"
# Newest first; everything after the first $keep goes.
shopt -s nullglob
copies=("$dir"/linli-*.db "$dir"/linli-*.pgdump)
[ ${#copies[@]} -gt "$keep" ] || exit 0
ls -1t -- "${copies[@]}" | tail -n +"$((keep + 1))" | while read -r old; do
  rm -f -- "$old"
  echo "backup: removed $old (keeping $keep)"
done
